"""A virtual Bluetooth radio: one Bumble ``LocalLink`` (the air) with a controller per device.

In-process (``--simulate``, tests)::

    async with VirtualRadio() as radio:
        await radio.add_sensors(sensor_pair(VirtualWearer(scenario, speed=10)))
        host = await radio.central()           # BumbleHost: host.scanner_backend, host.client_backend

Across processes (``--transport bumble:tcp-client:127.0.0.1:9001``): a radio process serves
one controller per TCP port (Bumble's ``tcp-server`` HCI transport takes one host at a time),
and each other process attaches its own host over ``tcp-client`` -- the monitor's bleak backend,
or a virtual sensor (``python -m sensors.ble.virtual_sensors --transport tcp-client:...``)::

    python -m sensors.ble.virtual_radio --port 9001 --port 9002 --port 9003
    python -m sensors.ble.virtual_radio --port 9001 --sensors witmotion witmotion --speed 1

Only loopback is served unless ``--host`` says otherwise: nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import socket

from bumble import hci, ll
from bumble.controller import Controller
from bumble.link import LocalLink
from bumble.transport.common import ParserSource

from sensors.ble.bumble_backend import BumbleHost, quiet_bumble_logs
from sensors.ble.virtual_peripheral import VirtualPeripheral
from sensors.samples import SIDES


class VirtualController(Controller):
    """Bumble's virtual Controller, answering LE Create Connection Cancel as a real one does.

    Bumble 0.0.236's Controller acknowledges the cancel but keeps the attempt pending and never
    reports it ended, so a connect that timed out hangs in the host, blocks every later connect
    ("command disallowed"), and may complete long after. Core spec Vol 4 Part E 7.8.13: the
    controller ends the attempt and sends LE Connection Complete with status Unknown Connection
    Identifier (0x02).
    """

    def on_hci_le_create_connection_cancel_command(self, command):
        pending = self.pending_le_connection
        if pending is None:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
        self.pending_le_connection = None
        event = hci.HCI_LE_Connection_Complete_Event(
            status=hci.HCI_UNKNOWN_CONNECTION_IDENTIFIER_ERROR, connection_handle=0, role=hci.Role.CENTRAL,
            peer_address_type=pending.peer_address.address_type, peer_address=pending.peer_address,
            connection_interval=0, peripheral_latency=0, supervision_timeout=0, central_clock_accuracy=0)
        # After the Command Complete that the caller sends for this handler's return value.
        asyncio.get_running_loop().call_soon(self.send_hci_packet, event)
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

    def drop_host(self) -> None:
        """Its host went away (a process attached over TCP exited): end its links as a
        supervision timeout would -- the virtual link has none -- so that its peers see the
        drop and advertise again; stop its scanning, advertising and connection attempt."""
        for connection in list(self.le_connections.values()):
            connection.send_ll_control_pdu(ll.TerminateInd(hci.HCI_CONNECTION_TIMEOUT_ERROR))
            self.on_le_disconnected(connection, hci.HCI_CONNECTION_TIMEOUT_ERROR)
        self.pending_le_connection = None
        self.le_scan_enable = False
        self.le_legacy_advertiser.stop()
        for advertising_set in self.advertising_sets.values():
            advertising_set.stop()


class HostPort:
    """One controller's HCI over TCP for one host process at a time (the byte stream of Bumble's
    tcp-server transport). When the host's connection ends, its controller drops its links at
    once (``drop_host``); a new connection starts with a fresh packet parser."""

    def __init__(self) -> None:
        self.source = ParserSource()  # host -> controller: H4 packets parsed from the stream
        self.controller: VirtualController | None = None
        self.client: asyncio.Transport | None = None

    def on_packet(self, packet: bytes) -> None:  # controller -> host
        if self.client is not None:
            self.client.write(packet)

    def protocol(self) -> asyncio.Protocol:
        return _HostConnection(self)

    def attach(self, client: asyncio.Transport) -> None:
        if self.client is not None:  # a second process on one port replaces the first
            old, self.client = self.client, None
            old.close()
            self.controller.drop_host()
        self.client = client
        self.source.parser.reset()

    def detach(self, client: asyncio.Transport) -> None:
        if client is self.client:
            self.client = None
            self.controller.drop_host()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


class _HostConnection(asyncio.Protocol):
    def __init__(self, port: HostPort) -> None:
        self.port = port
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.port.attach(transport)

    def data_received(self, data: bytes) -> None:
        if self.transport is self.port.client:
            self.port.source.parser.feed_data(data)

    def connection_lost(self, exc) -> None:
        self.port.detach(self.transport)


class VirtualRadio:
    """The virtual air and what is attached to it: controllers, hosts, sensors, TCP ports."""

    def __init__(self) -> None:
        self.link = LocalLink()
        self.sensors: list[VirtualPeripheral] = []
        self.hosts: list[BumbleHost] = []
        self.ports: list[int] = []
        self._servers: list[asyncio.Server] = []
        self._host_ports: list[HostPort] = []
        self._count = 0

    async def __aenter__(self) -> VirtualRadio:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def controller(self, name: str | None = None, *, host_source=None, host_sink=None) -> VirtualController:
        """A new controller on this link (a radio for one device); ``host_source`` and ``host_sink``
        connect it to a host over HCI (a TCP port), else the host attaches itself."""
        self._count += 1
        return VirtualController(name or f"C{self._count}", link=self.link, host_source=host_source,
                                 host_sink=host_sink)

    async def central(self) -> BumbleHost:
        """A powered-on central host on its own controller, for the bleak backend."""
        host = await BumbleHost.on_controller(self.controller("central"))
        self.hosts.append(host)
        return host

    async def add_sensors(self, sensors) -> list[VirtualPeripheral]:
        """Attach virtual sensors, each on its own controller; they start advertising."""
        for sensor in sensors:
            await sensor.attach(self.controller(sensor.name))
            self.sensors.append(sensor)
        return list(sensors)

    async def serve_tcp(self, port: int = 0, *, host: str = "127.0.0.1") -> int:
        """Serve one controller over TCP, as Bumble's ``tcp-server`` HCI transport does (H4
        packets); returns the port (0 picks a free one). A process joins with the transport
        ``tcp-client:HOST:PORT``."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        port = sock.getsockname()[1]
        host_port = HostPort()
        host_port.controller = self.controller(f"tcp:{port}", host_source=host_port.source, host_sink=host_port)
        self._servers.append(await asyncio.get_running_loop().create_server(host_port.protocol, sock=sock))
        self._host_ports.append(host_port)
        self.ports.append(port)
        return port

    async def close(self) -> None:
        for sensor in self.sensors:
            await sensor.close()
        for central in self.hosts:
            await central.close()
        for server in self._servers:
            server.close()
        for host_port in self._host_ports:
            host_port.close()
        self.sensors, self.hosts, self._servers, self._host_ports = [], [], [], []


async def _serve(args: argparse.Namespace) -> None:
    from sensors.ble.virtual_peripheral import VirtualWearer
    from sensors.ble.virtual_sensors import make_sensor
    from sensors.scenarios import SCENARIOS

    async with VirtualRadio() as radio:
        for port in args.port:
            await radio.serve_tcp(port, host=args.host)
        if args.sensors:
            wearer = VirtualWearer(SCENARIOS[args.scenario](seed=args.seed), speed=args.speed)
            await radio.add_sensors([make_sensor(profile, side, wearer)
                                     for profile, side in zip(args.sensors, SIDES)])
        listening = " ".join(f"tcp-client:{args.host}:{port}" for port in radio.ports)
        names = ", ".join(f"{s.name} ({s.address}, {s.side})" for s in radio.sensors) or "none"
        print(f"virtual radio ready: {listening}; sensors: {names}", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    """Run a virtual radio shared across processes until interrupted."""
    from sensors.ble.virtual_sensors import FAMILIES
    from sensors.scenarios import SCENARIOS

    p = argparse.ArgumentParser(prog="python -m sensors.ble.virtual_radio", description=main.__doc__)
    p.add_argument("--port", type=int, action="append", default=[],
                   help="serve one controller on this TCP port (repeat; 0 picks a free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback only)")
    p.add_argument("--sensors", nargs="*", choices=list(FAMILIES), default=[],
                   help="virtual sensors to run in this process: left, then right")
    p.add_argument("--scenario", choices=sorted(SCENARIOS), default="normal_work")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--speed", type=float, default=1.0, help="scenario seconds per wall second (default 1)")
    args = p.parse_args(argv)
    if not args.port:
        p.error("give at least one --port")
    quiet_bumble_logs()
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

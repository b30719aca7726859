"""Which Bluetooth stack bleak runs on: ``--transport SPEC`` and ``--simulate``.

- no ``--transport`` (or ``os``): the operating system's stack, bleak's platform backend;
- ``bumble:<hci-transport>``: bleak on a Bumble host over any Bumble HCI transport --
  ``bumble:usb:0`` drives a USB dongle directly, ``bumble:tcp-client:127.0.0.1:9001`` joins a
  virtual radio shared across processes (``python -m sensors.ble.virtual_radio``);
- ``--simulate``: virtual sensors on an in-process virtual radio.

``open_radio(spec)`` gives a ``Radio`` whose ``scanner_backend`` / ``client_backend`` go to
``BleakScanner(backend=...)`` / ``BleakClient(backend=...)`` (None: bleak's default). Wrap bleak
calls in ``bluetooth_errors(spec)`` so that a missing adapter, a refused permission or a missing
system D-Bus end in one ``BluetoothUnavailable`` sentence with advice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Literal

from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason, BleakError

from sensors.errors import BluetoothUnavailable, UsageError

# Bumble 0.0.236's HCI transport schemes (bumble/transport/__init__.py), checked before opening
# so that a typo is a usage error, not a Bluetooth failure.
BUMBLE_SCHEMES = ("serial", "udp", "tcp-client", "tcp-server", "ws-client", "ws-server", "pty", "file",
                  "vhci", "hci-socket", "usb", "pyusb", "android-emulator", "android-netsim", "unix",
                  "unix-client", "unix-server")
POWER_ON_TIMEOUT_S = 10.0
TRY_SIMULATE = "try backmon without hardware with --simulate"
_REASON_ADVICE = {
    BleakBluetoothNotAvailableReason.NO_BLUETOOTH:
        "no Bluetooth adapter found: plug one in (a USB dongle also works with --transport bumble:usb:0)",
    BleakBluetoothNotAvailableReason.NO_BLE_CENTRAL_ROLE:
        "the Bluetooth adapter cannot act as a Bluetooth LE central: use a Bluetooth 4.0+ adapter",
    BleakBluetoothNotAvailableReason.POWERED_OFF:
        "Bluetooth is switched off: switch it on in the system settings",
    BleakBluetoothNotAvailableReason.DENIED_BY_USER:
        "this program may not use Bluetooth: allow it in the system's privacy settings",
    BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM:
        "the system does not let this program use Bluetooth (an administrator policy?)",
    BleakBluetoothNotAvailableReason.DENIED_BY_UNKNOWN:
        "this program may not use Bluetooth: check the system's Bluetooth permissions",
}


@dataclass(frozen=True)
class TransportSpec:
    """A parsed ``--transport``: ``os``, ``bumble`` with its HCI transport, or ``simulate``."""

    kind: Literal["os", "bumble", "simulate"]
    hci: str | None = None

    def __str__(self) -> str:
        return f"bumble:{self.hci}" if self.kind == "bumble" else self.kind


OS_STACK = TransportSpec("os")
SIMULATED = TransportSpec("simulate")


def parse_transport(text: str | None, *, simulate: bool = False) -> TransportSpec:
    """``--transport`` text (None: the OS stack) and ``--simulate`` -> TransportSpec.

    UsageError for an unknown form or Bumble scheme, or for both options at once.
    """
    if simulate:
        if text not in (None, "", "simulate"):
            raise UsageError(f"--simulate runs its own virtual radio; drop --transport {text}")
        return SIMULATED
    if text in (None, "", "os"):
        return OS_STACK
    if text == "simulate":
        return SIMULATED
    kind, _, hci = text.partition(":")
    if kind != "bumble" or not hci:
        raise UsageError(f"transport '{text}' is not 'os' or 'bumble:<hci-transport>' "
                         "(e.g. bumble:usb:0, bumble:tcp-client:127.0.0.1:9001)")
    scheme = hci.split(":", 1)[0]
    if scheme not in BUMBLE_SCHEMES:
        raise UsageError(f"'{scheme}' is not a Bumble HCI transport; use one of {', '.join(BUMBLE_SCHEMES)}")
    return TransportSpec("bumble", hci)


@dataclass
class Radio:
    """An opened transport: backends for bleak (None = the OS stack's) and, when simulated, the
    virtual radio and its sensors (``virtual.sensors``)."""

    spec: TransportSpec
    scanner_backend: type | None = None
    client_backend: type | None = None
    host: object | None = None  # the BumbleHost, for bumble and simulate
    virtual: object | None = None  # the VirtualRadio, for simulate
    sensors: list = field(default_factory=list)


@asynccontextmanager
async def open_radio(spec: TransportSpec, *,
                     sensors: Callable[[], Sequence] | None = None) -> AsyncIterator[Radio]:
    """Open the transport for a session and close it afterwards.

    sensors: for ``simulate``, makes the virtual sensors to put on the radio (default: a
    WitMotion pair on the ``normal_work`` scenario at real-time pace).
    """
    if spec.kind == "os":
        yield Radio(spec)
        return
    if spec.kind == "simulate":
        async with _simulated(spec, sensors) as radio:
            yield radio
        return
    host = await _open_bumble(spec)
    try:
        yield Radio(spec, host.scanner_backend, host.client_backend, host=host)
    finally:
        await host.close()


async def _open_bumble(spec: TransportSpec):
    from sensors.ble.bumble_backend import BumbleHost, quiet_bumble_logs

    quiet_bumble_logs()
    try:
        return await asyncio.wait_for(BumbleHost.open(spec.hci), POWER_ON_TIMEOUT_S)
    except TimeoutError:
        raise BluetoothUnavailable(f"no Bluetooth controller answered on the Bumble transport '{spec.hci}' "
                                   f"within {POWER_ON_TIMEOUT_S:g} s") from None
    except ValueError as err:  # Bumble's TransportSpecError is a ValueError
        raise UsageError(f"Bumble transport '{spec.hci}': {err}") from None
    except Exception as err:  # noqa: BLE001 -- USB, serial and socket layers raise their own types
        raise BluetoothUnavailable(f"cannot open the Bumble transport '{spec.hci}': {err or type(err).__name__} "
                                   f"({_advice_for(spec.hci)})") from None


def _advice_for(hci: str) -> str:
    if hci.startswith(("usb", "pyusb")):
        return "is a USB Bluetooth dongle plugged in, and may this user open it?"
    if hci.startswith("tcp-client"):
        return "is the virtual radio (python -m sensors.ble.virtual_radio) serving that port?"
    return "check the device or address in the transport"


@asynccontextmanager
async def _simulated(spec: TransportSpec, sensors: Callable[[], Sequence] | None) -> AsyncIterator[Radio]:
    from sensors.ble.bumble_backend import quiet_bumble_logs
    from sensors.ble.virtual_radio import VirtualRadio

    quiet_bumble_logs()
    async with VirtualRadio() as virtual:
        if sensors is None:
            sensors = default_simulated_sensors
        await virtual.add_sensors(sensors())
        host = await virtual.central()
        yield Radio(spec, host.scanner_backend, host.client_backend, host=host, virtual=virtual,
                    sensors=list(virtual.sensors))


def default_simulated_sensors(scenario: str = "normal_work", *, speed: float = 1.0,
                              profiles: tuple[str, str] = ("witmotion", "witmotion")) -> list:
    """Two virtual sensors (left, right) wearing one simulated person."""
    from sensors.ble.virtual_peripheral import VirtualWearer
    from sensors.ble.virtual_sensors import sensor_pair
    from sensors.scenarios import SCENARIOS

    return sensor_pair(VirtualWearer(SCENARIOS[scenario](), speed=speed), profiles)


@contextmanager
def bluetooth_errors(spec: TransportSpec) -> Iterator[None]:
    """Turn "no Bluetooth here" errors raised inside the block into one BluetoothUnavailable."""
    try:
        yield
    except BleakBluetoothNotAvailableError as err:
        advice = _REASON_ADVICE.get(err.reason, f"Bluetooth is not available ({err.args[0]})")
        raise BluetoothUnavailable(f"{advice}; or {TRY_SIMULATE}") from None
    except FileNotFoundError as err:
        if spec.kind != "os":
            raise
        # bleak's BlueZ backend opens the system D-Bus socket; without one it raises this plain error
        raise BluetoothUnavailable("no system D-Bus, so no BlueZ (the Linux Bluetooth service) to talk to: "
                                   "run where bluetoothd is running, drive a USB dongle directly with "
                                   f"--transport bumble:usb:0, or {TRY_SIMULATE}") from err
    except BleakError as err:
        if spec.kind == "os" and "adapter" in str(err).lower():
            raise BluetoothUnavailable(f"{err}; plug in a Bluetooth adapter, or {TRY_SIMULATE}") from None
        raise

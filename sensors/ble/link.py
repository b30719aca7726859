"""Finding, connecting and keeping the two sensors (bleak; REFERENCES.md "bleak (3.1) practice").

- ``find_sensor``: by address, or by advertised name (an exact name first, else a prefix);
  a name matching several devices stops with the candidates listed, never picks one.
- ``SensorLink``: one side for the whole session. The first connect happens under a lock shared
  with the other side (connect one at a time), then ``run`` is that side's supervised task:
  subscribe, send the profile's configuration, read the battery, then wait for the disconnect
  event (or silence); after a drop it scans for the SAME device (a stranger advertising the same
  name is refused and reported), reconnects with backoff through bleak-retry-connector, and
  subscribes and configures again. Link state is data (``state``), not log text.
- The notification callback only stamps ``now_ns()`` and enqueues; ``disconnected_callback``
  fires on our own disconnects too, so a ``stopping`` flag tells them apart.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from enum import StrEnum

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import establish_connection

from sensors.ble.discovery import battery_text
from sensors.ble.errors import AmbiguousSensor, ConnectFailed, ProfileMismatch, SensorNotFound
from sensors.ble.transport import Radio
from sensors.errors import MalformedPacket
from sensors.profiles import DeviceProfile, HapticPattern, parse_battery_level

# AA:BB:CC:DD:EE:FF (Linux, Windows; Bumble may add /P for public) or a CoreBluetooth UUID (macOS).
_ADDRESS = re.compile(r"([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}(/P)?|[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")
SCAN_S = 10.0  # looking for a sensor at the start
SETTLE_S = 1.5  # after a name matched, listen this much longer for a second match
RECONNECT_SCAN_S = 5.0
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)  # then 8 s between reconnect attempts
SILENT_S = 5.0  # connected without data this long: reconnect (and resend the configuration)
OPERATION_TIMEOUT_S = 10.0  # any one GATT operation
HAPTIC_TIMEOUT_S = 2.0  # a vibration later than this is no longer about the moment it was for
LINK_ERRORS = (BleakError, TimeoutError, OSError, EOFError, MalformedPacket)
RECONNECTED = (-1, b"")  # queued before the first notification of every new connection


class LinkState(StrEnum):
    """Where a sensor's link is; the status view shows it, with the gap since the last data."""

    CONNECTING = "connecting"  # the first connect, before streaming
    CONNECTED = "connected"  # configured and streaming
    RECONNECTING = "reconnecting"  # dropped (or a connect failed): scanning and connecting again
    SILENT = "silent"  # connected, but no data for SILENT_S: about to reconnect
    STOPPED = "stopped"  # the session is over


def is_address(text: str) -> bool:
    return _ADDRESS.fullmatch(text) is not None


def _name(device: BLEDevice, adv) -> str:
    return (adv.local_name if adv is not None and adv.local_name else device.name) or ""


async def find_sensor(radio: Radio, side: str, query: str, *, timeout_s: float = SCAN_S,
                      settle_s: float = SETTLE_S) -> tuple[BLEDevice, str]:
    """The one device matching ``query`` (address, exact name, or name prefix) and its name."""
    by_address = is_address(query)
    folded = query.casefold()
    seen: dict[str, tuple[BLEDevice, str]] = {}
    first_match = asyncio.Event()

    def on_seen(device: BLEDevice, adv) -> None:  # scanner callback: note and signal, nothing more
        name = _name(device, adv)
        if by_address and device.address.upper() == query.upper().removesuffix("/P"):
            seen[device.address] = (device, name)
        elif not by_address and name.casefold().startswith(folded):
            seen[device.address] = (device, name)
        if seen:
            first_match.set()

    async with BleakScanner(detection_callback=on_seen, backend=radio.scanner_backend):
        try:
            await asyncio.wait_for(first_match.wait(), timeout_s)
        except TimeoutError:
            raise SensorNotFound(side, query, timeout_s) from None
        if not by_address:
            await asyncio.sleep(settle_s)
    matches = list(seen.values())
    exact = [m for m in matches if m[1].casefold() == folded]
    if len(exact) == 1:
        return exact[0]
    if len(matches) > 1:
        raise AmbiguousSensor(side, query, sorted((name, d.address) for d, name in matches))
    return matches[0]


class SensorLink:
    """One sensor's connection over the session; ``state`` is a ``LinkState``."""

    def __init__(self, side: str, device: BLEDevice, name: str, profile: DeviceProfile, *, rate_hz: float,
                 radio: Radio, lock: asyncio.Lock, now_ns: Callable[[], int] = time.monotonic_ns,
                 on_event: Callable[[str, str], None] = lambda side, text: None,
                 silent_s: float = SILENT_S, time_scale: float = 1.0) -> None:
        self.side, self.device, self.name, self.profile = side, device, name, profile
        self.address = device.address
        self.rate_hz, self.radio, self.lock, self.now_ns = rate_hz, radio, lock, now_ns
        self.on_event, self.silent_s, self.time_scale = on_event, silent_s, time_scale
        self.queue: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue()
        self.state = LinkState.CONNECTING
        self.client: BleakClient | None = None
        self.stopping = False
        self.connects = 0
        self.battery: str | None = None
        self.last_data_ns: int | None = None  # newest notification that carried samples
        self.down_since_ns: int | None = None
        self.configured_ns: int | None = None
        self.strangers: set[str] = set()
        self._dropped = asyncio.Event()

    # ---------------------------------------------------------------- callbacks (stamp + enqueue)

    def _on_notify(self, _characteristic, data: bytearray) -> None:
        self.queue.put_nowait((self.now_ns(), bytes(data)))

    def _on_disconnect(self, client: BleakClient) -> None:
        if client is self.client and not self.stopping:
            self._dropped.set()

    # ---------------------------------------------------------------- connecting

    async def connect(self) -> None:
        """One connect (scan for this very device first after a drop); raises link errors."""
        async with self.lock:
            if self.connects:
                self.device = await self._find_again()
            self._dropped.clear()
            self.client = await establish_connection(
                BleakClient, self.device, self.name, disconnected_callback=self._on_disconnect, max_attempts=2,
                backend=self.radio.client_backend)
        self.connects += 1
        if self.client.services.get_service(self.profile.service_uuid) is None:
            await self._disconnect()
            raise ProfileMismatch(self.side, self.name, self.profile.name, self.profile.service_uuid)

    async def connect_first(self) -> None:
        try:
            await self.connect()
        except LINK_ERRORS as err:
            raise ConnectFailed(self.side, self.name, str(err) or type(err).__name__) from None

    async def _find_again(self) -> BLEDevice:
        """This very device (by address); same-named strangers are noted and refused."""
        strangers: list[str] = []

        def same_device(device: BLEDevice, adv) -> bool:
            if device.address.upper() == self.address.upper():
                return True
            if _name(device, adv) == self.name and device.address not in self.strangers:
                self.strangers.add(device.address)
                strangers.append(device.address)
            return False

        try:
            device = await BleakScanner.find_device_by_filter(same_device, timeout=RECONNECT_SCAN_S,
                                                              backend=self.radio.scanner_backend)
        finally:
            for address in strangers:
                self.on_event(self.side, f"refused {self.name} at {address}: not the sensor this session started "
                                         f"with ({self.address})")
        if device is None:
            raise TimeoutError(f"{self.name} ({self.address}) is not advertising")
        return device

    async def _configure(self) -> None:
        """Subscribe, send the configuration, read the battery (the same after every reconnect)."""
        client, p = self.client, self.profile
        if self.connects > 1:
            self.queue.put_nowait(RECONNECTED)
        async with asyncio.timeout(OPERATION_TIMEOUT_S):
            await client.start_notify(p.notify_uuid, self._on_notify)
            for command in p.start_commands(self.rate_hz):
                await client.write_gatt_char(p.write_uuid, command, response=p.write_with_response)
            if p.battery is not None and p.battery.read_uuid is not None:
                try:
                    raw = bytes(await client.read_gatt_char(p.battery.read_uuid))
                    self.battery = battery_text(parse_battery_level(raw))
                except LINK_ERRORS:
                    pass  # a battery we cannot read is no reason to drop the link
            elif p.battery is not None and p.battery.request is not None:
                await client.write_gatt_char(p.write_uuid, p.battery.request, response=p.write_with_response)
        self.configured_ns = self.now_ns()

    # ---------------------------------------------------------------- the supervised task

    async def run(self) -> None:
        """Stream until stopped; reconnect after every drop. Never raises a link error."""
        failures = 0
        while not self.stopping:
            try:
                if self.client is None or not self.client.is_connected:
                    self.state = LinkState.RECONNECTING
                    await self.connect()
                await self._configure()
                self._set(LinkState.CONNECTED, "streaming" if self.connects == 1 else "reconnected and streaming again")
                self.down_since_ns = None
                failures = 0
                await self._watch()
            except LINK_ERRORS as err:
                if self.stopping:
                    break
                self._set(LinkState.RECONNECTING, f"{type(err).__name__}: {err}" if str(err) else type(err).__name__,
                          quiet=failures > 0)
                await self._disconnect()
                await asyncio.sleep(BACKOFF_S[min(failures, len(BACKOFF_S) - 1)] / self.time_scale)
                failures += 1
                continue
            if self.stopping:
                break
            await self._disconnect()
        self.state = LinkState.STOPPED

    async def _watch(self) -> None:
        """Return when the link dropped, or when a sensor that has streamed went silent (one that
        never sent anything is the session's to judge: it ends the session at the start)."""
        while not self.stopping:
            try:
                await asyncio.wait_for(self._dropped.wait(), 0.5)
            except TimeoutError:
                pass
            if self._dropped.is_set():
                self.down_since_ns = self.down_since_ns or self.now_ns()
                self._set(LinkState.RECONNECTING, "link lost")
                return
            if self.last_data_ns is None:
                continue
            since = max(self.last_data_ns, self.configured_ns or 0)
            # Wall seconds: silence is the radio's and the device's business, not the scenario's.
            if (self.now_ns() - since) * 1e-9 / self.time_scale > self.silent_s:
                self.down_since_ns = since
                self._set(LinkState.SILENT, f"no data for {self.silent_s:g} s: reconnecting")
                return

    # ---------------------------------------------------------------- the wearer's motor

    @property
    def has_motor(self) -> bool:
        return self.profile.has_motor

    async def vibrate(self, pattern: HapticPattern, *, timeout_s: float = HAPTIC_TIMEOUT_S) -> bool:
        """Play a pattern on the sensor's motor: True once the board acknowledged the write.
        False (never raises) without a motor, while the link is down, or when the write fails or
        takes longer than timeout_s; the link itself is left to ``run`` to look after."""
        client, p = self.client, self.profile
        if not p.has_motor or self.state != LinkState.CONNECTED or client is None or not client.is_connected:
            return False
        try:
            async with asyncio.timeout(timeout_s):
                await client.write_gatt_char(p.haptic_uuid, p.encode_haptic(pattern), response=True)
        except LINK_ERRORS:
            return False
        return True

    def _set(self, state: LinkState, text: str, *, quiet: bool = False) -> None:
        changed = state != self.state
        self.state = state
        if changed or not quiet:
            self.on_event(self.side, text)

    async def _disconnect(self) -> None:
        client = self.client
        if client is None:
            return
        try:
            async with asyncio.timeout(OPERATION_TIMEOUT_S):
                await client.disconnect()
        except (*LINK_ERRORS, asyncio.CancelledError):
            pass

    async def stop(self) -> None:
        """Stop streaming politely (the profile's stop commands), unsubscribe, disconnect."""
        self.stopping = True
        client, p = self.client, self.profile
        if client is not None and client.is_connected:
            try:
                async with asyncio.timeout(3.0):
                    for command in p.stop_commands():
                        await client.write_gatt_char(p.write_uuid, command, response=p.write_with_response)
                    await client.stop_notify(p.notify_uuid)
            except LINK_ERRORS:
                pass
        await self._disconnect()
        self.state = LinkState.STOPPED
        self.queue.put_nowait(None)  # tells the consumer no more will come

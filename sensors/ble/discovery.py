"""Finding supported sensors: scan, match advertised names to profiles, read the battery.

Used by ``backmon scan``; the monitor finds its two sensors with the same pieces. Every bleak
call goes through the radio's backends (``sensors.ble.transport.Radio``), so the same code runs
on the OS stack, on a Bumble dongle and on the virtual radio.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from sensors.ble.transport import Radio
from sensors.errors import MalformedPacket
from sensors.profiles import BatteryReading, DeviceProfile, parse_battery_level, profile_for_name

CONNECT_TIMEOUT_S = 10.0
BATTERY_REPLY_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class FoundSensor:
    """A supported sensor seen while scanning; battery is None when it could not be read."""

    name: str
    address: str
    rssi_dbm: int
    profile: DeviceProfile
    device: BLEDevice
    battery: BatteryReading | None = None


@dataclass(frozen=True)
class ScanResult:
    sensors: tuple[FoundSensor, ...]
    others: int  # devices seen whose names match no supported profile


async def scan_sensors(radio: Radio, *, timeout_s: float) -> ScanResult:
    """Scan for timeout_s; supported sensors (strongest signal first) and a count of the rest."""
    found = await BleakScanner.discover(timeout=timeout_s, return_adv=True, backend=radio.scanner_backend)
    sensors, others = [], 0
    for device, adv in found.values():
        name = device.name or adv.local_name
        profile = profile_for_name(name)
        if profile is None:
            others += 1
            continue
        sensors.append(FoundSensor(name, device.address, adv.rssi, profile, device))
    sensors.sort(key=lambda s: (-s.rssi_dbm, s.name, s.address))
    return ScanResult(tuple(sensors), others)


async def read_battery(radio: Radio, sensor: FoundSensor, *,
                       connect_timeout_s: float = CONNECT_TIMEOUT_S) -> BatteryReading | None:
    """Connect briefly and read the battery the way the sensor's profile says; None when the
    profile offers no battery, or the sensor does not answer."""
    access = sensor.profile.battery
    if access is None:
        return None
    try:
        async with BleakClient(sensor.device, backend=radio.client_backend, timeout=connect_timeout_s) as client:
            if access.read_uuid is not None:
                return parse_battery_level(bytes(await client.read_gatt_char(access.read_uuid)))
            if access.request is not None:
                return await _battery_by_request(client, sensor.profile, access.request)
    except (BleakError, TimeoutError, MalformedPacket, OSError):
        return None
    return None


async def _battery_by_request(client: BleakClient, profile: DeviceProfile, request: bytes) -> BatteryReading | None:
    """Write the battery request; the answer comes back on the notify characteristic."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    await client.start_notify(profile.notify_uuid, lambda _, data: queue.put_nowait(bytes(data)))
    try:
        await client.write_gatt_char(profile.write_uuid, request, response=profile.write_with_response)
        decoder = profile.decoder(profile.default_rate_hz)
        async with asyncio.timeout(BATTERY_REPLY_TIMEOUT_S):
            while True:
                try:
                    decoded = decoder.feed(await queue.get())
                except MalformedPacket:
                    continue
                for reply in decoded.replies:
                    if isinstance(reply, BatteryReading):
                        return reply
    except TimeoutError:
        return None
    finally:
        if client.is_connected:
            await client.stop_notify(profile.notify_uuid)


async def scan_with_batteries(radio: Radio, *, timeout_s: float) -> ScanResult:
    """scan_sensors, then each sensor's battery, one connection at a time."""
    result = await scan_sensors(radio, timeout_s=timeout_s)
    with_battery = []
    for sensor in result.sensors:
        battery = await read_battery(radio, sensor)
        with_battery.append(FoundSensor(sensor.name, sensor.address, sensor.rssi_dbm, sensor.profile,
                                        sensor.device, battery))
    return ScanResult(tuple(with_battery), result.others)


def battery_text(battery: BatteryReading | None) -> str:
    """``87 %``, ``3.90 V``, both, or ``n/a``."""
    if battery is None or (battery.percent is None and battery.volts is None):
        return "n/a"
    parts = []
    if battery.percent is not None:
        parts.append(f"{battery.percent:.0f} %")
    if battery.volts is not None:
        parts.append(f"{battery.volts:.2f} V")
    return ", ".join(parts)

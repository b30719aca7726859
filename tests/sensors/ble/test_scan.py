"""Scanning the virtual radio: every family found under its profile, with its battery."""

from __future__ import annotations

import asyncio

from bleak import BleakScanner

from backmon.cli import main
from sensors.ble.discovery import battery_text, scan_with_batteries
from sensors.ble.transport import SIMULATED, Radio
from sensors.profiles import BatteryReading
from tests.support.ble import radio_with, run


def test_scan_finds_each_family_with_its_profile_and_battery():
    async def body():
        async with radio_with([("witmotion", "left"), ("movesense", "right"), ("backmon", "right")]) \
                as (_, host, sensors):
            radio = Radio(SIMULATED, host.scanner_backend, host.client_backend, host=host)
            return await scan_with_batteries(radio, timeout_s=1.0), sensors

    result, sensors = run(body())
    found = {s.name: s for s in result.sensors}
    assert {name: s.profile.name for name, s in found.items()} == {
        "WT901BLE67": "witmotion", "Movesense 214530000002": "movesense", "backmon-R": "backmon"}
    assert {s.address for s in result.sensors} == {s.address for s in sensors}
    assert found["WT901BLE67"].battery == BatteryReading(volts=3.9)  # register 0x64, 390 / 100
    assert found["backmon-R"].battery == BatteryReading(percent=87.0)  # Battery Level 0x2A19
    assert found["Movesense 214530000002"].battery is None  # GSP has no battery query
    assert all(s.rssi_dbm == -50 for s in result.sensors)  # Bumble's virtual controller reports -50
    assert result.others == 0


def test_scanner_reports_advertisement_data_and_detection_callbacks():
    async def body():
        async with radio_with([("backmon", "left")]) as (_, host, [sensor]):
            seen = []
            async with BleakScanner(lambda device, adv: seen.append((device, adv)), backend=host.scanner_backend):
                await asyncio.sleep(0.5)
            return seen, sensor

    seen, sensor = run(body())
    device, adv = seen[-1]
    assert (device.address, device.name, adv.local_name) == (sensor.address, "backmon-L", "backmon-L")
    assert len(seen) >= 3  # advertising every 100 ms, not reported once only


def test_battery_text():
    assert battery_text(None) == "n/a"
    assert battery_text(BatteryReading(percent=87.0)) == "87 %"
    assert battery_text(BatteryReading(volts=3.9)) == "3.90 V"


def test_backmon_scan_simulate_prints_the_two_virtual_sensors(capsys):
    assert main(["scan", "--simulate", "--timeout", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["name", "address", "rssi", "profile", "battery", "motor"]
    rows = {line.split()[0]: line.split() for line in out[1:-1]}
    # The motor column is the profile row's capability: backmon boards have one, WitMotion none.
    assert rows["WT901BLE67"][4:] == ["witmotion", "3.90", "V", "no"]
    assert rows["backmon-R"][4:] == ["backmon", "87", "%", "yes"]
    assert out[-1] == "2 supported sensors found"

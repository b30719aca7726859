"""The real bleak API on the Bumble backend, against each virtual sensor family: configure,
subscribe, and the notifications decode (with the profiles' own decoders) into the simulator's
samples -- known answers within each format's quantisation."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from sensors.ble.virtual_sensors import BACKMON_BOOT_US, MOVESENSE_BOOT_MS
from sensors.profiles import PROFILES, backmon, movesense, witmotion
from sensors.profiles.base import BatteryReading, CommandResult, parse_battery_level
from tests.support.ble import WIT_TOLS, client_for, contiguous_match, expected_side, find, radio_with, run

# Half a count of each int16 scale (to_int16 rounds to the nearest count), plus float slack.
BACKMON_ACCEL_TOL_G, BACKMON_GYRO_TOL_DPS = 4 / 32768 / 2 + 1e-9, 500 / 32768 / 2 + 1e-9
FLOAT32_TOL = 1e-5  # Movesense sends float32: ~1e-7 relative


async def _collect(host, name: str, profile, rate_hz: float, seconds: float, *, battery_request=False):
    """Connect, subscribe, write the profile's start commands, collect notifications."""
    device = await find(host, name)
    received: list[bytes] = []
    async with client_for(host, device) as client:
        assert client.mtu_size == 247
        await client.start_notify(profile.notify_uuid, lambda _, data: received.append(bytes(data)))
        for command in profile.start_commands(rate_hz):
            await client.write_gatt_char(profile.write_uuid, command, response=profile.write_with_response)
        if battery_request:
            await client.write_gatt_char(profile.write_uuid, profile.battery.request,
                                         response=profile.write_with_response)
        await asyncio.sleep(seconds)
        for command in profile.stop_commands():
            await client.write_gatt_char(profile.write_uuid, command, response=profile.write_with_response)
        await asyncio.sleep(0.1)
        await client.stop_notify(profile.notify_uuid)
    return received


def _decode(profile, rate_hz, notifications):
    decoder = profile.decoder(rate_hz)
    decoded = [decoder.feed(n) for n in notifications]
    return [s for d in decoded for s in d.samples], [r for d in decoded for r in d.replies]


def test_witmotion_unlock_rate_save_then_frames_are_the_simulated_samples():
    profile = PROFILES["witmotion"]

    async def body():
        async with radio_with([("witmotion", "left")]) as (_, host, [sensor]):
            received = await _collect(host, "WT901BLE67", profile, 50.0, 1.5, battery_request=True)
            return received, sensor

    received, sensor = run(body())
    # The published write sequence arrived in order, and took effect: the sensor streams at 50 Hz.
    assert [(c.register, c.value) for c in sensor.commands[:3]] == [(0x69, 0xB588), (0x03, 0x08), (0x00, 0x0000)]
    assert sensor.rate_hz == 50.0
    samples, replies = _decode(profile, 50.0, received)
    assert BatteryReading(volts=3.9) in replies  # register 0x64 = 390 -> 3.90 V
    k0, skipped = contiguous_match(samples, expected_side("left", 50.0), **WIT_TOLS)
    # 1.5 s at 8x real time and 50 Hz is 600 samples; some go at the factory 10 Hz before the rate
    # command, and the first 50 Hz simulation takes a moment.
    assert len(samples) - skipped >= 250
    assert skipped <= 40


@pytest.mark.parametrize("rate_hz, speed", [(52.0, 8.0), (208.0, 2.0)])
def test_movesense_imu6_subscription_decodes_with_device_time(rate_hz, speed):
    profile = PROFILES["movesense"]

    async def body():
        async with radio_with([("movesense", "right")], speed=speed, rates_hz=(rate_hz,)) as (_, host, [sensor]):
            received = await _collect(host, sensor.name, profile, rate_hz, 1.5)
            return received, sensor

    received, sensor = run(body())
    assert [c.path for c in sensor.commands] == [f"/Meas/IMU6/{int(rate_hz)}", None]  # subscribe, unsubscribe
    assert not sensor.streaming
    samples, replies = _decode(profile, rate_hz, received)
    assert replies == [CommandResult(movesense.IMU6_REF, 200), CommandResult(movesense.IMU6_REF, 200)]
    if rate_hz == 208.0:  # 16 samples = 390 bytes: a DATA part and a DATA_PART2 at MTU 247
        assert {n[0] for n in received} >= {movesense.RESP_DATA, movesense.RESP_DATA_PART2}
    expected = expected_side("right", rate_hz)
    k0, skipped = contiguous_match(samples, expected, accel_tol_g=FLOAT32_TOL, gyro_tol_dps=FLOAT32_TOL)
    assert skipped == 0 and len(samples) >= 200
    # Device time: the sensor's clock (boot offset + the simulated written time), 1 ms resolution
    # for a packet's first sample, then k / rate within the packet.
    device_time = np.array([s.device_time_s for s in samples])
    want = MOVESENSE_BOOT_MS / 1000 + expected.time_s[k0:k0 + len(samples)]
    np.testing.assert_allclose(device_time, want, atol=1e-3)


def test_backmon_board_info_battery_start_and_packets():
    profile = PROFILES["backmon"]

    async def body():
        async with radio_with([("backmon", "left")]) as (_, host, [sensor]):
            device = await find(host, "backmon-L")
            async with client_for(host, device) as client:
                info = backmon.parse_info(bytes(await client.read_gatt_char(backmon.INFO_UUID)))
                battery = parse_battery_level(bytes(await client.read_gatt_char(profile.battery.read_uuid)))
                maker = bytes(await client.read_gatt_char("00002a29-0000-1000-8000-00805f9b34fb"))
            received = await _collect(host, "backmon-L", profile, 100.0, 1.5)
            return info, battery, maker, received, sensor

    info, battery, maker, received, sensor = run(body())
    assert info.rates_hz == (26, 52, 104, 208) and not info.streaming
    assert (info.accel_range_g, info.gyro_range_dps) == (4, 500)
    assert battery == BatteryReading(percent=87.0)
    assert maker == b"backmon"
    assert sensor.rate_hz == 104.0  # asked for 100 Hz: the board's nearest rate
    packets = [backmon.parse_packet(n) for n in received]
    assert [p.seq for p in packets] == list(range(len(packets)))  # from 0, none lost
    assert all(p.period_us == 9615 for p in packets)  # 1e6 / 104
    assert max(len(p.samples) for p in packets) <= 19
    samples = [s for p in packets for s in p.samples]
    expected = expected_side("left", 104.0)
    k0, skipped = contiguous_match(samples, expected, accel_tol_g=BACKMON_ACCEL_TOL_G,
                                   gyro_tol_dps=BACKMON_GYRO_TOL_DPS)
    assert skipped == 0 and len(samples) >= 600
    first_time_us = [p.time_us for p in packets]
    starts = np.cumsum([0] + [len(p.samples) for p in packets[:-1]])
    want_us = BACKMON_BOOT_US + np.round(expected.time_s[k0 + starts] * 1e6)
    np.testing.assert_array_equal(first_time_us, want_us)


def test_witmotion_register_read_answers_rate_and_battery():
    async def body():
        async with radio_with([("witmotion", "right")]) as (_, host, _sensors):
            device = await find(host, "WT901BLE67")
            received: list[bytes] = []
            async with client_for(host, device) as client:
                await client.start_notify(witmotion.NOTIFY_UUID, lambda _, d: received.append(bytes(d)))
                for register in (witmotion.REG_RATE, witmotion.REG_BATTERY):
                    await client.write_gatt_char(witmotion.WRITE_UUID, witmotion.read_register_command(register),
                                                 response=False)
                await asyncio.sleep(0.3)
            return received

    decoder = witmotion.WitMotionDecoder()
    replies = [r for n in run(body()) for r in decoder.feed(n).replies]
    assert replies[0].register == witmotion.REG_RATE and replies[0].values[0] == 0x06  # factory 10 Hz
    assert replies[1] == BatteryReading(volts=3.9)

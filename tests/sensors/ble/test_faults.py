"""Links that drop and sensors that misbehave, through the real bleak API on the Bumble backend:
disconnected callbacks, reconnect + resubscribe, bleak-retry-connector, connect timeouts, and
the virtual sensors' injected faults."""

from __future__ import annotations

import asyncio
import time

from bleak import BleakClient
from bleak_retry_connector import establish_connection

from sensors.ble.virtual_peripheral import Faults
from sensors.profiles import PROFILES, backmon, witmotion
from tests.support.ble import WIT_TOLS, client_for, contiguous_match, expected_side, find, radio_with, run

WIT = PROFILES["witmotion"]


async def _start(client, profile, rate_hz, sink):
    await client.start_notify(profile.notify_uuid, lambda _, data: sink.append(bytes(data)))
    for command in profile.start_commands(rate_hz):
        await client.write_gatt_char(profile.write_uuid, command, response=profile.write_with_response)


def test_sensor_drop_fires_disconnected_callback_and_reconnect_resubscribes():
    # The sensor drops the link 2 s (scenario time) into the stream and stays away 4 s.
    faults = {"left": Faults(disconnects=((2.0, 4.0),))}

    async def body():
        async with radio_with([("witmotion", "left")], speed=4.0, faults=faults) as (_, host, [sensor]):
            device = await find(host, "WT901BLE67")
            dropped = asyncio.Event()
            calls = []
            client = client_for(host, device, disconnected_callback=lambda c: (calls.append(c), dropped.set()))
            before, after = [], []
            await client.connect()
            await _start(client, WIT, 50.0, before)
            await asyncio.wait_for(dropped.wait(), 5.0)
            assert not client.is_connected
            # Still away: a connect attempt times out promptly and leaves the host usable.
            started = time.monotonic()
            try:
                await client.connect(timeout=0.3)
                raise AssertionError("connected to a sensor that is not advertising")
            except TimeoutError:
                pass
            timed_out_s = time.monotonic() - started
            await asyncio.sleep(1.2)  # the sensor is back after 4 s / 4 = 1 s of wall time
            await client.connect()
            await _start(client, WIT, 50.0, after)
            await asyncio.sleep(0.6)
            await client.disconnect()
            return calls, client, before, after, timed_out_s, sensor

    calls, client, before, after, timed_out_s, sensor = run(body())
    assert calls[0] is client  # bleak passes its BleakClient to the callback
    assert len(calls) == 2, calls  # the drop, and our own disconnect at the end (as with BlueZ)
    assert timed_out_s < 1.5
    assert sensor.log.disconnects == 1
    for part in (before, after):  # each connection's stream is the simulator's, contiguous
        contiguous_match(_samples(part), expected_side("left", 50.0), **WIT_TOLS)
    assert len(after) > 20


def _samples(notifications):
    decoder = WIT.decoder(50.0)
    return [s for n in notifications for s in decoder.feed(n).samples]


def test_establish_connection_from_bleak_retry_connector():
    async def body():
        async with radio_with([("backmon", "right")]) as (_, host, _sensors):
            device = await find(host, "backmon-R")
            client = await establish_connection(BleakClient, device, "right", max_attempts=2,
                                                backend=host.client_backend)
            try:
                info = backmon.parse_info(bytes(await client.read_gatt_char(backmon.INFO_UUID)))
            finally:
                await client.disconnect()
            return info

    assert run(body()).rates_hz == (26, 52, 104, 208)


def test_connect_to_absent_sensor_times_out_and_the_next_connect_works():
    async def body():
        async with radio_with([("witmotion", "left")]) as (_, host, _sensors):
            device = await find(host, "WT901BLE67")
            started = time.monotonic()
            try:
                await BleakClient("C0:DE:AD:00:00:01", backend=host.client_backend, timeout=0.5).connect()
                raise AssertionError("connected to an address nobody advertises")
            except TimeoutError:
                pass
            waited_s = time.monotonic() - started
            async with client_for(host, device) as client:
                return waited_s, client.is_connected

    waited_s, connected = run(body())
    assert 0.4 < waited_s < 2.0 and connected


def test_dropped_and_duplicated_notifications_show_in_backmon_sequence_numbers():
    faults = {"left": Faults(drop_fraction=0.2, duplicate_fraction=0.2, seed=7)}

    async def body():
        async with radio_with([("backmon", "left")], faults=faults) as (_, host, [sensor]):
            received = []
            async with client_for(host, await find(host, "backmon-L")) as client:
                await _start(client, PROFILES["backmon"], 52.0, received)
                await asyncio.sleep(1.5)
                await client.write_gatt_char(backmon.CONTROL_UUID, backmon.stop_command(), response=True)
                await asyncio.sleep(0.1)  # the last notifications in flight arrive
            return received, sensor

    received, sensor = run(body())
    seqs = [backmon.parse_packet(n).seq for n in received]
    repeats = sum(a == b for a, b in zip(seqs, seqs[1:]))
    missing = (max(seqs) + 1) - len(set(seqs))
    assert sensor.log.duplicated > 5 and sensor.log.dropped > 5
    assert repeats == sensor.log.duplicated
    assert missing <= sensor.log.dropped  # a drop after the last packet received leaves no hole
    assert len(received) == sensor.log.notifications


def test_split_and_merged_witmotion_frames_reassemble_to_the_same_samples():
    faults = {"right": Faults(merge_frames=2, split_fraction=0.3, seed=2)}

    async def body():
        async with radio_with([("witmotion", "right")], faults=faults) as (_, host, [sensor]):
            received = []
            async with client_for(host, await find(host, "WT901BLE67")) as client:
                await _start(client, WIT, 50.0, received)
                await asyncio.sleep(1.5)
            return received, sensor

    received, sensor = run(body())
    assert any(len(n) == 40 for n in received)  # two frames in one notification
    assert any(len(n) % 20 for n in received)  # frames cut across notifications
    decoder = WIT.decoder(50.0)
    samples = [s for n in received for s in decoder.feed(n).samples]
    _, skipped = contiguous_match(samples, expected_side("right", 50.0), **WIT_TOLS)
    assert len(samples) - skipped >= 200 and decoder.skipped_bytes == 0


def test_silent_sensor_keeps_the_link_but_sends_nothing():
    faults = {"left": Faults(silent_from_s=4.0)}

    async def body():
        async with radio_with([("witmotion", "left")], faults=faults) as (_, host, [sensor]):
            received = []
            async with client_for(host, await find(host, "WT901BLE67")) as client:
                await _start(client, WIT, 50.0, received)
                await asyncio.sleep(1.0)  # 8 s of scenario time: silent since 4 s
                count = len(received)
                await asyncio.sleep(0.5)
                return count, len(received), client.is_connected

    count_then, count_later, connected = run(body())
    assert connected and count_then == count_later
    assert 50 < count_then <= 4.0 * 50 + 5  # at most the first 4 s of frames (fewer at 10 Hz first)


def test_witmotion_ignores_rate_without_unlock():
    async def body():
        async with radio_with([("witmotion", "left")]) as (_, host, [sensor]):
            async with client_for(host, await find(host, "WT901BLE67")) as client:
                await client.start_notify(WIT.notify_uuid, lambda _, d: None)
                await client.write_gatt_char(WIT.write_uuid, witmotion.set_rate_command(50.0), response=False)
                await asyncio.sleep(0.1)
                return sensor.rate_hz

    assert run(body()) == 10.0  # still the factory rate: the device wants the unlock first

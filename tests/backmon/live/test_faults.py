"""backmon monitor when things go wrong on the (virtual) radio: a sensor away for 30 s comes back
by itself while the other streams on, the gap is in the recording and in the analysis, no sample
outside it is lost, repeats are dropped; strangers, ambiguous names, absent and silent sensors."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from contextlib import asynccontextmanager

import numpy as np
import pytest

from backmon.live.session import LiveMonitor, MonitorOptions
from backmon.live.status import StatusView
from processing import analyze_session
from sensors.ble.errors import AmbiguousSensor, SensorNotFound, SensorSilent
from sensors.ble.transport import SIMULATED, Radio
from sensors.ble.virtual_peripheral import Faults, VirtualWearer
from sensors.ble.virtual_radio import VirtualRadio
from sensors.ble.virtual_sensors import BACKMON_BOOT_US, make_sensor
from sensors.samples import ImuSample
from sensors.scenarios import sustained_flexion
from sensors.session.files import read_session
from tests.support.ble import WIT_TOLS, contiguous_match, expected_side, run

SPEED = 6.0
SCENARIO = sustained_flexion(hold_s=80.0, seed=9)  # 21 s calibration, 10 s upright, 82 s at 35 deg, 5 s
STRANGER = "C0:99:88:77:66:55"


@asynccontextmanager
async def virtual_radio(sensor_specs, *, scenario=SCENARIO, speed=SPEED):
    """A radio with sensors [(profile, side, keywords for make_sensor)] on one wearer (simulated
    beforehand at the rates used) and the monitor's Radio on it."""
    wearer = VirtualWearer(scenario, speed=speed)
    await asyncio.gather(*(wearer.simulated(rate) for rate in (10.0, 50.0, 52.0)))
    async with VirtualRadio() as virtual:
        sensors = await virtual.add_sensors([make_sensor(p, side, wearer, **kw) for p, side, kw in sensor_specs])
        host = await virtual.central()
        yield Radio(SIMULATED, host.scanner_backend, host.client_backend, host=host, virtual=virtual,
                    sensors=sensors), sensors


async def monitor(radio, left, right, *, duration_s, record=None, speed=SPEED, scan_s=3.0,
                  first_data_s=MonitorOptions.first_data_s):
    out = io.StringIO()
    o = MonitorOptions(left=left, right=right, record=record and str(record), duration_s=duration_s,
                       time_scale=speed, scan_s=scan_s, first_data_s=first_data_s)
    try:
        return await LiveMonitor(o, radio, StatusView(out, tty=False)).run(asyncio.Event()), out.getvalue()
    except Exception as err:
        err.add_note(out.getvalue())
        raise


def test_a_sensor_away_30_s_comes_back_by_itself_and_nothing_outside_the_gap_is_lost(tmp_path):
    record = tmp_path / "faults.csv"
    specs = [("backmon", "left", {"faults": Faults(disconnects=((45.0, 30.0),), duplicate_fraction=0.05, seed=1)}),
             ("backmon", "right", {"faults": Faults(duplicate_fraction=0.05, seed=2)}),
             # A stranger advertising the left sensor's name: never to be taken for it.
             ("backmon", "left", {"address": STRANGER})]

    async def body():
        async with virtual_radio(specs) as (radio, sensors):
            outcome, text = await monitor(radio, sensors[0].address, sensors[1].address, duration_s=112.0,
                                          record=record)
            return outcome, text, sensors

    outcome, text, (left, right, stranger) = run(body(), 150.0)
    link = outcome.links["left"]
    assert link.connects == 2 and link.address == left.address and "reconnected" in text
    assert link.strangers == {STRANGER} and f"refused backmon-L at {STRANGER}" in text
    assert outcome.links["right"].connects == 1 and left.log.disconnects == 1
    session = read_session(record)
    result = analyze_session(session)
    # The gap: once in the left recording and in its analysis, about the 30 s the sensor was away.
    jumps = np.flatnonzero(np.diff(session.left.time_s) > 1.0)
    assert jumps.size == 1
    gap_start, gap_end = session.left.time_s[jumps[0]], session.left.time_s[jumps[0] + 1]
    assert 30.0 <= gap_end - gap_start < 40.0
    assert [pytest.approx((gap_start, gap_end), abs=0.01)] == list(result.sides["left"].gaps)
    assert list(outcome.result.sides["left"].gaps) == [pytest.approx((gap_start, gap_end), abs=1e-6)]
    # The other side streamed on without a break.
    assert result.sides["right"].gaps == () and np.diff(session.right.time_s).max() < 0.2
    # Repeats dropped: every device time once; and every sample the sensor sent outside the gap
    # is in the recording.
    for sensor, samples, stream in ((left, session.left, outcome.streams["left"]),
                                    (right, session.right, outcome.streams["right"])):
        assert sensor.log.duplicated > 0 and stream.counts.duplicates > 0
        assert np.all(np.diff(samples.device_time_s) > 0)
        written = expected_side(sensor.side, 52.0, SCENARIO).time_s
        sent = np.unique(np.concatenate([np.arange(a, b) for a, b in sensor.log.ranges]))
        sent_device_s = BACKMON_BOOT_US / 1e6 + np.round(written[sent] * 1e6) / 1e6
        got = samples.device_time_s
        in_gap = np.zeros(sent.size, dtype=bool)
        if sensor is left:
            d0, d1 = got[jumps[0]], got[jumps[0] + 1]
            in_gap = (sent_device_s > d0 + 1e-7) & (sent_device_s < d1 - 1e-7)
        before_stop = sent_device_s <= got[-1] + 1e-7
        must_have = sent_device_s[~in_gap & before_stop]
        # (a board times sample k of a packet as time + k * period in whole microseconds)
        assert got.size == must_have.size and np.abs(got - must_have).max() < 1e-4


def test_witmotion_repeats_and_split_frames_lose_nothing(tmp_path):
    record = tmp_path / "wit.csv"
    faults = Faults(duplicate_fraction=0.05, split_fraction=0.1, seed=3)
    specs = [("witmotion", side, {"faults": dataclasses.replace(faults, seed=i)})
             for i, side in enumerate(("left", "right"))]

    async def body():
        async with virtual_radio(specs) as (radio, sensors):
            outcome, _ = await monitor(radio, sensors[0].address, sensors[1].address, duration_s=40.0, record=record)
            return outcome, sensors

    outcome, sensors = run(body(), 90.0)
    session = read_session(record)
    for sensor, samples in zip(sensors, (session.left, session.right)):
        stream = outcome.streams[sensor.side]
        # (a repeat still in flight when the session stopped is never seen)
        assert 0 < stream.counts.duplicates <= sensor.log.duplicated
        assert stream.counts.malformed == 0
        received = [_sample(samples, i) for i in range(len(samples))]
        # Each recorded sample is the next one of the 50 Hz stream (after any sent at the
        # factory rate before the rate command took effect): none lost, none twice.
        # the recording keeps 6 decimals of g and 4 of deg/s
        tols = {"accel_tol_g": WIT_TOLS["accel_tol_g"] + 5e-7, "gyro_tol_dps": WIT_TOLS["gyro_tol_dps"] + 5e-5}
        _, skipped = contiguous_match(received, expected_side(sensor.side, 50.0, SCENARIO), **tols)
        assert skipped <= 3


def _sample(samples, i) -> ImuSample:
    a, g = samples.accel_g[i], samples.gyro_dps[i]
    return ImuSample(*a, *g)


def test_names_that_match_two_sensors_stop_with_the_candidates():
    specs = [("witmotion", "left", {}), ("witmotion", "right", {})]

    async def body():
        async with virtual_radio(specs) as (radio, sensors):
            with pytest.raises(AmbiguousSensor) as caught:
                await monitor(radio, "WT901", sensors[1].address, duration_s=5.0)
            return caught.value, sensors

    err, sensors = run(body(), 40.0)
    assert "matches 2 devices" in str(err) and all(s.address in str(err) for s in sensors)
    assert "give --left the address" in str(err)


def test_a_sensor_not_found_or_silent_ends_the_session_with_advice(tmp_path):
    specs = [("backmon", "left", {}), ("backmon", "right", {"faults": Faults(silent_from_s=0.0)})]

    async def body():
        async with virtual_radio(specs) as (radio, sensors):
            with pytest.raises(SensorNotFound) as missing:
                await monitor(radio, "NoSuchSensor", "backmon-R", duration_s=5.0, scan_s=1.0)
            with pytest.raises(SensorSilent) as silent:
                await monitor(radio, "backmon-L", "backmon-R", duration_s=60.0, first_data_s=2.0,
                              record=tmp_path / "silent.csv")
            return missing.value, silent.value, sensors

    missing, silent, sensors = run(body(), 60.0)
    assert "'NoSuchSensor' not found" in str(missing) and "backmon scan" in str(missing)
    assert "right sensor backmon-R connected but sent no data" in str(silent)
    assert not any(s.connection for s in sensors)  # both let go

"""The live engine without the calibration routine: monitoring starts once "up" is found, the
calibration grows sure as the wearer bends, each calibration adopted goes into the recording
as a ``# calibration:`` line, and analysing the recording reproduces the live alerts."""

from __future__ import annotations

import numpy as np
import pytest

from backmon.live.live_engine import LiveEngine
from processing import Settings, analyze_session
from processing.calibration import CalibrationMethod
from sensors.scenarios import Scenario, Segment, SensorModel, random_mount_deg
from sensors.session.files import read_session
from sensors.session.recorder import SessionRecorder
from sensors.simulator import simulate
from tests.backmon.live.test_engine import _blocks


def _scenario(seed: int) -> Scenario:
    rng = np.random.default_rng(seed)
    segments = (Segment(40.0, activity=1.0, label="walking"), Segment(20.0, sway_deg=0.5, label="standing"),
                Segment(60.0, activity=0.4, bends_per_min=4.0, bend_depth_deg=50.0, label="work"),
                Segment(20.0, flexion_deg=70.0, label="deep bend held"), Segment(20.0, activity=1.0, label="walking"))
    models = [SensorModel(mount_rotvec_deg=random_mount_deg(rng, 30.0)) for _ in range(2)]
    return Scenario(segments, left=models[0], right=models[1], seed=seed, calibration=False, name="no_routine")


def _run_live(sim, path, *, step_s=0.25):
    """Feed the engine and the recorder as the monitor does (calibration lines included)."""
    engine = LiveEngine(Settings(), routine=False)
    recorder = SessionRecorder(path, metadata=[("started_at", "2026-01-05T08:00:00Z")])
    raised, events, next_step_s, newest = [], [], step_s, {}
    for block in _blocks(sim):
        engine.push(block)
        recorder.write(block)
        newest[block.side] = block.time_s[-1]
        if block.arrival_s >= next_step_s:
            next_step_s += step_s
            update = engine.step(min(newest.values()) if len(newest) == 2 else block.arrival_s - 1.0)
            raised += [(alert, block.arrival_s) for alert in update.alerts]
            events += update.events
            for line in engine.calibration_lines():
                recorder.metadata("calibration", line)
    recorder.close()
    return engine, raised, events


@pytest.mark.parametrize("seed", [1, 2])
def test_without_a_routine_the_monitor_starts_grows_sure_and_the_recording_agrees(tmp_path, seed):
    sim = simulate(_scenario(seed))
    engine, raised, events = _run_live(sim, tmp_path / "live.csv")
    kinds = [e.kind for e in events]
    assert kinds[0] == "prompt" and "sure" in kinds
    sure_s = next(e.time_s for e in events if e.kind == "sure")
    assert 60.0 < sure_s < 130.0  # after the first bends of the work (from 60 s), before the deep bend
    assert engine.phase == "monitoring" and engine.calibration_window_s is None
    assert [alert.kind for alert, _ in raised] == ["severe_flexion"]
    alert, raised_at_s = raised[0]
    assert 120.0 < alert.since_s < 124.0 and 0.0 <= raised_at_s - alert.start_s < 1.0
    assert "bent forward" in alert.message  # the forward direction was known by then
    offline = analyze_session(read_session(tmp_path / "live.csv"))
    assert offline.calibration.method == CalibrationMethod.RECORDED
    assert [(a.kind, a.side) for a in offline.alerts] == [(alert.kind, alert.side)]
    assert abs(offline.alerts[0].start_s - alert.start_s) < 1.0
    live = engine.finish(source="live", metadata={})
    np.testing.assert_allclose(live.timeline.trunk_flexion_deg, offline.timeline.trunk_flexion_deg, atol=0.01)
    # Once sure, the angles follow the truth (measured: well under 1 deg RMS).
    after = offline.timeline.time_s > sure_s
    true_flexion, _ = sim.truth(offline.timeline.time_s[after], "trunk")
    assert np.sqrt(np.nanmean((offline.timeline.trunk_flexion_deg[after] - true_flexion) ** 2)) < 2.0


def test_the_refiners_frames_wait_on_disk_and_stop_once_it_is_sure(tmp_path):
    from processing.frame_store import FileFrameStore

    sim = simulate(_scenario(1))
    engine, _, events = _run_live(sim, tmp_path / "live.csv")
    sure_s = next(e.time_s for e in events if e.kind == "sure")
    refiner = engine.refiner
    assert refiner.sure and isinstance(refiner.store, FileFrameStore)
    # 10 Hz frames kept up to the moment it was sure (the session runs on to 160 s), none after.
    assert 0.5 * sure_s < len(refiner.store) / engine.plan.frame_rate_hz <= sure_s + 1.0
    assert refiner.store._handle.closed


def test_refining_waits_longer_as_the_session_grows(tmp_path):
    from backmon.live.calibration_refiner import CalibrationRefiner

    sim = simulate(_scenario(1))
    engine, _, _ = _run_live(sim, tmp_path / "live.csv")
    plan, every_s = engine.plan, Settings().calibration.live_refine_every_s
    refiner = CalibrationRefiner(plan, Settings())
    refiner.add(engine.engine.last_part)
    refiner.refine(plan.start_s + 60.0)  # early on: every live_refine_every_s
    assert refiner.next_s == plan.start_s + 60.0 + every_s
    refiner.sure = False
    refiner.refine(plan.start_s + 8 * 3600.0)  # 8 h in: 5 % of the session so far, 24 min
    assert refiner.next_s == pytest.approx(plan.start_s + 8 * 3600.0 + 1440.0)

"""Recalibrate while monitoring (issue 14: key c, 'backmon ctl recalibrate'): the guided routine
again, judged on the engine's own frames, adopted from its end; a sensor that slipped before it
reads true again, and the recording's calibration lines make the analysis agree."""

from __future__ import annotations

import dataclasses

import numpy as np

from backmon.live.live_engine import LiveEngine
from processing import Settings, analyze_session
from sensors.scenarios import CALIBRATION_SEGMENTS, Scenario, Segment
from sensors.session.files import read_session
from sensors.session.recorder import SessionRecorder
from sensors.simulator import simulate
from tests.backmon.live.test_engine import _blocks

SLIP_AT_S, ASK_AT_S = 28.0, 33.0  # the left sensor tips 20 deg forward on the skin; c pressed at 33 s
SECOND_ROUTINE_S = (35.0, 56.0)


def test_recalibration_adopts_the_routine_again_and_undoes_a_slip(tmp_path):
    scenario = Scenario(CALIBRATION_SEGMENTS + (Segment(14.0),) + CALIBRATION_SEGMENTS + (Segment(15.0),),
                        seed=4, calibration=False)
    scenario = dataclasses.replace(scenario, left=dataclasses.replace(scenario.left,
                                                                       slips=((SLIP_AT_S, (0.0, 20.0, 0.0)),)))
    sim = simulate(scenario)
    engine = LiveEngine(Settings())
    path = tmp_path / "recal.csv"
    recorder = SessionRecorder(path, metadata=[("started_at", "2026-01-05T08:00:00Z")])
    asked, recalibrated, events, next_step_s, newest, angles = None, [], [], 0.25, {}, []
    for block in _blocks(sim):
        engine.push(block)
        recorder.write(block)
        newest[block.side] = block.time_s[-1]
        if block.arrival_s < next_step_s:
            continue
        next_step_s += 0.25
        update = engine.step(min(newest.values()) if len(newest) == 2 else block.arrival_s - 1.0)
        events += update.events
        if update.recalibrated:
            recalibrated.append(block.arrival_s)
        if engine.calibration_window_s and "window" not in newest:
            newest["window"] = 1e9  # written once, as the monitor does
            w = engine.calibration_window_s
            recorder.metadata("calibration_s", f"{w[0]!r}:{w[1]!r}")
        for line in engine.calibration_lines():
            recorder.metadata("calibration", line)
        if asked is None and block.arrival_s >= ASK_AT_S:
            asked = engine.recalibrate()
            assert engine.recalibrate() is False  # once at a time
        if engine.angles is not None:
            angles.append((engine.angles.time_s, engine.angles.flexion_deg["left"]))
    recorder.close()
    assert asked is True and len(recalibrated) == 1
    assert SECOND_ROUTINE_S[0] + 10.0 < recalibrated[0] < SECOND_ROUTINE_S[1] + 4.0
    [change] = [c for c in engine.engine.analysis.schedule.changes if c.reason == "recalibrated" and c.side == "left"]
    assert 17.0 < change.angle_deg < 23.0  # the 20 deg slip, found by the routine
    [right] = [c for c in engine.engine.analysis.schedule.changes if c.reason == "recalibrated" and c.side == "right"]
    assert right.angle_deg < 2.0
    t, left = np.array(angles).T
    upright_before = (t > SLIP_AT_S + 1.0) & (t < ASK_AT_S)
    upright_after = t > SECOND_ROUTINE_S[1] + 3.0
    assert 15.0 < np.median(left[upright_before]) < 25.0  # the slip read as a forward bend ...
    assert abs(np.median(left[upright_after])) < 2.0  # ... and no longer
    assert [e.kind for e in events].count("done") == 2
    # The recording's calibration lines carry it: analysed offline, the same angles after it.
    tl = analyze_session(read_session(path)).timeline
    assert abs(np.nanmedian(tl.left_flexion_deg[tl.time_s > SECOND_ROUTINE_S[1] + 3.0])) < 2.0

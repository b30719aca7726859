"""The neutral re-checked through the day: a slipped sensor found, dated and corrected.

Simulated days without a routine (sensors.scenarios.field_day) in which one sensor slips on the
back by 15 deg about a random axis at 2 h (the simulator's slip option; the truth, the body's
angles, does not move with it).
"""

from __future__ import annotations

import numpy as np
import pytest

from processing import analyze_session
from processing.alerts import AlertKind
from processing.calibration_frames import rotation_angle_deg
from processing.neutral import fit_relations
from sensors import scenarios
from sensors.samples import Side
from sensors.simulator import simulate

SLIP_AT_S = 7200.0


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.nanmean(np.square(x))))


def test_the_fit_recovers_a_known_rotation_from_sums_alone():
    rng = np.random.default_rng(1)
    right = rng.normal(size=(400, 3))
    right /= np.linalg.norm(right, axis=1, keepdims=True)
    d = np.array([[np.cos(0.2), -np.sin(0.2), 0.0], [np.sin(0.2), np.cos(0.2), 0.0], [0.0, 0.0, 1.0]])
    left = right @ d.T  # u_left = D u_right
    fits = fit_relations(np.einsum("ni,nj->ij", left, right)[None], 400, prior=0.0)
    np.testing.assert_allclose(fits.rotation[0], d, atol=1e-9)
    assert fits.angle_deg[0] == pytest.approx(np.degrees(0.2)) and fits.residual_deg[0] < 1e-5
    assert fits.identity_deg[0] > 5.0


@pytest.mark.parametrize("seed, side", [(1, Side.LEFT), (2, Side.RIGHT)])
def test_a_sensor_slipping_15_deg_at_2_h_is_reported_then_and_corrected(seed, side):
    scenario = scenarios.field_day(150, seed=seed, mount_deg=30, rate_hz=25.0, slip_at_s=SLIP_AT_S, slip_side=side)
    sim = simulate(scenario)
    result = analyze_session(sim.to_session())
    [slip] = result.calibration.recalibrations
    assert slip.side == side and slip.reason == "slip"
    # Measured: the relation changed at 7200-7201 s, confirmed 25-30 s later, turned 12-14 deg
    # (the part of the 15 deg turn about the vertical shows only in bends).
    assert abs(slip.since_s - SLIP_AT_S) < 300.0
    assert 0.0 < slip.time_s - SLIP_AT_S < 120.0
    assert 8.0 < slip.angle_deg < 16.0
    tl = result.timeline
    after = tl.time_s > slip.time_s
    for s in ("left", "right"):  # corrected from then on: measured 0.2-0.7 deg RMS
        true_flexion, _ = sim.truth(tl.time_s[after], s)
        assert rms(getattr(tl, f"{s}_flexion_deg")[after] - true_flexion) < 2.0, s
    # The left/right difference the slip made is the sensor's, not the wearer's.
    assert AlertKind.LR_ASYMMETRY not in [a.kind for a in result.alerts]
    # The summary dates it on the wall clock, as every time a person reads (the simulated day starts
    # at 08:00 UTC; tests run as on a UTC machine).
    from backmon.text import render_summary
    from processing.report.formatting import TimeAxis

    label = TimeAxis.for_result(result).label(slip.time_s, seconds=True)
    assert label.startswith("10:0")
    assert any(line.startswith(f"  {side:<6} {label} sensor slipped") for line in render_summary(result).splitlines())
    side_json = result.to_json_dict()["calibration"]["sides"][side]
    [entry] = side_json["recalibrations"]
    assert entry["reason"] == "slip" and entry["time_s"] == pytest.approx(slip.time_s, abs=0.01)


def test_without_a_slip_nothing_is_corrected():
    sim = simulate(scenarios.field_day(40, seed=4, mount_deg=30, rate_hz=25.0))
    assert analyze_session(sim.to_session()).calibration.recalibrations == ()


def test_a_one_sided_posture_held_still_is_asymmetry_not_a_slip():
    sim = simulate(scenarios.one_side_tilt(10, 300, side=Side.LEFT, mount_deg=20, seed=7))
    result = analyze_session(sim.to_session())
    assert result.calibration.recalibrations == ()
    assert [a.kind for a in result.alerts] == [AlertKind.LR_ASYMMETRY]


def test_slip_correction_is_the_same_chunked_and_whole():
    session = simulate(scenarios.field_day(25, seed=1, rate_hz=25.0, slip_at_s=900.0)).to_session()
    whole, chunked = analyze_session(session, chunk_s=1e9), analyze_session(session, chunk_s=7.3)
    assert len(whole.calibration.recalibrations) == 1
    a, b = whole.calibration.recalibrations[0], chunked.calibration.recalibrations[0]
    assert (a.side, a.time_s, a.since_s) == (b.side, b.time_s, b.since_s)
    assert rotation_angle_deg(a.calibration.rotation.T @ b.calibration.rotation) < 1e-9
    np.testing.assert_allclose(whole.timeline.left_flexion_deg, chunked.timeline.left_flexion_deg, atol=1e-9)

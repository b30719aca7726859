"""Data-quality findings on simulated sessions with injected faults (known answers)."""

import dataclasses

import numpy as np
import pytest

from processing import analyze_session
from processing.clock_sync import estimate_clock
from processing.input.sources import from_session
from processing.pipeline import analyze_source
from processing.settings import settings_from_dict
from sensors import scenarios
from sensors.samples import SideSamples
from sensors.simulator import Segment, simulate


@pytest.fixture(scope="module")
def work_session():
    return simulate(scenarios.normal_work(10, seed=21, mount_deg=20)).to_session()


def test_sides_as_labelled_and_swapped(work_session):
    labelled = analyze_session(work_session).data_quality.sides
    assert labelled.verdict == "as_labelled" and 0.08 < labelled.separation_m < 0.14  # true: 0.12 m
    worn_swapped = from_session(work_session).swapped()  # the sensors worn on the wrong sides
    swapped = analyze_source(worn_swapped).data_quality.sides
    assert swapped.verdict == "swapped" and "--swap-sides" in swapped.note
    fixed = analyze_source(worn_swapped, swap_sides=True)
    assert fixed.data_quality.sides.verdict == "as_labelled" and fixed.data_quality.swapped_on_request
    assert fixed.to_json_dict()["data_quality"]["sides"]["swapped_on_request"] is True


def test_no_turning_means_undetermined():
    session = simulate(scenarios.sustained_flexion(35, 120, seed=22)).to_session()
    check = analyze_session(session).data_quality.sides
    assert check.verdict == "undetermined" and "swap" in check.note


def test_clock_offset_and_drift_are_found_and_corrected():
    scenario = scenarios.normal_work(20, seed=23)
    scenario = dataclasses.replace(scenario, right=dataclasses.replace(scenario.right, clock_offset_s=2.0,
                                                                       clock_drift_ppm=200.0, jitter_s=0.003))
    sim = simulate(scenario)
    sync = estimate_clock(from_session(sim.to_session()))
    # Written right time = true * (1 + 200e-6) + 2.0; at the left's first sample (true ~0 s):
    assert sync.offset_s == pytest.approx(2.0, abs=0.02) and sync.drift_ppm == pytest.approx(200, abs=10)
    assert sync.corrected and sync.windows_used >= 3
    result = analyze_session(sim.to_session())
    assert result.data_quality.clock.corrected
    # After correction the two sides agree as on a shared clock: bends line up.
    lr = result.summary.left_right
    assert lr.flexion_diff_p95_deg < 2.0
    # Left uncorrected, the 2 s offset tears the bends apart between the sides.
    never = settings_from_dict({"clock": {"min_error_s": 60.0}})  # the largest allowed: 30x this error
    raw = analyze_session(sim.to_session(), settings=never)
    assert not raw.data_quality.clock.corrected and raw.summary.left_right.flexion_diff_p95_deg > 10.0


def test_small_clock_error_is_left_alone(work_session):
    sync = analyze_session(work_session).data_quality.clock
    assert sync.offset_s == pytest.approx(0.0, abs=0.01) and not sync.corrected


@pytest.mark.parametrize("window", [True, False])
def test_upside_down_sensor_is_calibrated_and_reported(window):
    scenario = scenarios.mixed_accuracy(seed=24)
    scenario = dataclasses.replace(scenario, right=dataclasses.replace(scenario.right, mount_rotvec_deg=(0, 0, 180)))
    sim = simulate(scenario)
    session = sim.to_session()
    if not window:
        session = dataclasses.replace(session, calibration_window_s=None)
    result = analyze_session(session)
    assert "upside down" in result.data_quality.mounting["right"]
    tl = result.timeline
    keep = tl.time_s > (result.calibration.analysis_start_s or 0.0)  # automatic: the whole recording
    true_f, true_l = sim.truth(tl.time_s[keep], "right")
    assert np.sqrt(np.nanmean((tl.right_flexion_deg[keep] - true_f) ** 2)) < 1.0
    assert np.sqrt(np.nanmean((tl.right_lateral_deg[keep] - true_l) ** 2)) < 1.0


def test_saturated_accelerometer_is_reported(work_session):
    accel = work_session.left.accel_g.copy()
    accel[1000:1010, 0] = 2.0  # clipped at the 2 g range
    clipped = dataclasses.replace(work_session, left=dataclasses.replace(work_session.left, accel_g=accel))
    quality = analyze_session(clipped).data_quality
    assert quality.saturation == {"left": {"accelerometer": 2.0}}
    assert any("stuck at +-2" in note for note in quality.notes())
    assert analyze_session(work_session).data_quality.saturation == {}


def test_sensor_lying_on_a_table_is_possibly_not_worn():
    sim = simulate(scenarios.sustained_flexion(35, 60, seed=25))
    left = sim.left
    # After the session, the left sensor lies flat on a table (gravity along its z) for 25 min.
    t = left.time_s[-1] + np.arange(1, 25 * 60 * 100) / 100.0
    rng = np.random.default_rng(0)
    table_accel = np.array([0.0, 0.0, 1.0]) + rng.normal(0, 0.003, (t.size, 3))
    table_gyro = rng.normal(0, 0.1, (t.size, 3))
    longer = SideSamples("left", np.concatenate([left.time_s, t]), np.vstack([left.accel_g, table_accel]),
                         np.vstack([left.gyro_dps, table_gyro]))
    session = dataclasses.replace(sim.to_session(), left=longer)
    quality = analyze_session(session).data_quality
    [(start, end)] = quality.non_wear["left"]
    # It is found once the fusion has settled on the new tilt (a few seconds).
    assert 0 <= start - t[0] < 15 and abs(end - t[-1]) < 1
    assert "right" not in quality.non_wear


def test_still_wearer_is_not_non_wear():
    segment = Segment(25 * 60, sway_deg=0.3, label="standing still")
    sim = simulate(scenarios._scenario("still", (segment,), 26, 50.0, 0.0, None, None))
    assert analyze_session(sim.to_session()).data_quality.non_wear == {}

"""backmon's tilt on real optical truth, held to VQF's (read from ../shared/data/real; skipped where absent).

Data and attribution (shared/data/real/README.md asks every test that uses them to say so):
BROAD, Laidig, Caruso, Cereatti and Seel, "BROAD - A Benchmark for Robust Inertial Orientation
Estimation", Data 6(7), 2021, doi:10.3390/data6070072, CC BY 4.0: four trials of
github.com/dlaidig/broad (commit 7e2f818) re-saved in shared/data/real/broad_optical/. One hand-held
IMU with optical motion capture truth.

The scoring (tilt from the first rest, 0.1 s frames, RMS over the movement) is
benchmarks/broad_tilt.py's, the same that benchmarks/bench_fusion_real.py prints its table with.
Measured at issue 10 (deg): backmon 0.34, 0.86, 0.44, 0.26 (mean 0.474); VQF 0.34, 0.86, 0.43,
0.26 (0.476); the accelerometer alone 2.8, 13.2, 59, 7.4 (20.7); backmon before issue 10 0.72,
2.79, 6.55, 1.05 (2.78).
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.broad_tilt import (
    TRIALS,
    backmon,
    load_trial,
    per_sample,
    tilt_error_rms_deg,
    vqf_6d,
)
from processing.orientation import GravityFusion
from processing.settings import FusionSettings
from tests.support.paths import SHARED_REAL

BROAD = SHARED_REAL / "broad_optical"


@pytest.fixture(scope="module")
def trials():
    if not BROAD.is_dir():
        pytest.skip("shared/data/real/broad_optical is not present on this machine")
    return [load_trial(BROAD, name) for name in TRIALS]


def test_tilt_on_broad_is_within_1_1x_of_vqf(trials):
    pytest.importorskip("vqf")
    ours = [tilt_error_rms_deg(trial, backmon(trial)) for trial in trials]
    reference = [tilt_error_rms_deg(trial, vqf_6d(trial)) for trial in trials]
    accel_only = [tilt_error_rms_deg(trial, per_sample(trial.time_s, trial.accel_m_s2)) for trial in trials]
    # The scoring can tell a fusion from none: the accelerometer alone is far off in movement.
    assert np.mean(accel_only) > 5.0 * np.mean(reference)
    assert np.mean(ours) <= 1.1 * np.mean(reference), (ours, reference)


def test_fusion_chunked_with_a_gap_equals_whole_on_a_real_trial(trials):
    trial = trials[1]  # fast rotation: every branch of the recursion (rest, motion, averaging start)
    accel_g, gyro_dps = trial.accel_m_s2 / 9.80665, np.degrees(trial.gyro_rad_s)
    reset = np.zeros(len(accel_g), dtype=bool)
    reset[[0, 20_000]] = True  # a restart mid-way, as after a gap
    whole = GravityFusion(rate_hz=trial.rate_hz, settings=FusionSettings())
    expected = whole.process(accel_g, gyro_dps, reset=reset)
    chunked = GravityFusion(rate_hz=trial.rate_hz, settings=FusionSettings())
    bounds = [0, 1, 7, 500, 19_999, 20_000, 20_001, 33_333, len(accel_g)]
    parts = [chunked.process(accel_g[lo:hi], gyro_dps[lo:hi], reset=reset[lo:hi]) for lo, hi in zip(bounds, bounds[1:])]
    np.testing.assert_array_equal(np.concatenate([p.gravity for p in parts]), expected.gravity)
    np.testing.assert_array_equal(np.concatenate([p.gyro_dps for p in parts]), expected.gyro_dps)
    np.testing.assert_array_equal(chunked.bias_dps, whole.bias_dps)
    # The bias learnt at rest is the gyroscope's mean there, kept across the restart and the
    # movement (measured: within 0.006 deg/s of the mean over the first rest at the end).
    first_rest = slice(0, int(np.flatnonzero(trial.movement)[0]))
    np.testing.assert_allclose(whole.bias_dps, gyro_dps[first_rest].mean(axis=0), atol=0.03)

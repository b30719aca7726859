"""Tilt error against optical truth on BROAD trials: the one scoring used by
``benchmarks/bench_fusion_real.py`` and ``tests/processing/test_fusion_real.py``.

Data: BROAD (Laidig, Caruso, Cereatti and Seel, "BROAD - A Benchmark for Robust Inertial
Orientation Estimation", Data 6(7), 2021, doi:10.3390/data6070072), CC BY 4.0, four trials
re-saved in ``shared/data/real/broad_optical/`` (see that folder's README). One hand-held IMU at
about 285.7 Hz, accelerometer in m/s^2, gyroscope in rad/s, optical quaternions (w, x, y, z,
sensor to an east-north-up world) with NaN rows where the cameras lost the marker.

Scoring, as shared/data/real/README.md (broad_optical) says:
- tilt = the angle between world-up seen in the sensor frame now and during the first rest
  (the samples before the first one flagged ``movement``), for the truth and for each estimate
  (each against its own first rest);
- up-vectors are averaged over 0.1 s frames before taking the angle (backmon's timeline holds
  0.1 s frame means);
- the RMS of estimate minus truth over the frames flagged ``movement`` (most of their samples),
  skipping frames with a NaN truth row.

One refinement the README leaves open: the truth is averaged over the very instants whose
estimates were averaged. backmon runs on its resampled grid (290 Hz here), the reference
estimators on the recorded samples; the optical truth is interpolated linearly onto the grid,
as the aligner interpolates the IMU. Without it a grid frame and a recorded-sample frame cover
0.1 s with differently placed samples (29 grid points against 28 or 29 samples), a time jitter
of up to ~2 ms that costs VQF itself 0.48 -> 0.65 deg mean when it is run on the grid (measured
while writing this; scored on the grid's own instants it stays at 0.48).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from processing.align import measure_rate_hz
from processing.pipeline import FrameSource, plan_stream
from processing.settings import Settings

TRIALS = ("03_undisturbed_slow_rotation_C", "07_undisturbed_fast_rotation_B",
          "16_undisturbed_fast_translation_B", "25_disturbed_tapping_B")
FRAME_S = 0.1  # backmon's analysis frames (AlignSettings.frame_rate_hz = 10)
STANDARD_GRAVITY_M_S2 = 9.80665  # conventional value (CGPM 1901): BROAD's m/s^2 -> backmon's g


@dataclass(frozen=True)
class Trial:
    name: str
    rate_hz: float
    time_s: np.ndarray  # (n,) sample times from the first sample, from the published rate
    accel_m_s2: np.ndarray  # (n, 3) specific force, gravity included
    gyro_rad_s: np.ndarray  # (n, 3)
    truth_up: np.ndarray  # (n, 3) world-up in the sensor frame from the optical truth; NaN rows
    movement: np.ndarray  # (n,) bool: the samples to score


@dataclass(frozen=True)
class FrameEstimate:
    """An estimate's frame means and the instants they were averaged over."""

    time_s: np.ndarray  # (k,) instants whose up-vectors went into the frames
    up: np.ndarray  # (m, 3) mean up-vector (sensor frame) of each frame


def load_trial(folder: Path, name: str) -> Trial:
    with np.load(Path(folder) / f"{name}.npz") as data:
        rate_hz = float(data["sampling_rate"])
        accel, gyro = np.array(data["imu_acc"], dtype=float), np.array(data["imu_gyr"], dtype=float)
        quat_wxyz, movement = np.array(data["opt_quat"], dtype=float), np.array(data["movement"], dtype=bool)
    return Trial(name, rate_hz, np.arange(accel.shape[0]) / rate_hz, accel, gyro, up_in_sensor(quat_wxyz),
                 movement)


def up_in_sensor(quat_wxyz: np.ndarray) -> np.ndarray:
    """World-up (+z of a z-up world) in the sensor frame of sensor-to-world quaternions (w, x, y, z);
    NaN rows stay NaN."""
    up = np.full((quat_wxyz.shape[0], 3), np.nan)
    ok = np.isfinite(quat_wxyz).all(axis=1)
    up[ok] = Rotation.from_quat(quat_wxyz[ok][:, [1, 2, 3, 0]]).inv().apply([0.0, 0.0, 1.0])
    return up


def frame_index(time_s: np.ndarray) -> np.ndarray:
    # The margin keeps grid instants k / rate_hz that fall on a frame's start in that frame.
    return np.floor(np.asarray(time_s) / FRAME_S + 1e-9).astype(np.int64)


def frame_means(time_s: np.ndarray, up: np.ndarray, frames: int) -> np.ndarray:
    """(frames, 3) mean of ``up`` over the instants in each 0.1 s frame; NaN where a frame holds
    a NaN row or no instant."""
    index = frame_index(time_s)
    keep = index < frames
    sums = np.zeros((frames, 3))
    counts = np.zeros(frames)
    np.add.at(sums, index[keep], up[keep])
    np.add.at(counts, index[keep], 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]


def per_sample(time_s: np.ndarray, up: np.ndarray) -> FrameEstimate:
    """A per-sample estimate (a reference estimator's) as frame means."""
    return FrameEstimate(time_s, frame_means(time_s, up, int(frame_index(time_s[-1:])[0]) + 1))


def tilt_deg(up: np.ndarray, reference: np.ndarray) -> np.ndarray:
    cos = (up @ reference) / (np.linalg.norm(up, axis=1) * np.linalg.norm(reference))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def tilt_error_rms_deg(trial: Trial, estimate: FrameEstimate) -> float:
    """RMS of the estimate's tilt minus the truth's over the scored movement frames (deg)."""
    m = estimate.up.shape[0]
    truth_at = np.column_stack([np.interp(estimate.time_s, trial.time_s, trial.truth_up[:, c]) for c in range(3)])
    truth = frame_means(estimate.time_s, truth_at, m)
    index = frame_index(trial.time_s)
    inside = index < m
    moving = np.bincount(index[inside], trial.movement[inside], minlength=m) / np.maximum(
        np.bincount(index[inside], minlength=m), 1)
    lost = np.bincount(index[inside], ~np.isfinite(trial.truth_up[inside]).all(axis=1), minlength=m) > 0
    # The first rest: frames wholly before the first movement sample.
    first_move_s = trial.time_s[np.flatnonzero(trial.movement)[0]]
    rest = (np.arange(m) + 1) * FRAME_S <= first_move_s
    rest_truth = rest & np.isfinite(truth).all(axis=1)
    error = (tilt_deg(estimate.up, estimate.up[rest].mean(axis=0))
             - tilt_deg(truth, truth[rest_truth].mean(axis=0)))
    scored = (moving >= 0.5) & ~lost & np.isfinite(error)
    return float(np.sqrt(np.mean(np.square(error[scored]))))


# ---------------------------------------------------------------------------------------------
# The estimators


def backmon(trial: Trial, settings: Settings | None = None) -> FrameEstimate:
    """backmon's gravity as the analysis computes it: the recording as a left sensor through
    steps 1-4 of the pipeline (aligned onto the grid, low-passed, fused, averaged into frames),
    with BROAD's units turned into backmon's (g, deg/s)."""
    settings = settings or Settings()
    plan = plan_stream({"left": measure_rate_hz(trial.time_s)}, start_s=float(trial.time_s[0]), settings=settings)
    source = FrameSource(plan, settings)
    source.push("left", trial.time_s, trial.accel_m_s2 / STANDARD_GRAVITY_M_S2, np.degrees(trial.gyro_rad_s))
    _, frames = source.step(float(trial.time_s[-1]), final=True)
    up = frames["left"].gravity
    grid_s = plan.start_s + np.arange(up.shape[0] * plan.block) / plan.grid_rate_hz
    return FrameEstimate(grid_s, up)


def vqf_6d(trial: Trial) -> FrameEstimate:
    """VQF (Laidig and Seel 2023, PyPI ``vqf``), 6D: gyroscope and accelerometer, default parameters."""
    from vqf import VQF

    out = VQF(1.0 / trial.rate_hz).updateBatch(np.ascontiguousarray(trial.gyro_rad_s),
                                               np.ascontiguousarray(trial.accel_m_s2))
    return per_sample(trial.time_s, up_in_sensor(out["quat6D"]))


def imufusion_default(trial: Trial) -> FrameEstimate:
    """x-io Fusion (PyPI ``imufusion``) with its default settings at the trial's rate, no
    magnetometer, one call per sample."""
    import imufusion

    ahrs = imufusion.Ahrs()
    ahrs.set_settings(imufusion.AhrsSettings(sample_rate=trial.rate_hz))
    gyro_dps, accel_g = np.degrees(trial.gyro_rad_s), trial.accel_m_s2 / STANDARD_GRAVITY_M_S2
    up = np.empty_like(accel_g)
    for k in range(accel_g.shape[0]):
        ahrs.update_no_magnetometer(gyro_dps[k], accel_g[k])
        up[k] = ahrs.get_gravity()
    return per_sample(trial.time_s, up)

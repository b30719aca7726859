"""Step 4: average each side's grid samples into 10 Hz analysis frames.

Everything after orientation (angles, comparison, activity, detectors, the timeline) works
on frames: one tenth of a second is far finer than any ergonomic rule, and it keeps hours of
analysis light. A frame is valid when at least half of its samples are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.compiled import Kernels

_kernels = Kernels("processing.kernels.frames")


@dataclass(frozen=True)
class SideFrames:
    """One side's frames. Sums are over valid samples, for windowed statistics later."""

    gravity: np.ndarray  # (m, 3) mean gravity direction (sensor frame; not unit length)
    gyro_dps: np.ndarray  # (m, 3) mean bias-corrected angular rate (sensor frame)
    gyro_abs_dps: np.ndarray  # (m,) mean magnitude of the angular rate
    accel_sum_g: np.ndarray  # (m, 3) sum of the low-passed acceleration
    accel_sumsq_g2: np.ndarray  # (m, 3) sum of its squares
    count: np.ndarray  # (m,) valid samples in the frame
    valid: np.ndarray  # (m,) bool


def frame_times_s(time_s: np.ndarray, block: int) -> np.ndarray:
    """Centre time of each frame of ``block`` grid points."""
    return time_s.reshape(-1, block).mean(axis=1)


def make_frames(*, block: int, valid: np.ndarray, gravity: np.ndarray, gyro_dps: np.ndarray,
                accel_lp_g: np.ndarray) -> SideFrames:
    """Frames of ``block`` samples each from a chunk that holds whole frames."""
    m = valid.size // block
    means, sums, count = np.empty((m, 7)), np.empty((m, 6)), np.empty(m)
    _kernels.frame_sums(block, valid, gravity, gyro_dps, accel_lp_g, means, sums, count)
    return SideFrames(
        gravity=means[:, 0:3],
        gyro_dps=means[:, 3:6],
        gyro_abs_dps=means[:, 6],
        accel_sum_g=sums[:, 0:3],
        accel_sumsq_g2=sums[:, 3:6],
        count=count,
        valid=count >= 0.5 * block,
    )


def concat_frames(parts: list[SideFrames]) -> SideFrames:
    """Join frames of consecutive chunks."""
    return SideFrames(*(np.concatenate([getattr(p, f) for p in parts]) for f in SideFrames.__dataclass_fields__))

"""Step 8: moving or still per frame, from both sensors, streaming.

A side moves when the SD of its 5 Hz low-passed acceleration over the last 2 s exceeds 0.1 g
(the Acti4/ActiPASS rule), or when it turns faster than ``moving_gyro_dps`` on average over
the same window (slow work bends barely shake the accelerometer). The window trails, so the
live monitor and the offline analysis decide identically. The wearer moves when any present
side moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy.signal import lfilter

from processing.frames import SideFrames
from processing.settings import ActivitySettings


@dataclass(frozen=True)
class Movement:
    moving: np.ndarray  # (m,) bool: the wearer moves
    intensity_g: dict[str, np.ndarray]  # per side: 2 s SD of low-passed acceleration (NaN if unknown)


class MovementDetector:
    """Trailing-window movement statistics over frames, with the window carried across chunks."""

    def __init__(self, *, frame_rate_hz: float, samples_per_frame: int, settings: ActivitySettings,
                 sides: tuple[str, ...]) -> None:
        self.settings = settings
        self.samples_per_frame = samples_per_frame
        self.window = max(1, int(round(settings.window_s * frame_rate_hz)))
        self._taps = np.ones(self.window)
        # Per side, channel-major: 3 sums, 3 sums of squares, count, count-weighted |gyro|.
        self._zi = {side: np.zeros((8, self.window - 1)) for side in sides}

    def process(self, frames: dict[str, SideFrames]) -> Movement:
        moving, intensity = None, {}
        min_count = 0.5 * self.window * self.samples_per_frame
        for side, f in frames.items():
            m = f.count.size
            stats = np.empty((8, m))  # rows: lfilter runs along contiguous rows, without copies
            stats[0:3], stats[3:6] = f.accel_sum_g.T, f.accel_sumsq_g2.T
            stats[6], stats[7] = f.count, f.gyro_abs_dps * f.count
            summed, self._zi[side] = lfilter(self._taps, [1.0], stats, axis=-1, zi=self._zi[side])
            side_moving, intensity[side] = np.empty(m, dtype=bool), np.empty(m)
            _window_verdicts(summed, min_count, self.settings.moving_sd_g, self.settings.moving_gyro_dps,
                             side_moving, intensity[side])
            moving = side_moving if moving is None else moving | side_moving
        return Movement(moving, intensity)


@numba.njit(cache=True, nogil=True)
def _window_verdicts(summed, min_count, moving_sd_g, moving_gyro_dps, moving_out, intensity_out):
    """Per frame, from the window sums (8, m): moving or not, and the acceleration SD (NaN
    where too few samples). The arithmetic of the former numpy version, operation for operation."""
    for i in range(moving_out.size):
        n = summed[6, i]
        safe = max(n, 1.0)
        total = 0.0
        for c in range(3):
            mean = summed[c, i] / safe
            var = summed[3 + c, i] / safe - mean * mean
            var = var if var >= 0.0 or math.isnan(var) else 0.0  # np.clip(var, 0, None)
            total = var if c == 0 else total + var
        sd_g = math.sqrt(total)
        known = n >= min_count
        moving_out[i] = known and (sd_g > moving_sd_g or summed[7, i] / safe > moving_gyro_dps)
        intensity_out[i] = sd_g if known else np.nan

"""Step 8: moving or still per frame, from both sensors, streaming.

A side moves when the SD of its 5 Hz low-passed acceleration over the last 2 s exceeds 0.1 g
(the Acti4/ActiPASS rule), or when it turns faster than ``moving_gyro_dps`` on average over
the same window (slow work bends barely shake the accelerometer). The window trails, so the
live monitor and the offline analysis decide identically. The wearer moves when any present
side moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from processing.frames import SideFrames
from processing.settings import ActivitySettings
from sensors.compiled import Kernels

_kernels = Kernels("processing.kernels.activity")


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
            _kernels.window_verdicts(summed, min_count, self.settings.moving_sd_g, self.settings.moving_gyro_dps,
                             side_moving, intensity[side])
            moving = side_moving if moving is None else moving | side_moving
        return Movement(moving, intensity)



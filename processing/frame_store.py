"""Steps 1-4 and 8 once over a recording: the sensor-frame 10 Hz frames, kept for the method.

Offline, calibration may draw on the whole recording (the first clear bend can come hours in)
before any angle is computed. The heavy steps (align, filter, fuse) run once, in the one
streaming pass; their frames, still in each sensor's own axes, and the movement verdicts are
kept here, and the method then reads them back a part at a time. Gravity is kept in float64,
the rest in float32 (a millionth of a degree is far below any sensor's noise): 8 h of two
sensors take about 40 MB.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from processing.activity import Movement
from processing.calibration_frames import CalibrationFrames
from processing.frames import SideFrames

# Gravity stays float64: calibration reads it, and a mounting must drop out to rounding (1e-13 deg).
_SIDE_COLUMNS = {"gyro_dps": 3, "gyro_abs_dps": 1, "accel_sum_g": 3, "accel_sumsq_g2": 3, "count": 1, "intensity_g": 1}


@dataclass(frozen=True)
class SensorFrames:
    """What steps 1-4 and 8 give for a stretch of time: frame times, each side's frames (in its
    sensor's axes) and the movement verdicts."""

    time_s: np.ndarray
    sides: dict[str, SideFrames]
    movement: Movement

    def __len__(self) -> int:
        return int(self.time_s.size)


class FrameStore:
    """Every frame of a recording in order, appended part by part; read back in parts."""

    def __init__(self, sides: tuple[str, ...], expected: int = 0) -> None:
        self.sides = tuple(sides)
        self._n = 0
        size = max(expected, 1024)
        self._time = np.empty(size)
        self._moving = np.empty(size, dtype=bool)
        self._valid = {side: np.empty(size, dtype=bool) for side in sides}
        self._gravity = {side: np.empty((size, 3)) for side in sides}
        self._values = {side: np.empty((size, sum(_SIDE_COLUMNS.values())), dtype=np.float32) for side in sides}

    def __len__(self) -> int:
        return self._n

    def append(self, part: SensorFrames) -> None:
        m = len(part)
        if self._n + m > self._time.size:
            self._grow(max(2 * self._time.size, self._n + m))
        end = self._n + m
        self._time[self._n:end] = part.time_s
        self._moving[self._n:end] = part.movement.moving
        for side, f in part.sides.items():
            self._valid[side][self._n:end] = f.valid
            self._gravity[side][self._n:end] = f.gravity
            self._values[side][self._n:end] = np.column_stack(
                [f.gyro_dps, f.gyro_abs_dps, f.accel_sum_g, f.accel_sumsq_g2, f.count,
                 part.movement.intensity_g[side]])
        self._n = end

    def _grow(self, size: int) -> None:
        def bigger(a: np.ndarray) -> np.ndarray:
            out = np.empty((size, *a.shape[1:]), dtype=a.dtype)
            out[:self._n] = a[:self._n]
            return out

        self._time, self._moving = bigger(self._time), bigger(self._moving)
        self._valid = {side: bigger(a) for side, a in self._valid.items()}
        self._gravity = {side: bigger(a) for side, a in self._gravity.items()}
        self._values = {side: bigger(a) for side, a in self._values.items()}

    def part(self, lo: int, hi: int) -> SensorFrames:
        """Frames [lo, hi) as the streaming steps gave them (in float64)."""
        sides, intensity = {}, {}
        for side in self.sides:
            values = self._values[side][lo:hi].astype(np.float64)
            columns, at = {}, 0
            for name, width in _SIDE_COLUMNS.items():
                columns[name] = values[:, at] if width == 1 else values[:, at:at + width]
                at += width
            intensity[side] = columns.pop("intensity_g")
            sides[side] = SideFrames(gravity=self._gravity[side][lo:hi], valid=self._valid[side][lo:hi], **columns)
        return SensorFrames(self._time[lo:hi], sides, Movement(self._moving[lo:hi], intensity))

    def parts(self, size: int) -> Iterator[SensorFrames]:
        for lo in range(0, self._n, max(1, size)):
            yield self.part(lo, min(self._n, lo + max(1, size)))

    def calibration_frames(self) -> dict[str, CalibrationFrames]:
        """Each side's frames as calibration reads them (times, gravity, |gyro|, validity, moving)."""
        time_s, moving = self._time[:self._n], self._moving[:self._n]
        return {side: CalibrationFrames(time_s, self._gravity[side][:self._n],
                                        self._values[side][:self._n, 3].astype(np.float64),
                                        self._valid[side][:self._n], moving)
                for side in self.sides}


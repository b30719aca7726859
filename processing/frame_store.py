"""Steps 1-4 and 8 once over a recording: the sensor-frame 10 Hz frames, kept for the method.

Offline, calibration may draw on the whole recording (the first clear bend can come hours in)
before any angle is computed. The heavy steps (align, filter, fuse) run once, in the one
streaming pass; their frames, still in each sensor's own axes, and the movement verdicts are
kept here, and the method then reads them back a part at a time. Gravity is kept in float64,
the rest in float32 (a millionth of a degree is far below any sensor's noise): 155 bytes a
frame, 45 MB for 8 h of two sensors. Offline they go to a temporary file (``FileFrameStore``:
268 MB for 48 h would otherwise grow with the recording); calibration then reads back only what it
needs (27 bytes a frame; gravity a part at a time, ``StoredVectors``) and the method a part at a
time. Live, they stay in memory (``FrameStore``), where calibration reads them every step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from processing.activity import Movement
from processing.calibration_frames import CalibrationFrames, unit
from processing.frames import SideFrames
from processing.input.spool import temporary_file, write_to

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
        return _sensor_frames(self._time[lo:hi], self._moving[lo:hi],
                              {side: self._valid[side][lo:hi] for side in self.sides},
                              {side: self._gravity[side][lo:hi] for side in self.sides},
                              {side: self._values[side][lo:hi] for side in self.sides})

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



class FileFrameStore:
    """Every frame of a recording in an unlinked temporary file (TMPDIR), one record a frame,
    appended part by part; read back in parts, or the columns calibration reads. The same frames,
    bit for bit, as ``FrameStore`` holds in memory."""

    READ_FRAMES = 1 << 16  # frames read back at once by calibration_frames

    def __init__(self, sides: tuple[str, ...], directory: str | None = None) -> None:
        self.sides = tuple(sides)
        width = sum(_SIDE_COLUMNS.values())
        self._record = np.dtype([("time", "f8"), ("moving", "?")] + [
            field for side in self.sides
            for field in ((f"{side}.valid", "?"), (f"{side}.gravity", "f8", (3,)), (f"{side}.values", "f4", (width,)))])
        self._handle = temporary_file("frames", directory)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, part: SensorFrames) -> None:
        records = np.empty(len(part), self._record)
        records["time"], records["moving"] = part.time_s, part.movement.moving
        for side, f in part.sides.items():
            records[f"{side}.valid"], records[f"{side}.gravity"] = f.valid, f.gravity
            records[f"{side}.values"] = np.column_stack(
                [f.gyro_dps, f.gyro_abs_dps, f.accel_sum_g, f.accel_sumsq_g2, f.count,
                 part.movement.intensity_g[side]])
        self._handle.seek(0, 2)
        write_to(self._handle, records, what=f"10 Hz frames ({self._record.itemsize} bytes a frame)")
        self._n += len(part)

    def _read(self, lo: int, hi: int) -> np.ndarray:
        self._handle.seek(lo * self._record.itemsize)
        return np.fromfile(self._handle, self._record, count=hi - lo)

    def part(self, lo: int, hi: int) -> SensorFrames:
        """Frames [lo, hi) as the streaming steps gave them (in float64)."""
        r = self._read(lo, hi)
        column = lambda name: np.ascontiguousarray(r[name])  # noqa: E731 - out of the records
        return _sensor_frames(column("time"), column("moving"), {side: column(f"{side}.valid") for side in self.sides},
                              {side: column(f"{side}.gravity") for side in self.sides},
                              {side: column(f"{side}.values") for side in self.sides})

    def parts(self, size: int) -> Iterator[SensorFrames]:
        for lo in range(0, self._n, max(1, size)):
            yield self.part(lo, min(self._n, lo + max(1, size)))

    def calibration_frames(self) -> dict[str, CalibrationFrames]:
        """Each side's frames as calibration reads them (times, gravity, |gyro|, validity, moving).
        Gravity stays on disk (``StoredVectors``: read back a part at a time, 48 bytes a frame of two
        sides no longer held, nor their unit directions); the rest, 27 bytes a frame, is read here."""
        n = self._n
        time_s, moving = np.empty(n), np.empty(n, dtype=bool)
        gyro_abs = {side: np.empty(n) for side in self.sides}
        valid = {side: np.empty(n, dtype=bool) for side in self.sides}
        for lo in range(0, n, self.READ_FRAMES):
            hi = min(n, lo + self.READ_FRAMES)
            r = self._read(lo, hi)
            time_s[lo:hi], moving[lo:hi] = r["time"], r["moving"]
            for side in self.sides:
                valid[side][lo:hi], gyro_abs[side][lo:hi] = r[f"{side}.valid"], r[f"{side}.values"][:, 3]
        return {side: CalibrationFrames(time_s, StoredVectors(self, f"{side}.gravity"), gyro_abs[side], valid[side],
                                        moving)
                for side in self.sides}

    def close(self) -> None:
        self._handle.close()


class StoredVectors:
    """A side's gravity (n, 3) in a ``FileFrameStore``, read back READ_FRAMES frames at a time, or
    its unit directions (``directions``): slices, masks and sorted indices give arrays, ``@ v``
    the products row by row. Every row is worked out with the same arithmetic as over the whole
    array in memory (parts of a multiple of 64 rows), so calibration finds the same frames, bit for bit."""

    def __init__(self, store: FileFrameStore, field: str, *, as_unit: bool = False) -> None:
        self._store, self._field, self._unit = store, field, as_unit
        self.shape = (len(store), 3)

    def __len__(self) -> int:
        return self.shape[0]

    def directions(self) -> StoredVectors:
        return StoredVectors(self._store, self._field, as_unit=True)

    def _rows(self, lo: int, hi: int) -> np.ndarray:
        rows = np.ascontiguousarray(self._store._read(lo, hi)[self._field])
        return unit(rows) if self._unit else rows

    def _parts(self) -> Iterator[tuple[int, int, np.ndarray]]:
        n, step = self.shape[0], self._store.READ_FRAMES
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            yield lo, hi, self._rows(lo, hi)

    def __getitem__(self, key) -> np.ndarray:
        n = self.shape[0]
        if isinstance(key, slice):
            lo, hi, step = key.indices(n)
            if step != 1:
                raise IndexError("stored frames are read in contiguous slices")
            return self._rows(lo, max(lo, hi))
        key = np.asarray(key)
        if key.dtype == bool:
            out, at = np.empty((int(np.count_nonzero(key)), 3)), 0
            for lo, hi, rows in self._parts():
                chosen = rows[key[lo:hi]]
                out[at:at + len(chosen)] = chosen
                at += len(chosen)
            return out
        out = np.empty((key.size, 3))
        for lo, hi, rows in self._parts():
            k0, k1 = np.searchsorted(key, [lo, hi])
            out[k0:k1] = rows[key[k0:k1] - lo]
        return out

    def __matmul__(self, v: np.ndarray) -> np.ndarray:
        out = np.empty(self.shape[0])
        for lo, hi, rows in self._parts():
            out[lo:hi] = rows @ v
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Every row at once (the calibration across slips turns them all)."""
        whole = self[0:self.shape[0]]
        return whole if dtype is None else whole.astype(dtype)


def _sensor_frames(time_s: np.ndarray, moving: np.ndarray, valid: dict, gravity: dict, values: dict) -> SensorFrames:
    """SensorFrames from stored columns: each side's float32 values widened to float64."""
    sides, intensity = {}, {}
    for side, stored in values.items():
        wide = stored.astype(np.float64)
        columns, at = {}, 0
        for name, width in _SIDE_COLUMNS.items():
            columns[name] = wide[:, at] if width == 1 else wide[:, at:at + width]
            at += width
        intensity[side] = columns.pop("intensity_g")
        sides[side] = SideFrames(gravity=gravity[side], valid=valid[side], **columns)
    return SensorFrames(time_s, sides, Movement(moving, intensity))

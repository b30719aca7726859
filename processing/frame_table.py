"""The 10 Hz frame table: every per-moment figure the later steps and the timeline use.

Angles are relative to each side's calibrated neutral; differences are left minus right;
NaN marks a side (or the trunk) with no data in that frame. Tilt (the angle from a side's
upright neutral, in any direction) is known wherever the side has data; flexion and lateral
bend only where that side's forward direction is known (processing.calibration): never a
split guessed from the sensor's nominal axes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from processing.angles import angles_deg, tilt_deg, trunk_mean
from processing.calibration_schedule import CalibrationSchedule
from processing.frames import SideFrames


@dataclass(frozen=True)
class FrameTable:
    time_s: np.ndarray
    left_flexion_deg: np.ndarray
    left_lateral_deg: np.ndarray
    right_flexion_deg: np.ndarray
    right_lateral_deg: np.ndarray
    trunk_flexion_deg: np.ndarray
    trunk_lateral_deg: np.ndarray
    lr_flexion_diff_deg: np.ndarray
    lr_lateral_diff_deg: np.ndarray
    twist_rate_dps: np.ndarray  # trunk turning about the spine, + to the wearer's left
    left_intensity_g: np.ndarray
    right_intensity_g: np.ndarray
    moving: np.ndarray  # bool
    left_tilt_deg: np.ndarray  # from the side's upright neutral, any direction
    right_tilt_deg: np.ndarray
    trunk_tilt_deg: np.ndarray

    def __len__(self) -> int:
        return int(self.time_s.size)

    def slice(self, lo: int, hi: int | None = None) -> "FrameTable":
        return FrameTable(*(getattr(self, f.name)[lo:hi] for f in dataclasses.fields(self)))

    @property
    def valid(self) -> np.ndarray:
        """Frames where at least one side has data."""
        return ~np.isnan(self.trunk_tilt_deg)

    @property
    def split_known(self) -> np.ndarray:
        """Frames where the trunk's flexion and lateral bend are known (not only its tilt)."""
        return ~np.isnan(self.trunk_flexion_deg)

    @property
    def flexion_or_tilt_deg(self) -> np.ndarray:
        """Trunk flexion where known, else the trunk's tilt from upright (DESIGN.md: with the forward
        direction unknown, the rules that need no split use overall tilt)."""
        return np.where(self.split_known, self.trunk_flexion_deg, self.trunk_tilt_deg)

    @property
    def lr_tilt_diff_deg(self) -> np.ndarray:
        return self.left_tilt_deg - self.right_tilt_deg

    @property
    def lr_diff_deg(self) -> np.ndarray:
        """The larger left/right difference, flexion or lateral; the difference of the sides' tilts
        where either side's forward direction is unknown (NaN where a side has no data)."""
        split = np.fmax(np.abs(self.lr_flexion_diff_deg), np.abs(self.lr_lateral_diff_deg))
        return np.where(np.isnan(self.lr_flexion_diff_deg), np.abs(self.lr_tilt_diff_deg), split)

    def posture_deg(self) -> tuple[np.ndarray, np.ndarray]:
        """Two angles that stay put while a posture is held: flexion and lateral bend where known,
        else tilt and 0."""
        known = self.split_known
        return (np.where(known, self.trunk_flexion_deg, self.trunk_tilt_deg),
                np.where(known, self.trunk_lateral_deg, 0.0))


def _side_angles(frames: SideFrames | None, schedule: CalibrationSchedule, side: str, time_s: np.ndarray):
    """flexion, lateral, tilt, twist rate of one side (NaN without data; flexion and lateral NaN
    where its forward direction is unknown)."""
    out = np.full((4, time_s.size), np.nan)
    if frames is None:
        return out
    for lo, hi, calibration in schedule.pieces(side, time_s):
        rotation = calibration.rotation
        g = frames.gravity[lo:hi] @ rotation.T
        if calibration.forward_known:
            out[0, lo:hi], out[1, lo:hi] = angles_deg(g)
        out[2, lo:hi] = tilt_deg(g)
        out[3, lo:hi] = frames.gyro_dps[lo:hi] @ rotation[0]
    out[:, ~frames.valid] = np.nan
    return out


def build_frame_table(time_s: np.ndarray, frames: dict[str, SideFrames | None], schedule: CalibrationSchedule,
                      *, moving: np.ndarray, intensity_g: dict[str, np.ndarray]) -> FrameTable:
    """Angles per side and for the trunk, left-minus-right differences, twist rate."""
    m = time_s.size
    lf, ll, lt, lw = _side_angles(frames.get("left"), schedule, "left", time_s)
    rf, rl, rt, rw = _side_angles(frames.get("right"), schedule, "right", time_s)
    nan = np.full(m, np.nan)
    trunk_tilt = trunk_mean(lt, rt)
    return FrameTable(
        time_s=time_s,
        left_flexion_deg=lf, left_lateral_deg=ll, right_flexion_deg=rf, right_lateral_deg=rl,
        trunk_flexion_deg=trunk_mean(lf, rf), trunk_lateral_deg=trunk_mean(ll, rl),
        lr_flexion_diff_deg=lf - rf, lr_lateral_diff_deg=ll - rl,
        twist_rate_dps=trunk_mean(lw, rw),
        left_intensity_g=intensity_g.get("left", nan), right_intensity_g=intensity_g.get("right", nan),
        moving=moving & ~np.isnan(trunk_tilt),
        left_tilt_deg=lt, right_tilt_deg=rt, trunk_tilt_deg=trunk_tilt,
    )


class TimelineBuffer:
    """The frames of a whole session, kept compact: angles, rates and intensities in float32
    (a millionth of a degree is far below any sensor's noise), time in float64. Storage grows
    by doubling, or is sized once from ``expected`` frames, so no copy of the whole is made at
    the end. Steps analyse their own frames in float64 before they are stored."""

    def __init__(self, expected: int = 0) -> None:
        self._columns = {f.name: _empty(f.name, max(expected, 1024)) for f in dataclasses.fields(FrameTable)}
        self._n = 0

    def append(self, table: FrameTable) -> None:
        m = len(table)
        if self._n + m > self._capacity:
            grown = max(2 * self._capacity, self._n + m)
            for name, column in self._columns.items():
                bigger = _empty(name, grown)
                bigger[:self._n] = column[:self._n]
                self._columns[name] = bigger
        for name, column in self._columns.items():
            column[self._n:self._n + m] = getattr(table, name)
        self._n += m

    def __len__(self) -> int:
        return self._n

    @property
    def _capacity(self) -> int:
        return self._columns["time_s"].size

    def table(self) -> FrameTable:
        return FrameTable(**{name: column[:self._n] for name, column in self._columns.items()})


class StoredTimeline:
    """The frames of a whole session in an unlinked temporary file (TMPDIR): gathered
    ``BLOCK_FRAMES`` at a time in memory, then written column after column, each column as
    ``TimelineBuffer`` keeps it. ``table()`` reads a column back only when it is asked for, so
    what stays in memory does not grow with the recording (65 bytes a frame: 112 MB for 48 h)."""

    BLOCK_FRAMES = 1 << 14

    def __init__(self, directory: str | None = None) -> None:
        self._directory = directory
        self._tail = TimelineBuffer(self.BLOCK_FRAMES)
        self._dtypes = {name: column.dtype for name, column in self._tail._columns.items()}
        self._offsets, at = {}, 0
        for name, dtype in self._dtypes.items():
            self._offsets[name], at = at, at + dtype.itemsize * self.BLOCK_FRAMES
        self._block_bytes = at
        self._handle, self._blocks = None, 0

    def __len__(self) -> int:
        return self._blocks * self.BLOCK_FRAMES + len(self._tail)

    def append(self, table: FrameTable) -> None:
        at, m = 0, len(table)
        while at < m:
            take = min(m - at, self.BLOCK_FRAMES - len(self._tail))
            self._tail.append(table.slice(at, at + take))
            at += take
            if len(self._tail) == self.BLOCK_FRAMES:
                self._flush()

    def _flush(self) -> None:
        from processing.input.spool import temporary_file, write_to

        if self._handle is None:
            self._handle = temporary_file("timeline", self._directory)
        self._handle.seek(self._blocks * self._block_bytes)
        what = f"10 Hz timeline ({self._block_bytes // self.BLOCK_FRAMES} bytes a frame)"
        for column in self._tail._columns.values():
            write_to(self._handle, column[:self.BLOCK_FRAMES], what=what)
        self._blocks += 1
        self._tail._n = 0

    def column(self, name: str, lo: int, hi: int) -> np.ndarray:
        """Frames [lo, hi) of one column, as appended."""
        dtype, size = self._dtypes[name], self.BLOCK_FRAMES
        out = np.empty(max(0, hi - lo), dtype)
        stored = min(hi, self._blocks * size)
        at = lo
        while at < stored:
            block, within = divmod(at, size)
            take = min(stored - at, size - within)
            self._handle.seek(block * self._block_bytes + self._offsets[name] + within * dtype.itemsize)
            out[at - lo:at - lo + take] = np.fromfile(self._handle, dtype, count=take)
            at += take
        if at < hi:
            tail = self._tail._columns[name]
            out[at - lo:] = tail[at - self._blocks * size:hi - self._blocks * size]
        return out

    def table(self) -> FrameTable:
        return StoredTable(self, 0, len(self))


class StoredTable(FrameTable):
    """A FrameTable whose columns are read from a ``StoredTimeline`` each time they are asked
    for (and let go after use), over frames [lo, hi)."""

    def __init__(self, store: StoredTimeline, lo: int, hi: int) -> None:  # noqa: D107 - not the dataclass's
        object.__setattr__(self, "_store", store)
        object.__setattr__(self, "_lo", lo)
        object.__setattr__(self, "_hi", hi)

    def __len__(self) -> int:
        return self._hi - self._lo

    def __repr__(self) -> str:
        return f"StoredTable(frames {self._lo}-{self._hi})"

    def slice(self, lo: int, hi: int | None = None) -> FrameTable:
        span = range(self._lo, self._hi)[lo:hi]
        return StoredTable(self._store, span.start, max(span.start, span.stop))


def _stored_column(name: str) -> property:
    return property(lambda self: self._store.column(name, self._lo, self._hi), doc=f"{name}, read from the file")


for _field in dataclasses.fields(FrameTable):
    setattr(StoredTable, _field.name, _stored_column(_field.name))


def _empty(name: str, n: int) -> np.ndarray:
    dtype = np.float64 if name == "time_s" else (bool if name == "moving" else np.float32)
    return np.empty(n, dtype)


TIMELINE_COLUMNS = ("time_s", "left_flexion_deg", "left_lateral_deg", "right_flexion_deg", "right_lateral_deg",
                    "trunk_flexion_deg", "trunk_lateral_deg", "lr_flexion_diff_deg", "lr_lateral_diff_deg",
                    "moving", "left_tilt_deg", "right_tilt_deg")


def write_timeline_csv(table: FrameTable, path, *, rows_per_write: int = 100_000, inputs=()) -> None:
    """DESIGN.md timeline: 10 Hz, empty cells inside gaps, moving as 1/0 (written a slice at a
    time, so a long session's text never sits in memory whole). Written whole and owner-only,
    never over one of ``inputs`` or a recording (sensors.outputs)."""
    from sensors.outputs import write_whole

    with write_whole(path, newline="", inputs=inputs) as handle:
        handle.write(",".join(TIMELINE_COLUMNS) + "\n")
        for start in range(0, len(table), rows_per_write):
            part = table.slice(start, start + rows_per_write)
            columns = [np.char.mod("%.3f", part.time_s)]
            for name in TIMELINE_COLUMNS[1:]:
                if name == "moving":
                    columns.append(np.where(part.moving, "1", "0"))
                    continue
                values = getattr(part, name).astype(np.float64)
                text = np.char.mod("%.2f", np.nan_to_num(values))
                columns.append(np.where(np.isnan(values), "", text))
            np.savetxt(handle, np.column_stack(columns), fmt="%s", delimiter=",")

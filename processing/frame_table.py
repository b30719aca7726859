"""The 10 Hz frame table: every per-moment figure the later steps and the timeline use.

Angles are relative to each side's calibrated neutral; differences are left minus right;
NaN marks a side (or the trunk) with no data in that frame.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from processing.angles import angles_deg, trunk_mean
from processing.calibration import Calibration
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

    def __len__(self) -> int:
        return int(self.time_s.size)

    def slice(self, lo: int, hi: int | None = None) -> "FrameTable":
        return FrameTable(*(getattr(self, f.name)[lo:hi] for f in dataclasses.fields(self)))

    @property
    def valid(self) -> np.ndarray:
        """Frames where at least one side has data."""
        return ~np.isnan(self.trunk_flexion_deg)


def _side_angles(frames: SideFrames | None, calibration: Calibration, side: str, m: int):
    if frames is None or side not in calibration.sides:
        nan = np.full(m, np.nan)
        return nan, nan, nan
    rotation = calibration.sides[side].rotation
    flexion, lateral = angles_deg(frames.gravity @ rotation.T)
    twist = (frames.gyro_dps @ rotation.T)[:, 0]
    invalid = ~frames.valid
    for values in (flexion, lateral, twist):
        values[invalid] = np.nan
    return flexion, lateral, twist


def build_frame_table(time_s: np.ndarray, frames: dict[str, SideFrames | None], calibration: Calibration,
                      *, moving: np.ndarray, intensity_g: dict[str, np.ndarray]) -> FrameTable:
    """Angles per side and for the trunk, left-minus-right differences, twist rate."""
    m = time_s.size
    lf, ll, lt = _side_angles(frames.get("left"), calibration, "left", m)
    rf, rl, rt = _side_angles(frames.get("right"), calibration, "right", m)
    nan = np.full(m, np.nan)
    return FrameTable(
        time_s=time_s,
        left_flexion_deg=lf, left_lateral_deg=ll, right_flexion_deg=rf, right_lateral_deg=rl,
        trunk_flexion_deg=trunk_mean(lf, rf), trunk_lateral_deg=trunk_mean(ll, rl),
        lr_flexion_diff_deg=lf - rf, lr_lateral_diff_deg=ll - rl,
        twist_rate_dps=trunk_mean(lt, rt),
        left_intensity_g=intensity_g.get("left", nan), right_intensity_g=intensity_g.get("right", nan),
        moving=moving & ~np.isnan(trunk_mean(lf, rf)),
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

    @property
    def _capacity(self) -> int:
        return self._columns["time_s"].size

    def table(self) -> FrameTable:
        return FrameTable(**{name: column[:self._n] for name, column in self._columns.items()})


def _empty(name: str, n: int) -> np.ndarray:
    dtype = np.float64 if name == "time_s" else (bool if name == "moving" else np.float32)
    return np.empty(n, dtype)


TIMELINE_COLUMNS = ("time_s", "left_flexion_deg", "left_lateral_deg", "right_flexion_deg", "right_lateral_deg",
                    "trunk_flexion_deg", "trunk_lateral_deg", "lr_flexion_diff_deg", "lr_lateral_diff_deg",
                    "moving")


def write_timeline_csv(table: FrameTable, path, *, rows_per_write: int = 100_000, inputs=()) -> None:
    """DESIGN.md timeline: 10 Hz, empty cells inside gaps, moving as 1/0 (written a slice at a
    time, so a long session's text never sits in memory whole). Written whole and owner-only,
    never over one of ``inputs`` or a recording (sensors.outputs)."""
    from sensors.outputs import write_whole

    with write_whole(path, newline="", inputs=inputs) as handle:
        handle.write(",".join(TIMELINE_COLUMNS) + "\n")
        for start in range(0, len(table), rows_per_write):
            part = table.slice(start, start + rows_per_write)
            columns = []
            for name in TIMELINE_COLUMNS[1:-1]:
                values = getattr(part, name).astype(np.float64)
                text = np.char.mod("%.2f", np.nan_to_num(values))
                columns.append(np.where(np.isnan(values), "", text))
            moving = np.where(part.moving, "1", "0")
            time = np.char.mod("%.3f", part.time_s)
            np.savetxt(handle, np.column_stack([time, *columns, moving]), fmt="%s", delimiter=",")

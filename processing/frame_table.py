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


def concat_tables(parts: list[FrameTable]) -> FrameTable:
    return FrameTable(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in dataclasses.fields(FrameTable)))


TIMELINE_COLUMNS = ("time_s", "left_flexion_deg", "left_lateral_deg", "right_flexion_deg", "right_lateral_deg",
                    "trunk_flexion_deg", "trunk_lateral_deg", "lr_flexion_diff_deg", "lr_lateral_diff_deg",
                    "moving")


def write_timeline_csv(table: FrameTable, path) -> None:
    """DESIGN.md timeline: 10 Hz, empty cells inside gaps, moving as 1/0."""
    columns = []
    for name in TIMELINE_COLUMNS[1:-1]:
        values = getattr(table, name)
        text = np.char.mod("%.2f", np.nan_to_num(values))
        columns.append(np.where(np.isnan(values), "", text))
    moving = np.where(table.moving, "1", "0")
    time = np.char.mod("%.3f", table.time_s)
    rows = np.column_stack([time, *columns, moving])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(TIMELINE_COLUMNS) + "\n")
        if rows.size:
            np.savetxt(handle, rows, fmt="%s", delimiter=",")

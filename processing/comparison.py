"""Step 7: left/right comparison over a session.

Differences are left minus right, each side relative to its own calibrated neutral. Movement
intensity is compared with a symmetry index guarded near zero (Robinson's index explodes when
both sides barely move) and with Zifchock's symmetry angle, which stays bounded. One-sidedness
of lateral bends and twists is (left - right) / (left + right): +1 all to the left, -1 all to
the right, None when there is nothing to compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.frame_table import FrameTable
from processing.numbers import number
from sensors.samples import SIDES, Side

# Below this mean intensity (g) the two sides are "both still" and their ratio means nothing.
INTENSITY_FLOOR_G = 0.01


@dataclass(frozen=True)
class LeftRight:
    available: bool  # False when a side is missing: not the same as "no difference"
    compared_s: float  # time with both sides present
    flexion_diff_mean_deg: float | None
    lateral_diff_mean_deg: float | None
    flexion_diff_p95_deg: float | None  # 95th percentile of the absolute difference
    lateral_diff_p95_deg: float | None
    diff_over_5_s: float  # time either difference exceeded 5 deg
    intensity_symmetry_index_pct: float | None  # (L - R) / (0.5 (|L| + |R|)), guarded
    intensity_symmetry_angle_pct: float | None  # Zifchock: (45 - atan(L/R)) / 90, signed like L - R
    lateral_one_sidedness: float | None  # time leaning left vs right beyond 10 deg
    twist_one_sidedness: float | None  # turns to the left vs to the right
    sentence: str


def symmetry_index_pct(left: float, right: float, *, floor: float) -> float | None:
    """(L - R) / (0.5 (|L| + |R|)) in %; None when both are below ``floor``."""
    scale = 0.5 * (abs(left) + abs(right))
    return None if scale < floor else 100.0 * (left - right) / scale


def symmetry_angle_pct(left: float, right: float, *, floor: float) -> float | None:
    """Zifchock's symmetry angle in %, 0 when equal, bounded by +-100 %."""
    if max(abs(left), abs(right)) < floor:
        return None
    return float(100.0 * (np.degrees(np.arctan2(left, right)) - 45.0) / 90.0)


def one_sidedness(left: float, right: float) -> float | None:
    total = left + right
    return None if total <= 0 else (left - right) / total


def compare_sides(t: FrameTable, *, frame_s: float, lateral_deg: float, asymmetry_deg: float,
                  twists_left: int, twists_right: int, sides_present: tuple[Side, ...]) -> LeftRight:
    both = ~np.isnan(t.lr_flexion_diff_deg)
    lateral = t.trunk_lateral_deg
    lean_left = float(np.sum(lateral > lateral_deg) * frame_s)
    lean_right = float(np.sum(lateral < -lateral_deg) * frame_s)
    twist = one_sidedness(float(twists_left), float(twists_right))
    if len(sides_present) < 2 or not both.any():
        missing = [s for s in SIDES if s not in sides_present]
        why = f"the {missing[0]} sensor is missing" if missing else "the two sensors never overlapped in time"
        return LeftRight(False, 0.0, None, None, None, None, 0.0, None, None,
                         one_sidedness(lean_left, lean_right), twist,
                         f"Left/right comparison unavailable: {why}.")
    fd, ld = t.lr_flexion_diff_deg[both], t.lr_lateral_diff_deg[both]
    moving = both & t.moving
    il = float(np.nanmean(t.left_intensity_g[moving])) if moving.any() else 0.0
    ir = float(np.nanmean(t.right_intensity_g[moving])) if moving.any() else 0.0
    over = float(np.sum(np.fmax(np.abs(fd), np.abs(ld)) > asymmetry_deg) * frame_s)
    result = dict(
        flexion_diff_mean_deg=float(fd.mean()), lateral_diff_mean_deg=float(ld.mean()),
        flexion_diff_p95_deg=float(np.percentile(np.abs(fd), 95)),
        lateral_diff_p95_deg=float(np.percentile(np.abs(ld), 95)), diff_over_5_s=over,
        intensity_symmetry_index_pct=symmetry_index_pct(il, ir, floor=INTENSITY_FLOOR_G),
        intensity_symmetry_angle_pct=symmetry_angle_pct(il, ir, floor=INTENSITY_FLOOR_G),
        lateral_one_sidedness=one_sidedness(lean_left, lean_right), twist_one_sidedness=twist,
    )
    compared = float(both.sum() * frame_s)
    return LeftRight(True, compared, sentence=_sentence(result, compared, asymmetry_deg), **result)


def _sentence(r: dict, compared_s: float, limit_deg: float) -> str:
    fd, ld = r["flexion_diff_mean_deg"], r["lateral_diff_mean_deg"]
    share = 100.0 * r["diff_over_5_s"] / compared_s if compared_s else 0.0
    bigger = "sideways tilt" if abs(ld) >= abs(fd) else "forward tilt"
    diff = ld if abs(ld) >= abs(fd) else fd
    if share < 5.0 and abs(diff) < limit_deg / 2:
        return (f"Both sides of the back moved alike: mean differences {number(fd, 1, sign=True)} deg forward and "
                f"{number(ld, 1, sign=True)} deg sideways (left minus right); above {limit_deg:g} deg for "
                f"{number(share)} % of the time.")
    side = "left" if diff > 0 else "right"
    return (f"The sides of the back differ most in {bigger}: on average the {side} side sits {abs(diff):.1f} deg "
            f"further; the difference exceeded {limit_deg:g} deg for {number(share)} % of the time.")

"""Step 6: flexion and lateral bend per side and for the trunk (DESIGN.md definitions).

With f the gravity ("up") direction in the calibrated frame (x up the spine, y to the
wearer's left, z out of the back): flexion = atan2(f_z, f_x), forward positive;
lateral = atan2(-f_y, hypot(f_x, f_z)), bending to the wearer's left positive.
"""

from __future__ import annotations

import numpy as np


def angles_deg(gravity_cal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flexion and lateral bend in degrees from (n, 3) calibrated gravity (any length)."""
    fx, fy, fz = gravity_cal[:, 0], gravity_cal[:, 1], gravity_cal[:, 2]
    flexion = np.degrees(np.arctan2(fz, fx))
    lateral = np.degrees(np.arctan2(-fy, np.hypot(fx, fz)))
    return flexion, lateral


def trunk_mean(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Mean of the two sides; one side alone where the other is missing (NaN)."""
    both = np.stack([left, right])
    count = np.sum(~np.isnan(both), axis=0)
    total = np.nansum(both, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)

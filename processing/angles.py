"""Step 6: flexion and lateral bend per side and for the trunk (DESIGN.md definitions).

With f the gravity ("up") direction in the calibrated frame (x up the spine, y to the
wearer's left, z out of the back): flexion = atan2(f_z, f_x), forward positive;
lateral = atan2(-f_y, hypot(f_x, f_z)), bending to the wearer's left positive; tilt (any
direction, known even where the forward direction is not) = atan2(hypot(f_y, f_z), f_x).
"""

from __future__ import annotations

import numpy as np

from sensors.compiled import Kernels

_kernels = Kernels("processing.kernels.angles")


def angles_deg(gravity_cal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flexion and lateral bend in degrees from (n, 3) calibrated gravity (any length)."""
    fx, fy, fz = gravity_cal[:, 0], gravity_cal[:, 1], gravity_cal[:, 2]
    flexion = np.degrees(np.arctan2(fz, fx))
    lateral = np.degrees(np.arctan2(-fy, np.hypot(fx, fz)))
    return flexion, lateral


def tilt_deg(gravity_cal: np.ndarray) -> np.ndarray:
    """Inclination from the calibrated "up" (x) in any direction, degrees: atan2(hypot(f_y, f_z), f_x).
    Known without the forward direction (REFERENCES.md: Acti4's inclination)."""
    return np.degrees(np.arctan2(np.hypot(gravity_cal[:, 1], gravity_cal[:, 2]), gravity_cal[:, 0]))


def trunk_mean(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Mean of the two sides; one side alone where the other is missing (NaN)."""
    left, right = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
    if left.shape != right.shape:
        raise ValueError(f"sides differ in shape: {left.shape} and {right.shape}")
    out = np.empty(left.shape)
    _kernels.trunk_mean(left.reshape(-1), right.reshape(-1), out.reshape(-1))
    return out



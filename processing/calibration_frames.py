"""What calibration reads from one side, and the small vector helpers its steps share."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class CalibrationFrames:
    """One side's 10 Hz frames in the sensor frame: times, mean gravity, mean |gyro|, validity,
    and whether the wearer moved (None where movement is not known, e.g. in the live guide)."""

    time_s: np.ndarray
    gravity: np.ndarray
    gyro_abs_dps: np.ndarray
    valid: np.ndarray
    moving: np.ndarray | None = None

    @cached_property
    def direction(self) -> np.ndarray:
        """Unit gravity directions (zero for an empty frame), worked out once; gravity kept on disk
        (processing.frame_store.StoredVectors) gives its directions read back a part at a time."""
        stored = getattr(self.gravity, "directions", None)
        return stored() if stored is not None else unit(self.gravity)


def angle_from_deg(directions: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Angle (deg) of unit ``directions`` (n, 3) from one unit vector ``up``."""
    return np.degrees(np.arccos(np.clip(directions @ up, -1.0, 1.0)))


def unit(v: np.ndarray) -> np.ndarray:
    """Unit vectors; an empty frame (all zeros) stays zero instead of dividing by zero."""
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norm > 0, norm, 1.0)


def angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle between (rows of) a and b, degrees."""
    return np.degrees(np.arccos(np.clip(np.sum(unit(a) * unit(b), axis=-1), -1.0, 1.0)))


def rotation_angle_deg(rotation: np.ndarray) -> float:
    """The angle of a rotation matrix, degrees."""
    return float(np.degrees(np.arccos(np.clip((np.trace(rotation) - 1) / 2, -1, 1))))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the True runs of ``mask``; end is exclusive."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))

"""Each side's calibration over the session: the first holds from the start, each later one
(a slipped sensor corrected, the monitor growing sure, a ``# calibration:`` line) from its
time on. The frame table asks it for the rotation of every frame."""

from __future__ import annotations

import dataclasses

import numpy as np

from processing.calibration import Calibration, CalibrationMethod, Recalibration, SideCalibration, mount_offset_deg
from processing.calibration_frames import rotation_angle_deg
from sensors.samples import CalibrationLine


class CalibrationSchedule:
    """The calibration in force at any time, per side; ``adopt`` adds a change from then on."""

    def __init__(self, calibration: Calibration) -> None:
        self.initial = calibration
        self.changes: list[Recalibration] = list(calibration.recalibrations)

    def current(self, side: str) -> SideCalibration:
        later = [c for c in self.changes if c.side == side]
        return later[-1].calibration if later else self.initial.sides[side]

    def adopt(self, change: Recalibration) -> None:
        self.changes.append(change)

    def pieces(self, side: str, time_s: np.ndarray) -> list[tuple[int, int, SideCalibration]]:
        """(lo, hi, calibration) for the frames of ``time_s`` (sorted): which one holds where."""
        if side not in self.initial.sides:
            return []
        bounds, calibrations = [0], [self.initial.sides[side]]
        for change in (c for c in self.changes if c.side == side):
            bounds.append(int(np.searchsorted(time_s, change.time_s)))
            calibrations.append(change.calibration)
        bounds.append(time_s.size)
        return [(lo, max(lo, hi), c) for lo, hi, c in zip(bounds[:-1], bounds[1:], calibrations) if hi > lo]

    def calibration(self) -> Calibration:
        """The session's calibration with every change made so far."""
        return dataclasses.replace(self.initial, recalibrations=tuple(self.changes))


def recorded_calibration(lines: tuple[CalibrationLine, ...], sides: tuple[str, ...],
                         window_s: tuple[float, float] | None) -> Calibration | None:
    """The calibration the monitor wrote into a recording (``# calibration:`` lines): each side's
    first line holds from the start, later ones from their time. None when a present side has
    no line (the file is then calibrated offline)."""
    by_side = {side: sorted((line for line in lines if line.side == side), key=lambda line: line.time_s)
               for side in sides}
    if not lines or any(not found for found in by_side.values()):
        return None
    first = {side: _recorded(found[0]) for side, found in by_side.items()}
    changes = [Recalibration(side, line.time_s, _recorded(line), _turn_deg(previous.rotation, line.rotation),
                             "recorded")
               for side, found in by_side.items() for previous, line in zip(found, found[1:])]
    return Calibration(first, window_s, CalibrationMethod.RECORDED, tuple(sorted(changes, key=lambda c: c.time_s)))


def _recorded(line: CalibrationLine) -> SideCalibration:
    rotation = np.array(line.rotation, dtype=float).reshape(3, 3)
    note = "recorded by the monitor" + ("" if line.forward_known else "; forward direction unknown")
    return SideCalibration(rotation, CalibrationMethod.RECORDED, None, None, None, None, None,
                           mount_offset_deg(rotation), 1.0 if line.forward_known else 0.5, note,
                           line.forward_known, 1.0, 1.0 if line.forward_known else 0.0, "recorded")


def _turn_deg(a, b) -> float:
    return rotation_angle_deg(np.asarray(a, dtype=float).reshape(3, 3).T @ np.asarray(b, dtype=float).reshape(3, 3))

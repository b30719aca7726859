"""Automatic calibration of a recording in which a sensor slipped.

Calibration from the whole recording (processing.auto_calibration) assumes one mounting per
sensor. After a slip, the frames before and after it disagree, and a calibration drawn from
both fits neither: the neutral re-check would then "find" a slip at the very start. So the
re-check first runs once over the kept frames as they are (it is cheap at 10 Hz); each side's
frames after each slip it finds (from when the relation changed) are turned back into the
sensor's first mounting; calibration is drawn again from all of them; and the calibration for
the start is that one, as the first frames need it. The method then re-checks the neutral as
usual and finds the same slips, now against a clean start. Without a slip (the usual case)
this first re-check is the only one.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from processing.calibration import Calibration, Recalibration, calibrate
from processing.calibration_schedule import CalibrationSchedule
from processing.frame_store import FileFrameStore, FrameStore
from processing.neutral import NeutralWatch
from processing.settings import Settings


def calibrate_across_slips(store: FrameStore | FileFrameStore, calibration: Calibration, *, frame_rate_hz: float,
                           settings: Settings, part_frames: int) -> tuple[Calibration, bool]:
    """``calibration`` (automatic, from every frame) redone with each side's frames after a slip
    turned back into its first mounting, and whether the method must re-check the neutral: not
    when this re-check found no slip (it would find none again: the same frames, calibration
    and step)."""
    slips = _dry_run(store, calibration, frame_rate_hz=frame_rate_hz, settings=settings, part_frames=part_frames)
    if not slips:
        return calibration, False
    frames = store.calibration_frames()
    maps = {side: _maps(f.time_s, calibration, side, slips) for side, f in frames.items()}
    turned = {side: dataclasses.replace(f, gravity=np.einsum("nij,nj->ni", maps[side], f.gravity))
              for side, f in frames.items()}
    again = calibrate(turned, window_s=None, frame_rate_hz=frame_rate_hz, settings=settings.calibration)
    # The first frames read g; turned, M g: the calibration they need is R* M.
    sides = {side: dataclasses.replace(c, rotation=c.rotation @ maps[side][0]) for side, c in again.sides.items()}
    return dataclasses.replace(again, sides=sides), True


def _dry_run(store: FrameStore | FileFrameStore, calibration: Calibration, *, frame_rate_hz: float, settings: Settings,
             part_frames: int) -> list[Recalibration]:
    watch = NeutralWatch(CalibrationSchedule(calibration), store.sides, frame_rate_hz=frame_rate_hz,
                         settings=settings.neutral)
    for part in store.parts(part_frames):
        watch.process(part.time_s, part.sides, part.movement.moving)
    return watch.found


def _maps(time_s: np.ndarray, calibration: Calibration, side: str, slips: list[Recalibration]) -> np.ndarray:
    """(n, 3, 3): per frame, R0^T R(t), with R(t) the side's rotation after the slips found so
    far, switched where each slip began: a frame's gravity turned by it reads as under R0."""
    first = calibration.sides[side].rotation
    maps = np.broadcast_to(np.eye(3), (time_s.size, 3, 3)).copy()
    for slip in (s for s in slips if s.side == side):
        begins = slip.since_s if slip.since_s is not None else slip.time_s
        maps[time_s >= begins] = first.T @ slip.calibration.rotation
    return maps


"""Are left and right the right way round? Lever-arm evidence while the trunk turns.

Both sensors sit on nearly one rigid segment, so gravity and the gyroscope cannot tell them
apart; only where they sit can. For a rigid body turning at w with angular acceleration dw/dt,
two points a vector d apart feel accelerations that differ by (dw/dt) x d + w x (w x d). With d
= (0, dy, 0) from the right sensor to the left one in the body frame (x up, y left, z back),
that difference is dy * h, where h = (-dwz/dt + wx wy, -(wx^2 + wz^2), dwx/dt + wz wy). A least
squares fit of the measured left-minus-right acceleration on h over the session gives dy: about
+0.1 m when the sensors are as labelled, negative when they are swapped, and too uncertain to
say when the wearer hardly turned. The estimator is streaming, fed frame by frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.calibration import Calibration
from processing.frames import SideFrames
from sensors.compiled import Kernels
from sensors.samples import SIDES, Side

_kernels = Kernels("processing.kernels.side_check")

STANDARD_GRAVITY = 9.80665  # m/s^2 per g


@dataclass(frozen=True)
class SideCheck:
    separation_m: float | None  # left sensor's lateral position minus the right's (+ = as labelled)
    t_value: float | None  # separation / its standard error
    frames_used: int
    verdict: str  # "as_labelled" | "swapped" | "undetermined" | "unavailable"
    note: str

    def to_json(self) -> dict:
        return {"separation_m": None if self.separation_m is None else round(self.separation_m, 3),
                "t_value": None if self.t_value is None else round(self.t_value, 1),
                "frames_used": self.frames_used, "verdict": self.verdict, "note": self.note}


class SideCheckEstimator:
    """Accumulates the least-squares sums over frames; ``result()`` gives the verdict."""

    def __init__(self, *, frame_rate_hz: float, min_turn_dps: float = 20.0) -> None:
        self.frame_s = 1.0 / frame_rate_hz
        self.min_turn_rad = np.radians(min_turn_dps)
        self._prev_w = np.full(3, np.nan)  # last frame's mean angular rate (rad/s) and difference vector
        self._prev_diff = np.full(3, np.nan)
        self._sxy = self._sxx = self._syy = 0.0
        self._n = 0

    def update(self, frames: dict[Side, SideFrames], calibration: Calibration) -> None:
        if not set(SIDES) <= frames.keys() <= calibration.sides.keys() | frames.keys():
            return
        lin, w = {}, {}
        for side in SIDES:
            f, rot = frames[side], calibration.sides[side].rotation
            lin[side] = _kernels.linear_accel_g(f.accel_sum_g, f.count, f.gravity) @ rot.T * STANDARD_GRAVITY
            w[side] = np.radians(f.gyro_dps @ rot.T)
        ok = frames["left"].valid & frames["right"].valid
        h, d = np.empty((ok.size, 3)), np.empty((ok.size, 3))
        used = _kernels.lever_terms(lin["left"], lin["right"], w["left"], w["right"], ok, self._prev_w, self._prev_diff,
                            self.frame_s, self.min_turn_rad, h, d)
        h, d = h[:used], d[:used]
        self._sxy += float(np.sum(h * d))
        self._sxx += float(np.sum(h * h))
        self._syy += float(np.sum(d * d))
        self._n += used

    def result(self, *, min_t: float = 4.0, min_separation_m: float = 0.02) -> SideCheck:
        if self._n < 20 or self._sxx <= 0:
            return SideCheck(None, None, self._n, "undetermined",
                             "not enough turning of the trunk to tell left from right; if the sensors may be "
                             "swapped, check their labels (or use --swap-sides)")
        dy = self._sxy / self._sxx
        dof = max(1, 3 * self._n - 1)
        resid = max(self._syy - dy * self._sxy, 0.0) / dof
        t = dy / np.sqrt(resid / self._sxx) if resid > 0 else float("inf")
        if t >= min_t and dy >= min_separation_m:
            return SideCheck(dy, t, self._n, "as_labelled",
                             f"the left sensor sits {dy * 100:.0f} cm left of the right one, as labelled")
        if t <= -min_t and dy <= -min_separation_m:
            return SideCheck(dy, t, self._n, "swapped",
                             f"the sensor labelled left sits {-dy * 100:.0f} cm to the RIGHT of the other: the "
                             "sides look swapped; analyse again with --swap-sides if so")
        return SideCheck(dy, t, self._n, "undetermined",
                         "the turning in this session does not show clearly which sensor is on which side")


def unavailable(reason: str) -> SideCheck:
    return SideCheck(None, None, 0, "unavailable", reason)



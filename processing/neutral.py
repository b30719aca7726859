"""The neutral re-checked through the day: a sensor that slipped or was re-attached.

Two sensors on one back turn together, so in their calibrated frames they see gravity alike
in every posture: u_left = u_right, up to real left/right differences. A sensor that slips
by a rotation turns that relation into u_left = D u_right with D fixed, whatever the posture.
A real one-sided posture (a lean, a hiked shoulder) looks the same while it is held still,
but not through movement and posture changes: so a slip is a rotation D that explains every
frame of the last ``window_s`` (small residual) where the identity does not, over a window in
which the wearer moved or changed posture, found again for ``confirm_s`` more. D is fitted as
Wahba's problem (Kabsch, from sums of u_left u_right^T), drawn toward the identity by a small
prior so that a window of upright postures alone, which cannot show a turn about the
vertical, adds none. Which sensor moved: the one whose own posture over the window changed
more than the other's, compared with the frames before. Its calibration is corrected from the
moment the slip is confirmed (the frames from then on read as before the slip); the report
gives when the relation changed as well (the best single change point).

With one sensor there is nothing to compare it with, and no check is made: a change of the
posture alone cannot tell a slip from the wearer (README, "Calibration without the routine").

Only data up to each moment are used, and the state is carried between chunks, so the live
monitor and the offline analysis find the same slips at the same frames.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from processing.calibration import Recalibration
from processing.calibration_frames import unit
from processing.calibration_schedule import CalibrationSchedule
from processing.frames import SideFrames
from processing.settings import NeutralSettings


@dataclass(frozen=True)
class _Fits:
    """Fits of D (u_left = D u_right, body frames) over windows ending at each check point."""

    rotation: np.ndarray  # (k, 3, 3)
    angle_deg: np.ndarray  # (k,)
    residual_deg: np.ndarray  # RMS angle left unexplained by D
    identity_deg: np.ndarray  # RMS angle between u_left and u_right


def fit_relations(outer_sums: np.ndarray, n: int, *, prior: float) -> _Fits:
    """Kabsch over windows of ``n`` frames given sum(u_left u_right^T) (k, 3, 3), with ``prior``
    (a fraction of n) pseudo-observations of the identity. For unit vectors the summed squared
    distance is 2n - 2 trace(D^T B), so the sums are all it takes."""
    u, _, vt = np.linalg.svd(outer_sums + prior * n * np.eye(3))
    flip = np.sign(np.linalg.det(u @ vt))
    d = u @ (np.eye(3)[None] * np.stack([np.ones_like(flip), np.ones_like(flip), flip], axis=1)[:, None, :]) @ vt
    fitted = np.einsum("kij,kij->k", d, outer_sums)
    residual = np.degrees(np.sqrt(np.maximum(2.0 - 2.0 * fitted / n, 0.0)))
    identity = np.degrees(np.sqrt(np.maximum(2.0 - 2.0 * np.trace(outer_sums, axis1=1, axis2=2) / n, 0.0)))
    angle = np.degrees(np.arccos(np.clip((np.trace(d, axis1=1, axis2=2) - 1.0) / 2.0, -1.0, 1.0)))
    return _Fits(d, angle, residual, identity)


class NeutralWatch:
    """Streaming slip detection over frames; adopts each correction into ``schedule``."""

    def __init__(self, schedule: CalibrationSchedule, sides: tuple[str, ...], *, frame_rate_hz: float,
                 settings: NeutralSettings) -> None:
        self.schedule, self.sides, self.settings = schedule, tuple(sides), settings
        self.window = max(10, int(round(settings.window_s * frame_rate_hz)))
        self.confirm = max(1, int(round(settings.confirm_s * frame_rate_hz / settings.every_frames)))
        # Frames with both sides, the last 3 windows: time, left gravity (3), right gravity (3) in
        # the sensor frames, moving (1/0).
        self.history = np.zeros((0, 8))
        self.keep = max(3 * self.window, int(round(settings.onset_search_s * frame_rate_hz)))
        self.count = 0  # frames with both sides seen (their index decides where the check runs)
        self.settled_s = -np.inf  # the last change adopted: the onset of the next is searched after it
        self.streak = 0  # consecutive checks that found the same slip
        self.quiet_until = self.window  # no check until the window holds frames of one calibration
        self.found: list[Recalibration] = []

    def restart(self, time_s: float) -> None:
        """The calibration changed on purpose at ``time_s`` (the monitor grew surer): compare
        afresh, from a window of frames under the new one."""
        self.streak, self.quiet_until, self.settled_s = 0, self.count + self.window, time_s

    def process(self, time_s: np.ndarray, frames: dict[str, SideFrames], moving: np.ndarray) -> list[Recalibration]:
        """Check this chunk's frames in order; returns the corrections adopted meanwhile (each
        holds from just after the frame that confirmed it)."""
        if len(self.sides) != 2:
            return []
        left, right = frames[self.sides[0]], frames[self.sides[1]]
        use = left.valid & right.valid
        rows = np.concatenate([self.history, np.column_stack([time_s[use], unit(left.gravity[use]),
                                                              unit(right.gravity[use]), moving[use]])])
        first = self.count - self.history.shape[0]  # frame index (frames with both sides) of rows[0]
        self.count += int(use.sum())
        adopted, done = [], self.history.shape[0]  # the history's rows were checked before
        while (change := self._scan(rows, first, done)) is not None:
            change, done = change
            self.schedule.adopt(change)
            self.found.append(change)
            adopted.append(change)
        self.history = rows[-self.keep:]
        return adopted

    def _scan(self, rows: np.ndarray, first: int, done: int) -> tuple[Recalibration, int] | None:
        """The first confirmed slip at a check point from row ``done`` on, with the row after it."""
        s, every = self.settings, self.settings.every_frames
        index = first + np.arange(rows.shape[0])
        checks = np.flatnonzero((index % every == every - 1) & (index + 1 >= self.quiet_until)
                                & (np.arange(rows.shape[0]) >= max(done, self.window - 1)))
        if not checks.size:
            return None
        rl, rr = (self.schedule.current(side).rotation for side in self.sides)
        outer = np.einsum("ni,nj->nij", rows[:, 1:4], rows[:, 4:7])
        cumulative = np.concatenate([np.zeros((1, 3, 3)), np.cumsum(outer, axis=0)])
        sums = rl @ (cumulative[checks + 1] - cumulative[checks + 1 - self.window]) @ rr.T
        fits = fit_relations(sums, self.window, prior=s.prior_weight)
        span = rows[checks, 0] - rows[checks + 1 - self.window, 0]
        slipped = ((fits.angle_deg >= s.slip_min_deg) & (fits.residual_deg <= s.max_residual_deg)
                   & (fits.identity_deg - fits.residual_deg >= 0.5 * fits.angle_deg) & (span <= s.max_window_span_s)
                   & self._varied(rows, checks))
        for k, hit in enumerate(slipped):
            self.streak = self.streak + 1 if hit else 0
            if self.streak >= self.confirm:
                row = int(checks[k])
                self.streak, self.quiet_until = 0, first + row + 1 + self.window
                return self._correction(rows[:row + 1], fits.rotation[k], float(fits.angle_deg[k]), rl, rr), row + 1
        return None

    def _varied(self, rows: np.ndarray, checks: np.ndarray) -> np.ndarray:
        """Windows where the wearer moved or changed posture enough that one rotation explaining
        them all is a sensor's doing, not a posture held (``min_moving_share``, ``min_spread_deg``)."""
        s, w = self.settings, self.window
        cumulative = np.concatenate([np.zeros((1, 4)), np.cumsum(rows[:, 4:8], axis=0)])
        window = cumulative[checks + 1] - cumulative[checks + 1 - w]
        spread = np.degrees(np.arccos(np.clip(np.linalg.norm(window[:, :3], axis=1) / w, -1.0, 1.0)))
        return (window[:, 3] / w >= s.min_moving_share) | (spread >= s.min_spread_deg)

    def _correction(self, rows: np.ndarray, d: np.ndarray, angle_deg: float, rl: np.ndarray,
                    rr: np.ndarray) -> Recalibration:
        """Correct the side that moved from just after the last row. Which one: in the window's
        most upright moments the intact sensor reads close to its neutral, the slipped one stays
        tilted by the slip (the 10th percentile of each side's tilt from its calibrated "up")."""
        after = rows[-self.window:]
        tilt = {side: np.percentile(np.degrees(np.arccos(np.clip(after[:, columns] @ rotation[0], -1, 1))), 10)
                for side, columns, rotation in zip(self.sides, (slice(1, 4), slice(4, 7)), (rl, rr))}
        side = max(self.sides, key=lambda name: tilt[name])
        old = self.schedule.current(side)
        # u_left = D u_right: the left one is turned back by D^T, the right one forward by D.
        correction = d.T if side == self.sides[0] else d
        new = dataclasses.replace(old, rotation=correction @ old.rotation,
                                  note=f"{old.note}; corrected for a slip of {angle_deg:.0f} deg")
        time_s = float(after[-1, 0]) + 1e-6
        since_s = self._onset_s(rows[rows[:, 0] > self.settled_s], d, rl, rr)
        self.settled_s = time_s
        return Recalibration(side, time_s, new, angle_deg, "slip", since_s=since_s)

    @staticmethod
    def _onset_s(rows: np.ndarray, d: np.ndarray, rl: np.ndarray, rr: np.ndarray) -> float:
        """When the frames start to fit D better than the identity (the best single change point)."""
        left, right = rows[:, 1:4] @ rl.T, rows[:, 4:7] @ rr.T
        gain = np.sum((left - right) ** 2, axis=1) - np.sum((left - right @ d.T) ** 2, axis=1)
        score = np.cumsum(gain[::-1])[::-1]  # the gain from each frame on
        return float(rows[int(np.argmax(score)), 0])

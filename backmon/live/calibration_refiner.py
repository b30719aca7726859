"""Calibration that grows surer as the wearer moves: live, without the routine (or after a
routine that showed no forward bend).

The same code ``backmon analyze`` runs on a whole recording (``processing.calibration.calibrate``)
is fed the frames seen so far, every ``live_refine_every_s`` of data. The first calibration
comes once every side's "up" is ``live_start_confidence`` sure; later ones are adopted when
the forward direction becomes known or the body frame turns by more than
``live_refine_min_deg``; once every side is ``sure_confidence`` sure of both, refining stops
(the neutral re-check, processing.neutral, watches for slips from then on) and the wearer is
told. Each adopted calibration is written into the recording as a ``# calibration:`` line,
which analysis honours: a replayed session raises the live alerts.

The frames wait on disk (``FileFrameStore``, the store offline analysis uses: the same
calibration bit for bit), so a shift without a clear bend does not grow the monitor's memory
(issue 16: about 5.6 MB an hour in memory). Reading them back costs more as they pile up (0.4-0.6 s
at 8 h), so refining waits longer as the session grows: at least ``live_refine_every_s``, and at
least ``REFINE_SHARE`` of the time so far, which keeps its share of a core bounded.
"""

from __future__ import annotations

from processing.calibration import Calibration, calibrate
from processing.calibration_frames import rotation_angle_deg
from processing.frame_store import FileFrameStore, SensorFrames
from processing.pipeline import StreamPlan
from processing.settings import Settings

# A refine waits at least this share of the session so far: at 8 h one every 24 min, 0.5 s of reading
# each (under 0.1 % of a core); a first bend late in a long shift is picked up within 5 % of the time.
REFINE_SHARE = 0.05


class CalibrationRefiner:
    """Keeps the frames seen so far; ``refine`` says when a calibration is worth adopting."""

    def __init__(self, plan: StreamPlan, settings: Settings, *, window_s: tuple[float, float] | None = None,
                 adopted: Calibration | None = None) -> None:
        """``window_s``: the guided routine's window, whose neutral stays (only the forward
        direction is still sought); ``adopted``: the calibration in force, if any."""
        self.plan, self.settings, self.window_s = plan, settings, window_s
        self.store = FileFrameStore(plan.sides)
        self.adopted = adopted
        self.next_s = plan.start_s + settings.calibration.live_refine_every_s
        self.sure = adopted is not None and self._is_sure(adopted)

    def add(self, part: SensorFrames) -> None:
        if not self.sure:  # once sure, nothing is refined again: no frames to keep
            self.store.append(part)

    def restart(self) -> None:
        """Forget the frames (the engine replays them from the first sample)."""
        self.store.close()
        self.store = FileFrameStore(self.plan.sides)

    def refine(self, now_s: float) -> Calibration | None:
        """A calibration to adopt now, or None (not due, not sure enough, or no better)."""
        c = self.settings.calibration
        if self.sure or now_s < self.next_s or not len(self.store):
            return None
        self.next_s = now_s + max(c.live_refine_every_s, REFINE_SHARE * (now_s - self.plan.start_s))
        found = calibrate(self.store.calibration_frames(), window_s=self.window_s,
                          frame_rate_hz=self.plan.frame_rate_hz, settings=c)
        if any(s.up_confidence < c.live_start_confidence for s in found.sides.values()):
            return None
        if self.adopted is not None and not self._better(found):
            return None
        self.adopted, self.sure = found, self._is_sure(found)
        if self.sure:
            self.store.close()  # the frames on disk are not needed any more
        return found

    def _better(self, found: Calibration) -> bool:
        """The forward direction newly known on a side, or a body frame turned noticeably."""
        for side, new in found.sides.items():
            old = self.adopted.sides[side]
            if new.forward_known and not old.forward_known:
                return True
            turned = rotation_angle_deg(old.rotation.T @ new.rotation)
            if turned >= self.settings.calibration.live_refine_min_deg and (new.forward_known or not old.forward_known):
                return True
        return False

    def _is_sure(self, calibration: Calibration) -> bool:
        sure = self.settings.calibration.sure_confidence
        return all(s.forward_known and s.up_confidence >= sure and s.forward_confidence >= sure
                   for s in calibration.sides.values())


def describe(calibration: Calibration, *, sure: bool) -> str:
    """One sentence for the wearer about a calibration just adopted."""
    sides = ", ".join(f"{side} up {s.up_confidence:.2f} forward "
                      + (f"{s.forward_confidence:.2f}" if s.forward_known else "unknown")
                      for side, s in calibration.sides.items())
    if sure:
        return f"Calibration sure ({sides}); from now on only a slipped sensor changes it."
    if all(s.forward_known for s in calibration.sides.values()):
        return f"Calibration updated ({sides}); it grows surer as you move."
    return (f"Calibration: upright found, forward direction not yet known ({sides}): overall tilt only "
            "until a forward bend shows it.")

"""Guided calibration at the start of a live session: stand still, one slow forward bend, check.

The frames come from the processing package's own ``FrameSource`` (the steps analysis runs
before calibration) and the judgement from ``processing.calibration.calibrate`` with an explicit
window, the same call ``backmon analyze`` makes with the window the recording's
``calibration_s`` names: the recording reproduces the live calibration exactly. An attempt
ends once every side shows a neutral and a forward bend and has stood still again for
``settle_s``; poor quality (or no bend within ``attempt_s``) starts another attempt. After
``max_attempts`` the best window found is used, and the user is told so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.calibration import Calibration, CalibrationFrames, calibrate, still_stretches
from processing.frames import SideFrames, concat_frames
from processing.pipeline import FrameSource, StreamPlan
from processing.settings import Settings

STAND_STILL = "Calibration: stand upright and still, arms relaxed, looking ahead."
BEND = ("Now bend forward slowly, about 40 degrees (3-4 s down), then come back up slowly and "
        "stand still again.")


@dataclass(frozen=True)
class CalibrationGuideSettings:
    """How patient the guided calibration is (tests shorten ``attempt_s``)."""

    # An attempt is accepted from this quality on (0-1: the worst side's calibration quality).
    min_quality: float = 0.6
    # Without a clear bend, another attempt starts after this long: twice the ~21 s protocol.
    attempt_s: float = 45.0
    # The window closes once every side has stood still this long after its bend.
    settle_s: float = 2.0
    # After this many attempts the best window found is used, and the user is told so.
    max_attempts: int = 3


@dataclass(frozen=True)
class GuideEvent:
    """Something to tell the wearer: kind is prompt, retry, done, gave_up, or (as the wearer moves)
    sure, slip and withdrawn."""

    kind: str
    text: str
    time_s: float


class CalibrationGuide:
    """Runs the calibration protocol over frames as they come; ``calibration`` once done."""

    def __init__(self, plan: StreamPlan, settings: Settings, *,
                 guide_settings: CalibrationGuideSettings = CalibrationGuideSettings(), source=None) -> None:
        """``source``: where frames come from (``step(complete_s)`` -> (time_s, frames) or None);
        by default a FrameSource of its own, fed by ``push``. A recalibration while monitoring
        passes the engine's own frames instead (live_engine.EngineFrames)."""
        self.plan, self.settings, self.guide_settings = plan, settings, guide_settings
        self.source = source if source is not None else FrameSource(plan, settings)
        self.calibration: Calibration | None = None
        self.window_s: tuple[float, float] | None = None
        self.attempts = 0
        self._times: list[np.ndarray] = []
        self._frames: dict[str, list[SideFrames]] = {side: [] for side in plan.sides}
        self._start_s: float | None = None  # of the current attempt
        self._bend_prompted = False
        self._best: tuple[float, Calibration, tuple[float, float]] | None = None

    def push(self, side: str, time_s: np.ndarray, accel_g: np.ndarray, gyro_dps: np.ndarray) -> None:
        self.source.push(side, time_s, accel_g, gyro_dps)

    @property
    def done(self) -> bool:
        return self.calibration is not None

    def step(self, complete_s: float) -> list[GuideEvent]:
        out = self.source.step(complete_s)
        if out is not None:
            self._times.append(out[0])
            for side, f in out[1].items():
                self._frames[side].append(f)
        if self.done or not self._times:
            return []
        frames = self._calibration_frames()
        t = frames[self.plan.sides[0]].time_s
        last_s = float(t[-1])
        events = []
        if self._start_s is None:
            self._start_s = self.plan.start_s if self.attempts == 0 else last_s
            self.attempts += 1
            self._bend_prompted = False
            events.append(GuideEvent("prompt", STAND_STILL, last_s))
        lo = int(np.searchsorted(t, self._start_s))
        c = self.settings.calibration
        if not self._bend_prompted:
            stretches = still_stretches(frames, lo, t.size, frame_rate_hz=self.plan.frame_rate_hz, settings=c)
            if stretches:
                self._bend_prompted = True
                events.append(GuideEvent("prompt", BEND, last_s))
        events += self._judge(frames, last_s)
        return events

    def _judge(self, frames: dict[str, CalibrationFrames], last_s: float) -> list[GuideEvent]:
        c, rate = self.settings.calibration, self.plan.frame_rate_hz
        trial = calibrate(frames, window_s=(self._start_s, last_s), frame_rate_hz=rate, settings=c)
        bends = [s.bend_s for s in trial.sides.values()]
        if len(trial.sides) == len(self.plan.sides) and all(bends):
            end_s = max(b[1] for b in bends) + self.guide_settings.settle_s
            if last_s >= end_s:
                window = (self._start_s, end_s)
                final = calibrate(frames, window_s=window, frame_rate_hz=rate, settings=c)
                return self._verdict(final, window, frames, last_s)
            return []  # a bend under way is waited for, whatever the attempt's time
        if last_s - self._start_s >= self.guide_settings.attempt_s:
            return self._retry("no clear forward bend was seen", frames, last_s)
        return []

    def _verdict(self, calibration: Calibration, window: tuple[float, float],
                 frames: dict[str, CalibrationFrames], last_s: float) -> list[GuideEvent]:
        quality = min(s.quality for s in calibration.sides.values())
        if self._best is None or quality > self._best[0]:
            self._best = (quality, calibration, window)
        if quality >= self.guide_settings.min_quality and all(s.bend_s for s in calibration.sides.values()):
            self._accept(calibration, window)
            return [GuideEvent("done", f"Calibration done ({_qualities(calibration)}).", last_s)]
        reasons = "; ".join(f"{side}: {s.note}" for side, s in calibration.sides.items())
        return self._retry(f"quality {quality:.2f} is below {self.guide_settings.min_quality:.2f} ({reasons})",
                           frames, last_s)

    def _retry(self, reason: str, frames: dict[str, CalibrationFrames], last_s: float) -> list[GuideEvent]:
        if self.attempts >= self.guide_settings.max_attempts:
            if self._best is None:
                first_s = self.plan.start_s
                window = (first_s, last_s)
                self._best = (0.0, calibrate(frames, window_s=window, frame_rate_hz=self.plan.frame_rate_hz,
                                             settings=self.settings.calibration), window)
            _, calibration, window = self._best
            self._accept(calibration, window)
            return [GuideEvent("gave_up", f"Calibration not clean after {self.attempts} attempts ({reason}); "
                                          f"using the best one ({_qualities(calibration)}). Angles may be off "
                                          "by a few degrees.", last_s)]
        self._start_s = None  # the next step starts a new attempt
        return [GuideEvent("retry", f"Calibration again: {reason}.", last_s)]

    def _accept(self, calibration: Calibration, window: tuple[float, float]) -> None:
        self.calibration, self.window_s = calibration, window

    def _calibration_frames(self) -> dict[str, CalibrationFrames]:
        if len(self._times) > 1:  # keep one piece: the search runs on every step
            self._times = [np.concatenate(self._times)]
            for side, parts in self._frames.items():
                self._frames[side] = [concat_frames(parts)]
        t = self._times[0]
        return {side: CalibrationFrames(t, f[0].gravity, f[0].gyro_abs_dps, f[0].valid)
                for side, f in self._frames.items()}


def _qualities(calibration: Calibration) -> str:
    return ", ".join(f"{side} quality {s.quality:.2f}" for side, s in calibration.sides.items())

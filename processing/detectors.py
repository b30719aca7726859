"""Step 9a: posture detectors, small state machines over the frame stream.

Each posture rule is an episode with hysteresis (``enter`` starts it, it lasts while ``stay``
holds) and a holding-time limit; the alert is raised at the first frame where the episode has
lasted its limit. Episodes are found per chunk with vectorised hysteresis, so a chunk costs a
few array operations plus a little Python per episode, never per frame. After an alert the
same kind waits for its episode to end plus a cooldown: no flicker, no nagging. When the episode
ends, the alert's message is written again with the time really held (``held_for_s``), so the message
and the report's "How long" give the same figure (issue 12).
"""

from __future__ import annotations

import numpy as np

from processing.alerts import Alert, AlertKind, Severity
from processing.episodes import EpisodeTracker
from processing.frame_table import FrameTable
from processing.guidance import guidance_for
from processing.numbers import duration_text
from processing.settings import AlertSettings
from sensors.samples import Side


class AlertCounter:
    """Occurrences per kind in a session (for recurring findings), shared by all detectors."""

    def __init__(self) -> None:
        self.counts: dict[AlertKind, int] = {}

    def next(self, kind: AlertKind) -> int:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return self.counts[kind]


class EpisodeDetector:
    """Base: subclasses define masks, the per-frame values averaged over an episode, the limit."""

    kind: AlertKind
    unit = "deg"

    def __init__(self, settings: AlertSettings, counter: AlertCounter) -> None:
        self.settings = settings
        self.counter = counter
        self.tracker = EpisodeTracker()
        self.records: list[Alert] = []
        self._open: Alert | None = None
        self._alerted = False
        self._sums = None  # running sums of the episode's values
        self._open_means: np.ndarray | None = None  # the episode means the open alert was raised with
        self._count = 0
        self._blocked_until_s = -np.inf

    # -- to define -------------------------------------------------------------------------
    def masks(self, t: FrameTable) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def values(self, t: FrameTable) -> np.ndarray:
        """(n, k) per-frame values whose episode means the rule and the message use."""
        raise NotImplementedError

    def limit_s(self, means: np.ndarray) -> np.ndarray:
        """Holding-time limit (s) for each row of running means (n, k)."""
        raise NotImplementedError

    def describe(self, means: np.ndarray, held_s: float, limit_s: float) -> tuple[float, str, str, str]:
        """value, side, message, rule for an alert raised with these episode means."""
        raise NotImplementedError

    # -- machinery -------------------------------------------------------------------------
    def process(self, t: FrameTable) -> list[Alert]:
        raised = []
        values = self.values(t)
        for piece in self.tracker.update(t.time_s, *self.masks(t)):
            if piece.hi == piece.lo:  # ended at this chunk's first frame
                self._end(float(t.time_s[0]))
                continue
            if not piece.continuing:
                self._sums, self._count, self._alerted = np.zeros(values.shape[1]), 0, False
            v = np.nan_to_num(values[piece.lo:piece.hi])
            sums = self._sums + np.cumsum(v, axis=0)
            counts = self._count + np.arange(1, piece.hi - piece.lo + 1)
            means = sums / counts[:, None]
            times = t.time_s[piece.lo:piece.hi]
            if not self._alerted:
                limits = self.limit_s(means)
                ok = (times - piece.since_s >= limits) & (times >= self._blocked_until_s)
                if ok.any():
                    i = int(np.argmax(ok))
                    raised.append(self._raise(times[i], piece.since_s, means[i], float(limits[i])))
            self._sums, self._count = sums[-1], int(counts[-1])
            if piece.closed:
                self._end(float(t.time_s[piece.hi]))
        return raised

    def _raise(self, time_s: float, since_s: float, means: np.ndarray, limit_s: float) -> Alert:
        value, side, message, rule = self.describe(means, time_s - since_s, limit_s)
        occurrence = self.counter.next(self.kind)
        alert = Alert(self.kind, float(time_s), float(since_s), side, Severity.WARNING, value, self.unit, message, rule,
                      limit_s, occurrence=occurrence,
                      guidance=guidance_for(self.kind, side=side, value=value, duration_s=time_s - since_s,
                                            occurrence=occurrence, recurring_count=self.settings.recurring_count))
        self._alerted, self._open, self._open_means = True, alert, means
        self.records.append(alert)
        return alert

    def _end(self, end_s: float) -> None:
        if self._open is not None:
            self._open.close(end_s, critical_factor=self.settings.critical_factor)
            self._open.message = self.describe(self._open_means, held_for_s(self._open), self._open.limit_s)[2]
            self._blocked_until_s = end_s + self.settings.cooldown_s
        self._open = None


def held_for_s(alert: Alert) -> float:
    """How long an ended alert's condition was held, from its times as the JSON keeps them (2
    decimals), so that the message's rounding is the report's (duration_text of end - since)."""
    return round(alert.end_s, 2) - round(alert.since_s, 2)


class SustainedFlexion(EpisodeDetector):
    kind = AlertKind.SUSTAINED_FLEXION

    def masks(self, t):
        s, f = self.settings, t.trunk_flexion_deg
        enter = (f >= s.flexion_low_deg) & (f <= s.flexion_high_deg)
        stay = (f >= s.flexion_low_deg - s.hysteresis_deg) & (f <= s.flexion_high_deg + s.hysteresis_deg)
        return enter, stay

    def values(self, t):
        return t.trunk_flexion_deg[:, None]

    def limit_s(self, means):
        s = self.settings
        angle = np.clip(means[:, 0], s.flexion_low_deg, s.flexion_high_deg)
        return s.holding_time_at_low_s - s.holding_time_slope_s_per_deg * (angle - s.flexion_low_deg)

    def describe(self, means, held_s, limit_s):
        angle = float(means[0])
        return angle, Side.BOTH, (f"Trunk bent forward {angle:.0f} deg on average for {duration_text(held_s)}, longer "
                               f"than the {duration_text(limit_s)} acceptable at that angle."), \
            (f"ISO 11226: {self.settings.flexion_low_deg:g}-{self.settings.flexion_high_deg:g} deg trunk flexion "
             "held beyond its maximum holding time")


class SevereFlexion(EpisodeDetector):
    """Flexion beyond the limit; where the forward direction is unknown, the trunk's tilt (nobody
    leans 60 deg sideways or back at work)."""

    kind = AlertKind.SEVERE_FLEXION

    def masks(self, t):
        s, f = self.settings, t.flexion_or_tilt_deg
        return f > s.flexion_high_deg, f > s.flexion_high_deg - s.hysteresis_deg

    def values(self, t):
        return np.column_stack([t.flexion_or_tilt_deg, t.split_known])

    def limit_s(self, means):
        return np.full(means.shape[0], self.settings.severe_hold_s)

    def describe(self, means, held_s, limit_s):
        angle = float(means[0])
        high, hold = self.settings.flexion_high_deg, self.settings.severe_hold_s
        if means[1] >= 0.5:
            text = f"Trunk bent forward beyond {high:g} deg ({angle:.0f} deg) and held for {duration_text(held_s)}."
        else:
            text = (f"Trunk tilted beyond {high:g} deg from upright ({angle:.0f} deg; forward direction unknown) "
                    f"and held for {duration_text(held_s)}.")
        return angle, Side.BOTH, text, \
            f"EN 1005-4 / ISO 11226: flexion above {high:g} deg held {hold:g} s or more (static)"

    def _raise(self, *args) -> Alert:
        alert = super()._raise(*args)
        alert.severity = Severity.CRITICAL
        return alert


class SustainedLateralBend(EpisodeDetector):
    kind = AlertKind.SUSTAINED_LATERAL_BEND

    def masks(self, t):
        s, lat = self.settings, np.abs(t.trunk_lateral_deg)
        return lat > s.lateral_deg, lat > s.lateral_deg - s.hysteresis_deg

    def values(self, t):
        return t.trunk_lateral_deg[:, None]

    def limit_s(self, means):
        return np.full(means.shape[0], self.settings.lateral_hold_s)

    def describe(self, means, held_s, limit_s):
        angle = float(means[0])
        way = "left" if angle > 0 else "right"
        return angle, Side.BOTH, f"Trunk leaning {abs(angle):.0f} deg to the {way} for {duration_text(held_s)}.", \
            f"ISO 11226 / EN 1005-4: lateral bend beyond {self.settings.lateral_deg:g} deg held {limit_s:g} s"


class LeftRightAsymmetry(EpisodeDetector):
    """Left and right differ in flexion or lateral bend; where a side's forward direction is
    unknown, in overall tilt from their neutrals."""

    kind = AlertKind.LR_ASYMMETRY

    def masks(self, t):
        s, diff = self.settings, t.lr_diff_deg
        return diff > s.asymmetry_deg, diff > s.asymmetry_deg - s.asymmetry_hysteresis_deg

    def values(self, t):
        return np.column_stack([t.lr_flexion_diff_deg, t.lr_lateral_diff_deg, t.left_flexion_deg,
                                t.right_flexion_deg, t.left_lateral_deg, t.right_lateral_deg,
                                t.lr_tilt_diff_deg, t.left_tilt_deg, t.right_tilt_deg,
                                ~np.isnan(t.lr_flexion_diff_deg)])

    def limit_s(self, means):
        return np.full(means.shape[0], self.settings.asymmetry_hold_s)

    def describe(self, means, held_s, limit_s):
        rule = (f"left/right difference above {self.settings.asymmetry_deg:g} deg (relative to calibration) held "
                f"{limit_s:g} s")
        if means[9] < 0.5:  # the split unknown: overall tilt
            diff = float(means[6])
            side = Side.LEFT if means[7] >= means[8] else Side.RIGHT
            message = (f"Left and right differ by {abs(diff):.1f} deg in overall tilt (left minus right {diff:+.1f} "
                       f"deg; forward direction unknown) for {duration_text(held_s)}; the {side} side is further "
                       "from its neutral.")
            return diff, side, message, rule
        lateral = abs(means[1]) >= abs(means[0])
        diff = float(means[1] if lateral else means[0])
        left, right = (means[4], means[5]) if lateral else (means[2], means[3])
        side = Side.LEFT if abs(left) >= abs(right) else Side.RIGHT
        what = "sideways tilt" if lateral else "forward tilt"
        message = (f"Left and right differ by {abs(diff):.1f} deg in {what} (left minus right {diff:+.1f} deg) "
                   f"for {duration_text(held_s)}; the {side} side is further from its neutral.")
        return diff, side, message, rule


def posture_detectors(settings: AlertSettings, counter: AlertCounter) -> list[EpisodeDetector]:
    return [cls(settings, counter) for cls in (SustainedFlexion, SevereFlexion, SustainedLateralBend,
                                               LeftRightAsymmetry)]

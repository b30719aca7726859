"""The coach: for each alert the live engine raises, what reaches the wearer and when (issue 14).

Pure decisions, driven by the engine's updates and the session clock; no radio, no channels
(``backmon.live.delivering`` carries the decisions to the channels). What users of posture
wearables ask for (REFERENCES.md): no nagging, feedback when they correct themselves, pause and
snooze, a warning when the calibration may be stale.

- ``--feedback immediate``: an alert is delivered as it is raised (ALERT). When a posture
  alert's condition ends within ``corrected_within_s`` of the alert, a short CORRECTED "back to
  neutral" follows.
- ``--feedback after``: a posture alert (forward bend, deep bend, sideways lean, left/right
  difference) is delivered when the wearer is back in neutral (its condition ended), as a HELD
  summary of what was held and for how long, never during the bend (Soter's way). Rest kinds
  (no real break, same posture too long) are delivered as they are raised in both styles: the
  wearer is not in a bend to be left alone in.
- Snoozed, paused or recalibrating: detection goes on and every alert is recorded, but nothing
  is delivered; an alert raised then stays held back (it is not delivered later).
- A slipped sensor (the neutral re-check, processing/neutral.py, the same detection as offline):
  one STALE_CALIBRATION notice per side until the wearer recalibrates, and the posture alerts
  that began under the offset get no "back to neutral" or "held" (the re-check's correction
  ended them, not the wearer); lr_asymmetry alerts the re-check withdraws are held back too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from backmon.live.channels.wording import advice_line, alert_delivery, alert_title
from backmon.live.delivery import ChannelName, Delivery, DeliveryKind
from processing.alerts import Alert, AlertKind
from processing.calibration import Recalibration
from processing.corrections import is_posture
from processing.numbers import duration_text, number
from processing.programme import delivered_at


class FeedbackStyle(StrEnum):
    IMMEDIATE = "immediate"  # as raised (the behaviour before issue 14)
    AFTER = "after"  # posture alerts at the return to neutral, as a summary


class HoldReason(StrEnum):
    """Why an alert was recorded but not delivered."""

    SNOOZED = "snoozed"
    PAUSED = "paused"
    RECALIBRATING = "recalibrating"
    STALE_CALIBRATION = "stale_calibration"  # began under a slipped sensor's offset
    WITHDRAWN = "withdrawn"  # the neutral re-check found a slipped sensor caused it
    TRACKING_ONLY = "tracking_only"  # monitor --tracking-only
    PROGRAMME_DAY = "programme_tracking_day"  # a baseline or probe day of the coaching programme
    FADED = "faded"  # a fading day of the programme left this one out (processing/programme.py)


@dataclass(frozen=True)
class CoachSettings:
    feedback: FeedbackStyle = FeedbackStyle.IMMEDIATE
    # alerts.corrected_within_s (processing/settings.py): the same figure the summary counts.
    corrected_within_s: float = 30.0
    # processing.settings.NeutralSettings.window_s: an alert whose posture began up to one
    # re-check window before a slip was found may have been the slip's doing.
    slip_window_s: float = 20.0
    tracking_only: bool = False
    # The coaching programme's share of today's alerts that are delivered (processing.programme.
    # today_mode): 1 without a programme and on feedback days, 0 on baseline and probe days.
    programme_share: float = 1.0


@dataclass
class AlertRecord:
    """One alert and how it reached the wearer (the monitor's result and ``# event`` lines)."""

    alert: Alert
    raised_s: float  # session time (host clock) when the engine raised it
    style: FeedbackStyle
    delivered_s: float | None = None  # when its ALERT or HELD went out
    delivered_as: DeliveryKind | None = None
    channels: tuple[ChannelName, ...] = ()  # which channels got it through
    held: HoldReason | None = None  # why it was not delivered
    corrected_s: float | None = None  # when a CORRECTED went out for it

    @property
    def how(self) -> str:
        """In words: "immediate (terminal, desktop)", "after, at 10:03:12", "held back: snoozed"."""
        if self.held is not None:
            return f"held back: {self.held}"
        if self.delivered_as is None:
            return "waiting for the return to neutral" if self.style == FeedbackStyle.AFTER else "not delivered"
        via = ", ".join(self.channels) if self.channels else "no channel got it through"
        return f"{self.style if self.delivered_as == DeliveryKind.HELD else 'immediate'} ({via})"


@dataclass(frozen=True)
class Decision:
    """Deliver ``delivery`` now; ``record`` is the alert it is about (None for a notice)."""

    delivery: Delivery
    record: AlertRecord | None = None


@dataclass(frozen=True)
class Held:
    """An alert recorded but not delivered, and why (for the ``# event`` line)."""

    record: AlertRecord
    reason: HoldReason


@dataclass
class CoachUpdate:
    deliver: list[Decision] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)


def held_figure(alert: Alert) -> str:
    """What was held and for how long: "bent forward 69 deg for 12 s"."""
    held_s = duration_text(max(0.0, (alert.end_s or alert.start_s) - alert.since_s))
    if alert.kind == AlertKind.SUSTAINED_LATERAL_BEND:
        return f"leaning {number(abs(alert.value))} deg to the {'left' if alert.value > 0 else 'right'} for {held_s}"
    if alert.kind == AlertKind.LR_ASYMMETRY:
        return f"left and right {number(abs(alert.value))} {alert.unit} apart for {held_s}"
    return f"bent forward {number(alert.value)} {alert.unit} for {held_s}"


class Coach:
    """Decides deliveries; the monitor calls ``update`` after each engine step."""

    def __init__(self, settings: CoachSettings = CoachSettings()) -> None:
        self.settings = settings
        self.records: list[AlertRecord] = []
        self._watching: list[AlertRecord] = []  # posture alerts whose condition has not ended yet
        self._snoozed_until_s: float | None = None
        self._paused = False
        self._recalibrating = False
        self._stale_told: set[str] = set()  # sides told of a slip since the last recalibration
        self._stale_waiting: list[Recalibration] = []  # notices held back while snoozed or paused
        self._offset: list[tuple[str, float, float]] = []  # (side, from_s, to_s): postures under a slip
        self._faded_index = 0  # alerts so far that the programme's fading share chose among

    # ------------------------------------------------------------ control (keys, backmon ctl)

    def snooze(self, now_s: float, minutes: float) -> float:
        """Hold deliveries for ``minutes`` from now; returns the session time it ends."""
        self._snoozed_until_s = now_s + 60.0 * minutes
        return self._snoozed_until_s

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused, self._snoozed_until_s = False, None

    def recalibrating(self, on: bool) -> None:
        """The guided routine runs again (``on``) or is done: a fresh neutral for every side."""
        self._recalibrating = on
        if not on:
            self._stale_told.clear()

    def hold_reason(self, now_s: float) -> HoldReason | None:
        if self.settings.tracking_only:
            return HoldReason.TRACKING_ONLY
        if self._paused:
            return HoldReason.PAUSED
        if self._snoozed_until_s is not None and now_s < self._snoozed_until_s:
            return HoldReason.SNOOZED
        return HoldReason.RECALIBRATING if self._recalibrating else None

    @property
    def snoozed_until_s(self) -> float | None:
        return self._snoozed_until_s

    @property
    def paused(self) -> bool:
        return self._paused

    # ------------------------------------------------------------ decisions

    def update(self, now_s: float, *, raised: list[Alert] = (), slips: list[Recalibration] = (),
               withdrawn: list[Alert] = ()) -> CoachUpdate:
        """What to deliver now, given the alerts raised since the last call, the slips the
        neutral re-check found and the alerts it withdrew. Open alerts are watched in place
        (the engine sets ``end_s`` when a condition ends)."""
        out = CoachUpdate()
        hold = self.hold_reason(now_s)
        for slip in slips:
            self._slipped(slip, now_s, hold, out)
        for alert in withdrawn:
            self._withdraw(alert, out)
        for alert in raised:
            self._raised(alert, now_s, hold, out)
        self._watch(now_s, hold, out)
        if hold is None and self._stale_waiting:
            out.deliver += [Decision(self._stale_notice(slip, now_s)) for slip in self._stale_waiting]
            self._stale_waiting = []
        return out

    def _raised(self, alert: Alert, now_s: float, hold: HoldReason | None, out: CoachUpdate) -> None:
        record = AlertRecord(alert, now_s, self.settings.feedback)
        self.records.append(record)
        reason = hold or (HoldReason.STALE_CALIBRATION if self._under_offset(alert) else None) or self._programme()
        if reason is not None:
            record.held = reason
            out.held.append(Held(record, reason))
            return
        if is_posture(alert.kind):
            self._watching.append(record)
            if self.settings.feedback == FeedbackStyle.AFTER:
                return  # delivered at the return to neutral (_watch)
        self._mark(record, DeliveryKind.ALERT, now_s)
        out.deliver.append(Decision(alert_delivery(alert, now_s), record))

    def _programme(self) -> HoldReason | None:
        """The programme's day: nothing on tracking days, an evenly spread share on fading days."""
        share = self.settings.programme_share
        if share >= 1.0:
            return None
        if share <= 0.0:
            return HoldReason.PROGRAMME_DAY
        index, self._faded_index = self._faded_index, self._faded_index + 1
        return None if delivered_at(share, index) else HoldReason.FADED

    def _watch(self, now_s: float, hold: HoldReason | None, out: CoachUpdate) -> None:
        """Posture alerts whose condition ended: HELD (after) or CORRECTED (immediate, soon)."""
        within_s = self.settings.corrected_within_s
        still = []
        for record in self._watching:
            alert = record.alert
            if record.held is not None:
                continue
            if alert.end_s is None:
                if record.style == FeedbackStyle.AFTER or now_s - alert.start_s <= within_s:
                    still.append(record)
                continue
            if hold is not None:  # the return to neutral came while snoozed or paused
                if record.style == FeedbackStyle.AFTER:
                    record.held = hold
                    out.held.append(Held(record, hold))
                continue
            soon = alert.end_s - alert.start_s <= within_s
            if record.style == FeedbackStyle.AFTER:
                self._mark(record, DeliveryKind.HELD, now_s)
                advice = "Back to neutral soon after: well done." if soon else advice_line(alert)
                out.deliver.append(Decision(Delivery(DeliveryKind.HELD, now_s, alert_title(alert), advice,
                                                     held_figure(alert), alert.kind, alert.side), record))
            elif soon:
                record.corrected_s = now_s
                out.deliver.append(Decision(Delivery(
                    DeliveryKind.CORRECTED, now_s, "Back to neutral",
                    f"You corrected it within {duration_text(alert.end_s - alert.start_s)}: well done.",
                    f"{alert.kind.title}, {held_figure(alert)}", alert.kind, alert.side), record))
        self._watching = still

    @staticmethod
    def _mark(record: AlertRecord, kind: DeliveryKind, now_s: float) -> None:
        record.delivered_as, record.delivered_s = kind, now_s

    # ------------------------------------------------------------ stale calibration

    def _slipped(self, slip: Recalibration, now_s: float, hold: HoldReason | None, out: CoachUpdate) -> None:
        began_s = (slip.since_s if slip.since_s is not None else slip.time_s) - self.settings.slip_window_s
        self._offset.append((slip.side, began_s, slip.time_s))
        for record in self._watching:  # ended by the correction, not by the wearer
            if record.held is None and self._under_offset(record.alert):
                record.held = HoldReason.STALE_CALIBRATION
                out.held.append(Held(record, HoldReason.STALE_CALIBRATION))
        if slip.side in self._stale_told:
            return
        self._stale_told.add(slip.side)
        if hold is None:
            out.deliver.append(Decision(self._stale_notice(slip, now_s)))
        elif hold != HoldReason.TRACKING_ONLY:
            self._stale_waiting.append(slip)

    def _under_offset(self, alert: Alert) -> bool:
        """The alert's posture began while a slipped sensor's offset was in the angles (on its
        side, or in the trunk's mean of both)."""
        return any(alert.side in (side, "both") and began_s <= alert.since_s < fixed_s
                   for side, began_s, fixed_s in self._offset)

    def _withdraw(self, alert: Alert, out: CoachUpdate) -> None:
        for record in self.records:
            if record.alert is alert and record.held is None:
                record.held = HoldReason.WITHDRAWN
                out.held.append(Held(record, HoldReason.WITHDRAWN))

    @staticmethod
    def _stale_notice(slip: Recalibration, now_s: float) -> Delivery:
        return Delivery(DeliveryKind.STALE_CALIBRATION, now_s, f"The {slip.side} sensor may have slipped",
                        "Its angles are corrected for now; recalibrate when you can (press c, or run "
                        "'backmon ctl recalibrate').", f"turned {slip.angle_deg:.0f} deg on your back",
                        side=slip.side)

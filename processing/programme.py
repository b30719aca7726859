"""The coaching programme: which phase a day is in, and how many alerts it delivers (pure; no clock).

A programme starts on ``start_day`` (day 0) and runs

    baseline (baseline_days)  ->  feedback (feedback_days)  ->  fading (fading_days)  ->  after

- baseline: tracking only, no alerts: the wearer's usual exposure, to compare with later;
- feedback: every alert is delivered;
- fading: a share of the alerts, falling linearly: on fading day j (0-based) of F the share is
  ``1 - (j + 1) / (F + 1)`` (F = 5: 5/6, 4/6, 3/6, 2/6, 1/6), so the wearer leans on the alerts less
  and less before they stop. Which alerts: of the day's alerts numbered i = 0, 1, 2, ..., alert i is
  delivered iff ``ceil((i + 1) * share) > ceil(i * share)``: the first alert of a day always is,
  and of the first k alerts exactly ``ceil(k * share)`` are, spread evenly (deterministic: the
  same day gives the same alerts, live or replayed);
- probe: every ``probe_every``-th day after the baseline (the 7th, 14th, 21st ... with 7) is
  tracking only, whatever its phase would be: it measures what the wearer does without alerts;
- after: the programme is over; alerts as usual, and probe days go on every ``probe_every`` days
  so that the report can tell whether a change lasts (reviews found no evidence that feedback
  effects last beyond about a week: Lind et al. 2024, REFERENCES.md).

Fading the feedback before it stops is this project's choice (REFERENCES.md names the baseline,
feedback, fading and probe days, but no source for the shape of the fading schedule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Phase(StrEnum):
    BEFORE = "before"  # the day is before the programme's start: alerts as usual
    BASELINE = "baseline"
    FEEDBACK = "feedback"
    FADING = "fading"
    PROBE = "probe"
    AFTER = "after"


TRACKING_ONLY = (Phase.BASELINE, Phase.PROBE)
PLAN_KEYS = ("start_day", "baseline_days", "feedback_days", "fading_days", "probe_every")


class PlanError(ValueError):
    """A programme that cannot run (one sentence saying which number and why)."""


@dataclass(frozen=True)
class Plan:
    start_day: date
    baseline_days: int = 3
    feedback_days: int = 10
    fading_days: int = 5
    probe_every: int = 7

    def __post_init__(self) -> None:
        if self.baseline_days < 1:
            raise PlanError(f"baseline days must be 1 or more (the days to compare with), not {self.baseline_days}")
        if self.feedback_days < 0 or self.fading_days < 0:
            raise PlanError("feedback and fading days must be 0 or more")
        if self.probe_every < 2:
            raise PlanError(f"probe days must come every 2 or more days (1 would leave no day for feedback), "
                            f"not every {self.probe_every}")

    @classmethod
    def from_dict(cls, data: dict) -> "Plan":
        """From the library's stored form (``start_day`` an ISO date); PlanError when unusable."""
        missing = [k for k in PLAN_KEYS if k not in data]
        if missing:
            raise PlanError(f"the stored programme lacks {', '.join(missing)}")
        try:
            start = date.fromisoformat(str(data["start_day"]))
            counts = {k: data[k] for k in PLAN_KEYS[1:]}
            if any(isinstance(v, bool) or not isinstance(v, int) for v in counts.values()):
                raise ValueError
        except ValueError:
            raise PlanError("the stored programme's start day or day counts are not readable") from None
        return cls(start, **counts)

    def to_dict(self) -> dict:
        return {"start_day": self.start_day.isoformat(), "baseline_days": self.baseline_days,
                "feedback_days": self.feedback_days, "fading_days": self.fading_days,
                "probe_every": self.probe_every}

    @property
    def length_days(self) -> int:
        """Baseline, feedback and fading days together (probe days fall inside them)."""
        return self.baseline_days + self.feedback_days + self.fading_days


def day_number(plan: Plan, day: date) -> int:
    """Days since the start (the start day is 0; negative before it)."""
    return (day - plan.start_day).days


def scheduled_phase(plan: Plan, day: date) -> Phase:
    """The phase by the calendar alone, before probe days are put in."""
    n = day_number(plan, day)
    if n < 0:
        return Phase.BEFORE
    if n < plan.baseline_days:
        return Phase.BASELINE
    if n < plan.baseline_days + plan.feedback_days:
        return Phase.FEEDBACK
    if n < plan.length_days:
        return Phase.FADING
    return Phase.AFTER


def is_probe(plan: Plan, day: date) -> bool:
    """Every ``probe_every``-th day after the baseline (counting the first day after it as 1)."""
    after = day_number(plan, day) - plan.baseline_days
    return after >= 0 and (after + 1) % plan.probe_every == 0


def phase(plan: Plan, day: date) -> Phase:
    """The phase of ``day``: a probe day wins over feedback, fading and after."""
    return Phase.PROBE if is_probe(plan, day) else scheduled_phase(plan, day)


def share(plan: Plan, day: date) -> float:
    """Share of the day's alerts delivered (0..1): 0 on baseline and probe days, 1 on feedback days,
    after the programme and before it, falling linearly over the fading days."""
    p = phase(plan, day)
    if p in TRACKING_ONLY:
        return 0.0
    if p != Phase.FADING:
        return 1.0
    j = day_number(plan, day) - plan.baseline_days - plan.feedback_days
    return 1.0 - (j + 1) / (plan.fading_days + 1)


def delivers(plan: Plan, day: date, alert_index: int) -> bool:
    """Whether the day's alert number ``alert_index`` (0 for its first alert) is delivered."""
    return delivered_at(share(plan, day), alert_index)


def delivered_at(share_of_alerts: float, alert_index: int) -> bool:
    """The fading rule: alert ``alert_index`` (0 first) of a day whose share is given is delivered
    iff ceil((i + 1) share) > ceil(i share): evenly spread, the first always delivered."""
    s = share_of_alerts
    return math.ceil(round((alert_index + 1) * s, 9)) > math.ceil(round(alert_index * s, 9))


def today_mode(plan: Plan | None, day: date) -> tuple[bool, float]:
    """What the live monitor should do on ``day``: (alerts on, share of alerts to deliver). Without
    a programme, or before it starts: (True, 1.0). Baseline and probe days: (False, 0.0), tracking
    only. Fading days: (True, share); pick which with ``delivers``."""
    if plan is None:
        return True, 1.0
    s = share(plan, day)
    return s > 0, s


def phase_text(plan: Plan, day: date) -> str:
    """The day's phase in a sentence, e.g. for ``backmon programme status``."""
    p, n = phase(plan, day), day_number(plan, day)
    if p == Phase.BEFORE:
        return f"The programme starts on {plan.start_day.isoformat()} (in {-n} day{'s' if n != -1 else ''})."
    words = {
        Phase.BASELINE: f"baseline day {n + 1} of {plan.baseline_days}: tracking only, no alerts",
        Phase.FEEDBACK: f"feedback day {n - plan.baseline_days + 1} of {plan.feedback_days}: every alert delivered",
        Phase.FADING: f"fading day {n - plan.baseline_days - plan.feedback_days + 1} of {plan.fading_days}: "
                      f"{100 * share(plan, day):.0f} % of alerts delivered",
        Phase.PROBE: "probe day: tracking only, no alerts (it shows what you do without them)",
        Phase.AFTER: "the programme is over: alerts as usual; a probe day every "
                     f"{plan.probe_every} days still shows whether the change lasts",
    }
    return f"Day {n + 1} of the programme ({day.isoformat()}): {words[p]}."

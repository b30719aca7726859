"""Corrections: how often the wearer came back to neutral soon after a posture alert.

A posture alert (forward bend, deep bend, sideways lean, left/right difference) is corrected
when its condition ended within ``corrected_within_s`` (30 s) of the alert being raised; the
time to correct is ``end_s - start_s``. Rest kinds (no real break, same posture for too long)
are not counted: a break cannot follow an alert within seconds. The same figure live (the
monitor's "back to neutral") and offline (summary, JSON, report), from the alerts alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.alerts import Alert, AlertKind
from processing.numbers import duration_text

POSTURE_KINDS = (AlertKind.SUSTAINED_FLEXION, AlertKind.SEVERE_FLEXION, AlertKind.SUSTAINED_LATERAL_BEND,
                 AlertKind.LR_ASYMMETRY)


@dataclass(frozen=True)
class Corrections:
    within_s: float  # the setting in use
    alerts: int  # posture alerts
    corrected: int  # ... whose condition ended within ``within_s`` of being raised
    median_s: float | None  # median time to correct, over the corrected ones

    @property
    def sentence(self) -> str:
        """"corrected within 30 s: 4 of 5 alerts, median 12 s" (no posture alert: says so)."""
        head = f"corrected within {duration_text(self.within_s)}"
        if not self.alerts:
            return f"{head}: no posture alerts"
        median = "" if self.median_s is None else f", median {duration_text(self.median_s)}"
        return f"{head}: {self.corrected} of {self.alerts} alert{'s' if self.alerts != 1 else ''}{median}"


def is_posture(kind: str) -> bool:
    return kind in POSTURE_KINDS


def time_to_correct_s(alert: Alert) -> float | None:
    """Seconds from the alert being raised to its condition's end (None while it lasts)."""
    return None if alert.end_s is None else max(0.0, alert.end_s - alert.start_s)


def count_corrections(alerts: list[Alert] | tuple[Alert, ...], *, within_s: float) -> Corrections:
    """The posture alerts among ``alerts``, those corrected within ``within_s``, the median time."""
    posture = [a for a in alerts if is_posture(a.kind)]
    times = [t for t in (time_to_correct_s(a) for a in posture) if t is not None and t <= within_s]
    median = round(float(np.median(times)), 1) if times else None
    return Corrections(within_s, len(posture), len(times), median)

"""Alerts: what was found, when, for how long, by which rule, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sensors.samples import Side


class AlertKind(StrEnum):
    """What an alert is about (DESIGN.md's table; listed everywhere in this order)."""

    SUSTAINED_FLEXION = "sustained_flexion"
    SEVERE_FLEXION = "severe_flexion"
    SUSTAINED_LATERAL_BEND = "sustained_lateral_bend"
    LR_ASYMMETRY = "lr_asymmetry"
    NO_REST = "no_rest"
    PROLONGED_STATIC = "prolonged_static"


class Severity(StrEnum):
    """Every alert is raised as a warning; one whose condition lasts long enough becomes critical."""

    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Guidance:
    topic: str
    text: str


@dataclass
class Alert:
    """One alert. start_s: when its rule was satisfied (raised); since_s: when the posture or
    activity behind it began; end_s: when the condition ended (None if still going at the end).
    Open alerts are updated in place (end_s, severity) until their condition ends.
    """

    kind: AlertKind
    start_s: float
    since_s: float
    side: Side
    severity: Severity
    value: float
    unit: str
    message: str
    rule: str
    limit_s: float
    guidance: tuple[Guidance, ...] = ()
    end_s: float | None = None
    occurrence: int = 1  # how many alerts of this kind so far in the session, this one included
    details: dict[str, float] = field(default_factory=dict)

    def close(self, end_s: float, *, critical_factor: float) -> None:
        """The condition ended at ``end_s``: a condition held for twice its limit is critical."""
        self.end_s = end_s
        if (end_s - self.since_s) >= critical_factor * self.limit_s:
            self.severity = Severity.CRITICAL

    def to_json(self) -> dict:
        return {
            "kind": self.kind, "start_s": round(self.start_s, 2), "since_s": round(self.since_s, 2),
            "end_s": None if self.end_s is None else round(self.end_s, 2), "side": self.side,
            "severity": self.severity, "value": round(self.value, 2), "unit": self.unit,
            "message": self.message, "rule": self.rule, "limit_s": round(self.limit_s, 1),
            "occurrence": self.occurrence, "details": {k: round(v, 2) for k, v in self.details.items()},
            "guidance": [{"topic": g.topic, "text": g.text} for g in self.guidance],
        }

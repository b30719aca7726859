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

    @property
    def title(self) -> str:
        """What people read for this kind, everywhere (DESIGN.md's table); the id stays in the JSON."""
        return _KIND_TITLES[self]


_KIND_TITLES = {
    AlertKind.SUSTAINED_FLEXION: "Forward bend held too long",
    AlertKind.SEVERE_FLEXION: "Deep forward bend held",
    AlertKind.SUSTAINED_LATERAL_BEND: "Sideways lean held",
    AlertKind.LR_ASYMMETRY: "Left and right differ",
    AlertKind.NO_REST: "No real break",
    AlertKind.PROLONGED_STATIC: "Same posture for too long",
}


def kind_title(kind: str) -> str:
    """The title of an alert kind given as its JSON string (an unknown kind, from a newer file, as it is)."""
    try:
        return AlertKind(kind).title
    except ValueError:
        return str(kind)


def where_text(kind: str, side: str, value: float) -> str:
    """Where an alert is, the way a person says it: "to the left" for a sideways lean (lateral bend
    is positive to the wearer's left, processing/angles.py), "left side" for a left/right difference,
    and nothing for the other trunk-level kinds (their ``side`` is ``both``, which says nothing)."""
    if kind == AlertKind.SUSTAINED_LATERAL_BEND:
        return "to the left" if value > 0 else "to the right"
    if side in (Side.LEFT, Side.RIGHT):
        return f"{side} side"
    return ""


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

"""What to change tomorrow: the three actions with the most exposure behind them.

Each action answers one kind of exposure the session measured, in minutes, and belongs to one
guidance topic (processing/guidance.py): time bent in the ISO 11226 band (bring the work closer
or higher), beyond it (bend the knees for low work), leaning sideways (keep the work in front),
left and right apart (even the sides out), work beyond the hour without a real break (HSE:
5-10 min each hour) and one posture held for too long (Cornell: change every 20-30 min). The
ranking is by minutes, largest first; exposure under ``MIN_MINUTES`` does not count. A pure
function of the summary, the alerts and the settings, so the monitor's end-of-shift lines and
the report show the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from processing.alerts import Alert, AlertKind
from processing.rest import Break
from processing.settings import Settings

MIN_MINUTES = 0.5  # half a minute: less is one posture's worth, not a habit to change
SHOWN = 3


class ActionId(StrEnum):
    RAISE_THE_WORK = "raise_the_work"
    BEND_THE_KNEES = "bend_the_knees"
    WORK_IN_FRONT = "work_in_front"
    EVEN_THE_SIDES = "even_the_sides"
    TAKE_BREAKS = "take_breaks"
    CHANGE_POSITION = "change_position"


# (topic, what to do, what the minutes measure): the project's own words.
_ACTIONS = {
    ActionId.RAISE_THE_WORK: ("posture_correction", "Bring the work closer or higher (raise the surface, use a "
                              "stool, kneel) so you bend forward less and for shorter.",
                              "bent forward {lo:g}-{hi:g} deg"),
    ActionId.BEND_THE_KNEES: ("posture_correction", "For anything low, bend your knees and hips instead of your "
                              "back, and do not stay at the bottom of a deep bend.", "bent beyond {hi:g} deg"),
    ActionId.WORK_IN_FRONT: ("posture_correction", "Keep tools and work in front of you, not to one side, and "
                             "stand evenly on both feet.", "leaning sideways beyond {lateral:g} deg"),
    ActionId.EVEN_THE_SIDES: ("exercise_therapy", "Even out the two sides: swap the hand or shoulder that carries, "
                              "and ask about exercises if one side keeps showing.",
                              "left and right more than {asym:g} deg apart"),
    ActionId.TAKE_BREAKS: ("rest_and_recovery", "Plan a 5-10 minute break away from the task every hour.",
                           "worked beyond {hour:g} min without a real break"),
    ActionId.CHANGE_POSITION: ("lifestyle_modifications", "Change position every 20-30 minutes: alternate "
                               "sitting, standing and a few steps.", "held one posture without moving"),
}


@dataclass(frozen=True)
class Action:
    action: ActionId
    topic: str  # a guidance topic id (processing.guidance.TOPICS)
    text: str  # what to do
    exposure: str  # what the minutes measure
    minutes: float

    def to_json(self) -> dict:
        return {"action": self.action, "topic": self.topic, "text": self.text, "exposure": self.exposure,
                "minutes": self.minutes}


def work_beyond_s(breaks: list[Break] | tuple[Break, ...], *, start_s: float, end_s: float, limit_s: float) -> float:
    """Seconds worked past ``limit_s`` in each stretch between real breaks."""
    edges = [start_s] + [x for b in breaks for x in (b.start_s, end_s if b.end_s is None else b.end_s)] + [end_s]
    return sum(max(0.0, (b - a) - limit_s) for a, b in zip(edges[::2], edges[1::2]))


def held_s(alerts: list[Alert] | tuple[Alert, ...], kind: AlertKind, *, end_s: float) -> float:
    """Seconds the conditions of ``kind``'s alerts lasted, from their start to their end."""
    return sum((end_s if a.end_s is None else a.end_s) - a.since_s for a in alerts if a.kind == kind)


def actions_for_tomorrow(*, zones_s: dict[tuple[float | None, float | None], float], lateral_s: float,
                         asymmetry_s: float, breaks: list[Break] | tuple[Break, ...],
                         alerts: list[Alert] | tuple[Alert, ...], start_s: float, end_s: float,
                         settings: Settings) -> tuple[Action, ...]:
    """The top ``SHOWN`` actions by minutes of exposure. ``zones_s``: seconds per flexion zone,
    keyed by the zone's edges (processing.summary.zone_edges)."""
    a = settings.alerts
    seconds = {
        ActionId.RAISE_THE_WORK: zones_s.get((a.flexion_low_deg, a.flexion_high_deg), 0.0),
        ActionId.BEND_THE_KNEES: zones_s.get((a.flexion_high_deg, None), 0.0),
        ActionId.WORK_IN_FRONT: lateral_s,
        ActionId.EVEN_THE_SIDES: asymmetry_s,
        ActionId.TAKE_BREAKS: work_beyond_s(breaks, start_s=start_s, end_s=end_s, limit_s=a.no_rest_s),
        ActionId.CHANGE_POSITION: held_s(alerts, AlertKind.PROLONGED_STATIC, end_s=end_s),
    }
    words = {"lo": a.flexion_low_deg, "hi": a.flexion_high_deg, "lateral": a.lateral_deg, "asym": a.asymmetry_deg,
             "hour": a.no_rest_s / 60}
    found = []
    for action, s in seconds.items():
        minutes = round(s / 60, 1)
        if minutes >= MIN_MINUTES:
            topic, text, exposure = _ACTIONS[action]
            found.append(Action(action, topic, text, exposure.format(**words), minutes))
    found.sort(key=lambda x: -x.minutes)  # stable: ties keep the table's order
    return tuple(found[:SHOWN])

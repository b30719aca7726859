"""What reaches the wearer, and the channels that carry it (issue 14).

The coach (which alert, when, "back to neutral", "after" summaries, snooze) decides *what* to
deliver and makes ``Delivery`` values; channels (terminal, desktop notification, haptic motor)
only carry them. A channel that cannot work here (no notification service, a board without a
motor) says so once and is left out; delivery never stops monitoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class DeliveryKind(StrEnum):
    """Why something is delivered; each kind has its own haptic pattern (firmware_notes)."""

    ALERT = "alert"  # a posture or rest alert, as it is raised (--feedback immediate)
    HELD = "held"  # --feedback after: what was held and for how long, at the return to neutral
    CORRECTED = "corrected"  # the alert's condition ended soon after it: "back to neutral"
    STALE_CALIBRATION = "stale_calibration"  # a side's neutral drifted: offer recalibration


class ChannelName(StrEnum):
    TERMINAL = "terminal"
    DESKTOP = "desktop"
    HAPTIC = "haptic"


@dataclass(frozen=True)
class Delivery:
    """One thing for the wearer: a title, one line of advice and the measured figure."""

    kind: DeliveryKind
    time_s: float  # session time (host clock) when it is delivered
    title: str  # "Deep forward bend held"
    advice: str  # one line of guidance, the project's own words
    figure: str = ""  # "bent forward 65 deg for 6 s"
    alert_kind: str | None = None  # the AlertKind id it is about, if any
    side: str | None = None
    # Added by the coach's branch (issue 14): for channels with room for more (the terminal).
    severity: str = ""  # the alert's severity (warning, critical), if about an alert
    guidance: tuple[str, ...] = ()  # every guidance text of the alert, in full
    detail: str = ""  # the alert's whole message, for the terminal (a notification gets the figure)


class Channel(Protocol):
    """Carries deliveries to the wearer. ``deliver`` returns whether it got through."""

    name: ChannelName

    async def deliver(self, delivery: Delivery) -> bool: ...

    async def close(self) -> None: ...

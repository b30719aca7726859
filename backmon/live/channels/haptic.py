"""Vibration on the sensors that have a motor (backmon boards; firmware_notes/haptics.md).

Each delivery kind has its own pattern, so the wearer can tell them apart without looking: a
firm triple buzz for an alert, one soft tap for "back to neutral". A delivery about one side
(a left/right difference) vibrates that side's board where it has a motor; everything else
vibrates every board that has one. Writes go through the link layer (``SensorLink.vibrate``),
which never raises and answers False while a link is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from backmon.live.delivery import ChannelName, Delivery, DeliveryKind
from sensors.ble.link import SensorLink
from sensors.profiles import HapticPattern

# Pulses (on_ms, off_ms). Distinct by count and length, not by strength (the reference board
# switches its motor on or off): the alert is three firm buzzes over 1.6 s, hard to miss
# through clothing; "corrected" is a single 80 ms tap, felt but not alarming (positive feedback
# should not read as another alert: REFERENCES.md, "What users of posture wearables ask for").
PATTERNS: dict[DeliveryKind, HapticPattern] = {
    DeliveryKind.ALERT: HapticPattern(((400, 200), (400, 200), (400, 0)), "alert"),
    DeliveryKind.CORRECTED: HapticPattern(((80, 0),), "corrected"),
    # "after" feedback at the return to neutral: a summary, so two calm pulses, not the alarm.
    DeliveryKind.HELD: HapticPattern(((250, 250), (250, 0)), "held"),
    # Long then short: "look at the screen", unlike any posture pattern.
    DeliveryKind.STALE_CALIBRATION: HapticPattern(((700, 300), (100, 0)), "stale_calibration"),
}


def motor_lines(links: Mapping[str, SensorLink], *, notify: bool) -> list[str]:
    """One line per sensor family that has no motor, said once when the monitor starts:
    "no vibration motor on Movesense 214530000001, Movesense 214530000002 (movesense): alerts
    come by notification and terminal only"."""
    with_motor = list(dict.fromkeys(link.name for link in links.values() if link.has_motor))
    without: dict[str, list[str]] = {}
    for link in links.values():
        names = without.setdefault(link.profile.name, []) if not link.has_motor else []
        if link.name not in names:  # WitMotion units all advertise WT901BLE67: name it once
            names.append(link.name)
    if with_motor:
        ways = f"alerts vibrate on {', '.join(with_motor)} only"
    else:
        ways = "alerts come by notification and terminal only" if notify else "alerts come by terminal only"
    return [f"no vibration motor on {', '.join(names)} ({family}): {ways}" for family, names in without.items()]


class HapticChannel:
    name = ChannelName.HAPTIC

    def __init__(self, links: Mapping[str, SensorLink]) -> None:
        self.links = dict(links)  # side -> link, those with a motor only

    @classmethod
    def for_links(cls, links: Mapping[str, SensorLink]) -> HapticChannel | None:
        """The channel over the links whose profile has a motor; None when none has."""
        motors = {side: link for side, link in links.items() if link.has_motor}
        return cls(motors) if motors else None

    async def deliver(self, delivery: Delivery) -> bool:
        pattern = PATTERNS.get(delivery.kind)
        if pattern is None:
            return False
        targets = [self.links[delivery.side]] if delivery.side in self.links else list(self.links.values())
        done = await asyncio.gather(*(link.vibrate(pattern) for link in targets))
        return any(done)

    async def close(self) -> None:
        pass  # the links belong to the monitor, which stops them

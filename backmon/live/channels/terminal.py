"""The terminal as a channel: the monitor's own screen, always open.

Alerts reach the screen through the status view the moment they are raised (``render_alert``:
the kind, where, the message and every guidance line, with the bell unless ``--quiet``), so an
ALERT delivery adds nothing here. The other kinds (held, corrected, stale calibration) get one
line: what the coach decided to tell the wearer.
"""

from __future__ import annotations

from collections.abc import Callable

from backmon.live.channels.wording import terminal_line
from backmon.live.delivery import ChannelName, Delivery, DeliveryKind


class TerminalChannel:
    name = ChannelName.TERMINAL

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say

    async def deliver(self, delivery: Delivery) -> bool:
        if delivery.kind != DeliveryKind.ALERT:
            self.say(terminal_line(delivery))
        return True

    async def close(self) -> None:
        pass

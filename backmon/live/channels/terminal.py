"""The terminal as a channel: what the status view printed for alerts, for every delivery.

An ALERT is shown as before (severity, local time, title, the measured figure, each guidance
text) with the terminal bell; HELD and STALE_CALIBRATION ring it too; CORRECTED ("back to
neutral") is one quiet line. Rendering is pure (``render_delivery``).
"""

from __future__ import annotations

from backmon.live.delivery import ChannelName, Delivery, DeliveryKind
from backmon.live.status import StatusView, clock_label

_MARKS = {DeliveryKind.ALERT: "", DeliveryKind.HELD: "[HELD] ", DeliveryKind.CORRECTED: "[OK] ",
          DeliveryKind.STALE_CALIBRATION: "[CALIBRATION] "}


def render_delivery(delivery: Delivery, *, clock: str = "") -> list[str]:
    """The lines for one delivery: ``[WARNING] 08:03:01 Deep forward bend held: <figure>`` and
    the guidance (an ALERT), or the kind's mark, title, figure and advice."""
    if delivery.kind == DeliveryKind.ALERT:
        what = delivery.detail or delivery.figure
        head = f"[{delivery.severity.upper() or 'ALERT'}] {clock} {delivery.title}: {what}"
        return [head] + [f"    -> {text}" for text in (delivery.guidance or (delivery.advice,)) if text]
    figure = f" ({delivery.figure})" if delivery.figure else ""
    return [f"{_MARKS[delivery.kind]}{clock} {delivery.title}{figure}: {delivery.advice}"]


class TerminalChannel:
    """Deliveries as lines above the status block (never fails: the terminal is always there)."""

    name = ChannelName.TERMINAL

    def __init__(self, view: StatusView) -> None:
        self.view = view

    async def deliver(self, delivery: Delivery) -> bool:
        lines = render_delivery(delivery, clock=clock_label(delivery.time_s, self.view.axis))
        self.view.notice(lines, bell=delivery.kind != DeliveryKind.CORRECTED)
        return True

    async def close(self) -> None:
        return None

"""What a delivery says: an alert as a Delivery, and its text for a notification or a line."""

from __future__ import annotations

from backmon.live.delivery import Delivery, DeliveryKind
from processing.alerts import Alert, where_text
from processing.numbers import duration_text, number


def figure_text(alert: Alert) -> str:
    """The measured figure, the way a person reads it: "70 deg for 4 s", "12 deg to the left
    for 1 min 00 s", "left side 6 deg for 2 min 00 s", "62 min" (rest and static alerts carry
    their time in minutes as their value)."""
    if alert.unit != "deg":
        return f"{number(alert.value)} {alert.unit}"
    where = where_text(alert.kind, alert.side, alert.value)
    angle = f"{number(abs(alert.value))} deg"
    held = duration_text(alert.start_s - alert.since_s)
    parts = (where, angle) if where.endswith("side") else (angle, where)
    return " ".join(p for p in parts if p) + f" for {held}"


def advice_line(alert: Alert) -> str:
    """One line of advice: the first sentence of the alert's first guidance."""
    if not alert.guidance:
        return alert.message
    text = alert.guidance[0].text
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


def alert_title(alert: Alert) -> str:
    """The kind's title, and where: "Sideways lean held (to the left)"."""
    where = where_text(alert.kind, alert.side, alert.value)
    return alert.kind.title + (f" ({where})" if where else "")


def alert_delivery(alert: Alert, time_s: float) -> Delivery:
    """An alert as it is delivered when raised (``--feedback immediate``): its title, one line
    of advice, the measured figure, and (for the terminal) its severity and every guidance text."""
    return Delivery(kind=DeliveryKind.ALERT, time_s=time_s, title=alert_title(alert), advice=advice_line(alert),
                    figure=figure_text(alert), alert_kind=str(alert.kind), side=str(alert.side),
                    severity=str(alert.severity), guidance=tuple(g.text for g in alert.guidance),
                    detail=alert.message)


def body_text(delivery: Delivery) -> str:
    """A notification's body: the figure on the first line, the advice below it."""
    return "\n".join(part for part in (delivery.figure, delivery.advice) if part)

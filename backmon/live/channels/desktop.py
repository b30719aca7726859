"""Desktop notifications through desktop-notifier (D-Bus ``org.freedesktop.Notifications`` on
Linux, the notification centre on macOS and Windows): title, the figure, one line of advice.

Where there is no notification service (a container, CI, a server over SSH, macOS outside an
app bundle), ``open`` says so in one line and returns None: the monitor goes on without it. A
service that goes away later is said once too. desktop-notifier reports failures by logging a
warning with a traceback; those are kept off the wearer's terminal, and whether a notification
got through is learnt from its ``on_dispatched`` callback instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from backmon.live.channels.wording import body_text
from backmon.live.delivery import ChannelName, Delivery, DeliveryKind

APP_NAME = "backmon"
PROBE_TIMEOUT_S = 3.0  # connect to the service and ask its capabilities, once at the start
URGENCY = {DeliveryKind.ALERT: "Normal", DeliveryKind.STALE_CALIBRATION: "Normal", DeliveryKind.HELD: "Low",
           DeliveryKind.CORRECTED: "Low"}  # "Critical" stays on screen until dismissed: not for posture


def _quiet_library_logs() -> None:
    """desktop-notifier logs "Notification failed" with a traceback; we say it our way, once."""
    log = logging.getLogger("desktop_notifier")
    log.propagate = False
    if not log.handlers:
        log.addHandler(logging.NullHandler())


def _reason(err: BaseException) -> str:
    """Why there is no notification service, in a few words."""
    try:  # D-Bus is Linux's way; desktop-notifier needs dbus-fast there only
        from dbus_fast.errors import DBusError, InvalidAddressError
    except ImportError:
        DBusError = InvalidAddressError = ()  # noqa: N806 -- isinstance(x, ()) is False
    if isinstance(err, InvalidAddressError):
        return "no D-Bus session bus"
    if isinstance(err, DBusError):
        return "no notification service on the D-Bus session bus"
    if isinstance(err, TimeoutError):
        return f"the notification service did not answer within {PROBE_TIMEOUT_S:g} s"
    if isinstance(err, OSError):
        return "the D-Bus session bus cannot be reached"
    return f"{type(err).__name__}: {err}"


def unavailable_line(reason: str, others: str) -> str:
    return f"desktop notifications unavailable ({reason}): alerts come by {others} only"


class DesktopChannel:
    name = ChannelName.DESKTOP

    def __init__(self, notifier, say: Callable[[str], None], others: str) -> None:
        self.notifier, self.say, self.others = notifier, say, others
        self._said = False

    @classmethod
    async def open(cls, say: Callable[[str], None], *, others: str = "terminal",
                   timeout_s: float = PROBE_TIMEOUT_S) -> DesktopChannel | None:
        """A channel once the notification service answered; None (and one line said) otherwise."""
        from desktop_notifier import DesktopNotifier
        from desktop_notifier.backends.dummy import DummyNotificationCenter
        from desktop_notifier.main import get_backend_class

        _quiet_library_logs()
        if get_backend_class() is DummyNotificationCenter:
            say(unavailable_line("this system offers none to a program run from a terminal", others))
            return None
        notifier = DesktopNotifier(app_name=APP_NAME)
        try:
            await asyncio.wait_for(notifier.get_capabilities(), timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 -- any failure here means: no notifications, go on
            say(unavailable_line(_reason(err), others))
            return None
        return cls(notifier, say, others)

    async def deliver(self, delivery: Delivery) -> bool:
        from desktop_notifier import Notification, Urgency

        dispatched = asyncio.Event()
        notification = Notification(title=delivery.title, message=body_text(delivery),
                                    urgency=Urgency[URGENCY.get(delivery.kind, "Normal")],
                                    on_dispatched=dispatched.set)
        await self.notifier.send_notification(notification)  # never raises: failures are logged
        if dispatched.is_set():
            return True
        if not self._said:
            self._said = True
            self.say(unavailable_line("the notification service stopped answering", self.others))
        return False

    async def close(self) -> None:
        # desktop-notifier keeps its D-Bus connection open and offers no way to close it.
        bus = getattr(getattr(self.notifier, "_backend", None), "bus", None)
        if bus is not None:
            bus.disconnect()

"""A private D-Bus session bus and a small org.freedesktop.Notifications server, for the tests of
desktop notifications: nothing reaches the desktop of whoever runs the tests.

``private_session_bus()`` starts ``dbus-daemon`` with a configuration of its own (no service
activation, so no real notification daemon can be started on it) and yields its address, to be
set as ``DBUS_SESSION_BUS_ADDRESS``. ``notification_server(address)`` serves the interface (the
Desktop Notifications Specification 1.2: Notify, CloseNotification, GetCapabilities,
GetServerInformation and the NotificationClosed / ActionInvoked signals) and records every
Notify call. Tests skip where dbus-daemon is not installed (CI installs the ``dbus`` package).
"""

# No "from __future__ import annotations": dbus-fast reads the D-Bus signatures from the
# annotations as written ("s", "as", "a{sv}").

import asyncio
import shutil
import subprocess
import tempfile
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

DBUS_DAEMON = shutil.which("dbus-daemon")
needs_dbus_daemon = pytest.mark.skipif(DBUS_DAEMON is None, reason="dbus-daemon is not installed (Debian: dbus)")

CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@contextmanager
def private_session_bus():
    """A dbus-daemon of our own for the test's duration; yields its address."""
    with tempfile.TemporaryDirectory(prefix="backmon-dbus-") as folder:
        config = Path(folder) / "session.conf"
        config.write_text(CONFIG.format(folder=folder))
        proc = subprocess.Popen([DBUS_DAEMON, f"--config-file={config}", "--print-address", "--nofork"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            address = proc.stdout.readline().strip()
            if not address:
                pytest.fail(f"dbus-daemon gave no address: {proc.stderr.read()}")
            yield address
        finally:
            proc.terminate()
            proc.wait(10)


@dataclass(frozen=True)
class Received:
    app_name: str
    summary: str  # the title
    body: str
    urgency: int | None


def _server_class():
    from dbus_fast.service import ServiceInterface, method, signal

    class NotificationServer(ServiceInterface):
        """What a desktop's notification daemon offers, recording instead of showing."""

        def __init__(self) -> None:
            super().__init__("org.freedesktop.Notifications")
            self.received: list[Received] = []
            self.arrived = asyncio.Event()

        @method()
        def GetCapabilities(self) -> "as":  # noqa: N802, F722 -- D-Bus names and signatures
            return ["body"]

        @method()
        def GetServerInformation(self) -> "ssss":  # noqa: N802, F722, F821
            return ["backmon-test-server", "backmon tests", "1.0", "1.2"]

        @method()
        def Notify(self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s", body: "s",  # noqa: N802, F821
                   actions: "as", hints: "a{sv}", expire_timeout: "i") -> "u":  # noqa: F722, F821
            urgency = hints.get("urgency")
            self.received.append(Received(app_name, summary, body, None if urgency is None else urgency.value))
            self.arrived.set()
            return len(self.received)

        @method()
        def CloseNotification(self, id: "u") -> None:  # noqa: N802, A002, F821
            pass

        @signal()
        def NotificationClosed(self, id: "u", reason: "u") -> "uu":  # noqa: N802, A002, F821
            return [id, reason]

        @signal()
        def ActionInvoked(self, id: "u", action_key: "s") -> "us":  # noqa: N802, A002, F821
            return [id, action_key]

    return NotificationServer


@asynccontextmanager
async def notification_server(address: str):
    """Serve org.freedesktop.Notifications on the bus at ``address``; yields the server (its
    ``received`` list holds every Notify call)."""
    from dbus_fast.aio import MessageBus

    bus = await MessageBus(bus_address=address).connect()
    server = _server_class()()
    bus.export("/org/freedesktop/Notifications", server)
    await bus.request_name("org.freedesktop.Notifications")
    try:
        yield server
    finally:
        bus.disconnect()

"""Open a page in the system's headless Chromium: console errors and a screenshot.

Used by the report tests and by ``examples/make_report_screenshot.py``; nothing in the analysis
or the reports needs a browser. Chromium is driven over the DevTools protocol through a pipe
(``--remote-debugging-pipe``: requests on the browser's fd 3, replies on fd 4, each a JSON
message ended by a NUL byte), so no port is opened and no Python package is needed.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# A quiet, isolated browser: no sandbox (CI runs as root), no GPU, no network chatter of its own.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-pipe")


class BrowserError(RuntimeError):
    """Chromium could not be started or did not answer in time."""


def find_chromium() -> str | None:
    """Path of a Chromium-family browser: ``$BACKMON_CHROMIUM``, else the first on ``PATH``."""
    configured = os.environ.get("BACKMON_CHROMIUM")
    if configured:
        return configured if shutil.which(configured) else None
    return next((path for path in map(shutil.which, CANDIDATES) if path), None)


@dataclass(frozen=True)
class PageCheck:
    """What loading a page produced: console errors (and failed loads), and a PNG screenshot."""

    errors: tuple[str, ...]
    screenshot_png: bytes
    title: str
    value: object = None  # what ``expression`` evaluated to on the page (JSON values), if one was given


class _Pipe:
    """The DevTools protocol over a pair of pipes: numbered requests, events kept in order."""

    def __init__(self, write_fd: int, read_fd: int) -> None:
        self.write_fd, self.read_fd = write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, *, session: str | None = None,
             timeout_s: float = 20.0) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout_s
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, *, timeout_s: float) -> dict:
        """The first event named ``method`` (already received, or arriving before the timeout)."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = next((e for e in self.events if e.get("method") == method), None)
            if found:
                return found
            self.events.append(self._read(deadline))

    def drain(self, seconds: float) -> None:
        """Collect the events that arrive in the next ``seconds``."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read(deadline))
        except TimeoutError:
            pass

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                raise TimeoutError("no answer from the browser")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise BrowserError("the browser closed its DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)


@dataclass(frozen=True)
class Viewport:
    """A screen to load the page on: CSS pixels; a phone has a 2x pixel ratio and touch layout."""

    width_px: int = 1280
    height_px: int = 900
    mobile: bool = False
    full_page: bool = False  # capture the whole page instead of the first screen


DESKTOP = Viewport()
PHONE = Viewport(390, 844, mobile=True)


def check_page(path: str | os.PathLike, viewports: tuple[Viewport, ...] = (DESKTOP,), *,
               chromium: str | None = None, settle_s: float = 0.5, timeout_s: float = 30.0,
               expression: str | None = None) -> list[PageCheck]:
    """Load the local file ``path`` in headless Chromium once per viewport (one browser for all).

    Each ``PageCheck`` has the errors seen while loading: console messages of level error,
    uncaught exceptions, and browser log entries of level error (failed loads, blocked
    requests, Content-Security-Policy violations); a PNG screenshot; and the value of the
    JavaScript ``expression`` evaluated on the loaded page (for layout measurements).
    """
    executable = chromium or find_chromium()
    if executable is None:
        raise BrowserError("no Chromium found (install the 'chromium' package or set BACKMON_CHROMIUM)")
    url = Path(path).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="backmon-chromium-") as profile:
        pipe, process = _start(executable, profile)
        try:
            return [_load(pipe, url, view, settle_s=settle_s, timeout_s=timeout_s, expression=expression)
                    for view in viewports]
        finally:
            _close(pipe, process)


def _start(executable: str, profile: str) -> tuple[_Pipe, subprocess.Popen]:
    to_browser, from_browser = os.pipe(), os.pipe()
    # The browser's ends, moved to fds >= 10 so that putting them on 3 and 4 in the child cannot
    # overwrite one with the other; close-on-exec, so only the copies on 3 and 4 stay.
    child_in = fcntl.fcntl(to_browser[0], fcntl.F_DUPFD_CLOEXEC, 10)
    child_out = fcntl.fcntl(from_browser[1], fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(to_browser[0])
    os.close(from_browser[1])

    def attach() -> None:  # in the child, between fork and exec: nothing but two dup2 calls
        os.dup2(child_in, 3)
        os.dup2(child_out, 4)

    command = [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"]
    # close_fds=False keeps 3 and 4 open; Python's own descriptors are not inheritable (PEP 446).
    process = subprocess.Popen(command, preexec_fn=attach, close_fds=False, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(child_in)
    os.close(child_out)
    return _Pipe(to_browser[1], from_browser[0]), process


def _load(pipe: _Pipe, url: str, view: Viewport, *, settle_s: float, timeout_s: float,
          expression: str | None = None) -> PageCheck:
    target = pipe.send("Target.createTarget", {"url": "about:blank"}, timeout_s=timeout_s)["targetId"]
    session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        pipe.send(f"{domain}.enable", session=session)
    pipe.send("Emulation.setDeviceMetricsOverride", {"width": view.width_px, "height": view.height_px,
                                                     "deviceScaleFactor": 2 if view.mobile else 1,
                                                     "mobile": view.mobile}, session=session)
    pipe.events.clear()
    pipe.send("Page.navigate", {"url": url}, session=session)
    pipe.wait_for("Page.loadEventFired", timeout_s=timeout_s)
    pipe.drain(settle_s)
    title = pipe.send("Runtime.evaluate", {"expression": "document.title", "returnByValue": True},
                      session=session)["result"].get("value", "")
    value = None
    if expression is not None:
        value = pipe.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                          session=session)["result"].get("value")
    params = {"format": "png"}
    if view.full_page:
        size = pipe.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
        params |= {"captureBeyondViewport": True,
                   "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}}
    shot = pipe.send("Page.captureScreenshot", params, session=session, timeout_s=timeout_s)
    errors = tuple(_errors(e for e in pipe.events if e.get("sessionId") == session))
    pipe.send("Target.closeTarget", {"targetId": target})
    return PageCheck(errors, base64.b64decode(shot["data"]), title, value)


def _errors(events) -> list[str]:
    out = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            out.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            out.append("exception: " + details.get("exception", {}).get("description", details.get("text", "")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            out.append(f"{entry.get('source', 'log')}: {entry.get('text', '')} {entry.get('url', '')}".strip())
    return out


def _close(pipe: _Pipe, process: subprocess.Popen) -> None:
    try:
        pipe.send("Browser.close", timeout_s=5.0)
    except (BrowserError, TimeoutError, OSError):
        pass
    for fd in (pipe.write_fd, pipe.read_fd):
        os.close(fd)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

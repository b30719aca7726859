"""Control of a running monitor: keys in its terminal, and ``backmon ctl`` from another one.

Both end in the same ``Command`` values, handled by the monitor (``LiveMonitor.command``), which
writes each into the recording as a ``# event`` line and answers in one sentence.

The socket: one AF_UNIX stream socket per user, ``monitor.sock`` in the control folder
(``control_path``): ``$BACKMON_CONTROL`` if set (the socket's full path), else
``$XDG_RUNTIME_DIR/backmon/`` (the per-user runtime folder on Linux, what platformdirs'
``user_runtime_dir`` names there), else ``<temp>/backmon-<uid>/``. The folder is made 0700 and
the socket 0600: only its owner can talk to the monitor. A second monitor finds the socket
answering and runs without one (said once). The protocol is one JSON line each way:
``{"command": "snooze", "minutes": 15}`` -> ``{"ok": true, "message": "..."}``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_SNOOZE_MIN = 15.0
MAX_SNOOZE_MIN = 8 * 60.0  # a shift: a longer snooze is a pause
MAX_NOTE_CHARS = 200  # a mark's text (the reader keeps 200 characters, sensors/session/meta.py)
MAX_REQUEST_BYTES = 4096


class Verb(StrEnum):
    SNOOZE = "snooze"
    PAUSE = "pause"
    RESUME = "resume"
    RECALIBRATE = "recalibrate"
    MARK = "mark"
    QUIT = "quit"


@dataclass(frozen=True)
class Command:
    verb: Verb
    minutes: float | None = None  # snooze
    note: str = ""  # mark

    def to_json(self) -> dict:
        out: dict = {"command": str(self.verb)}
        if self.minutes is not None:
            out["minutes"] = self.minutes
        if self.note:
            out["note"] = self.note
        return out


class BadCommand(ValueError):
    """A request that is no command (the reply says why)."""


def parse_command(data: dict) -> Command:
    """A request's JSON object as a Command; BadCommand in one sentence otherwise."""
    if not isinstance(data, dict):
        raise BadCommand("a request is a JSON object")
    try:
        verb = Verb(data.get("command"))
    except ValueError:
        raise BadCommand(f"unknown command {data.get('command')!r} (known: {', '.join(Verb)})") from None
    if verb == Verb.SNOOZE:
        minutes = data.get("minutes", DEFAULT_SNOOZE_MIN)
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not 0 < minutes <= MAX_SNOOZE_MIN:
            raise BadCommand(f"snooze takes minutes from 0 to {MAX_SNOOZE_MIN:g}, not {minutes!r}")
        return Command(verb, minutes=float(minutes))
    if verb == Verb.MARK:
        note = data.get("note", "")
        if not isinstance(note, str) or not note.strip():
            raise BadCommand("mark takes a note (some text)")
        return Command(verb, note=note.strip()[:MAX_NOTE_CHARS])
    return Command(verb)


@dataclass(frozen=True)
class Reply:
    ok: bool
    message: str


Handler = Callable[[Command], Awaitable[Reply]]


# ---------------------------------------------------------------- where the socket lives


def control_path() -> str:
    """The control socket's path (module docstring)."""
    given = os.environ.get("BACKMON_CONTROL")
    if given:
        return given
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = os.path.join(runtime, "backmon") if runtime else os.path.join(tempfile.gettempdir(),
                                                                           f"backmon-{os.getuid()}")
    return os.path.join(folder, "monitor.sock")


def _private_folder(folder: str) -> None:
    """Make ``folder`` 0700, and refuse one that another user owns (a shared /tmp)."""
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise PermissionError(f"{folder} is not a folder of yours")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(folder, 0o700)


def _answers(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(path)
        except OSError:
            return False
        return True


# ---------------------------------------------------------------- the monitor's side


class ControlServer:
    """The monitor's socket; ``start`` returns None when it cannot have one (and why)."""

    def __init__(self, path: str, handler: Handler) -> None:
        self.path, self.handler = path, handler
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> str | None:
        """Listen; returns a sentence when control by socket is off for this monitor."""
        try:
            _private_folder(os.path.dirname(os.path.abspath(self.path)))
            if os.path.lexists(self.path):
                if _answers(self.path):
                    return f"another backmon monitor answers on {self.path}: 'backmon ctl' controls that one"
                os.unlink(self.path)  # left by a monitor that was killed
            old = os.umask(0o177)
            try:
                self.server = await asyncio.start_unix_server(self._client, path=self.path)
            finally:
                os.umask(old)
            os.chmod(self.path, 0o600)
        except OSError as err:
            return f"no control socket ({err.strerror or err}); the keys still work"
        return None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5.0)
            try:
                reply = await self.handler(parse_command(json.loads(line[:MAX_REQUEST_BYTES] or b"null")))
            except (BadCommand, json.JSONDecodeError, UnicodeDecodeError) as err:
                reply = Reply(False, str(err) if isinstance(err, BadCommand) else "a request is one line of JSON")
            writer.write((json.dumps({"ok": reply.ok, "message": reply.message}) + "\n").encode())
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        if self.server is None:
            return
        self.server.close()
        await self.server.wait_closed()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


# ---------------------------------------------------------------- backmon ctl's side


class NoMonitor(Exception):
    """No monitor answers on the control socket."""


def send(command: Command, path: str | None = None, *, timeout_s: float = 10.0) -> Reply:
    """Send one command to the running monitor and return its reply."""
    path = path or control_path()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        try:
            sock.connect(path)
        except (FileNotFoundError, ConnectionRefusedError):
            raise NoMonitor(f"no backmon monitor is running (nothing answers on {path})") from None
        sock.sendall((json.dumps(command.to_json()) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    answer = json.loads(data or b"{}")
    return Reply(bool(answer.get("ok")), str(answer.get("message", "no answer")))


# ---------------------------------------------------------------- keys in the status view

KEYS_HELP = "keys: s snooze 15 min (type minutes first: 30s), p pause/resume, c recalibrate, m mark, q quit"


class KeyReader:
    """Single keys from a terminal's stdin (cbreak mode, restored on ``close``): ``s`` snooze
    (digits typed before it give the minutes), ``p`` pause or resume, ``c`` recalibrate, ``m``
    a note up to Enter, ``q`` quit."""

    def __init__(self, on_command: Callable[[Command | None], None], on_text: Callable[[str], None],
                 paused: Callable[[], bool]) -> None:
        self.on_command, self.on_text, self.paused = on_command, on_text, paused
        self.fd = sys.stdin.fileno()
        self.saved = None
        self.digits = ""
        self.note: str | None = None  # typing a mark's note

    @staticmethod
    def usable() -> bool:
        try:
            return sys.stdin.isatty()
        except (AttributeError, ValueError):
            return False

    def start(self) -> None:
        import termios
        import tty

        self.saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)
        asyncio.get_running_loop().add_reader(self.fd, self._readable)

    def _readable(self) -> None:
        for char in os.read(self.fd, 64).decode(errors="replace"):
            self.key(char)

    def _note_key(self, char: str) -> None:
        if char in "\r\n":
            note, self.note = self.note.strip(), None
            self.on_command(Command(Verb.MARK, note=note[:MAX_NOTE_CHARS]) if note else None)
        elif char in "\x7f\b":
            self.note = self.note[:-1]
        elif char == "\x1b":
            self.note = None
            self.on_text("mark cancelled")
        elif char.isprintable():
            self.note += char

    def key(self, char: str) -> None:
        """One key (also for tests)."""
        if self.note is not None:
            self._note_key(char)
            return
        if char.isdigit():
            self.digits = (self.digits + char)[-3:]
            return
        digits, self.digits = self.digits, ""
        if char == "s":
            minutes = float(digits) if digits and 0 < int(digits) <= MAX_SNOOZE_MIN else DEFAULT_SNOOZE_MIN
            self.on_command(Command(Verb.SNOOZE, minutes=minutes))
        elif char == "p":
            self.on_command(Command(Verb.RESUME if self.paused() else Verb.PAUSE))
        elif char == "c":
            self.on_command(Command(Verb.RECALIBRATE))
        elif char == "m":
            self.note = ""
            self.on_text("mark: type a note, then Enter (Esc cancels)")
        elif char == "q":
            self.on_command(Command(Verb.QUIT))

    def close(self) -> None:
        if self.saved is None:
            return
        import termios

        asyncio.get_running_loop().remove_reader(self.fd)
        termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)
        self.saved = None

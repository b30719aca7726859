"""Errors a user can cause. Each carries one sentence that the CLI prints as is."""

from __future__ import annotations

import contextlib
import os
import stat


class BackmonError(Exception):
    """Base of every error the user can cause; ``str(err)`` is the one-line message."""


class FileProblem(BackmonError):
    """A file that cannot be used: names the file, the line (when known) and the problem."""

    def __init__(self, path: str, problem: str, *, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")


class SessionFileError(FileProblem):
    """A session file that cannot be used."""


class MalformedPacket(BackmonError):
    """Notification bytes that do not decode under a device profile."""


class UsageError(BackmonError):
    """Arguments that cannot be used as given (text that is not hex, a missing rate)."""


class UnsupportedRate(UsageError):
    """A sample rate the device cannot be configured to; names the rates it can do."""

    def __init__(self, device: str, rate_hz: float, rates_hz: tuple[float, ...]) -> None:
        self.rate_hz = rate_hz
        self.rates_hz = rates_hz
        choices = ", ".join(f"{r:g}" for r in rates_hz)
        super().__init__(f"{device} cannot stream at {rate_hz:g} Hz; choose one of {choices} Hz")


class ImportFileError(FileProblem):
    """Another tool's export that cannot be imported."""


class BluetoothUnavailable(BackmonError):
    """No usable Bluetooth: no adapter, no permission, no system D-Bus, a transport that does not
    open. The message says what is missing and what to try (another transport, --simulate)."""


# Opened without waiting: a pipe without a writer would otherwise block open() for ever.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


@contextlib.contextmanager
def open_file(path, *, error: type[FileProblem], directory_problem: str):
    """The file open for binary reading: every input file backmon reads goes through here. A
    directory, a missing or an unreadable file (also while reading), and anything that is not a
    regular file (a device such as /dev/zero never ends, a pipe may wait for ever for a writer)
    become ``error`` with one sentence."""
    name = os.fspath(path)
    name = name.decode(errors="replace") if isinstance(name, bytes) else name
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except IsADirectoryError:
        raise error(name, directory_problem) from None
    except FileNotFoundError:
        raise error(name, "no such file") from None
    except OSError as err:
        if os.path.isdir(path):  # Windows refuses to open a folder
            raise error(name, directory_problem) from None
        raise error(name, f"cannot read the file ({err.strerror or err})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise error(name, directory_problem)
        if not stat.S_ISREG(mode):
            raise error(name, f"is not a regular file ({_special_kind(mode)}); give a saved file")
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    try:
        with handle:
            yield handle
    except OSError as err:
        raise error(name, f"cannot read the file ({err.strerror or err})") from None


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"

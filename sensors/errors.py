"""Errors a user can cause. Each carries one sentence that the CLI prints as is."""

from __future__ import annotations


class BackmonError(Exception):
    """Base of every error the user can cause; ``str(err)`` is the one-line message."""


class SessionFileError(BackmonError):
    """A session file that cannot be used: names the file, the line (when known) and the problem."""

    def __init__(self, path: str, problem: str, *, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")


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


class ImportFileError(BackmonError):
    """Another tool's export that cannot be imported: names the file (and line where known)."""

    def __init__(self, path: str, problem: str, *, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")


class BluetoothUnavailable(BackmonError):
    """No usable Bluetooth: no adapter, no permission, no system D-Bus, a transport that does not
    open. The message says what is missing and what to try (another transport, --simulate)."""

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

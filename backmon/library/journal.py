"""The journal: one JSON object a line, appended beside the database, so that the wearer's own
words (check-ins, the programme) and the list of sessions survive the loss of the database
(DESIGN.md: "rebuild loses nothing").

Each line has ``op`` and ``v`` (the journal's format, 1):

    {"v": 1, "op": "session_added", "id": 3, "sha256": "...", "path": "/abs/day.csv", "at": "..."}
    {"v": 1, "op": "session_removed", "id": 3, "sha256": "...", "at": "..."}
    {"v": 1, "op": "checkin", "day": "2026-01-05", "rating": 4, "note": "...", "kind": "pain", "time": "..."}
    {"v": 1, "op": "programme_started", "plan": {...}, "at": "..."}

Lines are appended (O_APPEND, one write each, synced), so a crash can at most cut the last one
short; a reader skips a line it cannot read and counts it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sensors.outputs import FILE_MODE, make_folders, write_text

FORMAT = 1


class Op(StrEnum):
    SESSION_ADDED = "session_added"
    SESSION_REMOVED = "session_removed"
    CHECKIN = "checkin"
    PROGRAMME_STARTED = "programme_started"


@dataclass(frozen=True)
class JournalRead:
    entries: tuple[dict, ...]
    unreadable_lines: int


def append(journal_file: Path, op: Op, /, **fields) -> None:
    """Add one entry; the file is created owner-only (0600) in an owner-only folder."""
    line = json.dumps({"v": FORMAT, "op": str(op), **fields}, ensure_ascii=False, sort_keys=True) + "\n"
    make_folders(journal_file.parent)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(journal_file, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: Path) -> JournalRead:
    """Every readable entry in order (none when there is no journal)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return JournalRead((), 0)
    entries, bad = [], 0
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            bad += 1
            continue
        if isinstance(entry, dict) and entry.get("op") in tuple(Op):
            entries.append(entry)
        else:
            bad += 1
    return JournalRead(tuple(entries), bad)


def rewrite(path: Path, entries: Iterable[dict]) -> None:
    """Replace the journal whole (temporary file, then rename) with ``entries`` (after a rebuild:
    the library's state, compacted)."""
    text = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
    write_text(path, text)


def sessions_in(entries: Iterable[dict]) -> dict[str, dict]:
    """The sessions the journal says are indexed (added and not removed since), by sha256, in the
    order they were added; each the last ``session_added`` entry for its hash."""
    state: dict[str, dict] = {}
    for entry in entries:
        sha = entry.get("sha256")
        if not isinstance(sha, str):
            continue
        if entry["op"] == Op.SESSION_ADDED and isinstance(entry.get("path"), str):
            state.pop(sha, None)
            state[sha] = entry
        elif entry["op"] == Op.SESSION_REMOVED:
            state.pop(sha, None)
    return state

"""A new database from the session files and the journal (DESIGN.md: "the library is an index
rebuilt from files if lost").

What goes in: every session the journal or the old database (when it can still be read) says is
indexed, and any files or folders named; check-ins and programmes from both, each once. Each
session file is hashed and analysed again (so a rebuild also brings old analyses up to this
backmon), and keeps its id. The new database is built beside the old one and renamed over it
only when complete; a damaged old file is kept beside it (``<name>.damaged-<time>``), never
deleted. The journal is then rewritten to match: compacted, with the entries of sessions whose
files are missing kept, so that a rebuild once they are back finds them again.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from backmon.library import journal
from backmon.library.indexing import analyse, indexed, sha256_of
from backmon.library.location import journal_path, library_path
from backmon.library.records import CheckIn
from backmon.library.store import Library, LibraryDamaged, checkin_fields, make_checkin
from sensors.errors import BackmonError


@dataclass
class RebuildReport:
    sessions: int = 0
    checkins: int = 0
    programmes: int = 0
    missing: list[str] = field(default_factory=list)  # indexed before, file gone: kept in the journal
    changed: list[str] = field(default_factory=list)  # content differs from when indexed: indexed anew
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, why): not a session any more
    damaged_kept: Path | None = None  # where the unreadable old database was moved
    unreadable_journal_lines: int = 0


@dataclass(frozen=True)
class _Wanted:
    sha256: str | None  # None: a file named now, not indexed before
    path: str
    session_id: int | None


def rebuild(path: str | os.PathLike | None = None, *, extra: Iterable[Path] = (), settings=None,
            progress: Callable[[float], None] | None = None, warn: Callable[[str], None] | None = None
            ) -> RebuildReport:
    """Rebuild the library at ``path`` ($BACKMON_LIBRARY, the data folder); ``extra`` session
    files are indexed too. ``progress`` gets the fraction of sessions done."""
    db_path = library_path(path)
    report = RebuildReport()
    old = _read_old(db_path, report)
    read = journal.read(journal_path(db_path))
    report.unreadable_journal_lines = read.unreadable_lines
    wanted = _wanted_sessions(read.entries, old, extra)
    checkins = _unique_checkins(read.entries, old)
    programmes = _unique_programmes(read.entries, old)

    building = db_path.with_name(f"{db_path.stem}.rebuilding{db_path.suffix}")
    _remove_quietly(building, journal_path(building), Path(f"{building}-journal"))
    kept_entries: list[dict] = []
    with Library.open(building) as new:
        for number, want in enumerate(wanted, 1):
            entry = _index_one(new, want, settings, report, warn)
            if entry is not None:
                kept_entries.append(entry)
            if progress:
                progress(number / max(1, len(wanted)))
        for checkin in checkins:
            new._insert_checkin(checkin)
        for at, plan_json in programmes:
            new._insert_programme(plan_json, at)
        entries = [*_session_entries(new), *kept_entries,
                   *({"v": journal.FORMAT, "op": str(journal.Op.CHECKIN), **checkin_fields(c)} for c in checkins),
                   *({"v": journal.FORMAT, "op": str(journal.Op.PROGRAMME_STARTED), "plan": json.loads(p), "at": at}
                     for at, p in programmes)]
        report.sessions, report.checkins, report.programmes = len(new), len(checkins), len(programmes)
    if report.damaged_kept is not None:
        _move_aside(db_path, report.damaged_kept)
    os.replace(building, db_path)
    journal.rewrite(journal_path(db_path), entries)
    _remove_quietly(journal_path(building))
    return report


def _read_old(db_path: Path, report: RebuildReport) -> dict:
    """What the old database holds, when it can be read; a damaged one is noted for keeping aside."""
    empty = {"sessions": [], "checkins": [], "programmes": []}
    if not db_path.exists():
        return empty
    try:
        with Library.open(db_path) as old:
            return {"sessions": [(r.sha256, str(r.path), r.id) for r in old.sessions()],
                    "checkins": old.checkins(), "programmes": old._programme_rows()}
    except LibraryDamaged:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        report.damaged_kept = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
        return empty


def _wanted_sessions(entries: tuple[dict, ...], old: dict, extra: Iterable[Path]) -> list[_Wanted]:
    removed = {e.get("sha256") for e in entries if e["op"] == journal.Op.SESSION_REMOVED}
    by_sha: dict[str, _Wanted] = {}
    for sha, entry in journal.sessions_in(entries).items():
        by_sha[sha] = _Wanted(sha, entry["path"], entry.get("id") if isinstance(entry.get("id"), int) else None)
    for sha, path, session_id in old["sessions"]:
        if sha in by_sha or sha not in removed:  # the database's path is the latest (a moved file)
            by_sha[sha] = _Wanted(sha, path, session_id)
    return [*by_sha.values(), *(_Wanted(None, str(Path(p).absolute()), None) for p in extra)]


def _index_one(new: Library, want: _Wanted, settings, report: RebuildReport, warn) -> dict | None:
    """Index one session; None when done, or the journal entry to keep when its file is missing."""
    path = Path(want.path)
    if not path.is_file():
        report.missing.append(want.path)
        return {"v": journal.FORMAT, "op": str(journal.Op.SESSION_ADDED), "id": want.session_id,
                "sha256": want.sha256, "path": want.path, "at": _now()}
    try:
        sha, size = sha256_of(path)
        if new._by_sha(sha) is not None:
            return None  # the same content named twice
        if want.sha256 is not None and sha != want.sha256:
            report.changed.append(want.path)
        row = indexed(path, sha, size, analyse(path, settings))
    except (BackmonError, ValueError, OSError) as err:
        report.failed.append((want.path, str(err)))
        if warn:
            warn(f"{want.path}: left out ({err})")
        return None
    session_id = want.session_id if want.session_id is not None and not new._has_id(want.session_id) else None
    new._insert(row, session_id=session_id)
    return None


def _session_entries(new: Library) -> list[dict]:
    return [{"v": journal.FORMAT, "op": str(journal.Op.SESSION_ADDED), "id": r.id, "sha256": r.sha256,
             "path": str(r.path), "at": r.added_at.isoformat() if r.added_at else _now()} for r in new.sessions()]


def _unique_checkins(entries: tuple[dict, ...], old: dict) -> list[CheckIn]:
    found: dict[tuple, CheckIn] = {}
    for entry in entries:
        if entry["op"] != journal.Op.CHECKIN:
            continue
        with contextlib.suppress(BackmonError, ValueError, TypeError, KeyError):
            checkin = make_checkin(date.fromisoformat(entry["day"]), entry["rating"], entry.get("note", ""),
                                   entry.get("kind", "pain"), datetime.fromisoformat(entry["time"]))
            found.setdefault(_key(checkin), checkin)
    for checkin in old["checkins"]:
        found.setdefault(_key(checkin), checkin)
    return sorted(found.values(), key=lambda c: (c.time, c.day))


def _key(c: CheckIn) -> tuple:
    return c.day, c.rating, c.note, str(c.kind), c.time


def _unique_programmes(entries: tuple[dict, ...], old: dict) -> list[tuple[str, str]]:
    found: dict[tuple[str, str], None] = {}
    for entry in entries:
        if entry["op"] == journal.Op.PROGRAMME_STARTED and isinstance(entry.get("plan"), dict):
            found[(str(entry.get("at", "")), json.dumps(entry["plan"], ensure_ascii=False, sort_keys=True))] = None
    for at, plan_json in old["programmes"]:
        found[(at, plan_json)] = None
    return sorted(found)  # by when each was started: the last is in force


def _move_aside(db_path: Path, kept: Path) -> None:
    """The damaged database (and a rollback journal SQLite may have left) renamed, never deleted:
    a stale ``-journal`` left beside the new file would be played into it."""
    os.replace(db_path, kept)
    hot = Path(f"{db_path}-journal")
    if hot.exists():
        os.replace(hot, Path(f"{kept}-journal"))


def _remove_quietly(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")

"""``Library``: the SQLite file that indexes sessions and keeps check-ins and the programme.

    with Library.open() as library:          # --library PATH, $BACKMON_LIBRARY, or the data folder
        library.add("2026-01-05.csv")         # hashed, analysed, indexed (a no-op the second time)
        for record in library.sessions(from_day=date(2026, 1, 1)):
            record.day, record.analysis["summary"]["minutes_over_30"]
        library.add_checkin(date(2026, 1, 5), 4, "stiff after lifting")

The session files stay the record: the library never changes or moves them. Every change is one
SQLite transaction; check-ins, the programme and the list of sessions are also appended to the
journal beside the database (journal.py), which ``rebuild`` reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

from backmon.library import journal, schema
from backmon.library.indexing import Indexed, analyse, indexed, sha256_of
from backmon.library.location import journal_path, library_path
from backmon.library.records import RATING_MAX, RATING_MIN, AddResult, CheckIn, CheckInKind, SessionRecord
from sensors.errors import BackmonError
from sensors.outputs import FILE_MODE, make_folders

BUSY_TIMEOUT_S = 10.0  # a monitor adding its session while trends read: wait, do not fail
PLAN_KEYS = ("start_day", "baseline_days", "feedback_days", "fading_days", "probe_every")


class LibraryError(BackmonError):
    """A library that cannot be used as asked (one sentence, exit status 2)."""


class LibraryDamaged(LibraryError):
    """The database file cannot be read as a library; the session files are untouched."""

    def __init__(self, path: Path, why: str) -> None:
        self.path = path
        super().__init__(f"{path}: the session library is damaged or not a library ({why}); your session files "
                         "are untouched: run 'backmon library rebuild' to index them again (the damaged file is "
                         "kept beside it)")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Library:
    """An open library. Use ``Library.open`` (a context manager); one connection per instance."""

    def __init__(self, path: Path, db: sqlite3.Connection) -> None:
        self.path = path
        self.journal_path = journal_path(path)
        self._db = db

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: str | os.PathLike | None = None) -> Library:
        """Open (creating, owner-only, and migrating to the latest schema) the library at ``path``,
        else $BACKMON_LIBRARY, else ``library.sqlite3`` in the user's data folder."""
        path = library_path(path)
        _prepare_file(path)
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as err:
            raise LibraryError(f"{path}: cannot open the session library ({err})") from None
        library = cls(path, db)
        try:
            with library._guard():
                before = schema.migrate(db)
                if before == 0:
                    library._continue_ids()
        except BaseException:
            db.close()
            raise
        return library

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._guard():
            return schema.version_of(self._db)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """SQLite's errors as one sentence: a damaged file, a busy one, or the schema of a later backmon."""
        try:
            yield
        except schema.NewerSchema as err:
            raise LibraryError(f"{self.path}: this library was written by a newer backmon (schema {err.version}; "
                               f"this one knows up to {schema.LATEST}): update backmon to use it") from None
        except schema.NotALibrary:
            raise LibraryDamaged(self.path, "an SQLite file without backmon's tables") from None
        except sqlite3.OperationalError as err:
            text = str(err)
            if "locked" in text or "busy" in text:
                raise LibraryError(f"{self.path}: the session library is busy (another backmon is writing to it); "
                                   "try again in a moment") from None
            if "unable to open" in text or "readonly" in text:
                raise LibraryError(f"{self.path}: cannot use the session library ({text})") from None
            raise LibraryDamaged(self.path, text) from None
        except sqlite3.DatabaseError as err:
            raise LibraryDamaged(self.path, str(err)) from None

    def _continue_ids(self) -> None:
        """A new database beside an existing journal: new sessions get ids after the journal's, so
        that a later rebuild gives every session back the id it had."""
        ids = [e["id"] for e in journal.read(self.journal_path).entries
               if e["op"] == journal.Op.SESSION_ADDED and isinstance(e.get("id"), int)]
        if ids:
            with schema.transaction(self._db):
                self._db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('sessions', ?)", (max(ids),))

    # ---------------------------------------------------------------- sessions

    def add(self, path: str | os.PathLike, *, analysis: dict | None = None, settings=None) -> AddResult:
        """Index the session file at ``path``: its sha256 and, unless given, its analysis (run now,
        with ``settings`` or the defaults). The same content again is a no-op (``added`` False);
        when the indexed file has gone from its old path and sits at this one, the path is updated
        (``moved`` True). A file indexed before with other content (added while it was still being
        recorded) is indexed anew under its id. Raises BackmonError / ValueError for a file that
        is not a session."""
        where = Path(path).absolute()
        if not stat.S_ISREG(os.stat(where).st_mode):  # never open a pipe or a device: it could block
            raise LibraryError(f"{where}: not a regular file, so not a session to add")
        sha, size = sha256_of(where)
        existing = self._by_sha(sha)
        if existing is not None:
            return self._known(existing, where)
        data = analysis if analysis is not None else analyse(where, settings)
        stale = self._by_path(where)
        if stale is not None:  # indexed while it was still being written: this is its final content
            self.remove(stale.id)
            return AddResult(self._insert(indexed(where, sha, size, data), session_id=stale.id), added=True)
        return AddResult(self._insert(indexed(where, sha, size, data)), added=True)

    def _known(self, record: SessionRecord, where: Path) -> AddResult:
        if record.path == where or record.path.exists():
            return AddResult(record, added=False)
        journal.append(self.journal_path, journal.Op.SESSION_ADDED, id=record.id, sha256=record.sha256,
                       path=str(where), at=_now())
        with self._guard(), schema.transaction(self._db):
            self._db.execute("UPDATE sessions SET path = ? WHERE id = ?", (str(where), record.id))
        return AddResult(self.get(record.id), added=False, moved=True)

    def _insert(self, row: Indexed, *, session_id: int | None = None) -> SessionRecord:
        added_at = _now()
        with self._guard(), schema.transaction(self._db):
            cursor = self._db.execute(
                "INSERT INTO sessions (id, sha256, path, size_bytes, started_at, day, duration_s, devices_json, "
                "worn_s, minutes_over_30, minutes_over_60, alerts, analysis_json, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, row.sha256, row.path, row.size_bytes, row.started_at, row.day, row.duration_s,
                 row.devices_json, row.worn_s, row.minutes_over_30, row.minutes_over_60, row.alerts,
                 row.analysis_json, added_at))
            new_id = cursor.lastrowid
            # In the same transaction: a journal line that cannot be written undoes the insert.
            journal.append(self.journal_path, journal.Op.SESSION_ADDED, id=new_id, sha256=row.sha256,
                           path=row.path, at=added_at)
        return self.get(new_id)

    def remove(self, session_id: int) -> SessionRecord:
        """Take a session out of the library (its file stays where it is); LibraryError for an
        unknown id."""
        record = self.get(session_id)
        journal.append(self.journal_path, journal.Op.SESSION_REMOVED, id=record.id, sha256=record.sha256, at=_now())
        with self._guard(), schema.transaction(self._db):
            self._db.execute("DELETE FROM sessions WHERE id = ?", (record.id,))
        return record

    def get(self, session_id: int) -> SessionRecord:
        """The session with this id; LibraryError when there is none."""
        with self._guard():
            row = self._db.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise LibraryError(f"no session {session_id} in the library ('backmon library list' shows the ids)")
        return _session(row)

    def _by_sha(self, sha: str) -> SessionRecord | None:
        with self._guard():
            row = self._db.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE sha256 = ?", (sha,)).fetchone()
        return None if row is None else _session(row)

    def _by_path(self, where: Path) -> SessionRecord | None:
        with self._guard():
            row = self._db.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE path = ? ORDER BY id DESC",
                                   (str(where),)).fetchone()
        return None if row is None else _session(row)

    def sessions(self, from_day: date | None = None, to_day: date | None = None, *,
                 brief: bool = False) -> list[SessionRecord]:
        """Sessions by start (undated ones last, by id); with a day range, only sessions whose day
        lies within it (both ends included; undated sessions then left out). ``brief``: without
        their analyses (``analysis`` then raises; the key figures are there), for listing fast."""
        where, args = _day_range(from_day, to_day)
        columns = _SESSION_COLUMNS.replace("analysis_json", "NULL") if brief else _SESSION_COLUMNS
        with self._guard():
            rows = self._db.execute(f"SELECT {columns} FROM sessions {where} "
                                    "ORDER BY started_at IS NULL, day, started_at, id", args).fetchall()
        return [_session(row) for row in rows]

    def _has_id(self, session_id: int) -> bool:
        with self._guard():
            return self._db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is not None

    def __len__(self) -> int:
        with self._guard():
            return self._db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]

    # ---------------------------------------------------------------- check-ins

    def add_checkin(self, day: date, rating: int, note: str = "", kind: str = "pain", *,
                    time: datetime | None = None) -> CheckIn:
        """Store a 0-10 ``kind`` (pain or fatigue) rating for ``day``; LibraryError for a rating
        out of range or an unknown kind."""
        checkin = make_checkin(day, rating, note, kind, time or datetime.now(timezone.utc))
        journal.append(self.journal_path, journal.Op.CHECKIN, **checkin_fields(checkin))
        self._insert_checkin(checkin)
        return checkin

    def _insert_checkin(self, c: CheckIn) -> None:
        with self._guard(), schema.transaction(self._db):
            self._db.execute("INSERT INTO checkins (day, rating, note, kind, time) VALUES (?, ?, ?, ?, ?)",
                             (c.day.isoformat(), c.rating, c.note, str(c.kind), c.time.isoformat()))

    def checkins(self, from_day: date | None = None, to_day: date | None = None,
                 kind: str | None = None) -> list[CheckIn]:
        """Check-ins by day and time given, within the day range (both ends included)."""
        where, args = _day_range(from_day, to_day)
        if kind is not None:
            where += (" AND" if where else "WHERE") + " kind = ?"
            args.append(str(CheckInKind(kind)))
        with self._guard():
            rows = self._db.execute(f"SELECT day, rating, note, kind, time FROM checkins {where} "
                                    "ORDER BY day, time, id", args).fetchall()
        return [CheckIn(date.fromisoformat(d), r, n, CheckInKind(k), datetime.fromisoformat(t))
                for d, r, n, k, t in rows]

    # ---------------------------------------------------------------- programme

    def start_programme(self, plan: dict) -> dict:
        """Store ``plan`` (start_day as an ISO date, baseline_days, feedback_days, fading_days,
        probe_every, and anything else JSON can hold) as the programme in force."""
        missing = [key for key in PLAN_KEYS if key not in plan]
        if missing:
            raise LibraryError(f"a programme needs {', '.join(missing)}")
        try:
            text = json.dumps(plan, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as err:
            raise LibraryError(f"a programme must be plain JSON values ({err})") from None
        at = _now()
        journal.append(self.journal_path, journal.Op.PROGRAMME_STARTED, plan=json.loads(text), at=at)
        self._insert_programme(text, at)
        return json.loads(text)

    def _insert_programme(self, plan_json: str, at: str) -> None:
        with self._guard(), schema.transaction(self._db):
            self._db.execute("INSERT INTO programme (plan_json, started_at) VALUES (?, ?)", (plan_json, at))

    def programme(self) -> dict | None:
        """The programme in force (the last one started), or None."""
        with self._guard():
            row = self._db.execute("SELECT plan_json FROM programme ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else json.loads(row[0])

    def programmes(self) -> list[tuple[str, dict]]:
        """Every programme started, oldest first, as (started_at, plan)."""
        return [(at, json.loads(text)) for at, text in self._programme_rows()]

    def _programme_rows(self) -> list[tuple[str, str]]:
        with self._guard():
            return self._db.execute("SELECT started_at, plan_json FROM programme ORDER BY id").fetchall()


# ---------------------------------------------------------------- rows and values

_SESSION_COLUMNS = ("id, path, sha256, day, started_at, duration_s, devices_json, analysis_json, added_at, worn_s, "
                    "minutes_over_30, minutes_over_60, alerts")


def _session(row: tuple) -> SessionRecord:
    (session_id, path, sha, day, started, duration_s, devices, analysis, added, worn_s, over_30, over_60,
     alerts) = row
    return SessionRecord(
        id=session_id, path=Path(path), sha256=sha, day=date.fromisoformat(day) if day else None,
        started_at=datetime.fromisoformat(started) if started else None, duration_s=duration_s,
        devices=json.loads(devices), analysis_json=analysis,
        added_at=datetime.fromisoformat(added) if added else None, worn_s=worn_s, minutes_over_30=over_30,
        minutes_over_60=over_60, alert_count=alerts or 0)


def _day_range(from_day: date | None, to_day: date | None) -> tuple[str, list]:
    clauses, args = [], []
    if from_day is not None:
        clauses.append("day >= ?")
        args.append(from_day.isoformat())
    if to_day is not None:
        clauses.append("day <= ?")
        args.append(to_day.isoformat())
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), args


def make_checkin(day: date, rating: int, note: str, kind: str, time: datetime) -> CheckIn:
    if isinstance(rating, bool) or not isinstance(rating, int) or not RATING_MIN <= rating <= RATING_MAX:
        raise LibraryError(f"a check-in rating is a whole number from {RATING_MIN} to {RATING_MAX}, not {rating!r}")
    try:
        kind = CheckInKind(kind)
    except ValueError:
        raise LibraryError(f"a check-in is {' or '.join(CheckInKind)}, not {kind!r}") from None
    when = time if time.tzinfo is not None else time.astimezone()
    return CheckIn(day=day, rating=rating, note=str(note), kind=kind, time=when.astimezone(timezone.utc))


def checkin_fields(c: CheckIn) -> dict:
    return {"day": c.day.isoformat(), "rating": c.rating, "note": c.note, "kind": str(c.kind),
            "time": c.time.isoformat()}


def _prepare_file(path: Path) -> None:
    """The database file exists owner-only (0600) in a folder made owner-only where backmon
    creates it (0700); an existing file readable by others is made owner-only."""
    if path.is_dir():
        raise LibraryError(f"{path}: is a folder; the session library is a file (give --library FILE)")
    try:
        make_folders(path.parent)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags, FILE_MODE)
        os.fchmod(fd, FILE_MODE)  # the umask could only have removed bits: make it exact
        os.close(fd)
    except FileExistsError:
        _tighten(path)
    except OSError as err:
        raise LibraryError(f"{path}: cannot create the session library ({err.strerror or err})") from None


def _tighten(path: Path) -> None:
    with contextlib.suppress(OSError):
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077 and st.st_uid == os.getuid():
            os.chmod(path, FILE_MODE)

"""The database layout and its migrations (one numbered step per schema change, never edited
once released: a file made by an older backmon is brought up to date step by step).

Version 1 (the first release):

    schema_version(version, applied_at)    one row per migration applied
    sessions(id, sha256 UNIQUE, path, size_bytes, started_at, day, duration_s, devices_json,
             worn_s, minutes_over_30, minutes_over_60, alerts, analysis_json, added_at)
    checkins(id, day, rating, note, time)  every check-in was a pain rating
    programme(id, plan_json, started_at)   the newest row is the programme in force

Version 2: check-ins gain a ``kind`` (pain or fatigue; those of version 1 were pain), and the
tables get indexes on ``day`` (``trends --from/--to`` and the programme select by day).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone

V1 = """
CREATE TABLE schema_version (
    version INTEGER NOT NULL,
    applied_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused: an id a person noted stays that session's
    sha256 TEXT NOT NULL UNIQUE,            -- of the closed file's bytes
    path TEXT NOT NULL,                     -- absolute
    size_bytes INTEGER NOT NULL,
    started_at TEXT,                        -- ISO 8601 as in the file, NULL when it has none
    day TEXT,                               -- ISO date: local date of started_at when added
    duration_s REAL NOT NULL,
    devices_json TEXT NOT NULL,             -- {"left": name, "right": name}
    worn_s REAL,                            -- key figures copied out of the analysis for 'list'
    minutes_over_30 REAL,
    minutes_over_60 REAL,
    alerts INTEGER,
    analysis_json TEXT NOT NULL,            -- the analysis JSON (backmon.analysis/1 or /2)
    added_at TEXT NOT NULL
);
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    day TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 0 AND 10),
    note TEXT NOT NULL DEFAULT '',
    time TEXT NOT NULL
);
CREATE TABLE programme (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_json TEXT NOT NULL,
    started_at TEXT NOT NULL
);
"""

V2 = """
ALTER TABLE checkins ADD COLUMN kind TEXT NOT NULL DEFAULT 'pain' CHECK (kind IN ('pain', 'fatigue'));
CREATE INDEX sessions_day ON sessions (day);
CREATE INDEX checkins_day ON checkins (day, kind);
"""

MIGRATIONS: tuple[str, ...] = (V1, V2)  # MIGRATIONS[n - 1] takes a file from version n - 1 to n
LATEST = len(MIGRATIONS)


class NewerSchema(Exception):
    """The file was written by a later backmon (a schema this one does not know)."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


class NotALibrary(Exception):
    """An SQLite file without backmon's tables."""


def version_of(db: sqlite3.Connection) -> int:
    """The schema version of an open file: 0 for a new, empty one."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in tables:
        if tables - {"sqlite_sequence"}:
            raise NotALibrary()
        return 0
    (version,) = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    return int(version)


def migrate(db: sqlite3.Connection, *, target: int = LATEST) -> int:
    """Bring the file up to ``target``, each step in its own transaction; returns the version
    the file had before. Raises NewerSchema for a file from a later backmon."""
    before = version_of(db)
    if before > LATEST:
        raise NewerSchema(before)
    for version in range(before + 1, target + 1):
        with transaction(db):  # one per step: a failed step leaves the file at the previous version
            for statement in _statements(MIGRATIONS[version - 1]):
                db.execute(statement)
            db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                       (version, datetime.now(timezone.utc).isoformat(timespec="seconds")))
    return before


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any exception), on a connection opened with
    ``isolation_level=None``: DDL inside is transactional too, and a writer waits for another
    (the busy timeout) rather than failing halfway."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _statements(script: str) -> list[str]:
    """A script's statements (executescript would commit on its own, outside our transaction)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]

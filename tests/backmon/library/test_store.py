"""The library on a real SQLite file: adding, listing, duplicates, check-ins, the programme,
owner-only modes, the v1 -> v2 migration, and files it must refuse."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from datetime import date, datetime, timezone

import pytest

from backmon.library import CheckInKind, Library, LibraryDamaged, LibraryError
from backmon.library import journal as journal_module
from backmon.library.schema import LATEST, V1
from sensors.errors import BackmonError
from tests.backmon.library.conftest import DAYS


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_add_then_list_get_and_select_by_day(session_files, own_library):
    with Library.open() as library:
        results = [library.add(p) for p in session_files]
        assert [r.added for r in results] == [True, True, True]
        assert [r.record.id for r in results] == [1, 2, 3]
        records = library.sessions()
    assert library.path == own_library  # $BACKMON_LIBRARY, set for every test
    assert [r.day for r in records] == [date.fromisoformat(d) for d in DAYS]
    first = records[0]
    assert first.path == session_files[0] and first.sha256 == digest(session_files[0])
    assert first.started_at == datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
    assert first.devices == {"left": "WT901 L0", "right": "WT901 R0"}
    assert first.duration_s == first.analysis["duration_s"] > 180  # 3 minutes of work after the calibration
    summary = first.analysis["summary"]
    assert first.minutes_over_30 == summary["minutes_over_30"] and first.worn_s == summary["worn_s"]
    assert first.alert_count == len(first.analysis["alerts"])
    with Library.open() as library:  # reopened: the same, and selections by day include both ends
        assert library.get(2).sha256 == records[1].sha256
        assert [r.id for r in library.sessions(date(2026, 3, 3), date(2026, 3, 5))] == [2, 3]
        assert [r.id for r in library.sessions(to_day=date(2026, 3, 2))] == [1]
        assert library.sessions(from_day=date(2026, 3, 6)) == []
        with pytest.raises(LibraryError, match="no session 9"):
            library.get(9)


def test_the_same_content_twice_is_one_session(session_files, tmp_path):
    copy = tmp_path / "copy.csv"
    copy.write_bytes(session_files[0].read_bytes())
    with Library.open() as library:
        first = library.add(session_files[0])
        again = library.add(session_files[0])
        elsewhere = library.add(copy)  # another path, the same bytes
        assert (first.added, again.added, elsewhere.added, elsewhere.moved) == (True, False, False, False)
        assert again.record == first.record and elsewhere.record.path == session_files[0]
        assert len(library) == 1
        added = [e for e in journal_module.read(library.journal_path).entries if e["op"] == "session_added"]
    assert len(added) == 1


def test_a_moved_file_keeps_its_session_and_id(sessions_copy, tmp_path):
    moved = tmp_path / "archive" / "moved.csv"
    with Library.open() as library:
        library.add(sessions_copy[0])
        moved.parent.mkdir()
        sessions_copy[0].rename(moved)
        result = library.add(moved)
        assert (result.added, result.moved, result.record.id, result.record.path) == (False, True, 1, moved)
        assert library.get(1).path == moved


def test_a_file_indexed_while_still_recorded_is_indexed_anew_under_its_id(session_files, tmp_path):
    growing = tmp_path / "today.csv"
    text = session_files[0].read_text()
    growing.write_text(text[: len(text) // 2].rsplit("\n", 1)[0] + "\n")  # half a recording so far
    with Library.open() as library:
        first = library.add(growing).record
        with growing.open("a") as handle:
            handle.write(text[len(growing.read_text()):])  # the rest arrives; the monitor closes it
        final = library.add(growing)
        assert final.added and final.record.id == first.id and final.record.sha256 == digest(growing)
        assert final.record.duration_s > first.duration_s + 60 and len(library) == 1


def test_remove_takes_the_session_out_and_leaves_the_file(session_files):
    before = digest(session_files[1])
    with Library.open() as library:
        for path in session_files:
            library.add(path)
        removed = library.remove(2)
        assert removed.path == session_files[1]
        assert [r.id for r in library.sessions()] == [1, 3]
        assert library.add(session_files[3 - 1]).added is False  # 3 is still there
        assert library.add(session_files[1]).record.id == 4  # back in, with a new id: ids are never reused
    assert digest(session_files[1]) == before


def test_a_file_that_is_not_a_session_is_refused_and_not_indexed(tmp_path):
    junk = tmp_path / "notes.csv"
    junk.write_text("shopping list\n")
    with Library.open() as library:
        with pytest.raises(BackmonError):
            library.add(junk)
        assert len(library) == 0


def test_checkins_by_day_and_kind(own_library):
    with Library.open() as library:
        a = library.add_checkin(date(2026, 3, 2), 4, "stiff after lifting")
        library.add_checkin(date(2026, 3, 3), 7, kind="fatigue")
        library.add_checkin(date(2026, 3, 5), 0)
        assert a.kind is CheckInKind.PAIN and a.time.tzinfo is not None
        assert [(c.day.day, c.rating, c.kind) for c in library.checkins()] == [
            (2, 4, "pain"), (3, 7, "fatigue"), (5, 0, "pain")]
        assert [c.rating for c in library.checkins(date(2026, 3, 3), date(2026, 3, 5))] == [7, 0]
        assert [c.rating for c in library.checkins(kind="pain")] == [4, 0]
        for rating, kind in ((11, "pain"), (-1, "pain"), (3.5, "pain"), (True, "pain"), (3, "mood")):
            with pytest.raises(LibraryError):
                library.add_checkin(date(2026, 3, 2), rating, kind=kind)
        assert len(library.checkins()) == 3
    lines = [json.loads(x) for x in library.journal_path.read_text().splitlines()]
    assert [(x["op"], x["rating"], x["note"]) for x in lines][0] == ("checkin", 4, "stiff after lifting")


def test_programme_is_stored_and_the_last_one_is_in_force():
    plan = {"start_day": "2026-03-02", "baseline_days": 3, "feedback_days": 10, "fading_days": 5, "probe_every": 7}
    with Library.open() as library:
        assert library.programme() is None
        library.start_programme(plan)
        library.start_programme({**plan, "baseline_days": 5})
        with pytest.raises(LibraryError, match="probe_every"):
            library.start_programme({k: v for k, v in plan.items() if k != "probe_every"})
    with Library.open() as library:
        assert library.programme() == {**plan, "baseline_days": 5}
        assert [p["baseline_days"] for _, p in library.programmes()] == [3, 5]


def test_files_are_owner_only(tmp_path, session_files):
    path = tmp_path / "new" / "deeper" / "library.sqlite3"
    with Library.open(path) as library:
        library.add(session_files[0])
        library.add_checkin(date(2026, 3, 2), 3)
    assert mode(path) == 0o600 and mode(library.journal_path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    path.chmod(0o644)  # copied in from elsewhere, readable by all: made owner-only when opened
    Library.open(path).close()
    assert mode(path) == 0o600


def build_v1(path, session_files) -> None:
    """A library as the first release wrote it: schema 1, one session, a check-in (pain, no kind)."""
    db = sqlite3.connect(path)
    db.executescript(V1)
    db.execute("INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00+00:00')")
    db.execute("INSERT INTO sessions (sha256, path, size_bytes, started_at, day, duration_s, devices_json, worn_s, "
               "minutes_over_30, minutes_over_60, alerts, analysis_json, added_at) "
               "VALUES (?, ?, 10, '2026-03-02T08:00:00+00:00', '2026-03-02', 180.0, '{}', 170.0, 1.5, 0.0, 0, "
               "'{\"summary\": {}}', '2026-03-02T09:00:00+00:00')",
               (digest(session_files[0]), str(session_files[0])))
    db.execute("INSERT INTO checkins (day, rating, note, time) VALUES ('2026-03-02', 6, 'old', "
               "'2026-03-02T17:00:00+00:00')")
    db.commit()
    db.close()


def test_a_version_1_file_is_migrated_to_version_2(tmp_path, session_files):
    path = tmp_path / "v1.sqlite3"
    build_v1(path, session_files)
    with Library.open(path) as library:
        assert library.schema_version == LATEST == 2
        (checkin,) = library.checkins()
        assert (checkin.rating, checkin.note, checkin.kind) == (6, "old", CheckInKind.PAIN)  # v1 was pain only
        library.add_checkin(date(2026, 3, 3), 2, kind="fatigue")  # the new column in use
        assert library.get(1).minutes_over_30 == 1.5
        assert library.add(session_files[0]).added is False  # the v1 row is the same session
    db = sqlite3.connect(path)
    versions = [v for (v,) in db.execute("SELECT version FROM schema_version ORDER BY version")]
    indexes = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert versions == [1, 2] and {"sessions_day", "checkins_day"} <= indexes


def test_a_library_from_a_newer_backmon_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    Library.open(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (3, '2030-01-01')")
    db.commit()
    db.close()
    with pytest.raises(LibraryError, match="newer backmon"):
        Library.open(path)


@pytest.mark.parametrize("content", [b"this is not a database\n" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_damaged_file_is_refused_in_one_sentence(tmp_path, content):
    path = tmp_path / "library.sqlite3"
    path.write_bytes(content)
    with pytest.raises(LibraryDamaged) as caught:
        Library.open(path)
    assert "\n" not in str(caught.value) and "rebuild" in str(caught.value)
    assert path.read_bytes() == content  # not "repaired" or replaced behind the wearer's back


def test_an_sqlite_file_of_something_else_is_not_a_library(tmp_path):
    path = tmp_path / "other.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE recipes (name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(LibraryDamaged, match="without backmon's tables"):
        Library.open(path)

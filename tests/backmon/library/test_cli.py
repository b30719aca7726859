"""The library from the command line: add, list, show, remove, rebuild after the database is
lost or damaged, export, check-ins, trends from the library, and the commands that add their
session (import, analyze --add). Real SQLite files in the test's folder, no mocks."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import zipfile
from datetime import date, timedelta

import pytest

from backmon.cli import main
from backmon.library import Library
from sensors import scenarios
from sensors.simulator import simulate
from tests.fixtures.make_import_fixtures import make_witmotion

PLAN = {"start_day": "2026-03-02", "baseline_days": 3, "feedback_days": 10, "fading_days": 5, "probe_every": 7}


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main(list(map(str, argv)))
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def digests(paths) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


def one_line_error(capsys, *argv) -> str:
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_add_a_folder_then_list_show_and_add_again(sessions_copy, capsys):
    folder = sessions_copy[0].parent
    (folder / "notes.csv").write_text("not a session\n")  # in the folder: not a session file, not tried
    code, out, _ = run(capsys, "library", "add", folder)
    assert code == 0 and out.count("added ") == 3 and "the library holds 3 sessions" in out
    code, out, _ = run(capsys, "library", "add", sessions_copy[1])
    assert code == 0 and "already in the library as 2" in out
    code, out, _ = run(capsys, "library", "list")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "DAY", "START"]
    assert [line.split()[:3] for line in lines[1:4]] == [["1", "2026-03-02", "08:00"], ["2", "2026-03-03", "08:00"],
                                                         ["3", "2026-03-05", "08:00"]]
    assert "WT901 L0 / WT901 R0" in lines[1] and lines[1].endswith("work-2026-03-02.csv")
    assert lines[-1].startswith("3 sessions, 0 check-ins")
    code, out, _ = run(capsys, "library", "list", "--from", "2026-03-03", "--to", "2026-03-04")
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == ["2"]
    with Library.open() as library:
        record = library.get(2)
    code, out, _ = run(capsys, "library", "show", "2")
    assert code == 0 and f"sha256      {record.sha256}" in out and str(sessions_copy[1]) in out
    assert f"beyond 30 deg: {record.minutes_over_30:.1f} min" in out


def test_the_library_option_overrides_the_environment(session_files, tmp_path, own_library, capsys):
    other = tmp_path / "elsewhere.sqlite3"
    assert run(capsys, "library", "--library", other, "add", session_files[0])[0] == 0
    assert run(capsys, "library", "list", "--library", other)[1].startswith("ID")
    assert not own_library.exists()  # $BACKMON_LIBRARY's file was never made


def test_bad_input_is_one_line_and_exit_2(session_files, tmp_path, capsys):
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    assert "junk.csv: not added (" in one_line_error(capsys, "library", "add", junk)
    code, _, err = run(capsys, "library", "add", junk, session_files[0])  # one bad of two: the other is added
    assert code == 2 and "junk.csv: not added" in err and "1 of 2 files could not be added" in err
    assert "no such file or folder" in one_line_error(capsys, "library", "add", tmp_path / "absent.csv")
    (tmp_path / "empty").mkdir()
    assert "no session files in this folder" in one_line_error(capsys, "library", "add", tmp_path / "empty")
    assert "no session 99" in one_line_error(capsys, "library", "show", "99")
    assert "no session 99" in one_line_error(capsys, "library", "remove", "99")
    assert "YYYY-MM-DD" in one_line_error(capsys, "library", "list", "--from", "March")
    assert "is after --to" in one_line_error(capsys, "library", "list", "--from", "2026-03-05", "--to", "2026-03-01")
    assert "ACTION" in one_line_error(capsys, "library")
    assert "0 (none) to 10" in one_line_error(capsys, "checkin", "11")
    assert "0 (none) to 10" in one_line_error(capsys, "checkin", "four")
    assert "in the future" in one_line_error(capsys, "checkin", "3", "--day",
                                             (date.today() + timedelta(days=2)).isoformat())


def test_rebuild_after_the_database_is_deleted_gives_everything_back(sessions_copy, own_library, capsys):
    before = digests(sessions_copy)
    for path in sessions_copy:
        assert run(capsys, "library", "add", path)[0] == 0
    assert run(capsys, "library", "remove", "2")[0] == 0  # removed: must stay out after the rebuild
    assert run(capsys, "checkin", "4", "--note", "stiff after lifting", "--day", "2026-03-02")[0] == 0
    assert run(capsys, "checkin", "6", "--kind", "fatigue", "--day", "2026-03-05")[0] == 0
    with Library.open() as library:
        library.start_programme(PLAN)
        wanted = [(r.id, r.sha256, r.path, r.analysis["summary"]) for r in library.sessions()]
    own_library.unlink()
    code, out, _ = run(capsys, "library", "rebuild")
    assert code == 0 and "rebuilt: 2 sessions, 2 check-ins, 1 programme" in out
    with Library.open() as library:
        assert [(r.id, r.sha256, r.path, r.analysis["summary"]) for r in library.sessions()] == wanted
        assert [(c.day.isoformat(), c.rating, c.note, c.kind) for c in library.checkins()] == [
            ("2026-03-02", 4, "stiff after lifting", "pain"), ("2026-03-05", 6, "", "fatigue")]
        assert library.programme() == PLAN
        assert library.add(sessions_copy[1]).record.id == 4  # ids go on after the old ones
    assert digests(sessions_copy) == before


def test_rebuild_twice_changes_nothing_and_a_missing_file_comes_back_later(sessions_copy, own_library, capsys,
                                                                           tmp_path):
    for path in sessions_copy:
        run(capsys, "library", "add", path)
    run(capsys, "checkin", "3", "--day", "2026-03-03")
    away = tmp_path / "unplugged.csv"
    sessions_copy[2].rename(away)  # on a drive not plugged in
    with Library.open() as library:
        journal_file = library.journal_path
    with journal_file.open("a") as journal:
        journal.write('{"v": 1, "op": "checkin", "day": "2026-03')  # a crash cut the last line short
    code, out, err = run(capsys, "library", "rebuild")
    assert code == 0 and "rebuilt: 2 sessions, 1 check-in" in out and "missing, left out" in err
    assert "1 line(s) of the journal could not be read" in err
    code, out, _ = run(capsys, "library", "rebuild")
    assert "rebuilt: 2 sessions, 1 check-in" in out  # the check-in once, not twice
    away.rename(sessions_copy[2])
    code, out, _ = run(capsys, "library", "rebuild")
    assert "rebuilt: 3 sessions, 1 check-in" in out
    with Library.open() as library:
        assert [r.id for r in library.sessions()] == [1, 2, 3]


def test_a_damaged_database_is_one_line_then_rebuilt_and_kept_aside(sessions_copy, own_library, capsys):
    for path in sessions_copy[:2]:
        run(capsys, "library", "add", path)
    run(capsys, "checkin", "5", "--day", "2026-03-02")
    before = digests(sessions_copy)
    damaged = own_library.read_bytes()[:100] + b"\x00" * 50 + b"not sqlite any more" * 100
    own_library.write_bytes(damaged)
    for argv in (("library", "list"), ("library", "add", sessions_copy[2]), ("checkin", "2"), ("trends",)):
        err = one_line_error(capsys, *argv)
        assert "damaged" in err and "library rebuild" in err
    assert digests(sessions_copy) == before
    code, out, _ = run(capsys, "library", "rebuild", sessions_copy[2])  # and a new file named with it
    assert code == 0 and "the damaged library was kept as" in out and "rebuilt: 3 sessions, 1 check-in" in out
    (kept,) = own_library.parent.glob("library.sqlite3.damaged-*")
    assert kept.read_bytes() == damaged and digests(sessions_copy) == before


def test_export_zips_the_sessions_with_formula_safe_summaries(session_files, tmp_path, capsys):
    """Exported as they are, with summaries that no spreadsheet runs as formulas; never over a
    session or the library itself."""
    session = tmp_path / "hostile.csv"
    simulate(scenarios.normal_work(2, seed=7, rate_hz=25)).write(
        session, metadata={"started_at": "2026-03-06T08:00:00Z", "subject": '=HYPERLINK("http://x","y")'})
    for path in (*session_files[:2], session):
        run(capsys, "library", "add", path)
    run(capsys, "checkin", "4", "--note", "=1+1 stiff", "--day", "2026-03-06")
    out_zip = tmp_path / "out" / "history.zip"
    code, out, _ = run(capsys, "library", "export", "-o", out_zip)
    assert code == 0 and "3 session files, 3 summaries, 1 check-in" in out
    with zipfile.ZipFile(out_zip) as archive:
        names = archive.namelist()
        assert names == ["sessions/0001-work-2026-03-02.csv", "sessions/0002-work-2026-03-03.csv",
                         "sessions/0003-hostile.csv", "summaries.csv", "checkins.csv"]
        assert archive.read(names[0]) == session_files[0].read_bytes()
        summaries = list(csv.DictReader(io.StringIO(archive.read("summaries.csv").decode())))
        checkins = list(csv.DictReader(io.StringIO(archive.read("checkins.csv").decode())))
    assert [s["file_in_zip"] for s in summaries] == names[:3]
    assert summaries[2]["subject"].startswith("'=HYPERLINK")  # shown as text, never run as a formula
    with Library.open() as library:
        assert float(summaries[0]["minutes_over_30"]) == pytest.approx(library.get(1).minutes_over_30, abs=0.01)
    assert checkins == [{"day": "2026-03-06", "kind": "pain", "rating": "4", "note": "'=1+1 stiff",
                         "time": checkins[0]["time"]}]
    assert oct(out_zip.stat().st_mode & 0o777) == "0o600"
    assert "never overwrites" in one_line_error(capsys, "library", "export", "-o", session_files[0])
    with Library.open() as library:
        database = library.path
    assert "never writes over its inputs" in one_line_error(capsys, "library", "export", "-o", database)
    code, out, _ = run(capsys, "library", "export", "-o", tmp_path / "march3.zip", "--from", "2026-03-03",
                       "--to", "2026-03-03")
    assert "1 session file, 1 summary, 0 check-ins" in out


def test_checkins_from_the_command_line(capsys):
    code, out, _ = run(capsys, "checkin", "4", "--note", "stiff after lifting", "--day", "2026-03-02")
    assert code == 0 and out == "pain 4/10 noted for 2026-03-02 (stiff after lifting)\n"
    code, out, _ = run(capsys, "checkin", "2", "--kind", "fatigue", "--day", "2026-03-02")
    code, out, _ = run(capsys, "checkin", "5", "--day", "2026-03-02")
    assert "2 pain check-ins for that day; trends use the latest" in out
    assert run(capsys, "checkin", "0")[0] == 0  # today
    code, out, _ = run(capsys, "library", "checkins", "--to", "2026-03-02")
    assert [line.split()[:3] for line in out.splitlines()[1:]] == [
        ["2026-03-02", "pain", "4/10"], ["2026-03-02", "fatigue", "2/10"], ["2026-03-02", "pain", "5/10"]]


def test_trends_read_the_library_with_checkins_beside_each_day(session_files, tmp_path, capsys):
    for path in session_files:
        run(capsys, "library", "add", path)
    for rating, day in ((3, "2026-03-02"), (7, "2026-03-05"), (8, "2026-03-05"), (1, "2026-03-09")):
        run(capsys, "checkin", rating, "--day", day)  # two on the 5th: the latest counts; the 9th has no session
    out = tmp_path / "t" / "trends.html"
    code, printed, _ = run(capsys, "trends", "-o", out)
    assert code == 0 and "(3 sessions, 3 days)" in printed
    rows = list(csv.DictReader(out.with_suffix(".csv").open()))
    assert [(r["day"], r["day_pain_rating"]) for r in rows] == [("2026-03-02", "3"), ("2026-03-03", ""),
                                                                ("2026-03-05", "8")]
    page = out.read_text()
    assert "<th>Pain (0-10)</th>" in page and "1 day with a check-in but no session is not shown" in page
    code, printed, _ = run(capsys, "trends", "-o", tmp_path / "t2.html", "--from", "2026-03-03")
    assert "(2 sessions, 2 days)" in printed
    assert "no sessions in your library between those days" in one_line_error(
        capsys, "trends", "-o", tmp_path / "t3.html", "--from", "2026-04-01")


def test_analyze_add_and_import_add_their_session(session_files, tmp_path, capsys):
    code, out, _ = run(capsys, "analyze", "-q", session_files[0])
    with Library.open() as library:
        assert len(library) == 0  # analyze adds only when asked
    code, out, _ = run(capsys, "analyze", "--add", "--json", tmp_path / "a.json", session_files[0])
    assert code == 0 and "added to your library as session 1" in out
    with Library.open() as library:
        assert library.get(1).analysis == json.loads((tmp_path / "a.json").read_text())  # the analysis it printed
    fixture = make_witmotion(tmp_path / "wit")
    argv = ["import", "--from", "witmotion", "--left", *fixture.left, "--right", *fixture.right, *fixture.args]
    code, out, _ = run(capsys, *argv, "-o", tmp_path / "imported.csv")
    assert code == 0 and "added to your library as session 2" in out
    code, out, _ = run(capsys, *argv, "-o", tmp_path / "not-added.csv", "--no-library")
    assert code == 0 and "library" not in out
    with Library.open() as library:
        assert {r.id: r.path.name for r in library.sessions()} == {1: "work-2026-03-02.csv", 2: "imported.csv"}


def test_a_library_that_cannot_take_the_session_is_a_warning_not_a_failure(session_files, own_library, capsys):
    own_library.write_bytes(b"garbage" * 1000)
    code, out, err = run(capsys, "analyze", "--add", "-q", session_files[0])
    assert code == 0 and "not added to your library" in err and "damaged" in err


def test_list_answers_from_the_index_columns(session_files, own_library, capsys):
    """'list' reads the key figures kept beside the analysis: an analysis text it never parses."""
    for path in session_files:
        run(capsys, "library", "add", path)
    db = sqlite3.connect(own_library)
    db.execute("UPDATE sessions SET analysis_json = '{' WHERE id = 2")
    db.commit()
    db.close()
    code, out, _ = run(capsys, "library", "list")
    assert code == 0 and out.splitlines()[2].split()[0] == "2"

"""Issue 11, the output side and the terminal: no command writes over its inputs or a recording,
outputs are owner-only and whole (a full disk leaves nothing half-written), escape sequences from
files and the radio never reach the terminal raw, and ``batch --jobs`` starts no idle workers.

Each case was found at e244854 (exit 0 with the input destroyed, 0644 files, a truncated file,
raw escapes, 1,000 workers for one file); each test states the known answer.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import io
import json
import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from backmon.cli import main
from sensors import scenarios
from sensors.simulator import simulate
from tests.fixtures import make_import_fixtures as fixtures

REFUSED_INPUT = "is an input of this command, and backmon never writes over its inputs: choose another output name"
HOSTILE = "\x1b]0;owned\x07\x1b[2J"  # retitles the terminal window, then clears the screen
HOSTILE_SHOWN = "\\x1b]0;owned\\x07\\x1b[2J"


def run_cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def no_raw_controls(text: str) -> bool:
    return not any(ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) <= 0x9F for c in text)


@pytest.fixture(scope="module")
def master(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "master.csv"
    simulate(scenarios.severe_flexion(70, 25, seed=1)).write(path)
    return path


@pytest.fixture
def session(master, tmp_path, monkeypatch) -> Path:
    """A fresh copy of a short session, in a working folder of its own (paths as a user types them)."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(master, tmp_path / "s.csv")
    return Path("s.csv")


@pytest.fixture
def open_umask():
    """umask 0: anything owner-only is so because backmon made it so."""
    old = os.umask(0)
    yield
    os.umask(old)


# ---------------------------------------------------------------- 1. inputs never overwritten

@pytest.mark.parametrize("argv", [
    ["analyze", "s.csv", "-o", "s.csv"],
    ["analyze", "s.csv", "--json", "s.csv"],
    ["analyze", "s.csv", "--timeline", "s.csv"],
    ["analyze", "s.csv", "--report", "s.csv"],
    ["report", "s.csv", "-o", "s.csv"],
    ["report", "s.csv", "--json", "s.csv"],
])
def test_an_output_onto_its_own_input_is_refused_and_the_input_kept(session, argv):
    before = digest(session)
    code, out, err = run_cli(*argv)
    assert (code, out, err) == (2, "", f"backmon: s.csv {REFUSED_INPUT}\n")
    assert digest(session) == before


@pytest.mark.parametrize("link", ["hard", "symbolic", "dotted"])
def test_the_same_file_by_another_name_is_refused(session, link):
    other = {"hard": "hard.json", "symbolic": "sym.json", "dotted": "sub/../s.csv"}[link]
    Path("sub").mkdir()
    if link == "hard":
        os.link(session, other)
    elif link == "symbolic":
        os.symlink(session, other)
    before = digest(session)
    code, _, err = run_cli("analyze", "s.csv", "-q", "--json", other)
    assert code == 2
    assert err == (f"backmon: {other} is the same file as the input s.csv, and backmon never writes over its "
                   "inputs: choose another output name\n")
    assert digest(session) == before


def test_the_settings_file_is_an_input_too(session):
    Path("settings.toml").write_text("[alerts]\n")
    code, _, err = run_cli("analyze", "s.csv", "--config", "settings.toml", "--timeline", "settings.toml")
    assert (code, err) == (2, f"backmon: settings.toml {REFUSED_INPUT}\n")
    assert Path("settings.toml").read_text() == "[alerts]\n"


def test_an_existing_recording_is_never_overwritten(session):
    shutil.copy(session, "yesterday.csv")
    before = digest(Path("yesterday.csv"))
    for argv in (["analyze", "s.csv", "--json", "yesterday.csv"], ["simulate", "normal_work", "-o", "yesterday.csv"]):
        code, _, err = run_cli(*argv)
        assert (code, err) == (2, "backmon: yesterday.csv is a backmon session recording, which backmon never "
                                  "overwrites; choose another output name\n")
    assert digest(Path("yesterday.csv")) == before


def test_two_outputs_on_one_file_are_refused(session):
    code, _, err = run_cli("analyze", "s.csv", "--json", "out", "--timeline", "./out")
    assert (code, err) == (2, "backmon: ./out is named for two outputs (out is the same file); give each its own "
                              "name\n")
    assert not Path("out").exists()


def test_import_onto_its_own_input_is_refused(tmp_path):
    fixture = fixtures.make_witmotion(tmp_path)
    source = fixture.left[0]
    before = digest(source)
    code, _, err = run_cli("import", "--from", "witmotion", "--left", source, "--left-device", "BLE67",
                           "-o", source)
    assert (code, err) == (2, f"backmon: {source} {REFUSED_INPUT}\n")
    assert digest(source) == before


def test_batch_into_its_own_folder_keeps_a_session_named_summary(master, tmp_path):
    folder = tmp_path / "day"
    folder.mkdir()
    shutil.copy(master, folder / "a.csv")
    shutil.copy(master, folder / "summary.csv")
    before = digest(folder / "summary.csv")
    code, out, err = run_cli("batch", folder, "-o", folder, "--jobs", "1", "--quiet")
    assert code == 2 and out == ""
    assert err == f"backmon: {folder / 'summary.csv'} {REFUSED_INPUT}\n"
    assert digest(folder / "summary.csv") == before
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "summary.csv"]  # refused before any work


def test_batch_run_again_into_its_own_folder_leaves_its_earlier_summary_out(master, tmp_path):
    folder = tmp_path / "day"
    folder.mkdir()
    shutil.copy(master, folder / "a.csv")
    for _ in range(2):
        assert run_cli("batch", folder, "-o", folder, "--jobs", "1", "--quiet", "--no-report")[0] == 0
    with open(folder / "summary.csv", newline="") as handle:
        assert [Path(r["session"]).name for r in csv.DictReader(handle)] == ["a.csv"]


def test_trends_csv_onto_a_session_in_its_folder_is_refused(master, tmp_path):
    folder = tmp_path / "week"
    folder.mkdir()
    for day in ("monday", "tuesday"):
        shutil.copy(master, folder / f"{day}.csv")
    before = digest(folder / "monday.csv")
    code, _, err = run_cli("trends", folder, "-o", tmp_path / "t.html", "--csv", folder / "monday.csv")
    assert (code, err) == (2, f"backmon: {folder / 'monday.csv'} {REFUSED_INPUT}\n")
    assert digest(folder / "monday.csv") == before
    assert not (tmp_path / "t.html").exists()


def test_trends_run_again_leaves_its_own_spreadsheet_out(master, tmp_path):
    folder = tmp_path / "week"
    folder.mkdir()
    assert run_cli("analyze", master, "-q", "--json", folder / "monday.json")[0] == 0
    for _ in range(2):
        code, _, err = run_cli("trends", folder, "-o", folder / "trends.html")
        assert (code, err) == (0, "")  # the earlier trends.csv is neither read nor "left out"
    with open(folder / "trends.csv", newline="") as handle:
        assert [Path(r["source"]).name for r in csv.DictReader(handle)] == ["monday.json"]


def test_record_onto_an_existing_file_is_exit_2_before_any_bluetooth(tmp_path, monkeypatch):
    from backmon.commands import monitor

    async def no_bluetooth(args):
        raise AssertionError("Bluetooth work started")

    monkeypatch.setattr(monitor, "_monitor", no_bluetooth)
    earlier = tmp_path / "yesterday.csv"
    earlier.write_bytes(b"# format: backmon-session/1\nan earlier recording\n")
    os.chmod(earlier, 0o640)
    link = tmp_path / "today.csv"
    link.symlink_to(earlier)
    for path in (earlier, link):
        code, out, err = run_cli("monitor", "--left", "a", "--right", "b", "--record", path)
        assert (code, out) == (2, "")
        assert err == f"backmon: {path}: already exists; a recording never replaces a file: choose a new name\n"
    assert earlier.read_bytes() == b"# format: backmon-session/1\nan earlier recording\n"
    assert stat.S_IMODE(earlier.stat().st_mode) == 0o640


# ---------------------------------------------------------------- 2. owner-only outputs

def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_analyze_and_report_outputs_are_owner_only_in_new_owner_only_folders(session, open_umask):
    assert run_cli("analyze", "s.csv", "-q", "--json", "new/deeper/a.json", "--timeline", "new/t.csv",
                   "--report", "r.html", "--figures", "figs")[0] == 0
    assert run_cli("report", "s.csv", "-o", "other/r.html", "--json", "r.json")[0] == 0
    files = ["new/deeper/a.json", "new/t.csv", "r.html", "other/r.html", "r.json", *Path("figs").glob("*.png")]
    assert len(files) == 10
    assert {str(f): mode(f) for f in files} == {str(f): 0o600 for f in files}
    assert {d: mode(d) for d in ("new", "new/deeper", "figs", "other")} == dict.fromkeys(
        ("new", "new/deeper", "figs", "other"), 0o700)
    assert not list(Path(".").rglob("*.tmp"))


def test_batch_trends_import_and_simulate_outputs_are_owner_only(master, tmp_path, open_umask):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(master, folder / "a.csv")
    out = tmp_path / "batch" / "out"
    assert run_cli("batch", folder, "-o", out, "--jobs", "1", "--quiet")[0] == 0
    assert run_cli("trends", out, "-o", tmp_path / "trends" / "t.html", "--figures", tmp_path / "tf")[0] == 0
    fixture = fixtures.make_witmotion(tmp_path / "wit")
    assert run_cli("import", "--from", "witmotion", "--left", *fixture.left, "--right", *fixture.right,
                   *fixture.args, "-o", tmp_path / "imported.csv")[0] == 0
    assert run_cli("simulate", "severe_flexion", "-o", tmp_path / "sim" / "s.csv")[0] == 0
    files = [out / "a.json", out / "a.html", out / "summary.csv", tmp_path / "trends" / "t.html",
             tmp_path / "trends" / "t.csv", *(tmp_path / "tf").glob("*.png"), tmp_path / "imported.csv",
             tmp_path / "sim" / "s.csv"]
    assert len(files) == 10
    assert {str(f): mode(f) for f in files} == {str(f): 0o600 for f in files}
    folders = [tmp_path / "batch", out, tmp_path / "trends", tmp_path / "tf", tmp_path / "sim"]
    assert {str(d): mode(d) for d in folders} == {str(d): 0o700 for d in folders}


# ---------------------------------------------------------------- 3. a full disk

def full_disk_at_sync(monkeypatch):
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)


class FullAfter:
    """A file object that runs out of room after ``room`` bytes, as a filling disk does."""

    def __init__(self, handle, room: int) -> None:
        self._handle, self._room = handle, room

    def write(self, data):
        self._room -= len(data)
        if self._room < 0:
            self._handle.write(data[:len(data) + self._room])  # the part that still fitted
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._handle.__exit__(*exc)


def test_a_full_disk_leaves_no_file_and_names_it(session, monkeypatch):
    Path("out.json").write_text("an earlier analysis\n")
    full_disk_at_sync(monkeypatch)
    code, _, err = run_cli("analyze", "s.csv", "-q", "--json", "out.json", "--timeline", "t.csv")
    assert (code, err) == (2, "backmon: cannot write out.json: no space left on device\n")
    assert Path("out.json").read_text() == "an earlier analysis\n"  # the earlier file, whole
    assert sorted(os.listdir(".")) == ["out.json", "s.csv"]  # no temporary file, no timeline


def test_a_session_cut_short_by_a_full_disk_is_never_left_for_analyze(tmp_path, monkeypatch):
    import sensors.outputs

    real_fdopen = os.fdopen
    monkeypatch.setattr(sensors.outputs.os, "fdopen", lambda *a, **k: FullAfter(real_fdopen(*a, **k), 100_000))
    out = tmp_path / "sim.csv"
    code, _, err = run_cli("simulate", "severe_flexion", "-o", out)
    assert (code, err) == (2, f"backmon: cannot write {out}: no space left on device\n")
    assert os.listdir(tmp_path) == []
    monkeypatch.undo()
    code, _, err = run_cli("analyze", out)
    assert (code, err) == (2, f"backmon: {out}: no such file\n")  # not a truncated file read with a warning


def test_an_os_error_without_a_file_name_has_no_empty_name(monkeypatch):
    from backmon.commands import simulate as simulate_cmd

    def no_space(args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(simulate_cmd, "run", no_space)
    assert run_cli("simulate", "normal_work", "-o", "x.csv")[::2] == (2, "backmon: No space left on device\n")


# ---------------------------------------------------------------- 4. escape sequences

def test_a_header_cell_shows_escaped_in_analyze_batch_and_trends(master, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"time_s,side,{HOSTILE},ay_g,az_g,gx_dps,gy_dps,gz_dps\n0,left,1,0,0,0,0,0\n")
    header = f"time_s, side, {HOSTILE_SHOWN}, ay_g, az_g, gx_dps, gy_dps, gz_dps"
    code, _, err = run_cli("analyze", bad)
    assert (code, err) == (2, f"backmon: {bad}:1: missing column(s) ax_g; the header has: {header}\n")
    code, _, err = run_cli("batch", bad, "-o", tmp_path / "b", "--jobs", "1", "--quiet")
    assert (code, err) == (2, f"backmon: failed: {bad}:1: missing column(s) ax_g; the header has: {header}\n")
    assert HOSTILE_SHOWN in (tmp_path / "b" / "summary.csv").read_text()
    assert run_cli("analyze", master, "-q", "--json", tmp_path / "good.json")[0] == 0
    code, _, err = run_cli("trends", bad, tmp_path / "good.json", "-o", tmp_path / "t.html")
    assert code == 0 and HOSTILE_SHOWN in err and no_raw_controls(err)


def test_device_names_from_the_radio_show_escaped_in_scan(monkeypatch):
    import sensors.ble.transport
    from sensors.ble.virtual_peripheral import VirtualWearer
    from sensors.ble.virtual_sensors import make_sensor

    def hostile_sensors(*args, **kwargs):
        return [make_sensor("backmon", "left", VirtualWearer(scenarios.normal_work()), name=f"backmon{HOSTILE}")]

    monkeypatch.setattr(sensors.ble.transport, "default_simulated_sensors", hostile_sensors)
    code, out, err = run_cli("scan", "--simulate", "--timeout", "1")
    assert (code, err) == (0, "")
    assert f"backmon{HOSTILE_SHOWN}" in out.splitlines()[1] and no_raw_controls(out)


def test_monitor_messages_show_device_names_escaped():
    from backmon.live.status import StatusView

    screen = io.StringIO()
    StatusView(screen, tty=False).message(f"left: connecting to WT901{HOSTILE} (C0:01)")
    assert screen.getvalue() == f"left: connecting to WT901{HOSTILE_SHOWN} (C0:01)\n"


def test_witmotion_device_names_show_escaped_and_reach_the_session_escaped(tmp_path):
    fixture = fixtures.make_witmotion(tmp_path)
    source = fixture.left[0]
    source.write_text(source.read_text().replace("WT901BLE67", f"WT901{HOSTILE}BLE67"))
    code, _, err = run_cli("import", "--from", "witmotion", "--left", source, "-o", tmp_path / "x.csv")
    assert code == 2 and f"WT901{HOSTILE_SHOWN}BLE67" in err and no_raw_controls(err)
    code, _, err = run_cli("import", "--from", "witmotion", "--left", source, "--left-device", "BLE67",
                           "-o", tmp_path / "x.csv")
    assert code == 0, err
    head = (tmp_path / "x.csv").read_bytes()[:2000]
    assert b"\x1b" not in head and f"WT901{HOSTILE_SHOWN}BLE67".encode() in head


def test_zip_member_names_show_escaped(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"{HOSTILE}.txt", "not a WitMotion export\n")
    code, _, err = run_cli("import", "--from", "witmotion", "--left", archive, "-o", tmp_path / "x.csv")
    assert code == 2 and f"{HOSTILE_SHOWN}.txt" in err and no_raw_controls(err)


# ---------------------------------------------------------------- 5. batch --jobs

@pytest.mark.parametrize("sessions, cores, jobs, started", [(1, 8, 1000, 1), (3, 8, 1000, 3), (3, 2, 1000, 2),
                                                            (3, 8, None, 3), (3, 8, 2, 2)])
def test_batch_starts_no_more_workers_than_sessions_or_cores(master, tmp_path, monkeypatch, sessions, cores, jobs,
                                                             started):
    import backmon.batch

    for i in range(sessions):
        shutil.copy(master, tmp_path / f"s{i}.csv")
    asked = []
    monkeypatch.setattr(backmon.batch, "run_local", lambda paths, *, jobs, **kw: asked.append(jobs) or iter(()))
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    run_cli("batch", *(tmp_path.glob("s*.csv")), "-o", tmp_path / "o", "--quiet",
            *(["--jobs", str(jobs)] if jobs else []))
    assert asked == [started]


def test_batch_jobs_must_be_positive_and_help_says_the_cap(capsys):
    with pytest.raises(SystemExit) as info:
        main(["batch", "x", "-o", "y", "--jobs", "0"])
    assert info.value.code == 2
    assert capsys.readouterr().err == "backmon batch: argument --jobs/-j: must be at least 1, not 0\n"
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    assert "never more than the cores or the sessions" in " ".join(capsys.readouterr().out.split())


def test_batch_output_names_are_the_same_in_every_run(tmp_path):
    from backmon.batch import output_names

    paths = [tmp_path / "a" / "day.csv", tmp_path / "b" / "day.csv", tmp_path / "c.csv"]
    names = output_names(paths)
    assert names[str(paths[2])] == "c"
    assert names[str(paths[0])] == "day-" + hashlib.sha1(str(paths[0]).encode()).hexdigest()[:6]
    assert len(set(names.values())) == 3 and output_names(reversed(paths)) == names


def test_json_written_whole_is_the_analysis(session):
    assert run_cli("analyze", "s.csv", "-q", "--json", "a.json")[0] == 0
    assert json.loads(Path("a.json").read_text())["alerts"][0]["kind"] == "severe_flexion"


def test_import_notes_show_zip_member_names_escaped(tmp_path):
    archive = fixtures.make_sensorlogger(tmp_path).left[0]  # a Sensor Logger zip
    with zipfile.ZipFile(archive, "a") as z:
        z.writestr(f"{HOSTILE}.csv", "a file beside the export\n")  # set aside, and named in a note
    code, _, err = run_cli("import", "--from", "sensorlogger", "--left", archive, "-o", tmp_path / "x.csv")
    assert code == 0, err
    assert f"{HOSTILE_SHOWN}.csv" in err and no_raw_controls(err)


def test_trends_given_a_pipe_says_it_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = run_cli("trends", str(fifo), "-o", str(tmp_path / "t.html"))
    assert code == 2 and err.strip() == f"backmon: {fifo}: not a regular file or a folder"
    code, _, err = run_cli("trends", str(tmp_path / "gone"), "-o", str(tmp_path / "t.html"))
    assert code == 2 and err.strip() == f"backmon: {tmp_path / 'gone'}: no such file or folder"

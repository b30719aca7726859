"""``backmon batch``: many sessions, one failure does not stop the rest, local processes and Dask."""

import csv
import json

import pytest

from backmon.batch import find_sessions, run_dask, run_local, write_outputs
from backmon.cli import main
from sensors import scenarios
from sensors.simulator import simulate


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sessions")
    simulate(scenarios.severe_flexion(70, 25, seed=1)).write(folder / "a.csv")
    simulate(scenarios.lateral_lean(15, 80, seed=2)).write(folder / "b.csv")
    (folder / "sub").mkdir()
    simulate(scenarios.one_side_tilt(10, 150, seed=3)).write(folder / "sub" / "c.csv")
    (folder / "broken.csv").write_text("time_s,side\n1,left\n")
    return folder


EXPECTED = {"a": "severe_flexion", "b": "sustained_lateral_bend", "c": "lr_asymmetry"}


def check_outputs(out, reports=True):
    rows = {r["session"].rsplit("/", 1)[-1]: r for r in csv.DictReader(open(out / "summary.csv", newline=""))}
    assert set(rows) == {"a.csv", "b.csv", "c.csv", "broken.csv"}
    assert rows["broken.csv"]["status"] == "failed" and "broken.csv" in rows["broken.csv"]["error"]
    for stem, kind in EXPECTED.items():
        row = rows[f"{stem}.csv"]
        assert row["status"] == "ok" and row[kind] == "1" and row["alerts"] == "1"
        data = json.loads((out / f"{stem}.json").read_text())
        assert [a["kind"] for a in data["alerts"]] == [kind]
        if reports:
            html = (out / f"{stem}.html").read_text()
            assert html.startswith("<!doctype html>") and kind in html
    assert not (out / "broken.json").exists() and not (out / "broken.html").exists()
    assert reports or not list(out.glob("*.html"))


def test_batch_command_with_two_processes(sessions, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["batch", str(sessions), "-o", str(out), "--jobs", "2"]) == 2  # one session failed
    check_outputs(out)
    captured = capsys.readouterr()
    assert "analysed 3 of 4 sessions" in captured.out
    assert "broken.csv" in captured.err and "Traceback" not in captured.err


def test_in_process_and_processes_agree(sessions, tmp_path):
    paths = find_sessions([str(sessions)])
    one = {o.path: o.row for o in run_local(paths, jobs=1, settings_data=None)}
    two = {o.path: o.row for o in run_local(paths, jobs=2, settings_data=None)}
    assert one == two


def test_settings_reach_the_workers(sessions, tmp_path):
    paths = [p for p in find_sessions([str(sessions)]) if p.name == "b.csv"]
    [outcome] = list(run_local(paths, jobs=2, settings_data={"alerts": {"lateral_deg": 20.0}}))
    assert outcome.row["alerts"] == 0


def test_globs_and_nothing_found(sessions, tmp_path, capsys):
    assert [p.name for p in find_sessions([str(sessions / "*.csv")])] == ["a.csv", "b.csv", "broken.csv"]
    assert main(["batch", str(tmp_path / "none" / "*.csv"), "-o", str(tmp_path / "o")]) == 2
    assert "no session files found" in capsys.readouterr().err


def test_formula_like_text_is_neutralised_in_the_summary(tmp_path):
    session = tmp_path / "=cmd.csv"
    session.write_text("garbage\n")
    outcomes = write_outputs(run_local(find_sessions([str(session)]), jobs=1, settings_data=None), tmp_path / "o")
    assert outcomes[0].row["status"] == "failed"
    text = (tmp_path / "o" / "summary.csv").read_text()
    assert "\n" + str(session) in text  # a path starts with "/": left as it is


def test_dask_local_cluster(sessions, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        out = tmp_path / "dask"
        write_outputs(run_dask(find_sessions([str(sessions)]), address=cluster.scheduler_address,
                               settings_data=None), out)
        check_outputs(out)
        assert main(["batch", str(sessions), "-o", str(tmp_path / "cli"), "--dask", cluster.scheduler_address,
                     "--quiet", "--no-report"]) == 2
        check_outputs(tmp_path / "cli", reports=False)


def test_unreachable_scheduler_is_one_line(sessions, tmp_path, capsys):
    assert main(["batch", str(sessions), "-o", str(tmp_path / "o"), "--dask", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot reach the Dask scheduler" in err and "\n" not in err


def test_summary_csv_has_one_unit_and_rounded_figures(sessions, tmp_path):
    # Issue 12: duration_s beside minutes_over_30, and 17-digit floats. Now minutes and degrees to
    # 1 decimal, counts whole.
    out = tmp_path / "units"
    write_outputs(run_local(find_sessions([str(sessions / "a.csv")]), jobs=1, settings_data=None, report=False), out)
    [row] = csv.DictReader(open(out / "summary.csv", newline=""))
    assert not any(name.endswith("_s") for name in row)
    for name in ("duration_min", "worn_min", "minutes_over_30", "minutes_over_60", "lateral_over_10_min",
                 "moving_min", "lr_flexion_diff_mean_deg", "lr_lateral_diff_mean_deg"):
        whole, _, decimals = row[name].partition(".")
        assert len(decimals) <= 1 and not row[name].startswith("-0"), (name, row[name])
    data = json.loads((out / "a.json").read_text())
    assert float(row["duration_min"]) == round(data["duration_s"] / 60, 1)  # the same figure, in minutes
    assert row["bends_over_45"] == "1" and row["severe_flexion"] == "1"

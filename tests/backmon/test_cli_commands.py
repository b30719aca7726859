"""Finding one's way in the CLI: the list of commands with no command, suggestions for near
misses, "analyse" as well as "analyze"."""

from __future__ import annotations

from pathlib import Path

import pytest

from backmon.cli import did_you_mean, main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "example_session.csv"


def test_no_command_lists_the_commands_and_exits_0(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for name in ("analyze (analyse)", "report", "trends", "simulate", "decode", "monitor"):
        assert name in out


def test_a_near_miss_suggests_the_command(capsys):
    for argv, err in ((["analyz", "x.csv"], "backmon: unknown command 'analyz'; did you mean 'analyze'?\n"),
                      (["frobnicate"], "backmon: unknown command 'frobnicate'; 'backmon' alone lists the commands\n")):
        with pytest.raises(SystemExit) as exit_info:  # argparse's errors exit from parse_args
            main(argv)
        assert exit_info.value.code == 2 and capsys.readouterr().err == err


def test_near_misses_of_other_choices_are_suggested_too():
    message = "argument scenario: invalid choice: 'field_dy' (choose from 'field_day', 'dropout')"
    assert did_you_mean(message) == f"{message}; did you mean 'field_day'?"
    assert did_you_mean("the following arguments are required: session") == \
        "the following arguments are required: session"


def test_analyse_is_analyze(capsys):
    assert main(["analyse", str(EXAMPLE)]) == 0
    assert "Deep forward bend held" in capsys.readouterr().out


def test_simulate_a_week_of_sessions_for_trends(tmp_path, monkeypatch, capsys):
    import time

    from sensors.session.files import read_session

    monkeypatch.setenv("TZ", "Europe/Berlin")  # 08:00 on the wall: 07:00Z in winter, 06:00Z in summer
    time.tzset()
    week = tmp_path / "week"
    assert main(["simulate", "normal_work", "--days", "3", "--start", "2026-03-28T08:00", "--rate-hz", "10",
                 "-o", str(week)]) == 0
    files = sorted(p.name for p in week.iterdir())
    assert files == ["normal_work-2026-03-28.csv", "normal_work-2026-03-29.csv", "normal_work-2026-03-30.csv"]
    starts = [read_session(week / name).metadata["started_at"] for name in files]
    assert starts == ["2026-03-28T07:00:00Z", "2026-03-29T06:00:00Z", "2026-03-30T06:00:00Z"]
    seeds = {read_session(week / name).metadata["seed"] for name in files}
    assert seeds == {"0", "1", "2"}  # three different days' work
    assert main(["simulate", "normal_work", "--start", "2026-03-02T07:00Z", "--rate-hz", "10",
                 "-o", str(tmp_path / "one-{day}.csv")]) == 0
    assert read_session(tmp_path / "one-2026-03-02.csv").metadata["started_at"] == "2026-03-02T07:00:00Z"
    out = tmp_path / "trends.html"
    assert main(["trends", str(week), "-o", str(out)]) == 0
    assert "2026-03-29 08:00" in out.read_text()  # each session at its local start
    capsys.readouterr()


def test_simulate_refuses_a_start_that_is_no_time(tmp_path, capsys):
    assert main(["simulate", "normal_work", "--start", "yesterday", "-o", str(tmp_path / "x.csv")]) == 2
    assert "--start must be an ISO 8601 time" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_the_fixture_maker_prints_import_commands_that_run_as_printed(tmp_path, capsys):
    import shlex

    from tests.fixtures import make_import_fixtures

    out = tmp_path / "with space"  # phyphox's own file names have spaces too
    assert make_import_fixtures.main([str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(make_import_fixtures.MAKERS)
    for line in lines:
        argv = shlex.split(line)  # as a shell splits it
        assert argv[:2] == ["backmon", "import"]
        assert main(argv[1:]) == 0, line
    assert len(list(tmp_path.glob("with space/*.csv"))) == len(lines)

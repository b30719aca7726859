"""The monitor follows the coaching programme's day (issue 15): a baseline day records every
alert and delivers none; without a programme the same session delivers as usual."""

from __future__ import annotations

import os
import subprocess
import sys

BACKMON = [sys.executable, "-m", "backmon"]


def _run(*args, timeout_s=150.0):
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY")}
    return subprocess.run(BACKMON + list(args), capture_output=True, text=True, timeout=timeout_s, env=env)


def _monitor(record):
    return _run("monitor", "--simulate", "severe_flexion", "--profile", "backmon", "--duration", "22",
                "--time-scale", "6", "--record", str(record), "--no-notify", "--no-haptics", "--no-library")


def _events(record):
    return [line for line in record.read_text().splitlines() if line.startswith("# event")]


def test_a_baseline_day_records_the_alert_and_delivers_nothing(tmp_path):
    started = _run("programme", "start", "--start", "today")
    assert started.returncode == 0, started.stderr
    record = tmp_path / "baseline.csv"
    done = _run("monitor", "--simulate", "severe_flexion", "--profile", "backmon", "--duration", "22",
                "--time-scale", "6", "--record", str(record), "--no-notify", "--no-haptics")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "baseline day 1 of 3: tracking only, no alerts" in done.stdout
    events = _events(record)
    assert any(" alert severe_flexion (both) raised" in e for e in events), events
    assert any(" held severe_flexion programme_tracking_day" in e for e in events), events
    assert not any(" delivered " in e for e in events), events
    assert "# programme: Day 1 of the programme" in record.read_text()


def test_without_a_programme_the_same_session_is_delivered(tmp_path):
    record = tmp_path / "usual.csv"
    done = _monitor(record)
    assert done.returncode == 0, done.stderr
    assert any(" delivered alert severe_flexion terminal immediate" in e for e in _events(record))


def test_the_end_of_shift_check_in_reaches_the_library(monkeypatch):
    import argparse
    import asyncio
    from datetime import date

    from backmon.commands import monitor
    from backmon.library import Library

    monkeypatch.setattr(monitor, "ask_checkin", lambda: 6)
    monkeypatch.setattr(monitor, "_summary", lambda outcome, record: "summary")
    outcome = argparse.Namespace(result=object())
    args = argparse.Namespace(record=None, library=None, no_library=False)
    assert asyncio.run(monitor._end_of_shift(outcome, args)) == 6
    with Library.open() as library:
        [checkin] = library.checkins(None, None)
    assert (checkin.day, checkin.rating, str(checkin.kind)) == (date.today(), 6, "pain")
    args.no_library = True  # --no-library: kept in the recording only
    asyncio.run(monitor._end_of_shift(outcome, args))
    with Library.open() as library:
        assert len(library.checkins(None, None)) == 1

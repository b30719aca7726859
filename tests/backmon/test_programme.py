"""A simulated 4-week coaching programme in a temporary library (issue 15): the programme report
finds a known drop in exposure from baseline to probe days with an interval excluding zero, and
says "no change detectable" for the same programme without a drop.

Each day is one real simulated session of the same length (a scripted 40 deg forward bend held for
the day's time, the rest upright and walking about; 25 Hz), written as a session file and analysed
once; the two programmes share every day but their probe days (the library is given the analysis,
not asked to redo it).
"""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta

import pytest

from backmon.cli import main
from backmon.library import Library
from processing import analyze_session
from processing.programme import Phase, Plan, phase
from sensors.scenarios import END_UPRIGHT, Scenario, Segment, SensorModel
from sensors.simulator import simulate

START = date(2026, 3, 2)
PLAN = Plan(START, baseline_days=3, feedback_days=10, fading_days=5, probe_every=7)
DAYS = 28
# Seconds held at 40 deg on each day (the minutes beyond 30 deg follow, plus about 2 s of moves).
BASELINE_HOLD_S = (280.0, 320.0, 300.0)  # 5.0 min a day on average
DROP_PROBE_HOLD_S = (170.0, 190.0, 180.0)  # 3.0 min: a drop of 40 %
SAME_PROBE_HOLD_S = (310.0, 290.0, 295.0)  # 4.9 min: no real change
OTHER_HOLD_S = {Phase.FEEDBACK: 240.0, Phase.FADING: 210.0, Phase.AFTER: 200.0}
DAY_S = 400.0  # every session: 10 s upright, the hold (after a 2 s move), then upright work to 400 s


def workday(hold_s: float, seed: int) -> Scenario:
    segments = (Segment(10.0, label="upright"),
                Segment(hold_s + 2.0, flexion_deg=40.0, sway_deg=0.5, label="bent 40 deg"),
                Segment(DAY_S - hold_s, activity=0.4, sway_deg=0.5, label="upright work"), END_UPRIGHT)
    model = SensorModel(rate_hz=25.0)
    return Scenario(segments, left=model, right=model, seed=seed, name="programme_day")


def day(n: int) -> date:
    return START + timedelta(days=n)


def probe_days() -> list[int]:
    return [n for n in range(DAYS) if phase(PLAN, day(n)) == Phase.PROBE]


def session(folder, n: int, hold_s: float, tag: str):
    """Day n's session file (08:00 UTC) and its analysis, from a seeded simulation."""
    sim = simulate(workday(hold_s, seed=100 + n))
    when = f"{day(n).isoformat()}T08:00:00Z"
    path = folder / f"{tag}-{day(n).isoformat()}.csv"
    sim.write(path, metadata={"started_at": when})
    analysis = analyze_session(sim.to_session()).to_json_dict()
    analysis["metadata"]["started_at"] = when  # as analysing the written file says
    return path, analysis


@pytest.fixture(scope="module")
def programme_sessions(tmp_path_factory):
    """Shared days, and the probe days of the programme with a drop and of the one without."""
    folder = tmp_path_factory.mktemp("programme")
    assert probe_days() == [9, 16, 23]
    shared, drop, same = [], [], []
    for n in range(DAYS):
        p = phase(PLAN, day(n))
        if p == Phase.PROBE:
            k = probe_days().index(n)
            drop.append(session(folder, n, DROP_PROBE_HOLD_S[k], "drop"))
            same.append(session(folder, n, SAME_PROBE_HOLD_S[k], "same"))
        else:
            shared.append(session(folder, n, BASELINE_HOLD_S[n] if p == Phase.BASELINE else OTHER_HOLD_S[p], "day"))
    return {"shared": shared, "drop": drop, "same": same}


def run_programme(tmp_path, sessions, probes) -> tuple[str, list[dict], str]:
    """A library with the programme and its sessions; the report page, its CSV rows, stdout."""
    with Library.open() as library:
        for path, analysis in sessions["shared"] + sessions[probes]:
            assert library.add(path, analysis=analysis).added
    assert main(["programme", "start", "--baseline-days", "3", "--feedback-days", "10", "--fading-days", "5",
                 "--probe-every", "7", "--start", START.isoformat()]) == 0
    out = tmp_path / "report" / "programme.html"
    assert main(["programme", "report", "-o", str(out), "--csv", "--to", day(DAYS - 1).isoformat()]) == 0
    with open(out.with_suffix(".csv"), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return out.read_text(encoding="utf-8"), rows, ""


def change_item(page: str, figure: str) -> tuple[dict, str]:
    m = re.search(rf'<li data-figure="{figure}"([^>]*)>(.*?)</li>', page)
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', m.group(1))), m.group(2)


def test_the_report_finds_a_known_drop(programme_sessions, tmp_path, capsys):
    page, rows, _ = run_programme(tmp_path, programme_sessions, "drop")
    attrs, sentence = change_item(page, "minutes_over_30")
    # Scripted: 5.0 min at baseline (+ the moves), 3.0 on probe days: -40 %.
    assert float(attrs["change-pct"]) == pytest.approx(-40.0, abs=2.0)
    assert float(attrs["low-pct"]) < float(attrs["change-pct"]) < float(attrs["high-pct"]) < 0
    assert attrs["detected"] == "true"
    assert re.fullmatch(r"minutes beyond 30 deg on probe days: 3 a day against 5 at baseline \(-4\d %, 95 % "
                        r"interval -\d\d to -\d\d %\)", sentence), sentence
    out = capsys.readouterr().out
    assert "programme stored, starting 2026-03-02" in out and sentence in out
    # Per day: every day of the four weeks, its phase, and the minutes the simulation scripted.
    assert [r["day"] for r in rows] == [day(n).isoformat() for n in range(DAYS)]
    assert [r["phase"] for r in rows].count("probe") == 3 and rows[0]["phase"] == "baseline"
    assert [r["phase"] for r in rows][13:18] == ["fading", "fading", "fading", "probe", "fading"]
    for r in rows[:3]:
        assert float(r["minutes_over_30"]) == pytest.approx(BASELINE_HOLD_S[rows.index(r)] / 60, abs=0.1)
    assert 'data-phase="probe"' in page and "Lind et al. 2024" in page
    assert "were worn" not in page  # every day the same length: no note on wear time
    assert "minutes beyond 60 deg on probe days: 0.0 a day against 0.0 at baseline; none at baseline" in page


def test_the_same_programme_without_a_drop_says_no_change_detectable(programme_sessions, tmp_path):
    page, _, _ = run_programme(tmp_path, programme_sessions, "same")
    attrs, sentence = change_item(page, "minutes_over_30")
    assert float(attrs["low-pct"]) < 0 < float(attrs["high-pct"]) and attrs["detected"] == "false"
    assert sentence.startswith("minutes beyond 30 deg on probe days: no change detectable yet (")


def test_status_follows_the_calendar(capsys):
    assert main(["programme", "start", "--start", START.isoformat(), "--baseline-days", "3", "--feedback-days",
                 "10", "--fading-days", "5", "--probe-every", "7"]) == 0
    assert main(["programme", "status", "--day", day(15).isoformat()]) == 0
    out = capsys.readouterr().out
    assert "fading day 3 of 5: 50 % of alerts delivered" in out and "monitor: alerts on, 50 % of them delivered" in out
    assert main(["programme", "status", "--day", day(1).isoformat()]) == 0
    assert "monitor: tracking only, no alerts" in capsys.readouterr().out
    with Library.open() as library:
        assert Plan.from_dict(library.programme()) == PLAN


@pytest.mark.parametrize("argv, words", [
    (["programme", "status"], "no programme in the library yet"),
    (["programme", "report", "-o", "x.html"], "no programme in the library yet"),
    (["programme", "start", "--probe-every", "1"], "probe days must come every 2 or more days"),
    (["programme", "start", "--baseline-days", "0"], "baseline days must be 1 or more"),
])
def test_unusable_requests_are_one_line_and_exit_2(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err

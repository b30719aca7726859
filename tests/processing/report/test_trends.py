"""Trends across sessions: days added up, the person's baseline, a persistent left/right finding
flagged with professional guidance, a spreadsheet CSV that cannot run formulas, hostile text escaped."""

from __future__ import annotations

import copy
import csv
import json
import re

import numpy as np
import pytest
from markupsafe import escape

from backmon.cli import main
from processing import analyze_session
from processing.report.spreadsheet import safe_cell
from processing.report.trends import TrendSettings, baseline, build_trends, flexion_zones, lr_finding_side, session_row
from processing.report.trends_page import CSV_HEADER
from processing.summary import RATE_MIN_WORN_S
from sensors import scenarios
from sensors.simulator import simulate

SUBJECT = '=HYPERLINK("http://example.invalid","open me")'
NOTE = "-2+3 <img src=x onerror=alert(1)>"
TILT_DAYS = (1, 2, 4)  # the left side tilted 10 deg on these days of five


@pytest.fixture(scope="module")
def sims():
    """A day with the left side tilted (an lr_asymmetry alert), and a day of normal work."""
    tilt = simulate(scenarios.one_side_tilt(10, 140, side="left", seed=1, rate_hz=25))
    normal = simulate(scenarios.normal_work(3, seed=2, rate_hz=25))
    return {"tilt": tilt, "normal": normal}


@pytest.fixture(scope="module")
def analyses(sims):
    return {name: analyze_session(sim.to_session()).to_json_dict() for name, sim in sims.items()}


def dated(data: dict, day: int, hour: int = 8) -> dict:
    data = copy.deepcopy(data)
    data["metadata"]["started_at"] = f"2026-03-{day:02d}T{hour:02d}:00:00Z"
    return data


def rows_for(analyses, pattern: str):
    """Session rows for days 1.. with T (tilted) or N (normal) per day."""
    kinds = {"T": "tilt", "N": "normal"}
    return [session_row(dated(analyses[kinds[c]], day), source=f"day{day}.csv") for day, c in enumerate(pattern, 1)]


@pytest.fixture(scope="module")
def trends_dir(sims, analyses, tmp_path_factory):
    """Five days of sessions (CSV), one more session as analysis JSON, a file that is no session."""
    root = tmp_path_factory.mktemp("trends")
    sessions = root / "sessions"
    sessions.mkdir()
    for day in range(1, 6):
        sim = sims["tilt"] if day in TILT_DAYS else sims["normal"]
        sim.write(sessions / f"day{day}.csv", metadata={"started_at": f"2026-03-0{day}T08:00:00Z",
                                                         "subject": SUBJECT, "note": NOTE})
    (sessions / "day5-afternoon.json").write_text(json.dumps(dated(analyses["normal"], 5, hour=14)))
    (sessions / "notes.csv").write_text("not a session\n")
    out = root / "out"
    assert main(["trends", str(sessions), "-o", str(out / "trends.html"), "--figures", str(out / "figures")]) == 0
    return out


def test_trends_command_writes_page_csv_and_figures(trends_dir, capsys):
    page = (trends_dir / "trends.html").read_text(encoding="utf-8")
    assert "6 sessions over 5 days" in page
    for name in ("exposure", "lr_difference", "rates"):
        assert (trends_dir / "figures" / f"{name}.png").stat().st_size > 10_000
        assert f'id="figure-{name}"' in page
    assert page.count('src="data:image/svg+xml;base64,') == 3
    assert "notes.csv" in page and "Files left out" in page  # not a session: listed, not fatal
    assert "<script" not in page and "default-src 'none'" in page


def test_persistent_left_finding_is_flagged_with_professional_guidance(trends_dir):
    page = (trends_dir / "trends.html").read_text(encoding="utf-8")
    assert 'id="persistent-finding" data-side="left"' in page
    assert "In 3 of 6 sessions the left side" in page and "physiotherapist" in page
    assert "2026-03-01, 2026-03-02, 2026-03-04" in page


def test_spreadsheet_csv_neutralises_formulas_and_keeps_numbers(trends_dir):
    with open(trends_dir / "trends.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_HEADER and len(rows) == 7
    for row in rows[1:]:
        record = dict(zip(CSV_HEADER, row))
        if record["source"].endswith(".csv"):
            assert record["subject"] == "'" + SUBJECT and record["note"] == "'" + NOTE
        for name in ("worn_min", "minutes_over_30", "lr_lateral_diff_mean_deg"):
            float(record[name])  # numbers stay numbers
        assert record["alerts_per_hour"] == ""  # minutes of wear: counts, no rate (issue 12)
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), cell
            if cell.startswith("-"):
                float(cell)  # only a negative number may start with a minus
    tilted = [dict(zip(CSV_HEADER, r)) for r in rows[1:] if r[2] in ("2026-03-01", "2026-03-02", "2026-03-04")]
    assert all(r["lr_finding_side"] == "left" and r["alerts_lr_asymmetry"] == "1" for r in tilted)
    assert all(float(r["lr_lateral_diff_mean_deg"]) > 5 for r in tilted)


def test_hostile_metadata_is_escaped_in_the_trends_page(trends_dir):
    page = (trends_dir / "trends.html").read_text(encoding="utf-8")
    assert NOTE not in page and "<img src=x" not in page and escape(NOTE) in page
    assert escape(SUBJECT) in page


def test_safe_cell():
    assert safe_cell("=1+2") == "'=1+2" and safe_cell("+1") == "'+1" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-3.5") == "'-3.5" and safe_cell("\t=1") == "'\t=1" and safe_cell("plain") == "plain"
    assert safe_cell(-3.5) == -3.5 and safe_cell(np.int64(-2)) == -2 and safe_cell(np.float64(-0.5)) == -0.5
    assert safe_cell(None) == "" and safe_cell(float("nan")) == "" and safe_cell(True) == 1


def test_sessions_of_one_day_add_up(analyses):
    rows = [session_row(dated(analyses["tilt"], 1, hour=8), source="a.csv"),
            session_row(dated(analyses["normal"], 1, hour=14), source="b.csv")]
    [day] = build_trends(rows).days
    assert day.day == "2026-03-01" and day.sessions == 2
    assert day.worn_s == pytest.approx(rows[0].worn_s + rows[1].worn_s)
    # Less than 30 min of wear: the count, no hourly rate (issue 12: "54/h" from 27 s).
    assert day.alerts == 1 and day.worn_s < RATE_MIN_WORN_S and day.alerts_per_hour is None
    assert day.bends == rows[1].bends_over_45 > 0
    # The day's left/right difference weighs each session by the time both sides were compared.
    expected = np.average([r.lateral_diff_mean_deg for r in rows], weights=[r.compared_s for r in rows])
    assert day.lateral_diff_mean_deg == pytest.approx(expected)


@pytest.mark.parametrize("pattern, side", [("TTNTN", "left"), ("TTNNN", None), ("TTTNNNN", None),
                                           ("TTTT", "left")])
def test_a_finding_persists_in_three_sessions_and_half_of_them(analyses, pattern, side):
    finding = build_trends(rows_for(analyses, pattern)).finding
    assert (finding and finding.side) == side
    if side:
        assert finding.sessions == pattern.count("T") and "physiotherapist" in finding.text


def test_single_session_finding_side(analyses):
    tilt, normal = rows_for(analyses, "TN")
    assert lr_finding_side(tilt, TrendSettings()) == "left" and lr_finding_side(normal, TrendSettings()) is None


def test_baseline_is_the_median_and_a_robust_band():
    settings = TrendSettings()
    assert baseline([1.0, 2.0], settings) is None  # too few days
    base = baseline([1.0, 2.0, 3.0, 4.0, 10.0], settings)
    assert base.median_deg == 3.0 and base.days == 5
    assert base.high_deg - 3.0 == pytest.approx(2 * 1.4826 * 1.0)  # MAD of (2, 1, 0, 1, 7) is 1
    assert base.contains(4.0) and not base.contains(10.0)
    assert baseline([0.0, 0.0, 0.0, None], settings).high_deg == settings.baseline_min_half_width_deg


def test_undated_sessions_are_named_by_file_and_come_last(analyses):
    undated = copy.deepcopy(analyses["normal"])
    undated["metadata"].pop("started_at", None)
    rows = [session_row(undated, source="/data/zz-shift.csv"), *rows_for(analyses, "N")]
    trends = build_trends(rows)
    assert [d.day for d in trends.days] == ["2026-03-01", "zz-shift"]


def test_trends_without_usable_input_is_an_error(tmp_path, capsys):
    (tmp_path / "junk.csv").write_text("nothing here\n")
    assert main(["trends", str(tmp_path), "-o", str(tmp_path / "t.html")]) == 2
    assert "no usable session" in capsys.readouterr().err
    assert main(["trends", str(tmp_path / "missing")]) == 2


def test_trends_reads_the_zones_of_v1_and_v2():
    v1 = {"flexion_zones_s": {"<0": 87.1, "0-20": 68.3, "20-60": 98.8, ">60": 9.8}}
    assert flexion_zones(v1) == ((None, 0.0, 87.1), (0.0, 20.0, 68.3), (20.0, 60.0, 98.8), (60.0, None, 9.8))
    v2 = {"flexion_zones": [{"from_deg": None, "to_deg": -10.0, "s": 0.0},
                            {"from_deg": -10.0, "to_deg": 20.0, "s": 5.0}]}
    assert flexion_zones(v2) == ((None, -10.0, 0.0), (-10.0, 20.0, 5.0))


def test_exposure_per_day_adds_sessions_up(analyses):
    """Day 1 has two sessions: REBA seconds add up, the longest bout is the longer of the two."""
    rows = [session_row(dated(analyses["normal"], 1), source="a.json"),
            session_row(dated(analyses["tilt"], 1, hour=14), source="b.json"),
            session_row(dated(analyses["normal"], 2), source="c.json")]
    trends = build_trends(rows)
    day1, day2 = trends.days
    normal, tilt = analyses["normal"]["summary"]["exposure"], analyses["tilt"]["summary"]["exposure"]
    expected = [a["s"] + b["s"] for a, b in zip(normal["reba_trunk"]["scores"], tilt["reba_trunk"]["scores"])]
    assert day1.reba_s == pytest.approx(expected)
    assert day1.reba_covered_s == pytest.approx(normal["reba_trunk"]["covered_s"] + tilt["reba_trunk"]["covered_s"])
    assert sum(day1.reba_share(k) for k in range(1, 6)) == pytest.approx(1.0)
    assert day1.longest_over_60_s == max(normal["longest_over_60"]["s"], tilt["longest_over_60"]["s"])
    assert day2.reba_s == pytest.approx([x["s"] for x in normal["reba_trunk"]["scores"]])
    # An analysis without exposure figures (before issue 15) still reads; its day has none.
    old = dated(analyses["normal"], 3)
    del old["summary"]["exposure"]
    assert build_trends([session_row(old, source="old.json")]).days[0].reba_s is None


def test_trends_page_and_csv_show_exposure(trends_dir):
    page = (trends_dir / "trends.html").read_text(encoding="utf-8")
    assert 'id="exposure"' in page and "Exposure figures per day" in page
    assert "a day on average over 5 days" in page and "not a forecast or a diagnosis" in page
    with open(trends_dir / "trends.csv", newline="", encoding="utf-8") as handle:
        rows = [dict(zip(CSV_HEADER, r)) for r in list(csv.reader(handle))[1:]]
    for r in rows:
        reba = sum(float(r[f"reba_{k}_min"]) for k in range(1, 6))
        assert reba == pytest.approx(float(r["reba_covered_min"]), abs=0.03)
        assert float(r["longest_over_60_s"]) >= 0


def test_checkin_association_from_ten_days_with_both(analyses, tmp_path):
    """12 days whose pain rating was planted to rise with the minutes bent beyond 30 deg: the page
    shows Spearman's rho with its interval and n, as an association within the person's own days."""
    from processing.report.trends import DayRating
    from processing.report.trends_page import write_trends

    minutes = [3.0, 12.0, 7.5, 20.0, 1.0, 15.0, 9.0, 25.0, 5.0, 18.0, 11.0, 2.0]
    pain = [1, 4, 2, 6, 0, 5, 3, 8, 2, 5, 4, 1]
    rows, ratings = [], []
    for n, (m, p) in enumerate(zip(minutes, pain), start=1):
        data = dated(analyses["normal"], n)
        data["summary"]["minutes_over_30"] = m
        rows.append(session_row(data, source=f"day{n}.json"))
        ratings.append(DayRating(f"2026-03-{n:02d}", "pain", p, f"2026-03-{n:02d}T18:00:00+00:00"))
    page = tmp_path / "trends.html"
    write_trends(build_trends(rows, ratings=ratings), page)
    text = page.read_text(encoding="utf-8")
    assert "on your days with more minutes bent beyond 30 deg, your pain rating tended to be higher" in text
    assert "n = 12 days" in text and "not proof that one causes the other" in text
    rho = float(re.search(r"Spearman&#39;s rho \+([0-9.]+), 95 % interval \+([0-9.]+)", text).group(1))
    assert rho == pytest.approx(0.99, abs=0.005)  # scipy.stats.spearmanr: 0.993
    # Nine days: not yet.
    write_trends(build_trends(rows[:9], ratings=ratings[:9]), page)
    assert "9 days with both so far; an association is shown from 10" in page.read_text(encoding="utf-8")

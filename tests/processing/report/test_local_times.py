"""Times shown to people are local wall-clock times (DESIGN.md, "backmon analyze outputs"): the
machine's zone where the session has started_at, UTC with --utc, session time without started_at;
rounded to the nearest second everywhere. The JSON keeps seconds on the file's axis."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from backmon.cli import main
from backmon.live.status import LinkStatus, render_alert, render_status
from processing.alerts import Alert, AlertKind, Severity
from processing.report.formatting import TimeAxis
from processing.report.trends import session_row
from sensors.ble.link import LinkState
from sensors.samples import Side, TimeBase

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "example_session.csv"  # started 08:00:00Z


@pytest.fixture
def berlin(monkeypatch):
    """A machine in Berlin: UTC+01:00 in winter, +02:00 from the last Sunday of March."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()


def axis(started_at: str | None) -> TimeAxis:
    return TimeAxis.for_session(time_base=TimeBase.RELATIVE, first_s=0.0, started_at=started_at)


def test_labels_are_local_and_rounded(berlin):
    a = axis("2026-01-05T08:00:00Z")
    assert a.label(181.4, seconds=True) == "09:03:01"
    assert a.label(180.6, seconds=True) == "09:03:01"  # rounded, as durations are (was truncated: 09:03:00)
    assert a.start_text == "2026-01-05 09:00:00 (UTC+01:00)" and a.name == "time of day (UTC+01:00)"


def test_a_session_over_the_change_to_summer_time_shows_the_clock_on_the_wall(berlin):
    # 2026-03-29 01:00 UTC: Berlin's clocks go from 02:00 to 03:00.
    a = axis("2026-03-29T00:30:00Z")
    assert a.label(0.0) == "01:30" and a.label(3600.0) == "03:30"


def test_without_started_at_it_is_session_time(berlin):
    a = axis(None)
    assert a.label(3725.4, seconds=True) == "1:02:05" and a.start_text == ""


def test_epoch_files_are_local_too(berlin):
    a = TimeAxis.for_session(time_base=TimeBase.EPOCH, first_s=1_767_600_000.0, started_at=None)  # 08:00:00Z
    assert a.label(1_767_600_000.0 + 60) == "09:01"


def test_summary_local_utc_and_json_unchanged(berlin, tmp_path, capsys):
    out = tmp_path / "a.json"
    assert main(["analyze", str(EXAMPLE), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    # The example's severe flexion is raised at about 193 s on the file's axis: 08:03:13 UTC.
    assert "Started     2026-01-05 09:00:00 (UTC+01:00)" in text and "09:03:13 Deep forward bend held" in text
    assert "analysed after calibration (from 09:00:21)" in text  # the routine's 21 s, as a time of day
    start_s = next(a["start_s"] for a in json.loads(out.read_text())["alerts"] if a["kind"] == "severe_flexion")
    assert 192 < start_s < 194  # seconds on the file's axis, whatever the zone
    assert main(["analyze", str(EXAMPLE), "--utc"]) == 0
    text = capsys.readouterr().out
    assert "Started     2026-01-05 08:00:00 (UTC)" in text and "08:03:13 Deep forward bend held" in text


def test_report_header_and_alert_table_are_local(berlin, tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", str(EXAMPLE), "-o", str(out)]) == 0
    html = out.read_text()
    assert "started 2026-01-05 09:00:00 (UTC+01:00)" in html and "raised 09:03:13" in html


def test_live_status_and_alerts_show_local_time(berlin):
    a = axis("2026-01-05T08:00:00Z")
    links = {Side.LEFT: LinkStatus("L", LinkState.CONNECTED), Side.RIGHT: LinkStatus("R", LinkState.CONNECTED)}
    lines = render_status(now_s=125.7, phase="monitoring", angles=None, links=links, activity_since_s=None,
                          alerts=0, tracking_only=False, axis=a)
    assert "backmon monitor  09:02:06" in lines[0]
    alert = Alert(AlertKind.SEVERE_FLEXION, 193.0, 189.0, Side.BOTH, Severity.CRITICAL, 69.0, "deg", "Bent.",
                  "EN 1005-4", 4.0)
    assert render_alert(alert, a)[0].startswith("[CRITICAL] 09:03:13 Deep forward bend held: Bent.")
    assert render_alert(alert)[0].startswith("[CRITICAL] 0:03:13 ")  # before the start is known


def test_trends_day_is_the_local_calendar_day(berlin, tmp_path):
    out = tmp_path / "a.json"
    assert main(["analyze", str(EXAMPLE), "--json", str(out), "--quiet"]) == 0
    data = json.loads(out.read_text())
    data["metadata"]["started_at"] = "2026-01-05T23:30:00Z"  # 00:30 on the 6th in Berlin
    assert session_row(data, source="x.json").day == "2026-01-06"

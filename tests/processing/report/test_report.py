"""The session report: content equal to the analysis JSON, every alert with its guidance, figures,
hostile metadata escaped, PNG export, envelopes for long sessions, and a real headless browser."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from markupsafe import escape

from backmon.cli import main
from processing import analyze_session
from processing.alerts import AlertKind
from processing.numbers import duration_text
from processing.report.envelope import buckets, spans
from processing.report.formatting import TimeAxis
from processing.report.html import render_report
from processing.report.plots import FIGURE_NAMES, bend_bins
from processing.report.views import lookup
from sensors.samples import TimeBase
from sensors.scenarios import Scenario, Segment, SensorModel
from sensors.session.files import read_session
from sensors.simulator import simulate

HOSTILE_SUBJECT = "<script>alert('x')</script> Bob"
HOSTILE_NOTE = "=cmd|' /C calc'!A0"
# Shorter rest limits so that one 11-minute session raises every kind of alert.
SHORT_LIMITS = "[alerts]\nno_rest_s = 180.0\nstatic_s = 120.0\n[activity]\nbreak_min_s = 60.0\n"


def all_kinds_scenario() -> Scenario:
    """Work (no_rest), a held 35 deg bend (sustained_flexion, prolonged_static), 70 deg (severe),
    a 15 deg lean (lateral), one side tilted 10 deg (lr_asymmetry); a 4 s left-sensor dropout."""
    segments = (
        Segment(200, activity=0.6, bends_per_min=2, bend_depth_deg=50, bend_duration_s=2.5, label="work"),
        Segment(200, flexion_deg=35, sway_deg=0.3, label="bent 35"),
        Segment(15, flexion_deg=70, label="bent 70"),
        Segment(85, lateral_deg=15, sway_deg=0.3, label="lean"),
        Segment(150, left_extra_lateral_deg=10, sway_deg=0.3, activity=0.2, label="left tilt"),
        Segment(5, label="upright"),
    )
    return Scenario(segments, left=SensorModel(rate_hz=25, dropouts=((300.0, 4.0),)), right=SensorModel(rate_hz=25),
                    seed=3, name="all_kinds")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The all-kinds session written with hostile metadata, analysed and reported by the CLI."""
    root = tmp_path_factory.mktemp("report")
    session, config = root / "all_kinds.csv", root / "short.toml"
    simulate(all_kinds_scenario()).write(session, metadata={"subject": HOSTILE_SUBJECT, "note": HOSTILE_NOTE})
    config.write_text(SHORT_LIMITS)
    out_json, out_html = root / "a.json", root / "a.html"
    assert main(["analyze", str(session), "--config", str(config), "--json", str(out_json),
                 "--report", str(out_html), "--quiet"]) == 0
    return {"root": root, "session": session, "config": config, "json": json.loads(out_json.read_text()),
            "html": out_html.read_text(encoding="utf-8"), "html_path": out_html}


class Elements(HTMLParser):
    """Every element's attributes, and the text inside each ``<article>`` (one topic group)."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.articles: dict[str, str] = {}
        self._article: str | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag == "article":
            self._article, self._depth = attrs.get("id"), 0
            self.articles[self._article] = ""
        elif tag == "tr" and self._article:
            self.articles[self._article] += f"\n[row {attrs.get('data-number')}] "

    def handle_endtag(self, tag):
        if tag == "article":
            self._article = None

    def handle_data(self, data):
        if self._article:
            self.articles[self._article] += data


def parse(text: str) -> Elements:
    parser = Elements()
    parser.feed(text)
    return parser


def test_the_session_raises_every_kind_of_alert(made):
    assert {a["kind"] for a in made["json"]["alerts"]} == set(AlertKind)


def test_summary_numbers_equal_the_analysis_json(made):
    data, page = made["json"], parse(made["html"])
    shown = {a["data-json"]: a for _, a in page.elements if "data-json" in a}
    expected = {"duration_s", "summary/worn_s", *(f"summary/flexion_zones/{i}/s" for i in range(4)),
                "summary/minutes_over_30", "summary/minutes_over_60",
                "summary/lateral_over_10_s", "summary/bends_over_45", "summary/moving_s",
                "summary/breaks", "summary/left_right/sentence", "alerts",
                *(f"summary/alerts_by_kind/{k}" for k in AlertKind)}
    assert expected <= set(shown)
    # 11 minutes of wear: bends are counted, no hourly rate is shown (issue 12).
    assert data["summary"]["bends_per_hour"] is None and "summary/bends_per_hour" not in shown
    for key, attrs in shown.items():
        if "data-value" not in attrs:
            continue
        value = lookup(data, key)
        if attrs.get("data-count"):
            value = len(value)
        assert json.loads(attrs["data-value"]) == value, key
    # Shown as people read them: minutes for zone seconds, the JSON's own figure for minutes.
    text = made["html"]
    assert f"{data['summary']['flexion_zones'][2]['s'] / 60:.1f} min" in text
    assert f"{data['summary']['minutes_over_30']:.1f} min" in text
    assert escape(data["summary"]["left_right"]["sentence"]) in text
    # The analysis JSON travels with the page, identical to the --json file.
    embedded = re.search(r'<script type="application/json" id="backmon-analysis">(.*?)</script>', text, re.S)
    assert json.loads(embedded.group(1)) == data


def test_exposure_section_shows_the_json_figures(made):
    data, page = made["json"], parse(made["html"])
    shown = {a["data-json"]: a for _, a in page.elements if "data-json" in a}
    e = data["summary"]["exposure"]
    for i, score in enumerate(e["reba_trunk"]["scores"]):
        assert json.loads(shown[f"summary/exposure/reba_trunk/scores/{i}/s"]["data-value"]) == score["s"]
    assert json.loads(shown["summary/exposure/longest_over_60/s"]["data-value"]) == e["longest_over_60"]["s"]
    # The held 70 deg bend (15 s scripted) is the session's longest bout beyond 60 deg.
    assert 12 <= e["longest_over_60"]["s"] <= 17
    text = made["html"]
    assert 'id="exposure"' in text and "Hignett and McAtamney 2000" in text and "Gupta et al. 2022" in text
    assert "not a forecast or a diagnosis" in text and "Mathiassen and Winkel 1991" in text
    # The 200 s held at 35 deg is one bout of 1-4 min in the 30-60 deg band.
    assert e["variation"]["s"][2][2] >= 190


def test_every_alert_is_listed_under_each_of_its_guidance_topics(made):
    articles = parse(made["html"]).articles
    for number, alert in enumerate(made["json"]["alerts"], start=1):
        for guidance in alert["guidance"]:
            group = articles[f"topic-{guidance['topic']}"]
            row = group.split(f"[row {number}] ", 1)[1].split("\n[row ", 1)[0]
            assert alert["message"] in row and guidance["text"] in row and alert["rule"] in row
    assert "Posture correction" in made["html"] and "Professional guidance" not in made["html"]


def test_five_figures_embedded_as_svg_and_nothing_fetched(made):
    text, page = made["html"], parse(made["html"])
    images = [a for tag, a in page.elements if tag == "img"]
    assert len(images) == len(FIGURE_NAMES) == 5
    for attrs in images:
        prefix = "data:image/svg+xml;base64,"
        assert attrs["src"].startswith(prefix) and attrs["alt"]
        svg = base64.b64decode(attrs["src"][len(prefix):]).decode()
        assert "<svg" in svg and "<script" not in svg
    assert {a.get("id") for tag, a in page.elements if tag == "figure"} == {f"figure-{n}" for n in FIGURE_NAMES}
    assert not re.search(r'(src|href)="(https?:)?//', text) and "<link" not in text
    assert "default-src 'none'" in text and 'name="viewport"' in text and "@media print" in text
    assert len(text.encode()) < 1_500_000


def test_hostile_metadata_is_escaped(made):
    text = made["html"]
    assert HOSTILE_SUBJECT not in text and "<script>alert" not in text
    assert escape(HOSTILE_SUBJECT) in text and escape(HOSTILE_NOTE) in text
    scripts = [a for tag, a in parse(text).elements if tag == "script"]
    assert scripts == [{"type": "application/json", "id": "backmon-analysis"}]
    assert "\\u003cscript\\u003e" in text  # inside the JSON data block too


def test_not_medical_advice_calibration_data_quality_and_settings(made):
    text, data = made["html"], made["json"]
    assert escape(data["note"]) in text
    assert "Calibration" in text and "Quality runs from 0" in text
    assert "08:05:00 to 08:05:04 (4.0 s)" in text  # the left sensor's dropout at 300 s (rounded: was 08:04:59)
    for note in data["data_quality"]["notes"]:
        assert escape(note) in text
    assert "alerts.no_rest_s = 180" in text and "(default 3600)" in text
    assert "Simulated data" in text


def test_report_command_writes_the_report_and_png_figures(made, tmp_path, capsys):
    out, figures = tmp_path / "r.html", tmp_path / "figures"
    assert main(["report", str(made["session"]), "--config", str(made["config"]), "-o", str(out),
                 "--figures", str(figures)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8") == made["html"]  # the same report as analyze --report
    import matplotlib.image

    for name in FIGURE_NAMES:
        pixels = matplotlib.image.imread(figures / f"{name}.png")
        assert pixels.shape[0] > 200 and pixels.shape[1] > 600 and pixels[..., :3].std() > 0.05


def test_report_command_default_name_and_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,side\n")
    assert main(["report", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.csv" in err[0]
    assert main(["report", str(tmp_path / "missing.csv")]) == 2


def test_one_sensor_session_says_the_comparison_is_unavailable():
    session = simulate(Scenario((Segment(70, lateral_deg=15, label="lean"),), left=SensorModel(rate_hz=25),
                                right=SensorModel(rate_hz=25), seed=5)).to_session()
    result = analyze_session(dataclasses.replace(session, right=None))
    text = render_report(result)
    assert "right sensor is missing" in text and "sensor missing: no usable samples" in text


def test_epoch_session_with_an_alert_still_going_at_the_end():
    """Unix-epoch times show as UTC time of day; an alert open at the end says so."""
    session = simulate(Scenario((Segment(60, flexion_deg=70, label="deep"),), left=SensorModel(rate_hz=25),
                                right=SensorModel(rate_hz=25), seed=1)).to_session()
    shift_s = 1_767_600_000.0  # 2026-01-05 08:00:00 UTC
    moved = {side: dataclasses.replace(getattr(session, side), time_s=getattr(session, side).time_s + shift_s)
             for side in ("left", "right")}
    session = dataclasses.replace(session, **moved, time_base=TimeBase.EPOCH, metadata={},
                                  calibration_window_s=(shift_s, shift_s + 21.0))
    result = analyze_session(session)
    [alert] = result.alerts
    assert alert.kind == "severe_flexion" and alert.end_s is None
    text = render_report(result)
    assert "time of day (UTC)" in text and "still going at the end" in text
    assert f"raised {TimeAxis(shift_s, None).label(alert.start_s, seconds=True)}" not in text  # not elapsed time
    assert "raised 08:00:" in text


def test_bends_per_hour_bins_add_up_to_the_summary(made):
    session = read_session(made["session"])
    from processing import load_settings

    result = analyze_session(session, settings=load_settings(made["config"]))
    bins = bend_bins(result)
    assert bins.count.sum() == result.summary.bends_over_45 > 0
    assert bins.width_s.sum() == pytest.approx(result.summary.analysed_to_s - result.summary.analysed_from_s, abs=0.2)


def test_envelope_keeps_peaks_and_gaps_within_the_point_budget():
    time_s = np.arange(288_000) / 10.0  # 8 h at 10 Hz
    values = np.sin(time_s / 60.0)
    values[100_000] = 80.0  # a one-frame peak
    values[200_000:200_500] = np.nan  # a 50 s gap
    b = buckets(time_s, values, max_points=3000)
    assert b.size == 192 and 2 * len(b.mean) <= 3000
    assert np.nanmax(b.high) == 80.0 and np.nanmin(b.low) == pytest.approx(-1.0, abs=1e-6)
    assert np.nanmax(b.mean) < 2.0  # one frame barely moves its bucket's mean
    inside = (b.start_s >= 20_000) & (b.start_s + 19.2 <= 20_050)
    assert inside.sum() == 2 and np.isnan(b.low[inside] + b.high[inside] + b.mean[inside]).all()
    assert np.all(np.isfinite(b.mean[~inside]))  # partly covered buckets keep their data
    assert np.all(np.diff(b.mid_s) > 0)
    short = buckets(time_s[:100], values[:100], max_points=3000)
    assert short.size == 1 and np.array_equal(short.mean, values[:100])  # short series unchanged
    bars = spans(time_s, np.isnan(values), frame_s=0.1, min_width_s=100.0)
    assert bars == [(20_000.0, 100.0)]


def test_time_axis_labels():
    wall = TimeAxis.for_session(time_base=TimeBase.RELATIVE, first_s=0.0, started_at="2026-01-05T08:00:00Z")
    assert wall.label(3725.0) == "09:02" and wall.label(3725.0, seconds=True) == "09:02:05"
    assert wall.name == "time of day (UTC)" and wall.ticks(0, 3600, max_ticks=4) == [0.0, 900.0, 1800.0, 2700.0,
                                                                                     3600.0]
    epoch = TimeAxis.for_session(time_base=TimeBase.EPOCH, first_s=1_767_600_000.0, started_at=None)
    assert epoch.label(1_767_600_000.0 + 60) == "08:01" and epoch.x(1_767_600_000.0 + 60) == 60
    elapsed = TimeAxis.for_session(time_base=TimeBase.RELATIVE, first_s=0.0, started_at="not a date")
    assert elapsed.label(3725.0, seconds=True) == "1:02:05" and "since the start" in elapsed.name


def test_report_in_headless_chromium_has_no_errors_and_a_first_screen(made):
    from tests.support.browser import DESKTOP, PHONE, check_page, find_chromium

    if find_chromium() is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    import matplotlib.image

    for view, page in zip((DESKTOP, PHONE), check_page(made["html_path"], (DESKTOP, PHONE))):
        assert page.errors == (), page.errors
        assert page.title == "Back posture report: all_kinds.csv"
        shot = made["root"] / "shot.png"
        shot.write_bytes(page.screenshot_png)
        pixels = matplotlib.image.imread(shot)[..., :3]
        scale = 2 if view.mobile else 1
        assert pixels.shape[:2] == (view.height_px * scale, view.width_px * scale)
        # Not blank: text and boxes on white, several distinct shades.
        assert pixels.std() > 0.05 and (pixels.mean(axis=2) < 0.3).mean() > 0.005


# For each figure: how many CSS px its 8.5 pt text takes on screen (SVG pt are 4/3 px at the size drawn).
FIGURE_TEXT_PX = ("[...document.querySelectorAll('figure img')].map("
                  "i => 8.5 * 4 / 3 * i.getBoundingClientRect().width / i.naturalWidth)")


def test_figure_text_is_readable_on_a_phone(made):
    # Issue 12: at 390 px the page reflowed but the figures shrank to fit, their text to 5 px.
    from tests.support.browser import DESKTOP, PHONE, check_page, find_chromium

    if find_chromium() is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    desktop, phone = check_page(made["html_path"], (DESKTOP, PHONE), expression=FIGURE_TEXT_PX)
    assert len(phone.value) == len(FIGURE_NAMES)
    assert min(phone.value) >= 11.0  # every figure at the size it was drawn (11.3 px): readable
    assert min(desktop.value) >= 9.0  # the desktop layout keeps fitting figures to the page


def test_the_browser_check_sees_console_errors_and_failed_loads(tmp_path):
    from tests.support.browser import check_page, find_chromium

    if find_chromium() is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><title>broken</title><script>console.error("boom")</script>'
                    '<img src="missing.png">')
    [check] = check_page(page)
    assert any("boom" in e for e in check.errors) and any("missing.png" in e for e in check.errors)


def test_each_message_says_the_time_the_report_says(made):
    # Issue 12: "for 84 s, longer than the 84 s acceptable" beside a "How long" of 1 min 32 s. A
    # message is written again when its condition ends, with the time really held, rounded as the
    # report rounds it; every kind ends in this session.
    page = made["html"]
    ended = [a for a in made["json"]["alerts"] if a["end_s"] is not None]
    assert {a["kind"] for a in ended} == set(AlertKind)
    for alert in ended:
        held = duration_text(alert["end_s"] - alert["since_s"])  # the report's "How long"
        assert held in alert["message"], (alert["kind"], alert["message"], held)
        assert escape(alert["message"]) in page and held in page


def test_corrections_and_what_to_change_tomorrow_are_shown_as_in_the_json(made):
    # Issue 14: the count of posture alerts corrected within 30 s and the three actions by minutes.
    data, page, text = made["json"], parse(made["html"]), made["html"]
    c = data["summary"]["corrections"]
    posture = [a for a in data["alerts"] if a["kind"] not in ("no_rest", "prolonged_static")]
    assert c["alerts"] == len(posture) and c["within_s"] == 30.0
    quick = [a["end_s"] - a["start_s"] for a in posture if a["end_s"] is not None and a["end_s"] - a["start_s"] <= 30]
    assert c["corrected"] == len(quick) and c["median_s"] == pytest.approx(float(np.median(quick)), abs=0.05)
    [card] = [a for tag, a in page.elements if a.get("data-json") == "summary/corrections/corrected"]
    assert json.loads(card["data-value"]) == c["corrected"]
    assert f"{c['corrected']} of {c['alerts']}" in text
    tomorrow = data["summary"]["tomorrow"]
    assert len(tomorrow) == 3 and [a["minutes"] for a in tomorrow] == sorted((a["minutes"] for a in tomorrow),
                                                                               reverse=True)
    assert any(a.get("data-json") == "summary/tomorrow" for _, a in page.elements)
    for action in tomorrow:
        assert escape(action["text"]) in text and f"{action['minutes']:.1f} min {action['exposure']}" in text

"""One title per alert kind, everywhere a person reads it (DESIGN.md's table): the summary, the
live alert lines and the report show titles, guidance topics as words and sides as a person says
them; the ids stay in the JSON only."""

from __future__ import annotations

import re

import pytest

from backmon.live.status import render_alert
from backmon.text import render_summary
from processing import analyze_session
from processing.alerts import AlertKind, where_text
from processing.guidance import TOPIC_TITLES, TOPICS
from processing.report.html import render_report
from processing.settings import settings_from_dict
from sensors.scenarios import Scenario, Segment, SensorModel
from sensors.simulator import simulate

# Shorter rest limits so that one 11-minute session raises every kind (as tests/processing/report).
SHORT_LIMITS = {"alerts": {"no_rest_s": 180.0, "static_s": 120.0}, "activity": {"break_min_s": 60.0}}
TITLES = {
    "sustained_flexion": "Forward bend held too long",
    "severe_flexion": "Deep forward bend held",
    "sustained_lateral_bend": "Sideways lean held",
    "lr_asymmetry": "Left and right differ",
    "no_rest": "No real break",
    "prolonged_static": "Same posture for too long",
}
RAW_IDS = [k.value for k in AlertKind] + list(TOPICS) + ["(both)"]


def assert_no_raw_id(text: str) -> None:
    """No kind or topic id as a word of its own (setting names such as alerts.no_rest_s may show)."""
    for raw in RAW_IDS:
        assert not re.search(rf"(?<![\w.]){re.escape(raw)}(?!\w)", text), raw


@pytest.fixture(scope="module")
def result():
    segments = (
        Segment(200, activity=0.6, bends_per_min=2, bend_depth_deg=50, bend_duration_s=2.5, label="work"),
        Segment(200, flexion_deg=35, sway_deg=0.3, label="bent 35"),
        Segment(15, flexion_deg=70, label="bent 70"),
        Segment(85, lateral_deg=15, sway_deg=0.3, label="lean left"),
        Segment(150, left_extra_lateral_deg=10, sway_deg=0.3, activity=0.2, label="left tilt"),
        Segment(5, label="upright"),
    )
    scenario = Scenario(segments, left=SensorModel(rate_hz=25), right=SensorModel(rate_hz=25), seed=3, name="all")
    r = analyze_session(simulate(scenario).to_session(), settings=settings_from_dict(SHORT_LIMITS))
    assert {a.kind for a in r.alerts} == set(AlertKind)  # the scenario raises every kind
    return r


def test_the_table_of_titles_is_designs():
    assert {k.value: k.title for k in AlertKind} == TITLES


def test_side_is_said_the_way_a_person_says_it():
    assert where_text("sustained_lateral_bend", "both", 15.0) == "to the left"  # lateral is + to the left
    assert where_text("sustained_lateral_bend", "both", -12.0) == "to the right"
    assert where_text("lr_asymmetry", "right", 6.0) == "right side"
    assert where_text("severe_flexion", "both", 70.0) == ""  # trunk-level: nothing rather than "(both)"


def test_summary_shows_titles_topics_and_sides_in_words(result):
    text = render_summary(result)
    for title in TITLES.values():
        assert title in text
    for topic in ("Posture correction", "Rest and recovery", "Exercise therapy", "Lifestyle and ergonomic changes"):
        assert f"-> {topic}: " in text
    assert re.search(r"Sideways lean held \(to the left\)", text)
    assert "Left and right differ (left side)" in text
    assert_no_raw_id(text)


def test_live_alert_lines_show_titles(result):
    for alert in result.alerts:
        lines = "\n".join(render_alert(alert))
        assert alert.kind.title in lines
        assert_no_raw_id(lines)


def _visible_text(html: str) -> str:
    """What a reader sees: no tags (attributes carry the ids for tools), no style or script."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_report_shows_titles_and_topic_words_not_ids(result):
    html = render_report(result)
    text = _visible_text(html)
    for title in TITLES.values():
        assert title in text
    for title in TOPIC_TITLES.values():
        if title != "Professional guidance":  # only for recurring findings
            assert title in text
    assert_no_raw_id(text)
    assert 'data-kind="severe_flexion"' in html  # the ids stay where tools read them


def test_json_keeps_the_ids(result):
    data = result.to_json_dict()
    assert {a["kind"] for a in data["alerts"]} == {k.value for k in AlertKind}
    assert {g["topic"] for a in data["alerts"] for g in a["guidance"]} >= {"posture_correction", "exercise_therapy"}

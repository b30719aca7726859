"""The session in figures (issue 12): what a break is, the extension zone, labels from the settings,
counts rather than rates for short sessions. Known answers on scripted simulations."""

import dataclasses

import pytest

from backmon.text import render_summary
from processing import analyze_session
from processing.numbers import duration_text
from processing.settings import AlertSettings, Settings
from processing.summary import RATE_MIN_WORN_S, per_hour, zone_label
from sensors import scenarios
from sensors.simulator import simulate


@pytest.fixture(scope="module")
def bent_still():
    """35 deg forward, still, for 5 min: static load, the sustained_flexion alert, no break."""
    return analyze_session(simulate(scenarios.sustained_flexion(35, 300)).to_session())


@pytest.fixture(scope="module")
def upright_still():
    """Standing upright and still (0.3 deg sway) for 6 min 40 s after calibration."""
    return analyze_session(simulate(scenarios.sustained_flexion(0.0, 400)).to_session())


def zone_s(result, from_deg, to_deg):
    return next(z.s for z in result.summary.flexion_zones if (z.from_deg, z.to_deg) == (from_deg, to_deg))


def test_still_but_bent_is_no_break(bent_still):
    # Before issue 12 the 5 min held at 35 deg counted as one break, spanning the alert itself.
    assert [a.kind for a in bent_still.alerts] == ["sustained_flexion"]
    assert bent_still.summary.breaks == ()
    assert "breaks (still and upright for 5 min or more): 0" in render_summary(bent_still)


def test_still_and_upright_is_a_break(upright_still):
    [rest] = upright_still.summary.breaks
    assert rest.start_s == pytest.approx(21.0, abs=1.0)  # from the end of the calibration routine


def test_an_upright_wearer_spends_no_time_in_the_extension_zone(upright_still):
    # Sway around 0 deg is upright, not "backward" (before: every frame below 0 deg counted, ~half).
    assert zone_s(upright_still, None, -10) == 0.0
    assert zone_s(upright_still, -10, 20) == pytest.approx(upright_still.summary.worn_s, abs=0.2)


def test_zones_and_labels_follow_the_settings(bent_still):
    settings = Settings(alerts=AlertSettings(lateral_deg=20.0, extension_deg=15.0, flexion_low_deg=30.0))
    r = analyze_session(simulate(scenarios.sustained_flexion(35, 300)).to_session(), settings=settings)
    edges = [(z.from_deg, z.to_deg) for z in r.summary.flexion_zones]
    assert edges == [(None, -15.0), (-15.0, 30.0), (30.0, 60.0), (60.0, None)]
    text = render_summary(r)
    assert "beyond 20 deg:" in text and "beyond 10 deg" not in text
    assert "leaning back beyond 15 deg:" in text and "bent 30-60 deg forward:" in text
    assert "beyond 10 deg:" in render_summary(bent_still)


def test_zone_labels():
    assert zone_label(None, -10.0) == "leaning back beyond 10 deg"
    assert zone_label(-10.0, 20.0) == "upright (10 deg back to 20 deg forward)"
    assert zone_label(20.0, 60.0) == "bent 20-60 deg forward"
    assert zone_label(60.0, None) == "bent beyond 60 deg forward"


def test_a_short_session_shows_counts_not_rates():
    # 27 s of wear with one bend read "54/h" before; now the count alone.
    assert per_hour(1, 27.0) is None
    assert per_hour(3, RATE_MIN_WORN_S) == 6.0 and per_hour(10, 3600.0) == 10.0
    sim = simulate(scenarios.severe_flexion(70, 10))  # 21 s calibration, then about 27 s of wear
    r = analyze_session(sim.to_session())
    assert r.summary.worn_s < 60 and r.summary.bends_over_45 == 1
    assert r.summary.bends_per_hour is None and r.to_json_dict()["summary"]["bends_per_hour"] is None
    text = render_summary(r)
    assert "bends past 45 deg: 1\n" in text and "per hour" not in text


def test_settings_declare_the_upright_band_and_extension():
    fields = {f.name: f for f in dataclasses.fields(AlertSettings)}
    assert AlertSettings().extension_deg == 10.0 and AlertSettings().upright_back_deg == 20.0
    assert "extension_deg" in fields and "upright_back_deg" in fields


def test_the_verdict_says_the_session_in_one_line(bent_still, upright_still):
    [a] = bent_still.alerts
    held = duration_text(round(a.end_s, 2) - round(a.since_s, 2))
    assert bent_still.summary.verdict == (f"1 alert; longest bad posture {held} at 35 deg forward; "
                                          f"no real break for {duration_text(bent_still.summary.worn_s)}")
    assert render_summary(bent_still).splitlines()[1] == bent_still.summary.verdict
    assert upright_still.summary.verdict.startswith("no alerts; 1 real break, at most ")

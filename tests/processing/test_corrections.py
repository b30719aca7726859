"""Corrections counted from alerts (issue 14) and "what to change tomorrow", with known answers."""

from __future__ import annotations

from processing import Settings
from processing.alerts import Alert, AlertKind, Severity
from processing.corrections import count_corrections
from processing.rest import Break
from processing.tomorrow import ActionId, actions_for_tomorrow, work_beyond_s
from sensors.samples import Side


def _alert(kind, start_s, end_s, since_s=None):
    return Alert(AlertKind(kind), start_s, start_s - 60 if since_s is None else since_s, Side.BOTH, Severity.WARNING,
                 40.0, "deg", "", "", 60.0, end_s=end_s)


def test_four_of_five_posture_alerts_corrected_median_12_s():
    alerts = [_alert("sustained_flexion", 100, 108), _alert("severe_flexion", 200, 212),
              _alert("sustained_lateral_bend", 300, 315), _alert("lr_asymmetry", 400, 430),  # 30 s: still within
              _alert("sustained_flexion", 500, 560),  # 60 s: not corrected
              _alert("no_rest", 600, 605), _alert("prolonged_static", 700, 701)]  # rest kinds are not counted
    c = count_corrections(alerts, within_s=30.0)
    assert (c.alerts, c.corrected, c.median_s) == (5, 4, 13.5)  # times 8, 12, 15, 30
    assert c.sentence == "corrected within 30 s: 4 of 5 alerts, median 14 s"
    assert count_corrections(alerts[:3], within_s=30.0).sentence == "corrected within 30 s: 3 of 3 alerts, median 12 s"


def test_an_alert_still_going_is_not_corrected_and_none_says_so():
    c = count_corrections([_alert("severe_flexion", 100, None)], within_s=30.0)
    assert (c.alerts, c.corrected, c.median_s) == (1, 0, None)
    assert c.sentence == "corrected within 30 s: 0 of 1 alert"
    assert count_corrections([], within_s=30.0).sentence == "corrected within 30 s: no posture alerts"


def test_work_beyond_the_hour_between_breaks():
    # 0-4000 s of work (400 s past the hour), a break 4000-4400, then 4400-6000 (1600 s: under the hour)
    assert work_beyond_s([Break(4000.0, 4400.0)], start_s=0.0, end_s=6000.0, limit_s=3600.0) == 400.0
    assert work_beyond_s([], start_s=0.0, end_s=7300.0, limit_s=3600.0) == 3700.0


def test_three_actions_ranked_by_minutes_each_with_its_topic():
    s = Settings()
    zones = {(20.0, 60.0): 600.0, (60.0, None): 90.0}  # 10 min bent 20-60, 1.5 min beyond 60
    alerts = [_alert("prolonged_static", 2000, 2400, since_s=200.0)]  # 2200 s = 36.7 min held still
    actions = actions_for_tomorrow(zones_s=zones, lateral_s=20.0, asymmetry_s=300.0, breaks=[], alerts=alerts,
                                   start_s=0.0, end_s=4200.0, settings=s)  # 600 s = 10 min past the hour
    assert [(a.action, a.minutes, a.topic) for a in actions] == [
        (ActionId.CHANGE_POSITION, 36.7, "lifestyle_modifications"),
        (ActionId.RAISE_THE_WORK, 10.0, "posture_correction"),  # ties keep the table's order
        (ActionId.TAKE_BREAKS, 10.0, "rest_and_recovery")]
    # lateral lean (0.3 min) is under half a minute: never listed
    few = actions_for_tomorrow(zones_s={}, lateral_s=20.0, asymmetry_s=60.0, breaks=[], alerts=[], start_s=0.0,
                               end_s=600.0, settings=s)
    assert [(a.action, a.minutes) for a in few] == [(ActionId.EVEN_THE_SIDES, 1.0)]
    assert few[0].exposure == "left and right more than 5 deg apart"

"""The coaching programme's calendar (issue 15): phases, probe days, the fading schedule, and what
the live monitor is told to do each day."""

import math
from datetime import date, timedelta

import pytest

from processing.programme import Phase, Plan, PlanError, delivers, phase, phase_text, share, today_mode

START = date(2026, 3, 2)
PLAN = Plan(START, baseline_days=3, feedback_days=10, fading_days=5, probe_every=7)


def day(n: int) -> date:
    return START + timedelta(days=n)


def test_phases_of_a_four_week_programme():
    phases = [phase(PLAN, day(n)) for n in range(-1, 28)]
    b, f, d, p, a = Phase.BASELINE, Phase.FEEDBACK, Phase.FADING, Phase.PROBE, Phase.AFTER
    assert phases == [Phase.BEFORE,
                      b, b, b,                     # days 0-2
                      f, f, f, f, f, f, p,         # days 3-9: the 7th day after the baseline is a probe
                      f, f, f,                     # days 10-12
                      d, d, d, p, d,               # days 13-17: fading, with the 14th day after baseline a probe
                      a, a, a, a, a, p,            # days 18-23: after, the 21st day after baseline a probe
                      a, a, a, a]


def test_fading_share_falls_linearly_and_tracking_days_deliver_nothing():
    assert [share(PLAN, day(n)) for n in (13, 14, 15, 17)] == pytest.approx([5 / 6, 4 / 6, 3 / 6, 1 / 6])
    assert share(PLAN, day(16)) == 0.0  # a probe day inside the fading phase
    assert share(PLAN, day(0)) == 0.0 and share(PLAN, day(4)) == 1.0 and share(PLAN, day(20)) == 1.0
    assert today_mode(PLAN, day(1)) == (False, 0.0)
    assert today_mode(PLAN, day(9)) == (False, 0.0)
    assert today_mode(PLAN, day(5)) == (True, 1.0)
    assert today_mode(PLAN, day(15)) == (True, 0.5)
    assert today_mode(None, day(15)) == (True, 1.0) and today_mode(PLAN, day(-3)) == (True, 1.0)


def test_which_alerts_a_fading_day_delivers():
    # Half: the 1st, 3rd, 5th ...; a sixth: the 1st and the 7th; all on feedback days, none on probes.
    assert [delivers(PLAN, day(15), i) for i in range(6)] == [True, False, True, False, True, False]
    assert [i for i in range(14) if delivers(PLAN, day(17), i)] == [0, 6, 12]
    assert all(delivers(PLAN, day(4), i) for i in range(20))
    assert not any(delivers(PLAN, day(9), i) for i in range(20))
    # Of the first k alerts exactly ceil(k * share) are delivered, on every fading day.
    for n in (13, 14, 15, 17):
        s = share(PLAN, day(n))
        for k in range(1, 40):
            delivered = sum(delivers(PLAN, day(n), i) for i in range(k))
            assert delivered == math.ceil(round(k * s, 9)), (n, k)


def test_plan_round_trips_through_the_library_form_and_refuses_bad_numbers():
    stored = PLAN.to_dict()
    assert stored == {"start_day": "2026-03-02", "baseline_days": 3, "feedback_days": 10, "fading_days": 5,
                      "probe_every": 7}
    assert Plan.from_dict(stored) == PLAN
    with pytest.raises(PlanError, match="baseline days must be 1 or more"):
        Plan(START, baseline_days=0)
    with pytest.raises(PlanError, match="every 2 or more days"):
        Plan(START, probe_every=1)
    with pytest.raises(PlanError, match="lacks probe_every"):
        Plan.from_dict({k: v for k, v in stored.items() if k != "probe_every"})
    with pytest.raises(PlanError, match="not readable"):
        Plan.from_dict({**stored, "start_day": "soon"})


def test_phase_text():
    assert phase_text(PLAN, day(1)) == ("Day 2 of the programme (2026-03-03): baseline day 2 of 3: tracking only, "
                                        "no alerts.")
    assert "fading day 3 of 5: 50 % of alerts delivered" in phase_text(PLAN, day(15))
    assert "probe day" in phase_text(PLAN, day(9))
    assert phase_text(PLAN, day(-2)) == "The programme starts on 2026-03-02 (in 2 days)."

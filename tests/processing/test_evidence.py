"""Did it help? Spearman's rho with a bootstrap interval, and the change from baseline to probe days
(issue 15): planted effects are found, pure noise is not, the same days give the same interval."""

import numpy as np
import pytest
from scipy import stats

from processing.evidence import (
    MIN_DAYS_ASSOCIATION,
    MIN_DAYS_CHANGE,
    association,
    association_sentence,
    change,
    change_sentence,
    spearman_rho,
)


def test_vectorised_rho_equals_scipy_with_ties():
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 5, (7, 12)).astype(float), rng.normal(size=(7, 12))
    expected = [stats.spearmanr(a, b).statistic for a, b in zip(x, y)]
    assert spearman_rho(x, y) == pytest.approx(expected)


def test_a_planted_association_is_found():
    # 16 days: the rating rises with the minutes bent (plus noise of about 1.5 points).
    rng = np.random.default_rng(7)
    minutes = rng.uniform(5, 60, 16)
    rating = np.clip(np.round(minutes / 8 + rng.normal(0, 1.5, 16)), 0, 10)
    a = association(minutes, rating)
    assert a.n == 16 and a.rho == pytest.approx(stats.spearmanr(minutes, rating).statistic)
    assert 0 < a.low < a.rho < a.high <= 1 and a.clear
    text = association_sentence("check-in rating", "minutes beyond 30 deg", a, days_with_both=16)
    assert "tended to be higher" in text and "n = 16 days" in text
    assert "association within your own days, not proof that one causes the other" in text


def test_pure_noise_gives_an_interval_spanning_zero():
    rng = np.random.default_rng(8)
    a = association(rng.uniform(5, 60, 14), rng.integers(0, 11, 14))
    assert a.low < 0 < a.high and not a.clear
    assert "no clear association" in association_sentence("rating", "minutes", a, days_with_both=14)
    # Over many noise samples the interval leaves out zero about as often as a 95 % interval should.
    found = sum(association(rng.normal(size=12), rng.normal(size=12), resamples=999).clear for _ in range(200))
    assert found <= 20  # 5 % expected (10 of 200); measured 7


def test_association_needs_ten_days_and_some_spread():
    x = np.arange(MIN_DAYS_ASSOCIATION - 1.0)
    assert association(x, x) is None
    assert "9 days with both so far; an association is shown from 10" in association_sentence(
        "rating", "minutes", None, days_with_both=9)
    assert association(np.arange(12.0), np.full(12, 3.0)) is None  # a rating that never varies


def test_same_days_same_interval():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=15), rng.normal(size=15)
    assert association(x, y) == association(x, y)
    base, probe = [42.0, 45.0, 39.0], [28.0, 30.0, 26.0]
    assert change(base, probe) == change(base, probe)


def test_a_drop_from_baseline_is_found_with_its_interval():
    c = change([42.0, 45.0, 39.0], [28.0, 30.0, 26.0])
    assert c.baseline_mean == 42.0 and c.probe_mean == 28.0
    assert c.change_pct == pytest.approx(-100 / 3)
    assert c.low_pct < c.change_pct < c.high_pct < 0 and c.detected
    text = change_sentence("minutes beyond 30 deg", c)
    assert text.startswith("minutes beyond 30 deg on probe days: 28 a day against 42 at baseline (-33 %, 95 % "
                           "interval ")


def test_no_change_is_not_detectable():
    c = change([42.0, 45.0, 39.0], [40.0, 46.0, 38.0])
    assert c.low_pct < 0 < c.high_pct and not c.detected
    assert "no change detectable yet" in change_sentence("minutes beyond 30 deg", c)


def test_false_change_rate_stays_near_five_percent_with_three_days_each():
    """The expanded percentile interval: with 3 days a side a plain bootstrap 'found' a change
    in 15 % of samples without one."""
    rng = np.random.default_rng(11)
    found = sum(change(rng.normal(40, 5, 3), rng.normal(40, 5, 3), resamples=999).detected for _ in range(300))
    assert found <= 30  # measured 17 of 300 (6 %)


def test_change_needs_three_days_a_side_and_a_baseline_above_zero_for_a_percentage():
    assert MIN_DAYS_CHANGE == 3
    assert change([40.0, 41.0], [20.0, 21.0, 22.0]) is None
    nothing = change([0.0, 0.0, 0.0], [1.0, 2.0, 3.0])
    assert nothing.change_pct is None and not nothing.detected
    assert change_sentence("minutes beyond 60 deg", nothing, digits=1) == (
        "minutes beyond 60 deg on probe days: 2.0 a day against 0.0 at baseline; none at baseline, so no change in % "
        "to give")
    assert "not enough days yet" in change_sentence("minutes beyond 30 deg", None)

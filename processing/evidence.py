"""Did it help? Two statistics over days, each with a bootstrap 95 % interval and a plain sentence.

- ``association``: Spearman's rho between two day-by-day series (a check-in rating and an exposure
  figure), from ``MIN_DAYS_ASSOCIATION`` days that have both, with a paired bootstrap interval.
- ``change``: the change from baseline days to probe days, as a percentage of the baseline mean,
  with a two-sample bootstrap interval.

Both use ``scipy.stats.bootstrap`` with a seeded generator, so the same days give the same
interval every time. The sentences say what these are: figures about one person's own days, an
association never a cause, and "no change detectable yet" whenever the interval spans zero.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from processing.numbers import number

# Spearman's rho from fewer than 10 pairs swings widely from one day to the next (issue 15).
MIN_DAYS_ASSOCIATION = 10
# A change needs at least three days on each side: one day has no spread to judge it by, and the
# bootstrap of two days (three possible means) "found" a change in 11 % of simulated samples with none.
MIN_DAYS_CHANGE = 3
CONFIDENCE = 0.95
RESAMPLES = 4999  # bootstrap resamples: enough for stable 2.5 and 97.5 percentiles
SEED = 20150  # any fixed seed: the same days must give the same interval


@dataclass(frozen=True)
class Association:
    """Spearman's rho of ``n`` paired days, with its bootstrap interval (None: too little spread)."""

    rho: float
    low: float | None
    high: float | None
    n: int

    @property
    def clear(self) -> bool:
        """Whether the interval leaves out zero."""
        return self.low is not None and (self.low > 0 or self.high < 0)


@dataclass(frozen=True)
class Change:
    """Mean of the probe days against the mean of the baseline days, and the relative change (%)."""

    baseline_mean: float
    probe_mean: float
    change_pct: float | None  # None with nothing at baseline (no relative change to give)
    low_pct: float | None
    high_pct: float | None
    baseline_days: int
    probe_days: int

    @property
    def detected(self) -> bool:
        """Whether the interval leaves out zero."""
        return self.low_pct is not None and (self.low_pct > 0 or self.high_pct < 0)


def _ranks(x: np.ndarray, axis: int) -> np.ndarray:
    return stats.rankdata(x, axis=axis)


def spearman_rho(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman's rho along ``axis`` (vectorised for the bootstrap; NaN where one side is constant)."""
    rx, ry = _ranks(x, axis), _ranks(y, axis)
    rx = rx - rx.mean(axis=axis, keepdims=True)
    ry = ry - ry.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(rx * ry, axis=axis) / np.sqrt(np.sum(rx * rx, axis=axis) * np.sum(ry * ry, axis=axis))


def association(x, y, *, seed: int = SEED, resamples: int = RESAMPLES) -> Association | None:
    """Spearman's rho of paired days ``x``, ``y`` with a paired bootstrap 95 % interval; None below
    MIN_DAYS_ASSOCIATION pairs or when either series never varies."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size < MIN_DAYS_ASSOCIATION or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    rho = float(stats.spearmanr(x, y).statistic)
    low, high = _interval((x, y), spearman_rho, paired=True, seed=seed, resamples=resamples)
    return Association(rho, low, high, int(x.size))


def change(baseline, probe, *, seed: int = SEED, resamples: int = RESAMPLES) -> Change | None:
    """The probe days' mean against the baseline days' mean: ``100 * (probe / baseline - 1)`` %, with
    a two-sample bootstrap 95 % interval. None with fewer than MIN_DAYS_CHANGE days on a side; with a
    baseline mean of zero there is no relative change (``change_pct`` None).

    With few days a plain percentile bootstrap of a mean is far too narrow (with 3 days on each side
    it "found" a change in 15 % of samples with none). This is Hesterberg's expanded percentile
    interval (Hesterberg 2015, "What teachers should know about the bootstrap", The American
    Statistician 69:371): each group's days are spread about their mean by sqrt(n / (n - 1)), so the
    resampled means vary as the usual standard error says, and the tails are read where Student's t
    with Welch's degrees of freedom puts them rather than the normal curve."""
    base, probe = np.asarray(baseline, float), np.asarray(probe, float)
    if base.size < MIN_DAYS_CHANGE or probe.size < MIN_DAYS_CHANGE:
        return None
    if not base.mean() > 0:
        return Change(float(base.mean()), float(probe.mean()), None, None, None, int(base.size), int(probe.size))
    pct = 100.0 * (probe.mean() / base.mean() - 1.0)
    tail_pct = 100.0 * float(stats.norm.cdf(-stats.t.ppf(0.5 + CONFIDENCE / 2, _welch_df(base, probe))))
    low, high = _interval((_spread(base), _spread(probe)), _relative_change_pct, paired=False, seed=seed,
                          resamples=resamples, tail_pct=tail_pct)
    return Change(float(base.mean()), float(probe.mean()), float(pct), low, high, int(base.size), int(probe.size))


def _welch_df(a: np.ndarray, b: np.ndarray) -> float:
    """Welch-Satterthwaite degrees of freedom of a difference of two means (the smaller group's
    n - 1 when both groups are constant)."""
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if va + vb <= 0:
        return float(min(a.size, b.size) - 1)
    return float((va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1)))


def _spread(x: np.ndarray) -> np.ndarray:
    return x.mean() + (x - x.mean()) * math.sqrt(x.size / (x.size - 1))


def _relative_change_pct(base: np.ndarray, probe: np.ndarray, axis: int = -1) -> np.ndarray:
    b = base.mean(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, 100.0 * (probe.mean(axis=axis) / b - 1.0), np.nan)


def _interval(data: tuple[np.ndarray, ...], statistic, *, paired: bool, seed: int, resamples: int,
              tail_pct: float = 100 * (1 - CONFIDENCE) / 2) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval between the ``tail_pct`` and ``100 - tail_pct`` percentiles
    (resamples whose statistic is undefined are left out); (None, None) when fewer than 90 % of
    them are defined."""
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate resamples are handled below
        result = stats.bootstrap(data, statistic, paired=paired, vectorized=True, n_resamples=resamples,
                                 confidence_level=CONFIDENCE, method="percentile", random_state=rng)
    dist = result.bootstrap_distribution
    defined = dist[np.isfinite(dist)]
    if defined.size < 0.9 * dist.size:
        return None, None
    low, high = np.percentile(defined, [tail_pct, 100 - tail_pct])
    return float(low), float(high)


# ---------------------------------------------------------------- sentences


def change_sentence(what: str, c: Change | None, *, digits: int = 0, unit: str = "a day") -> str:
    """"minutes beyond 30 deg on probe days: 28 a day against 42 at baseline (-33 %, 95 % interval
    -45 to -18 %)", or "...: no change detectable yet (...)" when the interval spans zero."""
    if c is None:
        return f"{what}: not enough days yet (at least {MIN_DAYS_CHANGE} baseline and {MIN_DAYS_CHANGE} probe days)"
    figures = f"{number(c.probe_mean, digits)} {unit} against {number(c.baseline_mean, digits)} at baseline"
    if c.change_pct is None:
        return f"{what} on probe days: {figures}; none at baseline, so no change in % to give"
    if c.low_pct is None:
        return f"{what} on probe days: {figures}; no change detectable yet (the days hardly vary)"
    interval = (f"{number(c.change_pct, sign=True)} %, 95 % interval {number(c.low_pct, sign=True)} to "
                f"{number(c.high_pct, sign=True)} %")
    if not c.detected:
        return f"{what} on probe days: no change detectable yet ({figures}; {interval})"
    return f"{what} on probe days: {figures} ({interval})"


def association_sentence(rating: str, exposure: str, a: Association | None, *, days_with_both: int) -> str:
    """Spearman's rho in words, as an association within this person's own days, never a cause."""
    if a is None:
        if days_with_both < MIN_DAYS_ASSOCIATION:
            return (f"{rating} and {exposure}: {days_with_both} day{'s' if days_with_both != 1 else ''} with both "
                    f"so far; an association is shown from {MIN_DAYS_ASSOCIATION}.")
        return f"{rating} and {exposure}: one of them never varied over the {days_with_both} days, so no association."
    figures = f"Spearman's rho {number(a.rho, 2, sign=True)}"
    figures += (f", 95 % interval {number(a.low, 2, sign=True)} to {number(a.high, 2, sign=True)}, n = {a.n} days"
                if a.low is not None else f", n = {a.n} days (too little spread for an interval)")
    if not a.clear:
        return f"{rating} and {exposure}: no clear association over your days ({figures})."
    direction = "higher" if a.rho > 0 else "lower"
    return (f"{rating} and {exposure}: on your days with more {exposure}, your {rating} tended to be {direction} "
            f"({figures}). This is an association within your own days, not proof that one causes the other.")

"""The trends page's figures: one group of bars or points per day.

``trend_figures`` returns, by name: ``exposure`` (minutes beyond 30 and 60 deg forward and
10 deg sideways), ``lr_difference`` (mean left minus right per day, the person's baseline band,
the fixed asymmetry limit) and ``rates`` (alerts and breaks per hour of wear).
"""

from __future__ import annotations

from datetime import date

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from processing.report import plot_style as style
from processing.report.plot_style import message, styled
from processing.report.trends import Baseline, Trends

TREND_FIGURE_NAMES = ("exposure", "lr_difference", "rates")


def trend_figures(trends: Trends) -> dict[str, Figure]:
    return {"exposure": exposure_figure(trends), "lr_difference": lr_trend_figure(trends),
            "rates": rates_figure(trends)}


def day_label(day: str) -> str:
    """``2026-03-02`` -> ``Mon 02 Mar``; an undated session's name, cut to 14 characters."""
    try:
        return date.fromisoformat(day).strftime("%a %d %b")
    except ValueError:
        return day if len(day) <= 14 else day[:13] + "…"


def _day_axis(ax, days, *, fits: int = 8) -> None:
    """Day labels under the bars; slanted when more than ``fits`` would sit side by side."""
    slant = len(days) > fits
    ax.set_xticks(range(len(days)), [day_label(d.day) for d in days], rotation=40 if slant else 0,
                  ha="right" if slant else "center")
    ax.set_xlim(-0.6, len(days) - 0.4)


def _bottom(days, *, fits: int = 8) -> float:
    return 0.3 if len(days) > fits else 0.14


def _values(days, name: str) -> np.ndarray:
    return np.array([np.nan if getattr(d, name) is None else getattr(d, name) for d in days], dtype=float)


@styled
def exposure_figure(trends: Trends) -> Figure:
    """Grouped bars per day: minutes forward beyond 30 and 60 deg, sideways beyond 10 deg."""
    days = trends.days
    fig = Figure(figsize=(style.FIG_WIDTH_IN, 3.0))
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.07, right=0.98, top=0.86, bottom=_bottom(days))
    if not days:
        message(ax, "no sessions")
        return fig
    x = np.arange(len(days))
    series = (("minutes_over_30", "forward > 30 deg", style.ZONE_MID),
              ("minutes_over_60", "forward > 60 deg", style.ZONE_HIGH),
              ("lateral_over_10_min", "sideways > 10 deg", style.LATERAL_DIFF))
    for i, (name, label, colour) in enumerate(series):
        ax.bar(x + (i - 1) * 0.27, _values(days, name), width=0.27, color=colour, edgecolor="#555555", lw=0.4,
               label=label)
    ax.set_ylabel("minutes per day")
    handles, labels = ax.get_legend_handles_labels()
    if trends.ratings:  # the wearer's check-ins beside the exposure, on their own 0-10 scale
        handles, labels = _ratings(ax, x, days, handles, labels)
        fig.subplots_adjust(right=0.93)
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(labels), frameon=False)
    _day_axis(ax, days)
    return fig


def _ratings(ax, x, days, handles: list, labels: list) -> tuple[list, list]:
    right = ax.twinx()
    right.set_ylim(0, 10.5)
    right.set_ylabel("check-in (0-10)")
    for kind, marker, colour in (("pain", "o", "#222222"), ("fatigue", "s", "#7a5195")):
        values = np.array([np.nan if d.rating(kind) is None else d.rating(kind) for d in days], dtype=float)
        if np.isfinite(values).any():
            (line,) = right.plot(x, values, marker=marker, color=colour, lw=1.0, ls=":", ms=5)
            handles, labels = [*handles, line], [*labels, kind]
    return handles, labels


def _band(ax, base: Baseline | None, colour: str, label: str) -> list:
    if base is None:
        return []
    ax.axhspan(base.low_deg, base.high_deg, color=colour, alpha=0.15, lw=0)
    ax.axhline(base.median_deg, color=colour, lw=0.7, ls="--")
    return [Patch(facecolor=colour, alpha=0.3, label=f"{label}: your baseline ({base.days} days)")]


@styled
def lr_trend_figure(trends: Trends) -> Figure:
    """Mean left minus right per day with the baseline bands and the fixed limit."""
    days = trends.days
    fig = Figure(figsize=(style.FIG_WIDTH_IN, 3.4))
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.07, right=0.98, top=0.82, bottom=_bottom(days))
    lateral, flexion = _values(days, "lateral_diff_mean_deg"), _values(days, "flexion_diff_mean_deg")
    if not days or np.all(np.isnan(lateral)):
        message(ax, "left and right could not be compared (a sensor missing in every session)")
        return fig
    x = np.arange(len(days))
    handles = _band(ax, trends.lateral_baseline, style.LATERAL_DIFF, "sideways")
    handles += _band(ax, trends.flexion_baseline, style.FLEXION_DIFF, "forward")
    limit = trends.asymmetry_deg
    for y in (limit, -limit):
        ax.axhline(y, color=style.CRITICAL, lw=0.8, ls=":")
    for values, base, colour, label in ((lateral, trends.lateral_baseline, style.LATERAL_DIFF, "sideways tilt"),
                                        (flexion, trends.flexion_baseline, style.FLEXION_DIFF, "forward tilt")):
        ax.plot(x, values, color=colour, marker="o", ms=4, lw=1, label=f"{label}, left minus right")
        outside = np.array([base is not None and not np.isnan(v) and not base.contains(v) for v in values])
        if outside.any():
            ax.plot(x[outside], values[outside], ls="none", marker="o", ms=9, mfc="none", mec=colour, mew=1.4)
    ax.axhline(0, color="#888888", lw=0.5)
    bound = max(limit * 1.6, float(np.nanmax(np.abs(np.concatenate([lateral, flexion])))) + 1.0)
    ax.set_ylim(-bound, bound)
    ax.set_ylabel("left - right (deg)")
    lines = ax.get_legend_handles_labels()[0]
    ax.legend(handles=lines + handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
    _day_axis(ax, days)
    return fig


@styled
def rates_figure(trends: Trends) -> Figure:
    """Alerts per hour of wear and breaks per hour of wear, per day."""
    days = trends.days
    fig = Figure(figsize=(style.FIG_WIDTH_IN, 3.0))
    axes = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=_bottom(days, fits=4), wspace=0.2)
    for ax, name, title, colour in ((axes[0], "alerts_per_hour", "alerts per hour of wear", style.WARNING),
                                    (axes[1], "breaks_per_hour", "breaks per hour of wear", style.BREAK)):
        if not days:
            message(ax, "no sessions")
            continue
        values = _values(days, name)
        ax.bar(np.arange(len(days)), np.nan_to_num(values), color=colour, edgecolor="#555555", lw=0.4)
        ax.set_title(title)
        ax.set_ylim(0, max(1.0, float(np.nanmax(np.append(values, 0))) * 1.2))
        _day_axis(ax, days, fits=4)
    return fig

"""The session report's figures, drawn from an ``AnalysisResult``.

``session_figures`` returns, by name: ``timeline`` (trunk and per-side flexion and lateral bend,
ISO 11226 zones shaded, alerts numbered as in the report's table, gaps and the calibration
window shown), ``lr_difference`` (left minus right over time against the asymmetry limit),
``activity`` (moving share, breaks, per-side data gaps), ``zones`` (time in flexion zones) and
``bends_per_hour`` (bends past 45 deg per hour, through the session). Long series are drawn as
min/max envelope bands with their mean as a line (``processing.report.envelope``), so an 8-hour
session costs no more than a short one and its peaks still show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from processing.alerts import Alert, AlertKind
from processing.episodes import hysteresis, runs
from processing.frame_table import FrameTable
from processing.numbers import number as number_shown
from processing.report import plot_style as style
from processing.report.envelope import bucket_mean, buckets, interval_spans, spans
from processing.report.formatting import TimeAxis
from processing.report.plot_style import format_time_axis, message, styled
from processing.result import AnalysisResult
from processing.settings import ActivitySettings
from processing.summary import zone_label
from sensors.samples import Side

FIGURE_NAMES = ("timeline", "lr_difference", "activity", "zones", "bends_per_hour")
# Heights (axes fraction) for alert numbers in the timeline's alerts row, and how far apart
# (share of the time axis) two numbers must be to share a height.
LABEL_LEVELS = (0.62, 0.9, 1.18)
LABEL_GAP = 0.015
REST_KINDS = (AlertKind.NO_REST, AlertKind.PROLONGED_STATIC)


@dataclass(frozen=True)
class Span:
    """The plotted stretch of a session, in plot x (s)."""

    axis: TimeAxis
    lo_x: float
    hi_x: float
    frame_s: float

    @property
    def width_s(self) -> float:
        return self.hi_x - self.lo_x


def session_figures(result: AnalysisResult, axis: TimeAxis) -> dict[str, Figure]:
    """Every figure of the session report, by name (``FIGURE_NAMES``)."""
    t = result.timeline
    frame_s = 1.0 / result.settings.align.frame_rate_hz
    if len(t):
        span = Span(axis, float(axis.x(t.time_s[0])), float(axis.x(t.time_s[-1])) + frame_s, frame_s)
    else:
        span = Span(axis, 0.0, 1.0, frame_s)
    return {
        "timeline": timeline_figure(result, span),
        "lr_difference": lr_difference_figure(result, span),
        "activity": activity_figure(result, span),
        "zones": zones_figure(result),
        "bends_per_hour": bends_figure(result, span),
    }


# ---------------------------------------------------------------- timeline


@styled
def timeline_figure(result: AnalysisResult, span: Span) -> Figure:
    """Alerts row, trunk + per-side flexion with zones, trunk + per-side lateral bend."""
    t, a = result.timeline, result.settings.alerts
    fig = Figure(figsize=(style.FIG_WIDTH_IN, 5.6))
    grid = fig.add_gridspec(3, 1, height_ratios=(0.5, 3.0, 2.0), hspace=0.1)
    alerts_ax = fig.add_subplot(grid[0])
    flex = fig.add_subplot(grid[1], sharex=alerts_ax)
    lat = fig.add_subplot(grid[2], sharex=alerts_ax)
    fig.subplots_adjust(top=0.9, bottom=0.08, **style.TIME_MARGINS)
    if not len(t):
        message(flex, "no data")
        return fig
    x = span.axis.x(t.time_s)
    flex.axhspan(a.flexion_low_deg, a.flexion_high_deg, color=style.ZONE_MID, alpha=0.25, lw=0)
    flex.axhspan(a.flexion_high_deg, 180, color=style.ZONE_HIGH, alpha=0.12, lw=0)
    lat.axhspan(a.lateral_deg, 180, color=style.ZONE_HIGH, alpha=0.08, lw=0)
    lat.axhspan(-180, -a.lateral_deg, color=style.ZONE_HIGH, alpha=0.08, lw=0)
    _side_lines(flex, x, t.left_flexion_deg, t.right_flexion_deg, t.trunk_flexion_deg)
    _side_lines(lat, x, t.left_lateral_deg, t.right_lateral_deg, t.trunk_lateral_deg)
    flex.set_ylim(*_limits(t.trunk_flexion_deg, t.left_flexion_deg, t.right_flexion_deg, low=-15, high=75))
    bound = max(20.0, _abs_max(t.trunk_lateral_deg, t.left_lateral_deg, t.right_lateral_deg) + 3)
    lat.set_ylim(-min(bound, 95), min(bound, 95))
    for ax in (flex, lat):
        _no_data(ax, span, t.time_s, ~t.valid)
        _calibration(ax, span, result)
        ax.axhline(0, color="#888888", lw=0.5)
    _alerts_row(alerts_ax, span, result.alerts)
    _alert_lines((flex, lat), span, result.alerts, kinds=None)
    flex.set_ylabel("forward bend (deg)")
    lat.set_ylabel("lean (deg, left +)")
    alerts_ax.tick_params(labelbottom=False)
    flex.tick_params(labelbottom=False)
    format_time_axis(lat, span.axis, span.lo_x, span.hi_x)
    fig.legend(handles=_timeline_legend(a), loc="upper right", ncol=7, frameon=False,
               bbox_to_anchor=(style.TIME_MARGINS["right"], 1.0))
    return fig


def _side_lines(ax, x: np.ndarray, left: np.ndarray, right: np.ndarray, trunk: np.ndarray) -> None:
    """Each sensor thin, the trunk on top; long sessions: the trunk's min/max band behind them."""
    _series(ax, x, left, style.LEFT, 0.6, band=False)
    _series(ax, x, right, style.RIGHT, 0.6, band=False)
    _series(ax, x, trunk, style.TRUNK, 0.9, band=True)


def _series(ax, x: np.ndarray, values: np.ndarray, colour: str, width: float, *, band: bool,
            label: str | None = None) -> None:
    """The series as a line; when too long to draw point by point, its bucket means as the line
    and (with ``band``) its min/max envelope as a band, so peaks stay visible."""
    b = buckets(x, values, max_points=style.MAX_LINE_POINTS)
    if b.size > 1 and band:
        ax.fill_between(b.mid_s, b.low, b.high, color=colour, alpha=0.22, lw=0)
    ax.plot(b.mid_s, b.mean, color=colour, lw=width, alpha=0.9 if colour == style.TRUNK else 0.75, label=label)


def _timeline_legend(a) -> list:
    line = lambda colour, label: Patch(facecolor=colour, label=label)  # noqa: E731
    return [line(style.TRUNK, "trunk"), line(style.LEFT, "left sensor"), line(style.RIGHT, "right sensor"),
            Patch(facecolor=style.ZONE_MID, alpha=0.5, label=f"{a.flexion_low_deg:g}-{a.flexion_high_deg:g} deg"),
            Patch(facecolor=style.ZONE_HIGH, alpha=0.3,
                  label=f"> {a.flexion_high_deg:g} deg / lean > {a.lateral_deg:g}"),
            Patch(facecolor=style.NO_DATA, alpha=0.4, label="no data"),
            Patch(facecolor="white", edgecolor="#777777", hatch="///", label="calibration")]


def _limits(*series: np.ndarray, low: float, high: float) -> tuple[float, float]:
    values = np.concatenate(series)
    if np.all(np.isnan(values)):
        return low, high
    return max(min(low, float(np.nanmin(values)) - 5), -100.0), min(max(high, float(np.nanmax(values)) + 5), 130.0)


def _abs_max(*series: np.ndarray) -> float:
    values = np.abs(np.concatenate(series))
    return 0.0 if np.all(np.isnan(values)) else float(np.nanmax(values))


def _no_data(ax, span: Span, time_s: np.ndarray, mask: np.ndarray) -> None:
    bars = spans(span.axis.x(time_s), mask, frame_s=span.frame_s, min_gap_s=span.width_s / 1000,
                 min_width_s=span.width_s / 400)
    if bars:
        ax.broken_barh(bars, (0, 1), transform=ax.get_xaxis_transform(), facecolor=style.NO_DATA, alpha=0.4, lw=0)


def _calibration(ax, span: Span, result: AnalysisResult) -> None:
    window = result.calibration.window_s
    if window is None:
        return
    lo, hi = (float(v) for v in span.axis.x(np.array(window)))
    ax.axvspan(max(lo, span.lo_x), min(hi, span.hi_x), facecolor="none", edgecolor="#999999", hatch="///", lw=0)


def _alerts_row(ax, span: Span, alerts: tuple[Alert, ...]) -> None:
    """Each alert: a bar from when its posture began to its end, a numbered mark when raised."""
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.tick_params(bottom=False)
    ax.set_ylabel("alerts", rotation=0, ha="right", va="center")
    for spine in ("left", "bottom"):
        ax.spines[spine].set_visible(False)
    if not alerts:
        ax.text(0.0, 0.5, "  none", transform=ax.transAxes, va="center", color="#555555")
    last_x = [-np.inf] * len(LABEL_LEVELS)  # the last number written on each level
    for number, alert in enumerate(alerts, start=1):
        colour = style.SEVERITY_COLOURS.get(alert.severity, style.WARNING)
        since, start = (float(v) for v in span.axis.x(np.array([alert.since_s, alert.start_s])))
        end = span.hi_x if alert.end_s is None else float(span.axis.x(alert.end_s))
        ax.hlines(0.25, since, end, color=colour, lw=3, alpha=0.45)
        ax.plot([start], [0.25], marker="v", color=colour, ms=6)
        # Numbers of alerts close together go on different levels instead of on top of each other.
        free = [i for i, x in enumerate(last_x) if start - x >= LABEL_GAP * span.width_s]
        level = free[0] if free else int(np.argmin(last_x))
        last_x[level] = start
        ax.text(start, LABEL_LEVELS[level], str(number), ha="center", va="center", fontsize=7, color=colour,
                clip_on=False)


def _alert_lines(axes, span: Span, alerts: tuple[Alert, ...], *, kinds: tuple[AlertKind, ...] | None) -> None:
    for alert in alerts:
        if kinds is None or alert.kind in kinds:
            colour = style.SEVERITY_COLOURS.get(alert.severity, style.WARNING)
            for ax in axes:
                ax.axvline(float(span.axis.x(alert.start_s)), color=colour, lw=0.7, ls=":")


def _numbered_marks(ax, span: Span, alerts: tuple[Alert, ...], kinds: tuple[AlertKind, ...], *,
                    y: float = 1.02) -> None:
    """Numbers (as in the report's table) at height ``y`` (axes fraction) over the alerts of ``kinds``."""
    for number, alert in enumerate(alerts, start=1):
        if alert.kind in kinds:
            colour = style.SEVERITY_COLOURS.get(alert.severity, style.WARNING)
            ax.text(float(span.axis.x(alert.start_s)), y, str(number), transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=7, color=colour)
    _alert_lines((ax,), span, alerts, kinds=kinds)


# ---------------------------------------------------------------- left/right difference


@styled
def lr_difference_figure(result: AnalysisResult, span: Span) -> Figure:
    """Left minus right, forward and sideways, with the asymmetry limit shaded beyond."""
    t, lr = result.timeline, result.summary.left_right
    limit = result.settings.alerts.asymmetry_deg
    fig = Figure(figsize=(style.FIG_WIDTH_IN, 2.6))
    ax = fig.add_subplot()
    fig.subplots_adjust(top=0.86, bottom=0.2, **style.TIME_MARGINS)
    if not len(t) or not lr.available:
        message(ax, lr.sentence if not lr.available else "no data")
        return fig
    x = span.axis.x(t.time_s)
    bound = min(max(2 * limit, _abs_max(t.lr_flexion_diff_deg, t.lr_lateral_diff_deg) + 2), 95)
    ax.axhspan(limit, 180, color=style.ZONE_HIGH, alpha=0.08, lw=0)
    ax.axhspan(-180, -limit, color=style.ZONE_HIGH, alpha=0.08, lw=0)
    ax.axhline(0, color="#888888", lw=0.5)
    for values, colour, label in ((t.lr_flexion_diff_deg, style.FLEXION_DIFF, "forward tilt"),
                                  (t.lr_lateral_diff_deg, style.LATERAL_DIFF, "sideways tilt")):
        _series(ax, x, values, colour, 0.8, band=True, label=f"{label}, left minus right")
    _no_data(ax, span, t.time_s, np.isnan(t.lr_flexion_diff_deg))
    _numbered_marks(ax, span, result.alerts, (AlertKind.LR_ASYMMETRY,))
    ax.set_ylim(-bound, bound)
    ax.set_ylabel("left - right (deg)")
    ax.legend(loc="upper left", ncol=2, frameon=False, bbox_to_anchor=(0, 1.2))
    format_time_axis(ax, span.axis, span.lo_x, span.hi_x)
    return fig


# ---------------------------------------------------------------- activity strip


@styled
def activity_figure(result: AnalysisResult, span: Span) -> Figure:
    """Rows: share of time moving, breaks, and each sensor's data gaps."""
    t = result.timeline
    fig = Figure(figsize=(style.FIG_WIDTH_IN, 2.1))
    ax = fig.add_subplot()
    fig.subplots_adjust(top=0.82, bottom=0.25, **style.TIME_MARGINS)
    if not len(t):
        message(ax, "no data")
        return fig
    rows = ("moving", "breaks", "left gaps", "right gaps")
    break_min = result.settings.activity.break_min_s / 60
    share_t, share = bucket_mean(t.time_s, np.where(t.valid, t.moving.astype(float), np.nan))
    ax.imshow(share[None, :], extent=(float(span.axis.x(share_t[0])), span.hi_x, 3.6, 4.4), aspect="auto",
              cmap="Greens", vmin=0.0, vmax=1.0, interpolation="nearest")
    breaks = [(float(span.axis.x(b.start_s)), None if b.end_s is None else float(span.axis.x(b.end_s)))
              for b in result.summary.breaks]
    ax.broken_barh(interval_spans(breaks, end_s=span.hi_x), (2.6, 0.8), facecolor=style.BREAK)
    for y, side in ((1.0, Side.RIGHT), (2.0, Side.LEFT)):
        info = result.sides[side]
        if not info.present:
            ax.broken_barh([(span.lo_x, span.width_s)], (y - 0.4, 0.8), facecolor="none", edgecolor=style.NO_DATA,
                           hatch="xx", lw=0)
            continue
        gaps = [(float(span.axis.x(a)), float(span.axis.x(b))) for a, b in info.gaps]
        ax.broken_barh(interval_spans(gaps, end_s=span.hi_x, min_width_s=span.width_s / 400), (y - 0.4, 0.8),
                       facecolor=style.NO_DATA)
    ax.legend(handles=[Patch(facecolor="#005a32", label="moving (darker: more of the time)"),
                       Patch(facecolor=style.BREAK, label=f"break (still {break_min:g} min or more)"),
                       Patch(facecolor=style.NO_DATA, label="no data from the sensor")],
              loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False)
    _numbered_marks(ax, span, result.alerts, REST_KINDS, y=0.86)
    ax.set_ylim(0.5, 5.0)
    ax.set_yticks([4, 3, 2, 1], rows)
    format_time_axis(ax, span.axis, span.lo_x, span.hi_x)
    return fig


# ---------------------------------------------------------------- zones and bends


@styled
def zones_figure(result: AnalysisResult) -> Figure:
    """Minutes of trunk flexion in each zone (after calibration)."""
    zones = result.summary.flexion_zones
    fig = Figure(figsize=(5.0, 2.3))
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.27, right=0.97, top=0.95, bottom=0.22)
    labels = [zone_label(z.from_deg, z.to_deg) for z in zones]
    minutes = np.array([z.s / 60 for z in zones])
    total = minutes.sum()
    colours = ("#BBBBBB", "#DDDDDD", style.ZONE_MID, style.ZONE_HIGH)
    ax.barh(labels, minutes, color=colours, edgecolor="#666666", lw=0.5)
    ax.invert_yaxis()
    for y, m in enumerate(minutes):
        share = f" ({100 * m / total:.0f} %)" if total > 0 else ""
        ax.text(m, y, f" {m:.1f} min{share}", va="center", fontsize=7.5)
    ax.set_xlim(0, max(1.0, minutes.max() * 1.35))
    ax.set_xlabel("minutes, trunk forward bend")
    return fig


def bend_starts_s(table: FrameTable, *, settings: ActivitySettings) -> np.ndarray:
    """Times (s) at which bends past ``bend_start_deg`` began, counted as the summary counts them."""
    valid = table.valid
    f = np.where(valid, table.trunk_flexion_deg, np.nan)
    active = hysteresis(f > settings.bend_start_deg, ~(f < settings.bend_end_deg) & valid)
    return table.time_s[runs(active)[0]]


# Bin widths for bends per hour (s): the smallest giving at most MAX_BEND_BINS bins.
BEND_BIN_WIDTHS_S = (300.0, 600.0, 900.0, 1800.0, 3600.0)
MAX_BEND_BINS = 16


@dataclass(frozen=True)
class BendBins:
    start_s: np.ndarray
    width_s: np.ndarray  # the last bin ends with the session
    count: np.ndarray
    worn_s: np.ndarray
    per_hour: np.ndarray  # NaN where less than a minute was worn


def bend_bins(result: AnalysisResult) -> BendBins:
    """Bends past 45 deg per hour of wear in bins through the session (after calibration)."""
    s, t = result.summary, result.timeline
    frame_s = 1.0 / result.settings.align.frame_rate_hz
    analysed = t.slice(int(np.searchsorted(t.time_s, s.analysed_from_s)))
    length = max(s.analysed_to_s + frame_s - s.analysed_from_s, frame_s)
    width = next((w for w in BEND_BIN_WIDTHS_S if length / w <= MAX_BEND_BINS), BEND_BIN_WIDTHS_S[-1])
    edges = s.analysed_from_s + width * np.arange(int(np.ceil(length / width)) + 1)
    edges[-1] = s.analysed_from_s + length
    count = np.histogram(bend_starts_s(analysed, settings=result.settings.activity), bins=edges)[0]
    worn = np.histogram(analysed.time_s[analysed.valid], bins=edges)[0] * frame_s
    per_hour = np.divide(count, worn / 3600, out=np.full(count.size, np.nan), where=worn >= 60)
    return BendBins(edges[:-1], np.diff(edges), count, worn, per_hour)


@styled
def bends_figure(result: AnalysisResult, span: Span) -> Figure:
    """Bends past 45 deg per hour through the session, with the session's rate as a line."""
    fig = Figure(figsize=(5.0, 2.3))
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.14, right=0.93, top=0.9, bottom=0.22)
    if not len(result.timeline):
        message(ax, "no data")
        return fig
    bins = bend_bins(result)
    ax.bar(span.axis.x(bins.start_s), np.nan_to_num(bins.per_hour), width=bins.width_s, align="edge",
           color=style.LEFT, alpha=0.6, edgecolor="white")
    rate = result.summary.bends_per_hour  # None for short sessions (counts only)
    if rate is not None:
        ax.axhline(rate, color=style.TRUNK, lw=0.8, ls="--", label=f"whole session: {number_shown(rate)} per hour")
        ax.legend(loc="upper left", frameon=False, bbox_to_anchor=(0, 1.15))
    ax.set_ylabel("bends per hour")
    ax.set_ylim(0, max(10.0, float(np.nanmax(np.append(bins.per_hour, rate or 0.0))) * 1.25))
    lo = float(span.axis.x(bins.start_s[0]))
    format_time_axis(ax, span.axis, lo, lo + float(bins.width_s.sum()), max_ticks=5)
    return fig

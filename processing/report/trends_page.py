"""The trends page (HTML, self-contained like the session report), its per-session CSV, and PNGs.

    rows = [session_row(result.to_json_dict(), source=name) for name, result in ...]
    write_trends(build_trends(rows), "trends.html", csv_path="trends.csv")
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from processing.alerts import AlertKind
from processing.exposure import GUPTA_NOTE, REBA_SCORES, exposure_minutes_text
from processing.guidance import NOT_MEDICAL_ADVICE
from processing.numbers import duration_text, number
from processing.report.checkin_trend import association_texts
from processing.report.formatting import local_time, number_text
from processing.report.html import FigureView, backmon_version, environment, write_figures
from processing.report.plot_style import svg_data_uri
from processing.report.spreadsheet import write_csv
from processing.report.trend_plots import TREND_FIGURE_NAMES, trend_figures
from processing.report.trends import Baseline, SessionRow, Trends, lr_finding_side
from processing.result import rounded

TREND_FIGURE_TEXT = {
    "exposure": ("Exposure per day",
                 "Minutes per day with the trunk bent forward beyond 30 and 60 deg, and leaning sideways beyond "
                 "10 deg (all sessions of the day added up)."),
    "lr_difference": ("Left minus right per day",
                      "Mean difference between the two sides of the back per day (each side relative to its own "
                      "calibrated upright). Bands: your own baseline (median of your days +- 2 robust standard "
                      "deviations); circled: days outside it; dotted red: the fixed asymmetry limit."),
    "rates": ("Alerts and breaks per hour of wear",
              "Alerts raised and breaks taken per hour the sensors were worn, per day."),
}

CSV_HEADER = ("source", "started_at", "day", "subject", "note", "duration_min", "worn_min", "minutes_over_30",
              "minutes_over_60", "lateral_over_10_min", "bends_over_45", "bends_per_hour", "moving_min", "breaks",
              "breaks_per_hour", "alerts", "alerts_per_hour", *(f"alerts_{k}" for k in AlertKind), "lr_available",
              "lr_flexion_diff_mean_deg", "lr_lateral_diff_mean_deg", "lr_over_limit_pct", "lr_finding_side",
              "calibration_quality", "day_pain_rating", "day_fatigue_rating", *(f"reba_{k}_min" for k in REBA_SCORES),
              "reba_covered_min", "longest_over_60_s")


def csv_row(row: SessionRow, trends: Trends) -> list:
    """One session's spreadsheet row (numbers as numbers, rounded; text as it came)."""
    share = row.lr_share
    day = trends.day_by_name.get(row.day)
    return [row.source, row.started_at.isoformat() if row.started_at else None, row.day, row.subject, row.note,
            rounded(row.duration_s / 60), rounded(row.worn_s / 60), rounded(row.minutes_over_30),
            rounded(row.minutes_over_60), rounded(row.lateral_over_10_s / 60), row.bends_over_45,
            rounded(row.per_hour(row.bends_over_45), 1), rounded(row.moving_s / 60), row.breaks,
            rounded(row.per_hour(row.breaks)), row.alerts, rounded(row.per_hour(row.alerts)),
            *(row.alerts_by_kind[k] for k in AlertKind), row.lr_available, rounded(row.flexion_diff_mean_deg),
            rounded(row.lateral_diff_mean_deg), None if share is None else rounded(100 * share, 1),
            lr_finding_side(row, trends.settings), rounded(row.calibration_quality),
            day.pain if day else None, day.fatigue if day else None,
            *([None] * len(REBA_SCORES) if row.reba_s is None else [rounded(x / 60) for x in row.reba_s]),
            None if row.reba_s is None else rounded(row.reba_covered_s / 60), rounded(row.longest_over_60_s, 1)]


def write_trends_csv(trends: Trends, path: str | os.PathLike, *, inputs=()) -> None:
    write_csv(path, CSV_HEADER, (csv_row(r, trends) for r in trends.sessions), inputs=inputs)


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


def _baseline_text(base: Baseline | None, name: str) -> str:
    if base is None:
        return f"{name}: not enough days for a baseline yet"
    return (f"{name}: median {number(base.median_deg, 1, sign=True)} deg, band {number(base.low_deg, 1, sign=True)} "
            f"to {number(base.high_deg, 1, sign=True)} deg "
            f"over {base.days} days")


def _day_view(d, trends: Trends) -> dict:
    outside = not (trends.lateral_baseline is None or trends.lateral_baseline.contains(d.lateral_diff_mean_deg)) or \
        not (trends.flexion_baseline is None or trends.flexion_baseline.contains(d.flexion_diff_mean_deg))
    return {"day": d.day, "sessions": d.sessions, "worn": duration_text(d.worn_s),
            "over_30": number_text(d.minutes_over_30, 1), "over_60": number_text(d.minutes_over_60, 1),
            "lateral": number_text(d.lateral_over_10_min, 1), "alerts_per_hour": number_text(d.alerts_per_hour, 2),
            "breaks_per_hour": number_text(d.breaks_per_hour, 2), "bends": d.bends,
            "flexion_diff": number_text(d.flexion_diff_mean_deg, 1),
            "lateral_diff": number_text(d.lateral_diff_mean_deg, 1),
            "outside": outside, "lr_findings": d.lr_findings,
            "pain": "" if d.pain is None else d.pain, "fatigue": "" if d.fatigue is None else d.fatigue}


def _exposure_day_view(d) -> dict:
    return {"day": d.day, "over_30": number_text(d.minutes_over_30, 1),
            "blocks_30": number_text(d.minutes_over_30 / 5, 1), "over_60": number_text(d.minutes_over_60, 1),
            "reba": [number_text(None if d.reba_share(k) is None else 100 * d.reba_share(k), 0) for k in REBA_SCORES],
            "longest": duration_text(d.longest_over_60_s) if d.reba_s is not None else "—"}


def exposure_summary(trends: Trends) -> str | None:
    """The dated days' mean minutes beyond 30 and 60 deg in Gupta 2022's 5-minute steps."""
    dated = [d for d in trends.days if any(r.day == d.day and r.started_at for r in trends.sessions)]
    if not dated:
        return None
    n = len(dated)
    per = f"a day on average over {n} day{'s' if n != 1 else ''}"
    return exposure_minutes_text(sum(d.minutes_over_30 for d in dated) / n, sum(d.minutes_over_60 for d in dated) / n,
                                 per=per)


def trends_context(trends: Trends, *, csv_name: str | None, skipped: list[Skipped]) -> dict:
    figures = trend_figures(trends)
    sessions = [{"row": r, "when": local_time(r.started_at).strftime("%Y-%m-%d %H:%M") if r.started_at else "undated",
                 "source": os.path.basename(r.source), "worn": duration_text(r.worn_s),
                 "over_30": number_text(r.minutes_over_30, 1), "alerts": r.alerts,
                 "lateral_diff": number_text(r.lateral_diff_mean_deg, 1),
                 "finding": lr_finding_side(r, trends.settings) or ""} for r in trends.sessions]
    subjects = sorted({r.subject for r in trends.sessions if r.subject})
    return {
        "title": "Back posture trends" + (f": {', '.join(subjects)}" if subjects else ""),
        "subjects": subjects, "finding": trends.finding, "asymmetry_deg": trends.asymmetry_deg,
        "days": [_day_view(d, trends) for d in trends.days], "sessions": sessions,
        "exposure_days": [_exposure_day_view(d) for d in trends.days], "exposure_summary": exposure_summary(trends),
        "gupta": GUPTA_NOTE,
        "figures": [FigureView(n, *TREND_FIGURE_TEXT[n], svg_data_uri(figures[n])) for n in TREND_FIGURE_NAMES],
        "baselines": [_baseline_text(trends.lateral_baseline, "Sideways tilt"),
                      _baseline_text(trends.flexion_baseline, "Forward tilt")],
        "csv_name": csv_name, "skipped": skipped, "settings": trends.settings,
        "ratings": bool(trends.ratings), "ratings_without_session": trends.ratings_without_session,
        "associations": association_texts(trends.days),
        "note": NOT_MEDICAL_ADVICE, "version": backmon_version(), "_figures": figures,
    }


@dataclass(frozen=True)
class TrendFiles:
    html: Path
    csv: Path | None
    figures: tuple[Path, ...]


def write_trends(trends: Trends, path: str | os.PathLike, *, csv_path: str | os.PathLike | None = None,
                 figures_dir: str | os.PathLike | None = None, skipped: list[Skipped] | None = None,
                 inputs=()) -> TrendFiles:
    """The trends page at ``path``; the per-session CSV and PNG figures when asked for. Each file
    is written whole and owner-only, never over one of ``inputs`` or a recording."""
    from sensors.outputs import write_text

    path = Path(path)
    csv_file = Path(csv_path) if csv_path is not None else None
    csv_name = None
    if csv_file is not None:
        write_trends_csv(trends, csv_file, inputs=inputs)
        same_dir = csv_file.resolve().parent == path.resolve().parent
        csv_name = csv_file.name if same_dir else str(csv_file)
    context = trends_context(trends, csv_name=csv_name, skipped=skipped or [])
    write_text(path, environment().get_template("trends.html.j2").render(context), inputs=inputs)
    pngs = write_figures(context["_figures"], figures_dir, inputs=inputs) if figures_dir is not None else []
    return TrendFiles(path, csv_file, tuple(pngs))

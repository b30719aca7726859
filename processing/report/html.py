"""The session report: one self-contained HTML file, and the same figures as PNG on request.

    result = analyze_file("session.csv")
    write_report(result, "report.html", figures_dir="figures")   # figures_dir is optional

The HTML needs no network and runs no script: figures are SVG ``data:`` images, styles are
inline, and a Content-Security-Policy forbids everything else. Text from the session file
(metadata, marks, file names) goes through Jinja2's auto-escaping. The analysis JSON is embedded
as data (``<script type="application/json" id="backmon-analysis">``) for anyone who wants the
numbers behind the page.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from matplotlib.figure import Figure

from processing.guidance import NOT_MEDICAL_ADVICE
from processing.report import views
from processing.report.formatting import TimeAxis
from processing.report.plot_style import save_png, svg_data_uri
from processing.report.plots import FIGURE_NAMES, session_figures
from processing.result import AnalysisResult, finite
from sensors.outputs import make_folders, write_text
from sensors.samples import Mark

# Title and caption (also the image's alt text) of each figure, by name.
FIGURE_TEXT = {
    "timeline": ("Trunk angles through the session",
                 "Forward bend (top) and sideways lean (bottom) of the trunk (black) and of each sensor (blue: left, "
                 "orange: right). Yellow: 20-60 deg, held only for a limited time (ISO 11226); red: beyond 60 deg "
                 "forward or 10 deg sideways. Numbered marks: alerts as in the table below, with a bar from when "
                 "the posture began to when it ended. Grey: no data; hatched: the calibration routine. In long "
                 "sessions each line is the average over a few seconds and the grey band around the trunk's "
                 "line is its full range, so short deep bends still show."),
    "lr_difference": ("Left minus right",
                      "Difference between the two sides of the back (each relative to its own calibrated upright), "
                      "forward and sideways (in long sessions: averages over a few seconds with their range as a "
                      "band). "
                      "Shaded beyond the asymmetry limit; numbered: left/right alerts."),
    "activity": ("Activity and breaks",
                 "Share of time moving (darker green: more), breaks (blue) and each sensor's data gaps (grey); "
                 "numbered: rest alerts."),
    "zones": ("Time in forward-bend zones",
              "Minutes of trunk forward bend in each zone after calibration (ISO 11226 zones)."),
    "bends_per_hour": ("Bends per hour",
                       "Bends past 45 deg (ending below 30 deg) per hour of wear, through the session; dashed: the "
                       "whole session's rate."),
}


@dataclass(frozen=True)
class FigureView:
    name: str
    title: str
    caption: str
    src: str  # data: URI


@dataclass(frozen=True)
class MarkView:
    when: str
    time_s: float
    text: str


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    figures: tuple[Path, ...]


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Templates from ``processing/report/templates``, every value HTML-escaped unless marked safe."""
    return jinja2.Environment(loader=jinja2.PackageLoader("processing.report", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def analysis_data(result: AnalysisResult) -> dict:
    """The analysis JSON exactly as ``backmon analyze --json`` writes it."""
    return json.loads(json.dumps(finite(result.to_json_dict())))


def time_axis(result: AnalysisResult) -> TimeAxis:
    return TimeAxis.for_result(result)


def report_context(result: AnalysisResult, figures: dict[str, Figure], *, marks: Iterable[Mark] = ()) -> dict:
    """Everything the template shows, computed from the analysis JSON and the figures."""
    data = analysis_data(result)
    axis = time_axis(result)
    metadata = data["metadata"]
    return {
        "title": f"Back posture report: {os.path.basename(result.source)}",
        "source": result.source,
        "started_at": axis.start_text or metadata.get("started_at", ""),  # local time where readable
        "subject": views.first_key(metadata, views.SUBJECT_KEYS),
        "simulated": metadata.get("simulated", "").lower() == "true",
        "axis_name": axis.name,
        "stats": views.summary_stats(data),
        "kind_stats": views.alert_kind_stats(data),
        "left_right": data["summary"]["left_right"]["sentence"],
        "figures": [FigureView(name, *FIGURE_TEXT[name], svg_data_uri(figures[name]))
                    for name in FIGURE_NAMES if name in figures],
        "groups": views.topic_groups(data, axis),
        "exposure": views.exposure_view(data, axis),
        "alert_count": len(data["alerts"]),
        "tomorrow": views.tomorrow_actions(data),
        "marks": [MarkView(axis.label(m.time_s, seconds=True), m.time_s, m.text) for m in marks],
        "calibration": data["calibration"],
        "calibration_rows": views.calibration_rows(data, axis),
        "calibration_window": _window_text(data["calibration"]["window_s"], axis),
        "sides": views.side_quality(data, axis),
        "no_data_s": data["summary"]["no_data_s"],
        "data_quality": data["data_quality"],
        "metadata": metadata,
        "settings": views.setting_rows(data),
        "note": NOT_MEDICAL_ADVICE,
        "version": backmon_version(),
        "analysis": data,
    }


def render_report(result: AnalysisResult, *, marks: Iterable[Mark] = (),
                  figures: dict[str, Figure] | None = None) -> str:
    """The report as one HTML document (figures drawn here unless given)."""
    figures = figures if figures is not None else session_figures(result, time_axis(result))
    return environment().get_template("report.html.j2").render(report_context(result, figures, marks=marks))


def write_report(result: AnalysisResult, path: str | os.PathLike, *, marks: Iterable[Mark] = (),
                 figures_dir: str | os.PathLike | None = None,
                 inputs: Iterable[str | os.PathLike | None] = ()) -> ReportFiles:
    """Write the HTML report to ``path``; with ``figures_dir``, each figure as PNG there too.
    Every file is written whole and owner-only, never over one of ``inputs`` or a recording."""
    figures = session_figures(result, time_axis(result))
    html = render_report(result, marks=marks, figures=figures)
    path = Path(path)
    write_text(path, html, inputs=inputs)
    pngs = write_figures(figures, figures_dir, inputs=inputs) if figures_dir is not None else ()
    return ReportFiles(path, tuple(pngs))


def write_figures(figures: dict[str, Figure], directory: str | os.PathLike,
                  inputs: Iterable[str | os.PathLike | None] = ()) -> list[Path]:
    """Each figure as ``<directory>/<name>.png`` (the directory is made 0700 if missing)."""
    directory = Path(directory)
    make_folders(directory)
    return [save_png(fig, directory / f"{name}.png", inputs=inputs) for name, fig in figures.items()]


def _window_text(window_s, axis: TimeAxis) -> str:
    if not window_s:
        return "none"
    return f"{axis.label(window_s[0], seconds=True)} to {axis.label(window_s[1], seconds=True)}"


def backmon_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("backmon")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"

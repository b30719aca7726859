"""``backmon report``: a recorded session in; one self-contained HTML report (and PNG figures) out."""

from __future__ import annotations

import sys
from pathlib import Path

from backmon.args import add_analysis_options, analysis_settings


def add_parser(commands) -> None:
    p = commands.add_parser("report", help="write an HTML report of a recorded session",
                            description="Analyse a recorded session (CSV format v1) and write one self-contained "
                                        "HTML file with the summary, figures, alerts and guidance. It opens in any "
                                        "browser without network access and prints to PDF.")
    p.add_argument("session", help="session CSV file (format backmon-session/1)")
    p.add_argument("-o", "--out", metavar="OUT.html",
                   help="report file to write (default: the session's name with .html, beside it)")
    p.add_argument("--figures", metavar="DIR", help="also write each figure as a PNG file into DIR")
    p.add_argument("--json", metavar="OUT", help="also write the analysis as JSON")
    add_analysis_options(p)
    p.set_defaults(run=run)


def default_out(session: str) -> Path:
    """``day1.csv`` -> ``day1.html`` beside it (never the session file itself)."""
    path = Path(session)
    if path.suffix.lower() in (".html", ".htm"):
        return path.with_name(path.name + ".html")
    return path.with_suffix(".html")


def figure_paths(figures: str | None) -> list[Path]:
    """The PNG files ``--figures DIR`` writes (none without it)."""
    if not figures:
        return []  # the report's modules (matplotlib) take a while to import
    from processing.report.plots import FIGURE_NAMES

    return [Path(figures) / f"{name}.png" for name in FIGURE_NAMES]


def write_outputs(result, *, report: str | None, figures: str | None, inputs=()) -> list[Path]:
    """The report and/or the PNG figures for an analysed session; returns the paths written.
    None of them replaces one of ``inputs`` or a recording (sensors.outputs)."""
    if not (report or figures):
        return []  # the report's modules (matplotlib) take a while to import
    from processing.report.html import time_axis, write_figures, write_report
    from processing.report.plots import session_figures

    if report:
        files = write_report(result, report, marks=result.marks, figures_dir=figures, inputs=inputs)
        return [files.html, *files.figures]
    if figures:
        return write_figures(session_figures(result, time_axis(result)), figures, inputs=inputs)
    return []


def run(args) -> int:
    from processing import analyze_file
    from sensors.outputs import refuse_clashes
    from sensors.text import printable

    out = Path(args.out) if args.out else default_out(args.session)
    inputs = (args.session, args.config)
    # Before any work: an output that would replace an input or a recording is exit 2.
    refuse_clashes([out, args.json, *figure_paths(args.figures)], inputs=inputs)
    settings = analysis_settings(args)
    result = analyze_file(args.session, settings=settings, calibration_window_s=args.calibrate,
                          swap_sides=args.swap_sides)
    written = write_outputs(result, report=str(out), figures=args.figures, inputs=inputs)
    if args.json:
        result.write_json(args.json, inputs=inputs)
    for warning in result.warnings:
        print(printable(f"backmon: warning: {args.session}: {warning}"), file=sys.stderr)
    alerts = len(result.alerts)
    print(printable(f"wrote {written[0]} ({alerts} alert{'s' if alerts != 1 else ''})"))
    for path in written[1:]:
        print(printable(f"wrote {path}"))
    return 0

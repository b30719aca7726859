"""``backmon trends``: many sessions (days) in; a trends page, a per-session CSV and PNGs out."""

from __future__ import annotations

import sys
from pathlib import Path

from sensors.errors import BackmonError

INPUT_SUFFIXES = (".csv", ".json")


def add_parser(commands) -> None:
    p = commands.add_parser("trends", help="compare many sessions (days): trends page and spreadsheet CSV",
                            description="Put many sessions side by side: exposure per day, the left/right "
                                        "difference against your own baseline, alerts and breaks per hour of "
                                        "wear, and a flag for a left/right finding that persists. Inputs are "
                                        "session CSV files, analysis JSON files (backmon analyze --json), or "
                                        "folders holding them.")
    p.add_argument("inputs", nargs="+", metavar="DIR_OR_FILE", help="session CSV / analysis JSON files or folders")
    p.add_argument("-o", "--out", default="trends.html", metavar="OUT.html",
                   help="trends page to write (default: trends.html)")
    p.add_argument("--csv", metavar="OUT.csv",
                   help="per-session figures for spreadsheets (default: the page's name with .csv)")
    p.add_argument("--figures", metavar="DIR", help="also write each figure as a PNG file into DIR")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding thresholds (for session CSV inputs)")
    p.set_defaults(run=run)


def own_output(path: Path) -> bool:
    """A spreadsheet backmon wrote (a trends CSV, a batch summary): never a session to read."""
    from backmon.batch import is_summary
    from processing.report.trends_page import CSV_HEADER
    from sensors.outputs import first_line

    return first_line(path) == ",".join(CSV_HEADER) or is_summary(path)


def collect_inputs(inputs: list[str]) -> list[Path]:
    """Files named, and the session CSV / analysis JSON files directly inside folders named
    (leaving out backmon's own spreadsheets from earlier runs)."""
    files: list[Path] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            files += sorted(p for p in path.iterdir()
                            if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and not own_output(p))
        elif path.is_file():
            files.append(path)
        else:
            raise BackmonError(f"{name}: no such file or folder")
    return list(dict.fromkeys(files))


def load_row(path: Path, settings):
    """A ``SessionRow`` from a session CSV (analysed now) or an analysis JSON file."""
    from processing import analyze_file
    from processing.report.trends import read_analysis_json, session_row

    if path.suffix.lower() == ".json":
        return session_row(read_analysis_json(path), source=str(path))
    result = analyze_file(path, settings=settings)
    return session_row(result.to_json_dict(), source=str(path))


def run(args) -> int:
    from processing import load_settings
    from processing.report.trend_plots import TREND_FIGURE_NAMES
    from processing.report.trends import build_trends
    from processing.report.trends_page import Skipped, write_trends
    from sensors.outputs import refuse_clashes
    from sensors.text import printable

    out = Path(args.out)
    csv_path = Path(args.csv) if args.csv else out.with_suffix(".csv")
    if csv_path.resolve() == out.resolve():
        csv_path = out.with_name(out.stem + ".sessions.csv")
    figures = [Path(args.figures) / f"{name}.png" for name in TREND_FIGURE_NAMES] if args.figures else []
    sources = collect_inputs(args.inputs)
    inputs = [*sources, args.config]
    # Before any work: no output may replace an input (a session named as --csv), the settings
    # file or a recording.
    refuse_clashes([out, csv_path, *figures], inputs=inputs)
    settings = load_settings(args.config)
    rows, skipped = [], []
    for path in sources:
        try:
            rows.append(load_row(path, settings))
        except (BackmonError, ValueError, KeyError) as err:
            reason = str(err) if not isinstance(err, KeyError) else f"missing field {err}"
            skipped.append(Skipped(str(path), reason))
            print(printable(f"backmon: warning: {path}: left out ({reason})"), file=sys.stderr)
    if not rows:
        raise BackmonError(f"{', '.join(args.inputs)}: no usable session CSV or analysis JSON found")
    files = write_trends(build_trends(rows), out, csv_path=csv_path, figures_dir=args.figures, skipped=skipped,
                         inputs=inputs)
    days = len({r.day for r in rows})
    sessions = f"{len(rows)} session{'s' if len(rows) != 1 else ''}"
    print(printable(f"wrote {files.html} ({sessions}, {days} day{'s' if days != 1 else ''})"))
    for path in (files.csv, *files.figures):
        print(printable(f"wrote {path}"))
    return 0

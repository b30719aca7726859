"""``backmon trends``: many sessions (days) in; a trends page, a per-session CSV and PNGs out."""

from __future__ import annotations

import sys
from pathlib import Path

from backmon.args import add_day_range_options, add_library_option
from sensors.errors import BackmonError

INPUT_SUFFIXES = (".csv", ".json")


def add_parser(commands) -> None:
    p = commands.add_parser("trends", help="compare many sessions (days): trends page and spreadsheet CSV",
                            description="Put many sessions side by side: exposure per day, the left/right "
                                        "difference against your own baseline, alerts and breaks per hour of "
                                        "wear, and a flag for a left/right finding that persists. Inputs are "
                                        "session CSV files, analysis JSON files (backmon analyze --json), or "
                                        "folders holding them; with none, the sessions in your library. Your "
                                        "check-ins (backmon checkin) are shown beside each day's exposure.")
    p.add_argument("inputs", nargs="*", metavar="DIR_OR_FILE",
                   help="session CSV / analysis JSON files or folders (default: the sessions in your library)")
    add_day_range_options(p)
    add_library_option(p)
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
        elif path.exists():  # a pipe, a device, a socket: never read (it may not end)
            raise BackmonError(f"{name}: not a regular file or a folder")
        else:
            raise BackmonError(f"{name}: no such file or folder")
    return list(dict.fromkeys(files))


def read_rows(sources: list[Path], settings) -> tuple[list, list]:
    """Session rows of the files that can be read, and the files left out (each with a warning)."""
    from processing.report.trends_page import Skipped
    from sensors.text import printable

    rows, skipped = [], []
    for path in sources:
        try:
            rows.append(load_row(path, settings))
        except (BackmonError, ValueError, KeyError) as err:
            reason = str(err) if not isinstance(err, KeyError) else f"missing field {err}"
            skipped.append(Skipped(str(path), reason))
            print(printable(f"backmon: warning: {path}: left out ({reason})"), file=sys.stderr)
    return rows, skipped


def load_row(path: Path, settings):
    """A ``SessionRow`` from a session CSV (analysed now) or an analysis JSON file."""
    from processing import analyze_file
    from processing.report.trends import read_analysis_json, session_row

    if path.suffix.lower() == ".json":
        return session_row(read_analysis_json(path), source=str(path))
    result = analyze_file(path, settings=settings)
    return session_row(result.to_json_dict(), source=str(path))


def library_rows(args) -> tuple[list, list, list[Path]]:
    """(session rows, day ratings, the library's files) from the library, within --from/--to."""
    from backmon.library import Library
    from processing.report.trends import session_row

    with Library.open(args.library) as library:
        records = library.sessions(args.from_day, args.to_day)
        ratings = day_ratings(library, args)
        files = [library.path, library.journal_path]
    if not records:
        within = " between those days" if args.from_day or args.to_day else ""
        raise BackmonError(f"no sessions in your library{within} ({library.path}); add them with 'backmon library "
                           "add FILES|DIR', or give session files or folders")
    return [session_row(r.analysis, source=str(r.path)) for r in records], ratings, files


def day_ratings(library, args) -> list:
    from processing.report.trends import DayRating

    return [DayRating(c.day.isoformat(), str(c.kind), c.rating, c.time.isoformat())
            for c in library.checkins(args.from_day, args.to_day)]


def ratings_if_any(args) -> list:
    """Check-ins from the library, when there is one (session files named: never create one)."""
    from backmon.library import Library, library_path

    if not library_path(args.library).is_file():
        return []
    with Library.open(args.library) as library:
        return day_ratings(library, args)


def in_range(row, args) -> bool:
    """A session row within --from/--to (an undated one only without them)."""
    from datetime import date

    if not (args.from_day or args.to_day):
        return True
    try:
        day = date.fromisoformat(row.day)
    except ValueError:
        return False
    return (args.from_day is None or day >= args.from_day) and (args.to_day is None or day <= args.to_day)


def run(args) -> int:
    from backmon.args import check_day_range
    from processing import load_settings
    from processing.report.trend_plots import TREND_FIGURE_NAMES
    from processing.report.trends import build_trends
    from processing.report.trends_page import write_trends
    from sensors.outputs import refuse_clashes
    from sensors.text import printable

    check_day_range(args)
    out = Path(args.out)
    csv_path = Path(args.csv) if args.csv else out.with_suffix(".csv")
    if csv_path.resolve() == out.resolve():
        csv_path = out.with_name(out.stem + ".sessions.csv")
    figures = [Path(args.figures) / f"{name}.png" for name in TREND_FIGURE_NAMES] if args.figures else []
    if not args.inputs:
        rows, ratings, library_files = library_rows(args)
        inputs = [*library_files, *(row.source for row in rows), args.config]
        refuse_clashes([out, csv_path, *figures], inputs=inputs)
        skipped = []
    else:
        sources = collect_inputs(args.inputs)
        inputs = [*sources, args.config]
        # Before any work: no output may replace an input (a session named as --csv), the settings
        # file or a recording.
        refuse_clashes([out, csv_path, *figures], inputs=inputs)
        rows, skipped = read_rows(sources, load_settings(args.config))
        if not rows:
            raise BackmonError(f"{', '.join(args.inputs)}: no usable session CSV or analysis JSON found")
        rows = [row for row in rows if in_range(row, args)]
        if not rows:
            raise BackmonError(f"{', '.join(args.inputs)}: no session between --from and --to")
        ratings = ratings_if_any(args)
    files = write_trends(build_trends(rows, ratings=ratings), out, csv_path=csv_path, figures_dir=args.figures,
                         skipped=skipped, inputs=inputs)
    days = len({r.day for r in rows})
    sessions = f"{len(rows)} session{'s' if len(rows) != 1 else ''}"
    print(printable(f"wrote {files.html} ({sessions}, {days} day{'s' if days != 1 else ''})"))
    for path in (files.csv, *files.figures):
        print(printable(f"wrote {path}"))
    return 0

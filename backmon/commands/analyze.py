"""``backmon analyze``: a recorded session in; summary, JSON and timeline out."""

from __future__ import annotations

import sys

from backmon.args import add_analysis_options, add_library_option, analysis_settings
from backmon.progress import progress_bar


def add_parser(commands) -> None:
    p = commands.add_parser("analyze", aliases=["analyse"], help="analyse a recorded session CSV",
                            description="Analyse a recorded session (CSV format v1): summary on stdout, "
                                        "optional JSON and 10 Hz timeline files.")
    p.add_argument("session", help="session CSV file (format backmon-session/1)")
    p.add_argument("--json", "-o", "--out", dest="json", metavar="OUT", help="write the analysis as JSON")
    p.add_argument("--timeline", metavar="OUT", help="write the 10 Hz timeline CSV")
    add_analysis_options(p)
    p.add_argument("--report", metavar="OUT.html", help="write the HTML report (as 'backmon report' does)")
    p.add_argument("--figures", metavar="DIR", help="write each report figure as a PNG file into DIR")
    p.add_argument("--strict", action="store_true",
                   help="refuse a file the reader had to fix (rows skipped, rows sorted, a spreadsheet's "
                        "format converted): its warnings become an error, exit status 2")
    p.add_argument("--quiet", "-q", action="store_true", help="do not print the summary")
    p.add_argument("--add", action="store_true",
                   help="also add the session, with this analysis, to your session library ('backmon library')")
    p.add_argument("--no-library", action="store_true", help="do not add the session (overrides --add)")
    add_library_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from backmon.commands.report import figure_paths, write_outputs
    from processing import analyze_file  # the method's modules load while the file is read
    from sensors.outputs import refuse_clashes
    from sensors.text import printable

    inputs = (args.session, args.config)
    # Before any work: an output that would replace an input or a recording is exit 2.
    refuse_clashes([args.json, args.timeline, args.report, *figure_paths(args.figures)], inputs=inputs)
    settings = analysis_settings(args)
    with progress_bar(printable(f"analysing {args.session}"), quiet=args.quiet) as update:
        result = analyze_file(args.session, settings=settings, calibration_window_s=args.calibrate,
                              swap_sides=args.swap_sides, progress=update)
    from backmon.text import render_summary  # imports the method (scipy): loaded by now
    from processing.frame_table import write_timeline_csv

    if args.strict and result.warnings:
        refuse_warnings(args.session, result.warnings)
    if args.json:
        result.write_json(args.json, inputs=inputs)
    if args.timeline:
        write_timeline_csv(result.timeline, args.timeline, inputs=inputs)
    write_outputs(result, report=args.report, figures=args.figures, inputs=inputs)
    if not args.quiet:
        print(printable(render_summary(result), keep="\n"))
    for warning in result.warnings:
        print(printable(f"backmon: warning: {args.session}: {warning}"), file=sys.stderr)
    if args.add and not args.no_library:
        from backmon.library.adding import add_after

        add_after(args.session, library=args.library, analysis=result.to_json_dict(), quiet=args.quiet)
    return 0


def refuse_warnings(path: str, warnings: tuple[str, ...]) -> None:
    """--strict: the first warning as the one-line error (it names the lines)."""
    from sensors.errors import SessionFileError

    more = f" (and {len(warnings) - 1} more warning(s))" if len(warnings) > 1 else ""
    raise SessionFileError(path, f"--strict: {warnings[0]}{more}")

"""``backmon batch``: many sessions, in parallel processes or on a Dask cluster."""

from __future__ import annotations

import sys
from pathlib import Path

from backmon.progress import progress_bar


def add_parser(commands) -> None:
    p = commands.add_parser(
        "batch", help="analyse many sessions in parallel",
        description="Analyse every session found (directories are searched for *.csv; globs are expanded). "
                    "Writes one JSON and one HTML report per session and summary.csv to --out. "
                    "A session that fails is listed at the "
                    "end and does not stop the others; the exit status is 2 if any failed.")
    p.add_argument("inputs", nargs="+", metavar="DIR_OR_GLOB", help="directories, globs or session files")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--jobs", "-j", type=_positive_int, default=None,
                   help="worker processes (default: the number of cores; never more than the cores or the "
                        "sessions)")
    p.add_argument("--dask", metavar="SCHEDULER_ADDRESS",
                   help="run on an existing Dask distributed cluster (e.g. tcp://10.0.0.5:8786) instead of "
                        "local processes; workers must see the same file paths (needs backmon[cluster])")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding thresholds and settings")
    p.add_argument("--no-report", dest="report", action="store_false",
                   help="JSON and summary.csv only (drawing each report takes about half a second)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no per-session lines")
    p.set_defaults(run=run)


def _positive_int(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def run(args) -> int:
    import tomllib

    from backmon.batch import (
        find_sessions,
        limit_threads,
        output_names,
        planned_outputs,
        run_dask,
        run_local,
        worker_count,
        write_outputs,
    )
    from sensors.outputs import refuse_clashes
    from sensors.text import printable

    limit_threads()  # before numpy and friends start their thread pools, here and in the workers
    from processing import load_settings

    paths = find_sessions(args.inputs)
    out_dir = Path(args.out)
    names = output_names(paths)
    inputs = [*paths, args.config]
    # Before any work: no output may replace a session (a summary.csv that is one), the settings
    # file or a recording.
    refuse_clashes(planned_outputs(out_dir, names, report=args.report), inputs=inputs)
    settings_data = None
    if args.config:
        load_settings(args.config)  # validates, with one-line errors
        with open(args.config, "rb") as handle:
            settings_data = tomllib.load(handle)
    if args.dask:
        outcomes = run_dask(paths, address=args.dask, settings_data=settings_data, report=args.report)
    else:
        outcomes = run_local(paths, jobs=worker_count(args.jobs, len(paths)), settings_data=settings_data,
                             report=args.report)
    with progress_bar("sessions", quiet=args.quiet, total=len(paths)) as update:
        count = [0]

        def each(outcome) -> None:
            count[0] += 1
            update(count[0])

        done = write_outputs(outcomes, out_dir, names=names, inputs=inputs, on_each=each)
    failed = [o for o in done if o.row["status"] != "ok"]
    if not args.quiet:
        print(printable(f"analysed {len(done) - len(failed)} of {len(done)} sessions; results in {args.out}"))
    for outcome in failed:
        print(printable(f"backmon: failed: {outcome.row['error']}"), file=sys.stderr)
    return 2 if failed else 0

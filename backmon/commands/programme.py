"""``backmon programme``: a coaching programme (baseline, feedback, fading and probe days) stored
in the library, today's phase, and the report that answers "is it working?"."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backmon.args import add_library_option, iso_day

DESCRIPTION = ("Is the feedback working? A programme measures your usual exposure on baseline days (no alerts), "
               "gives every alert on feedback days, a falling share of them on fading days, and keeps a probe day "
               "(no alerts) every few days after the baseline, so that the report can compare what you do on your "
               "own before and after. It is kept in your session library.")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"a number of days is a whole number, 0 or more, not {text!r}")
    return value


def add_parser(commands) -> None:
    p = commands.add_parser("programme", help="coaching programme: start one, today's phase, is it working?",
                            description=DESCRIPTION)
    add_library_option(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(p))

    start = actions.add_parser("start", help="start a programme (replaces the one in force)",
                               description="Store a new programme in the library; the monitor follows its phase "
                                           "from the start day on.")
    start.add_argument("--baseline-days", type=_count, default=3, metavar="N",
                       help="days of tracking only at the start, to compare with (default 3; 3 or more are "
                            "needed to report a change)")
    start.add_argument("--feedback-days", type=_count, default=10, metavar="N",
                       help="days on which every alert is delivered (default 10)")
    start.add_argument("--fading-days", type=_count, default=5, metavar="N",
                       help="days delivering a falling share of the alerts (default 5)")
    start.add_argument("--probe-every", type=_count, default=7, metavar="N",
                       help="every Nth day after the baseline is a probe day, tracking only (default 7)")
    start.add_argument("--start", type=iso_day, metavar="YYYY-MM-DD",
                       help="the first baseline day (default: today)")
    start.set_defaults(run=run_start)

    status = actions.add_parser("status", help="the phase of today (or --day)",
                                description="Say which phase of the programme a day is in and what the monitor "
                                            "does then.")
    status.add_argument("--day", type=iso_day, metavar="YYYY-MM-DD", help="another day than today")
    status.set_defaults(run=run_status)

    report = actions.add_parser(
        "report", help="exposure per day by phase, and the change from baseline to probe days",
        description="Write a page with the exposure of each day of the programme (minutes bent beyond 30 and "
                    "60 deg, leaning sideways beyond 10 deg, left and right apart, breaks) and, for each, the "
                    "change from the baseline days to the probe days with a bootstrap 95 %% interval.")
    report.add_argument("-o", "--out", default="programme.html", metavar="OUT.html",
                        help="page to write (default: programme.html)")
    report.add_argument("--csv", nargs="?", const="", metavar="OUT.csv",
                        help="also write the days as CSV (default name: the page's with .csv)")
    report.add_argument("--to", dest="to_day", type=iso_day, metavar="YYYY-MM-DD",
                        help="leave out days after this one (default: today)")
    report.set_defaults(run=run_report)

    for sub in actions.choices.values():
        add_library_option(sub, suppress=True)


def _plan(library):
    """The programme in force as a Plan; UsageError when there is none or it cannot be read."""
    from processing.programme import Plan, PlanError
    from sensors.errors import UsageError

    stored = library.programme()
    if stored is None:
        raise UsageError("no programme in the library yet: start one with 'backmon programme start'")
    try:
        return Plan.from_dict(stored)
    except PlanError as err:
        raise UsageError(f"{library.path}: {err}") from None


def rows_from_records(records) -> tuple[list, list[tuple[str, str]]]:
    """Trends' SessionRow of each library session; (source, reason) for an analysis that cannot be read."""
    from processing.report.trends import session_row

    rows, skipped = [], []
    for record in records:
        try:
            rows.append(session_row(record.analysis, source=str(record.path)))
        except (KeyError, TypeError, ValueError) as err:
            skipped.append((str(record.path), f"missing field {err}" if isinstance(err, KeyError) else str(err)))
    return rows, skipped


def run_start(args) -> int:
    from datetime import date

    from backmon.library import Library
    from processing.programme import Plan, PlanError
    from processing.report.programme_page import calendar_text
    from sensors.errors import UsageError

    try:
        plan = Plan(args.start or date.today(), baseline_days=args.baseline_days, feedback_days=args.feedback_days,
                    fading_days=args.fading_days, probe_every=args.probe_every)
    except PlanError as err:
        raise UsageError(f"programme: {err}") from None
    with Library.open(args.library) as library:
        library.start_programme(plan.to_dict())
    print(f"programme stored, starting {plan.start_day.isoformat()}")
    for line in calendar_text(plan):
        print(f"  {line}")
    if plan.baseline_days < 3:
        print("  note: with fewer than 3 baseline days the report cannot say whether exposure changed")
    return 0


def run_status(args) -> int:
    from datetime import date

    from backmon.library import Library
    from processing.programme import phase_text, today_mode

    day = args.day or date.today()
    with Library.open(args.library) as library:
        plan = _plan(library)
    alerts_on, share = today_mode(plan, day)
    print(phase_text(plan, day))
    print(f"  monitor: {'alerts on' if alerts_on else 'tracking only, no alerts'}"
          + (f", {100 * share:.0f} % of them delivered" if alerts_on and share < 1 else ""))
    return 0


def run_report(args) -> int:
    from datetime import date

    from backmon.library import Library
    from processing.report.checkin_trend import association_texts
    from processing.report.programme_page import programme_days, programme_evidence, write_programme
    from processing.report.trends import DayRating, with_ratings
    from sensors.outputs import refuse_clashes
    from sensors.text import printable

    out = Path(args.out)
    csv_path = None if args.csv is None else (Path(args.csv) if args.csv else out.with_suffix(".csv"))
    if csv_path is not None and csv_path.resolve() == out.resolve():
        csv_path = out.with_name(out.stem + ".days.csv")
    refuse_clashes([out, csv_path])
    to_day = args.to_day or date.today()
    with Library.open(args.library) as library:
        plan = _plan(library)
        records = library.sessions(plan.start_day, to_day)
        ratings = [DayRating(c.day.isoformat(), str(c.kind), c.rating, c.time.isoformat())
                   for c in library.checkins(plan.start_day, to_day)]
        inputs = [r.path for r in records]
    refuse_clashes([out, csv_path], inputs=inputs)
    rows, skipped = rows_from_records(records)
    for source, reason in skipped:
        print(printable(f"backmon: warning: {source}: left out ({reason})"), file=sys.stderr)
    days = programme_days(plan, rows)
    evidence = programme_evidence(days)
    page, csv_file = write_programme(plan, days, evidence, out, today=to_day, csv_path=csv_path, inputs=inputs,
                                     association=association_texts(with_ratings([d.row for d in days], ratings)))
    print(printable(f"wrote {page} ({len(days)} day{'s' if len(days) != 1 else ''} with a recording)"))
    if csv_file is not None:
        print(printable(f"wrote {csv_file}"))
    for c in evidence.changes:
        print(printable(f"  {c.sentence}"))
    return 0

"""``backmon checkin``: the wearer's own 0-10 rating of pain or fatigue for a day, with a note."""

from __future__ import annotations

import argparse

from backmon.args import add_library_option, iso_day


def rating(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value <= 10:
        raise argparse.ArgumentTypeError(f"the rating is a whole number from 0 (none) to 10 (worst), not {text!r}")
    return value


def add_parser(commands) -> None:
    p = commands.add_parser(
        "checkin", help="note how your back feels today: a 0-10 pain or fatigue rating",
        description="Store a check-in in your session library: a rating from 0 (none) to 10 (the worst you can "
                    "imagine) for a day, with an optional note. 'backmon trends' shows your check-ins beside the "
                    "day's exposure. It stays on this machine.")
    p.add_argument("rating", type=rating, help="0 (none) to 10 (the worst you can imagine)")
    p.add_argument("--note", default="", metavar="TEXT", help='a few words, e.g. "stiff after lifting"')
    p.add_argument("--kind", choices=("pain", "fatigue"), default="pain", help="what you rate (default: pain)")
    p.add_argument("--day", type=iso_day, metavar="YYYY-MM-DD",
                   help="the day it is about: a date, 'today' (the default) or 'yesterday'")
    add_library_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from datetime import date

    from backmon.library import Library
    from sensors.errors import UsageError
    from sensors.text import printable

    day = args.day or date.today()
    if day > date.today():
        raise UsageError(f"--day {day} is in the future; a check-in is about today or an earlier day")
    with Library.open(args.library) as library:
        checkin = library.add_checkin(day, args.rating, args.note, args.kind)
        same_day = [c for c in library.checkins(day, day, kind=args.kind)]
    note = f" ({printable(checkin.note)})" if checkin.note else ""
    print(f"{checkin.kind} {checkin.rating}/10 noted for {day.isoformat()}{note}")
    if len(same_day) > 1:
        print(f"  {len(same_day)} {checkin.kind} check-ins for that day; trends use the latest")
    return 0

"""Argument types and options shared by commands."""

from __future__ import annotations

import argparse


def time_span(text: str) -> tuple[float, float]:
    """``START:END`` (or ``START-END``) seconds, for argparse."""
    from sensors.session.files import parse_time_span

    try:
        return parse_time_span(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_analysis_options(p: argparse.ArgumentParser) -> None:
    """Options that change the analysis itself (``analyze`` and ``report``)."""
    p.add_argument("--config", metavar="FILE", help="TOML file overriding thresholds and settings")
    p.add_argument("--calibrate", metavar="START:END", type=time_span,
                   help="calibration window in seconds on the file's time axis (overrides the file's)")
    p.add_argument("--sensitivity", choices=("gentle", "standard", "strict"), default="standard",
                   help="alert presets as in 'backmon monitor' (a recording notes its own: '# sensitivity:'); "
                        "--config still overrides single settings")
    p.add_argument("--swap-sides", action="store_true",
                   help="exchange left and right (sensors worn on the wrong sides; the analysis says when it "
                        "sees this)")


LIBRARY_HELP = ("the session library file (default: $BACKMON_LIBRARY, else library.sqlite3 in your data folder, "
                "e.g. ~/.local/share/backmon)")


def add_library_option(p: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """``--library PATH``; ``suppress`` for a sub-command's copy, so that the value given before
    the sub-command (``backmon library --library X list``) is not reset."""
    p.add_argument("--library", metavar="PATH", help=LIBRARY_HELP,
                   **({"default": argparse.SUPPRESS} if suppress else {}))


def iso_day(text: str):
    """``2026-03-02``, ``today`` or ``yesterday`` as a date, for argparse."""
    from datetime import date, timedelta

    word = text.strip().lower()
    if word in ("today", "yesterday"):
        return date.today() - timedelta(days=word == "yesterday")
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a day is written YYYY-MM-DD (or 'today', 'yesterday'), not {text!r}") \
            from None


def add_day_range_options(p: argparse.ArgumentParser, what: str = "sessions") -> None:
    p.add_argument("--from", dest="from_day", type=iso_day, metavar="YYYY-MM-DD",
                   help=f"only {what} on this day or later (the local date the session started)")
    p.add_argument("--to", dest="to_day", type=iso_day, metavar="YYYY-MM-DD",
                   help=f"only {what} on this day or earlier")


def check_day_range(args) -> None:
    from sensors.errors import UsageError

    if args.from_day and args.to_day and args.from_day > args.to_day:
        raise UsageError(f"--from {args.from_day} is after --to {args.to_day}")


def add_no_library_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--no-library`` (and ``--library PATH``) for a command that adds the session it makes."""
    p.add_argument("--no-library", action="store_true",
                   help=f"do not add {what} to your session library ('backmon library'; added by default)")
    add_library_option(p)


def analysis_settings(args):
    """The settings ``add_analysis_options`` asked for: the sensitivity preset, then --config."""
    from processing import Settings, load_settings
    from processing.sensitivity import with_sensitivity

    return load_settings(args.config, base=with_sensitivity(Settings(), args.sensitivity))

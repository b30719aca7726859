"""``backmon``: the command line. Bad input ends in one sentence on stderr and exit status 2.

Messages often quote a file (a header cell, a zip member's name) or the radio (a device name), so
the final print goes through sensors.text's sanitiser: no control sequence reaches the terminal.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

from backmon import __version__
from backmon.commands import COMMANDS
from sensors.errors import BackmonError
from sensors.text import printable

EXIT_OK, EXIT_BAD_INPUT = 0, 2
# Commands that show times of day: local wall-clock time by default, UTC with --utc.
TIMED_COMMANDS = ("analyze", "report", "batch", "trends", "monitor")
UTC_HELP = "show times of day in UTC instead of this machine's time zone"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="backmon", description="Two IMUs on the back: trunk angles, left/right comparison, "
                                                 "posture and rest alerts with guidance.")
    parser.add_argument("--version", action="version", version=f"backmon {__version__}")
    parser.add_argument("--utc", action="store_true", help=UTC_HELP)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"backmon.commands.{name}").add_parser(commands)
    for name in TIMED_COMMANDS:  # also after the command; SUPPRESS keeps "backmon --utc analyze" working
        commands.choices[name].add_argument("--utc", action="store_true", default=argparse.SUPPRESS, help=UTC_HELP)
    return parser


def _show_times_in_utc() -> None:
    """Every time shown to people is local wall-clock time (processing/report/formatting.py);
    --utc makes the process's local zone UTC, so one switch reaches the summary, report, trends,
    live view and batch's worker processes alike."""
    os.environ["TZ"] = "UTC"
    time.tzset()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.utc:
        _show_times_in_utc()
    try:
        return args.run(args)
    except BackmonError as err:
        print(printable(f"backmon: {err}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:  # a file we were asked to read or write could not be
        where = f"{err.filename}: " if err.filename else ""
        print(printable(f"backmon: {where}{err.strerror or err}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("backmon: interrupted", file=sys.stderr)
        return 130

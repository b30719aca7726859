"""``backmon``: the command line. Bad input ends in one sentence on stderr and exit status 2; a
command name that is nearly right gets a suggestion; ``backmon`` alone lists the commands (exit 0).

Messages often quote a file (a header cell, a zip member's name) or the radio (a device name), so
the final print goes through sensors.text's sanitiser: no control sequence reaches the terminal.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import re
import sys
import time

from backmon import __version__
from backmon.commands import COMMAND_WORDS, COMMANDS
from sensors.errors import BackmonError
from sensors.text import printable

EXIT_OK, EXIT_BAD_INPUT = 0, 2
# Commands that show times of day: local wall-clock time by default, UTC with --utc.
TIMED_COMMANDS = ("analyze", "report", "batch", "trends", "monitor")
UTC_HELP = "show times of day in UTC instead of this machine's time zone"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {did_you_mean(message)}\n")


def did_you_mean(message: str) -> str:
    """argparse's "invalid choice: 'analyz' (choose from ...)" with the nearest choice suggested
    (difflib's ratio of 0.6 or more), or the message as it was."""
    found = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if not found:
        return message
    word, choices = found.group(1), re.findall(r"'([^']*)'", found.group(2))
    close = difflib.get_close_matches(word, choices, n=1)
    if message.startswith("argument COMMAND:"):
        hint = f"did you mean '{close[0]}'?" if close else "'backmon' alone lists the commands"
        return f"unknown command '{word}'; {hint}"
    return f"{message}; did you mean '{close[0]}'?" if close else message


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with `only` (a command's module name) that command's alone: a command
    imports what it needs and nothing for the other eight (start-up, issue 16)."""
    parser = _Parser(prog="backmon", description="Two IMUs on the back: trunk angles, left/right comparison, "
                                                 "posture and rest alerts with guidance.")
    parser.add_argument("--version", action="version", version=f"backmon {__version__}")
    parser.add_argument("--utc", action="store_true", help=UTC_HELP)
    # No command is no error: "backmon" alone prints this help, the list of commands, and exits 0.
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"backmon.commands.{name}").add_parser(commands)
    # --utc also after the command; SUPPRESS keeps "backmon --utc analyze" working.
    for name in (name for name in TIMED_COMMANDS if name in commands.choices):
        commands.choices[name].add_argument("--utc", action="store_true", default=argparse.SUPPRESS, help=UTC_HELP)
    return parser


def _show_times_in_utc() -> None:
    """Every time shown to people is local wall-clock time (processing/report/formatting.py);
    --utc makes the process's local zone UTC, so one switch reaches the summary, report, trends,
    live view and batch's worker processes alike."""
    os.environ["TZ"] = "UTC"
    time.tzset()


def command_module(argv: list[str]) -> str | None:
    """The module of the command `argv` names (its first word after --utc), if it names one."""
    words = [word for word in argv if word != "--utc"]
    return COMMAND_WORDS.get(words[0]) if words else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(command_module(argv))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
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

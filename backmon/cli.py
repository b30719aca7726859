"""``backmon``: the command line. Bad input ends in one sentence on stderr and exit status 2.

Messages often quote a file (a header cell, a zip member's name) or the radio (a device name), so
the final print goes through sensors.text's sanitiser: no control sequence reaches the terminal.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from backmon import __version__
from backmon.commands import COMMANDS
from sensors.errors import BackmonError
from sensors.text import printable

EXIT_OK, EXIT_BAD_INPUT = 0, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="backmon", description="Two IMUs on the back: trunk angles, left/right comparison, "
                                                 "posture and rest alerts with guidance.")
    parser.add_argument("--version", action="version", version=f"backmon {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"backmon.commands.{name}").add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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

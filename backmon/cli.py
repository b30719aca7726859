"""``backmon``: the command line. Bad input ends in one sentence on stderr and exit status 2."""

from __future__ import annotations

import argparse
import sys

from sensors.errors import BackmonError

EXIT_OK, EXIT_BAD_INPUT = 0, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def _time_span(text: str) -> tuple[float, float]:
    from sensors.session_csv import parse_time_span

    try:
        return parse_time_span(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="backmon", description="Two IMUs on the back: trunk angles, left/right comparison, "
                                                 "posture and rest alerts with guidance.")
    from backmon import __version__

    parser.add_argument("--version", action="version", version=f"backmon {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    analyze = commands.add_parser("analyze", help="analyse a recorded session CSV",
                                  description="Analyse a recorded session (CSV format v1): summary on stdout, "
                                              "optional JSON and 10 Hz timeline files.")
    analyze.add_argument("session", help="session CSV file (format backmon-session/1)")
    analyze.add_argument("--json", "-o", "--out", dest="json", metavar="OUT", help="write the analysis as JSON")
    analyze.add_argument("--timeline", metavar="OUT", help="write the 10 Hz timeline CSV")
    analyze.add_argument("--config", metavar="FILE", help="TOML file overriding thresholds and settings")
    analyze.add_argument("--calibrate", metavar="START:END", type=_time_span,
                         help="calibration window in seconds on the file's time axis (overrides the file's)")
    analyze.add_argument("--quiet", "-q", action="store_true", help="do not print the summary")
    analyze.set_defaults(run=_run_analyze)

    simulate = commands.add_parser("simulate", help="write a simulated session CSV (virtual sensors)",
                                   description="Run a scripted scenario through the virtual sensors and write "
                                               "the session as CSV. The data are simulated, not measured.")
    from sensors.scenarios import SCENARIOS

    simulate.add_argument("scenario", choices=sorted(SCENARIOS), help="named scenario")
    simulate.add_argument("-o", "--out", required=True, metavar="PATH", help="session CSV to write")
    simulate.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    simulate.add_argument("--rate-hz", type=float, default=100.0, help="sample rate of both sensors (default 100)")
    simulate.add_argument("--mount-deg", type=float, default=0.0,
                          help="random mounting error of up to this many degrees per sensor (default 0)")
    simulate.set_defaults(run=_run_simulate)
    return parser


def _run_analyze(args) -> int:
    from backmon.text import render_summary
    from processing import analyze_session, load_settings
    from sensors.session_csv import read_session

    settings = load_settings(args.config)
    session = read_session(args.session)
    result = analyze_session(session, settings=settings, calibration_window_s=args.calibrate)
    if args.json:
        result.write_json(args.json)
    if args.timeline:
        from processing.frame_table import write_timeline_csv

        write_timeline_csv(result.timeline, args.timeline)
    if not args.quiet:
        print(render_summary(result))
    for warning in session.warnings:
        print(f"backmon: warning: {args.session}: {warning}", file=sys.stderr)
    return EXIT_OK


def _run_simulate(args) -> int:
    from sensors.scenarios import SCENARIOS
    from sensors.simulator import simulate

    scenario = SCENARIOS[args.scenario](seed=args.seed, rate_hz=args.rate_hz, mount_deg=args.mount_deg)
    simulate(scenario).write(args.out)
    print(f"wrote {args.out} (simulated scenario '{args.scenario}', seed {args.seed})")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BackmonError as err:
        print(f"backmon: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:  # a file we were asked to write could not be written
        print(f"backmon: {err.filename or ''}: {err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("backmon: interrupted", file=sys.stderr)
        return 130

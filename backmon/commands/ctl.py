"""``backmon ctl``: control a running monitor from another terminal (backmon/live/control.py)."""

from __future__ import annotations


def add_parser(commands) -> None:
    p = commands.add_parser(
        "ctl", help="control a running monitor: snooze, pause, resume, recalibrate, mark, quit",
        description="Send one command to the 'backmon monitor' running for you on this machine, through its "
                    "control socket (owner-only: $BACKMON_CONTROL, else $XDG_RUNTIME_DIR/backmon/monitor.sock, "
                    "else <temp>/backmon-<uid>/monitor.sock). The same as the monitor's keys; each command is "
                    "written into the recording. Exit 2 when no monitor runs.")
    p.add_argument("verb", metavar="ACTION", choices=("snooze", "pause", "resume", "recalibrate", "mark", "quit"),
                   help="snooze [MINUTES] (default 15): alerts recorded, not delivered; pause / resume: the same "
                        "until resumed; recalibrate: the guided routine again; mark NOTE: tag this moment; "
                        "quit: stop the monitor (summary and check-in in its terminal)")
    p.add_argument("words", nargs="*", metavar="ARG", help="snooze: minutes; mark: the note")
    p.set_defaults(run=run)


def run(args) -> int:
    from backmon.live.control import BadCommand, NoMonitor, parse_command, send
    from sensors.errors import UsageError
    from sensors.text import printable

    request: dict = {"command": args.verb}
    if args.verb == "snooze" and args.words:
        try:
            request["minutes"] = float(args.words[0])
        except ValueError:
            raise UsageError(f"snooze takes a number of minutes, not '{args.words[0]}'") from None
        if len(args.words) > 1:
            raise UsageError("snooze takes one number of minutes")
    elif args.verb == "mark":
        request["note"] = " ".join(args.words)
    elif args.words:
        raise UsageError(f"{args.verb} takes no arguments")
    try:
        command = parse_command(request)
    except BadCommand as err:
        raise UsageError(str(err)) from None
    try:
        reply = send(command)
    except NoMonitor as err:
        raise UsageError(str(err)) from None
    except (OSError, ValueError) as err:
        raise UsageError(f"the monitor did not answer properly ({err})") from None
    if not reply.ok:
        raise UsageError(f"the monitor refused: {reply.message}")
    print(printable(reply.message))
    return 0

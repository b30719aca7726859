"""``backmon monitor``: two sensors live -> status, alerts with guidance, a crash-safe recording."""

from __future__ import annotations

import argparse
import sys

from backmon.args import add_no_library_option

DEFAULT_SCENARIO = "normal_work"


def add_parser(commands) -> None:
    from sensors.scenarios import SCENARIOS

    p = commands.add_parser(
        "monitor", help="watch two sensors live: posture status, alerts, recording",
        description="Connect the left and right sensors (one at a time), calibrate (stand still, then one slow "
                    "forward bend), then show trunk angles and alerts with guidance as they happen (also as desktop "
                    "notifications, and a vibration on sensors with a motor), recording everything as a session "
                    "CSV that 'backmon analyze' reads. Ctrl-C stops and prints the session summary. Nothing is "
                    "sent off this computer.")
    p.add_argument("--left", metavar="NAME_OR_ADDRESS",
                   help="the sensor worn left of the spine: its address, advertised name or name prefix")
    p.add_argument("--right", metavar="NAME_OR_ADDRESS", help="the sensor worn right of the spine")
    p.add_argument("--profile", choices=("witmotion", "movesense", "backmon"),
                   help="device family of both sensors (default: recognised from their names; with --simulate: "
                        "the family of the virtual sensors, witmotion unless given)")
    p.add_argument("--rate-hz", type=float, metavar="HZ", help="sample rate to configure (default: the profile's)")
    p.add_argument("--record", "-o", "--out", dest="record", metavar="FILE",
                   help="record the session to this CSV file (readable by you only)")
    p.add_argument("--duration", type=float, metavar="S",
                   help="stop after monitoring this many seconds, counted from the end of the guided calibration "
                        "(or from the first sample without a routine)")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding thresholds and settings")
    p.add_argument("--transport", metavar="SPEC",
                   help="Bluetooth stack: the system's (default), or bumble:<hci-transport> such as bumble:usb:0 "
                        "(a USB dongle) or bumble:tcp-client:127.0.0.1:9001 (a shared virtual radio)")
    p.add_argument("--simulate", nargs="?", const=DEFAULT_SCENARIO, choices=sorted(SCENARIOS), metavar="SCENARIO",
                   help="no hardware: two virtual sensors on an in-process radio, worn by a simulated person "
                        f"who also does the calibration (scenario default {DEFAULT_SCENARIO}; choices: "
                        f"{', '.join(sorted(SCENARIOS))})")
    p.add_argument("--no-routine", action="store_true",
                   help="skip the guided calibration: start at once and find your upright posture and forward "
                        "direction from how you move (overall tilt only until a forward bend shows the direction)")
    p.add_argument("--feedback", choices=("immediate", "after"), default="immediate",
                   help="when posture alerts reach you: 'immediate' as they are raised, with a 'back to neutral' "
                        "when you correct within alerts.corrected_within_s (30 s); 'after' once you are back in "
                        "neutral, as a summary of what was held and for how long, never during the bend (rest "
                        "alerts come as raised in both)")
    p.add_argument("--sensitivity", choices=("gentle", "standard", "strict"), default="standard",
                   help="alert presets (README, 'Sensitivity presets'): gentle waits longer and repeats less, "
                        "strict calls any hold over 1 min; --config still overrides single settings")
    p.add_argument("--no-control", action="store_true",
                   help="no keys and no control socket ('backmon ctl' will not reach this monitor)")
    p.add_argument("--no-notify", action="store_true",
                   help="no desktop notifications (by default each alert is also a notification, where the system "
                        "has a notification service)")
    p.add_argument("--no-haptics", action="store_true",
                   help="no vibration (by default sensors with a motor, backmon boards, buzz with each alert)")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no desktop notifications, no vibration and no terminal bell: alerts are only printed")
    p.add_argument("--tracking-only", action="store_true", help="record and show angles, but raise no alerts")
    add_no_library_option(p, "the recording (--record)")
    # For tests: virtual sensors and the monitor's clock run this many times faster than real time.
    p.add_argument("--time-scale", type=float, default=1.0, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def run(args) -> int:
    import asyncio

    from sensors.errors import UsageError

    if args.duration is not None and not args.duration > 0:
        raise UsageError(f"--duration must be a positive number of seconds, not {args.duration:g}")
    if not args.time_scale > 0:
        raise UsageError("--time-scale must be positive")
    if args.time_scale != 1.0 and not args.simulate and not (args.transport or "").startswith("bumble:tcp"):
        raise UsageError("--time-scale is for virtual sensors only (--simulate or a virtual radio)")
    if args.record:
        _check_writable(args.record)
    if not args.simulate and not (args.left and args.right):
        raise UsageError("give both --left and --right (a name, name prefix or address each; 'backmon scan' "
                         "lists them), or try --simulate")
    status = asyncio.run(_monitor(args))
    if status == 0 and args.record and not args.no_library:
        _add_to_library(args)
    return status


def _add_to_library(args) -> None:
    """The recording, closed by now (its hash is final), into the library: analysed again from
    the file, as 'library rebuild' would."""
    import os

    from backmon.library.adding import add_after
    from processing import load_settings

    if os.path.isfile(args.record):
        add_after(args.record, library=args.library, settings=load_settings(args.config))


def _check_writable(path: str) -> None:
    """Refuse a recording path that cannot be written before any sensor is connected: a recording
    is always a new file (an earlier one, or anything a symlink points to, is never truncated)."""
    import os

    from sensors.errors import SessionFileError

    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise SessionFileError(path, "is a directory, not a file to record to")
    if os.path.lexists(path):
        raise SessionFileError(path, "already exists; a recording never replaces a file: choose a new name")
    if not os.path.isdir(folder):
        raise SessionFileError(path, f"cannot create the recording: no folder {folder}")
    if not os.access(folder, os.W_OK):
        raise SessionFileError(path, "cannot create the recording: permission denied")


def _programme_today(args) -> tuple[float, str | None]:
    """The coaching programme's share of today's alerts (processing.programme.today_mode) and its
    phase in a sentence; (1.0, None) without a library or a programme in it. A library that
    cannot be read is said in one line and the monitor alerts as usual."""
    from datetime import date

    from backmon.library import Library, library_path
    from processing.programme import Plan, PlanError, phase_text, today_mode
    from sensors.errors import BackmonError
    from sensors.text import printable

    if args.no_library or not library_path(args.library).exists():
        return 1.0, None
    try:
        with Library.open(args.library) as library:
            stored = library.programme()
        plan = None if stored is None else Plan.from_dict(stored)
    except (BackmonError, PlanError) as err:
        print(printable(f"backmon: warning: the coaching programme is not followed ({err})"), file=sys.stderr)
        return 1.0, None
    if plan is None:
        return 1.0, None
    today = date.today()
    alerts_on, share = today_mode(plan, today)
    return (share if alerts_on else 0.0), phase_text(plan, today)


async def _monitor(args) -> int:
    import asyncio
    import signal

    from backmon.live.channels import ChannelOptions
    from backmon.live.coach import FeedbackStyle
    from backmon.live.control import control_path
    from backmon.live.session import LiveMonitor, MonitorOptions
    from backmon.live.status import StatusView
    from processing import Settings, load_settings
    from processing.sensitivity import with_sensitivity
    from sensors.ble.transport import bluetooth_errors, default_simulated_sensors, open_radio, parse_transport
    from sensors.profiles import PROFILES

    settings = load_settings(args.config, base=with_sensitivity(Settings(), args.sensitivity))
    spec = parse_transport(args.transport, simulate=bool(args.simulate))
    profile = args.profile or "witmotion"
    view = StatusView(quiet=args.quiet, tracking_only=args.tracking_only)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    metadata = (("simulated", "true"), ("scenario", args.simulate)) if args.simulate else ()
    metadata += (("sensitivity", args.sensitivity), ("feedback", args.feedback))
    share, phase = _programme_today(args)
    if phase is not None:
        view.message(phase)
        metadata += (("programme", phase),)
    with bluetooth_errors(spec):
        async with open_radio(spec, sensors=lambda: default_simulated_sensors(
                args.simulate or DEFAULT_SCENARIO, speed=args.time_scale, profiles=(profile, profile))) as radio:
            left = args.left or (radio.sensors[0].address if radio.sensors else None)
            right = args.right or (radio.sensors[1].address if radio.sensors else None)
            options = MonitorOptions(left=left, right=right, profile=args.profile, rate_hz=args.rate_hz,
                                     record=args.record, duration_s=args.duration, settings=settings,
                                     tracking_only=args.tracking_only, time_scale=args.time_scale, metadata=metadata,
                                     routine=not args.no_routine, feedback=FeedbackStyle(args.feedback),
                                     control_path=None if args.no_control else control_path(),
                                     keys=not args.no_control, programme_share=share,
                                     channels=ChannelOptions.from_flags(quiet=args.quiet, no_notify=args.no_notify,
                                                                        no_haptics=args.no_haptics))
            if args.simulate:
                await _prepare_wearer(radio, args.rate_hz or PROFILES[profile].default_rate_hz)
                view.message(f"simulated session '{args.simulate}': two virtual {profile} sensors, no hardware; "
                             "the virtual wearer follows the calibration prompts by itself")
            await LiveMonitor(options, radio, view, end_of_shift=lambda outcome: _end_of_shift(outcome, args),
                              ).run(stop)
    return 0


async def _end_of_shift(outcome, args) -> int | None:
    """The summary (with how each alert was delivered and what to change tomorrow), then the
    check-in; its answer goes into the recording (LiveMonitor._ask_checkin) and, unless
    --no-library, into the library's check-ins for today (trends and the programme read them)."""
    import asyncio

    print(_summary(outcome, args.record), flush=True)
    if outcome.result is None:
        return None
    score = await asyncio.to_thread(ask_checkin)
    if score is not None and not args.no_library:
        _checkin_to_library(args, score)
    return score


def _checkin_to_library(args, score: int) -> None:
    from datetime import date

    from backmon.library import Library
    from sensors.errors import BackmonError
    from sensors.text import printable

    try:
        with Library.open(args.library) as library:
            library.add_checkin(date.today(), score, note="end of shift (backmon monitor)")
    except (BackmonError, OSError) as err:
        print(printable(f"backmon: warning: check-in kept in the recording, not in your library ({err})"),
              file=sys.stderr)


CHECKIN_QUESTION = "How does your back feel, 0-10? (0 = no trouble, 10 = very bad; Enter skips) "


def ask_checkin(stdin=None, out=None) -> int | None:
    """The optional check-in: a whole number from 0 to 10, asked at most twice; Enter, end of
    input or a stdin that is not a terminal skips it."""
    import sys

    stdin, out = stdin or sys.stdin, out or sys.stdout
    try:
        if not stdin.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    for _ in range(2):
        out.write(CHECKIN_QUESTION)
        out.flush()
        answer = stdin.readline()
        if not answer.strip():
            return None
        if answer.strip().isdigit() and 0 <= int(answer.strip()) <= 10:
            return int(answer.strip())
        out.write("a whole number from 0 to 10, please\n")
    return None


async def _prepare_wearer(radio, rate_hz: float) -> None:
    """Simulate the virtual wearer before connecting (at the configured rate and at WitMotion's
    factory rate, which streams until the rate command lands), so that the scenario, whose clock
    starts at the first subscription, does not run on while the simulation is computed."""
    import asyncio

    from sensors.ble.virtual_sensors import FACTORY_RATE_HZ

    wearers = {id(s.wearer): s.wearer for s in radio.sensors}.values()
    await asyncio.gather(*(w.simulated(rate) for w in wearers for rate in {float(rate_hz), FACTORY_RATE_HZ}))


def _summary(outcome, record: str | None) -> str:
    from backmon.text import render_summary
    from sensors.text import printable

    lines = ["", "Session ended."]
    for side, stream in outcome.streams.items():
        link, c = outcome.links[side], stream.counts
        lines.append(f"  {side:<6} {printable(link.name)} ({link.address}): {c.samples} samples, "
                     f"{max(0, link.connects - 1)} reconnect(s), {c.duplicates} repeated dropped, "
                     f"{c.malformed} malformed dropped"
                     + (f", refused {len(link.strangers)} stranger(s) with the same name" if link.strangers else ""))
    if record:
        lines.append(f"  recorded to {record} (analyse it again with: backmon analyze {record})")
    if outcome.result is None:
        lines.append("  stopped before calibration was done: no summary")
        return "\n".join(lines)
    return "\n".join(lines + _delivery_lines(outcome) + ["", render_summary(outcome.result)])


def _delivery_lines(outcome) -> list[str]:
    """How each alert reached the wearer (coach.AlertRecord.how)."""
    if not outcome.alerts:
        return []
    lines = ["", "Alerts as they reached you"]
    for record in outcome.alerts:
        corrected = ", then 'back to neutral'" if record.corrected_s is not None else ""
        lines.append(f"  {record.alert.kind.title}: {record.how}{corrected}")
    return lines

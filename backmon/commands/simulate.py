"""``backmon simulate``: a scripted scenario through the virtual sensors, written as a session CSV."""

from __future__ import annotations


def add_parser(commands) -> None:
    from sensors.scenarios import SCENARIOS

    p = commands.add_parser("simulate", help="write a simulated session CSV (virtual sensors)",
                            description="Run a scripted scenario through the virtual sensors and write the "
                                        "session as CSV. The data are simulated, not measured.")
    p.add_argument("scenario", choices=sorted(SCENARIOS), help="named scenario")
    p.add_argument("-o", "--out", required=True, metavar="PATH",
                   help="session CSV to write; with --days: a folder (created) that gets one "
                        "<scenario>-<YYYY-MM-DD>.csv per day, or a path in which {day} becomes the date")
    p.add_argument("--start", metavar="ISO-TIME",
                   help="when the (first) session starts, e.g. 2026-03-02T08:00 (this machine's local time) or "
                        "2026-03-02T07:00Z; default 2026-01-05T08:00:00Z")
    p.add_argument("--days", type=int, default=1, metavar="N",
                   help="N sessions on N consecutive days at the same time of day, seeds SEED, SEED+1, ... "
                        "(a week of sessions for 'backmon trends'; default 1)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--rate-hz", type=float, default=100.0, help="sample rate of both sensors (default 100)")
    p.add_argument("--mount-deg", type=float, default=0.0,
                   help="random mounting error of up to this many degrees per sensor (default 0)")
    p.set_defaults(run=run)


def run(args) -> int:
    from sensors.outputs import refuse_clashes
    from sensors.scenarios import SCENARIOS
    from sensors.simulator import simulate

    days = day_starts(args.start, args.days)
    outputs = [day_path(args.out, args.scenario, when, several=args.days > 1) for when in days]
    refuse_clashes(outputs)  # a recording already there: exit 2 before simulating
    for number, (when, out) in enumerate(zip(days, outputs, strict=True)):
        seed = args.seed + number  # each day a different day's work
        scenario = SCENARIOS[args.scenario](seed=seed, rate_hz=args.rate_hz, mount_deg=args.mount_deg)
        metadata = {} if when is None else {"started_at": iso_utc(when)}
        simulate(scenario).write(out, metadata=metadata)
        print(f"wrote {out} (simulated scenario '{args.scenario}', seed {seed})")
    return 0


def day_starts(start: str | None, days: int) -> list:
    """The start of each day's session (aware datetimes), or [None] for the simulator's own start.
    A start without a zone is this machine's local time, and each day keeps its time of day on
    the wall (08:00 stays 08:00 across a change to summer time)."""
    from datetime import datetime, timedelta

    from sensors.errors import UsageError

    if days < 1:
        raise UsageError(f"--days must be 1 or more, not {days}")
    if start is None:
        if days == 1:
            return [None]
        start = "2026-01-05T08:00:00Z"  # the simulator's own start (sensors.simulator.STARTED_AT)
    try:
        first = datetime.fromisoformat(start.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--start must be an ISO 8601 time such as 2026-03-02T08:00, not {start!r}") from None
    return [_aware(first + timedelta(days=n)) for n in range(days)]


def _aware(when):
    return when.astimezone() if when.tzinfo is None else when  # naive: the machine's local time


def iso_utc(when) -> str:
    from datetime import timezone

    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def day_path(out: str, scenario: str, when, *, several: bool) -> str:
    """Where a day's session goes: ``{day}`` in ``out`` becomes its date (the start's own calendar
    day); with several days and no ``{day}``, ``out`` is a folder of ``<scenario>-<date>.csv``."""
    import os

    day = "undated" if when is None else when.date().isoformat()
    if "{day}" in out:
        return out.replace("{day}", day)
    return os.path.join(out, f"{scenario}-{day}.csv") if several else out

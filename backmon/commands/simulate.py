"""``backmon simulate``: a scripted scenario through the virtual sensors, written as a session CSV."""

from __future__ import annotations


def add_parser(commands) -> None:
    from sensors.scenarios import SCENARIOS

    p = commands.add_parser("simulate", help="write a simulated session CSV (virtual sensors)",
                            description="Run a scripted scenario through the virtual sensors and write the "
                                        "session as CSV. The data are simulated, not measured.")
    p.add_argument("scenario", choices=sorted(SCENARIOS), help="named scenario")
    p.add_argument("-o", "--out", required=True, metavar="PATH", help="session CSV to write")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--rate-hz", type=float, default=100.0, help="sample rate of both sensors (default 100)")
    p.add_argument("--mount-deg", type=float, default=0.0,
                   help="random mounting error of up to this many degrees per sensor (default 0)")
    p.set_defaults(run=run)


def run(args) -> int:
    from sensors.outputs import refuse_clashes
    from sensors.scenarios import SCENARIOS
    from sensors.simulator import simulate

    refuse_clashes([args.out])  # a recording already there: exit 2 before simulating
    scenario = SCENARIOS[args.scenario](seed=args.seed, rate_hz=args.rate_hz, mount_deg=args.mount_deg)
    simulate(scenario).write(args.out)
    print(f"wrote {args.out} (simulated scenario '{args.scenario}', seed {args.seed})")
    return 0

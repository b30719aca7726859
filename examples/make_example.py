"""Regenerate examples/example_session.csv, a SIMULATED session (deterministic: fixed seed).

    python examples/make_example.py            # rewrites examples/example_session.csv
    python examples/make_example.py -o x.csv   # writes elsewhere

The scenario is sensors.scenarios.example_session(): the calibration routine, then walking,
work bends, a long bend at 55 deg, a short severe bend at 70 deg and a long lean to the left
(about 4.7 min at 50 Hz on both sides, with mounting errors, biases, clock offset and drift,
timestamp jitter and a few dropped samples). Segment starts are written as marks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# Lets the script run from a plain checkout as well as from an installed backmon.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sensors.scenarios import example_session  # noqa: E402
from sensors.simulator import simulate  # noqa: E402

DEFAULT_OUT = Path(__file__).with_name("example_session.csv")
NOTE = ("simulated by backmon's scenario simulator (sensors/simulator.py, scenario "
        "sensors.scenarios.example_session), not a recording of a person; regenerate with: "
        "python examples/make_example.py")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the simulated example session CSV.")
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT,
                        help=f"where to write it (default: {DEFAULT_OUT.name} beside this script)")
    args = parser.parse_args(argv)
    sim = simulate(example_session())
    sim.write(args.out, metadata={"note": NOTE})
    duration_s = sim.motion.duration_s
    print(f"wrote {args.out}: {len(sim.left)} left + {len(sim.right)} right samples, "
          f"{duration_s:.0f} s, calibration {sim.metadata['calibration_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

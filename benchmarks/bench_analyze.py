"""Time ``backmon analyze`` on a simulated session, beside pandas reading the same CSV.

    python benchmarks/bench_analyze.py --minutes 60

Prints seconds for: simulating + writing the session (setup, not measured against anything),
pandas.read_csv(path, comment="#") alone, backmon's reader alone, and the whole analysis (read,
process, JSON). Ratios against the pandas read are what to compare across machines.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from processing import analyze_session
from sensors import scenarios
from sensors.session_csv import read_session
from sensors.simulator import simulate


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rate-hz", type=float, default=100.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "session.csv"
        setup_s, _ = _timed(lambda: simulate(scenarios.continuous_work(args.minutes, rate_hz=args.rate_hz)).write(path))
        size_mb = path.stat().st_size / 1e6
        # Warm the compiled fusion kernel so its one-off compilation is not counted.
        analyze_session(simulate(scenarios.severe_flexion(rate_hz=args.rate_hz)).to_session())
        pandas_s, _ = _timed(lambda: pd.read_csv(path, comment="#"))
        read_s, session = _timed(lambda: read_session(path))
        total_s, result = _timed(lambda: analyze_session(read_session(path)).write_json(Path(tmp) / "a.json"))
    rows = len(session.left) + len(session.right)
    print(f"session: {args.minutes:.0f} min, two sensors at {args.rate_hz:.0f} Hz, {rows} rows, {size_mb:.0f} MB "
          f"(simulated and written in {setup_s:.1f} s)")
    print(f"pandas.read_csv alone      {pandas_s:6.2f} s")
    print(f"backmon read_session       {read_s:6.2f} s  ({read_s / pandas_s:.2f}x pandas)")
    print(f"backmon analyze end to end {total_s:6.2f} s  ({total_s / pandas_s:.2f}x pandas)")


if __name__ == "__main__":
    main()

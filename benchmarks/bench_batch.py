"""Speed-up of ``backmon batch`` with parallel workers.

    python benchmarks/bench_batch.py --sessions 8 --minutes 20

Simulates the sessions (setup, not timed), then times the whole batch command with --jobs 1
and --jobs 2 in the same run and prints the ratio (target on a 2-core machine: >= 1.7x).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from backmon.cli import main as backmon
from sensors import scenarios
from sensors.simulator import simulate


def _time_batch(folder: Path, out: Path, jobs: int) -> float:
    start = time.perf_counter()
    status = backmon(["batch", str(folder), "-o", str(out), "--jobs", str(jobs), "--quiet"])
    assert status == 0
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sessions"
        folder.mkdir()
        for i in range(args.sessions):
            simulate(scenarios.normal_work(args.minutes, seed=i)).write(folder / f"day{i}.csv")
        one = _time_batch(folder, Path(tmp) / "j1", 1)
        two = _time_batch(folder, Path(tmp) / "j2", 2)
    print(f"{args.sessions} sessions of {args.minutes:.0f} min at 100 Hz")
    print(f"--jobs 1  {one:6.2f} s")
    print(f"--jobs 2  {two:6.2f} s   speed-up {one / two:.2f}x")


if __name__ == "__main__":
    main()

"""``backmon library list`` on a library of 1,000 sessions (target: under 1 s, end to end).

    python benchmarks/bench_library.py --sessions 1000

Setup (not timed): one short simulated session is analysed, and its analysis is inserted as
1,000 sessions on consecutive days (each with its own hash and start) straight into a new
library in a temporary folder, in one transaction. Then times, median of 5 runs each:
the command in a fresh process (Python start-up and imports included, as a person sees it),
the command in this process, and ``Library.sessions()`` alone.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from backmon.cli import main as backmon
from backmon.library import Library
from backmon.library.indexing import analyse, indexed
from backmon.library.schema import transaction
from sensors import scenarios
from sensors.simulator import simulate

RUNS = 5


def fill(library: Library, session: Path, count: int) -> None:
    analysis = analyse(session)
    first = datetime(2024, 1, 1, 8, 0, tzinfo=timezone.utc)
    rows = []
    for n in range(count):
        data = copy.deepcopy(analysis)
        data["metadata"]["started_at"] = (first + timedelta(days=n)).isoformat().replace("+00:00", "Z")
        sha = hashlib.sha256(f"synthetic session {n}".encode()).hexdigest()
        row = indexed(session.with_name(f"day-{n:04d}.csv"), sha, 1, data)
        rows.append((row.sha256, row.path, row.size_bytes, row.started_at, row.day, row.duration_s,
                     row.devices_json, row.worn_s, row.minutes_over_30, row.minutes_over_60, row.alerts,
                     row.analysis_json, first.isoformat()))
    with transaction(library._db) as db:
        db.executemany("INSERT INTO sessions (sha256, path, size_bytes, started_at, day, duration_s, devices_json, "
                       "worn_s, minutes_over_30, minutes_over_60, alerts, analysis_json, added_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def median_s(action) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library.sqlite3"
        session = Path(tmp) / "one.csv"
        simulate(scenarios.normal_work(3, seed=1, rate_hz=50)).write(session)
        with Library.open(path) as library:
            fill(library, session, args.sessions)
        env = {**os.environ, "BACKMON_LIBRARY": str(path)}

        def fresh_process() -> None:
            done = subprocess.run([sys.executable, "-m", "backmon", "library", "list"], env=env,
                                  capture_output=True, check=True)
            assert done.stdout.count(b"\n") == args.sessions + 2

        def in_process() -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                assert backmon(["library", "--library", str(path), "list"]) == 0

        def query_only() -> None:
            with Library.open(path) as library:
                assert len(library.sessions()) == args.sessions

        process_s, command_s, query_s = median_s(fresh_process), median_s(in_process), median_s(query_only)
        size_mb = path.stat().st_size / 1e6
    print(f"library of {args.sessions} sessions ({size_mb:.1f} MB), median of {RUNS} runs:")
    print(f"  backmon library list, fresh process: {process_s:.3f} s (target < 1 s)")
    print(f"  backmon library list, in process:    {command_s:.3f} s")
    print(f"  Library.sessions() alone:            {query_s:.3f} s (with the analysis text, parsed on demand)")


if __name__ == "__main__":
    main()

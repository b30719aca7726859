"""Time ``backmon analyze`` on a simulated session, beside pandas reading the same CSV.

    python benchmarks/bench_analyze.py --minutes 60

Prints seconds for: simulating + writing the session (setup, not measured against anything),
pandas.read_csv(path, comment="#") alone, backmon's reader alone, the whole analysis (read,
process, JSON), and for comparison a per-sample AHRS (imufusion, x-io Fusion) over the same
samples of both sensors, plus the peak memory of the process. Ratios against the pandas read
are what to compare across machines.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from processing import analyze_session
from sensors import scenarios
from sensors.session_csv import read_session
from sensors.simulator import simulate


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _imufusion_s(session) -> float | None:
    """Seconds for x-io Fusion's per-sample AHRS over both sensors (None if not installed)."""
    try:
        import imufusion
    except ImportError:
        return None
    start = time.perf_counter()
    for side in (session.left, session.right):
        ahrs = imufusion.Ahrs()
        rate_hz = 1.0 / float(np.median(np.diff(side.time_s)))
        ahrs.set_settings(imufusion.AhrsSettings(sample_rate=rate_hz, gain=0.5))
        for gyro, accel in zip(side.gyro_dps, side.accel_g):
            ahrs.update_no_magnetometer(gyro, accel)
            ahrs.get_gravity()  # what backmon gets out of its fusion, per sample
    return time.perf_counter() - start


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
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process {peak_mb:.0f} MB (includes the simulator's and pandas' use)")
    fusion_s = _imufusion_s(session)
    if fusion_s is not None:
        print(f"imufusion per-sample AHRS  {fusion_s:6.2f} s  (orientation alone, for comparison)")


if __name__ == "__main__":
    main()

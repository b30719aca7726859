"""Time ``backmon report`` on simulated workdays, and the size of the HTML file it writes.

    python benchmarks/bench_report.py                 # 1 h and 8 h at 50 Hz
    python benchmarks/bench_report.py --hours 1 --rate-hz 100

For each length: simulating (setup, not measured), the analysis, then the report alone (figures
drawn, SVG encoded, HTML rendered and written) and its size; the PNG export is timed apart.
The report works on the 10 Hz frames, so its cost depends on the length, not the sample rate.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from processing import analyze_session
from processing.report.html import time_axis, write_figures, write_report
from processing.report.plots import session_figures
from sensors.scenarios import Scenario, Segment, SensorModel
from sensors.simulator import simulate


def workday(hours: float, *, rate_hz: float, seed: int = 0) -> Scenario:
    """Whole-hour blocks: 40 min of work with bends, a held 35 deg bend, a lean, a break, light work."""
    block = (
        Segment(40 * 60, activity=0.5, bends_per_min=2.0, bend_depth_deg=50, bend_duration_s=2.5,
                twists_per_min=0.5, label="work"),
        Segment(5 * 60, flexion_deg=35, sway_deg=0.5, label="bent over"),
        Segment(2 * 60, lateral_deg=14, sway_deg=0.5, label="leaning"),
        Segment(7 * 60, sway_deg=0.3, label="break"),
        Segment(6 * 60, activity=0.3, bends_per_min=1.0, label="light work"),
    )
    segments = block * max(1, round(hours))
    sensor = SensorModel(rate_hz=rate_hz)
    return Scenario(segments, left=sensor, right=sensor, seed=seed, name=f"workday_{hours:g}h")


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def bench(hours: float, rate_hz: float, tmp: Path) -> None:
    setup_s, sim = _timed(lambda: simulate(workday(hours, rate_hz=rate_hz)))
    session = sim.to_session()
    analysis_s, result = _timed(lambda: analyze_session(session))
    out = tmp / f"report_{hours:g}h.html"
    report_s, _ = _timed(lambda: write_report(result, out, marks=session.marks))
    png_s, _ = _timed(lambda: write_figures(session_figures(result, time_axis(result)), tmp / f"figures_{hours:g}h"))
    size_mb = out.stat().st_size / 1e6
    print(f"{hours:g} h at {rate_hz:g} Hz ({len(result.alerts)} alerts; simulated in {setup_s:.1f} s): "
          f"analysis {analysis_s:.1f} s, report {report_s:.1f} s, {size_mb:.2f} MB HTML; PNG export {png_s:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 8.0])
    parser.add_argument("--rate-hz", type=float, default=50.0)
    args = parser.parse_args()
    # Warm up: numba's compiled kernel and matplotlib's font cache are one-off costs.
    warm_up = Scenario((Segment(60, activity=0.5, label="warm-up"),), left=SensorModel(rate_hz=args.rate_hz),
                       right=SensorModel(rate_hz=args.rate_hz))
    warm = analyze_session(simulate(warm_up).to_session())
    with tempfile.TemporaryDirectory() as tmp:
        write_report(warm, Path(tmp) / "warm.html")
        for hours in args.hours:
            bench(hours, args.rate_hz, Path(tmp))


if __name__ == "__main__":
    main()

"""Issue 5: ``backmon analyze`` against pandas reading the same CSV, and memory for any length.

    python benchmarks/bench_analyze.py --hours 1 8
    python benchmarks/bench_analyze.py --hours 8 --memory-hours 48   # the long run, on demand

Sessions come from the project's simulator (continuous_work, two sensors at --rate-hz), made in
pieces of 2 h at most (PIECE_HOURS; seed i for piece i) laid end to end on one time axis and streamed
into one session CSV v1 file, so generating stays within one piece's memory. Files are cached in
--data-dir, named by hours, rate and format version; reruns skip generating them.

Every measurement runs in a fresh process, so its peak memory (ru_maxrss from wait4) is that
step's alone:
  pandas.read_csv(path, comment="#")  timed inside the process (imports excluded);
  backmon analyze PATH --json OUT     as a user runs it, the whole command (start-up included);
  analyze_file + write_json           processing.analyze_file(path).write_json(out), in process;
  imufusion per-sample AHRS           over both sensors' samples, read excluded (one run; its
                                      peak includes backmon's read; --no-imufusion skips it).
The first three run --repeat times, interleaved so that machine noise hits all of them alike;
the table shows median seconds, the ratio to the pandas read (compare ratios across machines,
not seconds) and the largest peak. Targets: analyze_file + write_json within 2x the pandas read
(both timed inside their process; the command's start-up is printed beside it) and the
command's peak within 1500 MB for 8 h; with --memory-hours 48, the 48 h peak within 20 % of the
8 h peak.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from importlib import metadata
from pathlib import Path

from sensors.samples import Mark, SideSamples
from sensors.scenarios import Scenario, continuous_work
from sensors.session.columns import FORMAT_ID
from sensors.session.writer import write_session
from sensors.simulator import simulate

PIECE_HOURS = 2.0  # simulated at once; at most 8 h (issue 5), smaller keeps generation light
GENERATOR_VERSION = 2  # bump when the generated sessions change (invalidates the cache)
PIECE_EXTRA_MIN = 0.5
WARM_UP_HOURS = 0.05  # analysed once first: numba writes its compiled kernels to disk
MAX_RATIO, MAX_PEAK_MB, MAX_LONG_PEAK_RATIO = 2.0, 1500.0, 1.20
BASE_HOURS = 8.0  # the length whose peak memory the --memory-hours peak is compared with
BACKMON = shutil.which("backmon", path=str(Path(sys.executable).parent)) or "backmon"

PANDAS, COMMAND, IN_PROCESS, IMUFUSION = (
    'pandas.read_csv(comment="#")', "backmon analyze --json (command)",
    "analyze_file + write_json", "imufusion AHRS (1 run)")


# ---------------------------------------------------------------- generating sessions


def piece_scenarios(hours: float, *, rate_hz: float, piece_hours: float) -> list[Scenario]:
    """Equal pieces of continuous work, seed i each; only the first starts with calibration."""
    n = max(1, math.ceil(hours / piece_hours - 1e-9))
    # The simulator adds the calibration routine (21 s) and 5 s upright to a piece's work: ask
    # for half a minute less, so that a "48 h" file stays within the 48 h a session may span.
    minutes = hours * 60.0 / n - PIECE_EXTRA_MIN
    return [dataclasses.replace(continuous_work(minutes, seed=i, rate_hz=rate_hz), calibration=i == 0)
            for i in range(n)]


def write_simulated_session(path: Path, *, hours: float, rate_hz: float,
                            piece_hours: float = PIECE_HOURS) -> None:
    """Simulate `hours` of work piece by piece into one session CSV v1 file at `path`.

    Each piece starts 1/rate_hz after the previous one's last sample, its seq counting on; its
    marks go just before its rows (``#`` lines may appear anywhere in the format). Rows are
    formatted by sensors' write_session, one piece at a time into a scratch file whose rows are
    appended: the writer has no append mode.
    """
    scenarios = piece_scenarios(hours, rate_hz=rate_hz, piece_hours=piece_hours)
    partial, scratch = path.with_suffix(".partial"), path.with_suffix(".piece")
    pieces = f"{len(scenarios)} x {hours * 60 / len(scenarios):g} min, seeds 0..{len(scenarios) - 1}"
    offset_s, next_seq, names = 0.0, {"left": 0, "right": 0}, None
    with open(partial, "wb") as out:
        for scenario in scenarios:
            sim = simulate(scenario)
            left, right = (_shifted(s, offset_s, next_seq[s.side]) for s in (sim.left, sim.right))
            scratch.unlink(missing_ok=True)  # the writer never replaces a session file
            write_session(scratch, left, right, metadata={**sim.metadata, "pieces": pieces},
                          marks=[Mark(m.time_s + offset_s, m.text) for m in sim.marks()])
            piece_names = _append_piece(out, scratch, with_head=names is None)
            if names is not None and piece_names != names:
                raise RuntimeError(f"piece columns {piece_names!r} differ from {names!r}")
            names = piece_names
            offset_s = max(left.time_s[-1], right.time_s[-1]) + 1.0 / rate_hz
            next_seq = {s.side: int(s.seq[-1]) + 1 for s in (left, right)}
            del sim, left, right  # before the next piece is simulated
    scratch.unlink()
    partial.replace(path)  # only complete files are ever found in the cache


def _shifted(samples: SideSamples, offset_s: float, seq_offset: int) -> SideSamples:
    return dataclasses.replace(samples, time_s=samples.time_s + offset_s, seq=samples.seq + seq_offset)


def _append_piece(out, scratch: Path, *, with_head: bool) -> bytes:
    """Append a written piece to `out`: its head (all ``#`` lines and the column names) when
    with_head, else only its marks; then its rows. Returns the column-names line."""
    with open(scratch, "rb") as f:
        for line in iter(f.readline, b""):
            if with_head or line.startswith(b"# mark:"):
                out.write(line)
            if not line.startswith(b"#"):
                break
        shutil.copyfileobj(f, out, 1 << 20)
    return line


def session_path(data_dir: Path, hours: float, rate_hz: float) -> Path:
    version = FORMAT_ID.rsplit("/", 1)[-1]
    return data_dir / f"continuous_work_{hours:g}h_{rate_hz:g}hz_format{version}_gen{GENERATOR_VERSION}.csv"


def cached_session(data_dir: Path, hours: float, rate_hz: float) -> Path:
    """The cached session file, generated first (in a child process, timed) when missing."""
    path = session_path(data_dir, hours, rate_hz)
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        run = run_python(f"""
            import sys
            sys.path.insert(0, {str(Path(__file__).parent)!r})
            from pathlib import Path
            from bench_analyze import write_simulated_session
            write_simulated_session(Path({str(path)!r}), hours={hours!r}, rate_hz={rate_hz!r})""")
        print(f"generated {path.name}: {path.stat().st_size / 1e6:.0f} MB in {run.wall_s:.1f} s "
              f"(peak {run.peak_mb:.0f} MB)")
    return path


# ---------------------------------------------------------------- measuring in child processes


@dataclasses.dataclass(frozen=True)
class ChildRun:
    wall_s: float  # the whole process, interpreter start included
    peak_mb: float  # its peak resident memory
    stdout: str

    @property
    def inner_s(self) -> float:
        """Seconds the child printed last (what it timed itself)."""
        return float(self.stdout.split()[-1])


def run_child(command: list[str]) -> ChildRun:
    """Run `command` in a fresh process; raises RuntimeError (with its stderr) when it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall_s = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if child.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(command)[:200]} exited with {child.returncode}:\n"
                               f"{err.read().decode(errors='replace')[-3000:]}")
        out.seek(0)
        # Linux reports ru_maxrss in kB (KiB).
        return ChildRun(wall_s, usage.ru_maxrss * 1024 / 1e6, out.read().decode())


def run_python(snippet: str) -> ChildRun:
    return run_child([sys.executable, "-c", textwrap.dedent(snippet)])


def pandas_read(path: Path) -> ChildRun:
    return run_python(f"""
        import time
        import pandas
        start = time.perf_counter()
        pandas.read_csv({str(path)!r}, comment="#")
        print(time.perf_counter() - start)""")


def analyze_in_process(path: Path, out: Path) -> ChildRun:
    return run_python(f"""
        import time
        from processing import analyze_file
        start = time.perf_counter()
        analyze_file({str(path)!r}).write_json({str(out)!r})
        print(time.perf_counter() - start)""")


def analyze_command(path: Path, out: Path) -> ChildRun:
    return run_child([BACKMON, "analyze", str(path), "--json", str(out)])


def imufusion_ahrs(path: Path) -> ChildRun:
    """x-io Fusion's per-sample AHRS over both sensors, asked for gravity as backmon uses it."""
    return run_python(f"""
        import time
        import imufusion
        import numpy as np
        from sensors.session.files import read_session
        session = read_session({str(path)!r})
        start = time.perf_counter()
        for side in (session.left, session.right):
            ahrs = imufusion.Ahrs()
            rate_hz = 1.0 / float(np.median(np.diff(side.time_s)))
            ahrs.set_settings(imufusion.AhrsSettings(sample_rate=rate_hz, gain=0.5))
            for gyro, accel in zip(side.gyro_dps, side.accel_g):
                ahrs.update_no_magnetometer(gyro, accel)
                ahrs.get_gravity()
        print(time.perf_counter() - start)""")


def measure(path: Path, out: Path, *, repeat: int, with_imufusion: bool) -> dict[str, tuple[float, float]]:
    """{step: (median seconds, largest peak MB)}; the timed steps interleaved, `repeat` times."""
    runs = {PANDAS: [], COMMAND: [], IN_PROCESS: []}
    for _ in range(repeat):
        run = pandas_read(path)
        runs[PANDAS].append((run.inner_s, run.peak_mb))
        run = analyze_command(path, out)
        runs[COMMAND].append((run.wall_s, run.peak_mb))
        run = analyze_in_process(path, out)
        runs[IN_PROCESS].append((run.inner_s, run.peak_mb))
    if with_imufusion:
        run = imufusion_ahrs(path)
        runs[IMUFUSION] = [(run.inner_s, run.peak_mb)]
    return {step: (statistics.median(s for s, _ in r), max(mb for _, mb in r)) for step, r in runs.items()}


# ---------------------------------------------------------------- output


def print_machine() -> None:
    def version(name: str) -> str:
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            return f"{name} not installed"

    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    print("versions: " + ", ".join(version(n) for n in ("numpy", "pandas", "pyarrow", "numba", "imufusion")))


def print_table(hours: float, rate_hz: float, path: Path, steps: dict[str, tuple[float, float]],
                repeat: int) -> None:
    pandas_s = steps[PANDAS][0]
    print(f"\n{hours:g} h, two sensors at {rate_hz:g} Hz: {path.stat().st_size / 1e6:.0f} MB ({path.name}), "
          f"median of {repeat}")
    print(f"{'step':36} {'seconds':>9} {'x pandas':>9} {'peak MB':>8}")
    for step, (seconds, peak_mb) in steps.items():
        print(f"{step:36} {seconds:9.2f} {seconds / pandas_s:9.2f} {peak_mb:8.0f}")
    # Like for like: the pandas figure excludes starting Python and importing pandas, so the
    # target is judged on analyze_file + write_json in process; the command's start-up (imports,
    # loading numba's compiled kernels) is a constant, shown beside it.
    ratio, peak_mb = steps[IN_PROCESS][0] / pandas_s, steps[COMMAND][1]
    startup_s = steps[COMMAND][0] - steps[IN_PROCESS][0]
    print(f"target: analyze (parse, process, JSON) <= {MAX_RATIO:.1f}x pandas read -> {ratio:.2f} "
          f"({_met(ratio <= MAX_RATIO)}); the command adds {startup_s:.1f} s of start-up "
          f"({steps[COMMAND][0] / pandas_s:.2f}x)")
    print(f"target: peak <= {MAX_PEAK_MB:.0f} MB -> {peak_mb:.0f} MB ({_met(peak_mb <= MAX_PEAK_MB)})")


def print_long_memory(hours: float, run: ChildRun, base_peak_mb: float) -> None:
    ratio = run.peak_mb / base_peak_mb
    print(f"\n{hours:g} h: backmon analyze peak {run.peak_mb:.0f} MB ({run.wall_s:.1f} s); "
          f"{BASE_HOURS:g} h peak {base_peak_mb:.0f} MB")
    print(f"{hours:g} h peak / {BASE_HOURS:g} h peak = {ratio:.2f} (target <= {MAX_LONG_PEAK_RATIO:.2f}, "
          f"{_met(ratio <= MAX_LONG_PEAK_RATIO)})")


def _met(ok: bool) -> str:
    return "met" if ok else "not met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 8.0], help="session lengths")
    parser.add_argument("--memory-hours", type=float, default=None,
                        help="also analyse a session this long (e.g. 48) for its peak memory against 8 h "
                             "(the long run, on demand)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timed step (median)")
    parser.add_argument("--rate-hz", type=float, default=100.0)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/backmon-bench"),
                        help="where generated sessions are cached")
    parser.add_argument("--no-imufusion", action="store_true", help="skip the (slow) AHRS baseline")
    args = parser.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "analysis.json"
        analyze_command(cached_session(args.data_dir, WARM_UP_HOURS, args.rate_hz), out)
        command_peak_mb = {}
        for hours in args.hours:
            path = cached_session(args.data_dir, hours, args.rate_hz)
            steps = measure(path, out, repeat=args.repeat, with_imufusion=not args.no_imufusion)
            print_table(hours, args.rate_hz, path, steps, args.repeat)
            command_peak_mb[hours] = steps[COMMAND][1]
        if args.memory_hours is not None:
            if BASE_HOURS not in command_peak_mb:
                base = cached_session(args.data_dir, BASE_HOURS, args.rate_hz)
                command_peak_mb[BASE_HOURS] = analyze_command(base, out).peak_mb
            path = cached_session(args.data_dir, args.memory_hours, args.rate_hz)
            print_long_memory(args.memory_hours, analyze_command(path, out), command_peak_mb[BASE_HOURS])

if __name__ == "__main__":
    main()

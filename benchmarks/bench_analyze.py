"""Issues 5 and 16: ``backmon analyze`` as users feel it, against the pandas read of the same CSV.

    python benchmarks/bench_analyze.py                       # 8 h and the example, median of 5
    python benchmarks/bench_analyze.py --hours 1 8 --repeat 3
    python benchmarks/bench_analyze.py --hours 8 --memory-hours 48   # the long run, on demand
    python benchmarks/bench_analyze.py --first-run           # a fresh venv: the example's first run

One run prints, as medians of interleaved rounds (each round runs every step once, in turn, so
that the load of a shared machine hits all of them alike), every step in a fresh process:
  pandas read          pandas.read_csv(path, comment="#"), timed inside its process (imports excluded)
  backmon in process   processing.analyze_file(path).write_json(out), timed inside its process
  command              `backmon analyze PATH --json OUT`, the whole process (start-up included)
  example              `backmon analyze examples/example_session.csv`: start-up as users see it
  floor                `python -c "import numpy, scipy.signal"`: what start-up cannot go below
                       while scipy.signal is the filter library
The ratios come from the same run: the command and the in-process figure against the pandas
read, and the example against the floor. Kernels are compiled and the file cache warm before
the first round (one warm-up run of each). Peak memory is ru_maxrss from wait4, per step.

--first-run installs the project (not editable, as a user would) into a fresh venv with an empty
NUMBA_CACHE_DIR and times the example's first and second run there.

Sessions come from the project's simulator (continuous_work, two sensors at --rate-hz), made in
pieces of 2 h at most (PIECE_HOURS; seed i for piece i) laid end to end on one time axis and streamed
into one session CSV v1 file, so generating stays within one piece's memory. Files are cached in
--data-dir, named by hours, rate and format version; reruns skip generating them.

Targets (issue 16): the command within 2.0x the pandas read at 8 h; the example within 0.6 s, or
within 0.2 s of the floor; the first run after install within 2 s; the command's peak within
1500 MB at 8 h; with --memory-hours 48, the 48 h peak within 5 % of the 8 h peak.
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
MAX_RATIO, MAX_PEAK_MB, MAX_LONG_PEAK_RATIO = 2.0, 1500.0, 1.05
MAX_EXAMPLE_S, MAX_OVER_FLOOR_S, MAX_FIRST_RUN_S = 0.6, 0.2, 2.0
BASE_HOURS = 8.0  # the length whose peak memory the --memory-hours peak is compared with
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "example_session.csv"
BACKMON = shutil.which("backmon", path=str(Path(sys.executable).parent)) or "backmon"

PANDAS, IN_PROCESS, COMMAND = 'pandas.read_csv(comment="#")', "backmon in process", "backmon analyze --json"
EXAMPLE_STEP, FLOOR = "backmon analyze example", "python + numpy + scipy.signal"


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
    cpu_s: float = 0.0  # user + system CPU seconds of the process (less sensitive to others' load)

    @property
    def inner_s(self) -> float:
        """Seconds the child printed last (what it timed itself)."""
        return float(self.stdout.split()[-1])


def run_child(command: list[str], *, env: dict[str, str] | None = None) -> ChildRun:
    """Run `command` in a fresh process; raises RuntimeError (with its stderr) when it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall_s = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if child.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(command)[:200]} exited with {child.returncode}:\n"
                               f"{err.read().decode(errors='replace')[-3000:]}")
        out.seek(0)
        # Linux reports ru_maxrss in kB (KiB).
        return ChildRun(wall_s, usage.ru_maxrss * 1024 / 1e6, out.read().decode(), usage.ru_utime + usage.ru_stime)


def run_python(snippet: str, python: str = sys.executable) -> ChildRun:
    return run_child([python, "-c", textwrap.dedent(snippet)])


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
        import processing.pipeline  # the method's modules (analyze_file loads them while reading)
        from processing import analyze_file
        start = time.perf_counter()
        analyze_file({str(path)!r}).write_json({str(out)!r})
        print(time.perf_counter() - start)""")


def analyze_command(path: Path, out: Path) -> ChildRun:
    return run_child([BACKMON, "analyze", str(path), "--json", str(out)])


def analyze_example(backmon: str = BACKMON, env: dict[str, str] | None = None) -> ChildRun:
    return run_child([backmon, "analyze", str(EXAMPLE)], env=env)


def floor() -> ChildRun:
    return run_python("import numpy, scipy.signal")


@dataclasses.dataclass(frozen=True)
class Figure:
    seconds: float  # median over the rounds
    peak_mb: float  # largest over the rounds
    spread_s: tuple[float, float]  # fastest and slowest round
    cpu_s: float  # median CPU seconds of the whole process


def measure(paths: dict[float, Path], out: Path, *, repeat: int) -> dict[tuple[float | None, str], Figure]:
    """{(hours or None, step): Figure}; every step once per round, `repeat` rounds."""
    steps = [((hours, PANDAS), lambda p=path: pandas_read(p), "inner") for hours, path in paths.items()]
    steps += [((hours, IN_PROCESS), lambda p=path: analyze_in_process(p, out), "inner")
              for hours, path in paths.items()]
    steps += [((hours, COMMAND), lambda p=path: analyze_command(p, out), "wall") for hours, path in paths.items()]
    steps += [((None, EXAMPLE_STEP), analyze_example, "wall"), ((None, FLOOR), floor, "wall")]
    runs: dict[tuple[float | None, str], list[ChildRun]] = {key: [] for key, _, _ in steps}
    for _ in range(repeat):
        for key, step, _ in steps:
            runs[key].append(step())
    figures = {}
    for key, _, which in steps:
        seconds = [run.inner_s if which == "inner" else run.wall_s for run in runs[key]]
        figures[key] = Figure(statistics.median(seconds), max(run.peak_mb for run in runs[key]),
                              (min(seconds), max(seconds)), statistics.median(run.cpu_s for run in runs[key]))
    return figures


def warm_up(paths: dict[float, Path], out: Path) -> None:
    """Compile any kernels not yet compiled and bring the files into the page cache."""
    analyze_example()
    for path in paths.values():
        analyze_command(path, out)
        pandas_read(path)
    floor()


# ---------------------------------------------------------------- first run after install


def first_run(*, repeat: int) -> None:
    """Install the project into a fresh venv (as a user would: not editable), then time the
    example's first run with an empty NUMBA_CACHE_DIR, and its second run."""
    with tempfile.TemporaryDirectory(prefix="backmon-first-run-") as tmp:
        venv = Path(tmp) / "venv"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(ROOT)],
                                 capture_output=True, text=True)
        if install.returncode != 0:
            raise RuntimeError(f"pip install failed:\n{install.stderr[-3000:]}")
        print(f"fresh venv with backmon installed in {time.perf_counter() - start:.0f} s ({venv})")
        backmon = str(venv / "bin" / "backmon")
        first, second = [], []
        for i in range(repeat):
            env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(tmp) / f"numba-cache-{i}")}
            first.append(analyze_example(backmon, env).wall_s)
            second.append(analyze_example(backmon, env).wall_s)
        floors = [floor().wall_s for _ in range(repeat)]
    first_s, second_s, floor_s = (statistics.median(x) for x in (first, second, floors))
    print(f"\nexample's first run after install: {first_s:.2f} s (median of {repeat}: each in an empty "
          f"NUMBA_CACHE_DIR), second run {second_s:.2f} s, floor {floor_s:.2f} s")
    print(f"target: first run <= {MAX_FIRST_RUN_S:.1f} s -> {first_s:.2f} s ({_met(first_s <= MAX_FIRST_RUN_S)})")


# ---------------------------------------------------------------- output


def print_machine() -> None:
    def version(name: str) -> str:
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            return f"{name} not installed"

    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    print("versions: " + ", ".join(version(n) for n in ("numpy", "scipy", "pandas", "numba")))
    print_load("load at start")


def print_load(what: str) -> None:
    print(f"{what}: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()) + " (1, 5, 15 min averages)")


def print_table(paths: dict[float, Path], rate_hz: float, figures: dict, repeat: int) -> None:
    print(f"\nmedian of {repeat} interleaved rounds (fastest-slowest in brackets); every step a fresh process")
    print(f"{'session':28} {'step':32} {'seconds':>8} {'range':>13} {'x pandas':>9} {'peak MB':>8} "
          f"{'process CPU s':>14}")
    for hours, path in paths.items():
        session = f"{hours:g} h ({path.stat().st_size / 1e6:.0f} MB)"
        pandas_s = figures[hours, PANDAS].seconds
        for step in (PANDAS, IN_PROCESS, COMMAND):
            f = figures[hours, step]
            print(f"{session:28} {step:32} {f.seconds:8.2f} {_range(f):>13} {f.seconds / pandas_s:9.2f} "
                  f"{f.peak_mb:8.0f} {f.cpu_s:14.2f}")
            session = ""
    for step in (EXAMPLE_STEP, FLOOR):
        f = figures[None, step]
        print(f"{'example (5 min, 2 MB)' if step == EXAMPLE_STEP else '':28} {step:32} {f.seconds:8.2f} "
              f"{_range(f):>13} {'':>9} {f.peak_mb:8.0f} {f.cpu_s:14.2f}")


def print_targets(paths: dict[float, Path], figures: dict) -> None:
    if BASE_HOURS in paths:
        pandas_s = figures[BASE_HOURS, PANDAS].seconds
        ratio = figures[BASE_HOURS, COMMAND].seconds / pandas_s
        inner = figures[BASE_HOURS, IN_PROCESS].seconds / pandas_s
        peak_mb = figures[BASE_HOURS, COMMAND].peak_mb
        print(f"target: {BASE_HOURS:g} h command <= {MAX_RATIO:.1f}x the pandas read -> {ratio:.2f}x "
              f"({_met(ratio <= MAX_RATIO)}); in process {inner:.2f}x")
        print(f"target: {BASE_HOURS:g} h peak <= {MAX_PEAK_MB:.0f} MB -> {peak_mb:.0f} MB "
              f"({_met(peak_mb <= MAX_PEAK_MB)})")
    example_s, floor_s = figures[None, EXAMPLE_STEP].seconds, figures[None, FLOOR].seconds
    over_s = example_s - floor_s
    print(f"target: example <= {MAX_EXAMPLE_S:.1f} s -> {example_s:.2f} s ({_met(example_s <= MAX_EXAMPLE_S)}); "
          f"or within {MAX_OVER_FLOOR_S:.1f} s of the floor ({floor_s:.2f} s) -> {over_s:+.2f} s "
          f"({_met(over_s <= MAX_OVER_FLOOR_S)}), {example_s / floor_s:.2f}x the floor; in CPU seconds "
          f"{figures[None, EXAMPLE_STEP].cpu_s - figures[None, FLOOR].cpu_s:+.2f} s")


def print_long_memory(hours: float, run: ChildRun, base_peak_mb: float) -> None:
    ratio = run.peak_mb / base_peak_mb
    print(f"\n{hours:g} h: backmon analyze peak {run.peak_mb:.0f} MB ({run.wall_s:.1f} s); "
          f"{BASE_HOURS:g} h peak {base_peak_mb:.0f} MB")
    print(f"target: {hours:g} h peak / {BASE_HOURS:g} h peak <= {MAX_LONG_PEAK_RATIO:.2f} -> {ratio:.3f} "
          f"({_met(ratio <= MAX_LONG_PEAK_RATIO)})")


def _range(f: Figure) -> str:
    return f"({f.spread_s[0]:.2f}-{f.spread_s[1]:.2f})"


def _met(ok: bool) -> str:
    return "met" if ok else "not met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, nargs="*", default=[BASE_HOURS],
                        help="session lengths (none: the example and the floor only)")
    parser.add_argument("--memory-hours", type=float, default=None,
                        help="also analyse a session this long (e.g. 48) for its peak memory against 8 h "
                             "(the long run, on demand)")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds (the median is shown)")
    parser.add_argument("--rate-hz", type=float, default=100.0)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/backmon-bench"),
                        help="where generated sessions are cached")
    parser.add_argument("--first-run", action="store_true",
                        help="only: install into a fresh venv and time the example's first run there")
    args = parser.parse_args()
    print_machine()
    if args.first_run:
        first_run(repeat=args.repeat)
        print_load("load at end")
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "analysis.json"
        paths = {hours: cached_session(args.data_dir, hours, args.rate_hz) for hours in args.hours}
        warm_up(paths, out)
        figures = measure(paths, out, repeat=args.repeat)
        print_table(paths, args.rate_hz, figures, args.repeat)
        print_targets(paths, figures)
        if args.memory_hours is not None:
            base_peak_mb = (figures[BASE_HOURS, COMMAND].peak_mb if BASE_HOURS in paths else
                            analyze_command(cached_session(args.data_dir, BASE_HOURS, args.rate_hz), out).peak_mb)
            path = cached_session(args.data_dir, args.memory_hours, args.rate_hz)
            print_long_memory(args.memory_hours, analyze_command(path, out), base_peak_mb)
    print_load("load at end")


if __name__ == "__main__":
    main()

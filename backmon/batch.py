"""Many sessions at once: in parallel processes here, or on a Dask cluster.

Each session is independent, so the unit of work is one file: a worker reads it, analyses it
and sends back the figures and the JSON text; only the parent writes files. What crosses to a
worker is a path and the settings; what comes back is a result. A failure in one session is
kept as its row and never stops the others.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from processing.alerts import AlertKind
from sensors.errors import BackmonError
from sensors.outputs import first_line, make_folders, write_text, write_whole
from sensors.text import printable

# Libraries that start their own thread pools; a batch worker gets one thread each, so that the
# workers (one per core) and not threads share the machine.
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

# One unit per kind of figure (issue 12: seconds beside minutes, 17-digit floats): times in
# minutes with 1 decimal, angles in degrees with 1 decimal, counts as integers.
SUMMARY_COLUMNS = ("session", "status", "duration_min", "worn_min", "minutes_over_30", "minutes_over_60",
                   "lateral_over_10_min", "bends_over_45", "moving_min", "breaks", "alerts",
                   *(str(kind) for kind in AlertKind),  # a count per kind, in DESIGN.md's order
                   "lr_flexion_diff_mean_deg", "lr_lateral_diff_mean_deg", "calibration", "error")
# The header before issue 12 (seconds and minutes mixed): still known as a summary, never a session.
OLD_SUMMARY_COLUMNS = ("session", "status", "duration_s", "worn_s", "minutes_over_30", "minutes_over_60",
                       "lateral_over_10_s", "bends_over_45", "moving_s", "breaks", "alerts", "sustained_flexion",
                       "severe_flexion", "sustained_lateral_bend", "lr_asymmetry", "no_rest", "prolonged_static",
                       "lr_flexion_diff_mean_deg", "lr_lateral_diff_mean_deg", "calibration", "error")


@dataclass(frozen=True)
class Outcome:
    path: str
    row: dict
    analysis_json: str | None  # None when the session failed
    report_html: str | None = None  # None when failed or not asked for


SUMMARY_NAME = "summary.csv"


def is_summary(path: Path) -> bool:
    """A batch's own summary.csv (from an earlier run, here or elsewhere): never a session."""
    return first_line(path) in (",".join(SUMMARY_COLUMNS), ",".join(OLD_SUMMARY_COLUMNS))


def find_sessions(patterns: Iterable[str]) -> list[Path]:
    """Session files named by directories (every *.csv below), globs or plain paths. A batch
    summary found in a folder or by a glob is this command's own output, not a session, and is
    left out; a file named explicitly is always taken (and refused later if it is an output)."""
    found: list[Path] = []
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.csv") if p.is_file() and not is_summary(p))
        elif any(ch in pattern for ch in "*?["):
            found += sorted(Path(p) for p in glob.glob(pattern, recursive=True)
                            if Path(p).is_file() and not is_summary(Path(p)))
        else:
            found.append(path)
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise BackmonError(f"no session files found in {', '.join(patterns)}")
    return unique


def worker_count(requested: int | None, sessions: int) -> int:
    """Worker processes: as asked (default: one per core), but never more than the cores or the
    sessions (a worker beyond either only costs memory and start-up)."""
    cores = os.cpu_count() or 1
    return max(1, min(requested or cores, cores, sessions))


def output_names(paths: Iterable[Path]) -> dict[str, str]:
    """Each session's output name (``<name>.json``, ``<name>.html``) from its file name; sessions
    sharing a file name get a short digest of their path, the same in every run."""
    paths = [str(p) for p in paths]
    counts = Counter(Path(p).stem for p in paths)
    return {p: Path(p).stem if counts[Path(p).stem] == 1 else _with_digest(p) for p in paths}


def _with_digest(path: str) -> str:
    return f"{Path(path).stem}-{hashlib.sha1(path.encode('utf-8', 'surrogateescape')).hexdigest()[:6]}"


def planned_outputs(out_dir: Path, names: dict[str, str], *, report: bool) -> list[Path]:
    """Every file ``write_outputs`` may write, for checking before any work."""
    suffixes = (".json", ".html") if report else (".json",)
    return [out_dir / f"{name}{suffix}" for name in names.values() for suffix in suffixes] + [out_dir / SUMMARY_NAME]


def limit_threads() -> None:
    """Run in each worker before any analysis: one thread per library."""
    for name in THREAD_ENV:
        os.environ[name] = "1"


def analyse_one(path: str, settings_data: dict | None = None, report: bool = True) -> Outcome:
    """Analyse one session file (and draw its report); failures become a row, not an exception."""
    limit_threads()
    from processing import analyze_file
    from processing.settings import settings_from_dict

    try:
        settings = settings_from_dict(settings_data or {})
        result = analyze_file(path, settings=settings)
    except BackmonError as err:
        return Outcome(path, {"session": path, "status": "failed", "error": printable(err)}, None)
    except (OSError, ValueError) as err:  # unreadable file, or a value the engine could not use
        return Outcome(path, {"session": path, "status": "failed", "error": printable(f"{path}: {err}")}, None)
    data = result.to_json_dict()
    html = None
    if report:
        from processing.report.html import render_report

        html = render_report(result, marks=result.marks)
    return Outcome(path, _row(path, data), json.dumps(_json_safe(data), indent=2), html)


def _row(path: str, data: dict) -> dict:
    from processing.result import rounded

    s, lr = data["summary"], data["summary"]["left_right"]

    def minutes(seconds: float | None) -> float | None:
        return rounded(None if seconds is None else seconds / 60, 1)

    row = {"session": path, "status": "ok", "duration_min": minutes(data["duration_s"]),
           "worn_min": minutes(s["worn_s"]), "minutes_over_30": rounded(s["minutes_over_30"], 1),
           "minutes_over_60": rounded(s["minutes_over_60"], 1), "lateral_over_10_min": minutes(s["lateral_over_10_s"]),
           "bends_over_45": s["bends_over_45"], "moving_min": minutes(s["moving_s"]), "breaks": len(s["breaks"]),
           "alerts": len(data["alerts"]), "lr_flexion_diff_mean_deg": rounded(lr["flexion_diff_mean_deg"], 1),
           "lr_lateral_diff_mean_deg": rounded(lr["lateral_diff_mean_deg"], 1),
           "calibration": data["calibration"]["method"], "error": ""}
    row.update(s["alerts_by_kind"])
    return row


def _json_safe(data):
    from processing.result import finite

    return finite(data)


def run_local(paths: list[Path], *, jobs: int, settings_data: dict | None, report: bool = True) -> Iterator[Outcome]:
    """Outcomes as they finish, from ``jobs`` worker processes (in this process when jobs is 1)."""
    if jobs <= 1:
        for path in paths:
            yield analyse_one(str(path), settings_data, report)
        return
    limit_threads()
    _warm_up()  # forked workers inherit the imported libraries and the loaded fusion kernel
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context(method)) as pool:
        futures = [pool.submit(analyse_one, str(path), settings_data, report) for path in paths]
        for future in as_completed(futures):
            yield future.result()


def _warm_up() -> None:
    """Analyse a few seconds of made-up still samples, so that every compiled kernel (reader,
    resampler, fusion, frames...) is loaded once here and inherited by the forked workers."""
    import tempfile

    from processing import analyze_file

    rows = "".join(f"{i / 100:.2f},{side},0,0,1,0,0,0\n" for i in range(400) for side in ("left", "right"))
    with tempfile.TemporaryDirectory(prefix="backmon-warm-up-") as folder:
        path = Path(folder) / "still.csv"
        path.write_text("time_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps\n" + rows, encoding="utf-8")
        analyze_file(path)


def run_dask(paths: list[Path], *, address: str, settings_data: dict | None, report: bool = True) -> Iterator[Outcome]:
    """Outcomes from an existing Dask distributed cluster (workers must see the same paths)."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise BackmonError("--dask needs the cluster extra: pip install 'backmon[cluster]'") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise BackmonError(f"cannot reach the Dask scheduler at {address}: {err}") from None
    with client:
        futures = client.map(analyse_one, [str(p) for p in paths], settings_data=settings_data, report=report,
                             pure=False)
        for future in dask_completed(futures):
            yield future.result()


def write_outputs(outcomes: Iterable[Outcome], out_dir: Path, *, names: dict[str, str] | None = None,
                  inputs: Iterable[Path] = (), on_each: Callable[[Outcome], None] = lambda o: None) -> list[Outcome]:
    """Per-session JSON (and HTML report) files and summary.csv in ``out_dir`` (made 0700 if
    missing), each written whole and owner-only and never over one of ``inputs`` or a recording;
    ``names`` from ``output_names`` (worked out here when not given). Returns every outcome in
    input order."""
    from processing.report.spreadsheet import safe_cell  # here: batch.py must not load numpy before limit_threads()

    inputs = list(inputs)
    make_folders(out_dir)
    done = []
    for outcome in outcomes:
        stem = names[outcome.path] if names is not None else _stem(outcome.path, done)
        if outcome.analysis_json is not None:
            write_text(out_dir / f"{stem}.json", outcome.analysis_json + "\n", inputs=inputs)
        if outcome.report_html is not None:
            write_text(out_dir / f"{stem}.html", outcome.report_html, inputs=inputs)
        done.append(outcome)
        on_each(outcome)
    done.sort(key=lambda o: o.path)
    with write_whole(out_dir / SUMMARY_NAME, newline="", inputs=inputs) as handle:
        writer = csv.DictWriter(handle, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for outcome in done:
            writer.writerow({k: safe_cell(v) for k, v in outcome.row.items()})
    return done


def _stem(path: str, done: list[Outcome]) -> str:
    """Output name from the session's file name, made unique when two sessions share one."""
    stem = Path(path).stem
    taken = {Path(o.path).stem for o in done}
    return stem if stem not in taken else _with_digest(path)

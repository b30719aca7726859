"""From a session file to the values the library stores: its content hash and its analysis.

The hash is taken from the closed file's bytes (sha256), so the same recording added twice,
from any path, is one session. The analysis is the engine's, run on the file as
``backmon analyze`` would (default settings, or the ones given), unless the caller already has it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

CHUNK_BYTES = 1 << 20
SIDE_DEVICE_KEYS = {"left": "left_device", "right": "right_device"}


def sha256_of(path: str | os.PathLike) -> tuple[str, int]:
    """(hex sha256, size in bytes) of the file's content, read in 1 MiB chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def analyse(path: str | os.PathLike, settings=None) -> dict:
    """The analysis JSON of a session file (BackmonError / ValueError for a file that is not one)."""
    from processing import analyze_file

    return analyze_file(path, settings=settings).to_json_dict()


@dataclass(frozen=True)
class Indexed:
    """The columns of a ``sessions`` row, from a file's hash and its analysis."""

    sha256: str
    path: str
    size_bytes: int
    started_at: str | None
    day: str | None
    duration_s: float
    devices_json: str
    worn_s: float | None
    minutes_over_30: float | None
    minutes_over_60: float | None
    alerts: int
    analysis_json: str


def indexed(path: Path, sha256: str, size_bytes: int, analysis: dict) -> Indexed:
    from processing.report.trends import analysis_started_at  # metadata, else an epoch axis
    from processing.result import finite

    started = analysis_started_at(analysis)
    summary = analysis.get("summary", {})
    metadata = analysis.get("metadata", {})
    devices = {side: str(metadata[key]) for side, key in SIDE_DEVICE_KEYS.items() if metadata.get(key)}
    return Indexed(
        sha256=sha256, path=str(path), size_bytes=size_bytes,
        started_at=started.isoformat() if started else None,
        day=local_day(started).isoformat() if started else None,
        duration_s=float(analysis.get("duration_s") or 0.0), devices_json=json.dumps(devices, ensure_ascii=False),
        worn_s=summary.get("worn_s"), minutes_over_30=summary.get("minutes_over_30"),
        minutes_over_60=summary.get("minutes_over_60"), alerts=len(analysis.get("alerts", [])),
        analysis_json=json.dumps(finite(analysis), ensure_ascii=False, separators=(",", ":")))


def local_day(started: datetime) -> date:
    """The date on the wall where the session was added (a time without a zone is already local)."""
    from processing.report.formatting import local_time

    return local_time(started).date()

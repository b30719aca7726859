"""Session CSV format v1: read and write (DESIGN.md, "Session CSV format v1").

Neither side loops in Python per data row. The reader (sensors.session.stream) reads the file
in blocks: one compiled pass per block finds and classifies lines, broken lines are dropped,
and Arrow's CSV parser converts the rest; only ``#`` lines (few) are handled one by one. Line
numbers in messages are 1-based lines of the file. ``read_session`` gathers the blocks into
one in-memory ``Session``; the analysis of a file streams them instead (processing.input.spool).
"""

from __future__ import annotations

import os

import numpy as np

from sensors.samples import SIDES, Session, Side, SideSamples
from sensors.session.columns import FORMAT_ID, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from sensors.session.meta import parse_time_span
from sensors.session.rows import Rows
from sensors.session.stream import BLOCK_BYTES, SessionStream


def read_session(path: str | os.PathLike, *, block_bytes: int = BLOCK_BYTES) -> Session:
    """Read a session CSV v1 file; broken rows are skipped and reported in ``warnings``.

    Data times stay exactly as in the file; metadata times go on the same axis. Raises
    SessionFileError (naming the file, the line where there is one, and the problem) when the
    file cannot be used at all. ``block_bytes`` (how much is read at a time) does not change
    the result.
    """
    stream = SessionStream(path, block_bytes=block_bytes)
    parts: dict[Side, list[Rows]] = {side: [] for side in SIDES}
    for block in stream:
        parts[block.side].append(block.rows)
    info = stream.info
    sides = [_side(name, Rows.join(parts[name])) if name in info.sides else None for name in SIDES]
    return Session(source=info.source, left=sides[0], right=sides[1], time_base=info.time_base,
                   metadata=info.metadata, marks=info.marks, calibration_window_s=info.calibration_window_s,
                   skipped_rows=info.skipped_rows, warnings=info.warnings, calibrations=info.calibrations)


def _side(name: Side, rows: Rows) -> SideSamples:
    return SideSamples(side=name, time_s=rows.time_s, accel_g=np.ascontiguousarray(rows.values[:, :3]),
                       gyro_dps=np.ascontiguousarray(rows.values[:, 3:]),
                       device_time_s=_optional(rows.device_time_s), seq=_optional(rows.seq, whole=True))


def _optional(values: np.ndarray, *, whole: bool = False) -> np.ndarray | None:
    """None when every cell is missing; seq is int64 when complete and whole (else float64 with
    NaN for empty cells, like device_time_s)."""
    finite = np.isfinite(values)
    if not finite.any():
        return None
    if whole and finite.all() and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


# The writer lives in its own module; importing it here keeps one entry point for the format.
from sensors.session.writer import write_session  # noqa: E402

__all__ = ["FORMAT_ID", "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "parse_time_span", "read_session", "write_session"]

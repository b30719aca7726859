"""Session CSV format v1: the writer (DESIGN.md, "Session CSV format v1").

Numbers are formatted with integer arithmetic in numpy, a block of rows at a time: no Python
loop per row, and bounded temporary memory for sessions of any length. ``format_rows`` is the
one home of how a data row is written; the live recorder (sensors.session.recorder) uses it too.
The file is written whole and owner-only through sensors.outputs, and never over a recording or
one of ``inputs``; metadata and mark text goes through sensors.text's sanitiser.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from sensors.outputs import write_whole
from sensors.samples import Mark, SideSamples
from sensors.session.columns import FORMAT_ID, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from sensors.text import metadata_value

_ACCEL, _GYRO = REQUIRED_COLUMNS[2:5], REQUIRED_COLUMNS[5:8]
_WRITE_CHUNK_ROWS = 65536  # bounds the writer's temporary text arrays (~10 MB)


def write_session(
    path: str | os.PathLike,
    left: SideSamples | None,
    right: SideSamples | None,
    *,
    metadata: Mapping[str, str] | Sequence[tuple[str, str]] = (),
    marks: Iterable[Mark] = (),
    inputs: Iterable[str | os.PathLike | None] = (),
) -> None:
    """Write a session CSV v1 file: format line, metadata, marks, header, rows in time order.

    Times (time_s, device_time_s) get 6 decimals (microseconds, also for epoch seconds),
    accel_g 6, gyro_dps 4; device_time_s/seq columns appear when either side has them, with empty
    cells where a side lacks them. Rows of the two sides are merged by time_s (stable: left first
    on equal times). Raises ValueError for inconsistent input (a caller's bug), OutputRefused for
    a path that is one of ``inputs`` or an existing recording, and OutputError when the file
    cannot be written (then no file is left behind).
    """
    sides = [(name, s) for name, s in (("left", left), ("right", right)) if s is not None]
    optional = [c for c in OPTIONAL_COLUMNS if any(getattr(s, c) is not None for _, s in sides)]
    names = REQUIRED_COLUMNS + tuple(optional)
    values = np.concatenate([_side_matrix(n, s, optional) for n, s in sides] or
                            [np.zeros((0, len(names) - 1))])
    is_right = np.concatenate([np.full(len(s), n == "right") for n, s in sides] or [[]])
    order = np.argsort(values[:, 0], kind="stable")
    head = [f"# format: {FORMAT_ID}"] + _metadata_lines(metadata) + [
        f"# mark: {_mark_time(m.time_s)} {metadata_value(m.text)}".rstrip() for m in marks]
    with write_whole(path, binary=True, inputs=inputs) as f:
        f.write(("\n".join(head + [",".join(names)]) + "\n").encode("utf-8"))
        for start in range(0, order.size, _WRITE_CHUNK_ROWS):
            rows = order[start:start + _WRITE_CHUNK_ROWS]
            f.write(format_rows(values[rows], is_right[rows].astype(np.intp), names))


def _side_matrix(name: str, samples: SideSamples, optional: list[str]) -> np.ndarray:
    """(n, k) float64: time_s, accel_g, gyro_dps, then the optional columns (NaN if absent)."""
    n = len(samples)
    if samples.side != name:
        raise ValueError(f"{samples.side} samples passed as {name}")
    extra = [np.full(n, np.nan) if getattr(samples, c) is None else getattr(samples, c)
             for c in optional]
    shapes = [np.shape(a) for a in (samples.accel_g, samples.gyro_dps, *extra)]
    if shapes != [(n, 3), (n, 3)] + [(n,)] * len(extra):
        raise ValueError(f"{name}: array shapes {shapes} do not match {n} samples")
    return np.column_stack([samples.time_s, samples.accel_g, samples.gyro_dps, *extra]).astype(
        np.float64)


def _metadata_lines(metadata: Mapping[str, str] | Sequence[tuple[str, str]]) -> list[str]:
    items = metadata.items() if isinstance(metadata, Mapping) else metadata
    out = []
    for key, value in items:
        if key == "format":
            continue
        if key == "mark" or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", key):
            raise ValueError(f"metadata key {key!r} cannot be written (marks go in marks=)")
        out.append(f"# {key}: {metadata_value(value)}")
    return out


def _mark_time(time_s: float) -> str:
    if not math.isfinite(time_s):
        raise ValueError(f"mark time {time_s} is not finite")
    return repr(float(time_s))


# Text is built transposed, one row per character position (contiguous writes); NUL bytes are
# padding, dropped when the rows are joined.
_SIDE_BYTES = np.frombuffer(b"left\0right", np.uint8).reshape(2, 5).T.copy()
_DECIMALS = {"time_s": 6, "device_time_s": 6, "seq": 0, "host_time_s": 6} | dict.fromkeys(_ACCEL, 6) | \
    dict.fromkeys(_GYRO, 4)


def format_rows(values: np.ndarray, side: np.ndarray, names: tuple[str, ...]) -> bytes:
    """Text of rows (values: (n, k) without the side; side: 0 left, 1 right), newline-ended.

    ``names`` are the file's columns in order, ``side`` second. Times (time_s, device_time_s,
    host_time_s) and accel_g get 6 decimals, gyro_dps 4, seq none; a NaN in an optional column is
    an empty cell, and a required column must be finite (ValueError)."""
    parts = []
    for i, name in enumerate(n for n in names if n != "side"):
        missing = ~np.isfinite(values[:, i])
        text = _fixed(np.where(missing, 0.0, values[:, i]), _DECIMALS[name], name)
        if name in REQUIRED_COLUMNS and missing.any():
            raise ValueError(f"{name}: values must be finite")
        text[:, missing] = 0  # an empty cell: the side lacks this optional column
        parts += [text, np.full((1, len(side)), ord(","), np.uint8)]
        if i == 0:
            parts += [_SIDE_BYTES[:, side], parts[-1]]
    parts[-1] = np.full((1, len(side)), ord("\n"), np.uint8)
    text = np.ascontiguousarray(np.vstack(parts).T).ravel()
    return text.compress(text != 0).tobytes()


def _fixed(values: np.ndarray, decimals: int, column: str) -> np.ndarray:
    """Format like ``"%.{decimals}f"`` into a (width, n) uint8 array, NUL where no character.

    Integer digit arithmetic (numpy's number-to-text casts are much slower); values are rounded
    as ``rint(value * 10**decimals)``, which can differ from printf's rounding by one last digit.
    """
    scaled = np.rint(values * 10.0 ** decimals)
    if not np.all(np.abs(scaled) < 1e17):  # also false for NaN and inf
        raise ValueError(f"{column}: values must be finite and below 1e{17 - decimals}")
    quotient = np.abs(scaled).astype(np.int64)
    n_digits = max(len(str(int(quotient.max(initial=0)))), decimals + 1)
    n_whole = n_digits - decimals
    chars = np.zeros((n_digits + 2, values.size), np.uint8)  # sign, whole, point, fraction
    chars[0] = np.where(scaled < 0, ord("-"), 0)
    for row in range(n_digits, 0, -1):
        quotient, digit = np.divmod(quotient, 10)
        chars[row if row <= n_whole else row + 1] = digit + ord("0")
    # Leading zeros of the whole part (never its units digit) are no characters at all.
    chars[1:n_whole][~np.logical_or.accumulate(chars[1:n_whole] != ord("0"), axis=0)] = 0
    chars[n_whole + 1] = ord(".") if decimals else 0
    return chars

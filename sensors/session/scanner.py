"""Session CSV bytes to lines and numbers: the part of reading that touches every byte.

One compiled pass over a block of bytes finds each line, classifies it (blank, ``#`` line, or
text: the header or a data row), counts its commas, notes any byte that is not printable text,
and reads the cells of the common case: plain decimals (exactly, see ``_number``), empty cells,
"left" and "right". Lines with anything else go to pandas' C parser, which coerces cell by
cell; a file that went through a spreadsheet (session_dialect) reaches here already converted.
Line numbers are 1-based lines of the file: a block knows how many lines came before it.

Measured against Arrow's multi-threaded parser and pandas on this project's 2-core CI machine,
the pass reads a 440 MB session several times faster than either (benchmarks/bench_analyze.py).
"""

from __future__ import annotations

import csv
import io
import warnings
from typing import NamedTuple

import numpy as np

from sensors.compiled import Kernels
from sensors.session.columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from sensors.session.scan_kernel import _NEWLINE, TEXT

COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS  # a block's values come in this order
_POW10 = np.array([10.0 ** k for k in range(23)])  # exact in float64 up to 1e22
_kernels = Kernels("sensors.session.scan_kernel")


class Lines(NamedTuple):
    """Every line of a block: starts (first byte), ends (one past the last content byte:
    newline and a final CR excluded), kinds (BLANK, COMMENT or TEXT), commas (count per
    line), odd (a byte that is not printable ASCII or tab, a final CR aside), and for the
    data columns: fast (every wanted cell was a plain number, empty, or exactly "left" or
    "right"), values (n, len(COLUMNS)) with NaN where empty or absent, side (0 left, 1 right)."""

    starts: np.ndarray
    ends: np.ndarray
    kinds: np.ndarray
    commas: np.ndarray
    odd: np.ndarray
    fast: np.ndarray
    values: np.ndarray
    side: np.ndarray


def split_lines(buf: np.ndarray, names: list[str] | None = None, *, newlines: int | None = None) -> Lines:
    """Find and classify the lines of ``buf`` (uint8) in one compiled pass; with the header's
    ``names``, also read the wanted cells of every line that the fast path can. ``newlines``:
    how many newline bytes ``buf`` holds, when the caller has counted them. The pass releases
    the GIL: a reader may scan the next block on another thread."""
    slots = np.array([COLUMNS.index(c) if c in COLUMNS else -1 for c in names or ()], np.int64)
    return _scan_part(buf, slots, bool(names), newlines)


def _scan_part(buf: np.ndarray, slots: np.ndarray, read_cells: bool, newlines: int | None = None) -> Lines:
    n = (int(np.count_nonzero(buf == _NEWLINE)) if newlines is None else newlines) + 1
    starts, ends, commas = (np.empty(n, np.int64) for _ in range(3))
    kinds, side, odd, fast = np.empty(n, np.int8), np.full(n, -1, np.int8), np.empty(n, np.bool_), np.empty(n, np.bool_)
    values = np.full((n if read_cells else 0, len(COLUMNS)), np.nan)
    used = _kernels.scan(buf, slots, _POW10, starts, ends, kinds, commas, odd, fast, values, side)
    return Lines(starts[:used], ends[:used], kinds[:used], commas[:used], odd[:used], fast[:used],
                 values[:used], side[:used])


def data_lines(lines: Lines, after: int, n_fields: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Text lines after line index ``after`` split into (good, wrong field count, not text)."""
    data = np.flatnonzero(lines.kinds == TEXT)
    data = data[data > after]
    fields_ok = lines.commas[data] == n_fields - 1
    text_ok = ~lines.odd[data]
    return data[fields_ok & text_ok], data[~fields_ok], data[fields_ok & ~text_ok]


def wanted_columns(names: list[str]) -> list[str]:
    return [c for c in COLUMNS if c in names]


def read_slow_lines(buf: np.ndarray, lines: Lines, good: np.ndarray, names: list[str]) -> None:
    """Fill in ``lines.values`` and ``lines.side`` for the good lines the compiled pass left:
    a cell with blanks, an exponent, "nan", "Left", text. pandas reads them and coerces cell by
    cell (a cell that is no number becomes NaN, and its row a broken row)."""
    slow = good[~lines.fast[good]]
    if not slow.size:
        return
    parsed = _parse_pandas(buf, _runs(lines, slow, buf.size), names, slow.size)
    for column, cells in parsed.items():
        if column == "side":
            lines.side[slow] = cells
        else:
            lines.values[slow, COLUMNS.index(column)] = cells


def _runs(lines: Lines, good: np.ndarray, size: int) -> tuple[list[int], list[int]]:
    """Byte ranges (newlines included) of the runs of consecutive good lines."""
    first_of_run = np.flatnonzero(np.diff(good, prepend=-2) != 1)
    last_of_run = good[np.append(first_of_run[1:], good.size) - 1]
    next_start = np.append(lines.starts, size)
    return lines.starts[good[first_of_run]].tolist(), next_start[last_of_run + 1].tolist()


class _Bytes(io.RawIOBase):
    """A binary stream over byte runs of a buffer, for pandas, without copying them first."""

    def __init__(self, buf: np.ndarray, runs) -> None:
        super().__init__()
        self._view, (self._starts, self._ends) = memoryview(buf), runs
        self._run, self._pos = 0, self._starts[0] if self._starts else 0

    def readable(self) -> bool:
        return True

    def readinto(self, out) -> int:
        filled = 0
        while filled < len(out) and self._run < len(self._starts):
            n = min(len(out) - filled, self._ends[self._run] - self._pos)
            out[filled:filled + n] = self._view[self._pos:self._pos + n]
            filled, self._pos = filled + n, self._pos + n
            if self._pos == self._ends[self._run]:
                self._run += 1
                self._pos = self._starts[self._run] if self._run < len(self._starts) else 0
        return filled


def _parse_pandas(buf: np.ndarray, runs, names: list[str], n_rows: int) -> dict:
    import pandas as pd  # only files with unusual cells need it (and it takes a while to load)

    wanted = wanted_columns(names)
    positions = [names.index(c) for c in wanted]
    read = dict(header=None, usecols=positions, quoting=csv.QUOTE_NONE, engine="c")
    numbers = {names.index(c): (np.float64 if c != "side" else "category") for c in wanted}
    try:
        frame = pd.read_csv(_Bytes(buf, runs), dtype=numbers, **read)
    except ValueError:  # some cell is not a number: let pandas infer, then coerce per column
        with warnings.catch_warnings():  # chunks of mixed types are expected here (DtypeWarning)
            warnings.simplefilter("ignore")
            frame = pd.read_csv(_Bytes(buf, runs), dtype={names.index("side"): "category"}, **read)
    if len(frame) != n_rows:  # the byte checks make this impossible; a bug if it happens
        raise RuntimeError(f"parsed {len(frame)} rows from {n_rows} lines")
    out = {}
    for c, p in zip(wanted, positions):
        if c == "side":
            out[c] = _side_codes(frame[p])
        else:
            out[c] = _as_float(frame[p])
    return out


def _side_codes(side) -> np.ndarray:
    """0 left, 1 right, -1 anything else (case and surrounding blanks ignored)."""
    categories = [str(c).strip().lower() for c in side.cat.categories]
    lookup = np.array([{"left": 0, "right": 1}.get(c, -1) for c in categories] + [-1], np.int8)
    return lookup[side.cat.codes.to_numpy()]  # code -1 (empty cell) picks the trailing -1


def _as_float(column) -> np.ndarray:
    import pandas as pd

    if column.dtype.kind == "b":
        return np.full(len(column), np.nan)
    if column.dtype.kind not in "fiu":
        try:
            column = pd.to_numeric(column, errors="coerce")
        except OverflowError:  # an integer beyond int64 beside text: cell by cell (rare)
            return np.array([_cell_float(x) for x in column], np.float64)
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _cell_float(cell) -> float:
    try:
        return float(cell)
    except (TypeError, ValueError, OverflowError):
        return np.nan

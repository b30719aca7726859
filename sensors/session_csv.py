"""Session CSV format v1: read and write (DESIGN.md, "Session CSV format v1").

Neither side loops in Python per data row. The reader finds and classifies lines with numpy on
the raw bytes, drops broken lines, and hands the rest to pandas' C tokenizer; only ``#`` lines
(few) are handled one by one. Line numbers in messages are 1-based lines of the file.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from sensors.errors import SessionFileError, read_file_bytes
from sensors.samples import EPOCH_THRESHOLD_S, SIDES, Mark, Session, SideSamples
from sensors.session_checks import impossible_rows, screen_times
from sensors.session_dialect import normalise_dialect

from sensors.session_columns import FORMAT_ID, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
_MUST_BE_NUMBERS = tuple(c for c in REQUIRED_COLUMNS if c != "side")  # optional ones may be empty
_ACCEL, _GYRO = REQUIRED_COLUMNS[2:5], REQUIRED_COLUMNS[5:8]
_BOM = b"\xef\xbb\xbf"
_MAX_LINES_NAMED = 5  # line numbers listed in a warning before "..."

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_SPAN_RE = re.compile(rf"\s*({_NUMBER})\s*[:-]\s*({_NUMBER})\s*")
_META_RE = re.compile(r"#\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*:(.*)", re.DOTALL)


def parse_time_span(text: str) -> tuple[float, float]:
    """Parse ``"START:END"`` or ``"START-END"`` (non-negative seconds) into (start_s, end_s)."""
    match = _SPAN_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"time span {text!r} is not START:END in seconds (e.g. 0:30)")
    start_s, end_s = float(match[1]), float(match[2])
    if not (math.isfinite(start_s) and math.isfinite(end_s)) or end_s <= start_s:
        raise ValueError(f"time span {text!r} must end after it starts")
    return start_s, end_s


# ---------------------------------------------------------------- reading: lines


class _Lines(NamedTuple):
    """Every line of the file: starts (first byte), ends (one past the last content byte: newline
    and a final CR excluded) and kinds (_BLANK, _COMMENT or _TEXT: header or data), arrays."""

    starts: np.ndarray
    ends: np.ndarray
    kinds: np.ndarray


_BLANK, _COMMENT, _TEXT = 0, 1, 2
_MAX_INDENT = 64  # leading blanks looked through when classifying a line


def _read_bytes(path: str | os.PathLike, source: str) -> bytes:
    raw = read_file_bytes(path, error=SessionFileError, directory_problem="is a directory, not a session CSV file")
    return raw[len(_BOM):] if raw.startswith(_BOM) else raw


def _split_lines(buf: np.ndarray) -> _Lines:
    """Find and classify lines, vectorised over lines (a few passes over the bytes)."""
    newlines = np.flatnonzero(buf == ord("\n"))
    starts = np.concatenate(([0], newlines + 1))
    raw_ends = np.concatenate((newlines, [buf.size]))
    if starts[-1] == buf.size:  # the file ends with a newline: no line after it
        starts, raw_ends = starts[:-1], raw_ends[:-1]
    ends = raw_ends.copy()
    has_cr = ends > starts
    has_cr[has_cr] = buf[ends[has_cr] - 1] == ord("\r")
    ends[has_cr] -= 1
    # Step over leading blanks, one column at a time for the lines still in them.
    first = starts.copy()
    todo = np.flatnonzero(first < ends)
    for _ in range(_MAX_INDENT):
        todo = todo[np.isin(buf[first[todo]], (ord(" "), ord("\t")))]
        first[todo] += 1
        todo = todo[first[todo] < ends[todo]]
    kinds = np.full(starts.size, _TEXT, np.int8)
    nonblank = first < ends
    kinds[~nonblank] = _BLANK
    kinds[nonblank & (buf[np.minimum(first, buf.size - 1)] == ord("#"))] = _COMMENT
    return _Lines(starts, ends, kinds)


# ---------------------------------------------------------------- reading: # lines


@dataclass
class _Meta:
    metadata: dict[str, str]
    marks: list[tuple[float, str]]
    calibration: tuple[float, float] | None
    warnings: list[str]


def _parse_comments(raw: bytes, lines: _Lines, source: str) -> _Meta:
    """Read every ``# key: value`` line; ``mark`` lines become marks, others metadata."""
    meta = _Meta({}, [], None, [])
    for index in np.flatnonzero(lines.kinds == _COMMENT):
        line_no = int(index) + 1
        text = raw[lines.starts[index]:lines.ends[index]].decode("utf-8", "replace").strip()
        match = _META_RE.fullmatch(text)
        if match is None:
            continue  # a plain comment
        key, value = match[1], match[2].strip()
        if key == "mark":
            _add_mark(meta, value, line_no)
            continue
        meta.metadata[key] = value
        if key == "format" and value != FORMAT_ID:
            raise SessionFileError(source, f"unsupported format {value!r} (backmon reads "
                                   f"{FORMAT_ID}); is this file from a newer backmon?",
                                   line=line_no)
        if key == "calibration_s":
            try:
                meta.calibration = parse_time_span(value)
            except ValueError as err:
                raise SessionFileError(source, f"calibration_s: {err}", line=line_no) from None
    return meta


def _add_mark(meta: _Meta, value: str, line_no: int) -> None:
    """``<time_s> <text>``: a mark without a usable time is dropped with a warning."""
    time_text, text = (value.split(None, 1) + ["", ""])[:2]
    try:
        time_s = float(time_text)
    except ValueError:
        time_s = math.nan
    if not math.isfinite(time_s):
        meta.warnings.append(f"line {line_no}: mark without a time in seconds ({value!r}); ignored")
        return
    meta.marks.append((time_s, text.strip()))


# ---------------------------------------------------------------- reading: header and rows


def _parse_header(raw: bytes, lines: _Lines, source: str) -> tuple[int, list[str]]:
    """Return the header's line index and its column names (stripped)."""
    text_lines = np.flatnonzero(lines.kinds == _TEXT)
    if text_lines.size == 0:
        what = "the file is empty" if not np.any(lines.kinds == _COMMENT) else "only comments"
        raise SessionFileError(source, f"no header line ({what})")
    index = int(text_lines[0])
    try:
        header = raw[lines.starts[index]:lines.ends[index]].decode("utf-8")
    except UnicodeDecodeError:
        raise SessionFileError(source, "the header is not UTF-8 text; is this a session CSV "
                               "file?", line=index + 1) from None
    names = [name.strip() for name in header.split(",")]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        shown = ", ".join(n[:20] for n in names[:10]) + (", ..." if len(names) > 10 else "")
        raise SessionFileError(source, f"missing column(s) {', '.join(missing)}; the header "
                               f"has: {shown}", line=index + 1)
    twice = [c for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if names.count(c) > 1]
    if twice:  # which one would be meant? (repeated columns that are not read do not matter)
        raise SessionFileError(source, f"duplicate column(s) {', '.join(twice)} in the header",
                               line=index + 1)
    return index, names


def _data_lines(buf: np.ndarray, lines: _Lines, header: int, n_fields: int) -> tuple:
    """Split the line indices after the header into (good, wrong field count, not text).

    Not text: a byte outside printable ASCII and tab (a stray CR would also shift pandas' rows
    against ours); the CR of a CRLF ending lies outside ``ends`` and is fine.
    """
    data = np.flatnonzero(lines.kinds == _TEXT)
    data = data[data > header]
    starts, ends = lines.starts[data], lines.ends[data]
    # Commas per line, summed in uint8 (fast); it wraps at 256, so long lines are recounted.
    is_comma = buf == ord(",")
    n_commas = np.add.reduceat(is_comma.view(np.uint8), lines.starts, dtype=np.uint8)
    n_commas = n_commas[data].astype(np.int64)
    long = np.flatnonzero(ends - starts > 255)
    if long.size:
        commas = np.flatnonzero(is_comma)
        n_commas[long] = (np.searchsorted(commas, ends[long])
                          - np.searchsorted(commas, starts[long]))
    del is_comma
    fields_ok = n_commas == n_fields - 1
    odd = np.subtract(buf, np.uint8(32))  # bytes below 32 wrap above 223
    odd = np.flatnonzero(np.greater(odd, 94, out=odd.view(bool)))  # in place: one byte per byte
    odd = odd[(buf[odd] != ord("\n")) & (buf[odd] != ord("\t"))]
    odd_line = np.searchsorted(lines.starts, odd, side="right") - 1
    text_ok = np.ones(lines.starts.size, bool)
    text_ok[odd_line[odd < lines.ends[odd_line]]] = False
    text_ok = text_ok[data]
    return data[fields_ok & text_ok], data[~fields_ok], data[fields_ok & ~text_ok]


class _KeptLines(io.RawIOBase):
    """A binary stream over the good lines only, for pandas, without copying the file's bytes.

    The good lines come as runs of consecutive lines: byte ranges [starts[i], ends[i]) of buf
    (newlines included), served one after the other; pandas reads in chunks.
    """

    def __init__(self, buf: np.ndarray, lines: _Lines, good: np.ndarray) -> None:
        super().__init__()
        first_of_run = np.flatnonzero(np.diff(good, prepend=-2) != 1)
        last_of_run = good[np.append(first_of_run[1:], good.size) - 1]
        self._view = memoryview(buf)
        self._starts = lines.starts[good[first_of_run]].tolist()
        self._ends = np.append(lines.starts, buf.size)[last_of_run + 1].tolist()
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


def _parse_table(buf: np.ndarray, lines: _Lines, good: np.ndarray, names: list[str]) -> dict:
    """Parse the good lines with pandas' C tokenizer: {column: float64 array, "side": Series}."""
    wanted = [c for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c in names]
    positions = [names.index(c) for c in wanted]
    read = dict(header=None, usecols=positions, quoting=csv.QUOTE_NONE, engine="c")
    dtypes = {names.index(c): (np.float64 if c != "side" else "category") for c in wanted}
    try:
        frame = pd.read_csv(_KeptLines(buf, lines, good), dtype=dtypes, **read)
    except ValueError:  # some cell is not a number: let pandas infer, then coerce per column
        with warnings.catch_warnings():  # chunks of mixed types are expected here (DtypeWarning)
            warnings.simplefilter("ignore")
            frame = pd.read_csv(_KeptLines(buf, lines, good), dtype={names.index("side"): "category"},
                                **read)
    if len(frame) != good.size:  # the byte checks make this impossible; a bug if it happens
        raise RuntimeError(f"parsed {len(frame)} rows from {good.size} lines")
    return {c: frame[p] if c == "side" else _as_float(frame[p]) for c, p in zip(wanted, positions)}


def _as_float(column: pd.Series) -> np.ndarray:
    if column.dtype.kind == "b":
        return np.full(len(column), np.nan)
    if column.dtype.kind not in "fiu":
        column = pd.to_numeric(column, errors="coerce")
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _side_codes(side: pd.Series) -> np.ndarray:
    """0 left, 1 right, -1 anything else (case and surrounding blanks ignored)."""
    categories = [str(c).strip().lower() for c in side.cat.categories]
    lookup = np.array([{"left": 0, "right": 1}.get(c, -1) for c in categories] + [-1], np.int8)
    return lookup[side.cat.codes.to_numpy()]  # code -1 (empty cell) picks the trailing -1


def _check_rows(good: np.ndarray, bad_fields: np.ndarray, bad_bytes: np.ndarray,
                table: dict) -> tuple[np.ndarray, np.ndarray, int, list[str]]:
    """Decide which rows of the table are usable; broken ones are counted and named by line.

    Returns (usable (n,) bool, side codes (n,) 0 left / 1 right / -1 unknown, skipped, warnings).
    """
    numbers_ok = np.ones(good.size, bool)
    for column in _MUST_BE_NUMBERS:
        numbers_ok &= np.isfinite(table[column]) if good.size else True
    codes = _side_codes(table["side"]) if good.size else np.zeros(0, np.int8)
    unknown = numbers_ok & (codes < 0)
    reasons = [why for why, found in (("wrong field count", bad_fields.size),
                                      ("bytes that are not text", bad_bytes.size),
                                      ("bad number", not numbers_ok.all())) if found]
    broken = np.sort(np.concatenate((bad_fields, bad_bytes, good[~numbers_ok]))) + 1
    out = []
    if broken.size:
        out.append(f"skipped {_count(broken.size, 'broken row')} ({_lines_named(broken)}): "
                   f"{' or '.join(reasons)}")
    if unknown.any():
        first = int(np.argmax(unknown))
        value = table["side"].iloc[first]
        value = "" if pd.isna(value) else str(value).strip()
        out.append(f"skipped {_count(int(unknown.sum()), 'row')} with an unknown side (e.g. line "
                   f"{good[first] + 1}: {value!r})")
    return numbers_ok & (codes >= 0), codes, broken.size + int(unknown.sum()), out


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _lines_named(line_numbers: np.ndarray) -> str:
    """'line 7' or 'lines 4, 9, ...' (the first few)."""
    named = ", ".join(str(n) for n in line_numbers[:_MAX_LINES_NAMED])
    more = ", ..." if line_numbers.size > _MAX_LINES_NAMED else ""
    return f"line{'s' if line_numbers.size > 1 else ''} {named}{more}"


# ---------------------------------------------------------------- reading: sides


def _build_side(name: str, table: dict, rows: np.ndarray, out: list[str]) -> SideSamples | None:
    """One side's samples sorted by time (stable), exact duplicate times dropped (first kept)."""
    time_s = table["time_s"][rows]
    late = int(np.count_nonzero(time_s[1:] < np.maximum.accumulate(time_s)[:-1]))
    if late:
        out.append(f"{name}: {_count(late, 'row')} out of time order; sorted by time_s")
        order = np.argsort(time_s, kind="stable")
        rows, time_s = rows[order], time_s[order]
    repeated = np.concatenate(([False], time_s[1:] == time_s[:-1]))
    if repeated.any():
        out.append(f"{name}: {_count(int(repeated.sum()), 'row')} repeating an earlier time_s "
                   "dropped (kept the first)")
        rows, time_s = rows[~repeated], time_s[~repeated]
    if rows.size < 2:
        if rows.size:  # a side with no rows at all is simply not in the file
            out.append(f"{name}: only {_count(rows.size, 'usable sample')}; treated as absent")
        return None
    return SideSamples(
        side=name,
        time_s=time_s,
        accel_g=np.column_stack([table[c][rows] for c in _ACCEL]),
        gyro_dps=np.column_stack([table[c][rows] for c in _GYRO]),
        device_time_s=_optional(table, "device_time_s", rows),
        seq=_optional(table, "seq", rows),
    )


def _optional(table: dict, column: str, rows: np.ndarray) -> np.ndarray | None:
    """None when the column or all its cells are missing; seq is int64 when complete and whole
    (else float64 with NaN for empty cells, like device_time_s)."""
    if column not in table:
        return None
    values = table[column][rows]
    finite = np.isfinite(values)
    if not finite.any():
        return None
    if column == "seq" and finite.all() and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


def _to_session_axis(time_s: float, time_base: str, first_s: float) -> float:
    """DESIGN.md: with epoch data, a metadata time below 1e9 counts from the first sample."""
    return time_s + first_s if time_base == "epoch" and time_s < EPOCH_THRESHOLD_S else time_s


def read_session(path: str | os.PathLike) -> Session:
    """Read a session CSV v1 file; broken rows are skipped and reported in ``warnings``.

    Data times stay exactly as in the file; metadata times go on the same axis. Raises
    SessionFileError (naming the file, the line where there is one, and the problem) when the
    file cannot be used at all.
    """
    source = os.fspath(path)
    source = source.decode(errors="replace") if isinstance(source, bytes) else source
    raw, dialect_notes = normalise_dialect(_read_bytes(path, source))
    buf = np.frombuffer(raw, np.uint8)
    lines = _split_lines(buf)
    meta = _parse_comments(raw, lines, source)
    header, names = _parse_header(raw, lines, source)
    good, bad_fields, bad_bytes = _data_lines(buf, lines, header, len(names))
    table = _parse_table(buf, lines, good, names) if good.size else {}
    del raw, buf, lines  # free the file's bytes before the sides are assembled
    usable, codes, skipped, out = _check_rows(good, bad_fields, bad_bytes, table)
    impossible, notes = impossible_rows(table, usable, good + 1)
    usable, skipped, out = usable & ~impossible, skipped + int(impossible.sum()), out + notes
    if not usable.any():
        raise SessionFileError(source, f"no usable data rows: {_count(skipped, 'row')} skipped")
    median_s = np.median(table["time_s"][usable])
    time_base = "epoch" if median_s > EPOCH_THRESHOLD_S else "relative"
    rows = {name: np.flatnonzero(usable & (codes == i)) for i, name in enumerate(SIDES)}
    keep, notes = screen_times({n: (table["time_s"][r], good[r] + 1) for n, r in rows.items()}, source)
    skipped, out = skipped + sum(int((~k).sum()) for k in keep.values()), out + notes
    sides = [_build_side(name, table, rows[name][keep[name]], out) for name in SIDES]
    if sides[0] is None and sides[1] is None:
        raise SessionFileError(source, "no side has 2 or more usable samples")
    first_s = min(float(s.time_s[0]) for s in sides if s is not None)
    calibration = meta.calibration and tuple(
        _to_session_axis(t, time_base, first_s) for t in meta.calibration)
    return Session(
        source=source,
        left=sides[0],
        right=sides[1],
        time_base=time_base,
        metadata=meta.metadata,
        marks=tuple(Mark(_to_session_axis(t, time_base, first_s), text) for t, text in meta.marks),
        calibration_window_s=calibration or None,
        skipped_rows=skipped,
        warnings=tuple(dialect_notes + meta.warnings + out),
    )


# The writer lives in its own module; importing it here keeps one entry point for the format.
from sensors.session_writer import write_session  # noqa: E402

__all__ = ["FORMAT_ID", "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "parse_time_span", "read_session", "write_session"]

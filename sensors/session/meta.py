"""Session CSV ``#`` lines and the header line (DESIGN.md, "Session CSV format v1").

What the ``#`` lines add is kept in memory and written into every report and JSON, so it is
capped (below, with the reasons): keys beyond MAX_METADATA_KEYS and marks beyond MAX_MARKS are
counted, not kept, and values and mark texts are cut to their first characters, each with one
warning for the whole file. The file itself is never changed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from sensors.errors import SessionFileError
from sensors.session.columns import FORMAT_ID, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from sensors.session.scan_kernel import COMMENT, TEXT
from sensors.session.scanner import Lines

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_SPAN_RE = re.compile(rf"\s*({_NUMBER})\s*[:-]\s*({_NUMBER})\s*")
_PADDING = ",;"  # separators spreadsheets save with (DESIGN.md's dialects: comma, semicolon)
# The recorder and the importers write about a dozen keys (format, started_at, devices, files,
# calibration_s, ...): 200 leaves room for any tool's own, and keeps the report's list readable.
MAX_METADATA_KEYS = 200
# A mark tags a task; a working day has dozens. 1,000 marks of 200 characters and 200 values of
# 500 keep what a report shows of the # lines near 300 kB (the README promises reports under 1 MB).
MAX_MARKS = 1_000
MAX_MARK_CHARS = 200
MAX_VALUE_CHARS = 500  # the longest values written are an import's file lists, a few hundred characters
# The monitor writes one calibration line per sensor each time it adopts a calibration: at the
# start, and after each slip the neutral re-check finds (a few a day).
MAX_CALIBRATIONS = 1_000
_LINES_NAMED = 5  # line numbers listed in a summarised warning before "..."
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


@dataclass
class Meta:
    """What the ``#`` lines say, gathered over the whole file (metadata may come anywhere)."""

    metadata: dict[str, str] = field(default_factory=dict)
    marks: list[tuple[float, str]] = field(default_factory=list)
    calibration: tuple[float, float] | None = None
    calibrations: list[tuple[float, str, tuple[float, ...], bool]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    padding: str = ""  # the separator a spreadsheet padded the ``#`` lines with ("" when none)
    further_keys: int = 0  # metadata lines with a new key beyond MAX_METADATA_KEYS
    further_marks: int = 0
    further_calibrations: int = 0
    bad_calibrations: _Seen = field(default_factory=lambda: _Seen())
    untimed_marks: _Seen = field(default_factory=lambda: _Seen())
    cut_values: _Seen = field(default_factory=lambda: _Seen())

    def read(self, raw: bytes, lines: Lines, first_line: int, source: str) -> None:
        """Read every ``# key: value`` line of a block; ``mark`` lines become marks."""
        for index in np.flatnonzero(lines.kinds == COMMENT):
            line_no = first_line + int(index)
            text = raw[lines.starts[index]:lines.ends[index]].decode("utf-8", "replace").strip()
            if self.padding:
                text = text.rstrip(self.padding).rstrip()
            match = _META_RE.fullmatch(text)
            if match is None:
                continue  # a plain comment
            key, value = match[1], match[2].strip()
            if key == "format" and not self.padding and (padding := _spreadsheet_padding(value)):
                self.padding, value = padding, FORMAT_ID
                self.warnings.append(f"line {line_no}: the # lines end in empty '{padding}' cells a spreadsheet "
                                     "added when the file was saved again; read without them")
            if key == "mark":
                self._add_mark(value, line_no)
                continue
            if key == "calibration":
                if len(self.calibrations) < MAX_CALIBRATIONS:
                    self._add_calibration(value[:MAX_VALUE_CHARS], line_no)
                else:
                    self.further_calibrations += 1
                continue
            self._add_value(key, value, line_no, source)

    def _add_value(self, key: str, value: str, line_no: int, source: str) -> None:
        """A ``key: value`` line: kept within the caps; format and calibration_s honoured always."""
        if key in self.metadata or len(self.metadata) < MAX_METADATA_KEYS:
            self.metadata[key] = self._cut(key, value, MAX_VALUE_CHARS, line_no)
        else:
            self.further_keys += 1
        if key == "format" and value != FORMAT_ID:
            raise SessionFileError(source, f"unsupported format {value[:40]!r} (backmon reads "
                                   f"{FORMAT_ID}); is this file from a newer backmon?", line=line_no)
        if key == "calibration_s":
            try:
                self.calibration = parse_time_span(value)
            except ValueError as err:
                raise SessionFileError(source, f"calibration_s: {str(err)[:200]}", line=line_no) from None

    def _add_calibration(self, value: str, line_no: int) -> None:
        """``<time_s> <side> <r11 ... r33> [forward_unknown]``: the monitor's calibration from then
        on; a line that does not read as one is dropped with a warning."""
        words = value.split()
        try:
            numbers = [float(w) for w in words[2:11]]
            time_s = float(words[0])
        except (ValueError, IndexError):
            numbers, time_s = [], math.nan
        rotation = np.array(numbers).reshape(3, 3) if len(numbers) == 9 else np.zeros((3, 3))
        rest = words[11:]
        usable = (math.isfinite(time_s) and len(words) >= 11 and words[1] in ("left", "right")
                  and rest in ([], ["forward_unknown"]) and np.allclose(rotation @ rotation.T, np.eye(3), atol=1e-4)
                  and np.linalg.det(rotation) > 0)
        if not usable:
            self.bad_calibrations.add(line_no, value[:80])
            return
        self.calibrations.append((time_s, words[1], tuple(numbers), not rest))

    def _add_mark(self, value: str, line_no: int) -> None:
        """``<time_s> <text>``: a mark without a usable time is dropped with a warning."""
        time_text, text = (value.split(None, 1) + ["", ""])[:2]
        try:
            time_s = float(time_text)
        except ValueError:
            time_s = math.nan
        if not math.isfinite(time_s):
            self.untimed_marks.add(line_no, value[:80])
            return
        if len(self.marks) >= MAX_MARKS:
            self.further_marks += 1
            return
        self.marks.append((time_s, self._cut("mark", text.strip(), MAX_MARK_CHARS, line_no)))

    def _cut(self, key: str, value: str, limit: int, line_no: int) -> str:
        if len(value) <= limit:
            return value
        self.cut_values.add(line_no, f"{key} is {len(value):,} characters long")
        return value[:limit]

    def summary(self) -> list[str]:
        """One warning per cap that was reached (and for marks without a time), for the whole file."""
        out = []
        if self.further_keys:
            out.append(f"{self.further_keys:,} further metadata lines not shown (backmon keeps "
                       f"{MAX_METADATA_KEYS} keys; the file is unchanged)")
        if self.further_marks:
            out.append(f"{self.further_marks:,} further marks not shown (backmon keeps the first {MAX_MARKS:,}; "
                       "the file is unchanged)")
        if self.further_calibrations:
            out.append(f"{self.further_calibrations:,} further calibration lines not read (backmon reads the first "
                       f"{MAX_CALIBRATIONS:,}; the file is unchanged)")
        bad = self.bad_calibrations
        if bad.count == 1:
            out.append(f"line {bad.lines[0]}: calibration is not '<time_s> <left|right> <9 numbers of a rotation>' "
                       f"({bad.first!r}); ignored")
        elif bad.count:
            out.append(f"{bad.count:,} calibration lines are not '<time_s> <left|right> <9 numbers of a rotation>' "
                       f"and were ignored ({bad.named()}; e.g. {bad.first!r})")
        marks, cut = self.untimed_marks, self.cut_values
        if marks.count == 1:
            out.append(f"line {marks.lines[0]}: mark without a time in seconds ({marks.first!r}); ignored")
        elif marks.count:
            out.append(f"{marks.count:,} marks without a time in seconds ignored ({marks.named()}; e.g. "
                       f"{marks.first!r})")
        if cut.count == 1:
            out.append(f"line {cut.lines[0]}: {cut.first}; the first {_limit_of(cut.first):,} are kept (the file is "
                       "unchanged)")
        elif cut.count:
            out.append(f"{cut.count:,} values cut to their first {MAX_VALUE_CHARS:,} characters, marks to "
                       f"{MAX_MARK_CHARS:,} ({cut.named()}; line {cut.lines[0]}: {cut.first}; the file is unchanged)")
        return out


@dataclass
class _Seen:
    """Lines something happened to: how many, the first few line numbers, what the first said."""

    count: int = 0
    lines: list[int] = field(default_factory=list)
    first: str = ""

    def add(self, line_no: int, text: str) -> None:
        self.count += 1
        if len(self.lines) < _LINES_NAMED:
            self.lines.append(line_no)
        if self.count == 1:
            self.first = text

    def named(self) -> str:
        return "lines " + ", ".join(str(n) for n in self.lines) + (", ..." if self.count > _LINES_NAMED else "")


def _limit_of(what: str) -> int:
    return MAX_MARK_CHARS if what.startswith("mark ") else MAX_VALUE_CHARS


def _spreadsheet_padding(value: str) -> str:
    """The separator a spreadsheet padded the format line with (``backmon-session/1,,,,,,,``: every
    row of a sheet is saved as wide as the widest, the header), or "" when the value is no such
    padding. backmon never writes the format line with separators, so its padding tells that the
    file went through a spreadsheet (tabs are blanks, stripped anyway)."""
    for separator in _PADDING:
        if value.endswith(separator) and value.rstrip(separator).rstrip() == FORMAT_ID:
            return separator
    return ""


def find_header(raw: bytes, lines: Lines, first_line: int, source: str) -> tuple[int, list[str]] | None:
    """The header's line index in this block and its column names (stripped), or None when
    the block has no text line."""
    text_lines = np.flatnonzero(lines.kinds == TEXT)
    if text_lines.size == 0:
        return None
    index = int(text_lines[0])
    line_no = first_line + index
    try:
        header = raw[lines.starts[index]:lines.ends[index]].decode("utf-8")
    except UnicodeDecodeError:
        raise SessionFileError(source, "the header is not UTF-8 text; is this a session CSV file?",
                               line=line_no) from None
    names = [name.strip() for name in header.split(",")]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        shown = ", ".join(n[:20] for n in names[:10]) + (", ..." if len(names) > 10 else "")
        raise SessionFileError(source, f"missing column(s) {', '.join(missing)}; the header has: {shown}",
                               line=line_no)
    twice = [c for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if names.count(c) > 1]
    if twice:  # which one would be meant? (repeated columns that are not read do not matter)
        raise SessionFileError(source, f"duplicate column(s) {', '.join(twice)} in the header", line=line_no)
    return index, names

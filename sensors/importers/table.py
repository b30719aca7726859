"""Delimited text tables as other tools export them: header line, then rows.

The separator (comma, semicolon, tab, or runs of blanks) and the decimal mark (point or comma)
are sniffed, because several apps let the user choose them (phyphox offers comma/tab/semicolon
with a decimal point or comma). Header cells lose surrounding blanks, quotes and byte order marks
(a file pasted together from two exports keeps the second one's inside), and columns are looked up
by name regardless of case (WitMotion's PC software writes ``time`` or ``Time`` by version). Cells are
parsed by pandas' C tokenizer as text, then converted per column: a cell that is not a number
becomes NaN, and the importer decides what to do with such rows.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sensors.errors import ImportFileError
from sensors.importers.inputs import HEAD_BYTES, InputFile

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_BOM_CHAR = "\ufeff"
_HEADER_SEARCH_LINES = 50  # a header further down is not a header
_SEPARATORS = (",", ";", "\t")
WHITESPACE = r"\s+"
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class Table:
    """A parsed table: header names and, per column, the cells as text (NaN where missing).

    header_line: 1-based line of the header; skipped_lines: data lines dropped because their
    number of fields did not fit the header.
    """

    source: str
    names: tuple[str, ...]
    cells: pd.DataFrame
    header_line: int
    decimal_comma: bool
    skipped_lines: int

    def __len__(self) -> int:
        return len(self.cells)

    def find(self, *candidates: str) -> str | None:
        """The header's name for the first of ``candidates`` it has (case aside), or None."""
        folded = [n.casefold() for n in self.names]
        for candidate in candidates:
            if candidate.casefold() in folded:
                return self.names[folded.index(candidate.casefold())]
        return None

    def has(self, *names: str) -> bool:
        return all(self.find(n) is not None for n in names)

    def _column(self, name: str) -> pd.Series:
        found = name if name in self.names else self.find(name)
        return self.cells[self.names.index(found)]

    def numbers(self, name: str) -> np.ndarray:
        """The column as float64; cells that are not numbers are NaN."""
        column = self._column(name)
        if self.decimal_comma:
            column = column.str.replace(",", ".", regex=False)
        values = pd.to_numeric(column, errors="coerce")
        return values.to_numpy(dtype=np.float64, na_value=np.nan)

    def texts(self, name: str) -> pd.Series:
        """The column as stripped text without surrounding quotes ("" where missing)."""
        column = self._column(name).fillna("")
        return column.str.strip().str.strip('"').str.strip()


def decode(file: InputFile, *, fallback: str = "latin-1") -> str:
    """The file's text: UTF-8 or UTF-16 by byte order mark, else UTF-8, else ``fallback``
    (WitMotion's Chinese PC software writes GB18030). Never raises."""
    data = file.data
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(fallback, errors="replace")


def peek_header(file: InputFile, *, is_header: Callable[[list[str]], bool],
                separators: tuple[str, ...] = _SEPARATORS, fallback: str = "latin-1") -> tuple[str, ...] | None:
    """The names of ``file``'s header line when its first bytes (``InputFile.head``) hold one that
    satisfies ``is_header``, else None (then only reading the whole file can tell). Lets an
    importer set a file aside by its header without reading (or unpacking) the rest."""
    head = file.head()
    if len(head) == HEAD_BYTES:  # cut: the last line may be partial
        head = head[:head.rfind(b"\n") + 1]
    lines = decode(InputFile(file.name, head), fallback=fallback).splitlines()
    for line in lines[:_HEADER_SEARCH_LINES]:
        names = _header_names(line, _sniff_separator(line, separators))
        if is_header(names):
            return tuple(names)
    return None


def read_table(file: InputFile, *, is_header: Callable[[list[str]], bool], what: str,
               separators: tuple[str, ...] = _SEPARATORS, fallback: str = "latin-1") -> Table:
    """Parse ``file`` as a table whose header line satisfies ``is_header(names)``.

    The header is searched in the first lines (some apps write a title line first). Raises
    ImportFileError naming the file when no such header is found (``what`` describes the
    export expected, e.g. "a phyphox CSV export") or when the rows cannot be parsed.
    """
    text = decode(file, fallback=fallback)
    lines = text.splitlines()
    for index, line in enumerate(lines[:_HEADER_SEARCH_LINES]):  # noqa: B007 - index is the header's, used below
        separator = _sniff_separator(line, separators)
        names = _header_names(line, separator)
        if is_header(names):
            break
    else:
        first = next((line for line in lines if line.strip()), "")
        shown = first.strip()[:80] + ("..." if len(first.strip()) > 80 else "")
        problem = "the file is empty" if not first else f"the first line is {shown!r}"
        raise ImportFileError(file.name, f"not {what} ({problem})")
    body = lines[index + 1:]
    decimal_comma = separator != "," and _uses_decimal_comma(body, separator)
    cells = _parse_rows(file.name, body, separator, len(names))
    skipped = sum(1 for line in body if line.strip()) - len(cells)
    return Table(file.name, tuple(names), cells, index + 1, decimal_comma, max(skipped, 0))


def _sniff_separator(line: str, separators: tuple[str, ...]) -> str:
    counts = [(line.count(s), s) for s in separators if s != WHITESPACE]
    best = max(counts, default=(0, ","))
    if best[0] == 0 and WHITESPACE in separators:
        return WHITESPACE
    return best[1]


def _header_names(line: str, separator: str) -> list[str]:
    parts = line.split() if separator == WHITESPACE else line.split(separator)
    return [p.strip().strip(_BOM_CHAR).strip().strip('"').strip() for p in parts]


def _uses_decimal_comma(body: list[str], separator: str) -> bool:
    """A cell like ``1,5`` or ``-2,0E-3`` in the first data lines (the separator is no comma)."""
    for line in [line for line in body[:20] if line.strip()]:
        cells = line.split() if separator == WHITESPACE else line.split(separator)
        if any(_DECIMAL_COMMA.fullmatch(cell.strip()) for cell in cells):
            return True
    return False


def _parse_rows(source: str, body: list[str], separator: str, n_fields: int) -> pd.DataFrame:
    if not any(line.strip() for line in body):
        return pd.DataFrame({i: pd.Series(dtype=object) for i in range(n_fields)})
    options = dict(header=None, names=list(range(n_fields)), dtype=str, quoting=csv.QUOTE_NONE,
                   keep_default_na=False, na_filter=False, skip_blank_lines=True,
                   on_bad_lines="skip", engine="c", index_col=False)
    try:
        with warnings.catch_warnings():  # rows longer than the header: counted by the caller
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            return pd.read_csv(io.StringIO("\n".join(body)), sep=separator, **options)
    except (ValueError, pd.errors.ParserError, csv.Error, OverflowError) as err:
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise ImportFileError(source, f"rows cannot be parsed ({reason})") from None

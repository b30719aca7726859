"""CSV for spreadsheets that cannot be turned against the person who opens it.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(OWASP "CSV injection"; a tab or carriage return first can do the same). Text from a session
file, such as a subject's name or a note, may start that way, so such text gets a leading
apostrophe, which the spreadsheet shows as plain text. Numbers are written as numbers: ``-3.5``
stays a negative number, only text is ever changed.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import os
from collections.abc import Iterable, Sequence

from sensors.outputs import write_whole

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str | int | float:
    """A value as a CSV cell: numbers unchanged, None/NaN empty, risky text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value) if math.isfinite(value) else ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(path: str | os.PathLike, header: Sequence[str], rows: Iterable[Sequence], *,
              inputs: Iterable[str | os.PathLike | None] = ()) -> None:
    """Write ``header`` and ``rows`` (every cell through ``safe_cell``) as UTF-8 CSV, whole and
    owner-only, never over one of ``inputs`` or a recording (sensors.outputs)."""
    with write_whole(path, newline="", inputs=inputs) as handle:
        write_rows(handle, header, rows)


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """The same CSV as text (for a member of a zip file)."""
    buffer = io.StringIO(newline="")
    write_rows(buffer, header, rows)
    return buffer.getvalue()


def write_rows(handle, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    writer = csv.writer(handle)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])

"""Session files that went through a spreadsheet or another platform: bytes made standard.

A session CSV opened and saved in a spreadsheet comes back in the spreadsheet's dialect:
semicolon-separated with decimal commas (most European locales), tab-separated ("Unicode text",
which is also UTF-16), text cells in quotes, or, from old Macs, lines ending in CR alone. The
reader finds the header line, sees which separator makes it a session header, and converts the
data lines (never the ``#`` metadata lines) to the standard form, with a note saying what it did.
A file already in the standard form passes untouched (one scan for its header line).
"""

from __future__ import annotations

from sensors.session.columns import REQUIRED_COLUMNS

_REQUIRED = tuple(c.encode() for c in REQUIRED_COLUMNS)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SEPARATORS = ((b";", "semicolon"), (b"\t", "tab"))


def normalise_dialect(raw: bytes) -> tuple[bytes, list[str]]:
    """(the file's bytes in the standard dialect, notes on each conversion made)."""
    notes = []
    if raw.startswith(_UTF16_BOMS):
        raw = raw.decode("utf-16", errors="replace").encode("utf-8")
        notes.append("read as UTF-16 text (a spreadsheet's 'Unicode text' export)")
    if b"\n" not in raw and b"\r" in raw:
        raw = raw.replace(b"\r", b"\n")
        notes.append("lines end in a carriage return alone (old Mac style); read as lines")
    header = header_line(raw)
    if header is None or _is_header(header.split(b","), unquote=False):
        return raw, notes
    for separator, name in _SEPARATORS:
        if _is_header(header.split(separator)):
            raw, decimal_commas, n_rows = _convert(raw, separator)
            notes.append(f"read as a spreadsheet export: {name}-separated"
                         + (" with decimal commas" if decimal_commas else "")
                         + f"; {n_rows} data rows converted")
            return raw, notes
    if _is_header(header.split(b",")):
        raw, _, n_rows = _convert(raw, b",")
        notes.append(f"removed the quotes a spreadsheet put around cells ({n_rows} data rows)")
    return raw, notes


def header_line(raw: bytes) -> bytes | None:
    """The first line that is neither blank nor a ``#`` line."""
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", start)
        end = len(raw) if end < 0 else end
        line = raw[start:end].strip()
        if line and not line.startswith(b"#"):
            return line
        start = end + 1
    return None


def _is_header(cells: list[bytes], *, unquote: bool = True) -> bool:
    names = {c.strip().strip(b'"').strip() if unquote else c.strip() for c in cells}
    return all(c in names for c in _REQUIRED)


def _convert(raw: bytes, separator: bytes) -> tuple[bytes, bool, int]:
    """Data lines: decimal commas to points, the separator to commas, quotes removed.

    Returns the bytes, whether any decimal comma was seen, and the number of data rows.
    """
    lines = raw.split(b"\n")
    decimal_commas = separator != b"," and any(
        b"," in line for line in lines if not line.lstrip().startswith(b"#"))
    table = bytes.maketrans(b",", b".") if separator != b"," else None
    out = []
    for line in lines:
        if line.lstrip().startswith(b"#"):
            out.append(line)
            continue
        if table is not None:
            line = line.translate(table).replace(separator, b",")
        out.append(line.replace(b'"', b""))
    n_rows = sum(1 for line in lines if line.strip() and not line.lstrip().startswith(b"#")) - 1
    return b"\n".join(out), decimal_commas, max(n_rows, 0)

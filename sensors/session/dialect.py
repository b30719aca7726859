"""Session files that went through a spreadsheet or another platform: bytes made standard.

A session CSV opened and saved in a spreadsheet comes back in the spreadsheet's dialect:
semicolon-separated with decimal commas (most European locales), tab-separated ("Unicode text",
which is also UTF-16), text cells in quotes, or, from old Macs, lines ending in CR alone. The
reader converts such a file to the standard form as it reads it, a block at a time, so memory
stays bounded by the block as for a standard file:

- ``recoded``: a UTF-16 file (told by its byte order mark) is decoded as it is read, and a file
  whose first line ends in a CR alone has every CR read as a line end;
- ``Separators``: once the header line shows which separator makes it a session header, the
  data lines of each block (never the ``#`` metadata lines) get commas, points and no quotes.

Each conversion is noted. A file already in the standard form passes untouched.
"""

from __future__ import annotations

import codecs
import io
import re

from sensors.session.columns import REQUIRED_COLUMNS

_REQUIRED = tuple(c.encode() for c in REQUIRED_COLUMNS)
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SEPARATORS = ((b";", "semicolon"), (b"\t", "tab"))
_PEEK_BYTES = 1 << 16  # the start of a file, read to tell its encoding and line ends
_TEXT_LINE = re.compile(rb"^[ \t\r\x0b\x0c]*[^#\s]", re.MULTILINE)  # neither blank nor a # line


def recoded(handle) -> tuple[io.RawIOBase | None, bytes, list[str]]:
    """(a reader giving the file's text as UTF-8 with LF line ends, or None when the file needs
    none; the bytes already read from ``handle`` that come first when there is no reader (its
    UTF-8 byte order mark dropped); notes on what is converted)."""
    first = handle.read(_PEEK_BYTES)
    if first.startswith(_UTF8_BOM):
        first = first[len(_UTF8_BOM):]
    notes, utf16 = [], first.startswith(_UTF16_BOMS)
    if utf16:
        notes.append("read as UTF-16 text (a spreadsheet's 'Unicode text' export)")
        decoder = codecs.getincrementaldecoder("utf-16")("replace")
        text = decoder.decode(first).encode("utf-8")
    else:
        decoder, text = None, first
    cr_only = _first_line_end_is_cr(text)
    if cr_only:
        notes.append("lines end in a carriage return alone (old Mac style); read as lines")
    if not (utf16 or cr_only):
        return None, first, notes
    return _Recoded(handle, decoder, text, cr_only=cr_only), b"", notes


def _first_line_end_is_cr(text: bytes) -> bool:
    cr, lf = text.find(b"\r"), text.find(b"\n")
    return cr >= 0 and (lf < 0 or cr < lf) and text[cr + 1:cr + 2] != b"\n" and cr + 1 < len(text)


class _Recoded(io.RawIOBase):
    """``handle``'s bytes decoded (UTF-16) and with CR line ends made LF, as they are read."""

    def __init__(self, handle, decoder, first: bytes, *, cr_only: bool) -> None:
        super().__init__()
        self._handle, self._decoder, self._cr_only = handle, decoder, cr_only
        self._pending, self._done = bytearray(), False
        self._add(first, decoded=True)

    def _add(self, data: bytes, *, decoded: bool = False, final: bool = False) -> None:
        if self._decoder is not None and not decoded:
            data = self._decoder.decode(data, final).encode("utf-8")
        self._pending += data.replace(b"\r", b"\n") if self._cr_only else data

    def readable(self) -> bool:
        return True

    def readinto(self, out) -> int:
        while len(self._pending) < len(out) and not self._done:
            chunk = self._handle.read(max(len(out) - len(self._pending), _PEEK_BYTES))
            self._done = not chunk
            self._add(chunk, final=self._done)
        n = min(len(out), len(self._pending))
        out[:n] = self._pending[:n]
        del self._pending[:n]
        return n

    def tell(self) -> int:  # of the file underneath: progress counts the file's bytes
        return self._handle.tell()


class Separators:
    """A spreadsheet's separator dialect, converted a block at a time (data lines only)."""

    def __init__(self, separator: bytes, name: str) -> None:
        self.separator, self.name = separator, name
        self.decimal_commas, self.rows = False, 0
        self._points = bytes.maketrans(b",", b".") if separator != b"," else None

    @staticmethod
    def for_header(header: bytes) -> "Separators | None":
        """The converter the header line calls for; None when it is already standard."""
        if _is_header(header.split(b","), unquote=False):
            return None
        for separator, name in _SEPARATORS:
            if _is_header(header.split(separator)):
                return Separators(separator, name)
        if _is_header(header.split(b",")):
            return Separators(b",", "quotes")
        return None

    def convert(self, block: bytes) -> bytes:
        """The block's data lines with decimal commas made points, the separator commas, quotes
        removed (lines kept one for one: line numbers do not move)."""
        out = []
        for line in block.split(b"\n"):
            if line.lstrip().startswith(b"#"):
                out.append(line)
                continue
            if line.strip():
                self.rows += 1
            if self._points is not None:
                self.decimal_commas = self.decimal_commas or b"," in line
                line = line.translate(self._points).replace(self.separator, b",")
            out.append(line.replace(b'"', b""))
        return b"\n".join(out)

    def note(self) -> str:
        rows = max(self.rows - 1, 0)  # the header is no data row
        if self.name == "quotes":
            return f"removed the quotes a spreadsheet put around cells ({rows} data rows)"
        return (f"read as a spreadsheet export: {self.name}-separated" + (" with decimal commas" if self.decimal_commas
                                                                          else "") + f"; {rows} data rows converted")


def header_line(block, end: int) -> bytes | None:
    """The first line of ``block[:end]`` that is neither blank nor a ``#`` line (stripped), or None."""
    match = _TEXT_LINE.search(block, 0, end)
    if match is None:
        return None
    start = block.rfind(b"\n", 0, match.start()) + 1
    stop = block.find(b"\n", match.start(), end)
    return bytes(block[start:end if stop < 0 else stop]).strip()


def _is_header(cells: list[bytes], *, unquote: bool = True) -> bool:
    names = {c.strip().strip(b'"').strip() if unquote else c.strip() for c in cells}
    return all(c in names for c in _REQUIRED)

"""A session file's bytes cut into blocks at line ends: what the reader holds at a time.

The reader (sensors.session.stream) scans a block in one compiled pass and keeps arrays per line,
so its memory is bounded by the block only if a block is bounded in bytes AND in lines, and a
line must fit in a block. Two buffers are filled in turn (a block stays intact while the next is
read); each block ends after a newline; a file in a spreadsheet's dialect is made standard a
block at a time (sensors.session.dialect). Nothing is ever gathered across blocks, comments
before the header included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sensors.session.dialect import Separators, header_line, recoded

# The longest line read: a data row is under 200 bytes, a # line a few hundred, so a longer line
# means the file is not a session (a binary file, a line-less dump). 16 MiB is one default block:
# a line is read whole into a block's buffer, which this bounds.
MAX_LINE_BYTES = 16 << 20
# Lines in one block: the scan keeps about 110 bytes of arrays per line (sensors.session.scanner.Lines),
# so 16 MiB of empty lines would take 1.8 GB. 2**19 lines keep that under 60 MB per block, while
# 16 MiB of ordinary rows (60-70 bytes each) are about 260,000 lines and never reach it.
MAX_BLOCK_LINES = 1 << 19
_NEWLINE = 10
_COUNT_STEP = 1 << 20  # bytes counted at a time when a block must be cut at its N-th line


@dataclass(frozen=True)
class Block:
    """``raw[:size]``: whole lines (the file's last may lack its newline), ``newlines`` of them
    ending in one. ``too_long``: instead of a block, the line that starts here is longer than
    MAX_LINE_BYTES (the reader reports it with its line number, after the blocks before it)."""

    raw: bytes | bytearray
    size: int
    newlines: int
    too_long: bool = False


class BlockReader:
    """The blocks of an open binary file, at most ``block_bytes`` (a longer line grows its
    block, up to MAX_LINE_BYTES) and MAX_BLOCK_LINES lines each."""

    def __init__(self, handle, block_bytes: int) -> None:
        self.handle, self.block_bytes = handle, block_bytes
        self.bytes_read = 0  # of the file underneath (for progress)
        self._notes: list[str] = []
        self._separators: Separators | None = None

    def notes(self) -> list[str]:
        """What was converted (complete once every block is through)."""
        return self._notes + ([self._separators.note()] if self._separators is not None else [])

    def __iter__(self) -> Iterator[Block]:  # noqa: C901 - one loop over the buffers, as in the reader
        reader, first, self._notes = recoded(self.handle)
        source = reader if reader is not None else self.handle
        data = first + source.read(max(self.block_bytes - len(first), 0))
        buffers, filled, header_seen = [bytearray(data), bytearray(0)], len(data), False
        del data, first
        while filled:
            buffer = buffers[0]
            end = buffer.rfind(b"\n", 0, filled) + 1
            if not end and filled == len(buffer):  # a line longer than the buffer: grow it, to a point
                if filled > MAX_LINE_BYTES + 1:  # (+1: the CR of a CRLF line end)
                    yield Block(b"", 0, 0, too_long=True)
                    return
                buffers[0] = buffer = buffer + bytearray(min(max(len(buffer), self.block_bytes),
                                                             MAX_LINE_BYTES + 2 - len(buffer)))
                filled += source.readinto(memoryview(buffer)[filled:])
                continue
            end = end or filled  # no newline left: the file's last line
            newlines = buffer.count(b"\n", 0, end)
            if newlines > MAX_BLOCK_LINES:
                end, newlines = _after_line(buffer, end, MAX_BLOCK_LINES), MAX_BLOCK_LINES
            if not header_seen and (header := header_line(buffer, end)) is not None:
                header_seen, self._separators = True, Separators.for_header(header)
            if self._separators is not None:
                converted = self._separators.convert(bytes(buffer[:end]))
                yield Block(converted, len(converted), newlines)
            else:
                yield Block(buffer, end, newlines)
            tail = filled - end
            other = buffers[1]
            if len(other) < max(self.block_bytes, 2 * tail):
                other = bytearray(max(self.block_bytes, 2 * tail))
            other[:tail] = buffer[end:filled]
            filled = tail + source.readinto(memoryview(other)[tail:])
            buffers = [other, buffer]
            self.bytes_read = self.handle.tell()


def _after_line(buffer: bytearray, end: int, lines: int) -> int:
    """The offset just after the ``lines``-th newline of ``buffer[:end]`` (there are more)."""
    start, seen = 0, 0
    while True:
        stop = min(start + _COUNT_STEP, end)
        n = buffer.count(b"\n", start, stop)
        if seen + n >= lines:
            break
        seen, start = seen + n, stop
    within = np.flatnonzero(np.frombuffer(buffer, np.uint8, stop - start, start) == _NEWLINE)
    return start + int(within[lines - seen - 1]) + 1

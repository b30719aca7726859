"""Hostile inputs for the tests: zip archives written byte by byte (bombs, overlapping entries,
encrypted flags), and ``backmon`` run in a child process with its memory capped.

Zip layout (PKWARE APPNOTE.TXT 6.3.10, sections 4.3.7 local file header, 4.3.12 central directory
header, 4.3.16 end of central directory record); deflate's stored blocks (RFC 1951, 3.2.4). The
overlapping archive is David Fifield's "quoted overlap" (A better zip bomb, WOOT 2019): each
entry's deflate stream quotes the next entry's local header in a stored block and runs on into
that entry's data, so every entry ends in one shared kernel and a 1 MB file unpacks to gigabytes.
"""

from __future__ import annotations

import os
import resource
import struct
import subprocess
import sys
import threading
import zlib
from dataclasses import dataclass
from functools import lru_cache

MEMORY_CAP_BYTES = 1 << 30  # the child's address space (RLIMIT_AS): backmon's own start-up needs ~0.5 GB
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Entry:
    """One zip entry as stored: name, the stored bytes (deflated unless method is 0), CRC-32 and
    size of the content, general purpose flags (bit 0: encrypted)."""

    name: str
    stored: bytes
    crc: int
    size: int
    method: int = 8
    flags: int = 0


def deflated(data: bytes) -> Entry:
    """An entry holding ``data`` (the name set by ``named``)."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Entry("", c.compress(data) + c.flush(), zlib.crc32(data), len(data))


def named(entry: Entry, name: str, *, flags: int | None = None) -> Entry:
    return Entry(name, entry.stored, entry.crc, entry.size, entry.method, entry.flags if flags is None else flags)


@lru_cache(maxsize=4)
def zeros(size: int) -> Entry:
    """``size`` zero bytes deflated (about 1/1000 of the size: deflate's limit), with their CRC."""
    c, crc, left, out = zlib.compressobj(9, zlib.DEFLATED, -15), 0, size, []
    chunk = bytes(_CHUNK)
    while left:
        part = chunk[:min(left, _CHUNK)]
        out.append(c.compress(part))
        crc, left = zlib.crc32(part, crc), left - len(part)
    out.append(c.flush())
    return Entry("", b"".join(out), crc, size)


def _local(name: bytes, e: Entry, size: int, stored_size: int) -> bytes:
    return struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, e.flags, e.method, 0, 0x21, e.crc, stored_size, size,
                       len(name), 0) + name


def _central(name: bytes, e: Entry, size: int, stored_size: int, offset: int) -> bytes:
    return struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, e.flags, e.method, 0, 0x21, e.crc, stored_size, size,
                       len(name), 0, 0, 0, 0, 0, offset) + name


def _end(count: int, directory: bytes, offset: int) -> bytes:
    return struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0)


def zip_bytes(entries: list[Entry]) -> bytes:
    """A well-formed archive of ``entries`` (written as given: flags and sizes are not checked)."""
    body, directory = bytearray(), bytearray()
    for e in entries:
        name = e.name.encode()
        directory += _central(name, e, e.size, len(e.stored), len(body))
        body += _local(name, e, e.size, len(e.stored)) + e.stored
    return bytes(body + directory + _end(len(entries), bytes(directory), len(body)))


def overlapping_zip(names: list[str], kernel: Entry) -> bytes:
    """Fifield's quoted overlap: entry i unpacks to the local headers of entries i+1 ... then the
    kernel's content. CRCs are left 0 (a reader stops at a cap long before it could check one)."""
    n = len(names)
    headers, stored, sizes = [b""] * n, [0] * n, [0] * n
    stored[-1], sizes[-1] = len(kernel.stored), kernel.size
    for i in range(n - 1, -1, -1):
        if i < n - 1:
            stored[i] = 5 + len(headers[i + 1]) + stored[i + 1]
            sizes[i] = len(headers[i + 1]) + sizes[i + 1]
        headers[i] = _local(names[i].encode(), Entry("", b"", 0, 0), sizes[i], stored[i])
    body, directory = bytearray(), bytearray()
    for i in range(n):
        directory += _central(names[i].encode(), Entry("", b"", 0, 0), sizes[i], stored[i], len(body))
        body += headers[i]
        if i < n - 1:  # a stored (non-compressed), non-final deflate block quoting the next header
            length = len(headers[i + 1])
            body += struct.pack("<BHH", 0, length, length ^ 0xFFFF)
    body += kernel.stored
    return bytes(body + directory + _end(n, bytes(directory), len(body)))


def run_capped(*argv, cwd, memory_bytes: int = MEMORY_CAP_BYTES, timeout_s: float = 300.0):
    """``backmon ARGV`` in a child process with its address space capped at ``memory_bytes``;
    returns the CompletedProcess (text). A MemoryError shows as a traceback and exit 1."""

    def cap() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    env = {**os.environ, "BACKMON_LIBRARY": str(cwd / "library.sqlite"), "PYTHONFAULTHANDLER": ""}
    return subprocess.run([sys.executable, "-m", "backmon", *map(str, argv)], cwd=cwd, env=env, preexec_fn=cap,
                          capture_output=True, text=True, timeout=timeout_s)


def one_clear_error(result) -> str:
    """The one stderr line of a refusal (exit 2, no traceback); fails the test otherwise."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    return lines[0]


def unblock_later(fifo, seconds: float = 60.0) -> threading.Timer:
    """Open ``fifo`` for writing (and close it) after ``seconds``, so that a reader stuck waiting
    for a writer ends and the test fails on its outcome instead of hanging. Cancel it when done."""

    def unblock() -> None:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:  # nobody was reading: nothing to unblock
            pass

    timer = threading.Timer(seconds, unblock)
    timer.daemon = True
    timer.start()
    return timer

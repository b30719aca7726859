"""Zip archives as importers meet them: listed without unpacking, members unpacked one at a time.

Phones export recordings as zip archives (phyphox, Sensor Logger). An archive can also be hostile:
a zip bomb packs gigabytes into a megabyte, by deflate's ratio (about 1000:1 for zeros) or by
entries that overlap so that one compressed kernel is unpacked again and again (David Fifield,
"A better zip bomb", WOOT 2019). Here an archive is checked before anything is unpacked:

- its end record (PKWARE APPNOTE.TXT 6.3.10, 4.3.14-4.3.16) says how many entries its central
  directory lists and how large that directory is: beyond the caps, it is refused before Python's
  zipfile builds an object for each entry;
- entries lie one after the other in every archive a real program writes: an entry whose data
  runs into the next one's header is refused (the overlap trick);
- a member is unpacked only when an importer asks for it, a chunk at a time, counting what comes
  out against the caps in ``sensors.importers.inputs`` (per file, per import, and the ratio of
  unpacked to packed bytes); an encrypted member is named as such.
"""

from __future__ import annotations

import contextlib
import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator

from sensors.errors import ImportFileError, open_file

ZIP_MAGIC = b"PK\x03\x04"
_END = struct.Struct("<4s4H2LH")  # 4.3.16: signature, disk numbers, entries here and in all, size, offset, comment
_END64_LOCATOR = struct.Struct("<4sLQL")  # 4.3.15: signature, disk, offset of the Zip64 end record, disks
_END64 = struct.Struct("<4sQ2H2L4Q")  # 4.3.14: ..., entries here and in all, directory size and offset
_LOCAL_HEADER_BYTES = 30  # 4.3.7: the fixed part of a local file header, before its name
_ENCRYPTED = 0x1  # 4.4.4: general purpose bit 0
_SKIPPED = ("__MACOSX/", ".DS_Store")  # macOS adds these when it zips a folder
_DAMAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, ValueError, OSError,
           NotImplementedError, RuntimeError, KeyError, OverflowError, struct.error)


class Archive:
    """A zip archive on disk (``path``) or in memory (``data``), opened each time it is read."""

    def __init__(self, name: str, *, path=None, data: bytes | None = None) -> None:
        self.name, self.path, self.data = name, path, data

    @contextlib.contextmanager
    def _handle(self) -> Iterator:
        if self.data is not None:
            yield io.BytesIO(self.data)
            return
        with open_file(self.path, error=ImportFileError, directory_problem="is a directory") as handle:
            yield handle

    def members(self, *, max_members: int, max_directory_bytes: int) -> list[zipfile.ZipInfo]:
        """The file members (archive order), after the checks of the module's docstring."""
        with self._handle() as handle, _readable(self.name):
            directory_start = _check_end_record(handle, self.name, max_members, max_directory_bytes)
            infos = zipfile.ZipFile(handle).infolist()
            _check_layout(infos, self.name, directory_start)
            return [i for i in infos if not i.is_dir() and not any(s in i.filename for s in _SKIPPED)]

    def read(self, info: zipfile.ZipInfo, read_capped: Callable[[io.BufferedIOBase], bytes]) -> bytes:
        """A member's bytes, as ``read_capped`` takes them from its unpacking stream."""
        name = f"{self.name}:{info.filename}"
        if info.flag_bits & _ENCRYPTED:
            raise ImportFileError(name, "is encrypted (the zip has a password); export it again without one, or "
                                  "unpack it yourself and give the files")
        with self._handle() as handle, _readable(self.name, member=name):
            with zipfile.ZipFile(handle).open(info) as stream:
                return read_capped(stream)


@contextlib.contextmanager
def _readable(archive: str, *, member: str | None = None) -> Iterator[None]:
    """zipfile's and the decompressors' errors as one sentence naming the archive (or member)."""
    try:
        yield
    except _DAMAGE as err:
        text = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        if member is None:
            raise ImportFileError(archive, f"not a readable zip archive ({text})") from None
        raise ImportFileError(member, f"cannot be unpacked ({text}); is the zip archive damaged?") from None


def _check_end_record(handle, name: str, max_members: int, max_directory_bytes: int) -> int | None:
    """Refuse an archive that lists more than ``max_members`` entries or whose central directory
    is larger than ``max_directory_bytes``; return where the directory starts in the file (None if
    unknown: then zipfile says what is wrong). Positions count from the file's start, as zipfile's
    header offsets do (it shifts them when data precede the archive, as in a self-extracting one)."""
    size = handle.seek(0, io.SEEK_END)
    tail_bytes = min(size, _END.size + 0xFFFF)  # the record, then a comment of up to 64 KiB
    handle.seek(size - tail_bytes)
    tail = handle.read(tail_bytes)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _END.size > len(tail):
        return None
    *_, entries, directory_bytes, directory_offset, _ = _END.unpack_from(tail, at)
    directory_end = size - tail_bytes + at
    if entries == 0xFFFF or 0xFFFFFFFF in (directory_bytes, directory_offset):  # Zip64: the real numbers
        locator = at - _END64_LOCATOR.size
        record_at = directory_end - _END64_LOCATOR.size - _END64.size  # where zipfile looks for it too
        if locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07" and record_at >= 0:
            handle.seek(record_at)
            record = handle.read(_END64.size)
            if len(record) == _END64.size and record[:4] == b"PK\x06\x06":
                entries, directory_bytes = _END64.unpack(record)[7:9]
                directory_end = record_at
    handle.seek(0)
    if entries > max_members:
        raise ImportFileError(name, f"the zip archive holds {entries:,} files (backmon reads up to "
                              f"{max_members:,}); is it an export of one recording?")
    if directory_bytes > max_directory_bytes:
        raise ImportFileError(name, f"the zip archive's list of files takes {directory_bytes / 2**20:.1f} MiB "
                              f"(backmon reads up to {max_directory_bytes / 2**20:g} MiB); is it an export of "
                              "one recording?")
    return directory_end - directory_bytes if directory_end >= directory_bytes else None


def _check_layout(infos: list[zipfile.ZipInfo], name: str, directory_start: int | None) -> None:
    """Entries one after the other: the data of one never runs into the next entry (or the
    directory). The end is a lower bound (header and data, without the name and extra field),
    so a refusal is never wrong."""
    entries = sorted(infos, key=lambda i: i.header_offset)
    for this, after in zip(entries, entries[1:] + [None]):
        end = this.header_offset + _LOCAL_HEADER_BYTES + this.compress_size
        limit = after.header_offset if after is not None else directory_start
        if limit is not None and end > limit:
            into = after.filename if after is not None else "the archive's list of files"
            raise ImportFileError(name, f"its entries overlap ({this.filename} runs into {into}), a zip bomb's "
                                  "trick; not an export")

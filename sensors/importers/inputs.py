"""Input files for the importers: plain files, the files of a folder, and the members of zip archives.

Phones export recordings as zip archives (phyphox, Sensor Logger); the user may also unpack them
and give the folder or the CSV files. Everything below this module works on ``InputFile`` values:
a name to show the user, the archive or folder it came from, and its bytes, read only when an
importer asks for them (``data``, or ``head`` for the first bytes, where a header is). So a zip
member an importer does not use is never unpacked, and importers stay pure functions of bytes (an
``InputFile`` may also hold its bytes in memory, as the tests and the fuzzing do).

Every read is capped, for the files of one import together (``ReadBudget``); a cap that is hit
ends the import with one sentence saying which (the caps are listed in the README, "Safety of
your data"). Files are opened through sensors.errors.open_file, which refuses devices and pipes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sensors.errors import ImportFileError, open_file
from sensors.importers.archives import ZIP_MAGIC, Archive

# One file or zip member, unpacked: about 10 million rows, more than a day of one sensor at 100 Hz
# (the importers parse in memory, about 10 bytes of memory per byte of CSV; more would not fit).
MAX_FILE_BYTES = 1 << 30
# All the files one import reads, both sides, headers peeked at included: two sides of two
# streams at the per-file cap. Bounds the work a hostile set of files can cause.
MAX_TOTAL_BYTES = 4 << 30
# Unpacked bytes per packed byte of a zip member: Apache POI's default for the same guard
# (ZipSecureFile, minimum inflate ratio 0.01). Sensor CSV exports pack 3 to 10 times (digits
# compress poorly); deflate reaches about 1000 only on runs of one byte, as bombs are made of.
MAX_COMPRESSION_RATIO = 100
RATIO_FREE_BYTES = 16 << 20  # a member may pack any amount below this: a short file, a constant column
# Entries of one archive, and the size of its list of them (read before Python builds an object
# per entry): an export of one recording holds a few to a few dozen files.
MAX_MEMBERS = 10_000
MAX_DIRECTORY_BYTES = 4 << 20  # 10,000 entries with 300-character names and their extra fields
HEAD_BYTES = 64 << 10  # the first bytes read to see a file's header (tools write it within 50 lines)
_CHUNK_BYTES = 1 << 20

__all__ = ["ZIP_MAGIC", "InputFile", "InputFiles", "ReadBudget", "expand", "read_inputs"]


class ReadBudget:
    """What the files of one import have read so far, against MAX_TOTAL_BYTES."""

    def __init__(self) -> None:
        self.spent_bytes = 0

    def spend(self, n_bytes: int, name: str) -> None:
        self.spent_bytes += n_bytes
        if self.spent_bytes > MAX_TOTAL_BYTES:
            raise ImportFileError(name, f"the files of this import unpack to more than "
                                  f"{MAX_TOTAL_BYTES / 2**30:g} GiB in all (backmon's cap); give one recording "
                                  "per side")


@dataclass(frozen=True)
class _Source:
    """Where an InputFile's bytes come from: a plain file (``path``) or an archive's member."""

    budget: ReadBudget
    path: str | os.PathLike | None = None
    archive: Archive | None = None
    member: object = None  # the member's zipfile.ZipInfo

    def read(self, name: str, *, limit: int | None) -> bytes:
        """The whole content (``limit`` None: refused beyond MAX_FILE_BYTES) or its first bytes."""
        if self.archive is not None:
            packed = max(self.member.compress_size, 1)
            if limit is None and self.member.file_size > MAX_FILE_BYTES:  # as the archive says; checked again
                raise ImportFileError(name, _too_large(self.member.file_size))
            return self.archive.read(self.member, lambda s: _read_capped(s, name, self.budget, limit, packed))
        with open_file(self.path, error=ImportFileError, directory_problem="is a directory") as handle:
            size = os.fstat(handle.fileno()).st_size
            if limit is None and size > MAX_FILE_BYTES:
                raise ImportFileError(name, _too_large(size))
            return _read_capped(handle, name, self.budget, limit, None)


@dataclass(frozen=True)
class InputFile:
    """One input file. name: shown in messages (``path`` or ``archive.zip:member``); raw: its bytes
    when they are in memory (else they are read from ``source`` when asked for); container: the
    archive or folder it came from ("" for a plain file), so that files exported together (e.g.
    phyphox's meta/time.csv with its data) can be paired."""

    name: str
    raw: bytes | None = field(default=None, repr=False)
    container: str = ""
    source: _Source | None = field(default=None, repr=False, compare=False)

    @property
    def basename(self) -> str:
        return self.name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]

    @property
    def data(self) -> bytes:
        """The whole content (read now, within the caps; not kept)."""
        if self.raw is not None or self.source is None:
            return self.raw or b""
        return self.source.read(self.name, limit=None)

    def head(self, n_bytes: int = HEAD_BYTES) -> bytes:
        """The first ``n_bytes`` (fewer when the file is shorter)."""
        if self.raw is not None or self.source is None:
            return (self.raw or b"")[:n_bytes]
        return self.source.read(self.name, limit=n_bytes)


class InputFiles(list):
    """The files of one side, and notes on what was left out while listing them (a pipe in a
    folder); ``import_recording`` reports the notes with its own."""

    def __init__(self, files=(), notes=()) -> None:
        super().__init__(files)
        self.notes = list(notes)


def read_inputs(paths: list[str | os.PathLike], *, budget: ReadBudget | None = None) -> InputFiles:
    """The given files, none read yet; zip archives are replaced by their members (in archive
    order), a folder (an unpacked export) by the files in it and its subfolders (in name order),
    which share the folder as their container. ``budget``: shared by the files of one import
    (both sides); a new one when not given."""
    budget = budget if budget is not None else ReadBudget()
    files = InputFiles()
    for path in paths:
        name = os.fspath(path)
        if os.path.isdir(path):
            _add_folder(files, name, budget)
        else:
            files.extend(expand(InputFile(name, source=_Source(budget, path=path))))
    return files


def _add_folder(files: InputFiles, folder: str, budget: ReadBudget) -> None:
    """The regular files below ``folder`` (hidden ones and macOS's additions left out; pipes,
    devices and sockets noted and left out: reading them could wait for ever or never end)."""
    found, special = [], []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        for file_name in sorted(n for n in names if not n.startswith(".")):
            path = os.path.join(root, file_name)
            (found if os.path.isfile(path) else special).append(path)
            if len(found) + len(special) > MAX_MEMBERS:
                raise ImportFileError(folder, f"the folder holds more than {MAX_MEMBERS:,} files; is it an "
                                      "export of one recording?")
    if not found:
        raise ImportFileError(folder, "the folder holds no files; give the exported files, their folder or the zip")
    if special:
        shown = ", ".join(special[:3]) + (", ..." if len(special) > 3 else "")
        files.notes.append(f"{folder}: left out {len(special):,} entr{'y' if len(special) == 1 else 'ies'} that "
                           f"{'is' if len(special) == 1 else 'are'} not a regular file (a pipe, a device): {shown}")
    for path in found:
        for member in expand(InputFile(path, source=_Source(budget, path=path))):
            files.append(member if member.container else InputFile(member.name, None, folder, member.source))


def expand(file: InputFile) -> list[InputFile]:
    """A zip archive's file members (listed, not unpacked), or the file itself when it is not a
    zip archive."""
    if not file.head(len(ZIP_MAGIC)).startswith(ZIP_MAGIC):
        return [file]
    budget = file.source.budget if file.source is not None else ReadBudget()
    if file.raw is not None:
        archive = Archive(file.name, data=file.raw)
    elif file.source is not None and file.source.path is not None:
        archive = Archive(file.name, path=file.source.path)
    else:  # a zip inside a zip: its own bytes, read within the caps
        archive = Archive(file.name, data=file.data)
    members = archive.members(max_members=MAX_MEMBERS, max_directory_bytes=MAX_DIRECTORY_BYTES)
    return [InputFile(f"{file.name}:{m.filename}", None, file.name, _Source(budget, archive=archive, member=m))
            for m in members]


def _read_capped(stream, name: str, budget: ReadBudget, limit: int | None, packed_bytes: int | None) -> bytes:
    """Up to ``limit`` bytes from ``stream`` (all of it when None, refused beyond MAX_FILE_BYTES),
    a chunk at a time, each counted against the budget and, for a zip member of ``packed_bytes``,
    against MAX_COMPRESSION_RATIO."""
    want = MAX_FILE_BYTES + 1 if limit is None else limit
    chunks, total = [], 0
    while total < want:
        chunk = stream.read(min(_CHUNK_BYTES, want - total))
        if not chunk:
            break
        total += len(chunk)
        budget.spend(len(chunk), name)
        if packed_bytes is not None and total > max(RATIO_FREE_BYTES, MAX_COMPRESSION_RATIO * packed_bytes):
            raise ImportFileError(name, f"unpacks to more than {MAX_COMPRESSION_RATIO} times its packed size "
                                  f"({packed_bytes:,} bytes), which CSV exports never do; a zip bomb, or a "
                                  "damaged archive")
        chunks.append(chunk)
    if limit is None and total > MAX_FILE_BYTES:
        raise ImportFileError(name, f"unpacks to more than {MAX_FILE_BYTES / 2**30:g} GiB; backmon imports files "
                              "of up to 1 GiB (about 10 million rows)")
    return b"".join(chunks)


def _too_large(size_bytes: int) -> str:
    return (f"is {size_bytes / 2**30:.1f} GiB; backmon imports files of up to {MAX_FILE_BYTES / 2**30:g} GiB "
            "(about 10 million rows)")

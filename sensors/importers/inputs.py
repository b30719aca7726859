"""Input files for the importers: plain files, and the members of zip archives.

Phones export recordings as zip archives (phyphox, Sensor Logger); the user may also unpack them
and give the folder or the CSV files. Everything below this module works on ``InputFile`` values (a name to
show the user and the bytes), so importers are pure functions of bytes and can be fuzzed.
"""

from __future__ import annotations

import io
import lzma
import os
import zipfile
import zlib
from dataclasses import dataclass

from sensors.errors import ImportFileError, read_file_bytes

ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBER_BYTES = 1 << 30  # 1 GiB unpacked: ~10 million rows, far beyond a day at 100 Hz
MAX_MEMBERS = 10_000
_SKIPPED_MEMBERS = ("__MACOSX/", ".DS_Store")  # macOS adds these when it zips a folder
_ZIP_DAMAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError,
               ValueError, OSError, NotImplementedError, RuntimeError, KeyError, OverflowError)


@dataclass(frozen=True)
class InputFile:
    """One file's bytes. name: shown in messages (``path`` or ``archive.zip:member``);
    container: the archive it came from ("" for a plain file), so that files exported together
    (e.g. phyphox's meta/time.csv with its data) can be paired."""

    name: str
    data: bytes
    container: str = ""

    @property
    def basename(self) -> str:
        return self.name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def read_inputs(paths: list[str | os.PathLike]) -> list[InputFile]:
    """Read the given files; zip archives are replaced by their members (in archive order), a
    folder (an unpacked export) by the files in it and its subfolders (in name order), which share
    the folder as their container."""
    files: list[InputFile] = []
    for path in paths:
        name = os.fspath(path)
        if os.path.isdir(path):
            files.extend(_folder_files(name))
            continue
        data = read_file_bytes(path, error=ImportFileError, directory_problem="is a directory")
        files.extend(expand(InputFile(name, data)))
    return files


def _folder_files(folder: str) -> list[InputFile]:
    """The regular files below ``folder`` (hidden ones and macOS's additions left out)."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("__MACOSX",))
        for file_name in sorted(names):
            path = os.path.join(root, file_name)
            if file_name.startswith(".") or not os.path.isfile(path):
                continue
            found.append(path)
            if len(found) > MAX_MEMBERS:
                raise ImportFileError(folder, f"the folder holds more than {MAX_MEMBERS:,} files; is it an "
                                      "export of one recording?")
    if not found:
        raise ImportFileError(folder, "the folder holds no files; give the exported files, their folder or the zip")
    files = []
    for path in found:
        data = read_file_bytes(path, error=ImportFileError, directory_problem="is a directory")
        files.extend(InputFile(m.name, m.data, container=m.container or folder)
                     for m in expand(InputFile(path, data)))
    return files


def expand(file: InputFile) -> list[InputFile]:
    """A zip archive's file members, or the file itself when it is not a zip archive."""
    if not file.data.startswith(ZIP_MAGIC):
        return [file]
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
        members = [m for m in archive.infolist()
                   if not m.is_dir() and not any(s in m.filename for s in _SKIPPED_MEMBERS)]
        if len(members) > MAX_MEMBERS:
            raise ImportFileError(file.name, f"the zip archive holds {len(members)} files; is it "
                                  "an export of one recording?")
        return [_member(archive, m, file.name) for m in members]
    except ImportFileError:
        raise
    except _ZIP_DAMAGE as err:  # a bad archive, an unsupported or encrypted member, a corrupt stream
        raise ImportFileError(file.name, f"not a readable zip archive ({_why(err)})") from None


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, archive_name: str) -> InputFile:
    name = f"{archive_name}:{info.filename}"
    if info.file_size > MAX_MEMBER_BYTES:
        raise ImportFileError(name, f"unpacks to {info.file_size / 2**30:.1f} GiB; too large "
                              "for one recording")
    with archive.open(info) as f:
        data = f.read(MAX_MEMBER_BYTES + 1)  # the size in the header may lie
    if len(data) > MAX_MEMBER_BYTES:
        raise ImportFileError(name, "unpacks to more than 1 GiB; too large for one recording")
    return InputFile(name, data, container=archive_name)


def _why(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return text[:120]

"""Output files that cannot harm the data they came from (DESIGN.md, "backmon analyze outputs").

Every command that writes a file goes through here:

- ``refuse_clashes(outputs, inputs=...)``, before any work: an output that is one of the
  command's inputs (the same file after symlinks and hard links: ``st_dev`` and ``st_ino``; for an
  output not there yet, the same resolved path), a folder or a device, a session recording (a file
  that starts with ``# format: backmon-session/``), or one file named as two outputs, is refused
  with one sentence (``OutputRefused``: exit status 2, nothing written).
- ``write_whole(path)``: the file is written as a temporary file beside it (created 0600),
  flushed and synced, then renamed over the target; a reader never sees half a file, and a full
  disk or any other failure removes the temporary file and raises ``OutputError`` naming the file
  and the reason. Missing folders are created 0700 (``make_folders``). An output named through a
  symlink is written where the link points (the link stays).

Recordings are the one exception to "written whole" (appended as data arrive):
``create_exclusive`` opens them, and never opens an existing path or follows a symlink.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from sensors.errors import BackmonError, UsageError

SESSION_PREFIX = b"# format: backmon-session/"
FILE_MODE, FOLDER_MODE = 0o600, 0o700  # health data: the owner's only
_UTF8_BOM = b"\xef\xbb\xbf"

PathLike = str | os.PathLike


class OutputRefused(UsageError):
    """An output path backmon will not write (an input, a recording, a folder); one sentence."""


class OutputError(BackmonError):
    """An output that could not be written (full disk, no permission); names the file and why."""

    def __init__(self, path: PathLike, reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"cannot write {self.path}: {reason}")


def reason(err: OSError) -> str:
    """``No space left on device`` -> ``no space left on device`` (the end of a sentence)."""
    text = err.strerror or str(err) or type(err).__name__
    return text[:1].lower() + text[1:]


def is_session_file(path: PathLike) -> bool:
    """True for an existing regular file that starts with ``# format: backmon-session/`` (also
    after a UTF-8 byte-order mark or a spreadsheet's quote, as files saved again by one do)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False  # never open a pipe or a device just to look (it could block)
        with open(path, "rb") as handle:
            head = handle.read(len(SESSION_PREFIX) + 8)
    except OSError:
        return False
    return head.removeprefix(_UTF8_BOM).lstrip(b'"').startswith(SESSION_PREFIX)


def first_line(path: PathLike, *, limit: int = 4096) -> str:
    """The first line of a regular file (without its line end), '' when unreadable; for telling
    backmon's own outputs (a batch summary, a trends spreadsheet) from sessions in a folder."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return ""
        with open(path, "rb") as handle:
            head = handle.read(limit)
    except OSError:
        return ""
    return head.removeprefix(_UTF8_BOM).split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")


class _Identities:
    """Who the inputs are: (st_dev, st_ino) of each existing one, and every resolved path."""

    def __init__(self, paths: Iterable[PathLike | None]) -> None:
        self.by_inode: dict[tuple[int, int], str] = {}
        self.by_path: dict[str, str] = {}
        for path in paths:
            if path is None:
                continue
            name = os.fspath(path)
            with contextlib.suppress(OSError):
                st = os.stat(name)
                self.by_inode.setdefault((st.st_dev, st.st_ino), name)
            self.by_path.setdefault(os.path.realpath(name), name)

    def match(self, path: PathLike) -> str | None:
        """The input ``path`` is (as given on the command line), or None."""
        name = os.fspath(path)
        with contextlib.suppress(OSError):
            st = os.stat(name)
            if (st.st_dev, st.st_ino) in self.by_inode:
                return self.by_inode[(st.st_dev, st.st_ino)]
        return self.by_path.get(os.path.realpath(name))


def refuse_clashes(outputs: Iterable[PathLike | None], *, inputs: Iterable[PathLike | None] = ()) -> None:
    """Refuse (``OutputRefused``, one sentence) the first output that is one of ``inputs``, a
    folder or device, an existing session recording, or the same file as an earlier output.
    ``None`` entries (an output not asked for) are skipped."""
    sources = _Identities(inputs)
    seen = _Identities(())
    for path in outputs:
        if path is None:
            continue
        name = os.fspath(path)
        source = sources.match(name)
        if source is not None:
            what = "an input of this command" if source == name else f"the same file as the input {source}"
            raise OutputRefused(f"{name} is {what}, and backmon never writes over its inputs: choose another "
                                "output name")
        _refuse_existing(name)
        twice = seen.match(name)
        if twice is not None:
            also = "" if twice == name else f" ({twice} is the same file)"
            raise OutputRefused(f"{name} is named for two outputs{also}; give each its own name")
        seen = _Identities([*seen.by_path.values(), name])


def _refuse_existing(name: str) -> None:
    """What is already at an output path and must not be replaced."""
    try:
        mode = os.stat(name).st_mode
    except OSError:
        return  # nothing there yet (or nothing reachable: writing will say why)
    if stat.S_ISDIR(mode):
        raise OutputRefused(f"{name} is a folder; give a file name for this output")
    if not stat.S_ISREG(mode):
        raise OutputRefused(f"{name} is not a regular file (a device, pipe or socket); give a file name for "
                            "this output")
    if is_session_file(name):
        raise OutputRefused(f"{name} is a backmon session recording, which backmon never overwrites; choose "
                            "another output name")


def make_folders(folder: PathLike) -> None:
    """Create ``folder`` and any missing parents, each 0700 (health data); OutputError if one
    cannot be made. Folders that exist are left as they are."""
    name = os.fspath(folder) or "."
    missing = []
    path = os.path.abspath(name)
    while not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    for path in reversed(missing):
        try:
            os.mkdir(path, FOLDER_MODE)
        except FileExistsError:
            if not os.path.isdir(path):
                raise OutputError(name, f"{path} exists and is not a folder") from None
        except OSError as err:
            raise OutputError(name, f"cannot create the folder {path} ({reason(err)})") from None


@contextlib.contextmanager
def write_whole(path: PathLike, *, binary: bool = False, newline: str | None = None,
                inputs: Iterable[PathLike | None] = ()) -> Iterator[IO]:
    """A file object to write ``path`` through; the file appears whole (0600) when the block ends
    without an exception, and not at all otherwise (an existing file is then left untouched).

    Refuses (``OutputRefused``) what ``refuse_clashes`` refuses, checked here again against
    ``inputs`` so that no writer depends on its caller having checked. Any OSError on the way
    (creating, writing, syncing, renaming) becomes ``OutputError`` naming ``path``.
    """
    name = os.fspath(path)
    refuse_clashes([name], inputs=inputs)
    target = os.path.realpath(name)  # through a symlink to the file it names
    folder = os.path.dirname(target)
    try:
        make_folders(folder)
    except OutputError as err:
        raise OutputError(name, err.reason) from None  # named for the file asked for
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    except OSError as err:
        raise OutputError(name, reason(err)) from None
    try:
        mode = "wb" if binary else "w"
        with os.fdopen(fd, mode, **({} if binary else {"encoding": "utf-8", "newline": newline})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())  # a full disk often shows only here (delayed allocation)
        os.replace(temporary, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(err, OSError):
            raise OutputError(name, reason(err)) from None
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable; some file systems cannot sync a folder, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes(path: PathLike, data: bytes, *, inputs: Iterable[PathLike | None] = ()) -> None:
    with write_whole(path, binary=True, inputs=inputs) as handle:
        handle.write(data)


def write_text(path: PathLike, text: str, *, inputs: Iterable[PathLike | None] = ()) -> None:
    with write_whole(path, inputs=inputs) as handle:
        handle.write(text)


def create_exclusive(path: PathLike) -> int:
    """A new file for a recording, open for appending writes, 0600: never an existing path
    (``FileExistsError``) and never through a symlink (``O_NOFOLLOW``: even a dangling link is
    refused as existing); missing folders are created 0700, as for every other output. Raises
    OSError as the system does; the caller words it."""
    make_folders(os.path.dirname(os.fspath(path)))
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask could only have removed bits; make it exact
    except BaseException:
        os.close(fd)
        raise
    return fd

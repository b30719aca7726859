"""A session file's samples spooled to disk once, then read back as often as the method needs.

Clock sync needs both sides over the whole recording before the method can start, and the
method then reads the samples again from the start. Parsing the CSV twice would double the
time; keeping the samples in memory would grow with the recording. So the file is parsed
once (sensors.session.stream), each side's samples go to an unlinked temporary file as
float64 records (time, accel xyz, gyro xyz: 56 bytes a sample, 1.6 GB for two days at
100 Hz per side), and readers take them back a chunk at a time. The operating system's page
cache usually keeps the spool in memory when there is room, without counting it against us.

Writing the spool (and watching for clipped readings) runs on a thread of its own, one block
behind the parsing: the copy and the write release the GIL, so they overlap the next block's
reading instead of following it. At most one block (both sides' rows) waits for it, so memory
stays bounded.
"""

from __future__ import annotations

import collections
import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future

import numpy as np

from processing.input.saturation import SaturationWatch
from processing.input.sources import Chunk, Source, Store
from sensors.errors import BackmonError
from sensors.session.rows import Rows
from sensors.session.stream import BLOCK_BYTES, SessionStream, SideSummary
from sensors.standing_thread import StandingThread

_FIELDS = 7  # time_s, ax, ay, az (g), gx, gy, gz (deg/s)
IN_FLIGHT = 2  # runs of rows handed to the writer and not yet written: a block's two sides
_WRITER = StandingThread("backmon-spool")  # writes one block while the next is parsed


def temporary_file(purpose: str, directory: str | None = None):
    """An unlinked temporary file (in TMPDIR unless ``directory``), or one clear error saying where."""
    try:
        return tempfile.TemporaryFile(prefix=f"backmon-{purpose}-", dir=directory)
    except OSError as err:
        raise BackmonError(f"cannot create a temporary file in {directory or tempfile.gettempdir()} "
                           f"({err.strerror or err}): point TMPDIR at a writable folder") from None


def write_to(handle, data: np.ndarray, *, what: str) -> None:
    """Append ``data`` to a temporary file, or one clear error saying what room it needs."""
    try:
        data.tofile(handle)
    except OSError as err:
        raise BackmonError(f"cannot write the temporary copy of the {what} in {tempfile.gettempdir()} "
                           f"({err.strerror or err}): point TMPDIR at a disk with room") from None


class FileStore(Store):
    """One side's samples in a temporary file, appended in time order."""

    def __init__(self, directory: str | None) -> None:
        self.handle = temporary_file("spool", directory)
        self.samples = 0
        self.first_s = self.last_s = float("nan")

    def append(self, time_s: np.ndarray, values: np.ndarray) -> None:
        write_to(self.handle, np.column_stack((time_s, values)).astype(np.float64, copy=False),
                 what=f"samples ({_FIELDS * 8} bytes a sample)")
        if not self.samples:
            self.first_s = float(time_s[0])
        self.samples += int(time_s.size)
        self.last_s = float(time_s[-1])

    def rows(self, start: int, stop: int) -> Chunk:
        self.handle.seek(start * _FIELDS * 8)
        data = np.fromfile(self.handle, np.float64, count=(stop - start) * _FIELDS).reshape(-1, _FIELDS)
        return data[:, 0], data[:, 1:4], data[:, 4:7]

    def close(self) -> None:
        self.handle.close()


@contextlib.contextmanager
def spooled(path: str | os.PathLike, *, block_bytes: int = BLOCK_BYTES, directory: str | None = None,
            progress: Callable[[float], None] | None = None) -> Iterator[Source]:
    """Read the session file at ``path`` once into a spool; yield it as a Source.

    ``progress`` (optional) gets the fraction of the file's bytes read so far."""
    stream = SessionStream(path, block_bytes=block_bytes)
    stores: dict[str, FileStore] = {}
    watch = SaturationWatch()
    pending: collections.deque[Future] = collections.deque()  # writes still running on _WRITER, oldest first
    try:
        for block in stream:
            store = stores.get(block.side) or stores.setdefault(block.side, FileStore(directory))
            while len(pending) >= IN_FLIGHT:
                pending.popleft().result()  # an error writing is raised here
            pending.append(_WRITER.submit(_keep, store, watch, block.side, block.rows))
            if progress is not None:
                progress(min(1.0, stream.bytes_read / max(stream.size_bytes, 1)))
        while pending:
            pending.popleft().result()
        info = stream.info
        present = {side: store for side, store in stores.items() if side in info.sides}
        for store in present.values():
            store.handle.flush()
        spans = {side: SideSummary(s.samples, s.first_s, s.last_s) for side, s in present.items()}
        yield Source(info, present, spans, {side: watch.peaks[side] for side in present})
    finally:
        for write in pending:  # the reading failed: let the writes finish before closing their files
            write.exception()
        for store in stores.values():
            store.close()


def _keep(store: FileStore, watch: SaturationWatch, side: str, rows: Rows) -> None:
    """A block's rows into the side's spool, and their largest readings into the watch."""
    values = rows.values
    store.append(rows.time_s, values)
    watch.update(side, values[:, :3], values[:, 3:])

"""The live recording: session CSV v1 appended as data arrive (DESIGN.md, "Session CSV format v1").

Crash safety by construction: rows are appended in arrival order and handed to the operating
system at least every ``flush_every_s`` (``flush`` is also called by the monitor's ticker), so
a killed process loses at most that much; only whole lines are ever written, and the reader
skips a torn last line anyway. The file is created readable and writable by its owner only
(health data). Metadata lines go at the top, and ``calibration_s`` is appended once the
calibration is done; link events are written as plain comments (no ``key:``) so they never
override metadata. Gaps are simply missing rows. Beside the required columns: device_time_s and
seq where the device sends them, and host_time_s, the arrival of each row's notification.

The file is new or nothing: it is created exclusively and never through a symlink
(sensors.outputs.create_exclusive), so an earlier recording is never truncated. Rows are
formatted by the session writer's ``format_rows`` (one home for how a row is written), a flush's
worth of blocks at a time; metadata and event text goes through sensors.text's sanitiser (device
names come from the radio).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

import numpy as np

from sensors.ble.stream import SampleBlock
from sensors.errors import SessionFileError
from sensors.outputs import create_exclusive, reason
from sensors.session.columns import FORMAT_ID, REQUIRED_COLUMNS
from sensors.session.writer import format_rows
from sensors.text import metadata_value

COLUMNS = REQUIRED_COLUMNS + ("device_time_s", "seq", "host_time_s")
FSYNC_EVERY_S = 10.0  # to the disk itself now and then (a power cut); kill -9 needs only write()


class SessionRecorder:
    """Appends sample blocks to a session CSV v1 file; ``close`` flushes and syncs it."""

    def __init__(self, path: str | os.PathLike, *, metadata: Sequence[tuple[str, str]],
                 flush_every_s: float = 0.5) -> None:
        self.path = os.fspath(path)
        self.flush_every_s = flush_every_s
        self.rows = 0
        try:
            self._fd = create_exclusive(self.path)
        except FileExistsError:
            raise SessionFileError(self.path, "already exists; a recording never replaces a file: choose a new "
                                              "name") from None
        except OSError as err:
            raise SessionFileError(self.path, f"cannot create the recording ({reason(err)})") from None
        # Text lines and sample blocks in arrival order; blocks become text at the flush.
        self._pending: list[str | SampleBlock] = [f"# format: {FORMAT_ID}\n"]
        self._pending += [f"# {key}: {metadata_value(value)}\n" for key, value in metadata]
        self._pending.append(",".join(COLUMNS) + "\n")
        self._last_flush = self._last_sync = time.monotonic()
        self.flush()

    def write(self, block: SampleBlock) -> None:
        self._pending.append(block)
        self.rows += len(block)
        if time.monotonic() - self._last_flush >= self.flush_every_s:
            self.flush()

    def metadata(self, key: str, value: str) -> None:
        """Append a ``# key: value`` line (applies to the whole session, DESIGN.md)."""
        self._pending.append(f"# {key}: {metadata_value(value)}\n")

    def event(self, time_s: float, text: str) -> None:
        """Append a comment such as ``# event 123.400 left link lost`` (no key, only for people)."""
        self._pending.append(f"# event {time_s:.3f} {metadata_value(text).replace(':', ' ')}\n")

    def flush(self) -> None:
        """Hand everything pending to the operating system (whole lines only)."""
        now = time.monotonic()
        if self._pending and self._fd is not None:
            data = _text(self._pending)
            self._pending.clear()
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self._fd, view):]
                if now - self._last_sync >= FSYNC_EVERY_S:
                    os.fsync(self._fd)
                    self._last_sync = now
            except OSError as err:
                raise SessionFileError(self.path, f"cannot write the recording ({reason(err)})") from None
        self._last_flush = now

    def close(self) -> None:
        if self._fd is None:
            return
        self.flush()
        try:
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None


def _text(pending: list[str | SampleBlock]) -> bytes:
    """Pending lines and blocks as bytes; each run of blocks between text lines is formatted in
    one call (a notification often carries a single sample: one numpy pass per flush, not per
    block)."""
    parts: list[bytes] = []
    run: list[SampleBlock] = []
    for item in [*pending, ""]:
        if isinstance(item, SampleBlock):
            run.append(item)
            continue
        if run:
            parts.append(_rows(run))
            run = []
        parts.append(item.encode("utf-8"))
    return b"".join(parts)


def _rows(blocks: list[SampleBlock]) -> bytes:
    """Rows of the blocks in order, formatted as the session writer formats them."""
    columns = []
    for b in blocks:
        n = len(b)
        missing = np.full(n, np.nan)
        columns.append(np.column_stack([
            b.time_s, b.accel_g, b.gyro_dps, missing if b.device_time_s is None else b.device_time_s,
            missing if b.seq is None else b.seq, np.full(n, b.arrival_s)]).astype(np.float64))
    values = np.concatenate(columns)
    is_right = np.concatenate([np.full(len(b), b.side == "right") for b in blocks]).astype(np.intp)
    # A sample that is not finite cannot be a row (the reader would skip it as broken); drop it
    # here rather than stop a live recording.
    keep = np.isfinite(values[:, :7]).all(axis=1)
    return format_rows(values[keep], is_right[keep], COLUMNS)

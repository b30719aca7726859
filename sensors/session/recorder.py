"""The live recording: session CSV v1 appended as data arrive (DESIGN.md, "Session CSV format v1").

Crash safety by construction: rows are appended in arrival order and handed to the operating
system at least every ``flush_every_s`` (``flush`` is also called by the monitor's ticker), so
a killed process loses at most that much; only whole lines are ever written, and the reader
skips a torn last line anyway. The file is created readable and writable by its owner only
(health data). Metadata lines go at the top, and ``calibration_s`` is appended once the
calibration is done; link events are written as plain comments (no ``key:``) so they never
override metadata. Gaps are simply missing rows. Beside the required columns: device_time_s and
seq where the device sends them, and host_time_s, the arrival of each row's notification.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from sensors.ble.stream import SampleBlock
from sensors.errors import SessionFileError
from sensors.session.columns import FORMAT_ID, REQUIRED_COLUMNS

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
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(self._fd, 0o600)  # an existing file keeps its mode through O_CREAT
        except OSError as err:
            raise SessionFileError(self.path, f"cannot create the recording ({err.strerror or err})") from None
        self._pending: list[str] = [f"# format: {FORMAT_ID}\n"]
        self._pending += [f"# {key}: {_one_line(value)}\n" for key, value in metadata]
        self._pending.append(",".join(COLUMNS) + "\n")
        self._last_flush = self._last_sync = time.monotonic()
        self.flush()

    def write(self, block: SampleBlock) -> None:
        side, arrival = block.side, f"{block.arrival_s:.6f}"
        dev = block.device_time_s
        seq = block.seq
        for i in range(len(block)):
            a, g = block.accel_g[i], block.gyro_dps[i]
            self._pending.append(
                f"{block.time_s[i]:.6f},{side},{a[0]:.6f},{a[1]:.6f},{a[2]:.6f},{g[0]:.4f},{g[1]:.4f},{g[2]:.4f},"
                f"{'' if dev is None else f'{dev[i]:.6f}'},{'' if seq is None else int(seq[i])},{arrival}\n")
        self.rows += len(block)
        if time.monotonic() - self._last_flush >= self.flush_every_s:
            self.flush()

    def metadata(self, key: str, value: str) -> None:
        """Append a ``# key: value`` line (applies to the whole session, DESIGN.md)."""
        self._pending.append(f"# {key}: {_one_line(value)}\n")

    def event(self, time_s: float, text: str) -> None:
        """Append a comment such as ``# event 123.400 left link lost`` (no key, only for people)."""
        self._pending.append(f"# event {time_s:.3f} {_one_line(text).replace(':', ' ')}\n")

    def flush(self) -> None:
        """Hand everything pending to the operating system (whole lines only)."""
        now = time.monotonic()
        if self._pending and self._fd is not None:
            data = "".join(self._pending).encode("utf-8")
            self._pending.clear()
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self._fd, view):]
                if now - self._last_sync >= FSYNC_EVERY_S:
                    os.fsync(self._fd)
                    self._last_sync = now
            except OSError as err:
                raise SessionFileError(self.path, f"cannot write the recording ({err.strerror or err})") from None
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


def _one_line(text: str) -> str:
    return " ".join(str(text).splitlines()).strip()

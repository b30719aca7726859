"""Where the analysis reads samples from: a session in memory, or a spool on disk.

Every step that needs samples of a whole recording (clock sync, the rate, calibration, the
method itself) reads them in time order through a ``Reader``, a chunk at a time, so the same
code runs over a session in memory and over a file far larger than memory
(processing.input.spool). Sides can be swapped and the right side's clock corrected as views: the
time map is applied to each chunk as it is read, never to a stored copy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from processing.input.saturation import SaturationWatch
from sensors.samples import SIDES, Session
from sensors.session.stream import SessionInfo, SideSummary

CHUNK_ROWS = 1 << 16  # rows per read from a side's store
Chunk = tuple[np.ndarray, np.ndarray, np.ndarray]  # time_s (n,), accel_g (n, 3), gyro_dps (n, 3)


class Store:
    """One side's samples in time order, read forward from the start: ``rows(start, stop)``."""

    samples: int

    def rows(self, start: int, stop: int) -> Chunk:  # pragma: no cover - interface
        raise NotImplementedError


class ArrayStore(Store):
    def __init__(self, time_s: np.ndarray, accel_g: np.ndarray, gyro_dps: np.ndarray) -> None:
        self.time_s, self.accel_g, self.gyro_dps = time_s, accel_g, gyro_dps
        self.samples = int(time_s.size)

    def rows(self, start: int, stop: int) -> Chunk:
        return self.time_s[start:stop], self.accel_g[start:stop], self.gyro_dps[start:stop]


@dataclass(frozen=True)
class Source:
    """The sides present, each a store with an optional time map, and the recording's info.

    ``saturation`` holds each side's largest absolute readings (processing.data_quality)."""

    info: SessionInfo  # sides: as read; spans below: as the method sees them (swapped, clock mapped)
    stores: dict[str, Store]
    spans: dict[str, SideSummary]
    saturation: dict[str, dict[str, np.ndarray]]
    time_maps: dict[str, Callable[[np.ndarray], np.ndarray]] = dataclasses.field(default_factory=dict)

    @property
    def sides(self) -> tuple[str, ...]:
        return tuple(side for side in SIDES if side in self.stores)

    @property
    def start_s(self) -> float:
        return min(span.first_s for span in self.spans.values())

    @property
    def end_s(self) -> float:
        return max(span.last_s for span in self.spans.values())

    def reader(self) -> "Reader":
        return Reader(self)

    def swapped(self) -> "Source":
        """Left and right exchanged (sensors worn on the wrong sides)."""
        other = {"left": "right", "right": "left"}
        rename = lambda d: {other[k]: v for k, v in d.items()}  # noqa: E731
        return dataclasses.replace(self, stores=rename(self.stores), spans=rename(self.spans),
                                   saturation=rename(self.saturation), time_maps=rename(self.time_maps))

    def with_time_map(self, side: str, time_map: Callable[[np.ndarray], np.ndarray]) -> "Source":
        """``side``'s times put through ``time_map`` (monotonic), as every reader will see them."""
        span = self.spans[side]
        first, last = time_map(np.array([span.first_s, span.last_s]))
        trimmed = SideSummary(span.samples, float(first), float(last))
        return dataclasses.replace(self, spans={**self.spans, side: trimmed},
                                   time_maps={**self.time_maps, side: time_map})


class Reader:
    """Each side's samples in time order, handed out forward only."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._next = {side: 0 for side in source.sides}  # next row to read from the store
        self._ahead: dict[str, Chunk | None] = {side: None for side in source.sides}  # read, not handed out

    def take(self, side: str, upper_s: float, *, inclusive: bool = False) -> Chunk:
        """The rows not yet taken with time before ``upper_s`` (or at it, when ``inclusive``)."""
        parts = []
        while True:
            chunk = self._peek(side)
            if chunk is None:
                break
            n = int(np.searchsorted(chunk[0], upper_s, side="right" if inclusive else "left"))
            parts.append(tuple(a[:n] for a in chunk))
            if n < chunk[0].size:
                self._ahead[side] = tuple(a[n:] for a in chunk)
                break
            self._ahead[side] = None
        return _join(parts)

    def take_next(self, side: str) -> Chunk | None:
        """The next rows, however many are at hand; None at the end."""
        chunk = self._peek(side)
        self._ahead[side] = None
        return chunk

    def _peek(self, side: str) -> Chunk | None:
        if self._ahead[side] is None:
            store, start = self.source.stores[side], self._next[side]
            if start >= store.samples:
                return None
            stop = min(start + CHUNK_ROWS, store.samples)
            time_s, accel_g, gyro_dps = store.rows(start, stop)
            time_map = self.source.time_maps.get(side)
            self._ahead[side] = (time_map(time_s) if time_map else time_s, accel_g, gyro_dps)
            self._next[side] = stop
        return self._ahead[side]


def _join(parts: list[Chunk]) -> Chunk:
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3))
    return tuple(np.concatenate(column) for column in zip(*parts))


def from_session(session: Session) -> Source:
    """A session in memory as a source (nothing copied)."""

    stores, spans, watch = {}, {}, SaturationWatch()
    for side in SIDES:
        samples = session.side(side)
        if samples is not None:
            stores[side] = ArrayStore(samples.time_s, samples.accel_g, samples.gyro_dps)
            spans[side] = SideSummary(len(samples), float(samples.time_s[0]), float(samples.time_s[-1]))
            watch.update(side, samples.accel_g, samples.gyro_dps)
    info = SessionInfo(session.source, session.time_base, dict(session.metadata), session.marks,
                       session.calibration_window_s, session.skipped_rows, session.warnings, dict(spans),
                       session.calibrations)
    return Source(info, stores, spans, watch.peaks)

"""Step 1: put both sides on one uniform time grid, with their gaps carried through.

Each side keeps its own clock, rate and drops. The grid runs at a multiple of the 10 Hz frame
rate so every later step works in whole frames. A grid point is interpolated linearly between
the two samples around it, unless they are further apart than a few sample periods: then the
point lies in a gap and is marked invalid (no interpolation across gaps).

The ``Aligner`` is streaming: samples are pushed as they come (a whole file in slices, or
notifications live); ``pull(complete_s)`` returns the grid points that can be decided once
every sample up to ``complete_s`` has been pushed. Any slicing gives the same grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.compiled import Kernels
from sensors.samples import SIDES

_kernels = Kernels("processing.kernels.align")


@dataclass(frozen=True)
class Gap:
    """An interval with no samples on one side: last sample before, first sample after."""

    start_s: float
    end_s: float


@dataclass(frozen=True)
class SideChunk:
    """One side's samples on the grid. Invalid points hold the last value and must be masked.

    reset marks the first valid point after a gap (or the first point at all): stateful steps
    restart there.
    """

    accel_g: np.ndarray  # (n, 3)
    gyro_dps: np.ndarray  # (n, 3)
    valid: np.ndarray  # (n,) bool
    reset: np.ndarray  # (n,) bool


@dataclass(frozen=True)
class AlignedChunk:
    start_index: int  # grid index of the first point
    time_s: np.ndarray  # (n,) grid times on the session's time axis
    sides: dict[str, SideChunk]

    def __len__(self) -> int:
        return int(self.time_s.shape[0])


def measure_rate_hz(time_s: np.ndarray) -> float:
    """A stream's sample rate from the median interval of its time stamps."""
    steps = np.diff(time_s)
    steps = steps[steps > 0]
    if steps.size == 0:
        raise ValueError("cannot measure a rate from fewer than two distinct time stamps")
    return float(1.0 / np.median(steps))


def grid_rate_hz(side_rates_hz: list[float], *, frame_rate_hz: float) -> float:
    """The grid's rate: the fastest side's rate, rounded to a whole multiple of the frame rate."""
    fastest = max(side_rates_hz)
    return float(max(1, round(fastest / frame_rate_hz)) * frame_rate_hz)


def gap_threshold_s(rate_hz: float, *, max_interpolated_samples: int) -> float:
    """Longest interval still interpolated: that many missing samples, plus jitter margin."""
    return (max_interpolated_samples + 1.5) / rate_hz


def find_gaps(time_s: np.ndarray, *, gap_s: float) -> list[Gap]:
    """Intervals between consecutive samples longer than ``gap_s``."""
    if time_s.size < 2:
        return []
    jumps = np.flatnonzero(np.diff(time_s) > gap_s)
    return [Gap(float(time_s[i]), float(time_s[i + 1])) for i in jumps]


class _SideBuffer:
    """Samples of one side not yet passed by the grid (plus the one just before it).

    The samples sit in one growing array, [lo, hi) in use: a push copies once, and dropping
    the samples the grid has passed only moves ``lo`` (no concatenation per chunk).
    """

    def __init__(self, gap_s: float) -> None:
        self.gap_s = gap_s
        self._time_s = np.empty(0)
        self._data = np.empty((0, 6))  # accel_g | gyro_dps, one row per sample
        self._lo = self._hi = 0
        self.gaps: list[Gap] = []
        self.samples = 0

    def push(self, time_s: np.ndarray, accel_g: np.ndarray, gyro_dps: np.ndarray) -> None:
        n = int(time_s.size)
        if n == 0:
            return
        joined = np.concatenate([self._time_s[self._hi - 1:self._hi], time_s])
        self.gaps.extend(find_gaps(joined, gap_s=self.gap_s))
        self.samples += n
        self._make_room(n)
        _kernels.append(np.asarray(time_s, dtype=float), np.asarray(accel_g, dtype=float),
                        np.asarray(gyro_dps, dtype=float), self._time_s, self._data, self._hi)
        self._hi += n

    def _make_room(self, n: int) -> None:
        """Room for n more samples: move the kept ones to the front, grow if still short."""
        if self._hi + n <= self._time_s.size:
            return
        kept = self._hi - self._lo
        time_s, data = self._time_s, self._data
        if kept + n > time_s.size // 2:  # doubling keeps the copying linear in the samples pushed
            time_s, data = np.empty(2 * (kept + n)), np.empty((2 * (kept + n), 6))
        time_s[:kept], data[:kept] = self._time_s[self._lo:self._hi], self._data[self._lo:self._hi]
        self._time_s, self._data, self._lo, self._hi = time_s, data, 0, kept

    def sample(self, grid_s: np.ndarray, held: np.ndarray, was_valid: bool) -> SideChunk:
        """This side at the grid times; then drop the samples the grid has passed.

        ``held`` (6,) is the last value given out (updated in place); ``was_valid`` says
        whether the point before ``grid_s[0]`` was valid.
        """
        n = grid_s.size
        # Channel-major (3, n) arrays handed out as (n, 3) views: the filters work per channel.
        accel_t, gyro_t = np.empty((3, n)), np.empty((3, n))
        valid, reset = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
        passed = _kernels.resample(self._time_s[self._lo:self._hi], self._data[self._lo:self._hi], grid_s, self.gap_s,
                           held, was_valid, accel_t, gyro_t, valid, reset)
        self._lo += max(0, passed - 1)
        return SideChunk(accel_t.T, gyro_t.T, valid, reset)


class Aligner:
    """Streaming resampler of both sides onto one grid: ``t_k = start_s + k / rate_hz``."""

    def __init__(self, *, start_s: float, rate_hz: float, gap_s: dict[str, float], block: int) -> None:
        self.start_s = start_s
        self.rate_hz = rate_hz
        self.block = block  # grid points per frame; chunks are whole frames
        self.max_gap_s = max(gap_s.values())
        self._buffers = {side: _SideBuffer(gap_s[side]) for side in SIDES}
        self._next_k = 0
        self._last_valid = {side: False for side in SIDES}
        self._last_values = {side: np.zeros(6) for side in SIDES}

    def push(self, side: str, time_s: np.ndarray, accel_g: np.ndarray, gyro_dps: np.ndarray) -> None:
        self._buffers[side].push(time_s, accel_g, gyro_dps)

    @property
    def next_time_s(self) -> float:
        """Time of the next grid point to be produced (how far the grid has got)."""
        return self.start_s + self._next_k / self.rate_hz

    def gaps(self, side: str) -> list[Gap]:
        return list(self._buffers[side].gaps)

    def samples(self, side: str) -> int:
        return self._buffers[side].samples

    def pull(self, complete_s: float, *, final: bool = False) -> AlignedChunk | None:
        """Grid points decidable now that every sample up to ``complete_s`` is in.

        A point needs the next sample after it, up to one gap length later; ``final`` says no
        more samples will come, so every point up to ``complete_s`` is decided.
        """
        if final:
            last_k = int(np.floor((complete_s - self.start_s) * self.rate_hz + 1e-9))
        else:  # strictly before the horizon: a sample exactly at complete_s may still come
            last_k = int(np.ceil((complete_s - self.max_gap_s - self.start_s) * self.rate_hz)) - 1
        end_k = ((last_k + 1) // self.block) * self.block
        if final and last_k + 1 > end_k:
            end_k += self.block  # pad the last partial frame; its tail is invalid
        if end_k <= self._next_k:
            return None
        k = np.arange(self._next_k, end_k)
        grid_s = self.start_s + k / self.rate_hz
        sides = {side: self._side_chunk(side, grid_s) for side in SIDES}
        chunk = AlignedChunk(self._next_k, grid_s, sides)
        self._next_k = end_k
        return chunk

    def _side_chunk(self, side: str, grid_s: np.ndarray) -> SideChunk:
        chunk = self._buffers[side].sample(grid_s, self._last_values[side], self._last_valid[side])
        self._last_valid[side] = bool(chunk.valid[-1])
        return chunk

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

from sensors.samples import SIDES, SideSamples


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
    """Samples of one side not yet passed by the grid (plus the one just before it)."""

    def __init__(self, gap_s: float) -> None:
        self.gap_s = gap_s
        self.time_s = np.empty(0)
        self.data = np.empty((0, 6))
        self.gaps: list[Gap] = []
        self.samples = 0

    def push(self, time_s: np.ndarray, accel_g: np.ndarray, gyro_dps: np.ndarray) -> None:
        if time_s.size == 0:
            return
        joined = np.concatenate([self.time_s[-1:], time_s])
        self.gaps.extend(find_gaps(joined, gap_s=self.gap_s))
        self.samples += int(time_s.size)
        self.time_s = np.concatenate([self.time_s, time_s])
        self.data = np.concatenate([self.data, np.hstack([accel_g, gyro_dps])])

    def sample(self, grid_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Interpolated (n, 6) values and validity at the grid times, then drop used samples."""
        n = grid_s.size
        values = np.zeros((n, 6))
        valid = np.zeros(n, dtype=bool)
        if self.time_s.size >= 2 and n:
            right = np.searchsorted(self.time_s, grid_s, side="right")
            left = right - 1
            inside = (left >= 0) & (right < self.time_s.size)
            li, ri = np.clip(left, 0, None), np.clip(right, None, self.time_s.size - 1)
            span = self.time_s[ri] - self.time_s[li]
            # A grid point on a sample (to rounding) needs no neighbour, even at a gap's edge.
            on_sample = (left >= 0) & (np.abs(grid_s - self.time_s[li]) <= 1e-9 * np.maximum(1.0, np.abs(grid_s)))
            between = inside & (span <= self.gap_s) & (span > 0)
            valid = between | on_sample
            frac = np.where(between, (grid_s - self.time_s[li]) / np.where(span > 0, span, 1.0), 0.0)
            values = self.data[li] + frac[:, None] * (self.data[ri] - self.data[li])
        if n:
            keep_from = max(0, int(np.searchsorted(self.time_s, grid_s[-1], side="right")) - 1)
            self.time_s, self.data = self.time_s[keep_from:], self.data[keep_from:]
        return values, valid


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
        values, valid = self._buffers[side].sample(grid_s)
        values = _hold_invalid(values, valid, self._last_values[side])
        previous = np.concatenate([[self._last_valid[side]], valid[:-1]])
        reset = valid & ~previous
        self._last_valid[side] = bool(valid[-1])
        self._last_values[side] = values[-1].copy()
        return SideChunk(values[:, :3], values[:, 3:], valid, reset)


def _hold_invalid(values: np.ndarray, valid: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Invalid points repeat the last valid value so filters see no jumps to zero."""
    if valid.all():
        return values
    idx = np.where(valid, np.arange(valid.size), -1)
    np.maximum.accumulate(idx, out=idx)
    held = np.vstack([before, values])[idx + 1]
    return held


def side_gap_s(samples: SideSamples, *, max_interpolated_samples: int) -> tuple[float, float]:
    """A side's measured rate and its gap threshold."""
    rate = measure_rate_hz(samples.time_s)
    return rate, gap_threshold_s(rate, max_interpolated_samples=max_interpolated_samples)

"""Clock offset and drift between the two sensors, found from movements they share.

Both sensors ride on nearly one rigid segment, so they turn together: the magnitude of their
angular rate is the same signal on two clocks. Cross-correlating it window by window gives the
right sensor's clock error against the left one at several moments; a line through those gives
the offset and the drift (ppm). The right side is then put on the left side's clock. Windows
without enough shared movement (low correlation) are left out, and nothing is changed unless
the error is large enough to matter.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.signal import correlate

from processing.input.sources import Reader, Source
from processing.numbers import number
from processing.settings import ClockSettings

GRID_HZ = 50.0  # |gyro| is compared at this rate; peaks are refined to a fraction of a step
# A window counts only with this much data on both sides (and the grid is never drawn across
# more than MAX_BRIDGE_S without samples): 30 s holds several movements to line up.
MIN_SHARED_S = 30.0
MAX_BRIDGE_S = 1.0
# Sensor clocks are good to tens of ppm (firmware_notes/clocks.md); a fitted drift beyond this is
# a fit to something other than two clocks (damaged time stamps) and is never applied.
MAX_DRIFT_PPM = 1000.0


@dataclass(frozen=True)
class ClockSync:
    """right_clock(t) = t + offset_s + drift_ppm * 1e-6 * (t - t0_s), t on the left clock."""

    offset_s: float | None
    drift_ppm: float | None
    t0_s: float
    windows_used: int
    windows_total: int
    corrected: bool
    note: str

    def to_json(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in dataclasses.asdict(self).items()}


class _RateTrack:
    """One side's |gyro| read forward through a Reader, keeping only what the windows ahead need."""

    def __init__(self, reader: Reader, side: str) -> None:
        self.reader, self.side = reader, side
        self.time_s, self.rate_dps = np.zeros(0), np.zeros(0)
        self.done = False

    def around(self, a_s: float, b_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Samples in [a_s, b_s] plus the one before and the one after, where they exist:
        exactly what np.interp over the whole side would use between a_s and b_s."""
        while not self.done and (not self.time_s.size or self.time_s[-1] <= b_s):
            chunk = self.reader.take_next(self.side)
            if chunk is None:
                self.done = True
                break
            time_s, _, gyro = chunk
            rate = np.sqrt(gyro[:, 0] ** 2 + gyro[:, 1] ** 2 + gyro[:, 2] ** 2)
            self.time_s, self.rate_dps = np.concatenate([self.time_s, time_s]), np.concatenate([self.rate_dps, rate])
        first = max(int(np.searchsorted(self.time_s, a_s, side="left")) - 1, 0)
        self.time_s, self.rate_dps = self.time_s[first:], self.rate_dps[first:]  # windows only move on
        last = int(np.searchsorted(self.time_s, b_s, side="right"))
        return self.time_s[:last + 1], self.rate_dps[:last + 1]


def _window_lag(left: np.ndarray, right: np.ndarray, centre_lag: float, search: float) -> tuple[float, float]:
    """Lag (s) of ``right`` behind ``left`` near ``centre_lag`` and its normalised correlation."""
    a = left - left.mean()
    b = right - right.mean()
    scale = np.sqrt(np.sum(a * a) * np.sum(b * b))
    if scale == 0:
        return 0.0, 0.0
    xc = correlate(b, a, mode="full", method="fft") / scale
    lags = (np.arange(xc.size) - (a.size - 1)) / GRID_HZ
    near = np.flatnonzero(np.abs(lags - centre_lag) <= search)
    if near.size < 3:
        return 0.0, 0.0
    i = near[np.argmax(xc[near])]
    lag = lags[i]
    if 0 < i < xc.size - 1:  # parabolic refinement of the peak
        y0, y1, y2 = xc[i - 1], xc[i], xc[i + 1]
        denom = y0 - 2 * y1 + y2
        if denom < 0:
            lag += 0.5 * (y0 - y2) / denom / GRID_HZ
    return float(lag), float(xc[i])


def estimate_clock(source: Source, settings: ClockSettings = ClockSettings()) -> ClockSync:  # noqa: B008 - frozen
    """Offset and drift of the right clock against the left, from shared turning."""
    left, right = source.spans["left"], source.spans["right"]
    t0, t1 = max(left.first_s, right.first_s), min(left.last_s, right.last_s)
    pad = settings.coarse_search_s
    starts = np.arange(t0, max(t0, t1 - settings.window_s) + 1e-9, settings.window_s)
    reader = source.reader()
    tracks = {side: _RateTrack(reader, side) for side in ("left", "right")}
    centres, lags = [], []
    for start in starts:
        grid = np.arange(start, min(start + settings.window_s, t1), 1.0 / GRID_HZ)
        if grid.size < GRID_HZ * MIN_SHARED_S:
            continue
        predicted, search = _predict(centres, lags, start, settings)
        # The right window is widened so any lag within the search fits inside it.
        wide = np.arange(grid[0] - pad, grid[-1] + pad, 1.0 / GRID_HZ)
        on_grid, left_seen = _on_grid(grid, *tracks["left"].around(grid[0], grid[-1]))
        on_wide, right_seen = _on_grid(wide, *tracks["right"].around(wide[0], wide[-1]))
        if min(left_seen, right_seen) < MIN_SHARED_S:
            continue  # mostly a gap on one side: nothing shared to compare
        lag, corr = _window_lag(np.interp(wide, grid, on_grid, left=0.0, right=0.0), on_wide, predicted, search)
        if corr >= settings.min_correlation:
            centres.append(float(grid.mean()))
            lags.append(lag)
    return _fit(np.array(centres), np.array(lags), t0, t1, starts.size, settings)


def _on_grid(grid: np.ndarray, time_s: np.ndarray, rate_dps: np.ndarray) -> tuple[np.ndarray, float]:
    """|gyro| on the grid, zero where the side has no sample within MAX_BRIDGE_S (a gap is not a
    straight line between its two ends: a lone row hours after the rest would otherwise draw a
    ramp that both sides share and "prove" a drift), and the seconds of the grid it covers."""
    values = np.interp(grid, time_s, rate_dps, left=0.0, right=0.0)
    if time_s.size == 0:
        return values, 0.0
    after = np.minimum(np.searchsorted(time_s, grid), time_s.size - 1)
    before = np.maximum(after - 1, 0)
    nearest_s = np.minimum(np.abs(grid - time_s[before]), np.abs(time_s[after] - grid))
    covered = nearest_s <= MAX_BRIDGE_S
    values[~covered] = 0.0
    return values, float(np.count_nonzero(covered)) / GRID_HZ


def _predict(centres: list[float], lags: list[float], at_s: float, settings: ClockSettings) -> tuple[float, float]:
    if not lags:
        return 0.0, settings.coarse_search_s
    if len(lags) == 1:
        return lags[0], settings.fine_search_s
    slope, intercept = np.polyfit(centres, lags, 1)
    return float(intercept + slope * at_s), settings.fine_search_s


def _fit(centres: np.ndarray, lags: np.ndarray, t0: float, t1: float, total: int,
         settings: ClockSettings) -> ClockSync:
    if lags.size == 0:
        return ClockSync(None, None, t0, 0, total, False,
                         "the sensors never turned together clearly enough to compare their clocks")
    if lags.size == 1:
        offset, drift = float(lags[0]), 0.0
    else:
        slope, intercept = np.polyfit(centres - t0, lags, 1)
        offset, drift = float(intercept), float(slope * 1e6)
    worst = max(abs(offset), abs(offset + drift * 1e-6 * (t1 - t0)))
    believable = abs(drift) <= MAX_DRIFT_PPM
    corrected = believable and worst > settings.min_error_s
    verdict = ("corrected" if corrected else "too small to matter, left as recorded") if believable else \
        f"beyond the {MAX_DRIFT_PPM:.0f} ppm any sensor clock drifts: not measured, left as recorded"
    note = (f"right clock {number(offset, 3, sign=True)} s from the left at the start, drifting "
            f"{number(drift, sign=True)} ppm; {verdict}")
    return ClockSync(offset, drift, t0, int(lags.size), total, corrected, note)


def right_on_left_clock(sync: ClockSync):
    """The map of the right side's time stamps onto the left side's clock (None: no change)."""
    if not sync.corrected:
        return None
    b = sync.drift_ppm * 1e-6
    offset_s, t0_s = sync.offset_s, sync.t0_s

    def corrected(t: np.ndarray) -> np.ndarray:  # invert right(t) = t + offset + b (t - t0) for t
        return (t - offset_s + b * t0_s) / (1.0 + b)

    return corrected

"""Min/max envelopes: long series shrunk for plotting without losing their peaks or gaps.

An 8-hour session has 288,000 frames at 10 Hz, far more than a figure has pixels. Consecutive
frames are put in buckets, and each bucket keeps its minimum, maximum and mean: the figures
draw the min/max envelope as a band, so every peak (a deep bend held for a second) survives,
and the mean as a line. A bucket with no data stays NaN, so gaps still break the band. Runs of a
condition (no data, a break) are turned into (start_s, width_s) bars, merged where they sit
closer than the figure can show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.episodes import runs


def bucket_size(n: int, *, max_points: int) -> int:
    """Frames per bucket so that ``n`` frames give at most ``max_points`` points (2 per bucket)."""
    if n <= max_points:
        return 1
    return int(np.ceil(n / (max_points // 2)))


@dataclass(frozen=True)
class Buckets:
    """A series shrunk to buckets of ``size`` frames: each bucket's time span, min, max and mean.

    Arrays are NaN where a bucket has no data. ``size`` 1 means the series was short enough to
    keep as it is (then min = max = mean = the values).
    """

    size: int
    start_s: np.ndarray
    mid_s: np.ndarray
    low: np.ndarray
    high: np.ndarray
    mean: np.ndarray


def buckets(time_s: np.ndarray, values: np.ndarray, *, max_points: int) -> Buckets:
    """Min/max envelope and mean of ``values`` in at most ``max_points // 2`` buckets.

    time_s: (n,) increasing, evenly spaced seconds; values: (n,) with NaN where there is no data.
    """
    n = values.size
    k = bucket_size(n, max_points=max_points)
    if k == 1:
        values = values.astype(float)
        return Buckets(1, time_s, time_s, values, values, values)
    m = int(np.ceil(n / k))
    v = np.concatenate([values.astype(float), np.full(m * k - n, np.nan)]).reshape(m, k)
    counts = np.sum(~np.isnan(v), axis=1)
    empty = counts == 0
    low = np.min(np.where(np.isnan(v), np.inf, v), axis=1)
    high = np.max(np.where(np.isnan(v), -np.inf, v), axis=1)
    mean = np.nansum(v, axis=1) / np.maximum(counts, 1)
    for array in (low, high, mean):
        array[empty] = np.nan
    start = time_s[::k]
    step = float(time_s[1] - time_s[0]) if n > 1 else 0.0
    return Buckets(k, start, start + 0.5 * (k - 1) * step, low, high, mean)


def bucket_mean(time_s: np.ndarray, values: np.ndarray, *, max_points: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    """(bucket start times, bucket means ignoring NaN) for a share-like series (0..1)."""
    b = buckets(time_s, values, max_points=2 * max_points)
    return b.start_s, b.mean


def spans(time_s: np.ndarray, mask: np.ndarray, *, frame_s: float, min_gap_s: float = 0.0,
          min_width_s: float = 0.0) -> list[tuple[float, float]]:
    """(start_s, width_s) of the True runs of ``mask``, for ``broken_barh``.

    Runs separated by less than ``min_gap_s`` are merged; each bar is at least ``min_width_s``
    wide so a 3 s gap stays visible on an 8-hour axis.
    """
    starts, ends = runs(mask)
    merged: list[list[float]] = []
    for lo, hi in zip(starts.tolist(), ends.tolist()):
        a, b = float(time_s[lo]), float(time_s[hi - 1]) + frame_s
        if merged and a - merged[-1][1] < min_gap_s:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, max(b - a, min_width_s)) for a, b in merged]


def interval_spans(intervals, *, end_s: float, min_width_s: float = 0.0) -> list[tuple[float, float]]:
    """(start_s, width_s) bars for (start_s, end_s or None) intervals; None runs to ``end_s``."""
    out = []
    for start_s, stop_s in intervals:
        stop = end_s if stop_s is None else stop_s
        out.append((float(start_s), max(float(stop) - float(start_s), min_width_s)))
    return out

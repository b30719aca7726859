"""Min/max envelopes: long series shrunk for plotting without losing their peaks or gaps.

An 8-hour session has 288,000 frames at 10 Hz, far more than a figure has pixels. Each bucket
of consecutive frames becomes two points, its minimum and its maximum, in the order they
occurred, so every peak (a deep bend held for a second) survives; a bucket with no data stays
NaN, so gaps still break the line. Runs of a condition (no data, a break) are turned into
(start_s, width_s) bars, merged where they sit closer than the figure can show.
"""

from __future__ import annotations

import numpy as np

from processing.episodes import runs


def bucket_size(n: int, *, max_points: int) -> int:
    """Frames per bucket so that ``n`` frames give at most ``max_points`` points (2 per bucket)."""
    if n <= max_points:
        return 1
    return int(np.ceil(n / (max_points // 2)))


def envelope(time_s: np.ndarray, values: np.ndarray, *, max_points: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """(time_s, values) shrunk to at most ``max_points`` points: each bucket's min and max.

    time_s, values: (n,) arrays, values NaN where there is no data. Series short enough are
    returned unchanged. An all-NaN bucket gives two NaN points at its first and last time.
    """
    n = values.size
    k = bucket_size(n, max_points=max_points)
    if k == 1:
        return time_s, values
    m = int(np.ceil(n / k))
    pad = m * k - n
    v = np.concatenate([values, np.full(pad, np.nan)]).reshape(m, k)
    t = np.concatenate([time_s, np.full(pad, time_s[-1])]).reshape(m, k)
    empty = np.all(np.isnan(v), axis=1)
    lo_i = np.argmin(np.where(np.isnan(v), np.inf, v), axis=1)
    hi_i = np.argmax(np.where(np.isnan(v), -np.inf, v), axis=1)
    lo_i[empty], hi_i[empty] = 0, k - 1
    first_i, second_i = np.minimum(lo_i, hi_i), np.maximum(lo_i, hi_i)
    rows = np.arange(m)
    out_t = np.column_stack([t[rows, first_i], t[rows, second_i]]).ravel()
    out_v = np.column_stack([v[rows, first_i], v[rows, second_i]]).ravel()
    return out_t, out_v


def bucket_mean(time_s: np.ndarray, values: np.ndarray, *, max_points: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    """(bucket start times, bucket means ignoring NaN) for a share-like series (0..1)."""
    n = values.size
    k = bucket_size(n, max_points=2 * max_points)
    m = int(np.ceil(n / k))
    pad = m * k - n
    v = np.concatenate([values.astype(float), np.full(pad, np.nan)]).reshape(m, k)
    counts = np.sum(~np.isnan(v), axis=1)
    sums = np.nansum(v, axis=1)
    means = np.divide(sums, counts, out=np.full(m, np.nan), where=counts > 0)
    return time_s[::k], means


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

"""Sample times on the host's clock, and notifications repeated after a reconnect dropped.

Every notification is stamped on arrival with the host's monotonic clock (REFERENCES.md,
"Clocks"). Samples are then placed on that clock by one model, whatever the device:

    host_s = a + b * device_s

fitted on the lower envelope of arrival delays (a notification can arrive late, never early):
``b - 1`` is the sensor's drift against the host, ``a`` the shortest transport delay. Where the
device sends its own time (Movesense, backmon boards) ``device_s`` is that time; where it does
not (WitMotion), it is the sample count over the nominal rate, so ``b`` becomes nominal / true
rate, and each reconnect starts a new count segment with its own ``a`` (how many samples went
missing is unknown; gaps show up as arrival jumps). Both sensors end on the one host clock:
their drift against each other is corrected.

The fit moves as the envelope firms up; stamps follow it by slewing (sample spacing stretched
or squeezed by at most ``MAX_SLEW``), so a refit never opens a false gap or runs time backwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

BIN_S = 1.0  # device seconds per envelope bin (its minimum delay is one envelope point)
KEEP_BINS = 600  # the fit looks back ten minutes
MIN_FIT_SPAN_S = 10.0  # fit the slope once the envelope spans this much of one segment (nominal before)
INTERCEPT_BINS = 60  # the offset follows the delay floor of the latest minute
# Crystal clocks are good to a few tens of ppm; 1000 ppm bounds a fit gone wrong. A counted
# stream's rate comes from the sensor's own divider and may be off by a little more (2 %).
MAX_DRIFT_DEVICE_TIME = 1e-3
MAX_DRIFT_COUNTED = 0.02
MAX_SLEW = 0.02  # stamps approach a new fit at up to 2 % of elapsed device time
MAX_SLEW_ERROR_S = 1.0  # beyond this the stamps jump to the fit instead of slewing
REBOOT_BACKWARDS_S = 5.0  # device time this far behind the last sample: the device restarted


class SampleClock:
    """Host time (s) of each sample of one sensor, from arrival times and device times.

    ``place(arrival_s, device_s)`` takes one notification's arrival (host seconds) and its
    samples' device times (seconds, increasing) and returns their host times, increasing over
    the whole stream. ``new_segment()`` says the device time axis restarted (a counted stream
    after a reconnect, a device reboot): the drift is kept, the offset is found anew.
    """

    def __init__(self, *, counted: bool) -> None:
        self.max_drift = MAX_DRIFT_COUNTED if counted else MAX_DRIFT_DEVICE_TIME
        self.drift = 0.0  # b - 1
        self._segment = 0
        self._bins: dict[tuple[int, int], tuple[float, float]] = {}  # (segment, bin) -> (device_s, delay_s)
        self._intercepts: dict[int, float] = {}
        self._last: tuple[float, float] | None = None  # (device_s, host_s) of the last stamp
        self._fitted_bin: tuple[int, int] | None = None

    @property
    def rate_factor(self) -> float:
        """b: host seconds per device second."""
        return 1.0 + self.drift

    def new_segment(self) -> None:
        self._segment += 1
        self._last = None

    def target(self, device_s: float) -> float:
        """The fitted host time of a device time in the current segment."""
        return self._intercepts[self._segment] + self.rate_factor * device_s

    def place(self, arrival_s: float, device_s: Sequence[float]) -> np.ndarray:
        """Host times of one notification's samples (plain floats inside: a notification holds
        a few samples, where numpy's per-call cost would dominate)."""
        if not len(device_s):
            return np.empty(0)
        device = [float(d) for d in device_s]
        self._observe(device[-1], arrival_s)  # the newest sample left last: least delay
        if self._last is None:
            stamps = [self.target(d) for d in device]
        else:
            stamps = self._slew(device)
        self._last = (device[-1], stamps[-1])
        return np.array(stamps)

    def _slew(self, device: list[float]) -> list[float]:
        last_device, last_host = self._last
        b = self.rate_factor
        span = device[-1] - last_device
        error = self.target(device[-1]) - (last_host + b * span)
        if abs(error) > MAX_SLEW_ERROR_S or span <= 0:
            stamps = [self.target(d) for d in device]  # far off (a device restart): jump
        else:
            allowed = MAX_SLEW * span
            per_s = max(-allowed, min(allowed, error)) / span  # correction per device second
            stamps = [last_host + (b + per_s) * (d - last_device) for d in device]
        floor = last_host
        for i, t in enumerate(stamps):  # never backwards
            floor = stamps[i] = max(t, floor + 1e-6)
        return stamps

    def _observe(self, device_s: float, arrival_s: float) -> None:
        key = (self._segment, math.floor(device_s / BIN_S))
        delay = arrival_s - device_s
        held = self._bins.get(key)
        if held is None or delay < held[1]:
            self._bins[key] = (device_s, delay)
        if held is None:
            if len(self._bins) > KEEP_BINS:
                del self._bins[next(iter(self._bins))]
            self._fit()
        seg = self._segment
        if seg not in self._intercepts:
            self._intercepts[seg] = arrival_s - self.rate_factor * device_s
        else:  # the floor only ever comes down between refits
            self._intercepts[seg] = min(self._intercepts[seg], arrival_s - self.rate_factor * device_s)

    def _fit(self) -> None:
        """Slope from each long enough segment's lower envelope (weighted by its span), then each
        segment's offset from the floor of its latest bins."""
        points = np.array([(seg, x, y) for (seg, _), (x, y) in self._bins.items()])
        segs, xs, ys = points[:, 0], points[:, 1], points[:, 2]
        slopes, weights = [], []
        for seg in np.unique(segs):
            m = segs == seg
            span = float(np.ptp(xs[m]))
            if m.sum() >= 3 and span >= MIN_FIT_SPAN_S:
                slopes.append(envelope_slope(xs[m], ys[m]))
                weights.append(span)
        if slopes:
            self.drift = max(-self.max_drift, min(self.max_drift, float(np.average(slopes, weights=weights))))
        for seg in np.unique(segs):
            m = np.flatnonzero(segs == seg)[-INTERCEPT_BINS:]
            self._intercepts[int(seg)] = float(np.min(ys[m] - self.drift * xs[m]))


def envelope_slope(xs: np.ndarray, ys: np.ndarray) -> float:
    """Slope of the line below every point that minimises the summed distance to them: the edge
    of the points' lower convex hull above their mean x (Moon, Skelly & Towsley 1999, clock skew
    estimation from one-way delays). Late points (queues, stalls) never pull it up."""
    order = np.argsort(xs)
    hull: list[tuple[float, float]] = []
    for x, y in zip(xs[order].tolist(), ys[order].tolist()):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) <= 0:  # hull[-1] is not below the chord
                hull.pop()
            else:
                break
        hull.append((x, y))
    mean_x = float(np.mean(xs))
    for (x1, y1), (x2, y2) in zip(hull[:-1], hull[1:]):
        if x2 >= mean_x:
            return (y2 - y1) / (x2 - x1) if x2 > x1 else 0.0
    return 0.0


class Deduplicator:
    """Drops what a sensor sends twice (it repeats notifications after a reconnect).

    With device time: a sample not later than the last one kept is a repeat; one far earlier
    means the device restarted (``restarted`` is then set, and it is kept). Without device time
    or a counter (WitMotion) only the bytes can tell: a notification identical to the previous
    one is a repeat (sensor noise makes two real identical 20-byte frames vanishingly rare).
    """

    def __init__(self) -> None:
        self.last_device_s: float | None = None
        self.last_bytes: bytes | None = None
        self.dropped = 0
        self.restarted = False

    def fresh_bytes(self, data: bytes) -> bool:
        if data == self.last_bytes:
            self.dropped += 1
            return False
        self.last_bytes = bytes(data)
        return True

    def fresh_samples(self, device_s: np.ndarray) -> np.ndarray:
        """Mask of samples to keep, by device time (increasing within a notification)."""
        self.restarted = False
        if device_s.size == 0:
            return np.zeros(0, dtype=bool)
        if self.last_device_s is not None and device_s[0] < self.last_device_s - REBOOT_BACKWARDS_S:
            self.restarted = True
            self.last_device_s = None
        if self.last_device_s is None:
            keep = np.ones(device_s.size, dtype=bool)
        else:
            keep = device_s > self.last_device_s + 1e-7
        self.dropped += int(device_s.size - keep.sum())
        if keep.any():
            self.last_device_s = float(device_s[keep][-1])
        return keep

"""Twisting events from the gyroscope.

Gravity cannot see axial twist, and two sensors at one height cannot measure spinal twist
(REFERENCES.md), so twisting is reported as turning events: the trunk turning about the spine
faster than ``twist_rate_dps`` through at least ``twist_min_deg``. Positive is to the left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.episodes import runs


@dataclass(frozen=True)
class TwistEvent:
    start_s: float
    end_s: float
    angle_deg: float  # signed: + to the wearer's left
    peak_rate_dps: float


def twist_events(time_s: np.ndarray, rate_dps: np.ndarray, *, frame_s: float, rate_min_dps: float,
                 angle_min_deg: float) -> list[TwistEvent]:
    """Turns in one direction, fast enough and far enough; NaN rates end a turn."""
    rate = np.nan_to_num(rate_dps)
    events = []
    for sign in (1.0, -1.0):
        # A turn is the stretch turning this way; it must get fast enough somewhere inside.
        signed = sign * rate
        starts, ends = runs(signed > 0.25 * rate_min_dps)
        if starts.size == 0:
            continue
        angle = _per_run(np.add, signed, starts, ends) * frame_s
        peak = _per_run(np.maximum, signed, starts, ends)
        keep = (peak >= rate_min_dps) & (angle >= angle_min_deg)
        events += [TwistEvent(float(time_s[a]), float(time_s[b - 1]), sign * float(x), float(p))
                   for a, b, x, p in zip(starts[keep], ends[keep], angle[keep], peak[keep])]
    return sorted(events, key=lambda e: e.start_s)


def _per_run(ufunc: np.ufunc, x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """ufunc reduced over each run [start, end), vectorised (reduceat on start/end pairs)."""
    padded = np.append(x, 0.0)  # an end may equal len(x)
    return ufunc.reduceat(padded, np.column_stack([starts, ends]).ravel())[::2]

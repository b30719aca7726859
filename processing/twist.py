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
        starts, ends = runs(sign * rate > 0.25 * rate_min_dps)
        for lo, hi in zip(starts.tolist(), ends.tolist()):
            segment = sign * rate[lo:hi]
            angle = float(segment.sum() * frame_s)
            if segment.max() >= rate_min_dps and angle >= angle_min_deg:
                events.append(TwistEvent(float(time_s[lo]), float(time_s[hi - 1]), sign * angle,
                                         float(segment.max())))
    return sorted(events, key=lambda e: e.start_s)

"""How reports write times and amounts: the session's time axis, clock labels, durations.

Times in an analysis are on the input file's ``time_s`` axis. A report shows them as the time
of day when the file says when it started (``started_at`` metadata, or Unix epoch ``time_s``),
otherwise as time since the start of the file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from processing.numbers import number
from sensors.samples import TimeBase

# Tick steps for time axes, seconds: from 10 s up to 4 h.
_TICK_STEPS_S = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)


def parse_started_at(text: str | None) -> datetime | None:
    """``started_at`` metadata (ISO 8601) as a datetime, or None when absent or unreadable."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class TimeAxis:
    """Maps file times (s) to plot x (s since ``x0_s``) and to readable labels."""

    x0_s: float  # the file time plotted at x = 0
    wall_start: datetime | None  # wall-clock time at x = 0, when known

    @classmethod
    def for_session(cls, *, time_base: TimeBase, first_s: float, started_at: str | None) -> "TimeAxis":
        if time_base == TimeBase.EPOCH:
            return cls(first_s, datetime.fromtimestamp(first_s, timezone.utc))
        return cls(0.0, parse_started_at(started_at))

    @property
    def name(self) -> str:
        """Axis title."""
        if self.wall_start is None:
            return "time since the start of the file (h:mm)"
        offset = self.wall_start.utcoffset()
        if offset is None:
            return "time of day (recording's local time)"
        if offset == timedelta(0):
            return "time of day (UTC)"
        return f"time of day (UTC{_offset_text(offset)})"

    def x(self, time_s):
        return np.asarray(time_s, dtype=float) - self.x0_s

    def label(self, time_s: float, *, seconds: bool = False) -> str:
        """Clock label of a file time: ``08:03`` / ``08:03:01`` or elapsed ``0:03`` / ``0:03:01``."""
        x = float(time_s) - self.x0_s
        if not math.isfinite(x):
            return ""
        if self.wall_start is not None:
            when = self.wall_start + timedelta(seconds=x)
            return when.strftime("%H:%M:%S" if seconds else "%H:%M")
        total = int(round(x))
        sign, total = ("-" if total < 0 else ""), abs(total)
        text = f"{sign}{total // 3600}:{total % 3600 // 60:02d}"
        return f"{text}:{total % 60:02d}" if seconds else text

    def ticks(self, lo_x: float, hi_x: float, *, max_ticks: int = 8) -> list[float]:
        """Tick positions (plot x) on round clock times between ``lo_x`` and ``hi_x``."""
        step = tick_step_s(hi_x - lo_x, max_ticks=max_ticks)
        day_offset = 0.0
        if self.wall_start is not None:
            w = self.wall_start
            day_offset = w.hour * 3600 + w.minute * 60 + w.second + w.microsecond / 1e6
        first = math.ceil((lo_x + day_offset) / step) * step - day_offset
        return [float(v) for v in np.arange(first, hi_x + 1e-9, step)]

    def wants_seconds(self, lo_x: float, hi_x: float, *, max_ticks: int = 8) -> bool:
        """Labels need seconds when ticks are closer than a minute."""
        return tick_step_s(hi_x - lo_x, max_ticks=max_ticks) < 60


def tick_step_s(span_s: float, *, max_ticks: int) -> int:
    """The smallest round step giving at most ``max_ticks`` ticks over ``span_s``."""
    span = max(span_s, 1.0)
    return next((s for s in _TICK_STEPS_S if span / s <= max_ticks), _TICK_STEPS_S[-1])


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def minutes_text(seconds: float | None) -> str:
    """Seconds shown as minutes with one decimal: ``1.6 min``."""
    if seconds is None:
        return "—"
    return f"{number(seconds / 60, 1)} min"


def number_text(value: float | None, digits: int = 1, unit: str = "") -> str:
    """A number with ``digits`` decimals and an optional unit; an em dash for None."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = number(value, digits)
    return f"{text} {unit}" if unit else text

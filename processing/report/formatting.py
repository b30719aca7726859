"""How backmon writes times and amounts for people: the session's time axis, clock labels, durations.

Times in an analysis are on the input file's ``time_s`` axis. Wherever a person reads one (the
summary, the report, the live view, the trends page) it is shown by ``TimeAxis``: the local
wall-clock time (the machine's time zone; ``backmon --utc`` makes that UTC) when the file says
when it started (``started_at`` metadata, or Unix epoch ``time_s``), otherwise the time since the
start of the file. Labels are rounded to the nearest second, as durations are. The JSON keeps
seconds on the file's axis.
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
    def for_result(cls, result) -> "TimeAxis":
        """The axis of an ``AnalysisResult``: its file's time base, first frame and ``started_at``."""
        first_s = float(result.timeline.time_s[0]) if len(result.timeline) else 0.0
        return cls.for_session(time_base=result.time_base, first_s=first_s,
                               started_at=result.metadata.get("started_at"))

    @classmethod
    def for_session(cls, *, time_base: TimeBase, first_s: float, started_at: str | None) -> "TimeAxis":
        if time_base == TimeBase.EPOCH:
            return cls(first_s, datetime.fromtimestamp(first_s, timezone.utc))
        return cls(0.0, parse_started_at(started_at))

    def wall(self, x: float) -> datetime:
        """The wall-clock time at plot x, in the machine's time zone (re-read each call, so a
        session over a change of summer time shows the clock on the wall); a start without a
        time zone is the recording's own local time and stays as it is."""
        return local_time(self.wall_start + timedelta(seconds=x))

    @property
    def start_text(self) -> str:
        """When the session started, for a header: ``2026-01-05 09:00:00 (UTC+01:00)``, or ``""``."""
        if self.wall_start is None:
            return ""
        when = _nearest_second(self.wall(0.0))
        offset = when.utcoffset()
        zone = "" if offset is None else " (UTC)" if offset == timedelta(0) else f" (UTC{_offset_text(offset)})"
        return when.strftime("%Y-%m-%d %H:%M:%S") + zone

    @property
    def name(self) -> str:
        """Axis title."""
        if self.wall_start is None:
            return "time since the start of the file (h:mm)"
        offset = self.wall(0.0).utcoffset()
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
            return _nearest_second(self.wall(x)).strftime("%H:%M:%S" if seconds else "%H:%M")
        total = int(round(x))
        sign, total = ("-" if total < 0 else ""), abs(total)
        text = f"{sign}{total // 3600}:{total % 3600 // 60:02d}"
        return f"{text}:{total % 60:02d}" if seconds else text

    def ticks(self, lo_x: float, hi_x: float, *, max_ticks: int = 8) -> list[float]:
        """Tick positions (plot x) on round clock times between ``lo_x`` and ``hi_x``."""
        step = tick_step_s(hi_x - lo_x, max_ticks=max_ticks)
        day_offset = 0.0
        if self.wall_start is not None:
            w = self.wall(0.0)
            day_offset = w.hour * 3600 + w.minute * 60 + w.second + w.microsecond / 1e6
        first = math.ceil((lo_x + day_offset) / step) * step - day_offset
        return [float(v) for v in np.arange(first, hi_x + 1e-9, step)]

    def wants_seconds(self, lo_x: float, hi_x: float, *, max_ticks: int = 8) -> bool:
        """Labels need seconds when ticks are closer than a minute."""
        return tick_step_s(hi_x - lo_x, max_ticks=max_ticks) < 60


def local_time(when: datetime) -> datetime:
    """``when`` on the machine's clock (its time zone; UTC under ``backmon --utc``); a time
    without a zone is already the recording's local time."""
    return when.astimezone() if when.tzinfo is not None else when


def _nearest_second(when: datetime) -> datetime:
    """Rounded, not truncated: 08:03:00.6 is 08:03:01, as the summary's durations round."""
    return (when + timedelta(microseconds=500_000)).replace(microsecond=0)


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

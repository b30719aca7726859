"""How figures are written for people: one home for the rounding, so that no "-0" is ever shown
and a message and the report give the same duration for the same alert."""

from __future__ import annotations

import math


def number(value: float, digits: int = 0, *, sign: bool = False) -> str:
    """``value`` with ``digits`` decimals, never "-0" (-0.04 -> "0", -0.6 -> "-1"); with ``sign``,
    "+" before a positive figure (a zero has no sign: "0.0", never "+0.0" or "-0.0")."""
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return f"{0:.{digits}f}" if float(text) == 0 else text


def duration_text(seconds: float | None) -> str:
    """``4 h 05 min``, ``12 min 30 s``, ``45 s``; an em dash for None."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    total = int(round(seconds))
    if total >= 3600:
        return f"{total // 3600} h {total % 3600 // 60:02d} min"
    if total >= 60:
        return f"{total // 60} min {total % 60:02d} s"
    return f"{total} s"

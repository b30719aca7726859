"""What the wearer sees: a status view about twice a second, alerts with guidance as they happen.

On a terminal the status block is redrawn in place (messages and alerts scroll above it); on
anything else (a pipe, a log file) it becomes one line every ``PLAIN_EVERY_S``. Rendering is
pure (``render_status``, ``render_alert``) so it is tested without a terminal.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import TextIO

from backmon.live.live_engine import LiveAngles
from backmon.text import clock_text
from processing.alerts import Alert, where_text
from processing.numbers import number
from processing.report.formatting import TimeAxis
from sensors.ble.link import LinkState
from sensors.samples import SIDES, Side

PLAIN_EVERY_S = 10.0  # status lines when the output is not a terminal
BELL = "\a"


@dataclass(frozen=True)
class LinkStatus:
    """One sensor's link, as data."""

    name: str
    state: LinkState
    battery: str | None = None  # "87 %" or "3.90 V"
    gap_s: float | None = None  # how long no data have come (while not connected)


def _deg(value: float) -> str:
    return "   --" if value is None or math.isnan(value) else number(value, sign=True).rjust(5)


def _ticked(seconds: float) -> str:
    """H:MM:SS of the whole seconds passed: a running clock shows a second once it has passed."""
    return clock_text(max(0, int(seconds)))


def clock_label(time_s: float, axis: TimeAxis | None) -> str:
    """A moment of the session: local wall-clock time once the monitor knows when it started,
    the session's running time otherwise."""
    if axis is None or axis.wall_start is None:
        return _ticked(time_s)
    return axis.label(time_s, seconds=True)


def render_status(*, now_s: float, phase: str, angles: LiveAngles | None, links: dict[Side, LinkStatus],
                  activity_since_s: float | None, alerts: int, tracking_only: bool,
                  axis: TimeAxis | None = None, hold: str = "") -> list[str]:
    """The status block's lines: angles per side (deg, relative to calibration), L-R, links;
    ``hold``: "snoozed until 10:15:00", "PAUSED" or "recalibrating" (nothing is delivered)."""
    mode = "tracking only (no alerts)" if tracking_only else f"alerts so far: {alerts}"
    mode += f"  [{hold}]" if hold else ""
    head = f"backmon monitor  {clock_label(now_s, axis)}  {phase}  {mode}"
    lines = [head, "         flexion  lateral   link                 battery"]
    for side in SIDES:
        link = links.get(side)
        state = "-" if link is None else link.state + (f" {link.gap_s:.0f} s" if link.gap_s else "")
        battery = (link.battery if link and link.battery else "?")
        flex = _deg(angles.flexion_deg[side]) if angles else "   --"
        lat = _deg(angles.lateral_deg[side]) if angles else "   --"
        lines.append(f"  {side:<6} {flex} deg {lat} deg   {state:<20} {battery}")
    if angles:
        lines.append(f"  L-R    {_deg(angles.lr_flexion_diff_deg)} deg {_deg(angles.lr_lateral_diff_deg)} deg")
    else:
        lines.append("  L-R       --        --")
    lines += _tilt_line(angles)
    # The wearer's activity on a line of its own: the link column says only how each link is.
    activity = [f"now {'moving' if angles.moving else 'still'}"] if angles else []
    if phase == "monitoring":
        since = "on a break" if activity_since_s is None else _ticked(now_s - activity_since_s)
        activity.append(f"time since the last break: {since}")
    if activity:
        lines.append("  " + "   ".join(activity))
    return lines


def _tilt_line(angles: LiveAngles | None) -> list[str]:
    """While a side's forward direction is unknown (no routine, no clear bend yet) its flexion and
    lean are "--", but how far it tilts from upright is known: show that instead of nothing."""
    if angles is None:
        return []
    unknown = [side for side in SIDES if math.isnan(angles.flexion_deg[side])
               and math.isfinite(angles.tilt_deg.get(side, math.nan))]
    if not unknown:
        return []
    tilts = "  ".join(f"{side} {number(angles.tilt_deg[side])} deg" for side in unknown)
    return [f"  tilt from upright: {tilts}  (forward direction not known yet)"]


def render_plain(lines: list[str]) -> str:
    """The status block folded into one line (for logs)."""
    return " | ".join(" ".join(line.split()) for line in lines if not line.lstrip().startswith("flexion"))


def render_alert(alert: Alert, axis: TimeAxis | None = None) -> list[str]:
    """An alert as it is raised: what, since when, and what to do."""
    where = where_text(alert.kind, alert.side, alert.value)
    where = f" ({where})" if where else ""
    when = clock_label(alert.start_s, axis)
    lines = [f"[{alert.severity.upper()}] {when} {alert.kind.title}{where}: {alert.message}"]
    lines += [f"    -> {g.text}" for g in alert.guidance]
    return lines


class StatusView:
    """Writes status, messages and alerts to ``out`` (a terminal or not)."""

    def __init__(self, out: TextIO | None = None, *, quiet: bool = False, tracking_only: bool = False,
                 tty: bool | None = None) -> None:
        out = sys.stdout if out is None else out
        self.out = out
        self.quiet = quiet
        self.tracking_only = tracking_only
        self.tty = out.isatty() if tty is None else tty
        self._drawn = 0
        self._last_plain_s: float | None = None
        self.axis: TimeAxis | None = None  # set once the session's start is known (local times)

    def _erase(self) -> None:
        if self._drawn:
            self.out.write(f"\x1b[{self._drawn}F\x1b[J")
            self._drawn = 0

    def message(self, text: str) -> None:
        from sensors.text import printable  # messages quote device names heard over the radio

        self._erase()
        self.out.write(printable(text, keep="\n") + "\n")
        self.out.flush()

    def alert(self, alert: Alert) -> None:
        if self.tracking_only:
            return
        self.notice(render_alert(alert, self.axis), bell=True)

    def notice(self, lines: list[str], *, bell: bool) -> None:
        """Lines for the wearer above the status block, with the bell unless quiet."""
        self._erase()
        self.out.write(("" if self.quiet or not bell else BELL) + "\n".join(lines) + "\n")
        self.out.flush()

    def status(self, lines: list[str], now_s: float) -> None:
        if self.tty:
            self._erase()
            self.out.write("\n".join(lines) + "\n")
            self._drawn = len(lines)
        elif self._last_plain_s is None or now_s - self._last_plain_s >= PLAIN_EVERY_S:
            self._last_plain_s = now_s
            self.out.write(render_plain(lines) + "\n")
        self.out.flush()

    def close(self) -> None:
        self._drawn = 0  # leave the last status on screen

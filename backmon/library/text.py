"""The library as people read it: the list of sessions, one session, the check-ins.

Only small modules of the analysis package are used (``processing.numbers``, ``processing.alerts``:
no engine, no scipy), so that ``backmon library list`` starts fast.
Times are local wall-clock times (``backmon --utc`` for UTC), as everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from backmon.library.records import CheckIn, SessionRecord
from processing.alerts import kind_title
from processing.numbers import duration_text
from sensors.text import printable


def when_text(started: datetime | None) -> tuple[str, str]:
    """(local day, local hh:mm) of a start, or ("undated", "") without one."""
    if started is None:
        return "undated", ""
    local = started.astimezone() if started.tzinfo is not None else started
    return local.date().isoformat(), local.strftime("%H:%M")


def minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def devices_text(devices: dict[str, str], *, short: bool = False) -> str:
    """``left / right`` device names; ``short`` leaves out what the recorder added in brackets
    (profile and rate) and keeps at most 28 characters of each."""
    names = [devices[side] for side in ("left", "right") if side in devices]
    if short:
        names = [n.split(" (", 1)[0] for n in names]
        names = [n if len(n) <= 28 else n[:27] + "…" for n in names]
    return " / ".join(printable(n) for n in names) or "—"


LIST_HEADER = ("ID", "DAY", "START", "DURATION", "MIN >30 DEG", "MIN >60 DEG", "ALERTS", "DEVICES (L / R)", "FILE")


def session_table(records: Sequence[SessionRecord]) -> str:
    """One line per session, in aligned columns."""
    rows = [LIST_HEADER]
    for r in records:
        day, start = when_text(r.started_at)
        rows.append((str(r.id), day, start, duration_text(r.duration_s), minutes(r.minutes_over_30),
                     minutes(r.minutes_over_60), str(r.alert_count), devices_text(r.devices, short=True),
                     printable(r.path.name)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(LIST_HEADER))]
    right = {0, 3, 4, 5, 6}  # numbers line up on the right
    return "\n".join("  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows)


def session_detail(r: SessionRecord, checkins: Sequence[CheckIn]) -> str:
    """``library show``: where the session is, when, the key figures, its alerts, the day's check-ins."""
    day, start = when_text(r.started_at)
    s = r.summary
    lines = [f"Session {r.id}: {day} {start}".rstrip(),
             f"  file        {printable(r.path)}" + ("" if r.path.exists() else "  (missing)"),
             f"  sha256      {r.sha256}",
             f"  duration    {duration_text(r.duration_s)} (worn {duration_text(r.worn_s)})",
             f"  devices     {devices_text(r.devices)}",
             f"  forward bend beyond 30 deg: {minutes(r.minutes_over_30)} min, beyond 60 deg: "
             f"{minutes(r.minutes_over_60)} min; leaning beyond 10 deg: "
             f"{minutes(_min(s.get('lateral_over_10_s')))} min",
             f"  breaks      {len(s.get('breaks', []))}"]
    if s.get("verdict"):
        lines.append(f"  verdict     {printable(s['verdict'])}")
    lines.append(f"  alerts      {r.alert_count}")
    for alert in r.alerts:
        title = printable(kind_title(alert.get("kind")))
        lines.append(f"    {title} ({printable(alert.get('severity', ''))}) at {alert.get('start_s', 0):.0f} s: "
                     f"{printable(alert.get('message', ''))}")
    for c in checkins:
        lines.append(f"  check-in    {c.kind} {c.rating}/10" + (f": {printable(c.note)}" if c.note else ""))
    if r.added_at:
        lines.append(f"  added       {r.added_at.astimezone():%Y-%m-%d %H:%M}")
    return "\n".join(lines)


def _min(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def checkin_table(checkins: Sequence[CheckIn]) -> str:
    lines = ["DAY         KIND     RATING  NOTE"]
    for c in checkins:
        lines.append(f"{c.day.isoformat():<10}  {c.kind:<7}  {c.rating:>4}/10  {printable(c.note)}".rstrip())
    return "\n".join(lines)

"""Checks of a session file's numbers that the line-by-line parse cannot make.

- Values beyond any sensor's range (sensors.plausible) are broken rows: skipped and counted.
- A row whose time is far from both its neighbours, while they agree with each other, has a
  broken time (one damaged cell, a spreadsheet's stray edit): skipped and counted.
- Time going back by more than a second is a clock reset or two recordings in one file: sorting
  would interleave them into nonsense, so the file is refused, naming the line.
- A side (or the session) spanning more than two days, or sampled below 1 Hz or above 10 kHz,
  has time_s in the wrong unit or damaged: refused, naming the lines.
Small disorder (rows a few samples late) and repeated times are left to the reader, which
sorts and de-duplicates them with a warning.
"""

from __future__ import annotations

import numpy as np

from sensors.errors import SessionFileError
from sensors.plausible import ACCEL_LIMIT_G, GYRO_LIMIT_DPS, MAX_SPAN_S, RATE_LIMITS_HZ

OUTLIER_S = 1.0  # a row this far from both neighbours (which agree) has a broken time
BACK_JUMP_S = 1.0  # time going back further than this is a reset, not a late row
_MIN_ROWS_FOR_RATE = 10
_ACCEL = ("ax_g", "ay_g", "az_g")
_GYRO = ("gx_dps", "gy_dps", "gz_dps")


def impossible_rows(table: dict, usable: np.ndarray, line_numbers: np.ndarray
                    ) -> tuple[np.ndarray, list[str]]:
    """Usable rows with an accelerometer or gyroscope value beyond any sensor's range."""
    if not usable.any():
        return np.zeros_like(usable), []
    beyond = np.zeros(usable.shape, bool)
    for columns, limit in ((_ACCEL, ACCEL_LIMIT_G), (_GYRO, GYRO_LIMIT_DPS)):
        for column in columns:
            beyond |= (table[column] > limit) | (table[column] < -limit)
    bad = usable & beyond
    if not bad.any():
        return bad, []
    return bad, [f"skipped {_count(int(bad.sum()), 'row')} ({_lines(line_numbers[bad])}) with a "
                 f"value beyond any sensor's range (±{ACCEL_LIMIT_G:g} g, ±{GYRO_LIMIT_DPS:g} °/s)"]


def screen_times(sides: dict[str, tuple[np.ndarray, np.ndarray]], source: str
                 ) -> tuple[dict[str, np.ndarray], list[str]]:
    """Per side (time_s, line numbers) in file order: rows to keep, and notes.

    Raises SessionFileError for a jump back in time, a span beyond two days, or an impossible
    rate (see the module's docstring)."""
    keep, notes = {}, []
    for side, (time_s, lines) in sides.items():
        outliers = _time_outliers(time_s)
        if outliers.any():
            notes.append(f"{side}: skipped {_count(int(outliers.sum()), 'row')} "
                         f"({_lines(lines[outliers])}) whose time_s is out of line with the rows "
                         "around it")
        keep[side] = ~outliers
        _check_side(side, time_s[~outliers], lines[~outliers], source)
    _check_between_sides({s: (t[keep[s]], ln[keep[s]]) for s, (t, ln) in sides.items()}, source)
    return keep, notes


def _time_outliers(time_s: np.ndarray) -> np.ndarray:
    """Rows far (> OUTLIER_S) from both neighbours while those agree; at the ends, a first row
    later than the second (or a last row earlier than the one before) by more than OUTLIER_S,
    or one beyond a session's span from its neighbour."""
    out = np.zeros(time_s.size, bool)
    if time_s.size < 2:
        return out
    if time_s.size >= 3:
        before, here, after = time_s[:-2], time_s[1:-1], time_s[2:]
        out[1:-1] = ((np.abs(here - before) > OUTLIER_S) & (np.abs(after - here) > OUTLIER_S)
                     & (np.abs(after - before) <= OUTLIER_S))
    first_step, last_step = time_s[1] - time_s[0], time_s[-1] - time_s[-2]
    out[0] |= first_step < -OUTLIER_S or first_step > MAX_SPAN_S
    out[-1] |= last_step < -OUTLIER_S or last_step > MAX_SPAN_S
    return out


def _check_side(side: str, time_s: np.ndarray, lines: np.ndarray, source: str) -> None:
    if time_s.size < 2:
        return
    steps = np.diff(time_s)
    back = np.flatnonzero(steps < -BACK_JUMP_S)
    if back.size:
        i = int(back[0])
        raise SessionFileError(source, f"{side}: time_s goes back {-steps[i]:.6g} s (from "
                               f"{time_s[i]:.6g} at line {lines[i]}); a clock reset, or two "
                               "recordings in one file? Split them into two files",
                               line=int(lines[i + 1]))
    first, last = int(np.argmin(time_s)), int(np.argmax(time_s))
    span_s = float(time_s[last] - time_s[first])
    if span_s > MAX_SPAN_S:
        raise SessionFileError(source, f"{side}: time_s spans {span_s / 3600:.4g} h (lines "
                               f"{lines[first]} to {lines[last]}); a session is at most "
                               f"{MAX_SPAN_S / 3600:g} h: are the times in milliseconds, or is "
                               "one damaged?", line=int(lines[last]))
    positive = steps[steps > 0]  # file order: a few late rows do not move the median
    if time_s.size >= _MIN_ROWS_FOR_RATE and positive.size:
        rate_hz = 1.0 / float(np.median(positive))
        low, high = RATE_LIMITS_HZ
        if not low <= rate_hz <= high:
            unit = "milliseconds" if rate_hz < low else "micro- or nanoseconds"
            raise SessionFileError(source, f"{side}: the samples are {1 / rate_hz:.3g} s apart "
                                   f"({rate_hz:.3g} Hz; sensors send 10-1000 Hz): is time_s in "
                                   f"{unit}? It must be seconds", line=int(lines[0]))


def _check_between_sides(sides: dict[str, tuple[np.ndarray, np.ndarray]], source: str) -> None:
    present = {s: v for s, v in sides.items() if v[0].size}
    if len(present) < 2:
        return
    (a, (ta, la)), (b, (tb, lb)) = present.items()
    start = min(ta.min(), tb.min())
    end = max(ta.max(), tb.max())
    if end - start > MAX_SPAN_S:
        raise SessionFileError(source, f"the {a} side (from line {la[np.argmin(ta)]}) and the "
                               f"{b} side (from line {lb[np.argmin(tb)]}) together span "
                               f"{(end - start) / 3600:.4g} h: is one side in Unix time and the "
                               "other in seconds from the start?")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _lines(line_numbers: np.ndarray, shown: int = 5) -> str:
    named = ", ".join(str(n) for n in line_numbers[:shown])
    more = ", ..." if line_numbers.size > shown else ""
    return f"line{'s' if line_numbers.size > 1 else ''} {named}{more}"

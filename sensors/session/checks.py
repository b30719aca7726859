"""Checks of a session file's numbers that the line-by-line parse cannot make.

- Values beyond any sensor's range (sensors.limits) are broken rows: skipped and counted.
- A row whose time is far from both its neighbours, while they agree with each other, has a
  broken time (one damaged cell, a spreadsheet's stray edit): skipped and counted.
- Time going back by more than a second behind the latest time before it is a clock reset or
  two recordings in one file: sorting would interleave them into nonsense, so the file is
  refused, naming the line.
- A side (or the session) spanning more than two days, or sampled below 1 Hz or above 10 kHz,
  has time_s in the wrong unit or damaged: refused, naming the lines.
Small disorder (rows a few samples late) and repeated times are left to the reader, which
sorts and de-duplicates them with a warning (sensors.session.rows).
"""

from __future__ import annotations

import numpy as np

from sensors.limits import ACCEL_LIMIT_G, GYRO_LIMIT_DPS, MAX_SPAN_S

OUTLIER_S = 1.0  # a row this far from both neighbours (which agree) has a broken time
BACK_JUMP_S = 1.0  # time going back further than this is a reset, not a late row
MIN_ROWS_FOR_RATE = 10
READING_LIMITS = np.array([ACCEL_LIMIT_G] * 3 + [GYRO_LIMIT_DPS] * 3)  # accel (g), then gyro (deg/s)
_LINES_NAMED = 5  # line numbers listed in a warning before "..."


class Tally:
    """How many rows something happened to, and the first few of their line numbers."""

    def __init__(self) -> None:
        self.count, self.lines = 0, []

    def add(self, line_numbers: np.ndarray) -> None:
        self.count += int(line_numbers.size)
        self.lines += [int(n) for n in line_numbers[:_LINES_NAMED + 1 - len(self.lines)]]

    def named(self) -> str:
        """'line 7' or 'lines 4, 9, ...' (the first few)."""
        named = ", ".join(str(n) for n in self.lines[:_LINES_NAMED])
        more = ", ..." if self.count > _LINES_NAMED else ""
        return f"line{'s' if self.count > 1 else ''} {named}{more}"


def impossible_note(tally: Tally) -> list[str]:
    if not tally.count:
        return []
    return [f"skipped {count(tally.count, 'row')} ({tally.named()}) with a value beyond any sensor's range "
            f"(±{ACCEL_LIMIT_G:g} g, ±{GYRO_LIMIT_DPS:g} °/s)"]


def time_outliers(time_s: np.ndarray, *, first_is_start: bool = True, last_is_end: bool = True) -> np.ndarray:
    """Rows (file order) far (> OUTLIER_S) from both neighbours while those agree; at the ends
    of the side, a first row later than the second (or a last row earlier than the one before)
    by more than OUTLIER_S, or one beyond a session's span from its neighbour.

    ``first_is_start``/``last_is_end`` say whether the ends of ``time_s`` are the ends of the
    side (a reader of blocks passes neighbours from the block before as the first element)."""
    out = np.zeros(time_s.size, bool)
    if time_s.size < 2:
        return out
    if time_s.size >= 3:
        before, here, after = time_s[:-2], time_s[1:-1], time_s[2:]
        out[1:-1] = ((np.abs(here - before) > OUTLIER_S) & (np.abs(after - here) > OUTLIER_S)
                     & (np.abs(after - before) <= OUTLIER_S))
    first_step, last_step = time_s[1] - time_s[0], time_s[-1] - time_s[-2]
    if first_is_start:
        out[0] |= first_step < -OUTLIER_S or first_step > MAX_SPAN_S
    if last_is_end:
        out[-1] |= last_step < -OUTLIER_S or last_step > MAX_SPAN_S
    return out


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"

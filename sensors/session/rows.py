"""One side's rows on their way from file order to time order, a block at a time.

A reader that sees the file in blocks must decide each row the way a reader of the whole file
would. Three things reach across a block's edge, and each is carried:
- a row's time is judged against both its neighbours (sensors.session.checks), so the last row
  of a block waits for the first of the next;
- rows a little late are sorted into place. A row more than BACK_JUMP_S behind the latest time
  before it refuses the file, so once the latest time is T, no later row can land before
  T - BACK_JUMP_S: rows before that are final and leave; the rest (about a second) wait;
- repeated times keep the first row, which the stable sort of (waiting + new) preserves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.errors import SessionFileError
from sensors.limits import MAX_SPAN_S, RATE_LIMITS_HZ
from sensors.session.checks import BACK_JUMP_S, MIN_ROWS_FOR_RATE, Tally, count, time_outliers


@dataclass(frozen=True)
class Rows:
    """Rows of one side: time_s (n,), values (n, 6) = accel g then gyro deg/s, device_time_s and
    seq (n,) float with NaN for an empty cell, line (n,) 1-based line numbers."""

    time_s: np.ndarray
    values: np.ndarray
    device_time_s: np.ndarray
    seq: np.ndarray
    line: np.ndarray

    def __len__(self) -> int:
        return int(self.time_s.size)

    def take(self, index) -> "Rows":
        return Rows(self.time_s[index], self.values[index], self.device_time_s[index], self.seq[index],
                    self.line[index])

    @staticmethod
    def join(parts: list["Rows"]) -> "Rows":
        parts = [p for p in parts if len(p)] or parts[:1]
        if len(parts) == 1:
            return parts[0]
        return Rows(*(np.concatenate([getattr(p, f) for p in parts]) for f in Rows.__dataclass_fields__))

    @staticmethod
    def empty() -> "Rows":
        return Rows(np.zeros(0), np.zeros((0, 6)), np.zeros(0), np.zeros(0), np.zeros(0, np.int64))


class SideOrder:
    """Screen one side's rows (file order in) and release them in time order."""

    def __init__(self, side: str, source: str) -> None:
        self.side, self.source = side, source
        self.pending = Rows.empty()  # the last row in file order, waiting for its successor
        self.before_s: float | None = None  # the time of the row before it
        self.waiting = Rows.empty()  # screened, sorted, not yet final
        self.latest_s, self.latest_line = -np.inf, 0
        self.low, self.high = (np.inf, 0), (-np.inf, 0)  # (time, line) of the earliest and latest row
        self.rate_times: list[np.ndarray] | None = []  # file-order times until the rate is checked
        self.outliers, self.late, self.repeated, self.released = Tally(), 0, 0, 0
        self.first_released_s, self.last_released_s = np.nan, -np.inf
        self._first_line = 0  # of the first row kept, named when the rate is impossible

    def push(self, rows: Rows) -> Rows:
        """Take a block's rows of this side (file order); return the rows now final (time order)."""
        if not len(rows):
            return Rows.empty()
        if self.before_s is None and not len(self.pending):  # the side's first rows
            self.pending = rows.take(slice(0, 1))
            rows = rows.take(slice(1, None))
            if not len(rows):
                return Rows.empty()
        # Every row but the new last one now has both neighbours: judge their times.
        times = np.concatenate(([] if self.before_s is None else [self.before_s], self.pending.time_s, rows.time_s))
        judged = time_outliers(times, first_is_start=self.before_s is None, last_is_end=False)
        out = judged[times.size - len(rows) - 1:-1]
        self.before_s = float(rows.time_s[-2]) if len(rows) > 1 else float(self.pending.time_s[0])
        pending, self.pending = self.pending, rows.take(slice(-1, None))
        self._accept(pending, out[:1], release=False)
        return self._accept(rows.take(slice(0, -1)), out[1:])

    def finish(self) -> Rows:
        """No more rows: decide the last one and release everything."""
        last = self.pending
        out = np.zeros(len(last), bool)
        if len(last) and self.before_s is not None:
            times = np.array([self.before_s, last.time_s[0]])
            out = time_outliers(times, first_is_start=False, last_is_end=True)[1:]
        self.pending = Rows.empty()
        released = self._accept(last, out)
        self._check_rate(final=True)
        return Rows.join([released, self._release(np.inf)])

    def _accept(self, rows: Rows, outliers: np.ndarray, *, release: bool = True) -> Rows:
        if outliers.any():
            self.outliers.add(rows.line[outliers])
            rows = rows.take(~outliers)
        if not len(rows):
            return Rows.empty()
        self._first_line = self._first_line or int(rows.line[0])
        self._check_back_jumps(rows)
        self._check_span(rows)
        if self.rate_times is not None:
            self.rate_times.append(rows.time_s)
            self._check_rate(final=False)
        waiting = Rows.join([self.waiting, rows])
        if np.any(waiting.time_s[1:] < waiting.time_s[:-1]):
            waiting = waiting.take(np.argsort(waiting.time_s, kind="stable"))
        self.waiting = waiting
        return self._release(self.latest_s - BACK_JUMP_S) if release else Rows.empty()

    def _release(self, before_s: float) -> Rows:
        """Rows earlier than ``before_s`` are final: drop repeated times and hand them over."""
        k = int(np.searchsorted(self.waiting.time_s, before_s, side="left"))
        final, self.waiting = self.waiting.take(slice(0, k)), self.waiting.take(slice(k, None))
        if not len(final):
            return final
        times = final.time_s
        repeated = np.concatenate(([times[0] == self.last_released_s], times[1:] == times[:-1]))
        if repeated.any():
            self.repeated += int(repeated.sum())
            final = final.take(~repeated)
        if not self.released:
            self.first_released_s = float(final.time_s[0])
        self.released += len(final)
        self.last_released_s = float(final.time_s[-1])
        return final

    def _check_back_jumps(self, rows: Rows) -> None:
        times = rows.time_s
        latest_before = np.maximum.accumulate(np.concatenate(([self.latest_s], times)))[:-1]
        self.late += int(np.count_nonzero(times < latest_before))
        back = np.flatnonzero(times < latest_before - BACK_JUMP_S)
        if back.size:
            i = int(back[0])
            if i:  # the latest time before row i, and its line
                j = int(np.argmax(times[:i]))
                if times[j] > self.latest_s:
                    self.latest_s, self.latest_line = float(times[j]), int(rows.line[j])
            raise SessionFileError(
                self.source, f"{self.side}: time_s goes back {self.latest_s - times[i]:.6g} s (from "
                f"{self.latest_s:.6g} at line {self.latest_line}); a clock reset, or two recordings in one "
                "file? Split them into two files", line=int(rows.line[i]))
        j = int(np.argmax(times))
        if times[j] > self.latest_s:
            self.latest_s, self.latest_line = float(times[j]), int(rows.line[j])

    def _check_span(self, rows: Rows) -> None:
        lo, hi = int(np.argmin(rows.time_s)), int(np.argmax(rows.time_s))
        if rows.time_s[lo] < self.low[0]:
            self.low = (float(rows.time_s[lo]), int(rows.line[lo]))
        if rows.time_s[hi] > self.high[0]:
            self.high = (float(rows.time_s[hi]), int(rows.line[hi]))
        span_s = self.high[0] - self.low[0]
        if span_s > MAX_SPAN_S:
            raise SessionFileError(self.source, f"{self.side}: time_s spans {span_s / 3600:.4g} h (lines "
                                   f"{self.low[1]} to {self.high[1]}); a session is at most "
                                   f"{MAX_SPAN_S / 3600:g} h: are the times in milliseconds, or is one "
                                   "damaged?", line=self.high[1])

    def _check_rate(self, *, final: bool) -> None:
        """The rate from the first rows (file order: a few late rows do not move the median)."""
        if self.rate_times is None:
            return
        times = np.concatenate(self.rate_times) if self.rate_times else np.zeros(0)
        if times.size < MIN_ROWS_FOR_RATE:
            if final:
                self.rate_times = None
            return
        self.rate_times = None
        steps = np.diff(times)
        positive = steps[steps > 0]
        if not positive.size:
            return
        rate_hz = 1.0 / float(np.median(positive))
        low, high = RATE_LIMITS_HZ
        if not low <= rate_hz <= high:
            unit = "milliseconds" if rate_hz < low else "micro- or nanoseconds"
            raise SessionFileError(self.source, f"{self.side}: the samples are {1 / rate_hz:.3g} s apart "
                                   f"({rate_hz:.3g} Hz; sensors send 10-1000 Hz): is time_s in {unit}? It "
                                   "must be seconds", line=self._first_line)

    def notes(self) -> list[str]:
        """Warnings, in the order the reader reports them: outliers first (see SessionStream)."""
        out = []
        if self.late:
            out.append(f"{self.side}: {count(self.late, 'row')} out of time order; sorted by time_s")
        if self.repeated:
            out.append(f"{self.side}: {count(self.repeated, 'row')} repeating an earlier time_s dropped "
                       "(kept the first)")
        if self.released == 1:
            out.append(f"{self.side}: only 1 usable sample; treated as absent")
        return out

    def outlier_note(self) -> list[str]:
        if not self.outliers.count:
            return []
        return [f"{self.side}: skipped {count(self.outliers.count, 'row')} ({self.outliers.named()}) whose "
                "time_s is out of line with the rows around it"]

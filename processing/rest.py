"""Step 9b: rest detectors: work without a real break, and a posture held without moving.

A break is ``break_min_s`` (5 min) or more with the trunk unloaded (``unloaded``: no movement,
flexion inside the upright band, lean within ``lateral_deg``; DESIGN.md): standing or sitting
still bent is static load, never a break. Frames with no data from either sensor count as
unloaded: a long silence most often means the sensors were taken off. ``no_rest`` is raised
once the wearer has been loaded for ``no_rest_s`` (60 min) since the last break, at a loaded
moment. ``prolonged_static`` is raised after ``static_s`` (30 min) without movement with the
trunk inside a +-5 deg band: a static load wherever it is held (inside the upright band it is
also a break). Work is done per run of loaded/unloaded frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.alerts import Alert, AlertKind, Severity
from processing.detectors import AlertCounter, held_for_s
from processing.episodes import runs
from processing.frame_table import FrameTable
from processing.guidance import guidance_for
from processing.numbers import duration_text, number
from processing.settings import AlertSettings
from sensors.samples import Side


def unloaded(t: FrameTable, settings: AlertSettings) -> np.ndarray:
    """Per frame, True where the trunk rests: not moving, flexion from ``upright_back_deg`` behind
    upright to ``flexion_low_deg``, lean within +-``lateral_deg``; frames without data too. The one
    definition of a break's frames (no_rest, the summary's breaks, the report and trends)."""
    f, lat = t.posture_deg()  # where the forward direction is unknown: tilt below flexion_low_deg (DESIGN.md)
    with np.errstate(invalid="ignore"):
        upright = ((f >= -settings.upright_back_deg) & (f < settings.flexion_low_deg)
                   & (np.abs(lat) <= settings.lateral_deg))
    return (~t.moving & upright) | ~t.valid


@dataclass
class Break:
    start_s: float
    end_s: float | None = None


def _new_alert(kind: AlertKind, counter: AlertCounter, settings: AlertSettings, *, time_s: float, since_s: float,
               limit_s: float, value: float, unit: str, message: str, rule: str) -> Alert:
    occurrence = counter.next(kind)
    guidance = guidance_for(kind, side=Side.BOTH, value=value, duration_s=time_s - since_s, occurrence=occurrence,
                            recurring_count=settings.recurring_count)
    return Alert(kind, float(time_s), float(since_s), Side.BOTH, Severity.WARNING, value, unit, message, rule, limit_s,
                 guidance=guidance, occurrence=occurrence)


class NoRestDetector:
    kind = AlertKind.NO_REST

    def __init__(self, settings: AlertSettings, counter: AlertCounter, *, break_min_s: float,
                 start_s: float) -> None:
        self.settings, self.counter, self.break_min_s = settings, counter, break_min_s
        self.clock_start_s = start_s  # activity since the last break (or the start)
        self.still_since_s: float | None = None
        self.breaks: list[Break] = []
        self.records: list[Alert] = []
        self._open: Alert | None = None
        self._blocked_until_s = -np.inf

    def process(self, t: FrameTable) -> list[Alert]:
        raised = []
        moving = ~unloaded(t, self.settings)  # "moving" here: loaded, in movement or held bent
        bounds = np.flatnonzero(np.concatenate([[True], moving[1:] != moving[:-1]])).tolist() + [moving.size]
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            if moving[lo]:
                self._moving(t.time_s[lo:hi], raised)
            else:
                self._still(float(t.time_s[lo]), float(t.time_s[hi - 1]))
        return raised

    def _still(self, first_s: float, last_s: float) -> None:
        if self.still_since_s is None:
            self.still_since_s = first_s
        is_break = last_s - self.still_since_s >= self.break_min_s
        if is_break and (not self.breaks or self.breaks[-1].end_s is not None):
            self.breaks.append(Break(self.still_since_s))
            if self._open is not None:
                self._open.close(self.still_since_s, critical_factor=self.settings.critical_factor)
                self._open.message = self._message(held_for_s(self._open))  # the time really held
                self._blocked_until_s = self.still_since_s + self.settings.cooldown_s
                self._open = None

    def _moving(self, times: np.ndarray, raised: list[Alert]) -> None:
        if self.still_since_s is not None:
            if self.breaks and self.breaks[-1].end_s is None:
                self.breaks[-1].end_s = float(times[0])
                self.clock_start_s = float(times[0])
            self.still_since_s = None
        if self._open is not None:
            return
        due_s = max(self.clock_start_s + self.settings.no_rest_s, self._blocked_until_s)
        i = int(np.searchsorted(times, due_s))
        if i < times.size:
            held = float(times[i]) - self.clock_start_s
            self._open = _new_alert(
                self.kind, self.counter, self.settings, time_s=times[i], since_s=self.clock_start_s,
                limit_s=self.settings.no_rest_s, value=held / 60.0, unit="min",
                message=self._message(held),
                rule=(f"no break of {self.break_min_s / 60:g} min or more within {self.settings.no_rest_s / 60:g} min "
                      "of activity (HSE, Cornell)"))
            self.records.append(self._open)
            raised.append(self._open)

    def _message(self, held_s: float) -> str:
        return f"{duration_text(held_s)} of work without a break of {self.break_min_s / 60:g} min."

    def finish(self, end_s: float) -> None:
        if self.breaks and self.breaks[-1].end_s is None:
            self.breaks[-1].end_s = end_s


class ProlongedStaticDetector:
    kind = AlertKind.PROLONGED_STATIC

    def __init__(self, settings: AlertSettings, counter: AlertCounter) -> None:
        self.settings, self.counter = settings, counter
        self.anchor: tuple[float, float, float, bool] | None = None  # since_s, flexion, lateral, split known
        self.records: list[Alert] = []
        self._open: Alert | None = None
        self._blocked_until_s = -np.inf

    def process(self, t: FrameTable) -> list[Alert]:
        raised = []
        still = ~t.moving & t.valid
        if self.anchor is not None and still.size and not still[0]:
            self._end(float(t.time_s[0]))
        for lo, hi in zip(*runs(still)):
            pos = int(lo)
            while pos < hi:
                pos = self._follow(t, pos, int(hi), raised)
            if hi < still.size:
                self._end(float(t.time_s[hi]))
        return raised

    def _follow(self, t: FrameTable, pos: int, hi: int, raised: list[Alert]) -> int:
        """Follow the episode from ``pos``; return where it ended (or ``hi``)."""
        first, second = t.posture_deg()  # flexion and lateral; tilt where the forward direction is unknown
        if self.anchor is None:
            self.anchor = (float(t.time_s[pos]), float(first[pos]), float(second[pos]), bool(t.split_known[pos]))
        since_s, flexion, lateral, known = self.anchor
        band = self.settings.static_band_deg
        off = (np.abs(first[pos:hi] - flexion) > band) | (np.abs(second[pos:hi] - lateral) > band)
        stop = pos + int(np.argmax(off)) if off.any() else hi
        times = t.time_s[pos:stop]
        if self._open is None and times.size:
            due_s = max(since_s + self.settings.static_s, self._blocked_until_s)
            i = int(np.searchsorted(times, due_s))
            if i < times.size:
                held = float(times[i]) - since_s
                self._open = _new_alert(
                    self.kind, self.counter, self.settings, time_s=times[i], since_s=since_s,
                    limit_s=self.settings.static_s, value=held / 60.0, unit="min",
                    message=self._message(held),
                    rule=(f"no posture change for {self.settings.static_s / 60:g} min (Cornell: change posture "
                          "every 20-30 min)"))
                self.records.append(self._open)
                raised.append(self._open)
        if stop < hi:
            self._end(float(t.time_s[stop]))
        return stop

    def _message(self, held_s: float) -> str:
        flexion, known = self.anchor[1], self.anchor[3]
        return (f"{duration_text(held_s)} without moving, trunk held within +-{self.settings.static_band_deg:g} deg "
                + (f"(around {number(flexion)} deg forward)." if known else
                   f"(tilted about {number(flexion)} deg from upright; forward direction unknown)."))

    def _end(self, end_s: float) -> None:
        if self._open is not None:
            self._open.close(end_s, critical_factor=self.settings.critical_factor)
            self._open.message = self._message(held_for_s(self._open))  # the time really held
            self._blocked_until_s = end_s + self.settings.cooldown_s
            self._open = None
        self.anchor = None

"""Steps 6-10 over 10 Hz frames, live and offline alike: the neutral re-check, angles in the
calibrated frames, left/right, side and wear evidence, detectors, the timeline and the result.

``FrameAnalysis.process`` takes the sensor-frame frames of steps 1-4 and 8 in time order (the
live engine as they come, offline analysis from the frame store once calibration has seen the
whole recording) and returns the alerts raised meanwhile.
"""

from __future__ import annotations

import numpy as np

from processing.alerts import Alert, AlertKind
from processing.calibration import Calibration, Recalibration
from processing.calibration_schedule import CalibrationSchedule
from processing.clock_sync import ClockSync
from processing.data_quality import (
    NON_WEAR_GYRO_DPS,
    NON_WEAR_MIN_S,
    NON_WEAR_TILT_DEG,
    DataQuality,
    long_gaps,
    mounting_notes,
    saturation,
    still_spans,
)
from processing.detectors import AlertCounter, posture_detectors
from processing.frame_store import SensorFrames
from processing.frame_table import FrameTable, StoredTimeline, build_frame_table
from processing.frames import SideFrames
from processing.input.sources import Source
from processing.neutral import NeutralWatch
from processing.rest import NoRestDetector, ProlongedStaticDetector
from processing.result import AnalysisResult, SideInfo
from processing.settings import Settings
from processing.side_check import SideCheckEstimator, unavailable
from processing.summary import summarise


class FrameAnalysis:
    """The method after the frames, with every step's state kept between calls."""

    def __init__(self, sides: tuple[str, ...], calibration: Calibration, settings: Settings, *, frame_rate_hz: float,
                 start_s: float, recheck_neutral: bool = True) -> None:
        """``start_s``: the recording's first sample; ``recheck_neutral`` False when the
        calibrations over time are already known (the monitor wrote them into the recording)."""
        self.sides, self.settings, self.frame_rate_hz = tuple(sides), settings, frame_rate_hz
        self.schedule = CalibrationSchedule(calibration)
        self.neutral = (NeutralWatch(self.schedule, self.sides, frame_rate_hz=frame_rate_hz, settings=settings.neutral)
                        if recheck_neutral else None)
        self.analysis_start_s = calibration.analysis_start_s if calibration.window_s else start_s
        counter = AlertCounter()
        self.no_rest = NoRestDetector(settings.alerts, counter, break_min_s=settings.activity.break_min_s,
                                      start_s=self.analysis_start_s)
        self.static = ProlongedStaticDetector(settings.alerts, counter)
        self.detectors = [*posture_detectors(settings.alerts, counter), self.no_rest, self.static]
        self.side_check = SideCheckEstimator(frame_rate_hz=frame_rate_hz)
        self.tables = StoredTimeline()  # on disk: the closing summary reads it back (memory flat with length)
        self.last_table: FrameTable | None = None  # the latest step's frames (the live view shows them)
        self.motionless = {side: _Flags() for side in self.sides}
        self.withdrawn: list[Alert] = []  # lr_asymmetry alerts a slipped sensor caused (not the wearer)

    @property
    def calibration(self) -> Calibration:
        """The calibration with every change adopted so far."""
        return self.schedule.calibration()

    def current(self) -> Calibration:
        """The calibration in force now, as one Calibration (for the steps that take one)."""
        return Calibration({side: self.schedule.current(side) for side in self.sides}, self.schedule.initial.window_s,
                           self.schedule.initial.method)

    def process(self, part: SensorFrames) -> list[Alert]:
        """Steps 6-9 over a part's frames; the alerts raised meanwhile."""
        slips = [] if self.neutral is None else self.neutral.process(part.time_s, part.sides,  # neutral re-check
                                                                      part.movement.moving)
        table = build_frame_table(part.time_s, part.sides, self.schedule,            # calibrated angles, L/R
                                  moving=part.movement.moving, intensity_g=part.movement.intensity_g)
        self.tables.append(table)
        self.last_table = table
        self._watch_quality(part.sides)                                             # swap, non-wear evidence
        analysed = table.slice(int(np.searchsorted(table.time_s, self.analysis_start_s)))
        raised = [alert for d in self.detectors for alert in d.process(analysed)] if len(analysed) else []
        for slip in slips:                                                          # not the wearer's asymmetry
            self.withdrawn += self._withdraw_asymmetry(slip)
        return [alert for alert in raised if alert not in self.withdrawn]           # alerts + guidance

    def _withdraw_asymmetry(self, slip: Recalibration) -> list[Alert]:
        """A left/right difference that began when a sensor slipped is the sensor's, not the
        wearer's: its lr_asymmetry alert (raised before the slip was confirmed) is withdrawn."""
        since_s = (slip.since_s if slip.since_s is not None else slip.time_s) - self.settings.neutral.window_s
        withdrawn = []
        for detector in self.detectors:
            if getattr(detector, "kind", None) == AlertKind.LR_ASYMMETRY:
                caused = [a for a in detector.records if since_s <= a.since_s and a.start_s <= slip.time_s]
                detector.records = [a for a in detector.records if a not in caused]
                withdrawn += caused
        return withdrawn

    def _watch_quality(self, frames: dict[str, SideFrames]) -> None:
        now = self.current()
        self.side_check.update(frames, now)
        for side, f in frames.items():
            up = f.gravity @ now.sides[side].rotation[0]
            tilt_deg = np.degrees(np.arccos(np.clip(up / np.maximum(np.linalg.norm(f.gravity, axis=1), 1e-9), -1, 1)))
            still = (f.gyro_abs_dps < NON_WEAR_GYRO_DPS) & (tilt_deg > NON_WEAR_TILT_DEG)
            self.motionless[side].append(f.valid & still)

    def timeline(self) -> FrameTable:
        return self.tables.table()

    def result(self, source: Source, sides: dict[str, SideInfo], *, grid_rate_hz: float,
               clock: ClockSync | None = None, swapped: bool = False) -> AnalysisResult:
        """Summary, alerts and timeline once every frame has been through; ``sides`` as the
        streaming steps saw them (samples, rate, gaps)."""
        table = self.timeline()
        analysed = table.slice(int(np.searchsorted(table.time_s, self.analysis_start_s)))
        self.no_rest.finish(float(table.time_s[-1]) if len(table) else self.analysis_start_s)
        alerts = sorted((a for d in self.detectors for a in d.records), key=lambda a: (a.start_s, a.kind))
        calibration = self.calibration
        summary = summarise(analysed, frame_s=1.0 / self.frame_rate_hz, breaks=self.no_rest.breaks,
                            alerts=alerts, settings=self.settings, sides_present=self.sides)
        info = source.info
        return AnalysisResult(
            source=info.source, time_base=info.time_base, duration_s=source.end_s - source.start_s,
            sides=sides, grid_rate_hz=grid_rate_hz, calibration=calibration, summary=summary, alerts=tuple(alerts),
            settings=self.settings, timeline=table, warnings=info.warnings, skipped_rows=info.skipped_rows,
            metadata=dict(info.metadata), marks=info.marks,
            data_quality=self._data_quality(source, sides, calibration, clock=clock, swapped=swapped,
                                            time_s=table.time_s))

    def _data_quality(self, source: Source, sides: dict[str, SideInfo], calibration: Calibration, *,
                      clock: ClockSync | None, swapped: bool, time_s: np.ndarray) -> DataQuality:
        check = (self.side_check.result() if len(self.sides) == 2
                 else unavailable("only one sensor: nothing to compare"))
        non_wear = {side: still_spans(time_s, flags.array(), min_s=NON_WEAR_MIN_S)
                    for side, flags in self.motionless.items() if flags.appended}
        return DataQuality(
            clock=clock, sides=check, swapped_on_request=swapped, mounting=mounting_notes(calibration),
            saturation=saturation(source.saturation), non_wear={k: v for k, v in non_wear.items() if v},
            long_gaps=long_gaps({side: info.gaps for side, info in sides.items()}),
            skipped_rows=source.info.skipped_rows, warnings=source.info.warnings)


class _Flags:
    """A flag per frame, appended a step at a time into one buffer that doubles: a byte a frame
    (a list of each step's small array took about 40 bytes a frame, 3 MB an hour live)."""

    def __init__(self) -> None:
        self._buffer, self._n, self.appended = np.empty(1024, dtype=bool), 0, 0

    def append(self, flags: np.ndarray) -> None:
        end = self._n + flags.size
        if end > self._buffer.size:
            bigger = np.empty(max(2 * self._buffer.size, end), dtype=bool)
            bigger[:self._n] = self._buffer[:self._n]
            self._buffer = bigger
        self._buffer[self._n:end] = flags
        self._n, self.appended = end, self.appended + 1

    def array(self) -> np.ndarray:
        return self._buffer[:self._n]

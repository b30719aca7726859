"""The method, step by step: one engine for live monitoring and offline analysis.

    samples -> align -> filter -> orientation -> frames -> calibrate + angles
            -> left/right comparison, activity -> detectors -> alerts + guidance -> summary

``Engine`` takes samples as they come (``push``) and advances when told how far the data are
complete (``step``); the live monitor calls it with notifications, ``analyze_session`` with a
recorded file in large slices. Both end in the same ``AnalysisResult``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from processing.activity import MovementDetector
from processing.alerts import Alert
from processing.align import AlignedChunk, Aligner, SideChunk, gap_threshold_s, grid_rate_hz, measure_rate_hz
from processing.calibration import Calibration, CalibrationFrames, calibrate
from processing.clock_sync import ClockSync, estimate_clock, right_on_left_clock
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
from processing.filters import StreamingLowpass
from processing.frame_table import FrameTable, TimelineBuffer, build_frame_table
from processing.frames import SideFrames, concat_frames, frame_times_s, make_frames
from processing.input.sources import Reader, Source, from_session
from processing.input.spool import BLOCK_BYTES, spooled
from processing.orientation import GravityFusion
from processing.rest import NoRestDetector, ProlongedStaticDetector
from processing.result import AnalysisResult, SideInfo
from processing.settings import Settings
from processing.side_check import SideCheckEstimator, unavailable
from processing.summary import summarise
from sensors.errors import BackmonError
from sensors.limits import MAX_SPAN_S, MEASURED_RATE_HZ
from sensors.samples import SIDES, Session
from sensors.standing_thread import StandingThread

PARALLEL_SAMPLES = 10_000  # grid points per step from which the two sides run on two threads
RATE_SAMPLES = 1 << 16  # a side's rate is measured on its first samples (11 min at 100 Hz)
_SIDE_THREAD = StandingThread("backmon-side")  # the right side's steps while this thread runs the left's


@dataclass(frozen=True)
class StreamPlan:
    """What the engine must know before the first sample: sides, rates, grid, start."""

    sides: tuple[str, ...]  # the sides present
    side_rates_hz: dict[str, float]
    gap_s: dict[str, float]
    grid_rate_hz: float
    start_s: float
    frame_rate_hz: float

    @property
    def block(self) -> int:
        return int(round(self.grid_rate_hz / self.frame_rate_hz))


def plan_stream(side_rates_hz: dict[str, float], *, start_s: float, settings: Settings) -> StreamPlan:
    """Grid and gap thresholds for sides with these measured (or configured) rates."""
    a = settings.align
    gaps = {side: gap_threshold_s(rate, max_interpolated_samples=a.max_interpolated_samples)
            for side, rate in side_rates_hz.items()}
    for side in SIDES:  # an absent side never gets samples; any threshold will do
        gaps.setdefault(side, max(gaps.values()))
    grid = grid_rate_hz(list(side_rates_hz.values()), frame_rate_hz=a.frame_rate_hz)
    return StreamPlan(tuple(side_rates_hz), dict(side_rates_hz), gaps, grid, start_s, a.frame_rate_hz)


class SideChain:
    """Steps 2-4 for one sensor: low-pass filters, gravity fusion, 10 Hz frames."""

    def __init__(self, plan: StreamPlan, settings: Settings) -> None:
        f, rate = settings.fusion, plan.grid_rate_hz
        self.block = plan.block
        self.prefilter = StreamingLowpass(cutoff_hz=f.accel_cutoff_hz, rate_hz=rate,
                                          max_cutoff_fraction=f.max_cutoff_fraction)
        self.activity_filter = StreamingLowpass(cutoff_hz=settings.activity.lowpass_hz, rate_hz=rate,
                                                max_cutoff_fraction=f.max_cutoff_fraction)
        self.fusion = GravityFusion(rate_hz=rate, settings=f)

    def process(self, chunk: SideChunk) -> SideFrames:
        accel = self.prefilter.process(chunk.accel_g, reset=chunk.reset)
        fused = self.fusion.process(accel, chunk.gyro_dps, reset=chunk.reset)
        accel_lp = self.activity_filter.process(chunk.accel_g, reset=chunk.reset)
        return make_frames(block=self.block, valid=chunk.valid, gravity=fused.gravity,
                           gyro_dps=fused.gyro_dps, accel_lp_g=accel_lp)


class FrameSource:
    """Steps 1-4: samples in, per-side 10 Hz frames out."""

    def __init__(self, plan: StreamPlan, settings: Settings) -> None:
        self.plan = plan
        self.aligner = Aligner(start_s=plan.start_s, rate_hz=plan.grid_rate_hz, gap_s=plan.gap_s, block=plan.block)
        self.chains = {side: SideChain(plan, settings) for side in plan.sides}

    def push(self, side: str, time_s: np.ndarray, accel_g: np.ndarray, gyro_dps: np.ndarray) -> None:
        self.aligner.push(side, time_s, accel_g, gyro_dps)

    def step(self, complete_s: float, *, final: bool = False) -> tuple[np.ndarray, dict[str, SideFrames]] | None:
        chunk: AlignedChunk | None = self.aligner.pull(complete_s, final=final)
        if chunk is None:
            return None
        if len(self.chains) == 2 and chunk.time_s.size >= PARALLEL_SAMPLES:
            # The sides are independent, and their compiled and scipy steps release the GIL.
            right = _SIDE_THREAD.submit(self.chains["right"].process, chunk.sides["right"])
            frames = {"left": self.chains["left"].process(chunk.sides["left"]), "right": right.result()}
        else:
            frames = {side: chain.process(chunk.sides[side]) for side, chain in self.chains.items()}
        return frame_times_s(chunk.time_s, self.plan.block), frames


class Engine:
    """The whole method over a stream of samples, with every step's state kept between calls."""

    def __init__(self, plan: StreamPlan, calibration: Calibration, settings: Settings, *,
                 expected_s: float = 0.0) -> None:
        """``expected_s``: how long the recording is, when known (sizes the timeline once)."""
        self.plan, self.calibration, self.settings = plan, calibration, settings
        self.source = FrameSource(plan, settings)
        self.movement = MovementDetector(frame_rate_hz=plan.frame_rate_hz, samples_per_frame=plan.block,
                                         settings=settings.activity, sides=plan.sides)
        self.analysis_start_s = calibration.analysis_start_s if calibration.window_s else plan.start_s
        counter = AlertCounter()
        self.no_rest = NoRestDetector(settings.alerts, counter, break_min_s=settings.activity.break_min_s,
                                      start_s=self.analysis_start_s)
        self.static = ProlongedStaticDetector(settings.alerts, counter)
        self.detectors = [*posture_detectors(settings.alerts, counter), self.no_rest, self.static]
        self.side_check = SideCheckEstimator(frame_rate_hz=plan.frame_rate_hz)
        self.tables = TimelineBuffer(int(expected_s * plan.frame_rate_hz) + 2)
        self.last_table: FrameTable | None = None  # the latest step's frames (the live view shows them)
        self.motionless: dict[str, list[np.ndarray]] = {side: [] for side in plan.sides}

    def push(self, side: str, time_s: np.ndarray, accel_g: np.ndarray, gyro_dps: np.ndarray) -> None:
        self.source.push(side, time_s, accel_g, gyro_dps)

    def step(self, complete_s: float, *, final: bool = False) -> list[Alert]:
        """Process what is complete up to ``complete_s``; return the alerts raised meanwhile."""
        stepped = self.source.step(complete_s, final=final)                  # align, filter, fuse, frames
        if stepped is None:
            return []
        time_s, frames = stepped
        movement = self.movement.process(frames)                             # moving or still
        table = build_frame_table(time_s, frames, self.calibration,          # calibrate, angles, L/R
                                  moving=movement.moving, intensity_g=movement.intensity_g)
        self.tables.append(table)
        self.last_table = table
        self._watch_quality(frames)                                          # swap, non-wear evidence
        analysed = table.slice(int(np.searchsorted(table.time_s, self.analysis_start_s)))
        if not len(analysed):
            return []
        return [alert for d in self.detectors for alert in d.process(analysed)]  # alerts + guidance

    def _watch_quality(self, frames: dict[str, SideFrames]) -> None:
        self.side_check.update(frames, self.calibration)
        for side, f in frames.items():
            up = f.gravity @ self.calibration.sides[side].rotation[0]
            tilt_deg = np.degrees(np.arccos(np.clip(up / np.maximum(np.linalg.norm(f.gravity, axis=1), 1e-9), -1, 1)))
            still = (f.gyro_abs_dps < NON_WEAR_GYRO_DPS) & (tilt_deg > NON_WEAR_TILT_DEG)
            self.motionless[side].append(f.valid & still)

    def data_quality(self, source: Source, *, clock: ClockSync | None, swapped: bool,
                     time_s: np.ndarray) -> DataQuality:
        sides = {side: self._side_info(source, side) for side in SIDES}
        check = (self.side_check.result() if len(self.plan.sides) == 2
                 else unavailable("only one sensor: nothing to compare"))
        non_wear = {side: still_spans(time_s, np.concatenate(parts), min_s=NON_WEAR_MIN_S)
                    for side, parts in self.motionless.items() if parts}
        return DataQuality(
            clock=clock, sides=check, swapped_on_request=swapped, mounting=mounting_notes(self.calibration),
            saturation=saturation(source.saturation), non_wear={k: v for k, v in non_wear.items() if v},
            long_gaps=long_gaps({side: info.gaps for side, info in sides.items()}),
            skipped_rows=source.info.skipped_rows, warnings=source.info.warnings)

    def timeline(self) -> FrameTable:
        return self.tables.table()

    def result(self, source: Source | Session, *, clock: ClockSync | None = None,
               swapped: bool = False) -> AnalysisResult:
        """Summary, alerts and timeline once every sample has been stepped through."""
        source = from_session(source) if isinstance(source, Session) else source
        table = self.timeline()
        analysed = table.slice(int(np.searchsorted(table.time_s, self.analysis_start_s)))
        self.no_rest.finish(float(table.time_s[-1]) if len(table) else self.analysis_start_s)
        alerts = sorted((a for d in self.detectors for a in d.records), key=lambda a: (a.start_s, a.kind))
        summary = summarise(analysed, frame_s=1.0 / self.plan.frame_rate_hz, breaks=self.no_rest.breaks,
                            alerts=alerts, settings=self.settings, sides_present=self.plan.sides)
        info = source.info
        return AnalysisResult(
            source=info.source, time_base=info.time_base, duration_s=source.end_s - source.start_s,
            sides={side: self._side_info(source, side) for side in SIDES}, grid_rate_hz=self.plan.grid_rate_hz,
            calibration=self.calibration, summary=summary, alerts=tuple(alerts), settings=self.settings,
            timeline=table, warnings=info.warnings, skipped_rows=info.skipped_rows,
            metadata=dict(info.metadata), marks=info.marks,
            data_quality=self.data_quality(source, clock=clock, swapped=swapped, time_s=table.time_s))

    def _side_info(self, source: Source, side: str) -> SideInfo:
        span = source.spans.get(side)
        if span is None:
            return SideInfo(False, 0, None, None, None, ())
        gaps = tuple((g.start_s, g.end_s) for g in self.source.aligner.gaps(side))
        return SideInfo(True, span.samples, self.plan.side_rates_hz[side], span.first_s, span.last_s, gaps)


def feed(engine: Engine | FrameSource, reader: Reader, *, end_s: float, chunk_s: float,
         until_s: float | None = None):
    """Push samples from ``reader`` through ``engine`` in slices of ``chunk_s``; yield each step's output."""
    if until_s is not None:
        end_s = min(end_s, until_s)
    t = engine.plan.start_s
    while t < end_s:
        upper = min(t + chunk_s, end_s)
        final = upper >= end_s
        for side in engine.plan.sides:
            time_s, accel_g, gyro_dps = reader.take(side, upper, inclusive=final)
            if time_s.size:
                engine.push(side, time_s, accel_g, gyro_dps)
        yield engine.step(upper, final=final)
        t = upper


def plan_for_source(source: Source, settings: Settings) -> StreamPlan:
    span_s = source.end_s - source.start_s
    if not span_s <= MAX_SPAN_S:  # a corrupt time stamp would make a grid of millions of hours
        raise BackmonError(f"{source.info.source}: the session spans {span_s / 3600:.0f} hours; at most "
                           f"{MAX_SPAN_S / 3600:.0f} can be analysed at once (is a time stamp wrong?)")
    reader = source.reader()
    rates = {side: measure_rate_hz(_first_times(reader, side)) for side in source.sides}
    low_hz, high_hz = MEASURED_RATE_HZ
    for side, rate_hz in rates.items():
        if not low_hz <= rate_hz <= high_hz:
            raise BackmonError(f"{source.info.source}: the {side} side's samples come at {rate_hz:.3g} Hz, outside the "
                               f"{low_hz:g}-{high_hz:g} Hz a sensor streams at (is time_s in seconds, and undamaged?)")
    return plan_stream(rates, start_s=source.start_s, settings=settings)


def _first_times(reader: Reader, side: str) -> np.ndarray:
    """The times of a side's first RATE_SAMPLES samples: the rate is measured on them (a long
    recording's rate is its sensor's; what matters is that every path measures it alike)."""
    parts, n = [], 0
    while n < RATE_SAMPLES and (chunk := reader.take_next(side)) is not None:
        parts.append(chunk[0])
        n += chunk[0].size
    return np.concatenate(parts)[:RATE_SAMPLES]


def find_calibration(source: Source, plan: StreamPlan, settings: Settings,
                     window_s: tuple[float, float] | None) -> Calibration:
    """Calibration from the window (or the first minutes, searched automatically)."""
    c = settings.calibration
    until = window_s[1] if window_s else plan.start_s + c.auto_search_s
    frame_source = FrameSource(plan, settings)
    parts = [out for out in feed(frame_source, source.reader(), end_s=source.end_s, chunk_s=60.0, until_s=until)
             if out is not None]
    if not parts:
        return calibrate({}, window_s=window_s, frame_rate_hz=plan.frame_rate_hz, settings=c)
    time_s = np.concatenate([p[0] for p in parts])
    frames = {}
    for side in plan.sides:
        f = concat_frames([p[1][side] for p in parts])
        frames[side] = CalibrationFrames(time_s, f.gravity, f.gyro_abs_dps, f.valid)
    return calibrate(frames, window_s=window_s, frame_rate_hz=plan.frame_rate_hz, settings=c)


def analyze_source(source: Source, *, settings: Settings | None = None,
                   calibration_window_s: tuple[float, float] | None = None, chunk_s: float = 300.0,
                   swap_sides: bool = False, progress: Callable[[float], None] | None = None) -> AnalysisResult:
    """Analyse a whole recording; the calibration window defaults to the file's.

    ``progress`` (optional) is called with the fraction of the recording done after each chunk.
    """
    settings = settings or Settings()
    if swap_sides:
        source = source.swapped()
    clock = None
    if len(source.sides) == 2:
        clock = estimate_clock(source, settings.clock)                           # shared clock
        if (time_map := right_on_left_clock(clock)) is not None:
            source = source.with_time_map("right", time_map)
    plan = plan_for_source(source, settings)
    window = calibration_window_s or source.info.calibration_window_s
    calibration = find_calibration(source, plan, settings, window)               # body frames
    span_s = max(source.end_s - source.start_s, 1e-9)
    engine = Engine(plan, calibration, settings, expected_s=span_s)
    for _ in feed(engine, source.reader(), end_s=source.end_s, chunk_s=chunk_s):  # the method
        if progress is not None:
            progress(min(1.0, (engine.source.aligner.next_time_s - plan.start_s) / span_s))
    return engine.result(source, clock=clock, swapped=swap_sides)


def analyze_session(session: Session, *, settings: Settings | None = None,
                    calibration_window_s: tuple[float, float] | None = None, chunk_s: float = 300.0,
                    swap_sides: bool = False, progress: Callable[[float], None] | None = None) -> AnalysisResult:
    """Analyse a session in memory (the keywords as for ``analyze_source``)."""
    return analyze_source(from_session(session), settings=settings, calibration_window_s=calibration_window_s,
                          chunk_s=chunk_s, swap_sides=swap_sides, progress=progress)


def analyze_file(path, *, settings: Settings | None = None, calibration_window_s: tuple[float, float] | None = None,
                 swap_sides: bool = False, progress: Callable[[float], None] | None = None,
                 block_bytes: int = BLOCK_BYTES) -> AnalysisResult:
    """Read a session CSV v1 file and analyse it, in memory bounded by the block size: the file
    is read once into a spool on disk (processing.input.spool) and streamed from there.

    ``progress`` (optional) gets the fraction done: reading counts as the first third."""
    read_part = (lambda f: progress(f / 3)) if progress else None
    with spooled(path, block_bytes=block_bytes, progress=read_part) as source:
        rest = (lambda f: progress(1 / 3 + 2 * f / 3)) if progress else None
        return analyze_source(source, settings=settings, calibration_window_s=calibration_window_s,
                              swap_sides=swap_sides, progress=rest)

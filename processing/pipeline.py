"""The method, step by step: one engine for live monitoring and offline analysis.

    samples -> align -> filter -> orientation -> frames, activity -> calibrate
            -> neutral re-check -> angles -> left/right comparison -> detectors -> alerts + guidance -> summary

``Engine`` takes samples as they come (``push``) and advances when told how far the data are
complete (``step``); the live monitor calls it with notifications and a calibration found so
far. ``analyze_source`` runs the heavy steps once over a recording, keeps their frames, finds
the calibration from the whole recording, then runs the rest over the kept frames
(processing.frame_analysis, the same objects the engine runs). Both end in the same
``AnalysisResult``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from processing.activity import MovementDetector
from processing.alerts import Alert
from processing.align import AlignedChunk, Aligner, SideChunk, gap_threshold_s, grid_rate_hz, measure_rate_hz
from processing.calibration import Calibration, CalibrationMethod, CalibrationWindowError, calibrate, check_window
from processing.calibration_schedule import recorded_calibration
from processing.clock_sync import ClockSync, estimate_clock, right_on_left_clock
from processing.file_analysis import analyze_file  # noqa: F401 - its home before; read while this module loads
from processing.filters import StreamingLowpass
from processing.frame_analysis import FrameAnalysis
from processing.frame_store import FileFrameStore, FrameStore, SensorFrames
from processing.frames import SideFrames, frame_times_s, make_frames
from processing.input.sources import Reader, Source, from_session
from processing.orientation import GravityFusion
from processing.result import AnalysisResult, SideInfo
from processing.settings import Settings
from processing.slip_epochs import calibrate_across_slips
from sensors.errors import BackmonError
from sensors.limits import MAX_SPAN_S, MEASURED_RATE_HZ
from sensors.samples import SIDES, Session
from sensors.standing_thread import StandingThread

PARALLEL_SAMPLES = 10_000  # grid points per step from which the two sides run on two threads
PART_S = 300.0  # the kept frames are re-read this many seconds at a time (the neutral re-check's dry run)
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


class SensorSteps:
    """Steps 1-4 and 8: samples in, each side's 10 Hz frames (in its sensor's axes) and the
    movement verdicts out. Nothing here depends on calibration."""

    def __init__(self, plan: StreamPlan, settings: Settings) -> None:
        self.plan = plan
        self.source = FrameSource(plan, settings)
        self.movement = MovementDetector(frame_rate_hz=plan.frame_rate_hz, samples_per_frame=plan.block,
                                         settings=settings.activity, sides=plan.sides)

    def push(self, side: str, time_s: np.ndarray, accel_g: np.ndarray, gyro_dps: np.ndarray) -> None:
        self.source.push(side, time_s, accel_g, gyro_dps)

    def step(self, complete_s: float, *, final: bool = False) -> SensorFrames | None:
        stepped = self.source.step(complete_s, final=final)                 # align, filter, fuse, frames
        if stepped is None:
            return None
        time_s, frames = stepped
        return SensorFrames(time_s, frames, self.movement.process(frames))  # moving or still

    def side_infos(self, source: Source) -> dict[str, SideInfo]:
        """Samples, rate and gaps of every side, as these steps saw them."""
        out = {}
        for side in SIDES:
            span = source.spans.get(side)
            if span is None:
                out[side] = SideInfo(False, 0, None, None, None, ())
                continue
            gaps = tuple((g.start_s, g.end_s) for g in self.source.aligner.gaps(side))
            out[side] = SideInfo(True, span.samples, self.plan.side_rates_hz[side], span.first_s, span.last_s, gaps)
        return out


class Engine:
    """The whole method over a stream of samples (live), with every step's state kept between calls."""

    def __init__(self, plan: StreamPlan, calibration: Calibration, settings: Settings) -> None:
        self.plan, self.settings = plan, settings
        self.sensors = SensorSteps(plan, settings)
        self.analysis = FrameAnalysis(plan.sides, calibration, settings, frame_rate_hz=plan.frame_rate_hz,
                                      start_s=plan.start_s)
        self.last_part: SensorFrames | None = None  # the latest step's sensor frames (live calibration reads them)

    @property
    def calibration(self) -> Calibration:
        return self.analysis.calibration

    def push(self, side: str, time_s: np.ndarray, accel_g: np.ndarray, gyro_dps: np.ndarray) -> None:
        self.sensors.push(side, time_s, accel_g, gyro_dps)

    def step(self, complete_s: float, *, final: bool = False) -> list[Alert]:
        """Process what is complete up to ``complete_s``; return the alerts raised meanwhile."""
        part = self.sensors.step(complete_s, final=final)  # steps 1-4, 8
        if part is None:
            return []
        self.last_part = part
        return self.analysis.process(part)  # steps 5-9

    def result(self, source: Source | Session, *, clock: ClockSync | None = None,
               swapped: bool = False) -> AnalysisResult:
        """Summary, alerts and timeline once every sample has been stepped through."""
        source = from_session(source) if isinstance(source, Session) else source
        return self.analysis.result(source, self.sensors.side_infos(source), grid_rate_hz=self.plan.grid_rate_hz,
                                    clock=clock, swapped=swapped)


def feed(engine: Engine | SensorSteps | FrameSource, reader: Reader, *, end_s: float, chunk_s: float,
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


def find_calibration(store: FrameStore | FileFrameStore, source: Source, *, frame_rate_hz: float, settings: Settings,
                     window_s: tuple[float, float] | None) -> tuple[Calibration, bool]:
    """Body frames from the whole recording: the ``--calibrate`` window (``window_s``); else the
    monitor's own calibrations written into the file; else the file's ``calibration_s`` window;
    else automatically. A window must lie inside the recording and hold a still, near-upright
    stretch: otherwise one error says why. Also says whether the neutral must be re-checked
    (not for the monitor's calibrations, nor when automatic calibration re-checked it already)."""
    c, frames, info = settings.calibration, store.calibration_frames(), source.info
    where = "--calibrate"
    if window_s is None:
        recorded = recorded_calibration(info.calibrations, store.sides, info.calibration_window_s)
        if recorded is not None:
            return recorded, False
        window_s, where = info.calibration_window_s, f"{info.source}: calibration_s"
    if window_s is not None and len(store):
        try:
            check_window(frames, window_s, frame_rate_hz=frame_rate_hz, settings=c)
        except CalibrationWindowError as err:
            raise CalibrationWindowError(f"{where}: {err}") from None
    calibration = calibrate(frames if len(store) else {}, window_s=window_s, frame_rate_hz=frame_rate_hz, settings=c)
    if calibration.method != CalibrationMethod.AUTOMATIC:
        return calibration, True
    return calibrate_across_slips(store, calibration, frame_rate_hz=frame_rate_hz, settings=settings,
                                  part_frames=int(round(PART_S * frame_rate_hz)))


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
    span_s = max(source.end_s - source.start_s, 1e-9)
    sensors = SensorSteps(plan, settings)
    with contextlib.closing(FileFrameStore(plan.sides)) as store:  # on disk: memory the same for any length
        for part in feed(sensors, source.reader(), end_s=source.end_s, chunk_s=chunk_s):  # steps 1-4, 8, once
            if part is not None:
                store.append(part)
            if progress is not None:
                progress(min(1.0, (sensors.source.aligner.next_time_s - plan.start_s) / span_s))
        calibration, recheck = find_calibration(store, source, frame_rate_hz=plan.frame_rate_hz,  # body frames
                                                settings=settings, window_s=calibration_window_s)
        analysis = FrameAnalysis(plan.sides, calibration, settings, frame_rate_hz=plan.frame_rate_hz,
                                 start_s=plan.start_s, recheck_neutral=recheck)
        for part in store.parts(int(round(chunk_s * plan.frame_rate_hz))):           # the method over the frames
            analysis.process(part)
    return analysis.result(source, sensors.side_infos(source), grid_rate_hz=plan.grid_rate_hz, clock=clock,
                           swapped=swap_sides)


def analyze_session(session: Session, *, settings: Settings | None = None,
                    calibration_window_s: tuple[float, float] | None = None, chunk_s: float = 300.0,
                    swap_sides: bool = False, progress: Callable[[float], None] | None = None) -> AnalysisResult:
    """Analyse a session in memory (the keywords as for ``analyze_source``)."""
    return analyze_source(from_session(session), settings=settings, calibration_window_s=calibration_window_s,
                          chunk_s=chunk_s, swap_sides=swap_sides, progress=progress)

"""The processing Engine fed live: the same objects ``backmon analyze`` runs, one step at a time.

Phases: *starting* (samples are kept until every side has ``plan_after_s`` of data; their rates
are measured as analysis measures them, and the stream plan starts at the first sample, as it
does for the recording), *calibrating* (the guided routine, ``CalibrationGuide``; or, without a
routine, the frames so far calibrated as analysis calibrates a whole recording until "up" is
found, ``CalibrationRefiner``), then *monitoring*: an ``Engine`` with that calibration takes
every sample kept so far, then each block as it comes; ``step`` returns the alerts raised
meanwhile. While monitoring, the calibration grows surer as the wearer moves (the forward
direction from the first bends) and the neutral re-check corrects a slipped sensor; every
calibration adopted is handed out once (``calibration_lines``) for the recording, where
analysis honours it. Samples are kept compactly (32 bytes each) only until the engine has taken
them all from the first (the plan's rates, the calibration, the replay); from then on a side keeps
what the session summary at the end needs of them (count, first and last time, largest readings),
so memory stays flat over a shift (it grew by 23 MB an hour). The summary is ``Engine.result``,
the same as ``backmon analyze`` prints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from backmon.live.calibration_guide import CalibrationGuide, CalibrationGuideSettings, GuideEvent
from backmon.live.calibration_refiner import CalibrationRefiner, describe
from processing.alerts import Alert
from processing.align import measure_rate_hz
from processing.calibration import Calibration, CalibrationMethod, Recalibration, nominal
from processing.calibration_frames import rotation_angle_deg
from processing.frame_store import SensorFrames
from processing.frames import concat_frames
from processing.input.saturation import SaturationWatch
from processing.input.sources import ArrayStore, Source
from processing.pipeline import Engine, SensorSteps, plan_stream
from processing.result import AnalysisResult
from processing.settings import Settings
from sensors.ble.stream import SampleBlock
from sensors.samples import SIDES, TimeBase
from sensors.session.stream import SessionInfo, SideSummary

PLAN_AFTER_S = 3.0  # seconds of data per side before its rate is measured
COMPACT_EVERY = 256  # blocks gathered before they are packed into one array


class _SideStore:
    """One side's samples: time (float64) and accel + gyro (float32), packed in chunks, until
    ``release``; always their count, first and last time and largest readings (``watch``)."""

    def __init__(self, side: str, watch: SaturationWatch) -> None:
        self.side, self.watch = side, watch
        self.chunks: list[tuple[np.ndarray, np.ndarray]] = []
        self.pending: list[SampleBlock] = []
        self.count = 0
        self.first_s: float | None = None
        self.last_s: float | None = None
        self.released = False

    def add(self, block: SampleBlock) -> None:
        self.pending.append(block)
        self.count += len(block)
        self.first_s = float(block.time_s[0]) if self.first_s is None else self.first_s
        self.last_s = float(block.time_s[-1])
        if len(self.pending) >= COMPACT_EVERY:
            self._pack()

    def release(self) -> None:
        """Keep no more samples (the engine has them all): memory stays flat from here on."""
        self._pack()
        self.chunks, self.released = [], True

    def _pack(self) -> None:
        if self.pending:
            values = np.empty((sum(len(b) for b in self.pending), 6), dtype=np.float32)
            values[:, :3] = np.concatenate([b.accel_g for b in self.pending])
            values[:, 3:] = np.concatenate([b.gyro_dps for b in self.pending])
            wide = values.astype(np.float64)  # the readings as kept (and replayed): float32
            self.watch.update(self.side, wide[:, :3], wide[:, 3:])
            if not self.released:
                self.chunks.append((np.concatenate([b.time_s for b in self.pending]), values))
            self.pending = []

    @property
    def span_s(self) -> float:
        return 0.0 if self.first_s is None else self.last_s - self.first_s

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(time_s (n,), values (n, 6): accel_g then gyro_dps), every sample so far (before ``release``)."""
        if self.released:
            raise RuntimeError(f"the {self.side} samples were released")
        self._pack()
        if not self.chunks:
            return np.empty(0), np.empty((0, 6))
        if len(self.chunks) > 1:
            self.chunks = [(np.concatenate([t for t, _ in self.chunks]), np.concatenate([v for _, v in self.chunks]))]
        t, v = self.chunks[0]
        return t, v.astype(np.float64)


def _joined(blocks: list[SampleBlock]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(blocks) == 1:
        return blocks[0].time_s, blocks[0].accel_g, blocks[0].gyro_dps
    return (np.concatenate([b.time_s for b in blocks]), np.concatenate([b.accel_g for b in blocks]),
            np.concatenate([b.gyro_dps for b in blocks]))


@dataclass
class LiveUpdate:
    """What one step produced: alerts raised, things to tell the wearer; for the coach, the
    slips the neutral re-check corrected and the alerts it withdrew, and whether a
    recalibration the wearer asked for ended (adopted or not)."""

    alerts: list[Alert] = field(default_factory=list)
    events: list[GuideEvent] = field(default_factory=list)
    slips: list[Recalibration] = field(default_factory=list)
    withdrawn: list[Alert] = field(default_factory=list)
    recalibrated: bool = False


class EngineFrames:
    """The running engine's frames (sensor axes) as a CalibrationGuide's source: a guided
    recalibration while monitoring judges the very frames the engine analyses."""

    def __init__(self) -> None:
        self.parts: list[SensorFrames] = []

    def add(self, part: SensorFrames) -> None:
        self.parts.append(part)

    def push(self, *args) -> None:  # the engine already has the samples
        return None

    def step(self, complete_s: float):
        if not self.parts:
            return None
        parts, self.parts = self.parts, []
        time_s = np.concatenate([p.time_s for p in parts])
        return time_s, {side: concat_frames([p.sides[side] for p in parts]) for side in parts[0].sides}


@dataclass(frozen=True)
class LiveAngles:
    """The latest valid frame: angles relative to calibration (deg), NaN where a side has none
    (flexion and lateral also NaN while its forward direction is unknown: tilt is known)."""

    time_s: float
    flexion_deg: dict[str, float]
    lateral_deg: dict[str, float]
    lr_flexion_diff_deg: float
    lr_lateral_diff_deg: float
    moving: bool
    tilt_deg: dict[str, float] = field(default_factory=dict)


STARTING_WITHOUT_ROUTINE = ("Calibration without a routine: work as usual; backmon finds your upright posture from "
                            "walking and standing, and your forward direction from your first bends.")


class LiveEngine:
    """Samples in (``push``), alerts out (``step``); one per session."""

    def __init__(self, settings: Settings, *, sides: tuple[str, ...] = SIDES, plan_after_s: float = PLAN_AFTER_S,
                 guide_settings: CalibrationGuideSettings | None = None, routine: bool = True) -> None:
        """``routine`` False: no guided calibration; monitoring starts once "up" is found."""
        self.settings, self.sides, self.plan_after_s = settings, tuple(sides), plan_after_s
        self.guide_settings = guide_settings or CalibrationGuideSettings()
        self.routine = routine
        self.watch = SaturationWatch()
        self.stores = {side: _SideStore(side, self.watch) for side in self.sides}
        self.plan = None
        self.guide: CalibrationGuide | None = None
        self.searching: SensorSteps | None = None  # without a routine, before monitoring
        self.refiner: CalibrationRefiner | None = None
        self.engine: Engine | None = None
        self.angles: LiveAngles | None = None
        self.complete_s: float | None = None
        self._unpushed: dict[str, list[SampleBlock]] = {side: [] for side in self.sides}
        self._lines: list[str] = []  # calibrations adopted, not yet handed out
        self._slips_seen = self._withdrawn_seen = 0
        self.recalibration: CalibrationGuide | None = None  # the guided routine again, while monitoring
        self._recalibration_frames: EngineFrames | None = None

    @property
    def phase(self) -> str:
        return "monitoring" if self.engine else "calibrating" if self.plan else "starting"

    def push(self, block: SampleBlock) -> None:
        """Keep a block; the engine gets it (with the others since) at the next step."""
        if not len(block):
            return
        self.stores[block.side].add(block)
        if self.plan is not None:
            self._unpushed[block.side].append(block)

    def _push_pending(self) -> None:
        target = self.engine or self.guide or self.searching
        for side, blocks in self._unpushed.items():
            if blocks:
                target.push(side, *_joined(blocks))
                blocks.clear()

    def step(self, complete_s: float) -> LiveUpdate:
        """Advance to ``complete_s``: every sample up to then has been pushed (session axis)."""
        update = LiveUpdate()
        if self.complete_s is not None and complete_s <= self.complete_s:
            return update
        self.complete_s = complete_s
        if self.plan is None and not self._make_plan(update):
            return update
        self._push_pending()
        if self.engine is None and not self._calibrate(complete_s, update):
            return update
        update.alerts += self.engine.step(complete_s)
        if self.refiner is not None and self.engine.last_part is not None:
            self.refiner.add(self.engine.last_part)
            self._refine(complete_s, update)
        if self.recalibration is not None:
            self._recalibrate_step(complete_s, update)
        self._note_slips(update)
        self._note_angles()
        return update

    def _make_plan(self, update: LiveUpdate) -> bool:
        if any(self.stores[side].span_s < self.plan_after_s for side in self.sides):
            return False
        times = {side: self.stores[side].arrays()[0] for side in self.sides}
        rates = {side: measure_rate_hz(t) for side, t in times.items()}
        start_s = min(float(t[0]) for t in times.values())
        self.plan = plan_stream(rates, start_s=start_s, settings=self.settings)
        if self.routine:
            self.guide = CalibrationGuide(self.plan, self.settings, guide_settings=self.guide_settings)
        else:
            self.searching = SensorSteps(self.plan, self.settings)
            self.refiner = CalibrationRefiner(self.plan, self.settings)
            update.events.append(GuideEvent("prompt", STARTING_WITHOUT_ROUTINE, start_s))
        target = self.guide or self.searching
        for side in self.sides:
            t, values = self.stores[side].arrays()
            target.push(side, t, values[:, :3], values[:, 3:])
        return True

    def _calibrate(self, complete_s: float, update: LiveUpdate) -> bool:
        """Before monitoring: True once a calibration is there and the engine has started."""
        if self.guide is not None:
            update.events += self.guide.step(complete_s)
            if not self.guide.done:
                return False
            calibration = self.guide.calibration
            if calibration.method == CalibrationMethod.NOMINAL:  # not even a still moment: as without a routine
                calibration = dataclasses.replace(calibration, window_s=None)
                self.refiner = CalibrationRefiner(self.plan, self.settings, adopted=calibration)
            elif not calibration.forward_known:  # no bend in the routine: seek it as the wearer moves
                self.refiner = CalibrationRefiner(self.plan, self.settings, window_s=self.guide.window_s,
                                                  adopted=calibration)
        else:
            part = self.searching.step(complete_s)
            if part is not None:
                self.refiner.add(part)
            calibration = self.refiner.refine(complete_s)
            if calibration is None:
                return False
            self.searching = None
            update.events.append(GuideEvent("sure" if self.refiner.sure else "done",
                                            describe(calibration, sure=self.refiner.sure), complete_s))
        self._start_engine(calibration, complete_s)
        return True

    def _start_engine(self, calibration: Calibration, complete_s: float) -> None:
        self.engine = Engine(self.plan, calibration, self.settings)
        for side, c in calibration.sides.items():  # each side's first line holds from the start
            self._lines.append(calibration_line(complete_s, side, c.rotation, c.forward_known))
        if self.refiner is not None:
            self.refiner.restart()  # the engine replays every sample from the first
        for side in self.sides:  # replay everything from the first sample; then keep no samples
            t, values = self.stores[side].arrays()
            self.engine.push(side, t, values[:, :3], values[:, 3:])
            self.stores[side].release()

    def _refine(self, complete_s: float, update: LiveUpdate) -> None:
        """Adopt a surer calibration from the next frame on, and say so."""
        found = self.refiner.refine(complete_s)
        table = self.engine.analysis.last_table
        if found is None or table is None or not len(table):
            return
        from_s = float(table.time_s[-1]) + 1e-6
        self._adopt(from_s, found.sides, "refined")
        update.events.append(GuideEvent("sure" if self.refiner.sure else "done",
                                        describe(found, sure=self.refiner.sure), complete_s))

    def _adopt(self, from_s: float, sides, reason: str) -> None:
        """A new calibration per side from ``from_s`` on: scheduled, written as ``# calibration:``
        lines, and the neutral re-check started afresh from it."""
        schedule = self.engine.analysis.schedule
        for side, new in sides.items():
            old = schedule.current(side)
            schedule.adopt(Recalibration(side, from_s, new, rotation_angle_deg(old.rotation.T @ new.rotation),
                                         reason))
            self._lines.append(calibration_line(from_s, side, new.rotation, new.forward_known))
        if self.engine.analysis.neutral is not None:
            self.engine.analysis.neutral.restart(from_s)

    def recalibrate(self) -> bool:
        """Run the guided routine again from the next frames (the wearer asked: a slipped or
        re-attached sensor); False when calibration is under way already. Monitoring goes on
        with the calibration in use until the new one is adopted."""
        if self.engine is None or self.recalibration is not None or self.complete_s is None:
            return False
        self._recalibration_frames = EngineFrames()
        plan = dataclasses.replace(self.plan, start_s=self.complete_s)
        self.recalibration = CalibrationGuide(plan, self.settings, guide_settings=self.guide_settings,
                                              source=self._recalibration_frames)
        return True

    def _recalibrate_step(self, complete_s: float, update: LiveUpdate) -> None:
        if self.engine.last_part is not None:
            self._recalibration_frames.add(self.engine.last_part)
            self.engine.last_part = None  # each part once
        events = self.recalibration.step(complete_s)
        update.events += events
        if not self.recalibration.done:
            return
        guide, self.recalibration = self.recalibration, None
        update.recalibrated = True
        if any(e.kind == "gave_up" for e in events):  # keep what is in use rather than a poor window
            update.events.append(GuideEvent("kept", "Recalibration not done: keeping the calibration in use.",
                                            complete_s))
            return
        table = self.engine.analysis.last_table
        from_s = (float(table.time_s[-1]) if table is not None and len(table) else complete_s) + 1e-6
        self._adopt(from_s, guide.calibration.sides, "recalibrated")
        self.refiner = None  # the routine's bend gave the forward direction: nothing left to seek

    def _note_slips(self, update: LiveUpdate) -> None:
        """Slips the neutral re-check corrected since the last step: for the recording, and told
        to the wearer with any left/right alert they caused."""
        watch = self.engine.analysis.neutral
        if watch is None:
            return
        update.slips += watch.found[self._slips_seen:]
        update.withdrawn += self.engine.analysis.withdrawn[self._withdrawn_seen:]
        for change in watch.found[self._slips_seen:]:
            c = change.calibration
            self._lines.append(calibration_line(change.time_s, change.side, c.rotation, c.forward_known))
            update.events.append(GuideEvent("slip", f"The {change.side} sensor seems to have slipped or been moved "
                                                    f"(turned {change.angle_deg:.0f} deg); its angles are corrected "
                                                    "from now on. Check that it sits firmly.", change.time_s))
        for alert in self.engine.analysis.withdrawn[self._withdrawn_seen:]:
            update.events.append(GuideEvent("withdrawn", f"Disregard the left/right alert of {alert.start_s:.0f} s: "
                                                         "it came from a slipped sensor, not from your posture.",
                                            alert.start_s))
        self._slips_seen, self._withdrawn_seen = len(watch.found), len(self.engine.analysis.withdrawn)

    def calibration_lines(self) -> list[str]:
        """The ``# calibration:`` values adopted since the last call (each once)."""
        lines, self._lines = self._lines, []
        return lines

    def _note_angles(self) -> None:
        table = self.engine.analysis.last_table
        if table is None:
            return
        valid = np.flatnonzero(table.valid)
        if not valid.size:
            return
        i = int(valid[-1])
        self.angles = LiveAngles(
            float(table.time_s[i]),
            {"left": float(table.left_flexion_deg[i]), "right": float(table.right_flexion_deg[i])},
            {"left": float(table.left_lateral_deg[i]), "right": float(table.right_lateral_deg[i])},
            float(table.lr_flexion_diff_deg[i]), float(table.lr_lateral_diff_deg[i]), bool(table.moving[i]),
            {"left": float(table.left_tilt_deg[i]), "right": float(table.right_tilt_deg[i])})

    @property
    def calibration_window_s(self) -> tuple[float, float] | None:
        """The routine's window, for the recording (none when the routine found no neutral)."""
        if self.guide is None or self.guide.calibration is None:
            return None
        return None if self.guide.calibration.method == CalibrationMethod.NOMINAL else self.guide.window_s

    def activity_since_s(self) -> float | None:
        """When the current stretch of work began: the end of the last real break, or the first
        sample of the session (the calibration routine is no break); None while on a break or
        before monitoring."""
        if self.engine is None:
            return None
        rest = self.engine.analysis.no_rest
        if rest.breaks and rest.breaks[-1].end_s is None:
            return None
        if not rest.breaks:
            return self.session_start_s()
        return rest.clock_start_s

    def session_start_s(self) -> float | None:
        """The first sample's time (either side), None before any."""
        firsts = [store.first_s for store in self.stores.values() if store.first_s is not None]
        return min(firsts) if firsts else None

    def source(self, *, source: str, metadata: dict[str, str]) -> Source:
        """What the session summary reads of the samples (count, first and last time, largest
        readings per side), as ``processing.input.from_session`` would give it, no sample kept."""
        for store in self.stores.values():
            store._pack()  # the latest readings into the watch
        spans = {side: SideSummary(self.stores[side].count, self.stores[side].first_s, self.stores[side].last_s)
                 for side in SIDES if side in self.stores and self.stores[side].count}
        info = SessionInfo(source, TimeBase.RELATIVE, dict(metadata), (), self.calibration_window_s, 0, (),
                           dict(spans))
        empty = ArrayStore(np.empty(0), np.empty((0, 3)), np.empty((0, 3)))  # the result reads no samples
        return Source(info, {side: empty for side in spans}, spans, {side: self.watch.peaks[side] for side in spans})

    def finish(self, *, source: str, metadata: dict[str, str]) -> AnalysisResult | None:
        """The last step (every sample is in) and the session's result; None before monitoring."""
        if self.engine is None:
            return None
        end_s = max(store.last_s for store in self.stores.values() if store.count)
        self._push_pending()
        self.engine.step(end_s, final=True)
        return self.engine.result(self.source(source=source, metadata=metadata))


def calibration_line(time_s: float, side: str, rotation: np.ndarray, forward_known: bool) -> str:
    """The value of a ``# calibration:`` line: ``<time_s> <side> <r11 ... r33> [forward_unknown]``."""
    numbers = " ".join(f"{v:.9f}" for v in np.asarray(rotation, dtype=float).reshape(-1))
    return f"{float(time_s)!r} {side} {numbers}" + ("" if forward_known else " forward_unknown")


def warm_up(settings: Settings) -> None:
    """Run the engine once over a few seconds of made-up still samples: the fusion kernel is
    compiled (numba) here, before streaming, instead of stalling the first live step for ~1 s."""
    time_s = np.arange(0.0, 4.0, 0.01)
    accel = np.tile([1.0, 0.0, 0.0], (time_s.size, 1))
    plan = plan_stream({side: 100.0 for side in SIDES}, start_s=0.0, settings=settings)
    calibration = Calibration({side: nominal("warm-up") for side in SIDES}, None, CalibrationMethod.NOMINAL)
    engine = Engine(plan, calibration, settings)
    for side in SIDES:
        engine.push(side, time_s, accel, np.zeros_like(accel))
    engine.step(float(time_s[-1]), final=True)

"""A live session: two sensor links -> streams -> recorder and live engine -> status and alerts.

``LiveMonitor.run(stop)`` finds both sensors and connects them one at a time, then streams both:
per side one supervised link task (connection.py) and one consumer task (decode, drop repeats,
place on the clock, record, feed the engine); one ticker steps the engine, shows the status,
writes calibration and events into the recording, and flushes it; alerts also go to the
delivery channels (``backmon.live.channels``: desktop notification, vibration) in tasks of their
own, so the ticker never waits for them. Time is the host's monotonic clock, counted from the
moment streaming starts (``time_scale`` speeds it up together with virtual sensors that run
faster than real time, for tests).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time
from dataclasses import dataclass, field

from backmon import __version__
from backmon.live.calibration_guide import CalibrationGuideSettings
from backmon.live.channels import ChannelOptions, open_channels
from backmon.live.channels.terminal import TerminalChannel
from backmon.live.coach import AlertRecord, Coach, CoachSettings, Decision, FeedbackStyle
from backmon.live.control import KEYS_HELP, Command, ControlServer, KeyReader, Reply, Verb
from backmon.live.courier import Courier
from backmon.live.delivery import Channel, ChannelName, Delivery
from backmon.live.live_engine import LiveEngine, LiveUpdate, warm_up
from backmon.live.status import LinkStatus, StatusView, clock_label, render_status
from processing.report.formatting import TimeAxis
from processing.result import AnalysisResult
from processing.settings import Settings
from sensors.ble.discovery import battery_text
from sensors.ble.errors import SameSensorTwice, SensorSilent, UnknownProfile
from sensors.ble.link import RECONNECTED, SCAN_S, LinkState, SensorLink, find_sensor
from sensors.ble.stream import SensorStream
from sensors.ble.transport import Radio
from sensors.profiles import PROFILES, profile_for_name
from sensors.samples import SIDES, TimeBase
from sensors.session.recorder import SessionRecorder

MAX_WAIT_S = 1.0  # the engine never waits longer than this for a side that sends nothing


def span_text(window: tuple[float, float]) -> str:
    """A calibration window as ``START:END`` to the millisecond, widened outward so that every
    frame the live calibration used stays inside it (0.029312518000000003:17.869312517999997
    -> 0.029:17.870; frames are 100 ms apart, so none is added)."""
    return f"{math.floor(window[0] * 1000) / 1000:.3f}:{math.ceil(window[1] * 1000) / 1000:.3f}"


@dataclass(frozen=True)
class MonitorOptions:
    left: str
    right: str
    profile: str | None = None  # None: from each sensor's advertised name
    rate_hz: float | None = None  # None: each profile's default
    record: str | None = None
    duration_s: float | None = None  # monitoring time after the calibration (see _duration_over)
    settings: Settings = field(default_factory=Settings)
    tracking_only: bool = False
    time_scale: float = 1.0
    first_data_s: float = 10.0  # wall seconds: a sensor that sends nothing this long after configuring: stop
    step_every_s: float = 0.25  # engine steps (the 1 s alert promise: batching + step + one frame)
    status_every_s: float = 0.5
    scan_s: float = SCAN_S
    metadata: tuple[tuple[str, str], ...] = ()
    guide_settings: CalibrationGuideSettings = field(default_factory=CalibrationGuideSettings)
    routine: bool = True  # False: no guided calibration; calibrated from the wearer's movements
    feedback: FeedbackStyle = FeedbackStyle.IMMEDIATE  # when posture alerts reach the wearer (coach.py)
    control_path: str | None = None  # the control socket (control.control_path()); None: no socket
    keys: bool = False  # read single keys from stdin (a terminal)
    programme_share: float = 1.0  # the coaching programme's share of today's alerts (coach.CoachSettings)
    channels: ChannelOptions | None = None  # desktop notifications, haptics; None: the terminal only


RaisedAlert = AlertRecord  # an alert, when it was raised, and how it was delivered (coach.py)


@dataclass(frozen=True)
class CheckIn:
    """The wearer's answer at the end: "How does your back feel, 0-10?"."""

    score: int
    time_s: float


@dataclass
class MonitorResult:
    result: AnalysisResult | None
    alerts: list[AlertRecord]
    streams: dict[str, SensorStream]
    links: dict[str, SensorLink]
    calibration_window_s: tuple[float, float] | None
    duration_s: float
    checkin: CheckIn | None = None
    deliveries: list[tuple[Delivery, tuple[ChannelName, ...]]] = field(default_factory=list)


class LiveMonitor:
    def __init__(self, options: MonitorOptions, radio: Radio, view: StatusView, *,
                 channels: list[Channel] | None = None, end_of_shift=None) -> None:
        """``channels``: where deliveries go (default: the terminal); ``end_of_shift``: an async
        callable given the MonitorResult once monitoring stopped, returning a check-in score
        (0-10) or None, asked before the recording closes so that it is kept there."""
        self.options, self.radio, self.view = options, radio, view
        scale = options.time_scale
        self.now_ns = (lambda: time.monotonic_ns()) if scale == 1.0 else (lambda: int(time.monotonic_ns() * scale))
        self.origin_ns = self.now_ns()
        self.engine = LiveEngine(options.settings, guide_settings=options.guide_settings, routine=options.routine)
        self.links: dict[str, SensorLink] = {}
        self.streams: dict[str, SensorStream] = {}
        self.recorder: SessionRecorder | None = None
        self.coach = Coach(CoachSettings(options.feedback, options.settings.alerts.corrected_within_s,
                                         options.settings.neutral.window_s, options.tracking_only,
                                         options.programme_share))
        self.alerts: list[AlertRecord] = self.coach.records
        self.courier = Courier([TerminalChannel(view)] if channels is None else channels, self._delivered,
                               on_trouble=view.message)
        self.end_of_shift = end_of_shift
        self.control: ControlServer | None = None
        self.keys: KeyReader | None = None
        self._stop: asyncio.Event | None = None
        self._checkin: CheckIn | None = None
        self.axis: TimeAxis | None = None  # known once the recording opens
        self._duration_from_s: float | None = None  # where --duration starts counting (session time)
        self.metadata: list[tuple[str, str]] = []
        self._calibration_written = False
        self.deliveries: list[tuple[Delivery, tuple[ChannelName, ...]]] = []  # what reached the wearer, how

    def now_s(self) -> float:
        return (self.now_ns() - self.origin_ns) * 1e-9

    def _event(self, side: str, text: str) -> None:
        self.view.message(f"{side}: {text}")
        if self.recorder is not None:
            self.recorder.event(self.now_s(), f"{side} {text}")

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.options.time_scale)

    # ---------------------------------------------------------------- start

    async def _connect_both(self) -> None:
        """Find and connect the two sensors, one at a time (the lock also guards reconnects)."""
        lock = asyncio.Lock()
        o = self.options
        for side, query in zip(SIDES, (o.left, o.right)):
            self.view.message(f"{side}: looking for '{query}' ...")
            async with lock:
                device, name = await find_sensor(self.radio, side, query, timeout_s=o.scan_s)
            others = [link for link in self.links.values() if link.address.upper() == device.address.upper()]
            if others:
                raise SameSensorTwice(name, device.address)
            profile = PROFILES[o.profile] if o.profile else profile_for_name(name)
            if profile is None:
                raise UnknownProfile(side, name)
            rate_hz = o.rate_hz or profile.default_rate_hz
            profile.start_commands(rate_hz)  # UnsupportedRate before connecting
            link = SensorLink(side, device, name, profile, rate_hz=rate_hz, radio=self.radio, lock=lock,
                              now_ns=self.now_ns, on_event=self._event, time_scale=o.time_scale)
            self.view.message(f"{side}: connecting to {name} ({device.address}, {profile.title}, {rate_hz:g} Hz)")
            await link.connect_first()
            self.links[side] = link
            self.streams[side] = SensorStream(side, profile, rate_hz=rate_hz)
            self.metadata.append((f"{side}_device", f"{name} {device.address} (profile {profile.name}, "
                                                   f"{rate_hz:g} Hz)"))

    def _open_recording(self) -> None:
        # started_at is the wall-clock time of time_s 0 (the origin, before connecting), so that
        # local times shown live and in the report fall on the same moments.
        elapsed_s = self.now_s() / self.options.time_scale
        started = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=elapsed_s)).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")
        self.metadata = [("started_at", started), *self.metadata, ("recorded_by", f"backmon {__version__} monitor"),
                         ("time_base", "the host's monotonic clock, seconds from the session start"),
                         ("host_monotonic_start_s", f"{self.origin_ns * 1e-9:.6f}"), *self.options.metadata]
        # From here on the wearer reads local wall-clock times (formatting.TimeAxis, as the report).
        self.axis = self.view.axis = TimeAxis.for_session(time_base=TimeBase.RELATIVE, first_s=0.0,
                                                          started_at=started)
        if self.options.time_scale != 1.0:
            self.metadata.append(("time_scale", f"{self.options.time_scale:g} (virtual sensors faster than real time)"))
        if self.options.record:
            self.recorder = SessionRecorder(self.options.record, metadata=self.metadata)

    # ---------------------------------------------------------------- running

    async def run(self, stop: asyncio.Event) -> MonitorResult:
        tasks: list[asyncio.Task] = []
        self._stop = stop
        warm_up(self.options.settings)  # before any radio traffic: it blocks for about a second
        try:
            await self._connect_both()
            # Desktop and haptic channels beside the terminal (the coach's own terminal channel).
            extra = await open_channels(self.options.channels, self.links, self.view.message)
            self.courier.channels += [c for c in extra if c.name != ChannelName.TERMINAL]
            self.origin_ns = self.now_ns()
            self._open_recording()
            self.courier.start()
            await self._start_control()
            for side, link in self.links.items():
                tasks.append(asyncio.create_task(self._supervise(link), name=f"link-{side}"))
                tasks.append(asyncio.create_task(self._consume(link, self.streams[side]), name=f"consume-{side}"))
            ticker = asyncio.create_task(self._tick(stop), name="ticker")
            stopped = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({ticker, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if ticker in done:
                ticker.result()  # a fatal error (a silent sensor) surfaces here
            ticker.cancel()
            stopped.cancel()
        finally:
            await self._shutdown(tasks)
        return self._result()

    async def _supervise(self, link: SensorLink) -> None:
        """The side's task: a failure here never reaches the other side."""
        while not link.stopping:
            try:
                await link.run()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 -- a bug on one side must not stop the other
                self._event(link.side, f"link task failed ({type(err).__name__}: {err}); restarting it")
                await asyncio.sleep(1.0)

    async def _consume(self, link: SensorLink, stream: SensorStream) -> None:
        while True:
            item = await link.queue.get()
            if item is None:
                return
            if item is RECONNECTED:
                stream.reconnected()
                continue
            arrival_ns, data = item
            block = stream.feed(data, (arrival_ns - self.origin_ns) * 1e-9)
            if stream.battery is not None:
                link.battery = battery_text(stream.battery)
            if block is None:
                continue
            link.last_data_ns = arrival_ns
            self.engine.push(block)
            if self.recorder is not None:
                self.recorder.write(block)

    def _complete_s(self, now_s: float) -> float:
        """Every sample up to this time is in: the oldest newest sample of the sides that are
        streaming; a side silent for MAX_WAIT_S is not waited for."""
        newest = []
        for side, stream in self.streams.items():
            link = self.links[side]
            fresh = link.last_data_ns is not None and (self.now_ns() - link.last_data_ns) * 1e-9 < MAX_WAIT_S
            if link.state == LinkState.CONNECTED and fresh and stream.last_time_s is not None:
                newest.append(stream.last_time_s)
        return max(min(newest, default=now_s), now_s - MAX_WAIT_S)

    async def _tick(self, stop: asyncio.Event) -> None:
        o = self.options
        next_status_s = 0.0
        while not stop.is_set():
            await self._sleep(o.step_every_s)
            now_s = self.now_s()
            update = self.engine.step(self._complete_s(now_s))
            for event in update.events:
                if event.kind != "slip" or self.options.tracking_only:  # a slip: the coach's notice says it
                    self.view.message(event.text)
                if self.recorder is not None:
                    # What was asked, not only its kind: two prompts in one step made two identical lines.
                    self.recorder.event(event.time_s, f"calibration {event.kind} {event.text}")
            self._write_calibration()
            self._coach(now_s, update)
            if self.recorder is not None:
                self.recorder.flush()
            if now_s >= next_status_s:
                next_status_s = now_s + o.status_every_s
                self.view.status(self._status_lines(now_s), now_s)
            self._check_first_data(now_s)
            if self._duration_over(now_s):
                stop.set()

    # ---------------------------------------------------------------- coaching

    def _coach(self, now_s: float, update: LiveUpdate) -> None:
        """The coach takes the alerts where the view showed them: each raised alert is recorded,
        then delivered, held back (and why), or kept for the return to neutral."""
        for alert in update.alerts:
            self._record_event(now_s, f"alert {alert.kind} ({alert.side}) raised")
        if update.recalibrated:
            self.coach.recalibrating(False)
        coached = self.coach.update(now_s, raised=update.alerts, slips=update.slips, withdrawn=update.withdrawn)
        for held in coached.held:
            self._record_event(now_s, f"held {held.record.alert.kind} {held.reason}")
        for decision in coached.deliver:
            self.courier.send(decision)

    def _delivered(self, decision: Decision, through: tuple[ChannelName, ...]) -> None:
        """A delivery done: which channels got it through, in the record and the recording."""
        d, record = decision.delivery, decision.record
        self.deliveries.append((d, through))
        if record is not None and record.delivered_s == d.time_s and record.delivered_as == d.kind:
            record.channels = through
        about = d.alert_kind or f"{d.side} sensor"
        style = f" {record.style}" if record is not None else ""
        self._record_event(d.time_s, f"delivered {d.kind} {about} {','.join(through) or 'none'}{style}")

    def _record_event(self, time_s: float, text: str) -> None:
        if self.recorder is not None:
            self.recorder.event(time_s, text)

    # ---------------------------------------------------------------- control

    async def _start_control(self) -> None:
        o = self.options
        if o.control_path:
            self.control = ControlServer(o.control_path, self.command)
            trouble = await self.control.start()
            if trouble:
                self.control = None
                self.view.message(trouble)
        if o.keys and KeyReader.usable():
            self.keys = KeyReader(self._key_command, self.view.message, lambda: self.coach.paused)
            self.keys.start()
            self.view.message(KEYS_HELP)

    def _key_command(self, command: Command | None) -> None:
        if command is None:
            return

        async def run() -> None:
            self.view.message((await self.command(command)).message)

        asyncio.get_running_loop().create_task(run())

    async def command(self, command: Command) -> Reply:
        """One command from a key or ``backmon ctl``; each is a ``# event`` line in the recording."""
        now_s = self.now_s()
        detail = (f" {command.minutes:g} min" if command.verb == Verb.SNOOZE else "")
        self._record_event(now_s, f"control {command.verb}{detail}")
        if command.verb == Verb.SNOOZE:
            until_s = self.coach.snooze(now_s, command.minutes)
            return Reply(True, f"snoozed for {command.minutes:g} min, until {clock_label(until_s, self.axis)}: "
                               "alerts are recorded, not delivered")
        if command.verb == Verb.PAUSE:
            self.coach.pause()
            return Reply(True, "paused: alerts are recorded, not delivered, until you resume")
        if command.verb == Verb.RESUME:
            self.coach.resume()
            return Reply(True, "resumed: alerts are delivered again")
        if command.verb == Verb.MARK:
            if self.recorder is not None:
                self.recorder.metadata("mark", f"{now_s:.3f} {command.note}")
            return Reply(True, f"marked at {clock_label(now_s, self.axis)}: {command.note}")
        if command.verb == Verb.RECALIBRATE:
            if not self.engine.recalibrate():
                return Reply(False, "cannot recalibrate now: calibration is under way already")
            self.coach.recalibrating(True)
            return Reply(True, "recalibrating: follow the prompts (stand upright and still, then one slow forward "
                               "bend); alerts are recorded, not delivered, meanwhile")
        self._stop.set()
        return Reply(True, "stopping the monitor")

    def _duration_over(self, now_s: float) -> bool:
        """``--duration`` counts from the end of the guided calibration, or from the first sample
        when the monitor starts without a routine (DESIGN.md, "Bluetooth transports"): the
        routine's time (about 20 s) comes on top, so --duration 20 monitors for 20 s."""
        o = self.options
        if o.duration_s is None:
            return False
        if getattr(o, "routine", True):  # MonitorOptions.routine is False without a guided routine
            if self.engine.phase != "monitoring":
                return False
            if self._duration_from_s is None:
                window = self.engine.calibration_window_s
                self._duration_from_s = window[1] if window is not None else now_s
        elif self._duration_from_s is None:
            firsts = [store.first_s for store in self.engine.stores.values() if store.first_s is not None]
            if not firsts:
                return False
            self._duration_from_s = min(firsts)
        return now_s >= self._duration_from_s + o.duration_s

    def _write_calibration(self) -> None:
        """The routine's window once, and every calibration the engine adopts (analysis honours
        both: DESIGN.md "Frames, calibration, angles")."""
        window = self.engine.calibration_window_s
        if window is not None and not self._calibration_written:
            self._calibration_written = True
            self.metadata.append(("calibration_s", span_text(window)))
            if self.recorder is not None:
                self.recorder.metadata("calibration_s", span_text(window))
        for line in self.engine.calibration_lines():
            if self.recorder is not None:
                self.recorder.metadata("calibration", line)

    def _check_first_data(self, now_s: float) -> None:
        for side, link in self.links.items():
            if self.streams[side].counts.samples or link.configured_ns is None:
                continue
            waited_s = (self.now_ns() - link.configured_ns) * 1e-9 / self.options.time_scale  # wall seconds
            if waited_s > self.options.first_data_s:
                raise SensorSilent(side, link.name, self.options.first_data_s)

    def _status_lines(self, now_s: float) -> list[str]:
        links = {}
        for side, link in self.links.items():
            gap = None
            if link.state != LinkState.CONNECTED and link.last_data_ns is not None:
                gap = (self.now_ns() - link.last_data_ns) * 1e-9
            links[side] = LinkStatus(link.name, link.state, link.battery, gap)
        return render_status(now_s=now_s, phase=self.engine.phase, angles=self.engine.angles, links=links,
                             activity_since_s=self.engine.activity_since_s(), alerts=len(self.alerts),
                             tracking_only=self.options.tracking_only, axis=self.axis, hold=self._hold_text(now_s))

    def _hold_text(self, now_s: float) -> str:
        if self.coach.paused:
            return "PAUSED"
        until_s = self.coach.snoozed_until_s
        if until_s is not None and now_s < until_s:
            return f"snoozed until {clock_label(until_s, self.axis)}"
        return "recalibrating" if self.engine.recalibration is not None else ""

    # ---------------------------------------------------------------- stop

    async def _shutdown(self, tasks: list[asyncio.Task]) -> None:
        if self.keys is not None:
            self.keys.close()  # the terminal as it was, before anything else is asked
        if self.control is not None:
            await self.control.close()
        await self.courier.close()  # queued deliveries and the channels, before the links stop: a vibration
        # under way still goes out
        links = list(self.links.values())
        for link in links:
            link.stopping = True
        await asyncio.gather(*(link.stop() for link in links), return_exceptions=True)
        consumers = [t for t in tasks if t.get_name().startswith("consume")]
        try:  # let the consumers drain what arrived before the stop
            await asyncio.wait_for(asyncio.gather(*consumers, return_exceptions=True), 5.0)
        except TimeoutError:
            pass
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._final = None
        try:
            self._final = self.engine.finish(source=self.options.record or "live session",
                                             metadata=dict(self.metadata))
            if self.end_of_shift is not None:
                await self._ask_checkin()
        finally:
            if self.recorder is not None:
                self.recorder.close()

    async def _ask_checkin(self) -> None:
        """The end of shift (summary, what to change tomorrow, the check-in) before the
        recording closes: the answer is kept there as ``# checkin: <time_s> <0-10>``."""
        score = await self.end_of_shift(self._result())
        if score is None:
            return
        self._checkin = CheckIn(int(score), self.now_s())
        self._record_event(self._checkin.time_s, f"checkin {self._checkin.score}")
        if self.recorder is not None:
            self.recorder.metadata("checkin", f"{self._checkin.time_s:.3f} {self._checkin.score}")
            self.recorder.flush()

    def _result(self) -> MonitorResult:
        return MonitorResult(self._final, self.alerts, self.streams, self.links, self.engine.calibration_window_s,
                             self.now_s(), self._checkin, self.deliveries)

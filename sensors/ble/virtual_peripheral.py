"""What every virtual sensor shares: the wearer and its clock, fault injection, a paced stream.

A ``VirtualWearer`` is one simulated person (a scenario from ``sensors.scenarios``) with one
``StreamClock``: scenario seconds that start once (at the first subscription, or ``start()``)
and run at ``speed`` times wall time, so both sensors of a wearer see the same moment of the
same motion. A ``VirtualPeripheral`` is a Bumble ``Device`` that advertises, accepts one
central, and streams the wearer's samples for one side at the rate the central configured,
sample k becoming due at its true time k / rate. Subclasses (sensors.ble.virtual_sensors) give
the GATT layout and turn due samples into notification bytes with the profiles' encoders.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass, field

import numpy as np
from bumble import hci
from bumble.core import AdvertisingData
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, Service
from bumble.host import Host
from bumble.transport import Transport, open_transport
from bumble.transport.common import AsyncPipeSink

from sensors.samples import SIDES, ImuSample, SideSamples
from sensors.scenarios import Scenario
from sensors.simulator import Simulated, simulate

logger = logging.getLogger(__name__)

# Advertising every 100 ms (milliseconds, as Bumble takes it): a scan of 1-2 s sees every sensor.
ADVERTISING_INTERVAL_MS = 100.0
# Pacing tick bounds (wall seconds): often enough for 200 Hz at speed 10, rarely enough to idle.
MIN_TICK_S, MAX_TICK_S = 0.004, 0.02
FLAGS_LE_ONLY_GENERAL = bytes([0x06])  # LE General Discoverable, BR/EDR not supported


class StreamClock:
    """Scenario seconds for virtual sensors: 0 until started, then speed x wall time."""

    def __init__(self, *, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.speed = float(speed)
        self._t0: float | None = None
        self._started = asyncio.Event()

    @property
    def started(self) -> bool:
        return self._t0 is not None

    def start(self) -> None:
        """Start the clock now (later calls do nothing)."""
        if self._t0 is None:
            self._t0 = asyncio.get_running_loop().time()
            self._started.set()

    def now_s(self) -> float:
        if self._t0 is None:
            return 0.0
        return (asyncio.get_running_loop().time() - self._t0) * self.speed

    async def sleep_until(self, stream_s: float) -> None:
        """Wait until the clock (once started) reads stream_s."""
        await self._started.wait()
        while (left_s := stream_s - self.now_s()) > 0:
            await asyncio.sleep(left_s / self.speed)


@dataclass(frozen=True)
class SideStream:
    """One side simulated at one rate: true sample times (s) and the samples as written."""

    true_time_s: np.ndarray
    samples: SideSamples

    def sample(self, k: int) -> ImuSample:
        a, g = self.samples.accel_g[k], self.samples.gyro_dps[k]
        return ImuSample(float(a[0]), float(a[1]), float(a[2]), float(g[0]), float(g[1]), float(g[2]))

    def device_time_s(self, k: int) -> float:
        """The sensor's own clock at sample k: the written time (with the model's offset and drift)."""
        return float(self.samples.time_s[k])


class VirtualWearer:
    """A scenario worn by virtual sensors: simulated lazily once per sample rate, one clock."""

    def __init__(self, scenario: Scenario, *, speed: float = 1.0, start_on_subscribe: bool = True) -> None:
        self.scenario = scenario
        self.clock = StreamClock(speed=speed)
        self.start_on_subscribe = start_on_subscribe
        self._by_rate: dict[float, asyncio.Future[Simulated]] = {}

    async def simulated(self, rate_hz: float) -> Simulated:
        """The scenario with both sensors at rate_hz (simulated in a thread, then cached)."""
        if rate_hz not in self._by_rate:
            models = {side: dataclasses.replace(getattr(self.scenario, side), rate_hz=float(rate_hz))
                      for side in SIDES}
            scenario = dataclasses.replace(self.scenario, **models)
            self._by_rate[rate_hz] = asyncio.ensure_future(asyncio.to_thread(simulate, scenario))
        # Shielded: a stream cancelled while the simulation runs must not cancel the cached result.
        return await asyncio.shield(self._by_rate[rate_hz])

    async def stream(self, side: str, rate_hz: float) -> SideStream:
        sim = await self.simulated(rate_hz)
        return SideStream(sim.true_time_s(side), getattr(sim, side))


@dataclass(frozen=True, kw_only=True)
class Faults:
    """What a virtual sensor gets wrong, on the stream clock (scenario seconds).

    disconnects: (at_s, down_s) pairs: the sensor drops the link at at_s (as a supervision
    timeout looks to the central) and does not advertise for down_s. drop_fraction /
    duplicate_fraction: notifications lost / sent twice, at random (seeded). split_fraction:
    WitMotion frames cut across two notifications; merge_frames: WitMotion frames per
    notification (2 or more merges them). silent_from_s: from then on the sensor sends no data
    while the link stays up.
    """

    disconnects: tuple[tuple[float, float], ...] = ()
    drop_fraction: float = 0.0
    duplicate_fraction: float = 0.0
    split_fraction: float = 0.0
    merge_frames: int = 1
    silent_from_s: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("drop_fraction", "duplicate_fraction", "split_fraction"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"Faults.{name} must be in [0, 1)")
        if self.merge_frames < 1:
            raise ValueError("Faults.merge_frames must be >= 1")


@dataclass(frozen=True)
class Packet:
    """One notification's bytes and the samples [start, end) whose last byte it carries
    (start == end for a part that completes no sample, such as the head of a split frame)."""

    value: bytes
    start: int
    end: int


@dataclass
class SentLog:
    """What a virtual sensor did, for tests: notifications handed to the stack, faults applied,
    and the sample index range [start, end) of every data notification handed to the stack (a
    duplicated one twice, a dropped one not at all)."""

    notifications: int = 0
    dropped: int = 0
    duplicated: int = 0
    disconnects: int = 0
    ranges: list[tuple[int, int]] = field(default_factory=list)


class VirtualPeripheral:
    """A Bumble Device that advertises a name, takes one central and streams one side's samples.

    Subclasses set ``profile`` and implement ``services()``, ``on_subscribed`` / ``on_link_lost``
    (when streaming starts and stops for their family) and ``packets(stream, start, end, now_s)``
    (due samples -> notifications and the index of the first sample not yet packed).
    """

    def __init__(self, *, name: str, address: str, side: str, wearer: VirtualWearer,
                 faults: Faults = Faults()) -> None:
        self.name = name
        self.address = address
        self.side = side
        self.wearer = wearer
        self.faults = faults
        self.log = SentLog()
        self.device: Device | None = None
        self.connection: Connection | None = None
        self.rate_hz: float | None = None
        self._transport: Transport | None = None
        self._rng = np.random.default_rng(faults.seed)
        self._stream_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._down = False
        self._closing = False
        self._fault_task: asyncio.Task | None = None
        self._notify_char: Characteristic | None = None

    # ------------------------------------------------------------ to override

    def services(self) -> list[Service]:
        raise NotImplementedError

    def on_subscribed(self, notify_enabled: bool) -> None:
        """The central switched notifications on or off on the data characteristic."""

    def on_link_lost(self) -> None:
        """The link dropped: families that stop streaming then (all of backmon's) do so here."""
        self.stop_stream()

    def packets(self, stream: SideStream, start: int, end: int, now_s: float) -> tuple[list[Packet], int]:
        raise NotImplementedError

    # ------------------------------------------------------------ radio

    async def attach(self, controller) -> None:
        """Run on an in-process Bumble Controller (a VirtualRadio's), then advertise."""
        host = Host(controller, AsyncPipeSink(controller))
        await self._power_on(Device(name=self.name, address=hci.Address(self.address), host=host))

    async def attach_transport(self, spec: str) -> None:
        """Run over a Bumble HCI transport (``tcp-client:127.0.0.1:9002`` for a shared radio)."""
        self._transport = await open_transport(spec)
        device = Device.with_hci(self.name, hci.Address(self.address), self._transport.source, self._transport.sink)
        await self._power_on(device)

    async def _power_on(self, device: Device) -> None:
        self.device = device
        device.add_services(self.services())
        device.on(Device.EVENT_CONNECTION, self._on_connection)
        await device.power_on()
        self._fault_task = asyncio.ensure_future(self._run_disconnect_faults())
        await self.advertise()

    def advertising_data(self) -> bytes:
        return bytes(AdvertisingData([(AdvertisingData.FLAGS, FLAGS_LE_ONLY_GENERAL),
                                      (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode("utf-8"))]))

    async def advertise(self) -> None:
        if self.device is None or self._down or self._closing or self.connection is not None:
            return
        await self.device.start_advertising(advertising_data=self.advertising_data(),
                                            advertising_interval_min=ADVERTISING_INTERVAL_MS,
                                            advertising_interval_max=ADVERTISING_INTERVAL_MS)

    async def close(self) -> None:
        """Stop streaming and faults, drop the link, power off. Commands already sent to the
        controller are awaited, not cancelled: Bumble's host fails on answers to cancelled ones."""
        self._closing = True
        self.stop_stream()
        if self._fault_task is not None:
            self._fault_task.cancel()
        if self.connection is not None:
            try:
                await asyncio.wait_for(self.connection.disconnect(), 2.0)
            except Exception:  # noqa: BLE001 - closing down: the link may already be gone
                pass
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)
        if self.device is not None:
            await self.device.power_off()
        if self._transport is not None:
            await self._transport.close()

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _on_connection(self, connection: Connection) -> None:
        if connection.role != hci.Role.PERIPHERAL:
            return
        self.connection = connection
        connection.on(Connection.EVENT_DISCONNECTION, lambda reason: self._on_disconnection(connection))

    def _on_disconnection(self, connection: Connection) -> None:
        if self.connection is connection:
            self.connection = None
        self.on_link_lost()
        self._spawn(self.advertise())

    def watch_subscription(self, characteristic: Characteristic) -> None:
        """Call on_subscribed when the central writes this characteristic's CCCD."""
        self._notify_char = characteristic

        def on_subscription(bearer, notify_enabled: bool, indicate_enabled: bool) -> None:
            if notify_enabled and self.wearer.start_on_subscribe:
                self.wearer.clock.start()
            self.on_subscribed(notify_enabled)

        characteristic.on(Characteristic.EVENT_SUBSCRIPTION, on_subscription)

    # ------------------------------------------------------------ faults

    async def drop_link(self, down_s: float) -> None:
        """Drop the link now (a supervision timeout, to the central) and stay away for down_s
        scenario seconds; then advertise again."""
        self._down = True
        self.log.disconnects += 1
        clock = self.wearer.clock
        back_s = clock.now_s() + down_s
        if self.device is not None:
            await self.device.stop_advertising()
        if self.connection is not None:
            await self.connection.disconnect(reason=hci.HCI_CONNECTION_TIMEOUT_ERROR)
        await clock.sleep_until(back_s)
        self._down = False
        await self.advertise()

    async def _run_disconnect_faults(self) -> None:
        for at_s, down_s in sorted(self.faults.disconnects):
            await self.wearer.clock.sleep_until(at_s)
            await self.drop_link(down_s)

    def is_silent(self) -> bool:
        silent_from_s = self.faults.silent_from_s
        return silent_from_s is not None and self.wearer.clock.now_s() >= silent_from_s

    # ------------------------------------------------------------ streaming

    @property
    def mtu(self) -> int:
        return self.connection.att_mtu if self.connection is not None else 23

    def start_stream(self, rate_hz: float) -> None:
        """(Re)start streaming at rate_hz from the clock's present moment (no backlog)."""
        self.stop_stream()
        self.rate_hz = float(rate_hz)
        self._stream_task = asyncio.ensure_future(self._stream(self.rate_hz))

    def stop_stream(self) -> None:
        if self._stream_task is not None:
            self._stream_task.cancel()
            self._stream_task = None

    @property
    def streaming(self) -> bool:
        return self._stream_task is not None and not self._stream_task.done()

    async def _stream(self, rate_hz: float) -> None:
        stream = await self.wearer.stream(self.side, rate_hz)
        clock = self.wearer.clock
        times = stream.true_time_s
        next_k = int(np.searchsorted(times, clock.now_s(), side="left"))
        tick_s = min(MAX_TICK_S, max(MIN_TICK_S, 1.0 / (rate_hz * clock.speed)))
        while next_k < times.size:
            now_s = clock.now_s()
            due = int(np.searchsorted(times, now_s, side="right"))
            if self.is_silent():
                next_k = due
            elif due > next_k:
                packets, next_k = self.packets(stream, next_k, due, now_s)
                for packet in packets:
                    await self.send(packet.value, samples=(packet.start, packet.end))
            await asyncio.sleep(tick_s)

    async def send(self, value: bytes, *, samples: tuple[int, int] | None = None) -> None:
        """Notify the data characteristic. Data (those carrying samples [start, end)) go through
        the drop and duplicate faults; command answers (samples None) do not."""
        if self.device is None or self.connection is None or self._notify_char is None:
            return
        data = samples is not None
        copies = 1
        if data and self.faults.drop_fraction and self._rng.random() < self.faults.drop_fraction:
            self.log.dropped += 1
            return
        if data and self.faults.duplicate_fraction and self._rng.random() < self.faults.duplicate_fraction:
            self.log.duplicated += 1
            copies = 2
        for _ in range(copies):
            self.log.notifications += 1
            if data and samples[1] > samples[0]:
                self.log.ranges.append(samples)
            await self.device.notify_subscriber(self.connection, self._notify_char, value)

    def reply_soon(self, value: bytes) -> None:
        """Send a command's answer on the data characteristic, after the write completes."""
        self._spawn(self.send(value))

"""One sensor's notifications -> timed sample blocks: decode, drop repeats, place on the clock.

Runs in the consumer task (never in the notification callback). ``SensorStream.feed`` takes a
notification's bytes and its arrival (host seconds on the session's axis) and returns the
samples it completed as a ``SampleBlock``; malformed notifications are counted and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.ble.clock import Deduplicator, SampleClock
from sensors.errors import MalformedPacket
from sensors.profiles import BatteryReading, DeviceProfile


@dataclass(frozen=True)
class SampleBlock:
    """Samples of one side from one notification, on the session's time axis.

    time_s: (n,) host-clock time of each sample; arrival_s: when the notification arrived;
    device_time_s and seq as the device sent them (None where it sends neither).
    """

    side: str
    time_s: np.ndarray
    accel_g: np.ndarray  # (n, 3)
    gyro_dps: np.ndarray  # (n, 3)
    device_time_s: np.ndarray | None
    seq: np.ndarray | None
    arrival_s: float

    def __len__(self) -> int:
        return int(self.time_s.size)


@dataclass
class StreamCounts:
    notifications: int = 0
    samples: int = 0
    duplicates: int = 0  # samples (or, without device time, notifications) dropped as repeats
    malformed: int = 0


class SensorStream:
    """Decoder, deduplicator and clock of one sensor for the whole session (across reconnects)."""

    def __init__(self, side: str, profile: DeviceProfile, *, rate_hz: float) -> None:
        self.side, self.profile, self.rate_hz = side, profile, float(rate_hz)
        self.decoder = profile.decoder(rate_hz)
        self.counted = not profile.has_device_time
        self.clock = SampleClock(counted=self.counted)
        self.dedupe = Deduplicator()
        self.counts = StreamCounts()
        self.battery: BatteryReading | None = None
        self.last_time_s: float | None = None  # newest sample placed
        self._count = 0  # samples counted (streams without device time)

    def reconnected(self) -> None:
        """A new connection to the same device: partial frames are void; a counted stream's
        count restarts at an unknown place (a new clock segment)."""
        self.decoder.reset()
        self.dedupe.last_bytes = None
        if self.counted:
            self.clock.new_segment()

    def feed(self, data: bytes, arrival_s: float) -> SampleBlock | None:
        self.counts.notifications += 1
        if self.counted and not self.dedupe.fresh_bytes(data):
            self.counts.duplicates += 1
            return None
        try:
            decoded = self.decoder.feed(data)
        except MalformedPacket:
            self.counts.malformed += 1
            return None
        for reply in decoded.replies:
            if isinstance(reply, BatteryReading):
                self.battery = reply
        samples = decoded.samples
        if not samples:
            return None
        values = np.array([(s.ax_g, s.ay_g, s.az_g, s.gx_dps, s.gy_dps, s.gz_dps) for s in samples])
        device_s, seq = None, None
        if self.counted:
            clock_s = (self._count + np.arange(len(samples))) / self.rate_hz
            self._count += len(samples)
        else:
            device_s = np.array([s.device_time_s for s in samples], dtype=float)
            keep = self.dedupe.fresh_samples(device_s)
            if self.dedupe.restarted:
                self.clock.new_segment()
            self.counts.duplicates += int(keep.size - keep.sum())
            if not keep.any():
                return None
            values, device_s = values[keep], device_s[keep]
            if samples[0].seq is not None:
                seq = np.array([s.seq for s in samples], dtype=float)[keep]
            clock_s = device_s
        time_s = self.clock.place(arrival_s, clock_s)
        self.counts.samples += int(time_s.size)
        self.last_time_s = float(time_s[-1])
        return SampleBlock(self.side, time_s, values[:, :3], values[:, 3:], device_s, seq, arrival_s)

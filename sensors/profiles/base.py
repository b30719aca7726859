"""What every device profile shares: the profile row, the stream decoder shape, decoded replies.

Plain data and small helpers only; no Bluetooth stack is imported here (DESIGN.md: offline
analysis never needs one). The interface is described in sensors/profiles/__init__.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sensors.errors import MalformedPacket
from sensors.samples import ImuSample

# Bluetooth SIG assigned numbers on the SIG base UUID (Assigned Numbers, "GATT Services" and
# "Characteristic UUIDs"): Battery Service 0x180F, Battery Level 0x2A19 (uint8, percent 0-100).
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
# Standard gravity (CGPM 1901), for devices that report acceleration in m/s².
STANDARD_GRAVITY_MPS2 = 9.80665
INT16_FULL_SCALE = 32768  # int16 counts per full-scale range: value = raw / 32768 * range


@dataclass(frozen=True)
class BatteryReading:
    """A battery state as a device reports it: a level in percent, a voltage, or both."""

    percent: float | None = None
    volts: float | None = None


@dataclass(frozen=True)
class RegisterReply:
    """A device's answer to a register read: the first register and the values from it on."""

    register: int
    values: tuple[int, ...]


@dataclass(frozen=True)
class CommandResult:
    """A device's answer to a command: the client's reference, an HTTP-like status, any body."""

    ref: int
    status: int | None
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Reply = BatteryReading | RegisterReply | CommandResult


@dataclass(frozen=True)
class Decoded:
    """What one notification yielded: samples in device order, and any replies to commands."""

    samples: tuple[ImuSample, ...] = ()
    replies: tuple[Reply, ...] = ()


NOTHING = Decoded()


class StreamDecoder(Protocol):
    """Per-connection state that turns notification bytes, in arrival order, into samples.

    ``feed`` raises only MalformedPacket (a notification it cannot use; its state stays usable);
    ``reset`` forgets partial frames (call it after a reconnect). ``pending_bytes`` are held
    waiting for the rest of a frame; ``skipped_bytes`` counts bytes thrown away while resyncing.
    """

    skipped_bytes: int

    def feed(self, data: bytes) -> Decoded: ...

    def reset(self) -> None: ...

    @property
    def pending_bytes(self) -> int: ...


@dataclass(frozen=True)
class BatteryAccess:
    """How to learn a device's battery state.

    read_uuid: read this characteristic and pass the bytes to ``parse_battery_level``; or
    request: write these bytes to the profile's write characteristic, and the reply comes back
    through the stream decoder as a BatteryReading.
    """

    read_uuid: str | None = None
    request: bytes | None = None


STANDARD_BATTERY = BatteryAccess(read_uuid=BATTERY_LEVEL_UUID)


@dataclass(frozen=True)
class HapticPattern:
    """A vibration: pulses played in order, each ``(on_ms, off_ms)``: the motor runs for on_ms,
    then rests for off_ms (the last gap only spaces it from whatever comes next)."""

    pulses_ms: tuple[tuple[int, int], ...]
    name: str = ""  # "alert", "corrected": what the wearer learns to tell apart

    @property
    def duration_ms(self) -> int:
        return sum(on + off for on, off in self.pulses_ms)


def parse_battery_level(data: bytes) -> BatteryReading:
    """Battery Level characteristic 0x2A19: one uint8, percent 0-100 (Bluetooth SIG BAS 1.1)."""
    if len(data) != 1 or data[0] > 100:
        raise MalformedPacket(f"battery level must be one byte 0-100, got {bytes(data).hex() or 'nothing'}")
    return BatteryReading(percent=float(data[0]))


@dataclass(frozen=True)
class DeviceProfile:
    """One supported device family: a row of ``sensors.profiles.PROFILES``.

    Fields holding functions are called through the row, e.g. ``profile.start_commands(50)``.
    ``parse`` and ``encode`` are the family module's own (their keywords differ by family);
    the per-connection ``decoder(rate_hz)`` is the same shape for every family.
    """

    name: str
    title: str
    name_prefixes: tuple[str, ...]
    service_uuid: str
    notify_uuid: str
    write_uuid: str
    write_with_response: bool
    rates_hz: tuple[float, ...]
    default_rate_hz: float
    has_device_time: bool
    parse: Callable[..., tuple[ImuSample, ...]]
    encode: Callable[..., bytes]
    start_commands: Callable[[float], tuple[bytes, ...]]
    stop_commands: Callable[[], tuple[bytes, ...]]
    decoder: Callable[[float | None], StreamDecoder]
    battery: BatteryAccess | None = None
    info_uuid: str | None = None
    # A vibration motor: write encode_haptic(pattern) to haptic_uuid (with response). None: no
    # motor (the family has none, or its protocol offers no way to drive one).
    haptic_uuid: str | None = None
    encode_haptic: Callable[[HapticPattern], bytes] | None = None

    @property
    def has_motor(self) -> bool:
        return self.haptic_uuid is not None and self.encode_haptic is not None

    def matches(self, name: str | None) -> bool:
        """True when an advertised name starts with one of this family's prefixes (any case)."""
        if not name:
            return False
        folded = name.casefold()
        return any(folded.startswith(prefix.casefold()) for prefix in self.name_prefixes)


def require_finite(values: tuple[float, ...], what: str) -> None:
    """MalformedPacket unless every value is a finite number (no sensor sends NaN or inf)."""
    if not all(math.isfinite(v) for v in values):
        raise MalformedPacket(f"{what} holds a value that is not a finite number")


def to_int16(value: float, range_: float) -> int:
    """value in units of range_ -> int16 counts (raw / 32768 * range), saturating like a sensor."""
    raw = round(value / range_ * INT16_FULL_SCALE)
    return max(-INT16_FULL_SCALE, min(INT16_FULL_SCALE - 1, raw))

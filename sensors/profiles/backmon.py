"""backmon's own open format for DIY boards (nRF52840 / ESP32 + a six-axis IMU).

The specification is firmware_notes/backmon-gatt-profile.md; this module follows it byte by
byte, and the reference firmware (firmware_notes/reference-firmware/) does too.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from sensors.errors import MalformedPacket, UsageError
from sensors.profiles.base import (
    INT16_FULL_SCALE,
    STANDARD_BATTERY,
    Decoded,
    DeviceProfile,
    HapticPattern,
    to_int16,
)
from sensors.samples import ImuSample

# One random 128-bit base (generated once for backmon); characteristics differ in bytes 2-3.
SERVICE_UUID = "e1a30001-1273-41d7-9ddb-9aeb1e2c3469"
DATA_UUID = "e1a30002-1273-41d7-9ddb-9aeb1e2c3469"  # notify: data packets
CONTROL_UUID = "e1a30003-1273-41d7-9ddb-9aeb1e2c3469"  # write with response: start / stop / ranges
INFO_UUID = "e1a30004-1273-41d7-9ddb-9aeb1e2c3469"  # read: device info
HAPTIC_UUID = "e1a30005-1273-41d7-9ddb-9aeb1e2c3469"  # write with response: vibration pattern
NAME_PREFIXES = ("backmon",)
FORMAT_VERSION = 1

# Full-scale ranges by code; a value is raw / 32768 * range. The ranges byte holds the accel
# code in bits 0-3 and the gyro code in bits 4-7.
ACCEL_RANGES_G = (2, 4, 8, 16)
GYRO_RANGES_DPS = (125, 250, 500, 1000, 2000)
DEFAULT_ACCEL_RANGE_G, DEFAULT_GYRO_RANGE_DPS = 4, 500  # trunk motion stays well inside both

# Data packet (notification on DATA_UUID), little-endian:
#   0  u8   format version (1)
#   1  u8   ranges: accel code | gyro code << 4
#   2  u16  packet sequence number (0 at start of streaming, wraps at 65536)
#   4  u64  device time of the first sample, microseconds since the board started
#  12  u32  sample period, device microseconds
#  16  N x 6 x i16  samples: ax, ay, az (g), gx, gy, gz (deg/s); N = (len - 16) / 12 >= 1
# Sample k is at time + k * period. With MTU 247 (244-byte notifications) N is at most 19.
# Example (constructed with this spec; no board capture yet): ranges +-4 g, +-500 deg/s, seq 7,
# time 2.5 s, period 10 ms (100 Hz), two samples:
#   01 21 0700 a025260000000000 10270000 0000 0000 0020 0000 0000 0000
#                                        0010 0000 0020 0004 0000 00fc
#   -> sample 0: a = (0, 0, 8192 / 32768 * 4) = (0, 0, 1.0) g, w = (0, 0, 0), t = 2.500000 s
#      sample 1: a = (4096 / 32768 * 4, 0, 1.0) = (0.5, 0, 1.0) g,
#                w = (1024 / 32768 * 500, 0, -1024 / 32768 * 500) = (15.625, 0, -15.625) deg/s,
#                t = 2.510000 s; both seq 7
_HEADER = struct.Struct("<BBHQI")
_SAMPLE = struct.Struct("<6h")
ATT_OVERHEAD = 3  # a notification carries MTU - 3 bytes
MAX_SAMPLES_MTU_247 = (247 - ATT_OVERHEAD - _HEADER.size) // _SAMPLE.size  # 19

# Control writes (CONTROL_UUID): 00 = stop; 01 <rate u16 Hz> = start (the board picks its
# nearest rate and reports it); 02 <ranges byte> = set full-scale ranges (while stopped).
CTRL_STOP, CTRL_START, CTRL_SET_RANGES = 0x00, 0x01, 0x02
_START = struct.Struct("<BH")
_SET_RANGES = struct.Struct("<BB")
MIN_RATE_HZ, MAX_RATE_HZ = 10, 1000  # DESIGN.md's span of stream rates
# Rates the reference firmware samples at (its IMU runs at 416 Hz; the board picks every Nth).
RATES_HZ = (26.0, 52.0, 104.0, 208.0)
DEFAULT_RATE_HZ = 52.0

# Info characteristic (INFO_UUID, read), little-endian:
#   0  u8   format version (1)      1  u8  ranges (as in data packets)
#   2  u8   flags: bit 0 = streaming
#   3  u8   R, number of supported rates (0-16)
#   4  u32  current sample period, device microseconds
#   8  R x u16  supported rates, Hz
_INFO = struct.Struct("<BBBBI")
_RATE = struct.Struct("<H")
MAX_INFO_RATES = 16


# Haptic writes (HAPTIC_UUID, write with response), little-endian:
#   0  u8   N, the number of pulses (0-4; 0 stops the motor at once)
#   1  N x (u16 on_ms, u16 off_ms)  each pulse: motor on for on_ms (20-1000), then off for off_ms (0-1000)
# A write replaces whatever pattern is playing. 1 + 4 x 4 = 17 bytes at most: one write fits the
# 20 bytes of the default MTU of 23, so the pattern never needs a long (queued) write.
# Example: three pulses of 400 ms with 200 ms gaps (the monitor's "alert" pattern):
#   03 9001c800 9001c800 90010000 -> N 3; 0x0190 = 400 ms on, 0x00c8 = 200 ms off; twice; 400 on, 0 off
_HAPTIC_COUNT = struct.Struct("<B")
_PULSE = struct.Struct("<HH")
MAX_PULSES = 4
# Limits of the format: a pulse shorter than 20 ms is hardly felt from a coin motor that has to
# spin up first (firmware_notes/backmon-gatt-profile.md, "Haptic"), and at most 4 x 1 s on per
# write means a client that hangs can never leave the motor running.
MIN_ON_MS, MAX_ON_MS = 20, 1000
MAX_OFF_MS = 1000


@dataclass(frozen=True)
class DataPacket:
    """One data packet: header fields and its samples (with device time and seq filled in)."""

    seq: int
    time_us: int
    period_us: int
    accel_range_g: int
    gyro_range_dps: int
    samples: tuple[ImuSample, ...]


@dataclass(frozen=True)
class DeviceInfo:
    """The info characteristic."""

    format_version: int
    accel_range_g: int
    gyro_range_dps: int
    streaming: bool
    period_us: int
    rates_hz: tuple[int, ...]


@dataclass(frozen=True)
class ControlCommand:
    """A decoded control write: stop, start at rate_hz, or set the ranges."""

    code: int
    rate_hz: int | None = None
    accel_range_g: int | None = None
    gyro_range_dps: int | None = None


def ranges_byte(accel_range_g: int, gyro_range_dps: int) -> int:
    """The ranges byte for two full-scale ranges; ValueError for ranges the format has no code for."""
    if accel_range_g not in ACCEL_RANGES_G or gyro_range_dps not in GYRO_RANGES_DPS:
        raise ValueError(f"ranges must be one of {ACCEL_RANGES_G} g and {GYRO_RANGES_DPS} deg/s")
    return ACCEL_RANGES_G.index(accel_range_g) | GYRO_RANGES_DPS.index(gyro_range_dps) << 4


def _ranges(byte: int) -> tuple[int, int]:
    accel, gyro = byte & 0x0F, byte >> 4
    if accel >= len(ACCEL_RANGES_G) or gyro >= len(GYRO_RANGES_DPS):
        raise MalformedPacket(f"ranges byte {byte:#04x} names no known full-scale range")
    return ACCEL_RANGES_G[accel], GYRO_RANGES_DPS[gyro]


def _check_version(version: int) -> None:
    if version != FORMAT_VERSION:
        raise MalformedPacket(f"backmon format version {version}; this backmon reads version {FORMAT_VERSION}")


def parse_packet(data: bytes) -> DataPacket:
    """One data notification -> DataPacket. MalformedPacket for anything else."""
    count, rest = divmod(len(data) - _HEADER.size, _SAMPLE.size)
    if len(data) < _HEADER.size + _SAMPLE.size or rest:
        raise MalformedPacket(f"backmon data packet of {len(data)} bytes is not 16 + 12 * N (N >= 1)")
    version, ranges, seq, time_us, period_us = _HEADER.unpack_from(data)
    _check_version(version)
    accel_g, gyro_dps = _ranges(ranges)
    if period_us == 0:
        raise MalformedPacket("backmon data packet with a sample period of 0 us")
    a_scale, g_scale = accel_g / INT16_FULL_SCALE, gyro_dps / INT16_FULL_SCALE
    samples = []
    for k in range(count):
        ax, ay, az, gx, gy, gz = _SAMPLE.unpack_from(data, _HEADER.size + k * _SAMPLE.size)
        samples.append(ImuSample(ax * a_scale, ay * a_scale, az * a_scale, gx * g_scale, gy * g_scale, gz * g_scale,
                                 device_time_s=(time_us + k * period_us) / 1e6, seq=seq))
    return DataPacket(seq, time_us, period_us, accel_g, gyro_dps, tuple(samples))


def parse(data: bytes) -> tuple[ImuSample, ...]:
    """One data notification -> its samples, in g and deg/s, with device time and seq."""
    return parse_packet(data).samples


def encode(samples: Sequence[ImuSample], *, seq: int, time_us: int, period_us: int,
           accel_range_g: int = DEFAULT_ACCEL_RANGE_G, gyro_range_dps: int = DEFAULT_GYRO_RANGE_DPS) -> bytes:
    """Samples -> one data packet (what the firmware sends). Values saturate at the ranges;
    the samples' own device_time_s and seq are not used (time_us, period_us and seq are)."""
    if not samples:
        raise ValueError("a backmon data packet holds at least one sample")
    header = _HEADER.pack(FORMAT_VERSION, ranges_byte(accel_range_g, gyro_range_dps), seq % 65536,
                          time_us, period_us)
    return header + b"".join(
        _SAMPLE.pack(*(to_int16(v, accel_range_g) for v in (s.ax_g, s.ay_g, s.az_g)),
                     *(to_int16(v, gyro_range_dps) for v in (s.gx_dps, s.gy_dps, s.gz_dps))) for s in samples)


def start_command(rate_hz: float) -> bytes:
    """01 <rate u16>: start streaming near rate_hz (an integer 10-1000 Hz)."""
    if rate_hz != int(rate_hz) or not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:
        raise UsageError(f"backmon boards stream at a whole number of Hz from {MIN_RATE_HZ} to {MAX_RATE_HZ}, "
                         f"not {rate_hz:g}")
    return _START.pack(CTRL_START, int(rate_hz))


def stop_command() -> bytes:
    return bytes((CTRL_STOP,))


def set_ranges_command(accel_range_g: int, gyro_range_dps: int) -> bytes:
    return _SET_RANGES.pack(CTRL_SET_RANGES, ranges_byte(accel_range_g, gyro_range_dps))


def parse_control(data: bytes) -> ControlCommand:
    """A control write -> ControlCommand (what a virtual board was asked to do)."""
    if data == bytes((CTRL_STOP,)):
        return ControlCommand(CTRL_STOP)
    if len(data) == _START.size and data[0] == CTRL_START:
        rate_hz = _START.unpack(data)[1]
        if not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:
            raise MalformedPacket(f"start command asks for {rate_hz} Hz, outside {MIN_RATE_HZ}-{MAX_RATE_HZ}")
        return ControlCommand(CTRL_START, rate_hz=rate_hz)
    if len(data) == _SET_RANGES.size and data[0] == CTRL_SET_RANGES:
        accel_g, gyro_dps = _ranges(data[1])
        return ControlCommand(CTRL_SET_RANGES, accel_range_g=accel_g, gyro_range_dps=gyro_dps)
    raise MalformedPacket(f"not a backmon control command: {bytes(data).hex() or 'nothing'}")


def parse_info(data: bytes) -> DeviceInfo:
    """The info characteristic's value -> DeviceInfo."""
    if len(data) < _INFO.size:
        raise MalformedPacket(f"backmon info of {len(data)} bytes is shorter than its 8-byte header")
    version, ranges, flags, count, period_us = _INFO.unpack_from(data)
    _check_version(version)
    if count > MAX_INFO_RATES or len(data) != _INFO.size + count * _RATE.size:
        raise MalformedPacket(f"backmon info of {len(data)} bytes does not hold the {count} rates it announces")
    accel_g, gyro_dps = _ranges(ranges)
    rates = tuple(_RATE.unpack_from(data, _INFO.size + i * _RATE.size)[0] for i in range(count))
    return DeviceInfo(version, accel_g, gyro_dps, bool(flags & 1), period_us, rates)


def encode_info(info: DeviceInfo) -> bytes:
    """DeviceInfo -> the info characteristic's value (for virtual boards)."""
    return (_INFO.pack(info.format_version, ranges_byte(info.accel_range_g, info.gyro_range_dps),
                       int(info.streaming), len(info.rates_hz), info.period_us)
            + b"".join(_RATE.pack(r) for r in info.rates_hz))


def _check_pulse(on_ms: int, off_ms: int) -> bool:
    return MIN_ON_MS <= on_ms <= MAX_ON_MS and 0 <= off_ms <= MAX_OFF_MS


def encode_haptic(pattern: HapticPattern) -> bytes:
    """A vibration pattern -> the bytes to write to HAPTIC_UUID. ValueError outside the limits."""
    pulses = pattern.pulses_ms
    if len(pulses) > MAX_PULSES:
        raise ValueError(f"a backmon haptic pattern holds at most {MAX_PULSES} pulses, not {len(pulses)}")
    for on_ms, off_ms in pulses:
        if not _check_pulse(on_ms, off_ms):
            raise ValueError(f"pulse ({on_ms}, {off_ms}) ms is outside {MIN_ON_MS}-{MAX_ON_MS} ms on, "
                             f"0-{MAX_OFF_MS} ms off")
    return _HAPTIC_COUNT.pack(len(pulses)) + b"".join(_PULSE.pack(on, off) for on, off in pulses)


def parse_haptic(data: bytes) -> HapticPattern:
    """A haptic write -> the pattern it asks for (what a board, or a virtual one, plays).
    MalformedPacket for anything outside the format; an empty pattern means "stop"."""
    if not data:
        raise MalformedPacket("empty haptic write")
    count = data[0]
    if count > MAX_PULSES or len(data) != 1 + count * _PULSE.size:
        raise MalformedPacket(f"haptic write of {len(data)} bytes does not hold the {count} pulses it announces "
                              f"(at most {MAX_PULSES})")
    pulses = tuple(_PULSE.unpack_from(data, 1 + i * _PULSE.size) for i in range(count))
    if not all(_check_pulse(on, off) for on, off in pulses):
        raise MalformedPacket(f"haptic pulse outside {MIN_ON_MS}-{MAX_ON_MS} ms on, 0-{MAX_OFF_MS} ms off: "
                              f"{bytes(data).hex()}")
    return HapticPattern(pulses)


def start_commands(rate_hz: float) -> tuple[bytes, ...]:
    """Start streaming (write to CONTROL_UUID after enabling notifications on DATA_UUID)."""
    return (start_command(rate_hz),)


def stop_commands() -> tuple[bytes, ...]:
    return (stop_command(),)


class BackmonDecoder:
    """StreamDecoder for one backmon board: every notification is a whole packet."""

    skipped_bytes = 0
    pending_bytes = 0

    def __init__(self, rate_hz: float | None = None) -> None:
        # Packets carry their own time and period: the requested rate is not needed to decode.
        pass

    def reset(self) -> None:
        pass

    def feed(self, data: bytes) -> Decoded:
        return Decoded(samples=parse(data))


PROFILE = DeviceProfile(
    name="backmon",
    title="backmon open format (DIY nRF52840 / ESP32 boards)",
    name_prefixes=NAME_PREFIXES,
    service_uuid=SERVICE_UUID,
    notify_uuid=DATA_UUID,
    write_uuid=CONTROL_UUID,
    write_with_response=True,
    rates_hz=RATES_HZ,
    default_rate_hz=DEFAULT_RATE_HZ,
    has_device_time=True,
    parse=parse,
    encode=encode,
    start_commands=start_commands,
    stop_commands=stop_commands,
    decoder=BackmonDecoder,
    battery=STANDARD_BATTERY,
    info_uuid=INFO_UUID,
    haptic_uuid=HAPTIC_UUID,
    encode_haptic=encode_haptic,
)

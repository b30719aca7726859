"""Movesense sensors over the GATT SensorData Protocol (GSP): IMU6 subscription and its data.

Sources (facts only, no code): movesense.com/docs/esw/gatt_sensordata_protocol (GSP v1: UUIDs,
commands [command, client reference, data], responses on the notify characteristic); Movesense
device-lib samples/gatt_sensordata_app (GATTSensorDataClient.cpp: HELLO 0 / SUBSCRIBE 1 /
UNSUBSCRIBE 2; COMMAND_RESULT 1 / DATA 2 / DATA_PART2 3 / DATA_PART3 4 "in case the
subscription data is larger than fits in a single BLE packet"; the peer's streams are
unsubscribed when it disconnects) and its python_client; the /Meas/IMU6 data layout (REFERENCES.md).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from sensors.errors import MalformedPacket, UnsupportedRate, UsageError
from sensors.profiles.base import NOTHING, STANDARD_GRAVITY_MPS2, CommandResult, Decoded, DeviceProfile, require_finite
from sensors.samples import ImuSample

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"
NAME_PREFIXES = ("Movesense",)  # advertised as "Movesense <serial>"

CMD_HELLO, CMD_SUBSCRIBE, CMD_UNSUBSCRIBE = 0, 1, 2
RESP_COMMAND_RESULT, RESP_DATA, RESP_DATA_PART2, RESP_DATA_PART3 = 1, 2, 3, 4
_CONTINUATIONS = (RESP_DATA_PART2, RESP_DATA_PART3)
# The client picks the reference (1-255, never 0); the sensor echoes it in every answer.
IMU6_REF = 66
RATES_HZ = (13.0, 26.0, 52.0, 104.0, 208.0)
DEFAULT_RATE_HZ = 52.0  # 4 samples per notification: 13 notifications/s per sensor
_IMU6_PATH = re.compile(r"/Meas/IMU6/(\d+)")

# Data notification, little-endian:
#   0  u8   2 = DATA (3 = DATA_PART2: its bytes from offset 2 on continue the previous DATA)
#   1  u8   client reference given in the subscribe command
#   2  u32  sensor time of the first sample, ms
#   6  N x 3 x f32   acceleration x, y, z, m/s² (gravity included)  -> / 9.80665 = g
#   6+12N  N x 3 x f32   angular rate x, y, z, deg/s
# N = (len - 6) / 24 (4 at 52 Hz). Sample k is at time + k / rate (the rate subscribed).
# Constructed per that layout (no captured packet at hand), ref 66, time 1000 ms, N = 1:
#   02 42 e8030000 0000803f 000000c0 00001841 0000003f 0000a0bf 00002041
#   -> a = (1.0, -2.0, 9.5) m/s² = (0.10197, -0.20394, 0.96873) g; w = (0.5, -1.25, 10.0) deg/s;
#      device time 1.000 s
_HEADER = struct.Struct("<BB")
_TIME = struct.Struct("<I")
_VEC = struct.Struct("<3f")
_SAMPLE_BYTES = 2 * _VEC.size
_MAX_SAMPLES = 64  # 208 Hz sends 16; more than 64 in one message is not a real IMU6 message
# Command result: [1, ref, status u16]. Little-endian per REFERENCES.md; the device-lib sample
# writes its "no free subscription slot" 507 as bytes 01 FB (big-endian), so a status that is no
# HTTP code read one way but is one read the other way is taken the other way.
_STATUS = struct.Struct("<H")


@dataclass(frozen=True)
class GspCommand:
    """A decoded command write: command code, client reference, the resource path if any."""

    code: int
    ref: int
    path: str | None = None

    @property
    def imu6_rate_hz(self) -> float | None:
        """The rate of an IMU6 subscription (``/Meas/IMU6/52`` -> 52.0), else None."""
        match = _IMU6_PATH.fullmatch(self.path or "")
        return float(match.group(1)) if self.code == CMD_SUBSCRIBE and match else None


def subscribe_command(rate_hz: float, *, ref: int = IMU6_REF) -> bytes:
    """[1, ref] + b"/Meas/IMU6/<rate>" for one of RATES_HZ; UnsupportedRate otherwise."""
    if float(rate_hz) not in RATES_HZ:
        raise UnsupportedRate("Movesense IMU6", rate_hz, RATES_HZ)
    return bytes((CMD_SUBSCRIBE, _checked_ref(ref))) + f"/Meas/IMU6/{int(rate_hz)}".encode("ascii")


def unsubscribe_command(*, ref: int = IMU6_REF) -> bytes:
    """[2, ref]: ends the subscription made with that reference."""
    return bytes((CMD_UNSUBSCRIBE, _checked_ref(ref)))


def hello_command(*, ref: int) -> bytes:
    """[0, ref]: the sensor answers [1, ref] + b"Hello" (a liveness check)."""
    return bytes((CMD_HELLO, _checked_ref(ref)))


def _checked_ref(ref: int) -> int:
    if not 1 <= ref <= 255:
        raise ValueError(f"a GSP reference is 1-255, not {ref}")
    return ref


def parse_command(data: bytes) -> GspCommand:
    """Written bytes -> GspCommand (what a virtual sensor was asked to do)."""
    if len(data) < 2 or data[1] == 0:
        raise MalformedPacket(f"not a GSP command ([command, reference != 0, ...]): {bytes(data).hex() or 'nothing'}")
    try:
        path = bytes(data[2:]).decode("ascii") if len(data) > 2 else None
    except UnicodeDecodeError:
        raise MalformedPacket("GSP command path is not ASCII text") from None
    return GspCommand(data[0], data[1], path)


def start_commands(rate_hz: float) -> tuple[bytes, ...]:
    """Subscribe to IMU6 at rate_hz (after notifications are on)."""
    return (subscribe_command(rate_hz),)


def stop_commands() -> tuple[bytes, ...]:
    """Unsubscribe, so the sensor stops measuring (it also does so when the link drops)."""
    return (unsubscribe_command(),)


def _split(data: bytes) -> tuple[int, int, bytes]:
    if len(data) < _HEADER.size:
        raise MalformedPacket(f"GSP notification of {len(data)} bytes has no [code, reference] header")
    code, ref = _HEADER.unpack_from(data)
    return code, ref, bytes(data[_HEADER.size:])


def parse_command_result(data: bytes) -> CommandResult:
    """[1, ref, status u16] (or [1, ref] + b"Hello") -> CommandResult."""
    code, ref, body = _split(data)
    if code != RESP_COMMAND_RESULT:
        raise MalformedPacket(f"GSP notification code {code} is not a command result (1)")
    if body == b"Hello":
        return CommandResult(ref, None, body)
    if len(body) != _STATUS.size:
        raise MalformedPacket(f"GSP command result needs a 2-byte status, got {len(body)} bytes")
    status = _STATUS.unpack(body)[0]
    swapped = int.from_bytes(body, "big")
    if not 100 <= status < 600 and 100 <= swapped < 600:
        status = swapped
    if not 100 <= status < 600:
        raise MalformedPacket(f"GSP command result status {body.hex()} is no HTTP status code")
    return CommandResult(ref, status)


def _whole_imu6(body_len: int) -> bool:
    samples, rest = divmod(body_len - _TIME.size, _SAMPLE_BYTES)
    return rest == 0 and 1 <= samples <= _MAX_SAMPLES


def parse_imu6_body(body: bytes, *, rate_hz: float) -> tuple[ImuSample, ...]:
    """IMU6 data after the [code, ref] header (time, N acc, N gyro) -> N samples, in g and deg/s."""
    if not _whole_imu6(len(body)):
        raise MalformedPacket(f"IMU6 data of {len(body)} bytes is not 4 + 24 * N (N = 1-{_MAX_SAMPLES})")
    n = (len(body) - _TIME.size) // _SAMPLE_BYTES
    time_ms = _TIME.unpack_from(body)[0]
    acc = [_VEC.unpack_from(body, _TIME.size + k * _VEC.size) for k in range(n)]
    gyro = [_VEC.unpack_from(body, _TIME.size + (n + k) * _VEC.size) for k in range(n)]
    for a, w in zip(acc, gyro):
        require_finite(a + w, "IMU6 data")
    t0_s, g = time_ms / 1000, STANDARD_GRAVITY_MPS2
    return tuple(ImuSample(a[0] / g, a[1] / g, a[2] / g, w[0], w[1], w[2], device_time_s=t0_s + k / rate_hz)
                 for k, (a, w) in enumerate(zip(acc, gyro)))


def parse(data: bytes, *, rate_hz: float) -> tuple[ImuSample, ...]:
    """One whole notification -> its samples (none for a command result).

    rate_hz is the subscribed rate: the packet carries the time of its first sample only.
    A continuation part (code 3 or 4) needs the part before it: use a MovesenseDecoder.
    """
    code, _, body = _split(data)
    if code == RESP_DATA:
        return parse_imu6_body(body, rate_hz=rate_hz)
    if code == RESP_COMMAND_RESULT:
        parse_command_result(data)
        return ()
    if code in _CONTINUATIONS:
        raise MalformedPacket("a GSP continuation part cannot be decoded without the part before it")
    raise MalformedPacket(f"unknown GSP notification code {code}")


def encode(samples: Sequence[ImuSample], *, time_ms: int, ref: int = IMU6_REF) -> bytes:
    """Samples -> one whole IMU6 DATA message (may exceed an MTU: see split_message)."""
    if not 1 <= len(samples) <= _MAX_SAMPLES:
        raise ValueError(f"an IMU6 message holds 1-{_MAX_SAMPLES} samples, not {len(samples)}")
    acc = b"".join(_VEC.pack(s.ax_g * STANDARD_GRAVITY_MPS2, s.ay_g * STANDARD_GRAVITY_MPS2,
                             s.az_g * STANDARD_GRAVITY_MPS2) for s in samples)
    gyro = b"".join(_VEC.pack(s.gx_dps, s.gy_dps, s.gz_dps) for s in samples)
    return _HEADER.pack(RESP_DATA, _checked_ref(ref)) + _TIME.pack(time_ms % 2**32) + acc + gyro


def split_message(message: bytes, *, max_len: int) -> tuple[bytes, ...]:
    """A DATA message -> notifications of at most max_len bytes: DATA, then DATA_PART2, DATA_PART3.

    Each continuation repeats the [code, ref] header; its bytes after the header follow on.
    """
    if len(message) <= max_len:
        return (message,)
    if max_len <= _HEADER.size:
        raise ValueError(f"max_len {max_len} leaves no room after the 2-byte header")
    ref = message[1]
    chunk = max_len - _HEADER.size
    rest = message[max_len:]
    parts = [message[:max_len]] + [bytes((RESP_DATA_PART2 if i == 0 else RESP_DATA_PART3, ref)) + rest[j:j + chunk]
                                   for i, j in enumerate(range(0, len(rest), chunk))]
    if len(parts) > 3:
        raise ValueError(f"{len(message)} bytes need {len(parts)} notifications of {max_len}; GSP has three")
    return tuple(parts)


def encode_command_result(ref: int, status: int) -> bytes:
    """[1, ref, status u16 little-endian]."""
    return _HEADER.pack(RESP_COMMAND_RESULT, _checked_ref(ref)) + _STATUS.pack(status)


class MovesenseDecoder:
    """StreamDecoder for one Movesense connection: continuation reassembly, samples, results.

    rate_hz: the subscribed rate (times the samples within a packet). ref: accept data for this
    reference only (None, the default: any; the sensor serves one connection). A first part
    waits for its continuation only while its data are not a whole IMU6 message (4 + 24 N
    bytes), which no split at a common MTU (23, 161, 185, 247, 251, 517) produces; a first part
    that never gets its continuation is dropped and counted in skipped_bytes when the next DATA
    for that reference arrives.
    """

    def __init__(self, rate_hz: float | None, *, ref: int | None = None) -> None:
        if rate_hz is None:
            raise UsageError("Movesense packets carry one timestamp each: give the subscribed rate "
                             f"(one of {', '.join(f'{r:g}' for r in RATES_HZ)} Hz) to time every sample")
        self.rate_hz = float(rate_hz)
        self.ref = ref
        self.skipped_bytes = 0
        self._pending: dict[int, bytes] = {}

    @property
    def pending_bytes(self) -> int:
        return sum(len(p) for p in self._pending.values())

    def reset(self) -> None:
        self._pending.clear()

    def feed(self, data: bytes) -> Decoded:
        code, ref, body = _split(data)
        if code == RESP_COMMAND_RESULT:
            return Decoded(replies=(parse_command_result(data),))
        if code not in (RESP_DATA, *_CONTINUATIONS):
            raise MalformedPacket(f"unknown GSP notification code {code}")
        if self.ref is not None and ref != self.ref:
            raise MalformedPacket(f"GSP data for reference {ref}, which this connection did not subscribe")
        if code == RESP_DATA:
            self.skipped_bytes += len(self._pending.pop(ref, b""))
            message = body
        else:
            if ref not in self._pending:
                raise MalformedPacket(f"GSP continuation for reference {ref} without the part before it")
            message = self._pending.pop(ref) + body
        if _whole_imu6(len(message)):
            return Decoded(samples=parse_imu6_body(message, rate_hz=self.rate_hz))
        if len(message) > _TIME.size + _MAX_SAMPLES * _SAMPLE_BYTES:
            self.skipped_bytes += len(message)
            raise MalformedPacket(f"GSP data for reference {ref} grew to {len(message)} bytes without "
                                  "becoming a whole IMU6 message")
        self._pending[ref] = message
        return NOTHING


PROFILE = DeviceProfile(
    name="movesense",
    title="Movesense (GATT SensorData Protocol, /Meas/IMU6)",
    name_prefixes=NAME_PREFIXES,
    service_uuid=SERVICE_UUID,
    notify_uuid=NOTIFY_UUID,
    write_uuid=WRITE_UUID,
    write_with_response=True,  # GSP's command characteristic is Write (with response)
    rates_hz=RATES_HZ,
    default_rate_hz=DEFAULT_RATE_HZ,
    has_device_time=True,
    parse=parse,
    encode=encode,
    start_commands=start_commands,
    stop_commands=stop_commands,
    decoder=MovesenseDecoder,
    battery=None,  # GSP v1 has no battery query; the stock sample firmware exposes no Battery Service
)

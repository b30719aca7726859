"""WitMotion BLE 5.0 sensors (WT901BLECL, BWT901BLE5.0, WT9011DCL): frames, commands, reassembly.

Sources (facts only, no code): WT901BLECL 5.0 manual p.16-18; WITMOTION/WitBluetooth_BWT901BLE5_0
SDK (service and characteristic UUIDs, the read/write command layout, unlock 0x69 = 0xB588);
rubenmuehlhans/esphome-witmotion (register map, rate codes, battery register 0x64 in 1/100 V,
several frames merged in one notification at high rates).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from sensors.errors import MalformedPacket, UnsupportedRate
from sensors.profiles.base import (
    INT16_FULL_SCALE,
    NOTHING,
    BatteryAccess,
    BatteryReading,
    Decoded,
    DeviceProfile,
    RegisterReply,
    to_int16,
)
from sensors.samples import ImuSample

# Note the vendor base ...-00805f9a34fb, not the SIG's ...-00805f9b34fb: "ffe4" alone does not resolve.
SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"
NAME_PREFIXES = ("WT901BLE", "WT9011", "BWT901BLE")

# Stream frame, 20 bytes, little-endian:
#   0  u8      0x55 header
#   1  u8      0x61 flag: stream data
#   2  3 x i16 acceleration x, y, z      raw / 32768 * 16   g
#   8  3 x i16 angular rate x, y, z      raw / 32768 * 2000 deg/s
#  14  3 x i16 roll, pitch, yaw          raw / 32768 * 180  deg
# Published vector (REFERENCES.md, from the WT901BLECL manual's layout):
#   55 61 0000 0004 0008 0000 0020 0000 0000 0020 0040
#   -> a = (0, 1024, 2048) counts = (0, 0.5, 1.0) g; w = (0, 8192, 0) = (0, 500, 0) deg/s;
#      angles = (0, 8192, 16384) = (0, 45, 90) deg
# Register reply, 20 bytes: 55 71, u16 first register, then 8 x i16 (that register and the next 7).
#   Constructed per that layout: 55 71 6400 8601 0000 ... -> register 0x64 = 0x0186 = 390 -> 3.90 V
FRAME_LEN = 20
HEADER = 0x55
FLAG_STREAM = 0x61
FLAG_REGISTER = 0x71
_FLAGS = (FLAG_STREAM, FLAG_REGISTER)
_STREAM = struct.Struct("<2x9h")
_REGISTER = struct.Struct("<2xH8h")
ACCEL_RANGE_G = 16.0
GYRO_RANGE_DPS = 2000.0
ANGLE_RANGE_DEG = 180.0

# Commands, 5 bytes written to WRITE_UUID: FF AA <register> <value lo> <value hi>.
_COMMAND = struct.Struct("<2sBH")
_COMMAND_PREFIX = b"\xff\xaa"
REG_SAVE = 0x00
REG_RATE = 0x03
REG_READ = 0x27
REG_UNLOCK = 0x69
REG_BATTERY = 0x64  # battery voltage in 1/100 V
UNLOCK_KEY = 0xB588
UNLOCK = bytes.fromhex("ffaa6988b5")
SAVE = bytes.fromhex("ffaa000000")
# Output rate codes. 200 Hz is 0x0A in the BLE manual and esphome-witmotion but 0x0B in the
# serial manual: backmon sends 0x0A; the monitor should read the rate back and measure it.
RATE_CODES = {10.0: 0x06, 20.0: 0x07, 50.0: 0x08, 100.0: 0x09, 200.0: 0x0A}
RATES_HZ = tuple(RATE_CODES)
# 50 Hz: well above trunk-posture bandwidth (< 5 Hz), and one frame per notification at 50 Hz
# keeps two sensors at 100 notifications/s (firmware_notes/connection.md). Factory default is 10 Hz.
DEFAULT_RATE_HZ = 50.0


@dataclass(frozen=True)
class StreamFrame:
    """One 0x61 frame: acceleration in g, angular rate in deg/s, the device's own angles in deg."""

    accel_g: tuple[float, float, float]
    gyro_dps: tuple[float, float, float]
    angles_deg: tuple[float, float, float]

    def sample(self) -> ImuSample:
        return ImuSample(*self.accel_g, *self.gyro_dps)


@dataclass(frozen=True)
class WriteCommand:
    """A decoded 5-byte command: which register is written with which 16-bit value."""

    register: int
    value: int

    @property
    def is_unlock(self) -> bool:
        return self.register == REG_UNLOCK and self.value == UNLOCK_KEY

    @property
    def is_save(self) -> bool:
        return self.register == REG_SAVE and self.value == 0

    @property
    def rate_hz(self) -> float | None:
        """The output rate this command sets, or None (another register, or an unknown code)."""
        if self.register != REG_RATE:
            return None
        return next((hz for hz, code in RATE_CODES.items() if code == self.value), None)

    @property
    def read_register(self) -> int | None:
        """The register this command asks to read, or None."""
        return self.value if self.register == REG_READ else None


def _scaled(raw: Sequence[int], range_: float) -> tuple[float, ...]:
    return tuple(r / INT16_FULL_SCALE * range_ for r in raw)


def parse_frame(frame: bytes) -> StreamFrame:
    """One 20-byte 0x61 stream frame -> StreamFrame. MalformedPacket for anything else."""
    if len(frame) != FRAME_LEN or frame[0] != HEADER or frame[1] != FLAG_STREAM:
        raise MalformedPacket(f"not a WitMotion stream frame (55 61 + 18 bytes): {bytes(frame[:4]).hex()}...")
    raw = _STREAM.unpack(frame)
    return StreamFrame(_scaled(raw[0:3], ACCEL_RANGE_G), _scaled(raw[3:6], GYRO_RANGE_DPS),
                       _scaled(raw[6:9], ANGLE_RANGE_DEG))


def parse_register_reply(frame: bytes) -> RegisterReply:
    """One 20-byte 0x71 frame -> RegisterReply(first register, its 8 signed 16-bit values)."""
    if len(frame) != FRAME_LEN or frame[0] != HEADER or frame[1] != FLAG_REGISTER:
        raise MalformedPacket(f"not a WitMotion register reply (55 71 + 18 bytes): {bytes(frame[:4]).hex()}...")
    register, *values = _REGISTER.unpack(frame)
    return RegisterReply(register, tuple(values))


def battery_from_reply(reply: RegisterReply) -> BatteryReading | None:
    """The battery voltage when the reply starts at register 0x64 (1/100 V); None otherwise,
    or when that register holds no plausible voltage (negative)."""
    if reply.register != REG_BATTERY or reply.values[0] < 0:
        return None
    return BatteryReading(volts=reply.values[0] / 100)


def _frames(data: bytes) -> list[bytes]:
    if not data or len(data) % FRAME_LEN:
        raise MalformedPacket(f"{len(data)} bytes is not a whole number of 20-byte WitMotion frames")
    frames = [bytes(data[i:i + FRAME_LEN]) for i in range(0, len(data), FRAME_LEN)]
    for i, frame in enumerate(frames):
        if frame[0] != HEADER or frame[1] not in _FLAGS:
            raise MalformedPacket(f"frame {i + 1} starts {frame[:2].hex()}, not 5561 or 5571")
    return frames


def parse(data: bytes) -> tuple[ImuSample, ...]:
    """One notification of whole frames (one, or several merged) -> its samples, in order.

    Register replies (0x71) in it yield no samples. Split frames need a WitMotionDecoder.
    WitMotion sends no device time and no counter: device_time_s and seq stay None.
    """
    return tuple(parse_frame(f).sample() for f in _frames(data) if f[1] == FLAG_STREAM)


def encode_frame(frame: StreamFrame) -> bytes:
    """StreamFrame -> 20 bytes (values saturate at the sensor's ranges)."""
    raw = ([to_int16(v, ACCEL_RANGE_G) for v in frame.accel_g] + [to_int16(v, GYRO_RANGE_DPS) for v in frame.gyro_dps]
           + [to_int16(v, ANGLE_RANGE_DEG) for v in frame.angles_deg])
    return bytes((HEADER, FLAG_STREAM)) + struct.pack("<9h", *raw)


def tilt_angles_deg(sample: ImuSample) -> tuple[float, float, float]:
    """Roll and pitch from gravity alone (yaw 0): what the device's own filter settles to when still."""
    roll = math.degrees(math.atan2(sample.ay_g, sample.az_g))
    pitch = math.degrees(math.atan2(-sample.ax_g, math.hypot(sample.ay_g, sample.az_g)))
    return (roll, pitch, 0.0)


def encode(samples: Sequence[ImuSample]) -> bytes:
    """Samples -> concatenated stream frames (for virtual sensors); angles from tilt_angles_deg."""
    return b"".join(encode_frame(StreamFrame((s.ax_g, s.ay_g, s.az_g), (s.gx_dps, s.gy_dps, s.gz_dps),
                                             tilt_angles_deg(s))) for s in samples)


def encode_register_reply(register: int, values: Sequence[int]) -> bytes:
    """A 0x71 reply frame: the first register and up to 8 values (the rest are 0)."""
    padded = list(values) + [0] * (8 - len(values))
    return bytes((HEADER, FLAG_REGISTER)) + struct.pack("<H8h", register, *padded[:8])


def encode_battery_reply(volts: float) -> bytes:
    """The reply to a read of register 0x64 for a battery at this voltage."""
    return encode_register_reply(REG_BATTERY, [round(volts * 100)])


def command(register: int, value: int) -> bytes:
    """FF AA <register> <value, u16 little-endian>."""
    return _COMMAND.pack(_COMMAND_PREFIX, register, value)


def set_rate_command(rate_hz: float) -> bytes:
    """FF AA 03 <code> 00 for one of RATES_HZ; UnsupportedRate otherwise."""
    if float(rate_hz) not in RATE_CODES:
        raise UnsupportedRate("WitMotion", rate_hz, RATES_HZ)
    return command(REG_RATE, RATE_CODES[float(rate_hz)])


def read_register_command(register: int) -> bytes:
    """FF AA 27 <register> 00: the answer comes back as a 0x71 frame on the notify characteristic."""
    return command(REG_READ, register)


def parse_command(data: bytes) -> WriteCommand:
    """5 written bytes -> WriteCommand (what a virtual sensor was asked to do)."""
    if len(data) != _COMMAND.size or data[:2] != _COMMAND_PREFIX:
        raise MalformedPacket(f"not a WitMotion command (FF AA + 3 bytes): {bytes(data).hex() or 'nothing'}")
    _, register, value = _COMMAND.unpack(data)
    return WriteCommand(register, value)


def start_commands(rate_hz: float) -> tuple[bytes, ...]:
    """The published write sequence: unlock, set the rate, save. Streaming starts on subscribe."""
    return (UNLOCK, set_rate_command(rate_hz), SAVE)


def stop_commands() -> tuple[bytes, ...]:
    """Nothing to write: the sensor streams while notifications are on."""
    return ()


class FrameAssembler:
    """Cuts a WitMotion byte stream into 20-byte frames, whatever the notification boundaries.

    Scans for 55 61 / 55 71, so frames split across notifications or merged into one come out
    whole; bytes before a header are skipped and counted. Frames carry no checksum: when a
    notification that is itself whole frames (starts with a header, a multiple of 20 bytes)
    follows an unfinished frame, that unfinished frame is taken as orphaned (its rest was lost)
    and dropped rather than glued to the new bytes.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.skipped_bytes = 0

    @property
    def pending_bytes(self) -> int:
        return len(self._buffer)

    def reset(self) -> None:
        self._buffer.clear()

    def feed(self, data: bytes) -> list[bytes]:
        """Bytes of one notification -> the frames completed by them, in order."""
        if self._buffer and _starts_frame(data) and len(data) % FRAME_LEN == 0:
            self.skipped_bytes += len(self._buffer)
            self._buffer.clear()
        buffer = self._buffer
        buffer += data
        frames, start = [], 0
        while True:
            at = buffer.find(HEADER, start)
            if at < 0:
                self.skipped_bytes += len(buffer) - start
                start = len(buffer)
                break
            self.skipped_bytes += at - start
            if at + 1 == len(buffer):  # a lone 0x55 at the end may start a frame
                start = at
                break
            if buffer[at + 1] not in _FLAGS:
                self.skipped_bytes += 1
                start = at + 1
                continue
            if len(buffer) - at < FRAME_LEN:
                start = at
                break
            frames.append(bytes(buffer[at:at + FRAME_LEN]))
            start = at + FRAME_LEN
        del buffer[:start]
        return frames


def _starts_frame(data: bytes) -> bool:
    return len(data) >= 2 and data[0] == HEADER and data[1] in _FLAGS


class WitMotionDecoder:
    """StreamDecoder for one WitMotion connection: reassembly, samples, register replies."""

    def __init__(self, rate_hz: float | None = None) -> None:
        # The stream carries no timing: the rate is not needed to decode (clocks.md).
        self._assembler = FrameAssembler()

    @property
    def skipped_bytes(self) -> int:
        return self._assembler.skipped_bytes

    @property
    def pending_bytes(self) -> int:
        return self._assembler.pending_bytes

    def reset(self) -> None:
        self._assembler.reset()

    def feed(self, data: bytes) -> Decoded:
        frames = self._assembler.feed(data)
        if not frames:
            return NOTHING
        samples, replies = [], []
        for frame in frames:
            if frame[1] == FLAG_STREAM:
                samples.append(parse_frame(frame).sample())
            else:
                reply = parse_register_reply(frame)
                battery = battery_from_reply(reply)
                replies.append(battery if battery is not None else reply)
        return Decoded(tuple(samples), tuple(replies))


PROFILE = DeviceProfile(
    name="witmotion",
    title="WitMotion BLE 5.0 (WT901BLECL, BWT901BLE5.0, WT9011DCL)",
    name_prefixes=NAME_PREFIXES,
    service_uuid=SERVICE_UUID,
    notify_uuid=NOTIFY_UUID,
    write_uuid=WRITE_UUID,
    write_with_response=False,  # the vendor SDK and esphome-witmotion write without response
    rates_hz=RATES_HZ,
    default_rate_hz=DEFAULT_RATE_HZ,
    has_device_time=False,
    parse=parse,
    encode=encode,
    start_commands=start_commands,
    stop_commands=stop_commands,
    decoder=WitMotionDecoder,
    battery=BatteryAccess(request=read_register_command(REG_BATTERY)),
)

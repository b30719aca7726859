"""backmon's own format: the specification's example, round trips, control and info, the spec and the
reference firmware agreeing with the module, fuzz."""

import re
import struct
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.errors import MalformedPacket, UsageError
from sensors.profiles import (
    PROFILES,
    BatteryReading,
    HapticPattern,
    parse_battery_level,
    profile_for_name,
)
from sensors.profiles import backmon as bm
from sensors.samples import ImuSample
from tests.support.paths import FIRMWARE_NOTES as NOTES

SPEC = NOTES / "backmon-gatt-profile.md"
SKETCH = NOTES / "reference-firmware" / "xiao_nrf52840_sense" / "xiao_nrf52840_sense.ino"
# The specification's example packet (backmon-gatt-profile.md, "Example").
EXAMPLE = bytes.fromhex("01210700a025260000000000102700000000000000200000000000000010000000200004000000fc")
INFO_EXAMPLE = bytes.fromhex("012100048f2500001a0034006800d000")
# The specification's haptic example (backmon-gatt-profile.md, "Haptic"): the monitor's alert pattern.
HAPTIC_EXAMPLE = bytes.fromhex("039001c8009001c80090010000")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_spec_example_decodes_to_the_whole_packet():
    # ranges 0x21: accel code 1 = +-4 g, gyro code 2 = +-500 deg/s; seq 0x0007; time 0x2625a0 = 2 500 000 us;
    # period 0x2710 = 10 000 us; 0x2000 = 8192 -> 8192 / 32768 * 4 = 1.0 g; 0x1000 -> 0.5 g;
    # 0x0400 = 1024 -> 1024 / 32768 * 500 = 15.625 deg/s; 0xfc00 = -1024 -> -15.625 deg/s
    assert bm.parse_packet(EXAMPLE) == bm.DataPacket(
        seq=7, time_us=2_500_000, period_us=10_000, accel_range_g=4, gyro_range_dps=500,
        samples=(ImuSample(0.0, 0.0, 1.0, 0.0, 0.0, 0.0, device_time_s=2.5, seq=7),
                 ImuSample(0.5, 0.0, 1.0, 15.625, 0.0, -15.625, device_time_s=2.51, seq=7)))


def test_the_spec_shows_the_example_and_the_module_uuids():
    spec = SPEC.read_text()
    assert EXAMPLE.hex() in spec  # the backmon decode command line in the spec
    spaced = re.search(r"```\n(01 21 .*?)```", spec, re.DOTALL).group(1)
    assert bytes.fromhex(spaced.replace("\n", " ")) == EXAMPLE
    assert " ".join(re.findall(r"01 21 00 04 [0-9a-f ]+", spec)[0].split()) == " ".join(
        [INFO_EXAMPLE[:4].hex(" "), INFO_EXAMPLE[4:8].hex(), *(INFO_EXAMPLE[i:i + 2].hex() for i in range(8, 16, 2))])
    for name in ("SERVICE_UUID", "DATA_UUID", "CONTROL_UUID", "INFO_UUID", "HAPTIC_UUID"):
        assert f"`{getattr(bm, name)}`" in spec


def test_reference_firmware_uses_the_module_uuids_and_constants():
    sketch = SKETCH.read_text()
    arrays = dict(re.findall(r"UUID_(\w+)\[16\] = \{([^}]*)\}", sketch))
    for name, const in (("SERVICE", bm.SERVICE_UUID), ("DATA", bm.DATA_UUID), ("CONTROL", bm.CONTROL_UUID),
                        ("INFO", bm.INFO_UUID), ("HAPTIC", bm.HAPTIC_UUID)):
        little_endian = bytes(int(b, 16) for b in arrays[name].replace("\n", " ").split(","))
        assert str(uuid.UUID(bytes=little_endian[::-1])) == const
        assert const in sketch  # and the string in its header comment
    assert "FORMAT_VERSION = 1" in sketch and "HEADER_LEN = 16, SAMPLE_LEN = 12, MAX_SAMPLES = 19" in sketch
    assert "RANGES = ACCEL_CODE | (GYRO_CODE << 4);  // 0x21" in sketch
    assert "CTRL_STOP = 0x00, CTRL_START = 0x01, CTRL_SET_RANGES = 0x02" in sketch
    assert "RATES_HZ[] = {26, 52, 104, 208}" in sketch and bm.RATES_HZ == (26.0, 52.0, 104.0, 208.0)
    assert 'NAME[] = "backmon-L"' in sketch and PROFILES["backmon"].matches("backmon-L")
    assert "MAX_PULSES = 4, MIN_ON_MS = 20, MAX_ON_MS = 1000, MAX_OFF_MS = 1000" in sketch
    assert (bm.MAX_PULSES, bm.MIN_ON_MS, bm.MAX_ON_MS, bm.MAX_OFF_MS) == (4, 20, 1000, 1000)


def test_haptic_spec_example_is_the_alert_pattern():
    # 03: three pulses; 0x0190 = 400 ms on, 0x00c8 = 200 ms off (twice); then 400 ms on, 0 off.
    pattern = HapticPattern(((400, 200), (400, 200), (400, 0)))
    assert bm.encode_haptic(pattern) == HAPTIC_EXAMPLE
    assert bm.parse_haptic(HAPTIC_EXAMPLE) == pattern and pattern.duration_ms == 1600
    spaced = re.search(r"```\n(03 9001.*?)\n```", SPEC.read_text(), re.DOTALL).group(1)
    assert bytes.fromhex(spaced) == HAPTIC_EXAMPLE
    # 01 5000 0000: one 80 ms tap; 00: stop now; four pulses fill 17 bytes, within a default-MTU write (20).
    assert bm.encode_haptic(HapticPattern(((80, 0),))) == bytes.fromhex("0150000000")
    assert bm.encode_haptic(HapticPattern(())) == b"\x00" and bm.parse_haptic(b"\x00") == HapticPattern(())
    assert len(bm.encode_haptic(HapticPattern(((1000, 1000),) * 4))) == 17 <= 23 - 3


@pytest.mark.parametrize("pulses", [((19, 0),), ((1001, 0),), ((100, 1001),), ((100, 100),) * 5])
def test_haptic_limits(pulses):
    with pytest.raises(ValueError):
        bm.encode_haptic(HapticPattern(pulses))
    raw = bytes([len(pulses)]) + b"".join(struct.pack("<HH", on, off) for on, off in pulses)
    with pytest.raises(MalformedPacket):
        bm.parse_haptic(raw)


@pytest.mark.parametrize("data", [b"", b"\x01", b"\x01\x50\x00\x00", HAPTIC_EXAMPLE + b"\x00",
                                  b"\x05" + b"\x50\x00" * 10])
def test_malformed_haptic_writes(data):
    with pytest.raises(MalformedPacket):
        bm.parse_haptic(data)


def test_motors_come_from_the_profile_rows():
    assert PROFILES["backmon"].has_motor and PROFILES["backmon"].haptic_uuid == bm.HAPTIC_UUID
    assert not PROFILES["movesense"].has_motor and not PROFILES["witmotion"].has_motor


def test_encode_writes_the_spec_example():
    samples = [ImuSample(0.0, 0.0, 1.0, 0.0, 0.0, 0.0), ImuSample(0.5, 0.0, 1.0, 15.625, 0.0, -15.625)]
    assert bm.encode(samples, seq=7, time_us=2_500_000, period_us=10_000) == EXAMPLE


def test_nineteen_samples_fill_an_mtu_247_notification():
    assert bm.MAX_SAMPLES_MTU_247 == 19
    a, w = 4 / 32768, 500 / 32768
    samples = [ImuSample(k * a, -k * a, 8192 * a, 100 * k * w, -w, 0.0) for k in range(19)]
    data = bm.encode(samples, seq=65535, time_us=2**40, period_us=4807, accel_range_g=4, gyro_range_dps=500)
    assert len(data) == 244
    packet = bm.parse_packet(data)
    assert packet.seq == 65535 and packet.time_us == 2**40 and packet.period_us == 4807
    assert packet.samples == tuple(ImuSample(s.ax_g, s.ay_g, s.az_g, s.gx_dps, s.gy_dps, s.gz_dps,
                                             device_time_s=(2**40 + k * 4807) / 1e6, seq=65535)
                                   for k, s in enumerate(samples))


@pytest.mark.parametrize("accel_g,gyro_dps", [(2, 125), (8, 1000), (16, 2000)])
def test_every_range_round_trips_and_saturates(accel_g, gyro_dps):
    big = ImuSample(3 * accel_g, -3 * accel_g, 0.25 * accel_g, 3 * gyro_dps, -3 * gyro_dps, 0.5 * gyro_dps)
    [got] = bm.parse(bm.encode([big], seq=1, time_us=0, period_us=1000, accel_range_g=accel_g,
                               gyro_range_dps=gyro_dps))
    top = 32767 / 32768
    assert (got.ax_g, got.ay_g, got.az_g) == (top * accel_g, -accel_g, 0.25 * accel_g)
    assert (got.gx_dps, got.gy_dps, got.gz_dps) == (top * gyro_dps, -gyro_dps, 0.5 * gyro_dps)


@given(st.lists(st.tuples(*[st.floats(-3.9, 3.9)] * 3, *[st.floats(-499, 499)] * 3), min_size=1, max_size=19),
       st.integers(0, 2**64 - 1), st.integers(1, 2**32 - 1), st.integers(0, 65535))
@settings(max_examples=100, deadline=None)
def test_encode_parse_round_trip_within_half_a_count(values, time_us, period_us, seq):
    samples = [ImuSample(*v) for v in values]
    packet = bm.parse_packet(bm.encode(samples, seq=seq, time_us=time_us, period_us=period_us))
    assert (packet.seq, packet.time_us, packet.period_us) == (seq, time_us, period_us)
    for got, want in zip(packet.samples, samples, strict=True):
        assert [got.ax_g, got.ay_g, got.az_g] == pytest.approx([want.ax_g, want.ay_g, want.az_g], abs=2 / 32768)
        assert [got.gx_dps, got.gy_dps, got.gz_dps] == pytest.approx([want.gx_dps, want.gy_dps, want.gz_dps],
                                                                      abs=250 / 32768)


@pytest.mark.parametrize("data,problem", [
    (EXAMPLE[:16], "16 \\+ 12"), (EXAMPLE + b"\x00", "16 \\+ 12"), (b"\x02" + EXAMPLE[1:], "version 2"),
    (EXAMPLE[:1] + b"\x24" + EXAMPLE[2:], "ranges byte"), (EXAMPLE[:1] + b"\x51" + EXAMPLE[2:], "ranges byte"),
    (EXAMPLE[:12] + b"\x00" * 4 + EXAMPLE[16:], "period of 0")])
def test_malformed_packets_say_what_is_wrong(data, problem):
    with pytest.raises(MalformedPacket, match=problem):
        bm.parse(data)


def test_control_commands():
    assert bm.start_command(100) == bytes.fromhex("016400")
    assert bm.start_command(1000) == bytes.fromhex("01e803")
    assert bm.stop_command() == bytes.fromhex("00")
    assert bm.set_ranges_command(4, 500) == bytes.fromhex("0221")
    assert bm.start_commands(52) == (bytes.fromhex("013400"),) and bm.stop_commands() == (b"\x00",)
    assert bm.parse_control(bytes.fromhex("016400")) == bm.ControlCommand(bm.CTRL_START, rate_hz=100)
    assert bm.parse_control(b"\x00") == bm.ControlCommand(bm.CTRL_STOP)
    assert bm.parse_control(bytes.fromhex("0233")) == bm.ControlCommand(bm.CTRL_SET_RANGES, accel_range_g=16,
                                                                        gyro_range_dps=1000)
    for bad in (5, 1001, 52.5):
        with pytest.raises(UsageError):
            bm.start_command(bad)
    for bad in (b"", b"\x01\x05\x00", b"\x03", b"\x02\x0f"):
        with pytest.raises(MalformedPacket):
            bm.parse_control(bad)


def test_info_characteristic():
    info = bm.DeviceInfo(format_version=1, accel_range_g=4, gyro_range_dps=500, streaming=False, period_us=9615,
                         rates_hz=(26, 52, 104, 208))
    assert bm.encode_info(info) == INFO_EXAMPLE  # 0x258f = 9615 us; 0x1a, 0x34, 0x68, 0xd0 = 26, 52, 104, 208
    assert bm.parse_info(INFO_EXAMPLE) == info
    assert bm.parse_info(bytes.fromhex("01000100e8030000")) == bm.DeviceInfo(1, 2, 125, True, 1000, ())
    for bad in (INFO_EXAMPLE[:-1], INFO_EXAMPLE + b"\x00", INFO_EXAMPLE[:7]):
        with pytest.raises(MalformedPacket):
            bm.parse_info(bad)


def test_standard_battery_level():
    assert parse_battery_level(b"\x57") == BatteryReading(percent=87.0)
    for bad in (b"", b"\x65", b"\x10\x00"):
        with pytest.raises(MalformedPacket):
            parse_battery_level(bad)


def test_profile_row_and_decoder():
    profile = PROFILES["backmon"]
    assert profile.notify_uuid == bm.DATA_UUID and profile.write_uuid == bm.CONTROL_UUID
    assert profile.info_uuid == bm.INFO_UUID and profile.battery.read_uuid == "00002a19-0000-1000-8000-00805f9b34fb"
    assert profile.has_device_time and profile_for_name("BACKMON-R") is profile
    decoder = profile.decoder(None)
    assert decoder.feed(EXAMPLE).samples == bm.parse(EXAMPLE)
    assert decoder.pending_bytes == 0 and decoder.skipped_bytes == 0


def test_every_profile_uses_full_128_bit_lowercase_uuids():
    for profile in PROFILES.values():
        for value in (profile.service_uuid, profile.notify_uuid, profile.write_uuid):
            assert str(uuid.UUID(value)) == value


@given(st.binary(max_size=260))
@FUZZ
def test_fuzz_parsers_raise_only_malformed_packet(data):
    for parse in (bm.parse, bm.parse_info, bm.parse_control, bm.parse_haptic, parse_battery_level):
        try:
            parse(data)
        except MalformedPacket:
            pass


@given(st.integers(0, 255), st.integers(0, 255), st.binary(min_size=14, max_size=14 + 12 * 3))
@FUZZ
def test_fuzz_headers_with_plausible_lengths(version, ranges, rest):
    try:
        bm.parse(struct.pack("<BB", version, ranges) + rest)
    except MalformedPacket:
        pass

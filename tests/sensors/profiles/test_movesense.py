"""Movesense GSP profile: IMU6 packets built per the documented layout, commands, continuation, fuzz."""

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.errors import MalformedPacket, UnsupportedRate, UsageError
from sensors.profiles import PROFILES, CommandResult, profile_for_name
from sensors.profiles import movesense as ms
from sensors.samples import ImuSample

G = 9.80665
# Constructed per the GSP / IMU6 layout (the module's layout comment): DATA, ref 66, 1000 ms,
# acc (1.0, -2.0, 9.5) m/s², gyro (0.5, -1.25, 10.0) deg/s, every value exact in float32.
ONE_SAMPLE = bytes.fromhex("0242" "e8030000" "0000803f000000c000001841" "0000003f0000a0bf00002041")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def imu6_packet(ref, time_ms, acc_mps2, gyro_dps):
    """Independent builder: [2, ref] u32 ms, N x 3 f32 acc, N x 3 f32 gyro (little-endian)."""
    body = struct.pack("<I", time_ms)
    body += b"".join(struct.pack("<3f", *a) for a in acc_mps2)
    body += b"".join(struct.pack("<3f", *w) for w in gyro_dps)
    return bytes((2, ref)) + body


def test_constructed_packet_decodes_to_g_and_dps():
    assert ms.parse(ONE_SAMPLE, rate_hz=52) == (
        ImuSample(1.0 / G, -2.0 / G, 9.5 / G, 0.5, -1.25, 10.0, device_time_s=1.0, seq=None),)
    assert ONE_SAMPLE == imu6_packet(66, 1000, [(1.0, -2.0, 9.5)], [(0.5, -1.25, 10.0)])


def test_52_hz_packet_of_four_samples_times_each_sample():
    acc = [(0.0, 0.0, 9.80665), (0.5, 0.0, 9.80665), (0.0, -0.25, 9.80665), (1.0, 1.0, 1.0)]
    gyro = [(0.0, 0.0, 0.0), (1.0, 2.0, 3.0), (-4.0, 0.0, 0.0), (0.0, 0.0, 125.0)]
    data = imu6_packet(66, 123456, acc, gyro)
    assert len(data) == 2 + 4 + 4 * 24  # 102 bytes, N = (102 - 6) / 24 = 4
    samples = ms.parse(data, rate_hz=52)
    f32 = [struct.unpack("<3f", struct.pack("<3f", *a)) for a in acc]  # 9.80665 is not exact in float32
    assert samples == tuple(ImuSample(a[0] / G, a[1] / G, a[2] / G, *w, device_time_s=123.456 + k / 52)
                            for k, (a, w) in enumerate(zip(f32, gyro)))
    assert samples[0].az_g == pytest.approx(1.0, abs=1e-7)


def test_commands_are_the_documented_bytes():
    assert ms.subscribe_command(52) == bytes([1, 66]) + b"/Meas/IMU6/52"
    assert ms.subscribe_command(208, ref=99) == bytes([1, 99]) + b"/Meas/IMU6/208"
    assert ms.unsubscribe_command() == bytes([2, 66])
    assert ms.hello_command(ref=5) == bytes([0, 5])
    assert ms.start_commands(104) == (bytes([1, 66]) + b"/Meas/IMU6/104",)
    assert ms.stop_commands() == (bytes([2, 66]),)
    with pytest.raises(UnsupportedRate, match="13, 26, 52, 104, 208 Hz"):
        ms.start_commands(100)


def test_command_parser_reads_back_subscriptions():
    command = ms.parse_command(ms.subscribe_command(26))
    assert command == ms.GspCommand(1, 66, "/Meas/IMU6/26") and command.imu6_rate_hz == 26.0
    assert ms.parse_command(ms.unsubscribe_command()) == ms.GspCommand(2, 66, None)
    assert ms.parse_command(bytes([1, 66]) + b"/Meas/Acc/13").imu6_rate_hz is None
    with pytest.raises(MalformedPacket):
        ms.parse_command(bytes([1, 0]) + b"/Meas/IMU6/52")  # reference 0 is not allowed


def test_command_results():
    assert ms.parse_command_result(bytes.fromhex("0142c800")) == CommandResult(66, 200)  # 0x00c8 = 200
    assert ms.parse_command_result(bytes.fromhex("0142ad01")) == CommandResult(66, 429)  # pool exhausted
    # The device-lib sample writes its 507 "no free slot" as 01 FB (big-endian): still 507.
    assert ms.parse_command_result(bytes([1, 66, 0x01, 0xFB])) == CommandResult(66, 507)
    assert ms.parse_command_result(bytes([1, 7]) + b"Hello") == CommandResult(7, None, b"Hello")
    assert ms.encode_command_result(66, 200) == bytes.fromhex("0142c800")
    assert ms.parse(bytes.fromhex("0142c800"), rate_hz=52) == ()
    assert not CommandResult(66, 404).ok and CommandResult(66, 200).ok


def test_profile_row():
    profile = PROFILES["movesense"]
    assert (profile.service_uuid, profile.write_uuid, profile.notify_uuid) == (
        "34802252-7185-4d5d-b431-630e7050e8f0", "34800001-7185-4d5d-b431-630e7050e8f0",
        "34800002-7185-4d5d-b431-630e7050e8f0")
    assert profile.has_device_time and profile.write_with_response
    assert profile_for_name("Movesense 174630000192") is profile


def test_encode_parse_round_trip_in_float32():
    samples = [ImuSample(0.1 * k, -0.2, 1.0, 3.3 * k, -40.0, 0.01) for k in range(8)]
    data = ms.encode(samples, time_ms=5000)
    assert len(data) == 2 + 4 + 8 * 24
    decoded = ms.parse(data, rate_hz=104)
    for k, (got, want) in enumerate(zip(decoded, samples, strict=True)):
        assert got.device_time_s == pytest.approx(5.0 + k / 104, abs=1e-12)
        assert [got.ax_g, got.ay_g, got.az_g, got.gx_dps, got.gy_dps, got.gz_dps] == pytest.approx(
            [want.ax_g, want.ay_g, want.az_g, want.gx_dps, want.gy_dps, want.gz_dps], rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("max_len,parts", [(158, 3), (244, 2), (400, 1)])
def test_208_hz_message_split_and_reassembled(max_len, parts):
    # 16 samples: 2 + 4 + 384 = 390 bytes, more than one notification at MTU 161 or 247.
    samples = [ImuSample(0.01 * k, 0.0, 1.0, k, -k, 0.5) for k in range(16)]
    message = ms.encode(samples, time_ms=42)
    notifications = ms.split_message(message, max_len=max_len)
    assert len(notifications) == parts and all(len(n) <= max_len for n in notifications)
    assert [n[0] for n in notifications] == [2, 3, 4][:parts] and {n[1] for n in notifications} == {66}
    decoder = ms.MovesenseDecoder(208)
    outputs = [decoder.feed(n) for n in notifications]
    assert all(o.samples == () for o in outputs[:-1])
    assert outputs[-1].samples == ms.parse(message, rate_hz=208)
    assert decoder.pending_bytes == 0 and decoder.skipped_bytes == 0


def test_continuation_without_a_first_part_is_malformed():
    decoder = ms.MovesenseDecoder(52)
    with pytest.raises(MalformedPacket, match="without the part before it"):
        decoder.feed(bytes([3, 66]) + b"\x00" * 40)
    with pytest.raises(MalformedPacket):
        ms.parse(bytes([3, 66]) + b"\x00" * 40, rate_hz=52)


def test_a_first_part_whose_continuation_was_lost_is_dropped_and_counted():
    message = ms.encode([ImuSample(0.0, 0.0, 1.0, 0.0, 0.0, 0.0)] * 16, time_ms=0)
    first, _second, _third = ms.split_message(message, max_len=158)
    decoder = ms.MovesenseDecoder(208)
    decoder.feed(first)
    assert decoder.pending_bytes == 156
    assert decoder.feed(ONE_SAMPLE).samples == ms.parse(ONE_SAMPLE, rate_hz=208)
    assert decoder.skipped_bytes == 156 and decoder.pending_bytes == 0


def test_decoder_filters_by_reference_and_passes_results():
    decoder = ms.MovesenseDecoder(52, ref=66)
    assert decoder.feed(bytes.fromhex("0142c800")).replies == (CommandResult(66, 200),)
    with pytest.raises(MalformedPacket, match="reference 99"):
        decoder.feed(bytes([2, 99]) + ONE_SAMPLE[2:])
    assert len(decoder.feed(ONE_SAMPLE).samples) == 1


def test_decoder_needs_the_rate():
    with pytest.raises(UsageError, match="subscribed rate"):
        PROFILES["movesense"].decoder(None)


def test_non_finite_values_are_malformed():
    nan = imu6_packet(66, 0, [(float("nan"), 0.0, 0.0)], [(0.0, 0.0, 0.0)])
    with pytest.raises(MalformedPacket, match="finite"):
        ms.parse(nan, rate_hz=52)


@given(st.binary(max_size=200))
@FUZZ
def test_fuzz_parsers_raise_only_malformed_packet(data):
    for parse in (lambda d: ms.parse(d, rate_hz=52), ms.parse_command, ms.parse_command_result):
        try:
            parse(data)
        except MalformedPacket:
            pass


@given(st.lists(st.tuples(st.sampled_from([1, 2, 3, 4, 9]), st.sampled_from([66, 99]), st.binary(max_size=160)),
                max_size=8))
@FUZZ
def test_fuzz_decoder_raises_only_malformed_packet_and_stays_bounded(notifications):
    decoder = ms.MovesenseDecoder(52)
    for code, ref, body in notifications:
        try:
            decoder.feed(bytes((code, ref)) + body)
        except MalformedPacket:
            pass
        assert decoder.pending_bytes <= 2 * (4 + 64 * 24)

"""WitMotion profile: the published vectors, commands, reassembly of split/merged frames, fuzz."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sensors.errors import MalformedPacket, UnsupportedRate
from sensors.profiles import PROFILES, BatteryReading, RegisterReply, profile_for_name
from sensors.profiles import witmotion as wm
from sensors.samples import ImuSample

# REFERENCES.md "Sensors and their wire formats" (WT901BLECL 5.0 manual p.16-18 layout).
VECTOR_1 = bytes.fromhex("5561000000040008000000200000000000200040")
VECTOR_2 = bytes.fromhex("556100fc0000000800e00000000000e000000020")
# Register reply constructed per the manual's 0x71 layout: register 0x64 = 0x0186 = 390 (1/100 V).
BATTERY_REPLY = bytes.fromhex("5571640086010000000000000000000000000000")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_published_vector_1():
    # a: 0x0400 = 1024 -> 1024 / 32768 * 16 = 0.5 g; 0x0800 = 2048 -> 1.0 g
    # w: 0x2000 = 8192 -> 8192 / 32768 * 2000 = 500 deg/s; angles 8192 -> 45, 16384 -> 90 deg
    assert wm.parse_frame(VECTOR_1) == wm.StreamFrame((0.0, 0.5, 1.0), (0.0, 500.0, 0.0), (0.0, 45.0, 90.0))
    assert wm.parse(VECTOR_1) == (ImuSample(0.0, 0.5, 1.0, 0.0, 500.0, 0.0, device_time_s=None, seq=None),)


def test_published_vector_2():
    # 0xfc00 = -1024 -> -0.5 g; 0xe000 = -8192 -> -500 deg/s and -45 deg; 0x2000 -> 45 deg
    assert wm.parse_frame(VECTOR_2) == wm.StreamFrame((-0.5, 0.0, 1.0), (-500.0, 0.0, 0.0), (-45.0, 0.0, 45.0))
    assert wm.parse(VECTOR_2) == (ImuSample(-0.5, 0.0, 1.0, -500.0, 0.0, 0.0),)


def test_merged_frames_in_one_notification_decode_in_order():
    assert wm.parse(VECTOR_1 + BATTERY_REPLY + VECTOR_2) == wm.parse(VECTOR_1) + wm.parse(VECTOR_2)


def test_register_reply_and_battery():
    reply = wm.parse_register_reply(BATTERY_REPLY)
    assert reply == RegisterReply(0x64, (390, 0, 0, 0, 0, 0, 0, 0))
    assert wm.battery_from_reply(reply) == BatteryReading(volts=3.9)
    assert wm.battery_from_reply(RegisterReply(0x2E, (1, 0, 0, 0, 0, 0, 0, 0))) is None
    assert wm.encode_battery_reply(3.9) == BATTERY_REPLY


@pytest.mark.parametrize("data", [VECTOR_1[:19], VECTOR_1 + b"\x55", b"", bytes.fromhex("5562") + VECTOR_1[2:],
                                  BATTERY_REPLY[:1] + b"\x00" + VECTOR_1[2:]])
def test_parse_rejects_what_is_not_whole_frames(data):
    with pytest.raises(MalformedPacket):
        wm.parse(data)


def test_commands_are_the_published_bytes():
    assert wm.UNLOCK == bytes.fromhex("ffaa6988b5")
    assert wm.SAVE == bytes.fromhex("ffaa000000")
    assert wm.set_rate_command(10) == bytes.fromhex("ffaa030600")
    assert wm.set_rate_command(50) == bytes.fromhex("ffaa030800")
    assert wm.set_rate_command(100) == bytes.fromhex("ffaa030900")
    assert wm.set_rate_command(200) == bytes.fromhex("ffaa030a00")
    assert wm.read_register_command(0x64) == bytes.fromhex("ffaa276400")
    # Unlock, rate, save: the write sequence the manual and the vendor SDK use.
    assert wm.start_commands(50) == (bytes.fromhex("ffaa6988b5"), bytes.fromhex("ffaa030800"),
                                     bytes.fromhex("ffaa000000"))
    assert wm.stop_commands() == ()
    with pytest.raises(UnsupportedRate, match="10, 20, 50, 100, 200 Hz"):
        wm.start_commands(52)


def test_command_parser_reads_back_what_the_builders_write():
    assert wm.parse_command(wm.UNLOCK).is_unlock
    assert wm.parse_command(wm.SAVE).is_save
    assert wm.parse_command(wm.set_rate_command(100)) == wm.WriteCommand(0x03, 0x09)
    assert wm.parse_command(wm.set_rate_command(100)).rate_hz == 100.0
    assert wm.parse_command(wm.read_register_command(0x64)).read_register == 0x64
    assert wm.parse_command(wm.command(0x03, 0x0B)).rate_hz is None  # the serial manual's 200 Hz code
    with pytest.raises(MalformedPacket):
        wm.parse_command(b"\xff\xab\x00\x00\x00")


def test_profile_row():
    profile = PROFILES["witmotion"]
    assert (profile.service_uuid, profile.notify_uuid, profile.write_uuid) == (
        "0000ffe5-0000-1000-8000-00805f9a34fb", "0000ffe4-0000-1000-8000-00805f9a34fb",
        "0000ffe9-0000-1000-8000-00805f9a34fb")
    assert profile.battery.request == bytes.fromhex("ffaa276400") and not profile.has_device_time
    for name in ("WT901BLE67", "WT9011DCL-BT50", "BWT901BLE5.0"):
        assert profile_for_name(name) is profile
    assert not profile.matches(None) and not profile.matches("WT61")


def test_encode_round_trip_on_the_int16_grid():
    lsb_g, lsb_dps = 16 / 32768, 2000 / 32768
    samples = [ImuSample(1000 * lsb_g, -1 * lsb_g, 2048 * lsb_g, 7 * lsb_dps, -8192 * lsb_dps, 0.0),
               ImuSample(-32768 * lsb_g, 32767 * lsb_g, 0.0, 32767 * lsb_dps, -32768 * lsb_dps, 1 * lsb_dps)]
    data = wm.encode(samples)
    assert len(data) == 40 and wm.parse(data) == tuple(samples)
    assert wm.encode_frame(wm.parse_frame(VECTOR_1)) == VECTOR_1


def test_encode_saturates_and_writes_tilt_angles():
    [sample] = wm.parse(wm.encode([ImuSample(20.0, -20.0, 0.0, 3000.0, -3000.0, 0.0)]))
    assert sample == ImuSample(32767 * 16 / 32768, -16.0, 0.0, 32767 * 2000 / 32768, -2000.0, 0.0)
    frame = wm.parse_frame(wm.encode([ImuSample(0.0, 0.5, 0.5, 0.0, 0.0, 0.0)]))
    assert frame.angles_deg == pytest.approx((45.0, 0.0, 0.0), abs=180 / 32768)


@given(st.lists(st.tuples(*[st.floats(-15.9, 15.9)] * 3, *[st.floats(-1999, 1999)] * 3), min_size=1, max_size=12))
@settings(max_examples=100, deadline=None)
def test_encode_parse_round_trip_within_half_a_count(values):
    samples = [ImuSample(*v) for v in values]
    for got, want in zip(wm.parse(wm.encode(samples)), samples, strict=True):
        assert [got.ax_g, got.ay_g, got.az_g] == pytest.approx([want.ax_g, want.ay_g, want.az_g], abs=8 / 32768)
        assert [got.gx_dps, got.gy_dps, got.gz_dps] == pytest.approx([want.gx_dps, want.gy_dps, want.gz_dps],
                                                                      abs=1000 / 32768)


@pytest.mark.parametrize("cut", range(1, 20))
def test_a_frame_split_anywhere_is_reassembled(cut):
    assembler = wm.FrameAssembler()
    assert assembler.feed(VECTOR_1[:cut]) == []
    assert assembler.pending_bytes == cut
    assert assembler.feed(VECTOR_1[cut:] + VECTOR_2) == [VECTOR_1, VECTOR_2]
    assert assembler.pending_bytes == 0 and assembler.skipped_bytes == 0


def test_merged_and_split_frames_across_notifications():
    stream = VECTOR_1 + BATTERY_REPLY + VECTOR_2 + VECTOR_1
    assembler = wm.FrameAssembler()
    frames = assembler.feed(stream[:27]) + assembler.feed(stream[27:61]) + assembler.feed(stream[61:])
    assert frames == [VECTOR_1, BATTERY_REPLY, VECTOR_2, VECTOR_1]


def test_bytes_before_a_header_are_skipped_and_counted():
    assembler = wm.FrameAssembler()
    assert assembler.feed(b"\x00\x55\x62\x01" + VECTOR_1 + b"\x55") == [VECTOR_1]
    assert assembler.skipped_bytes == 4 and assembler.pending_bytes == 1  # a trailing 0x55 may start a frame
    assert assembler.feed(VECTOR_2[1:]) == [VECTOR_2]


def test_an_orphaned_partial_frame_is_dropped_not_glued_to_the_next_frames():
    # The rest of the first frame was lost; the next notification is two whole frames.
    assembler = wm.FrameAssembler()
    assembler.feed(VECTOR_1[:9])
    assert assembler.feed(VECTOR_2 + VECTOR_1) == [VECTOR_2, VECTOR_1]
    assert assembler.skipped_bytes == 9 and assembler.pending_bytes == 0


def test_decoder_yields_samples_and_battery_replies():
    decoder = PROFILES["witmotion"].decoder(50.0)
    assert decoder.feed(VECTOR_1[:5]).samples == ()
    decoded = decoder.feed(VECTOR_1[5:] + BATTERY_REPLY + VECTOR_2[:3])
    assert decoded.samples == wm.parse(VECTOR_1) and decoded.replies == (BatteryReading(volts=3.9),)
    decoder.reset()  # after a reconnect the 3 waiting bytes are stale
    assert decoder.pending_bytes == 0
    assert decoder.feed(VECTOR_2).samples == wm.parse(VECTOR_2)


@st.composite
def chunkings(draw):
    """Valid frames and cut points that never make a mid-frame chunk look like whole frames."""
    frames = draw(st.lists(st.sampled_from([VECTOR_1, VECTOR_2, BATTERY_REPLY]), min_size=1, max_size=6))
    stream = b"".join(frames)
    cuts = sorted(draw(st.sets(st.integers(1, len(stream) - 1), max_size=8)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)])]
    return frames, chunks


@given(chunkings())
@FUZZ
def test_any_chunking_of_a_stream_gives_back_its_frames(case):
    frames, chunks = case
    offsets = [sum(map(len, chunks[:i])) for i in range(len(chunks))]
    assume(all(off % 20 == 0 or not (wm._starts_frame(c) and len(c) % 20 == 0) for off, c in zip(offsets, chunks)))
    assembler = wm.FrameAssembler()
    assert [f for c in chunks for f in assembler.feed(c)] == frames
    assert assembler.skipped_bytes == 0 and assembler.pending_bytes == 0


@given(st.binary(max_size=120))
@FUZZ
def test_fuzz_parsers_raise_only_malformed_packet(data):
    for parse in (wm.parse, wm.parse_frame, wm.parse_register_reply, wm.parse_command):
        try:
            parse(data)
        except MalformedPacket:
            pass


@given(st.lists(st.binary(max_size=60), max_size=8))
@FUZZ
def test_fuzz_decoder_never_raises_and_never_hoards(notifications):
    decoder = wm.WitMotionDecoder()
    for data in notifications:
        decoder.feed(data)
        assert decoder.pending_bytes < 20

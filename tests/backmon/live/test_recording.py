"""Live recording and the sensor stream: session CSV v1 appended as data arrive, owner-only,
readable by ``backmon analyze`` at any moment (kill -9 included); repeats and bad bytes dropped."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

from sensors.ble.stream import SampleBlock, SensorStream
from sensors.errors import SessionFileError
from sensors.profiles import PROFILES, movesense, witmotion
from sensors.samples import ImuSample
from sensors.session.files import read_session
from sensors.session.recorder import SessionRecorder
from tests.support.kill import kill_9_once_written


def _block(side, t0, n=5, rate=50.0, device=True):
    t = t0 + np.arange(n) / rate
    accel = np.tile([1.0, 0.01, -0.02], (n, 1))
    gyro = np.tile([0.5, -0.25, 0.125], (n, 1))
    return SampleBlock(side, t, accel, gyro, t + 1000.0 if device else None, None, float(t[-1]) + 0.01)


def test_recording_is_owner_only_and_readable_with_calibration_appended(tmp_path):
    path = tmp_path / "rec.csv"
    old_umask = os.umask(0)  # owner-only by the recorder, not by the umask's luck
    try:
        rec = SessionRecorder(path, metadata=[("started_at", "2026-01-05T08:00:00Z"),
                                              ("left_device", "WT901BLE67 C0:00:11:22:33:44 (profile witmotion)")],
                              flush_every_s=0.0)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for k in range(20):
        rec.write(_block("left", k * 0.1, device=False))
        rec.write(_block("right", k * 0.1 + 0.003))
    rec.event(1.0, "right link lost: reconnecting")
    rec.metadata("calibration_s", "0.0:1.5")
    rec.write(_block("left", 2.0, device=False))
    rec.close()
    session = read_session(path)
    assert len(session.left) == 105 and len(session.right) == 100
    assert session.calibration_window_s == (0.0, 1.5)
    assert session.metadata["left_device"].startswith("WT901BLE67")
    assert session.skipped_rows == 0
    assert session.right.device_time_s[0] == pytest.approx(1000.003)
    assert session.left.device_time_s is None or np.isnan(session.left.device_time_s).all()
    np.testing.assert_allclose(session.right.gyro_dps[0], [0.5, -0.25, 0.125])


def test_rows_reach_the_file_within_the_flush_interval(tmp_path):
    path = tmp_path / "rec.csv"
    rec = SessionRecorder(path, metadata=[], flush_every_s=0.2)
    rec.write(_block("left", 0.0))
    deadline = time.monotonic() + 5.0
    while len(path.read_text().splitlines()) < 7 and time.monotonic() < deadline:
        rec.write(_block("left", time.monotonic()))  # data keep coming; the flush rides on them
        time.sleep(0.01)
    assert len(path.read_text().splitlines()) >= 7
    rec.close()


WRITER = r"""
import sys, time, numpy as np
from sensors.session.recorder import SessionRecorder
from sensors.ble.stream import SampleBlock
rec = SessionRecorder(sys.argv[1], metadata=[("started_at", "now")], flush_every_s=0.5)
while True:  # 2 x 100 Hz in 20 ms notifications, times on the system's monotonic clock
    now = time.monotonic()
    for side in ("left", "right"):
        t = now - 0.02 + np.arange(2) * 0.01
        rec.write(SampleBlock(side, t, np.ones((2, 3)), np.zeros((2, 3)), None, None, now))
    time.sleep(0.02)
"""


def test_kill_9_leaves_a_readable_file_missing_at_most_a_second(tmp_path):
    path = tmp_path / "killed.csv"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])
    killed_at = kill_9_once_written(proc, path, min_bytes=40_000, within_s=30.0)  # well into the recording
    session = read_session(path)
    for side in (session.left, session.right):
        assert killed_at - side.time_s[-1] < 1.0
        assert np.all(np.diff(side.time_s) < 0.05)  # nothing lost before the end


def test_rows_are_the_session_writers_rows(tmp_path):
    """The recorder's rows, as known answers: formatted by the session writer's format_rows (one
    home for how a row is written), which drops printf's "-0.000000" and writes no "nan"."""
    rec = SessionRecorder(tmp_path / "rec.csv", metadata=[], flush_every_s=0.0)
    accel = np.array([[0.99063, 0.20477, -0.09822], [-1e-9, 0.0078125, 16.0]])
    gyro = np.array([[-1.069, 0.006, -0.486], [1999.93896484375, -0.0, 0.125]])
    rec.write(SampleBlock("left", np.array([0.0, 0.01]), accel, gyro, np.array([5.5, np.nan]), np.array([7, 8]),
                          0.0123456))
    rec.write(SampleBlock("right", np.array([0.0041]), accel[:1], gyro[:1], None, None, 0.02))
    rec.close()
    rows = (tmp_path / "rec.csv").read_text().splitlines()[-3:]
    assert rows == [  # no "-0.000000", and an empty cell (not "nan") where a value is missing
        "0.000000,left,0.990630,0.204770,-0.098220,-1.0690,0.0060,-0.4860,5.500000,7,0.012346",
        "0.010000,left,0.000000,0.007812,16.000000,1999.9390,0.0000,0.1250,,8,0.012346",
        "0.004100,right,0.990630,0.204770,-0.098220,-1.0690,0.0060,-0.4860,,,0.020000"]


def test_a_recording_never_replaces_a_file_nor_follows_a_symlink(tmp_path):
    earlier = tmp_path / "yesterday.csv"
    earlier.write_bytes(b"# format: backmon-session/1\nearlier recording\n")
    os.chmod(earlier, 0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(earlier)
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "elsewhere.csv")
    for path in (earlier, link, dangling):
        with pytest.raises(SessionFileError) as info:
            SessionRecorder(path, metadata=[])
        assert str(info.value) == f"{path}: already exists; a recording never replaces a file: choose a new name"
    assert earlier.read_bytes() == b"# format: backmon-session/1\nearlier recording\n"
    assert stat.S_IMODE(earlier.stat().st_mode) == 0o640
    assert not (tmp_path / "elsewhere.csv").exists()


def test_radio_names_reach_the_recording_escaped(tmp_path):
    name = "WT901\x1b]0;owned\x07\x1b[2J"
    rec = SessionRecorder(tmp_path / "rec.csv", metadata=[("left_device", f"{name} C0:01 (profile witmotion)")],
                          flush_every_s=0.0)
    rec.event(1.5, f"left refused {name}\nat C0:02")
    rec.write(_block("left", 0.0))
    rec.close()
    data = (tmp_path / "rec.csv").read_bytes()
    assert b"\x1b" not in data and b"\x07" not in data
    assert b"# left_device: WT901\\x1b]0;owned\\x07\\x1b[2J C0:01 (profile witmotion)\n" in data
    assert b"# event 1.500 left refused WT901\\x1b]0;owned\\x07\\x1b[2J at C0 02\n" in data
    assert read_session(tmp_path / "rec.csv").metadata["left_device"].startswith("WT901\\x1b]0;owned")


def _feed(stream, packets, arrival0=10.0):
    blocks = [stream.feed(p, arrival0 + 0.02 * i) for i, p in enumerate(packets)]
    return [b for b in blocks if b is not None]


def _samples(n, t0=0.0):
    return [ImuSample(1.0, 0.001 * k, 0.0, 0.1 * k, 0.0, 0.0, device_time_s=t0 + k / 52) for k in range(n)]


def test_stream_drops_repeated_witmotion_notifications_and_counts_bad_bytes():
    stream = SensorStream("left", PROFILES["witmotion"], rate_hz=50.0)
    frames = [witmotion.encode(_samples(10)[k:k + 1]) for k in range(10)]
    packets = frames[:4] + [frames[3]] + frames[4:]  # one repeated
    packets.insert(2, b"\x01\x02\x03")  # noise before a frame: skipped by resync, nothing decoded
    blocks = _feed(stream, packets)
    assert sum(len(b) for b in blocks) == 10
    assert stream.counts.duplicates == 1
    gyro = np.concatenate([b.gyro_dps[:, 0] for b in blocks])
    np.testing.assert_allclose(gyro, 0.1 * np.arange(10), atol=0.07)  # int16 at 2000 dps full scale


def test_stream_drops_movesense_packets_repeated_after_a_reconnect():
    stream = SensorStream("right", PROFILES["movesense"], rate_hz=52.0)
    samples = _samples(16, t0=4242.0)
    msgs = [movesense.encode(samples[i:i + 4], time_ms=round(samples[i].device_time_s * 1000)) for i in range(0, 16, 4)]
    first = _feed(stream, msgs[:3])
    stream.reconnected()
    again = _feed(stream, msgs[2:], arrival0=20.0)  # the sensor repeats its last packet
    assert sum(len(b) for b in first) == 12 and sum(len(b) for b in again) == 4
    assert stream.counts.duplicates == 4
    assert again[0].device_time_s[0] == pytest.approx(4242.0 + 12 / 52, abs=1e-3)
    assert stream.feed(b"\x07\x01zz", 30.0) is None and stream.counts.malformed == 1

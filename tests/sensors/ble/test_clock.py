"""Live clocks: device-time fits on the lower delay envelope, counted streams, repeats dropped."""

from __future__ import annotations

import numpy as np
import pytest

from sensors.ble.clock import MAX_SLEW, Deduplicator, SampleClock


def _deliver(clock, true_s, device_s, *, per_packet, delay_s, rng, jitter_s=0.004):
    """Feed packets of samples; arrival = true time of the packet's last sample + delay + jitter."""
    stamps = []
    for i in range(0, true_s.size, per_packet):
        sl = slice(i, i + per_packet)
        arrival = true_s[sl][-1] + delay_s + rng.exponential(jitter_s)
        stamps.append(clock.place(arrival, device_s[sl]))
    return np.concatenate(stamps)


def test_device_time_fit_finds_offset_and_drift():
    # Device clock runs 80 ppm fast and started 4242 s before the host's session axis began.
    rng = np.random.default_rng(1)
    true_s = np.arange(0, 300, 1 / 52)
    device_s = 4242.0 + true_s * (1 + 80e-6)
    clock = SampleClock(counted=False)
    stamps = _deliver(clock, true_s, device_s, per_packet=4, delay_s=0.007, rng=rng)
    # host = a + b * device: b = 1 / (1 + 80e-6), so drift ~ -80 ppm.
    assert clock.drift * 1e6 == pytest.approx(-80, abs=10)
    late = true_s > 60  # after the envelope has settled: the shortest delay (7 ms) is the offset
    error = stamps[late] - true_s[late]
    assert np.all(np.abs(error - 0.007) < 0.003)
    assert np.all(np.diff(stamps) > 0)


def test_counted_stream_finds_the_true_rate_without_false_gaps():
    # A WitMotion asked for 50 Hz that really sends 49.3 Hz: count / 50 is its device time.
    rng = np.random.default_rng(2)
    true_s = np.arange(0, 120, 1 / 49.3)
    count_s = np.arange(true_s.size) / 50.0
    clock = SampleClock(counted=True)
    stamps = _deliver(clock, true_s, count_s, per_packet=1, delay_s=0.010, rng=rng)
    assert 50.0 / clock.rate_factor == pytest.approx(49.3, rel=1e-4)
    steps = np.diff(stamps)
    # Slewing stretches steps by a few per cent at most: no false gap, time never runs back.
    after_first_fit = true_s[1:] > 6.0
    assert steps[after_first_fit].max() < (1 / 49.3) * (1 + 2 * MAX_SLEW)
    assert steps.min() > (1 / 49.3) * (1 - 2 * MAX_SLEW)
    assert np.abs(stamps[true_s > 30] - true_s[true_s > 30] - 0.010).max() < 0.004


def test_counted_stream_after_a_reconnect_starts_a_new_segment():
    rng = np.random.default_rng(3)
    rate = 50.0
    before = np.arange(0, 60, 1 / rate)
    after = np.arange(90, 150, 1 / rate)  # 30 s link loss: how many samples were lost is unknown
    clock = SampleClock(counted=True)
    s1 = _deliver(clock, before, np.arange(before.size) / rate, per_packet=1, delay_s=0.01, rng=rng)
    clock.new_segment()
    counts = before.size + np.arange(after.size)  # the count simply goes on
    s2 = _deliver(clock, after, counts / rate, per_packet=1, delay_s=0.01, rng=rng)
    assert s2[0] - s1[-1] == pytest.approx(30.0, abs=0.05)  # the gap is where it was
    assert np.abs(s2 - after - 0.01).max() < 0.02


def test_deduplicator_by_device_time_and_by_bytes():
    d = Deduplicator()
    assert d.fresh_samples(np.array([1.0, 1.02, 1.04])).all()
    # After a reconnect the device repeats its last packet, then goes on.
    assert d.fresh_samples(np.array([1.0, 1.02, 1.04])).tolist() == [False, False, False]
    assert d.fresh_samples(np.array([1.02, 1.04, 1.06])).tolist() == [False, False, True]
    assert d.dropped == 5 and not d.restarted
    assert d.fresh_samples(np.array([100.0, 100.02])).all()
    # Far earlier (more than a few seconds back): the device restarted; kept, and said so.
    assert d.fresh_samples(np.array([0.5, 0.52])).all() and d.restarted
    assert d.fresh_bytes(b"\x55\x61abc") and not d.fresh_bytes(b"\x55\x61abc") and d.fresh_bytes(b"\x55\x61abd")


def test_a_stall_and_its_backlog_do_not_bend_the_fit():
    # The host stops reading for 1.5 s (say, an event loop busy elsewhere), then works off the
    # backlog over 10 s: every notification of those seconds arrives late. The lower envelope
    # must ignore them (at the very start no estimate can: the monitor warms up before streaming).
    rng = np.random.default_rng(4)
    rate = 50.0
    true_s = np.arange(0, 120, 1 / rate)
    late = np.interp(true_s, [0, 40.0, 41.5, 51.5, 120], [0, 0, 1.5, 0, 0])
    clock = SampleClock(counted=True)
    stamps = np.concatenate([clock.place(t + 0.01 + d + rng.exponential(0.003), np.array([k / rate]))
                             for k, (t, d) in enumerate(zip(true_s, late))])
    assert 50.0 / clock.rate_factor == pytest.approx(rate, rel=2e-4)
    assert np.abs(stamps - true_s - 0.01).max() < 0.03
    assert np.diff(stamps).min() > (1 / rate) * (1 - MAX_SLEW) - 1e-6

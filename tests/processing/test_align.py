"""Alignment onto the common grid: interpolation, gaps, and any slicing giving the same grid."""

import numpy as np

from processing.align import Aligner, find_gaps, gap_threshold_s, grid_rate_hz, measure_rate_hz


def _stream(times):
    times = np.asarray(times, dtype=float)
    accel = np.column_stack([times, 2 * times, np.ones_like(times)])
    gyro = np.column_stack([-times, np.zeros_like(times), 3 * times])
    return times, accel, gyro


def test_rates_and_grid():
    assert abs(measure_rate_hz(np.arange(0, 10, 0.02)) - 50.0) < 1e-9
    assert grid_rate_hz([52.0, 26.0], frame_rate_hz=10) == 50.0
    assert grid_rate_hz([104.0, 100.0], frame_rate_hz=10) == 100.0
    assert grid_rate_hz([10.0], frame_rate_hz=10) == 10.0
    assert grid_rate_hz([998.0, 1000.0], frame_rate_hz=10) == 1000.0
    # Three missing samples are interpolated (dt = 4 periods), four are a gap (5 periods).
    assert gap_threshold_s(100.0, max_interpolated_samples=3) == 0.045


def test_linear_interpolation_between_jittered_samples():
    t, a, g = _stream([0.0, 0.013, 0.019, 0.031, 0.04, 0.052, 0.06])
    aligner = Aligner(start_s=0.0, rate_hz=100.0, gap_s={"left": 0.045, "right": 0.045}, block=1)
    aligner.push("left", t, a, g)
    chunk = aligner.pull(0.06, final=True)
    left = chunk.sides["left"]
    # Values are linear in time, so interpolation returns the grid time exactly.
    np.testing.assert_allclose(left.accel_g[:, 0], chunk.time_s, atol=1e-12)
    np.testing.assert_allclose(left.gyro_dps[:, 2], 3 * chunk.time_s, atol=1e-12)
    assert left.valid.all() and left.reset[0] and not left.reset[1:].any()
    assert not chunk.sides["right"].valid.any()


def test_gap_is_not_interpolated_and_restarts():
    times = np.concatenate([np.arange(0, 1.0, 0.01), np.arange(1.5, 2.0, 0.01)])
    t, a, g = _stream(times)
    aligner = Aligner(start_s=0.0, rate_hz=100.0, gap_s={"left": 0.045, "right": 0.045}, block=10)
    aligner.push("left", t, a, g)
    chunk = aligner.pull(2.0, final=True)
    left = chunk.sides["left"]
    in_gap = (chunk.time_s > 0.99 + 1e-9) & (chunk.time_s < 1.5 - 1e-9)
    assert not left.valid[in_gap].any()
    assert left.valid[(chunk.time_s <= 0.99) | ((chunk.time_s >= 1.5) & (chunk.time_s <= 1.99))].all()
    assert np.flatnonzero(left.reset).tolist() == [0, 150]
    # Invalid points hold the last valid value (no jump to zero for the filters).
    assert np.all(left.accel_g[in_gap, 0] == left.accel_g[99, 0])
    gaps = aligner.gaps("left")
    assert len(gaps) == 1 and abs(gaps[0].start_s - 0.99) < 1e-9 and gaps[0].end_s == 1.5


def test_find_gaps_three_second_dropout():
    t = np.concatenate([np.arange(0, 60, 0.01), np.arange(63, 70, 0.01)])
    gaps = find_gaps(t, gap_s=0.045)
    assert len(gaps) == 1 and abs(gaps[0].end_s - gaps[0].start_s - 3.01) < 1e-6


def test_any_slicing_gives_the_same_grid():
    rng = np.random.default_rng(3)
    times = np.sort(np.arange(0, 20, 0.01) + rng.uniform(-0.003, 0.003, 2000))
    times = np.delete(times, np.arange(500, 560))  # a gap
    t, a, g = _stream(times)
    a = a + rng.normal(size=a.shape)

    def run(edges):
        aligner = Aligner(start_s=0.0, rate_hz=100.0, gap_s={"left": 0.045, "right": 0.045}, block=10)
        parts = []
        for lo_s, hi_s in zip(edges[:-1], edges[1:]):
            sel = (t >= lo_s) & (t < hi_s)
            aligner.push("left", t[sel], a[sel], g[sel])
            chunk = aligner.pull(hi_s, final=hi_s == edges[-1])
            if chunk is not None:
                parts.append(chunk)
        return (np.concatenate([p.time_s for p in parts]),
                np.concatenate([p.sides["left"].accel_g for p in parts]),
                np.concatenate([p.sides["left"].valid for p in parts]))

    whole = run([0.0, 20.0])
    sliced = run([0.0, 0.37, 5.0, 5.01, 11.3, 20.0])
    for x, y in zip(whole, sliced):
        np.testing.assert_array_equal(x, y)
    assert whole[0].size % 10 == 0

"""Known-answer tests of the scenario simulator (sensors/simulator.py, sensors/scenarios.py)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from sensors import scenarios
from sensors.simulator import (
    CALIBRATION_SEGMENTS,
    Scenario,
    Segment,
    SensorModel,
    angles_from_quat,
    qmul,
    quat_xyz,
    simulate,
)

EXACT = SensorModel(accel_noise_g=0.0, gyro_noise_dps=0.0)  # noise-free, no bias


def exact_scenario(*segments: Segment, model: SensorModel = EXACT) -> Scenario:
    return Scenario(tuple(segments), left=model, right=model, calibration=False)


def window(sim, side: str, start_s: float, end_s: float) -> np.ndarray:
    t = sim.true_time_s(side)
    return (t >= start_s) & (t < end_s)


def deg_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cos = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


# ---------------------------------------------------------------- frames and rotations


def test_quaternion_composition_matches_scipy_xyz() -> None:
    rng = np.random.default_rng(1)
    angles = rng.uniform(-170, 170, (50, 3))
    q = quat_xyz(*angles.T)
    expected = Rotation.from_euler("XYZ", angles, degrees=True)
    assert np.allclose(Rotation.from_quat(q.T, scalar_first=True).as_matrix(),
                       expected.as_matrix(), atol=1e-12)
    # ... which is Rx(psi) Ry(theta) Rz(phi), composed explicitly.
    explicit = (Rotation.from_euler("x", angles[:, [0]], degrees=True)
                * Rotation.from_euler("y", angles[:, [1]], degrees=True)
                * Rotation.from_euler("z", angles[:, [2]], degrees=True))
    assert np.allclose(explicit.as_matrix(), expected.as_matrix(), atol=1e-12)


def test_angle_formulas_on_pure_rotations() -> None:
    flexion, lateral = angles_from_quat(quat_xyz(np.array([25.0, 0.0]), np.array([30.0, 0.0]),
                                                 np.array([0.0, 15.0])))
    assert flexion == pytest.approx([30.0, 0.0], abs=1e-12)
    assert lateral == pytest.approx([0.0, 15.0], abs=1e-12)


# ---------------------------------------------------------------- still postures


def test_still_upright_nominal_reads_gravity_and_bias() -> None:
    model = SensorModel(gyro_bias_dps=(0.5, -0.2, 0.1))
    sim = simulate(exact_scenario(Segment(30.0), model=model))
    # 3001 samples: noise of the mean is 0.004 / sqrt(3001) = 7e-5 g and 0.003 deg/s.
    assert sim.left.accel_g.mean(axis=0) == pytest.approx([1.0, 0.0, 0.0], abs=4e-4)
    assert sim.left.gyro_dps.mean(axis=0) == pytest.approx([0.5, -0.2, 0.1], abs=0.015)
    assert sim.left.accel_g.std(axis=0) == pytest.approx([0.004] * 3, rel=0.1)


def test_still_flexion_30_reads_rotated_gravity_and_exact_truth() -> None:
    sim = simulate(exact_scenario(Segment(10.0, flexion_deg=30.0)))
    still = window(sim, "left", 2.01, 10.0)  # after the 2 s transition
    expected = [math.cos(math.radians(30)), 0.0, math.sin(math.radians(30))]
    assert np.allclose(sim.left.accel_g[still], expected, atol=1e-12)
    assert np.all(sim.left.gyro_dps[still] == 0.0)  # exactly zero while still
    flexion, lateral = sim.truth(sim.true_time_s("left")[still], "left")
    assert np.allclose(flexion, 30.0, atol=1e-9) and np.allclose(lateral, 0.0, atol=1e-9)


def test_pure_lateral_15() -> None:
    sim = simulate(exact_scenario(Segment(10.0, lateral_deg=15.0)))
    flexion, lateral = sim.truth(np.array([5.0, 9.0]), "trunk")
    assert np.allclose(lateral, 15.0, atol=1e-9) and np.allclose(flexion, 0.0, atol=1e-9)
    still = window(sim, "right", 2.01, 10.0)
    phi = math.radians(15.0)
    assert np.allclose(sim.right.accel_g[still], [math.cos(phi), -math.sin(phi), 0.0], atol=1e-12)


def test_combined_flexion_40_lateral_20_truth_from_composed_rotation() -> None:
    sim = simulate(exact_scenario(Segment(10.0, flexion_deg=40.0, lateral_deg=20.0)))
    # By hand: f = Rz(-20) Ry(-40) (1, 0, 0) = (cos20 cos40, -sin20 cos40, sin40).
    c20, s20 = math.cos(math.radians(20)), math.sin(math.radians(20))
    c40, s40 = math.cos(math.radians(40)), math.sin(math.radians(40))
    f = np.array([c20 * c40, -s20 * c40, s40])
    flexion_by_hand = math.degrees(math.atan2(s40, c20 * c40))  # 41.76, not 40
    lateral_by_hand = math.degrees(math.atan2(s20 * c40, math.hypot(c20 * c40, s40)))  # 15.19
    assert flexion_by_hand == pytest.approx(41.76, abs=0.01)
    assert lateral_by_hand == pytest.approx(15.19, abs=0.01)
    flexion, lateral = sim.truth(np.array([6.0]), "left")
    assert flexion[0] == pytest.approx(flexion_by_hand, abs=1e-9)
    assert lateral[0] == pytest.approx(lateral_by_hand, abs=1e-9)
    still = window(sim, "left", 2.01, 10.0)
    assert np.allclose(sim.left.accel_g[still], f, atol=1e-12)


def test_mount_rotation_reads_mount_transpose_of_nominal() -> None:
    mount = (10.0, -20.0, 35.0)
    model = dataclasses.replace(EXACT, mount_rotvec_deg=mount)
    sim = simulate(exact_scenario(Segment(10.0, flexion_deg=30.0), model=model))
    nominal = np.array([math.cos(math.radians(30)), 0.0, math.sin(math.radians(30))])
    expected = Rotation.from_rotvec(mount, degrees=True).inv().apply(nominal)
    still = window(sim, "left", 2.01, 10.0)
    assert np.allclose(sim.left.accel_g[still], expected, atol=1e-12)
    # The mount does not change the truth (angles are of the body segment).
    assert sim.truth(np.array([5.0]), "left")[0][0] == pytest.approx(30.0, abs=1e-9)


def test_extra_tilt_of_one_side_shows_in_that_side_only() -> None:
    sim = simulate(scenarios.one_side_tilt(extra_deg=10.0, hold_s=20.0, side="left", rate_hz=20.0))
    label, start_s, end_s = sim.segment_bounds()[2]
    assert label == "left side tilted 10 deg"
    t = np.array([start_s + 5.0, end_s - 1.0])
    assert sim.truth(t, "left")[1] == pytest.approx([10.0, 10.0], abs=0.31)  # 0.3 deg sway
    assert sim.truth(t, "right")[1] == pytest.approx([0.0, 0.0], abs=0.31)
    diff = sim.truth(t, "left")[1] - sim.truth(t, "right")[1]
    assert diff == pytest.approx([10.0, 10.0], abs=1e-3)  # sway is common to both sides
    trunk = sim.truth(t, "trunk")[1]
    assert trunk == pytest.approx(0.5 * (sim.truth(t, "left")[1] + sim.truth(t, "right")[1]))


# ---------------------------------------------------------------- motion: gyroscope


def integrate_gyro(gyro_dps: np.ndarray, time_s: np.ndarray) -> Rotation:
    """Body-frame rate integrated with the trapezoidal rule: R_start^T R_end."""
    rotation = Rotation.identity()
    mean_dps = 0.5 * (gyro_dps[1:] + gyro_dps[:-1])
    for rate, dt in zip(np.radians(mean_dps), np.diff(time_s)):
        rotation = rotation * Rotation.from_rotvec(rate * dt)
    return rotation


def test_integrated_gyro_reproduces_the_orientation_change() -> None:
    model = dataclasses.replace(EXACT, mount_rotvec_deg=(5.0, -12.0, 20.0))
    sim = simulate(exact_scenario(
        Segment(2.0),
        Segment(5.0, flexion_deg=40.0, lateral_deg=20.0, twist_deg=30.0, transition_s=3.0),
        Segment(5.0, flexion_deg=10.0, lateral_deg=-10.0, twist_deg=-20.0, transition_s=3.0),
        model=model))
    span = window(sim, "left", 1.0, 11.0)
    accel, gyro = sim.left.accel_g[span], sim.left.gyro_dps[span]
    relative = integrate_gyro(gyro, sim.true_time_s("left")[span])
    predicted_end = relative.inv().apply(accel[0])  # a_end = R_rel^T a_start
    assert deg_between(predicted_end, accel[-1]) < 0.1
    # ... and the whole rotation, against the true sensor orientations at both ends.
    mount = model.mount.as_quat(scalar_first=True)[:, None]
    ends = sim.true_time_s("left")[span][[0, -1]]
    sensor = Rotation.from_quat(qmul(sim.motion.kinematics(ends, "left")[1], mount).T,
                                scalar_first=True)
    true_relative = sensor[0].inv() * sensor[1]
    assert np.degrees((true_relative.inv() * relative).magnitude()) < 0.1
    assert np.degrees(true_relative.magnitude()) > 20  # it did move


def test_gyro_of_a_pure_bend_is_the_flexion_rate_about_y() -> None:
    sim = simulate(exact_scenario(Segment(2.0), Segment(4.0, flexion_deg=50.0, transition_s=3.0)))
    t = sim.true_time_s("left")
    flexion_rate = np.gradient(sim.truth(t, "left")[0], t)
    inner = slice(1, -1)  # np.gradient is one-sided at the ends
    assert np.allclose(sim.left.gyro_dps[inner, 1], flexion_rate[inner], atol=0.05)
    assert np.abs(sim.left.gyro_dps[:, [0, 2]]).max() < 1e-9
    assert sim.left.gyro_dps[:, 1].max() == pytest.approx(1.875 * 50.0 / 3.0, rel=1e-3)


def test_twist_events_show_in_heading_rate_and_gyro_x() -> None:
    sim = simulate(exact_scenario(Segment(60.0, transition_s=0.0, twists_per_min=10.0,
                                             twist_amplitude_deg=45.0, twist_duration_s=2.0)))
    t = sim.true_time_s("left")
    rate = sim.truth_twist_rate_dps(t)
    assert np.allclose(sim.left.gyro_dps[:, 0], rate, atol=1e-4)  # upright: body x = vertical
    starts = sim.motion.twists.start_s
    assert starts.size == 10
    assert np.all(np.diff(starts) >= 2.0)  # never overlapping
    assert np.allclose(np.abs(sim.motion.twists.amplitude_deg), 45.0)
    # Out 0.8 s with a quintic: peak rate 1.875 * 45 / 0.8 deg/s.
    assert np.abs(rate).max() == pytest.approx(1.875 * 45.0 / 0.8, rel=0.01)


# ---------------------------------------------------------------- motion: accelerometer


def test_walking_bounce_is_gravity_on_average_and_physical() -> None:
    sim = simulate(exact_scenario(Segment(60.0, activity=1.0, transition_s=2.0)))
    walking = window(sim, "left", 2.0, 2.0 + 50 * 2 / 1.9)  # 50 whole strides
    accel = sim.left.accel_g[walking]
    assert accel.mean(axis=0) == pytest.approx([1.0, 0.0, 0.0], abs=0.01)
    # Vertical bounce 2 cm at 1.9 Hz: 0.02 (2 pi 1.9)^2 / g = 0.29 g amplitude.
    assert accel[:, 0].std() * math.sqrt(2) == pytest.approx(0.29, abs=0.05)
    assert np.abs(sim.left.gyro_dps[walking]).max() < 60  # trunk oscillations of a few deg


def test_specific_force_is_second_derivative_of_sensor_position() -> None:
    # Upright, no activity, a pure twist about the vertical: the sensor moves on a circle of
    # radius hypot(0.06, 0.06) m, so the accelerometer sees centripetal and tangential terms.
    sim = simulate(exact_scenario(Segment(1.0), Segment(3.0, twist_deg=90.0, transition_s=1.5)))
    t = sim.true_time_s("left")
    psi = np.radians(sim.motion.heading_deg(t))
    dt = 1e-3
    psi_dot = np.radians(sim.truth_twist_rate_dps(t))
    rate_change = sim.truth_twist_rate_dps(t + dt) - sim.truth_twist_rate_dps(t - dt)
    psi_ddot = np.radians(rate_change) / (2 * dt)
    # Lever (y, z) = (0.06, 0.06) rotated about x by psi: body-frame acceleration of the point.
    r = np.array([0.06, 0.06])
    a_body_y = -psi_dot**2 * r[0] - psi_ddot * r[1]
    a_body_z = -psi_dot**2 * r[1] + psi_ddot * r[0]
    expected = np.column_stack([np.ones_like(t), a_body_y / 9.80665, a_body_z / 9.80665])
    # 1e-4 g: the finite differences smear the jerk steps where a quintic starts and ends.
    assert np.allclose(sim.left.accel_g, expected, atol=1e-4, rtol=0)
    assert np.abs(expected[:, 1:]).max() > 0.02  # the lever arm effect is really there
    assert psi[-1] == pytest.approx(math.pi / 2)


# ---------------------------------------------------------------- timeline


def test_calibration_routine_is_prepended_and_reported() -> None:
    sim = simulate(Scenario((Segment(5.0, label="work"),), left=EXACT, right=EXACT))
    assert sim.calibration_window_s == (0.0, 21.0)
    assert sim.metadata["calibration_s"] == "0.0:21.0"
    assert sim.segment_bounds() == [("calibration", 0.0, 21.0), ("work", 21.0, 26.0)]
    flexion = sim.truth(np.array([4.0, 12.5, 20.5]), "trunk")[0]
    assert flexion == pytest.approx([0.0, 40.0, 0.0], abs=1e-9)
    assert sum(s.duration_s for s in CALIBRATION_SEGMENTS) == 21.0
    assert sim.left.time_s[-1] == pytest.approx(26.0)


def test_work_bends_reach_their_depth_and_never_overlap() -> None:
    sim = simulate(exact_scenario(Segment(120.0, flexion_deg=10.0, bends_per_min=5.0,
                                              bend_depth_deg=50.0, bend_duration_s=3.0)))
    bends = sim.motion.bends
    assert bends.start_s.size == 10
    assert np.all(np.diff(bends.start_s) >= 3.0 + 1.0)
    assert bends.start_s[0] >= 2.0 and bends.start_s[-1] + 3.0 <= 120.0
    middle = bends.start_s + 1.5
    assert sim.truth(middle, "trunk")[0] == pytest.approx(np.full(10, 50.0), abs=1e-9)
    between = bends.start_s[1:] - 0.5
    assert sim.truth(between, "trunk")[0] == pytest.approx(np.full(9, 10.0), abs=1e-9)


def test_transitions_are_smooth() -> None:
    sim = simulate(exact_scenario(Segment(3.0, flexion_deg=30.0), Segment(3.0, flexion_deg=60.0)))
    accel = sim.left.accel_g
    # No jumps from sample to sample: largest step well below a g at 100 Hz.
    assert np.abs(np.diff(accel, axis=0)).max() < 0.05


# ---------------------------------------------------------------- sensor model


def test_radio_dropout_leaves_no_samples_in_the_interval() -> None:
    sim = simulate(scenarios.dropout(side="left", start_s=60.0, duration_s=3.0, rate_hz=50.0))
    left, right = sim.left.time_s, sim.right.time_s
    assert not np.any((left >= 60.0) & (left < 63.0))
    assert np.count_nonzero((right >= 60.0) & (right < 63.0)) == 150
    assert np.diff(left).max() == pytest.approx(3.02)


def test_drop_fraction_removes_about_that_many_samples() -> None:
    model = dataclasses.replace(EXACT, drop_fraction=0.1)
    sim = simulate(exact_scenario(Segment(100.0), model=model))
    n_all = 10001
    expected, sd = 0.9 * n_all, math.sqrt(n_all * 0.1 * 0.9)
    assert abs(len(sim.left) - expected) < 4 * sd
    assert np.array_equal(sim.left.seq, np.round(sim.left_true_time_s * 100).astype(np.int64))


def test_clock_offset_and_drift_shift_written_times() -> None:
    model = dataclasses.replace(EXACT, clock_offset_s=2.5, clock_drift_ppm=100.0)
    sim = simulate(exact_scenario(Segment(100.0), model=model))
    true_s = sim.left_true_time_s
    assert np.allclose(sim.left.time_s, 2.5 + true_s * (1 + 100e-6), atol=1e-12)
    assert sim.left.time_s[-1] - true_s[-1] == pytest.approx(2.51)


@pytest.mark.parametrize("kind", ["gaussian", "uniform"])
def test_jitter_keeps_times_increasing(kind: str) -> None:
    model = dataclasses.replace(EXACT, jitter_s=0.02, jitter_kind=kind)  # twice the interval
    sim = simulate(exact_scenario(Segment(30.0), model=model))
    assert np.all(np.diff(sim.left.time_s) > 0)
    error = sim.left.time_s - sim.left_true_time_s
    assert 0.005 < np.abs(error).max() < 0.1


def test_same_seed_same_arrays_other_seed_other_arrays() -> None:
    def run(seed: int):
        model = SensorModel(rate_hz=50.0, jitter_s=0.003, drop_fraction=0.05)
        return simulate(scenarios.normal_work(minutes=2.0, seed=seed, mount_deg=10.0,
                                              left=model, right=model))

    a, b, c = run(3), run(3), run(4)
    for side in ("left", "right"):
        for name in ("time_s", "accel_g", "gyro_dps", "seq"):
            assert np.array_equal(getattr(getattr(a, side), name),
                                  getattr(getattr(b, side), name))
    assert not np.array_equal(a.left.accel_g[:100], c.left.accel_g[:100])
    assert a.scenario == b.scenario and a.scenario != c.scenario


# ---------------------------------------------------------------- files


def test_write_then_read_back(tmp_path) -> None:
    from sensors.session.files import read_session

    model = SensorModel(rate_hz=50.0, clock_offset_s=0.013)
    sim = simulate(scenarios.mixed_accuracy(rate_hz=50.0, mount_deg=5.0, left=model, right=model))
    path = tmp_path / "sim.csv"
    sim.write(path, metadata={"note": "a test"})
    session = read_session(path)
    assert session.calibration_window_s == (0.0, 21.0)
    assert session.metadata["simulated"] == "true"
    assert session.metadata["note"] == "a test"
    assert session.metadata["scenario"] == "mixed_accuracy"
    assert [m.text for m in session.marks][:3] == ["calibration", "upright still",
                                                   "flexion 30 still"]
    for side in ("left", "right"):
        wrote, read = getattr(sim, side), session.side(side)
        assert np.allclose(read.time_s, wrote.time_s, atol=5e-7, rtol=0)
        assert np.allclose(read.accel_g, wrote.accel_g, atol=5e-7, rtol=0)
        assert np.allclose(read.gyro_dps, wrote.gyro_dps, atol=5e-5, rtol=0)
        assert np.array_equal(read.seq, wrote.seq)
    in_memory = sim.to_session()
    assert in_memory.calibration_window_s == (0.0, 21.0) and in_memory.left is sim.left


# ---------------------------------------------------------------- the scenario library


def test_library_scenarios_end_upright_and_hold_what_they_say() -> None:
    cases = {
        "sustained_flexion": (scenarios.sustained_flexion(rate_hz=10.0), 35.0, 0.0),
        "severe_flexion": (scenarios.severe_flexion(rate_hz=10.0), 70.0, 0.0),
        "lateral_lean": (scenarios.lateral_lean(rate_hz=10.0), 0.0, 15.0),
    }
    for name, (scenario, flexion_deg, lateral_deg) in cases.items():
        sim = simulate(scenario)
        assert sim.metadata["scenario"] == name
        bounds = sim.segment_bounds()
        _, start_s, end_s = bounds[2]
        hold = np.linspace(start_s + 2.0, end_s, 50)
        flexion, lateral = sim.truth(hold, "trunk")
        assert np.allclose(flexion, flexion_deg, atol=0.31)
        assert np.allclose(lateral, lateral_deg, atol=0.31)
        assert bounds[-1][0] == "upright" and bounds[-1][2] - bounds[-1][1] >= 3.0
        assert sim.truth(np.array([bounds[-1][2]]), "trunk")[0][0] == pytest.approx(0, abs=1e-9)
    held = simulate(scenarios.sustained_flexion(angle_deg=35.0, hold_s=300.0, rate_hz=10.0))
    _, start_s, end_s = held.segment_bounds()[2]
    assert end_s - start_s == pytest.approx(302.0)  # 2 s transition + 300 s hold


def test_normal_work_bends_are_brief_and_nothing_is_held() -> None:
    sim = simulate(scenarios.normal_work(minutes=20.0, rate_hz=10.0))
    t = np.arange(21.0, sim.motion.duration_s, 0.05)
    flexion = sim.truth(t, "trunk")[0]
    over_20 = flexion > 20.0
    # Longest run above 20 deg: a bend's 2.5 s, never a held posture.
    edges = np.flatnonzero(np.diff(np.concatenate(([0], over_20.astype(int), [0]))))
    runs_s = (edges[1::2] - edges[::2]) * 0.05
    assert runs_s.max() <= 2.5
    bends = sim.motion.bends
    peaks = sim.truth(bends.start_s + 1.25, "trunk")[0]
    assert np.all((peaks > 44.0) & (peaks < 56.0))  # 45-55 deg, plus walking wobble
    assert 2.0 <= bends.start_s.size / 20.0 <= 4.0  # a few per minute


def test_mixed_accuracy_length_and_dropout_scenario() -> None:
    sim = simulate(scenarios.mixed_accuracy(rate_hz=10.0))
    assert 4 * 60 <= sim.motion.duration_s <= 6 * 60
    labels = [label for label, *_ in sim.segment_bounds()]
    assert {"walking", "work bends", "twists", "flexion 30 + lateral 15 still"} <= set(labels)
    right = scenarios.dropout(side="right").right
    assert right.dropouts == ((60.0, 3.0),) and scenarios.dropout().left.dropouts == ((60.0, 3.0),)


def test_random_mount_is_seeded_and_bounded() -> None:
    a = scenarios.sustained_flexion(mount_deg=10.0, seed=5)
    b = scenarios.sustained_flexion(mount_deg=10.0, seed=5)
    assert a.left.mount_rotvec_deg == b.left.mount_rotvec_deg != a.right.mount_rotvec_deg
    for model in (a.left, a.right):
        assert 0 < np.linalg.norm(model.mount_rotvec_deg) <= 10.0


def test_continuous_work_70_min_at_100_hz_never_still_long() -> None:
    sim = simulate(scenarios.continuous_work(minutes=70.0))
    assert len(sim.left) == len(sim.right) == int(sim.motion.duration_s * 100) + 1
    # Moving all the time after calibration: the gyro magnitude (1 s windows) never stays
    # below 2 deg/s for 30 s, except the closing upright seconds.
    work = window(sim, "left", 21.0, sim.motion.duration_s - 5.0)
    speed = np.linalg.norm(sim.left.gyro_dps[work], axis=1)
    per_s = speed[: speed.size // 100 * 100].reshape(-1, 100).mean(axis=1)
    still = np.concatenate(([0], (per_s < 2.0).astype(int), [0]))
    edges = np.flatnonzero(np.diff(still))
    assert edges.size == 0 or (edges[1::2] - edges[::2]).max() < 30

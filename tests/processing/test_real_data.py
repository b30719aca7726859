"""The engine on real IMU recordings by others (read from ../shared/data/real; skipped where absent).

Data and attribution (shared/data/real/README.md asks every test that uses them to say so):
- mobgap_lowback/: example data of mobgap (github.com/mobilise-d/mobgap, commit 34aa8ae),
  Apache-2.0 (see its LICENSE and NOTICE); recorded by the Mobilise-D consortium. One McRoberts
  DynaPort MM+ on the lower back, 100 Hz; reference walking bouts from the INDIP system.
- xio_fusion_sample/: Examples/Python/sensor_data.csv of x-io Technologies Fusion
  (github.com/xioTechnologies/Fusion, commit d69784c), MIT (see its LICENSE.md). A hand-held IMU.

What is checked:
- the mobgap axes (converted by tests/support/real_recordings.py: a 180 deg turn about x) match
  backmon's nominal frame: forward leans read as positive flexion, the frame is right-handed;
- calibration removes any mounting: the same recording turned by a proper rotation
  (accelerometer and gyroscope alike) gives the same angles (the issue's requirement);
- moving/still against the INDIP reference walking bouts;
- backmon's gravity fusion agrees with VQF (the method it follows) and, more loosely, with x-io's
  reference AHRS (imufusion) during real hand-held movement;
- every recording loads and analyses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.signal import butter, filtfilt
from scipy.spatial.transform import Rotation

from processing import analyze_session
from processing.orientation import GravityFusion
from processing.settings import FusionSettings
from tests.support.real_recordings import (
    MOBGAP_DIR,
    MOBGAP_TO_BACKMON,
    REFERENCE_BOUTS_CSV,
    XIO_CSV,
    load_mobgap,
    load_xio,
    mobgap_recordings,
    recording_key,
    reference_bouts,
    rotated,
)

TEST11 = ["HA/001", "HA/002", "MS/001"]
# Every recording the INDIP reference has walking bouts for (HA/002's two Test5 trials have none).
WITH_BOUTS = ["HA/001/Test5_Trial1", "HA/001/Test5_Trial2", "HA/001/Test11_Trial1", "HA/002/Test11_Trial1",
              "MS/001/Test5_Trial1", "MS/001/Test5_Trial2", "MS/001/Test11_Trial1"]


def mobgap_csv(root: Path, name: str) -> Path:
    """``HA/001`` (Test11) or ``HA/001/Test5_Trial1`` -> the CSV path."""
    cohort, participant, *rest = name.split("/")
    test_trial = rest[0] if rest else "Test11_Trial1"
    return root / MOBGAP_DIR / "data_csv" / cohort / participant / f"TimeMeasure1_{test_trial}.csv"


def angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.degrees(np.arccos(np.clip(np.sum(a * b, axis=1), -1.0, 1.0)))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


# ---------------------------------------------------------------------------------------------
# mobgap axes (the evidence is summarised in tests/support/real_recordings.py)


def test_mobgap_conversion_is_a_proper_rotation():
    assert np.allclose(MOBGAP_TO_BACKMON @ MOBGAP_TO_BACKMON.T, np.eye(3))
    assert np.linalg.det(MOBGAP_TO_BACKMON) == pytest.approx(1.0)


@pytest.mark.parametrize("name", TEST11)
def test_mobgap_forward_leans_read_as_flexion_in_a_right_handed_frame(real_data, name):
    """After conversion: every large tilt is towards +z (out of the back: a forward lean), and the
    gyroscope turns the accelerometer's direction as a right-handed frame must (dg/dt = -w x g)."""
    s = load_mobgap(mobgap_csv(real_data, name)).left
    b, a = butter(2, 1.0 / 50.0)  # 1 Hz at 100 Hz: posture, not steps
    g = filtfilt(b, a, s.accel_g, axis=0)
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    tilt = np.degrees(np.arccos(g[:, 0]))
    deep = tilt > 30.0
    # Measured: 100 % of the deep-tilt time has g_z > 0 in all three; g_z goes to 0.76-1.00 and
    # never below -0.15 (at most about 8 deg of backward lean).
    assert deep.sum() > 100
    assert np.mean(g[deep, 2] > 0) > 0.99
    assert g[:, 2].max() > 0.7
    assert g[:, 2].min() > -0.3
    w = filtfilt(b, a, np.radians(s.gyro_dps), axis=0)
    dg = np.gradient(g, 0.01, axis=0)
    predicted = -np.cross(w, g)
    # Measured correlations per axis: x 0.89-0.97, y 0.60-0.79, z 0.83-0.91.
    for axis in range(3):
        assert np.corrcoef(dg[:, axis], predicted[:, axis])[0, 1] > 0.4


# ---------------------------------------------------------------------------------------------
# Rotation invariance: calibration removes any mounting


def small_rotations(seed: int, count: int = 4, max_deg: float = 30.0) -> list[Rotation]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        axis = rng.normal(size=3)
        out.append(Rotation.from_rotvec(np.radians(rng.uniform(10.0, max_deg)) * axis / np.linalg.norm(axis)))
    return out


# Beyond ~45 deg the automatic search takes the first still stretch as "not upright" and falls back
# to the nominal axes (DESIGN.md: no guess; measured: angles then off by 50-90 deg RMS), so the
# large rotations get an explicit window: the first still stretch the engine accepts (gyro below
# 3 deg/s for 2 s) and the first clear forward lean after it, read off the converted data:
# - HA/001: still 0.0-2.4 s (the only such stretch in the file; seated, it seems), then a lean to
#   50-54 deg at 4.5-5.0 s as the wearer gets up; walking starts at 6.3 s.
# - HA/002: standing still 42.3-48.5 s (flexion 2 deg), then a lean to 42 deg at 58.5-59.0 s,
#   just before the walking bout at 60.8 s. The engine's still stretch ends at 47.9 s: the sway
#   there reaches 3.1 deg/s less the bias the fusion learnt at rest (0.43, -0.36, 0.19 deg/s,
#   near the raw mean while standing, 0.57, -0.20, 0.19); the x-io-style fusion before issue 10
#   had learnt less of it and kept going to 48.5 s.
# - MS/001: standing still 0.0-7.7 s (flexion -5 deg), then a lean to 25 deg at 9.0-9.5 s,
#   before the walking bout at 10.2 s.
# (neutral_s, bend_s) found inside each window, measured.
CALIBRATION_WINDOWS = {
    "HA/001": ((0.0, 6.0), (0.0, 2.4), (4.1, 5.9)),
    "HA/002": ((40.0, 60.0), (42.5, 47.9), (58.4, 59.9)),
    "MS/001": ((0.0, 10.5), (0.0, 7.7), (8.6, 10.4)),
}
LARGE_ROTATIONS = {
    "120 deg about (1,1,1)": Rotation.from_rotvec(np.radians(120.0) * np.ones(3) / np.sqrt(3.0)),
    "146 deg (xyz Euler 70,-50,100)": Rotation.from_euler("xyz", [70.0, -50.0, 100.0], degrees=True),
}


def assert_same_angles(base, other, rotation: Rotation) -> None:
    """Same frames, same calibration (turned by ``rotation``), same angles and movement."""
    assert base.calibration.window_s == other.calibration.window_s
    cb, co = base.calibration.sides["left"], other.calibration.sides["left"]
    assert cb.method == co.method != "nominal"
    # The calibrated frame is the same body frame: rotation_rotated = rotation_original @ R.
    np.testing.assert_allclose(co.rotation, cb.rotation @ rotation.as_matrix(), atol=1e-9)
    tb, to = base.timeline, other.timeline
    np.testing.assert_array_equal(tb.time_s, to.time_s)
    after = tb.time_s >= (base.calibration.analysis_start_s or tb.time_s[0])
    assert after.sum() > 500
    for name in ("trunk_flexion_deg", "trunk_lateral_deg"):
        diff = np.abs(getattr(to, name)[after] - getattr(tb, name)[after])
        # Only a last frame with fewer than half its samples is empty (NaN), in both.
        assert np.array_equal(np.isnan(getattr(to, name)), np.isnan(getattr(tb, name)))
        assert np.isnan(diff[:-1]).sum() == 0
        diff = diff[~np.isnan(diff)]
        # Measured: agreement to 1e-13 deg (RMS and maximum) in every case: the fusion, the
        # filters and the calibration are exactly rotation-equivariant.
        assert rms(diff) < 1.0, name
        assert np.percentile(diff, 99) < 1.0, name
    np.testing.assert_array_equal(tb.moving, to.moving)


@pytest.mark.parametrize("name", TEST11)
def test_calibration_removes_mounting_rotations_up_to_30_deg(real_data, name):
    session = load_mobgap(mobgap_csv(real_data, name))
    base = analyze_session(session)
    assert base.calibration.method == "automatic"
    for rotation in small_rotations(seed=TEST11.index(name) + 11):
        assert_same_angles(base, analyze_session(rotated(session, rotation)), rotation)


@pytest.mark.parametrize("rotation", list(LARGE_ROTATIONS.values()), ids=list(LARGE_ROTATIONS))
@pytest.mark.parametrize("name", TEST11)
def test_calibration_window_removes_any_mounting_rotation(real_data, name, rotation):
    window, neutral, bend = CALIBRATION_WINDOWS[name]
    session = load_mobgap(mobgap_csv(real_data, name))
    base = analyze_session(session, calibration_window_s=window)
    c = base.calibration.sides["left"]
    assert c.method == "window" and c.note == "neutral and forward bend found"
    assert c.neutral_s == pytest.approx(neutral, abs=0.3)
    assert c.bend_s == pytest.approx(bend, abs=0.3)
    assert c.bend_deg > 30.0  # measured 60, 44, 34 deg
    assert_same_angles(base, analyze_session(rotated(session, rotation), calibration_window_s=window), rotation)


# ---------------------------------------------------------------------------------------------
# Moving vs still against the reference walking bouts


def test_reference_bouts_cover_the_expected_recordings(real_data):
    table = pd.read_csv(real_data / REFERENCE_BOUTS_CSV)
    have = {f"{c}/{p:03d}/{t}_{r}" for c, p, t, r in zip(table.cohort, table.participant, table.test, table.trial)}
    assert have == set(WITH_BOUTS)


@pytest.mark.parametrize("name", WITH_BOUTS)
def test_reference_walking_is_moving(real_data, name):
    path = mobgap_csv(real_data, name)
    timeline = analyze_session(load_mobgap(path)).timeline
    bouts = reference_bouts(real_data, path)
    assert bouts
    walking = np.zeros(len(timeline), dtype=bool)
    for start, end in bouts:
        walking |= (timeline.time_s >= start) & (timeline.time_s <= end)
    # Measured fraction of reference-walking frames marked moving: 1.000 in every recording but
    # HA/002 Test11 (0.973: a pause of about 1 s at 73.8-74.8 s inside its third bout, gyro
    # 2-3 deg/s; the reference merges short pauses into a bout). Outside the bouts (not asserted:
    # Test11 has stand-ups, turns and reaching that are movement but not walking, and Test5's
    # few seconds around the walk include the 2 s trailing window): HA/001 Test5 0.79 / 0.85,
    # Test11 0.67; HA/002 Test11 0.32 (Test5 0.62 / 0.66, no bouts); MS/001 Test5 0.26 / 0.41,
    # Test11 0.34.
    assert walking.sum() >= 40
    assert timeline.moving[walking].mean() >= 0.95


# Long still stretches (raw gyro about 0.5 deg/s per axis, accelerometer SD about 0.01 g), found
# by looking at the data: nothing in them may count as movement (measured: no frame does).
STILL_STRETCHES = {"HA/002": [(84.0, 139.0)], "MS/001": [(2.0, 7.5), (85.0, 94.0), (163.0, 198.0)]}


@pytest.mark.parametrize("name", list(STILL_STRETCHES))
def test_still_stretches_are_not_moving(real_data, name):
    timeline = analyze_session(load_mobgap(mobgap_csv(real_data, name))).timeline
    for start, end in STILL_STRETCHES[name]:
        inside = (timeline.time_s >= start) & (timeline.time_s <= end)
        assert inside.sum() >= 10 * (end - start) - 1
        assert not timeline.moving[inside].any(), (start, end)


# ---------------------------------------------------------------------------------------------
# Gravity fusion against x-io's reference AHRS (imufusion)

XIO_RATE_HZ = 100.0


def xio_uniform(root: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The x-io sample on a uniform 100 Hz grid (its sample intervals range from 7.6 to 30 ms)."""
    s = load_xio(root / XIO_CSV).left
    t = np.arange(s.time_s[0], s.time_s[-1], 1.0 / XIO_RATE_HZ)
    accel = np.column_stack([np.interp(t, s.time_s, s.accel_g[:, i]) for i in range(3)])
    gyro = np.column_stack([np.interp(t, s.time_s, s.gyro_dps[:, i]) for i in range(3)])
    return t, accel, gyro


def imufusion_gravity(imufusion, accel: np.ndarray, gyro: np.ndarray, *, rejection_deg: float) -> np.ndarray:
    """imufusion's gravity, per sample, in the sensor frame.

    imufusion 1.3's ``AhrsSettings`` takes ``sample_rate`` and ``rejection_timeout`` in SECONDS
    (its normalised recovery trigger grows by 1/timeout per second of rejection; the older
    ``recovery_trigger_period`` was in samples). ``get_gravity()`` is in the sensor frame and
    points like the accelerometer at rest (+1 g "up" direction), in every earth convention:
    checked in ``test_imufusion_gravity_convention``.
    """
    ahrs = imufusion.Ahrs()
    ahrs.set_settings(imufusion.AhrsSettings(sample_rate=XIO_RATE_HZ, gain=0.5, acceleration_rejection=rejection_deg,
                                             rejection_timeout=5.0))
    out = np.empty_like(accel)
    for k in range(accel.shape[0]):
        ahrs.update_no_magnetometer(gyro[k], accel[k])
        out[k] = ahrs.get_gravity()
    return out


def backmon_gravity(accel: np.ndarray, gyro: np.ndarray, settings: FusionSettings) -> np.ndarray:
    reset = np.zeros(accel.shape[0], dtype=bool)
    reset[0] = True
    return GravityFusion(rate_hz=XIO_RATE_HZ, settings=settings).process(accel, gyro, reset=reset).gravity


def test_imufusion_gravity_convention():
    imufusion = pytest.importorskip("imufusion")
    up = np.array([0.6, 0.0, 0.8])
    accel = np.tile(up, (500, 1))
    for convention in (imufusion.CONVENTION_NWU, imufusion.CONVENTION_ENU, imufusion.CONVENTION_NED):
        ahrs = imufusion.Ahrs()
        ahrs.set_settings(imufusion.AhrsSettings(sample_rate=XIO_RATE_HZ, gain=0.5, convention=convention))
        for a in accel:
            ahrs.update_no_magnetometer(np.zeros(3), a)
        np.testing.assert_allclose(ahrs.get_gravity(), up, atol=1e-3)


def vqf_gravity(vqf, accel: np.ndarray, gyro: np.ndarray) -> np.ndarray:
    """VQF's 6D gravity ("up") in the sensor frame: world +z seen from the sensor."""
    quat_wxyz = vqf.VQF(1.0 / XIO_RATE_HZ).updateBatch(np.radians(gyro), 9.80665 * accel)["quat6D"]
    return Rotation.from_quat(quat_wxyz[:, [1, 2, 3, 0]]).inv().apply([0.0, 0.0, 1.0])


# backmon's default fusion against VQF (the method it follows, Laidig and Seel 2023) and against
# imufusion with acceleration rejection 10 deg (x-io's example settings). Measured angle between
# the two gravity directions after the first 5 s:
# - VQF: RMS 0.017 deg, p99 0.06 deg, max 0.07 deg (the same filter, rounding and clipping apart);
# - imufusion: RMS 0.70 deg, p99 4.2 deg (VQF itself is RMS 0.70, p99 4.2 off imufusion here; the
#   largest differences follow imufusion's recovery at 70.6 s, after 5 s of 1.2-1.4 g of sustained
#   acceleration that it rejects). The x-io-style fusion before issue 10 was RMS 0.58, p99 2.7 off.
# The accelerometer alone is 8.0 deg RMS (p99 43 deg) off imufusion: the movement is real.
FUSION_CASES = {"vqf": (0.1, 0.2), "imufusion-rejection-10": (1.0, 5.0)}


@pytest.mark.parametrize("case", list(FUSION_CASES))
def test_fusion_agrees_with_reference_ahrs_on_the_xio_sample(real_data, case):
    rms_max, p99_max = FUSION_CASES[case]
    t, accel, gyro = xio_uniform(real_data)
    if case == "vqf":
        reference = vqf_gravity(pytest.importorskip("vqf"), accel, gyro)
    else:
        reference = imufusion_gravity(pytest.importorskip("imufusion"), accel, gyro, rejection_deg=10.0)
    ours = backmon_gravity(accel, gyro, FusionSettings())
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)
    after = t >= t[0] + 5.0
    error = angle_deg(ours, reference)[after]
    assert angle_deg(accel, reference)[after].max() > 30.0  # real movement: the accelerometer alone is far off
    assert rms(error) < rms_max
    assert np.percentile(error, 99) < p99_max


# ---------------------------------------------------------------------------------------------
# Smoke: every recording loads and analyses


def test_every_mobgap_recording_loads_and_analyses(real_data):
    paths = mobgap_recordings(real_data)
    assert len(paths) == 9
    for path in paths:
        rows = len(pd.read_csv(path))
        session = load_mobgap(path)
        assert session.right is None and session.source == str(path)
        result = analyze_session(session)
        assert result.sides["left"].samples == rows
        assert result.sides["left"].rate_hz == pytest.approx(100.0, abs=0.01)
        assert not result.sides["left"].gaps
        assert result.sides["right"].present is False
        assert result.duration_s == pytest.approx((rows - 1) / 100.0)
        assert result.summary.left_right.available is False
        timeline = result.timeline
        assert len(timeline) == pytest.approx(rows / 10, abs=2)
        # Every frame has data but a last one holding fewer than half its samples (DESIGN: empty).
        tail_samples = rows - 10 * (len(timeline) - 1)
        assert 0 < tail_samples <= 10
        assert np.isnan(timeline.trunk_tilt_deg[-1]) == (tail_samples < 5)
        tilt = timeline.trunk_tilt_deg[~np.isnan(timeline.trunk_tilt_deg)]
        assert tilt.size >= len(timeline) - 1
        np.testing.assert_array_equal(timeline.trunk_tilt_deg, timeline.left_tilt_deg)
        np.testing.assert_array_equal(timeline.trunk_flexion_deg, timeline.left_flexion_deg)
        assert np.isnan(timeline.right_flexion_deg).all() and np.isnan(timeline.right_tilt_deg).all()
        assert np.percentile(tilt, 99) < 90.0, recording_key(path)
        # The Test11 recordings (daily life) bend forward: the forward direction is found and the
        # split is given, mostly within -30..+90 deg. The short straight walks (Test5) hold no
        # bend: forward unknown, and no flexion or lean is guessed.
        side = result.calibration.sides["left"]
        assert side.forward_known == ("Test11" in path.name), recording_key(path)
        flexion = timeline.trunk_flexion_deg[~np.isnan(timeline.trunk_flexion_deg)]
        if not side.forward_known:
            assert flexion.size == 0 and np.isnan(timeline.trunk_lateral_deg).all()
            continue
        assert flexion.size == tilt.size
        assert np.percentile(flexion, 1) > -30.0 and np.percentile(flexion, 99) < 90.0, recording_key(path)
        assert np.nanpercentile(np.abs(timeline.trunk_lateral_deg), 99) < 30.0, recording_key(path)


def test_xio_sample_loads_and_analyses(real_data):
    path = real_data / XIO_CSV
    rows = len(pd.read_csv(path))
    session = load_xio(path)
    assert session.right is None and len(session.left) == rows == 13514
    # Hand-held, lying flat at first: gravity along the sensor's +z.
    assert np.mean(session.left.accel_g[:100], axis=0) == pytest.approx([0.0, 0.0, 1.0], abs=0.05)
    result = analyze_session(session)
    assert result.sides["left"].samples == rows
    assert result.sides["left"].rate_hz == pytest.approx(100.0, abs=1.0)
    assert result.summary.left_right.available is False
    assert result.duration_s == pytest.approx(135.33, abs=0.01)
    assert len(result.timeline) == pytest.approx(1354, abs=2)
    assert np.isnan(result.timeline.trunk_tilt_deg).sum() <= 1
    # Lying flat whenever still: its usual "up" is the sensor's +z, so calibration takes +z as up
    # (any mounting is allowed) and reports a mounting far off nominal. Turned by hand every which
    # way, it has no forward direction: only the tilt is reported, never a guessed split.
    side = result.calibration.sides["left"]
    assert side.rotation[0] == pytest.approx([0.0, 0.0, 1.0], abs=0.05)
    assert side.mount_offset_deg > 80
    assert not side.forward_known and np.isnan(result.timeline.trunk_flexion_deg).all()

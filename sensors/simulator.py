"""Scenario simulator (the physics): scripted motion in, two IMU streams and the truth out.

The project's test oracle. simulate(Scenario) returns what the two sensors would have written,
and answers truth queries with angles computed from the true orientation by DESIGN.md's
formulas, never from the scripted numbers. The timeline types and the library of named
scenarios live in sensors.scenarios.

Frames (DESIGN.md "Frames, calibration, angles"). World = body frame of the upright wearer at the
start: x up, y to the wearer's left, z out of the back; gravity along -x. Body to world:
R_trunk = Rx(heading) Ry(flexion) Rz(lateral) (scipy "XYZ" intrinsic), R_side = R_trunk
Ry(extra flexion) Rz(extra lateral), R_sensor = R_side R_mount. A sensor reads the specific force
R_sensor^T (a / g + (1, 0, 0)) in g and its body-frame angular rate in deg/s.
Rotations are numpy quaternion arrays (4, n), scalar first: scipy's Rotation costs ~20x more per
sample, and 70 min at 100 Hz on two sensors must simulate in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sensors.samples import SIDES, Mark, Session, Side, SideSamples
from sensors.scenarios import CALIBRATION_SEGMENTS, SLIP_S, Scenario, Segment, SensorModel

__all__ = ["CALIBRATION_SEGMENTS", "Scenario", "Segment", "SensorModel", "Simulated", "simulate",
           "angles_from_quat"]

G_MPS2 = 9.80665
UP = np.array([1.0, 0.0, 0.0])
FORMAT = "backmon-session/1"
STARTED_AT = "2026-01-05T08:00:00Z"
DEVICE = "simulated (backmon scenario simulator)"
# Central-difference steps on the analytic trajectories: 1 ms for rates; 4 ms for accelerations
# (truncation ~1e-4 g at walking frequencies, rounding ~1e-11 g).
GYRO_STEP_S = 1e-3
ACCEL_STEP_S = 4e-3
CHUNK = 65536  # samples simulated at once
# Walking (scaled by activity 0..1): trunk oscillation amplitudes (deg) and pelvis bounce (m).
# Flexion and vertical bounce repeat every step; lateral sway and pelvic turn every stride.
WALK_FLEXION_DEG, WALK_LATERAL_DEG, WALK_HEADING_DEG = 1.5, 2.5, 3.0
WALK_UP_M, WALK_SIDE_M, WALK_FORWARD_M = 0.02, 0.02, 0.01
# Postural sway (scaled by sway_deg): two slow incommensurate sines per axis, weights sum to 1.
SWAY_HZ = ((0.11, 0.27), (0.07, 0.19))
# Parts of a work bend (down, hold, up) and of a twist (out, hold, back), fractions of its time.
BEND_RAMP, TWIST_RAMP = 0.35, 0.4
MIN_GAP_S = 1.0  # between two work bends (or two twists) of a segment
_CHANNELS = ("twist_deg", "flexion_deg", "lateral_deg", "left_extra_flexion_deg",
             "left_extra_lateral_deg", "right_extra_flexion_deg", "right_extra_lateral_deg",
             "activity", "sway_deg")
_HEADING, _FLEXION, _LATERAL, _ACTIVITY, _SWAY = 0, 1, 2, 7, 8
_EXTRA = {Side.LEFT: (3, 4), Side.RIGHT: (5, 6)}


# ---------------------------------------------------------------- quaternion arrays (4, n)


def qmul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product: the rotation p after q (matrix P @ Q); broadcasts (4, 1) with (4, n)."""
    pw, px, py, pz = p
    qw, qx, qy, qz = q
    return np.array([pw * qw - px * qx - py * qy - pz * qz,
                     pw * qx + px * qw + py * qz - pz * qy,
                     pw * qy - px * qz + py * qw + pz * qx,
                     pw * qz + px * qy - py * qx + pz * qw])


def qconj(q: np.ndarray) -> np.ndarray:
    """Inverse of a unit quaternion (the transpose rotation)."""
    return q * np.array([1.0, -1.0, -1.0, -1.0])[:, None]


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                     a[0] * b[1] - a[1] * b[0]])


def qrotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """R(q) @ v for vectors v (3, n) or (3, 1); returns (3, n)."""
    t = 2.0 * _cross(q[1:], v)
    return v + q[0] * t + _cross(q[1:], t)


def qlog(q: np.ndarray) -> np.ndarray:
    """Rotation vectors (3, n) in radians, accurate for tiny angles too."""
    q = np.where(q[0] < 0, -q, q)
    s = np.sqrt(q[1] ** 2 + q[2] ** 2 + q[3] ** 2)
    angle = 2.0 * np.arctan2(s, q[0])
    scale = np.divide(angle, s, out=np.full_like(s, 2.0), where=s > 1e-300)
    return q[1:] * scale


def _qaxis(axis: int, angle_deg: np.ndarray) -> np.ndarray:
    half = np.radians(angle_deg) / 2.0
    q = np.zeros((4, np.size(half)))
    q[0], q[axis + 1] = np.cos(half), np.sin(half)
    return q


def quat_xyz(x_deg: np.ndarray, y_deg: np.ndarray, z_deg: np.ndarray) -> np.ndarray:
    """Rx(x) Ry(y) Rz(z) (scipy from_euler("XYZ")) as quaternions (4, n)."""
    return qmul(qmul(_qaxis(0, x_deg), _qaxis(1, y_deg)), _qaxis(2, z_deg))


def angles_from_quat(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DESIGN.md angles of body orientations q (body -> world): (flexion_deg, lateral_deg).

    f = R^T (1, 0, 0) is "up" in the body frame; flexion = atan2(f_z, f_x), lateral =
    atan2(-f_y, hypot(f_x, f_z)).
    """
    f = qrotate(qconj(q), UP[:, None])
    return (np.degrees(np.arctan2(f[2], f[0])),
            np.degrees(np.arctan2(-f[1], np.hypot(f[0], f[2]))))


def _smoothstep(x: np.ndarray) -> np.ndarray:
    """Quintic 0 -> 1 over x in [0, 1], flat (C2) at both ends: accelerations stay physical."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (x * (6.0 * x - 15.0) + 10.0)


# ---------------------------------------------------------------- the scripted motion


@dataclass(frozen=True)
class Excursions:
    """Non-overlapping out-and-back excursions of one angle (work bends, twists), sorted."""

    start_s: np.ndarray
    ramp_s: np.ndarray
    hold_s: np.ndarray
    amplitude_deg: np.ndarray

    def value_deg(self, t: np.ndarray) -> np.ndarray:
        if self.start_s.size == 0:
            return np.zeros_like(t)
        j = np.searchsorted(self.start_s, t, side="right") - 1
        i = np.maximum(j, 0)
        x, ramp = t - self.start_s[i], self.ramp_s[i]
        bump = _smoothstep(x / ramp) - _smoothstep((x - ramp - self.hold_s[i]) / ramp)
        return np.where(j >= 0, self.amplitude_deg[i] * bump, 0.0)


@dataclass(frozen=True)
class Motion:
    """The true, smooth (C2) motion of a whole timeline, evaluable at any true times (s).

    Segment i spans [start_s[i], end_s[i]); its channels (_CHANNELS) move from previous[i] to
    targets[i] over transition_s[i], then hold; bends and twists ride on top.
    """

    start_s: np.ndarray
    end_s: np.ndarray
    transition_s: np.ndarray
    previous: np.ndarray  # (n_segments, n_channels)
    targets: np.ndarray
    labels: tuple[str, ...]
    bends: Excursions
    twists: Excursions
    step_hz: float

    @property
    def duration_s(self) -> float:
        return float(self.end_s[-1])

    def channels(self, t: np.ndarray) -> np.ndarray:
        """Segment-level values (n_channels, n) at times t: transitions, then holds."""
        i = np.clip(np.searchsorted(self.start_s, t, side="right") - 1, 0, self.start_s.size - 1)
        blend = _smoothstep((t - self.start_s[i]) / self.transition_s[i])
        return (self.previous[i] + (self.targets[i] - self.previous[i]) * blend[:, None]).T

    def heading_deg(self, t: np.ndarray) -> np.ndarray:
        return self._trunk_deg(t, self.channels(t))[0]

    def _trunk_deg(self, t: np.ndarray, ch: np.ndarray) -> tuple[np.ndarray, ...]:
        """(heading, flexion, lateral) of the trunk in degrees."""
        stride = np.pi * self.step_hz * t  # phase of the stride (two steps)
        act, sway = ch[_ACTIVITY], ch[_SWAY]
        heading = (ch[_HEADING] + self.twists.value_deg(t)
                   + act * WALK_HEADING_DEG * np.sin(stride + 1.1))
        flexion = (ch[_FLEXION] + self.bends.value_deg(t)
                   + act * WALK_FLEXION_DEG * np.sin(2.0 * stride) + sway * _sway(t, 0))
        lateral = ch[_LATERAL] + act * WALK_LATERAL_DEG * np.sin(stride + 0.3) + sway * _sway(t, 1)
        return heading, flexion, lateral

    def kinematics(self, t: np.ndarray, side: Side) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(R_trunk, R_side) as quaternions (4, n) and the pelvis position (3, n) in metres."""
        ch = self.channels(t)
        heading, flexion, lateral = self._trunk_deg(t, ch)
        trunk = quat_xyz(heading, flexion, lateral)
        extra_flexion, extra_lateral = (ch[c] for c in _EXTRA[side])
        side_q = qmul(trunk, qmul(_qaxis(1, extra_flexion), _qaxis(2, extra_lateral)))
        return trunk, side_q, self._pelvis_m(t, ch[_ACTIVITY], np.radians(heading))

    def _pelvis_m(self, t: np.ndarray, act: np.ndarray, heading_rad: np.ndarray) -> np.ndarray:
        """Walking bounce and sway of the pivot (no net travel), sway axes turning with heading."""
        stride = np.pi * self.step_hz * t
        up = act * WALK_UP_M * np.sin(2.0 * stride + 0.5)
        side = act * WALK_SIDE_M * np.sin(stride)
        forward = act * WALK_FORWARD_M * np.sin(2.0 * stride + 1.2)
        # Rx(heading) applied to side * y + forward * (-z).
        cos, sin = np.cos(heading_rad), np.sin(heading_rad)
        return np.array([up, side * cos + forward * sin, side * sin - forward * cos])


def _sway(t: np.ndarray, axis: int) -> np.ndarray:
    slow, fast = SWAY_HZ[axis]
    return 0.6 * np.sin(2 * np.pi * slow * t + axis) + 0.4 * np.sin(2 * np.pi * fast * t + 1.0)


def compile_motion(segments: tuple[Segment, ...], *, rng: np.random.Generator,
                   step_hz: float) -> Motion:
    """Lay the segments end to end from t = 0 (upright) and place their bends and twists."""
    duration = np.array([s.duration_s for s in segments], dtype=float)
    end = np.cumsum(duration)
    start = end - duration
    targets = np.array([[float(getattr(s, c)) for c in _CHANNELS] for s in segments])
    previous = np.vstack([np.zeros(len(_CHANNELS)), targets[:-1]])
    # A transition longer than its segment is cut short (the posture is reached at its end).
    transition = np.clip([s.transition_s for s in segments], 1e-9, duration)
    bends, twists = [], []
    for seg, t0, t1, ramp_s in zip(segments, start, end, transition):
        lo, minutes = t0 + ramp_s, seg.duration_s / 60.0
        at = _place(rng, lo, t1, seg.bends_per_min * minutes, seg.bend_duration_s)
        bends.append((at, seg.bend_duration_s, BEND_RAMP, seg.bend_depth_deg - seg.flexion_deg))
        at = _place(rng, lo, t1, seg.twists_per_min * minutes, seg.twist_duration_s)
        sign = rng.choice([-1.0, 1.0], at.size)
        twists.append((at, seg.twist_duration_s, TWIST_RAMP, sign * seg.twist_amplitude_deg))
    return Motion(start, end, transition, previous, targets, tuple(s.label for s in segments),
                  _excursions(bends), _excursions(twists), float(step_hz))


def _place(rng: np.random.Generator, lo: float, hi: float, expected: float,
           duration_s: float) -> np.ndarray:
    """Start times of non-overlapping events inside [lo, hi], uniformly at random.

    expected (events per segment) is rounded at random so that the mean count is exact; as many
    as fit when fewer fit.
    """
    n = int(expected) + int(rng.random() < expected % 1.0)
    n = min(n, int((hi - lo + MIN_GAP_S) // (duration_s + MIN_GAP_S)))
    if n <= 0:
        return np.zeros(0)
    free = hi - lo - n * duration_s - (n - 1) * MIN_GAP_S
    return lo + np.sort(rng.uniform(0.0, free, n)) + np.arange(n) * (duration_s + MIN_GAP_S)


def _excursions(parts: list[tuple]) -> Excursions:
    start = np.concatenate([at for at, *_ in parts])
    ramp = np.concatenate([np.full(at.size, d * r) for at, d, r, _ in parts])
    hold = np.concatenate([np.full(at.size, d * (1 - 2 * r)) for at, d, r, _ in parts])
    amplitude = np.concatenate([np.broadcast_to(a, at.shape) for at, _, _, a in parts])
    return Excursions(start, ramp, hold, amplitude.astype(float))


# ---------------------------------------------------------------- sensors and truth


@dataclass(frozen=True)
class Simulated:
    """What the sensors wrote, plus the truth behind it.

    left/right: samples with time_s as written (the file's axis); left_true_time_s /
    right_true_time_s: the true time of each of those samples. calibration_window_s: on the true
    time axis (None without calibration). Truth queries take TRUE times.
    """

    scenario: Scenario
    motion: Motion = field(repr=False)
    left: SideSamples
    right: SideSamples
    left_true_time_s: np.ndarray = field(repr=False)
    right_true_time_s: np.ndarray = field(repr=False)
    calibration_window_s: tuple[float, float] | None
    metadata: dict[str, str]

    def true_time_s(self, side: Side) -> np.ndarray:
        """True times (s) of the samples of `side`, aligned with that side's SideSamples."""
        return self.left_true_time_s if side == Side.LEFT else self.right_true_time_s

    def truth(self, time_s: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray]:
        """True (flexion_deg, lateral_deg) at true times time_s; side: left, right or trunk."""
        t = np.atleast_1d(np.asarray(time_s, dtype=float))
        if side == "trunk":
            (fl, ll), (fr, lr) = self.truth(t, Side.LEFT), self.truth(t, Side.RIGHT)
            return 0.5 * (fl + fr), 0.5 * (ll + lr)
        if side not in SIDES:
            raise ValueError(f"side must be left, right or trunk, got {side!r}")
        return angles_from_quat(self.motion.kinematics(t, side)[1])

    def truth_twist_rate_dps(self, time_s: np.ndarray) -> np.ndarray:
        """Trunk heading rate about the vertical (deg/s, turning to the left +) at true times."""
        t = np.atleast_1d(np.asarray(time_s, dtype=float))
        h = GYRO_STEP_S
        return (self.motion.heading_deg(t + h) - self.motion.heading_deg(t - h)) / (2 * h)

    def segment_bounds(self) -> list[tuple[str, float, float]]:
        """(label, start_s, end_s) of each scenario segment on the true time axis; the
        calibration routine, when there is one, comes first as one ("calibration", 0, end)."""
        m = self.motion
        bounds = [(label, float(start), float(end))
                  for label, start, end in zip(m.labels, m.start_s, m.end_s)]
        if self.calibration_window_s is None:
            return bounds
        return [("calibration", *self.calibration_window_s), *bounds[len(CALIBRATION_SEGMENTS):]]

    def marks(self) -> tuple[Mark, ...]:
        """One mark per labelled segment start (true time axis)."""
        return tuple(Mark(start, label) for label, start, _ in self.segment_bounds() if label)

    def to_session(self) -> Session:
        return Session(
            source=f"simulated:{self.scenario.name or 'scenario'}",
            left=self.left,
            right=self.right,
            metadata=dict(self.metadata),
            marks=self.marks(),
            calibration_window_s=self.calibration_window_s,
        )

    def write(self, path, *, metadata: dict[str, str] | None = None) -> None:
        """Write a session CSV (sensors.session.files) with segment marks; `metadata` adds or
        overrides keys. Marks and calibration_s are true times (the file's axis when the
        sensors' clock_offset_s and clock_drift_ppm are zero)."""
        from sensors.session.files import write_session  # written alongside; only needed here

        write_session(path, self.left, self.right, metadata={**self.metadata, **(metadata or {})},
                      marks=self.marks())


def simulate(scenario: Scenario) -> Simulated:
    """Run a scenario: the calibration routine (if asked), then its segments, on both sensors."""
    root = np.random.SeedSequence(scenario.seed)
    timeline_seed, left_seed, right_seed = root.spawn(3)
    segments = (CALIBRATION_SEGMENTS if scenario.calibration else ()) + tuple(scenario.segments)
    motion = compile_motion(segments, rng=np.random.default_rng(timeline_seed),
                            step_hz=scenario.step_hz)
    left, left_true = _simulate_side(motion, scenario.left, Side.LEFT,
                                     np.random.default_rng(left_seed))
    right, right_true = _simulate_side(motion, scenario.right, Side.RIGHT,
                                       np.random.default_rng(right_seed))
    window = None
    if scenario.calibration:
        window = (0.0, float(motion.end_s[len(CALIBRATION_SEGMENTS) - 1]))
    metadata = {
        "format": FORMAT,
        "started_at": STARTED_AT,
        "simulated": "true",
        "scenario": scenario.name or "unnamed",
        "seed": str(scenario.seed),
        "left_device": DEVICE,
        "right_device": DEVICE,
    }
    if window is not None:
        metadata["calibration_s"] = f"{window[0]!r}:{window[1]!r}"
    return Simulated(scenario, motion, left, right, left_true, right_true, window, metadata)


def _simulate_side(motion: Motion, model: SensorModel, side: Side,
                   rng: np.random.Generator) -> tuple[SideSamples, np.ndarray]:
    """Sample one sensor; returns its samples and the true time of each."""
    k = np.arange(int(np.floor(motion.duration_s * model.rate_hz + 1e-9)) + 1)
    true_all = k / model.rate_hz
    written_all = _stamps(true_all, model, rng)
    keep = rng.random(k.size) >= model.drop_fraction
    for start_s, duration_s in model.dropouts:
        keep &= ~((written_all >= start_s) & (written_all < start_s + duration_s))
    t = true_all[keep]
    # In chunks: bounds the temporaries (~25 arrays per sample) whatever the session length.
    parts = [ideal_imu(motion, model, side, t[i:i + CHUNK]) for i in range(0, t.size, CHUNK)]
    accel = np.concatenate([a for a, _ in parts] or [np.zeros((0, 3))])
    gyro = np.concatenate([g for _, g in parts] or [np.zeros((0, 3))])
    accel += np.asarray(model.accel_bias_g) + rng.normal(0.0, model.accel_noise_g, accel.shape)
    gyro += np.asarray(model.gyro_bias_dps) + rng.normal(0.0, model.gyro_noise_dps, gyro.shape)
    samples = SideSamples(side, written_all[keep], accel, gyro, seq=k[keep])
    return samples, t


def _stamps(true_s: np.ndarray, model: SensorModel, rng: np.random.Generator) -> np.ndarray:
    """Written time_s: drifting, offset clock plus jitter, sorted (stamps arrive in order)."""
    stamps = true_s * (1.0 + model.clock_drift_ppm * 1e-6) + model.clock_offset_s
    if model.jitter_s > 0:
        if model.jitter_kind == "uniform":
            stamps = stamps + rng.uniform(-model.jitter_s, model.jitter_s, stamps.size)
        else:
            stamps = stamps + rng.normal(0.0, model.jitter_s, stamps.size)
        stamps = np.sort(stamps)
    return stamps


def mount_quat(model: SensorModel, time_s: np.ndarray) -> np.ndarray:
    """R_mount at true times (4, n), (4, 1) without slips: each slip turns the sensor by its
    rotation vector (its own frame) along a smooth ramp of SLIP_S from its time on."""
    mount = model.mount.as_quat(scalar_first=True)[:, None]
    for start_s, rotvec_deg in model.slips:
        share = _smoothstep((np.asarray(time_s, dtype=float) - start_s) / SLIP_S)
        angle = np.radians(np.linalg.norm(rotvec_deg)) * share
        axis = np.asarray(rotvec_deg, dtype=float) / max(np.linalg.norm(rotvec_deg), 1e-12)
        mount = qmul(mount, np.vstack([np.cos(angle / 2), np.outer(axis, np.sin(angle / 2))]))
    return mount


def ideal_imu(motion: Motion, model: SensorModel, side: Side,
              time_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Noise-free (accel_g, gyro_dps), each (n, 3) in the sensor frame, at true times time_s."""
    lever = model.lever_arm(side)[:, None]
    h, big_h = GYRO_STEP_S, ACCEL_STEP_S

    # Body-frame rate: the relative rotation R(t-h)^T R(t+h) = exp(2h [w]x).
    before = qmul(motion.kinematics(time_s - h, side)[1], mount_quat(model, time_s - h))
    after = qmul(motion.kinematics(time_s + h, side)[1], mount_quat(model, time_s + h))
    gyro_dps = np.degrees(qlog(qmul(qconj(before), after))).T / (2 * h)

    def position_m(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        trunk, side_q, pelvis = motion.kinematics(t, side)
        return pelvis + qrotate(trunk, lever), side_q

    p_before, _ = position_m(time_s - big_h)
    p_after, _ = position_m(time_s + big_h)
    p_now, side_now = position_m(time_s)
    accel_world_mps2 = (p_after - 2.0 * p_now + p_before) / big_h**2
    sensor_now = qmul(side_now, mount_quat(model, time_s))
    accel_g = qrotate(qconj(sensor_now), accel_world_mps2 / G_MPS2 + UP[:, None]).T
    return accel_g, gyro_dps

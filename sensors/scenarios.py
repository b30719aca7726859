"""Scripted timelines for the simulator: the timeline types and a library of named scenarios.

A Scenario is Segments in order (postures, work bends, twists, walking) plus a SensorModel per
side; sensors.simulator.simulate() turns it into samples and truth. Every named scenario here
ends with a few seconds upright, and takes the same keyword overrides for its sensors:
``seed``, ``rate_hz`` (of default sensors), ``left``/``right`` (whole SensorModels instead of
the defaults) and ``mount_deg`` (when > 0, each sensor's mount_rotvec_deg becomes a seeded random
rotation: uniform axis, angle uniform in 0..mount_deg). Times are on the true time axis, which
starts with the 21 s calibration routine.
"""

from __future__ import annotations

import dataclasses
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from sensors.samples import SIDES, Side

if TYPE_CHECKING:  # scipy loads in ~0.5 s; the CLI lists the scenarios without it
    from scipy.spatial.transform import Rotation

# Default lever arm from the lower-back pivot to the left sensor: up the spine, to the left, out
# of the back (metres); the right sensor mirrors y.
LEVER_ARM_LEFT_M = (0.35, 0.06, 0.06)
SLIP_S = 0.5  # a slipping sensor turns to its new place on the skin in about half a second


@dataclass(frozen=True)
class Segment:
    """A piece of the timeline: move to a posture over transition_s, then hold it (seconds, deg).

    Angles are trunk targets (flexion forward +, lateral to the wearer's left +, twist = heading
    about the vertical, to the left +); *_extra_* tilt one side's segment on top of the trunk.
    The move starts from the previous segment's posture (upright for the first one) and is cut
    to duration_s if longer. activity 0 (still) .. 1 (brisk walking/handling) adds step bounce
    and trunk oscillations of 1.5-3 deg; sway_deg adds slow postural sway of at most that
    amplitude. Work bends go to bend_depth_deg absolute flexion and back (bend_duration_s: 35%
    down, 30% hold, 35% up); twists turn the heading by +-twist_amplitude_deg (random side) and
    back (40% out, 20% hold, 40% back). Their count is the rate times duration_s (rounded at
    random, keeping the mean); their times are seeded random, after the transition,
    non-overlapping, at least 1 s apart, as many as fit.
    """

    duration_s: float
    _: KW_ONLY
    flexion_deg: float = 0.0
    lateral_deg: float = 0.0
    twist_deg: float = 0.0
    transition_s: float = 2.0
    left_extra_flexion_deg: float = 0.0
    left_extra_lateral_deg: float = 0.0
    right_extra_flexion_deg: float = 0.0
    right_extra_lateral_deg: float = 0.0
    activity: float = 0.0
    sway_deg: float = 0.0
    bends_per_min: float = 0.0
    bend_depth_deg: float = 50.0
    bend_duration_s: float = 3.0
    twists_per_min: float = 0.0
    twist_amplitude_deg: float = 45.0
    twist_duration_s: float = 2.0
    label: str = ""

    def __post_init__(self) -> None:
        if not self.duration_s > 0:
            raise ValueError(f"Segment duration_s must be > 0, got {self.duration_s}")
        if self.transition_s < 0:
            raise ValueError(f"Segment transition_s must be >= 0, got {self.transition_s}")
        if not 0 <= self.activity <= 1:
            raise ValueError(f"Segment activity must be within 0..1, got {self.activity}")
        if self.bend_duration_s <= 0 or self.twist_duration_s <= 0:
            raise ValueError("Segment bend_duration_s and twist_duration_s must be > 0")
        if self.bends_per_min < 0 or self.twists_per_min < 0 or self.sway_deg < 0:
            raise ValueError("Segment bends_per_min, twists_per_min and sway_deg must be >= 0")


@dataclass(frozen=True, kw_only=True)
class SensorModel:
    """One sensor: sampling, mounting, errors and clock (units in the names).

    True sample times are k / rate_hz. The written time_s is the true time stretched by
    clock_drift_ppm, shifted by clock_offset_s, plus timestamp jitter (gaussian with sd jitter_s,
    or uniform within +-jitter_s), sorted so it increases. drop_fraction removes samples at
    random; dropouts remove every sample whose written time_s falls in [start_s, start_s +
    duration_s). mount_rotvec_deg is the mounting error (sensor frame in the side's body frame) as
    a rotation vector in degrees. lever_arm_m: pivot (lower back) to sensor in the trunk frame;
    None = LEVER_ARM_LEFT_M, mirrored for the right side. slips: (time_s, rotvec_deg) pairs on the
    true time axis: the sensor slips (or is re-attached) on the body by that rotation, in its own
    frame, over SLIP_S from time_s on, and stays so (the truth, the body's angles, is unchanged).
    """

    rate_hz: float = 100.0
    mount_rotvec_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    accel_noise_g: float = 0.004
    gyro_noise_dps: float = 0.15
    gyro_bias_dps: tuple[float, float, float] = (0.0, 0.0, 0.0)
    accel_bias_g: tuple[float, float, float] = (0.0, 0.0, 0.0)
    clock_offset_s: float = 0.0
    clock_drift_ppm: float = 0.0
    jitter_s: float = 0.0
    jitter_kind: Literal["gaussian", "uniform"] = "gaussian"
    drop_fraction: float = 0.0
    dropouts: tuple[tuple[float, float], ...] = ()
    lever_arm_m: tuple[float, float, float] | None = None
    slips: tuple[tuple[float, tuple[float, float, float]], ...] = ()

    def __post_init__(self) -> None:
        if not self.rate_hz > 0:
            raise ValueError(f"SensorModel rate_hz must be > 0, got {self.rate_hz}")
        if not 0 <= self.drop_fraction < 1:
            raise ValueError(f"SensorModel drop_fraction must be in [0, 1), got "
                             f"{self.drop_fraction}")
        if self.jitter_s < 0 or self.jitter_kind not in ("gaussian", "uniform"):
            raise ValueError("SensorModel jitter_s must be >= 0, jitter_kind gaussian|uniform")

    @property
    def mount(self) -> Rotation:
        """R_mount: sensor frame -> the side's body frame (before any slip)."""
        from scipy.spatial.transform import Rotation

        return Rotation.from_rotvec(self.mount_rotvec_deg, degrees=True)

    def lever_arm(self, side: Side) -> np.ndarray:
        """Pivot-to-sensor vector in metres, trunk frame."""
        if self.lever_arm_m is not None:
            return np.asarray(self.lever_arm_m, dtype=float)
        up, left, back = LEVER_ARM_LEFT_M
        return np.array([up, left if side == Side.LEFT else -left, back])


@dataclass(frozen=True)
class Scenario:
    """Segments in order, after the calibration routine when calibration is True."""

    segments: tuple[Segment, ...]
    _: KW_ONLY
    left: SensorModel = SensorModel()
    right: SensorModel = SensorModel()
    seed: int = 0
    calibration: bool = True
    name: str = ""
    step_hz: float = 1.9  # walking cadence, steps per second (~114 steps/min)


# What simulate() puts first when Scenario.calibration is True (the window is 0..21 s): stand
# upright and still 8 s, bend slowly to 40 deg (4 s down, 1 s hold, 4 s up), still 4 s.
CALIBRATION_SEGMENTS = (
    Segment(8.0, transition_s=0.0, label="calibration"),
    Segment(5.0, flexion_deg=40.0, transition_s=4.0, label="calibration"),
    Segment(8.0, transition_s=4.0, label="calibration"),
)

# ---------------------------------------------------------------- the library

END_UPRIGHT = Segment(5.0, label="upright")


def sustained_flexion(angle_deg: float = 35.0, hold_s: float = 300.0, *, seed: int = 0,
                      rate_hz: float = 100.0, mount_deg: float = 0.0,
                      left: SensorModel | None = None,
                      right: SensorModel | None = None) -> Scenario:
    """Upright 10 s, then forward flexion held still for hold_s (after a 2 s transition)."""
    held = Segment(hold_s + 2.0, flexion_deg=angle_deg, sway_deg=0.3,
                   label=f"flexion {angle_deg:g} deg held")
    return _scenario("sustained_flexion", (Segment(10.0, label="upright"), held), seed,
                     rate_hz, mount_deg, left, right)


def severe_flexion(angle_deg: float = 70.0, hold_s: float = 25.0, *, seed: int = 0,
                   rate_hz: float = 100.0, mount_deg: float = 0.0,
                   left: SensorModel | None = None,
                   right: SensorModel | None = None) -> Scenario:
    """Upright 10 s, then a deep bend held for hold_s (after a 2 s transition)."""
    scenario = sustained_flexion(angle_deg, hold_s, seed=seed, rate_hz=rate_hz,
                                 mount_deg=mount_deg, left=left, right=right)
    return dataclasses.replace(scenario, name="severe_flexion")


def lateral_lean(angle_deg: float = 15.0, hold_s: float = 180.0, *, seed: int = 0,
                 rate_hz: float = 100.0, mount_deg: float = 0.0,
                 left: SensorModel | None = None, right: SensorModel | None = None) -> Scenario:
    """Upright 10 s, then a lateral bend (to the wearer's left when positive) held for hold_s."""
    held = Segment(hold_s + 2.0, lateral_deg=angle_deg, sway_deg=0.3,
                   label=f"lateral {angle_deg:g} deg held")
    return _scenario("lateral_lean", (Segment(10.0, label="upright"), held), seed, rate_hz,
                     mount_deg, left, right)


def one_side_tilt(extra_deg: float = 10.0, hold_s: float = 300.0, side: Side = Side.LEFT, *,
                  seed: int = 0, rate_hz: float = 100.0, mount_deg: float = 0.0,
                  left: SensorModel | None = None,
                  right: SensorModel | None = None) -> Scenario:
    """Trunk upright while one side's segment tilts laterally by extra_deg, for hold_s."""
    if side not in SIDES:
        raise ValueError(f"side must be left or right, got {side!r}")
    held = Segment(hold_s + 2.0, sway_deg=0.3, label=f"{side} side tilted {extra_deg:g} deg",
                   **{f"{side}_extra_lateral_deg": extra_deg})
    return _scenario("one_side_tilt", (Segment(10.0, label="upright"), held), seed, rate_hz,
                     mount_deg, left, right)


def continuous_work(minutes: float = 70.0, *, seed: int = 0, rate_hz: float = 100.0,
                    mount_deg: float = 0.0, left: SensorModel | None = None,
                    right: SensorModel | None = None) -> Scenario:
    """Moving all the time (activity ~0.6), occasional ~3 s bends to ~40 deg, no rest."""
    rng = np.random.default_rng([seed, 1])

    def piece(duration_s: float) -> Segment:
        return Segment(duration_s, flexion_deg=rng.uniform(0.0, 12.0),
                       lateral_deg=rng.uniform(-4.0, 4.0), transition_s=min(3.0, duration_s),
                       activity=rng.uniform(0.5, 0.7), bends_per_min=rng.uniform(0.5, 2.0),
                       bend_depth_deg=rng.uniform(37.0, 43.0), bend_duration_s=3.0,
                       twists_per_min=0.5, twist_amplitude_deg=30.0, label="work")

    segments = _pieces(rng, minutes * 60.0, (45.0, 120.0), piece)
    return _scenario("continuous_work", segments, seed, rate_hz, mount_deg, left, right)


def normal_work(minutes: float = 20.0, *, seed: int = 0, rate_hz: float = 100.0,
                mount_deg: float = 0.0, left: SensorModel | None = None,
                right: SensorModel | None = None) -> Scenario:
    """Moving, a few brief (<= 3 s) bends to 45-55 deg per minute, small leans, nothing held."""
    rng = np.random.default_rng([seed, 2])

    def piece(duration_s: float) -> Segment:
        return Segment(duration_s, flexion_deg=rng.uniform(0.0, 10.0),
                       lateral_deg=rng.uniform(-4.0, 4.0), transition_s=min(2.0, duration_s),
                       activity=rng.uniform(0.3, 0.7), bends_per_min=rng.uniform(2.0, 4.0),
                       bend_depth_deg=rng.uniform(45.0, 55.0), bend_duration_s=2.5,
                       twists_per_min=1.0, twist_amplitude_deg=30.0, label="work")

    segments = _pieces(rng, minutes * 60.0, (20.0, 45.0), piece)
    return _scenario("normal_work", segments, seed, rate_hz, mount_deg, left, right)


def mixed_accuracy(*, seed: int = 0, rate_hz: float = 100.0, mount_deg: float = 0.0,
                   left: SensorModel | None = None,
                   right: SensorModel | None = None) -> Scenario:
    """About 5 min: still holds at 0/30/60 flexion, +-15 lateral, flexion + lateral combined,
    walking, work bends and twists (for angle accuracy figures per condition)."""
    segments = (
        Segment(20.0, label="upright still"),
        Segment(20.0, flexion_deg=30.0, label="flexion 30 still"),
        Segment(20.0, flexion_deg=60.0, transition_s=3.0, label="flexion 60 still"),
        Segment(15.0, transition_s=3.0, label="upright still"),
        Segment(20.0, lateral_deg=15.0, label="lateral +15 still"),
        Segment(20.0, lateral_deg=-15.0, transition_s=3.0, label="lateral -15 still"),
        Segment(20.0, flexion_deg=30.0, lateral_deg=15.0, transition_s=3.0,
                label="flexion 30 + lateral 15 still"),
        Segment(15.0, transition_s=3.0, label="upright still"),
        Segment(40.0, activity=1.0, label="walking"),
        Segment(45.0, activity=0.3, bends_per_min=6.0, bend_depth_deg=50.0, label="work bends"),
        Segment(30.0, activity=0.2, twists_per_min=8.0, twist_amplitude_deg=45.0, label="twists"),
    )
    return _scenario("mixed_accuracy", segments, seed, rate_hz, mount_deg, left, right)


def dropout(side: Side = Side.LEFT, start_s: float = 60.0, duration_s: float = 3.0, *,
            seed: int = 0, rate_hz: float = 100.0, mount_deg: float = 0.0,
            left: SensorModel | None = None, right: SensorModel | None = None) -> Scenario:
    """About 3 min of light work with a radio dropout of one side: no samples of that side
    written in [start_s, start_s + duration_s) on its file time axis (session start = 0)."""
    if side not in SIDES:
        raise ValueError(f"side must be left or right, got {side!r}")
    segments = (
        Segment(30.0, label="upright"),
        Segment(90.0, activity=0.4, bends_per_min=2.0, bend_depth_deg=45.0, label="work"),
        Segment(30.0, flexion_deg=25.0, sway_deg=0.3, label="flexion 25 held"),
    )
    scenario = _scenario("dropout", segments, seed, rate_hz, mount_deg, left, right)
    model = getattr(scenario, side)
    model = dataclasses.replace(model, dropouts=model.dropouts + ((start_s, duration_s),))
    return dataclasses.replace(scenario, **{side: model})


def field_day(minutes: float = 20.0, *, quiet_s: float = 120.0, slip_at_s: float | None = None,
              slip_deg: float = 15.0, slip_side: Side = Side.LEFT, seed: int = 0, rate_hz: float = 100.0,
              mount_deg: float = 0.0, left: SensorModel | None = None, right: SensorModel | None = None) -> Scenario:
    """A day in the field without the calibration routine (the usual case): it starts mid-walk,
    the first ``quiet_s`` hold only walking and standing (no bend yet), then walking, standing
    upright and work with bends to 35-60 deg (and a little lean) take turns. With ``slip_at_s``,
    one sensor slips on the back by ``slip_deg`` about a seeded random axis at that true time."""
    rng = np.random.default_rng([seed, 3])
    walk = lambda d: Segment(d, activity=1.0, transition_s=min(2.0, d), label="walking")  # noqa: E731
    stand = lambda d: Segment(d, sway_deg=0.5, transition_s=min(2.0, d), label="standing")  # noqa: E731

    def piece(duration_s: float) -> Segment:
        kind = rng.choice(["walk", "stand", "work", "work"])
        if kind != "work":
            return walk(duration_s) if kind == "walk" else stand(duration_s)
        return Segment(duration_s, flexion_deg=rng.uniform(0.0, 8.0), lateral_deg=rng.uniform(-3.0, 3.0),
                       transition_s=min(2.0, duration_s), activity=rng.uniform(0.2, 0.6),
                       bends_per_min=rng.uniform(1.0, 3.0), bend_depth_deg=rng.uniform(35.0, 60.0),
                       bend_duration_s=3.0, twists_per_min=0.5, twist_amplitude_deg=30.0, label="work")

    opening = (walk(0.4 * quiet_s), stand(0.3 * quiet_s), walk(0.3 * quiet_s)) if quiet_s > 0 else ()
    segments = opening + _pieces(rng, max(60.0, minutes * 60.0 - quiet_s), (40.0, 150.0), piece)
    scenario = dataclasses.replace(_scenario("field_day", segments, seed, rate_hz, mount_deg, left, right),
                                   calibration=False)
    if slip_at_s is None:
        return scenario
    model = getattr(scenario, slip_side)
    slip = (float(slip_at_s), tuple(float(v) for v in _unit_axis(rng) * slip_deg))
    return dataclasses.replace(scenario, **{slip_side: dataclasses.replace(model, slips=model.slips + (slip,))})


def _unit_axis(rng: np.random.Generator) -> np.ndarray:
    axis = rng.normal(size=3)
    return axis / np.linalg.norm(axis)


def example_session(*, seed: int = 2026) -> Scenario:
    """The shipped example (examples/example_session.csv): ~4.7 min at 50 Hz, realistic sensors
    (mounting errors, bias, clock offset and drift, jitter, a few drops) and postures that
    backmon flags: work bends, a long deep hold, a severe bend, a long lateral lean."""
    segments = (
        Segment(15.0, label="upright"),
        Segment(20.0, activity=0.8, label="walking"),
        Segment(40.0, activity=0.4, bends_per_min=4.0, bend_depth_deg=50.0, label="work bends"),
        Segment(92.0, flexion_deg=55.0, sway_deg=0.5, label="bent over at 55 deg"),
        Segment(10.0, flexion_deg=70.0, label="severe bend 70 deg"),
        Segment(10.0, activity=0.3, label="upright, moving"),
        Segment(72.0, lateral_deg=15.0, left_extra_lateral_deg=6.0, sway_deg=0.5,
                label="leaning left 15 deg"),
    )
    # Clock offsets exceed the jitter, so no written time_s falls below zero.
    left = SensorModel(rate_hz=50.0, gyro_bias_dps=(0.4, -0.3, 0.2), clock_offset_s=0.004,
                       accel_bias_g=(0.005, 0.0, -0.004), jitter_s=0.002, jitter_kind="uniform",
                       drop_fraction=0.002)
    right = SensorModel(rate_hz=50.0, gyro_bias_dps=(-0.2, 0.5, -0.1), clock_offset_s=0.013,
                        clock_drift_ppm=40.0, jitter_s=0.002, jitter_kind="uniform",
                        drop_fraction=0.002)
    return _scenario("example_session", segments, seed, 50.0, 8.0, left, right)


# Named scenarios for `backmon simulate` (each accepts seed, rate_hz and mount_deg).
SCENARIOS = {
    "sustained_flexion": sustained_flexion,
    "severe_flexion": severe_flexion,
    "lateral_lean": lateral_lean,
    "one_side_tilt": one_side_tilt,
    "continuous_work": continuous_work,
    "normal_work": normal_work,
    "mixed_accuracy": mixed_accuracy,
    "dropout": dropout,
    "field_day": field_day,
}


# ---------------------------------------------------------------- helpers


def _scenario(name: str, segments: tuple[Segment, ...], seed: int, rate_hz: float,
              mount_deg: float, left: SensorModel | None, right: SensorModel | None) -> Scenario:
    """Add the closing upright seconds and the sensor models (with random mounts if asked)."""
    rng = np.random.default_rng([seed, 0])
    models = []
    for model in (left, right):
        model = model if model is not None else SensorModel(rate_hz=rate_hz)
        if mount_deg > 0:
            model = dataclasses.replace(model, mount_rotvec_deg=random_mount_deg(rng, mount_deg))
        models.append(model)
    return Scenario(tuple(segments) + (END_UPRIGHT,), left=models[0], right=models[1], seed=seed,
                    name=name)


def random_mount_deg(rng: np.random.Generator, max_deg: float) -> tuple[float, float, float]:
    """A rotation vector (deg) with a uniformly random axis and an angle in [0, max_deg]."""
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    return tuple(float(v) for v in axis * rng.uniform(0.0, max_deg))


def _pieces(rng: np.random.Generator, total_s: float, length_range_s: tuple[float, float],
            make) -> tuple[Segment, ...]:
    """Segments from make(duration_s) with random lengths filling exactly total_s."""
    segments, left_s = [], total_s
    while left_s > 1e-9:
        duration_s = min(rng.uniform(*length_range_s), left_s)
        if left_s - duration_s < length_range_s[0]:  # no stub at the end
            duration_s = left_s
        segments.append(make(duration_s))
        left_s -= duration_s
    return tuple(segments)

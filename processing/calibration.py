"""Step 5: find each sensor's body frame, so any mounting rotation drops out.

A still, upright neutral stretch gives "up" (the calibrated x axis). A forward bend moves
gravity in the sensor frame toward the back's outward normal: that direction, made
perpendicular to "up", is the calibrated z axis; y = z x x points to the wearer's left.

Three ways to calibrate (``CalibrationMethod``): a window holding the routine (the file's
``calibration_s`` or ``--calibrate``: its first still upright stretch and the first clear
forward bend after it), the monitor's own calibrations recorded in the file (``# calibration:``
lines), or automatically from the whole recording with no routine at all
(processing.auto_calibration). Where no bend shows the forward direction, the tilt excursions
of the whole recording are asked; if they cannot tell either, the forward direction is
unknown: the rotation keeps the nominal heading only to be a rotation, and flexion and lean
are not reported from it (``forward_known`` is False), overall tilt from "up" is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from processing.auto_calibration import estimate_forward, estimate_up, walking_mask
from processing.calibration_frames import CalibrationFrames, angle_deg, rotation_angle_deg, runs, unit
from processing.settings import CalibrationSettings
from sensors.errors import BackmonError

NOMINAL_UP = np.array([1.0, 0.0, 0.0])
NOMINAL_BACK = np.array([0.0, 0.0, 1.0])


class CalibrationMethod(StrEnum):
    """How a side's body frame was found (the JSON carries the plain strings)."""

    WINDOW = "window"  # a window holding the routine (calibration_s or --calibrate)
    AUTOMATIC = "automatic"  # the whole recording, no routine needed
    RECORDED = "recorded"  # the monitor's calibrations, written into the recording
    NOMINAL = "nominal"  # nothing to calibrate from: the sensor's nominal axes


class CalibrationWindowError(BackmonError):
    """A calibration window that cannot be used (outside the recording, no still upright stretch)."""


@dataclass(frozen=True)
class SideCalibration:
    """rotation (3, 3) maps sensor-frame vectors to the calibrated body frame."""

    rotation: np.ndarray
    method: CalibrationMethod
    neutral_s: tuple[float, float] | None
    bend_s: tuple[float, float] | None
    neutral_sd_deg: float | None  # spread of "up" while standing still
    bend_deg: float | None  # how far the calibration bend went
    bend_off_plane_deg: float | None  # RMS sideways wobble during the bend
    mount_offset_deg: float  # angle between the sensor's nominal frame and its body frame
    quality: float  # 0 (unusable) .. 1 (clean neutral and bend)
    note: str
    forward_known: bool = True  # False: only the tilt from "up" means anything
    up_confidence: float = 1.0  # 0..1
    forward_confidence: float = 1.0  # 0..1
    up_source: str = "window"  # window | standing | walking | still | any posture | recorded | nominal

    @property
    def up(self) -> np.ndarray:
        return self.rotation[0]


@dataclass(frozen=True)
class Recalibration:
    """A side's calibration replaced during the session (a slipped sensor, or the monitor
    growing sure of the forward direction): ``calibration`` holds from ``time_s`` on."""

    side: str
    time_s: float  # when it was adopted (angles use it from here on)
    calibration: SideCalibration
    angle_deg: float  # how far the new body frame turned from the old one
    reason: str  # slip | refined | recorded
    since_s: float | None = None  # for a slip: when the sensor moved, as far as the data tell


@dataclass(frozen=True)
class Calibration:
    sides: dict[str, SideCalibration]
    window_s: tuple[float, float] | None  # analysis (summary, alerts) starts after its end
    method: CalibrationMethod
    recalibrations: tuple[Recalibration, ...] = ()

    @property
    def analysis_start_s(self) -> float | None:
        return None if self.window_s is None else self.window_s[1]

    @property
    def forward_known(self) -> bool:
        """True when every side's forward direction is known from the start."""
        return all(s.forward_known for s in self.sides.values())


def rotation_from_axes(up: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Rows x (up), y (left), z (back) of the calibrated frame, in sensor coordinates."""
    x = unit(up)
    z = unit(back - np.dot(back, x) * x)
    y = np.cross(z, x)
    return np.vstack([x, y, z])


def heading_free_rotation(up: np.ndarray) -> np.ndarray:
    """A rotation with x = ``up`` when the forward direction is unknown: the nominal back (or,
    for a sensor lying along it, the nominal up) fixes the heading, which nothing then uses."""
    back = NOMINAL_BACK if abs(float(unit(up) @ NOMINAL_BACK)) < 0.9 else NOMINAL_UP
    return rotation_from_axes(up, back)


def mount_offset_deg(rotation: np.ndarray) -> float:
    return rotation_angle_deg(rotation)


def still_stretches(frames: dict[str, CalibrationFrames], lo: int, hi: int, *, frame_rate_hz: float,
                    settings: CalibrationSettings) -> list[tuple[int, int]]:
    """Stretches in [lo, hi) where every present side is still for at least ``neutral_min_s``."""
    still = np.ones(hi - lo, dtype=bool)
    for f in frames.values():
        still &= f.valid[lo:hi] & (f.gyro_abs_dps[lo:hi] < settings.still_gyro_dps)
    need = int(round(settings.neutral_min_s * frame_rate_hz))
    return [(lo + a, lo + b) for a, b in runs(still) if b - a >= need]


def find_bend(f: CalibrationFrames, up: np.ndarray, lo: int, hi: int, *, frame_rate_hz: float,
              settings: CalibrationSettings) -> tuple[int, int, int] | None:
    """First excursion of gravity away from ``up`` in [lo, hi) that reaches ``bend_min_deg``.

    Returns (start, deepest, end) frame indices: the way down to the deepest point within
    ``bend_max_s`` of the start, and the way back (until within 5 deg, at most ``bend_max_s``
    after the deepest point). Bounding it keeps walking after the bend out of the calibration.
    """
    deviation = np.where(f.valid[lo:hi], angle_deg(f.gravity[lo:hi], up[None, :]), 0.0)
    longest = int(round(settings.bend_max_s * frame_rate_hz))
    for start, end in runs(deviation > 5.0):
        first = deviation[start:min(end, start + longest)]
        if first.max() >= settings.bend_min_deg:
            deepest = start + int(np.argmax(first))
            back = min(end, deepest + longest)
            return lo + start, lo + deepest + 1, lo + back
    return None


def bend_direction(gravity: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Unit direction gravity moved toward during a bend, perpendicular to ``up``."""
    away = gravity - np.outer(gravity @ up, up)  # length = sin(angle from up): deeper frames weigh more
    return unit(away.sum(axis=0))


def _quality(neutral_sd_deg: float, bend_deg: float | None, off_plane_deg: float | None) -> float:
    """1 for a still neutral and a deep, clean bend; lower as any of them degrades."""
    score = float(np.exp(-max(0.0, neutral_sd_deg - 0.5) / 2.0))
    if bend_deg is None or off_plane_deg is None:
        return round(0.5 * score, 3)  # heading unknown: at best half trustworthy
    score *= min(1.0, bend_deg / 30.0) * float(np.exp(-max(0.0, off_plane_deg - 1.0) / 4.0))
    return round(score, 3)


def _off_plane_deg(gravity: np.ndarray, rotation: np.ndarray) -> float:
    """RMS sideways lean (deg) of gravity directions in the calibrated frame: a clean bend has none."""
    lateral = np.degrees(np.arcsin(np.clip(-(unit(gravity) @ rotation[1]), -1, 1)))
    return float(np.sqrt(np.mean(lateral**2)))


def _window_side(f: CalibrationFrames, neutral: tuple[int, int], bend_search: tuple[int, int], *,
                 frame_rate_hz: float, settings: CalibrationSettings) -> SideCalibration:
    """A side's calibration from the window's neutral stretch and the first bend after it;
    without a bend there, the forward direction comes from the recording's excursions."""
    n0, n1 = neutral
    still = f.gravity[n0:n1][f.valid[n0:n1]]
    up = unit(still.mean(axis=0))
    neutral_sd = float(np.sqrt(np.mean(angle_deg(still, up[None, :]) ** 2)))
    neutral_s = (float(f.time_s[n0]), float(f.time_s[n1 - 1]))
    bend = find_bend(f, up, *bend_search, frame_rate_hz=frame_rate_hz, settings=settings)
    if bend is None:
        return _forward_from_excursions(f, up, neutral_s, neutral_sd, settings=settings)
    g = unit(f.gravity[bend[0]:bend[1]][f.valid[bend[0]:bend[1]]])
    rotation = rotation_from_axes(up, bend_direction(g, up))
    bend_deg = float(angle_deg(g, up[None, :]).max())
    off_plane = _off_plane_deg(g, rotation)
    bend_s = (float(f.time_s[bend[0]]), float(f.time_s[bend[2] - 1]))
    return SideCalibration(rotation, CalibrationMethod.WINDOW, neutral_s, bend_s, neutral_sd, bend_deg, off_plane,
                           mount_offset_deg(rotation), _quality(neutral_sd, bend_deg, off_plane),
                           "neutral and forward bend found")


def _forward_from_excursions(f: CalibrationFrames, up: np.ndarray, neutral_s, neutral_sd: float, *,
                             settings: CalibrationSettings) -> SideCalibration:
    forward = estimate_forward(f, up, settings=settings)
    known = forward.back is not None
    rotation = rotation_from_axes(up, forward.back) if known else heading_free_rotation(up)
    quality = _quality(neutral_sd, None, None) * (1.0 + forward.confidence if known else 1.0)
    return SideCalibration(rotation, CalibrationMethod.WINDOW, neutral_s, None, neutral_sd, None, None,
                           mount_offset_deg(rotation), round(min(1.0, quality), 3),
                           f"neutral found, no forward bend in the window; {forward.note}", known, 1.0,
                           forward.confidence if known else 0.0)


def nominal(note: str) -> SideCalibration:
    """The nominal axes, when there is nothing to calibrate from (forward not known)."""
    return SideCalibration(np.eye(3), CalibrationMethod.NOMINAL, None, None, None, None, None, 0.0, 0.0, note,
                           False, 0.0, 0.0, "nominal")


def calibrate(frames: dict[str, CalibrationFrames], *, window_s: tuple[float, float] | None,
              frame_rate_hz: float, settings: CalibrationSettings) -> Calibration:
    """Every present side's calibration: from the window when one is given (its first still
    stretch; nominal axes when it has none: ``check_window`` refuses such a window offline),
    else automatically from all the frames given."""
    if not frames:
        return Calibration({}, window_s, CalibrationMethod.NOMINAL)
    if window_s is None:
        sides = {side: calibrate_automatic(f, frames, frame_rate_hz=frame_rate_hz, settings=settings)
                 for side, f in frames.items()}
        return Calibration(sides, None, CalibrationMethod.AUTOMATIC)
    t = next(iter(frames.values())).time_s
    lo, hi = int(np.searchsorted(t, window_s[0])), int(np.searchsorted(t, window_s[1], side="right"))
    stretches = still_stretches(frames, lo, hi, frame_rate_hz=frame_rate_hz, settings=settings)
    if not stretches:
        return Calibration({side: nominal("no still stretch in the calibration window") for side in frames},
                           window_s, CalibrationMethod.NOMINAL)
    sides = {side: _window_side(f, stretches[0], (stretches[0][1], hi), frame_rate_hz=frame_rate_hz,
                                settings=settings) for side, f in frames.items()}
    return Calibration(sides, window_s, CalibrationMethod.WINDOW)


def calibrate_automatic(f: CalibrationFrames, frames: dict[str, CalibrationFrames], *, frame_rate_hz: float,
                        settings: CalibrationSettings) -> SideCalibration:
    """One side's calibration from the whole recording (processing.auto_calibration)."""
    still = np.zeros(f.valid.size, dtype=bool)
    for a, b in still_stretches(frames, 0, f.valid.size, frame_rate_hz=frame_rate_hz, settings=settings):
        still[a:b] = True
    walking = walking_mask(f, frame_rate_hz=frame_rate_hz, settings=settings)
    up = estimate_up(f, still & f.valid, walking, frame_rate_hz=frame_rate_hz, settings=settings)
    forward = estimate_forward(f, up.up, settings=settings)
    known = forward.back is not None
    rotation = rotation_from_axes(up.up, forward.back) if known else heading_free_rotation(up.up)
    off_plane = None
    if forward.bend_s is not None and known:
        span = (f.time_s >= forward.bend_s[0]) & (f.time_s <= forward.bend_s[1]) & f.valid
        off_plane = _off_plane_deg(f.gravity[span], rotation)
    quality = up.confidence * (forward.confidence if known else 0.5)
    note = f"up from {up.source} (confidence {up.confidence:.2f}); {forward.note}"
    return SideCalibration(rotation, CalibrationMethod.AUTOMATIC, up.neutral_s, forward.bend_s if known else None,
                           up.spread_deg, forward.bend_deg if known else None, off_plane,
                           mount_offset_deg(rotation), round(quality, 3), note, known, up.confidence,
                           forward.confidence, up.source)


def check_window(frames: dict[str, CalibrationFrames], window_s: tuple[float, float], *, frame_rate_hz: float,
                 settings: CalibrationSettings, tolerance_s: float = 1.0) -> None:
    """Refuse a window that lies outside the recording or holds no still, near-upright stretch
    (near the wearer's usual upright posture, found as automatic calibration finds it)."""
    t = next(iter(frames.values())).time_s
    a, b = window_s
    where = f"the calibration window {a:g}-{b:g} s"
    if not t.size or a < t[0] - tolerance_s or b > t[-1] + tolerance_s:
        span = f"{t[0]:.1f}-{t[-1]:.1f} s" if t.size else "no data"
        raise CalibrationWindowError(f"{where} is not inside the recording ({span})")
    lo, hi = int(np.searchsorted(t, a)), int(np.searchsorted(t, b, side="right"))
    stretches = still_stretches(frames, lo, hi, frame_rate_hz=frame_rate_hz, settings=settings)
    if not stretches:
        raise CalibrationWindowError(f"{where} holds no still stretch of {settings.neutral_min_s:g} s or more "
                                     "(the wearer moved throughout it)")
    n0, n1 = stretches[0]
    for side, f in frames.items():
        usual = calibrate_automatic(f, frames, frame_rate_hz=frame_rate_hz, settings=settings).up
        off = float(angle_deg(f.gravity[n0:n1][f.valid[n0:n1]].mean(axis=0), usual))
        if off > settings.auto_upright_max_deg:
            raise CalibrationWindowError(
                f"{where} holds no near-upright still stretch: at {t[n0]:.1f}-{t[n1 - 1]:.1f} s the {side} "
                f"sensor is {off:.0f} deg from the wearer's usual upright posture")

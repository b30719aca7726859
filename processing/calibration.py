"""Step 5: find each sensor's body frame, so any mounting rotation drops out.

A still, upright neutral stretch gives "up" (the calibrated x axis). One slow forward bend
moves gravity in the sensor frame toward the back's outward normal: that direction, made
perpendicular to "up", is the calibrated z axis; y = z x x points to the wearer's left.
Without a bend the sensor's nominal z axis fixes the heading (a rotation about the spine then
stays unknown). The window comes from the file (``calibration_s``), the command line, or an
automatic search for the first still upright stretch and the first clear forward bend after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.settings import CalibrationSettings

NOMINAL_UP = np.array([1.0, 0.0, 0.0])
NOMINAL_BACK = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class SideCalibration:
    """rotation (3, 3) maps sensor-frame vectors to the calibrated body frame."""

    rotation: np.ndarray
    method: str  # "window" | "automatic" | "nominal"
    neutral_s: tuple[float, float] | None
    bend_s: tuple[float, float] | None
    neutral_sd_deg: float | None  # spread of "up" while standing still
    bend_deg: float | None  # how far the calibration bend went
    bend_off_plane_deg: float | None  # RMS sideways wobble during the bend
    mount_offset_deg: float  # angle between the sensor's nominal frame and its body frame
    quality: float  # 0 (unusable) .. 1 (clean neutral and bend)
    note: str


@dataclass(frozen=True)
class Calibration:
    sides: dict[str, SideCalibration]
    window_s: tuple[float, float] | None  # analysis (summary, alerts) starts after its end
    method: str

    @property
    def analysis_start_s(self) -> float | None:
        return None if self.window_s is None else self.window_s[1]


@dataclass(frozen=True)
class CalibrationFrames:
    """What calibration needs from one side: frame times, mean gravity, mean |gyro|, validity."""

    time_s: np.ndarray
    gravity: np.ndarray
    gyro_abs_dps: np.ndarray
    valid: np.ndarray


def _unit(v: np.ndarray) -> np.ndarray:
    """Unit vectors; an empty frame (all zeros) stays zero instead of dividing by zero."""
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norm > 0, norm, 1.0)


def _valid(f: CalibrationFrames, lo: int, hi: int) -> np.ndarray:
    """Gravity of the valid frames in [lo, hi)."""
    return f.gravity[lo:hi][f.valid[lo:hi]]


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arccos(np.clip(np.sum(_unit(a) * _unit(b), axis=-1), -1.0, 1.0)))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the True runs of ``mask``; end is exclusive."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def rotation_from_axes(up: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Rows x (up), y (left), z (back) of the calibrated frame, in sensor coordinates."""
    x = _unit(up)
    z = _unit(back - np.dot(back, x) * x)
    y = np.cross(z, x)
    return np.vstack([x, y, z])


def still_stretches(frames: dict[str, CalibrationFrames], lo: int, hi: int, *, frame_rate_hz: float,
                    settings: CalibrationSettings) -> list[tuple[int, int]]:
    """Stretches in [lo, hi) where every present side is still for at least ``neutral_min_s``."""
    still = np.ones(hi - lo, dtype=bool)
    for f in frames.values():
        still &= f.valid[lo:hi] & (f.gyro_abs_dps[lo:hi] < settings.still_gyro_dps)
    need = int(round(settings.neutral_min_s * frame_rate_hz))
    return [(lo + a, lo + b) for a, b in _runs(still) if b - a >= need]


def find_bend(f: CalibrationFrames, up: np.ndarray, lo: int, hi: int, *, frame_rate_hz: float,
              settings: CalibrationSettings) -> tuple[int, int, int] | None:
    """First excursion of gravity away from ``up`` in [lo, hi) that reaches ``bend_min_deg``.

    Returns (start, deepest, end) frame indices: the way down to the deepest point within
    ``bend_max_s`` of the start, and the way back (until within 5 deg, at most ``bend_max_s``
    after the deepest point). Bounding it keeps walking after the bend out of the calibration.
    """
    deviation = np.where(f.valid[lo:hi], _angle_deg(f.gravity[lo:hi], up[None, :]), 0.0)
    longest = int(round(settings.bend_max_s * frame_rate_hz))
    for start, end in _runs(deviation > 5.0):
        first = deviation[start:min(end, start + longest)]
        if first.max() >= settings.bend_min_deg:
            deepest = start + int(np.argmax(first))
            back = min(end, deepest + longest)
            return lo + start, lo + deepest + 1, lo + back
    return None


def _side_calibration(f: CalibrationFrames, neutral: tuple[int, int] | None, bend_search: tuple[int, int],
                      *, method: str, frame_rate_hz: float, settings: CalibrationSettings) -> SideCalibration:
    if neutral is None:
        return SideCalibration(np.eye(3), "nominal", None, None, None, None, None, 0.0, 0.0,
                               "no still upright stretch found: nominal sensor axes assumed")
    n0, n1 = neutral
    still = _valid(f, n0, n1)
    up = _unit(still.mean(axis=0))
    neutral_sd = float(np.sqrt(np.mean(_angle_deg(still, up[None, :]) ** 2)))
    span = lambda a, b: (float(f.time_s[a]), float(f.time_s[b - 1]))  # noqa: E731
    bend = find_bend(f, up, *bend_search, frame_rate_hz=frame_rate_hz, settings=settings)
    back, bend_info, note = NOMINAL_BACK, (None, None, None), "no forward bend found: nominal heading assumed"
    if bend is not None:
        g = _unit(_valid(f, bend[0], bend[1]))
        direction = bend_direction(g, up)
        off_nominal = _off_nominal_deg(direction, up)
        if method == "automatic" and off_nominal > settings.auto_bend_max_off_nominal_deg:
            note = f"the first bend was {off_nominal:.0f} deg away from a forward bend: nominal heading assumed"
        else:
            back = direction
            rot = rotation_from_axes(up, back)
            lateral = np.degrees(np.arcsin(np.clip(-(g @ rot[1]), -1, 1)))
            bend_deg = float(_angle_deg(g, up[None, :]).max())
            bend_info = ((float(f.time_s[bend[0]]), float(f.time_s[bend[2] - 1])), bend_deg,
                         float(np.sqrt(np.mean(lateral**2))))
            note = "neutral and forward bend found"
    rotation = rotation_from_axes(up, back)
    mount = float(np.degrees(np.arccos(np.clip((np.trace(rotation) - 1) / 2, -1, 1))))
    quality = _quality(neutral_sd, bend_info[1], bend_info[2])
    return SideCalibration(rotation, method if bend_info[0] else "nominal", span(n0, n1), bend_info[0],
                           neutral_sd, bend_info[1], bend_info[2], mount, quality, note)


def bend_direction(gravity: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Unit direction gravity moved toward during a bend, perpendicular to ``up``."""
    away = gravity - np.outer(gravity @ up, up)  # length = sin(angle from up): deeper frames weigh more
    return _unit(away.sum(axis=0))


def _off_nominal_deg(direction: np.ndarray, up: np.ndarray) -> float:
    """Angle between a bend direction and the nominal forward-bend direction (z made perpendicular to up)."""
    return float(_angle_deg(direction, NOMINAL_BACK - NOMINAL_BACK @ up * up))


def _quality(neutral_sd_deg: float, bend_deg: float | None, off_plane_deg: float | None) -> float:
    """1 for a still neutral and a deep, clean bend; lower as any of them degrades."""
    score = float(np.exp(-max(0.0, neutral_sd_deg - 0.5) / 2.0))
    if bend_deg is None or off_plane_deg is None:
        return round(0.5 * score, 3)  # heading from nominal axes: at best half trustworthy
    score *= min(1.0, bend_deg / 30.0) * float(np.exp(-max(0.0, off_plane_deg - 1.0) / 4.0))
    return round(score, 3)


def calibrate(frames: dict[str, CalibrationFrames], *, window_s: tuple[float, float] | None,
              frame_rate_hz: float, settings: CalibrationSettings) -> Calibration:
    """Calibration of every present side from frames covering the window (or the search span)."""
    if not frames:
        return Calibration({}, window_s, "nominal")
    t = next(iter(frames.values())).time_s
    if window_s is None:
        method, lo, hi = "automatic", 0, t.size
        neutral, bend_hi = _automatic_neutral(frames, frame_rate_hz=frame_rate_hz, settings=settings)
    else:
        method = "window"
        lo, hi = int(np.searchsorted(t, window_s[0])), int(np.searchsorted(t, window_s[1], side="right"))
        stretches = still_stretches(frames, lo, hi, frame_rate_hz=frame_rate_hz, settings=settings)
        neutral, bend_hi = (stretches[0] if stretches else None), hi
    sides = {side: _side_calibration(f, neutral, (neutral[1] if neutral else lo, bend_hi), method=method,
                                     frame_rate_hz=frame_rate_hz, settings=settings)
             for side, f in frames.items()}
    return Calibration(sides, _window(sides, window_s, method), method)


def _automatic_neutral(frames: dict[str, CalibrationFrames], *, frame_rate_hz: float,
                       settings: CalibrationSettings) -> tuple[tuple[int, int] | None, int]:
    """The first still upright stretch followed soon by a forward bend on every side; failing
    that, the first still upright stretch (heading then nominal). Returns it and where the bend
    search ends."""
    size = next(iter(frames.values())).time_s.size
    stretches = still_stretches(frames, 0, size, frame_rate_hz=frame_rate_hz, settings=settings)
    typical = _typical_up(frames, stretches)
    upright = []
    for n0, n1 in stretches:
        ups = {side: _unit(_valid(f, n0, n1).mean(axis=0)) for side, f in frames.items()}
        if any(_angle_deg(u, typical[side]) > settings.auto_upright_max_deg for side, u in ups.items()):
            continue  # sitting, lying: not the wearer's usual posture, not a neutral to trust blindly
        upright.append((n0, n1))
        bend_hi = min(size, n1 + int(round(settings.auto_bend_within_s * frame_rate_hz)))
        bends = [find_bend(f, ups[side], n1, bend_hi, frame_rate_hz=frame_rate_hz, settings=settings)
                 for side, f in frames.items()]
        forward = [b is not None and _off_nominal_deg(bend_direction(_unit(_valid(f, b[0], b[1])), ups[side]),
                                                      ups[side]) <= settings.auto_bend_max_off_nominal_deg
                   for (side, f), b in zip(frames.items(), bends)]
        if all(forward):
            return (n0, n1), bend_hi
    return (upright[0] if upright else None), (upright[0][1] if upright else 0)


def _typical_up(frames: dict[str, CalibrationFrames], stretches: list[tuple[int, int]]) -> dict[str, np.ndarray]:
    """Each sensor's usual "up" while still: people at work are upright-ish most of the time, so
    this finds "up" even for a sensor mounted upside down. Nominal x when nothing was still."""
    typical = {}
    for side, f in frames.items():
        still = [_valid(f, a, b) for a, b in stretches]
        g = np.concatenate(still) if still else np.empty((0, 3))
        typical[side] = _unit(np.median(_unit(g), axis=0)) if len(g) else NOMINAL_UP
    return typical


def _window(sides: dict[str, SideCalibration], window_s, method: str) -> tuple[float, float] | None:
    if window_s is not None:
        return window_s
    spans = [s for c in sides.values() for s in (c.neutral_s, c.bend_s) if s is not None and c.bend_s]
    if not spans:
        return None
    return min(a for a, _ in spans), max(b for _, b in spans)

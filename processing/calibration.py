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
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


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


def find_neutral(frames: dict[str, CalibrationFrames], lo: int, hi: int, *, frame_rate_hz: float,
                 settings: CalibrationSettings) -> tuple[int, int] | None:
    """First stretch in [lo, hi) where every present side is still for ``neutral_min_s``."""
    still = np.ones(hi - lo, dtype=bool)
    for f in frames.values():
        still &= f.valid[lo:hi] & (f.gyro_abs_dps[lo:hi] < settings.still_gyro_dps)
    need = int(round(settings.neutral_min_s * frame_rate_hz))
    for start, end in _runs(still):
        if end - start >= need:
            return lo + start, lo + end
    return None


def find_bend(f: CalibrationFrames, up: np.ndarray, lo: int, hi: int, *,
              settings: CalibrationSettings) -> tuple[int, int] | None:
    """First excursion of gravity away from ``up`` in [lo, hi) that reaches ``bend_min_deg``."""
    deviation = np.where(f.valid[lo:hi], _angle_deg(f.gravity[lo:hi], up[None, :]), 0.0)
    for start, end in _runs(deviation > 5.0):
        if deviation[start:end].max() >= settings.bend_min_deg:
            return lo + start, lo + end
    return None


def _side_calibration(f: CalibrationFrames, neutral: tuple[int, int] | None, bend_search: tuple[int, int],
                      *, method: str, settings: CalibrationSettings) -> SideCalibration:
    nominal = np.eye(3)
    if neutral is None:
        return SideCalibration(nominal, "nominal", None, None, None, None, None, 0.0, 0.0,
                               "no still upright stretch found: nominal sensor axes assumed")
    n0, n1 = neutral
    up = _unit(f.gravity[n0:n1][f.valid[n0:n1]].mean(axis=0))
    neutral_sd = float(np.sqrt(np.mean(_angle_deg(f.gravity[n0:n1][f.valid[n0:n1]], up[None, :]) ** 2)))
    span = lambda a, b: (float(f.time_s[a]), float(f.time_s[b - 1]))  # noqa: E731
    bend = find_bend(f, up, *bend_search, settings=settings)
    back, bend_info, note = NOMINAL_BACK, (None, None, None), "no forward bend found: nominal heading assumed"
    if bend is not None:
        g = _unit(f.gravity[bend[0]:bend[1]][f.valid[bend[0]:bend[1]]])
        away = g - np.outer(g @ up, up)  # length = sin(angle from up): deeper frames weigh more
        direction = _unit(away.sum(axis=0))
        off_nominal = float(_angle_deg(direction, NOMINAL_BACK - NOMINAL_BACK @ up * up))
        if method == "automatic" and off_nominal > settings.auto_bend_max_off_nominal_deg:
            note = f"the first bend was {off_nominal:.0f} deg away from a forward bend: nominal heading assumed"
        else:
            back = direction
            rot = rotation_from_axes(up, back)
            lateral = np.degrees(np.arcsin(np.clip(-(g @ rot[1]), -1, 1)))
            bend_deg = float(_angle_deg(g, up[None, :]).max())
            bend_info = (span(*bend), bend_deg, float(np.sqrt(np.mean(lateral**2))))
            note = "neutral and forward bend found"
    rotation = rotation_from_axes(up, back)
    mount = float(np.degrees(np.arccos(np.clip((np.trace(rotation) - 1) / 2, -1, 1))))
    quality = _quality(neutral_sd, bend_info[1], bend_info[2])
    return SideCalibration(rotation, method if bend_info[0] else "nominal", span(n0, n1), bend_info[0],
                           neutral_sd, bend_info[1], bend_info[2], mount, quality, note)


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
    any_side = next(iter(frames.values()))
    t = any_side.time_s
    method = "window" if window_s is not None else "automatic"
    lo, hi = (0, t.size) if window_s is None else (int(np.searchsorted(t, window_s[0])),
                                                     int(np.searchsorted(t, window_s[1], side="right")))
    neutral = find_neutral(frames, lo, hi, frame_rate_hz=frame_rate_hz, settings=settings)
    if neutral is not None and method == "automatic":
        ups = [_unit(f.gravity[neutral[0]:neutral[1]].mean(axis=0)) for f in frames.values()]
        if any(_angle_deg(u, NOMINAL_UP) > 45.0 for u in ups):
            neutral = None  # the first still stretch is not upright (sitting, lying): no guess
    sides = {side: _side_calibration(f, neutral, (neutral[1] if neutral else lo, hi),
                                     method=method, settings=settings)
             for side, f in frames.items()}
    return Calibration(sides, _window(sides, window_s, method), method)


def _window(sides: dict[str, SideCalibration], window_s, method: str) -> tuple[float, float] | None:
    if window_s is not None:
        return window_s
    spans = [s for c in sides.values() for s in (c.neutral_s, c.bend_s) if s is not None and c.bend_s]
    if not spans:
        return None
    return min(a for a, _ in spans), max(b for _, b in spans)

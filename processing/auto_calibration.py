"""Step 5 without a routine: each sensor's body frame from the whole recording.

"Up" is the wearer's usual upright posture: the still stretches that lie near the posture held
while walking (ActiPASS/Acti4 take the trunk's reference from walking, REFERENCES.md), else
the walking posture itself, else the posture held most often while still. The forward
direction is the dominant direction of the tilt excursions away from "up": forward bends are
far larger and more frequent than backward or sideways ones, so the densest direction of the
excursions, each weighted by its depth and counted once whatever its length, is forward.

Every step works on angles between vectors, so any mounting rotation drops out exactly. Each
side gets a confidence for "up" and for "forward"; below ``forward_min_confidence`` the
forward direction is unknown, and flexion and lean are not reported (no guess from nominal
axes): overall tilt from "up" still is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.calibration_frames import CalibrationFrames, angle_deg, angle_from_deg, runs, unit
from processing.settings import CalibrationSettings


@dataclass(frozen=True)
class UpEstimate:
    up: np.ndarray  # unit "up" in the sensor frame
    source: str  # standing | walking | still | any posture
    confidence: float  # 0..1
    neutral_s: tuple[float, float] | None  # the longest still upright stretch used, if any
    spread_deg: float  # RMS angle of the frames used from "up"


@dataclass(frozen=True)
class ForwardEstimate:
    back: np.ndarray | None  # where gravity moves in a forward bend (calibrated +z); None: unknown
    confidence: float  # 0..1
    excursions: int  # excursions that agree with the forward direction
    bend_s: tuple[float, float] | None  # the deepest of them
    bend_deg: float | None
    note: str


def walking_mask(f: CalibrationFrames, *, frame_rate_hz: float, settings: CalibrationSettings,
                 part_frames: int = 1 << 16) -> np.ndarray:
    """Frames of steady movement (walking, carrying): moving, with the trunk's direction within
    ``walk_steady_deg`` of its mean over +-1 s (step oscillations, not bends).

    Worked out ``part_frames`` at a time (its temporaries were 175 bytes a frame: 300 MB for
    48 h), with the same arithmetic as over the whole recording: the running sum carries on from
    part to part exactly as one cumulative sum would."""
    if f.moving is None:
        return np.zeros(f.valid.size, dtype=bool)
    n, half = f.valid.size, max(1, int(round(frame_rate_hz)))
    steady = np.empty(n, dtype=bool)
    start_sum, start_at = np.zeros(3), 0  # the sum of the frames before start_at
    for lo in range(0, n, part_frames):
        hi = min(n, lo + part_frames)
        last = min(n, hi + half + 1)  # the windows of [lo, hi) need the sums from start_at (lo - half) to here
        u = np.where(f.valid[start_at:last, None], unit(f.gravity[start_at:last]), 0.0)
        sums = np.cumsum(np.concatenate([start_sum[None, :], u]), axis=0)  # sums[k]: frames before start_at + k
        at = np.arange(lo, hi)
        window = sums[np.minimum(at + half + 1, n) - start_at] - sums[np.maximum(at - half, 0) - start_at]
        steady[lo:hi] = angle_deg(u[lo - start_at:hi - start_at], window) < settings.walk_steady_deg
        next_at = max(0, hi - half)
        start_sum, start_at = sums[next_at - start_at], next_at
    return f.valid & f.moving & steady


_DENSITY_ROWS = 256  # rows of the angle-to-angle kernel worked out at once (_densest_angle)
MODE_FRAMES = 20_000  # frames densest_direction looks at, spread evenly over those it is given


def spread_rows(u, mask: np.ndarray) -> np.ndarray:
    """``u[mask]`` thinned as ``densest_direction`` thins it, gathering only the rows it keeps
    (all the walking frames of 48 h were 40 MB; ``u`` may be kept on disk)."""
    chosen = np.flatnonzero(mask)
    return u[chosen[::max(1, chosen.size // MODE_FRAMES)]]


def densest_direction(u: np.ndarray, *, radius_deg: float, max_points: int = 1000) -> np.ndarray:
    """The direction around which most of the unit vectors ``u`` lie (within ``radius_deg``):
    a mode, so a minority of other postures does not pull it. Refined by a few mean shifts."""
    cos_r = np.cos(np.radians(radius_deg))
    u = u[::max(1, u.shape[0] // MODE_FRAMES)]  # a mode needs no more: 20,000 frames spread over the day
    candidates = u[::max(1, u.shape[0] // max_points)]
    best = candidates[int(np.argmax((candidates @ candidates.T > cos_r).sum(axis=1)))]
    for _ in range(4):
        near = u[u @ best > cos_r]
        best = unit(near.sum(axis=0)) if near.size else best
    return best


def estimate_up(f: CalibrationFrames, still: np.ndarray, walking: np.ndarray, *, frame_rate_hz: float,
                settings: CalibrationSettings) -> UpEstimate:
    """The wearer's usual upright posture (see the module's docstring); ``still`` marks the
    frames of still stretches.

    Standing still is the neutral when the data show it: the still frames within
    ``upright_still_max_deg`` of the walking posture and not forward of it (people walk a few
    degrees more bent than they stand; sitting and standing bent lie further forward), found
    with the forward direction that the excursions from the walking posture give."""
    c, u = settings, f.direction
    walk_s = walking.sum() / frame_rate_hz
    if walk_s >= c.walk_min_s:
        walk_up = densest_direction(spread_rows(u, walking), radius_deg=c.mode_radius_deg)
        standing = still & (angle_from_deg(u, walk_up) <= c.upright_still_max_deg)
        back = estimate_forward(f, walk_up, settings=c).back
        if back is not None:
            standing &= u @ back <= np.sin(np.radians(c.walk_lean_max_deg))
        stand_s = standing.sum() / frame_rate_hz
        confidence = min(1.0, (walk_s + stand_s) / c.up_evidence_s)
        if stand_s >= c.standing_min_s:
            up = densest_direction(spread_rows(u, standing), radius_deg=c.mode_radius_deg / 2)
            return _up(f, u, standing, up, "standing", confidence)
        return _up(f, u, walking, walk_up, "walking", confidence)
    still_s = still.sum() / frame_rate_hz
    if still_s >= c.neutral_min_s:  # sitting and standing look alike without walking: half sure at best
        up = densest_direction(spread_rows(u, still), radius_deg=c.mode_radius_deg)
        return _up(f, u, still, up, "still", 0.5 * min(1.0, still_s / c.up_evidence_s))
    if f.valid.any():
        up = densest_direction(spread_rows(u, f.valid), radius_deg=c.mode_radius_deg)
        return _up(f, u, f.valid, up, "any posture", 0.1)
    return UpEstimate(np.array([1.0, 0.0, 0.0]), "none", 0.0, None, float("nan"))


def _up(f: CalibrationFrames, u: np.ndarray, used: np.ndarray, up: np.ndarray, source: str,
        confidence: float) -> UpEstimate:
    angle = angle_from_deg(u, up)  # row by row: the near frames' angles as if worked out alone
    near = used & (angle <= 10.0)
    spread = float(np.sqrt(np.mean(angle[near] ** 2))) if near.any() else float("nan")
    spans = runs(near)
    neutral = None
    if source in ("standing", "still") and spans:
        a, b = max(spans, key=lambda s: s[1] - s[0])
        neutral = (float(f.time_s[a]), float(f.time_s[b - 1]))
    return UpEstimate(up, source, round(float(confidence), 3), neutral, spread)


@dataclass(frozen=True)
class Excursions:
    """Tilt excursions away from "up": frame spans, depth and direction (perpendicular to up)."""

    start: np.ndarray  # frame index
    end: np.ndarray  # exclusive
    depth_deg: np.ndarray
    direction: np.ndarray  # (k, 3) unit, perpendicular to up


def find_excursions(f: CalibrationFrames, up: np.ndarray, *, settings: CalibrationSettings) -> Excursions:
    """Every excursion of the tilt from ``up`` beyond ``excursion_start_deg`` that reaches
    ``bend_min_deg`` (and stays short of upside down) and comes back before the recording ends;
    its direction is where gravity went in its deeper half."""
    c, u = settings, f.direction
    tilt = np.where(f.valid, angle_from_deg(u, up), 0.0)
    spans = np.array(runs(tilt > c.excursion_start_deg), dtype=int).reshape(-1, 2)
    depth = np.maximum.reduceat(tilt, spans[:, 0]) if spans.size else np.zeros(0)
    # An excursion cut by the recording's start or end may be a posture, not a bend: left out.
    whole = (spans[:, 0] > 0) & (spans[:, 1] < tilt.size) if spans.size else np.zeros(0, dtype=bool)
    keep = (depth >= c.bend_min_deg) & (depth <= c.excursion_max_deg) & whole
    start, end, depth = spans[keep, 0], spans[keep, 1], depth[keep]
    if not start.size:
        return Excursions(start, end, depth, np.zeros((0, 3)))
    run_of = np.full(tilt.size, -1)
    for k, (a, b) in enumerate(zip(start, end)):
        run_of[a:b] = k
    deep = np.flatnonzero((run_of >= 0) & (tilt >= 0.5 * depth[np.maximum(run_of, 0)]))
    deep_u = u[deep]
    away = deep_u - np.outer(deep_u @ up, up)  # the deep frames only: row by row as over every frame
    sums = np.zeros((start.size, 3))
    np.add.at(sums, run_of[deep], away)
    return Excursions(start, end, depth, unit(sums))


def estimate_forward(f: CalibrationFrames, up: np.ndarray, *, settings: CalibrationSettings) -> ForwardEstimate:
    """The dominant direction of the tilt excursions, with how sure it is."""
    c = settings
    ex = find_excursions(f, up, settings=c)
    if ex.start.size == 0:
        return ForwardEstimate(None, 0.0, 0, None, None, "no tilt excursion away from upright: forward unknown")
    weight = np.minimum(ex.depth_deg, c.excursion_weight_cap_deg) / c.excursion_weight_cap_deg
    reference = ex.direction[int(np.argmax(weight))]
    angle = _plane_angles(ex.direction, up, reference=reference)
    mode = _densest_angle(angle, weight, width_deg=c.forward_cluster_deg / 2)
    offset = np.angle(np.exp(1j * (angle - mode)))  # wrapped to -pi..pi
    off = np.degrees(np.abs(offset))
    cluster = off <= c.forward_cluster_deg
    # The weighted median inside the cluster: a bend with some lean in it does not pull it.
    heading = mode + _weighted_median(offset[cluster], weight[cluster])
    back = np.cos(heading) * reference + np.sin(heading) * np.cross(up, reference)
    opposite = off >= 180.0 - 2 * c.forward_cluster_deg
    w_cluster, w_opposite = weight[cluster].sum(), weight[opposite].sum()
    w_other = weight.sum() - w_cluster - w_opposite
    dominance = w_cluster / (w_cluster + w_opposite + 0.5 * w_other)
    confidence = round(float(min(1.0, w_cluster / c.forward_evidence) * dominance), 3)
    deepest = int(np.flatnonzero(cluster)[np.argmax(ex.depth_deg[cluster])])
    bend_s = (float(f.time_s[ex.start[deepest]]), float(f.time_s[ex.end[deepest] - 1]))
    count = int(cluster.sum())
    summary = (f"{count} of {ex.start.size} tilt excursions agree (deepest {ex.depth_deg[deepest]:.0f} deg, "
               f"confidence {confidence:.2f})")
    if confidence < c.forward_min_confidence:
        return ForwardEstimate(None, confidence, count, bend_s, float(ex.depth_deg[deepest]),
                               f"forward unknown: {summary}, too few or too mixed")
    return ForwardEstimate(back, confidence, count, bend_s, float(ex.depth_deg[deepest]),
                           f"forward from the excursions: {summary}")


def _plane_angles(directions: np.ndarray, up: np.ndarray, *, reference: np.ndarray) -> np.ndarray:
    """Angles (rad) of unit vectors perpendicular to ``up``, from ``reference``, about ``up``."""
    e2 = np.cross(up, reference)
    return np.arctan2(directions @ e2, directions @ reference)


def _weighted_median(values: np.ndarray, weight: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weight[order])
    return float(values[order][int(np.searchsorted(cumulative, 0.5 * cumulative[-1]))])


def _densest_angle(angle: np.ndarray, weight: np.ndarray, *, width_deg: float, max_points: int = 3000) -> float:
    """The angle with the most weight around it (von Mises kernel of about ``width_deg``)."""
    if angle.size > max_points:  # the heaviest ones carry the answer
        keep = np.argsort(-weight, kind="stable")[:max_points]
        angle, weight = angle[keep], weight[keep]
    kappa = 1.0 / np.radians(width_deg) ** 2
    density = np.empty(angle.size)
    for lo in range(0, angle.size, _DENSITY_ROWS):  # a block of rows at a time: 3000 x 3000 took 144 MB
        rows = angle[lo:lo + _DENSITY_ROWS, None]
        density[lo:lo + _DENSITY_ROWS] = (weight[None, :] * np.exp(kappa * (np.cos(rows - angle[None, :]) - 1.0))
                                          ).sum(axis=1)
    return float(angle[int(np.argmax(density))])

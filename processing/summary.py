"""Step 10: the session in figures (after the calibration window; zones use trunk flexion).

Flexion and lean figures cover the time where the forward direction is known (``split_known_s``);
the tilt zones (the trunk's inclination from upright, any direction) cover all of it, so a
session whose forward direction stayed unknown still says how long the wearer was bent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.alerts import Alert, AlertKind
from processing.comparison import LeftRight, compare_sides
from processing.corrections import Corrections, count_corrections
from processing.episodes import count_episodes
from processing.exposure import Exposure, during, exposure
from processing.frame_table import FrameTable
from processing.numbers import duration_text, number
from processing.rest import Break
from processing.settings import AlertSettings, Settings
from processing.tomorrow import Action, actions_for_tomorrow
from processing.twist import TwistEvent, twist_events

# Per-hour figures only from 30 minutes of wear: Cornell's posture-change interval, the shortest
# span over which an hourly rate of bends, alerts or breaks says something about a working hour.
RATE_MIN_WORN_S = 1800.0


@dataclass(frozen=True)
class Zone:
    """Time with the trunk flexion from ``from_deg`` to ``to_deg`` (None: open-ended)."""

    from_deg: float | None
    to_deg: float | None
    s: float


def zone_edges(settings: AlertSettings) -> tuple[tuple[float | None, float | None], ...]:
    """The flexion zones of the settings in use: extension beyond ``extension_deg`` behind upright
    (sway around 0 is not extension, DESIGN.md), upright up to ``flexion_low_deg``, the ISO 11226
    band up to ``flexion_high_deg``, and beyond."""
    return ((None, -settings.extension_deg), (-settings.extension_deg, settings.flexion_low_deg),
            (settings.flexion_low_deg, settings.flexion_high_deg), (settings.flexion_high_deg, None))


def zone_label(from_deg: float | None, to_deg: float | None) -> str:
    """A zone in words from its edges, e.g. "leaning back beyond 10 deg", "20-60 deg forward"."""
    if from_deg is None:
        return f"leaning back beyond {-to_deg:g} deg"
    if to_deg is None:
        return f"bent beyond {from_deg:g} deg forward"
    if from_deg < 0:
        return f"upright ({-from_deg:g} deg back to {to_deg:g} deg forward)"
    return f"bent {from_deg:g}-{to_deg:g} deg forward"


@dataclass(frozen=True)
class Summary:
    analysed_from_s: float
    analysed_to_s: float
    worn_s: float  # time with data from at least one sensor
    no_data_s: float
    flexion_zones: tuple[Zone, ...]  # from the settings in use (zone_edges)
    minutes_over_30: float
    minutes_over_60: float
    flexion_median_deg: float | None
    flexion_p90_deg: float | None
    lateral_over_10_s: float
    lateral_left_over_10_s: float
    lateral_right_over_10_s: float
    lateral_mean_deg: float | None
    bends_over_45: int
    bends_per_hour: float | None  # None below RATE_MIN_WORN_S of wear: a rate from minutes misleads
    moving_s: float
    still_s: float
    breaks: tuple[Break, ...]
    twists_left: int
    twists_right: int
    twist_events: tuple[TwistEvent, ...]
    left_right: LeftRight
    alerts_by_kind: dict[AlertKind, int]
    split_known_s: float  # analysed time with the forward/lean split known (flexion and lean figures cover it)
    tilt_zones_s: dict[str, float]  # the trunk's tilt from upright: "0-20", "20-60", ">60"
    split_note: str | None  # what was not checked, when the forward direction was unknown for a while
    verdict: str = ""  # the session in one line, first in the summary and the report (verdict())
    exposure: Exposure | None = None  # REBA trunk scores, longest bout beyond 60 deg, posture variation
    # Posture alerts corrected soon after they were raised (issue 14), and the three actions with
    # the most exposure behind them ("what to change tomorrow").
    corrections: Corrections = Corrections(30.0, 0, 0, None)
    tomorrow: tuple[Action, ...] = ()


def _seconds(mask: np.ndarray, frame_s: float) -> float:
    return round(float(np.sum(mask)) * frame_s, 1)


def summarise(t: FrameTable, *, frame_s: float, breaks: list[Break], alerts: list[Alert], settings: Settings,
              sides_present: tuple[str, ...]) -> Summary:
    """Figures over the frames given (the caller passes those after the calibration window)."""
    a, act = settings.alerts, settings.activity
    valid = t.valid
    f = np.where(valid, t.trunk_flexion_deg, np.nan)
    lat = np.where(valid, t.trunk_lateral_deg, np.nan)
    worn_s = _seconds(valid, frame_s)
    twists = twist_events(t.time_s, t.twist_rate_dps, frame_s=frame_s, rate_min_dps=act.twist_rate_dps,
                          angle_min_deg=act.twist_min_deg)
    left_twists = sum(1 for e in twists if e.angle_deg > 0)
    bends = count_episodes(f > act.bend_start_deg, ~(f < act.bend_end_deg) & valid)
    zones = _zones(f, a, frame_s)
    start_s, end_s = (float(t.time_s[0]), float(t.time_s[-1])) if len(t) else (0.0, 0.0)
    left_right = compare_sides(t, frame_s=frame_s, lateral_deg=a.lateral_deg, asymmetry_deg=a.asymmetry_deg,
                               twists_left=left_twists, twists_right=len(twists) - left_twists,
                               sides_present=sides_present)
    lateral_s = _seconds(np.abs(lat) > a.lateral_deg, frame_s)
    return Summary(
        analysed_from_s=start_s, analysed_to_s=end_s,
        worn_s=worn_s, no_data_s=_seconds(~valid, frame_s),
        flexion_zones=zones,
        minutes_over_30=round(_seconds(f > 30, frame_s) / 60, 2),
        minutes_over_60=round(_seconds(f > 60, frame_s) / 60, 2),
        flexion_median_deg=_stat(np.nanmedian, f), flexion_p90_deg=_stat(lambda x: np.nanpercentile(x, 90), f),
        lateral_over_10_s=lateral_s,
        lateral_left_over_10_s=_seconds(lat > a.lateral_deg, frame_s),
        lateral_right_over_10_s=_seconds(lat < -a.lateral_deg, frame_s),
        lateral_mean_deg=_stat(np.nanmean, lat),
        bends_over_45=bends, bends_per_hour=per_hour(bends, worn_s),
        moving_s=_seconds(t.moving & valid, frame_s), still_s=_seconds(~t.moving & valid, frame_s),
        breaks=tuple(breaks), twists_left=left_twists, twists_right=len(twists) - left_twists,
        twist_events=tuple(twists),
        left_right=left_right,
        alerts_by_kind={kind: sum(1 for x in alerts if x.kind == kind) for kind in AlertKind},
        verdict=verdict(alerts, breaks, start_s=start_s, end_s=end_s),
        split_known_s=_seconds(valid & t.split_known, frame_s),
        tilt_zones_s={name: _seconds(mask, frame_s) for name, mask in _tilt_zones(t.trunk_tilt_deg).items()},
        split_note=_split_note(_seconds(valid & ~t.split_known, frame_s), worn_s),
        exposure=exposure(t.time_s, f, lat, frame_s=frame_s, upright_deg=settings.exposure.reba_upright_deg,
                          lean_deg=a.lateral_deg, twisting=during(t.time_s, [(e.start_s, e.end_s) for e in twists])),
        corrections=count_corrections(alerts, within_s=a.corrected_within_s),
        tomorrow=actions_for_tomorrow(zones_s={(z.from_deg, z.to_deg): z.s for z in zones}, lateral_s=lateral_s,
                                      asymmetry_s=left_right.diff_over_5_s, breaks=breaks, alerts=alerts,
                                      start_s=start_s, end_s=end_s, settings=settings),
    )


_POSTURE_KINDS = (AlertKind.SUSTAINED_FLEXION, AlertKind.SEVERE_FLEXION, AlertKind.SUSTAINED_LATERAL_BEND)


def verdict(alerts: list[Alert], breaks: list[Break], *, start_s: float, end_s: float) -> str:
    """The session in one line: "3 alerts; longest bad posture 1 min 32 s at 55 deg forward; no real
    break for 74 min". Held times are rounded as the messages and the report round them."""
    parts = ["no alerts" if not alerts else f"{len(alerts)} alert{'s' if len(alerts) > 1 else ''}"]
    posture = [a for a in alerts if a.kind in _POSTURE_KINDS]
    if posture:
        def held(a: Alert) -> float:
            return round(end_s if a.end_s is None else a.end_s, 2) - round(a.since_s, 2)
        worst = max(posture, key=held)
        where = (f"leaning {number(abs(worst.value))} deg to the {'left' if worst.value > 0 else 'right'}"
                 if worst.kind == AlertKind.SUSTAINED_LATERAL_BEND else f"{number(worst.value)} deg forward")
        parts.append(f"longest bad posture {duration_text(held(worst))} at {where}")
    edges = [start_s] + [x for b in breaks for x in (b.start_s, end_s if b.end_s is None else b.end_s)] + [end_s]
    longest = max((b - a for a, b in zip(edges[::2], edges[1::2])), default=0.0)
    parts.append(f"no real break for {duration_text(longest)}" if not breaks else
                 f"{len(breaks)} real break{'s' if len(breaks) > 1 else ''}, at most {duration_text(longest)} without")
    return "; ".join(parts)


def per_hour(count: float, worn_s: float) -> float | None:
    """``count`` per hour of wear, or None below RATE_MIN_WORN_S (27 s of wear made "54/h" of one
    bend, issue 12: short sessions show counts)."""
    return round(count / (worn_s / 3600), 1) if worn_s >= RATE_MIN_WORN_S else None


def _zones(f: np.ndarray, a: AlertSettings, frame_s: float) -> tuple[Zone, ...]:
    zones = []
    for lo, hi in zone_edges(a):
        above = np.ones(f.shape, bool) if lo is None else (f > lo if lo >= a.flexion_high_deg else f >= lo)
        below = ~np.isnan(f) if hi is None else (f <= hi if hi == a.flexion_high_deg else f < hi)
        zones.append(Zone(lo, hi, _seconds(above & below, frame_s)))
    return tuple(zones)


def _tilt_zones(tilt: np.ndarray) -> dict[str, np.ndarray]:
    return {"0-20": tilt < 20, "20-60": (tilt >= 20) & (tilt <= 60), ">60": tilt > 60}


def _split_note(unknown_s: float, worn_s: float) -> str | None:
    if unknown_s <= 0:
        return None
    share = "all" if unknown_s >= worn_s else f"{unknown_s / 60:.1f} min"
    return (f"Forward direction unknown for {share} of the analysed time: flexion and sideways-lean figures leave "
            "it out, and sustained_flexion and sustained_lateral_bend were not checked then; severe_flexion, "
            "lr_asymmetry and prolonged_static used the overall tilt from upright instead.")


def _stat(fn, values: np.ndarray) -> float | None:
    if np.all(np.isnan(values)):
        return None
    return round(float(fn(values)), 2)

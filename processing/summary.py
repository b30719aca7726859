"""Step 10: the session in figures (after the calibration window; zones use trunk flexion)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.alerts import Alert, AlertKind
from processing.comparison import LeftRight, compare_sides
from processing.episodes import count_episodes
from processing.frame_table import FrameTable
from processing.rest import Break
from processing.settings import Settings
from processing.twist import TwistEvent, twist_events

ZONES = ("<0", "0-20", "20-60", ">60")


@dataclass(frozen=True)
class Summary:
    analysed_from_s: float
    analysed_to_s: float
    worn_s: float  # time with data from at least one sensor
    no_data_s: float
    flexion_zones_s: dict[str, float]
    minutes_over_30: float
    minutes_over_60: float
    flexion_median_deg: float | None
    flexion_p90_deg: float | None
    lateral_over_10_s: float
    lateral_left_over_10_s: float
    lateral_right_over_10_s: float
    lateral_mean_deg: float | None
    bends_over_45: int
    bends_per_hour: float
    moving_s: float
    still_s: float
    breaks: tuple[Break, ...]
    twists_left: int
    twists_right: int
    twist_events: tuple[TwistEvent, ...]
    left_right: LeftRight
    alerts_by_kind: dict[AlertKind, int]


def _seconds(mask: np.ndarray, frame_s: float) -> float:
    return round(float(np.sum(mask)) * frame_s, 1)


def summarise(t: FrameTable, *, frame_s: float, breaks: list[Break], alerts: list[Alert], settings: Settings,
              sides_present: tuple[str, ...]) -> Summary:
    """Figures over the frames given (the caller passes those after the calibration window)."""
    a, act = settings.alerts, settings.activity
    valid = t.valid
    f = np.where(valid, t.trunk_flexion_deg, np.nan)
    lat = np.where(valid, t.trunk_lateral_deg, np.nan)
    zones = {"<0": f < 0, "0-20": (f >= 0) & (f < 20), "20-60": (f >= 20) & (f <= 60), ">60": f > 60}
    worn_s = _seconds(valid, frame_s)
    twists = twist_events(t.time_s, t.twist_rate_dps, frame_s=frame_s, rate_min_dps=act.twist_rate_dps,
                          angle_min_deg=act.twist_min_deg)
    left_twists = sum(1 for e in twists if e.angle_deg > 0)
    bends = count_episodes(f > act.bend_start_deg, ~(f < act.bend_end_deg) & valid)
    return Summary(
        analysed_from_s=float(t.time_s[0]) if len(t) else 0.0,
        analysed_to_s=float(t.time_s[-1]) if len(t) else 0.0,
        worn_s=worn_s, no_data_s=_seconds(~valid, frame_s),
        flexion_zones_s={name: _seconds(mask, frame_s) for name, mask in zones.items()},
        minutes_over_30=round(_seconds(f > 30, frame_s) / 60, 2),
        minutes_over_60=round(_seconds(f > 60, frame_s) / 60, 2),
        flexion_median_deg=_stat(np.nanmedian, f), flexion_p90_deg=_stat(lambda x: np.nanpercentile(x, 90), f),
        lateral_over_10_s=_seconds(np.abs(lat) > a.lateral_deg, frame_s),
        lateral_left_over_10_s=_seconds(lat > a.lateral_deg, frame_s),
        lateral_right_over_10_s=_seconds(lat < -a.lateral_deg, frame_s),
        lateral_mean_deg=_stat(np.nanmean, lat),
        bends_over_45=bends, bends_per_hour=round(bends / (worn_s / 3600), 1) if worn_s > 0 else 0.0,
        moving_s=_seconds(t.moving & valid, frame_s), still_s=_seconds(~t.moving & valid, frame_s),
        breaks=tuple(breaks), twists_left=left_twists, twists_right=len(twists) - left_twists,
        twist_events=tuple(twists),
        left_right=compare_sides(t, frame_s=frame_s, lateral_deg=a.lateral_deg, asymmetry_deg=a.asymmetry_deg,
                                 twists_left=left_twists, twists_right=len(twists) - left_twists,
                                 sides_present=sides_present),
        alerts_by_kind={kind: sum(1 for x in alerts if x.kind == kind) for kind in AlertKind},
    )


def _stat(fn, values: np.ndarray) -> float | None:
    if np.all(np.isnan(values)):
        return None
    return round(float(fn(values)), 2)

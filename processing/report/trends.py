"""Trends across sessions and days: exposure, rates, the left/right difference against the
person's own baseline, and a flag for a left/right finding that persists.

Each session enters as its analysis JSON (``AnalysisResult.to_json_dict``, or a file written by
``backmon analyze --json``), becomes a ``SessionRow``, and sessions of the same calendar day
(``started_at``) are added up into a ``DayRow``. Sessions without a date stand on their own.

The wearer's check-ins (0-10 pain or fatigue ratings kept in the session library) enter as
``DayRating`` values and sit beside the day's exposure (``DayRow.pain``, ``DayRow.fatigue``; the
latest rating of a day counts); ``rated_days`` gives the days that have both, for an association.

No validated threshold exists for the difference between two paraspinal sensors (README), so
besides the fixed asymmetry limit each person gets their own baseline: the median of their days,
with a band of two robust standard deviations (1.4826 x the median absolute deviation, at
least ``baseline_min_half_width_deg``), drawn once there are ``baseline_min_days`` days.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

import numpy as np

from processing.alerts import AlertKind
from processing.report.formatting import local_time, parse_started_at
from processing.report.views import NOTE_KEYS, SUBJECT_KEYS, first_key
from processing.schemas import check_analysis
from processing.summary import RATE_MIN_WORN_S
from sensors.errors import FileProblem, open_file
from sensors.samples import SIDES, Side, TimeBase

# An analysis JSON holds summaries, alerts and gaps: well under 1 MB even for two days. Read whole
# into memory to parse, so a larger file is refused rather than read (issue 11).
MAX_ANALYSIS_JSON_BYTES = 64 << 20


@dataclass(frozen=True)
class TrendSettings:
    # A session has a left/right finding when an lr_asymmetry alert was raised, or when the two
    # sides differed beyond the asymmetry limit for this share of the time both were worn.
    finding_share: float = 0.10
    # Persistent: the same side in at least this many sessions (the recurring count of one
    # session's alerts, DESIGN.md) and in at least this share of the sessions compared.
    persistent_min_sessions: int = 3
    persistent_min_share: float = 0.5
    # The person's own baseline band: median +- 2 robust SD over at least 3 days.
    baseline_min_days: int = 3
    baseline_sd_factor: float = 2.0
    baseline_min_half_width_deg: float = 1.0


@dataclass(frozen=True)
class SessionRow:
    """One session's figures, as the trends and the spreadsheet use them."""

    source: str
    started_at: datetime | None
    day: str  # ISO date, or the file name when the session has no date
    subject: str
    note: str
    duration_s: float
    worn_s: float
    minutes_over_30: float
    minutes_over_60: float
    lateral_over_10_s: float
    bends_over_45: int
    moving_s: float
    breaks: int
    alerts_by_kind: dict[str, int]
    lr_available: bool
    flexion_diff_mean_deg: float | None
    lateral_diff_mean_deg: float | None
    diff_over_limit_s: float
    compared_s: float
    asymmetry_deg: float
    lr_alert_sides: tuple[str, ...]
    calibration_quality: float | None  # the worse side's
    flexion_zones: tuple[tuple[float | None, float | None, float], ...] = ()  # (from_deg, to_deg, s), /1 and /2
    # Exposure figures (summary.exposure; absent from older analyses): seconds per REBA trunk score
    # 1-5 over reba_covered_s, and the longest continuous bout beyond 60 deg.
    reba_s: tuple[float, ...] | None = None
    reba_covered_s: float = 0.0
    longest_over_60_s: float | None = None

    @property
    def alerts(self) -> int:
        return sum(self.alerts_by_kind.values())

    def per_hour(self, count: float) -> float | None:
        return None if self.worn_s < RATE_MIN_WORN_S else count / (self.worn_s / 3600)

    @property
    def lr_share(self) -> float | None:
        """Share of the compared time the sides differed beyond the limit (0..1)."""
        return self.diff_over_limit_s / self.compared_s if self.lr_available and self.compared_s > 0 else None


# backmon.analysis/1 kept its zones as fixed names (0 deg split extension from upright).
_ZONES_V1 = {"<0": (None, 0.0), "0-20": (0.0, 20.0), "20-60": (20.0, 60.0), ">60": (60.0, None)}


def flexion_zones(summary: dict) -> tuple[tuple[float | None, float | None, float], ...]:
    """(from_deg, to_deg, s) per zone from a /2 summary's ``flexion_zones`` or a /1 summary's
    ``flexion_zones_s``."""
    if "flexion_zones" in summary:
        return tuple((z["from_deg"], z["to_deg"], z["s"]) for z in summary["flexion_zones"])
    old = summary.get("flexion_zones_s", {})
    return tuple((*_ZONES_V1[name], old[name]) for name in _ZONES_V1 if name in old)


def dominant_diff_deg(flexion: float | None, lateral: float | None) -> tuple[str, float] | None:
    """The larger of the mean differences (left minus right) and its name, as the summary says it."""
    if flexion is None or lateral is None:
        return None
    return ("sideways tilt", lateral) if abs(lateral) >= abs(flexion) else ("forward tilt", flexion)


def lr_finding_side(row: SessionRow, settings: TrendSettings) -> Side | None:
    """The side further from its neutral when the session has a left/right finding, else None."""
    if row.lr_alert_sides:
        return max(SIDES, key=row.lr_alert_sides.count)
    share = row.lr_share
    dominant = dominant_diff_deg(row.flexion_diff_mean_deg, row.lateral_diff_mean_deg)
    if share is None or dominant is None or share < settings.finding_share:
        return None
    return Side.LEFT if dominant[1] > 0 else Side.RIGHT


def session_row(data: dict, *, source: str) -> SessionRow:
    """A session's figures from its analysis JSON."""
    s, lr, meta = data["summary"], data["summary"]["left_right"], data.get("metadata", {})
    started = analysis_started_at(data)
    qualities = [c["quality"] for c in data["calibration"]["sides"].values() if c.get("quality") is not None]
    return SessionRow(
        source=source, started_at=started,
        day=local_time(started).date().isoformat() if started else Path(source).stem,  # the day on the wall
        subject=first_key(meta, SUBJECT_KEYS), note=first_key(meta, NOTE_KEYS),
        duration_s=data["duration_s"], worn_s=s["worn_s"], minutes_over_30=s["minutes_over_30"],
        minutes_over_60=s["minutes_over_60"], lateral_over_10_s=s["lateral_over_10_s"],
        bends_over_45=s["bends_over_45"], moving_s=s["moving_s"], breaks=len(s["breaks"]),
        alerts_by_kind={k: int(s["alerts_by_kind"].get(k, 0)) for k in AlertKind},
        lr_available=bool(lr["available"]), flexion_diff_mean_deg=lr["flexion_diff_mean_deg"],
        lateral_diff_mean_deg=lr["lateral_diff_mean_deg"], diff_over_limit_s=lr["diff_over_5_s"],
        compared_s=lr["compared_s"], asymmetry_deg=data["settings"]["alerts"]["asymmetry_deg"],
        lr_alert_sides=tuple(a["side"] for a in data["alerts"] if a["kind"] == AlertKind.LR_ASYMMETRY),
        calibration_quality=min(qualities) if qualities else None, flexion_zones=flexion_zones(s),
        **_exposure_fields(s.get("exposure")))


def _exposure_fields(e: dict | None) -> dict:
    """SessionRow's exposure fields from summary.exposure (empty for an analysis without it)."""
    if not e:
        return {}
    return {"reba_s": tuple(x["s"] for x in e["reba_trunk"]["scores"]),
            "reba_covered_s": e["reba_trunk"]["covered_s"], "longest_over_60_s": e["longest_over_60"]["s"]}


def analysis_started_at(data: dict) -> datetime | None:
    """When a session began, from its analysis JSON: ``started_at`` metadata, else the first
    sample of an epoch time axis; None when neither says."""
    started = parse_started_at(data.get("metadata", {}).get("started_at"))
    if started is None and data.get("time_base") == TimeBase.EPOCH:
        firsts = [side["first_s"] for side in data["sides"].values() if side.get("first_s") is not None]
        started = datetime.fromtimestamp(min(firsts), timezone.utc) if firsts else None
    return started


def read_analysis_json(path: str | os.PathLike) -> dict:
    """An analysis JSON file checked against its schema; ValueError saying why when it is not one
    (FileProblem when it cannot be read: missing, a folder, a pipe or a device)."""
    with open_file(path, error=FileProblem, directory_problem="is a folder, not an analysis JSON file") as handle:
        raw = handle.read(MAX_ANALYSIS_JSON_BYTES + 1)
    if len(raw) > MAX_ANALYSIS_JSON_BYTES:
        raise ValueError(f"not an analysis (larger than {MAX_ANALYSIS_JSON_BYTES >> 20} MiB)")
    try:
        data = json.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON ({err.msg}, line {err.lineno})") from None
    except UnicodeDecodeError:
        raise ValueError("not JSON (not UTF-8 text)") from None
    except RecursionError:
        raise ValueError("not an analysis (nested too deeply to read)") from None
    check_analysis(data)
    return data


# ---------------------------------------------------------------- days


@dataclass(frozen=True)
class DayRow:
    day: str
    sessions: int
    worn_s: float
    minutes_over_30: float
    minutes_over_60: float
    lateral_over_10_min: float
    alerts: int
    breaks: int
    bends: int
    flexion_diff_mean_deg: float | None  # weighted by the time both sides were compared
    lateral_diff_mean_deg: float | None
    lr_findings: int  # sessions of the day with a left/right finding
    pain: int | None = None  # the wearer's check-in for the day (0-10), the latest given
    fatigue: int | None = None
    reba_s: tuple[float, ...] | None = None  # seconds per REBA trunk score 1-5, the day's sessions added up
    reba_covered_s: float = 0.0
    longest_over_60_s: float | None = None  # the day's longest bout beyond 60 deg

    def rating(self, kind: str) -> int | None:
        return {"pain": self.pain, "fatigue": self.fatigue}[kind]

    def reba_share(self, score: int) -> float | None:
        """Share of the day's covered time at REBA trunk score ``score`` (0..1)."""
        if self.reba_s is None or self.reba_covered_s <= 0:
            return None
        return self.reba_s[score - 1] / self.reba_covered_s

    def per_hour(self, count: float) -> float | None:
        return None if self.worn_s < RATE_MIN_WORN_S else count / (self.worn_s / 3600)

    @property
    def alerts_per_hour(self) -> float | None:
        return self.per_hour(self.alerts)

    @property
    def breaks_per_hour(self) -> float | None:
        return self.per_hour(self.breaks)


def day_rows(rows: list[SessionRow], settings: TrendSettings) -> list[DayRow]:
    """Sessions added up per day, in the order the days first appear in ``rows``."""
    days: dict[str, list[SessionRow]] = {}
    for row in rows:
        days.setdefault(row.day, []).append(row)
    return [_day(day, group, settings) for day, group in days.items()]


def _day(day: str, group: list[SessionRow], settings: TrendSettings) -> DayRow:
    compared = [r for r in group if r.lr_available and r.compared_s > 0]
    weights = np.array([r.compared_s for r in compared])

    def weighted(name: str) -> float | None:
        if not compared:
            return None
        return float(np.average([getattr(r, name) for r in compared], weights=weights))

    return DayRow(day=day, sessions=len(group), worn_s=sum(r.worn_s for r in group),
                  minutes_over_30=sum(r.minutes_over_30 for r in group),
                  minutes_over_60=sum(r.minutes_over_60 for r in group),
                  lateral_over_10_min=sum(r.lateral_over_10_s for r in group) / 60,
                  alerts=sum(r.alerts for r in group), breaks=sum(r.breaks for r in group),
                  bends=sum(r.bends_over_45 for r in group),
                  flexion_diff_mean_deg=weighted("flexion_diff_mean_deg"),
                  lateral_diff_mean_deg=weighted("lateral_diff_mean_deg"),
                  lr_findings=sum(1 for r in group if lr_finding_side(r, settings)),
                  **_day_exposure([r for r in group if r.reba_s is not None]))


def _day_exposure(group: list[SessionRow]) -> dict:
    if not group:
        return {}
    return {"reba_s": tuple(float(sum(x)) for x in zip(*(r.reba_s for r in group))),
            "reba_covered_s": sum(r.reba_covered_s for r in group),
            "longest_over_60_s": max(r.longest_over_60_s or 0.0 for r in group)}


RATING_KINDS = ("pain", "fatigue")


@dataclass(frozen=True)
class DayRating:
    """A check-in: the wearer's own 0-10 rating of a day (backmon checkin)."""

    day: str  # ISO date
    kind: str  # one of RATING_KINDS
    rating: int
    time: str = ""  # when it was given (ISO 8601); of several for a day and kind, the latest counts


def with_ratings(days: list[DayRow], ratings: Sequence[DayRating]) -> list[DayRow]:
    """``days`` with each day's latest pain and fatigue rating filled in."""
    latest: dict[tuple[str, str], int] = {}
    for r in sorted(ratings, key=lambda r: r.time):
        latest[(r.day, r.kind)] = r.rating
    return [replace(d, pain=latest.get((d.day, "pain")), fatigue=latest.get((d.day, "fatigue"))) for d in days]


def rated_days(trends: Trends, kind: str = "pain") -> list[DayRow]:
    """The days with both exposure (a session) and a ``kind`` rating, in order: the per-day
    table an association between exposure and the wearer's ratings is computed from."""
    return [d for d in trends.days if d.rating(kind) is not None]


@dataclass(frozen=True)
class Baseline:
    """The person's usual value: median and a band around it, over ``days`` days."""

    median_deg: float
    low_deg: float
    high_deg: float
    days: int

    def contains(self, value: float | None) -> bool:
        return value is None or self.low_deg <= value <= self.high_deg


def baseline(values: list[float | None], settings: TrendSettings) -> Baseline | None:
    """Median +- max(2 robust SD, the minimum half-width); None with too few days."""
    known = np.array([v for v in values if v is not None], dtype=float)
    if known.size < settings.baseline_min_days:
        return None
    median = float(np.median(known))
    robust_sd = 1.4826 * float(np.median(np.abs(known - median)))
    half = max(settings.baseline_sd_factor * robust_sd, settings.baseline_min_half_width_deg)
    return Baseline(median, median - half, median + half, int(known.size))


# ---------------------------------------------------------------- persistent finding


@dataclass(frozen=True)
class PersistentFinding:
    side: str
    sessions: int  # with a finding on this side
    compared: int  # sessions where left and right could be compared
    days: tuple[str, ...]
    text: str


def persistent_lr_finding(rows: list[SessionRow], settings: TrendSettings) -> PersistentFinding | None:
    """A left/right finding on the same side in enough sessions, with professional guidance."""
    compared = [r for r in rows if r.lr_available]
    sides = [lr_finding_side(r, settings) for r in compared]
    for side in SIDES:
        found = [r for r, s in zip(compared, sides) if s == side]
        needed = max(settings.persistent_min_sessions, settings.persistent_min_share * len(compared))
        if len(found) >= needed:
            days = tuple(dict.fromkeys(r.day for r in found))
            limit = found[0].asymmetry_deg
            text = (f"In {len(found)} of {len(compared)} sessions the {side} side of the back sat further from its "
                    f"own upright than the other side, by more than {limit:g} deg for long stretches. A one-sided "
                    "pattern that persists across days is worth showing to a physiotherapist, ergonomist or your "
                    "occupational-health team: bring this page. Ask about targeted exercise (strengthening the "
                    "weaker side, stretching the tighter one) and look for loads carried or tools used on one side.")
            return PersistentFinding(side, len(found), len(compared), days, text)
    return None


@dataclass(frozen=True)
class Trends:
    sessions: tuple[SessionRow, ...]
    days: tuple[DayRow, ...]
    lateral_baseline: Baseline | None
    flexion_baseline: Baseline | None
    finding: PersistentFinding | None
    asymmetry_deg: float
    settings: TrendSettings
    ratings: tuple[DayRating, ...] = ()  # every check-in given, also for days without a session

    @cached_property
    def day_by_name(self) -> dict[str, DayRow]:
        return {d.day: d for d in self.days}

    @property
    def ratings_without_session(self) -> int:
        """Days with a check-in but no session (no exposure to set beside it)."""
        return len({r.day for r in self.ratings} - {d.day for d in self.days})


def build_trends(rows: list[SessionRow], settings: TrendSettings | None = None, *,
                 ratings: Sequence[DayRating] = ()) -> Trends:
    """Sessions sorted by start (undated ones last, by name), days (with the day's check-ins),
    baselines and the flag."""
    settings = settings or TrendSettings()
    ordered = sorted(rows, key=lambda r: (r.started_at is None,
                                          r.started_at.timestamp() if r.started_at else 0.0, r.source))
    days = with_ratings(day_rows(ordered, settings), ratings)
    return Trends(
        sessions=tuple(ordered), days=tuple(days),
        lateral_baseline=baseline([d.lateral_diff_mean_deg for d in days], settings),
        flexion_baseline=baseline([d.flexion_diff_mean_deg for d in days], settings),
        finding=persistent_lr_finding(ordered, settings),
        asymmetry_deg=ordered[0].asymmetry_deg if ordered else 5.0, settings=settings, ratings=tuple(ratings))

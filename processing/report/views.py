"""What the session report shows, taken from the analysis JSON (``AnalysisResult.to_json_dict``).

Every number the report prints comes from the same dictionary ``backmon analyze --json`` writes,
so the two can never disagree; each summary figure carries its JSON path (``summary/...``) and
raw value into the HTML (``data-json`` / ``data-value``) where tests and other tools can check it.
"""

from __future__ import annotations

from dataclasses import dataclass

from processing.alerts import AlertKind, kind_title, where_text
from processing.exposure import (
    EVA_BANDS_DEG,
    EVA_BOUTS_S,
    GUPTA_NOTE,
    REBA_MEANING,
    band_label,
    bout_label,
    exposure_minutes_text,
)
from processing.guidance import TOPIC_TITLES, TOPICS
from processing.numbers import duration_text
from processing.report.formatting import TimeAxis, minutes_text, number_text
from processing.settings import Settings
from processing.summary import zone_label

# One sentence per topic, after the management options of the article backmon builds on
# (shared/article-musculoskeletal-imbalance.txt), in backmon's own words.
TOPIC_ADVICE = {
    "posture_correction": "Good posture in everyday work relieves strain and keeps both sides of the back in "
                          "balance. Change the work as well as the body: bring it closer, higher, in front of you.",
    "rest_and_recovery": "The back needs time to recover after strenuous work: short, real breaks spread through "
                         "the day do more than one long rest at the end.",
    "exercise_therapy": "Targeted exercises and stretches strengthen weak muscles and release tight ones; a "
                        "physiotherapist can set a programme that fits you.",
    "lifestyle_modifications": "An ergonomic set-up and varied postures avoid the positions that load the back; "
                               "make switching between sitting, standing and walking easy.",
    "professional_guidance": "Findings that persist or keep coming back are worth discussing with an ergonomist, "
                             "physiotherapist or occupational-health professional. Bring this report.",
}

@dataclass(frozen=True)
class Stat:
    """One summary figure: its label, its text, and where it sits in the analysis JSON."""

    label: str
    text: str
    key: str  # JSON path, parts joined by "/"
    value: object  # the JSON value at ``key`` (for lists: their length, with ``count`` set)
    note: str = ""
    count: bool = False


@dataclass(frozen=True)
class AlertRow:
    number: int  # position in the analysis' alert list, 1-based (the figures use it too)
    kind: str
    title: str
    severity: str
    side: str  # where, in words ("to the left", "left side"); empty for the trunk as a whole
    raised: str  # clock label of start_s
    since: str
    until: str
    held: str
    start_s: float
    message: str
    value: str
    rule: str
    guidance: str  # this group's topic's text for this alert


@dataclass(frozen=True)
class TopicGroup:
    topic: str
    title: str
    advice: str
    rows: tuple[AlertRow, ...]


def lookup(data: dict, key: str):
    """The value at a ``/``-joined JSON path (list indices as numbers)."""
    value = data
    for part in key.split("/"):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def _stat(data: dict, label: str, key: str, fmt, note: str = "") -> Stat:
    value = lookup(data, key)
    if isinstance(value, list):
        return Stat(label, fmt(len(value)), key, len(value), note, count=True)
    return Stat(label, fmt(value), key, value, note)


def summary_stats(data: dict) -> list[Stat]:
    """The figures at the top of the report, in reading order."""
    s = data["summary"]
    break_min, alerts = data["settings"]["activity"]["break_min_s"] / 60, data["settings"]["alerts"]
    lateral_note = (f"left {minutes_text(s['lateral_left_over_10_s'])}, "
                    f"right {minutes_text(s['lateral_right_over_10_s'])}")
    return [
        *([_stat(data, "In one line", "summary/verdict", str)] if data["summary"].get("verdict") else []),
        _stat(data, "Recorded", "duration_s", duration_text),
        _stat(data, "Analysed (worn, after calibration)", "summary/worn_s", duration_text),
        *(_stat(data, zone_label(z["from_deg"], z["to_deg"]).capitalize(), f"summary/flexion_zones/{i}/s",
                minutes_text) for i, z in enumerate(s["flexion_zones"])),
        _stat(data, "Minutes bent over 30 deg", "summary/minutes_over_30", lambda v: number_text(v, 1, "min")),
        _stat(data, "Minutes bent over 60 deg", "summary/minutes_over_60", lambda v: number_text(v, 1, "min")),
        _stat(data, f"Leaning sideways over {alerts['lateral_deg']:g} deg", "summary/lateral_over_10_s", minutes_text,
              lateral_note),
        _stat(data, f"Bends past {data['settings']['activity']['bend_start_deg']:g} deg", "summary/bends_over_45", str),
        *([_stat(data, "Bends per hour", "summary/bends_per_hour", lambda v: number_text(v, 0, "/ h"))]
          if s.get("bends_per_hour") is not None else []),  # counts only below 30 min of wear
        _stat(data, "Moving", "summary/moving_s", minutes_text),
        _stat(data, "Still", "summary/still_s", minutes_text),
        _stat(data, "Breaks", "summary/breaks", str, f"still and upright for {break_min:g} min or more"),
        _stat(data, "Alerts", "alerts", str),
        *_correction_stats(s),
    ]


def _correction_stats(s: dict) -> list[Stat]:
    """Posture alerts corrected soon after they were raised (none before the summary had them)."""
    c = s.get("corrections")
    if not c or not c["alerts"]:
        return []
    median = "" if c["median_s"] is None else f"median {duration_text(c['median_s'])}"
    return [Stat(f"Corrected within {duration_text(c['within_s'])}", f"{c['corrected']} of {c['alerts']}",
                 "summary/corrections/corrected", c["corrected"], median)]


@dataclass(frozen=True)
class ActionView:
    rank: int
    topic_title: str
    text: str
    minutes: str
    exposure: str


def tomorrow_actions(data: dict) -> list[ActionView]:
    """"What to change tomorrow", most exposure first (processing/tomorrow.py)."""
    return [ActionView(i, TOPIC_TITLES.get(a["topic"], a["topic"]), a["text"], number_text(a["minutes"], 1, "min"),
                       a["exposure"]) for i, a in enumerate(data["summary"].get("tomorrow", ()), start=1)]


def alert_kind_stats(data: dict) -> list[Stat]:
    """Number of alerts of each kind (all kinds, zeros included)."""
    return [_stat(data, kind.title, f"summary/alerts_by_kind/{kind}", str)
            for kind in AlertKind if kind in data["summary"]["alerts_by_kind"]]


def _alert_row(number: int, alert: dict, guidance: str, axis: TimeAxis) -> AlertRow:
    end = alert["end_s"]
    held = None if end is None else end - alert["since_s"]
    return AlertRow(
        number=number, kind=alert["kind"], title=kind_title(alert["kind"]),
        severity=alert["severity"], side=where_text(alert["kind"], alert["side"], alert["value"]),
        raised=axis.label(alert["start_s"], seconds=True), since=axis.label(alert["since_s"], seconds=True),
        until="still going at the end" if end is None else axis.label(end, seconds=True),
        held=duration_text(held) if held is not None else "to the end",
        start_s=alert["start_s"], message=alert["message"],
        value=number_text(alert["value"], 1, alert["unit"]), rule=alert["rule"], guidance=guidance)


def topic_groups(data: dict, axis: TimeAxis) -> list[TopicGroup]:
    """Alerts grouped by guidance topic (an alert with two topics is in both groups)."""
    groups = []
    for topic in TOPICS:
        rows = tuple(_alert_row(number, alert, g["text"], axis)
                     for number, alert in enumerate(data["alerts"], start=1)
                     for g in alert["guidance"] if g["topic"] == topic)
        if rows:
            groups.append(TopicGroup(topic, TOPIC_TITLES[topic], TOPIC_ADVICE[topic], rows))
    return groups


@dataclass(frozen=True)
class SideQuality:
    side: str
    present: bool
    samples: int
    rate_hz: str
    gaps: int
    gap_total: str
    longest_gap: str
    gap_list: tuple[tuple[str, str, str], ...]  # (from, to, length), the first MAX_GAPS_LISTED
    more_gaps: int


MAX_GAPS_LISTED = 20


def side_quality(data: dict, axis: TimeAxis) -> list[SideQuality]:
    """Per-sensor samples, rate and gaps."""
    out = []
    for side, info in data["sides"].items():
        gaps = info["gaps"]
        lengths = [g["end_s"] - g["start_s"] for g in gaps]
        listed = tuple((axis.label(g["start_s"], seconds=True), axis.label(g["end_s"], seconds=True),
                        f"{g['end_s'] - g['start_s']:.1f} s") for g in gaps[:MAX_GAPS_LISTED])
        out.append(SideQuality(side, info["present"], info["samples"], number_text(info["rate_hz"], 1, "Hz"),
                               len(gaps), f"{sum(lengths):.1f} s", f"{max(lengths):.1f} s" if lengths else "—",
                               listed, max(0, len(gaps) - MAX_GAPS_LISTED)))
    return out


@dataclass(frozen=True)
class SettingRow:
    section: str
    name: str
    value: str
    default: str
    changed: bool


def setting_rows(data: dict) -> list[SettingRow]:
    """Every setting used, flagged where it differs from backmon's default."""
    defaults = Settings().as_dict()
    rows = []
    for section, values in data["settings"].items():
        for name, value in values.items():
            default = defaults.get(section, {}).get(name)
            rows.append(SettingRow(section, name, _setting_text(value), _setting_text(default), value != default))
    return rows


def _setting_text(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "—" if value is None else str(value)


@dataclass(frozen=True)
class CalibrationRow:
    side: str
    method: str
    quality: str
    note: str
    neutral: str  # when, and how steady (deg)
    bend: str  # when, how far, how far off a clean forward bend
    mounting: str


def calibration_rows(data: dict, axis: TimeAxis) -> list[CalibrationRow]:
    """Calibration per side: method, quality 0..1 and what it rests on."""
    rows = []
    for side, c in data["calibration"]["sides"].items():
        neutral = "—"
        if c["neutral_s"]:
            neutral = (f"{axis.label(c['neutral_s'][0], seconds=True)}-{axis.label(c['neutral_s'][1], seconds=True)}, "
                       f"steady within {number_text(c['neutral_sd_deg'], 1, 'deg')}")
        bend = "—"
        if c["bend_s"]:
            bend = (f"{axis.label(c['bend_s'][0], seconds=True)}-{axis.label(c['bend_s'][1], seconds=True)}, "
                    f"{number_text(c['bend_deg'], 0, 'deg')} deep, {number_text(c['bend_off_plane_deg'], 1, 'deg')} "
                    f"sideways wobble")
        rows.append(CalibrationRow(side, c["method"], number_text(c["quality"], 2), _calibration_note(c, axis), neutral,
                                   bend, f"{number_text(c['mount_offset_deg'], 0, 'deg')} off nominal"))
    return rows


def _calibration_note(c: dict, axis: TimeAxis) -> str:
    """The side's note, whether its forward direction is known, and each change during the day."""
    parts = [c["note"]]
    if c.get("forward_known") is False:
        parts.append("FORWARD DIRECTION UNKNOWN: flexion and sideways lean are not reported for this sensor, only "
                     "its overall tilt from upright")
    for r in c.get("recalibrations", []):
        what = "slipped or re-attached, corrected" if r["reason"] == "slip" else "calibration updated"
        since = f" (moved at {axis.label(r['since_s'], seconds=True)})" if r.get("since_s") is not None else ""
        parts.append(f"{axis.label(r['time_s'], seconds=True)}: {what}{since}, turned "
                     f"{number_text(r['angle_deg'], 0, 'deg')}")
    return "; ".join(parts)


# Metadata keys that name the person, and that carry a free-text note, in the order tried.
SUBJECT_KEYS = ("subject", "wearer", "person", "name")
NOTE_KEYS = ("note", "notes")


def first_key(metadata: dict, keys: tuple[str, ...]) -> str:
    """The first of ``keys`` present in ``metadata`` (its value), or ``""``."""
    return next((metadata[k] for k in keys if metadata.get(k)), "")


@dataclass(frozen=True)
class RebaRow:
    score: int
    meaning: str
    minutes: str
    share: str
    key: str  # JSON path of its seconds
    value: float


@dataclass(frozen=True)
class ExposureView:
    """The exposure figures section: REBA trunk scores, the longest bout beyond 60 deg, minutes in
    Gupta 2022's terms, and the posture-variation matrix (rows: angle bands; columns: bout lengths)."""

    covered: str
    reba: tuple[RebaRow, ...]
    twist_counted: bool
    upright_deg: float
    lean_deg: float
    longest: str
    longest_s: float
    minutes: str
    gupta: str
    bout_labels: tuple[str, ...]
    variation: tuple[tuple[str, tuple[str, ...]], ...]  # (band label, minutes per bout class)


def exposure_view(data: dict, axis: TimeAxis) -> ExposureView | None:
    """The section's words and numbers from the analysis JSON; None when the session has none
    (an older analysis, or the forward direction never known)."""
    e = data["summary"].get("exposure")
    if not e or not e["reba_trunk"]["covered_s"]:
        return None
    r, bout = e["reba_trunk"], e["longest_over_60"]
    reba = tuple(RebaRow(x["score"], REBA_MEANING[x["score"]], minutes_text(x["s"]),
                         number_text(None if x["share"] is None else 100 * x["share"], 0, "%"),
                         f"summary/exposure/reba_trunk/scores/{i}/s", x["s"]) for i, x in enumerate(r["scores"]))
    longest = ("never beyond 60 deg" if bout["start_s"] is None else
               f"{duration_text(bout['s'])}, from {axis.label(bout['start_s'], seconds=True)}")
    s = data["summary"]
    return ExposureView(
        covered=minutes_text(r["covered_s"]), reba=reba, twist_counted=r["twist_counted"],
        upright_deg=r["upright_deg"], lean_deg=r["lean_deg"], longest=longest, longest_s=bout["s"],
        minutes=exposure_minutes_text(s["minutes_over_30"], s["minutes_over_60"]), gupta=GUPTA_NOTE,
        bout_labels=tuple(bout_label(b) for b in EVA_BOUTS_S),
        variation=tuple((band_label(band), tuple(minutes_text(x) for x in row))
                        for band, row in zip(EVA_BANDS_DEG, e["variation"]["s"])))

"""The readable summary ``backmon analyze`` prints."""

from __future__ import annotations

from processing.alerts import where_text
from processing.exposure import GUPTA_NOTE, REBA_SCORES, exposure_minutes_text, variation_sentence
from processing.guidance import NOT_MEDICAL_ADVICE, TOPIC_TITLES
from processing.numbers import duration_text, number
from processing.report.formatting import TimeAxis
from processing.result import AnalysisResult
from processing.summary import zone_label


def clock_text(seconds: float) -> str:
    """``seconds`` as H:MM:SS, to the nearest second."""
    whole_s = int(round(seconds))
    return f"{whole_s // 3600}:{whole_s % 3600 // 60:02d}:{whole_s % 60:02d}"


def _minutes(seconds: float) -> str:
    return f"{number(seconds / 60, 1)} min"


def _calibration_lines(r: AnalysisResult, axis: TimeAxis) -> list[str]:
    """How each side was calibrated, whether its forward direction is known, and any change later
    (a slipped sensor corrected), at the times a person reads (local wall-clock where known)."""
    cal = r.calibration
    lines = [f"Calibration {cal.method}" + (f", window {cal.window_s[0]:.1f}-{cal.window_s[1]:.1f} s"
                                            if cal.window_s else "")]
    for side, c in cal.sides.items():
        forward = "" if c.forward_known else "; FORWARD UNKNOWN: overall tilt only"
        lines.append(f"  {side:<6} quality {c.quality:.2f} "
                     f"({c.note}; mounting {c.mount_offset_deg:.0f} deg off nominal{forward})")
    for change in cal.recalibrations:
        since = (f" (moved at about {axis.label(change.since_s, seconds=True)})" if change.since_s is not None
                 else "")
        what = {"slip": "sensor slipped or re-attached", "refined": "calibration grew surer",
                "recorded": "calibration changed by the monitor"}.get(change.reason, change.reason)
        lines.append(f"  {change.side:<6} {axis.label(change.time_s, seconds=True)} {what}{since}: turned "
                     f"{change.angle_deg:.0f} deg, corrected from then on")
    return lines


def _posture_lines(r: AnalysisResult) -> list[str]:
    """Forward bending and sideways lean where the forward direction is known; the tilt from
    upright (any direction) where it is not: never a split guessed from nominal axes."""
    s = r.summary
    t = s.tilt_zones_s
    tilt = ["Tilt from upright (trunk, any direction)",
            f"  0-20 deg {_minutes(t['0-20'])}   20-60 deg {_minutes(t['20-60'])}   >60 deg {_minutes(t['>60'])}"]
    if s.split_known_s <= 0:
        return ["", "Forward bending and sideways lean: UNKNOWN (the forward direction could not be found: no clear "
                    "forward bend), so neither is reported and the alerts that need them were not checked"] + tilt
    lines = ["", "Forward bending (trunk)"]
    if s.split_note:
        lines.append(f"  (covers {_minutes(s.split_known_s)}: {s.split_note})")
    lines += [f"  {zone_label(z.from_deg, z.to_deg)}: {_minutes(z.s)}" for z in s.flexion_zones]
    rate = "" if s.bends_per_hour is None else f" ({number(s.bends_per_hour)} per hour)"
    lines += [f"  over 30 deg: {number(s.minutes_over_30, 1)} min   over 60 deg: {number(s.minutes_over_60, 1)} min",
              f"  bends past {r.settings.activity.bend_start_deg:g} deg: {s.bends_over_45}{rate}",
              "Sideways lean",
              f"  beyond {r.settings.alerts.lateral_deg:g} deg: {_minutes(s.lateral_over_10_s)} "
              f"(left {_minutes(s.lateral_left_over_10_s)}, right {_minutes(s.lateral_right_over_10_s)})"]
    return lines + (tilt if s.split_note else [])


def _exposure_lines(r: AnalysisResult, axis: TimeAxis) -> list[str]:
    """The figures ergonomists use (processing.exposure): REBA trunk scores, the longest bout beyond
    60 deg, minutes beyond 30/60 deg in Gupta 2022's terms, posture variation."""
    e, s = r.summary.exposure, r.summary
    if e is None or e.reba_trunk.covered_s <= 0:
        return []
    reba = e.reba_trunk
    shares = "   ".join(f"{k}: {number(100 * reba.share(k))} %" for k in REBA_SCORES)
    bout = e.longest_over_60
    longest = ("none" if bout.start_s is None else
               f"{duration_text(bout.s)} (from {axis.label(bout.start_s, seconds=True)})")
    return ["Exposure figures (ergonomics)",
            f"  REBA trunk score (share of {_minutes(reba.covered_s)}): {shares}",
            f"  longest bout beyond 60 deg: {longest}",
            f"  {exposure_minutes_text(s.minutes_over_30, s.minutes_over_60)}",
            f"  {GUPTA_NOTE}",
            f"  Posture variation: {variation_sentence(e.variation)}"]


def tomorrow_lines(r: AnalysisResult) -> list[str]:
    """"What to change tomorrow": the actions with the most exposure behind them, by minutes."""
    if not r.summary.tomorrow:
        return []
    lines = ["", "What to change tomorrow (most exposure first)"]
    for i, a in enumerate(r.summary.tomorrow, 1):
        lines.append(f"  {i}. {TOPIC_TITLES.get(a.topic, a.topic)}: {a.text}")
        lines.append(f"     ({number(a.minutes, 1)} min {a.exposure})")
    return lines


def render_summary(r: AnalysisResult) -> str:
    s, lr = r.summary, r.summary.left_right
    axis = TimeAxis.for_result(r)  # local wall-clock times where the file says when it started
    lines = [f"backmon analysis of {r.source}", s.verdict, ""]
    if axis.start_text:
        lines.append(f"Started     {axis.start_text}")
    lines.append(f"Session     {clock_text(r.duration_s)} recorded, {clock_text(s.worn_s)} analysed after calibration"
                 f" (from {axis.label(s.analysed_from_s, seconds=True)})")
    for side, info in r.sides.items():
        if not info.present:
            lines.append(f"  {side:<6} sensor missing")
            continue
        gaps = f", {len(info.gaps)} gap(s) totalling {sum(b - a for a, b in info.gaps):.1f} s" if info.gaps else ""
        lines.append(f"  {side:<6} {info.samples} samples at {info.rate_hz:.1f} Hz{gaps}")
    lines += _calibration_lines(r, axis)
    lines += _posture_lines(r)
    lines += [f"  twists: {s.twists_left} to the left, {s.twists_right} to the right", "Left/right", f"  {lr.sentence}"]
    if lr.available and lr.intensity_symmetry_index_pct is not None:
        index = number(lr.intensity_symmetry_index_pct, sign=True)
        lines.append(f"  movement intensity symmetry index {index} % (left minus right)")
    lines += ["Activity",
              f"  moving {_minutes(s.moving_s)}, still {_minutes(s.still_s)}, breaks (still and upright for "
              f"{r.settings.activity.break_min_s / 60:g} min or more): {len(s.breaks)}"]
    lines += _exposure_lines(r, axis)
    lines += ["", f"Alerts ({len(r.alerts)})" if r.alerts else "Alerts: none"]
    for a in r.alerts:
        end = "still going at the end" if a.end_s is None else f"until {axis.label(a.end_s, seconds=True)}"
        where = where_text(a.kind, a.side, a.value)
        where = f" ({where})" if where else ""
        lines.append(f"  [{a.severity}] {axis.label(a.start_s, seconds=True)} {a.kind.title}{where} {end}")
        lines.append(f"      {a.message}")
        for g in a.guidance:
            lines.append(f"      -> {TOPIC_TITLES.get(g.topic, g.topic)}: {g.text}")
    if r.alerts:
        lines.append(f"  {s.corrections.sentence}")
    lines += tomorrow_lines(r)
    notes = r.data_quality.notes()
    if notes:
        lines += ["", "Data notes"] + [f"  {n}" for n in notes]
    lines += ["", NOT_MEDICAL_ADVICE]
    return "\n".join(lines)

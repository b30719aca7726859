"""The analysis result as typed objects, and its JSON form (schema backmon.analysis/2; what changed from /1: README)."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

from processing.alerts import Alert
from processing.calibration import Calibration
from processing.data_quality import DataQuality
from processing.frame_table import FrameTable
from processing.guidance import NOT_MEDICAL_ADVICE
from processing.settings import Settings
from processing.summary import Summary
from sensors.samples import Mark, Side, TimeBase

SCHEMA = "backmon.analysis/2"


@dataclass(frozen=True)
class SideInfo:
    present: bool
    samples: int
    rate_hz: float | None
    first_s: float | None
    last_s: float | None
    gaps: tuple[tuple[float, float], ...]  # (start_s, end_s): last sample before, first after


@dataclass(frozen=True)
class AnalysisResult:
    source: str
    time_base: TimeBase
    duration_s: float
    sides: dict[Side, SideInfo]
    grid_rate_hz: float
    calibration: Calibration
    summary: Summary
    alerts: tuple[Alert, ...]
    settings: Settings
    timeline: FrameTable
    warnings: tuple[str, ...]
    skipped_rows: int
    metadata: dict[str, str]
    data_quality: DataQuality
    marks: tuple[Mark, ...] = ()  # the wearer's marks, for the report (not in the JSON)

    def to_json_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "source": self.source,
            "time_base": self.time_base,
            "duration_s": round(self.duration_s, 3),
            "sides": {side: _side_json(info) for side, info in self.sides.items()},
            "calibration": _calibration_json(self.calibration),
            "summary": _summary_json(self.summary),
            "alerts": [a.to_json() for a in self.alerts],
            "settings": self.settings.as_dict(),
            "data_quality": self.data_quality.to_json(),
            "metadata": dict(self.metadata),
            "note": NOT_MEDICAL_ADVICE,
        }

    def write_json(self, path, *, inputs=()) -> None:
        """The analysis JSON, written whole and owner-only, never over one of ``inputs`` or a
        recording (sensors.outputs)."""
        from sensors.outputs import write_whole

        with write_whole(path, inputs=inputs) as handle:
            json.dump(finite(self.to_json_dict()), handle, indent=2)
            handle.write("\n")


def _side_json(info: SideInfo) -> dict:
    return {
        "present": info.present, "samples": info.samples,
        "rate_hz": None if info.rate_hz is None else round(info.rate_hz, 3),
        "first_s": info.first_s, "last_s": info.last_s,
        "gaps": [{"start_s": round(a, 4), "end_s": round(b, 4)} for a, b in info.gaps],
    }


def _calibration_json(c: Calibration) -> dict:
    sides = {}
    for side, s in c.sides.items():
        sides[side] = {
            "method": s.method, "quality": s.quality, "note": s.note,
            "neutral_s": s.neutral_s, "bend_s": s.bend_s,
            "neutral_sd_deg": rounded(s.neutral_sd_deg), "bend_deg": rounded(s.bend_deg),
            "bend_off_plane_deg": rounded(s.bend_off_plane_deg), "mount_offset_deg": rounded(s.mount_offset_deg),
            "rotation": [[round(float(v), 6) for v in row] for row in s.rotation],
            "forward_known": s.forward_known, "up_source": s.up_source,
            "up_confidence": rounded(s.up_confidence, 3), "forward_confidence": rounded(s.forward_confidence, 3),
            "recalibrations": [_recalibration_json(r) for r in c.recalibrations if r.side == side],
        }
    split = "known" if c.forward_known else ("unknown" if not any(s.forward_known for s in c.sides.values())
                                             else "partly known")
    return {"method": c.method, "window_s": c.window_s, "split": split, "sides": sides}


def _recalibration_json(r) -> dict:
    """A calibration adopted during the session: when, why, how far it turned the body frame."""
    return {"time_s": round(r.time_s, 2), "since_s": rounded(r.since_s, 1), "reason": r.reason,
            "angle_deg": rounded(r.angle_deg), "forward_known": r.calibration.forward_known,
            "rotation": [[round(float(v), 6) for v in row] for row in r.calibration.rotation]}


def _summary_json(s: Summary) -> dict:
    out = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
    out["breaks"] = [{"start_s": round(b.start_s, 1), "end_s": None if b.end_s is None else round(b.end_s, 1)}
                     for b in s.breaks]
    out["flexion_zones"] = [dataclasses.asdict(z) for z in s.flexion_zones]
    out["twist_events"] = len(s.twist_events)
    out["left_right"] = dataclasses.asdict(s.left_right)
    out["exposure"] = None if s.exposure is None else s.exposure.to_json()
    out["corrections"] = {**dataclasses.asdict(s.corrections), "sentence": s.corrections.sentence}
    out["tomorrow"] = [a.to_json() for a in s.tomorrow]
    return out


def rounded(value: float | None, digits: int = 2) -> float | None:
    """``value`` as a float rounded to ``digits`` decimals, never -0.0; None stays None (JSON and
    spreadsheets)."""
    return None if value is None else round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def finite(value):
    """JSON has no NaN or infinity: null instead, in nested dicts and lists too (lists for tuples)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value

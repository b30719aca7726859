"""What the data were like and what was done about it: the ``data_quality`` part of a result.

Clock offset and drift (clock_sync), which sensor is on which side (side_check), how far each
sensor was mounted from its nominal axes (calibration handles it; this says so), saturated
readings, long gaps, and stretches where a sensor lay perfectly still (probably not worn: a
sensor on a table is not a wearer at rest).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.calibration import Calibration
from processing.clock_sync import ClockSync
from processing.episodes import runs
from processing.input.saturation import SaturationWatch
from processing.side_check import SideCheck
from sensors.samples import SIDES

# Common full-scale ranges; readings stuck at the largest magnitude seen, at or near one of
# these, are clipped (MEMS IMUs offer 2/4/8/16 g and 125-2000 deg/s; WitMotion 16 g, 2000 deg/s).
ACCEL_RANGES_G = (2.0, 4.0, 8.0, 16.0)
GYRO_RANGES_DPS = (125.0, 250.0, 500.0, 1000.0, 2000.0)
# A sensor turning less than this for this long, tilted further than this from the wearer's
# upright (lying on a table, hanging off a chair), is not on a working back. Nobody holds their
# trunk 60 deg off upright without moving for 20 minutes.
NON_WEAR_GYRO_DPS = 1.0
NON_WEAR_TILT_DEG = 60.0
NON_WEAR_MIN_S = 20 * 60.0
LONG_GAP_S = 60.0


@dataclass(frozen=True)
class DataQuality:
    clock: ClockSync | None
    sides: SideCheck
    swapped_on_request: bool
    mounting: dict[str, str]
    saturation: dict[str, dict[str, float]]
    non_wear: dict[str, list[tuple[float, float]]]
    long_gaps: dict[str, list[tuple[float, float]]]
    skipped_rows: int
    warnings: tuple[str, ...]

    def notes(self) -> list[str]:
        """One sentence per finding, for the summary."""
        out = list(self.warnings)
        if self.clock is not None and self.clock.offset_s is not None:
            out.append(f"Clocks: {self.clock.note}.")
        swapped = " Sides were swapped on request." if self.swapped_on_request else ""
        out.append(f"Sides: {self.sides.note}.{swapped}")
        out += [f"Mounting, {side}: {text}" for side, text in self.mounting.items()]
        for side, found in self.saturation.items():
            for what, limit in found.items():
                out.append(f"Saturation, {side}: {what} readings stuck at +-{limit:g}; "
                           "fast movements are underestimated.")
        for side, spans in self.non_wear.items():
            total = sum(b - a for a, b in spans) / 60
            out.append(f"Possibly not worn, {side}: {len(spans)} stretch(es) without any movement, {total:.0f} min.")
        for side, spans in self.long_gaps.items():
            total = sum(b - a for a, b in spans)
            out.append(f"Long gaps, {side}: {len(spans)} gap(s) over {LONG_GAP_S:.0f} s, {total:.0f} s in all.")
        return out

    def to_json(self) -> dict:
        return {
            "clock": None if self.clock is None else self.clock.to_json(),
            "sides": {**self.sides.to_json(), "swapped_on_request": self.swapped_on_request},
            "mounting": self.mounting,
            "saturation": self.saturation,
            "non_wear": {s: [{"start_s": round(a, 1), "end_s": round(b, 1)} for a, b in v]
                         for s, v in self.non_wear.items()},
            "long_gaps": {s: [{"start_s": round(a, 2), "end_s": round(b, 2)} for a, b in v]
                          for s, v in self.long_gaps.items()},
            "skipped_rows": self.skipped_rows,
            "warnings": list(self.warnings),
            "notes": self.notes(),
        }


def mounting_notes(calibration: Calibration) -> dict[str, str]:
    notes = {}
    for side, c in calibration.sides.items():
        if c.method == "nominal":
            notes[side] = f"unknown: {c.note}; angles assume the nominal axes"
        elif c.mount_offset_deg > 150:
            notes[side] = (f"upside down or reversed ({c.mount_offset_deg:.0f} deg from nominal); calibration "
                           "corrected for it")
        elif c.mount_offset_deg > 20:
            notes[side] = f"rotated {c.mount_offset_deg:.0f} deg from nominal; calibration corrected for it"
    return notes


def saturation(peaks: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, float]]:
    """Sides and sensors whose largest reading repeats at or near a common full-scale range."""
    found = {}
    for side in SIDES:
        hits = {}
        for what, ranges in (("accelerometer", ACCEL_RANGES_G), ("gyroscope", GYRO_RANGES_DPS)):
            top = peaks.get(side, {}).get(what)
            if top is None or not top.size:
                continue
            peak = float(top[-1])
            near_range = any(abs(peak - r) <= 0.02 * r for r in ranges)
            stuck = int(np.sum(top >= peak * (1 - 1e-6)))
            if near_range and stuck >= SaturationWatch.TOP:
                hits[what] = round(peak, 3)
        if hits:
            found[side] = hits
    return found


def still_spans(time_s: np.ndarray, motionless: np.ndarray, *, min_s: float) -> list[tuple[float, float]]:
    starts, ends = runs(motionless)
    frame_s = float(np.median(np.diff(time_s))) if time_s.size > 1 else 0.1
    return [(float(time_s[a]), float(time_s[b - 1])) for a, b in zip(starts, ends) if (b - a) * frame_s >= min_s]


def long_gaps(gaps: dict[str, tuple[tuple[float, float], ...]]) -> dict[str, list[tuple[float, float]]]:
    out = {side: [g for g in spans if g[1] - g[0] >= LONG_GAP_S] for side, spans in gaps.items()}
    return {side: spans for side, spans in out.items() if spans}

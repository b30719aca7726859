"""What the library hands out: sessions, check-ins and the result of an add (frozen values)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from pathlib import Path

# The 0-10 numeric rating scale (NRS), the usual self-report of pain intensity (Hawker et al. 2011,
# "Measures of adult pain", Arthritis Care & Research 63(S11):S240-S252); used here for fatigue too.
RATING_MIN, RATING_MAX = 0, 10


class CheckInKind(StrEnum):
    PAIN = "pain"
    FATIGUE = "fatigue"


@dataclass(frozen=True)
class SessionRecord:
    """One indexed session: its file, content hash, when it was, and its analysis.

    ``day`` is the local date of ``started_at`` on the machine that added it (None for a session
    without a start time); ``devices`` maps a side ("left"/"right") to the sensor named in the
    file; ``analysis`` is the analysis JSON (backmon.analysis/1 or /2) as a dict: summary, alerts,
    calibration, settings, metadata (parsed from ``analysis_json`` when first asked for, so that
    listing a thousand sessions does not parse a thousand analyses). The key figures ``list``
    shows are kept beside it.
    """

    id: int
    path: Path
    sha256: str
    day: date | None
    started_at: datetime | None
    duration_s: float
    devices: dict[str, str]
    analysis_json: str | None = field(repr=False, compare=False)  # None: listed without it (brief)
    added_at: datetime | None = None
    worn_s: float | None = None
    minutes_over_30: float | None = None
    minutes_over_60: float | None = None
    alert_count: int = 0

    @cached_property
    def analysis(self) -> dict:
        if self.analysis_json is None:
            raise LookupError(f"session {self.id} was listed without its analysis (Library.get has it)")
        return json.loads(self.analysis_json)

    @property
    def summary(self) -> dict:
        return self.analysis.get("summary", {})

    @property
    def alerts(self) -> list[dict]:
        return self.analysis.get("alerts", [])


@dataclass(frozen=True)
class CheckIn:
    """The wearer's own rating of a day: 0 (none) to 10 (worst imaginable), with a note."""

    day: date
    rating: int
    note: str
    kind: CheckInKind
    time: datetime  # when it was given (UTC)


@dataclass(frozen=True)
class AddResult:
    """``added`` False: the same content was already indexed (a no-op, or only its path updated
    when the file had moved: ``moved``)."""

    record: SessionRecord
    added: bool
    moved: bool = False

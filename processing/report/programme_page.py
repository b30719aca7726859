"""The programme report: exposure per day by phase, and the change from baseline to probe days.

    days = programme_days(plan, rows)          # rows: SessionRow of the library's sessions
    evidence = programme_evidence(days)
    write_programme(plan, days, evidence, "programme.html", csv_path="programme.csv")

Each figure is compared between the baseline days and the probe days (processing.evidence.change:
the probe days' mean as a percentage of the baseline mean, with a bootstrap 95 % interval). Only
days with a recording count; feedback and fading days are shown but not compared, since alerts
change what the wearer does on them while they sound.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from processing.evidence import Change, change, change_sentence
from processing.guidance import NOT_MEDICAL_ADVICE
from processing.numbers import duration_text
from processing.programme import Phase, Plan, is_probe, phase, phase_text, scheduled_phase
from processing.report.formatting import number_text
from processing.report.html import backmon_version, environment
from processing.report.spreadsheet import write_csv
from processing.report.trends import DayRow, SessionRow, TrendSettings, day_rows


@dataclass(frozen=True)
class Figure:
    """A per-day figure the programme compares: its key, its words, and how it is read from a day."""

    key: str
    words: str  # as in "<words> on probe days: ..."
    digits: int
    unit: str
    lower_is_better: bool
    value: Callable[["ProgrammeDay"], float]


@dataclass(frozen=True)
class ProgrammeDay:
    """A day of the programme with a recording: its phase and its figures (the day's sessions added up)."""

    day: date
    phase: Phase
    row: DayRow
    lr_over_limit_min: float  # minutes with left and right further apart than the asymmetry limit


FIGURES = (
    Figure("minutes_over_30", "minutes beyond 30 deg", 0, "a day", True, lambda d: d.row.minutes_over_30),
    Figure("minutes_over_60", "minutes beyond 60 deg", 1, "a day", True, lambda d: d.row.minutes_over_60),
    Figure("lateral_over_10_min", "minutes leaning sideways beyond 10 deg", 1, "a day", True,
           lambda d: d.row.lateral_over_10_min),
    Figure("lr_over_limit_min", "minutes with left and right more than 5 deg apart", 1, "a day", True,
           lambda d: d.lr_over_limit_min),
    Figure("breaks", "breaks", 1, "a day", False, lambda d: float(d.row.breaks)),
)


def programme_days(plan: Plan, rows: list[SessionRow], *, settings: TrendSettings | None = None) -> list[ProgrammeDay]:
    """The dated days from the programme's start on, each with its phase and figures."""
    first = plan.start_day.isoformat()
    dated = [r for r in rows if r.started_at is not None and r.day >= first]
    days = day_rows(sorted(dated, key=lambda r: (r.day, r.started_at.timestamp())), settings or TrendSettings())
    out = []
    for d in days:
        lr_min = sum(r.diff_over_limit_s for r in dated if r.day == d.day and r.lr_available) / 60
        out.append(ProgrammeDay(date.fromisoformat(d.day), phase(plan, date.fromisoformat(d.day)), d, lr_min))
    return out


@dataclass(frozen=True)
class FigureChange:
    figure: Figure
    change: Change | None
    sentence: str


@dataclass(frozen=True)
class ProgrammeEvidence:
    baseline_days: int
    probe_days: int
    changes: tuple[FigureChange, ...]
    wear_note: str | None  # when the sensors were worn much longer or shorter on probe days


# A wear time on probe days this far from the baseline's makes minutes a day compare unevenly.
WEAR_DIFFERENCE = 0.2


def programme_evidence(days: list[ProgrammeDay]) -> ProgrammeEvidence:
    """The change from the baseline days to the probe days, figure by figure."""
    base = [d for d in days if d.phase == Phase.BASELINE]
    probe = [d for d in days if d.phase == Phase.PROBE]
    changes = []
    for f in FIGURES:
        c = change([f.value(d) for d in base], [f.value(d) for d in probe])
        changes.append(FigureChange(f, c, change_sentence(f.words, c, digits=f.digits, unit=f.unit)))
    return ProgrammeEvidence(len(base), len(probe), tuple(changes), _wear_note(base, probe))


def _wear_note(base: list[ProgrammeDay], probe: list[ProgrammeDay]) -> str | None:
    if not base or not probe:
        return None
    b = sum(d.row.worn_s for d in base) / len(base)
    p = sum(d.row.worn_s for d in probe) / len(probe)
    if b <= 0 or abs(p / b - 1) <= WEAR_DIFFERENCE:
        return None
    return (f"The sensors were worn {duration_text(p)} a day on probe days against {duration_text(b)} at baseline: "
            "minutes a day then partly follow how long they were worn, so compare the hours worn too.")


# ---------------------------------------------------------------- the page and the CSV

CSV_HEADER = ("day", "phase", "sessions", "worn_min", *(f.key for f in FIGURES))


def csv_rows(days: list[ProgrammeDay]) -> list[list]:
    return [[d.day.isoformat(), str(d.phase), d.row.sessions, round(d.row.worn_s / 60, 1),
             *(round(f.value(d), 2) for f in FIGURES)] for d in days]


def _day_view(d: ProgrammeDay) -> dict:
    return {"day": d.day.isoformat(), "phase": str(d.phase), "sessions": d.row.sessions,
            "worn": duration_text(d.row.worn_s),
            "figures": [number_text(f.value(d), max(f.digits, 1)) for f in FIGURES]}


def calendar_text(plan: Plan) -> list[str]:
    """The programme's phases as dated spans, and its first probe days."""
    def span(p: Phase) -> str | None:
        days = [plan.start_day.toordinal() + n for n in range(plan.length_days)
                if scheduled_phase(plan, date.fromordinal(plan.start_day.toordinal() + n)) == p]
        if not days:
            return None
        return f"{p}: {date.fromordinal(days[0]).isoformat()} to {date.fromordinal(days[-1]).isoformat()}"
    probes = [date.fromordinal(plan.start_day.toordinal() + n).isoformat()
              for n in range(plan.length_days + 3 * plan.probe_every)
              if is_probe(plan, date.fromordinal(plan.start_day.toordinal() + n))]
    lines = [s for s in (span(Phase.BASELINE), span(Phase.FEEDBACK), span(Phase.FADING)) if s]
    return lines + [f"probe days (tracking only): {', '.join(probes[:6])}, then every {plan.probe_every} days"]


def programme_context(plan: Plan, days: list[ProgrammeDay], evidence: ProgrammeEvidence, *, today: date,
                      association: tuple[str, ...] = (), csv_name: str | None = None) -> dict:
    return {
        "title": "Is it working? The coaching programme",
        "plan": plan, "today": phase_text(plan, today), "calendar": calendar_text(plan),
        "evidence": evidence, "figures": FIGURES, "days": [_day_view(d) for d in days],
        "association": association, "csv_name": csv_name,
        "note": NOT_MEDICAL_ADVICE, "version": backmon_version(),
    }


def write_programme(plan: Plan, days: list[ProgrammeDay], evidence: ProgrammeEvidence, path: str | os.PathLike, *,
                    today: date, association: tuple[str, ...] = (),
                    csv_path: str | os.PathLike | None = None, inputs=()) -> tuple[Path, Path | None]:
    """The programme page at ``path`` and, when asked, the per-day CSV; each written whole and
    owner-only, never over one of ``inputs`` or a recording."""
    from sensors.outputs import write_text

    path = Path(path)
    csv_file = Path(csv_path) if csv_path is not None else None
    csv_name = None
    if csv_file is not None:
        write_csv(csv_file, CSV_HEADER, csv_rows(days), inputs=inputs)
        csv_name = csv_file.name if csv_file.resolve().parent == path.resolve().parent else str(csv_file)
    context = programme_context(plan, days, evidence, today=today, association=association, csv_name=csv_name)
    write_text(path, environment().get_template("programme.html.j2").render(context), inputs=inputs)
    return path, csv_file

"""Importers for other tools' exports: one module per tool, pure functions of file bytes.

``import_recording(tool, left, right)`` reads each side's files (``read_inputs`` for paths:
folders and zip archives are listed, and files read only when needed, within the caps of
``sensors.importers.inputs``) with the tool's ``read_side`` and puts the two sides on one time base:

- both sides on a wall clock (MetaBase, Sensor Logger, phyphox with meta/time.csv: Unix time;
  WitMotion: the recording PC's local time): times count from the earlier side's first sample,
  so the two sides stay aligned as the tools recorded them; ``started_at`` (UTC, ISO 8601) or
  ``started_at_local`` says when that was;
- otherwise (a side without a wall clock): each side counts from its own first sample, and
  ``time_alignment`` in the metadata says the sides are not aligned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sensors.errors import ImportFileError
from sensors.importers import metabase, phyphox, sensorlogger, witmotion
from sensors.importers.inputs import InputFile, InputFiles, ReadBudget, read_inputs
from sensors.importers.streams import Recording
from sensors.limits import MAX_SPAN_S
from sensors.samples import SideSamples

ReadSide = Callable[..., Recording]
IMPORTERS: dict[str, ReadSide] = {
    metabase.NAME: metabase.read_side,
    phyphox.NAME: phyphox.read_side,
    sensorlogger.NAME: sensorlogger.read_side,
    witmotion.NAME: witmotion.read_side,
}
SOURCES = {metabase.NAME: "MetaBase (MbientLab) CSV export", phyphox.NAME: "phyphox CSV export",
           sensorlogger.NAME: "Sensor Logger export", witmotion.NAME: "WitMotion PC software data file"}
_EARLIEST_S, _LATEST_S = 631152000.0, 4102444800.0  # 1990-01-01 and 2100-01-01 UTC


@dataclass(frozen=True)
class Imported:
    """Both sides on one time base, the session metadata, and notes on what was fixed."""

    left: SideSamples | None
    right: SideSamples | None
    metadata: dict[str, str]
    notes: tuple[str, ...]


def import_recording(tool: str, left: list[InputFile], right: list[InputFile], *,
                     left_device: str | None = None, right_device: str | None = None) -> Imported:
    """Read each side's files with ``tool``'s importer; at least one side must be given."""
    read = IMPORTERS[tool]
    recordings = {side: read(files, side=side, device=device)
                  for side, files, device in (("left", left, left_device),
                                              ("right", right, right_device)) if files}
    if not recordings:
        raise ValueError("no files for either side")  # the command line asks for one side at least
    offsets, metadata, notes = _time_base(recordings)
    notes += [note for files in (left, right) if isinstance(files, InputFiles) for note in files.notes]
    metadata = {"source": f"{SOURCES[tool]} (imported by backmon)", **metadata}
    sides = {}
    for side, rec in recordings.items():
        sides[side] = SideSamples(side, rec.time_s - offsets[side], rec.accel_g, rec.gyro_dps)
        metadata[f"{side}_device"] = rec.device
        metadata[f"{side}_files"] = ", ".join(rec.sources)
        notes.extend(rec.notes)
    return Imported(sides.get("left"), sides.get("right"), metadata, tuple(notes))


def _time_base(recordings: dict[str, Recording]) -> tuple[dict[str, float], dict[str, str], list[str]]:
    """Per side the time subtracted from its samples, the time metadata, and notes."""
    _check_times(recordings)
    clocks = {rec.clock for rec in recordings.values()}
    firsts = {side: float(rec.time_s[0]) for side, rec in recordings.items()}
    if len(clocks) == 1 and clocks != {"relative"}:
        start_s = min(firsts.values())
        end_s = max(float(rec.time_s[-1]) for rec in recordings.values())
        if end_s - start_s > MAX_SPAN_S:
            left, right = recordings["left"], recordings["right"]  # one side alone was checked
            apart_days = (firsts["right"] - firsts["left"]) / 86400
            raise ImportFileError(right.sources[0], f"starts {apart_days:+.3g} days from the left "
                                  f"side's recording ({left.sources[0]}); are they from the same "
                                  "session?")
        both = len(recordings) == 2
        metadata = {"time_alignment": "both sides on the tools' shared wall clock" if both
                    else "one side only"}
        if start_s >= _EARLIEST_S:  # a date, not only a time of day (older WitMotion files)
            stamp = datetime.fromtimestamp(start_s, timezone.utc).isoformat(timespec="milliseconds")
            if clocks == {"utc"}:
                metadata["started_at"] = stamp.replace("+00:00", "Z")
            else:
                metadata["started_at_local"] = stamp.replace("+00:00", "")
        return dict.fromkeys(recordings, start_s), metadata, []
    notes = []
    if len(recordings) == 2:
        notes.append("the two sides have no shared clock (" + ", ".join(
            f"{side}: {rec.clock}" for side, rec in recordings.items()) + "); each side's time "
            "counts from its own first sample, so they are not aligned")
    alignment = ("none: each side counts from its own first sample" if len(recordings) == 2
                 else "one side only")
    return firsts, {"time_alignment": alignment}, notes


def _check_times(recordings: dict[str, Recording]) -> None:
    """Unix times must lie between 1990 and 2100 (anything else is not a date), and a recording
    may span two days at most."""
    for rec in recordings.values():
        span_s = float(rec.time_s[-1] - rec.time_s[0])
        if span_s > MAX_SPAN_S:
            raise ImportFileError(rec.sources[0], f"the recording spans {span_s / 86400:.3g} days; "
                                  "backmon reads sessions of up to 2 days (damaged times?)")
        if rec.clock == "utc" and not (_EARLIEST_S <= rec.time_s[0] and rec.time_s[-1] <= _LATEST_S):
            bad = rec.time_s[0] if rec.time_s[0] < _EARLIEST_S else rec.time_s[-1]
            raise ImportFileError(rec.sources[0], f"a time stamp ({bad:.6g} s) is not a date "
                                  "between 1990 and 2100; is the time column damaged?")


__all__ = ["IMPORTERS", "Imported", "InputFile", "InputFiles", "ReadBudget", "import_recording", "read_inputs"]

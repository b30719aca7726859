"""``library export``: the wearer's sessions to take anywhere, as one zip file.

    sessions/0001-2026-03-02.csv   each indexed session file, byte for byte (prefixed by its id)
    summaries.csv                  one row per session: id, its file in the zip, sha256, and the
                                   figures of the trends spreadsheet (processing.report.trends_page)
    checkins.csv                   day, kind, rating, note, time given

Both CSV files go through processing.report.spreadsheet (text that a spreadsheet would run as a
formula is neutralised); the zip is written whole and owner-only through sensors.outputs.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from backmon.library.store import Library

SUMMARY_EXTRA = ("id", "file_in_zip", "sha256")
CHECKIN_HEADER = ("day", "kind", "rating", "note", "time")


@dataclass
class ExportReport:
    sessions: int = 0  # files in the zip
    summaries: int = 0
    checkins: int = 0
    missing: list[str] = field(default_factory=list)  # indexed, but the file is gone or changed


def member_name(record) -> str:
    return f"sessions/{record.id:04d}-{os.path.basename(record.path)}"


def export(library: Library, out: str | os.PathLike, *, from_day: date | None = None,
           to_day: date | None = None) -> ExportReport:
    """Write the zip at ``out``; refuses (OutputRefused) a path that is a session, the database or
    its journal."""
    from backmon.library.indexing import sha256_of
    from processing.report.spreadsheet import csv_text
    from processing.report.trends import build_trends, session_row
    from processing.report.trends_page import CSV_HEADER, csv_row
    from sensors.outputs import write_whole

    records = library.sessions(from_day, to_day)
    checkins = library.checkins(from_day, to_day)
    report = ExportReport(summaries=len(records), checkins=len(checkins))
    inputs = [library.path, library.journal_path, *(r.path for r in records)]
    rows = [session_row(r.analysis, source=str(r.path)) for r in records]
    trends = build_trends(rows)  # for its settings (the left/right finding's share)
    summary_rows = []
    with write_whole(out, binary=True, inputs=inputs) as handle, \
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record, row in zip(records, rows):
            name = member_name(record)
            if _unchanged(record, sha256_of):
                archive.write(record.path, name)
                report.sessions += 1
            else:
                report.missing.append(str(record.path))
                name = ""
            summary_rows.append([record.id, name, record.sha256,
                                 *csv_row(row, trends)])
        archive.writestr("summaries.csv", csv_text((*SUMMARY_EXTRA, *CSV_HEADER), summary_rows))
        archive.writestr("checkins.csv", csv_text(CHECKIN_HEADER, ([c.day.isoformat(), str(c.kind), c.rating,
                                                                    c.note, c.time.isoformat()] for c in checkins)))
    return report


def _unchanged(record, sha256_of) -> bool:
    """The file is there and still the content that was indexed (a changed file is not this session)."""
    try:
        return Path(record.path).is_file() and sha256_of(record.path)[0] == record.sha256
    except OSError:
        return False

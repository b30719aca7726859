"""WitMotion's PC software: the recorded "data" text file (tab-separated), one or more sensors.

Headers (source: AdrianEddy/telemetry-parser ``src/witmotion/txt*.rs``, which reads the files the
WitMotion PC software writes; user scripts that read the same files)::

    time  DeviceName  ChipTime()  AccX(g)  AccY(g)  AccZ(g)  AsX(°/s)  AsY(°/s)  AsZ(°/s)  AngleX(°) ...
    Chip Time()  ...  Acceleration X(g) ... Angular velocity X(°/s) ...         (English long names)
    时间  设备名称  ...  加速度X(g) ... 角速度X(°/s) ...                          (Chinese names)
    Time(s)  ChipTime  ax(g)  ay(g)  az(g)  wx(deg/s)  wy(deg/s)  wz(deg/s)  AngleX(deg) ...  (older)
    Time  Device name  Chip Time()  Acceleration X(g) ... Angular velocity X(°/s) ...   (newer, as seen in real
                                                                                    files: REFERENCES.md)

The newer files start with a UTF-8 byte order mark, separate cells by tabs with decimal commas
where Windows uses them, and end every data row with one more tab than the header has. Column
names are matched regardless of case (``time`` or ``Time``).

``time`` is the PC's wall clock when the sample arrived, e.g. ``2024-03-05 10:00:00:123`` (the
milliseconds after a colon; a point is read too), in the PC's unknown time zone; ``Time(s)`` in the
older software counts seconds. Acceleration in g, angular rate in degrees/s, already backmon's
units and axis order. Some versions write ``°`` in GB18030 (the bytes A1 E3): read as such.
One file holds every connected sensor, told apart by ``DeviceName``; pick one per side.

WitMotion sensors send no device time, and the PC stamps a whole Bluetooth burst with one
millisecond. The samples are therefore spaced evenly by their count between the arrival times:
within each stretch without an arrival gap of more than 1 s, time = a + b * sample index fitted
to the arrival times by least squares (REFERENCES.md, "Clocks": use the sample count and the
fitted rate, not raw arrival times).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sensors.errors import ImportFileError
from sensors.importers.inputs import InputFile
from sensors.importers.streams import Recording, Stream, single
from sensors.importers.table import WHITESPACE, Table, read_table

NAME = "witmotion"
_ACCEL = (("AccX(g)", "AccY(g)", "AccZ(g)"),
          ("Acceleration X(g)", "Acceleration Y(g)", "Acceleration Z(g)"),
          ("加速度X(g)", "加速度Y(g)", "加速度Z(g)"),
          ("ax(g)", "ay(g)", "az(g)"))
_GYRO = (("AsX(°/s)", "AsY(°/s)", "AsZ(°/s)"),
         ("Angular velocity X(°/s)", "Angular velocity Y(°/s)", "Angular velocity Z(°/s)"),
         ("角速度X(°/s)", "角速度Y(°/s)", "角速度Z(°/s)"),
         ("wx(deg/s)", "wy(deg/s)", "wz(deg/s)"))
_CLOCK_TIMES = ("time", "时间", "Chip Time()", "ChipTime")  # date and time of day
_SECONDS = ("Time(s)",)
_DEVICE = ("DeviceName", "设备名称", "Device name")
_ARRIVAL_GAP_S = 1.0
_DATETIME = (r"^\s*(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+)?"
             r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.:,](\d{1,6}))?\s*$")


def _is_header(names: list[str]) -> bool:
    folded = {n.casefold() for n in names}
    return any(all(a.casefold() in folded for a in axes) for axes in _ACCEL)


def read_side(files: list[InputFile], *, side: str, device: str | None = None) -> Recording:
    """One sensor's rows from WitMotion data file(s); ``device`` picks it by (part of) its name
    when a file holds several sensors."""
    if len(files) != 1:
        raise ImportFileError(side, f"{len(files)} files for one side; WitMotion writes one data "
                              "file with both sensors: give it to --left and --right")
    file = files[0]
    table = read_table(file, is_header=_is_header, what="a WitMotion data file (no AccX(g) "
                       "column)", separators=(",", ";", "\t", WHITESPACE), fallback="gb18030")
    accel_names = next(axes for axes in _ACCEL if table.has(*axes))
    gyro_names = next((axes for axes in _GYRO if table.has(*axes)), None)
    if gyro_names is None:
        raise ImportFileError(file.name, "no angular velocity columns (AsX(°/s) ...); record the "
                              "gyroscope too", line=table.header_line)
    notes: list[str] = []
    rows, name = _device_rows(table, device, side)
    arrival_s, clock = _times(table)
    time_s = _even_times(arrival_s[rows])
    accel = np.column_stack([table.numbers(a)[rows] for a in accel_names])
    gyro = np.column_stack([table.numbers(a)[rows] for a in gyro_names])
    if table.skipped_lines:
        notes.append(f"{file.name}: skipped {table.skipped_lines} line(s) with a wrong number of "
                     "fields")
    label = f"{file.name} ({name})" if name else file.name
    return single(Stream("accel", time_s, accel, clock, label), gyro,
                  device=f"WitMotion {name}".strip(), sources=(label,), notes=notes)


def _device_rows(table: Table, wanted: str | None, side: str) -> tuple[np.ndarray, str]:
    """Row indices of the chosen sensor, and its name ("" when the file names none)."""
    column = table.find(*_DEVICE)
    if column is None:
        return np.arange(len(table)), wanted or ""
    names = table.texts(column)
    present = [n for n in pd.unique(names) if n]
    if wanted is not None:
        matching = [n for n in present if wanted.lower() in n.lower()]
        if len(matching) != 1:
            found = "none" if not matching else f"{len(matching)}"
            raise ImportFileError(table.source, f"{found} of its sensors match {wanted!r} "
                                  f"(sensors: {', '.join(present[:6]) or 'none'})")
        chosen = matching[0]
    elif len(present) == 1:
        chosen = present[0]
    else:
        raise ImportFileError(table.source, f"holds {len(present)} sensors "
                              f"({', '.join(present[:6])}); choose one with --{side}-device NAME")
    return np.flatnonzero((names == chosen).to_numpy()), chosen


def _times(table: Table) -> tuple[np.ndarray, str]:
    """Arrival times in seconds and their clock ("local" wall clock, or "relative")."""
    column = table.find(*_CLOCK_TIMES)
    if column is not None:
        seconds = clock_seconds(table.texts(column))
        if np.isfinite(seconds).sum() >= 2:
            return seconds, "local"
    column = table.find(*_SECONDS)
    if column is None:
        raise ImportFileError(table.source, "no time column (time, Chip Time() or Time(s)) with "
                              "readable times", line=table.header_line)
    return table.numbers(column), "relative"


def clock_seconds(texts: pd.Series) -> np.ndarray:
    """``[YYYY-MM-DD ]HH:MM:SS[.:]mmm`` texts as seconds since 1970 (time of day alone: seconds
    since midnight, a day added at each wrap past midnight); NaN where unreadable."""
    parts = texts.str.extract(_DATETIME)
    year, month, day, hour, minute, second = (
        pd.to_numeric(parts[i], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        for i in range(6))
    digits = parts[6].fillna("")
    fraction = (pd.to_numeric(digits, errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)
                / 10.0 ** digits.str.len().to_numpy())
    of_day = hour * 3600 + minute * 60 + second + fraction
    of_day[(hour > 23) | (minute > 59) | (second > 60)] = np.nan
    has_date = np.isfinite(year)
    seconds = np.where(has_date, _days_since_1970(year, month, day) * 86400.0 + of_day, of_day)
    if not has_date.any():  # time of day only: count the midnights passed
        finite = np.isfinite(seconds)
        wraps = np.cumsum(np.diff(seconds[finite], prepend=seconds[finite][:1]) < -43200)
        seconds[finite] += 86400.0 * wraps
    return seconds


def _days_since_1970(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil); NaN for
    an impossible month or day."""
    bad = ~((month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (year >= 1) & (year <= 9999))
    y = np.where(bad, 2000, year) - (np.where(bad, 1, month) <= 2)
    m = np.where(bad, 1, month)
    era = np.floor(y / 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + np.where(bad, 1, day) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return np.where(bad, np.nan, days)


def _even_times(arrival_s: np.ndarray) -> np.ndarray:
    """Evenly spaced sample times fitted to the arrival times, per stretch between gaps > 1 s
    (see the module's docstring). NaN arrivals stay NaN; a stretch of one sample keeps its time."""
    out = np.full(arrival_s.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(arrival_s))
    if ok.size == 0:
        return out
    times = arrival_s[ok]
    breaks = np.flatnonzero(np.abs(np.diff(times)) > _ARRIVAL_GAP_S) + 1
    for part in np.split(np.arange(ok.size), breaks):
        if part.size < 3:
            out[ok[part]] = times[part]
            continue
        start_s = times[part][0]
        slope, intercept = np.polyfit(np.arange(part.size, dtype=float), times[part] - start_s, 1)
        if slope <= 0:  # arrivals that do not advance: keep them (the reader reports it)
            out[ok[part]] = times[part]
            continue
        out[ok[part]] = start_s + intercept + slope * np.arange(part.size)
    return out

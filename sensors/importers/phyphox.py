"""phyphox (RWTH Aachen's phone sensor app): CSV export, usually a zip per experiment.

Format (source: phyphox/phyphox-android ``DataExport.CsvFormat``; phyphox/phyphox-ios
``ExperimentExportSet``): one CSV per export set (``Raw Data.csv`` for the single-sensor
experiments, ``Accelerometer.csv`` / ``Gyroscope.csv`` for multi-sensor ones), header cells
quoted, separator and decimal mark chosen by the user (comma/point, tab/point, semicolon/point,
tab/comma, semicolon/comma), numbers like ``9.806650000E0``, ``NaN`` where a column is shorter::

    "Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)","Absolute acceleration (m/s^2)"
    "Time (s)","Gyroscope x (rad/s)","Gyroscope y (rad/s)","Gyroscope z (rad/s)","Absolute (rad/s)"

``Time (s)`` counts from the experiment's start and stops while it is paused. The zip's
``meta/time.csv`` maps it to wall-clock time: rows ``"event","experiment time","system time",
"system time text"``, an event (START or PAUSE) at each start and pause, system time in Unix
seconds. A sample at experiment time t after the START at (t0, wall0) happened at wall0 + t - t0,
which also undoes pauses; both sides then share the phones' wall clocks. Without time.csv the
times stay relative to the experiment's start (and the two sides cannot be put on one clock).
"Acceleration without g" exports ``Linear Acceleration x (m/s^2)``: no gravity, refused.
Acceleration "with g" is the specific force (about +9.81 m/s² upwards at rest), like Android.

Multi-sensor experiments, as real exports have them (REFERENCES.md, "Other tools' CSV exports"),
name the axes only, one file per sensor, the sensor named by the file name alone::

    "Time (s)";"X (m/s^2)";"Y (m/s^2)";"Z (m/s^2)"          Accelerometer.csv (or Linear Acceleration.csv)
    "Time (s)";"X (rad/s)";"Y (rad/s)";"Z (rad/s)"          Gyroscope.csv

rad/s is the gyroscope's alone; m/s^2 with gravity or without it is told by the file name, so an
m/s^2 file whose name says neither is refused rather than guessed. A linear-acceleration file
beside an accelerometer's is set aside; alone, it is refused like the long-named one.
"""

from __future__ import annotations

import numpy as np

from sensors.errors import ImportFileError
from sensors.importers.inputs import InputFile
from sensors.importers.streams import (
    DEG_PER_RAD,
    G_MPS2,
    Recording,
    Stream,
    find_one,
    merge,
    set_aside_note,
    single,
)
from sensors.importers.table import Table, peek_header, read_table

NAME = "phyphox"
TIME = "Time (s)"
ACCEL = tuple(f"Acceleration {a} (m/s^2)" for a in "xyz")
GYRO = tuple(f"Gyroscope {a} (rad/s)" for a in "xyz")
LINEAR = tuple(f"Linear Acceleration {a} (m/s^2)" for a in "xyz")
ACCEL_SHORT = tuple(f"{a} (m/s^2)" for a in "XYZ")  # multi-sensor experiments (see above)
GYRO_SHORT = tuple(f"{a} (rad/s)" for a in "XYZ")
TIME_CSV = ("event", "experiment time", "system time")
_HINT = ("record with phyphox's 'Acceleration with g' and 'Gyroscope' experiments (or a "
         "multi-sensor one) and give their exports")


def _is_data_header(names: list[str]) -> bool:
    return TIME in names


def _is_time_header(names: list[str]) -> bool:
    return all(n in names for n in TIME_CSV)


def read_side(files: list[InputFile], *, side: str, device: str | None = None) -> Recording:
    """One phone's phyphox export(s) (zip members, a folder's files or loose CSVs) as a Recording."""
    notes: list[str] = []
    time_maps = {f.container: _time_map(f) for f in files if f.basename.lower() == "time.csv"}
    data_files = [f for f in files if f.basename.lower() not in ("time.csv", "device.csv")]
    streams, both, linear, unused = [], None, [], []
    for file in data_files:
        kind, columns, table = _classified(file)
        if table is None:
            (linear if kind == "linear" else unused).append(file.name)
            continue
        if table.skipped_lines:
            notes.append(f"{file.name}: skipped {table.skipped_lines} line(s) with a wrong "
                         "number of fields")
        time_s, clock = _wall_time(table.numbers(TIME), time_maps.get(file.container))
        if kind == "both":  # a custom experiment with both in one set
            both = (Stream("accel", time_s, _columns(table, ACCEL) / G_MPS2, clock, file.name),
                    _columns(table, GYRO) * DEG_PER_RAD)
        elif kind == "accel":
            streams.append(Stream("accel", time_s, _columns(table, columns) / G_MPS2, clock, file.name))
        else:
            streams.append(Stream("gyro", time_s, _columns(table, columns) * DEG_PER_RAD, clock, file.name))
    if linear and both is None and not any(s.kind == "accel" for s in streams):
        _refuse_linear(linear[0])
    notes += set_aside_note(linear, "linear acceleration (no gravity)")
    notes += set_aside_note(unused, "neither acceleration (with g) nor gyroscope")
    device_name = "phone (phyphox)"
    if both is not None and not streams:
        return single(both[0], both[1], device=device_name, sources=(both[0].source,), notes=notes)
    accel = find_one(streams, "accel", side=side, hint=_HINT)
    gyro = find_one(streams, "gyro", side=side, hint=_HINT)
    _check_one_clock(accel, gyro, files)
    if accel.clock == "relative":
        notes.append(f"{side}: no meta/time.csv (export the whole zip): times count from the "
                     "experiment's start, not wall-clock time")
    return merge(accel, gyro, device=device_name, sources=(accel.source, gyro.source), notes=notes)


def _classified(file: InputFile) -> tuple[str | None, tuple[str, ...], Table | None]:
    """The file's kind and axis columns (see ``_kind``), with its table when it is used: a file
    set aside for its header (seen in its first bytes) is never read whole, nor unpacked."""
    names = peek_header(file, is_header=_is_data_header)
    if names is not None:
        kind, columns = _kind(names, file)
        if kind in ("linear", None):
            return kind, columns, None
    table = read_table(file, is_header=_is_data_header, what="a phyphox CSV export (no \"Time (s)\" column)")
    kind, columns = _kind(table.names, file)
    return kind, columns, (table if kind not in ("linear", None) else None)


def _kind(names: tuple[str, ...], file: InputFile) -> tuple[str | None, tuple[str, ...]]:
    """("both" | "accel" | "gyro" | "linear" | None, the three axis columns) from the header."""
    folded = {n.casefold() for n in names}

    def has(*wanted: str) -> bool:
        return all(w.casefold() in folded for w in wanted)

    if has(*ACCEL):
        return ("both" if has(*GYRO) else "accel"), ACCEL
    if has(*GYRO):
        return "gyro", GYRO
    if has(*LINEAR):
        return "linear", LINEAR
    if has(*GYRO_SHORT):
        return "gyro", GYRO_SHORT
    if has(*ACCEL_SHORT):
        squashed = file.basename.lower().replace(" ", "").replace("_", "")
        if "linear" in squashed or "withoutg" in squashed:
            return "linear", ACCEL_SHORT
        if "accel" in squashed:
            return "accel", ACCEL_SHORT
        raise ImportFileError(file.name, 'its columns ("X (m/s^2)" ...) name no sensor, and its file name says '
                              "neither Accelerometer nor Linear Acceleration (with or without gravity?); keep "
                              "phyphox's file names")
    return None, ()


def _columns(table: Table, names: tuple[str, ...]) -> np.ndarray:
    return np.column_stack([table.numbers(n) for n in names])


def _refuse_linear(name: str) -> None:
    raise ImportFileError(name, "phyphox 'Acceleration without g' (linear acceleration) has no "
                          "gravity, which backmon needs for the angles; record with 'Acceleration with g' "
                          "and export that instead")


def _time_map(file: InputFile) -> tuple[np.ndarray, np.ndarray]:
    """(experiment times, wall-clock Unix seconds) of the START events in meta/time.csv."""
    table = read_table(file, is_header=_is_time_header,
                       what="phyphox's meta/time.csv (columns event, experiment time, system time)")
    starts = (table.texts("event").str.upper() == "START").to_numpy()
    experiment_s = table.numbers("experiment time")[starts]
    wall_s = table.numbers("system time")[starts]
    ok = np.isfinite(experiment_s) & np.isfinite(wall_s)
    if not ok.any():
        raise ImportFileError(file.name, "no START event with a time; is this phyphox's "
                              "meta/time.csv?")
    order = np.argsort(experiment_s[ok], kind="stable")
    return experiment_s[ok][order], wall_s[ok][order]


def _wall_time(time_s: np.ndarray, time_map: tuple[np.ndarray, np.ndarray] | None):
    """Experiment times on the wall clock (each after its START), or as they are."""
    if time_map is None:
        return time_s, "relative"
    experiment_s, wall_s = time_map
    start = np.clip(np.searchsorted(experiment_s, time_s, side="right") - 1, 0, None)
    return wall_s[start] + (time_s - experiment_s[start]), "utc"


def _check_one_clock(accel: Stream, gyro: Stream, files: list[InputFile]) -> None:
    """Two experiments' relative times cannot be matched: they each start at 0."""
    containers = {f.name: f.container for f in files}
    if (accel.clock == gyro.clock == "relative"
            and containers.get(accel.source) != containers.get(gyro.source)):
        raise ImportFileError(gyro.source, f"comes from another export than {accel.source}, and "
                              "without meta/time.csv their times cannot be matched; give the "
                              "zip files as exported")

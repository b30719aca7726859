"""MetaBase (MbientLab's app for MetaMotion / MetaWear sensors): one CSV file per sensor stream.

Headers, as the apps write them (sources: MbientLab's MetaBase Android app,
``DataHandler.CsvDataHandler`` in mbientlab/MetaWear-Android-MetaBase-App; the MetaBase desktop
hub, ``lib/sensor-config.js`` in mbientlab/MetaBase-Hub; the MetaBase 4 iOS app's
``csvHeaderRoot``; MetaBase 5 / the Swift SDK's ``MWDataTable`` in
mbientlab/MetaWear-Swift-Combine-SDK)::

    epoch (ms),time (-05:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)             Android, hub
    epoc (ms),timestamp (-0700),elapsed (s),x-axis (deg/s),y-axis (deg/s),z-axis (deg/s)  older iOS
    Epoch,Timestamp (-0500),Elapsed (s),X,Y,Z                                          MetaBase 5

``epoch (ms)`` is Unix time in milliseconds (MetaBase 5: seconds with decimals); the time text and
``elapsed (s)`` repeat it. Accelerometer in g, gyroscope in degrees/s, magnetometer ``x-axis (T)``
in tesla (not used by backmon: read and set aside). MetaBase 5 names no unit: the sensor comes
from the file name (``..._Accelerometer_...``), in the SDK's units (g, degrees/s). Linear
acceleration and gravity from sensor fusion share the accelerometer's header; their file names
tell them apart. File names carry the sensor's MAC address, e.g.
``MetaWear_2019-10-09T14.23.58.436_C7C4E1A0B1F2_Accelerometer_1.4.4.csv``: the files of one side
must come from one sensor.
"""

from __future__ import annotations

import re

import numpy as np

from sensors.errors import ImportFileError
from sensors.importers.inputs import InputFile
from sensors.importers.streams import Recording, Stream, find_one, merge, set_aside_note
from sensors.importers.table import Table, peek_header, read_table

NAME = "metabase"
_EPOCH_MS = ("epoch (ms)", "epoc (ms)")
_EPOCH_S = ("epoch",)
_MAC = re.compile(r"(?<![0-9A-Fa-f])((?:[0-9A-Fa-f]{2}[:-]?){5}[0-9A-Fa-f]{2})(?![0-9A-Fa-f])")
_NO_GRAVITY = ("linearacceleration", "linear-acceleration", "linear_acceleration", "gravity")
_HINT = "export the Accelerometer and the Gyroscope streams of this sensor from MetaBase"


def _is_header(names: list[str]) -> bool:
    return bool(names) and names[0].lower() in _EPOCH_MS + _EPOCH_S


def read_side(files: list[InputFile], *, side: str, device: str | None = None) -> Recording:
    """One sensor's MetaBase files (accelerometer + gyroscope; others set aside) as a Recording."""
    notes: list[str] = []
    streams, macs, unused = [], {}, []
    for file in files:
        names = peek_header(file, is_header=_is_header)  # a stream set aside is never read whole
        if names is not None and _kind(names, file)[0] is None:
            unused.append(file.name)
            continue
        table = read_table(file, is_header=_is_header, what="a MetaBase CSV export (its first "
                           "column is 'epoch (ms)')")
        stream = _stream(table, file, notes)
        if stream is None:
            unused.append(file.name)
            continue
        streams.append(stream)
        mac = _mac(file.basename)
        if mac:
            macs[mac] = file.name
    notes += set_aside_note(unused, "not an accelerometer or gyroscope stream")
    if len(macs) > 1:
        raise ImportFileError(side, "the files come from different sensors ("
                              + ", ".join(f"{mac} in {name}" for mac, name in macs.items())
                              + "); give one sensor's files per side")
    accel = find_one(streams, "accel", side=side, hint=_HINT)
    gyro = find_one(streams, "gyro", side=side, hint=_HINT)
    name = f"MetaWear {next(iter(macs))}" if macs else "MetaWear (address not in the file names)"
    return merge(accel, gyro, device=name, sources=(accel.source, gyro.source), notes=notes)


def _stream(table: Table, file: InputFile, notes: list[str]) -> Stream | None:
    """The file's stream, or None for a stream backmon does not use (noted)."""
    kind, axes = _kind(table.names, file)
    if kind is None:
        return None
    first = table.names[0].lower()
    time_s = table.numbers(table.names[0]) / (1000.0 if first in _EPOCH_MS else 1.0)
    xyz = np.column_stack([table.numbers(a) for a in axes])
    if table.skipped_lines:
        notes.append(f"{file.name}: skipped {table.skipped_lines} line(s) with a wrong number of "
                     "fields")
    return Stream(kind, time_s, xyz, "utc", file.name)


def _kind(names: tuple[str, ...], file: InputFile) -> tuple[str | None, tuple[str, ...]]:
    """("accel" | "gyro" | None, the three axis columns) from the header's units or the name."""
    squashed = file.basename.lower().replace(" ", "")

    def has(*wanted: str) -> bool:
        return all(w in names for w in wanted)

    if has("x-axis (g)", "y-axis (g)", "z-axis (g)"):
        _refuse_without_gravity(squashed, file)
        return "accel", ("x-axis (g)", "y-axis (g)", "z-axis (g)")
    if has("x-axis (deg/s)", "y-axis (deg/s)", "z-axis (deg/s)"):
        return "gyro", ("x-axis (deg/s)", "y-axis (deg/s)", "z-axis (deg/s)")
    if has("X", "Y", "Z") and names[0].lower() in _EPOCH_S:  # MetaBase 5
        if "accelerometer" in squashed or "acceleration" in squashed or "gravity" in squashed:
            _refuse_without_gravity(squashed, file)
            return "accel", ("X", "Y", "Z")
        if "gyroscope" in squashed or "gyro" in squashed:
            return "gyro", ("X", "Y", "Z")
        if "magnetometer" in squashed:
            return None, ()
        raise ImportFileError(file.name, "a MetaBase 5 export names no unit, and its file name "
                              "says neither Accelerometer nor Gyroscope; keep MetaBase's file names")
    return None, ()


def _refuse_without_gravity(squashed_name: str, file: InputFile) -> None:
    if any(word in squashed_name for word in _NO_GRAVITY):
        raise ImportFileError(file.name, "sensor-fusion linear acceleration or gravity is not the "
                              "measured acceleration backmon needs (gravity included); export "
                              "the Accelerometer stream instead")


def _mac(basename: str) -> str | None:
    match = _MAC.search(basename)
    if match is None:
        return None
    digits = re.sub(r"[:-]", "", match[1]).upper()
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))

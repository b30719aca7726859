"""Sensor Logger (Kelvin Choi's phone app): zip export, one CSV per sensor.

Format (source: tszheichoi/awesome-sensor-logger README.md, UNITS.md, COORDINATES.md,
CROSSPLATFORM.md): every motion file is ``time,seconds_elapsed,z,y,x`` (axes in z, y, x order);
``time`` is Unix time in nanoseconds, ``seconds_elapsed`` counts from the tap on Start.
Acceleration in m/s² (g = 9.80665), gyroscope in rad/s. ``Metadata.csv`` has ``version,device
name,recording epoch time,recording time,recording timezone,platform,appVersion,device id,
sensors,sampleRateMs,standardisation,platform version``.

- ``TotalAcceleration.csv`` (Android): acceleration with gravity, the specific force. Used.
- ``Accelerometer.csv``: acceleration WITHOUT gravity (user motion only). Alone it is refused.
  iOS logs no TotalAcceleration; there ``Accelerometer.csv`` + ``Gravity.csv`` add up to the
  measured acceleration, with all three axes of the opposite sign to Android's unless the app's
  "Standardise Units & Frames" was on (``platform`` and ``standardisation`` in Metadata.csv).
- ``Gyroscope.csv``: rad/s, the same sign on both platforms.
"""

from __future__ import annotations

import numpy as np

from sensors.errors import ImportFileError
from sensors.importers.inputs import InputFile
from sensors.importers.streams import DEG_PER_RAD, G_MPS2, Recording, Stream, clean, merge, set_aside_note
from sensors.importers.table import Table, read_table

NAME = "sensorlogger"
COLUMNS = ("time", "z", "y", "x")
_ROLES = {"totalacceleration.csv": "total", "accelerometer.csv": "user",
          "gravity.csv": "gravity", "gyroscope.csv": "gyro", "metadata.csv": "metadata"}
_EXPORT_TOTAL = ("Sensor Logger's Accelerometer.csv has no gravity (user motion only), which "
                 "backmon needs for the angles; give TotalAcceleration.csv instead (Android), or "
                 "on iOS Gravity.csv and Metadata.csv as well (the zip export has them)")


def _is_header(names: list[str]) -> bool:
    return all(c in names for c in COLUMNS)


def _is_metadata_header(names: list[str]) -> bool:
    return "platform" in names


def read_side(files: list[InputFile], *, side: str, device: str | None = None) -> Recording:
    """One phone's Sensor Logger files (the zip, or its CSVs) as a Recording."""
    notes: list[str] = []
    roles: dict[str, InputFile] = {}
    unused = []  # set aside by name: never read
    for file in files:
        role = _role(file.basename)
        if role is None:
            unused.append(file.name)
        elif role in roles:
            raise ImportFileError(file.name, f"a second {file.basename} for the {side} side "
                                  f"(also {roles[role].name}); give one recording per side")
        else:
            roles[role] = file
    notes += set_aside_note(unused, "not used by backmon")
    platform, standardised, device_name = _metadata(roles.get("metadata"))
    if "total" in roles:
        accel = _stream(roles["total"], "accel", 1.0 / G_MPS2)
        for role in ("user", "gravity"):
            if role in roles:
                notes.append(f"{roles[role].name}: set aside (TotalAcceleration.csv is used)")
    elif "user" in roles and "gravity" in roles:
        accel = _total_from_parts(roles["user"], roles["gravity"], roles.get("metadata"),
                                  platform, standardised, notes)
    elif "user" in roles:
        raise ImportFileError(roles["user"].name, _EXPORT_TOTAL)
    else:
        given = ", ".join(f.basename for f in files[:5]) + (", ..." if len(files) > 5 else "")
        raise ImportFileError(side, f"no TotalAcceleration.csv among the files ({given}); give "
                              "Sensor Logger's zip export (or its TotalAcceleration.csv and "
                              "Gyroscope.csv)")
    if "gyro" not in roles:
        raise ImportFileError(side, "no Gyroscope.csv among the files; enable the gyroscope in "
                              "Sensor Logger and give its zip export")
    gyro = _stream(roles["gyro"], "gyro", DEG_PER_RAD)
    device_name = f"{device_name} (Sensor Logger, {platform or 'platform unknown'})"
    return merge(accel, gyro, device=device_name, sources=(accel.source, gyro.source), notes=notes)


def _role(basename: str) -> str | None:
    lower = basename.lower()
    return next((role for name, role in _ROLES.items()
                 if lower == name or lower.endswith(("_" + name, "-" + name, " " + name))), None)


def _stream(file: InputFile, kind: str, scale: float) -> Stream:
    table = read_table(file, is_header=_is_header, what="a Sensor Logger CSV (columns time, "
                       "seconds_elapsed, z, y, x)")
    return Stream(kind, table.numbers("time") * 1e-9, _xyz(table) * scale, "utc", file.name)


def _xyz(table: Table) -> np.ndarray:
    """Columns come z, y, x; backmon's order is x, y, z."""
    return np.column_stack([table.numbers(a) for a in "xyz"])


def _total_from_parts(user: InputFile, gravity: InputFile, metadata: InputFile | None,
                      platform: str, standardised: bool, notes: list[str]) -> Stream:
    """iOS: Accelerometer.csv + Gravity.csv in g, made the specific force (Android's sign)."""
    if metadata is None:
        raise ImportFileError(user.name, "adding Accelerometer.csv and Gravity.csv needs "
                              "Metadata.csv too (it says the platform, whose sign convention "
                              "differs); give Sensor Logger's zip export")
    parts = [clean(_stream(f, "accel", 1.0 / G_MPS2), notes) for f in (user, gravity)]
    time_s = parts[0].time_s
    gravity_g = np.column_stack([np.interp(time_s, parts[1].time_s, parts[1].xyz[:, i])
                                 for i in range(3)])
    sign = -1.0 if platform == "ios" and not standardised else 1.0
    notes.append(f"{user.name}: acceleration = Accelerometer.csv + Gravity.csv"
                 + (" with iOS's sign reversed" if sign < 0 else ""))
    return Stream("accel", time_s, sign * (parts[0].xyz + gravity_g), "utc",
                  f"{user.name} + {gravity.basename}")


def _metadata(file: InputFile | None) -> tuple[str, bool, str]:
    """(platform "ios" | "android" | "", standardised, device name) from Metadata.csv."""
    if file is None:
        return "", False, "phone"
    table = read_table(file, is_header=_is_metadata_header,
                       what="Sensor Logger's Metadata.csv (no 'platform' column)")
    if len(table) == 0:
        raise ImportFileError(file.name, "Metadata.csv has no row under its header")

    def first(name: str) -> str:
        return str(table.texts(name).iloc[0]) if name in table.names else ""

    platform = first("platform").lower()
    if platform not in ("ios", "android"):
        raise ImportFileError(file.name, f"unknown platform {platform[:20]!r} in Metadata.csv "
                              "(expected ios or android)")
    return platform, first("standardisation").lower() == "true", first("device name") or "phone"

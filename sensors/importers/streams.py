"""Sensor streams read from an export, and one side's recording built from them.

Most tools write the accelerometer and the gyroscope as separate streams with their own time
stamps (MetaBase, Sensor Logger, phyphox's multi-sensor experiments). backmon's session rows hold
both, so the streams are merged on the ACCELEROMETER's times: the gyroscope is interpolated
linearly onto them. Why the accelerometer's times: it carries gravity, from which the angles come,
so its samples stay exactly as measured; the gyroscope's rate is smooth at the frequencies of
trunk movement (a few Hz), so linear interpolation between samples 10-20 ms apart changes it
little. A common grid would resample both streams and blur the accelerometer for no gain.
Accelerometer samples before or after the gyroscope's recording, or inside a gap of it, are
dropped rather than extrapolated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from sensors.errors import ImportFileError
from sensors.limits import ACCEL_LIMIT_G, GYRO_LIMIT_DPS

G_MPS2 = 9.80665  # standard gravity: m/s² per g (the value phyphox and Sensor Logger document)
DEG_PER_RAD = 180.0 / np.pi
Kind = Literal["accel", "gyro"]
# A tool's clock: "utc" = Unix epoch seconds; "local" = wall-clock seconds of an unknown time zone
# (as if it were UTC); "relative" = seconds from the recording's own start, no wall clock.
Clock = Literal["utc", "local", "relative"]
_GYRO_GAP_PERIODS = 5  # a gyroscope interval longer than this many median periods is a gap
_MIN_GYRO_GAP_S = 0.1
_NAMES_SHOWN = 3  # file names listed in a note before "..."


@dataclass(frozen=True)
class Stream:
    """One sensor stream in backmon's units: time_s on ``clock``; xyz (n, 3) in g (accel) or
    degrees/s (gyro), in the device's own right-handed x, y, z axes."""

    kind: Kind
    time_s: np.ndarray
    xyz: np.ndarray
    clock: Clock
    source: str


@dataclass(frozen=True)
class Recording:
    """One side's recording: accelerometer times, the gyroscope merged onto them."""

    time_s: np.ndarray
    accel_g: np.ndarray
    gyro_dps: np.ndarray
    clock: Clock
    device: str
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()


def clean(stream: Stream, notes: list[str]) -> Stream:
    """Rows with a missing or non-finite number dropped, sorted by time, repeated times dropped
    (the first kept); each fix is counted in ``notes``. Raises when fewer than 2 rows remain."""
    ok = np.isfinite(stream.time_s) & np.isfinite(stream.xyz).all(axis=1)
    if not ok.all():
        notes.append(f"{stream.source}: skipped {int((~ok).sum())} row(s) with a missing or "
                     "non-numeric value")
    limit = ACCEL_LIMIT_G if stream.kind == "accel" else GYRO_LIMIT_DPS
    impossible = ok & (np.abs(stream.xyz) > limit).any(axis=1)
    if impossible.any():
        notes.append(f"{stream.source}: skipped {int(impossible.sum())} row(s) with a value "
                     f"beyond any sensor's range (±{limit:g} {_UNITS[stream.kind]})")
        ok &= ~impossible
    time_s, xyz = stream.time_s[ok], stream.xyz[ok]
    if np.any(np.diff(time_s) < 0):
        notes.append(f"{stream.source}: rows out of time order; sorted")
        order = np.argsort(time_s, kind="stable")
        time_s, xyz = time_s[order], xyz[order]
    repeated = np.concatenate(([False], np.diff(time_s) == 0))
    if repeated.any():
        notes.append(f"{stream.source}: dropped {int(repeated.sum())} row(s) repeating a time")
        time_s, xyz = time_s[~repeated], xyz[~repeated]
    if time_s.size < 2:
        raise ImportFileError(stream.source, f"fewer than 2 usable {_NAMES[stream.kind]} rows")
    return Stream(stream.kind, time_s, xyz, stream.clock, stream.source)


def merge(accel: Stream, gyro: Stream, *, device: str, sources: tuple[str, ...],
          notes: list[str]) -> Recording:
    """The recording on ``accel``'s times, with ``gyro`` interpolated onto them (see module)."""
    if accel.clock != gyro.clock:
        raise ImportFileError(gyro.source, f"its times ({_CLOCKS[gyro.clock]}) cannot be matched "
                              f"with the accelerometer's in {accel.source} ({_CLOCKS[accel.clock]})")
    accel, gyro = clean(accel, notes), clean(gyro, notes)
    if accel.time_s[-1] < gyro.time_s[0] or gyro.time_s[-1] < accel.time_s[0]:
        raise ImportFileError(gyro.source, f"does not overlap in time with {accel.source}; are "
                              "they from the same recording?")
    inside = _inside_gyro(accel.time_s, gyro.time_s)
    if not inside.all():
        notes.append(f"{accel.source}: dropped {int((~inside).sum())} accelerometer sample(s) "
                     "outside the gyroscope's recording or inside a gap of it")
    if inside.sum() < 2:
        raise ImportFileError(accel.source, "fewer than 2 accelerometer samples overlap the "
                              "gyroscope's")
    time_s = accel.time_s[inside]
    gyro_dps = np.column_stack([np.interp(time_s, gyro.time_s, gyro.xyz[:, i]) for i in range(3)])
    return Recording(time_s, accel.xyz[inside], gyro_dps, accel.clock, device, sources,
                     tuple(notes))


def single(stream_accel: Stream, gyro_dps: np.ndarray, *, device: str,
           sources: tuple[str, ...], notes: list[str]) -> Recording:
    """A recording from one table holding both sensors on the same rows (no merging)."""
    both = Stream("accel", stream_accel.time_s, np.hstack([stream_accel.xyz, gyro_dps]),
                  stream_accel.clock, stream_accel.source)
    both = clean(both, notes)
    return Recording(both.time_s, both.xyz[:, :3], both.xyz[:, 3:], both.clock, device, sources,
                     tuple(notes))


def _inside_gyro(time_s: np.ndarray, gyro_time_s: np.ndarray) -> np.ndarray:
    """Accelerometer times within the gyroscope's span and not inside one of its gaps."""
    steps = np.diff(gyro_time_s)
    gap_s = max(_MIN_GYRO_GAP_S, _GYRO_GAP_PERIODS * float(np.median(steps)))
    after = np.searchsorted(gyro_time_s, time_s, side="left")  # first gyro sample >= t
    inside = (time_s >= gyro_time_s[0]) & (time_s <= gyro_time_s[-1])
    index = np.clip(after, 1, gyro_time_s.size - 1)
    around = gyro_time_s[index] - gyro_time_s[index - 1]
    exact = gyro_time_s[np.clip(after, 0, gyro_time_s.size - 1)] == time_s
    return inside & ((around <= gap_s) | exact)


def set_aside_note(names: list[str], why: str) -> list[str]:
    """One note for the files an importer does not use, however many there are: the file's name
    for one, else the count and the first few names (a zip of 10,000 files gives one line)."""
    if len(names) <= 1:
        return [f"{name}: {why}; set aside" for name in names]
    shown = ", ".join(names[:_NAMES_SHOWN]) + (", ..." if len(names) > _NAMES_SHOWN else "")
    return [f"{len(names):,} files set aside ({why}): {shown}"]


def find_one(streams: list[Stream], kind: Kind, *, side: str, hint: str) -> Stream:
    """The single stream of ``kind``; raises naming the files when there are none or several."""
    found = [s for s in streams if s.kind == kind]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ImportFileError(side, f"no {_NAMES[kind]} file among the {side} files; {hint}")
    raise ImportFileError(side, f"{len(found)} {_NAMES[kind]} files for one side "
                          f"({', '.join(s.source for s in found)}); give one recording per side")


_NAMES = {"accel": "accelerometer", "gyro": "gyroscope"}
_UNITS = {"accel": "g", "gyro": "°/s"}
_CLOCKS = {"utc": "wall-clock time", "local": "local wall-clock time",
           "relative": "time from the start of its own recording"}

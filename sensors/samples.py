"""Plain data types shared by every way samples come in (files, simulator, Bluetooth)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Side(StrEnum):
    """Where a sensor is worn; an alert about the trunk as a whole is on ``BOTH`` sides."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


SIDES: tuple[Side, Side] = (Side.LEFT, Side.RIGHT)  # the sensors, in the order they are listed everywhere


class TimeBase(StrEnum):
    """What a session's ``time_s`` counts: seconds from its start, or Unix epoch seconds. The
    readers decide it (above ``EPOCH_THRESHOLD_S`` is epoch); every Session carries it."""

    RELATIVE = "relative"
    EPOCH = "epoch"


# A time_s above this is taken as Unix epoch seconds (1e9 s is September 2001; no session is
# 31 years long). DESIGN.md: metadata times below it count from the first sample.
EPOCH_THRESHOLD_S = 1e9


@dataclass(frozen=True)
class ImuSample:
    """One six-axis sample as a device profile decodes it from notification bytes.

    Specific force in g (gravity included) and angular rate in degrees/s, in the sensor's own
    axes. device_time_s is the sensor's clock where the device sends one (None otherwise);
    seq is the device's packet counter where it sends one (samples of one packet share it).
    """

    ax_g: float
    ay_g: float
    az_g: float
    gx_dps: float
    gy_dps: float
    gz_dps: float
    device_time_s: float | None = None
    seq: int | None = None


@dataclass(frozen=True)
class SideSamples:
    """One sensor's stream, sorted by time, on the file's time axis.

    time_s: (n,) float64 seconds; accel_g: (n, 3) specific force in g, gravity included;
    gyro_dps: (n, 3) angular rate in degrees/s; optional device_time_s and seq (n,) each.
    """

    side: Side
    time_s: np.ndarray
    accel_g: np.ndarray
    gyro_dps: np.ndarray
    device_time_s: np.ndarray | None = None
    seq: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.time_s.shape[0])


@dataclass(frozen=True)
class Mark:
    """A user's tag of a moment (``# mark: <time_s> <text>``), on the file's time axis."""

    time_s: float
    text: str


@dataclass(frozen=True)
class CalibrationLine:
    """A calibration the live monitor adopted (``# calibration: <time_s> <side> <r11 ... r33>``,
    optionally ``forward_unknown``): the rotation into the side's body frame, rows first, that
    holds from ``time_s`` (the file's time axis) until the side's next line."""

    time_s: float
    side: Side
    rotation: tuple[float, ...]  # 9 numbers, r11 r12 r13 r21 ... r33
    forward_known: bool = True


@dataclass(frozen=True)
class Session:
    """A whole recorded session as read from a file (or made by the simulator).

    metadata keeps every ``# key: value`` line (last value wins; ``mark`` lines go to marks and
    ``calibration`` lines to calibrations).
    calibration_window_s is the ``calibration_s`` metadata on the file's time axis, if any.
    skipped_rows counts rows dropped as broken; warnings says what was skipped or fixed.
    """

    source: str
    left: SideSamples | None
    right: SideSamples | None
    time_base: TimeBase = TimeBase.RELATIVE
    metadata: dict[str, str] = field(default_factory=dict)
    marks: tuple[Mark, ...] = ()
    calibration_window_s: tuple[float, float] | None = None
    skipped_rows: int = 0
    warnings: tuple[str, ...] = ()
    calibrations: tuple[CalibrationLine, ...] = ()

    def side(self, side: Side) -> SideSamples | None:
        return self.left if side == Side.LEFT else self.right

    @property
    def start_s(self) -> float:
        """First sample time over both sides."""
        return min(float(s.time_s[0]) for s in (self.left, self.right) if s is not None and len(s))

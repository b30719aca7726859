"""Every tunable number of the analysis, with the source of its default.

Settings are frozen dataclasses with units in their names; ``load_settings`` overlays a TOML
file (``--config``) on the defaults and refuses unknown keys so a typo cannot pass silently.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sensors.errors import BackmonError


@dataclass(frozen=True)
class AlignSettings:
    # Interpolate across at most a few missing samples; anything longer is a gap (issue brief).
    max_interpolated_samples: int = 3
    # Analysis frames: everything after orientation runs at 10 Hz (the timeline's rate, DESIGN.md).
    frame_rate_hz: float = 10.0


@dataclass(frozen=True)
class FusionSettings:
    # x-io Fusion defaults (REFERENCES.md): gain 0.5, recovery trigger 5 s. Its rejection is 10 deg
    # on the accelerometer's direction; backmon corrects with the raw specific force (unbiased over
    # walking, see orientation.py), where a 10 deg cut skews the mean by several degrees in
    # simulated walking, so only larger transients (20 deg) are rejected.
    gain: float = 0.5
    accel_rejection_deg: float = 20.0
    recovery_trigger_s: float = 5.0
    # Fusion's start-up: a high gain that ramps down, so the first seconds converge quickly.
    initial_gain: float = 10.0
    initialisation_s: float = 3.0
    # Gyroscope bias: still below ~3 deg/s (x-io Fusion "offset" algorithm), learnt over ~5 s.
    still_gyro_dps: float = 3.0
    still_time_s: float = 1.0
    bias_time_constant_s: float = 5.0
    # Slow integral correction of the bias from the gravity error (Mahony-type), 1/s.
    bias_integral_gain: float = 0.02
    # Light low-pass of the accelerometer before fusion; capped at a fraction of the rate.
    accel_cutoff_hz: float = 15.0
    # Cut-offs never above this fraction of the sample rate (REFERENCES.md: Nyquist at low rates).
    max_cutoff_fraction: float = 0.4


@dataclass(frozen=True)
class CalibrationSettings:
    # Neutral: the first still stretch of at least this long; still = gyro below 3 deg/s.
    neutral_min_s: float = 2.0
    still_gyro_dps: float = 3.0
    # A usable forward bend moves gravity at least this far from neutral.
    bend_min_deg: float = 20.0
    # The calibration bend: the way down within this long, and the way back within this long.
    bend_max_s: float = 15.0
    # Automatic search looks this far into the session for neutral + bend.
    auto_search_s: float = 600.0
    # Automatic: a neutral counts when "up" is within this of the sensor's usual "up" while
    # still (sitting or lying stretches are passed over) ...
    auto_upright_max_deg: float = 45.0
    # ... and the protocol's bend follows it within this long ...
    auto_bend_within_s: float = 30.0
    # ... in a direction within this of the nominal forward bend.
    auto_bend_max_off_nominal_deg: float = 60.0


@dataclass(frozen=True)
class ActivitySettings:
    # Acti4/ActiPASS: moving when the SD of 5 Hz low-passed acceleration over 2 s exceeds 0.1 g.
    lowpass_hz: float = 5.0
    window_s: float = 2.0
    moving_sd_g: float = 0.1
    # Trunk rotation fast enough to count as movement even when the accelerometer is quiet
    # (slow work bends); well above the ~3 deg/s still limit of x-io Fusion.
    moving_gyro_dps: float = 10.0
    # Bends: start above 45 deg, end below 30 deg (Acti4 / ActiMotus).
    bend_start_deg: float = 45.0
    bend_end_deg: float = 30.0
    # A break: this long without movement (HSE / Cornell: 5-10 min per hour of work).
    break_min_s: float = 300.0
    # Twisting events: turning about the spine faster than this, and far enough.
    twist_rate_dps: float = 20.0
    twist_min_deg: float = 20.0


@dataclass(frozen=True)
class AlertSettings:
    # ISO 11226: 20-60 deg acceptable only up to a holding time; 3 deg hysteresis (DESIGN.md).
    flexion_low_deg: float = 20.0
    flexion_high_deg: float = 60.0
    hysteresis_deg: float = 3.0
    # Public linearisation of ISO 11226's curve (ErgoCapture staticPosture.ts):
    # limit_s = 240 - 4.5 * (angle - 20).
    holding_time_at_low_s: float = 240.0
    holding_time_slope_s_per_deg: float = 4.5
    # EN 1005-4: a posture held 4 s or more is static.
    severe_hold_s: float = 4.0
    # ISO 11226 / EN 1005-4: lateral bend beyond 10 deg held is not recommended.
    lateral_deg: float = 10.0
    lateral_hold_s: float = 60.0
    # No validated threshold exists for two paraspinal sensors (REFERENCES.md); DESIGN.md default.
    asymmetry_deg: float = 5.0
    asymmetry_hysteresis_deg: float = 1.0
    asymmetry_hold_s: float = 120.0
    # HSE: a 5-10 min break after 50-60 min of continuous work.
    no_rest_s: float = 3600.0
    # Cornell (Hedge): change posture every 20-30 min.
    static_s: float = 1800.0
    static_band_deg: float = 5.0
    # No nagging: the same kind waits for its condition to end plus this (DESIGN.md).
    cooldown_s: float = 300.0
    # A condition lasting this many times its limit is critical (DESIGN.md).
    critical_factor: float = 2.0
    # The same kind this many times in one session is a recurring finding: professional guidance.
    recurring_count: int = 3


@dataclass(frozen=True)
class ClockSettings:
    """Offset and drift between the two sensors' clocks, found from shared turning."""

    window_s: float = 300.0
    # The first window searches this far either way; later ones follow the fitted line.
    coarse_search_s: float = 30.0
    fine_search_s: float = 1.0
    # A window counts when the normalised cross-correlation peak reaches this.
    min_correlation: float = 0.5
    # Correct only when the clocks disagree by more than this somewhere in the session: frames
    # are 0.1 s, and a few tens of ms is below what any rule can see.
    min_error_s: float = 0.02


@dataclass(frozen=True)
class Settings:
    align: AlignSettings = field(default_factory=AlignSettings)
    fusion: FusionSettings = field(default_factory=FusionSettings)
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    activity: ActivitySettings = field(default_factory=ActivitySettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    clock: ClockSettings = field(default_factory=ClockSettings)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def load_settings(path: str | Path | None) -> Settings:
    """Defaults, overlaid with the TOML file at ``path`` (sections named like the fields)."""
    if path is None:
        return Settings()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise BackmonError(f"{path}: config file not found") from None
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise BackmonError(f"{path}: not a readable TOML file ({err})") from None
    return settings_from_dict(data, source=str(path))


def settings_from_dict(data: dict, *, source: str = "config") -> Settings:
    """Apply ``{"section": {"key": value}}`` to the defaults; unknown names are errors."""
    defaults = Settings()
    sections = {}
    for name, value in data.items():
        if name not in {f.name for f in dataclasses.fields(Settings)}:
            raise BackmonError(f"{source}: unknown section [{name}]")
        if not isinstance(value, dict):
            raise BackmonError(f"{source}: [{name}] must be a table of settings")
        sections[name] = _overlay(getattr(defaults, name), value, f"{source}: [{name}]")
    return dataclasses.replace(defaults, **sections)


def _overlay(section, values: dict, where: str):
    known = {f.name: f for f in dataclasses.fields(section)}
    changes = {}
    for key, value in values.items():
        if key not in known:
            raise BackmonError(f"{where} unknown setting '{key}' (known: {', '.join(known)})")
        default = getattr(section, key)
        if isinstance(default, bool) or not isinstance(value, (int, float)) or isinstance(value, bool):
            raise BackmonError(f"{where} '{key}' must be a number, got {value!r}")
        if value < 0:
            raise BackmonError(f"{where} '{key}' must not be negative, got {value}")
        changes[key] = type(default)(value)
    return dataclasses.replace(section, **changes)

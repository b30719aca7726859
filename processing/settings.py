"""Every tunable number of the analysis, with the source of its default and its allowed range.

Settings are frozen dataclasses with units in their names; ``load_settings`` overlays a TOML
file (``--config``) on the defaults and refuses unknown keys so a typo cannot pass silently.
Each field is declared with ``within(default, ...)``: the range a value must lie in (finite,
positive where zero would divide or stall, with maxima that keep memory and time bounded);
rules between fields are each section's ``rules()``. A value outside is one error naming
``section.key``, the value and the range (processing/settings_check.py).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from processing.settings_check import Checked, SettingsError, within
from sensors.errors import BackmonError, FileProblem, open_file
from sensors.limits import MAX_SPAN_S

DAY_S = 86_400.0  # the longest hold, cooldown or time constant that can mean anything in a shift


@dataclass(frozen=True)
class AlignSettings(Checked, section="align"):
    # Interpolate across at most a few missing samples; anything longer is a gap (issue brief).
    max_interpolated_samples: int = within(3, ge=0, le=100)
    # Analysis frames: everything after orientation runs at 10 Hz (the timeline's rate, DESIGN.md);
    # frames faster than the slowest sensor (9 Hz measured) would only repeat samples.
    frame_rate_hz: float = within(10.0, ge=0.5, le=10.0)


@dataclass(frozen=True)
class FusionSettings(Checked, section="fusion"):
    # VQF's published defaults (Laidig and Seel, Information Fusion 91, 2023; REFERENCES.md), the
    # state of the art on optical truth (benchmarks/bench_fusion_real.py). The accelerometer's
    # low-pass in the gyroscope-integrated frame: time constant 3 s.
    accel_time_constant_s: float = within(3.0, ge=0.05, le=3600)
    # Rest: gyroscope within 2 deg/s and accelerometer within 0.5 m/s^2 (0.051 g) of their 0.5 s
    # low-pass, for 1.5 s.
    rest_gyro_dps: float = within(2.0, gt=0, le=100)
    rest_accel_g: float = within(0.051, gt=0, le=16)
    rest_min_s: float = within(1.5, gt=0, le=600)
    rest_filter_s: float = within(0.5, ge=0.05, le=600)
    # Gyroscope bias: at most 2 deg/s expected (estimate and corrections are limited to it, and a
    # steady turn faster than it is never rest); 0.5 deg/s uncertain at start, wandering by
    # 0.1 deg/s per 100 s; settled to 0.03 deg/s at rest and 0.1 deg/s in motion; the direction of
    # gravity (unobservable in motion) drawn to zero at 1e-4 of the weight of a motion measurement.
    bias_clip_dps: float = within(2.0, gt=0, le=100)
    bias_sigma_init_dps: float = within(0.5, gt=0, le=100)
    bias_forgetting_s: float = within(100.0, gt=0, le=DAY_S)
    bias_sigma_rest_dps: float = within(0.03, gt=0, le=100)
    bias_sigma_motion_dps: float = within(0.1, gt=0, le=100)
    bias_vertical_weight: float = within(1e-4, gt=0, le=1)
    # Light low-pass of the accelerometer before fusion (pipeline step 2), capped at a fraction of
    # the rate. Its delay turns into tilt error while turning: measured on BROAD (mean of four
    # trials), 15 Hz (15 ms) 0.56 deg, 25 Hz 0.49, 40 Hz (2-5 ms) 0.47, none 0.48.
    accel_cutoff_hz: float = within(40.0, gt=0, le=1000)
    # Cut-offs never above this fraction of the sample rate (REFERENCES.md: Nyquist at low rates).
    # (The fusion's time constants are low-passes too, capped the same way.)
    max_cutoff_fraction: float = within(0.4, gt=0, lt=0.5)


@dataclass(frozen=True)
class CalibrationSettings(Checked, section="calibration"):
    # Neutral: the first still stretch of at least this long; still = gyro below 3 deg/s.
    neutral_min_s: float = within(2.0, ge=0.5, le=600)
    still_gyro_dps: float = within(3.0, gt=0, le=100)
    # A usable forward bend moves gravity at least this far from neutral.
    bend_min_deg: float = within(20.0, gt=0, le=90)
    # The calibration bend: the way down within this long, and the way back within this long.
    bend_max_s: float = within(15.0, ge=1, le=600)
    # A calibration window's still stretch counts as upright within this of the wearer's usual
    # upright posture (a seated, lying or bent stretch is refused, DESIGN.md).
    auto_upright_max_deg: float = within(45.0, gt=0, le=180)
    # Without a routine (processing/auto_calibration.py). Walking: moving with the trunk's
    # direction within 5 deg of its mean over +-1 s (steps sway the trunk 1.5-3 deg, bends far
    # more); ActiPASS takes the trunk's reference from walking (REFERENCES.md); 5 s of it will do (mobgap's
    # shortest straight walks last 8 s), and confidence grows with more.
    walk_steady_deg: float = within(5.0, gt=0, le=45)
    walk_min_s: float = within(5.0, gt=0, le=MAX_SPAN_S)
    # Still stretches within this of the walking posture and at most walk_lean_max_deg forward of
    # it are standing upright (people walk 2-7 deg more bent than they stand; sitting and standing
    # bent lie further forward; one wearer of mobgap's walks 20-30 deg more bent than he stands);
    # 10 s of them give "up", more precisely than walking does.
    upright_still_max_deg: float = within(30.0, gt=0, le=90)
    walk_lean_max_deg: float = within(5.0, ge=0, le=90)
    standing_min_s: float = within(10.0, gt=0, le=MAX_SPAN_S)
    # A usual posture is the densest direction within this radius (a standing trunk's sway and
    # walking's spread stay within it).
    mode_radius_deg: float = within(10.0, gt=0, le=90)
    # This much walking or standing upright makes "up" certain.
    up_evidence_s: float = within(60.0, gt=0, le=MAX_SPAN_S)
    # Tilt excursions: beyond 10 deg from "up", reaching bend_min_deg, short of upside down ...
    excursion_start_deg: float = within(10.0, gt=0, le=90)
    excursion_max_deg: float = within(120.0, gt=0, le=180)
    # ... each weighs its depth up to 60 deg (deep flexion, ISO 11226), counted once ...
    excursion_weight_cap_deg: float = within(60.0, gt=0, le=180)
    # ... the forward ones lie within 30 deg of the densest direction ...
    forward_cluster_deg: float = within(30.0, gt=0, le=90)
    # ... one 60 deg bend (or two of 30 deg) with nothing against it makes forward certain ...
    forward_evidence: float = within(1.0, gt=0, le=1000)
    # ... and below half sure it stays unknown: one clear 30 deg bend is just enough.
    forward_min_confidence: float = within(0.5, ge=0, le=1)
    # Live: the monitor says it is sure once every side is this sure of "up" and forward.
    sure_confidence: float = within(0.8, ge=0, le=1)
    # Live without a routine: the frames so far are calibrated every 10 s; monitoring starts once
    # "up" is a quarter sure (15 s of walking or standing upright); a later calibration is adopted
    # when it knows the forward direction anew or turns a body frame by 2 deg (about the spread of
    # "up" while standing still), not for every small change.
    live_refine_every_s: float = within(10.0, gt=0, le=DAY_S)
    live_start_confidence: float = within(0.25, ge=0, le=1)
    live_refine_min_deg: float = within(2.0, ge=0, le=180)


@dataclass(frozen=True)
class NeutralSettings(Checked, section="neutral"):
    # The neutral re-checked through the day (processing/neutral.py). A slip turns the relation
    # between the two sensors by at least this (5 deg is the lr_asymmetry threshold; 6 stays
    # clear of the 1-2 deg the relation wanders by in movement; 180 turns the check off) ...
    slip_min_deg: float = within(6.0, gt=0, le=180)
    # ... one rotation explains the last 20 s to within 3 deg RMS (two sensors on one back agree
    # to about 1 deg in movement) ...
    window_s: float = within(20.0, ge=1, le=3600)
    max_residual_deg: float = within(3.0, gt=0, le=90)
    # ... while the wearer moved for 30 % of them or changed posture (their directions spread by
    # 8 deg, e.g. a 40 deg bend in 20 s): a one-sided posture held still looks like a slip, and
    # is not one ...
    min_moving_share: float = within(0.3, ge=0, le=1)
    min_spread_deg: float = within(8.0, ge=0, le=180)
    # ... checked every 20 frames (2 s), found again for 10 s more. A slip is then found within
    # about 30 s of movement: before lr_asymmetry's 120 s could turn it into an alert.
    every_frames: int = within(20, ge=1, le=10_000)
    confirm_s: float = within(10.0, ge=0, le=3600)
    # Frames spread over more than 10 minutes (gaps) are too far apart to compare; when a slip is
    # found, the moment it happened is sought in the 10 minutes before.
    max_window_span_s: float = within(600.0, gt=0, le=DAY_S)
    onset_search_s: float = within(600.0, gt=0, le=DAY_S)
    # The identity's weight in the fit (a fraction of the frames): a turn about the vertical,
    # which upright postures cannot show, stays out of the correction until bends show it.
    prior_weight: float = within(0.01, ge=0, le=10)


@dataclass(frozen=True)
class ActivitySettings(Checked, section="activity"):
    # Acti4/ActiPASS: moving when the SD of 5 Hz low-passed acceleration over 2 s exceeds 0.1 g.
    # (A window is held in memory per side: at most 10 minutes.)
    lowpass_hz: float = within(5.0, gt=0, le=1000)
    window_s: float = within(2.0, gt=0, le=600)
    moving_sd_g: float = within(0.1, gt=0, le=16)
    # Trunk rotation fast enough to count as movement even when the accelerometer is quiet
    # (slow work bends); well above the ~3 deg/s still limit of x-io Fusion.
    moving_gyro_dps: float = within(10.0, gt=0, le=2000)
    # Bends: start above 45 deg, end below 30 deg (Acti4 / ActiMotus).
    bend_start_deg: float = within(45.0, gt=0, le=180)
    bend_end_deg: float = within(30.0, ge=0, le=180)
    # A break: this long without movement (HSE / Cornell: 5-10 min per hour of work).
    break_min_s: float = within(300.0, gt=0, le=DAY_S)
    # Twisting events: turning about the spine faster than this, and far enough.
    twist_rate_dps: float = within(20.0, gt=0, le=2000)
    twist_min_deg: float = within(20.0, gt=0, le=360)

    def rules(self):
        yield (self.bend_end_deg < self.bend_start_deg,
               f"bend_end_deg ({self.bend_end_deg:g}) must be below bend_start_deg ({self.bend_start_deg:g})")


@dataclass(frozen=True)
class AlertSettings(Checked, section="alerts"):
    # ISO 11226: 20-60 deg acceptable only up to a holding time; 3 deg hysteresis (DESIGN.md).
    flexion_low_deg: float = within(20.0, gt=0, le=180)
    flexion_high_deg: float = within(60.0, gt=0, le=180)
    hysteresis_deg: float = within(3.0, ge=0, le=45)
    # Public linearisation of ISO 11226's curve (ErgoCapture staticPosture.ts):
    # limit_s = 240 - 4.5 * (angle - 20).
    holding_time_at_low_s: float = within(240.0, gt=0, le=DAY_S)
    holding_time_slope_s_per_deg: float = within(4.5, ge=0, le=3600)
    # EN 1005-4: a posture held 4 s or more is static.
    severe_hold_s: float = within(4.0, ge=0, le=DAY_S)
    # ISO 11226 / EN 1005-4: lateral bend beyond 10 deg held is not recommended.
    lateral_deg: float = within(10.0, gt=0, le=90)
    # The upright band (DESIGN.md): flexion from upright_back_deg behind upright to flexion_low_deg,
    # lean within lateral_deg. Only stillness inside it is a break (rest.unloaded): standing still
    # bent is static load. 20 deg back is where REBA's mild extension ends.
    upright_back_deg: float = within(20.0, gt=0, le=90)
    # The extension zone starts this far behind upright: an upright wearer's sway and calibration
    # error stay within a few degrees, and REBA scores up to 20 deg of extension as mild (DESIGN.md,
    # REFERENCES.md), so noise around 0 is not "bent backward".
    extension_deg: float = within(10.0, gt=0, le=90)
    lateral_hold_s: float = within(60.0, ge=0, le=DAY_S)
    # No validated threshold exists for two paraspinal sensors (REFERENCES.md); DESIGN.md default.
    asymmetry_deg: float = within(5.0, gt=0, le=90)
    asymmetry_hysteresis_deg: float = within(1.0, ge=0, le=45)
    asymmetry_hold_s: float = within(120.0, ge=0, le=DAY_S)
    # HSE: a 5-10 min break after 50-60 min of continuous work.
    no_rest_s: float = within(3600.0, gt=0, le=MAX_SPAN_S)
    # Cornell (Hedge): change posture every 20-30 min.
    static_s: float = within(1800.0, gt=0, le=MAX_SPAN_S)
    static_band_deg: float = within(5.0, gt=0, le=90)
    # No nagging: the same kind waits for its condition to end plus this (DESIGN.md).
    cooldown_s: float = within(300.0, ge=0, le=DAY_S)
    # Positive feedback (issue 14): a posture alert whose condition ends within this of being
    # raised counts as corrected ("back to neutral"). Wearables users miss feedback when they
    # correct themselves (REFERENCES.md, "What users of posture wearables ask for"); 30 s is the
    # issue's default, short enough that the correction follows the alert.
    corrected_within_s: float = within(30.0, gt=0, le=DAY_S)
    # A condition lasting this many times its limit is critical (DESIGN.md).
    critical_factor: float = within(2.0, ge=1, le=100)
    # The same kind this many times in one session is a recurring finding: professional guidance.
    recurring_count: int = within(3, ge=1, le=1000)

    def rules(self):
        yield (self.flexion_low_deg < self.flexion_high_deg,
               f"flexion_low_deg ({self.flexion_low_deg:g}) must be below flexion_high_deg ({self.flexion_high_deg:g})")
        yield (self.hysteresis_deg < self.flexion_low_deg,
               f"hysteresis_deg ({self.hysteresis_deg:g}) must be below flexion_low_deg ({self.flexion_low_deg:g})")
        yield (self.asymmetry_hysteresis_deg < self.asymmetry_deg,
               f"asymmetry_hysteresis_deg ({self.asymmetry_hysteresis_deg:g}) must be below asymmetry_deg "
               f"({self.asymmetry_deg:g})")


@dataclass(frozen=True)
class ExposureSettings(Checked, section="exposure"):
    """The exposure figures ergonomists use (processing/exposure.py)."""

    # REBA's trunk score 1 is "upright" (Hignett and McAtamney 2000), a single angle; measured
    # angles sway by a few degrees and trunk IMUs read 4-7 deg RMS off optical truth in the field
    # (Schall 2016, REFERENCES.md), so within 5 deg of the calibrated upright counts as upright
    # (this project's choice).
    reba_upright_deg: float = within(5.0, ge=0, lt=20)


@dataclass(frozen=True)
class ClockSettings(Checked, section="clock"):
    """Offset and drift between the two sensors' clocks, found from shared turning."""

    # A window needs 30 s of data on both sides (clock_sync.MIN_SHARED_S) and is held in memory.
    window_s: float = within(300.0, ge=30, le=3600)
    # The first window searches this far either way; later ones follow the fitted line.
    coarse_search_s: float = within(30.0, gt=0, le=600)
    fine_search_s: float = within(1.0, gt=0, le=60)
    # A window counts when the normalised cross-correlation peak reaches this.
    min_correlation: float = within(0.5, gt=0, le=1)
    # Correct only when the clocks disagree by more than this somewhere in the session: frames
    # are 0.1 s, and a few tens of ms is below what any rule can see.
    min_error_s: float = within(0.02, ge=0, le=60)

    def rules(self):
        yield (self.fine_search_s <= self.coarse_search_s,
               f"fine_search_s ({self.fine_search_s:g}) must not exceed coarse_search_s ({self.coarse_search_s:g})")


@dataclass(frozen=True)
class Settings:
    align: AlignSettings = field(default_factory=AlignSettings)
    fusion: FusionSettings = field(default_factory=FusionSettings)
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    neutral: NeutralSettings = field(default_factory=NeutralSettings)
    activity: ActivitySettings = field(default_factory=ActivitySettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    clock: ClockSettings = field(default_factory=ClockSettings)
    exposure: ExposureSettings = field(default_factory=ExposureSettings)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def load_settings(path: str | Path | None, *, base: Settings | None = None) -> Settings:
    """``base`` (the defaults, or a sensitivity preset), overlaid with the TOML file at ``path``
    (sections named like the fields)."""
    if path is None:
        return base or Settings()
    try:
        # open_file: a pipe or a device given as the config is refused, not waited on (issue 11)
        with open_file(path, error=FileProblem, directory_problem="is a folder, not a TOML config file") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise BackmonError(f"{path}: config file not found") from None
    except UnicodeDecodeError:
        raise BackmonError(f"{path}: not a TOML file (not UTF-8 text)") from None
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise BackmonError(f"{path}: not a readable TOML file ({err})") from None
    return settings_from_dict(data, source=str(path), base=base)


def settings_from_dict(data: dict, *, source: str = "config", base: Settings | None = None) -> Settings:
    """Apply ``{"section": {"key": value}}`` to ``base`` (the defaults); unknown names are errors."""
    defaults = base or Settings()
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
    for key in values:
        if key not in known:
            raise BackmonError(f"{where} unknown setting '{key}' (known: {', '.join(known)})")
    # Types, ranges and the rules between fields are checked as the section is built.
    try:
        return dataclasses.replace(section, **values)
    except SettingsError as err:
        raise SettingsError(f"{where.split(': [')[0]}: {err}") from None

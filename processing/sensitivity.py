"""Sensitivity presets: gentle, standard (the defaults) and strict alert settings (issue 14).

Users of posture wearables first complain of nagging and false alerts, and the devices people
keep let them set the delay and sensitivity (REFERENCES.md, "What users of posture wearables
ask for": UpRight). A preset replaces a few ``[alerts]`` settings; a ``--config`` file still
overrides any of them. The table (README, "Sensitivity presets"):

| setting | gentle | standard | strict |
|---|---|---|---|
| holding_time_at_low_s / _slope_s_per_deg | 240 / 4.5 | 240 / 4.5 | 60 / 0 |
| severe_hold_s | 4 | 4 | 4 |
| lateral_hold_s | 120 | 60 | 30 |
| asymmetry_deg / asymmetry_hold_s | 8 / 300 | 5 / 120 | 5 / 60 |
| no_rest_s | 3600 | 3600 | 3000 |
| static_s | 1800 | 1800 | 1200 |
| cooldown_s | 900 | 300 | 120 |

Why: ISO 11226's maximum holding times for 20-60 deg are never relaxed (gentle keeps them);
strict calls any hold over 1 min static, as RULA and REBA do (McAtamney & Corlett 1993,
Hignett & McAtamney 2000). EN 1005-4's 4 s rule for a deep bend is kept by all: it is the
worst exposure. A lean beyond 10 deg held is not recommended (ISO 11226 / EN 1005-4): gentle
waits 2 min, strict 30 s. No validated threshold exists for two paraspinal sensors
(REFERENCES.md), so gentle asks for a larger difference held longer. HSE: a break after 50-60
min of work (strict: 50); Cornell: change posture every 20-30 min (strict: 20). The cooldown
(the same kind waits its condition's end plus this) is the nagging knob: 15, 5 or 2 min.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from processing.settings import Settings


class Sensitivity(StrEnum):
    GENTLE = "gentle"
    STANDARD = "standard"
    STRICT = "strict"


PRESETS: dict[Sensitivity, dict[str, float]] = {
    Sensitivity.GENTLE: {"lateral_hold_s": 120.0, "asymmetry_deg": 8.0, "asymmetry_hold_s": 300.0,
                         "cooldown_s": 900.0},
    Sensitivity.STANDARD: {},
    Sensitivity.STRICT: {"holding_time_at_low_s": 60.0, "holding_time_slope_s_per_deg": 0.0,
                         "lateral_hold_s": 30.0, "asymmetry_hold_s": 60.0, "no_rest_s": 3000.0,
                         "static_s": 1200.0, "cooldown_s": 120.0},
}


def preset_table() -> dict[str, dict[str, float]]:
    """{"alerts.<key>": {preset: value}} for every setting a preset changes (README, --help)."""
    keys = sorted({key for values in PRESETS.values() for key in values})
    defaults = Settings().alerts
    return {f"alerts.{key}": {str(p): PRESETS[p].get(key, getattr(defaults, key)) for p in Sensitivity}
            for key in keys}


def with_sensitivity(settings: Settings, preset: Sensitivity | str) -> Settings:
    """``settings`` with the preset's alert values (standard: unchanged)."""
    values = PRESETS[Sensitivity(preset)]
    return dataclasses.replace(settings, alerts=dataclasses.replace(settings.alerts, **values)) if values else settings

"""Sensitivity presets (issue 14) on scripted postures with known holding times."""

from __future__ import annotations

import pytest

from processing import Settings, analyze_session
from processing.sensitivity import Sensitivity, preset_table, with_sensitivity
from processing.settings import settings_from_dict
from sensors.scenarios import lateral_lean, sustained_flexion
from sensors.simulator import simulate


def _kinds(scenario, preset):
    return [a.kind for a in analyze_session(simulate(scenario).to_session(),
                                            settings=with_sensitivity(Settings(), preset)).alerts]


def test_standard_is_the_defaults_and_config_overrides_a_preset():
    assert with_sensitivity(Settings(), "standard") == Settings()
    gentle = with_sensitivity(Settings(), Sensitivity.GENTLE)
    assert (gentle.alerts.cooldown_s, gentle.alerts.lateral_hold_s) == (900.0, 120.0)
    assert gentle.alerts.holding_time_at_low_s == 240.0  # ISO 11226's limits are never relaxed
    mine = settings_from_dict({"alerts": {"cooldown_s": 60.0}}, base=gentle)
    assert (mine.alerts.cooldown_s, mine.alerts.lateral_hold_s) == (60.0, 120.0)
    assert preset_table()["alerts.lateral_hold_s"] == {"gentle": 120.0, "standard": 60.0, "strict": 30.0}


@pytest.mark.parametrize("preset, expected", [("standard", []), ("strict", ["sustained_flexion"])])
def test_a_100_s_hold_at_35_deg_is_within_iso_11226_but_strict_calls_it_static(preset, expected):
    # ISO 11226 linearised: 240 - 4.5 * (35 - 20) = 172.5 s acceptable; strict: 60 s.
    assert _kinds(sustained_flexion(35.0, 100.0, seed=2), preset) == expected


@pytest.mark.parametrize("preset, expected", [("standard", ["sustained_lateral_bend"]), ("gentle", [])])
def test_a_90_s_lean_is_an_alert_by_default_and_not_when_gentle(preset, expected):
    assert _kinds(lateral_lean(15.0, 90.0, seed=2), preset) == expected

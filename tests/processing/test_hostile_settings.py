"""Settings validated as a whole (issue 11): every field has an allowed range, checked where the
dataclass is defined; a bad value is exit 2 with ``section.key``, the value and the range; no
TOML value, however odd, ends in a traceback, and values at the edges of the ranges analyse."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backmon.cli import main
from processing import analyze_session
from processing.settings import Settings, settings_from_dict
from processing.settings_check import SettingsError
from sensors import scenarios
from sensors.errors import BackmonError
from sensors.simulator import simulate
from tests.support.paths import EXAMPLE

SECTIONS = {f.name: f.default_factory() for f in dataclasses.fields(Settings)}
FIELDS = [(name, f) for name, section in SECTIONS.items() for f in dataclasses.fields(section)]


def _run_with_config(tmp_path, capsys, text: str | bytes) -> tuple[int, list[str]]:
    config = tmp_path / "settings.toml"
    config.write_bytes(text if isinstance(text, bytes) else text.encode())
    code = main(["analyze", str(EXAMPLE), "--config", str(config)])
    return code, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize(("toml", "expected"), [
    # The cases found at commit 5ecbf65: each was a traceback (or a silently wrong analysis).
    ("[clock]\nwindow_s = 0", "clock.window_s = 0: must be at least 30 and at most 3600"),
    ("[align]\nframe_rate_hz = 0", "align.frame_rate_hz = 0: must be at least 0.5 and at most 10"),
    ("[fusion]\naccel_cutoff_hz = 0", "fusion.accel_cutoff_hz = 0: must be greater than 0"),
    ("[activity]\nwindow_s = 1e12", "activity.window_s = 1000000000000.0: must be greater than 0 and at most 600"),
    ("[align]\nmax_interpolated_samples = inf", "align.max_interpolated_samples = inf: must be a finite whole number"),
    ("[alerts]\nlateral_deg = nan", "alerts.lateral_deg = nan: must be a finite number"),
    ("[alerts]\nflexion_low_deg = 70\nflexion_high_deg = 60",
     "alerts: flexion_low_deg (70) must be below flexion_high_deg (60)"),
    ("[alerts]\nrecurring_count = 2.5", "alerts.recurring_count = 2.5: must be a finite whole number"),
    ("[alerts]\nlateral_deg = \"ten\"", "alerts.lateral_deg = 'ten': must be a number"),
    (b"\x00\xff\xfe binary \x89PNG", "not a TOML file (not UTF-8 text)"),
])
def test_a_bad_setting_is_one_line_naming_it(tmp_path, capsys, toml, expected):
    code, err = _run_with_config(tmp_path, capsys, toml)
    assert code == 2 and len(err) == 1, err
    assert expected in err[0] and "settings.toml" in err[0], err[0]


def test_nan_is_refused_in_every_field():
    # [fusion] gain = nan once turned a severe-flexion session into "no data", with no alerts.
    for section, f in FIELDS:
        with pytest.raises(SettingsError, match=rf"{section}\.{f.name} = nan: must be a finite"):
            settings_from_dict({section: {f.name: math.nan}})


def test_every_field_declares_its_range():
    missing = [f"{section}.{f.name}" for section, f in FIELDS if "range" not in f.metadata]
    assert not missing, f"fields without an allowed range (declare them with within(...)): {missing}"


def test_every_default_lies_in_its_range():
    Settings()  # construction checks every field and rule
    for section, f in FIELDS:
        assert f.metadata["range"].admits(f.default), f"{section}.{f.name}"


TOML_VALUES = st.recursive(
    st.none().map(lambda _: "") | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.dates() | st.datetimes(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6)


@given(st.sampled_from(FIELDS), TOML_VALUES)
def test_any_value_in_any_field_is_ok_or_one_line(field, value):
    section, f = field
    try:
        settings_from_dict({section: {f.name: value}}, source="fuzz.toml")
    except BackmonError as err:
        text = str(err)
        assert "\n" not in text and text.startswith(f"fuzz.toml: {section}"), text


def _edges(f: dataclasses.Field) -> list[float]:
    r = f.metadata["range"]
    low = r.ge if r.ge is not None else (r.gt + max(abs(r.gt) * 1e-3, 1e-3) if r.gt is not None else None)
    high = r.le if r.le is not None else (r.lt - max(abs(r.lt) * 1e-3, 1e-3) if r.lt is not None else None)
    return [v for v in (low, high) if v is not None]


@pytest.fixture(scope="module")
def short_session():
    return simulate(scenarios.sustained_flexion(seed=3, rate_hz=25)).to_session()


@pytest.mark.parametrize("field", FIELDS, ids=[f"{s}.{f.name}" for s, f in FIELDS])
def test_values_at_the_edges_of_each_range_analyse_or_are_refused_in_one_line(short_session, field):
    section, f = field
    for value in _edges(f):
        value = int(value) if isinstance(f.default, int) else value
        try:
            config = settings_from_dict({section: {f.name: value}})
        except SettingsError as err:  # a rule between fields (e.g. the low limit above the high one)
            assert "\n" not in str(err) and " must " in str(err)
            continue
        try:
            analyze_session(short_session, settings=config)
        except BackmonError as err:
            assert "\n" not in str(err), str(err)

"""The ``backmon`` command: outputs as DESIGN.md specifies, one-line errors with exit status 2."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from backmon.cli import main
from sensors import scenarios
from sensors.simulator import simulate
from tests.support.paths import EXAMPLE


@pytest.fixture(scope="module")
def lean_session(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "lean.csv"
    simulate(scenarios.lateral_lean(15, 100, seed=2)).write(path)
    return path


def test_analyze_writes_json_and_timeline(lean_session, tmp_path, capsys):
    out_json, out_timeline = tmp_path / "a.json", tmp_path / "t.csv"
    assert main(["analyze", str(lean_session), "--json", str(out_json), "--timeline", str(out_timeline)]) == 0
    text = capsys.readouterr().out
    assert "Sideways lean held (to the left)" in text and "not medical advice" in text and "20-60 deg" in text
    data = json.loads(out_json.read_text())
    assert data["schema"] == "backmon.analysis/2"
    # Zones from the settings in use: extension beyond 10 deg back, upright, ISO 11226's band, beyond.
    edges = [(z["from_deg"], z["to_deg"]) for z in data["summary"]["flexion_zones"]]
    assert edges == [(None, -10), (-10, 20), (20, 60), (60, None)]
    for key in ("minutes_over_30", "minutes_over_60", "lateral_over_10_s", "bends_over_45", "moving_s",
                "still_s", "breaks"):
        assert key in data["summary"]
    assert set(data["sides"]) == {"left", "right"} and data["sides"]["left"]["rate_hz"] == pytest.approx(100, 0.01)
    [alert] = data["alerts"]
    assert alert["kind"] == "sustained_lateral_bend" and alert["side"] == "both"
    assert {"start_s", "since_s", "end_s", "severity", "value", "unit", "message", "guidance"} <= set(alert)
    assert alert["guidance"][0]["topic"] == "posture_correction"
    # Summary figures cover the session after calibration: zone times add up to the analysed time.
    assert sum(z["s"] for z in data["summary"]["flexion_zones"]) == pytest.approx(data["summary"]["worn_s"], abs=0.2)
    with open(out_timeline, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["time_s", "left_flexion_deg", "left_lateral_deg", "right_flexion_deg", "right_lateral_deg",
                       "trunk_flexion_deg", "trunk_lateral_deg", "lr_flexion_diff_deg", "lr_lateral_diff_deg",
                       "moving", "left_tilt_deg", "right_tilt_deg"]
    times = [float(r[0]) for r in rows[1:]]
    assert all(abs(b - a - 0.1) < 1e-6 for a, b in zip(times, times[1:]))  # 10 Hz
    during = [r for r in rows[1:] if 60 < float(r[0]) < 100]
    assert all(abs(float(r[6]) - 15) < 1.5 for r in during)  # trunk lateral while leaning
    assert {r[9] for r in rows[1:]} <= {"0", "1"}


def test_out_option_is_the_json(lean_session, tmp_path):
    out = tmp_path / "o.json"
    assert main(["analyze", str(lean_session), "-o", str(out), "--quiet"]) == 0
    assert json.loads(out.read_text())["schema"] == "backmon.analysis/2"


def test_config_overrides_thresholds(lean_session, tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text("[alerts]\nlateral_deg = 20.0\n")
    out = tmp_path / "o.json"
    assert main(["analyze", str(lean_session), "--config", str(config), "-o", str(out), "--quiet"]) == 0
    data = json.loads(out.read_text())
    assert data["alerts"] == [] and data["settings"]["alerts"]["lateral_deg"] == 20.0


@pytest.mark.parametrize("config_text, expected", [
    ("[alerts]\nlateral_dg = 20\n", "unknown setting 'lateral_dg'"),
    ("[alarms]\nx = 1\n", "unknown section [alarms]"),
    ("[alerts]\nlateral_deg = 'big'\n", "must be a number"),
    ("not toml [", "not a readable TOML file"),
])
def test_bad_config_is_one_line_and_exit_2(lean_session, tmp_path, capsys, config_text, expected):
    config = tmp_path / "c.toml"
    config.write_text(config_text)
    assert main(["analyze", str(lean_session), "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and str(config) in err and "\n" not in err


def test_calibrate_option_is_used(lean_session, tmp_path):
    out = tmp_path / "o.json"
    assert main(["analyze", str(lean_session), "--calibrate", "0-21", "-o", str(out), "--quiet"]) == 0
    assert json.loads(out.read_text())["calibration"]["window_s"] == [0.0, 21.0]


@pytest.mark.parametrize("content, expected", [
    ("", "no header"),
    ("# format: backmon-session/1\ntime_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps\n0,left,1,0,0,0,0\n", "gz_dps"),
    ("time_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps\n", "no usable data"),
])
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and str(path) in err and "\n" not in err and "Traceback" not in err


def test_missing_file_and_bad_arguments_exit_2(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", "x.csv", "--calibrate", "banana"])
    assert exit_info.value.code == 2


def test_unwritable_output_exit_2(lean_session, tmp_path, capsys):
    (tmp_path / "plain").write_text("a file, not a folder")
    out = tmp_path / "plain" / "a.json"  # a missing folder would be made (0700); this one cannot be
    assert main(["analyze", str(lean_session), "-q", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"backmon: cannot write {out}: {tmp_path / 'plain'} exists and is not a folder\n"


def test_console_script_on_the_shipped_example():
    done = subprocess.run([sys.executable, "-m", "backmon", "analyze", str(EXAMPLE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Deep forward bend held" in done.stdout and "Sideways lean held" in done.stdout
    assert "simulated" in EXAMPLE.read_text()[:2000]


def test_simulate_command_writes_a_readable_session(tmp_path):
    out = tmp_path / "s.csv"
    assert main(["simulate", "severe_flexion", "-o", str(out), "--rate-hz", "50"]) == 0
    assert main(["analyze", str(out), "-o", str(tmp_path / "a.json"), "--quiet"]) == 0
    kinds = [a["kind"] for a in json.loads((tmp_path / "a.json").read_text())["alerts"]]
    assert kinds == ["severe_flexion"]


def test_swap_sides_option(lean_session, tmp_path):
    out = tmp_path / "o.json"
    assert main(["analyze", str(lean_session), "--swap-sides", "-o", str(out), "--quiet"]) == 0
    data = json.loads(out.read_text())
    assert data["data_quality"]["sides"]["swapped_on_request"] is True
    assert {"clock", "sides", "mounting", "saturation", "non_wear", "long_gaps", "notes"} <= set(data["data_quality"])


def test_a_session_spanning_years_is_refused_not_hung():
    from processing import analyze_session
    from sensors.errors import BackmonError

    sim = simulate(scenarios.severe_flexion(seed=1))
    right = sim.right
    broken = right.time_s.copy()
    broken[-1] = 99999999.0  # one damaged time stamp, ~3 years on
    import dataclasses

    session = dataclasses.replace(sim.to_session(), right=dataclasses.replace(right, time_s=broken))
    with pytest.raises(BackmonError, match="spans"):
        analyze_session(session)


def test_command_words_name_every_command_and_alias():
    """The CLI imports only the command it runs, found by COMMAND_WORDS: it must name every
    command and alias the whole parser knows, and each must build its own parser alone."""
    from backmon.cli import build_parser, command_module
    from backmon.commands import COMMAND_WORDS

    choices = build_parser()._subparsers._group_actions[0].choices
    assert set(COMMAND_WORDS) == set(choices)
    for word, module in COMMAND_WORDS.items():
        assert command_module(["--utc", word, "x"]) == module
        alone = build_parser(module)._subparsers._group_actions[0].choices
        assert word in alone and choices[word].format_help() == alone[word].format_help()
    assert command_module(["analyz"]) is None and command_module([]) is None  # the whole parser: suggestions


def test_analyze_imports_no_other_command():
    code = ("import sys; from backmon.cli import main; main(['analyze', sys.argv[1], '--quiet']); "
            "print(sorted(m for m in sys.modules if m.startswith('backmon.commands.')))")
    run = subprocess.run([sys.executable, "-c", code, str(EXAMPLE)], capture_output=True, text=True, check=True)
    assert run.stdout.split("\n")[-2] == "['backmon.commands.analyze', 'backmon.commands.report']"

"""Importers: files in each tool's exact export format (tests/fixtures/make_import_fixtures.py, made from a
simulated session) come back as the simulated samples; gravity-free exports are refused."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile

import numpy as np
import pytest

from backmon.cli import main
from sensors.errors import ImportFileError
from sensors.importers import import_recording
from sensors.importers.inputs import InputFile, expand, read_inputs
from sensors.session.files import read_session
from tests.fixtures import make_import_fixtures as fixtures


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def import_fixture(tool: str, tmp_path):
    fixture = fixtures.MAKERS[tool](tmp_path / tool)
    out = tmp_path / f"{tool}.csv"
    code, stdout, stderr = run_cli("import", "--from", tool, "--left", *fixture.left,
                                   "--right", *fixture.right, *fixture.args, "-o", out)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    return fixture, read_session(out), stdout, stderr


@pytest.mark.parametrize("tool", sorted(fixtures.MAKERS))
def test_imported_samples_are_the_simulated_ones(tool, tmp_path):
    fixture, session, stdout, _ = import_fixture(tool, tmp_path)
    assert "both sides on the tools' shared wall clock" in stdout
    t0 = min(e.time_s[0] for e in fixture.expected.values())  # the earlier side's first sample
    for side, expected in fixture.expected.items():
        got = session.side(side)
        assert len(got) == len(expected.time_s), side
        # The session CSV keeps 6 decimals of time_s and accel_g, 4 of gyro_dps.
        np.testing.assert_allclose(got.time_s, expected.time_s - t0,
                                   atol=max(fixture.time_tolerance_s, 5.1e-7))
        np.testing.assert_allclose(got.accel_g, expected.accel_g,
                                   atol=max(fixture.value_tolerance, 5.1e-7))
        np.testing.assert_allclose(got.gyro_dps, expected.gyro_dps,
                                   atol=max(fixture.value_tolerance, 5.1e-5))
    assert session.metadata["source"].endswith("(imported by backmon)")
    assert session.metadata["time_alignment"] == "both sides on the tools' shared wall clock"


def test_metabase_metadata_names_the_sensors_and_the_start(tmp_path):
    _, session, _, _ = import_fixture("metabase", tmp_path)
    assert session.metadata["left_device"] == "MetaWear C7:C4:E1:A0:B1:F2"
    assert session.metadata["right_device"] == "MetaWear E6:E9:C8:A7:F8:B2"
    # fixtures.START_S plus one 50 ms step: the first accelerometer sample precedes the gyroscope
    assert session.metadata["started_at"] == "2024-03-05T10:00:00.050Z"
    assert session.metadata["source"] == "MetaBase (MbientLab) CSV export (imported by backmon)"
    assert "Accelerometer_1.7.3.csv" in session.metadata["left_files"]


def test_phyphox_pause_is_undone_by_meta_time_csv(tmp_path):
    """Samples after the 3 s pause come back at their true times (12 s -> 15 s jump)."""
    _, session, _, _ = import_fixture("phyphox", tmp_path)
    steps = np.diff(session.left.time_s)
    assert np.isclose(steps.max(), 3.05, atol=1e-6)  # the pause, plus one 50 ms sample step
    assert np.isclose(session.left.time_s[np.argmax(steps) + 1], 15.0, atol=1e-6)


def test_sensorlogger_sets_aside_the_gravity_free_file_and_says_so(tmp_path):
    _, session, _, stderr = import_fixture("sensorlogger", tmp_path)
    assert "Accelerometer.csv: set aside (TotalAcceleration.csv is used)" in stderr
    assert "with iOS's sign reversed" in stderr
    assert session.metadata["left_device"] == "Pixel 7 (Sensor Logger, android)"
    assert session.metadata["right_device"] == "iPhone 14 (Sensor Logger, ios)"
    # Upright at the start: about +1 g along the phone's measured "up" (never -1 g).
    assert np.linalg.norm(session.right.accel_g[:20].mean(axis=0)) == pytest.approx(1.0, abs=0.02)


def test_witmotion_picks_each_sensor_from_one_file(tmp_path):
    _, session, _, _ = import_fixture("witmotion", tmp_path)
    assert session.metadata["left_device"] == "WitMotion WT901BLE67(D6:3C:47:8F:1A:22)"
    assert session.metadata["started_at_local"].startswith("2024-03-05T10:00:00")
    assert np.all(np.diff(session.left.time_s) > 0.049)  # evened: no burst duplicates


def test_witmotion_with_several_sensors_needs_a_choice(tmp_path):
    fixture = fixtures.make_witmotion(tmp_path)
    code, _, stderr = run_cli("import", "--from", "witmotion", "--left", fixture.left[0],
                              "-o", tmp_path / "x.csv")
    assert code == 2
    assert stderr.count("\n") == 1 and str(fixture.left[0]) in stderr
    assert "holds 2 sensors" in stderr and "--left-device" in stderr


def test_witmotion_gb18030_long_names(tmp_path):
    path = fixtures.make_witmotion_gb18030(tmp_path)
    left, _ = fixtures.simulated_sides()
    imported = import_recording("witmotion", read_inputs([path]), [])
    np.testing.assert_allclose(imported.left.accel_g, np.round(left.accel_g[::2], 4), atol=1e-9)
    np.testing.assert_allclose(imported.left.gyro_dps, np.round(left.gyro_dps[::2], 3), atol=1e-9)
    np.testing.assert_allclose(imported.left.time_s, left.time_s[::2], atol=2e-3)
    assert imported.right is None and imported.metadata["time_alignment"] == "one side only"


def test_imported_session_analyses_to_the_simulated_bend(tmp_path):
    """End to end: MetaBase files -> import -> analyze finds the 70° bend held 6 s."""
    import_fixture("metabase", tmp_path)
    code, _, stderr = run_cli("analyze", tmp_path / "metabase.csv", "-q", "--json",
                              tmp_path / "a.json")
    assert code == 0, stderr
    result = json.loads((tmp_path / "a.json").read_text())
    assert [a["kind"] for a in result["alerts"]] == ["severe_flexion"]
    [deep] = [z for z in result["summary"]["flexion_zones"] if z["to_deg"] is None]
    assert deep["from_deg"] == 60 and deep["s"] == pytest.approx(6.0, abs=1.5)


# ---------------------------------------------------------------- refusals and bad input


def refusal(tmp_path, tool: str, files: dict[str, bytes]) -> str:
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    code, _, stderr = run_cli("import", "--from", tool, "--left", *paths, "-o", tmp_path / "o.csv")
    assert code == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr
    return stderr


def test_phyphox_without_g_is_refused_naming_the_export_to_use(tmp_path):
    text = ('"Time (s)","Linear Acceleration x (m/s^2)","Linear Acceleration y (m/s^2)",'
            '"Linear Acceleration z (m/s^2)","Absolute acceleration (m/s^2)"\n'
            "0.000000000E0,1.0E-2,2.0E-2,3.0E-2,3.7E-2\n")
    stderr = refusal(tmp_path, "phyphox", {"Raw Data.csv": text.encode()})
    assert "Raw Data.csv" in stderr and "no gravity" in stderr
    assert "export that instead" in stderr and "'Acceleration with g'" in stderr


def test_sensorlogger_accelerometer_alone_is_refused(tmp_path):
    text = "time,seconds_elapsed,z,y,x\n1709632800000000000,0,0.1,0.2,0.3\n"
    stderr = refusal(tmp_path, "sensorlogger", {"Accelerometer.csv": text.encode(),
                                                "Gyroscope.csv": text.encode()})
    assert "Accelerometer.csv" in stderr and "no gravity" in stderr
    assert "give TotalAcceleration.csv instead" in stderr


def test_metabase_linear_acceleration_is_refused(tmp_path):
    text = "epoch (ms),time (-05:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)\n1,a,0,0,0,0\n"
    name = "MetaWear_2024-03-05T10.00.00.000_C7C4E1A0B1F2_Linear Acceleration_1.7.3.csv"
    stderr = refusal(tmp_path, "metabase", {name: text.encode()})
    assert "Linear Acceleration" in stderr and "export the Accelerometer stream instead" in stderr


def test_metabase_files_of_two_sensors_on_one_side_are_refused(tmp_path):
    fixture = fixtures.make_metabase(tmp_path)
    code, _, stderr = run_cli("import", "--from", "metabase", "--left", fixture.left[0],
                              fixture.right[1], "-o", tmp_path / "o.csv")
    assert code == 2 and "different sensors" in stderr
    assert "C7:C4:E1:A0:B1:F2" in stderr and "E6:E9:C8:A7:F8:B2" in stderr


@pytest.mark.parametrize("tool", sorted(fixtures.MAKERS))
def test_another_tools_file_names_the_file_and_what_was_expected(tool, tmp_path):
    stderr = refusal(tmp_path, tool, {"notes.csv": b"a,b,c\n1,2,3\n"})
    assert "notes.csv" in stderr and ("not " in stderr or "no " in stderr)


def test_broken_zip_and_missing_file(tmp_path):
    stderr = refusal(tmp_path, "phyphox", {"e.zip": zipfile_bytes()[:60]})
    assert "e.zip" in stderr and "not a readable zip archive" in stderr
    code, _, stderr = run_cli("import", "--from", "phyphox", "--left", tmp_path / "nope.zip",
                              "-o", tmp_path / "o.csv")
    assert code == 2 and "nope.zip: no such file" in stderr


def test_no_side_given_is_an_error():
    code, _, stderr = run_cli("import", "--from", "phyphox", "-o", "x.csv")
    assert code == 2 and "at least one side" in stderr


def test_zip_members_are_named_with_their_archive():
    members = expand(InputFile("rec.zip", zipfile_bytes()))
    assert [m.name for m in members] == ["rec.zip:Raw Data.csv", "rec.zip:meta/time.csv"]
    assert {m.container for m in members} == {"rec.zip"}


def test_one_side_relative_the_other_on_the_wall_clock_are_not_aligned(tmp_path):
    fixture = fixtures.make_phyphox(tmp_path)
    members = [m for m in read_inputs(fixture.left) if "meta/" not in m.name]  # no time.csv
    imported = import_recording("phyphox", members, read_inputs(fixture.right))
    assert imported.metadata["time_alignment"].startswith("none")
    assert "started_at" not in imported.metadata
    assert any("no shared clock" in note for note in imported.notes)
    assert imported.left.time_s[0] == 0.0 and imported.right.time_s[0] == 0.0


def test_hostile_times_are_refused_not_written():
    text = ("epoch (ms),time (-05:00),elapsed (s),x-axis ({u}),y-axis ({u}),z-axis ({u})\n"
            "1709632800000,a,0,1,0,0\n9e300,a,0,1,0,0\n")
    files = [InputFile("MetaWear_C7C4E1A0B1F2_Accelerometer.csv", text.format(u="g").encode()),
             InputFile("MetaWear_C7C4E1A0B1F2_Gyroscope.csv", text.format(u="deg/s").encode())]
    with pytest.raises(ImportFileError, match="spans"):
        import_recording("metabase", files, [])


def zipfile_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("Raw Data.csv", '"Time (s)","Acceleration x (m/s^2)"\n0,9.8\n')
        z.writestr("meta/time.csv", '"event","experiment time","system time"\n"START",0,1\n')
    return buffer.getvalue()


def test_the_import_command_lists_every_importer():
    from backmon.commands.import_cmd import TOOLS
    from sensors.importers import IMPORTERS

    assert TOOLS == tuple(sorted(IMPORTERS))

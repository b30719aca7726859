"""Exports as real files have them, refused before issue 10 (item 5): the WitMotion PC software's
file with a byte order mark before ``Time``, and phyphox's multi-sensor files whose columns are only
``"X (m/s^2)"`` ... (as a zip, an unpacked folder, or the files given directly). Fixtures in their
exact shape come from tests/fixtures/make_import_fixtures.py; the first rows are checked against
the numbers in the files, unit conversion shown, and every import is analysed end to end."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sensors.errors import ImportFileError
from sensors.importers import import_recording, read_inputs
from sensors.importers.inputs import InputFile
from sensors.session.files import read_session
from tests.fixtures import make_import_fixtures as fixtures
from tests.sensors.importers.test_importers import run_cli

G = 9.80665  # m/s² per g, as phyphox documents it
DEG_PER_RAD = 180.0 / math.pi


@pytest.mark.parametrize("variant", sorted(fixtures.FIELD_MAKERS))
def test_field_export_imports_the_simulated_samples_and_analyses(variant, tmp_path):
    tool, make = fixtures.FIELD_MAKERS[variant]
    fixture = make(tmp_path / variant)
    out = tmp_path / "session.csv"
    code, stdout, stderr = run_cli("import", "--from", tool, "--left", *fixture.left, "--right", *fixture.right,
                                   *fixture.args, "-o", out)
    assert code == 0, stderr
    assert "both sides on the tools' shared wall clock" in stdout
    session = read_session(out)
    t0 = min(e.time_s[0] for e in fixture.expected.values())
    for side, expected in fixture.expected.items():
        got = session.side(side)
        assert len(got) == len(expected.time_s), side
        np.testing.assert_allclose(got.time_s, expected.time_s - t0, atol=max(fixture.time_tolerance_s, 5.1e-7))
        np.testing.assert_allclose(got.accel_g, expected.accel_g, atol=max(fixture.value_tolerance, 5.1e-7))
        np.testing.assert_allclose(got.gyro_dps, expected.gyro_dps, atol=max(fixture.value_tolerance, 5.1e-5))
    # End to end: the simulated 70° bend held 6 s is found.
    code, _, stderr = run_cli("analyze", out, "-q", "--json", tmp_path / "a.json")
    assert code == 0, stderr
    result = json.loads((tmp_path / "a.json").read_text())
    assert [a["kind"] for a in result["alerts"]] == ["severe_flexion"]


# ---------------------------------------------------------------- WitMotion PC software


def test_witmotion_pc_export_first_rows(tmp_path):
    """First data lines of the file (decimal commas, already g and °/s):
    left  ``2024-03-05 10:00:00.030  WT901BLE67(...)  (empty)  0,9900  -0,0387  -0,1629  0,174  -0,072  0,003``
    right ``2024-03-05 10:00:00.031  WT901BLE68(...)  (empty)  1,0007  0,0522  -0,0071  0,110  -0,162  0,055``"""
    fixture = fixtures.make_witmotion_pc(tmp_path)
    assert fixture.left[0].read_bytes().startswith(b"\xef\xbb\xbfTime\t")
    imported = import_recording("witmotion", read_inputs(fixture.left), read_inputs(fixture.right),
                                left_device="BLE67", right_device="BLE68")
    assert imported.left.accel_g[0].tolist() == [0.99, -0.0387, -0.1629]
    assert imported.left.gyro_dps[0].tolist() == [0.174, -0.072, 0.003]
    assert imported.right.accel_g[0].tolist() == [1.0007, 0.0522, -0.0071]
    assert imported.right.gyro_dps[0].tolist() == [0.11, -0.162, 0.055]
    assert imported.metadata["left_device"] == "WitMotion WT901BLE67(D6:3C:47:8F:1A:22)"
    assert imported.metadata["started_at_local"].startswith("2024-03-05T10:00:00.0")
    assert not any("skipped" in note for note in imported.notes)  # the trailing tab is no broken row


def test_witmotion_time_column_is_found_whatever_its_case_and_a_bom():
    """``Time``, ``time`` and ``TIME`` name the same column; a byte order mark left inside the first
    header cell (a file pasted together from two exports) does not hide it either."""
    header = "{}\tAccX(g)\tAccY(g)\tAccZ(g)\tAsX(°/s)\tAsY(°/s)\tAsZ(°/s)\n"
    rows = "".join(f"2024-03-05 10:00:00.{i * 100:03d}\t0\t0\t1\t0\t0\t{i}\n" for i in range(5))
    for name in ("Time", "time", "TIME", "\ufeffTime"):
        data = (header.format(name) + rows).encode("utf-8")
        imported = import_recording("witmotion", [InputFile("w.txt", data)], [])
        assert imported.left.gyro_dps[:, 2].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0], name
        assert imported.metadata["started_at_local"] == "2024-03-05T10:00:00.000", name


# ---------------------------------------------------------------- phyphox multi-sensor


def _phyphox_first_values() -> tuple[list[float], list[float]]:
    """The left export's first usable accelerometer sample and the gyroscope there (the numbers as
    in the files; see make_phyphox_multi): the accelerometer row at 0.00 s comes before the
    gyroscope's first (0.025 s) and is dropped; at 0.05 s the gyroscope is the mean of its rows at
    0.025 s and 0.075 s."""
    accel_mps2 = [9.589197971, -4.314310643e-1, -1.488934227]  # "5.000000000E-2;9.589197971E0;..."
    gyro_025 = [-3.682728131e-3, -4.729873744e-3, -1.287588538e-3]  # "2.500000000E-2;-3.682728131E-3;..."
    gyro_075 = [1.297416929e-3, 1.181649132e-4, 1.644832124e-3]  # "7.500000000E-2;1.297416929E-3;..."
    return ([a / G for a in accel_mps2], [(a + b) / 2 * DEG_PER_RAD for a, b in zip(gyro_025, gyro_075)])


def test_phyphox_multi_sensor_zip_first_rows(tmp_path):
    fixture = fixtures.make_phyphox_multi(tmp_path)
    members = read_inputs(fixture.left)
    assert [m.basename for m in members] == ["Accelerometer.csv", "Gyroscope.csv", "Magnetometer.csv", "time.csv",
                                             "device.csv"]
    imported = import_recording("phyphox", members, [])
    accel_g, gyro_dps = _phyphox_first_values()
    np.testing.assert_allclose(imported.left.accel_g[0], accel_g, rtol=1e-12)
    # On the wall clock (Unix seconds in float64 resolve 0.24 µs) the interpolation weight between
    # gyroscope samples 50 ms apart moves by up to 1e-5: here a few 1e-7 °/s.
    np.testing.assert_allclose(imported.left.gyro_dps[0], gyro_dps, atol=2e-6)
    assert imported.metadata["started_at"] == "2024-03-05T10:00:00.050Z"
    assert any("Magnetometer.csv" in note and "set aside" in note for note in imported.notes)


def test_phyphox_multi_sensor_folder_and_loose_files(tmp_path):
    """The export unpacked: the folder (meta/time.csv found inside it, so wall-clock times), or its
    two CSV files given directly (no time.csv: times from the experiment's start)."""
    fixture = fixtures.make_phyphox_multi(tmp_path)
    folder = fixture.right[0]
    assert folder.is_dir()
    from_folder = import_recording("phyphox", read_inputs([folder]), [])
    assert from_folder.metadata["started_at"] == "2024-03-05T10:00:00.300Z"  # 0.25 s later, first kept at 0.05 s
    loose = read_inputs([folder / "Accelerometer.csv", folder / "Gyroscope.csv"])
    direct = import_recording("phyphox", loose, [])
    assert "started_at" not in direct.metadata
    assert any("no meta/time.csv" in note for note in direct.notes)
    np.testing.assert_array_equal(direct.left.accel_g, from_folder.left.accel_g)
    np.testing.assert_allclose(direct.left.gyro_dps, from_folder.left.gyro_dps, atol=1e-4)  # see above
    # Relative times count from the first sample kept (0.05 s into the experiment).
    assert direct.left.time_s[0] == 0.0 and direct.left.time_s[1] == pytest.approx(0.05, abs=1e-9)


def _short_names_file(name: str, unit: str) -> InputFile:
    text = f'"Time (s)";"X ({unit})";"Y ({unit})";"Z ({unit})"\n' + "".join(
        f"{i * 5}.000000000E-2;1.0E-1;2.0E-1;9.806650000E0\n" for i in range(5))
    return InputFile(name, text.encode())


def test_phyphox_short_names_linear_acceleration_is_refused_or_set_aside():
    linear = _short_names_file("Linear Acceleration.csv", "m/s^2")
    with pytest.raises(ImportFileError, match="no gravity"):
        import_recording("phyphox", [linear, _short_names_file("Gyroscope.csv", "rad/s")], [])
    imported = import_recording("phyphox", [_short_names_file("Accelerometer.csv", "m/s^2"), linear,
                                            _short_names_file("Gyroscope.csv", "rad/s")], [])
    assert imported.left.accel_g[0].tolist() == pytest.approx([0.1 / G, 0.2 / G, 1.0])
    assert imported.left.gyro_dps[0].tolist() == pytest.approx([0.1 * DEG_PER_RAD, 0.2 * DEG_PER_RAD,
                                                                9.80665 * DEG_PER_RAD])
    assert any("Linear Acceleration.csv" in note and "set aside" in note for note in imported.notes)


def test_phyphox_short_names_under_an_unknown_file_name_are_refused():
    with pytest.raises(ImportFileError, match="keep phyphox's file names"):
        import_recording("phyphox", [_short_names_file("export 3.csv", "m/s^2"),
                                     _short_names_file("Gyroscope.csv", "rad/s")], [])

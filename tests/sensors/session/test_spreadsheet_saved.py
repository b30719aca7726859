"""A session CSV opened and saved again in a spreadsheet (issue 10, item 5): the ``#`` lines come
back padded with separators (``# format: backmon-session/1,,,,,,,,``), which is the spreadsheet's
padding, not a version. The saved copy (tests/fixtures/make_import_fixtures.py, in Excel's exact
shape: byte order mark, CRLF, General number format) reads as the original did, with a note."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sensors.errors import SessionFileError
from sensors.session.files import read_session
from tests.fixtures import make_import_fixtures as fixtures
from tests.sensors.importers.test_importers import run_cli

HEADER = "time_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps"


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_session_saved_by_a_spreadsheet_reads_as_the_original(separator, tmp_path):
    original, saved = fixtures.make_spreadsheet_session(tmp_path, separator=separator)
    first_lines = saved.read_bytes().split(b"\r\n")[:2]
    assert first_lines[0] == f"\ufeff# format: backmon-session/1{separator * 8}".encode()
    a, b = read_session(original), read_session(saved)
    for side in ("left", "right"):
        for name in ("time_s", "accel_g", "gyro_dps", "seq"):
            np.testing.assert_array_equal(getattr(b.side(side), name), getattr(a.side(side), name))
    # The first data row as the spreadsheet wrote it: "0,left,0.989962,-0.038741,-0.162902,0.1742,-0.0716,0.0029,0"
    assert b.left.time_s[0] == 0.0 and b.left.accel_g[0].tolist() == [0.989962, -0.038741, -0.162902]
    assert b.left.gyro_dps[0].tolist() == [0.1742, -0.0716, 0.0029]
    assert b.metadata == a.metadata
    assert b.metadata["format"] == "backmon-session/1"
    assert b.metadata["left_device"] == "WT901BLE67 (profile witmotion)"
    assert b.calibration_window_s == (0.0, 8.0)
    # A comma inside a mark came back as the spreadsheet's separator; the padding is gone either way.
    assert [(m.time_s, m.text) for m in b.marks] == [(12.5, f"lifting boxes{separator} heavy")]
    assert any(f"'{separator}' cells a spreadsheet added" in w for w in b.warnings), b.warnings


def test_a_session_saved_by_a_spreadsheet_analyses_end_to_end(tmp_path):
    _, saved = fixtures.make_spreadsheet_session(tmp_path)
    code, _, stderr = run_cli("analyze", saved, "-q", "--json", tmp_path / "a.json")
    assert code == 0, stderr
    assert "cells a spreadsheet added" in stderr and "Traceback" not in stderr
    result = json.loads((tmp_path / "a.json").read_text())
    assert [a["kind"] for a in result["alerts"]] == ["severe_flexion"]
    assert result["calibration"]["window_s"] == [0.0, 8.0]


def _write(tmp_path, text: str):
    path = tmp_path / "s.csv"
    path.write_text(text)
    return path


def test_padding_is_only_padding_when_the_format_line_has_it(tmp_path):
    """A trailing separator is stripped only in a file whose format line shows the padding: without
    it, a value's commas are the user's and stay; a newer version stays refused."""
    rows = "".join(f"{i / 50},left,1,0,0,0,0,0\n" for i in range(10))
    session = read_session(_write(tmp_path, f"# format: backmon-session/1\n# note: a, b,\n{HEADER}\n{rows}"))
    assert session.metadata["note"] == "a, b," and session.warnings == ()
    with pytest.raises(SessionFileError, match="backmon-session/2") as err:
        read_session(_write(tmp_path, f"# format: backmon-session/2,,,,,,,\n{HEADER}\n{rows}"))
    assert err.value.line == 1
    with pytest.raises(SessionFileError, match="unsupported format"):
        read_session(_write(tmp_path, f"# format: backmon-session/1,x,,,,,,\n{HEADER}\n{rows}"))

"""The session reader reads in blocks; the block size must never change what it reads.

Every messy file is read whole and in tiny blocks (so that rows late, repeated or broken fall
on block edges) and must give the same samples, warnings and errors. The compiled fast path
for numbers must give exactly the value a correct parser gives.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensors.errors import SessionFileError
from sensors.session.files import read_session
from sensors.session.scanner import COLUMNS, split_lines
from tests.fixtures import make_messy_files as messy

CASES = messy.cases()
HEADER = "time_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps"


def _outcome(path, block_bytes):
    try:
        s = read_session(path, block_bytes=block_bytes)
    except SessionFileError as err:
        return str(err)
    sides = [None if x is None else (x.time_s, x.accel_g, x.gyro_dps, x.device_time_s, x.seq)
             for x in (s.left, s.right)]
    return s.time_base, s.metadata, s.marks, s.calibration_window_s, s.skipped_rows, s.warnings, sides


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    return a == b


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_blocks_of_any_size_read_a_messy_file_the_same(case, tmp_path):
    path = tmp_path / case.name
    path.write_bytes(case.data)
    whole = _outcome(path, 1 << 30)
    for block_bytes in (1000, 4099):
        assert _same(_outcome(path, block_bytes), whole), block_bytes


def _write(tmp_path, rows: list[str]):
    path = tmp_path / "s.csv"
    path.write_text("# format: backmon-session/1\n" + HEADER + "\n" + "\n".join(rows) + "\n")
    return path


def _rows(times, side="left"):
    return [f"{t:.2f},{side},0,0,1,0,0,0" for t in times]


def test_late_repeated_and_outlier_rows_across_block_edges(tmp_path):
    times = list(np.round(np.arange(0, 20, 0.02), 2))
    times[100], times[101] = times[101], times[100]  # one late row
    times[300] = times[299]  # a repeated time
    times[500] = 900.0  # a damaged time, far from both neighbours
    path = _write(tmp_path, _rows(times))
    session = read_session(path, block_bytes=64)
    assert session.left is not None
    assert np.all(np.diff(session.left.time_s) > 0)
    assert len(session.left) == len(times) - 2  # the repeat and the outlier
    assert session.skipped_rows == 1
    assert any("1 row out of time order" in w for w in session.warnings)
    assert any("1 row repeating" in w for w in session.warnings)
    assert any("out of line" in w and "line 503" in w for w in session.warnings)
    assert _same(_outcome(path, 64), _outcome(path, 1 << 30))


def test_time_going_back_behind_the_latest_time_is_refused_even_in_small_steps(tmp_path):
    times = list(np.arange(0, 10, 0.02)) + [9.5, 9.2, 8.9, 8.6]  # each step back 0.3 s at most
    path = _write(tmp_path, _rows(times))
    with pytest.raises(SessionFileError, match="goes back 1.08 s") as err:
        read_session(path, block_bytes=200)
    assert err.value.line == 3 + 502  # the row at 8.9 s (header on line 2), 1.08 s behind 9.98 s


@pytest.mark.parametrize("text", ["0", "-0.5", "+2.25", "1.", ".5", "00012.5000", "-0.000001",
                                  "123456789012345.6", "9007199254740991", "0.1234567890123456789012"])
def test_plain_decimals_are_read_exactly(text):
    """Clinger's fast path where it applies, pandas where it does not: the correctly rounded value."""
    line = f"{HEADER}\n1.0,left,{text},0,0,0,0,0\n".encode()
    lines = split_lines(np.frombuffer(line, np.uint8), HEADER.split(","))
    if lines.fast[1]:
        assert lines.values[1, COLUMNS.index("ax_g")] == float(text)


@pytest.mark.parametrize("text, fast", [("1e-3", False), (" 2.5", False), ("nan", False), ("", True),
                                        ("1.2.3", False), ("-", False), ("12345678901234567890", False)])
def test_cells_the_fast_path_leaves_to_pandas(text, fast):
    line = f"{HEADER}\n1.0,left,{text},0,0,0,0,0\n".encode()
    lines = split_lines(np.frombuffer(line, np.uint8), HEADER.split(","))
    assert bool(lines.fast[1]) is fast


def test_side_cells_other_than_left_and_right_take_the_careful_path(tmp_path):
    path = _write(tmp_path, _rows(np.arange(0, 1, 0.02), "Left") + _rows(np.arange(0, 1, 0.02), " right "))
    session = read_session(path)
    assert len(session.left) == 50 and len(session.right) == 50


def test_a_line_longer_than_the_block(tmp_path):
    path = tmp_path / "s.csv"
    note = "# note: " + "x" * 500
    path.write_text(f"{note}\n{HEADER}\n" + "\n".join(_rows(np.arange(0, 2, 0.02))) + "\n" + note)
    assert _same(_outcome(path, 64), _outcome(path, 1 << 30))
    assert read_session(path, block_bytes=64).metadata["note"] == "x" * 500

"""Session CSV v1 reader/writer: known answers on small hand-written files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.errors import SessionFileError
from sensors.outputs import OutputError
from sensors.samples import Mark, SideSamples
from sensors.session.files import parse_time_span, read_session, write_session

HEADER = "time_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps"
# DESIGN.md, "Session CSV format v1", verbatim.
DESIGN_EXAMPLE = """\
# format: backmon-session/1
# started_at: 2026-11-24T08:00:00Z
# left_device: WT901BLE67 (profile witmotion)
# calibration_s: 0.0:30.0
time_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps
0.0000,left,0.99063,0.20477,-0.09822,-1.069,0.006,-0.486
0.0041,right,0.99501,-0.14825,0.12430,0.230,-0.628,-0.138
"""
# Two more rows per side so that both sides have the 2 samples a side needs.
MORE_ROWS = """\
0.0100,left,1.0,0.0,0.0,0.0,0.0,0.0
0.0141,right,1.0,0.0,0.0,0.0,0.0,0.0
"""


def write(tmp_path, text: str | bytes, name: str = "s.csv"):
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def rows(n: int, side: str, t0: float = 0.0, dt: float = 0.01) -> str:
    """n rows of one side; ax_g = 1 + i/1000 tells the rows apart."""
    return "".join(f"{t0 + i * dt:.4f},{side},{1 + i / 1000},0,0,0,0,{i}\n" for i in range(n))


# ---------------------------------------------------------------- decoding


def test_design_example_decodes_to_exact_values(tmp_path):
    session = read_session(write(tmp_path, DESIGN_EXAMPLE + MORE_ROWS))
    assert session.left.time_s.tolist() == [0.0, 0.01]
    assert session.left.accel_g[0].tolist() == [0.99063, 0.20477, -0.09822]
    assert session.left.gyro_dps[0].tolist() == [-1.069, 0.006, -0.486]
    assert session.right.time_s.tolist() == [0.0041, 0.0141]
    assert session.right.accel_g[0].tolist() == [0.99501, -0.14825, 0.12430]
    assert session.right.gyro_dps[0].tolist() == [0.230, -0.628, -0.138]
    assert session.left.side == "left" and session.right.side == "right"
    assert session.left.seq is None and session.left.device_time_s is None
    assert session.time_base == "relative"
    assert session.metadata == {
        "format": "backmon-session/1",
        "started_at": "2026-11-24T08:00:00Z",
        "left_device": "WT901BLE67 (profile witmotion)",
        "calibration_s": "0.0:30.0",
    }
    assert session.calibration_window_s == (0.0, 30.0)
    assert session.marks == ()
    assert session.skipped_rows == 0 and session.warnings == ()
    assert session.start_s == 0.0


def test_columns_in_another_order(tmp_path):
    text = ("gz_dps,side,time_s,ay_g,ax_g,az_g,gy_dps,gx_dps\n"
            "6,left,0.5,2,1,3,5,4\n"
            "16,left,1.5,12,11,13,15,14\n")
    session = read_session(write(tmp_path, text))
    assert session.right is None
    assert session.left.time_s.tolist() == [0.5, 1.5]
    assert session.left.accel_g.tolist() == [[1, 2, 3], [11, 12, 13]]
    assert session.left.gyro_dps.tolist() == [[4, 5, 6], [14, 15, 16]]


def test_unknown_and_magnetometer_columns_are_ignored(tmp_path):
    text = (" temperature_c , time_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps,mx_ut,my_ut,mz_ut\n"
            "21.5,0,right,1,2,3,4,5,6,30,-5,12\n"
            "not a number,1,right,1,2,3,4,5,6,,,\n")
    session = read_session(write(tmp_path, text))
    assert session.skipped_rows == 0
    assert session.right.time_s.tolist() == [0.0, 1.0]
    assert session.right.accel_g.tolist() == [[1, 2, 3], [1, 2, 3]]


def test_metadata_lines_anywhere_unknown_keys_and_marks(tmp_path):
    text = ("# format: backmon-session/1\n"
            "# a plain comment, without key\n"
            f"{HEADER}\n"
            + rows(2, "left")
            + "# mark: 0.015 lifting boxes\n"
            + "#operator:  Kim  \n"
            + rows(2, "right", t0=0.02)
            + "# calibration_s: 0:30\n"
            + "# mark: 0.025\trest\n"
            + "# operator: Lee\n")
    session = read_session(write(tmp_path, text))
    assert session.metadata == {"format": "backmon-session/1", "operator": "Lee",
                                "calibration_s": "0:30"}
    assert session.marks == (Mark(0.015, "lifting boxes"), Mark(0.025, "rest"))
    assert session.calibration_window_s == (0.0, 30.0)
    assert len(session.left) == 2 and len(session.right) == 2
    assert session.skipped_rows == 0


@pytest.mark.parametrize("span", ["5.5:20", "5.5-20", " 5.5 : 20 ", "5.5 - 20.0"])
def test_calibration_span_in_both_spellings(tmp_path, span):
    text = f"# calibration_s: {span}\n{HEADER}\n" + rows(2, "left")
    assert read_session(write(tmp_path, text)).calibration_window_s == (5.5, 20.0)


def test_epoch_time_base_counts_small_metadata_times_from_the_first_sample(tmp_path):
    t0 = 1764000000.25
    text = ("# calibration_s: 1:31\n# mark: 12.5 lifting\n"
            f"# mark: {t0 + 40} absolute\n{HEADER}\n"
            + rows(3, "right", t0=t0 + 0.004) + rows(3, "left", t0=t0))
    session = read_session(write(tmp_path, text))
    assert session.time_base == "epoch"
    assert session.left.time_s[0] == t0  # data times stay as in the file
    assert session.right.time_s[0] == t0 + 0.004
    assert session.calibration_window_s == (t0 + 1, t0 + 31)
    assert session.marks == (Mark(t0 + 12.5, "lifting"), Mark(t0 + 40, "absolute"))


def test_relative_time_base_keeps_metadata_times(tmp_path):
    text = f"# calibration_s: 1:31\n# mark: 12.5 x\n{HEADER}\n" + rows(2, "left", t0=100.0)
    session = read_session(write(tmp_path, text))
    assert session.time_base == "relative"
    assert session.calibration_window_s == (1.0, 31.0)
    assert session.marks == (Mark(12.5, "x"),)


def test_interleaved_sides_are_split_and_sorted_by_time(tmp_path):
    text = (f"{HEADER}\n"
            "0.00,left,1,0,0,0,0,0\n"
            "0.01,right,2,0,0,0,0,0\n"
            "0.03,left,3,0,0,0,0,0\n"
            "0.02,left,4,0,0,0,0,0\n"  # arrived late
            "0.00,right,5,0,0,0,0,0\n"  # arrived late
            "0.01,left,6,0,0,0,0,0\n"  # arrived late
            "0.02,right,7,0,0,0,0,0\n")
    session = read_session(write(tmp_path, text))
    assert session.left.time_s.tolist() == [0.0, 0.01, 0.02, 0.03]
    assert session.left.accel_g[:, 0].tolist() == [1, 6, 4, 3]
    assert session.right.time_s.tolist() == [0.0, 0.01, 0.02]
    assert session.right.accel_g[:, 0].tolist() == [5, 2, 7]
    assert session.warnings == ("left: 2 rows out of time order; sorted by time_s",
                                "right: 1 row out of time order; sorted by time_s")
    assert session.skipped_rows == 0


def test_exact_duplicate_times_keep_the_first(tmp_path):
    text = (f"{HEADER}\n0.00,left,1,0,0,0,0,0\n0.01,left,2,0,0,0,0,0\n"
            "0.01,left,3,0,0,0,0,0\n0.01,left,4,0,0,0,0,0\n0.02,left,5,0,0,0,0,0\n")
    session = read_session(write(tmp_path, text))
    assert session.left.accel_g[:, 0].tolist() == [1, 2, 5]
    assert session.warnings == (
        "left: 2 rows repeating an earlier time_s dropped (kept the first)",)


@pytest.mark.parametrize("side", ["Left", "LEFT", " left ", "left\t"])
def test_side_is_case_insensitive_and_blank_tolerant(tmp_path, side):
    text = f"{HEADER}\n0,{side},1,0,0,0,0,0\n1,{side},1,0,0,0,0,0\n"
    session = read_session(write(tmp_path, text))
    assert len(session.left) == 2 and session.skipped_rows == 0


def test_optional_seq_and_device_time(tmp_path):
    text = ("time_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps,seq,device_time_s\n"
            "0.0,left,1,0,0,0,0,0,7,100.5\n"
            "0.0,right,1,0,0,0,0,0,,\n"
            "0.1,left,1,0,0,0,0,0,8,100.6\n"
            "0.1,right,1,0,0,0,0,0,,\n")
    session = read_session(write(tmp_path, text))
    assert session.left.seq.tolist() == [7, 8] and session.left.seq.dtype == np.int64
    assert session.left.device_time_s.tolist() == [100.5, 100.6]
    assert session.right.seq is None and session.right.device_time_s is None


# ---------------------------------------------------------------- broken rows


def test_bad_number_row_is_skipped_and_named_by_line(tmp_path):
    text = (f"{HEADER}\n" + rows(2, "left")
            + "0.02,left,1.0,abc,0,0,0,0\n"  # line 4
            + rows(2, "right") + "0.05,right,nan,0,0,0,0,0\n"  # line 7
            + "0.06,right,1,0,0,inf,0,0\n"  # line 8
            + "0.07,left,1,0,0,0,0,\n")  # line 9: empty cell
    session = read_session(write(tmp_path, text))
    assert session.skipped_rows == 4
    assert session.warnings == ("skipped 4 broken rows (lines 4, 7, 8, 9): bad number",)
    assert len(session.left) == 2 and len(session.right) == 2


def test_truncated_last_line_is_skipped(tmp_path):
    text = f"{HEADER}\n" + rows(3, "left") + "0.03,left,1.0,0.0"  # no newline either
    session = read_session(write(tmp_path, text))
    assert session.skipped_rows == 1
    assert session.warnings == ("skipped 1 broken row (line 5): wrong field count",)
    assert session.left.time_s.tolist() == [0.0, 0.01, 0.02]


def test_unknown_side_is_skipped_and_counted_separately(tmp_path):
    text = (f"{HEADER}\n" + rows(2, "left")
            + "0.02,middle,1,0,0,0,0,0\n"  # line 4
            + "0.03,,1,0,0,0,0,0\n"  # line 5
            + "0.04,left,1,0,0\n")  # line 6
    session = read_session(write(tmp_path, text))
    assert session.skipped_rows == 3
    assert session.warnings == (
        "skipped 1 broken row (line 6): wrong field count",
        "skipped 2 rows with an unknown side (e.g. line 4: 'middle')",
    )


def test_wrong_field_counts_name_the_first_five_lines(tmp_path):
    bad = ["0.5,left,1,0,0,0,0,0,9", "0.5,left,1,0,0,0,0", "0.5", "garbage", ",,,,,,,,,,",
           "0.5,left,1,0,0,0,0,0," + "," * 255]  # 263 commas: a wrap-around count would be 7
    text = f"{HEADER}\n" + "".join(line + "\n" for line in bad) + rows(2, "left", t0=1)
    session = read_session(write(tmp_path, text))
    assert session.skipped_rows == 6
    assert session.warnings == ("skipped 6 broken rows (lines 2, 3, 4, 5, 6, ...): wrong field "
                                "count",)
    assert session.left.time_s.tolist() == [1.0, 1.01]


def test_stray_carriage_return_and_quote_do_not_shift_rows(tmp_path):
    text = (f"{HEADER}\n" + rows(2, "left")
            + "0.02,left,1,0\r,0,0,0,0\n"  # line 4: a CR inside the line
            + '0.03,left,"1,0,0,0,0,0\n'  # line 5: an unmatched quote
            + "0.04,left,7,0,0,0,0,0\n")
    session = read_session(write(tmp_path, text))
    assert session.warnings == ("skipped 2 broken rows (lines 4, 5): bytes that are not text or "
                                "bad number",)
    assert session.left.time_s.tolist() == [0.0, 0.01, 0.04]
    assert session.left.accel_g[:, 0].tolist() == [1.0, 1.001, 7.0]


def test_bom_and_crlf(tmp_path):
    text = DESIGN_EXAMPLE + MORE_ROWS
    session = read_session(write(tmp_path, b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()))
    assert session.metadata["calibration_s"] == "0.0:30.0"
    assert session.left.accel_g[0].tolist() == [0.99063, 0.20477, -0.09822]
    assert session.right.gyro_dps[1].tolist() == [0.0, 0.0, 0.0]
    assert session.skipped_rows == 0 and session.warnings == ()


def test_blank_and_whitespace_lines_are_ignored(tmp_path):
    text = f"\n  \n{HEADER}\n\n" + rows(1, "left") + " \t \n" + rows(1, "left", t0=1) + "\n\n"
    session = read_session(write(tmp_path, text))
    assert session.left.time_s.tolist() == [0.0, 1.0] and session.skipped_rows == 0


def test_a_side_with_one_sample_is_absent(tmp_path):
    text = f"{HEADER}\n" + rows(3, "left") + rows(1, "right")
    session = read_session(write(tmp_path, text))
    assert session.right is None and len(session.left) == 3
    assert session.warnings == ("right: only 1 usable sample; treated as absent",)


def test_rows_between_many_comment_lines(tmp_path):
    data = rows(10, "left").splitlines(True)
    body = "".join(f"{line}# note {i}\n" for i, line in enumerate(data))  # 10 runs of 1 line
    session = read_session(write(tmp_path, f"{HEADER}\n{body}0.5,left\n"))
    assert session.left.time_s.tolist() == [i / 100 for i in range(10)]
    assert session.warnings == ("skipped 1 broken row (line 22): wrong field count",)


def test_bad_mark_is_a_warning(tmp_path):
    text = f"# mark: soon lifting\n# mark:\n# mark: 3\n{HEADER}\n" + rows(2, "left")
    session = read_session(write(tmp_path, text))
    assert session.marks == (Mark(3.0, ""),)
    assert session.warnings == ("2 marks without a time in seconds ignored (lines 1, 2; e.g. 'soon lifting')",)
    session = read_session(write(tmp_path, f"{HEADER}\n" + rows(2, "left") + "# mark: soon\n"))
    assert session.warnings == ("line 4: mark without a time in seconds ('soon'); ignored",)


# ---------------------------------------------------------------- unusable files


def error_for(path) -> SessionFileError:
    with pytest.raises(SessionFileError) as info:
        read_session(path)
    assert str(path) in str(info.value)
    return info.value


def test_header_only_has_no_usable_data(tmp_path):
    err = error_for(write(tmp_path, f"# format: backmon-session/1\n{HEADER}\n"))
    assert err.problem == "no usable data rows: 0 rows skipped" and err.line is None


def test_only_broken_rows_have_no_usable_data(tmp_path):
    err = error_for(write(tmp_path, f"{HEADER}\n0,left,x,0,0,0,0,0\n0,up,1,0,0,0,0,0\n"))
    assert err.problem == "no usable data rows: 2 rows skipped"


def test_two_sides_with_one_sample_each_is_an_error(tmp_path):
    err = error_for(write(tmp_path, f"{HEADER}\n" + rows(1, "left") + rows(1, "right")))
    assert err.problem == "no side has 2 or more usable samples"


def test_missing_column_names_it_and_the_header_line(tmp_path):
    text = "# format: backmon-session/1\n\ntime_s,side,ax_g,az_g,gx_dps,gy_dps\n0,left,1,0,0,0\n"
    err = error_for(write(tmp_path, text))
    assert err.line == 3
    assert err.problem == ("missing column(s) ay_g, gz_dps; the header has: time_s, side, ax_g, "
                           "az_g, gx_dps, gy_dps")
    assert str(err).startswith(f"{tmp_path / 's.csv'}:3: missing column(s) ay_g, gz_dps")


def test_data_without_header_is_a_missing_column_error(tmp_path):
    err = error_for(write(tmp_path, rows(3, "left")))
    assert err.line == 1 and err.problem.startswith("missing column(s) time_s, side, ax_g")


def test_duplicate_column(tmp_path):
    err = error_for(write(tmp_path, HEADER + ",ax_g\n"))
    assert err.line == 1 and err.problem == "duplicate column(s) ax_g in the header"


@pytest.mark.parametrize("text, problem", [
    ("", "no header line (the file is empty)"),
    ("\n\r\n  \n", "no header line (the file is empty)"),
    ("# format: backmon-session/1\n# a: b\n", "no header line (only comments)"),
])
def test_empty_files(tmp_path, text, problem):
    assert error_for(write(tmp_path, text)).problem == problem


def test_nonexistent_path(tmp_path):
    err = error_for(tmp_path / "missing.csv")
    assert err.problem == "no such file"


def test_directory(tmp_path):
    err = error_for(tmp_path)
    assert err.problem == "is a directory, not a session CSV file"


def test_newer_format_version_is_refused(tmp_path):
    text = f"# format: backmon-session/2\n{HEADER}\n" + rows(2, "left")
    err = error_for(write(tmp_path, text))
    assert err.line == 1 and "unsupported format 'backmon-session/2'" in err.problem


def test_bad_calibration_span_is_an_error(tmp_path):
    text = f"{HEADER}\n" + rows(2, "left") + "# calibration_s: 30:10\n"
    err = error_for(write(tmp_path, text))
    assert err.line == 4
    assert err.problem == "calibration_s: time span '30:10' must end after it starts"


def test_gzip_file_is_refused(tmp_path):
    err = error_for(write(tmp_path, gzip.compress((DESIGN_EXAMPLE * 50).encode())))
    assert err.line == 1 and "not UTF-8 text" in err.problem


def test_random_binary_garbage_only_raises_session_file_error(tmp_path):
    rng = np.random.default_rng(7)
    for i in range(20):
        path = write(tmp_path, rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(), f"g{i}.bin")
        error_for(path)


def test_non_text_bytes_in_data_rows_are_broken_rows(tmp_path):
    text = (f"{HEADER}\n".encode() + rows(2, "left").encode()
            + b"0.02,left,1,0,0,0\x00,0,0\n" + b"0.03,l\xc3\xa9ft,1,0,0,0,0,0\n")
    session = read_session(write(tmp_path, text))
    assert session.skipped_rows == 2
    assert session.warnings == ("skipped 2 broken rows (lines 4, 5): bytes that are not text",)


VALID = (DESIGN_EXAMPLE + MORE_ROWS).encode()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.tuples(st.integers(0, len(VALID)), st.integers(0, 40),
                               st.binary(max_size=12)), max_size=6))
def test_mutated_files_give_a_session_or_a_session_file_error(tmp_path, cuts):
    data = bytearray(VALID)
    for at, drop, insert in cuts:
        data[at:at + drop] = insert
    path = write(tmp_path, bytes(data))
    try:
        session = read_session(path)
    except SessionFileError as err:
        assert str(path) in str(err)
        return
    for side in (session.left, session.right):
        if side is not None:
            assert len(side) >= 2 and np.all(np.diff(side.time_s) > 0)
            assert np.isfinite(side.accel_g).all() and np.isfinite(side.gyro_dps).all()


# ---------------------------------------------------------------- writing


def test_written_text_is_exact(tmp_path):
    left = SideSamples("left", np.array([0.0, 0.01]), np.array([[0.99063, 0.20477, -0.09822],
                                                                [1.0, 0.0, -0.0000004]]),
                       np.array([[-1.069, 0.006, -0.486], [120.25, -0.00004, 0.0]]),
                       seq=np.array([41, 42]))
    right = SideSamples("right", np.array([0.0041, 0.0141]), np.ones((2, 3)), np.zeros((2, 3)))
    path = tmp_path / "w.csv"
    write_session(path, left, right, metadata=[("format", "ignored"), ("operator", "Kim")],
                  marks=[Mark(0.005, "lifting boxes")])
    assert path.read_text() == (
        "# format: backmon-session/1\n"
        "# operator: Kim\n"
        "# mark: 0.005 lifting boxes\n"
        "time_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps,seq\n"
        "0.000000,left,0.990630,0.204770,-0.098220,-1.0690,0.0060,-0.4860,41\n"
        "0.004100,right,1.000000,1.000000,1.000000,0.0000,0.0000,0.0000,\n"
        "0.010000,left,1.000000,0.000000,0.000000,120.2500,0.0000,0.0000,42\n"
        "0.014100,right,1.000000,1.000000,1.000000,0.0000,0.0000,0.0000,\n"
    )


def make_side(side: str, rate_hz: float, n: int, t0: float, rng) -> SideSamples:
    time_s = t0 + np.arange(n) / rate_hz
    return SideSamples(side, time_s, np.round(rng.normal(0, 1, (n, 3)), 6),
                       np.round(rng.normal(0, 100, (n, 3)), 4),
                       device_time_s=np.round(time_s * 1.0001 - t0 + 3.5, 6),
                       seq=np.arange(n, dtype=np.int64) % 65536)


@pytest.mark.parametrize("rate_hz, t0", [(10.0, 0.0), (1000.0, 0.0), (10.0, 1764000000.0),
                                         (1000.0, 1764000000.125)])
def test_round_trip(tmp_path, rate_hz, t0):
    rng = np.random.default_rng(int(rate_hz))
    left = make_side("left", rate_hz, 3000, t0, rng)
    right = make_side("right", rate_hz, 2500, t0 + 0.0004, rng)
    metadata = {"started_at": "2026-11-24T08:00:00Z", "calibration_s": "0:30", "rate_hz": "x"}
    path = tmp_path / "rt.csv"
    marks = [Mark(t0 + 1.5, "lift"), Mark(t0 + 2, "")]
    write_session(path, left, right, metadata=metadata, marks=marks)
    session = read_session(path)
    assert session.skipped_rows == 0 and session.warnings == ()
    assert session.time_base == ("epoch" if t0 else "relative")
    assert session.metadata == {"format": "backmon-session/1", **metadata}
    assert session.calibration_window_s == (t0 + 0.0, t0 + 30.0)
    assert session.marks == (Mark(t0 + 1.5, "lift"), Mark(t0 + 2, ""))
    for wrote, got in ((left, session.left), (right, session.right)):
        np.testing.assert_allclose(got.time_s, wrote.time_s, rtol=0, atol=1e-6)
        np.testing.assert_allclose(got.accel_g, wrote.accel_g, rtol=0, atol=1e-6)
        np.testing.assert_allclose(got.gyro_dps, wrote.gyro_dps, rtol=0, atol=1e-4)
        np.testing.assert_allclose(got.device_time_s, wrote.device_time_s, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(got.seq, wrote.seq)


def test_round_trip_is_stable_text(tmp_path):
    rng = np.random.default_rng(3)
    left = make_side("left", 100.0, 500, 0.0, rng)
    write_session(tmp_path / "a.csv", left, None, metadata={"x": "1"})
    session = read_session(tmp_path / "a.csv")
    write_session(tmp_path / "b.csv", session.left, session.right, metadata=session.metadata)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_writer_refuses_bad_input_and_unwritable_paths(tmp_path):
    left = SideSamples("left", np.array([0.0, 1.0]), np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError):
        write_session(tmp_path / "x.csv", None, left)  # left samples given as right
    with pytest.raises(ValueError):
        write_session(tmp_path / "x.csv", left, None, metadata={"mark": "1 x"})
    nan_left = SideSamples("left", np.array([0.0, np.nan]), np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError):
        write_session(tmp_path / "x.csv", nan_left, None)
    (tmp_path / "plain").write_text("a file, not a folder")
    with pytest.raises(OutputError) as info:
        write_session(tmp_path / "plain" / "dir.csv", left, None)
    plain = tmp_path / "plain"
    assert str(info.value) == f"cannot write {plain / 'dir.csv'}: {plain} exists and is not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain"]  # nothing half-written left behind


# ---------------------------------------------------------------- time spans


@pytest.mark.parametrize("text, span", [
    ("0:30", (0.0, 30.0)), ("0-30", (0.0, 30.0)), (" 12.5 : 40.25 ", (12.5, 40.25)),
    ("1764000000.5-1764000030", (1764000000.5, 1764000030.0)), (".5:1.", (0.5, 1.0)),
])
def test_parse_time_span(text, span):
    assert parse_time_span(text) == span


@pytest.mark.parametrize("text", ["", "30", "a:b", "0:30:40", "-5:10", "10:5", "5-5", "0:inf",
                                  "0..1:2"])
def test_parse_time_span_refuses(text):
    with pytest.raises(ValueError, match="time span"):
        parse_time_span(text)

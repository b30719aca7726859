"""Hostile session files (issue 11, the input side): whatever a file holds besides its samples,
the reader's memory stays bounded by its block and the reports stay small. Metadata lines, marks
and their lengths are capped with a warning (the file itself is never changed); a line longer
than the reader's limit is an error naming its line; a pipe or a device is refused in one sentence
by every command that reads sessions (analyze, report, batch, trends), never waited on.

The files are built here, small on disk (a sparse file for the long line). The ones that cost
memory run ``backmon`` in a child process with its address space capped (tests/support/hostile.py).
"""

from __future__ import annotations

import json
import os

import pytest

from sensors.errors import SessionFileError
from sensors.session import blocks as blocks_module
from sensors.session import meta as meta_module
from sensors.session.files import read_session
from tests.fixtures import make_messy_files as messy
from tests.support.hostile import one_clear_error, run_capped, unblock_later

BODY = messy.base()
BODY_KEYS = sum(1 for line in BODY.meta if not line.startswith("# mark:"))  # format, started_at, ...
BODY_MARKS = len(BODY.meta) - BODY_KEYS


def _session(path, extra_lines: list[bytes] | bytes, *, after_header: bytes = b"") -> None:
    """The clean session with ``extra_lines`` after its metadata (and ``after_header`` after the header)."""
    extra = extra_lines if isinstance(extra_lines, bytes) else b"".join(line + b"\n" for line in extra_lines)
    with open(path, "wb") as f:
        f.write("\n".join(BODY.meta).encode() + b"\n" + extra + BODY.header.encode() + b"\n" + after_header)
        f.write(("\n".join(BODY.rows) + "\n").encode())


# ---------------------------------------------------------------- metadata, marks, lengths


def test_a_million_metadata_lines_give_a_small_report_in_bounded_memory(tmp_path):
    """1,000,000 distinct keys (14 MB): before, every one went into the JSON and the report (128 MB)
    and the reader held them all (1.3 GB); now the first MAX_METADATA_KEYS are kept and the rest
    are counted in one warning."""
    path = tmp_path / "meta.csv"
    lines = b"".join(b"# k%07d: v\n" % i for i in range(1_000_000))
    _session(path, lines)
    result = run_capped("analyze", path, "-q", "--json", tmp_path / "a.json", "--report", tmp_path / "r.html",
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    further = 1_000_000 - (meta_module.MAX_METADATA_KEYS - BODY_KEYS)
    assert f"{further:,} further metadata lines not shown" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    data = json.loads((tmp_path / "a.json").read_text())
    assert len(data["metadata"]) == meta_module.MAX_METADATA_KEYS
    assert (tmp_path / "a.json").stat().st_size < 1_000_000
    assert (tmp_path / "r.html").stat().st_size < 1_000_000


def test_marks_and_long_values_are_capped_with_one_warning_each(tmp_path):
    path = tmp_path / "marks.csv"
    marks = [b"# mark: %d.5 task %d" % (i % 20, i) for i in range(meta_module.MAX_MARKS + 1234)]
    bad_marks = [b"# mark: soon lifting %d" % i for i in range(700)]
    long_value = b"# note: " + b"x" * 100_000
    _session(path, marks + bad_marks + [long_value])
    session = read_session(path)
    assert len(session.marks) == meta_module.MAX_MARKS
    assert session.marks[0].text == "calibration" and session.marks[BODY_MARKS].text == "task 0"
    assert len(session.metadata["note"]) == meta_module.MAX_VALUE_CHARS
    warnings = "\n".join(session.warnings)
    assert f"{1234 + BODY_MARKS:,} further marks not shown" in warnings
    first_bad = len(BODY.meta) + len(marks) + 1
    assert (f"700 marks without a time in seconds ignored (lines {first_bad}, {first_bad + 1}, {first_bad + 2}, "
            f"{first_bad + 3}, {first_bad + 4}, ...; e.g. 'soon lifting 0')") in warnings
    assert f"line {first_bad + 700}: note is {100_000:,} characters long; the first" in warnings
    assert len(session.warnings) == 3


def test_a_long_mark_text_is_cut_too(tmp_path):
    path = tmp_path / "m.csv"
    _session(path, [b"# mark: 3.0 " + b"y" * 5000])
    session = read_session(path)
    assert session.marks[BODY_MARKS].text == "y" * meta_module.MAX_MARK_CHARS
    assert any("mark is 5,000 characters long" in w for w in session.warnings)


def test_caps_do_not_depend_on_the_block_size(tmp_path):
    path = tmp_path / "m.csv"
    _session(path, [b"# k%d: %s" % (i, b"z" * (i % 3000)) for i in range(meta_module.MAX_METADATA_KEYS + 50)]
             + [b"# mark: 1.0 a"] * (meta_module.MAX_MARKS + 5))
    whole = read_session(path, block_bytes=1 << 30)
    for block_bytes in (1000, 4099):
        part = read_session(path, block_bytes=block_bytes)
        assert (part.metadata, part.marks, part.warnings) == (whole.metadata, whole.marks, whole.warnings)


# ---------------------------------------------------------------- long lines, floods of lines


def test_a_200_mb_line_is_an_error_naming_its_line(tmp_path):
    """A sparse file: line 3 is 200 MB of NUL bytes without a newline (before: 4.3 GB, then a
    MemoryError). Now: the line's number and the limit, exit 2, in bounded memory."""
    path = tmp_path / "long.csv"
    with open(path, "wb") as f:
        f.write(b"# format: backmon-session/1\n# note: short\n# note: ")
        f.truncate(200 << 20)
    line = one_clear_error(run_capped("analyze", path, "-q", cwd=tmp_path))
    limit_mib = blocks_module.MAX_LINE_BYTES >> 20
    assert line == (f"backmon: {path}:3: the line is longer than {limit_mib} MiB, which no session line is "
                    "(is this a session CSV file?)")


@pytest.mark.parametrize("block_bytes", [64, 1000, 4099, 1 << 30])
def test_a_line_beyond_the_limit_is_the_same_error_whatever_the_block(block_bytes, tmp_path, monkeypatch):
    monkeypatch.setattr(blocks_module, "MAX_LINE_BYTES", 3000)
    rows, later = "\n".join(BODY.rows[:200]), "\n".join(BODY.rows[200:400])
    path = tmp_path / "s.csv"
    path.write_text(f"# format: backmon-session/1\n{BODY.header}\n{rows}\n# note: {'q' * 3001}\n{later}\n")
    with pytest.raises(SessionFileError) as err:
        read_session(path, block_bytes=block_bytes)
    assert err.value.line == 203 and "longer than" in err.value.problem
    path.write_text(f"# format: backmon-session/1\n{BODY.header}\n{rows}\n# note: {'q' * 2990}\n{later}\n")
    assert read_session(path, block_bytes=block_bytes).metadata["note"] == "q" * meta_module.MAX_VALUE_CHARS


def test_a_flood_of_blank_lines_stays_within_the_block(tmp_path):
    """32 MB of newlines after the header: before, the per-line arrays of one block took about
    110 bytes a line (3.7 GB); now a block holds at most MAX_BLOCK_LINES lines."""
    path = tmp_path / "blank.csv"
    _session(path, b"", after_header=b"\n" * (32 << 20))
    result = run_capped("analyze", path, "-q", "--json", tmp_path / "a.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads((tmp_path / "a.json").read_text())["sides"]["left"]["samples"] == len(BODY.side_rows("left"))


def test_comments_before_the_header_are_read_in_blocks(tmp_path):
    """16 million empty comment lines before the header (32 MB): before, the reader gathered them
    all into one block to find the header, with its arrays of 28 bytes a line."""
    path = tmp_path / "c.csv"
    _session(path, b"#\n" * (16 << 20))
    result = run_capped("analyze", path, "-q", "--json", tmp_path / "a.json", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr[-3000:]


# ---------------------------------------------------------------- pipes and devices


def _fifo(tmp_path, name: str = "session.csv"):
    path = tmp_path / name
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", ["analyze", "report", "batch"])
def test_a_pipe_without_a_writer_is_refused_not_waited_on(command, tmp_path):
    path = _fifo(tmp_path)
    timer = unblock_later(path)
    argv = {"analyze": ["analyze", path, "-q"], "report": ["report", path, "-o", tmp_path / "r.html"],
            "batch": ["batch", path, "-o", tmp_path / "out", "-q"]}[command]
    result = run_capped(*argv, cwd=tmp_path, timeout_s=50)
    timer.cancel()
    assert "Traceback" not in result.stderr and result.returncode == 2, result.stderr
    assert f"{path}: is not a regular file (a pipe); give a saved file" in result.stderr


def test_a_pipe_as_the_config_is_refused_not_waited_on(tmp_path):
    session = tmp_path / "s.csv"
    _session(session, b"")
    config = _fifo(tmp_path, "settings.toml")
    timer = unblock_later(config)
    line = one_clear_error(run_capped("analyze", session, "-q", "--config", config, cwd=tmp_path, timeout_s=50))
    timer.cancel()
    assert line == f"backmon: {config}: is not a regular file (a pipe); give a saved file"


def test_a_device_is_refused(tmp_path):
    line = one_clear_error(run_capped("analyze", "/dev/zero", "-q", cwd=tmp_path, timeout_s=50))
    assert line == "backmon: /dev/zero: is not a regular file (a device); give a saved file"


def test_trends_leaves_out_a_pipe(tmp_path):
    path = _fifo(tmp_path, "day.csv")
    timer = unblock_later(path)
    result = run_capped("trends", path, "-o", tmp_path / "t.html", cwd=tmp_path, timeout_s=50)
    timer.cancel()
    assert "Traceback" not in result.stderr and result.returncode == 2, result.stderr
    assert str(path) in result.stderr


def test_trends_leaves_out_an_analysis_json_too_large_to_be_one(tmp_path):
    """A 1 GiB file named .json (sparse): before, json.load read it whole (a MemoryError)."""
    path = tmp_path / "day.json"
    with open(path, "wb") as f:
        f.truncate(1 << 30)
    result = run_capped("trends", path, "-o", tmp_path / "t.html", cwd=tmp_path, timeout_s=120)
    assert "Traceback" not in result.stderr and result.returncode == 2, result.stderr[-3000:]
    assert f"{path}: left out (not an analysis (larger than 64 MiB))" in result.stderr

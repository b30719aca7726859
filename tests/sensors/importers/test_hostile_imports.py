"""Hostile inputs to ``backmon import`` (issue 11, the input side): zip bombs, overlapping entries,
encrypted members, archives of thousands of files, oversized files, devices and pipes. Each ends
in one clear sentence and exit 2 (or, for files that are not needed, a normal import), in bounded
memory: the bombs run in a child process whose address space is capped at about 1 GB
(tests/support/hostile.py), and are built here, small on disk.
"""

from __future__ import annotations

import os
import zipfile

import pytest

from sensors.errors import ImportFileError
from sensors.importers import import_recording, inputs
from sensors.importers.inputs import InputFile, ReadBudget, expand, read_inputs
from tests.fixtures import make_import_fixtures as fixtures
from tests.support.hostile import (
    Entry,
    deflated,
    named,
    one_clear_error,
    overlapping_zip,
    run_capped,
    unblock_later,
    zeros,
    zip_bytes,
)

HUGE_BYTES = 768 << 20  # one member's unpacked size in the bombs below: each alone fills the capped child


def _members(zip_path) -> list[Entry]:
    with zipfile.ZipFile(zip_path) as z:
        return [named(deflated(z.read(n)), n) for n in z.namelist()]


def _sensorlogger_members(tmp_path) -> list[Entry]:
    return _members(fixtures.make_sensorlogger(tmp_path / "fixture").left[0])


def _phyphox_members(tmp_path) -> list[Entry]:
    return _members(fixtures.make_phyphox(tmp_path / "fixture").left[0])


def _import(tmp_path, tool: str, *left, timeout_s: float = 300.0):
    return run_capped("import", "--from", tool, "--left", *left, "-o", tmp_path / "out.csv", cwd=tmp_path,
                      timeout_s=timeout_s)


# ---------------------------------------------------------------- bombs


def test_overlapping_entries_are_refused_before_unpacking(tmp_path):
    """A 1 MB archive of 32 entries that overlap (each unpacks to 1 GB, 32 GB in all): before, every
    entry was unpacked into memory (MemoryError beyond 12 GB)."""
    path = tmp_path / "bomb.zip"
    path.write_bytes(overlapping_zip(["Accelerometer.csv", "Gyroscope.csv"] + [f"x{i}.csv" for i in range(30)],
                                     zeros(1_000_000_000)))
    assert path.stat().st_size < 1_100_000
    line = one_clear_error(_import(tmp_path, "phyphox", path))
    assert line == (f"backmon: {path}: its entries overlap (Accelerometer.csv runs into Gyroscope.csv), a zip "
                    "bomb's trick; not an export")


def test_members_not_needed_are_never_unpacked(tmp_path):
    """Sensor Logger's export plus three 768 MiB members it does not use (a 4 MB zip): before,
    all were unpacked (5.5 GB at the peak); now they are set aside by name, in one note."""
    path = tmp_path / "export.zip"
    huge = zeros(HUGE_BYTES)
    path.write_bytes(zip_bytes(_sensorlogger_members(tmp_path)
                               + [named(huge, f"{n}.csv") for n in ("Magnetometer", "Barometer", "Location")]))
    assert path.stat().st_size < 4 << 20
    result = _import(tmp_path, "sensorlogger", path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert (f"backmon: note: 4 files set aside (not used by backmon): {path}:Annotation.csv, {path}:Magnetometer.csv, "
            f"{path}:Barometer.csv, ...") in result.stderr


def test_a_needed_member_beyond_the_compression_ratio_is_refused(tmp_path):
    """phyphox's accelerometer file replaced by 768 MiB of zeros (deflate packs them 1000:1)."""
    path = tmp_path / "export.zip"
    members = [m if m.name != "Accelerometer.csv" else named(zeros(HUGE_BYTES), m.name)
               for m in _phyphox_members(tmp_path)]
    path.write_bytes(zip_bytes(members))
    line = one_clear_error(_import(tmp_path, "phyphox", path))
    ratio = inputs.MAX_COMPRESSION_RATIO
    assert line.startswith(f"backmon: {path}:Accelerometer.csv: unpacks to more than {ratio} times its packed size")
    assert line.endswith("; a zip bomb, or a damaged archive")


def test_all_files_of_an_import_share_one_cap(tmp_path, monkeypatch):
    """The cap on what an import unpacks in all counts both sides' files (each fine alone)."""
    fixture = fixtures.make_phyphox(tmp_path)
    budget = ReadBudget()
    import_recording("phyphox", read_inputs(fixture.left, budget=budget), [])
    one_side_bytes = budget.spent_bytes
    assert one_side_bytes > 0
    monkeypatch.setattr(inputs, "MAX_TOTAL_BYTES", one_side_bytes * 3 // 2)
    budget = ReadBudget()
    with pytest.raises(ImportFileError, match="more than .* in all"):
        import_recording("phyphox", read_inputs(fixture.left, budget=budget), read_inputs(fixture.left, budget=budget))
    import_recording("phyphox", read_inputs(fixture.left), read_inputs(fixture.left))  # a budget each


def test_a_file_beyond_the_size_cap_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:  # sparse: 1.5 GiB on paper, nothing on disk
        f.write(b"time\tAccX(g)\n")
        f.truncate(3 << 29)
    line = one_clear_error(_import(tmp_path, "witmotion", path, timeout_s=60))
    assert line == f"backmon: {path}: is 1.5 GiB; backmon imports files of up to 1 GiB (about 10 million rows)"


# ---------------------------------------------------------------- encrypted, many entries


def test_an_encrypted_member_is_called_encrypted(tmp_path):
    path = tmp_path / "locked.zip"
    path.write_bytes(zip_bytes([named(m, m.name, flags=1) for m in _sensorlogger_members(tmp_path)]))
    line = one_clear_error(_import(tmp_path, "sensorlogger", path))
    assert line == (f"backmon: {path}:Metadata.csv: is encrypted (the zip has a password); export it "
                    "again without one, or unpack it yourself and give the files")


def test_thousands_of_unused_entries_give_one_note(tmp_path):
    """9,999 entries, 9,996 of them not used (before: 9,995 notes on stderr)."""
    path = tmp_path / "many.zip"
    junk = deflated(b"a,b\n1,2\n")
    members = _sensorlogger_members(tmp_path)
    path.write_bytes(zip_bytes(members + [named(junk, f"junk{i:04d}.csv") for i in range(9_999 - len(members))]))
    result = _import(tmp_path, "sensorlogger", path)
    assert result.returncode == 0, result.stderr[-3000:]
    notes = result.stderr.splitlines()
    assert len(notes) <= 4, notes[:10]
    assert (f"backmon: note: 9,995 files set aside (not used by backmon): {path}:Annotation.csv, "
            f"{path}:junk0000.csv, {path}:junk0001.csv, ...") in notes


def test_an_archive_of_more_entries_than_the_cap_is_refused_before_listing_them(tmp_path):
    path = tmp_path / "many.zip"
    junk = deflated(b"x")
    path.write_bytes(zip_bytes([named(junk, f"{i}.csv") for i in range(inputs.MAX_MEMBERS + 1)]))
    line = one_clear_error(_import(tmp_path, "phyphox", path))
    assert line == (f"backmon: {path}: the zip archive holds {inputs.MAX_MEMBERS + 1:,} files (backmon reads "
                    f"up to {inputs.MAX_MEMBERS:,}); is it an export of one recording?")


# ---------------------------------------------------------------- devices, pipes, folders


def test_a_device_is_refused_for_import(tmp_path):
    line = one_clear_error(_import(tmp_path, "witmotion", "/dev/zero", timeout_s=60))
    assert line == "backmon: /dev/zero: is not a regular file (a device); give a saved file"


def test_a_pipe_without_a_writer_is_refused_for_import(tmp_path):
    path = tmp_path / "export.zip"
    os.mkfifo(path)
    timer = unblock_later(path)
    line = one_clear_error(_import(tmp_path, "phyphox", path, timeout_s=50))
    timer.cancel()
    assert line == f"backmon: {path}: is not a regular file (a pipe); give a saved file"


def test_a_pipe_inside_a_folder_is_left_alone(tmp_path):
    fixture = fixtures.make_phyphox_multi(tmp_path)
    folder = fixture.right[0]
    os.mkfifo(folder / "Pressure.csv")
    imported = import_recording("phyphox", read_inputs([folder]), [])
    assert len(imported.left) > 100
    assert any("Pressure.csv" in note and "not a regular file" in note for note in imported.notes)


def test_in_memory_archives_keep_their_members_lazy():
    """Listing an archive reads no member; a member's bytes are read when asked for."""
    data = zip_bytes([named(deflated(b"a,b\n1,2\n"), "a.csv"), named(zeros(64 << 20), "big.csv")])
    members = expand(InputFile("x.zip", data))
    assert [m.name for m in members] == ["x.zip:a.csv", "x.zip:big.csv"]
    assert members[0].data == b"a,b\n1,2\n"
    assert members[1].head(10) == bytes(10)
    with pytest.raises(ImportFileError, match="times its packed size"):
        members[1].data  # noqa: B018 - reading it is the point

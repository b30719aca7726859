"""sensors.outputs (files that cannot harm their inputs) and sensors.text (the one sanitiser)."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from sensors.outputs import (
    OutputError,
    OutputRefused,
    create_exclusive,
    is_session_file,
    make_folders,
    refuse_clashes,
    write_bytes,
    write_text,
    write_whole,
)
from sensors.text import metadata_value, printable

RECORDING = b"# format: backmon-session/1\ntime_s,side,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps\n"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---------------------------------------------------------------- the sanitiser

@pytest.mark.parametrize("raw, shown", [
    ("WT901BLE67", "WT901BLE67"),
    ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),  # OSC: set the window title
    ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # CSI: clear the screen, cursor home
    ("\x9b31m", "\\x9b31m"),  # the one-character C1 CSI
    ("a\x00b\x7fc\r\n\t", "a\\x00b\\x7fc\\x0d\\x0a\\x09"),
    ("left\u202egnp.exe", "left\\u202egnp.exe"),  # right-to-left override
    ("Müller °/s ✓", "Müller °/s ✓"),  # printable text outside ASCII stays as it is
])
def test_printable_escapes_control_characters_visibly(raw, shown):
    assert printable(raw) == shown


def test_printable_keeps_what_the_caller_composed():
    assert printable("line 1\nline \x1b[2J2", keep="\n") == "line 1\nline \\x1b[2J2"


def test_metadata_value_is_one_trimmed_line_without_controls():
    assert metadata_value("  WT901\x1b[2J\nsecond line\r\n") == "WT901\\x1b[2J second line"


# ---------------------------------------------------------------- refusals

def test_refuse_clashes_knows_a_file_by_every_name(tmp_path):
    session = tmp_path / "s.csv"
    session.write_bytes(b"time_s,side\n")
    os.link(session, tmp_path / "hard.csv")
    (tmp_path / "sym.csv").symlink_to(session)
    (tmp_path / "sub").mkdir()
    for other in ("hard.csv", "sym.csv", "sub/../s.csv", "./s.csv"):
        with pytest.raises(OutputRefused, match="is the same file as the input"):
            refuse_clashes([os.path.join(tmp_path, other)], inputs=[session])
    refuse_clashes([tmp_path / "new.json", None], inputs=[session, None])  # fine: nothing raised


def test_refuse_clashes_knows_an_output_not_yet_there_by_its_resolved_path(tmp_path):
    (tmp_path / "sub").mkdir()
    missing_input = tmp_path / "later.csv"  # an input read later (or a link to one that is not there yet)
    with pytest.raises(OutputRefused, match="is the same file as the input"):
        refuse_clashes([tmp_path / "sub" / ".." / "later.csv"], inputs=[missing_input])


def test_refused_outputs_say_why_in_one_sentence(tmp_path):
    (tmp_path / "rec.csv").write_bytes(RECORDING)
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + RECORDING)  # saved again by a spreadsheet
    (tmp_path / "quoted.csv").write_bytes(b'"' + RECORDING)
    (tmp_path / "folder").mkdir()
    cases = {"rec.csv": "is a backmon session recording, which backmon never overwrites; choose another output name",
             "bom.csv": "is a backmon session recording, which backmon never overwrites; choose another output name",
             "quoted.csv": "is a backmon session recording, which backmon never overwrites; choose another "
                           "output name",
             "folder": "is a folder; give a file name for this output"}
    for name, why in cases.items():
        with pytest.raises(OutputRefused) as info:
            refuse_clashes([tmp_path / name])
        assert str(info.value) == f"{tmp_path / name} {why}"
    with pytest.raises(OutputRefused, match="is not a regular file"):
        refuse_clashes(["/dev/null"])
    assert not is_session_file("/dev/null") and not is_session_file(tmp_path / "missing")


# ---------------------------------------------------------------- writing whole

def test_files_are_owner_only_and_new_folders_0700_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        write_text(tmp_path / "a" / "b" / "out.json", "{}\n")
        make_folders(tmp_path / "figures")
    finally:
        os.umask(old)
    assert (tmp_path / "a" / "b" / "out.json").read_text() == "{}\n"
    assert [mode(tmp_path / p) for p in ("a", "a/b", "figures", "a/b/out.json")] == [0o700, 0o700, 0o700, 0o600]


def test_replacing_a_file_makes_it_owner_only_and_keeps_a_symlink(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    (tmp_path / "link.json").symlink_to(target)
    write_text(tmp_path / "link.json", "new")
    assert (tmp_path / "link.json").is_symlink() and target.read_text() == "new" and mode(target) == 0o600


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_any_failure_leaves_the_earlier_file_and_no_temporary_file(tmp_path, monkeypatch, where):
    out = tmp_path / "out.csv"
    out.write_text("earlier\n")

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if where != "write":
        monkeypatch.setattr(os, where, no_space)
    with pytest.raises(OutputError) as info:
        with write_whole(out) as handle:
            handle.write("half of it")
            if where == "write":
                no_space()
    assert str(info.value) == f"cannot write {out}: no space left on device"
    monkeypatch.undo()
    assert out.read_text() == "earlier\n" and os.listdir(tmp_path) == ["out.csv"]


def test_a_bug_while_writing_is_not_dressed_as_a_file_error(tmp_path):
    with pytest.raises(ValueError, match="a bug"):
        with write_whole(tmp_path / "x.bin", binary=True) as handle:
            handle.write(b"abc")
            raise ValueError("a bug")
    assert os.listdir(tmp_path) == []


def test_writing_refuses_its_inputs_itself(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(b"x")
    with pytest.raises(OutputRefused):
        write_bytes(tmp_path / "in.csv", b"y", inputs=[source])
    (tmp_path / "rec.csv").write_bytes(RECORDING)
    with pytest.raises(OutputRefused):
        write_bytes(tmp_path / "rec.csv", b"y")
    assert source.read_bytes() == b"x" and (tmp_path / "rec.csv").read_bytes() == RECORDING


# ---------------------------------------------------------------- recordings

def test_create_exclusive_never_opens_what_is_there(tmp_path):
    (tmp_path / "there.csv").write_text("keep")
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "nowhere.csv")
    for name in ("there.csv", "dangling.csv"):
        with pytest.raises(FileExistsError):
            create_exclusive(tmp_path / name)
    assert (tmp_path / "there.csv").read_text() == "keep" and not (tmp_path / "nowhere.csv").exists()
    old = os.umask(0)
    try:
        fd = create_exclusive(tmp_path / "new.csv")
    finally:
        os.umask(old)
    os.write(fd, b"a")
    os.close(fd)
    assert mode(tmp_path / "new.csv") == 0o600


def test_a_recording_into_a_missing_folder_creates_it_as_every_output_does(tmp_path):
    # Issue 12: "monitor --record nodir/out.csv" failed where "report -o nodir/r.html" made the folder.
    os.close(create_exclusive(tmp_path / "day" / "one" / "out.csv"))
    assert [mode(tmp_path / p) for p in ("day", "day/one", "day/one/out.csv")] == [0o700, 0o700, 0o600]

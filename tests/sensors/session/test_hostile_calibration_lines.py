"""``# calibration:`` lines are ``#`` lines too (issue 11): at most MAX_CALIBRATIONS are read, and
lines that do not read as a calibration give one warning for the whole file, not one each."""

from __future__ import annotations

from sensors.session import meta as meta_module
from sensors.session.files import read_session
from tests.fixtures import make_messy_files as messy

BODY = messy.base()
IDENTITY = "1 0 0 0 1 0 0 0 1"


def _write(tmp_path, lines: list[str]):
    path = tmp_path / "s.csv"
    path.write_text("\n".join([*BODY.meta, *lines, BODY.header, *BODY.rows]) + "\n")
    return path


def test_calibration_lines_beyond_the_cap_are_counted_not_read(tmp_path):
    lines = [f"# calibration: {i / 10:.1f} left {IDENTITY}" for i in range(meta_module.MAX_CALIBRATIONS + 321)]
    session = read_session(_write(tmp_path, lines))
    assert len(session.calibrations) == meta_module.MAX_CALIBRATIONS
    assert session.calibrations[0].time_s == 0.0
    assert "321 further calibration lines not read" in "\n".join(session.warnings)


def test_unreadable_calibration_lines_give_one_warning(tmp_path):
    first = len(BODY.meta) + 1
    session = read_session(_write(tmp_path, [f"# calibration: soon left {i}" for i in range(5000)]))
    assert session.calibrations == ()
    assert [w for w in session.warnings if "calibration" in w] == [
        f"5,000 calibration lines are not '<time_s> <left|right> <9 numbers of a rotation>' and were ignored "
        f"(lines {first}, {first + 1}, {first + 2}, {first + 3}, {first + 4}, ...; e.g. 'soon left 0')"]

"""Time stamps that lie: a lone row far from the rest is a gap, never evidence of clock drift;
times no float can resolve are refused by the rate they imply (issue 11, "Time sanity")."""

from __future__ import annotations

import numpy as np
import pytest

from backmon.cli import main
from processing.clock_sync import MAX_DRIFT_PPM, _fit, right_on_left_clock
from processing.settings import ClockSettings
from tests.support.paths import EXAMPLE


def _with_lone_rows(tmp_path, hours: float, sides=("left", "right")):
    """The example plus one row per side ``hours`` after its end, turning fast (150 deg/s): a
    straight line drawn to it from the last real sample would be a shared ramp on both sides."""
    text = EXAMPLE.read_text()
    last = text.rstrip("\n").rsplit("\n", 1)[1].split(",")
    rows = []
    for i, side in enumerate(sides):
        row = list(last)
        row[0], row[1], row[5], row[6] = f"{float(last[0]) + hours * 3600 + 0.37 * i:.6f}", side, "150.0", "-80.0"
        rows.append(",".join(row))
    path = tmp_path / f"lone_{hours}h.csv"
    path.write_text(text + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("hours", [2.0, 44.0])
def test_a_lone_row_hours_later_is_a_gap_not_a_drift(tmp_path, capsys, hours):
    # Before the fix, 2 h gave "drifting +3286 ppm; corrected" and shifted the right side by 0.5 s.
    assert main(["analyze", str(_with_lone_rows(tmp_path, hours))]) == 0
    out = capsys.readouterr().out
    clocks = next(line for line in out.splitlines() if "Clocks:" in line)
    assert "drifting 0 ppm" in clocks and "left as recorded" in clocks, clocks  # no sign on a zero (issue 12)
    assert "gap" in out


def test_a_fitted_drift_no_sensor_clock_has_is_never_applied():
    centres = np.array([100.0, 400.0, 700.0])
    lags = 5e-3 * (centres - 100.0)  # 5000 ppm
    sync = _fit(centres, lags, 100.0, 800.0, 3, ClockSettings())
    assert sync.drift_ppm == pytest.approx(5000.0) and abs(sync.drift_ppm) > MAX_DRIFT_PPM
    assert not sync.corrected and right_on_left_clock(sync) is None
    assert "not measured" in sync.note


def test_times_too_large_to_resolve_are_refused_by_their_rate(tmp_path, capsys):
    # 1e15 s: float64 steps are 0.125 s, so a 50 Hz stream reads as 8 Hz (once analysed as such).
    lines = EXAMPLE.read_text().splitlines()
    shifted = [line if line.startswith("#") or line.startswith("time_s") else
               f"{float(line.split(',', 1)[0]) + 1e15:.6f},{line.split(',', 1)[1]}" for line in lines]
    path = tmp_path / "offset.csv"
    path.write_text("\n".join(shifted) + "\n")
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "left side's samples come at 8 Hz" in err[0] and "9-1100 Hz" in err[0], err

"""Figures shown to people (issue 12): never "-0", one helper for every place a number is read."""

from processing.comparison import _sentence
from processing.numbers import duration_text, number


def test_number_never_shows_minus_zero():
    assert number(-0.04) == "0" and number(-0.0, 1) == "0.0" and number(-0.6) == "-1"
    assert number(-0.04, sign=True) == "0" and number(0.0, 1, sign=True) == "0.0"
    assert number(2.46, 1, sign=True) == "+2.5" and number(-2.46, 1, sign=True) == "-2.5"


def test_duration_text_is_the_reports():
    assert duration_text(91.6) == "1 min 32 s" and duration_text(84.4) == "1 min 24 s" and duration_text(4) == "4 s"


def test_left_right_sentence_has_no_minus_zero():
    r = {"flexion_diff_mean_deg": -0.01, "lateral_diff_mean_deg": 0.02, "diff_over_5_s": 0.0}
    text = _sentence(r, 100.0, 5.0)
    assert "-0" not in text and "mean differences 0.0 deg forward and 0.0 deg sideways" in text


def test_live_status_angles_have_no_minus_zero():
    from backmon.live.status import _deg

    assert _deg(-0.3) == "    0" and _deg(12.4) == "  +12" and _deg(-7.6) == "   -8"

"""Exposure figures (issue 15 item 4): REBA trunk scores, the longest bout beyond 60 deg, the
Gupta framing and exposure variation analysis. Known answers from hand-made angle series and from
scripted scenarios whose true angles the simulator knows."""

import numpy as np
import pytest

from backmon.text import render_summary
from processing import analyze_session
from processing.exposure import (
    EVA_BANDS_DEG,
    EVA_BOUTS_S,
    band_index,
    during,
    exposure_sentence,
    longest_bout,
    reba_trunk,
    reba_trunk_scores,
    variation,
)
from sensors.scenarios import END_UPRIGHT, Scenario, Segment, severe_flexion
from sensors.simulator import simulate

FRAME_S = 0.1


def frames(*pieces: tuple[float, float]) -> np.ndarray:
    """An angle series at 10 Hz from (angle_deg, seconds) pieces."""
    return np.concatenate([np.full(int(round(s / FRAME_S)), a, dtype=float) for a, s in pieces])


# ---------------------------------------------------------------- pure functions, hand-made series


def test_reba_scores_follow_the_bands_and_the_plus_one():
    flexion = np.array([0.0, 4.9, 5.1, 20.0, 20.1, 60.0, 60.1, -15.0, -25.0, 30.0, 70.0, 0.0, np.nan])
    lateral = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -12.0, 11.0, 0.0, 0.0])
    twisting = np.zeros(13, bool)
    twisting[11] = True  # upright but turning: 1 + 1
    scores = reba_trunk_scores(flexion, lateral, upright_deg=5.0, lean_deg=10.0, twisting=twisting)
    assert scores.tolist() == [1, 1, 2, 2, 3, 3, 4, 2, 3, 4, 5, 2, 0]
    # Without a twist measure only the lean adds.
    assert reba_trunk_scores(flexion, lateral, upright_deg=5.0, lean_deg=10.0)[11] == 1


def test_reba_shares_cover_the_known_frames_only():
    flexion = frames((0.0, 60.0), (40.0, 30.0), (70.0, 10.0), (np.nan, 100.0))
    reba = reba_trunk(flexion, np.zeros_like(flexion), frame_s=FRAME_S, upright_deg=5.0, lean_deg=10.0)
    assert reba.seconds == (60.0, 0.0, 30.0, 10.0, 0.0)
    assert reba.covered_s == 100.0
    assert reba.share(1) == pytest.approx(0.6) and reba.share(4) == pytest.approx(0.1)
    assert reba.twist_counted is False
    assert [s["share"] for s in reba.to_json()["scores"]] == [0.6, 0.0, 0.3, 0.1, 0.0]


def test_longest_bout_and_where_it_began():
    time_s = np.arange(0, 200, FRAME_S)
    flexion = frames((0, 10), (70, 12), (0, 20), (65, 31.5), (np.nan, 5), (70, 40), (0, 81.5))
    bout = longest_bout(time_s, flexion > 60, frame_s=FRAME_S)
    assert bout.s == 40.0 and bout.start_s == pytest.approx(78.5)  # the gap split the 31.5 + 40 s
    assert longest_bout(time_s, np.zeros(time_s.size, bool), frame_s=FRAME_S).start_s is None


def test_variation_matrix_by_band_and_bout_length():
    # 3 s at 25 deg, 10 s at 45, 2 min at 70, 5 min at 10, 2 s at 45 (then NaN), 20 s at 45.
    flexion = frames((25, 3), (45, 10), (70, 120), (10, 300), (45, 2), (np.nan, 1), (45, 20))
    v = variation(flexion, frame_s=FRAME_S)
    assert [[round(x, 1) for x in row] for row in v.s] == [
        [0.0, 0.0, 0.0, 300.0],   # below 20 deg: one bout of 5 min
        [3.0, 0.0, 0.0, 0.0],     # 20-30: one 3 s bout
        [2.0, 30.0, 0.0, 0.0],    # 30-60: 10 s and 20 s bouts, the 2 s one cut by the gap
        [0.0, 0.0, 120.0, 0.0],   # beyond 60: 2 min held
    ]
    assert v.covered_s == 455.0
    shares = v.bent_shares()
    assert shares == pytest.approx((5 / 155, 30 / 155, 120 / 155, 0.0))
    assert len(v.s) == len(EVA_BANDS_DEG) and len(v.s[0]) == len(EVA_BOUTS_S)


def test_band_edges_belong_to_the_band_below():
    assert band_index(np.array([-30, 20.0, 20.01, 30.0, 60.0, 60.01, np.nan])).tolist() == [0, 0, 1, 1, 2, 3, -1]


def test_bout_of_exactly_four_seconds_is_static():
    v = variation(frames((45, 4.0), (0, 1.0)), frame_s=FRAME_S)
    assert v.s[2] == (0.0, 4.0, 0.0, 0.0)


def test_during_marks_frames_inside_spans():
    t = np.arange(0, 10, 1.0)
    assert during(t, [(2.0, 4.0), (8.5, 20)]).tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 1]


def test_functions_work_on_memmapped_float32_timelines(tmp_path):
    """The summary may stream over a timeline on disk: the same answers from np.memmap."""
    rng = np.random.default_rng(5)
    flexion = np.repeat(rng.uniform(-30, 90, 600), rng.integers(1, 80, 600)).astype(np.float32)
    flexion[rng.integers(0, flexion.size, 200)] = np.nan
    lateral = rng.normal(0, 8, flexion.size).astype(np.float32)
    twist = rng.random(flexion.size) < 0.05
    time_s = np.arange(flexion.size) * FRAME_S
    disk = {}
    for name, arr in (("f", flexion), ("l", lateral), ("w", twist), ("t", time_s)):
        m = np.memmap(tmp_path / name, dtype=arr.dtype, mode="w+", shape=arr.shape)
        m[:] = arr
        m.flush()
        disk[name] = np.memmap(tmp_path / name, dtype=arr.dtype, mode="r", shape=arr.shape)
    kw = dict(frame_s=FRAME_S, upright_deg=5.0, lean_deg=10.0)
    assert reba_trunk(disk["f"], disk["l"], twisting=disk["w"], **kw) == reba_trunk(flexion, lateral, twisting=twist,
                                                                                    **kw)
    assert variation(disk["f"], frame_s=FRAME_S) == variation(flexion, frame_s=FRAME_S)
    assert (longest_bout(disk["t"], disk["f"] > 60, frame_s=FRAME_S)
            == longest_bout(time_s, flexion > 60, frame_s=FRAME_S))


def test_the_gupta_sentence_is_an_association_not_a_diagnosis():
    text = exposure_sentence(42.0, 7.5, per="a day")
    assert "42.0 min a day (8.4 x 5 min)" in text and "7.5 min (1.5 x 5 min)" in text
    assert "4 % higher risk" in text and "8 %" in text and "Gupta et al. 2022" in text
    assert "association" in text and "not a forecast or a diagnosis" in text


# ---------------------------------------------------------------- scripted scenarios


@pytest.fixture(scope="module")
def deep_bend():
    """A 70 deg bend held 45 s (after a 2 s move), upright before and after."""
    sim = simulate(severe_flexion(70.0, 45.0, seed=3))
    return sim, analyze_session(sim.to_session())


def test_longest_bout_beyond_60_matches_the_scripted_bend(deep_bend):
    sim, r = deep_bend
    t = r.timeline.time_s[r.timeline.time_s >= r.summary.analysed_from_s]
    true_flexion, _ = sim.truth(t, "trunk")
    truth = longest_bout(t, true_flexion > 60, frame_s=FRAME_S)
    assert truth.s == pytest.approx(46.0, abs=1.5)  # 45 s held, plus part of the moves down and up
    bout = r.summary.exposure.longest_over_60
    assert bout.s == pytest.approx(truth.s, abs=0.6)
    assert bout.start_s == pytest.approx(truth.start_s, abs=0.4)
    data = r.to_json_dict()["summary"]["exposure"]
    assert data["longest_over_60"] == {"s": bout.s, "start_s": bout.start_s}
    assert "longest bout beyond 60 deg: 46 s" in render_summary(r)


# (scripted flexion, scripted lean) held 60 s each (including a 2 s move into it), and its REBA trunk
# score. The simulator composes the lean before the bend, so DESIGN.md's angles read (true, from
# sim.truth): 40/20 -> 41.8 deg forward and 15.2 deg lean; 65/40 -> 70.3 forward and 15.8 lean.
SCHEDULE = ((0.0, 0.0, 1), (12.0, 0.0, 2), (40.0, 0.0, 3), (70.0, 0.0, 4), (40.0, 20.0, 4), (65.0, 40.0, 5),
            (0.0, 0.0, 1))


def test_reba_shares_match_a_known_angle_schedule():
    segments = tuple(Segment(60.0, flexion_deg=f, lateral_deg=lat, sway_deg=0.3, label=f"{f:g}/{lat:g}")
                     for f, lat, _ in SCHEDULE)
    sim = simulate(Scenario(segments + (END_UPRIGHT,), seed=11, name="reba_schedule"))
    r = analyze_session(sim.to_session())
    reba = r.summary.exposure.reba_trunk
    expected = {k: 60.0 * sum(1 for *_, s in SCHEDULE if s == k) for k in range(1, 6)}
    expected[1] += END_UPRIGHT.duration_s
    # Each 2 s move passes through the scores between: at most a few seconds move between scores.
    assert reba.seconds == pytest.approx(tuple(expected[k] for k in range(1, 6)), abs=4.0)
    # The same scoring of the simulator's true angles agrees to within a second per score.
    t = r.timeline.time_s[r.timeline.time_s >= r.summary.analysed_from_s]
    true_flexion, true_lateral = sim.truth(t, "trunk")
    truth = reba_trunk(true_flexion, true_lateral, frame_s=FRAME_S, upright_deg=5.0, lean_deg=10.0)
    assert reba.seconds == pytest.approx(truth.seconds, abs=1.5)
    assert reba.covered_s == pytest.approx(sum(expected.values()), abs=1.0)
    text = render_summary(r)
    assert "REBA trunk score" in text and "association" in text

"""Processing a session in chunks gives the same angles and alerts as processing it whole."""

import dataclasses

import numpy as np
import pytest

from processing import analyze_file, analyze_session
from processing.frame_table import FrameTable
from processing.input.spool import spooled
from sensors import scenarios
from sensors.errors import BackmonError, SessionFileError
from sensors.session.files import read_session
from sensors.simulator import simulate


def test_chunked_equals_whole():
    scenario = scenarios.example_session(seed=3)
    scenario = dataclasses.replace(scenario, left=dataclasses.replace(scenario.left, dropouts=((100.0, 3.0),)))
    session = simulate(scenario).to_session()
    whole = analyze_session(session, chunk_s=1e9)
    for chunk_s in (0.7, 13.0):
        chunked = analyze_session(session, chunk_s=chunk_s)
        for field in dataclasses.fields(FrameTable):
            np.testing.assert_allclose(getattr(chunked.timeline, field.name), getattr(whole.timeline, field.name),
                                       rtol=0, atol=1e-9, err_msg=field.name)
        assert [a.to_json() for a in chunked.alerts] == [a.to_json() for a in whole.alerts]
        assert chunked.sides == whole.sides
    assert len(whole.alerts) >= 2 and whole.sides["left"].gaps


def _same_result(a, b) -> None:
    for field in dataclasses.fields(FrameTable):
        np.testing.assert_array_equal(getattr(a.timeline, field.name), getattr(b.timeline, field.name),
                                      err_msg=field.name)
    assert a.to_json_dict() == b.to_json_dict()


def test_a_file_streamed_in_small_blocks_equals_the_whole_file_in_memory(tmp_path):
    """analyze_file reads a few kB at a time through the spool; the result is the same, down to
    the last bit, as reading the whole file into memory first: with the right clock 0.5 s off and
    drifting (so clock sync corrects it), a dropout, and a calibration window from the file."""
    scenario = scenarios.example_session(seed=5)
    scenario = dataclasses.replace(
        scenario, left=dataclasses.replace(scenario.left, dropouts=((100.0, 3.0),)),
        right=dataclasses.replace(scenario.right, clock_offset_s=0.5, clock_drift_ppm=150.0, jitter_s=0.002))
    path = tmp_path / "session.csv"
    simulate(scenario).write(path)
    whole = analyze_session(read_session(path))
    streamed = analyze_file(path, block_bytes=50_000)
    assert whole.data_quality.clock.corrected and whole.sides["left"].gaps and len(whole.alerts) >= 2
    _same_result(streamed, whole)
    _same_result(analyze_file(path, block_bytes=7_001, swap_sides=True),
                 analyze_session(read_session(path), swap_sides=True))


def test_no_room_for_the_spool_is_one_clear_error(tmp_path):
    path = tmp_path / "session.csv"
    simulate(scenarios.severe_flexion()).write(path)
    with pytest.raises(BackmonError, match="cannot create a temporary file in .*missing.*TMPDIR"):
        with spooled(path, directory=str(tmp_path / "missing")):
            pass


def test_progress_of_a_file_rises_to_one_and_a_missing_file_is_one_clear_error(tmp_path):
    path = tmp_path / "session.csv"
    simulate(scenarios.severe_flexion()).write(path)
    seen = []
    analyze_file(path, block_bytes=20_000, progress=seen.append)
    assert len(seen) > 3 and seen == sorted(seen) and seen[-1] == 1.0
    with pytest.raises(SessionFileError, match="no such file"):
        analyze_file(tmp_path / "missing.csv", progress=seen.append)

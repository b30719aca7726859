"""Processing a session in chunks gives the same angles and alerts as processing it whole."""

import dataclasses

import numpy as np

from processing import analyze_session
from processing.frame_table import FrameTable
from sensors import scenarios
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

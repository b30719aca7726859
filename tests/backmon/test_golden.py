"""The shipped example's analysis is byte-identical to the golden copy (guards refactors).

A change that alters the output on purpose regenerates the golden files with
`python tests/fixtures/make_golden.py` and says so in its commit message.
"""

from __future__ import annotations

from tests.fixtures import make_golden


def test_example_json_and_timeline_match_the_golden_copies(tmp_path):
    for produced in make_golden.analyze_example(tmp_path):
        golden = make_golden.GOLDEN / produced.name
        assert produced.read_bytes() == golden.read_bytes(), f"{produced.name} differs from {golden}"

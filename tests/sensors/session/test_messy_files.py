"""Every messy or hostile file (tests/fixtures/make_messy_files.py) gets its specified outcome from
``backmon analyze``: no traceback, warnings or the one-line error naming the file (and line)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from backmon.cli import main
from tests.fixtures import make_messy_files as messy

CASES = messy.cases()


def analyze(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["analyze", *map(str, argv)])
    return code, out.getvalue(), err.getvalue()


def test_the_corpus_is_big_and_covers_both_outcomes():
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.outcome.exit_code for c in CASES} == {0, 2}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_messy_file_gets_its_outcome(case, tmp_path):
    path = tmp_path / case.name
    path.write_bytes(case.data)
    code, stdout, stderr = analyze(path, "--json", tmp_path / "out.json")
    expected = case.outcome
    assert "Traceback" not in stderr + stdout
    assert code == expected.exit_code, stderr
    lines = stderr.splitlines()
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith(f"backmon: {path}"), stderr
        if expected.line is not None:
            assert f"{path}:{expected.line}:" in lines[0]
    else:
        assert all(line.startswith(f"backmon: warning: {path}: ") for line in lines), stderr
        assert bool(lines) == bool(expected.says), stderr  # warned exactly when something was fixed
        if expected.json is not None:
            assert expected.json(json.loads((tmp_path / "out.json").read_text()))
    for text in expected.says:
        assert text in stderr, stderr


@pytest.mark.parametrize("case", [c for c in CASES if c.outcome.exit_code == 0 and c.outcome.says],
                         ids=lambda c: c.name)
def test_strict_turns_the_warnings_into_the_error(case, tmp_path):
    path = tmp_path / case.name
    path.write_bytes(case.data)
    code, _, stderr = analyze(path, "--strict", "-q")
    assert code == 2
    assert stderr.count("\n") == 1 and stderr.startswith(f"backmon: {path}: --strict: ")
    assert case.outcome.says[0] in stderr


def test_strict_accepts_a_clean_file(tmp_path):
    path = tmp_path / "clean.csv"
    path.write_bytes(CASES[0].data)
    assert analyze(path, "--strict", "-q") == (0, "", "")

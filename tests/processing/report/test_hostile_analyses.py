"""Hostile analysis JSON files in a many-file command: each is listed with its reason and left
out, and the run goes on (issue 11; before, one file whose summary was a string aborted trends)."""

from __future__ import annotations

import copy
import json

import pytest

from backmon.cli import main
from processing.report.trends import read_analysis_json
from processing.schemas import check_analysis
from tests.fixtures.make_golden import GOLDEN, JSON_NAME

GOOD = json.loads((GOLDEN / JSON_NAME).read_text())


def _broken(**changes) -> dict:
    data = copy.deepcopy(GOOD)
    for key, value in changes.items():
        data[key] = value
    return data


def _summary(**changes) -> dict:
    data = copy.deepcopy(GOOD)
    data["summary"].update(changes)
    return data


HOSTILE = {
    "summary_string.json": (json.dumps(_broken(summary="all fine")), "at summary: 'all fine' is not of type 'object'"),
    "summary_null.json": (json.dumps(_broken(summary=None)), "at summary: None is not of type 'object'"),
    "breaks_number.json": (json.dumps(_summary(breaks=7)), "at summary/breaks: 7 is not of type 'array'"),
    "negative_worn.json": (json.dumps(_summary(worn_s=-5)), "at summary/worn_s: -5 is less than the minimum"),
    "alert_side.json": (json.dumps(_broken(alerts=[{**GOOD["alerts"][0], "side": "middle"}])), "at alerts/0/side"),
    "deep.json": ('{"schema": "backmon.analysis/1", "summary": ' + "[" * 100_000 + "]" * 100_000 + "}",
                  "nested too deeply"),
    "other_version.json": (json.dumps(_broken(schema="backmon.analysis/9")), "not a backmon analysis"),
    "latin1.json": (b'{"schema": "backmon.analysis/1", "source": "caf\xe9"}', "not UTF-8"),
}


def test_the_golden_analysis_matches_its_schema():
    assert check_analysis(GOOD) == "backmon.analysis/2"


def test_a_version_1_analysis_is_still_read():
    # /1 kept zones under fixed names; trends and the library read both versions (DESIGN.md).
    old = copy.deepcopy(GOOD)
    old["schema"] = "backmon.analysis/1"
    del old["summary"]["flexion_zones"]
    old["summary"]["flexion_zones_s"] = {"<0": 87.1, "0-20": 68.3, "20-60": 98.8, ">60": 9.8}
    assert check_analysis(old) == "backmon.analysis/1"
    old["schema"] = "backmon.analysis/2"  # a /1 body under the /2 name lacks the zone list
    with pytest.raises(ValueError, match="does not match backmon.analysis/2"):
        check_analysis(old)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_file_is_refused_with_its_reason(tmp_path, name):
    content, reason = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValueError, match=None) as err:
        read_analysis_json(path)
    assert reason in str(err.value)


def test_trends_lists_every_hostile_file_and_goes_on(tmp_path, capsys):
    folder = tmp_path / "analyses"
    folder.mkdir()
    for name, (content, _) in HOSTILE.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    (folder / "good.json").write_text(json.dumps(GOOD))
    assert main(["trends", str(folder), "-o", str(tmp_path / "out" / "trends.html")]) == 0
    err = capsys.readouterr().err
    for name in HOSTILE:
        assert f"{name}: left out" in err
    assert "good.json" not in err
    page = (tmp_path / "out" / "trends.html").read_text(encoding="utf-8")
    assert "1 session over 1 day" in page or "1 session" in page
    assert all(name in page for name in HOSTILE)

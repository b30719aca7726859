"""DESIGN.md's layering as import-linter contracts (pyproject.toml): kept by the code as it is,
and broken as soon as a forbidden import is added (checked on a copy of the packages)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.support.paths import REPO

PACKAGES = ("sensors", "processing", "backmon")


def _lint_imports(root) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    linter = shutil.which("lint-imports", path=os.path.dirname(sys.executable)) or shutil.which("lint-imports")
    if linter is None:
        pytest.fail("lint-imports is missing: pip install -e '.[test]'")
    return subprocess.run([linter, "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True)


@pytest.fixture
def copy_of_packages(tmp_path):
    for name in PACKAGES:
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_code_keeps_every_contract(copy_of_packages):
    done = _lint_imports(copy_of_packages)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("sensors/samples.py", "import processing.summary", "sensors knows nothing of analysis"),
    ("processing/summary.py", "import bleak", "processing never needs a Bluetooth stack"),
    ("processing/calibration.py", "from sensors.session import files", "only processing.input reads session files"),
    ("processing/detectors.py", "from processing.report import plots", "never import presentation"),
    ("processing/angles.py", "import matplotlib.pyplot", "never import presentation"),
])
def test_a_forbidden_import_breaks_its_contract(copy_of_packages, module, line, contract):
    path = copy_of_packages / module
    path.write_text(path.read_text() + f"\n{line}  # added by the test\n")
    done = _lint_imports(copy_of_packages)
    assert done.returncode != 0
    broken = [row for row in done.stdout.splitlines() if " BROKEN" in row]
    assert len(broken) == 1 and contract in broken[0], done.stdout

"""Shared test helpers: where the real recordings live, and small builders."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support.paths import SHARED_REAL

# Hypothesis: "ci" (the default) keeps every fuzz test to a bounded number of examples; a longer
# run on demand: BACKMON_HYPOTHESIS_PROFILE=long python -m pytest tests/sensors/session/test_fuzz_files.py
# (tests that set max_examples themselves keep their own number).
_FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=100, **_FUZZ)
settings.register_profile("long", max_examples=5000, **_FUZZ)
settings.load_profile(os.environ.get("BACKMON_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def utc_machine(monkeypatch):
    """Times shown to people are the machine's local time: tests run as on a UTC machine (their
    known answers say 08:03), wherever the developer sits; a test may set another TZ itself."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def own_library(monkeypatch, tmp_path_factory) -> Path:
    """Every test gets its own session library in a temporary folder (DESIGN.md): no test reads or
    writes the real one in the user's data folder, and commands that add sessions (monitor,
    import, analyze --add) never share one between tests. Subprocesses inherit it."""
    path = tmp_path_factory.mktemp("library") / "library.sqlite3"
    monkeypatch.setenv("BACKMON_LIBRARY", str(path))
    return path


@pytest.fixture(autouse=True)
def own_control_socket(monkeypatch):
    """Each test's monitors and 'backmon ctl' talk on a socket of their own (a short path: AF_UNIX
    paths are limited to about 100 bytes), never on the developer's running monitor."""
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="bm-")
    monkeypatch.setenv("BACKMON_CONTROL", os.path.join(folder, "monitor.sock"))
    yield
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def real_data() -> Path:
    """Real recordings by others (shared/data/real); tests using them skip where absent."""
    if not SHARED_REAL.is_dir():
        pytest.skip("shared/data/real is not present on this machine")
    return SHARED_REAL

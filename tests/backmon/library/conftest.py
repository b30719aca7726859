"""Short simulated sessions on known days, written once for the library's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensors import scenarios
from sensors.simulator import simulate

DAYS = ("2026-03-02", "2026-03-03", "2026-03-05")  # a Monday, Tuesday and Thursday


@pytest.fixture(scope="session")
def session_files(tmp_path_factory) -> list[Path]:
    """Three 3-minute sessions (two sensors, 25 Hz), one a day at 08:00 UTC, different seeds."""
    folder = tmp_path_factory.mktemp("sessions")
    paths = []
    for seed, day in enumerate(DAYS):
        path = folder / f"work-{day}.csv"
        simulate(scenarios.normal_work(3, seed=seed, rate_hz=25)).write(
            path, metadata={"started_at": f"{day}T08:00:00Z", "left_device": f"WT901 L{seed}",
                            "right_device": f"WT901 R{seed}"})
        paths.append(path)
    return paths


@pytest.fixture
def sessions_copy(session_files, tmp_path) -> list[Path]:
    """The sessions copied into this test's folder (a test may move or delete them)."""
    copies = []
    for path in session_files:
        copy = tmp_path / "sessions" / path.name
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    return copies

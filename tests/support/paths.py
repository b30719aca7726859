"""Where things are, for tests in any folder below tests/."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "example_session.csv"
FIRMWARE_NOTES = REPO / "firmware_notes"
# Real recordings by others (read-only, beside the repository; absent on users' machines).
SHARED_REAL = REPO.parent / "shared" / "data" / "real"

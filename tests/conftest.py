"""Shared test helpers: where the real recordings live, and small builders."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "data" / "real"


@pytest.fixture
def real_data() -> Path:
    """Real recordings by others (shared/data/real); tests using them skip where absent."""
    if not SHARED_REAL.is_dir():
        pytest.skip("shared/data/real is not present on this machine")
    return SHARED_REAL

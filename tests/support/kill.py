"""Kill a recording process with SIGKILL once its file has grown, for the crash-safety tests."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest


def kill_9_once_written(proc: subprocess.Popen, path: Path, *, min_bytes: int, within_s: float) -> float:
    """Wait until ``path`` holds ``min_bytes``, SIGKILL ``proc``; return the monotonic kill time."""
    try:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if path.exists() and path.stat().st_size > min_bytes:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"{path.name}: fewer than {min_bytes} bytes recorded within {within_s:g} s")
        killed_at = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        return killed_at
    finally:
        if proc.poll() is None:
            proc.kill()

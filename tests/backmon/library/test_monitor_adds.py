"""``monitor --record`` adds the recording once it is closed (its hash is the finished file's)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from backmon.library import Library


def test_monitor_record_adds_the_closed_recording(tmp_path):
    out = tmp_path / "today.csv"
    done = subprocess.run([sys.executable, "-m", "backmon", "monitor", "--simulate", "--duration", "10",
                           "--record", str(out), "--time-scale", "5"], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "added to your library as session 1" in done.stdout
    with Library.open() as library:  # the BACKMON_LIBRARY the subprocess inherited
        (record,) = library.sessions()
    assert record.path == out and record.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert record.analysis["metadata"]["simulated"] == "true" and record.day is not None

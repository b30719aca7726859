"""backmon monitor over a radio shared across processes: the radio in one process, each virtual
sensor in its own process (as independent emulators of real devices run), and the monitor in a
fourth with --transport bumble:tcp-client. Loopback only."""

from __future__ import annotations

import re
import subprocess
import sys

from processing import analyze_session
from sensors.session.files import read_session
from tests.support.processes import first_line, spawn, stop

SPEED = 4.0


def test_monitor_two_sensor_processes_over_a_shared_radio(tmp_path):
    record = tmp_path / "tcp.csv"
    procs = [spawn("sensors.ble.virtual_radio", "--port", "0", "--port", "0", "--port", "0")]
    try:
        ports = [int(p) for p in re.findall(r"tcp-client:127\.0\.0\.1:(\d+)", first_line(procs[0]))]
        assert len(ports) == 3
        for port, side in zip(ports, ("left", "right")):
            procs.append(spawn("sensors.ble.virtual_sensors", "--transport", f"tcp-client:127.0.0.1:{port}",
                                "--profile", "backmon", "--side", side, "--scenario", "severe_flexion",
                                "--speed", str(SPEED)))
            assert f"backmon-{side[0].upper()}" in first_line(procs[-1])
        done = subprocess.run(
            [sys.executable, "-m", "backmon", "monitor", "--transport", f"bumble:tcp-client:127.0.0.1:{ports[2]}",
             "--left", "backmon-L", "--right", "backmon-R", "--duration", "60", "--record", str(record),
             "--time-scale", str(SPEED), "--quiet"], capture_output=True, text=True, timeout=120)
    finally:
        for proc in reversed(procs):
            stop(proc)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # nothing but the session on the user's terminal
    assert "Calibration done" in done.stdout and "Deep forward bend held" in done.stdout
    session = read_session(record)
    assert session.metadata["left_device"].startswith("backmon-L") and session.calibration_window_s
    result = analyze_session(session)
    assert [a.kind for a in result.alerts] == ["severe_flexion"]
    assert all(result.sides[side].gaps == () for side in ("left", "right"))

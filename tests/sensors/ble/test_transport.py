"""--transport parsing, and one clear line (exit 2) when there is no Bluetooth to use."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason

from sensors.ble.transport import OS_STACK, SIMULATED, TransportSpec, bluetooth_errors, parse_transport
from sensors.errors import BluetoothUnavailable, UsageError


@pytest.mark.parametrize("text, spec", [
    (None, OS_STACK),
    ("os", OS_STACK),
    ("bumble:usb:0", TransportSpec("bumble", "usb:0")),
    ("bumble:tcp-client:127.0.0.1:9001", TransportSpec("bumble", "tcp-client:127.0.0.1:9001")),
    ("bumble:usb:[driver=rtk]0", TransportSpec("bumble", "usb:[driver=rtk]0")),
])
def test_parse_transport(text, spec):
    assert parse_transport(text) == spec


def test_parse_simulate():
    assert parse_transport(None, simulate=True) == SIMULATED
    assert str(parse_transport("bumble:usb:0")) == "bumble:usb:0"


@pytest.mark.parametrize("text, words", [
    ("usb:0", "not 'os' or 'bumble:<hci-transport>'"),
    ("bumble:", "not 'os' or 'bumble:<hci-transport>'"),
    ("bumble:bluetooth:0", "'bluetooth' is not a Bumble HCI transport"),
])
def test_bad_transport_is_a_usage_error(text, words):
    with pytest.raises(UsageError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_transport(text)
    with pytest.raises(UsageError, match="--simulate"):
        parse_transport("bumble:usb:0", simulate=True)


def test_bluetooth_errors_become_one_sentence_with_advice():
    with pytest.raises(BluetoothUnavailable, match="switched off.*--simulate"):
        with bluetooth_errors(OS_STACK):
            raise BleakBluetoothNotAvailableError("off", BleakBluetoothNotAvailableReason.POWERED_OFF)
    with pytest.raises(BluetoothUnavailable, match="no system D-Bus"):
        with bluetooth_errors(OS_STACK):
            raise FileNotFoundError(2, "No such file or directory")
    with pytest.raises(FileNotFoundError):  # on a Bumble transport it means something else
        with bluetooth_errors(TransportSpec("bumble", "usb:0")):
            raise FileNotFoundError(2, "No such file or directory")


def _backmon(*args, env=None, timeout_s=60):
    return subprocess.run([sys.executable, "-m", "backmon", *args], capture_output=True, text=True,
                          timeout=timeout_s, env=env)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bleak's BlueZ backend (Linux) uses D-Bus")
def test_scan_without_dbus_says_so_in_one_line_and_exits_2():
    # No system D-Bus socket (as in containers and CI): bleak raises a plain FileNotFoundError.
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/nonexistent/backmon-test-bus"}
    done = _backmon("scan", "--timeout", "1", env=env)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("backmon: no system D-Bus")
    assert "--simulate" in lines[0] and "bumble:usb:0" in lines[0]


def test_scan_on_a_tcp_radio_nobody_serves_exits_2():
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = _backmon("scan", "--transport", f"bumble:tcp-client:127.0.0.1:{port}", "--timeout", "1")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot open the Bumble transport" in done.stderr
    assert "Traceback" not in done.stderr


def test_scan_with_a_bad_transport_exits_2():
    done = _backmon("scan", "--transport", "bumble:nope:1")
    assert done.returncode == 2 and done.stderr.startswith("backmon: 'nope' is not a Bumble HCI transport")

"""A radio shared across processes: the radio in one process, a virtual sensor in another (over
Bumble's tcp-client HCI transport), and bleak in this one with --transport bumble:tcp-client.
Loopback only; ports are picked free by the radio and read from its first line."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from backmon.cli import main
from sensors.ble.transport import open_radio, parse_transport
from sensors.profiles import PROFILES
from sensors.scenarios import SCENARIOS
from tests.support.ble import (
    WIT_TOLS,
    client_for,
    contiguous_match,
    expected_side,
    find,
    run,
)
from tests.support.processes import first_line, spawn, stop

SPEED = 8.0


@pytest.fixture
def shared_radio():
    """A radio process serving two ports, and a virtual WitMotion sensor process on the second."""
    radio = spawn("sensors.ble.virtual_radio", "--port", "0", "--port", "0")
    sensor = None
    try:
        ports = [int(p) for p in re.findall(r"tcp-client:127\.0\.0\.1:(\d+)", first_line(radio))]
        assert len(ports) == 2
        sensor = spawn("sensors.ble.virtual_sensors", "--transport", f"tcp-client:127.0.0.1:{ports[1]}",
                        "--profile", "witmotion", "--side", "left", "--scenario", "sustained_flexion",
                        "--speed", str(SPEED))
        assert "WT901BLE67" in first_line(sensor)
        yield ports[0]
    finally:
        try:
            if sensor is not None:
                stop(sensor)
        finally:
            stop(radio)


def test_sensor_in_another_process_is_scanned_and_streams_over_tcp_client(shared_radio, capsys):
    transport = f"bumble:tcp-client:127.0.0.1:{shared_radio}"
    # backmon scan sees it (and reads its battery) through the shared radio ...
    assert main(["scan", "--transport", transport, "--timeout", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"WT901BLE67\s+C0:\S+\s+-50 dBm\s+witmotion\s+3\.90 V", out), out

    # ... and, after that process-like host left, a new host on the same port streams from it.
    profile = PROFILES["witmotion"]

    async def body():
        async with open_radio(parse_transport(transport)) as radio:
            device = await find(radio.host, "WT901BLE67")
            received: list[bytes] = []
            async with client_for(radio.host, device) as client:
                await client.start_notify(profile.notify_uuid, lambda _, d: received.append(bytes(d)))
                for command in profile.start_commands(50.0):
                    await client.write_gatt_char(profile.write_uuid, command, response=False)
                await asyncio.sleep(1.5)
            return received

    started = time.monotonic()
    received = run(body())
    assert time.monotonic() - started < 10
    decoder = profile.decoder(50.0)
    samples = [s for n in received for s in decoder.feed(n).samples]
    expected = expected_side("left", 50.0, scenario=SCENARIOS["sustained_flexion"](seed=0))
    _, skipped = contiguous_match(samples, expected, **WIT_TOLS)
    assert len(samples) - skipped >= 200

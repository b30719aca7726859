"""Shared pieces of the Bluetooth tests: run a coroutine with a deadline, the known answers
(the simulator's samples at a sensor's rate), and matching decoded samples against them."""

from __future__ import annotations

import asyncio
import dataclasses
from contextlib import asynccontextmanager

import numpy as np
from bleak import BleakClient, BleakScanner

from sensors.ble.virtual_peripheral import VirtualWearer
from sensors.ble.virtual_radio import VirtualRadio
from sensors.ble.virtual_sensors import make_sensor
from sensors.samples import ImuSample, SideSamples
from sensors.scenarios import sustained_flexion
from sensors.simulator import simulate

# Every test coroutine ends within this, whatever happens on the virtual radio.
DEADLINE_S = 40.0
# Short scenario: calibration (21 s), 35 deg forward for 60 s, upright again.
SCENARIO = sustained_flexion(hold_s=60.0, seed=3)
# Virtual sensors run this many times faster than real time in tests.
SPEED = 8.0
# WitMotion int16 scales: half a count of 16 g and of 2000 deg/s (encoders round), plus slack.
WIT_TOLS = {"accel_tol_g": 16 / 32768 / 2 + 1e-9, "gyro_tol_dps": 2000 / 32768 / 2 + 1e-9}


def run(coro, deadline_s: float = DEADLINE_S):
    """asyncio.run with a deadline: a test never hangs on the radio."""
    return asyncio.run(asyncio.wait_for(coro, deadline_s))


def expected_side(side: str, rate_hz: float, scenario=SCENARIO) -> SideSamples:
    """The simulator's samples for one side at one rate: the known answer, computed here
    independently of the virtual sensors."""
    models = {s: dataclasses.replace(getattr(scenario, s), rate_hz=rate_hz) for s in ("left", "right")}
    return getattr(simulate(dataclasses.replace(scenario, **models)), side)


def contiguous_match(received: list[ImuSample], expected: SideSamples, *, accel_tol_g: float,
                     gyro_tol_dps: float) -> tuple[int, int]:
    """Where the decoded samples sit in the expected stream.

    Skips leading samples that match nothing (sent before the rate was configured), then
    requires every following sample to equal the next expected one within the tolerances.
    Returns (first expected index, number of leading samples skipped); AssertionError otherwise.
    """
    got_a = np.array([(s.ax_g, s.ay_g, s.az_g) for s in received])
    got_g = np.array([(s.gx_dps, s.gy_dps, s.gz_dps) for s in received])
    for skip in range(len(received)):
        hits = np.flatnonzero(np.all(np.abs(expected.accel_g - got_a[skip]) <= accel_tol_g, axis=1)
                              & np.all(np.abs(expected.gyro_dps - got_g[skip]) <= gyro_tol_dps, axis=1))
        if hits.size:
            break
    else:
        raise AssertionError("no decoded sample matches the simulator's stream")
    k0 = int(hits[0])
    n = len(received) - skip
    assert k0 + n <= len(expected), "more samples than the scenario holds"
    np.testing.assert_allclose(got_a[skip:], expected.accel_g[k0:k0 + n], rtol=0, atol=accel_tol_g)
    np.testing.assert_allclose(got_g[skip:], expected.gyro_dps[k0:k0 + n], rtol=0, atol=gyro_tol_dps)
    return k0, skip


@asynccontextmanager
async def radio_with(profiles_sides, *, speed: float = SPEED, faults=None, scenario=SCENARIO,
                     rates_hz=(10.0, 50.0, 52.0, 104.0)):
    """A virtual radio with sensors [(profile, side), ...] on one wearer, and a central host.

    The wearer is simulated at rates_hz beforehand, so that on a busy machine a rate command
    does not leave a sensor simulating while the clock runs."""
    faults = faults or {}
    wearer = VirtualWearer(scenario, speed=speed)
    await asyncio.gather(*(wearer.simulated(rate_hz) for rate_hz in rates_hz))
    async with VirtualRadio() as radio:
        sensors = [make_sensor(profile, side, wearer, **({"faults": faults[side]} if side in faults else {}))
                   for profile, side in profiles_sides]
        await radio.add_sensors(sensors)
        host = await radio.central()
        yield radio, host, sensors


async def find(host, name: str, timeout_s: float = 3.0):
    device = await BleakScanner.find_device_by_name(name, timeout=timeout_s, backend=host.scanner_backend)
    assert device is not None, f"{name} not found on the virtual radio"
    return device


def client_for(host, device, *, disconnected_callback=None) -> BleakClient:
    return BleakClient(device, backend=host.client_backend, timeout=5.0, disconnected_callback=disconnected_callback)

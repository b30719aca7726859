"""CPU cost of the live pipeline per second of two-sensor data (the budget: under 5 % of one core).

    python benchmarks/bench_live.py --minutes 10 --profile witmotion --rate-hz 100
    python benchmarks/bench_live.py --scenario field_day --minutes 20 --feedback after   # alerts to coach

What is measured is everything backmon's monitor does with notifications once the Bluetooth
stack has delivered them: decode (with WitMotion's frame reassembly), drop repeats, place on
the host clock, append to the recording (flushed twice a second), feed the processing Engine
with a step four times a second (guided calibration first), let the coach decide on every step
(backmon/live/coach.py: deliveries, snooze state, corrections) and render what it delivers as
the terminal channel does, render the status twice a second (issue 14: with the coach).
The notification bytes are made beforehand with the profile's encoder from a simulated session
(setup, not timed); the Bluetooth stack itself (BlueZ, CoreBluetooth, or Bumble) is not counted.
Prints CPU seconds per second of data for the whole session and for the monitoring part alone,
and the coach's own share.

    python benchmarks/bench_live.py --memory-hours 10

runs a shift at speed instead, for the monitor's memory (issue 16: flat over a 10-hour shift):
simulated work in pieces of 30 min (seed i for piece i, the first with the calibration routine),
fed as the monitor feeds it from its streams (blocks of 5 samples in arrival order, a step every
0.25 s, each block appended to a recording, flushed twice a second; the notification bytes and
the status view are left out, they keep nothing), the resident memory printed every hour and the
peak at the end, after the closing summary.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from backmon.live.channels.terminal import render_delivery
from backmon.live.coach import Coach, CoachSettings, FeedbackStyle
from backmon.live.live_engine import LiveEngine, warm_up
from backmon.live.status import LinkStatus, render_status
from processing import Settings
from sensors import scenarios
from sensors.ble.link import LinkState
from sensors.ble.stream import SampleBlock, SensorStream
from sensors.profiles import PROFILES, backmon, movesense, witmotion
from sensors.samples import SIDES, ImuSample
from sensors.session.recorder import SessionRecorder
from sensors.simulator import simulate

STEP_S, STATUS_S = 0.25, 0.5
PER_NOTIFICATION = {"witmotion": 1, "movesense": 4, "backmon": 4}  # 100 Hz WitMotion: one frame each


def notifications(profile: str, side_samples, rate_hz: float) -> list[tuple[float, bytes]]:
    """(arrival_s, bytes) of one sensor: the profile's own encoding, 8 ms after the last sample."""
    per = PER_NOTIFICATION[profile]
    out = []
    t, a, g = side_samples.time_s, side_samples.accel_g, side_samples.gyro_dps
    for i in range(0, t.size - per + 1, per):
        samples = [ImuSample(*a[k], *g[k]) for k in range(i, i + per)]
        if profile == "witmotion":
            data = witmotion.encode(samples)
        elif profile == "movesense":
            data = movesense.encode(samples, time_ms=round(t[i] * 1000))
        else:
            data = backmon.encode(samples, seq=i // per, time_us=round(t[i] * 1e6), period_us=round(1e6 / rate_hz))
        out.append((float(t[i + per - 1]) + 0.008, data))
    return out


def coach_step(coach: Coach, update, now_s: float, recorder: SessionRecorder, screen: io.StringIO) -> int:
    """What the monitor's ticker does with the coach after a step (deliveries rendered as the
    terminal channel renders them; event lines as the monitor writes them)."""
    for alert in update.alerts:
        recorder.event(now_s, f"alert {alert.kind} ({alert.side}) raised")
    coached = coach.update(now_s, raised=update.alerts, slips=update.slips, withdrawn=update.withdrawn)
    for held in coached.held:
        recorder.event(now_s, f"held {held.record.alert.kind} {held.reason}")
    for decision in coached.deliver:
        screen.write("\n".join(render_delivery(decision.delivery)))
        recorder.event(now_s, f"delivered {decision.delivery.kind} {decision.delivery.alert_kind} terminal")
    return len(coached.deliver)


def run(profile: str, rate_hz: float, minutes: float, feedback: str, scenario_name: str = "normal_work") -> None:
    make = scenarios.SCENARIOS[scenario_name]
    scenario = make(minutes, rate_hz=rate_hz) if scenario_name in ("normal_work", "continuous_work", "field_day") \
        else make(rate_hz=rate_hz)
    sim = simulate(scenario)
    events = sorted([(arrival, side, data) for side in SIDES
                     for arrival, data in notifications(profile, getattr(sim, side), rate_hz)])
    settings = Settings()
    warm_up(settings)
    streams = {side: SensorStream(side, PROFILES[profile], rate_hz=rate_hz) for side in SIDES}
    engine = LiveEngine(settings)
    coach = Coach(CoachSettings(FeedbackStyle(feedback), settings.alerts.corrected_within_s))
    coach_cpu_s, delivered = 0.0, 0
    links = {side: LinkStatus("sensor", LinkState.CONNECTED, "87 %") for side in SIDES}
    screen = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        recorder = SessionRecorder(Path(tmp) / "bench.csv", metadata=[("started_at", "bench")])
        next_step = next_status = 0.0
        monitoring_from = None
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for arrival, side, data in events:
            block = streams[side].feed(data, arrival)
            if block is not None:
                engine.push(block)
                recorder.write(block)
            if arrival >= next_step:
                next_step += STEP_S
                newest = [s.last_time_s for s in streams.values() if s.last_time_s is not None]
                update = engine.step(min(newest))
                c0 = time.process_time()
                delivered += coach_step(coach, update, arrival, recorder, screen)
                coach_cpu_s += time.process_time() - c0
                recorder.flush()
                if monitoring_from is None and engine.phase == "monitoring":
                    monitoring_from = (arrival, time.process_time())
            if arrival >= next_status:
                next_status += STATUS_S
                screen.write("\n".join(render_status(now_s=arrival, phase=engine.phase, angles=engine.angles,
                                                     links=links, activity_since_s=engine.activity_since_s(),
                                                     alerts=0, tracking_only=False)))
                screen.seek(0)
                screen.truncate()
        cpu1, wall1 = time.process_time(), time.perf_counter()
        recorder.close()
    data_s = events[-1][0] - events[0][0]
    total = (cpu1 - cpu0) / data_s
    steady = (cpu1 - monitoring_from[1]) / (events[-1][0] - monitoring_from[0])
    samples = sum(s.counts.samples for s in streams.values())
    print(f"live pipeline, {profile} x2 at {rate_hz:g} Hz, {data_s / 60:.1f} min of data, {samples} samples, "
          f"{len(events)} notifications (processed in {wall1 - wall0:.1f} s)")
    print(f"  whole session (calibration included): {100 * total:.2f} % of one core "
          f"({1e3 * total:.1f} ms CPU per second of data)")
    print(f"  monitoring (after calibration):       {100 * steady:.2f} % of one core")
    print(f"  the coach (--feedback {feedback}):        {100 * coach_cpu_s / data_s:.4f} % of one core "
          f"({len(coach.records)} alerts, {delivered} deliveries)")
    print(f"  budget: 5 % -> {'OK' if max(total, steady) < 0.05 else 'OVER'}")


PIECE_MIN, PER_BLOCK = 30.0, 5


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def shift_blocks(hours: float, rate_hz: float):
    """Blocks of both sensors in arrival order, a piece of simulated work at a time."""
    offset_s = 0.0
    for i in range(max(1, round(hours * 60 / PIECE_MIN))):
        scenario = scenarios.continuous_work(PIECE_MIN, seed=i, rate_hz=rate_hz)
        sim = simulate(dataclasses.replace(scenario, calibration=i == 0))
        blocks = []
        for side in SIDES:
            s = getattr(sim, side)
            t = s.time_s + offset_s
            for k in range(0, t.size, PER_BLOCK):
                part = slice(k, k + PER_BLOCK)
                blocks.append(SampleBlock(side, t[part], s.accel_g[part], s.gyro_dps[part], None, None,
                                          float(t[part][-1]) + 0.015))
        offset_s = max(sim.left.time_s[-1], sim.right.time_s[-1]) + offset_s + 1.0 / rate_hz
        del sim
        blocks.sort(key=lambda b: b.arrival_s)
        yield from blocks


def run_shift(hours: float, rate_hz: float, *, routine: bool = True) -> None:
    settings = Settings()
    warm_up(settings)
    engine = LiveEngine(settings, routine=routine)
    how = "" if routine else ", calibrated without the routine (monitor --no-routine)"
    print(f"live engine over {hours:g} h of two sensors at {rate_hz:g} Hz{how}, at speed; resident memory:")
    print(f"  start: {resident_mb():.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        recorder = SessionRecorder(Path(tmp) / "shift.csv", metadata=[("started_at", "bench")])
        newest, next_step, next_flush, next_hour, start = {}, STEP_S, 0.5, 3600.0, time.perf_counter()
        for block in shift_blocks(hours, rate_hz):
            engine.push(block)
            recorder.write(block)
            newest[block.side] = float(block.time_s[-1])
            if block.arrival_s >= next_step and len(newest) == 2:
                next_step += STEP_S
                engine.step(min(newest.values()))
            if block.arrival_s >= next_flush:
                next_flush += 0.5
                recorder.flush()
            if block.arrival_s >= next_hour:
                print(f"  after {next_hour / 3600:4.0f} h: {resident_mb():6.0f} MB  ({engine.phase}, "
                      f"{time.perf_counter() - start:.0f} s)", flush=True)
                next_hour += 3600.0
        result = engine.finish(source="shift", metadata={})
        recorder.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  after the closing summary: {resident_mb():.0f} MB; peak {peak_mb:.0f} MB "
          f"({len(result.alerts)} alerts, {result.sides['left'].samples} samples a side)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate-hz", type=float, default=100.0)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="witmotion")
    parser.add_argument("--feedback", choices=[str(f) for f in FeedbackStyle], default="immediate")
    parser.add_argument("--scenario", choices=sorted(scenarios.SCENARIOS), default="normal_work",
                        help="what the wearer does (--minutes applies to normal_work, continuous_work, field_day)")
    parser.add_argument("--memory-hours", type=float, default=None,
                        help="instead: a shift this long at speed, for the monitor's memory (e.g. 10)")
    parser.add_argument("--no-routine", action="store_true",
                        help="with --memory-hours: the engine calibrates from movement (monitor --no-routine)")
    args = parser.parse_args()
    np.seterr(all="ignore")
    if args.memory_hours is not None:
        run_shift(args.memory_hours, args.rate_hz, routine=not args.no_routine)
    else:
        run(args.profile, args.rate_hz, args.minutes, args.feedback, args.scenario)


if __name__ == "__main__":
    main()

"""Detectors on scripted 10 Hz frame tables: known alert times, hysteresis, cooldown, chunking."""

import numpy as np

from processing.detectors import AlertCounter, SevereFlexion, SustainedFlexion, SustainedLateralBend
from processing.episodes import count_episodes, hysteresis
from processing.frame_table import FrameTable
from processing.rest import NoRestDetector, ProlongedStaticDetector
from processing.settings import AlertSettings

FRAME_S = 0.1


def table(flexion, lateral=None, moving=None, lr_lateral=None):
    flexion = np.asarray(flexion, dtype=float)
    n = flexion.size
    lateral = np.zeros(n) if lateral is None else np.asarray(lateral, dtype=float)
    diff = np.zeros(n) if lr_lateral is None else np.asarray(lr_lateral, dtype=float)
    moving = np.ones(n, dtype=bool) if moving is None else np.asarray(moving, dtype=bool)
    left, right = lateral + diff / 2, lateral - diff / 2
    return FrameTable(np.arange(n) * FRAME_S, flexion, left, flexion, right, flexion,
                      lateral, np.zeros(n), diff, np.zeros(n), np.zeros(n), np.zeros(n), moving,
                      tilt_deg(flexion, left), tilt_deg(flexion, right), tilt_deg(flexion, lateral))


def tilt_deg(flexion, lateral):
    """The tilt from upright of a posture with this flexion and lateral bend (DESIGN.md formulas)."""
    return np.degrees(np.arccos(np.cos(np.radians(flexion)) * np.cos(np.radians(lateral))))


def hold(*pieces):
    """Concatenate (value, seconds) pieces into a 10 Hz series."""
    return np.concatenate([np.full(int(round(s / FRAME_S)), v, dtype=float) for v, s in pieces])


def run(detector, t, chunks=1):
    raised = []
    for part in np.array_split(np.arange(len(t)), chunks):
        raised += detector.process(t.slice(part[0], part[-1] + 1))
    return raised


def test_hysteresis_enters_and_stays():
    x = np.array([0, 21, 18, 18, 16, 18, 21, 22, 0])
    active = hysteresis(x >= 20, x >= 17)
    assert active.tolist() == [False, True, True, True, False, False, True, True, False]
    assert count_episodes(x >= 20, x >= 17) == 2
    # Continuing from an active state before the chunk.
    assert hysteresis(np.array([False]), np.array([True]), active_before=True).tolist() == [True]


def test_sustained_flexion_at_iso_holding_time():
    s = AlertSettings()
    t = table(hold((0, 10), (35, 300), (0, 10)))
    [alert] = run(SustainedFlexion(s, AlertCounter()), t)
    # 240 - 4.5 * (35 - 20) = 172.5 s after the episode began at 10.0 s.
    assert alert.since_s == 10.0 and abs(alert.start_s - 182.5) < 0.11
    assert alert.end_s == 310.0 and alert.severity == "warning" and alert.value == 35.0
    assert [g.topic for g in alert.guidance] == ["posture_correction"]


def test_sustained_flexion_critical_when_twice_the_limit():
    t = table(hold((0, 10), (60, 130), (0, 10)))  # limit at 60 deg is 60 s; held 130 s
    [alert] = run(SustainedFlexion(AlertSettings(), AlertCounter()), t)
    assert abs(alert.start_s - 70.0) < 0.11 and alert.severity == "critical"


def test_hysteresis_keeps_one_episode_through_dips():
    # Dips to 18 deg (inside the 3 deg hysteresis) do not restart the holding time.
    flex = hold((0, 5), (30, 100), (18, 1), (30, 100), (0, 5))
    [alert] = run(SustainedFlexion(AlertSettings(), AlertCounter()), table(flex))
    assert alert.since_s == 5.0
    # A dip below 17 deg ends it: two episodes of 100 s each are both under the 195 s limit.
    flex = hold((0, 5), (30, 100), (15, 1), (30, 100), (0, 5))
    assert run(SustainedFlexion(AlertSettings(), AlertCounter()), table(flex)) == []


def test_severe_flexion_after_four_seconds():
    t = table(hold((0, 5), (70, 25), (0, 5)))
    [alert] = run(SevereFlexion(AlertSettings(), AlertCounter()), t)
    assert abs(alert.start_s - 9.0) < 0.11 and alert.severity == "critical"
    assert run(SevereFlexion(AlertSettings(), AlertCounter()), table(hold((0, 5), (70, 3.5), (0, 5)))) == []


def test_lateral_bend_and_direction():
    t = table(np.zeros(1000), lateral=hold((0, 10), (-15, 80), (0, 10)))
    [alert] = run(SustainedLateralBend(AlertSettings(), AlertCounter()), t)
    assert abs(alert.start_s - 70.0) < 0.11 and alert.value == -15.0 and "right" in alert.message


def test_cooldown_after_the_condition_ends():
    # Two severe bends 60 s apart: the second is inside the 5 min cooldown, a third after it.
    flex = hold((0, 5), (70, 10), (0, 60), (70, 10), (0, 300), (70, 10), (0, 5))
    alerts = run(SevereFlexion(AlertSettings(), AlertCounter()), table(flex))
    assert [round(a.start_s, 1) for a in alerts] == [9.0, 389.0]
    assert alerts[1].occurrence == 2


def test_cooldown_delays_a_condition_that_persists():
    # The second episode starts 10 s after the first ended and lasts 400 s: raised at end + 300 s.
    flex = hold((0, 5), (70, 10), (0, 10), (70, 400), (0, 5))
    alerts = run(SevereFlexion(AlertSettings(), AlertCounter()), table(flex))
    assert [round(a.start_s, 1) for a in alerts] == [9.0, 315.0]


def test_recurring_finding_points_to_professional_guidance():
    flex = np.concatenate([hold((70, 10), (0, 400))] * 3)
    alerts = run(SevereFlexion(AlertSettings(), AlertCounter()), table(flex))
    assert [a.occurrence for a in alerts] == [1, 2, 3]
    assert "professional_guidance" not in [g.topic for g in alerts[1].guidance]
    assert "professional_guidance" in [g.topic for g in alerts[2].guidance]


def test_chunked_detection_equals_whole():
    rng = np.random.default_rng(1)
    time_s = np.arange(60000) * FRAME_S
    flex = 35 + 30 * np.sin(2 * np.pi * time_s / 700) + rng.normal(0, 2, time_s.size)
    whole = run(SustainedFlexion(AlertSettings(), AlertCounter()), table(flex))
    chunked = run(SustainedFlexion(AlertSettings(), AlertCounter()), table(flex), chunks=37)
    def key(alerts):  # the mean angle is summed in another order: equal to rounding
        return [(a.start_s, a.since_s, a.end_s, round(a.value, 9)) for a in alerts]

    assert key(whole) == key(chunked)
    assert len(whole) >= 3


def test_no_rest_after_an_hour_and_breaks_reset_it():
    s = AlertSettings()
    moving = hold((1, 70 * 60)).astype(bool)
    d = NoRestDetector(s, AlertCounter(), break_min_s=300, start_s=0.0)
    [alert] = run(d, table(np.zeros(moving.size), moving=moving), chunks=5)
    assert abs(alert.start_s - 3600) < 0.11 and alert.since_s == 0.0 and alert.end_s is None
    assert [g.topic for g in alert.guidance] == ["rest_and_recovery"]
    # 50 min work, 6 min still (a break), 50 min work: no alert; one break recorded.
    moving = hold((1, 3000), (0, 360), (1, 3000)).astype(bool)
    d = NoRestDetector(s, AlertCounter(), break_min_s=300, start_s=0.0)
    assert run(d, table(np.zeros(moving.size), moving=moving), chunks=7) == []
    d.finish(6360.0)
    assert [(b.start_s, b.end_s) for b in d.breaks] == [(3000.0, 3360.0)]
    # 4 min pauses are not breaks.
    moving = hold((1, 1800), (0, 240), (1, 1800), (0, 10)).astype(bool)
    d = NoRestDetector(s, AlertCounter(), break_min_s=300, start_s=0.0)
    [alert] = run(d, table(np.zeros(moving.size), moving=moving))
    assert abs(alert.start_s - 3600) < 0.11


def test_prolonged_static_in_a_band():
    n = 40 * 600
    still = np.zeros(n, dtype=bool)
    flex = 2.0 + np.sin(np.arange(n) / 500.0) * 3.0  # drifts within +-3 deg
    d = ProlongedStaticDetector(AlertSettings(), AlertCounter())
    [alert] = run(d, table(flex, moving=still), chunks=4)
    assert abs(alert.start_s - 1800) < 0.11 and alert.kind == "prolonged_static"
    # Shifting posture by 10 deg every 10 min restarts the band: nothing raised.
    flex = np.repeat([0.0, 10.0, 20.0, 10.0], n // 4)
    assert run(ProlongedStaticDetector(AlertSettings(), AlertCounter()), table(flex, moving=still)) == []


def test_episode_ending_exactly_at_a_chunk_boundary_is_closed():
    t = table(hold((0, 5), (70, 10), (0, 5)))
    d = SevereFlexion(AlertSettings(), AlertCounter())
    [alert] = d.process(t.slice(0, 150)) + d.process(t.slice(150))  # the bend ends at frame 150
    assert alert.end_s == 15.0

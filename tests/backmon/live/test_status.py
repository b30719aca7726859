"""The wearer's view: status lines, alerts with guidance and bell, quiet and tracking-only modes."""

from __future__ import annotations

import io

from backmon.live.live_engine import LiveAngles
from backmon.live.status import BELL, LinkStatus, StatusView, render_alert, render_plain, render_status
from processing.alerts import Alert, AlertKind, Guidance, Severity
from sensors.ble.link import LinkState
from sensors.samples import Side

ANGLES = LiveAngles(95.0, {"left": 23.4, "right": 25.6}, {"left": -2.2, "right": 1.0}, -2.2, -3.2, True)
LINKS = {Side.LEFT: LinkStatus("WT901BLE67", LinkState.CONNECTED, "3.90 V"),
         Side.RIGHT: LinkStatus("Movesense 214530001", LinkState.RECONNECTING, None, gap_s=12.3)}


def _alert() -> Alert:
    return Alert(AlertKind.SUSTAINED_FLEXION, 312.0, 70.0, Side.BOTH, Severity.WARNING, 35.0, "deg",
                 "Trunk bent forward about 35 deg for 4 min.", "ISO 11226", 172.5,
                 guidance=(Guidance("posture_correction", "Straighten up now."),))


def test_status_shows_angles_difference_links_battery_and_break():
    lines = render_status(now_s=3725.0, phase="monitoring", angles=ANGLES, links=LINKS, activity_since_s=3600.0,
                          alerts=2, tracking_only=False)
    text = "\n".join(lines)
    assert "1:02:05" in lines[0] and "alerts so far: 2" in lines[0]
    assert "  left     +23 deg    -2 deg   connected" in text and "3.90 V" in text
    assert "  right    +26 deg    +1 deg   reconnecting 12 s" in text
    # The link column holds link states only; the wearer's activity has a line of its own.
    assert lines[4] == "  L-R       -2 deg    -3 deg"
    assert lines[5] == "  now moving   time since the last break: 0:02:05"
    assert "on a break" in "\n".join(render_status(now_s=10.0, phase="monitoring", angles=ANGLES, links=LINKS,
                                                   activity_since_s=None, alerts=0, tracking_only=True))
    plain = render_plain(lines)
    assert "\n" not in plain and "flexion  lateral" not in plain and "+23 deg" in plain


def test_status_before_calibration_has_no_angles():
    lines = render_status(now_s=5.0, phase="calibrating", angles=None, links=LINKS, activity_since_s=None,
                          alerts=0, tracking_only=False)
    assert "--" in lines[2] and not any("break" in line for line in lines)


def test_while_forward_is_unknown_the_tilt_is_shown_instead_of_nothing():
    nan = float("nan")
    angles = LiveAngles(95.0, {"left": nan, "right": 31.0}, {"left": nan, "right": 2.0}, nan, nan, False,
                        tilt_deg={"left": 33.6, "right": 31.2})
    lines = render_status(now_s=100.0, phase="monitoring", angles=angles, links=LINKS, activity_since_s=0.0,
                          alerts=0, tracking_only=False)
    assert lines[2].startswith("  left      -- deg    -- deg")
    assert lines[5] == "  tilt from upright: left 34 deg  (forward direction not known yet)"
    known = render_status(now_s=100.0, phase="monitoring", angles=ANGLES, links=LINKS, activity_since_s=0.0,
                          alerts=0, tracking_only=False)
    assert not any("tilt" in line for line in known)


def test_alert_has_guidance_and_a_bell_unless_quiet_or_tracking_only():
    assert render_alert(_alert())[0].startswith("[WARNING] 0:05:12 Forward bend held too long: Trunk bent")
    assert render_alert(_alert())[1] == "    -> Straighten up now."
    for quiet, tracking, expect_bell, expect_text in ((False, False, True, True), (True, False, False, True),
                                                      (False, True, False, False)):
        out = io.StringIO()
        StatusView(out, quiet=quiet, tracking_only=tracking, tty=False).alert(_alert())
        assert (BELL in out.getvalue()) is expect_bell
        assert ("Straighten up" in out.getvalue()) is expect_text


def test_status_on_a_terminal_redraws_in_place_and_elsewhere_is_one_line_now_and_then():
    out = io.StringIO()
    view = StatusView(out, tty=True)
    view.status(["a", "b"], 0.0)
    view.message("hello")
    view.status(["c", "d"], 0.5)
    assert out.getvalue() == "a\nb\n\x1b[2F\x1b[Jhello\nc\nd\n"
    out = io.StringIO()
    view = StatusView(out, tty=False)
    for t in (0.0, 0.5, 5.0, 10.0, 12.0):
        view.status([f"t{t}"], t)
    assert out.getvalue() == "t0.0\nt10.0\n"

"""The coach's decisions on scripted alert timelines (no radio): what is delivered, when, and
how each alert is recorded. Times are session seconds; the engine sets ``end_s`` in place."""

from __future__ import annotations

import numpy as np

from backmon.live.coach import Coach, CoachSettings, FeedbackStyle, HoldReason
from backmon.live.control import Command, KeyReader, Verb
from backmon.live.delivery import DeliveryKind
from processing.alerts import Alert, AlertKind, Guidance, Severity
from processing.calibration import Recalibration, nominal
from sensors.samples import Side

AFTER = CoachSettings(feedback=FeedbackStyle.AFTER)


def _alert(kind="severe_flexion", start_s=100.0, since_s=96.0, side=Side.BOTH, value=69.0):
    return Alert(AlertKind(kind), start_s, since_s, side, Severity.WARNING, value, "deg", "Trunk bent.", "rule", 4.0,
                 guidance=(Guidance("posture_correction", "Come up slowly. Then bend your knees."),))


def _kinds(update):
    return [(d.delivery.kind, d.delivery.time_s) for d in update.deliver]


def test_immediate_alert_then_back_to_neutral_within_30_s():
    coach, alert = Coach(), _alert()
    first = coach.update(100.25, raised=[alert])
    assert _kinds(first) == [(DeliveryKind.ALERT, 100.25)]
    d = first.deliver[0].delivery
    assert (d.title, d.advice, d.figure, d.severity) == ("Deep forward bend held", "Come up slowly.", "69 deg for 4 s",
                                                         "warning")
    assert coach.update(105.0).deliver == []  # still bent
    alert.end_s = 112.0  # the wearer straightened 12 s after the alert
    ok = coach.update(112.5)
    assert _kinds(ok) == [(DeliveryKind.CORRECTED, 112.5)]
    assert ok.deliver[0].delivery.advice == "You corrected it within 12 s: well done."
    assert coach.records[0].corrected_s == 112.5 and coach.records[0].how.startswith("immediate")
    assert coach.update(130.0).deliver == []  # once


def test_no_acknowledgement_after_the_window_nor_for_rest_kinds():
    coach, late, rest = Coach(), _alert(), _alert("no_rest", start_s=100.0, since_s=0.0)
    coach.update(100.25, raised=[late, rest])
    late.end_s, rest.end_s = 140.0, 101.0  # 40 s after: past corrected_within_s
    assert coach.update(140.5).deliver == []


def test_after_delivers_at_the_return_to_neutral_never_during_the_bend():
    coach, alert = Coach(AFTER), _alert(start_s=100.0, since_s=96.0)
    assert coach.update(100.25, raised=[alert]).deliver == []
    for now_s in np.arange(100.5, 160.0, 0.25):  # a long bend: nothing while it lasts
        assert coach.update(float(now_s)).deliver == []
    alert.end_s = 160.0
    held = coach.update(160.25)
    assert _kinds(held) == [(DeliveryKind.HELD, 160.25)]
    assert held.deliver[0].delivery.figure == "bent forward 69 deg for 1 min 04 s"
    assert coach.records[0].how == "after (no channel got it through)"  # channels are filled in by the courier


def test_after_delivers_rest_kinds_as_raised():
    coach = Coach(AFTER)
    assert _kinds(coach.update(3600.25, raised=[_alert("no_rest", 3600.0, 0.0)])) == [(DeliveryKind.ALERT, 3600.25)]


def test_snooze_holds_delivery_not_detection_then_delivery_resumes():
    coach = Coach()
    assert coach.snooze(50.0, 15) == 950.0
    snoozed = coach.update(100.25, raised=[_alert()])
    assert snoozed.deliver == [] and [h.reason for h in snoozed.held] == [HoldReason.SNOOZED]
    assert coach.records[0].how == "held back: snoozed"  # recorded, with why
    coach.records[0].alert.end_s = 105.0
    assert coach.update(106.0).deliver == []  # no "back to neutral" for a held alert either
    later = coach.update(951.0, raised=[_alert(start_s=950.5, since_s=946.0)])  # the snooze is over
    assert _kinds(later) == [(DeliveryKind.ALERT, 951.0)]


def test_pause_until_resumed_and_a_return_to_neutral_while_paused_is_held():
    coach, alert = Coach(AFTER), _alert()
    coach.update(100.25, raised=[alert])
    coach.pause()
    alert.end_s = 110.0
    paused = coach.update(110.25)
    assert paused.deliver == [] and [h.reason for h in paused.held] == [HoldReason.PAUSED]
    coach.resume()
    assert _kinds(coach.update(200.0, raised=[_alert(start_s=199.0, since_s=195.0)])) == []  # after: waits
    assert coach.hold_reason(200.0) is None


def _slip(side="left", time_s=300.0, since_s=270.0):
    return Recalibration(side, time_s, nominal("test"), 15.0, "slip", since_s=since_s)


def test_a_slip_is_told_once_per_side_and_its_offset_alerts_get_nothing_more():
    coach = Coach()
    before = _alert("lr_asymmetry", start_s=200.0, since_s=80.0, side=Side.LEFT)  # began long before the slip
    offset = _alert("sustained_lateral_bend", start_s=290.0, since_s=275.0, value=12.0)  # began under the offset
    coach.update(290.25, raised=[before, offset])
    told = coach.update(300.25, slips=[_slip()])
    assert _kinds(told) == [(DeliveryKind.STALE_CALIBRATION, 300.25)]
    assert told.deliver[0].delivery.title == "The left sensor may have slipped"
    assert "backmon ctl recalibrate" in told.deliver[0].delivery.advice
    assert [(h.record.alert.kind, h.reason) for h in told.held] == [("sustained_lateral_bend",
                                                                     HoldReason.STALE_CALIBRATION)]
    offset.end_s = 300.1  # the correction ended it, not the wearer: no "back to neutral"
    assert coach.update(301.0).deliver == []
    # Another slip of the same side: not told again until a recalibration; a late alert from the offset is held.
    again = coach.update(400.0, slips=[_slip(time_s=400.0, since_s=390.0)],
                         raised=[_alert(start_s=399.0, since_s=385.0)])
    assert again.deliver == [] and [h.reason for h in again.held] == [HoldReason.STALE_CALIBRATION]
    coach.recalibrating(True)
    assert coach.hold_reason(401.0) == HoldReason.RECALIBRATING
    coach.recalibrating(False)
    assert _kinds(coach.update(500.0, slips=[_slip(time_s=500.0, since_s=490.0)])) == [
        (DeliveryKind.STALE_CALIBRATION, 500.0)]


def test_a_slip_while_snoozed_is_told_when_the_snooze_ends_and_withdrawn_alerts_are_held():
    coach = Coach()
    asym = _alert("lr_asymmetry", start_s=100.0, since_s=0.0, side=Side.LEFT)
    coach.update(100.25, raised=[asym])
    withdrawn = coach.update(101.0, withdrawn=[asym])
    assert [h.reason for h in withdrawn.held] == [HoldReason.WITHDRAWN]
    coach.snooze(200.0, 1)
    assert coach.update(210.0, slips=[_slip(time_s=210.0)]).deliver == []
    assert _kinds(coach.update(260.25)) == [(DeliveryKind.STALE_CALIBRATION, 260.25)]


def test_keys_make_the_same_commands_as_backmon_ctl():
    got, paused = [], [False]
    keys = KeyReader.__new__(KeyReader)  # no terminal: keys fed by hand
    keys.on_command, keys.on_text, keys.paused, keys.digits, keys.note = got.append, lambda t: None, \
        lambda: paused[0], "", None
    for char in "s30sp":
        keys.key(char)
    paused[0] = True
    for char in "pcmbox 3\r" "q":
        keys.key(char)
    assert got == [Command(Verb.SNOOZE, minutes=15.0), Command(Verb.SNOOZE, minutes=30.0), Command(Verb.PAUSE),
                   Command(Verb.RESUME), Command(Verb.RECALIBRATE), Command(Verb.MARK, note="box 3"),
                   Command(Verb.QUIT)]


def test_a_programme_tracking_day_delivers_nothing_and_records_why():
    coach = Coach(CoachSettings(programme_share=0.0))
    update = coach.update(100.25, raised=[_alert()])
    assert update.deliver == [] and [h.reason for h in update.held] == [HoldReason.PROGRAMME_DAY]
    assert coach.records[0].held == HoldReason.PROGRAMME_DAY


def test_a_fading_day_delivers_its_share_evenly_first_alert_first():
    # Share 0.5 (processing.programme.delivered_at): alerts 1, 3, 5 of the day delivered, 2, 4, 6 left out.
    coach = Coach(CoachSettings(programme_share=0.5))
    delivered = []
    for i in range(6):
        start_s = 100.0 + 400.0 * i
        update = coach.update(start_s, raised=[_alert("no_rest", start_s=start_s, since_s=start_s - 3600.0)])
        delivered.append(bool(update.deliver))
        assert update.held == [] if delivered[-1] else [h.reason for h in update.held] == [HoldReason.FADED]
    assert delivered == [True, False, True, False, True, False]

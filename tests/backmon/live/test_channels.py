"""The delivery channels without a radio: deliver_all's time limit and failures, the wording of an
alert, which boards vibrate, the "no motor" line, the patterns' bytes as the profile documents."""

from __future__ import annotations

import asyncio
import re
import sys
import time

import pytest

from backmon.live import courier as courier_module
from backmon.live.channels import ChannelOptions, open_channels
from backmon.live.channels.haptic import PATTERNS, HapticChannel, motor_lines
from backmon.live.channels.wording import alert_delivery, alert_title, body_text, figure_text
from backmon.live.coach import Decision
from backmon.live.courier import Courier
from backmon.live.delivery import ChannelName, Delivery, DeliveryKind
from processing.alerts import Alert, AlertKind, Guidance, Severity
from sensors.profiles import PROFILES, backmon
from tests.support.paths import FIRMWARE_NOTES

DELIVERY = Delivery(DeliveryKind.ALERT, 12.0, "Deep forward bend held", "Come up slowly.", "70 deg for 4 s",
                    alert_kind="severe_flexion", side="both")


class Fake:
    def __init__(self, name, behaviour):
        self.name, self.behaviour, self.got = name, behaviour, []

    async def deliver(self, delivery):
        self.got.append(delivery)
        if self.behaviour == "hang":
            await asyncio.sleep(60)
        if self.behaviour == "raise":
            raise RuntimeError("a bug in a channel")
        return self.behaviour == "ok"

    async def close(self):
        pass


def deliver_all(channels, delivery, trouble=None):
    said = trouble if trouble is not None else []
    return Courier(channels, lambda *_: None, on_trouble=said.append).deliver(Decision(delivery, None))


def test_the_courier_names_the_channels_that_carried_it_and_never_waits_past_its_limit(monkeypatch):
    monkeypatch.setattr(courier_module, "CHANNEL_TIMEOUT_S", 0.2)
    channels = [Fake(ChannelName.TERMINAL, "ok"), Fake(ChannelName.DESKTOP, "hang"), Fake(ChannelName.HAPTIC, "ok")]

    async def body():
        start = time.monotonic()
        got = await deliver_all(channels, DELIVERY)
        return got, time.monotonic() - start

    got, took_s = asyncio.run(body())
    assert got == (ChannelName.TERMINAL, ChannelName.HAPTIC)
    assert took_s < 1.0  # the hanging one was given up on at 0.2 s, the others ran at the same time
    assert all(c.got == [DELIVERY] for c in channels)


def test_a_failing_channel_is_left_out_and_raises_nothing():
    channels = [Fake(ChannelName.DESKTOP, "raise"), Fake(ChannelName.HAPTIC, "no"), Fake(ChannelName.TERMINAL, "ok")]
    trouble = []
    assert asyncio.run(deliver_all(channels, DELIVERY, trouble)) == (ChannelName.TERMINAL,)
    assert trouble == ["desktop delivery failed (RuntimeError); going on without it"]


def _alert(kind, value, unit="deg", side="both", since_s=100.0, start_s=104.0):
    return Alert(kind, start_s, since_s, side, Severity.WARNING, value, unit, "message", "rule", 4.0,
                 guidance=(Guidance("posture_correction", "First line."), Guidance("exercise_therapy", "Second.")))


@pytest.mark.parametrize("kind,value,unit,side,since_s,figure", [
    (AlertKind.SEVERE_FLEXION, 69.6, "deg", "both", 100.0, "70 deg for 4 s"),
    (AlertKind.SUSTAINED_LATERAL_BEND, -12.2, "deg", "both", 44.0, "12 deg to the right for 1 min 00 s"),
    (AlertKind.LR_ASYMMETRY, 6.4, "deg", "left", -16.0, "left side 6 deg for 2 min 00 s"),
    (AlertKind.NO_REST, 61.5, "min", "both", 0.0, "62 min"),
])
def test_an_alert_as_a_delivery(kind, value, unit, side, since_s, figure):
    alert = _alert(kind, value, unit, side, since_s)
    d = alert_delivery(alert, 104.5)
    assert d == Delivery(DeliveryKind.ALERT, 104.5, alert_title(alert), "First line.", figure, alert_kind=str(kind),
                         side=side, severity="warning", guidance=("First line.", "Second."), detail="message")
    assert alert_title(alert).startswith(kind.title)
    assert figure_text(alert) == figure
    assert body_text(d) == f"{figure}\nFirst line."


class FakeLink:
    def __init__(self, name, profile):
        self.name, self.profile, self.patterns = name, PROFILES[profile], []

    @property
    def has_motor(self):
        return self.profile.has_motor

    async def vibrate(self, pattern):
        self.patterns.append(pattern)
        return True


def test_haptics_go_to_boards_with_a_motor_and_to_the_side_an_alert_is_about():
    left, right = FakeLink("backmon-L", "backmon"), FakeLink("WT901BLE67", "witmotion")
    assert HapticChannel.for_links({"left": FakeLink("a", "movesense"), "right": right}) is None
    channel = HapticChannel.for_links({"left": left, "right": right})
    assert list(channel.links) == ["left"]
    assert asyncio.run(channel.deliver(DELIVERY)) and left.patterns == [PATTERNS[DeliveryKind.ALERT]]
    both = FakeLink("backmon-R", "backmon")
    channel = HapticChannel({"left": left, "right": both})
    one_sided = Delivery(DeliveryKind.CORRECTED, 1.0, "Back to neutral", "", side="right")
    assert asyncio.run(channel.deliver(one_sided))
    assert both.patterns == [PATTERNS[DeliveryKind.CORRECTED]] and len(left.patterns) == 1  # only the right


def test_the_no_motor_line():
    movesense = {"left": FakeLink("Movesense 1", "movesense"), "right": FakeLink("Movesense 2", "movesense")}
    assert motor_lines(movesense, notify=True) == [
        "no vibration motor on Movesense 1, Movesense 2 (movesense): alerts come by notification and terminal only"]
    assert motor_lines(movesense, notify=False) == [
        "no vibration motor on Movesense 1, Movesense 2 (movesense): alerts come by terminal only"]
    mixed = {"left": FakeLink("backmon-L", "backmon"), "right": FakeLink("WT901BLE67", "witmotion")}
    assert motor_lines(mixed, notify=True) == [
        "no vibration motor on WT901BLE67 (witmotion): alerts vibrate on backmon-L only"]
    assert motor_lines({"left": FakeLink("backmon-L", "backmon")}, notify=True) == []
    wit = {"left": FakeLink("WT901BLE67", "witmotion"), "right": FakeLink("WT901BLE67", "witmotion")}
    assert motor_lines(wit, notify=False) == [
        "no vibration motor on WT901BLE67 (witmotion): alerts come by terminal only"]


def test_open_channels_without_options_or_a_bus(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    links = {"left": FakeLink("Movesense 1", "movesense"), "right": FakeLink("Movesense 2", "movesense")}
    said = []
    assert asyncio.run(open_channels(None, links, said.append)) == []
    assert said == []
    opened = asyncio.run(open_channels(ChannelOptions(), links, said.append))
    assert opened == []  # the terminal is the coach's own channel, always there
    if sys.platform.startswith("linux"):
        assert said == ["desktop notifications unavailable (no D-Bus session bus): alerts come by terminal only",
                        "no vibration motor on Movesense 1, Movesense 2 (movesense): alerts come by terminal only"]
    said.clear()
    asyncio.run(open_channels(ChannelOptions(desktop=False, haptics=False), links, said.append))
    assert said == []  # switched off: nothing to say about what is missing


def test_patterns_are_the_profiles_table():
    spec = (FIRMWARE_NOTES / "backmon-gatt-profile.md").read_text()
    table = dict(re.findall(r"^\| (alert|corrected|held|stale calibration) .*`([0-9a-f]+)` \|$", spec, re.MULTILINE))
    assert {DeliveryKind(k.replace(" ", "_")): bytes.fromhex(v) for k, v in table.items()} == {
        kind: backmon.encode_haptic(p) for kind, p in PATTERNS.items()}
    assert set(PATTERNS) == set(DeliveryKind)
    # The alert and "corrected" differ in count and length: three firm pulses, one short tap.
    assert PATTERNS[DeliveryKind.ALERT].pulses_ms == ((400, 200), (400, 200), (400, 0))
    assert PATTERNS[DeliveryKind.CORRECTED].pulses_ms == ((80, 0),)

"""The channels that carry deliveries to the wearer (issue 14; the values are ``backmon.live.delivery``).

- ``terminal``: the monitor's own screen (always there: the coach's first channel; ``--quiet``
  only drops the bell);
- ``desktop``: a desktop notification through ``desktop-notifier`` (D-Bus on Linux, the
  notification centre on macOS and Windows), off with ``--no-notify``;
- ``haptic``: a vibration pattern on the sensors that have a motor (backmon boards: the
  profile row's ``has_motor``), off with ``--no-haptics``;
- ``wording``: an alert as a ``Delivery`` (title, one line of advice, the measured figure).

``open_channels`` opens what the options ask for and says once (one line) what cannot work
here; the coach's courier (``backmon/live/courier.py``) hands each delivery to every channel at
once, each with a time limit. Nothing here ever raises into the monitor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from backmon.live.channels.haptic import HapticChannel, motor_lines
from backmon.live.channels.wording import alert_delivery
from backmon.live.delivery import Channel, ChannelName
from sensors.ble.link import SensorLink

__all__ = ["ChannelOptions", "alert_delivery", "open_channels"]


@dataclass(frozen=True)
class ChannelOptions:
    """Which channels a monitor opens (``--no-notify``, ``--no-haptics``; ``--quiet``: neither)."""

    desktop: bool = True
    haptics: bool = True

    @classmethod
    def from_flags(cls, *, quiet: bool, no_notify: bool, no_haptics: bool) -> ChannelOptions:
        return cls(desktop=not (quiet or no_notify), haptics=not (quiet or no_haptics))


async def open_channels(options: ChannelOptions | None, links: Mapping[str, SensorLink],
                        say: Callable[[str], None]) -> list[Channel]:
    """The channels beside the terminal for one monitor: what ``options`` ask for and this
    machine and these sensors allow (None: none). What cannot work is said once through ``say``
    (one line each), never raised."""
    channels: list[Channel] = []
    if options is None:
        return channels
    haptic = HapticChannel.for_links(links) if options.haptics else None
    if options.desktop:
        from backmon.live.channels.desktop import DesktopChannel  # imports desktop-notifier only when used

        desktop = await DesktopChannel.open(say, others="vibration and terminal" if haptic else "terminal")
        if desktop is not None:
            channels.append(desktop)
    if options.haptics:
        for line in motor_lines(links, notify=any(c.name == ChannelName.DESKTOP for c in channels)):
            say(line)
    if haptic is not None:
        channels.append(haptic)
    return channels

"""The channels that carry deliveries to the wearer (issue 14; the values are ``backmon.live.delivery``).

- ``terminal``: the monitor's own screen (always there; ``--quiet`` only drops the bell);
- ``desktop``: a desktop notification through ``desktop-notifier`` (D-Bus on Linux, the
  notification centre on macOS and Windows), off with ``--no-notify``;
- ``haptic``: a vibration pattern on the sensors that have a motor (backmon boards: the
  profile row's ``has_motor``), off with ``--no-haptics``;
- ``wording``: an alert as a ``Delivery`` (title, one line of advice, the measured figure).

``open_channels`` opens what the options ask for and says once (one line) what cannot work
here; ``deliver_all`` hands one delivery to every channel at once, each with a time limit, and
returns the names of those that carried it. Nothing here ever raises into the monitor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from backmon.live.channels.haptic import HapticChannel, motor_lines
from backmon.live.channels.terminal import TerminalChannel
from backmon.live.channels.wording import alert_delivery
from backmon.live.delivery import Channel, ChannelName, Delivery
from sensors.ble.link import SensorLink

# A channel that has not delivered within this is given up on for this delivery: a vibration
# or a notification seconds late is about a moment that has passed (the D-Bus default reply
# timeout is 25 s, far too long to keep a delivery pending).
DELIVERY_TIMEOUT_S = 3.0

__all__ = ["DELIVERY_TIMEOUT_S", "ChannelOptions", "alert_delivery", "close_all", "deliver_all", "open_channels"]


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
    """The channels for one monitor: the terminal always, then what ``options`` ask for and
    this machine and these sensors allow (None: the terminal only). What cannot work is said
    once through ``say`` (one line each), never raised."""
    channels: list[Channel] = [TerminalChannel(say)]
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


async def _one(channel: Channel, delivery: Delivery, timeout_s: float) -> bool:
    try:
        return bool(await asyncio.wait_for(channel.deliver(delivery), timeout_s))
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001 -- a channel's failure (or bug) never reaches the monitor
        return False


async def deliver_all(channels: Sequence[Channel], delivery: Delivery, *,
                      timeout_s: float = DELIVERY_TIMEOUT_S) -> tuple[ChannelName, ...]:
    """Hand ``delivery`` to every channel at once; the names of those that carried it within
    ``timeout_s`` (seconds), in the channels' order."""
    done = await asyncio.gather(*(_one(c, delivery, timeout_s) for c in channels))
    return tuple(c.name for c, ok in zip(channels, done) if ok)


async def close_all(channels: Sequence[Channel], *, timeout_s: float = DELIVERY_TIMEOUT_S) -> None:
    for channel in channels:
        try:
            await asyncio.wait_for(channel.close(), timeout_s)
        except Exception:  # noqa: BLE001 -- closing down: nothing left to tell the wearer
            pass

"""Carries the coach's decisions to the channels, in order, off the monitor's ticker.

A channel that fails or takes longer than ``CHANNEL_TIMEOUT_S`` counts as not delivered: a
notification service that hangs never stalls monitoring. Each delivery ends in ``on_done``
with the channels that got it through (the monitor writes the ``# event`` line then).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from backmon.live.coach import Decision
from backmon.live.delivery import Channel, ChannelName

# D-Bus and BLE writes answer in milliseconds; a vibration or a notification seconds late is about a
# moment that has passed (the D-Bus default reply timeout, 25 s, is far too long to wait).
CHANNEL_TIMEOUT_S = 3.0


class Courier:
    def __init__(self, channels: Sequence[Channel], on_done: Callable[[Decision, tuple[ChannelName, ...]], None],
                 *, on_trouble: Callable[[str], None] = lambda text: None) -> None:
        self.channels = list(channels)
        self.on_done, self.on_trouble = on_done, on_trouble
        self.queue: asyncio.Queue[Decision | None] = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self._troubled: set[ChannelName] = set()

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="courier")

    def send(self, decision: Decision) -> None:
        self.queue.put_nowait(decision)

    async def _run(self) -> None:
        while (decision := await self.queue.get()) is not None:
            through = await self.deliver(decision)
            self.on_done(decision, through)

    async def deliver(self, decision: Decision) -> tuple[ChannelName, ...]:
        """Every channel at once, each within its time limit: a notification service that hangs
        never delays the vibration. The names of the channels that carried it, in their order."""
        done = await asyncio.gather(*(self._one(c, decision.delivery) for c in self.channels))
        return tuple(c.name for c, ok in zip(self.channels, done) if ok)

    async def _one(self, channel: Channel, delivery) -> bool:
        try:
            return bool(await asyncio.wait_for(channel.deliver(delivery), CHANNEL_TIMEOUT_S))
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 -- a channel's trouble never stops monitoring
            if channel.name not in self._troubled:  # said once per channel
                self._troubled.add(channel.name)
                self.on_trouble(f"{channel.name} delivery failed ({type(err).__name__}); going on without it")
            return False

    async def close(self) -> None:
        """Deliver what is queued, then close every channel."""
        if self.task is not None:
            self.queue.put_nowait(None)
            try:
                await asyncio.wait_for(self.task, 2 * CHANNEL_TIMEOUT_S)
            except (TimeoutError, asyncio.CancelledError):
                self.task.cancel()
        for channel in self.channels:
            try:
                await asyncio.wait_for(channel.close(), CHANNEL_TIMEOUT_S)
            except Exception:  # noqa: BLE001, S110 -- closing is best effort at the end
                pass

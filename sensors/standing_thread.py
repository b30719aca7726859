"""One worker thread that stands for the life of the process, for work handed over step after step.

A pool per step would start a thread each time; a standing one is started once. A forked worker
(``backmon batch``) inherits the pool but not its thread, so the child gets a new one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class StandingThread:
    """``submit`` runs a call on the one thread named ``name`` and returns its ``Future``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=name)
        os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=self.name)

    def submit(self, fn: Callable, /, *args) -> Future:
        return self._pool.submit(fn, *args)

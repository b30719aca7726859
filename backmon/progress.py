"""A progress bar on stderr for long work: shown only on a terminal, only after ~2 s, never with --quiet."""

from __future__ import annotations

import sys
from contextlib import contextmanager


@contextmanager
def progress_bar(description: str, *, quiet: bool = False, total: float = 1.0, unit: str = ""):
    """Yields ``update(done)`` where done counts up to ``total``; a no-op when not shown."""
    if quiet or not sys.stderr.isatty():
        yield lambda done: None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=description, unit=unit, delay=2.0, file=sys.stderr, leave=False,
              bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}") as bar:
        def update(done: float) -> None:
            bar.update(max(0.0, done - bar.n))

        yield update

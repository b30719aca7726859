"""Runs and hysteresis over frame streams, vectorised, with state carried between chunks.

A condition with hysteresis becomes active where ``enter`` holds and stays active while
``stay`` holds (``enter`` implies ``stay``). Detectors, bend counting and twist events all use
these two helpers instead of per-frame Python loops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the True runs of ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def hysteresis(enter: np.ndarray, stay: np.ndarray, *, active_before: bool = False) -> np.ndarray:
    """Active state per frame; ``active_before`` is the state just before the first frame."""
    n = enter.size
    idx = np.arange(n)
    last_reset = np.where(~stay, idx, -2 if active_before else -1)
    last_enter = np.where(enter & stay, idx, -1 if active_before else -2)
    np.maximum.accumulate(last_reset, out=last_reset)
    np.maximum.accumulate(last_enter, out=last_enter)
    return stay & (last_enter > last_reset)


@dataclass(frozen=True)
class Piece:
    """Part of an episode inside one chunk: frames [lo, hi), episode began at since_s.

    continuing: the episode was already open before this chunk.
    closed: the episode ended at frame hi (inside this chunk); otherwise it may continue.
    """

    lo: int
    hi: int
    since_s: float
    continuing: bool
    closed: bool


class EpisodeTracker:
    """Splits a stream into hysteresis episodes, remembering an open one across chunks."""

    def __init__(self) -> None:
        self.active = False
        self.since_s = 0.0

    def update(self, time_s: np.ndarray, enter: np.ndarray, stay: np.ndarray) -> list[Piece]:
        active = hysteresis(enter, stay, active_before=self.active)
        starts, ends = runs(active)
        pieces = []
        if self.active and time_s.size and not active[0]:
            # The open episode ended right at the chunk boundary: an empty closing piece.
            pieces.append(Piece(0, 0, self.since_s, True, closed=True))
        for lo, hi in zip(starts.tolist(), ends.tolist()):
            continuing = lo == 0 and self.active
            since = self.since_s if continuing else float(time_s[lo])
            pieces.append(Piece(lo, hi, since, continuing, closed=hi < time_s.size))
        self.active = bool(active[-1]) if active.size else self.active
        if pieces and not pieces[-1].closed:
            self.since_s = pieces[-1].since_s
        return pieces


def count_episodes(enter: np.ndarray, stay: np.ndarray) -> int:
    """Number of hysteresis episodes in a whole series (bends, for instance)."""
    return int(runs(hysteresis(enter, stay))[0].size)

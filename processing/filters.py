"""Step 2: low-pass filters designed with scipy, streaming with their ``zi`` state.

The same object filters a whole file in large chunks or live notifications one by one; the
output is the same either way. At a reset (first point after a gap) the state restarts at
steady state for that sample, so a gap never rings through the filter.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt, sosfilt_zi


def capped_cutoff_hz(cutoff_hz: float, *, rate_hz: float, max_fraction: float) -> float:
    """A cut-off no higher than ``max_fraction`` of the rate (5 Hz is above Nyquist at 10 Hz)."""
    return min(cutoff_hz, max_fraction * rate_hz)


class StreamingLowpass:
    """Butterworth low-pass over (n, channels) arrays, keeping state between calls.

    scipy filters along the last axis of a C-ordered copy, so the work is done channel by
    channel on ``x.T``: an input that is a transposed view of a (channels, n) array (as the
    aligner gives) costs no transposing copies, and the output is such a view too.
    """

    def __init__(self, *, cutoff_hz: float, rate_hz: float, order: int = 2, channels: int = 3,
                 max_cutoff_fraction: float = 0.4) -> None:
        self.cutoff_hz = capped_cutoff_hz(cutoff_hz, rate_hz=rate_hz, max_fraction=max_cutoff_fraction)
        self.sos = butter(order, self.cutoff_hz, fs=rate_hz, output="sos")
        self._zi_unit = sosfilt_zi(self.sos)[:, None, :]  # (sections, 1, 2)
        self._zi = np.zeros((self.sos.shape[0], channels, 2))

    def process(self, x: np.ndarray, *, reset: np.ndarray) -> np.ndarray:
        """Filter ``x`` (n, channels); ``reset`` (n,) bool restarts the state at those points."""
        x_t = np.asarray(x, dtype=float).T
        bounds = [0, *np.flatnonzero(reset).tolist(), x_t.shape[1]]
        stretches = [(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]
        out_t = None if len(stretches) == 1 else np.empty(x_t.shape)
        for lo, hi in stretches:
            if reset[lo]:
                self._zi = self._zi_unit * x_t[None, :, lo, None]
            y_t, self._zi = sosfilt(self.sos, x_t[:, lo:hi], axis=-1, zi=self._zi)
            if out_t is None:
                return y_t.T  # one stretch, the usual chunk: sosfilt's output as it is
            out_t[:, lo:hi] = y_t
        return out_t.T

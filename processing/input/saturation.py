"""Each side's largest readings, gathered while the file is read (processing.data_quality judges them)."""

from __future__ import annotations

import numpy as np

from sensors.compiled import Kernels

_kernels = Kernels("processing.kernels.saturation")


class SaturationWatch:
    """Each side's few largest absolute readings per sensor, gathered a chunk at a time: enough
    to tell whether the largest one repeats (a clipped signal) without keeping the signal."""

    TOP = 3  # a clipped peak must appear at least this often

    def __init__(self) -> None:
        self.peaks: dict[str, dict[str, np.ndarray]] = {}

    def update(self, side: str, accel_g: np.ndarray, gyro_dps: np.ndarray) -> None:
        for what, values in (("accelerometer", accel_g), ("gyroscope", gyro_dps)):
            magnitudes = np.empty(self.TOP)
            magnitudes = magnitudes[:_kernels.largest_abs(np.asarray(values, dtype=float), magnitudes)]
            known = self.peaks.setdefault(side, {}).get(what)
            both = magnitudes if known is None else np.concatenate([known, magnitudes])
            self.peaks[side][what] = np.sort(both)[-self.TOP:]

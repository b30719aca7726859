"""Compiled kernel of processing/activity.py: the movement verdicts per frame (see sensors/compiled.py)."""

import math

import numpy as np

KERNELS = {  # name: signature (numba's notation), for the ahead-of-time build
    "window_verdicts": "void(float64[:, :], float64, float64, float64, boolean[::1], float64[::1])",
}


def window_verdicts(summed, min_count, moving_sd_g, moving_gyro_dps, moving_out, intensity_out):
    """Per frame, from the window sums (8, m): moving or not, and the acceleration SD (NaN
    where too few samples). The arithmetic of the former numpy version, operation for operation."""
    for i in range(moving_out.size):
        n = summed[6, i]
        safe = max(n, 1.0)
        total = 0.0
        for c in range(3):
            mean = summed[c, i] / safe
            var = summed[3 + c, i] / safe - mean * mean
            var = var if var >= 0.0 or math.isnan(var) else 0.0  # np.clip(var, 0, None)
            total = var if c == 0 else total + var
        sd_g = math.sqrt(total)
        known = n >= min_count
        moving_out[i] = known and (sd_g > moving_sd_g or summed[7, i] / safe > moving_gyro_dps)
        intensity_out[i] = sd_g if known else np.nan

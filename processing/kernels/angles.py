"""Compiled kernel of processing/angles.py: the trunk mean of the two sides (see sensors/compiled.py)."""

import math

import numpy as np

KERNELS = {  # name: signature (numba's notation), for the ahead-of-time build
    "trunk_mean": "void(float64[::1], float64[::1], float64[::1])",
}


def trunk_mean(left, right, out):
    """One pass with the arithmetic of the former nansum / count: a missing side adds 0."""
    for i in range(out.size):
        l_ok, r_ok = not math.isnan(left[i]), not math.isnan(right[i])
        if l_ok and r_ok:
            out[i] = (left[i] + right[i]) / 2.0
        elif l_ok or r_ok:
            out[i] = (left[i] if l_ok else 0.0) + (right[i] if r_ok else 0.0)
        else:
            out[i] = np.nan

"""Compiled kernel of processing/input/saturation.py: a chunk's largest absolute readings in one
pass, in place of an absolute copy and a partition (see sensors/compiled.py)."""

import math

KERNELS = {  # name: signature (numba's notation), for the ahead-of-time build
    "largest_abs": "int64(float64[:, :], float64[::1])",
}


def largest_abs(values, out):
    """The out.size largest |values| (NaN counts as largest, as in numpy's sort), ascending in
    out[:k]; returns k, fewer than out.size only when values has fewer elements."""
    top = out.size
    k = 0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = abs(values[i, j])
            if k < top:
                at = k
                k += 1
            elif _less(out[0], v):
                at = 0
                for m in range(1, top):  # drop the smallest
                    out[m - 1] = out[m]
                at = top - 1
            else:
                continue
            while at > 0 and _less(v, out[at - 1]):  # insertion: keep out[:k] ascending
                out[at] = out[at - 1]
                at -= 1
            out[at] = v
    return k


def _less(a, b):
    """a < b in numpy's sort order (NaN last)."""
    if math.isnan(a):
        return False
    return math.isnan(b) or a < b

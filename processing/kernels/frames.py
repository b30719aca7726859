"""Compiled kernel of processing/frames.py: per-frame sums in one pass (see sensors/compiled.py)."""

import math

import numpy as np

KERNELS = {  # name: signature (numba's notation), for the ahead-of-time build
    "frame_sums": "void(int64, boolean[::1], float64[:, ::1], float64[:, ::1], float64[:, :], float64[:, ::1], "
        "float64[:, ::1], float64[::1])",
}


def frame_sums(block, valid, gravity, gyro_dps, accel_lp_g, means_out, sums_out, count_out):
    """One pass over the samples: per frame, the means of gravity, gyro and |gyro| and the sums
    of the low-passed acceleration and its squares, over valid samples only (invalid ones hold
    stale values). Summed in sample order, as numpy's block sum did, so the results are equal.
    """
    acc = np.empty(13)
    for i in range(count_out.size):
        acc[:] = 0.0
        n = 0
        for k in range(i * block, (i + 1) * block):
            if not valid[k]:
                continue
            n += 1
            for c in range(3):
                acc[c] += gravity[k, c]
                acc[3 + c] += gyro_dps[k, c]
                acc[7 + c] += accel_lp_g[k, c]
                acc[10 + c] += accel_lp_g[k, c] * accel_lp_g[k, c]
            x, y, z = gyro_dps[k, 0], gyro_dps[k, 1], gyro_dps[k, 2]
            acc[6] += math.sqrt(x * x + y * y + z * z)
        count_out[i] = n
        mean_of = max(n, 1.0)
        for c in range(7):
            means_out[i, c] = acc[c] / mean_of
        for c in range(6):
            sums_out[i, c] = acc[7 + c]

"""Compiled kernels of processing/side_check.py: the lever-arm terms (see sensors/compiled.py)."""

import math

import numpy as np

KERNELS = {  # name: signature (numba's notation), for the ahead-of-time build
    "linear_accel_g": "float64[:, ::1](float64[:, :], float64[:], float64[:, :])",
    "lever_terms": "int64(float64[:, ::1], float64[:, ::1], float64[:, ::1], float64[:, ::1], boolean[::1], "
        "float64[::1], float64[::1], float64, float64, float64[:, ::1], float64[:, ::1])",
}


def linear_accel_g(accel_sum_g, count, gravity):
    """Mean acceleration minus the unit "up" direction per frame (m, 3): the linear part."""
    out = np.empty((count.size, 3))
    for i in range(count.size):
        n = max(count[i], 1.0)
        gx, gy, gz = gravity[i, 0], gravity[i, 1], gravity[i, 2]
        norm = max(math.sqrt(gx * gx + gy * gy + gz * gz), 1e-9)
        for c in range(3):
            out[i, c] = accel_sum_g[i, c] / n - gravity[i, c] / norm
    return out


def lever_terms(lin_left, lin_right, w_left, w_right, ok, prev_w, prev_diff, frame_s, min_turn_rad, h_out, d_out):
    """The regressor h and the left-minus-right difference d of every usable frame pair.

    Backward differences sit between frames: they pair with the mean of both frames. A pair is
    usable when both frames have both sides and the trunk turns about x faster than
    ``min_turn_rad``. ``prev_w``, ``prev_diff`` (3,) hold the frame before this chunk (NaN if
    none) and are updated in place. Returns how many rows of h_out, d_out were written.
    """
    used = 0
    omega, diff = np.empty(3), np.empty(3)
    for i in range(ok.size):
        for c in range(3):
            omega[c] = 0.5 * (w_left[i, c] + w_right[i, c]) if ok[i] else np.nan
            diff[c] = lin_left[i, c] - lin_right[i, c] if ok[i] else np.nan
        alpha_x, alpha_z = (omega[0] - prev_w[0]) / frame_s, (omega[2] - prev_w[2]) / frame_s
        wx, wy, wz = 0.5 * (omega[0] + prev_w[0]), 0.5 * (omega[1] + prev_w[1]), 0.5 * (omega[2] + prev_w[2])
        h0, h1, h2 = -alpha_z + wx * wy, -(wx * wx + wz * wz), alpha_x + wz * wy
        finite = np.isfinite(h0) and np.isfinite(h1) and np.isfinite(h2)
        for c in range(3):
            d_out[used, c] = 0.5 * (diff[c] + prev_diff[c])
            finite = finite and np.isfinite(d_out[used, c])
            prev_w[c], prev_diff[c] = omega[c], diff[c]
        if finite and abs(wx) > min_turn_rad:
            h_out[used, 0], h_out[used, 1], h_out[used, 2] = h0, h1, h2
            used += 1
    return used

"""Compiled kernels of processing/align.py: buffering and resampling (see sensors/compiled.py)."""

KERNELS = {  # name: signature (numba's notation), for the ahead-of-time build
    "append": "void(float64[:], float64[:, :], float64[:, :], float64[::1], float64[:, ::1], int64)",
    "resample": "int64(float64[::1], float64[:, ::1], float64[::1], float64, float64[::1], boolean, "
        "float64[:, ::1], float64[:, ::1], boolean[::1], boolean[::1])",
}


def append(time_s, accel_g, gyro_dps, time_out, data_out, at):
    """Copy pushed samples into the buffer rows from ``at`` on: one pass (numpy's assignment
    into three of six columns was twice as slow)."""
    for i in range(time_s.size):
        time_out[at + i] = time_s[i]
        for c in range(3):
            data_out[at + i, c] = accel_g[i, c]
            data_out[at + i, 3 + c] = gyro_dps[i, c]


def resample(time_s, data, grid_s, gap_s, held, was_valid, accel_out, gyro_out, valid_out,
              reset_out):
    """Linear interpolation onto the grid, invalid points holding the last value, resets.

    ``time_s`` must be sorted (as SideSamples and live stamps are): the search for each grid
    point walks on from the previous one. Outputs are channel-major: accel_out, gyro_out (3, n).
    Returns how many samples lie at or before the last grid point. The arithmetic is the one
    numpy did before, operation for operation.
    """
    size = time_s.size
    right = 0
    for j in range(grid_s.size):
        g = grid_s[j]
        ok = False
        if size >= 2:
            while right < size and time_s[right] <= g:  # searchsorted(..., side="right")
                right += 1
            li, ri = max(right - 1, 0), min(right, size - 1)
            span = time_s[ri] - time_s[li]
            # A grid point on a sample (to rounding) needs no neighbour, even at a gap's edge.
            on_sample = right >= 1 and abs(g - time_s[li]) <= 1e-9 * max(1.0, abs(g))
            between = right >= 1 and right < size and span <= gap_s and span > 0
            ok = between or on_sample
            if ok:
                frac = (g - time_s[li]) / span if between else 0.0
                for c in range(6):
                    held[c] = data[li, c] + frac * (data[ri, c] - data[li, c])
        # Invalid points repeat the last valid value so filters see no jumps to zero.
        for c in range(3):
            accel_out[c, j] = held[c]
            gyro_out[c, j] = held[3 + c]
        valid_out[j] = ok
        reset_out[j] = ok and not was_valid
        was_valid = ok
    return right

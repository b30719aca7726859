"""Compiled kernel of sensors/session/stream.py: each data row's verdict in one pass over the
block's values, in place of a copy of them and five passes of numpy (see sensors/compiled.py)."""

import math

# A row's verdict: its side's code when usable, else why not (checked in this order).
LEFT, RIGHT, BAD_NUMBER, UNKNOWN_SIDE, IMPOSSIBLE = 0, 1, 2, 3, 4

KERNELS = {  # name: signature (numba's notation), for the ahead-of-time build
    "row_verdicts": "void(float64[:, ::1], int8[::1], int64[::1], int64, int64, float64[::1], int8[::1])",
}


def row_verdicts(values, side, rows, time_col, first_col, limits, out):
    """out[i] for the row rows[i]: BAD_NUMBER (time or a reading not finite), UNKNOWN_SIDE
    (side code below 0), IMPOSSIBLE (a reading beyond its limit: limits holds one per reading
    column, from first_col on), else its side's code."""
    n_readings = limits.size
    for i in range(rows.size):
        r = rows[i]
        verdict = side[r]
        if not math.isfinite(values[r, time_col]):
            verdict = BAD_NUMBER
        else:
            beyond = False
            for c in range(n_readings):
                v = values[r, first_col + c]
                if not math.isfinite(v):
                    verdict = BAD_NUMBER
                    break
                beyond = beyond or abs(v) > limits[c]
            if verdict != BAD_NUMBER:
                if side[r] < 0:
                    verdict = UNKNOWN_SIDE
                elif beyond:
                    verdict = IMPOSSIBLE
        out[i] = verdict

"""Compiled kernel of processing/orientation.py: the gravity fusion's per-sample recursion and its
helpers (see sensors/compiled.py); the state vector's layout is described there."""

import math

# The state vector's layout (processing/orientation.py describes it and uses _B, _P, _STATE_SIZE).
_N, _B, _P, _REST_S, _READY = 9, slice(10, 13), slice(13, 19), 31, 32
_STATE_SIZE = 33
# Parameter vector layout (float64, built once in processing.orientation.GravityFusion): two
# (b0, b1, b2, a1, a2) low-pass filters, then the scalars. The kernel reads them by these names.
_LP_ACCEL, _LP_REST = 0, 5  # each filter's first coefficient; 5 coefficients each
(_TAU_S, _REST_GYRO_DPS, _REST_ACCEL_G, _REST_MIN_S, _CLIP_DPS, _P0, _WALK, _REST_VAR, _MOTION_VAR,
 _VERTICAL_VAR) = range(10, 20)
_PARAM_SIZE = 20
_DEG = math.pi / 180.0

KERNELS = {  # name: signature (numba's notation), for the ahead-of-time build
    "fuse": "void(float64[:, :], float64[:, :], boolean[::1], float64, float64[::1], float64[::1], "
        "float64[:, ::1], float64[:, ::1])",
}


def _rotation(rx, ry, rz):
    """The matrix turning vectors by the rotation vector r (radians), Rodrigues' formula, row by row.

    Below 0.1 rad (nearly every sample: 0.1 rad in one sample is 570 deg/s at 100 Hz) cos(t),
    sin(t)/t and (1 - cos(t))/t^2 come from their series in t^2, cut where the next term is below
    1e-20: no square root, division, sine or cosine on the recursion's critical path.
    """
    t2 = rx * rx + ry * ry + rz * rz
    if t2 < 0.01:
        cos_t = 1.0 - t2 * (1 / 2 - t2 * (1 / 24 - t2 * (1 / 720 - t2 * (1 / 40320 - t2 * (1 / 3628800)))))
        sinc = 1.0 - t2 * (1 / 6 - t2 * (1 / 120 - t2 * (1 / 5040 - t2 * (1 / 362880 - t2 * (1 / 39916800)))))
        versc = 1 / 2 - t2 * (1 / 24 - t2 * (1 / 720 - t2 * (1 / 40320 - t2 * (1 / 3628800 - t2 * (1 / 479001600)))))
    else:
        t = math.sqrt(t2)
        cos_t, sinc = math.cos(t), math.sin(t) / t
        versc = (1.0 - cos_t) / t2
    xy, xz, yz = versc * rx * ry, versc * rx * rz, versc * ry * rz
    sx, sy, sz = sinc * rx, sinc * ry, sinc * rz
    return (cos_t + versc * rx * rx, xy - sz, xz + sy,
            xy + sz, cos_t + versc * ry * ry, yz - sx,
            xz - sy, yz + sx, cos_t + versc * rz * rz)


def _turn(m, state, at):
    """Turn the vector state[at:at + 3] by the matrix m (nine numbers, row by row)."""
    x, y, z = state[at], state[at + 1], state[at + 2]
    state[at] = m[0] * x + m[1] * y + m[2] * z
    state[at + 1] = m[3] * x + m[4] * y + m[5] * z
    state[at + 2] = m[6] * x + m[7] * y + m[8] * z


def _lowpass(c, x0, x1, x2, state, at):
    """One step of a second-order section (c: b0, b1, b2, a1, a2) on a 3-vector whose two state
    vectors sit at state[at:at + 3] and state[at + 3:at + 6]; returns the output vector."""
    y0 = c[0] * x0 + state[at]
    y1 = c[0] * x1 + state[at + 1]
    y2 = c[0] * x2 + state[at + 2]
    state[at] = c[1] * x0 - c[3] * y0 + state[at + 3]
    state[at + 1] = c[1] * x1 - c[3] * y1 + state[at + 4]
    state[at + 2] = c[1] * x2 - c[3] * y2 + state[at + 5]
    state[at + 3] = c[2] * x0 - c[4] * y0
    state[at + 4] = c[2] * x1 - c[4] * y1
    state[at + 5] = c[2] * x2 - c[4] * y2
    return y0, y1, y2


def _steady(c, x, state, at):
    """The state of that section after a long constant input x (output x: unit gain at 0 Hz)."""
    f1, f2 = c[1] + c[2] - c[3] - c[4], c[2] - c[4]
    for i in range(3):
        state[at + i] = f1 * x[i]
        state[at + 3 + i] = f2 * x[i]


def _clip(x, y, z, limit):
    """(x, y, z) shortened to at most ``limit`` long."""
    n2 = x * x + y * y + z * z
    if n2 <= limit * limit:
        return x, y, z
    f = limit / math.sqrt(n2)
    return x * f, y * f, z * f


def _times(x, y, z, m):
    """The row (x, y, z) times the symmetric matrix m = (xx, yy, zz, xy, xz, yz)."""
    return x * m[0] + y * m[3] + z * m[4], x * m[3] + y * m[1] + z * m[5], x * m[4] + y * m[5] + z * m[2]


def _bias_update(state, nx, ny, nz, var, extra, ux, uy, uz):
    """Kalman update of the bias (state[_B]) and its covariance (state[_P]) by the innovation n,
    observed directly (H = I) with noise variance var I + extra u u^T. Scalars only: 3x3 algebra."""
    p = (state[13], state[14], state[15], state[16], state[17], state[18])
    sxx, syy, szz = p[0] + var + extra * ux * ux, p[1] + var + extra * uy * uy, p[2] + var + extra * uz * uz
    sxy, sxz, syz = p[3] + extra * ux * uy, p[4] + extra * ux * uz, p[5] + extra * uy * uz
    # S^-1 by cofactors (S is symmetric positive definite).
    cxx, cyy, czz = syy * szz - syz * syz, sxx * szz - sxz * sxz, sxx * syy - sxy * sxy
    cxy, cxz, cyz = sxz * syz - sxy * szz, sxy * syz - sxz * syy, sxy * sxz - sxx * syz
    f = 1.0 / (sxx * cxx + sxy * cxy + sxz * cxz)
    s_inv = (cxx * f, cyy * f, czz * f, cxy * f, cxz * f, cyz * f)
    # Gain K = P S^-1, row by row (P is symmetric).
    kx, ky, kz = _times(p[0], p[3], p[4], s_inv), _times(p[3], p[1], p[5], s_inv), _times(p[4], p[5], p[2], s_inv)
    state[10] += kx[0] * nx + kx[1] * ny + kx[2] * nz
    state[11] += ky[0] * nx + ky[1] * ny + ky[2] * nz
    state[12] += kz[0] * nx + kz[1] * ny + kz[2] * nz
    # P - K P: (K P)_ij = k_i . (column j of P).
    state[13] = p[0] - (kx[0] * p[0] + kx[1] * p[3] + kx[2] * p[4])
    state[14] = p[1] - (ky[0] * p[3] + ky[1] * p[1] + ky[2] * p[5])
    state[15] = p[2] - (kz[0] * p[4] + kz[1] * p[5] + kz[2] * p[2])
    state[16] = p[3] - (kx[0] * p[3] + kx[1] * p[1] + kx[2] * p[5])
    state[17] = p[4] - (kx[0] * p[4] + kx[1] * p[5] + kx[2] * p[2])
    state[18] = p[5] - (ky[0] * p[4] + ky[1] * p[5] + ky[2] * p[2])


def _at_rest(gyro, accel, rest_c, state, dt, rest_gyro, rest_accel2, rest_min_s, clip):
    """Rest detection: both signals within their thresholds of their low-pass (and the low-passed
    rate no faster than the largest bias, so a steady slow turn is not rest) for rest_min_s.
    Returns whether at rest and the low-passed rate (deg/s)."""
    gx, gy, gz = _lowpass(rest_c, gyro[0], gyro[1], gyro[2], state, 19)
    ax, ay, az = _lowpass(rest_c, accel[0], accel[1], accel[2], state, 25)
    dev_gyro2 = (gyro[0] - gx) ** 2 + (gyro[1] - gy) ** 2 + (gyro[2] - gz) ** 2
    dev_accel2 = (accel[0] - ax) ** 2 + (accel[1] - ay) ** 2 + (accel[2] - az) ** 2
    if dev_gyro2 < rest_gyro * rest_gyro and dev_accel2 < rest_accel2 and gx * gx + gy * gy + gz * gz <= clip * clip:
        state[_REST_S] += dt
    else:
        state[_REST_S] = 0.0
    return state[_REST_S] >= rest_min_s, gx, gy, gz


def _start(gyro, accel, rest_c, state):
    """Restart from this sample (first sample, or first after a gap): the low-pass starts as an
    average of the samples to come, the rest detector's filters at this sample; the bias stays."""
    state[0], state[1], state[2] = accel[0], accel[1], accel[2]
    state[3], state[4], state[5] = accel[0], accel[1], accel[2]
    state[_N] = 1.0
    _steady(rest_c, gyro, state, 19)
    _steady(rest_c, accel, state, 25)
    state[_REST_S] = 0.0
    state[_READY] = 1.0


def _gravity_step(c, accel, state, tau_s, dt):
    """The low-pass output after this sample (state[0:3]). For its first tau_s after a (re)start it
    is the running average of the samples (VQF's start: no ringing up from zero), then the filter
    runs on from that average's steady state. Returns True while still averaging."""
    n = state[_N]
    if n > 0.0:
        n += 1.0
        state[3] += accel[0]
        state[4] += accel[1]
        state[5] += accel[2]
        state[0], state[1], state[2] = state[3] / n, state[4] / n, state[5] / n
        state[_N] = n
        if n * dt >= tau_s:
            state[_N] = 0.0
            _steady(c, state[0:3], state, 3)
        return True
    state[0], state[1], state[2] = _lowpass(c, accel[0], accel[1], accel[2], state, 3)
    return False


def _motion_innovation(state, ox, oy, oz, to_dps, clip):
    """The bias error seen in motion (deg/s) and gravity's direction u. The low-pass output turned
    from o (the last output, turned with the sensor) to u at the rate o x u / dt: a bias error e
    makes it turn at e across gravity. Along gravity, an artificial measurement of zero."""
    on = 1.0 / math.sqrt(ox * ox + oy * oy + oz * oz)
    un = 1.0 / math.sqrt(state[0] * state[0] + state[1] * state[1] + state[2] * state[2])
    ox, oy, oz = ox * on, oy * on, oz * on
    ux, uy, uz = state[0] * un, state[1] * un, state[2] * un
    along = ux * state[10] + uy * state[11] + uz * state[12]
    nx, ny, nz = _clip((oy * uz - oz * uy) * to_dps - ux * along, (oz * ux - ox * uz) * to_dps - uy * along,
                       (ox * uy - oy * ux) * to_dps - uz * along, clip)
    return nx, ny, nz, ux, uy, uz


def fuse(accel, gyro, reset, dt, params, state, gravity_out, gyro_out):
    c, rest_c = params[_LP_ACCEL:_LP_ACCEL + 5], params[_LP_REST:_LP_REST + 5]
    tau_s, rest_gyro, rest_accel = params[_TAU_S], params[_REST_GYRO_DPS], params[_REST_ACCEL_G]
    rest_min_s, clip, p0, walk = params[_REST_MIN_S], params[_CLIP_DPS], params[_P0], params[_WALK]
    rest_var, motion_var, vertical_var = params[_REST_VAR], params[_MOTION_VAR], params[_VERTICAL_VAR]
    to_dps, step = 1.0 / (_DEG * dt), -_DEG * dt  # world-fixed vectors seen from a frame turning at w move by -w dt
    for k in range(accel.shape[0]):
        a = (accel[k, 0], accel[k, 1], accel[k, 2])
        w = (gyro[k, 0], gyro[k, 1], gyro[k, 2])
        usable = a[0] * a[0] + a[1] * a[1] + a[2] * a[2] > 0.01  # at least 0.1 g: a reading, not a dropout
        if reset[k] or state[_READY] == 0.0:
            if usable:  # start from the accelerometer; without one, wait for a usable sample
                _start(w, a, rest_c, state)
        else:
            m = _rotation((w[0] - state[10]) * step, (w[1] - state[11]) * step, (w[2] - state[12]) * step)
            _turn(m, state, 0)
            _turn(m, state, 3)
            _turn(m, state, 6)
            rest, lx, ly, lz = _at_rest(w, a, rest_c, state, dt, rest_gyro, rest_accel * rest_accel, rest_min_s, clip)
            ox, oy, oz = state[0], state[1], state[2]  # the output before this sample, turned
            averaging = usable and _gravity_step(c, a, state, tau_s, dt)
            for i in range(13, 16):  # the bias wanders; its uncertainty grows up to its initial one
                if state[i] < p0:
                    state[i] += walk
            if rest:
                nx, ny, nz = _clip(lx - state[10], ly - state[11], lz - state[12], clip)
                _bias_update(state, nx, ny, nz, rest_var, 0.0, 0.0, 0.0, 1.0)
            elif usable and not averaging:
                nx, ny, nz, ux, uy, uz = _motion_innovation(state, ox, oy, oz, to_dps, clip)
                _bias_update(state, nx, ny, nz, motion_var, vertical_var - motion_var, ux, uy, uz)
            state[10], state[11], state[12] = _clip(state[10], state[11], state[12], clip)
        n2 = state[0] * state[0] + state[1] * state[1] + state[2] * state[2]
        inv = 1.0 / math.sqrt(n2) if n2 > 0.0 else 0.0  # zero before the first usable sample
        gravity_out[k, 0], gravity_out[k, 1], gravity_out[k, 2] = state[0] * inv, state[1] * inv, state[2] * inv
        gyro_out[k, 0], gyro_out[k, 1], gyro_out[k, 2] = w[0] - state[10], w[1] - state[11], w[2] - state[12]

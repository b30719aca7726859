"""Step 3: the direction of gravity in each sensor's frame, fused with its gyroscope.

The accelerometer alone mistakes movement for tilt; the gyroscope alone drifts. A
complementary filter (the structure of x-io Fusion: gain, acceleration rejection, recovery,
gyroscope bias learnt while still, plus a slow Mahony-type integral of the bias) keeps the
gravity direction right while the wearer moves. The per-sample recursion runs in a compiled
kernel (numba) over whole chunks, with its state carried between chunks, so live and offline
share it and hours of data take well under a second per side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from processing.settings import FusionSettings

# State vector layout (float64): gravity estimate, gyro bias (deg/s), timers (s), flags.
_G, _B, _STILL, _REJECT, _SINCE_INIT, _READY = slice(0, 3), slice(3, 6), 6, 7, 8, 9
_STATE_SIZE = 10


@dataclass(frozen=True)
class FusionOutput:
    gravity: np.ndarray  # (n, 3) unit "up" direction in the sensor frame
    gyro_dps: np.ndarray  # (n, 3) angular rate with the learnt bias removed


class GravityFusion:
    """Streaming gravity estimator for one sensor at a fixed rate."""

    def __init__(self, *, rate_hz: float, settings: FusionSettings) -> None:
        self.dt_s = 1.0 / rate_hz
        s = settings
        self._params = np.array([
            s.gain, s.initial_gain, s.initialisation_s, math.radians(s.accel_rejection_deg),
            s.recovery_trigger_s, s.still_gyro_dps, s.still_time_s, s.bias_time_constant_s,
            s.bias_integral_gain,
        ])
        self.state = np.zeros(_STATE_SIZE)

    @property
    def bias_dps(self) -> np.ndarray:
        return self.state[_B].copy()

    def process(self, accel_g: np.ndarray, gyro_dps: np.ndarray, *, reset: np.ndarray) -> FusionOutput:
        """Fuse (n, 3) accelerometer and gyroscope samples; ``reset`` restarts at gaps."""
        gravity, gyro_out = np.empty((len(accel_g), 3)), np.empty((len(gyro_dps), 3))
        # Any memory layout: the kernel reads rows by index (no contiguous copies needed).
        _fuse(np.asarray(accel_g, dtype=float), np.asarray(gyro_dps, dtype=float), np.asarray(reset, dtype=bool),
              self.dt_s, self._params, self.state, gravity, gyro_out)
        return FusionOutput(gravity, gyro_out)


@numba.njit(cache=True)
def _rotate(vx, vy, vz, rx, ry, rz):
    """Rotate v by the rotation vector r (radians), Rodrigues' formula, on scalars.

    Written with r itself, v cos(t) + (r x v) sin(t)/t + r (r.v) (1 - cos(t))/t^2 for the angle
    t = |r|, so that below 0.1 rad (nearly every sample: 0.1 rad in one sample is 570 deg/s at
    100 Hz) the three factors come from their series in t^2, cut where the next term is below
    1e-20: no square root, division, sine or cosine on the recursion's critical path.
    """
    t2 = rx * rx + ry * ry + rz * rz
    if t2 < 1e-24:
        return vx, vy, vz
    if t2 < 0.01:
        cos_t = 1.0 - t2 * (1 / 2 - t2 * (1 / 24 - t2 * (1 / 720 - t2 * (1 / 40320 - t2 * (1 / 3628800)))))
        sinc = 1.0 - t2 * (1 / 6 - t2 * (1 / 120 - t2 * (1 / 5040 - t2 * (1 / 362880 - t2 * (1 / 39916800)))))
        versc = 1 / 2 - t2 * (1 / 24 - t2 * (1 / 720 - t2 * (1 / 40320 - t2 * (1 / 3628800 - t2 * (1 / 479001600)))))
    else:
        t = math.sqrt(t2)
        cos_t, sinc = math.cos(t), math.sin(t) / t
        versc = (1.0 - cos_t) / t2
    rv = (rx * vx + ry * vy + rz * vz) * versc
    return (vx * cos_t + (ry * vz - rz * vy) * sinc + rx * rv,
            vy * cos_t + (rz * vx - rx * vz) * sinc + ry * rv,
            vz * cos_t + (rx * vy - ry * vx) * sinc + rz * rv)


@numba.njit(cache=True)
def _normalised(v):
    """v at unit length. v comes from rotating a unit vector, so it is off by rounding only and
    one Newton step for 1/|v| near 1 restores it as well as a division would (to ~1e-16),
    without a square root and a division on the critical path."""
    n2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
    if abs(n2 - 1.0) > 1e-6:  # never expected; then the exact way
        n = math.sqrt(n2)
        return v[0] / n, v[1] / n, v[2] / n
    f = 1.5 - 0.5 * n2
    return v[0] * f, v[1] * f, v[2] * f


@numba.njit(cache=True)
def _beyond(ex, ey, ez, dot, reject_rad, tan_reject):
    """atan2(|e|, dot) > reject_rad, with atan2 called only near the boundary: for dot > 0 the
    angle exceeds r exactly when |e| > tan(r) dot, and a relative margin of 1e-9, far above
    rounding, leaves every other case to atan2 itself (same answer, a fraction of the cost)."""
    sin_part = math.sqrt(ex * ex + ey * ey + ez * ez)
    if tan_reject > 0.0 and dot > 1e-150:
        bound = tan_reject * dot
        if sin_part > bound * (1.0 + 1e-9):
            return True
        if sin_part < bound * (1.0 - 1e-9):
            return False
    return math.atan2(sin_part, dot) > reject_rad


@numba.njit(cache=True, nogil=True)
def _fuse(accel, gyro, reset, dt, params, state, gravity_out, gyro_out):  # noqa: C901 - one recursion
    gain, initial_gain, init_s, reject_rad, recovery_s = params[0], params[1], params[2], params[3], params[4]
    still_dps, still_s, bias_tau_s, bias_ki = params[5], params[6], params[7], params[8]
    gx, gy, gz, bx, by, bz = state[0], state[1], state[2], state[3], state[4], state[5]
    still_t, reject_t, since_init, ready = state[6], state[7], state[8], state[9]
    deg = math.pi / 180.0
    tan_reject = math.tan(reject_rad) if 1e-6 < reject_rad < 1.5 else -1.0  # -1: always use atan2
    for k in range(accel.shape[0]):
        ax, ay, az = accel[k, 0], accel[k, 1], accel[k, 2]
        norm = math.sqrt(ax * ax + ay * ay + az * az)
        wx, wy, wz = gyro[k, 0] - bx, gyro[k, 1] - by, gyro[k, 2] - bz
        if reset[k] or ready == 0.0:
            if norm > 0.1:  # start from the accelerometer; without one, wait for a usable sample
                gx, gy, gz = ax / norm, ay / norm, az / norm
                since_init, reject_t, ready = 0.0, 0.0, 1.0
        else:
            # A world-fixed direction seen from a frame turning at w moves by -w dt.
            step = -deg * dt
            gx, gy, gz = _normalised(_rotate(gx, gy, gz, wx * step, wy * step, wz * step))
            # Still: learn the whole bias vector (x-io Fusion's offset correction).
            if math.sqrt(wx * wx + wy * wy + wz * wz) < still_dps:
                still_t += dt
            else:
                still_t = 0.0
            if still_t >= still_s:
                f = dt / bias_tau_s
                bx += (gyro[k, 0] - bx) * f
                by += (gyro[k, 1] - by) * f
                bz += (gyro[k, 2] - bz) * f
            since_init += dt
            k_gain = gain
            if since_init < init_s:
                k_gain = initial_gain - (initial_gain - gain) * since_init / init_s
            if norm > 0.1:
                # Corrections weigh the raw specific force, not its direction: over any periodic
                # movement (walking) its mean is gravity, so the estimate follows it without bias.
                ex, ey, ez = gy * az - gz * ay, gz * ax - gx * az, gx * ay - gy * ax
                rejected = since_init >= init_s and _beyond(ex, ey, ez, gx * ax + gy * ay + gz * az,
                                                            reject_rad, tan_reject)
                if rejected:
                    reject_t += dt
                else:
                    reject_t = 0.0
                # Rejected for too long (x-io's recovery trigger): stop rejecting, at the normal
                # gain, until the measurement agrees again.
                if not rejected or reject_t > recovery_s:
                    c = k_gain * dt
                    gx, gy, gz = _normalised(_rotate(gx, gy, gz, ex * c, ey * c, ez * c))
                    if since_init >= init_s and not rejected:
                        # Steady correction err*gain balances a bias error (rad/s); integrate it.
                        b = (gain / deg) * (bias_ki * dt)
                        bx += ex * b
                        by += ey * b
                        bz += ez * b
        gravity_out[k, 0], gravity_out[k, 1], gravity_out[k, 2] = gx, gy, gz
        gyro_out[k, 0], gyro_out[k, 1], gyro_out[k, 2] = gyro[k, 0] - bx, gyro[k, 1] - by, gyro[k, 2] - bz
    state[0], state[1], state[2], state[3], state[4], state[5] = gx, gy, gz, bx, by, bz
    state[6], state[7], state[8], state[9] = still_t, reject_t, since_init, ready

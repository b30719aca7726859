"""Step 3: the direction of gravity in each sensor's frame, fused with its gyroscope.

The accelerometer alone mistakes movement for tilt; the gyroscope alone drifts. The fusion
follows the two ideas of VQF that matter for tilt (Laidig and Seel, "VQF: Highly accurate IMU
orientation estimation with bias estimation and magnetic disturbance rejection", Information
Fusion 91, 2023; its published method and default parameters, not its code):

- The specific force is low-passed (second-order Butterworth, time constant 3 s) in an almost
  inertial frame: the frame the bias-corrected gyroscope integrates. Turning adds no lag there,
  and over any movement the mean specific force is gravity. Here the filter's state vectors live
  in the sensor frame and are turned by each gyroscope step instead (the filter is linear, so it is
  the same filter), and the gravity direction is the direction of its output: no quaternion.
- The gyroscope bias is a Kalman estimate: at rest (gyroscope and accelerometer close to their
  0.5 s low-pass for 1.5 s) from the low-passed gyroscope; in motion from the rate at which the
  low-pass has to turn its output (a bias error e makes it turn at e across gravity), and pulled
  very weakly to zero along gravity, the direction no tilt can observe.

Clipping acts on vector lengths (VQF clips each axis), so a sensor mounted turned gives the same
answer, turned. The per-sample recursion runs in a compiled kernel (numba) over whole chunks,
with its state carried between chunks, so live and offline share it and chunked equals whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter

from processing.filters import capped_cutoff_hz

# State vector layout (float64, processing/kernels/orientation.py): 0-2 the low-pass output y (the
# specific force's mean, sensor frame); 3-8 its filter state (transposed direct form II), where
# during the start-up average 3-5 hold the running sum and _N the samples in it (0 once the filter
# runs); _B the bias (deg/s); _P its covariance as (xx, yy, zz, xy, xz, yz) in (deg/s)^2; 19-30 the
# rest detector's filter states (gyroscope, accelerometer); the time at rest; whether started.
from processing.kernels import orientation as k
from processing.kernels.orientation import _B, _P, _STATE_SIZE
from processing.settings import FusionSettings
from sensors.compiled import Kernels

_kernels = Kernels("processing.kernels.orientation")


@dataclass(frozen=True)
class FusionOutput:
    gravity: np.ndarray  # (n, 3) unit "up" direction in the sensor frame
    gyro_dps: np.ndarray  # (n, 3) angular rate with the learnt bias removed


def tau_lowpass(tau_s: float, *, rate_hz: float, max_cutoff_fraction: float) -> np.ndarray:
    """(b0, b1, b2, a1, a2) of VQF's second-order Butterworth low-pass for a time constant:
    cut-off sqrt(2) / (2 pi tau), whose delay at low frequencies is tau (capped below Nyquist)."""
    cutoff_hz = capped_cutoff_hz(math.sqrt(2.0) / (2.0 * math.pi * tau_s), rate_hz=rate_hz,
                                 max_fraction=max_cutoff_fraction)
    b, a = butter(2, cutoff_hz, fs=rate_hz)
    return np.array([b[0], b[1], b[2], a[1], a[2]])


class GravityFusion:
    """Streaming gravity estimator for one sensor at a fixed rate."""

    def __init__(self, *, rate_hz: float, settings: FusionSettings) -> None:
        self.dt_s = 1.0 / rate_hz
        s = settings
        # The bias as a random walk: its variance grows by (0.1 deg/s)^2 per forgetting time.
        walk = 0.1**2 / s.bias_forgetting_s  # (deg/s)^2 per second
        # Measurement variances per sample for which the steady uncertainty is the given sigma
        # (with a random walk q and one measurement of variance r/dt a sample, it is (q r)^(1/4)).
        rest_var, motion_var = (sigma**4 / walk / self.dt_s for sigma in (s.bias_sigma_rest_dps,
                                                                          s.bias_sigma_motion_dps))
        p = self._params = np.empty(k._PARAM_SIZE)
        p[k._LP_ACCEL:k._LP_ACCEL + 5], p[k._LP_REST:k._LP_REST + 5] = (
            tau_lowpass(tau_s, rate_hz=rate_hz, max_cutoff_fraction=s.max_cutoff_fraction)
            for tau_s in (s.accel_time_constant_s, s.rest_filter_s))
        scalars = {k._TAU_S: s.accel_time_constant_s, k._REST_GYRO_DPS: s.rest_gyro_dps,
                   k._REST_ACCEL_G: s.rest_accel_g, k._REST_MIN_S: s.rest_min_s, k._CLIP_DPS: s.bias_clip_dps,
                   k._P0: s.bias_sigma_init_dps**2, k._WALK: walk * self.dt_s, k._REST_VAR: rest_var,
                   k._MOTION_VAR: motion_var, k._VERTICAL_VAR: motion_var / s.bias_vertical_weight}
        for index, value in scalars.items():
            p[index] = value
        self.state = np.zeros(_STATE_SIZE)
        self.state[_P] = [s.bias_sigma_init_dps**2] * 3 + [0.0] * 3

    @property
    def bias_dps(self) -> np.ndarray:
        return self.state[_B].copy()

    def process(self, accel_g: np.ndarray, gyro_dps: np.ndarray, *, reset: np.ndarray) -> FusionOutput:
        """Fuse (n, 3) accelerometer and gyroscope samples; ``reset`` restarts at gaps (the bias is kept)."""
        gravity, gyro_out = np.empty((len(accel_g), 3)), np.empty((len(gyro_dps), 3))
        # Any memory layout: the kernel reads rows by index (no contiguous copies needed).
        _kernels.fuse(np.asarray(accel_g, dtype=float), np.asarray(gyro_dps, dtype=float),
                      np.asarray(reset, dtype=bool), self.dt_s, self._params, self.state, gravity, gyro_out)
        return FusionOutput(gravity, gyro_out)



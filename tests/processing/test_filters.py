"""Streaming filters: chunked output equals whole-signal output (scipy's own test habit)."""

import numpy as np
from scipy.signal import sosfilt, sosfilt_zi

from processing.filters import StreamingLowpass, capped_cutoff_hz


def test_cutoff_is_capped_below_nyquist():
    assert capped_cutoff_hz(5.0, rate_hz=10.0, max_fraction=0.4) == 4.0
    assert capped_cutoff_hz(5.0, rate_hz=100.0, max_fraction=0.4) == 5.0


def test_chunked_equals_whole():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 3))
    reset = np.zeros(1000, dtype=bool)
    reset[[0, 400]] = True
    whole = StreamingLowpass(cutoff_hz=5, rate_hz=100).process(x, reset=reset)
    f = StreamingLowpass(cutoff_hz=5, rate_hz=100)
    pieces = [f.process(x[a:b], reset=reset[a:b]) for a, b in [(0, 1), (1, 333), (333, 401), (401, 1000)]]
    np.testing.assert_allclose(np.vstack(pieces), whole, rtol=0, atol=1e-12)


def test_reset_starts_at_steady_state():
    # A constant input after a reset passes unchanged: no ringing from the previous segment.
    x = np.vstack([np.full((50, 3), 5.0), np.full((50, 3), -2.0)])
    reset = np.zeros(100, dtype=bool)
    reset[[0, 50]] = True
    y = StreamingLowpass(cutoff_hz=2, rate_hz=50).process(x, reset=reset)
    np.testing.assert_allclose(y, x, atol=1e-9)


def test_matches_scipy_reference():
    f = StreamingLowpass(cutoff_hz=5, rate_hz=100)
    x = np.sin(np.linspace(0, 30, 500))[:, None]
    reset = np.zeros(500, dtype=bool)
    reset[0] = True
    expected, _ = sosfilt(f.sos, x[:, 0], zi=sosfilt_zi(f.sos) * x[0, 0])
    np.testing.assert_allclose(f.process(x, reset=reset)[:, 0], expected, atol=1e-12)

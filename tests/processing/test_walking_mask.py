"""processing.auto_calibration.walking_mask worked out in parts equals the whole-array arithmetic."""

import numpy as np
import pytest

from processing.auto_calibration import walking_mask
from processing.calibration_frames import CalibrationFrames, angle_deg
from processing.settings import CalibrationSettings


def _whole(f: CalibrationFrames, *, frame_rate_hz: float, settings: CalibrationSettings) -> np.ndarray:
    """The former version: one cumulative sum over every frame."""
    u = np.where(f.valid[:, None], f.direction, 0.0)
    half = max(1, int(round(frame_rate_hz)))
    padded = np.concatenate([np.zeros((1, 3)), np.cumsum(u, axis=0)])
    lo = np.clip(np.arange(u.shape[0]) - half, 0, u.shape[0])
    hi = np.clip(np.arange(u.shape[0]) + half + 1, 0, u.shape[0])
    steady = angle_deg(u, padded[hi] - padded[lo]) < settings.walk_steady_deg
    return f.valid & f.moving & steady


@pytest.mark.parametrize("part_frames", [1, 7, 10, 11, 64, 1000, 1 << 16])
def test_parts_give_the_whole_recordings_answer(part_frames):
    """Random walking-like directions (a mean tilt, step wobble, bends), gaps and empty frames;
    parts shorter than the +-1 s window, equal to it and longer; borderline angles included."""
    rng = np.random.default_rng(part_frames)
    n = 3000
    t = np.arange(n) / 10.0
    gravity = np.column_stack([np.ones(n), 0.08 * np.sin(2 * np.pi * 1.8 * t), 0.3 * (t % 60 > 45)])
    gravity += rng.normal(0, 0.05, (n, 3))
    gravity[rng.random(n) < 0.02] = 0.0  # empty frames
    valid = rng.random(n) > 0.05
    moving = rng.random(n) > 0.2
    f = CalibrationFrames(t, gravity, np.zeros(n), valid, moving)
    settings = CalibrationSettings()
    expected = _whole(f, frame_rate_hz=10.0, settings=settings)
    got = walking_mask(f, frame_rate_hz=10.0, settings=settings, part_frames=part_frames)
    assert 0 < expected.sum() < n  # some steady walking, not all
    np.testing.assert_array_equal(got, expected)

"""processing/input/saturation.py: each side's largest readings, a chunk at a time."""

import numpy as np
import pytest

from processing.input.saturation import SaturationWatch


def _numpy_top(chunks: list[np.ndarray], top: int) -> np.ndarray:
    return np.sort(np.abs(np.concatenate([c.ravel() for c in chunks])))[-top:]


@pytest.mark.parametrize("seed", range(5))
def test_largest_readings_equal_a_sort_of_everything(seed):
    """Chunks with ties, clipped peaks repeated, a NaN (sorted last, as numpy does) and chunks
    smaller than the three kept: the same three values as sorting all readings at once."""
    rng = np.random.default_rng(seed)
    chunks = [np.round(rng.normal(0, 4, (n, 3)), 1) for n in (0, 1, 5, 400, 2)]
    chunks[3][[7, 90, 200], [0, 1, 2]] = [-16.0, 16.0, 16.0]  # a clipped accelerometer: |16| three times
    if seed == 4:
        chunks[2][0, 1] = np.nan
    watch = SaturationWatch()
    for chunk in chunks:
        watch.update("left", chunk, np.asfortranarray(chunk * 100))  # any layout
    expected = _numpy_top(chunks, SaturationWatch.TOP)
    np.testing.assert_array_equal(watch.peaks["left"]["accelerometer"], expected)
    np.testing.assert_array_equal(watch.peaks["left"]["gyroscope"], _numpy_top([c * 100 for c in chunks], 3))
    if seed != 4:
        assert expected.tolist() == [16.0, 16.0, 16.0]


def test_fewer_readings_than_kept():
    watch = SaturationWatch()
    watch.update("right", np.array([[-2.0, 1.0, 0.5]])[:, :1], np.zeros((0, 3)))
    assert watch.peaks["right"]["accelerometer"].tolist() == [2.0]
    assert watch.peaks["right"]["gyroscope"].tolist() == []

"""processing/frame_store.py: the frames on disk (offline) are the frames in memory (live), bit for bit."""

import dataclasses

import numpy as np

from processing.activity import Movement
from processing.frame_store import FileFrameStore, FrameStore, SensorFrames
from processing.frames import SideFrames


def _part(rng, time_s: np.ndarray) -> SensorFrames:
    m = time_s.size
    sides = {side: SideFrames(gravity=rng.normal(size=(m, 3)), gyro_dps=rng.normal(size=(m, 3)) * 50,
                              gyro_abs_dps=rng.random(m) * 80, accel_sum_g=rng.normal(size=(m, 3)) * 10,
                              accel_sumsq_g2=rng.random((m, 3)) * 10, count=np.full(m, 10.0),
                              valid=rng.random(m) > 0.1)
             for side in ("left", "right")}
    movement = Movement(rng.random(m) > 0.5, {side: rng.random(m) for side in sides})
    return SensorFrames(time_s, sides, movement)


def test_file_store_gives_the_memory_stores_frames(tmp_path):
    rng = np.random.default_rng(3)
    memory, disk = FrameStore(("left", "right")), FileFrameStore(("left", "right"), directory=str(tmp_path))
    disk.READ_FRAMES = 7  # calibration's read-back crosses many parts
    at = 0.0
    for m in (5, 1, 40, 13):
        part = _part(rng, at + np.arange(m) / 10.0)
        memory.append(part)
        disk.append(part)
        at += m / 10.0
    assert len(disk) == len(memory) == 59
    for size in (1, 8, 59, 100):
        for a, b in zip(memory.parts(size), disk.parts(size), strict=True):
            np.testing.assert_array_equal(a.time_s, b.time_s)
            np.testing.assert_array_equal(a.movement.moving, b.movement.moving)
            for side in ("left", "right"):
                for name in (field.name for field in dataclasses.fields(SideFrames)):
                    np.testing.assert_array_equal(getattr(a.sides[side], name), getattr(b.sides[side], name))
                np.testing.assert_array_equal(a.movement.intensity_g[side], b.movement.intensity_g[side])
    cal_memory, cal_disk = memory.calibration_frames(), disk.calibration_frames()
    for side in ("left", "right"):
        for field in ("time_s", "gravity", "gyro_abs_dps", "valid", "moving"):
            np.testing.assert_array_equal(getattr(cal_memory[side], field), getattr(cal_disk[side], field))
    disk.close()
    assert not list(tmp_path.iterdir())  # unlinked: nothing left behind


def _stores(tmp_path, read_frames: int):
    rng = np.random.default_rng(5)
    memory, disk = FrameStore(("left", "right")), FileFrameStore(("left", "right"), directory=str(tmp_path))
    disk.READ_FRAMES = read_frames
    part = _part(rng, np.arange(3000) / 10.0)
    memory.append(part)
    disk.append(part)
    return memory, disk


def test_gravity_read_back_in_parts_is_the_gravity_in_memory(tmp_path):
    memory, disk = _stores(tmp_path, 64)
    held, stored = memory.calibration_frames()["left"], disk.calibration_frames()["left"]
    assert not isinstance(stored.gravity, np.ndarray)  # kept on disk, read a part at a time
    mask = np.random.default_rng(1).random(3000) > 0.7
    up = np.array([0.6, 0.0, 0.8])
    for in_memory, on_disk in ((held.gravity, stored.gravity), (held.direction, stored.direction)):
        np.testing.assert_array_equal(on_disk[100:1234], in_memory[100:1234])
        np.testing.assert_array_equal(on_disk[mask], in_memory[mask])
        np.testing.assert_array_equal(on_disk[np.flatnonzero(mask)[::3]], in_memory[np.flatnonzero(mask)[::3]])
        np.testing.assert_array_equal(on_disk @ up, in_memory @ up)
        np.testing.assert_array_equal(np.asarray(on_disk), in_memory)
    disk.close()


def test_calibration_from_the_disk_is_the_calibration_from_memory(tmp_path):
    from processing.calibration import calibrate
    from processing.settings import CalibrationSettings

    memory, disk = _stores(tmp_path, 128)
    settings = dataclasses.replace(CalibrationSettings(), walk_min_s=1.0, still_gyro_dps=60.0)
    held = calibrate(memory.calibration_frames(), window_s=None, frame_rate_hz=10.0, settings=settings)
    stored = calibrate(disk.calibration_frames(), window_s=None, frame_rate_hz=10.0, settings=settings)
    for side in ("left", "right"):
        a, b = held.sides[side], stored.sides[side]
        for field in dataclasses.fields(a):
            x, y = getattr(a, field.name), getattr(b, field.name)
            if isinstance(x, np.ndarray):
                np.testing.assert_array_equal(x, y)
            else:
                assert x == y or (x != x and y != y), field.name
    disk.close()

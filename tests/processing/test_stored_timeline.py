"""processing/frame_table.StoredTimeline: the timeline kept on disk reads back as the one kept in memory."""

import dataclasses

import numpy as np

from processing.frame_table import FrameTable, StoredTimeline, TimelineBuffer


def _table(rng, start: int, m: int) -> FrameTable:
    columns = {f.name: rng.normal(size=m) * 30 for f in dataclasses.fields(FrameTable)}
    columns["time_s"] = (start + np.arange(m)) / 10.0
    columns["moving"] = rng.random(m) > 0.5
    columns["trunk_tilt_deg"][rng.random(m) > 0.9] = np.nan  # frames without data
    return FrameTable(**columns)


def test_stored_timeline_reads_back_what_memory_keeps(tmp_path):
    rng = np.random.default_rng(7)
    memory, disk = TimelineBuffer(), StoredTimeline(str(tmp_path))
    disk.BLOCK_FRAMES = 16  # many blocks, parts crossing their edges
    disk.__init__(str(tmp_path))
    at = 0
    for m in (3, 16, 40, 1, 0, 29):
        part = _table(rng, at, m)
        memory.append(part)
        disk.append(part)
        at += m
    assert len(disk) == at == 89
    held, stored = memory.table(), disk.table()
    assert len(stored) == 89 and isinstance(stored, FrameTable)
    for lo, hi in ((0, None), (5, 70), (16, 32), (80, 89), (40, 40), (-9, None)):
        a, b = held.slice(lo, hi), stored.slice(lo, hi)
        assert len(a) == len(b)
        for field in dataclasses.fields(FrameTable):
            x, y = getattr(a, field.name), getattr(b, field.name)
            assert x.dtype == y.dtype, field.name
            np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(a.valid, b.valid)
        np.testing.assert_array_equal(a.lr_diff_deg, b.lr_diff_deg)
    assert len(stored.slice(30).slice(10, 20)) == 10
    np.testing.assert_array_equal(stored.slice(30).slice(10, 20).time_s, held.time_s[40:50])
    assert list(tmp_path.iterdir()) == []  # unlinked: nothing left behind

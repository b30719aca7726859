"""``analyze_file``: a session file read into the spool while the method's modules load.

Reading the file needs only numpy and the compiled reader (processing.input.spool); the method
needs scipy.signal and every step, most of a command's start-up (``python -X importtime``:
``scipy.signal`` alone about 0.7 s). Loading them on a second thread while the file is read
puts that time beside the reading instead of before it: the reader's compiled passes and the
spool's writes release the GIL, and the second core is otherwise idle during start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from processing.input.spool import BLOCK_BYTES, spooled
from sensors.standing_thread import StandingThread

if TYPE_CHECKING:
    from processing.result import AnalysisResult
    from processing.settings import Settings

_LOADER = StandingThread("backmon-import")  # imports the method while the main thread reads


def analyze_file(path, *, settings: Settings | None = None, calibration_window_s: tuple[float, float] | None = None,
                 swap_sides: bool = False, progress: Callable[[float], None] | None = None,
                 block_bytes: int = BLOCK_BYTES) -> AnalysisResult:
    """Read a session CSV v1 file and analyse it, in memory bounded by the block size: the file
    is read once into a spool on disk (processing.input.spool) and streamed from there.

    ``progress`` (optional) gets the fraction done: reading counts as the first third."""
    loading = _LOADER.submit(importlib.import_module, "processing.pipeline")
    read_part = (lambda f: progress(f / 3)) if progress else None
    with spooled(path, block_bytes=block_bytes, progress=read_part) as source:
        pipeline = loading.result()
        rest = (lambda f: progress(1 / 3 + 2 * f / 3)) if progress else None
        return pipeline.analyze_source(source, settings=settings, calibration_window_s=calibration_window_s,
                                       swap_sides=swap_sides, progress=rest)

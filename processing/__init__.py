"""Turning IMU samples into trunk angles, a left/right comparison, alerts and guidance.

For notebooks::

    from processing import analyze_file
    result = analyze_file("session.csv")
    result.summary.minutes_over_30, result.alerts

The names below are loaded on first use (PEP 562), so that importing one small module of the
package (``processing.numbers``, ``processing.alerts``) does not load the whole engine, its
compiled kernels and scipy: commands that only read the library or format text start fast.
"""

from __future__ import annotations

import importlib

_HOMES = {"Engine": "processing.pipeline", "analyze_file": "processing.file_analysis",
          "analyze_session": "processing.pipeline", "AnalysisResult": "processing.result",
          "Settings": "processing.settings", "load_settings": "processing.settings"}

__all__ = ["AnalysisResult", "Engine", "Settings", "analyze_file", "analyze_session", "load_settings"]


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'processing' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)

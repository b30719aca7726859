"""Turning IMU samples into trunk angles, a left/right comparison, alerts and guidance.

For notebooks::

    from processing import analyze_file
    result = analyze_file("session.csv")
    result.summary.minutes_over_30, result.alerts
"""

from processing.pipeline import Engine, analyze_file, analyze_session
from processing.result import AnalysisResult
from processing.settings import Settings, load_settings

__all__ = ["AnalysisResult", "Engine", "Settings", "analyze_file", "analyze_session", "load_settings"]

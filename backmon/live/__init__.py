"""Live monitoring: the application layer between the Bluetooth sensors and the processing engine.

- ``connection``: find the two sensors, connect them one at a time, keep each one (reconnects);
- ``stream`` and ``clock``: notification bytes -> samples on the host clock, repeats dropped;
- ``recorder``: the session CSV v1, appended as data arrive (crash-safe);
- ``live_engine`` and ``calibration_guide``: the same processing ``Engine`` as ``backmon
  analyze``, fed live, after a guided calibration;
- ``status``: what the wearer sees; ``session``: all of it for one ``backmon monitor`` run.

``sensors`` and ``processing`` never import this package (DESIGN.md: dependencies point one way).
"""

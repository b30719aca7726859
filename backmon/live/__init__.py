"""Live monitoring: the application layer between the Bluetooth sensors and the processing engine.

- ``live_engine`` and ``calibration_guide``: the same processing ``Engine`` as ``backmon
  analyze``, fed live, after a guided calibration;
- ``status``: what the wearer sees; ``session``: all of it for one ``backmon monitor`` run;
- ``delivery`` and ``channels``: what reaches the wearer away from the screen (desktop
  notifications, vibration on boards with a motor) and how.

Acquisition lives in ``sensors``: the link to each sensor (``sensors.ble.link``), notification
bytes to samples on the host clock (``sensors.ble.stream``, ``sensors.ble.clock``) and the
recording (``sensors.session.recorder``). ``sensors`` and ``processing`` never import this
package (DESIGN.md: dependencies point one way).
"""

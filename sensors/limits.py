"""Limits beyond which a number in a recording cannot be a measurement (reader and importers).

They are far outside every body-worn sensor's range, so they never cut real data, however
violent the movement: saturated readings (at ±16 g or ±2000 °/s, say) pass and are reported by
the data-quality checks; only corrupt numbers (1e300, a spreadsheet's 9.99E+307) are caught.
"""

ACCEL_LIMIT_G = 1000.0  # high-g impact accelerometers reach ±400 g
GYRO_LIMIT_DPS = 100_000.0  # MEMS gyroscopes reach ±4000-5000 °/s
MAX_SPAN_S = 48 * 3600.0  # a session is at most two days: a work shift and the night around it
RATE_LIMITS_HZ = (1.0, 10_000.0)  # DESIGN.md: 10-1000 Hz; outside this, time_s is in wrong units
# DESIGN.md: nominal rates 10-1000 Hz, measured 9-1100 Hz accepted (sensor clocks run a little off).
# Checked on the rate the analysis measures: times so large that float64 cannot resolve a sample
# period (1e15 s: steps of 0.125 s) pass the reader's wide limits but not this.
MEASURED_RATE_HZ = (9.0, 1100.0)

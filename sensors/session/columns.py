"""Names shared by the session CSV reader and writer (format v1)."""

FORMAT_ID = "backmon-session/1"
REQUIRED_COLUMNS = ("time_s", "side", "ax_g", "ay_g", "az_g", "gx_dps", "gy_dps", "gz_dps")
OPTIONAL_COLUMNS = ("device_time_s", "seq")

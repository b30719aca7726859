"""Getting IMU samples in: session files, virtual sensors, (later) Bluetooth devices."""

"""Loaders for the real recordings by others in ../shared/data/real (used by tests/processing/test_real_data.py).

Attribution (see shared/data/real/README.md):
- mobgap_lowback/: example data of mobgap (github.com/mobilise-d/mobgap), Apache-2.0, data from the
  Mobilise-D consortium.
- xio_fusion_sample/: Examples/Python/sensor_data.csv of x-io Technologies Fusion
  (github.com/xioTechnologies/Fusion), MIT.

Each loader gives a ``Session`` with the recording as the LEFT sensor and no right sensor.

mobgap axes, and why the conversion below is a 180 deg turn about x
------------------------------------------------------------------
mobgap documents its sensor frame as right-handed with x -> IS (inferior to superior),
y -> ML, z -> PA ("posterior to anterior", docs/guides/coordinate_system.md), i.e. z points
FORWARD (out of the belly) and, by the right-hand rule, y = z cross x points to the wearer's
RIGHT. The data agree (three Test11 recordings, 1 Hz low-passed accelerometer direction):

- Every large tilt is towards -z: in all three recordings 100 % of the time with the tilt from
  +x above 30 deg has acc_z < 0; acc_z reaches -0.99 g (HA/001), -1.00 g (HA/002), -0.76 g
  (MS/001) but never exceeds +0.15 g (at most about 8 deg the other way). The deep excursions
  come with the sit-to-stand transitions and picking things up (e.g. HA/002 holds a still
  40 deg tilt for a minute, 82-139 s, seated it seems, and leaves it through 59-69 deg tilts in
  the SAME direction at 144-149 s, with 35-60 deg/s about y). People lean forward to stand up
  and to reach down, up to about 90 deg at the lower back; nobody leans back 80-98 deg while
  standing up. So a forward lean makes acc_z negative: +z points forward (anterior), as
  documented.
- The gyroscope and the accelerometer share one right-handed frame: the change of the
  accelerometer's direction g follows dg/dt = -w x g with positive correlation on every axis
  (x 0.89-0.97, y 0.60-0.79, z 0.83-0.91); with acc_y mirrored the y correlation turns
  negative (-0.60 to -0.79). With x up and z forward, a right-handed y points to the right.

backmon's nominal frame is x up the spine, y to the wearer's LEFT, z OUT OF THE BACK
(backwards), so (x, y, z)_backmon = (x, -y, -z)_mobgap for both accelerometer and gyroscope:
a proper rotation (det +1), 180 deg about x. A forward lean then gives f_z > 0, i.e. positive
flexion (DESIGN.md).

The x-io sample is a hand-held IMU with no body frame: it is loaded as recorded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sensors.samples import Session, SideSamples

MOBGAP_RATE_HZ = 100.0
# mobgap sensor frame -> backmon nominal frame (rows: backmon axes in mobgap coordinates).
MOBGAP_TO_BACKMON = np.diag([1.0, -1.0, -1.0])

MOBGAP_DIR = "mobgap_lowback"
XIO_CSV = Path("xio_fusion_sample") / "sensor_data.csv"
REFERENCE_BOUTS_CSV = Path(MOBGAP_DIR) / "reference_walking_bouts_INDIP.csv"


def _session(path, time_s: np.ndarray, accel_g: np.ndarray, gyro_dps: np.ndarray) -> Session:
    left = SideSamples("left", np.ascontiguousarray(time_s, dtype=float),
                       np.ascontiguousarray(accel_g, dtype=float), np.ascontiguousarray(gyro_dps, dtype=float))
    return Session(source=str(path), left=left, right=None)


def load_mobgap(path) -> Session:
    """A mobgap example CSV (``samples,acc_x..gyr_z``, 100 Hz) in backmon's nominal frame."""
    data = pd.read_csv(path)
    time_s = data["samples"].to_numpy(dtype=float) / MOBGAP_RATE_HZ
    accel = data[["acc_x", "acc_y", "acc_z"]].to_numpy(dtype=float) @ MOBGAP_TO_BACKMON.T
    gyro = data[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(dtype=float) @ MOBGAP_TO_BACKMON.T
    return _session(path, time_s, accel, gyro)


def load_xio(path) -> Session:
    """The x-io Fusion sample CSV as recorded (hand-held: no body frame to convert to)."""
    data = pd.read_csv(path)
    time_s = data["Time (s)"].to_numpy(dtype=float)
    gyro = data[[f"Gyroscope {a} (deg/s)" for a in "XYZ"]].to_numpy(dtype=float)
    accel = data[[f"Accelerometer {a} (g)" for a in "XYZ"]].to_numpy(dtype=float)
    return _session(path, time_s, accel, gyro)


def mobgap_recordings(root: Path, test: str | None = None) -> list[Path]:
    """Every mobgap CSV under ``root`` (the shared real-data folder), optionally of one test."""
    files = sorted((Path(root) / MOBGAP_DIR / "data_csv").glob("*/*/*.csv"))
    return [p for p in files if test is None or f"_{test}_" in p.name]


def recording_key(path: Path) -> tuple[str, int, str, str]:
    """(cohort, participant, test, trial) of ``data_csv/<cohort>/<id>/TimeMeasure1_<test>_<trial>.csv``."""
    parts = Path(path).stem.split("_")
    return Path(path).parent.parent.name, int(Path(path).parent.name), parts[1], parts[2]


def reference_bouts(root: Path, path: Path) -> list[tuple[float, float]]:
    """The INDIP reference walking bouts (start_s, end_s) of one mobgap recording."""
    table = pd.read_csv(Path(root) / REFERENCE_BOUTS_CSV)
    cohort, participant, test, trial = recording_key(path)
    rows = table[(table.cohort == cohort) & (table.participant == participant) & (table.test == test)
                 & (table.trial == trial)]
    return [(float(a), float(b)) for a, b in zip(rows.start_s, rows.end_s)]


def rotated(session: Session, rotation) -> Session:
    """The readings of the same movement by a sensor mounted turned by ``rotation``.

    ``rotation`` (a scipy ``Rotation``, R) maps vectors from the rotated sensor's frame to the
    original one; a vector v in the original frame reads R^T v in the rotated frame, for the
    accelerometer and the gyroscope alike.
    """
    s = session.left
    matrix = rotation.as_matrix()
    return _session(f"{session.source} (rotated)", s.time_s, s.accel_g @ matrix, s.gyro_dps @ matrix)

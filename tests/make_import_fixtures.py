"""Recordings in other tools' exact export formats, made from a simulated session.

The importers' tests (tests/test_importers.py) call these functions at test time to write the
files into a temporary folder, then import them and compare with the simulation (known answers).
To look at the files, or to try ``backmon import`` by hand::

    python tests/make_import_fixtures.py OUTDIR

Each ``make_<tool>(directory)`` returns a ``Fixture``: the files per side, extra command-line
arguments, and the expected samples per side (time from the earlier side's first sample, accel
in g, gyro in °/s) as the tool's number formatting leaves them. Header formats and sources are
in each importer's docstring (sensors/importers/).
"""

from __future__ import annotations

import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sensors import scenarios  # noqa: E402
from sensors.simulator import simulate  # noqa: E402

G = 9.80665
RAD = np.pi / 180.0
START_S = 1709632800.0  # 2024-03-05T10:00:00Z: the left sensor's first sample
START_NS = 1709632800 * 10**9
SIM_RATE_HZ = 40.0  # MetaBase splits it into two 20 Hz streams at interleaved instants


@dataclass(frozen=True)
class Expected:
    """One side as the session CSV should hold it after import."""

    time_s: np.ndarray
    accel_g: np.ndarray
    gyro_dps: np.ndarray


@dataclass
class Fixture:
    left: list[Path]
    right: list[Path]
    expected: dict[str, Expected]
    args: list[str] = field(default_factory=list)
    time_tolerance_s: float = 1e-6
    value_tolerance: float = 1e-9


def simulated_sides(seed: int = 3):
    """A calibration routine, a 70° bend held 6 s, upright: 44 s per sensor at 40 Hz, mounted
    up to 20° off nominal (a phone or sensor taped to the back is never straight)."""
    sim = simulate(scenarios.severe_flexion(70.0, hold_s=6.0, seed=seed, rate_hz=SIM_RATE_HZ,
                                            mount_deg=20.0))
    return sim.left, sim.right


# ---------------------------------------------------------------- MetaBase


def make_metabase(directory: Path) -> Fixture:
    """Left: the Android app's header; right: the older iOS header (``epoc (ms)``). Accelerometer
    and gyroscope at interleaved instants (even / odd simulated samples), times in whole ms."""
    directory.mkdir(parents=True, exist_ok=True)
    files, expected = {}, {}
    variants = {"left": ("C7C4E1A0B1F2", 0.0, "epoch (ms)", "time (-05:00)"),
                "right": ("E6E9C8A7F8B2", 0.007, "epoc (ms)", "timestamp (-0700)")}
    for (side, samples), (mac, offset_s, epoch, clock) in zip(
            zip(("left", "right"), simulated_sides()), variants.values()):
        t = samples.time_s + START_S + offset_s
        accel, gyro = np.round(samples.accel_g, 3), np.round(samples.gyro_dps, 3)
        stamp = "2024-03-05T10.00.00.000"
        paths, stamps_s = [], []
        for kind, rows, values, unit in (("Accelerometer", slice(0, None, 2), accel, "g"),
                                         ("Gyroscope", slice(1, None, 2), gyro, "deg/s")):
            path = directory / f"MetaWear_{stamp}_{mac}_{kind}_1.7.3.csv"
            header = (f"{epoch},{clock},elapsed (s),x-axis ({unit}),y-axis ({unit}),"
                      f"z-axis ({unit})")
            ms = np.round(t[rows] * 1000).astype(np.int64)
            lines = [header] + [
                f"{m},{_metabase_time(m, side)},{(m - ms[0]) / 1000:.3f},"
                f"{v[0]:.3f},{v[1]:.3f},{v[2]:.3f}" for m, v in zip(ms.tolist(), values[rows])]
            path.write_text("\n".join(lines) + "\n")
            paths.append(path)
            stamps_s.append(ms / 1000.0)
        files[side] = paths
        ta, tg = stamps_s
        inside = (ta >= tg[0]) & (ta <= tg[-1])  # accelerometer samples the gyroscope covers
        gyro_at_a = np.column_stack([np.interp(ta, tg, gyro[1::2, i]) for i in range(3)])
        expected[side] = Expected(ta[inside] - START_S, accel[0::2][inside], gyro_at_a[inside])
    return Fixture(files["left"], files["right"], expected, time_tolerance_s=1e-6,
                   value_tolerance=1e-6)


def _metabase_time(epoch_ms: int, side: str) -> str:
    """The time column's text: Android writes ``2024-03-05T05:00:00.000``, iOS with dots."""
    hours = -5 if side == "left" else -7
    local = datetime.fromtimestamp(epoch_ms / 1000, timezone(timedelta(hours=hours)))
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}"
    return text if side == "left" else text.replace(":", ".")


# ---------------------------------------------------------------- phyphox


def make_phyphox(directory: Path) -> Fixture:
    """Left: one zip of a multi-sensor experiment (comma, decimal point) paused for 3 s at 12 s;
    right: two single-sensor experiments' zips (semicolon, decimal comma) started 0.25 s and
    0.5 s after the left one, both sensors at the same instants (every other simulated sample)."""
    directory.mkdir(parents=True, exist_ok=True)
    left, right = (s for s in simulated_sides())
    expected = {}
    # Left: pause from true 12 s to 15 s: samples then are not recorded, and the experiment time
    # after the pause is 3 s behind the true time.
    t = left.time_s[::2]
    keep = (t < 12.0) | (t >= 15.0)
    experiment_s = np.where(t < 12.0, t, t - 3.0)[keep]
    accel, gyro = left.accel_g[::2][keep], left.gyro_dps[::2][keep]
    events = [("START", 0.0, START_S), ("PAUSE", 12.0, START_S + 12.0), ("START", 12.0, START_S + 15.0)]
    sep, point = ",", "."
    left_zip = directory / "Multi sensors 2024-03-05 10-00-00.zip"
    with zipfile.ZipFile(left_zip, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Accelerometer.csv", _phyphox_csv(
            ["Time (s)"] + [f"Acceleration {a} (m/s^2)" for a in "xyz"],
            [experiment_s, *(accel * G).T], sep, point))
        z.writestr("Gyroscope.csv", _phyphox_csv(
            ["Time (s)"] + [f"Gyroscope {a} (rad/s)" for a in "xyz"],
            [experiment_s, *(gyro * RAD).T], sep, point))
        z.writestr("meta/time.csv", _phyphox_time_csv(events, sep, point))
        z.writestr("meta/device.csv", '"property","value"\n"deviceModel","Pixel 7"\n')
    expected["left"] = Expected(t[keep], _sig10(accel * G) / G, _sig10(gyro * RAD) / RAD)
    # Right: accelerometer experiment from true 0.25 s, gyroscope experiment from 0.5 s.
    t = right.time_s[::2]
    sep, point = ";", ","
    paths = []
    for name, begin_s, columns, values in (
            ("Acceleration with g", 0.25, [f"Acceleration {a} (m/s^2)" for a in "xyz"]
             + ["Absolute acceleration (m/s^2)"], right.accel_g[::2] * G),
            ("Gyroscope rotation rate", 0.5, [f"Gyroscope {a} (rad/s)" for a in "xyz"]
             + ["Absolute (rad/s)"], right.gyro_dps[::2] * RAD)):
        rows = t >= begin_s
        data = [t[rows] - begin_s, *values[rows].T, np.linalg.norm(values[rows], axis=1)]
        path = directory / f"{name} 2024-03-05 10-00-00.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("Raw Data.csv", _phyphox_csv(["Time (s)"] + columns, data, sep, point))
            z.writestr("meta/time.csv", _phyphox_time_csv(
                [("START", 0.0, START_S + begin_s)], sep, point))
        paths.append(path)
    inside = t >= 0.5  # accelerometer samples before the gyroscope's experiment began: dropped
    expected["right"] = Expected(t[inside], _sig10(right.accel_g[::2][inside] * G) / G,
                                 _sig10(right.gyro_dps[::2][inside] * RAD) / RAD)
    return Fixture([left_zip], paths, expected, time_tolerance_s=1e-5, value_tolerance=1e-8)


def _phyphox_number(value: float, point: str) -> str:
    """Java's DecimalFormat "0.000000000E0": 10 significant digits, exponent without '+'."""
    mantissa, exponent = f"{value:.9e}".split("e")
    return f"{mantissa}E{int(exponent)}".replace(".", point)


def _sig10(values: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda v: float(f"{v:.9e}"))(values)


def _phyphox_csv(names: list[str], columns: list[np.ndarray], sep: str, point: str) -> str:
    lines = [sep.join(f'"{n}"' for n in names)]
    lines += [sep.join(_phyphox_number(v, point) for v in row) for row in zip(*columns)]
    return "\n".join(lines) + "\n"


def _phyphox_time_csv(events: list[tuple[str, float, float]], sep: str, point: str) -> str:
    lines = [sep.join(['"event"', '"experiment time"', '"system time"', '"system time text"'])]
    for event, experiment_s, wall_s in events:
        text = datetime.fromtimestamp(wall_s, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        lines.append(sep.join([f'"{event}"', _phyphox_number(experiment_s, point),
                               f"{wall_s:.3f}".replace(".", point), f'"{text} UTC+00:00"']))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- Sensor Logger


def make_sensorlogger(directory: Path) -> Fixture:
    """Left: an Android zip (TotalAcceleration, the gravity-free Accelerometer, Gyroscope 3 ms
    later, Metadata, Annotation); right: an iPhone's loose CSVs (Accelerometer + Gravity in iOS's
    sign convention, Gyroscope, Metadata). Times in ns; axis columns z, y, x."""
    directory.mkdir(parents=True, exist_ok=True)
    left, right = (s for s in simulated_sides())
    ns = START_NS + np.round(left.time_s[::2] * 1e9).astype(np.int64)
    total = left.accel_g[::2] * G
    gravity = total / np.linalg.norm(total, axis=1, keepdims=True) * G
    left_zip = directory / "2024-03-05_10-00-00.zip"
    with zipfile.ZipFile(left_zip, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("TotalAcceleration.csv", _logger_csv(ns, total))
        z.writestr("Accelerometer.csv", _logger_csv(ns, total - gravity))
        z.writestr("Gyroscope.csv", _logger_csv(ns + 3_000_000, left.gyro_dps[::2] * RAD))
        z.writestr("Metadata.csv", _logger_metadata("android", "Pixel 7", ns[0]))
        z.writestr("Annotation.csv", "time,seconds_elapsed,text,millisecond_press_duration\n")
    ta = ns / 1e9
    tg = ta + 0.003
    gyro_left = left.gyro_dps[::2]
    inside = ta >= tg[0]
    expected = {"left": Expected(ta[inside] - START_S, left.accel_g[::2][inside], np.column_stack(
        [np.interp(ta[inside], tg, gyro_left[:, i]) for i in range(3)]))}
    ns = START_NS + np.round((right.time_s[::2] + 0.02) * 1e9).astype(np.int64)
    total = right.accel_g[::2] * G
    gravity = total / np.linalg.norm(total, axis=1, keepdims=True) * G
    paths = [directory / f"iphone_{n}.csv" for n in ("Accelerometer", "Gravity", "Gyroscope",
                                                      "Metadata")]
    paths[0].write_text(_logger_csv(ns, -(total - gravity)))  # iOS: the opposite sign
    paths[1].write_text(_logger_csv(ns, -gravity))
    paths[2].write_text(_logger_csv(ns, right.gyro_dps[::2] * RAD))
    paths[3].write_text(_logger_metadata("ios", "iPhone 14", ns[0]))
    expected["right"] = Expected(ns / 1e9 - START_S, right.accel_g[::2], right.gyro_dps[::2])
    # Epoch seconds as float64 resolve 0.24 µs: the gyroscope interpolated between samples 50 ms
    # apart moves by up to 1e-5 of its change.
    return Fixture([left_zip], paths, expected, time_tolerance_s=1e-6, value_tolerance=1e-4)


def _logger_csv(ns: np.ndarray, xyz: np.ndarray) -> str:
    lines = ["time,seconds_elapsed,z,y,x"]
    lines += [f"{n},{(n - ns[0]) / 1e9!r},{v[2]!r},{v[1]!r},{v[0]!r}"
              for n, v in zip(ns.tolist(), xyz.tolist())]
    return "\n".join(lines) + "\n"


def _logger_metadata(platform: str, device: str, first_ns: int) -> str:
    return ("version,device name,recording epoch time,recording time,recording timezone,"
            "platform,appVersion,device id,sensors,sampleRateMs,standardisation,platform version\n"
            f"3,{device},{first_ns // 1_000_000},2024-03-05_10-00-00,UTC,{platform},1.64,"
            "abc123,Accelerometer|Gyroscope|TotalAcceleration|Gravity,50|50|50|50,false,17\n")


# ---------------------------------------------------------------- WitMotion

WITMOTION_HEADER = ("time\tDeviceName\tChipTime()\tAccX(g)\tAccY(g)\tAccZ(g)\tAsX(°/s)\tAsY(°/s)"
                    "\tAsZ(°/s)\tAngleX(°)\tAngleY(°)\tAngleZ(°)\tHX(uT)\tHY(uT)\tHZ(uT)\tQ0()\tQ1()"
                    "\tQ2()\tQ3()\tTemperature(°C)\tVersion()\tBattery level(%)")
WITMOTION_DEVICES = {"left": "WT901BLE67(D6:3C:47:8F:1A:22)", "right": "WT901BLE68(C2:11:9B:04:7E:51)"}


def make_witmotion(directory: Path) -> Fixture:
    """One data file with both sensors (the PC software records every connected sensor into one
    file), rows interleaved in arrival order; the PC stamps each 30 ms Bluetooth burst with
    one millisecond time (colon before the milliseconds)."""
    directory.mkdir(parents=True, exist_ok=True)
    rows, expected = [], {}
    for side, samples in zip(("left", "right"), simulated_sides()):
        t, accel, gyro = samples.time_s[::2], samples.accel_g[::2], samples.gyro_dps[::2]
        arrival = np.ceil((t + 0.004) / 0.030) * 0.030 + (0.001 if side == "right" else 0.0)
        for a_s, acc, rate in zip(arrival, accel, gyro):
            rows.append((a_s, side, _witmotion_row(a_s, WITMOTION_DEVICES[side], acc, rate)))
        expected[side] = Expected(t, np.round(accel, 4), np.round(gyro, 3))
    rows.sort(key=lambda r: (r[0], r[1]))
    path = directory / "20240305100000.txt"
    path.write_text("\n".join([WITMOTION_HEADER] + [r[2] for r in rows]) + "\n", encoding="utf-8")
    # Evened times follow the arrivals' mean latency (~19 ms): compare on the shared axis
    # within a burst and a half.
    return Fixture([path], [path], expected,
                   args=["--left-device", "BLE67", "--right-device", "BLE68"],
                   time_tolerance_s=0.045, value_tolerance=1e-9)


def _witmotion_row(arrival_s: float, device: str, accel: np.ndarray, gyro: np.ndarray) -> str:
    when = datetime.fromtimestamp(START_S + arrival_s, timezone.utc)
    stamp = when.strftime("%Y-%m-%d %H:%M:%S:") + f"{when.microsecond // 1000:03d}"
    cells = [stamp, device, "null", *(f"{v:.4f}" for v in accel), *(f"{v:.3f}" for v in gyro),
             "0.000", "0.000", "0.000", "12", "-31", "40", "1.0000", "0.0000", "0.0000", "0.0000",
             "26.50", "5.7", "90"]
    return "\t".join(cells)


def make_witmotion_gb18030(directory: Path) -> Path:
    """A file of the English long-name variant written in GB18030 (``°`` is the bytes A1 E3),
    one sensor, times of day with a point before the milliseconds."""
    directory.mkdir(parents=True, exist_ok=True)
    left, _ = simulated_sides()
    header = ("Chip Time()\tAcceleration X(g)\tAcceleration Y(g)\tAcceleration Z(g)\t"
              "Angular velocity X(°/s)\tAngular velocity Y(°/s)\tAngular velocity Z(°/s)\t"
              "Angle X(°)\tAngle Y(°)\tAngle Z(°)")
    lines = [header]
    for t, a, w in zip(left.time_s[::2], left.accel_g[::2], left.gyro_dps[::2]):
        when = datetime.fromtimestamp(START_S + t, timezone.utc)
        lines.append("\t".join([when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}",
                                *(f"{v:.4f}" for v in a), *(f"{v:.3f}" for v in w), "0.0", "0.0", "0.0"]))
    path = directory / "witmotion_gb18030.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    return path


MAKERS = {"metabase": make_metabase, "phyphox": make_phyphox, "sensorlogger": make_sensorlogger,
          "witmotion": make_witmotion}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    out = Path(argv[0])
    for tool, make in MAKERS.items():
        fixture = make(out / tool)
        print(f"backmon import --from {tool} --left {' '.join(map(str, fixture.left))} "
              f"--right {' '.join(map(str, fixture.right))} {' '.join(fixture.args)} "
              f"-o {out / tool}.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

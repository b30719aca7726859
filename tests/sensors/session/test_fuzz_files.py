"""Fuzzing the session reader and every importer (Hypothesis): arbitrary bytes, and arbitrary
mutations of valid files, end in a result or the project's own error (a BackmonError), never in
another exception. A result must also be sane: sorted finite times, finite values within every
sensor's range, sides that the session writer can write.

The number of examples comes from the Hypothesis profile (tests/conftest.py): "ci" by default,
``BACKMON_HYPOTHESIS_PROFILE=long`` for a long run. Mutations cut, insert and overwrite bytes,
often with tokens that matter to these formats (separators, quotes, line ends, NaN, huge
numbers, header names, byte order marks, zip magic).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.errors import BackmonError
from sensors.importers import IMPORTERS, import_recording
from sensors.importers.inputs import ZIP_MAGIC, InputFile, expand
from sensors.limits import ACCEL_LIMIT_G, GYRO_LIMIT_DPS, MAX_SPAN_S
from sensors.session.files import read_session, write_session
from tests.fixtures import make_import_fixtures as fixtures
from tests.fixtures import make_messy_files as messy

NASTY = [b",", b";", b"\t", b"\r", b"\n", b"\r\n", b"#", b"# mark: 3 x\n", b'"', b"\x00", b"\xff",
         b"\xff\xfe", b"\xef\xbb\xbf", b"nan", b"inf", b"-", b".", b"e", b"1e308", b"-1e-320",
         b"9" * 40, b"99999999", b"-99999999.5", b"0x1F", b"left", b"right", b"time_s", b"=1+2",
         ZIP_MAGIC, "°".encode(), b"\xa1\xe3", b" ", b"START", b'"Time (s)"', b"epoch (ms)",
         b"1709632800000", b"2024-03-05 10:00:00:000", b"Linear", b"z,y,x", b"NaN"]
MUTATIONS = st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 80),
                               st.one_of(st.binary(max_size=16), st.sampled_from(NASTY))),
                     min_size=1, max_size=8)
FILE_FIXTURE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                               HealthCheck.too_slow, HealthCheck.data_too_large])


def mutate(data: bytes, cuts) -> bytes:
    buffer = bytearray(data)
    for at, drop, insert in cuts:
        at %= len(buffer) + 1
        buffer[at:at + drop] = insert
    return bytes(buffer)


# ---------------------------------------------------------------- the session reader


@lru_cache(maxsize=1)
def session_seeds() -> tuple[bytes, ...]:
    """Small valid files: a clean one, a spreadsheet's semicolons, UTF-16 with tabs."""
    b = messy.base()
    rows = b.rows[:60]
    semicolons = [r.replace(",", ";").replace(".", ",") for r in rows]
    return (b.text(rows).encode(),
            b.text(semicolons, header=b.header.replace(",", ";")).encode(),
            b.text([r.replace(",", "\t") for r in rows], header=b.header.replace(",", "\t"),
                   newline="\r\n").encode("utf-16"))


def check_session(path: Path) -> None:
    try:
        session = read_session(path)
    except BackmonError as err:
        assert str(path) in str(err)
        return
    for side in (session.left, session.right):
        if side is None:
            continue
        assert len(side) >= 2 and np.all(np.diff(side.time_s) > 0)
        assert np.isfinite(side.accel_g).all() and np.isfinite(side.gyro_dps).all()
        assert np.abs(side.accel_g).max() <= ACCEL_LIMIT_G
        assert np.abs(side.gyro_dps).max() <= GYRO_LIMIT_DPS
        assert side.time_s[-1] - side.time_s[0] <= MAX_SPAN_S


@FILE_FIXTURE
@given(data=st.binary(max_size=4000))
def test_reader_on_arbitrary_bytes(data, tmp_path):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    check_session(path)


@FILE_FIXTURE
@given(seed=st.integers(0, 2), cuts=MUTATIONS)
def test_reader_on_mutated_files(seed, cuts, tmp_path):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(mutate(session_seeds()[seed], cuts))
    check_session(path)


# ---------------------------------------------------------------- the importers

# File names each tool's importer looks at (Sensor Logger and MetaBase read meaning from names).
NAMES = {"metabase": ["MetaWear_2024-03-05T10.00.00.000_C7C4E1A0B1F2_Accelerometer_1.7.3.csv",
                      "MetaWear_C7C4E1A0B1F2_Gyroscope.csv", "Linear Acceleration.csv", "x.csv"],
         "phyphox": ["Raw Data.csv", "Accelerometer.csv", "meta/time.csv", "e.zip"],
         "sensorlogger": ["TotalAcceleration.csv", "Accelerometer.csv", "Gyroscope.csv",
                          "Metadata.csv", "rec.zip"],
         "witmotion": ["data.txt", "20240305100000.txt"]}


@lru_cache(maxsize=1)
def importer_seeds() -> dict[str, tuple[InputFile, ...]]:
    """Each tool's left-side files (fixtures cut to 30 rows): zips kept as zips, so that the
    archive itself gets mutated too."""
    seeds = {}
    with tempfile.TemporaryDirectory() as folder:
        for tool, make in fixtures.MAKERS.items():
            if tool == "witmotion":  # one sensor per file: no device to choose
                paths = [fixtures.make_witmotion_gb18030(Path(folder) / tool)]
            else:
                paths = make(Path(folder) / tool).left
            seeds[tool] = tuple(_shortened(InputFile(p.name, p.read_bytes())) for p in paths)
    return seeds


def _shortened(file: InputFile, rows: int = 30) -> InputFile:
    if not file.data.startswith(ZIP_MAGIC):
        return InputFile(file.name, b"\n".join(file.data.split(b"\n")[:rows + 1]) + b"\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for member in expand(file):
            z.writestr(member.name.split(":", 1)[1], _shortened(member, rows).data)
    return InputFile(file.name, buffer.getvalue())


def check_import(tool: str, files: list[InputFile]) -> None:
    try:
        members = [m for f in files for m in expand(f)]
        imported = import_recording(tool, members, [])
    except BackmonError:
        return
    side = imported.left
    assert len(side) >= 2 and np.all(np.diff(side.time_s) > 0)
    assert np.isfinite(side.accel_g).all() and np.isfinite(side.gyro_dps).all()
    assert np.abs(side.accel_g).max() <= ACCEL_LIMIT_G
    assert np.abs(side.gyro_dps).max() <= GYRO_LIMIT_DPS
    with tempfile.TemporaryDirectory() as folder:  # whatever imports, the writer can write
        write_session(Path(folder) / "s.csv", imported.left, None, metadata=imported.metadata)


def test_every_importer_has_seeds_that_import():
    for tool, files in importer_seeds().items():
        members = [m for f in files for m in expand(f)]
        assert len(import_recording(tool, members, []).left) >= 20, tool


def _importer_tests(tool: str):
    @given(data=st.binary(max_size=3000), name=st.sampled_from(NAMES[tool]),
           zipped=st.booleans())
    def on_arbitrary_bytes(data, name, zipped):
        if zipped:  # arbitrary bytes inside a valid archive
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as z:
                z.writestr(name, data)
            data, name = buffer.getvalue(), "fuzz.zip"
        check_import(tool, [InputFile(name, data)])

    @given(which=st.integers(0, 7), cuts=MUTATIONS)
    def on_mutated_files(which, cuts):
        files = list(importer_seeds()[tool])
        i = which % len(files)
        files[i] = InputFile(files[i].name, mutate(files[i].data, cuts))
        check_import(tool, files)

    return on_arbitrary_bytes, on_mutated_files


for _tool in sorted(IMPORTERS):
    globals()[f"test_{_tool}_importer_on_arbitrary_bytes"], \
        globals()[f"test_{_tool}_importer_on_mutated_files"] = _importer_tests(_tool)

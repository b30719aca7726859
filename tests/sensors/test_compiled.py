"""sensors/compiled.py: kernels compiled ahead of time at install, numba's JIT otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from sensors import compiled
from sensors.compiled import Kernels
from tests.support.paths import EXAMPLE


def test_the_install_built_the_kernels_and_start_up_imports_no_numba():
    """pip install builds <package>._compiled (setup.py); analysing then never imports numba,
    whose import and first kernel cost 0.35-0.5 s of every command (issue 16)."""
    code = ("import sys; from processing import analyze_file; analyze_file(sys.argv[1]); "
            "print('numba' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != compiled.ENV}
    run = subprocess.run([sys.executable, "-c", code, str(EXAMPLE)], capture_output=True, text=True, env=env,
                         check=True)
    assert run.stdout.split()[-1] == "False", "no compiled kernels: reinstall (pip install -e .) with a C compiler"


def test_compiled_and_jit_kernels_give_the_same_analysis(tmp_path):
    """The example analysed with the compiled kernels and with numba's JIT: the same JSON, byte for byte."""
    outputs = {}
    for mode in ("compiled", "jit"):
        env = {k: v for k, v in os.environ.items() if k != compiled.ENV}
        if mode == "jit":
            env[compiled.ENV] = "jit"
        out = tmp_path / f"{mode}.json"
        code = ("import sys; from processing import analyze_file; analyze_file(sys.argv[1]).write_json(sys.argv[2]); "
                "print('numba' in sys.modules)")
        run = subprocess.run([sys.executable, "-c", code, str(EXAMPLE), str(out)], capture_output=True, text=True,
                             env=env, check=True)
        assert run.stdout.split()[-1] == str(mode == "jit")  # each path really taken
        outputs[mode] = out.read_bytes()
    assert json.loads(outputs["compiled"])["alerts"]  # the example raises alerts: a real comparison
    assert outputs["compiled"] == outputs["jit"]


def test_a_compiled_kernel_refuses_arguments_unlike_its_signature():
    """A compiled function reads whatever bytes it is given; the check makes a mismatch a TypeError."""
    kernels = Kernels("processing.kernels.angles")
    left, right, out = np.array([1.0, np.nan, 2.0]), np.array([3.0, 4.0, np.nan]), np.empty(3)
    kernels.trunk_mean(left, right, out)
    assert out.tolist() == [2.0, 4.0, 2.0]  # both sides: the mean; one side: that side
    assert kernels.trunk_mean.__module__ == "sensors.compiled", "no compiled kernels: reinstall with a C compiler"
    with pytest.raises(TypeError, match="argument 0"):
        kernels.trunk_mean(left.astype(np.float32), right, out)
    with pytest.raises(TypeError, match="argument 2"):
        kernels.trunk_mean(left, right, np.empty((3, 1)))
    with pytest.raises(TypeError, match="argument 1"):
        kernels.trunk_mean(left, np.empty(6)[::2], out)
    with pytest.raises(TypeError, match="2 arguments for 3"):
        kernels.trunk_mean(left, right)


def test_a_kernel_module_changed_since_the_build_runs_through_the_jit(monkeypatch):
    """The extension keeps a hash of each kernel module's source: an edited module (not yet
    rebuilt) is compiled by numba instead of running stale code."""
    monkeypatch.setattr(compiled, "source_hash", lambda source: -1)
    kernels = compiled._load("processing.kernels.angles")
    assert type(kernels["trunk_mean"]).__module__.startswith("numba")
    out = np.empty(2)
    kernels["trunk_mean"](np.array([1.0, 2.0]), np.array([3.0, np.nan]), out)
    assert out.tolist() == [2.0, 2.0]


@pytest.mark.parametrize(("signature", "good", "bad"), [
    ("void(float64[::1])", np.zeros(3), np.zeros(6)[::2]),
    ("void(float64[:, ::1])", np.zeros((2, 3)), np.zeros((2, 3), order="F")),
    ("void(float64[::1, :])", np.zeros((2, 3), order="F"), np.zeros((2, 3))),
    ("void(float64[:, :])", np.zeros((4, 6))[::2, ::2], np.zeros(3)),
    ("void(boolean[::1])", np.zeros(3, bool), np.zeros(3, np.int8)),
    ("void(int64)", 3, 3.5),
    ("void(float64)", 3, "3"),
])
def test_signature_checks(signature, good, bad):
    calls = []
    checked = compiled._checked(lambda *args: calls.append(args), signature)
    checked(good)
    assert len(calls) == 1
    with pytest.raises(TypeError):
        checked(bad)

"""Compiled kernels: built ahead of time at install, numba's JIT where they were not built.

A kernel module holds plain Python functions in numba's subset (the kernels and the helpers they
call) and ``KERNELS``, the ones Python calls, each with its signature in numba's notation::

    KERNELS = {"trunk_mean": "void(float64[::1], float64[::1], float64[::1])"}

Its users call them through ``Kernels``::

    _kernels = Kernels("processing.kernels.angles")
    _kernels.trunk_mean(left, right, out)

At install, setup.py compiles every kernel module of a package with numba's ahead-of-time compiler
(numba.pycc) into one extension module, ``<package>._compiled``, for the installing machine's
processor, the GIL released as numba.njit(nogil=True) does. Then a kernel is that extension's
function and start-up imports no numba: importing numba and readying its compiler for the first
cached kernel cost 0.35-0.5 s of every command (issue 16), and compiling on the first run 5-7 s.

Where the extension is missing (no C compiler at install), stale (a kernel module's source
changed since it was built: reinstall to rebuild it) or ``BACKMON_KERNELS=jit`` is set, the first
use compiles the module's functions with numba.njit(cache=True, nogil=True), as before.

The ahead-of-time functions do not check what they are given (a wrong dtype reads the wrong
bytes), so every call checks its arrays' dtype, dimensions and layout against the signature
(about 1 us an argument) and raises TypeError on a mismatch.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
import threading
from pathlib import Path

import numpy as np

EXTENSION = "_compiled"  # <package>._compiled holds a package's compiled kernels
ENV = "BACKMON_KERNELS"  # "jit": ignore the compiled extension
# Where kernel modules live, by package: what setup.py compiles.
KERNEL_MODULES = {
    "sensors.session": ("sensors.session.scan_kernel", "sensors.session.check_kernel"),
    "processing.kernels": tuple(f"processing.kernels.{name}" for name in (
        "activity", "align", "angles", "frames", "orientation", "saturation", "side_check")),
}
_LOADING = threading.Lock()
_ARRAY = re.compile(r"^(\w+)\[([^\]]*)\]$")


class Kernels:
    """The kernels of one kernel module, compiled ahead of time or by numba on first use."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        with _LOADING:  # the two sides' threads may ask at once
            if name not in vars(self):
                for kernel, function in _load(self._module).items():
                    setattr(self, kernel, function)  # later calls find the attribute: no __getattr__
        return object.__getattribute__(self, name)


def _load(module: str) -> dict:
    """{kernel name: callable} for a kernel module: the checked ahead-of-time functions when
    the extension was built from this very source, else numba's dispatchers."""
    kernel_module = importlib.import_module(module)
    kernels = kernel_module.KERNELS
    compiled = None if os.environ.get(ENV) == "jit" else _extension(module)
    short = module.rsplit(".", 1)[1]
    stamp = getattr(compiled, f"{short}__source_hash", None)
    if stamp is not None and stamp() == source_hash(Path(kernel_module.__file__).read_bytes()):
        return {name: _checked(getattr(compiled, f"{short}__{name}"), signature)
                for name, signature in kernels.items()}
    jitted = jit_module(kernel_module, cache=True)
    return {name: jitted[name] for name in kernels}


def _extension(module: str):
    package = module.rsplit(".", 1)[0]
    try:
        return importlib.import_module(f"{package}.{EXTENSION}")
    except ImportError:
        return None


def load_by_path(path: Path, name: str):
    """Import the file at `path` as module `name` (registered in sys.modules), parents untouched:
    setup.py compiles processing's kernels without importing processing's (heavy) __init__."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def source_hash(source: bytes) -> int:
    """The stamp the extension keeps per kernel module: a signed 63-bit hash of its source."""
    return int.from_bytes(hashlib.sha256(source).digest()[:8], "little") >> 1


def jit_module(module, *, cache: bool) -> dict:
    """Every function defined in `module`, compiled by numba.njit(nogil=True) and put back in its
    namespace, so that kernels find their helpers compiled; returns {name: dispatcher}."""
    import numba

    jitted = {}
    for name, value in list(vars(module).items()):
        if isinstance(value, numba.core.registry.CPUDispatcher):
            jitted[name] = value  # jitted before (the build, or another Kernels of this module)
        elif callable(value) and getattr(value, "__module__", None) == module.__name__ and hasattr(value, "__code__"):
            jitted[name] = numba.njit(cache=cache, nogil=True)(value)
            setattr(module, name, jitted[name])
    return jitted


# ---------------------------------------------------------------- checking arguments


def _checked(function, signature: str):
    checks = [_check_for(arg.strip()) for arg in _split_args(signature)]

    def call(*args):
        if len(args) != len(checks):
            raise TypeError(f"{function.__name__}: {len(args)} arguments for {len(checks)}")
        for i, (check, arg) in enumerate(zip(checks, args)):
            if not check(arg):
                raise TypeError(f"{function.__name__}: argument {i} does not match {signature}")
        return function(*args)

    call.__name__ = function.__name__
    return call


def _split_args(signature: str) -> list[str]:
    inner = signature[signature.index("(") + 1:signature.rindex(")")]
    args, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            args.append(inner[start:i])
            start = i + 1
    if inner.strip():
        args.append(inner[start:])
    return args


def _check_for(arg: str):
    """A predicate for one argument type of numba's notation: arrays checked for dtype,
    dimensions and layout ('::1' last: C order, first: F order), scalars for kind."""
    found = _ARRAY.match(arg)
    if found is None:
        kind = {"float64": (float, int, np.floating, np.integer), "int64": (int, np.integer),
                "boolean": (bool, np.bool_)}[arg]
        return lambda value: isinstance(value, kind)
    dtype = np.dtype("bool" if found.group(1) == "boolean" else found.group(1))
    dims = [d.strip() for d in found.group(2).split(",")]
    flag = "C_CONTIGUOUS" if dims[-1] == "::1" else "F_CONTIGUOUS" if dims[0] == "::1" else None
    ndim = len(dims)

    def check(value) -> bool:
        return (isinstance(value, np.ndarray) and value.dtype == dtype and value.ndim == ndim
                and (flag is None or value.flags[flag]) and value.flags.aligned)
    return check


# ---------------------------------------------------------------- building (setup.py)


def extensions(root: Path) -> list:
    """setuptools extensions compiling every kernel module under `root` ahead of time, one per
    package (KERNEL_MODULES); optional, so an install without a C compiler falls back to the JIT."""
    import numba.pycc.compiler as pycc_compiler
    from numba.pycc import CC

    flags = pycc_compiler.Flags

    def released_flags():  # pycc has no nogil option: its wrappers keep the GIL otherwise
        made = flags()
        made.release_gil = True
        return made

    pycc_compiler.Flags = released_flags
    built = []
    for modules in KERNEL_MODULES.values():
        cc = None
        for module in modules:
            path = root.joinpath(*module.split(".")).with_suffix(".py")
            kernel_module = load_by_path(path, module)
            cc = cc or CC(EXTENSION, source_module=module)
            short = module.rsplit(".", 1)[1]
            jitted = jit_module(kernel_module, cache=False)
            for name, signature in kernel_module.KERNELS.items():
                cc.export(f"{short}__{name}", signature)(jitted[name].py_func)
            cc.export(f"{short}__source_hash", "int64()")(_constant(source_hash(path.read_bytes())))
        cc.target_cpu = "host"  # built where it runs (an install); like numba's JIT
        extension = cc.distutils_extension(optional=True)
        built.append(extension)
    return built


def _constant(value: int):
    namespace: dict = {}
    exec(f"def constant():\n    return {value}\n", namespace)  # a compiled function returning value
    return namespace["constant"]

"""The compiled kernels, built ahead of time at install (sensors/compiled.py says why and how);
everything else about the distribution is in pyproject.toml."""

import sys
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # sensors.compiled and the kernel modules, from this source tree

from sensors.compiled import extensions  # noqa: E402 - needs the path above

setup(ext_modules=extensions(ROOT))

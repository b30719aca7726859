"""DESIGN.md's dependency direction: offline analysis never loads a Bluetooth stack, and the
Bluetooth code never loads the processing engine. Checked on the import statements of the
repository's modules, followed transitively through the repository (function-level imports too)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import REPO

BLUETOOTH = ("bleak", "bleak_retry_connector", "bumble", "sensors.ble")


def _module_file(name: str) -> Path | None:
    path = REPO.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _closure(package: str) -> set[str]:
    """Every module name imported by the package's modules, following repository modules."""
    todo = list((REPO / package.replace(".", "/")).rglob("*.py"))
    seen_files, names = set(), set()
    while todo:
        path = todo.pop()
        if path in seen_files:
            continue
        seen_files.add(path)
        for name in _imports(path):
            names.add(name)
            if (found := _module_file(name)) is not None:
                todo.append(found)
    return names


def _under(name: str, roots) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def test_processing_reaches_no_bluetooth_code():
    assert not {n for n in _closure("processing") if _under(n, BLUETOOTH)}


def test_bluetooth_code_reaches_no_processing():
    names = _closure("sensors.ble")
    assert not {n for n in names if _under(n, ("processing",))}
    assert "bleak.backends.client" in names  # the scan does see imports

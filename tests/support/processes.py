"""Processes for cross-process tests (a shared virtual radio, sensors in other processes)."""

from __future__ import annotations

import selectors
import subprocess
import sys
import tempfile

import pytest


def first_line(proc: subprocess.Popen, timeout_s: float = 30.0) -> str:
    """The process's first stdout line, or fail (with its stderr) after timeout_s."""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout_s):
            proc.kill()
            pytest.fail(f"no ready line within {timeout_s} s: {stderr_of(proc)}")
    line = proc.stdout.readline()
    if not line:
        pytest.fail(f"process ended: {stderr_of(proc)}")
    return line


def spawn(*args: str) -> subprocess.Popen:
    # stderr to a file: a pipe nobody reads could fill up and stall the process
    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.PIPE, stderr=log, text=True)
    proc.log = log
    return proc


def stderr_of(proc: subprocess.Popen) -> str:
    proc.log.seek(0)
    return proc.log.read()


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    proc.stdout.close()
    proc.log.close()

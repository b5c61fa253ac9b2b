"""Helpers of the MPI and training tests: the ``mpiexec`` to run, the accuracy a run printed.

The oracle helpers (PyTorch comparison, finite differences, second order) are in
``oracle.py``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

__all__ = ["final_accuracy", "mpiexec"]


def mpiexec() -> str:
    """The ``mpiexec`` next to this Python (else on PATH); skips the test without one."""
    pytest.importorskip("mpi4py")
    exe = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
    if exe is None:
        pytest.skip("mpiexec not found (pip install mpich)")
    return exe


def final_accuracy(out: str) -> float:
    """The number after "test accuracy" in a ``gradkit train``/``eval`` printout."""
    line = next(s for s in out.splitlines() if "test accuracy" in s)
    return float(line.split("test accuracy")[1].split()[0])

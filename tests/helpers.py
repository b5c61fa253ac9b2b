"""Test helpers shared by every test file.

The oracle helpers (``t64``, ``check_grad``, ``to_torch``, ``assert_close``, ...) live in
``oracle.py`` and are re-exported here for the files that still import them from ``helpers``;
new tests import from ``oracle``. ``mpiexec`` and ``final_accuracy`` belong to the MPI and
training tests.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from oracle import assert_close, check_grad, t64, to_torch

__all__ = ["assert_close", "check_grad", "final_accuracy", "mpiexec", "t64", "to_torch"]


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

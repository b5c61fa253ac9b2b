"""Helpers of the tests: the ``mpiexec`` to run, the accuracy a run printed, torchvision's
pure-Python modules (imported beside a CPU build of torch).

The oracle helpers (PyTorch comparison, finite differences, second order) are in
``oracle.py``."""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys
import types
from pathlib import Path

import pytest

__all__ = ["final_accuracy", "mpiexec", "torchvision_module"]


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


def torchvision_module(name: str):
    """A pure-Python module of torchvision (``"torchvision.ops.boxes"``), imported with the
    package ``__init__`` skipped where the plain import fails (torchvision's wheel beside a CPU
    build of torch cannot load its C++ ops); ``sys.modules`` is put back afterwards. Skips the
    test without torchvision."""
    if importlib.util.find_spec("torchvision") is None:
        pytest.skip("torchvision is not installed")

    def ours(k):
        return k == "torchvision" or k.startswith("torchvision.")

    saved = {k: v for k, v in sys.modules.items() if ours(k)}
    try:
        try:
            importlib.import_module("torchvision")
        except (RuntimeError, OSError, ImportError):
            for k in [k for k in sys.modules if ours(k)]:
                del sys.modules[k]
            stub = types.ModuleType("torchvision")
            stub.__path__ = list(importlib.util.find_spec("torchvision")
                                 .submodule_search_locations)
            stub._is_tracing = lambda: False  # what the skipped __init__ defines
            sys.modules["torchvision"] = stub
        return importlib.import_module(name)
    finally:
        for k in [k for k in sys.modules if ours(k)]:
            del sys.modules[k]
        sys.modules.update(saved)


def torch_half_conv_is_onednns(torch) -> bool:
    """Whether PyTorch runs its float16 convolutions through oneDNN on this CPU (x86 with
    AVX512-FP16 or AMX-FP16, e.g. an Intel Xeon of the Sapphire Rapids generation): that kernel
    reads no padding and sums in float32, which gradkit follows. Elsewhere (measured on an AMD
    EPYC) PyTorch falls back to im2col with zero padding (0 * NaN reaches the output) and
    float16 col2im sums, which gradkit does not follow. Probed on PyTorch itself: a NaN tap that
    meets only padding."""
    x = torch.ones(1, 1, 3, dtype=torch.float16)
    w = torch.tensor([[[float("nan"), 1.0]]], dtype=torch.float16)
    return not bool(torch.isnan(torch.nn.functional.conv1d(x, w, padding=1)[0, 0, 0]))


def skip_unless_torch_half_conv_is_onednns(torch) -> None:
    """Skip a test of PyTorch's oneDNN float16 convolution where PyTorch does not run it."""
    if not torch_half_conv_is_onednns(torch):
        pytest.skip("PyTorch's float16 convolution is not oneDNN's on this CPU "
                    "(see tests/helpers.py)")

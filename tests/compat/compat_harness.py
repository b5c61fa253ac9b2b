"""Run a corpus program under real PyTorch and under ``gradkit run``, and compare the outputs.

Each program in ``programs/`` prints what a user would look at (shapes, dtypes, losses,
accuracies). The two runs' stdout must agree: the same text once numbers are taken out (runs of
spaces collapsed; dtypes and grad_fn names compared as printed, ``torch.float32`` and
``MulBackward0`` alike), the same count of numbers, each within the program's tolerance.
A program's header may set
``# compat: rtol=R atol=A`` (default 1e-3 and 1e-5), ``# compat: exact`` (every line must equal
PyTorch's character for character: for programs whose output is the text users read, printed
tensors, reprs and formatted numbers), ``# compat: gradkit-only`` (judged on its own
asserts, for programs that need torchvision) or ``# compat: xfail (reason)``: a known difference,
expected to fail until it is fixed (strict: a pass is reported, so the mark is removed then).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\bnan\b|[-+]?\binf\b")


def programs() -> list[Path]:
    return sorted(PROGRAMS.glob("*.py"))


def options(path: Path) -> dict:
    opts = {"rtol": 1e-3, "atol": 1e-5, "gradkit_only": False, "xfail": None, "exact": False}
    for line in path.read_text().splitlines()[:15]:
        if line.startswith("# compat:"):
            for item in line[len("# compat:"):].split("(")[0].split():
                if item == "xfail":
                    opts["xfail"] = line.split("xfail", 1)[1].strip(" ()")
                elif item == "gradkit-only":
                    opts["gradkit_only"] = True
                elif item == "exact":
                    opts["exact"] = True
                else:
                    key, value = item.split("=")
                    opts[key] = float(value)
    return opts


def run(path: Path, under: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``under`` is "torch" (``python prog.py``) or "gradkit" (``python -m gradkit run``)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONHASHSEED="0", PYTHONPATH=str(ROOT))
    cmd = [sys.executable, str(path)] if under == "torch" else \
        [sys.executable, "-m", "gradkit", "run", str(path)]
    try:
        return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(cmd, -9, exc.stdout or "",
                                           f"timed out after {timeout} s")


def split(text: str) -> tuple[str, list[float]]:
    """(the text with every number replaced by '#', the numbers)."""
    numbers = [float(m.group()) for m in _NUMBER.finditer(text)]
    skeleton = " ".join(_NUMBER.sub("#", text).split())
    return skeleton, numbers


def differences(torch_out: str, gradkit_out: str, rtol: float, atol: float,
                exact: bool = False) -> list[str]:
    """What differs between the two outputs (empty when they agree); ``exact``: line for line."""
    t_lines, g_lines = torch_out.splitlines(), gradkit_out.splitlines()
    problems = []
    if len(t_lines) != len(g_lines):
        problems.append(f"{len(t_lines)} lines under torch, {len(g_lines)} under gradkit")
    for i, (t, g) in enumerate(zip(t_lines, g_lines)):
        if exact:
            if t != g:
                problems.append(f"line {i + 1} (exact): torch {t!r} / gradkit {g!r}")
            continue
        ts, tn = split(t)
        gs, gn = split(g)
        if ts != gs or len(tn) != len(gn):
            problems.append(f"line {i + 1}: torch {t!r} / gradkit {g!r}")
        elif tn and not np.allclose(gn, tn, rtol=rtol, atol=atol, equal_nan=True):
            problems.append(f"line {i + 1} numbers: torch {t!r} / gradkit {g!r}")
    return problems

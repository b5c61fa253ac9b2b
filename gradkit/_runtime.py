"""Process-wide settings and type information, as PyTorch's: threads, deterministic
algorithms, warn-always, ``finfo``/``iinfo``, ``typename``, ``can_cast``, ``is_nonzero``,
``get_device`` and ``gradkit.version``.

Threads: gradkit's kernels are NumPy's, whose matrix products run on the BLAS library's threads.
``set_num_threads(n)`` limits those through threadpoolctl when it is installed (the ``train``
extra) and is remembered either way (``get_num_threads``); without threadpoolctl the BLAS library
keeps the count it read at start-up (``OMP_NUM_THREADS``). ``use_deterministic_algorithms``
is recorded only: every gradkit kernel is deterministic already.
"""

from __future__ import annotations

import math
import os
import types

import numpy as np

from . import _dtype
from .torch_version import TorchVersion

__all__ = [
    "set_num_threads", "get_num_threads", "set_num_interop_threads", "get_num_interop_threads",
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled", "set_warn_always", "is_warn_always_enabled",
    "finfo", "iinfo", "typename", "can_cast", "is_nonzero", "get_device", "version",
]

_STATE = {"threads": None, "interop": None, "deterministic": False, "warn_only": False,
          "warn_always": False, "limiter": None}


def _default_threads() -> int:
    env = os.environ.get("OMP_NUM_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return os.cpu_count() or 1


def set_num_threads(num: int) -> None:
    """Use ``num`` threads for the BLAS library's matrix products (see the module docstring)."""
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)):
        raise TypeError(f"set_num_threads(): argument 'int' must be int, not {type(num).__name__}")
    if num <= 0:
        raise RuntimeError(f"set_num_threads(): the number of threads must be positive, got {num}")
    _STATE["threads"] = int(num)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # recorded only; the BLAS library keeps its count
        return
    try:
        _STATE["limiter"] = threadpool_limits(limits=int(num), user_api="blas")
    except Exception:  # noqa: BLE001 - no BLAS library to limit (e.g. Pyodide)
        pass


def get_num_threads() -> int:
    """The number of threads ``set_num_threads`` asked for (the BLAS library's default before)."""
    if _STATE["threads"] is not None:
        return _STATE["threads"]
    return _default_threads()


def set_num_interop_threads(num: int) -> None:
    """Recorded (gradkit runs ops one at a time: there is no inter-op pool)."""
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num <= 0:
        raise RuntimeError(f"set_num_interop_threads(): the number of threads must be a positive "
                           f"int, got {num!r}")
    if _STATE["interop"] is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has "
                           "started or set_num_interop_threads called")
    _STATE["interop"] = int(num)


def get_num_interop_threads() -> int:
    return _STATE["interop"] if _STATE["interop"] is not None else _default_threads()


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Recorded: gradkit's kernels are all deterministic (the same inputs give the same bits)."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): mode must be a bool, got "
                        f"{type(mode).__name__}")
    _STATE["deterministic"], _STATE["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _STATE["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _STATE["warn_only"]


def set_warn_always(b: bool) -> None:
    _STATE["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    return _STATE["warn_always"]


def _fmt(v) -> str:
    return f"{v:g}" if abs(v) < 1e16 or not math.isfinite(v) else f"{v:.6g}"


class finfo:
    """Machine limits of a floating dtype, as ``torch.finfo`` (Python floats; default: the
    default dtype)."""

    def __init__(self, type=None):  # noqa: A002 - PyTorch's argument name
        d = _dtype.get_default_dtype() if type is None else _dtype.to_dtype(type)
        if np.dtype(d).kind == "c":  # a complex dtype: its real part's limits, as PyTorch's
            d = _dtype.to_dtype(np.finfo(np.dtype(d)).dtype)
        if d.kind != "f":  # bfloat16 and the 8-bit floats (ml_dtypes', NumPy kind "V") included
            raise TypeError(f"finfo() requires a floating point input type, got {d!r}; use "
                            f"gradkit.iinfo for integer types")
        name = np.dtype(d).name
        if np.dtype(d).kind == "V":  # bfloat16, float8_*: ml_dtypes' types
            import ml_dtypes

            info = ml_dtypes.finfo(np.dtype(d))
        else:
            info = np.finfo(np.dtype(d))
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        # PyTorch's: an exact power of ten (1 for every 8-bit float, whose digits10 is 0)
        self.resolution = 1.0 if name.startswith("float8") else 10.0 ** -int(info.precision)
        self.dtype = name

    def __repr__(self):
        return (f"finfo(resolution={_fmt(self.resolution)}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")

    __str__ = __repr__


class iinfo:
    """Limits of an integer dtype, as ``torch.iinfo``."""

    def __init__(self, type):  # noqa: A002 - PyTorch's argument name
        d = np.dtype(_dtype.to_dtype(type))
        if d.kind not in "iub":
            raise TypeError(f"iinfo() requires an integer input type, got {type!r}; use "
                            f"gradkit.finfo for floating types")
        info = np.iinfo(np.uint8 if d.kind == "b" else d)
        self.bits, self.max, self.min, self.dtype = int(info.bits), int(info.max), \
            int(info.min), d.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

    __str__ = __repr__


def typename(obj) -> str:
    """``'torch.FloatTensor'`` for a float32 tensor (as ``x.type()``), else the Python type's
    qualified name."""
    from ._tensor.tensor import Tensor

    if isinstance(obj, Tensor):
        from .compat._api import type_name

        return type_name(obj)
    module = getattr(type(obj), "__module__", "builtins")
    name = type(obj).__qualname__
    return name if module in ("builtins", None) else f"{module}.{name}"


def can_cast(from_, to) -> bool:
    """Whether PyTorch's type promotion allows casting ``from_`` to ``to`` (float -> int and
    anything -> bool are refused)."""
    a, b = np.dtype(_dtype.to_dtype(from_)), np.dtype(_dtype.to_dtype(to))
    rank = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    return rank[a.kind] <= rank[b.kind]


def is_nonzero(input) -> bool:
    """The truth value of a one-element tensor (RuntimeError otherwise)."""
    if not hasattr(input, "_data") or not hasattr(input, "numel"):  # (not a Tensor)
        raise TypeError(f"is_nonzero(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def get_device(input) -> int:
    """``-1`` for a CPU tensor, the device index for a GPU one."""
    if not hasattr(input, "get_device") or isinstance(input, type):
        raise TypeError(f"get_device(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input.get_device()


version = types.ModuleType("gradkit.version", "PyTorch's torch.version: the library's version "
                                              "and the (absent) CUDA/HIP builds")
version.__version__ = TorchVersion("0.1.0")  # (gradkit.__version__; torch.__version__ under run)
version.cuda = None
version.hip = None
version.debug = False
version.git_version = "unknown"

import sys as _sys  # noqa: E402

_sys.modules.setdefault("gradkit.version", version)  # ``from torch.version import cuda``

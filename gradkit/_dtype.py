"""dtypes, the default floating dtype, and PyTorch's type-promotion rules.

gradkit's dtypes are NumPy dtype objects (``gradkit.float32 is numpy.dtype('float32')``), so they
compare equal to NumPy's and cost nothing to pass around. Promotion follows PyTorch, not NumPy:
a Python float never turns float32 into float64, and a 0-d tensor of the same category as a
dimensioned one does not widen it.
"""

from __future__ import annotations

import builtins

import numpy as np

_pyfloat, _pyint, _pybool = builtins.float, builtins.int, builtins.bool

__all__ = [
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
    "half", "float", "double", "short", "int", "long", "get_default_dtype", "set_default_dtype",
    "promote_types", "result_type", "is_floating_dtype", "to_dtype",
]

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001 - PyTorch's alias
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001

_FLOATING = (float16, float32, float64)
_default = [float32]


def get_default_dtype() -> np.dtype:
    """The dtype of floating tensors made from Python floats (float32 unless changed)."""
    return _default[0]


def set_default_dtype(dtype) -> None:
    """Set the default floating dtype (float16, float32 or float64), as in PyTorch."""
    d = to_dtype(dtype)
    if d not in _FLOATING:
        raise TypeError(
            f"set_default_dtype() only supports floating dtypes (float16, float32, float64), "
            f"got {d}"
        )
    _default[0] = d


def is_floating_dtype(dtype) -> bool:
    return dtype.kind == "f"


_NAMES = {
    "float16": float16, "half": float16, "float32": float32, "float": float32,
    "float64": float64, "double": float64, "int8": int8, "int16": int16, "short": int16,
    "int32": int32, "int": int32, "int64": int64, "long": int64, "uint8": uint8, "bool": bool,
}


def to_dtype(dtype) -> np.dtype:
    """Accept a gradkit/NumPy dtype, a dtype name, a Python type, or a ``torch.dtype``."""
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(dtype, str):
        name = dtype.replace("torch.", "")
        if name in _NAMES:
            return _NAMES[name]
        raise TypeError(f"unknown dtype {dtype!r}; use one of {sorted(_NAMES)}")
    if dtype is _pyint:
        return int64
    if dtype is _pybool:
        return bool
    if dtype is _pyfloat:
        return get_default_dtype()
    text = str(dtype)
    if text.startswith("torch."):
        return to_dtype(text)
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"expected a dtype such as gradkit.float32, got {dtype!r}") from None


def _category(dtype) -> _pyint:
    k = dtype.kind
    return 2 if k == "f" else (0 if k == "b" else 1)


def promote_types(a, b) -> np.dtype:
    """PyTorch's ``promote_types``: across categories (bool < integer < floating) the higher
    category's dtype wins as it is (int32 with float16 gives float16, unlike NumPy's float64);
    within a category, the smallest dtype that holds both."""
    a, b = to_dtype(a), to_dtype(b)
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def result_type(a_dtype, a_ndim, b_dtype, b_ndim) -> np.dtype:
    """PyTorch's promotion for two tensor operands: dimensioned tensors outrank 0-d ones
    unless the 0-d one is of a higher category (bool < integer < floating)."""
    if a_dtype == b_dtype:
        return a_dtype
    ca, cb = _category(a_dtype), _category(b_dtype)
    if (a_ndim == 0) == (b_ndim == 0):
        return promote_types(a_dtype, b_dtype)
    # exactly one is 0-d: it only counts when it is of a higher category
    if a_ndim == 0:
        return a_dtype if ca > cb else b_dtype
    return b_dtype if cb > ca else a_dtype


def scalar_result_dtype(tensor_dtype, scalar) -> np.dtype:
    """dtype of ``tensor op python_scalar``: the tensor's, unless the scalar is of a higher
    category (a float with an integer tensor gives the default dtype)."""
    k = tensor_dtype.kind
    if k == "f":
        return tensor_dtype
    t = type(scalar)
    if t is _pyfloat:
        return get_default_dtype()
    if k == "b" and t is _pyint:
        return int64
    return tensor_dtype


def operands_result_type(a, b) -> np.dtype:
    """``torch.result_type`` for two operands, each a Tensor (anything with ``dtype`` and
    ``ndim``) or a Python number (weaker than any tensor of the same category)."""
    a_num = isinstance(a, (_pybool, _pyint, _pyfloat))
    b_num = isinstance(b, (_pybool, _pyint, _pyfloat))
    if not a_num and not b_num:
        return result_type(np.dtype(a.dtype), a.ndim, np.dtype(b.dtype), b.ndim)
    if a_num and b_num:
        return _python_scalar_dtype(a) if _category(_python_scalar_dtype(a)) >= \
            _category(_python_scalar_dtype(b)) else _python_scalar_dtype(b)
    t, num = (b, a) if a_num else (a, b)
    return scalar_result_dtype(np.dtype(t.dtype), num)


def _python_scalar_dtype(x) -> np.dtype:
    if isinstance(x, _pybool):
        return bool
    return int64 if isinstance(x, _pyint) else get_default_dtype()

"""Argument checks shared by the ``gradkit.linalg`` modules (PyTorch's messages)."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor, as_tensor_arg, wrap
from ..functions import transpose
from ..functions._args import _const_like

_TORCH_DTYPE_NAMES = {
    np.dtype(np.int64): "Long", np.dtype(np.int32): "Int", np.dtype(np.int16): "Short",
    np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte", np.dtype(np.bool_): "Bool",
    np.dtype(np.float16): "Half", np.dtype(np.float32): "Float", np.dtype(np.float64): "Double",
}


def _t(x, name="A"):
    """``x`` as a Tensor; a nested list or tuple raises TypeError, as PyTorch's functions do."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)):
        raise TypeError(f"argument '{name}' must be Tensor, not {type(x).__name__}; make one "
                        f"first, e.g. gradkit.tensor({name})")
    return as_tensor_arg(x, name=name)


def _dtype_name(dtype):
    if getattr(dtype, "name", "") == "bfloat16":
        return "BFloat16"
    return _TORCH_DTYPE_NAMES.get(np.dtype(dtype), str(dtype))


def _not_implemented(name, kernel, x):
    return NotImplementedError(
        f'{name}: "{kernel}" not implemented for \'{_dtype_name(x.dtype)}\' (float32 and float64 '
        f"only; convert it with .float() or .double())")


def _low_precision(x):
    return x.dtype == _dtype.float16 or getattr(x.dtype, "name", "") == "bfloat16"


def _floating(x, name, what="input", *, kernel=None, half=None, low=False, cplx=False):
    """``x`` as a Tensor; raise like PyTorch unless it is float32 or float64.

    PyTorch raises in one of two places, with two types: a function that checks its input
    first raises RuntimeError (``Expected a floating point ... tensor``), one that goes
    straight to its CPU kernel raises NotImplementedError (``"lu_cpu" not implemented for
    'Long'``). ``kernel`` names the kernel of the second kind of function (every dtype but
    float32/float64 raises NotImplementedError); ``half`` that of a function which checks
    integer dtypes but lets float16 reach its kernel; ``low`` accepts float16 and bfloat16
    (a function with a kernel for them); ``cplx`` accepts complex64/complex128 (the functions
    whose complex rules gradkit has).
    """
    x = _t(x, what)
    if x.dtype.kind == "c":
        if cplx:
            return x
        from .._complex import complex_unsupported
        raise complex_unsupported(name)
    if kernel is not None and (x.dtype.kind != "f" or _low_precision(x)):
        raise _not_implemented(name, kernel, x)
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as {what}. Got "
            f"{_dtype_name(x.dtype)} (convert it with .float() or .double())")
    if _low_precision(x) and not low:
        if half is not None:
            raise _not_implemented(name, half, x)
        raise RuntimeError(
            f"{name}: Low precision dtypes not supported. Got {_dtype_name(x.dtype)} (convert "
            f"it with .float())")
    return x


def _matrices(x, name, arg="A"):
    if x.ndim < 2:
        raise RuntimeError(
            f"{name}: The input tensor {arg} must have at least 2 dimensions. Got shape "
            f"{tuple(x.shape)}.")


def _square(x, name, arg="A"):
    _matrices(x, name, arg)
    if x.shape[-1] != x.shape[-2]:
        raise RuntimeError(
            f"{name}: {arg} must be batches of square matrices, but they are {x.shape[-2]} by "
            f"{x.shape[-1]} matrices (shape {tuple(x.shape)})")


def _square_float(A, name, *, kernel=None, half=None, cplx=False):
    A = _floating(A, name, kernel=kernel, half=half, cplx=cplx)
    _square(A, name)
    return A


def _solve_operands(b, A, name, kernel, cplx=False):
    """The shared checks of triangular_solve and cholesky_solve (``b`` and the square ``A``):
    one dtype, a floating square ``A``, as many rows in each ``b`` as ``A`` has; returns A."""
    if b.dtype != A.dtype:
        raise RuntimeError(f"{name}: Expected b and A to have the same dtype, but found b of "
                           f"type {_dtype_name(b.dtype)} and A of type {_dtype_name(A.dtype)} "
                           f"instead.")
    A = _square_float(A, name, kernel=kernel, cplx=cplx)
    n = A.shape[-1]
    if b.shape[-2] != n:
        raise RuntimeError(f"{name}: Incompatible matrix sizes for {name}: each A matrix is {n} "
                           f"by {n} but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    return A


def _mT(x):
    return transpose(x, -1, -2)



def _eye_like(A):
    eye = np.eye(A.shape[-1], dtype=A.dtype)
    return wrap(_const_like(A, eye))


def _norm_dtype(x, dtype, name):
    """PyTorch's checks of a norm's ``dtype=`` against its (floating or complex) input ``x``:
    a floating or complex dtype, complex exactly for a complex input, and one the input's dtype
    converts to without narrowing (float64 into float32 is refused). Returns the dtype."""
    dt = _dtype.to_dtype(dtype)
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"{name}: dtype should be floating point or complex, but got "
                           f"{_dtype_name(dt)}")
    if bool(x.dtype.is_complex) != bool(dt.is_complex):
        kind = "complex" if x.dtype.is_complex else "real"
        raise RuntimeError(f"{name}: dtype should be {kind} for {kind} inputs, but got "
                           f"{_dtype_name(dt)}")
    if _dtype.promote_types(x.dtype, dt) is not dt:
        raise RuntimeError(f"{name}: the dtype of the input ({_dtype_name(x.dtype)}) should be "
                           f"convertible without narrowing to the specified dtype "
                           f"({_dtype_name(dt)}); pass dtype={x.dtype} or a wider one, or "
                           f"convert the input first")
    return dt

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
    return x if isinstance(x, Tensor) else as_tensor_arg(x, name=name)


def _dtype_name(dtype):
    return _TORCH_DTYPE_NAMES.get(np.dtype(dtype), str(dtype))


def _floating(x, name, what="input"):
    """``x`` as a Tensor; raise like PyTorch unless it is float32 or float64."""
    x = _t(x)
    kind = x.dtype.kind
    if kind != "f":
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as {what}. Got "
            f"{_dtype_name(x.dtype)} (convert it with .float() or .double())")
    if x.dtype == _dtype.float16:
        raise RuntimeError(
            f"{name}: Low precision dtypes not supported. Got Half (convert it with .float())")
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


def _square_float(A, name):
    A = _floating(A, name)
    _square(A, name)
    return A


def _mT(x):
    return transpose(x, -1, -2)



def _eye_like(A):
    eye = np.eye(A.shape[-1], dtype=A.dtype)
    return wrap(_const_like(A, eye))


def _tri_mask(A, upper, unitriangular):
    n = A.shape[-1]
    mask = np.triu(np.ones((n, n)), 1 if unitriangular else 0)
    if not upper:
        mask = mask.T
    mask = mask.astype(A.dtype)
    return wrap(_const_like(A, mask))

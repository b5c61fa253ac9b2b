"""lerp's argument checks and its dtype for a 0-d weight (PyTorch's order and promotion)."""

from __future__ import annotations

import builtins as _builtins

import numpy as np

from .. import _dtype
from .._tensor.tensor import Tensor
from ._args import _check_number, _not_implemented, _tensors_only

__all__ = ["_check_lerp", "_lerp_0d_weight_dtype"]


def _lerp_0d_weight_dtype(input, end, weight):
    """The dtype lerp computes in when ``weight`` is a 0-d tensor of another dtype, else None:
    PyTorch skips its dtype check for a 0-d weight and promotes it with ``input`` and ``end``
    as a 0-d operand (a float64 weight leaves float32 vectors float32, makes 0-d float32 or
    bool inputs float64; a complex one makes the result complex)."""
    if not (isinstance(weight, Tensor) and weight.ndim == 0 and isinstance(input, Tensor)
            and isinstance(end, Tensor)):
        return None
    di, dw = input._data.dtype, weight._data.dtype
    if di == dw:
        return None
    return _dtype.result_type(di, _builtins.max(input.ndim, end.ndim), dw, 0)


def _check_lerp(input, end, weight):
    _tensors_only("lerp", (1, "input", input), (2, "end", end))
    if not isinstance(weight, Tensor):  # (the parser's kinds before the dtypes, as PyTorch)
        _check_number(weight, "lerp", "weight")
    for name, v in (("end", end), ("weight", weight)):
        if name == "weight" and isinstance(v, Tensor) and v.ndim == 0:
            continue  # (a 0-d weight of another dtype is promoted with the inputs, as PyTorch)
        if isinstance(v, Tensor) and v.dtype != input.dtype:
            raise RuntimeError(f"lerp(): expected dtype {input.dtype} for `{name}` but got dtype "
                               f"{v.dtype}; convert it first, e.g. {name}.to(input.dtype)")
    rt = _lerp_0d_weight_dtype(input, end, weight)
    kind = input._data.dtype.kind if rt is None else np.dtype(rt).kind
    if kind not in "fcV":
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        _not_implemented(kernel, input if rt is None else input.to(rt),
                         "lerp() takes floating tensors: convert with .float()")
    return rt

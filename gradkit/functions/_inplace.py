"""Writing an op's result into an existing tensor: the in-place faces' write (``write_inplace``),
the input they compute from (``inplace_input``) and PyTorch's casting rule for both in-place and
``out=`` writes (``_check_cast``)."""

from __future__ import annotations

import numpy as np

from .._tensor.record import check_inference_write, write_error
from .._tensor.record import inplace as _record_inplace
from .._tensor.tensor import Tensor, _make
from ..autograd import grad_mode
from ..autograd.graph import FORWARD, INPLACE_NODES, rename
from ..ops.memory import COPY_FROM

__all__ = ["inplace_input", "write_inplace"]


def _dtype_name(dt) -> str:
    return {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool", "c": "ComplexFloat"}.get(
        np.dtype(dt).kind, str(dt))


def _can_cast(src, dst) -> bool:
    """PyTorch's ``canCast``: no floating into integral, no non-bool into bool."""
    src, dst = np.dtype(src).kind, np.dtype(dst).kind
    if src == "f" and dst in "iub":
        return False
    if src in "iuf" and dst == "b":
        return False
    return not (src == "c" and dst != "c")


def _check_cast(res, dst_dtype, name):
    if not _can_cast(res.dtype, dst_dtype):
        raise RuntimeError(
            f"{name}: result type {_dtype_name(res.dtype)} can't be cast to the desired output "
            f"type {_dtype_name(dst_dtype)} (the result is {res.dtype}, the output {dst_dtype}); "
            f"convert the tensor first, e.g. x.float()"
        )


def write_inplace(self, res, name):
    """Write the out-of-place result ``res`` of op ``name`` into ``self`` (the generated in-place
    face): same shape required, dtype cast as PyTorch allows, graph recorded when needed."""
    if not isinstance(res, Tensor):
        raise TypeError(f"{name}: the op returned {type(res).__name__}, not a Tensor")
    check_inference_write(self, name)
    if res.shape != self.shape:
        raise RuntimeError(
            f"{name}: output with shape {tuple(self.shape)} doesn't match the broadcast shape "
            f"{tuple(res.shape)}"
        )
    node = res.grad_fn  # PyTorch's in-place op shows the op's node (``SinBackward0``)
    if res.dtype != self.dtype:
        _check_cast(res, self.dtype, name)
        res = res.to(self.dtype)
    if res.requires_grad or self.requires_grad or FORWARD[0] is not None:
        _record_inplace(self, COPY_FROM, res, name=name)
        if node is not None and self._grad_fn is not None and self._grad_fn.op is COPY_FROM:
            name = type(node).__name__
            rename(self, INPLACE_NODES.get(name, name))
        return self
    data = res._data
    if type(data) is not type(self._data):
        raise RuntimeError(f"{name}: expected the result on {self.device}, got {res.device}")
    try:
        self._data[...] = data
    except ValueError:
        err = write_error(self, name)
        if err is None:
            raise
        raise err from None
    self._vc[0] += 1
    return self


def inplace_input(self, others):
    """What a generated in-place face computes its result from: ``self`` itself, or, while
    autograd records the op, a copy of ``self``'s values on ``self``'s history. The result is
    written into ``self`` afterwards, so a backward rule that reads the input (``x.sin_()``'s
    cosine, ``clamp_min_``'s mask, the other operand's gradient of ``atan2_``) must read the
    values from before the write, as PyTorch's in-place ops keep the original ``self``; reading
    ``self`` itself failed the version check at backward ("modified by an inplace operation")."""
    if not grad_mode.STATE[0] or FORWARD[0] is not None or not isinstance(self, Tensor):
        return self
    if not self.requires_grad:
        if not any(isinstance(o, Tensor) and o.requires_grad for o in others):
            return self
    elif self._grad_fn is None:
        return self  # a leaf that requires grad: the write below refuses it, as PyTorch
    return _make(self._data.copy(), self.requires_grad, self._grad_fn)

"""Linear maps and padding: ``linear``, ``bilinear``, ``pad``."""

from __future__ import annotations

import numpy as _np

from ... import functions as _F
from ..._tensor import Tensor, apply, as_tensor_arg
from ...amp._state import CPU as _AUTOCAST
from ...amp._state import lower as _ac_lower
from ...functions._args import _tensors_only
from ...ops import linear as LI

__all__ = ["bilinear", "linear"]


def _same_dtype(x: Tensor, w: Tensor, name: str) -> Tensor:
    if x._data.dtype != w._data.dtype:  # (an integer input too, as PyTorch)
        raise RuntimeError(
            f"{name}: mat1 and mat2 must have the same dtype, but got {x.dtype} and {w.dtype}"
        )
    return x


_BOOL = _np.dtype(bool)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` as one fused node (one matmul plus bias).

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` or None.

    Returns:
        ``(*, out_features)``.
    """
    if not isinstance(input, Tensor):
        input = as_tensor_arg(input, name="input")
    _tensors_only("linear", (2, "weight", weight), (3, "bias", bias),  # (PyTorch's TypeError)
                  optional=("bias",))
    if _AUTOCAST[0]:  # autocast("cpu") region: bfloat16 inputs, float32 accumulation
        input, weight, bias = _ac_lower(input, weight, bias)
    w = weight._data
    if w.ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                           f"{tuple(w.shape)}")
    xs = input._data.shape
    if not xs or xs[-1] != w.shape[1]:
        raise RuntimeError(
            f"linear: input's last dimension must equal in_features={w.shape[1]}, but got input "
            f"of shape {tuple(xs)} (mat1 and mat2 shapes cannot be multiplied)"
        )
    if input._data.dtype != w.dtype:
        input = _same_dtype(input, weight, "linear")
    if w.dtype is _BOOL:  # (PyTorch's product kernel has none for bool)
        raise NotImplementedError("linear: \"addmm_impl_cpu_\" not implemented for 'Bool'; "
                                  "convert the tensors first, e.g. .float()")
    if bias is None:
        return apply(LI.LINEAR, (input, weight))
    bs = bias._data.shape
    if bs != (w.shape[0],):  # PyTorch adds a bias that broadcasts to the output (0-D, (1, out))
        # (a 1-D input is computed as one row: its bias broadcasts to (1, out_features))
        target = (1, w.shape[0]) if len(xs) == 1 else xs[:-1] + (w.shape[0],)
        if len(bs) > len(target) or any(b not in (1, t) for b, t in zip(bs[::-1], target[::-1])):
            raise RuntimeError(
                f"linear: the bias of shape {tuple(bs)} does not broadcast to the output's shape "
                f"{target}; pass a bias of shape ({w.shape[0]},)")
    if bias._data.dtype != w.dtype:
        raise RuntimeError(f"linear: self and mat2 must have the same dtype, but got "
                           f"{bias.dtype} (the bias) and {weight.dtype}; convert the bias")
    if bs != (w.shape[0],):
        out = apply(LI.LINEAR, (input, weight)) + bias
        return out.reshape(w.shape[0]) if len(xs) == 1 else out
    return apply(LI.LINEAR, (input, weight, bias))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y_k = x1^T A_k x2 + b_k``.

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)``.
        weight: ``(out_features, in1_features, in2_features)``.
        bias: ``(out_features,)`` or None.
    """
    _tensors_only("bilinear", (1, "input1", input1), (2, "input2", input2), (3, "weight", weight),
                  (4, "bias", bias), optional=("bias",))
    dts = (input1.dtype, input2.dtype, weight.dtype) + ((bias.dtype,) if bias is not None else ())
    if len(set(dts)) != 1:
        raise RuntimeError(f"bilinear(): All tensors must have the same dtype, got input1: "
                           f"{input1.dtype}, input2: {input2.dtype}, weight: {weight.dtype}"
                           + (f", bias: {bias.dtype}" if bias is not None else ""))
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim} (shapes {tuple(input1.shape)} and "
                           f"{tuple(input2.shape)})")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")

    def size(t, d, what):  # ATen's size(d), with its IndexError for a missing dimension
        if t.ndim == 0:
            raise IndexError(f"bilinear(): Dimension specified as {d} but tensor has no "
                             f"dimensions ({what} is 0-D)")
        if not -t.ndim <= d < t.ndim:
            raise IndexError(f"bilinear(): Dimension out of range (expected to be in range of "
                             f"[{-t.ndim}, {t.ndim - 1}], but got {d}) ({what} of shape "
                             f"{tuple(t.shape)})")
        return t.shape[d]

    for k, (t, what) in enumerate(((input1, "input1"), (input2, "input2"))):
        got, want = size(t, -1, what), size(weight, k + 1, "weight")
        if got != want:
            raise RuntimeError(f"bilinear(): {what} size does not match weight size: got {got} "
                               f"but expected {want} (weight of shape {tuple(weight.shape)})")
    if bias is not None and size(bias, 0, "bias") != size(weight, 0, "weight"):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[0]} but expected {weight.shape[0]}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional (out, in1, in2), got "
                           f"shape {tuple(weight.shape)}")
    # PyTorch's order (_trilinear): input1 with the weight first, then input2 (an inf meets
    # the same zeros as there)
    # (each step one product-sum: in float16/bfloat16 it rounds once, as PyTorch's bmm)
    t = _F.einsum("...i,oij->...oj", input1, weight)
    out = _F.einsum("...oj,...j->...o", t, input2)
    if bias is not None:
        out = out + bias
    return out

"""Linear maps and padding: ``linear``, ``bilinear``, ``pad``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ... import _functions as _F
from ...ops import nn_misc as M
from ...tensor import Tensor, apply, as_tensor_arg

__all__ = ["bilinear", "linear", "pad"]


def _same_dtype(x: Tensor, w: Tensor, name: str) -> Tensor:
    if x._data.dtype != w._data.dtype:
        if x._data.dtype.kind != "f":
            return x.to(w.dtype)
        raise RuntimeError(
            f"{name}: mat1 and mat2 must have the same dtype, but got {x.dtype} and {w.dtype}"
        )
    return x


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
    if bias is None:
        return apply(M.LINEAR, (input, weight))
    if bias._data.shape != (w.shape[0],) and bias._data.size != w.shape[0]:
        raise RuntimeError(
            f"linear: bias must have shape ({w.shape[0]},), got {tuple(bias.shape)}"
        )
    return apply(M.LINEAR, (input, weight, bias))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y_k = x1^T A_k x2 + b_k``.

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)``.
        weight: ``(out_features, in1_features, in2_features)``.
        bias: ``(out_features,)`` or None.
    """
    if input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear: expected input1's last dimension to be {weight.shape[1]} and input2's "
            f"{weight.shape[2]}, got shapes {tuple(input1.shape)} and {tuple(input2.shape)}"
        )
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(
            f"bilinear: input1 and input2 must have the same leading dimensions, got "
            f"{tuple(input1.shape)} and {tuple(input2.shape)}"
        )
    out = _F.einsum("...i,oij,...j->...o", input1, weight, input2)
    if bias is not None:
        out = out + bias
    return out


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dimensions: ``pad = (left, right, top, bottom, ...)``,
    starting from the last dimension.

    Args:
        input: the tensor.
        pad: pairs of (before, after) amounts, last dimension first. Negative amounts crop.
        mode: ``'constant'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        value: fill value for ``'constant'`` (default 0).

    Example:
        >>> F.pad(gradkit.ones(2, 3), (1, 1)).shape
        gradkit.Size([2, 5])
    """
    x = input if isinstance(input, Tensor) else as_tensor_arg(input)
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise ValueError(f"pad: padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > x.ndim:
        raise ValueError(
            f"pad: padding length {len(pad)} is too large for a {x.ndim}-D input (at most "
            f"{2 * x.ndim})"
        )
    if mode not in ("constant", *_PAD_MODES):
        raise NotImplementedError(
            f"pad: mode {mode!r} is not supported; use 'constant', 'reflect', 'replicate' or "
            f"'circular'"
        )
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    fill = 0 if value is None else value
    for k in range(len(pad) // 2):
        d = x.ndim - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        if lo < 0 or hi < 0:  # crop first
            n = x.shape[d]
            x = _F.narrow(x, d, max(-lo, 0), n - max(-lo, 0) - max(-hi, 0))
            lo, hi = max(lo, 0), max(hi, 0)
        if not lo and not hi:
            continue
        n = x.shape[d]
        if mode == "constant":
            parts = []
            shape = list(x.shape)
            if lo:
                shape[d] = lo
                parts.append(_full(shape, fill, x))
            parts.append(x)
            if hi:
                shape[d] = hi
                parts.append(_full(shape, fill, x))
            x = _F.cat(parts, d)
        else:
            if mode == "reflect" and (lo >= n or hi >= n):
                raise ValueError(
                    f"pad: padding size should be less than the corresponding input dimension "
                    f"for reflect mode, but got padding ({lo}, {hi}) at dimension {d} of input "
                    f"{tuple(input.shape)}"
                )
            idx = np.pad(np.arange(n), (lo, hi), mode=_PAD_MODES[mode])
            x = _F.index_select(x, d, idx)
    return x


def _full(shape, value, like):
    from ..._backend import namespace_of
    from ...tensor import wrap

    return wrap(namespace_of(like._data).full(shape, value, dtype=like._data.dtype))

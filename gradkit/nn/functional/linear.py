"""Linear maps and padding: ``linear``, ``bilinear``, ``pad``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ... import functions as _F
from ...ops import nn_misc as M
from ...ops import vision as V
from ..._tensor import Tensor, apply, apply1, as_tensor_arg

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
        input: the tensor (for the non-constant modes, the ``k`` padded dimensions plus one or
            two leading ones: ``(C, *)`` or ``(N, C, *)``).
        pad: pairs of (before, after) amounts, last dimension first. Negative amounts crop:
            ``'constant'`` and ``'circular'`` crop first, ``'reflect'`` and ``'replicate'``
            pad about the input's own edges, then crop (as PyTorch).
        mode: ``'constant'``, ``'reflect'`` (each amount below the size), ``'replicate'`` or
            ``'circular'`` (each amount at most the size: it wraps around once).
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
    if mode != "constant" and x.ndim not in (len(pad) // 2 + 1, len(pad) // 2 + 2):
        k = len(pad) // 2
        raise ValueError(
            f"pad: mode {mode!r} with {len(pad)} padding values pads the last {k} dimension(s) "
            f"of an input with {k + 1} or {k + 2} dimensions (batch and channel first), got a "
            f"{x.ndim}-D input of shape {tuple(x.shape)}"
        )
    if mode in ("reflect", "replicate") and pad:
        out = [x.shape[-1 - k] + pad[2 * k] + pad[2 * k + 1] for k in range(len(pad) // 2)]
        if max(out) < 1:
            raise ValueError(
                f"pad: padding {tuple(pad)} in {mode} mode leaves no element of input "
                f"{tuple(x.shape)} (output sizes {tuple(reversed(out))} of the padded dimensions)"
            )
    fill = 0 if value is None else value
    for k in range(len(pad) // 2):
        d = x.ndim - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        if not lo and not hi:
            continue
        n = x.shape[d]
        crop_first = mode in ("constant", "circular")  # reflect/replicate: pad, then crop
        if n + lo + hi < 0 or (crop_first and max(-lo, 0) + max(-hi, 0) > n):
            raise ValueError(
                f"pad: padding ({lo}, {hi}) crops dimension {d} (size {n}) of input "
                f"{tuple(input.shape)} below zero size"
            )
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ValueError(
                f"pad: padding size should be less than the corresponding input dimension "
                f"for reflect mode, but got padding ({lo}, {hi}) at dimension {d} of input "
                f"{tuple(input.shape)}"
            )
        if crop_first and (lo < 0 or hi < 0):
            start, stop = max(-lo, 0), n - max(-hi, 0)
            x = _F.narrow(x, d, start, stop - start)
            n, lo, hi = stop - start, max(lo, 0), max(hi, 0)
            if not lo and not hi:
                continue
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
            continue
        if mode == "circular" and (lo > n or hi > n):
            raise ValueError(
                f"pad: padding ({pad[2 * k]}, {pad[2 * k + 1]}) in circular mode wraps around "
                f"dimension {d} of input {tuple(input.shape)} more than once; use at most {n} "
                f"(after cropping)"
            )
        if n == 0:
            raise ValueError(
                f"pad: mode {mode!r} cannot pad dimension {d} of input {tuple(input.shape)}: "
                f"it is empty"
            )
        # reflect/replicate pad about the input's own edges, then crop (as torch); one gather
        # along the axis whose backward (RESAMPLE_T) sums repeated sources over sorted runs,
        # not with np.add.at as index_select's would
        idx = np.pad(np.arange(n), (max(lo, 0), max(hi, 0)), mode=_PAD_MODES[mode])
        idx = idx[max(-lo, 0): idx.size - max(-hi, 0)]
        x = apply1(V.RESAMPLE, x, (d, n, (idx,), None))
    return x


def _full(shape, value, like):
    from ..._backend import namespace_of
    from ..._tensor import wrap

    return wrap(namespace_of(like._data).full(shape, value, dtype=like._data.dtype))

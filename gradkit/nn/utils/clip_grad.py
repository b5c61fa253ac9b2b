"""Gradient clipping: ``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm``,
``clip_grads_with_norm_``."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor, wrap
from ..._warnings import warn

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm"]


def _as_list(parameters) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _no_sparse(arrays, op: str) -> None:
    """PyTorch 2.13 has no sparse kernel for the norm/clamp these functions use."""
    for a in arrays:
        if getattr(type(a), "_is_sparse_coo", False):
            raise NotImplementedError(
                f"Could not run '{op}' with arguments from the 'SparseCPU' backend: a sparse "
                f"COO gradient (nn.Embedding(sparse=True)) cannot be clipped by "
                f"clip_grad_norm_/clip_grad_value_/get_total_norm, as in PyTorch; convert it "
                f"first (p.grad = p.grad.to_dense()) or use clip_grads_with_norm_ with a norm "
                f"computed from p.grad.coalesce().values()")


def _norm_of(arr, norm_type: float) -> float:
    if type(arr) is not np.ndarray:  # a device array: reduce on the host (one transfer each)
        arr = arr.get()
    if norm_type == math.inf:
        return float(np.abs(arr).max()) if arr.size else 0.0
    if norm_type == -math.inf:
        return float(np.abs(arr).min()) if arr.size else math.inf
    if norm_type == 2.0:
        flat = arr.reshape(-1).astype(np.float64, copy=False)
        return math.sqrt(float(np.dot(flat, flat)))
    if norm_type == 1.0:
        return float(np.abs(arr).sum(dtype=np.float64))
    return float((np.abs(arr.astype(np.float64)) ** norm_type).sum()) ** (1.0 / norm_type)


def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The norm of all ``tensors`` together (as if concatenated into one vector)."""
    norm_type = float(norm_type)
    arrays = [t._data for t in _as_list(tensors)]
    dtype = arrays[0].dtype if arrays else np.float32
    if not arrays:
        return wrap(np.asarray(0.0, dtype=np.float32))
    try:
        norms = [_norm_of(a, norm_type) for a in arrays]
    except RuntimeError:  # a sparse gradient has no dense storage to read
        _no_sparse(arrays, "aten::linalg_vector_norm")
        raise
    if norm_type == math.inf:
        total = max(norms)
    elif norm_type == -math.inf:
        total = min(norms)
    else:
        total = sum(n ** norm_type for n in norms) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            f"by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    out = np.asarray(total, dtype=dtype)
    if type(arrays[0]) is not np.ndarray:  # report the norm on the gradients' device
        from ...device import _to_namespace_of

        out = _to_namespace_of(out, arrays[0])
    return wrap(out)


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale the gradients of ``parameters`` in place so their total norm is at most
    ``max_norm``.

    Args:
        parameters: tensors (or one tensor) whose ``.grad`` is clipped; those without a
            gradient are skipped.
        max_norm: the largest allowed total norm.
        norm_type: the p of the norm (``inf`` for the max norm). Default: 2.
        error_if_nonfinite: raise when the total norm is nan or inf.
        foreach: accepted for compatibility.

    Returns:
        The total norm of the gradients before clipping (a 0-d Tensor).

    Examples:
        >>> loss.backward()
        >>> gradkit.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if not grads:
        return total
    _scale_grads(grads, max_norm, total)
    return total


def _scale_grads(grads, max_norm, total_norm) -> None:
    coef = float(max_norm) / (float(total_norm) + 1e-6)
    if coef < 1.0:
        for g in grads:
            g._data *= coef
            g._vc[0] += 1


def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                          total_norm, foreach=None) -> None:
    """Scale the gradients of ``parameters`` by ``max_norm / (total_norm + 1e-6)`` when that is
    below 1: the second half of :func:`clip_grad_norm_`, for a ``total_norm`` computed apart
    (with :func:`get_total_norm`, or reduced across processes)."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if grads:
        _scale_grads(grads, max_norm, total_norm.item() if isinstance(total_norm, Tensor)
                     else total_norm)


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                   foreach=None) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_`."""
    warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
         "`torch.nn.utils.clip_grad_norm_`.", FutureWarning)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float,
                     foreach=None) -> None:
    """Clamp every gradient element of ``parameters`` into ``[-clip_value, clip_value]`` in
    place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            d = p.grad._data
            if type(d) is not np.ndarray:
                _no_sparse([d], "aten::clamp_")
            d.clip(-clip_value, clip_value, out=d)
            p.grad._vc[0] += 1

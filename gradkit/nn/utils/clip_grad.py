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


def _grouped(tensors) -> list:
    """``tensors`` in PyTorch's order: grouped by (device, dtype) in order of appearance."""
    groups: dict = {}
    for t in tensors:
        groups.setdefault((str(t.device), t.dtype), []).append(t)
    return [t for group in groups.values() for t in group]


def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The norm of all ``tensors`` together (as if concatenated into one vector): as PyTorch,
    the ``norm_type``-norm of their norms, each in its own dtype (so the same bits)."""
    from ... import no_grad, stack
    from ...linalg import vector_norm

    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return wrap(np.asarray(0.0, dtype=np.float32))
    _no_sparse([t._data for t in tensors], "aten::linalg_vector_norm")
    first = tensors[0].device
    with no_grad():
        norms = [vector_norm(t, norm_type).to(first) for t in _grouped(tensors)]
        total = vector_norm(stack(norms), norm_type)
    if error_if_nonfinite and not math.isfinite(float(total.item())):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            f"by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return total


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
    """Each gradient times ``min(max_norm / (total_norm + 1e-6), 1)``, computed as PyTorch
    computes it (a tensor of the norm's dtype, the division as ``reciprocal() * max_norm``)."""
    from ... import clamp, no_grad, tensor

    if not isinstance(total_norm, Tensor):
        total_norm = tensor(float(total_norm))
    with no_grad():
        coef = clamp(float(max_norm) / (total_norm + 1e-6), max=1.0)
        if float(coef.item()) >= 1.0:  # (times one changes nothing: no write, no version)
            return
        for g in grads:
            g.mul_(coef.to(g.device))


def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                          total_norm, foreach=None) -> None:
    """Scale the gradients of ``parameters`` by ``max_norm / (total_norm + 1e-6)`` when that is
    below 1: the second half of :func:`clip_grad_norm_`, for a ``total_norm`` computed apart
    (with :func:`get_total_norm`, or reduced across processes)."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if grads:
        _scale_grads(grads, max_norm, total_norm)


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

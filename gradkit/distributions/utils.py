"""Helpers shared by the distributions (torch.distributions.utils)."""

from __future__ import annotations

import functools
import numbers

import numpy as np

from .. import _dtype

__all__ = [
    "broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs", "lazy_property",
    "tril_matrix_to_vec", "vec_to_tril_matrix", "euler_constant",
]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def _tensor_cls():
    from .._tensor import Tensor

    return Tensor


def broadcast_shapes(*shapes):
    from .._tensor import Size

    try:
        return Size(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError:
        raise RuntimeError(
            "shape mismatch: objects cannot be broadcast to a single shape; got shapes "
            + ", ".join(str(tuple(s)) for s in shapes)
        ) from None


def broadcast_all(*values):
    """Broadcast numbers and Tensors to one shape; numbers become Tensors of the dtype of the
    first Tensor argument (default dtype when there is none), as torch's ``broadcast_all``."""
    from .. import tensor

    Tensor = _tensor_cls()
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError(
            "Input arguments must all be instances of numbers.Number or Tensor; got "
            + ", ".join(type(v).__name__ for v in values)
        )
    if not all(isinstance(v, Tensor) for v in values):
        dtype = _dtype.get_default_dtype()
        for v in values:
            if isinstance(v, Tensor):
                dtype = v.dtype
                break
        values = [v if isinstance(v, Tensor) else tensor(v, dtype=dtype) for v in values]
    shape = broadcast_shapes(*[v.shape for v in values])
    return tuple(v if tuple(v.shape) == tuple(shape) else v.expand(shape) for v in values)


def _standard_normal(shape, dtype, device=None):
    """Standard normal draws of ``shape``; PyTorch's private helper, which libraries call
    directly with ``device=`` (GPyTorch's base samples)."""
    from .. import randn

    return randn(tuple(shape), dtype=dtype, device=device)


def _sum_rightmost(value, dim):
    """Sum out the ``dim`` many rightmost dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[: value.dim() - dim]) + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    from ..nn import functional as F

    if is_binary:
        return logits.sigmoid()
    return F.softmax(logits, dim=-1)


def _finfo(dtype):
    return np.finfo(np.dtype(dtype))


def clamp_probs(probs):
    eps = float(_finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return ps_clamped.log() - (-ps_clamped).log1p()
    return ps_clamped.log()


class lazy_property:
    """A property computed on first access and cached in the instance (as torch's): accessed
    on the class it returns itself, so ``arg_constraints`` can list it."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        from ..autograd.grad_mode import enable_grad

        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def tril_matrix_to_vec(mat, diag=0):
    n = mat.shape[-1]
    if not -n <= diag < n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = np.tril_indices(n, k=diag)
    return mat[..., rows.tolist(), cols.tolist()] if len(rows) else mat.reshape(
        tuple(mat.shape[:-2]) + (0,))


def vec_to_tril_matrix(vec, diag=0):
    from .. import zeros

    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1))
         ** 0.5) / 2
    eps = float(_finfo(vec.dtype).eps)
    if round(n) - n > eps:
        raise ValueError(
            f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as "
            "the lower triangular part of a square D x D matrix."
        )
    n = int(round(n))
    rows, cols = np.tril_indices(n, k=diag)
    flat = np.ravel_multi_index((rows, cols), (n, n))
    out = zeros(tuple(vec.shape[:-1]) + (n * n,), dtype=vec.dtype)
    from .. import tensor

    idx = tensor(flat.astype(np.int64))
    out = out.index_add(-1, idx, vec) if vec.shape[-1] else out
    return out.reshape(tuple(vec.shape[:-1]) + (n, n))


def _diag_embed(x):
    """A batch of diagonal matrices with ``x`` on the diagonal (torch.diag_embed)."""
    from .. import eye

    n = x.shape[-1]
    return x.unsqueeze(-1) * eye(n, dtype=x.dtype)


def _batch_mv(bmat, bvec):
    return (bmat @ bvec.unsqueeze(-1)).squeeze(-1)


def _to_numpy(t):
    return t.detach().numpy()

"""SparseAdam: Adam for sparse gradients (``nn.Embedding(sparse=True)``), as
``torch.optim.SparseAdam``: only the rows present in a step's gradient update their moments and
parameter values."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._backend import namespace_of
from .._tensor import Tensor
from ._runner import _zeros_like
from .optimizer import Optimizer, _lr

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    r"""A masked Adam for sparse COO gradients, as ``torch.optim.SparseAdam``.

    Each step coalesces the gradient :math:`g` (one entry per row present) and updates, on
    those rows only:

    .. math::
        m \leftarrow m + (1 - \beta_1)(g - m),\quad v \leftarrow v + (1 - \beta_2)(g^2 - v),
        \quad \theta \leftarrow \theta - \gamma \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
        \frac{m}{\sqrt{v} + \epsilon}

    ``t`` counts the steps in which the parameter had a gradient (an empty sparse gradient
    counts a step and changes nothing, as PyTorch's).

    Args:
        params: parameters (dense tensors) or parameter groups to optimize.
        lr: learning rate. Default: 1e-3.
        betas: running-average coefficients. Default: (0.9, 0.999).
        eps: term added to the denominator. Default: 1e-8.
        maximize: maximize the objective. Default: False.

    Raises:
        ValueError: for a sparse or complex parameter, or an invalid ``lr``/``eps``/``betas``.
        RuntimeError: in ``step`` for a dense gradient (use :class:`Adam` for those).

    Examples:
        >>> emb = gradkit.nn.Embedding(10_000, 64, sparse=True)
        >>> opt = gradkit.optim.SparseAdam(emb.parameters(), lr=1e-2)
    """

    # "step" is a Python int in PyTorch's SparseAdam state (not a 0-d tensor)
    _SCALAR_STATE = ()

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)
        sparse_params = []
        complex_params = []
        for i, group in enumerate(self.param_groups):
            for j, p in enumerate(group["params"]):
                if p.is_sparse:
                    sparse_params.append([i, j])
                if getattr(p.dtype, "is_complex", False):
                    complex_params.append([i, j])
        if sparse_params:
            raise ValueError(f"Sparse params at indices {sparse_params}: SparseAdam requires "
                             f"dense parameter tensors")
        if complex_params:
            raise ValueError(f"Complex params at indices {complex_params}: SparseAdam does not "
                             f"support complex parameters")

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure: re-evaluates the model and returns the loss (optional).

        Returns:
            The closure's loss, or None.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            todo = []
            for p in group["params"]:
                if p.grad is None:
                    continue
                if not p.grad.is_sparse:
                    raise RuntimeError("SparseAdam does not support dense gradients, please "
                                       "consider Adam instead")
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["exp_avg"] = _zeros_like(p)
                    st["exp_avg_sq"] = _zeros_like(p)
                st["step"] += 1
                todo.append((p, st))
            beta1, beta2 = group["betas"]
            lr, eps, maximize = _lr(group), group["eps"], group.get("maximize", False)
            for p, st in todo:
                _sparse_adam(p, st, lr, beta1, beta2, eps, maximize)
        return loss


def _sparse_adam(p, st, lr, beta1, beta2, eps, maximize) -> None:
    """PyTorch's ``_functional.sparse_adam`` for one parameter, op for op (the same roundings)."""
    arr = p._data
    g = p.grad._data
    if g.dtype != arr.dtype:
        g = g.astype(arr.dtype)
    if maximize:
        g = -g
    g = g.coalesce()  # the update is non-linear: one entry per row
    values = g.values
    if values.size == 0:
        return
    rows = tuple(g.indices)
    exp_avg = st["exp_avg"]._data
    exp_avg_sq = st["exp_avg_sq"]._data
    old_m = exp_avg[rows]
    upd_m = values - old_m
    upd_m *= 1 - beta1
    exp_avg[rows] += upd_m
    old_v = exp_avg_sq[rows]
    upd_v = values * values
    upd_v -= old_v
    upd_v *= 1 - beta2
    exp_avg_sq[rows] += upd_v
    numer = upd_m + old_m
    upd_v += old_v
    denom = namespace_of(upd_v).sqrt(upd_v)
    denom += eps
    step = st["step"]
    step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
    numer /= denom
    arr[rows] += numer * np.asarray(-step_size, dtype=arr.dtype)
    st["exp_avg"]._vc[0] += 1
    st["exp_avg_sq"]._vc[0] += 1
    p._vc[0] += 1

"""Adafactor: Adam-like steps whose second moment of a matrix is kept as a row and a column
factor (memory in rows + columns instead of rows x columns)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._backend import namespace_of
from .._tensor import Tensor, wrap
from ._runner import _bump, _grad_array
from .optimizer import Optimizer, _lr, _scalar_tensor

__all__ = ["Adafactor"]


def _norm(xp, a) -> float:
    """The 2-norm of array ``a`` as a Python float."""
    return float(xp.sqrt(xp.sum(a * a)))


def _mean_sq(xp, g, axis):
    """``(g * g).mean(axis)`` with PyTorch's rounding (the norm along ``axis``, squared)."""
    n = g.shape[axis]
    r = xp.sqrt(xp.sum(g * g, axis=axis, keepdims=True))
    r *= r
    r /= n
    return r


def _lerp(xp, m, end, weight):
    """``m`` moves to ``end`` by ``weight`` in place, with PyTorch's ``lerp_`` rounding."""
    d = end - m
    if weight < 0.5:
        d *= weight
        m += d
    else:
        d *= 1 - weight
        xp.subtract(end, d, out=m)


class Adafactor(Optimizer):
    r"""Adafactor, as ``torch.optim.Adafactor``.

    .. math::
        \hat\beta_{2,t} = 1 - t^{\tau},\quad \rho_t = \min(\gamma, 1/\sqrt t),\quad
        \alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1}))\rho_t

    Matrices (and tensors of more dimensions, factored over their last two) keep running means
    of the squared gradient's rows :math:`R_t` and columns :math:`C_t`, whose outer product over
    the mean of :math:`R_t` estimates the second moment; vectors and scalars keep it whole.
    The update :math:`U_t = G_t / \sqrt{\max(\hat V_t, \epsilon_1^2)}` is scaled down to an
    RMS of at most ``d``, and :math:`\theta_t = \theta_{t-1}(1 - \gamma\lambda)
    - \alpha_t U_t / \max(1, \mathrm{RMS}(U_t)/d)`.

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate :math:`\gamma` (an upper bound of :math:`\rho_t`). Default: 1e-2.
        beta2_decay: the decay exponent :math:`\tau` of the second moment (<= 0). Default: -0.8.
        eps: ``(eps1, eps2)``: the floor of the second moment (None: the parameter dtype's
            machine epsilon) and of the parameter RMS. Default: (None, 1e-3).
        d: clipping threshold of the update's RMS (>= 1). Default: 1.0.
        weight_decay: decoupled weight decay :math:`\lambda`. Default: 0.0.
        foreach: accepted for PyTorch compatibility.
        maximize: maximize the objective. Default: False.

    State per parameter: ``"step"``, and ``"row_var"``/``"col_var"`` (more than one dimension)
    or ``"variance"``, in PyTorch's layout.

    Examples:
        >>> opt = gradkit.optim.Adafactor(model.parameters(), lr=1e-2)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2,
                 beta2_decay: float = -0.8, eps: tuple[float | None, float] = (None, 1e-3),
                 d: float = 1.0, weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        if isinstance(lr, Tensor):
            if lr._data.size != 1:
                raise ValueError("Tensor lr must be 1-element")
            lr = float(lr._data)
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= group["beta2_decay"]:
            raise ValueError(f"beta2_decay should be <= 0 but is: {group['beta2_decay']}")
        eps = group["eps"]
        if not (isinstance(eps, (tuple, list)) and len(eps) == 2):
            raise ValueError(f"Invalid eps: {eps!r} (expected a pair (eps1 or None, eps2))")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= group["d"]:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {group['d']}")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"weight_decay should be >= 0 but is: {group['weight_decay']}")

    def _init_state(self, st: dict, p: Tensor) -> None:
        arr = p._data
        xp = namespace_of(arr)
        st["step"] = _scalar_tensor(0.0)
        if arr.ndim > 1:
            row = list(arr.shape)
            row[-1] = 1
            st["row_var"] = wrap(xp.zeros(tuple(row), dtype=arr.dtype))
            col = list(arr.shape)
            col[-2] = 1
            st["col_var"] = wrap(xp.zeros(tuple(col), dtype=arr.dtype))
        else:
            st["variance"] = wrap(xp.zeros(arr.shape, dtype=arr.dtype))

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one optimization step.

        Args:
            closure: re-evaluates the model and returns the loss (optional).

        Returns:
            The closure's loss, or None.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _lr(group)
            eps1, eps2 = group["eps"]
            d, wd = group["d"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("Adafactor does not support sparse gradients")
                st = self.state[p]
                if not st:
                    self._init_state(st, p)
                arr = p._data
                xp = namespace_of(arr)
                g = _grad_array(p)
                if group["maximize"]:
                    g = -g
                if eps1 is None:
                    # as PyTorch: the first parameter's dtype sets eps1 for the whole group
                    eps1 = float(np.finfo(arr.dtype).eps)
                step = _bump(st, "step")
                p._vc[0] += 1
                if arr.size == 0:
                    continue
                one_minus_beta2 = step ** group["beta2_decay"]
                rho = min(lr, 1 / step ** 0.5)
                alpha = max(eps2, _norm(xp, arr) / arr.size ** 0.5) * rho
                if wd != 0:
                    arr *= 1 - lr * wd
                if g.ndim > 1:
                    row_var, col_var = st["row_var"]._data, st["col_var"]._data
                    _lerp(xp, row_var, _mean_sq(xp, g, -1), one_minus_beta2)
                    _lerp(xp, col_var, _mean_sq(xp, g, -2), one_minus_beta2)
                    var = xp.matmul(row_var, col_var)
                    var /= xp.maximum(xp.mean(row_var, axis=-2, keepdims=True), eps1)
                else:
                    variance = st["variance"]._data
                    _lerp(xp, variance, g * g, one_minus_beta2)
                    var = variance.copy()
                xp.maximum(var, eps1 * eps1, out=var)
                update = xp.sqrt(var, out=var)
                update = xp.divide(g, update, out=update)
                denom = max(1.0, _norm(xp, update) / (update.size ** 0.5 * d))
                update *= -alpha / denom
                arr += update
        return loss

"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._kernels import Hyperparameters, _effective_grad, _ema_sq_
from ._runner import _KernelOptimizer
from .optimizer import _lr

__all__ = ["Adadelta"]


class _AdadeltaHyper(Hyperparameters):
    """What one Adadelta kernel call needs, for one group (Python numbers)."""

    __slots__ = ("lr", "rho", "eps", "weight_decay", "maximize")

    def __init__(self, *, lr, rho, eps, weight_decay, maximize) -> None:
        self.lr = lr
        self.rho = rho
        self.eps = eps
        self.weight_decay = weight_decay
        self.maximize = maximize


def _adadelta_kernel(xp, p, g, v, acc, tg, t1, t2, hp: _AdadeltaHyper):
    """One Adadelta update in place."""
    g = _effective_grad(xp, p, g, tg, t1, hp.weight_decay, hp.maximize)
    _ema_sq_(xp, v, g, hp.rho, t1)
    xp.add(v, hp.eps, out=t2)
    xp.sqrt(t2, out=t2)
    xp.add(acc, hp.eps, out=t1)
    xp.sqrt(t1, out=t1)
    t1 /= t2
    t1 *= g                      # t1 = delta
    _ema_sq_(xp, acc, t1, hp.rho, t2)
    t1 *= -hp.lr
    p += t1


class Adadelta(_KernelOptimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``.

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2,\quad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t,\quad
        u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2,\quad \theta_t = \theta_{t-1} - \gamma\Delta_t

    Args:
        params: parameters or parameter groups to optimize.
        lr: coefficient of the update. Default: 1.0.
        rho: running-average coefficient. Default: 0.9.
        eps: term added inside the square roots. Default: 1e-6.
        weight_decay: L2 penalty. Default: 0.
        maximize: maximize the objective. Default: False.
        foreach, capturable, differentiable: accepted for PyTorch compatibility.
    """

    _kernel = staticmethod(_adadelta_kernel)
    _n_scratch = 3
    _state_arrays = ("square_avg", "acc_delta")

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _validate_group(self, group):
        super()._validate_group(group)
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: {group['rho']}")

    def _group_args(self, group):
        return _AdadeltaHyper(lr=_lr(group), rho=group["rho"], eps=group["eps"],
                              weight_decay=group["weight_decay"], maximize=group["maximize"])

    def _param_args(self, p, group, hp):
        st, _ = self._step_state(p, group)
        return (st["square_avg"]._data, st["acc_delta"]._data), hp

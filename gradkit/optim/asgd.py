"""ASGD: averaged stochastic gradient descent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .._tensor import Tensor
from ._kernels import Hyperparameters, _effective_grad
from ._runner import _KernelOptimizer, _scalar, _set_scalar
from .optimizer import _lr, _scalar_dtype, _scalar_tensor

__all__ = ["ASGD"]


class _ASGDHyper(Hyperparameters):
    """What one ASGD kernel call needs, for one parameter: ``eta`` and ``mu`` are that
    parameter's current step size and averaging weight (per-parameter state)."""

    __slots__ = ("eta", "mu", "lambd", "weight_decay", "maximize")

    def __init__(self, *, eta, mu, lambd, weight_decay, maximize) -> None:
        self.eta = eta
        self.mu = mu
        self.lambd = lambd
        self.weight_decay = weight_decay
        self.maximize = maximize


def _asgd_kernel(xp, p, g, ax, tg, t1, hp: _ASGDHyper):
    """One ASGD update in place: ``p = p * (1 - lambd * eta) - eta * g``, then the average
    ``ax`` moves to ``p`` by ``mu`` (is set to ``p`` while ``mu == 1``)."""
    g = _effective_grad(xp, p, g, tg, t1, hp.weight_decay, hp.maximize)
    p *= 1 - hp.lambd * hp.eta
    xp.multiply(g, -hp.eta, out=t1)
    p += t1
    if hp.mu != 1:
        xp.subtract(p, ax, out=t1)
        t1 *= hp.mu
        ax += t1
    else:
        xp.copyto(ax, p)


def _round_scalar(value: float) -> float:
    """``value`` rounded as PyTorch stores it in a 0-d state tensor of the scalar dtype."""
    return float(np.array(value, dtype=_scalar_dtype()))


class ASGD(_KernelOptimizer):
    r"""Averaged stochastic gradient descent, as ``torch.optim.ASGD``.

    .. math::
        \theta_t = \theta_{t-1}(1 - \lambda\eta_t) - \eta_t g_t,\quad
        \bar\theta_t = \bar\theta_{t-1} + \mu_t(\theta_t - \bar\theta_{t-1}),\quad
        \eta_{t+1} = \frac{\gamma}{(1 + \lambda\gamma t)^\alpha},\quad
        \mu_{t+1} = \frac{1}{\max(1, t - t_0)}

    The average :math:`\bar\theta` is kept in the state as ``"ax"``.

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-2.
        lambd: decay term. Default: 1e-4.
        alpha: power for the ``eta`` update. Default: 0.75.
        t0: the step from which averaging starts. Default: 1e6.
        weight_decay: L2 penalty. Default: 0.
        maximize: maximize the objective. Default: False.
        foreach, differentiable, capturable: accepted for PyTorch compatibility.

    As in PyTorch, ``eta`` and ``mu`` are per-parameter state kept in the scalar dtype
    (float32 unless the default dtype is float64) and saved as 0-d tensors.

    Examples:
        >>> opt = gradkit.optim.ASGD(model.parameters(), lr=0.01, t0=100)
    """

    _kernel = staticmethod(_asgd_kernel)
    _n_scratch = 2
    _state_arrays = ("ax",)
    _SCALAR_STATE = ("step", "eta", "mu")

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, st, p, group):
        st["step"] = _scalar_tensor(0.0)  # first, as in PyTorch's state layout
        st["eta"] = _scalar_tensor(_lr(group))
        st["mu"] = _scalar_tensor(1.0)
        super()._init_state(st, p, group)

    def _group_args(self, group):
        return group, _lr(group)

    def _param_args(self, p, group, args):
        group, lr = args
        st, step = self._step_state(p, group)
        lambd = group["lambd"]
        hp = _ASGDHyper(eta=_scalar(st["eta"]), mu=_scalar(st["mu"]), lambd=lambd,
                        weight_decay=group["weight_decay"], maximize=group["maximize"])
        # the next step's values (the kernel above uses this step's)
        _set_scalar(st, "eta", _round_scalar(lr / ((1 + lambd * lr * step) ** group["alpha"])))
        _set_scalar(st, "mu", _round_scalar(1 / max(1, step - group["t0"])))
        return (st["ax"]._data,), hp

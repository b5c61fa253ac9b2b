"""RAdam: Adam with a rectified (variance-corrected) adaptive learning rate."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ._kernels import Hyperparameters, _effective_grad, _ema_sq_, _lerp_
from ._runner import _KernelOptimizer
from .optimizer import _lr

__all__ = ["RAdam"]


class _RAdamHyper(Hyperparameters):
    """What one RAdam kernel call needs, for one group and step count (Python numbers):
    ``bias_correction1``/``2`` are ``1 - beta1^t`` and ``1 - beta2^t``, ``rect`` the
    rectification (None while the variance is not tractable)."""

    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "decoupled", "maximize",
                 "bias_correction1", "bias_correction2", "rect")

    def __init__(self, *, lr, beta1, beta2, eps, weight_decay, decoupled, maximize,
                 bias_correction1, bias_correction2, rect) -> None:
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.decoupled = decoupled
        self.maximize = maximize
        self.bias_correction1 = bias_correction1
        self.bias_correction2 = bias_correction2
        self.rect = rect


def _radam_kernel(xp, p, g, m, v, tg, t1, t2, hp: _RAdamHyper):
    """One RAdam update in place (``hp.rect`` is None while the variance is not tractable)."""
    lr = hp.lr
    g = _effective_grad(xp, p, g, tg, t1, hp.weight_decay, hp.maximize,
                        lr if hp.decoupled else None)
    _lerp_(xp, m, g, 1 - hp.beta1, t1)
    _ema_sq_(xp, v, g, hp.beta2, t1)
    xp.divide(m, hp.bias_correction1, out=t1)
    t1 *= lr
    if hp.rect is not None:
        xp.sqrt(v, out=t2)
        t2 += hp.eps
        xp.divide(math.sqrt(hp.bias_correction2), t2, out=t2)
        t1 *= t2
        t1 *= hp.rect
    p -= t1


class RAdam(_KernelOptimizer):
    r"""RAdam, as ``torch.optim.RAdam``.

    With :math:`\rho_\infty = 2/(1-\beta_2) - 1` and
    :math:`\rho_t = \rho_\infty - 2t\beta_2^t/(1-\beta_2^t)`, the step is Adam's with the
    rectification :math:`r_t` when :math:`\rho_t > 5`, and plain momentum SGD otherwise.

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-3.
        betas: running-average coefficients. Default: (0.9, 0.999).
        eps: term added to the denominator. Default: 1e-8.
        weight_decay: weight decay. Default: 0.
        decoupled_weight_decay: AdamW-style decay. Default: False.
        maximize: maximize the objective. Default: False.
        foreach, capturable, differentiable: accepted for PyTorch compatibility.
    """

    _kernel = staticmethod(_radam_kernel)
    _n_scratch = 3
    _state_arrays = ("exp_avg", "exp_avg_sq")

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _group_args(self, group):
        """The group's options, and the cache of its records by step count."""
        return group, _lr(group), tuple(float(b) for b in group["betas"]), {}

    @staticmethod
    def _hyper(step, group, lr, beta1, beta2) -> _RAdamHyper:
        rho_inf = 2 / (1 - beta2) - 1
        bc1 = 1 - beta1 ** step
        bc2 = 1 - beta2 ** step
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
        rect = None
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        return _RAdamHyper(lr=lr, beta1=beta1, beta2=beta2, eps=group["eps"],
                           weight_decay=group["weight_decay"],
                           decoupled=group["decoupled_weight_decay"], maximize=group["maximize"],
                           bias_correction1=bc1, bias_correction2=bc2, rect=rect)

    def _param_args(self, p, group, args):
        group, lr, (beta1, beta2), records = args
        st, step = self._step_state(p, group)
        hp = records.get(step)
        if hp is None:
            hp = records[step] = self._hyper(step, group, lr, beta1, beta2)
        return (st["exp_avg"]._data, st["exp_avg_sq"]._data), hp

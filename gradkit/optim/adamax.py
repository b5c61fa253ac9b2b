"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._kernels import Hyperparameters, _effective_grad, _lerp_
from ._runner import _KernelOptimizer
from .optimizer import _lr

__all__ = ["Adamax"]


class _AdamaxHyper(Hyperparameters):
    """What one Adamax kernel call needs, for one group and step count (Python numbers):
    ``clr`` is the bias-corrected learning rate of this step."""

    __slots__ = ("beta1", "beta2", "eps", "weight_decay", "maximize", "clr")

    def __init__(self, *, beta1, beta2, eps, weight_decay, maximize, clr) -> None:
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.maximize = maximize
        self.clr = clr


def _adamax_kernel(xp, p, g, m, u, tg, t1, hp: _AdamaxHyper):
    """One Adamax update in place: ``u = max(beta2 * u, |g| + eps); p -= clr * m / u``."""
    g = _effective_grad(xp, p, g, tg, t1, hp.weight_decay, hp.maximize)
    _lerp_(xp, m, g, 1 - hp.beta1, t1)
    u *= hp.beta2
    xp.abs(g, out=t1)
    t1 += hp.eps
    xp.maximum(u, t1, out=u)
    xp.multiply(m, -hp.clr, out=t1)
    t1 /= u
    p += t1


class Adamax(_KernelOptimizer):
    r"""Adamax, as ``torch.optim.Adamax``.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon),\quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\frac{m_t}{u_t}

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 2e-3.
        betas: running-average coefficients. Default: (0.9, 0.999).
        eps: term added to ``|g|``. Default: 1e-8.
        weight_decay: L2 penalty. Default: 0.
        maximize: maximize the objective. Default: False.
        foreach, differentiable, capturable: accepted for PyTorch compatibility.
    """

    _kernel = staticmethod(_adamax_kernel)
    _n_scratch = 2
    _state_arrays = ("exp_avg", "exp_inf")

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _group_args(self, group):
        """The group's options, and the cache of its records by step count."""
        return group, _lr(group), tuple(float(b) for b in group["betas"]), {}

    def _param_args(self, p, group, args):
        group, lr, (beta1, beta2), records = args
        st, step = self._step_state(p, group)
        hp = records.get(step)
        if hp is None:
            hp = records[step] = _AdamaxHyper(
                beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                maximize=group["maximize"], clr=lr / (1 - beta1 ** step))
        return (st["exp_avg"]._data, st["exp_inf"]._data), hp

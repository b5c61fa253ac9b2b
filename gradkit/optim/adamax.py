"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .optimizer import (
    Optimizer,
    _effective_grad,
    _grad_array,
    _lerp_,
    _lr,
    _validate_common,
    _zeros_like,
)

__all__ = ["Adamax"]


def _adamax_kernel(xp, p, g, m, u, tg, t1, beta1, beta2, eps, weight_decay, maximize, clr):
    """One Adamax update in place: ``u = max(beta2 * u, |g| + eps); p -= clr * m / u``."""
    g = _effective_grad(xp, p, g, tg, t1, weight_decay, maximize)
    _lerp_(xp, m, g, 1 - beta1, t1)
    u *= beta2
    xp.abs(g, out=t1)
    t1 += eps
    xp.maximum(u, t1, out=u)
    xp.multiply(m, -clr, out=t1)
    t1 /= u
    p += t1


class Adamax(Optimizer):
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

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _validate_common(group)

    def step(self, closure=None):
        """Perform one optimization step; returns the closure's loss (or None)."""
        loss = self._eval_closure(closure)
        tasks = []
        state = self.state
        for group in self.param_groups:
            lr = _lr(group)
            beta1, beta2 = (float(b) for b in group["betas"])
            rest = (beta1, beta2, group["eps"], group["weight_decay"], group["maximize"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = _grad_array(p)
                st = state[p]
                if not st:
                    st["step"] = 0.0
                    st["exp_avg"] = _zeros_like(p)
                    st["exp_inf"] = _zeros_like(p)
                step = st["step"] = st["step"] + 1
                clr = lr / (1 - beta1 ** step)
                tasks.append((_adamax_kernel, p._data,
                              (g, st["exp_avg"]._data, st["exp_inf"]._data), (*rest, clr)))
                p._vc[0] += 1
        self._run(tasks, 2)
        return loss

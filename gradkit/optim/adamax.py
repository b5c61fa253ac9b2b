"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._kernels import _effective_grad, _lerp_
from ._runner import _KernelOptimizer
from .optimizer import _lr

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
        beta1, beta2 = (float(b) for b in group["betas"])
        return _lr(group), (beta1, beta2, group["eps"], group["weight_decay"], group["maximize"])

    def _param_args(self, p, group, args):
        lr, rest = args
        st, step = self._step_state(p, group)
        clr = lr / (1 - rest[0] ** step)
        return (st["exp_avg"]._data, st["exp_inf"]._data), (*rest, clr)

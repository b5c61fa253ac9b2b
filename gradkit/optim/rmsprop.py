"""RMSprop, optionally centered and with momentum."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._kernels import Hyperparameters, _effective_grad, _ema_sq_, _lerp_
from ._runner import _KernelOptimizer, _zeros_like
from .optimizer import _lr

__all__ = ["RMSprop"]


class _RMSpropHyper(Hyperparameters):
    """What one RMSprop kernel call needs, for one group (Python numbers)."""

    __slots__ = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")

    def __init__(self, *, lr, alpha, eps, weight_decay, momentum, centered, maximize) -> None:
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.centered = centered
        self.maximize = maximize


def _rmsprop_kernel(xp, p, g, v, gavg, buf, tg, t1, t2, hp: _RMSpropHyper):
    """One RMSprop update in place (``gavg``/``buf`` are used only when centered/momentum)."""
    g = _effective_grad(xp, p, g, tg, t1, hp.weight_decay, hp.maximize)
    _ema_sq_(xp, v, g, hp.alpha, t1)
    if hp.centered:
        _lerp_(xp, gavg, g, 1 - hp.alpha, t1)
        xp.multiply(gavg, gavg, out=t2)
        xp.subtract(v, t2, out=t2)
        xp.sqrt(t2, out=t2)
    else:
        xp.sqrt(v, out=t2)
    t2 += hp.eps
    if hp.momentum > 0:
        xp.divide(g, t2, out=t1)
        buf *= hp.momentum
        buf += t1
        xp.multiply(buf, -hp.lr, out=t1)
    else:
        xp.multiply(g, -hp.lr, out=t1)
        t1 /= t2
    p += t1


class RMSprop(_KernelOptimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``.

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad
        \theta_t = \theta_{t-1} - \gamma \frac{g_t}{\sqrt{v_t - \bar g_t^2 \text{ (centered)}}
        + \epsilon}

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-2.
        alpha: smoothing constant. Default: 0.99.
        eps: term added to the denominator. Default: 1e-8.
        weight_decay: L2 penalty. Default: 0.
        momentum: momentum factor. Default: 0.
        centered: normalize by the estimated variance of the gradient. Default: False.
        maximize: maximize the objective. Default: False.
        capturable, foreach, differentiable: accepted for PyTorch compatibility.

    Examples:
        >>> opt = gradkit.optim.RMSprop(model.parameters(), lr=1e-3, momentum=0.9)
    """

    _kernel = staticmethod(_rmsprop_kernel)
    _n_scratch = 3
    _state_arrays = ("square_avg",)

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "capturable": capturable,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _validate_group(self, group):
        super()._validate_group(group)
        if not 0.0 <= group["momentum"]:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if not 0.0 <= group["alpha"]:
            raise ValueError(f"Invalid alpha value: {group['alpha']}")

    def _init_state(self, st, p, group):
        super()._init_state(st, p, group)
        if group["momentum"] > 0:
            st["momentum_buffer"] = _zeros_like(p)
        if group["centered"]:
            st["grad_avg"] = _zeros_like(p)

    def _group_args(self, group):
        return _RMSpropHyper(lr=_lr(group), alpha=group["alpha"], eps=group["eps"],
                             weight_decay=group["weight_decay"], momentum=group["momentum"],
                             centered=group["centered"], maximize=group["maximize"])

    def _param_args(self, p, group, hp):
        st, _ = self._step_state(p, group)
        v = st["square_avg"]._data
        gavg = st["grad_avg"]._data if group["centered"] else v
        buf = st["momentum_buffer"]._data if group["momentum"] > 0 else v
        return (v, gavg, buf), hp

"""Adam and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._kernels import _constants
from ._runner import _KernelOptimizer, _zeros_like
from .optimizer import _lr

__all__ = ["Adam", "AdamW"]


def _adam_kernel(xp, p, g, m, v, vmax, tg, t1, t2, consts, amsgrad, maximize, decoupled,
                 has_weight_decay, lerp_high, neg_scaled_step, eps_scaled):
    """One Adam/AdamW update of ``p`` in place (``vmax`` only used with ``amsgrad``).

    ``consts`` holds the per-group constants in ``p``'s dtype:
    ``(1 - beta1, beta1, beta2, 1 - beta2, eps, weight_decay, 1 - lr * weight_decay)``.
    Ufuncs get their ``out`` positionally (cheaper on small parameters).
    """
    w1, w1c, beta2, w2, eps, weight_decay, decay = consts
    if maximize:
        xp.negative(g, tg)
        g = tg
    if has_weight_decay:
        if decoupled:
            xp.multiply(p, decay, p)
        else:
            xp.multiply(p, weight_decay, t1)
            xp.add(g, t1, tg)
            g = tg
    xp.subtract(g, m, t1)                   # m.lerp_(g, 1 - beta1), PyTorch's two branches
    if lerp_high:
        xp.multiply(t1, w1c, t1)
        xp.subtract(g, t1, m)
    else:
        xp.multiply(t1, w1, t1)
        xp.add(m, t1, m)
    xp.multiply(v, beta2, v)                # v = beta2 * v + ((1 - beta2) * g) * g
    xp.multiply(g, w2, t1)
    xp.multiply(t1, g, t1)
    xp.add(v, t1, v)
    if amsgrad:
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    # PyTorch: denom = sqrt(v) / sqrt(1 - beta2^t) + eps; p.addcdiv_(m, denom, -step_size).
    # Here denom is scaled by sqrt(1 - beta2^t) and step_size with it, which saves a pass: the
    # same value up to float rounding (every step within a few ulps of torch's, see the tests).
    xp.sqrt(v, t2)
    xp.add(t2, eps_scaled, t2)
    xp.divide(m, t2, t1)
    xp.multiply(t1, neg_scaled_step, t1)
    xp.add(p, t1, p)


def _adam_blas_kernel(blas, p, g, m, v, vmax, tg, t1, t2, consts, amsgrad, maximize, decoupled,
                      has_weight_decay, lerp_high, neg_scaled_step, eps_scaled):
    """``_adam_kernel`` with BLAS on flat contiguous chunks (``blas`` is an ``optimizer.Blas``):
    seven passes, as PyTorch's seven kernels, instead of twelve. Each moment is one ``axpby``
    (``m = beta1 m + (1 - beta1) g``, PyTorch's ``lerp`` rearranged; ``v = beta2 v + (1 - beta2)
    g^2``) and the last update one ``axpy``: the same values up to rounding, every step within
    a few ulps of PyTorch's (see the tests). ``grad.add(p, alpha=weight_decay)`` is one fused
    multiply-add, rounded as PyTorch's."""
    w1, w1c, beta2, w2, eps, weight_decay, decay = consts
    if neg_scaled_step == 0 or beta2 == 0 or w1c == 0:
        # BLAS skips a zero multiple outright; ufuncs give 0 * inf = nan, as PyTorch does.
        return _adam_kernel(np, p, g, m, v, vmax, tg, t1, t2, consts, amsgrad, maximize,
                            decoupled, has_weight_decay, lerp_high, neg_scaled_step, eps_scaled)
    if maximize:
        np.negative(g, tg)
        g = tg
    if has_weight_decay:
        if decoupled:
            np.multiply(p, decay, p)
        else:
            if g is not tg:
                np.copyto(tg, g)
                g = tg
            blas.axpy(weight_decay, p, g)
    blas.axpby(w1, g, w1c, m)               # m = (1 - beta1) g + beta1 m
    np.multiply(g, g, t1)                   # v = (1 - beta2) g^2 + beta2 v
    blas.axpby(w2, t1, beta2, v)
    if amsgrad:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    np.sqrt(v, t2)                          # as _adam_kernel, the last multiply-add fused
    np.add(t2, eps_scaled, t2)
    np.divide(m, t2, t1)
    blas.axpy(neg_scaled_step, t1, p)


class Adam(_KernelOptimizer):
    r"""Adam, as ``torch.optim.Adam``.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
        \quad \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}
        \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-3.
        betas: coefficients of the running averages of the gradient and its square.
            Default: (0.9, 0.999).
        eps: term added to the denominator. Default: 1e-8.
        weight_decay: L2 penalty (added to the gradient; decoupled when
            ``decoupled_weight_decay``). Default: 0.
        amsgrad: use the AMSGrad variant (the maximum of past second moments). Default: False.
        maximize: maximize the objective. Default: False.
        decoupled_weight_decay: shrink the parameters by ``lr * weight_decay`` instead of adding
            to the gradient (AdamW). Default: False.
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility.

    Example:
        >>> opt = gradkit.optim.Adam(model.parameters(), lr=1e-3)
    """

    _kernel = staticmethod(_adam_kernel)
    _blas_kernel = staticmethod(_adam_blas_kernel)
    _n_scratch = 3
    _state_arrays = ("exp_avg", "exp_avg_sq")

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _init_state(self, st, p, group):
        super()._init_state(st, p, group)
        if group["amsgrad"]:
            st["max_exp_avg_sq"] = _zeros_like(p)

    def _group_args(self, group):
        lr = _lr(group)
        beta1, beta2 = (float(b) for b in group["betas"])
        wd = group["weight_decay"]
        flags = (group["amsgrad"], group["maximize"], group.get("decoupled_weight_decay", False),
                 wd != 0, 1 - beta1 >= 0.5)
        values = (1 - beta1, 1 - (1 - beta1), beta2, 1 - beta2, group["eps"], wd, 1 - lr * wd)
        return lr, beta1, beta2, flags, values, {}

    def _param_args(self, p, group, args):
        lr, beta1, beta2, flags, values, consts = args
        arr = p._data
        st, step = self._step_state(p, group)
        v = st["exp_avg_sq"]._data
        vmax = st["max_exp_avg_sq"]._data if flags[0] else v
        c = consts.get(arr.dtype)       # the group's constants in each parameter dtype
        if c is None:
            c = consts[arr.dtype] = _constants(arr, *values)
        bc2_sqrt = math.sqrt(1 - beta2 ** step)
        per_step = _constants(arr, -(lr / (1 - beta1 ** step)) * bc2_sqrt, group["eps"] * bc2_sqrt)
        return (st["exp_avg"]._data, v, vmax), (c, *flags, *per_step)


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    Each step first shrinks the parameters, :math:`\theta \leftarrow \theta(1 - \gamma\lambda)`,
    then applies the Adam update without weight decay in the gradient.

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-3.
        betas: running-average coefficients. Default: (0.9, 0.999).
        eps: term added to the denominator. Default: 1e-8.
        weight_decay: decoupled weight decay :math:`\lambda`. Default: 1e-2.
        amsgrad: use the AMSGrad variant. Default: False.
        maximize: maximize the objective. Default: False.
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility.

    Example:
        >>> opt = gradkit.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

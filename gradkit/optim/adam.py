"""Adam and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from . import _flat
from ._kernels import Hyperparameters, _constants
from ._runner import _KernelOptimizer, _zeros_like
from .optimizer import _lr

__all__ = ["Adam", "AdamW"]


class _AdamHyper(Hyperparameters):
    """What one Adam/AdamW kernel call needs, for one group, parameter dtype and step count.

    The numbers are 0-d arrays of the parameter's dtype (``_constants``): ``lerp_weight``
    (``1 - beta1``), ``lerp_keep`` (``1 - lerp_weight``, as PyTorch's ``lerp`` computes it),
    ``beta2``, ``one_minus_beta2``, ``eps``, ``weight_decay``, ``decay`` (``1 - lr *
    weight_decay``, AdamW's shrink), ``neg_scaled_step`` and ``eps_scaled`` (the step size and
    ``eps`` scaled by ``sqrt(1 - beta2^t)``, see ``_adam_kernel``). The flags: ``amsgrad``,
    ``maximize``, ``decoupled`` (AdamW's decay), ``has_weight_decay``, ``lerp_high`` (PyTorch's
    ``lerp`` branch for weights from 0.5).
    """

    __slots__ = ("amsgrad", "maximize", "decoupled", "has_weight_decay", "lerp_high",
                 "lerp_weight", "lerp_keep", "beta2", "one_minus_beta2", "eps", "weight_decay",
                 "decay", "neg_scaled_step", "eps_scaled")

    def __init__(self, *, amsgrad, maximize, decoupled, has_weight_decay, lerp_high, lerp_weight,
                 lerp_keep, beta2, one_minus_beta2, eps, weight_decay, decay, neg_scaled_step,
                 eps_scaled) -> None:
        self.amsgrad = amsgrad
        self.maximize = maximize
        self.decoupled = decoupled
        self.has_weight_decay = has_weight_decay
        self.lerp_high = lerp_high
        self.lerp_weight = lerp_weight
        self.lerp_keep = lerp_keep
        self.beta2 = beta2
        self.one_minus_beta2 = one_minus_beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.decay = decay
        self.neg_scaled_step = neg_scaled_step
        self.eps_scaled = eps_scaled


def _adam_kernel(xp, p, g, m, v, vmax, tg, t1, t2, hp: _AdamHyper):
    """One Adam/AdamW update of ``p`` in place (``vmax`` only used with ``hp.amsgrad``).

    Ufuncs get their ``out`` positionally (cheaper on small parameters).
    """
    if hp.maximize:
        xp.negative(g, tg)
        g = tg
    if hp.has_weight_decay:
        if hp.decoupled:
            xp.multiply(p, hp.decay, p)
        else:
            xp.multiply(p, hp.weight_decay, t1)
            xp.add(g, t1, tg)
            g = tg
    xp.subtract(g, m, t1)                   # m.lerp_(g, 1 - beta1), PyTorch's two branches
    if hp.lerp_high:
        xp.multiply(t1, hp.lerp_keep, t1)
        xp.subtract(g, t1, m)
    else:
        xp.multiply(t1, hp.lerp_weight, t1)
        xp.add(m, t1, m)
    xp.multiply(v, hp.beta2, v)             # v = beta2 * v + ((1 - beta2) * g) * g
    xp.multiply(g, hp.one_minus_beta2, t1)
    xp.multiply(t1, g, t1)
    xp.add(v, t1, v)
    if hp.amsgrad:
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    # PyTorch: denom = sqrt(v) / sqrt(1 - beta2^t) + eps; p.addcdiv_(m, denom, -step_size).
    # Here denom is scaled by sqrt(1 - beta2^t) and step_size with it, which saves a pass: the
    # same value up to float rounding (every step within a few ulps of torch's, see the tests).
    xp.sqrt(v, t2)
    xp.add(t2, hp.eps_scaled, t2)
    xp.divide(m, t2, t1)
    xp.multiply(t1, hp.neg_scaled_step, t1)
    xp.add(p, t1, p)


def _adam_blas_kernel(blas, p, g, m, v, vmax, tg, t1, t2, hp: _AdamHyper):
    """``_adam_kernel`` with BLAS on flat contiguous chunks (``blas`` is a ``_blas.Blas``):
    seven passes, as PyTorch's seven kernels, instead of twelve. Each moment is one ``axpby``
    (``m = beta1 m + (1 - beta1) g``, PyTorch's ``lerp`` rearranged; ``v = beta2 v + (1 - beta2)
    g^2``) and the last update one ``axpy``: the same values up to rounding, every step within
    a few ulps of PyTorch's (see the tests). ``grad.add(p, alpha=weight_decay)`` is one fused
    multiply-add, rounded as PyTorch's."""
    if hp.neg_scaled_step == 0 or hp.beta2 == 0 or hp.lerp_keep == 0:
        # BLAS skips a zero multiple outright; ufuncs give 0 * inf = nan, as PyTorch does.
        return _adam_kernel(np, p, g, m, v, vmax, tg, t1, t2, hp)
    if hp.maximize:
        np.negative(g, tg)
        g = tg
    if hp.has_weight_decay:
        if hp.decoupled:
            np.multiply(p, hp.decay, p)
        else:
            if g is not tg:
                np.copyto(tg, g)
                g = tg
            blas.axpy(hp.weight_decay, p, g)
    blas.axpby(hp.lerp_weight, g, hp.lerp_keep, m)     # m = (1 - beta1) g + beta1 m
    np.multiply(g, g, t1)                               # v = (1 - beta2) g^2 + beta2 v
    blas.axpby(hp.one_minus_beta2, t1, hp.beta2, v)
    if hp.amsgrad:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    np.sqrt(v, t2)                          # as _adam_kernel, the last multiply-add fused
    np.add(t2, hp.eps_scaled, t2)
    np.divide(m, t2, t1)
    blas.axpy(hp.neg_scaled_step, t1, p)


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

    Examples:
        >>> opt = gradkit.optim.Adam(model.parameters(), lr=1e-3)
    """

    _sparse_error = "Adam does not support sparse gradients, please consider SparseAdam instead"
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

    def _run_flat(self, tasks, n_scratch):
        """Pyodide's ``_run``: one kernel call per group instead of per parameter (_flat.py)."""
        rest = _flat.run_adam(self, tasks, _adam_kernel)
        if rest:
            _KernelOptimizer._run(self, rest, n_scratch)

    if _flat.ENABLED:
        _run = _run_flat

    def _init_state(self, st, p, group):
        super()._init_state(st, p, group)
        if group["amsgrad"]:
            st["max_exp_avg_sq"] = _zeros_like(p)

    def _group_args(self, group):
        """The group's options, and the cache of its records by parameter type, dtype and step."""
        return group, _lr(group), tuple(float(b) for b in group["betas"]), {}

    def _hyper(self, arr, step, group, lr, betas) -> _AdamHyper:
        beta1, beta2 = betas
        wd = group["weight_decay"]
        eps = group["eps"]
        bc2_sqrt = math.sqrt(1 - beta2 ** step)
        c = _constants(arr, 1 - beta1, 1 - (1 - beta1), beta2, 1 - beta2, eps, wd, 1 - lr * wd,
                       -(lr / (1 - beta1 ** step)) * bc2_sqrt, eps * bc2_sqrt)
        return _AdamHyper(amsgrad=group["amsgrad"], maximize=group["maximize"],
                         decoupled=group.get("decoupled_weight_decay", False),
                         has_weight_decay=wd != 0, lerp_high=1 - beta1 >= 0.5, lerp_weight=c[0],
                         lerp_keep=c[1], beta2=c[2], one_minus_beta2=c[3], eps=c[4],
                         weight_decay=c[5], decay=c[6], neg_scaled_step=c[7], eps_scaled=c[8])

    def _param_args(self, p, group, args):
        group, lr, betas, records = args
        arr = p._data
        st, step = self._step_state(p, group)
        v = st["exp_avg_sq"]._data
        vmax = st["max_exp_avg_sq"]._data if group["amsgrad"] else v
        key = (type(arr), arr.dtype, step)
        hp = records.get(key)
        if hp is None:
            hp = records[key] = self._hyper(arr, step, group, lr, betas)
        return (st["exp_avg"]._data, v, vmax), hp


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

    Examples:
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

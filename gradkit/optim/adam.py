"""Adam and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .optimizer import (
    Optimizer,
    _effective_grad,
    _ema_sq_,
    _grad_array,
    _lerp_,
    _lr,
    _validate_common,
    _zeros_like,
)

__all__ = ["Adam", "AdamW"]


def _adam_kernel(xp, p, g, m, v, vmax, tg, t1, t2, lr, beta1, beta2, eps, weight_decay,
                 amsgrad, maximize, decoupled, step_size, bias_correction2_sqrt):
    """One Adam/AdamW update of ``p`` in place (``vmax`` only used with ``amsgrad``)."""
    if maximize:
        xp.negative(g, out=tg)
        g = tg
    if weight_decay != 0:
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            g = _effective_grad(xp, p, g, tg, t1, weight_decay, False)
    _lerp_(xp, m, g, 1 - beta1, t1)
    _ema_sq_(xp, v, g, beta2, t1)
    if amsgrad:
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    xp.sqrt(v, out=t2)
    t2 /= bias_correction2_sqrt
    t2 += eps
    xp.multiply(m, -step_size, out=t1)   # PyTorch's addcdiv order: (value * m) / denom
    t1 /= t2
    p += t1


class Adam(Optimizer):
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

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                        "maximize": maximize, "foreach": foreach, "capturable": capturable,
                        "differentiable": differentiable, "fused": fused,
                        "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _validate_common(group)

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure: re-evaluates the model and returns the loss (optional).

        Returns:
            The closure's loss, or None.
        """
        loss = self._eval_closure(closure)
        tasks = []
        state = self.state
        for group in self.param_groups:
            lr = _lr(group)
            beta1, beta2 = (float(b) for b in group["betas"])
            amsgrad = group["amsgrad"]
            rest = (lr, beta1, beta2, group["eps"], group["weight_decay"], amsgrad,
                    group["maximize"], group.get("decoupled_weight_decay", False))
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = _grad_array(p)
                st = state[p]
                if not st:
                    st["step"] = 0.0
                    st["exp_avg"] = _zeros_like(p)
                    st["exp_avg_sq"] = _zeros_like(p)
                    if amsgrad:
                        st["max_exp_avg_sq"] = _zeros_like(p)
                step = st["step"] = st["step"] + 1
                v = st["exp_avg_sq"]._data
                vmax = st["max_exp_avg_sq"]._data if amsgrad else v
                step_size = lr / (1 - beta1 ** step)
                bc2_sqrt = math.sqrt(1 - beta2 ** step)
                tasks.append((_adam_kernel, p._data, (g, st["exp_avg"]._data, v, vmax),
                              (*rest, step_size, bc2_sqrt)))
                p._vc[0] += 1
        self._run(tasks, 3)
        return loss


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

"""NAdam: Adam with Nesterov momentum (and momentum decay)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._kernels import Hyperparameters, _effective_grad, _ema_sq_, _lerp_
from ._runner import _KernelOptimizer, _scalar, _set_scalar, _zeros_like
from .optimizer import _lr, _scalar_dtype, _scalar_tensor

__all__ = ["NAdam"]


class _NAdamHyper(Hyperparameters):
    """What one NAdam kernel call needs, for one group, step count and running product of the
    momentum coefficients (Python numbers): ``bias_correction2`` is ``1 - beta2^t``,
    ``grad_coef`` and ``avg_coef`` the (negative) weights of the gradient and of the running
    average in the update."""

    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "decoupled", "maximize",
                 "bias_correction2", "grad_coef", "avg_coef")

    def __init__(self, *, lr, beta1, beta2, eps, weight_decay, decoupled, maximize,
                 bias_correction2, grad_coef, avg_coef) -> None:
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.decoupled = decoupled
        self.maximize = maximize
        self.bias_correction2 = bias_correction2
        self.grad_coef = grad_coef
        self.avg_coef = avg_coef


def _nadam_kernel(xp, p, g, m, v, tg, t1, t2, hp: _NAdamHyper):
    """One NAdam update in place."""
    g = _effective_grad(xp, p, g, tg, t1, hp.weight_decay, hp.maximize,
                        hp.lr if hp.decoupled else None)
    _lerp_(xp, m, g, 1 - hp.beta1, t1)
    _ema_sq_(xp, v, g, hp.beta2, t1)
    xp.divide(v, hp.bias_correction2, out=t2)
    xp.sqrt(t2, out=t2)
    t2 += hp.eps
    xp.multiply(g, hp.grad_coef, out=t1)
    t1 /= t2
    p += t1
    xp.multiply(m, hp.avg_coef, out=t1)
    t1 /= t2
    p += t1


class NAdam(_KernelOptimizer):
    r"""NAdam, as ``torch.optim.NAdam``.

    With :math:`\mu_t = \beta_1 (1 - \tfrac12 0.96^{t\psi})` and
    :math:`\Pi_t = \prod_{i\le t}\mu_i`:

    .. math::
        \theta_t = \theta_{t-1} - \gamma\frac{(1-\mu_t)}{1-\Pi_t}\frac{g_t}{d_t}
        - \gamma\frac{\mu_{t+1}}{1-\Pi_{t+1}}\frac{m_t}{d_t},\quad
        d_t = \sqrt{v_t / (1-\beta_2^t)} + \epsilon

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 2e-3.
        betas: running-average coefficients. Default: (0.9, 0.999).
        eps: term added to the denominator. Default: 1e-8.
        weight_decay: weight decay. Default: 0.
        momentum_decay: :math:`\psi`. Default: 4e-3.
        decoupled_weight_decay: AdamW-style decay (NAdamW). Default: False.
        maximize: maximize the objective. Default: False.
        foreach, capturable, differentiable: accepted for PyTorch compatibility.

    The running product ``mu_product`` is kept in float32 (float64 when that is the default
    dtype), exactly as PyTorch keeps it, so trajectories agree.
    """

    _SCALAR_STATE = ("step", "mu_product")

    _kernel = staticmethod(_nadam_kernel)
    _n_scratch = 3
    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _validate_group(self, group):
        super()._validate_group(group)
        if not 0.0 <= group["momentum_decay"]:
            raise ValueError(f"Invalid momentum_decay value: {group['momentum_decay']}")

    def _init_state(self, st, p, group):
        st["step"] = _scalar_tensor(0.0)
        st["mu_product"] = _scalar_tensor(1.0)
        st["exp_avg"] = _zeros_like(p)
        st["exp_avg_sq"] = _zeros_like(p)

    def _group_args(self, group):
        """The group's options, and the cache of its records by step count and running
        product."""
        return (group, _lr(group), tuple(float(b) for b in group["betas"]), _scalar_dtype(), {})

    def _param_args(self, p, group, args):
        group, lr, (beta1, beta2), sdt, records = args
        psi = group["momentum_decay"]
        st, step = self._step_state(p, group)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_product = float(sdt(sdt(_scalar(st["mu_product"])) * sdt(mu)))
        _set_scalar(st, "mu_product", mu_product)
        key = (step, mu_product)
        hp = records.get(key)
        if hp is None:
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
            hp = records[key] = _NAdamHyper(
                lr=lr, beta1=beta1, beta2=beta2, eps=group["eps"],
                weight_decay=group["weight_decay"], decoupled=group["decoupled_weight_decay"],
                maximize=group["maximize"], bias_correction2=1 - beta2 ** step,
                grad_coef=-lr * (1.0 - mu) / (1.0 - mu_product),
                avg_coef=-lr * mu_next / (1.0 - mu_product * mu_next))
        return (st["exp_avg"]._data, st["exp_avg_sq"]._data), hp

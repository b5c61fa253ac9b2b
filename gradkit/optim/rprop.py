"""Rprop: resilient backpropagation (per-coordinate step sizes driven by gradient signs)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._backend import namespace_of
from .._tensor import Tensor, wrap
from ._kernels import Hyperparameters
from ._runner import _KernelOptimizer, _zeros_like
from .optimizer import _lr, _scalar_tensor, _validate_common

__all__ = ["Rprop"]


class _RpropHyper(Hyperparameters):
    """What one Rprop kernel call needs, for one group (Python numbers)."""

    __slots__ = ("etaminus", "etaplus", "step_size_min", "step_size_max", "maximize")

    def __init__(self, *, etaminus, etaplus, step_size_min, step_size_max, maximize) -> None:
        self.etaminus = etaminus
        self.etaplus = etaplus
        self.step_size_min = step_size_min
        self.step_size_max = step_size_max
        self.maximize = maximize


def _rprop_kernel(xp, p, g, prev, step_size, tg, t1, hp: _RpropHyper):
    """One Rprop update in place.

    Where the gradient kept its sign the step size grows by ``etaplus``, where it flipped the
    step size shrinks by ``etaminus`` and that coordinate is not moved (its gradient counts as
    0 at the next step), elsewhere it stays; then ``p -= sign(g) * step_size``.
    """
    if hp.maximize:
        xp.negative(g, out=tg)
    else:
        xp.copyto(tg, g)
    g = tg
    xp.multiply(g, prev, out=t1)
    xp.sign(t1, out=t1)
    flipped = t1 < 0
    # t1 becomes the factor: etaplus where the sign held, etaminus where it flipped, 1 at a
    # zero product (NaN stays NaN, as in PyTorch)
    xp.copyto(t1, hp.etaplus, where=t1 > 0)
    xp.copyto(t1, hp.etaminus, where=flipped)
    xp.copyto(t1, 1, where=t1 == 0)
    step_size *= t1
    xp.minimum(xp.maximum(step_size, hp.step_size_min, out=step_size), hp.step_size_max,
               out=step_size)
    xp.copyto(g, 0, where=flipped)
    xp.sign(g, out=t1)
    t1 *= step_size
    p -= t1
    xp.copyto(prev, g)


class Rprop(_KernelOptimizer):
    r"""Resilient backpropagation, as ``torch.optim.Rprop``.

    .. math::
        \eta^i_t = \begin{cases}
            \min(\eta^i_{t-1}\eta_+, \Gamma_{max}) & g^i_{prev} g^i_t > 0 \\
            \max(\eta^i_{t-1}\eta_-, \Gamma_{min}),\ g^i_t \leftarrow 0 & g^i_{prev} g^i_t < 0 \\
            \eta^i_{t-1} & \text{otherwise}
        \end{cases},\quad
        \theta_t = \theta_{t-1} - \eta_t\,\mathrm{sign}(g_t),\quad g_{prev} \leftarrow g_t

    Args:
        params: parameters or parameter groups to optimize.
        lr: the initial step size of every coordinate. Default: 1e-2.
        etas: ``(etaminus, etaplus)``, the factors by which a step size shrinks and grows,
            with ``0 < etaminus < 1 < etaplus``. Default: (0.5, 1.2).
        step_sizes: ``(min, max)`` bounds of the step sizes. Default: (1e-6, 50).
        maximize: maximize the objective. Default: False.
        capturable, foreach, differentiable: accepted for PyTorch compatibility.

    As in PyTorch, ``lr`` only sets the step sizes when a parameter's state is created (its
    first step); later changes to the group's ``lr`` do not affect them.

    Examples:
        >>> opt = gradkit.optim.Rprop(model.parameters(), lr=0.01)
    """

    _kernel = staticmethod(_rprop_kernel)
    _n_scratch = 2

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _validate_common(group)
        etas = group["etas"]
        if not (isinstance(etas, (tuple, list)) and len(etas) == 2):
            raise ValueError(f"Invalid etas: {etas!r} (expected a pair (etaminus, etaplus))")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        sizes = group["step_sizes"]
        if not (isinstance(sizes, (tuple, list)) and len(sizes) == 2):
            raise ValueError(
                f"Invalid step_sizes: {sizes!r} (expected a pair (min_step, max_step))")

    def _init_state(self, st, p, group):
        st["step"] = _scalar_tensor(0.0)
        st["prev"] = _zeros_like(p)
        arr = p._data
        lr = _lr(group)
        if arr.dtype.kind == "c":  # real and imaginary parts step as two real coordinates
            lr = complex(lr, lr)
        st["step_size"] = wrap(namespace_of(arr).full(arr.shape, lr, dtype=arr.dtype))

    def _group_args(self, group):
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        return _RpropHyper(etaminus=etaminus, etaplus=etaplus, step_size_min=lo,
                           step_size_max=hi, maximize=group["maximize"])

    def _param_args(self, p, group, hp):
        st, _ = self._step_state(p, group)
        return (st["prev"]._data, st["step_size"]._data), hp

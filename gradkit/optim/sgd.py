"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._kernels import _constants
from ._runner import _KernelOptimizer, _zeros_like
from .optimizer import _lr

__all__ = ["SGD"]


def _sgd_kernel(xp, p, g, buf, tg, t1, consts, has_momentum, has_dampening,
                has_weight_decay, nesterov, maximize, first):
    """One SGD update of ``p`` in place (``buf`` is the momentum buffer, unused without it).

    ``consts`` holds ``(momentum, 1 - dampening, weight_decay, -lr)`` in ``p``'s dtype.
    """
    momentum, keep, weight_decay, neg_lr = consts
    if maximize:
        xp.negative(g, tg)
        g = tg
    if has_weight_decay:
        xp.multiply(p, weight_decay, t1)
        xp.add(g, t1, tg)
        g = tg
    if has_momentum:
        if first:
            buf[...] = g
        else:
            xp.multiply(buf, momentum, buf)
            if has_dampening:
                xp.multiply(g, keep, t1)
                xp.add(buf, t1, buf)
            else:
                xp.add(buf, g, buf)
        if nesterov:
            xp.multiply(buf, momentum, t1)
            xp.add(g, t1, tg)
            g = tg
        else:
            g = buf
    xp.multiply(g, neg_lr, t1)
    xp.add(p, t1, p)


def _sgd_blas_kernel(blas, p, g, buf, tg, t1, consts, has_momentum, has_dampening,
                     has_weight_decay, nesterov, maximize, first):
    """``_sgd_kernel`` with BLAS on flat contiguous slices (``blas`` is an ``optimizer.Blas``),
    rounded as PyTorch's CPU kernels (but see ``optimizer`` on OpenBLAS's Haswell kernels):
    ``grad.add(p, alpha=weight_decay)``,
    ``grad.add(buf, alpha=momentum)`` and ``p.add_(g, alpha=-lr)`` are one ``axpy`` each,
    ``buf.mul_(momentum).add_(g)`` one ``axpby`` (with dampening, a ``scal`` and an ``axpy``)."""
    momentum, keep, weight_decay, neg_lr = consts
    if keep == 0 or neg_lr == 0:
        # BLAS skips a zero multiple outright; ufuncs give 0 * inf = nan, as PyTorch does.
        return _sgd_kernel(np, p, g, buf, tg, t1, consts, has_momentum, has_dampening,
                           has_weight_decay, nesterov, maximize, first)
    if maximize:
        np.negative(g, tg)
        g = tg
    if has_weight_decay:
        if g is not tg:
            np.copyto(tg, g)
            g = tg
        blas.axpy(weight_decay, p, g)
    if has_momentum:
        if first:
            np.copyto(buf, g)
        elif has_dampening:
            blas.scal(momentum, buf)
            blas.axpy(keep, g, buf)
        else:
            blas.axpby(1.0, g, momentum, buf)
        if nesterov:
            if g is not tg:
                np.copyto(tg, g)
                g = tg
            blas.axpy(momentum, buf, g)
        else:
            g = buf
    blas.axpy(neg_lr, g, p)


class SGD(_KernelOptimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum, as ``torch.optim.SGD``.

    .. math::
        g_t = \nabla f(\theta_{t-1}) + \lambda \theta_{t-1},\quad
        b_t = \mu b_{t-1} + (1 - \tau) g_t \ (b_1 = g_1),\quad
        \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if nesterov else } b_t)

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate :math:`\gamma`. Default: 1e-3 (as PyTorch >= 2.2).
        momentum: momentum factor :math:`\mu`. Default: 0.
        dampening: dampening :math:`\tau` of the momentum. Default: 0.
        weight_decay: L2 penalty :math:`\lambda`. Default: 0.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0). Default: False.
        maximize: maximize the objective instead of minimizing. Default: False.
        foreach, differentiable, fused: accepted for PyTorch compatibility (see ``Optimizer``).

    Example:
        >>> opt = gradkit.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _kernel = staticmethod(_sgd_kernel)
    _blas_kernel = staticmethod(_sgd_blas_kernel)
    _blas_chunk = None      # memory-bound passes: whole slices (chunks of 2**17 measured slower)
    _n_scratch = 2

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _validate_group(self, group):
        super()._validate_group(group)
        if not 0.0 <= group["momentum"]:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _group_args(self, group):
        momentum = group["momentum"]
        dampening = group["dampening"]
        wd = group["weight_decay"]
        flags = (momentum != 0, dampening != 0, wd != 0, group["nesterov"], group["maximize"])
        return flags, (momentum, 1 - dampening, wd, -_lr(group)), {}

    def _param_args(self, p, group, args):
        flags, values, consts = args
        arr = p._data
        first = False
        buf = arr                       # (unused without momentum)
        if flags[0]:
            st = self.state[p]
            b = st.get("momentum_buffer")
            if b is None:
                b = st["momentum_buffer"] = _zeros_like(p)
                first = True
            buf = b._data
        c = consts.get(arr.dtype)       # the group's constants in each parameter dtype
        if c is None:
            c = consts[arr.dtype] = _constants(arr, *values)
        return (buf,), (c, *flags, first)

"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .._tensor import wrap
from ._kernels import Hyperparameters, _constants
from ._runner import _KernelOptimizer, _zeros_like
from .optimizer import _lr

__all__ = ["SGD"]


class _SGDHyper(Hyperparameters):
    """What one SGD kernel call needs, for one group, parameter dtype and first step or not.

    The numbers are 0-d arrays of the parameter's dtype (``_constants``): ``momentum``, ``keep``
    (``1 - dampening``), ``weight_decay``, ``neg_lr``. The flags: ``has_momentum``,
    ``has_dampening``, ``has_weight_decay``, ``nesterov``, ``maximize``, ``first`` (the momentum
    buffer was made this step: it takes the gradient as it is).
    """

    __slots__ = ("has_momentum", "has_dampening", "has_weight_decay", "nesterov", "maximize",
                 "first", "momentum", "keep", "weight_decay", "neg_lr")

    def __init__(self, *, has_momentum, has_dampening, has_weight_decay, nesterov, maximize,
                 first, momentum, keep, weight_decay, neg_lr) -> None:
        self.has_momentum = has_momentum
        self.has_dampening = has_dampening
        self.has_weight_decay = has_weight_decay
        self.nesterov = nesterov
        self.maximize = maximize
        self.first = first
        self.momentum = momentum
        self.keep = keep
        self.weight_decay = weight_decay
        self.neg_lr = neg_lr


def _sgd_kernel(xp, p, g, buf, tg, t1, hp: _SGDHyper):
    """One SGD update of ``p`` in place (``buf`` is the momentum buffer, unused without it)."""
    if hp.maximize:
        xp.negative(g, tg)
        g = tg
    if hp.has_weight_decay:
        xp.multiply(p, hp.weight_decay, t1)
        xp.add(g, t1, tg)
        g = tg
    if hp.has_momentum:
        if hp.first:
            buf[...] = g
        else:
            xp.multiply(buf, hp.momentum, buf)
            if hp.has_dampening:
                xp.multiply(g, hp.keep, t1)
                xp.add(buf, t1, buf)
            else:
                xp.add(buf, g, buf)
        if hp.nesterov:
            xp.multiply(buf, hp.momentum, t1)
            xp.add(g, t1, tg)
            g = tg
        else:
            g = buf
    xp.multiply(g, hp.neg_lr, t1)
    xp.add(p, t1, p)


def _sgd_blas_kernel(blas, p, g, buf, tg, t1, hp: _SGDHyper):
    """``_sgd_kernel`` with BLAS on flat contiguous slices (``blas`` is a ``_blas.Blas``),
    rounded as PyTorch's CPU kernels (but see ``_blas`` on OpenBLAS's Haswell kernels):
    ``grad.add(p, alpha=weight_decay)``,
    ``grad.add(buf, alpha=momentum)`` and ``p.add_(g, alpha=-lr)`` are one ``axpy`` each,
    ``buf.mul_(momentum).add_(g)`` one ``axpby`` (with dampening, a ``scal`` and an ``axpy``)."""
    if hp.keep == 0 or hp.neg_lr == 0:
        # BLAS skips a zero multiple outright; ufuncs give 0 * inf = nan, as PyTorch does.
        return _sgd_kernel(np, p, g, buf, tg, t1, hp)
    if hp.maximize:
        np.negative(g, tg)
        g = tg
    if hp.has_weight_decay:
        if g is not tg:
            np.copyto(tg, g)
            g = tg
        blas.axpy(hp.weight_decay, p, g)
    if hp.has_momentum:
        if hp.first:
            np.copyto(buf, g)
        elif hp.has_dampening:
            blas.scal(hp.momentum, buf)
            blas.axpy(hp.keep, g, buf)
        else:
            blas.axpby(1.0, g, hp.momentum, buf)
        if hp.nesterov:
            if g is not tg:
                np.copyto(tg, g)
                g = tg
            blas.axpy(hp.momentum, buf, g)
        else:
            g = buf
    blas.axpy(hp.neg_lr, g, p)


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

    Sparse gradients (``nn.Embedding(sparse=True)``) update only the rows present, as PyTorch's:
    with momentum the buffer is itself sparse (its entries scaled, the new gradient's appended);
    ``weight_decay`` with a sparse gradient raises, as PyTorch's ``add(sparse, dense)``.

    Examples:
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
        """The group's options, and the cache of its records by parameter dtype (and array type,
        for arrays other than NumPy's)."""
        return group, -_lr(group), group["momentum"] != 0, {}

    @staticmethod
    def _hyper(arr, first, group, neg_lr) -> _SGDHyper:
        momentum = group["momentum"]
        dampening = group["dampening"]
        wd = group["weight_decay"]
        c = _constants(arr, momentum, 1 - dampening, wd, neg_lr)
        return _SGDHyper(has_momentum=momentum != 0, has_dampening=dampening != 0,
                         has_weight_decay=wd != 0, nesterov=group["nesterov"],
                         maximize=group["maximize"], first=first, momentum=c[0], keep=c[1],
                         weight_decay=c[2], neg_lr=c[3])

    def _param_args(self, p, group, args):
        group, neg_lr, has_momentum, records = args
        arr = p._data
        buf = arr                       # (unused without momentum)
        if has_momentum:
            st = self.state[p]
            b = st.get("momentum_buffer")
            if b is None:               # its first step: the buffer takes the gradient as it is
                b = st["momentum_buffer"] = _zeros_like(p)
                return (b._data,), self._hyper(arr, True, group, neg_lr)
            buf = b._data
        key = arr.dtype if type(arr) is np.ndarray else (type(arr), arr.dtype)
        hp = records.get(key)
        if hp is None:
            hp = records[key] = self._hyper(arr, False, group, neg_lr)
        return (buf,), hp

    def _sparse_step(self, p, group):
        """PyTorch's ``_single_tensor_sgd`` on a sparse COO gradient, op for op."""
        g = self._sparse_grad(p, group)
        arr = p._data
        if group["weight_decay"] != 0:  # grad.add(param): sparse + dense
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) "
                               "instead. (SGD's weight_decay with a sparse gradient: use "
                               "weight_decay=0, or a dense gradient)")
        momentum = group["momentum"]
        if momentum != 0:
            st = self.state[p]
            b = st.get("momentum_buffer")
            if b is None:  # grad.detach().clone(): a sparse buffer
                b = st["momentum_buffer"] = wrap(g.copy())
            else:  # buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                bd = b._data * momentum
                keep = 1 - group["dampening"]
                if type(bd) is np.ndarray:  # a dense buffer (dense gradients before)
                    g.add_to(bd, keep)
                else:  # sparse + sparse: the entries appended
                    bd += g * keep if keep != 1 else g
                b._data = bd
                b._vc[0] += 1
            g = g + b._data * momentum if group["nesterov"] else b._data
        if type(g) is np.ndarray:  # a dense momentum buffer
            arr += g * -_lr(group)
        else:  # param.add_(grad, alpha=-lr): the rows present only
            g.add_to(arr, -_lr(group))

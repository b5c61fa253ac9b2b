"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._backend import namespace_of
from .._tensor import wrap
from ..nn.parameter import _placeholder_error, is_lazy
from ._kernels import Hyperparameters, _effective_grad
from ._runner import _KernelOptimizer
from .optimizer import _lr, _scalar_tensor

__all__ = ["Adagrad"]


class _AdagradHyper(Hyperparameters):
    """What one Adagrad kernel call needs, for one group and step count (Python numbers):
    ``clr`` is the learning rate decayed to this step."""

    __slots__ = ("clr", "eps", "weight_decay", "maximize")

    def __init__(self, *, clr, eps, weight_decay, maximize) -> None:
        self.clr = clr
        self.eps = eps
        self.weight_decay = weight_decay
        self.maximize = maximize


def _adagrad_kernel(xp, p, g, acc, tg, t1, t2, hp: _AdagradHyper):
    """One Adagrad update in place: ``acc += g*g; p -= clr * g / (sqrt(acc) + eps)``."""
    g = _effective_grad(xp, p, g, tg, t1, hp.weight_decay, hp.maximize)
    xp.multiply(g, g, out=t1)
    acc += t1
    xp.sqrt(acc, out=t2)
    t2 += hp.eps
    xp.multiply(g, -hp.clr, out=t1)
    t1 /= t2
    p += t1


class Adagrad(_KernelOptimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``.

    .. math::
        \tilde\gamma_t = \frac{\gamma}{1 + (t-1)\eta},\quad s_t = s_{t-1} + g_t^2,\quad
        \theta_t = \theta_{t-1} - \tilde\gamma_t \frac{g_t}{\sqrt{s_t} + \epsilon}

    Args:
        params: parameters or parameter groups to optimize.
        lr: learning rate. Default: 1e-2.
        lr_decay: learning-rate decay :math:`\eta`. Default: 0.
        weight_decay: L2 penalty. Default: 0.
        initial_accumulator_value: starting value of the sum of squares. Default: 0.
        eps: term added to the denominator. Default: 1e-10.
        maximize: maximize the objective. Default: False.
        foreach, differentiable, fused: accepted for PyTorch compatibility.

    As in PyTorch, the state is created in the constructor (so ``state_dict`` has it before
    the first step). A sparse gradient (``nn.Embedding(sparse=True)``) takes PyTorch's sparse
    path: only the rows present update their sum and parameter (``weight_decay`` refused).
    """

    _kernel = staticmethod(_adagrad_kernel)
    _n_scratch = 3

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p, group)

    def _init_state(self, st, p, group):
        if is_lazy(p):  # its state is made here, so it needs the shape (PyTorch's ValueError)
            raise _placeholder_error(type(p).__name__, "Adagrad's state initialisation")
        st["step"] = _scalar_tensor(0.0)
        arr = p._data
        st["sum"] = wrap(namespace_of(arr).full(arr.shape, group["initial_accumulator_value"],
                                                dtype=arr.dtype))

    def _validate_group(self, group):
        super()._validate_group(group)
        if not 0.0 <= group["lr_decay"]:
            raise ValueError(f"Invalid lr_decay value: {group['lr_decay']}")
        if not 0.0 <= group["initial_accumulator_value"]:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {group['initial_accumulator_value']}")

    def _group_args(self, group):
        """The group's options, and the cache of its records by step count."""
        return group, _lr(group), {}

    def _param_args(self, p, group, args):
        group, lr, records = args
        st, step = self._step_state(p, group)
        hp = records.get(step)
        if hp is None:
            hp = records[step] = _AdagradHyper(
                clr=lr / (1 + (step - 1) * group["lr_decay"]), eps=group["eps"],
                weight_decay=group["weight_decay"], maximize=group["maximize"])
        return (st["sum"]._data,), hp

    def _sparse_step(self, p, group):
        """PyTorch's sparse Adagrad update: the coalesced gradient's rows only."""
        st, step = self._step_state(p, group)
        g = self._sparse_grad(p, group)
        arr = p._data
        if group["weight_decay"] != 0:
            raise RuntimeError("weight_decay option is not compatible with sparse gradients")
        clr = _lr(group) / (1 + (step - 1) * group["lr_decay"])
        g = g.coalesce()  # the update is non-linear: one entry per row
        if g.nnz == 0:
            return
        rows = tuple(g.indices)
        values = g.values
        acc = st["sum"]._data
        acc[rows] += values * values
        std = namespace_of(acc).sqrt(acc[rows])
        std += group["eps"]
        g.with_values(values / std).add_to(arr, -clr)  # param.add_(..., alpha=-clr)

"""Stochastic weight averaging and exponential moving averages of a model, as
``torch.optim.swa_utils``: ``AveragedModel``, the averaging functions, ``update_bn`` and the
``SWALR`` scheduler.

Example::

    swa_model = gradkit.optim.swa_utils.AveragedModel(model)
    swa_scheduler = gradkit.optim.swa_utils.SWALR(optimizer, swa_lr=0.05)
    for epoch in range(100):
        train_one_epoch(model, optimizer)
        if epoch >= 75:
            swa_model.update_parameters(model)
            swa_scheduler.step()
    gradkit.optim.swa_utils.update_bn(loader, swa_model)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any, Literal

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..factories import tensor as _tensor
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from .lr_scheduler._base import LRScheduler, _per_group
from .optimizer import Optimizer

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]

PARAM_LIST = tuple[Tensor, ...] | list[Tensor]


def _is_float(t: Tensor) -> bool:
    return np.dtype(t._data.dtype).kind in "fc"


def _lerp_all_(targets: PARAM_LIST, ends: PARAM_LIST, weight: float) -> None:
    """``t.lerp_(end, weight)`` for each pair, with PyTorch's ``lerp_`` rounding."""
    for t, end in zip(targets, ends, strict=True):
        a, b = t._data, end._data
        d = b - a
        if weight < 0.5:
            d *= weight
            a += d
        else:
            d *= 1 - weight
            a[...] = b - d
        t._vc[0] += 1


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[PARAM_LIST, PARAM_LIST, Any], None]:
    """An in-place exponential moving average of parameter lists, for
    ``AveragedModel(multi_avg_fn=...)``: ``ema = decay * ema + (1 - decay) * current``.

    Raises:
        ValueError: if ``decay`` is outside [0, 1].
    """
    _check_decay(decay)

    def ema_update(ema_param_list: PARAM_LIST, current_param_list: PARAM_LIST, _) -> None:
        with no_grad():
            if _is_float(ema_param_list[0]):
                _lerp_all_(ema_param_list, current_param_list, 1 - decay)
            else:
                for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[PARAM_LIST, PARAM_LIST, Any], None]:
    """An in-place running (equal-weight) average of parameter lists, for
    ``AveragedModel(multi_avg_fn=...)``: ``avg += (current - avg) / (num_averaged + 1)``.

    As in PyTorch, a Tensor ``num_averaged`` makes the weight ``1 / (num_averaged + 1)`` a
    float32 value."""

    def swa_update(averaged_param_list: PARAM_LIST, current_param_list: PARAM_LIST,
                   num_averaged: Tensor | int) -> None:
        with no_grad():
            if _is_float(averaged_param_list[0]):
                weight = 1 / (num_averaged + 1)
                _lerp_all_(averaged_param_list, current_param_list, float(weight))
            else:
                if isinstance(num_averaged, Tensor):
                    # PyTorch divides with addcdiv here, which refuses integer tensors
                    raise RuntimeError(
                        "get_swa_multi_avg_fn: cannot average integer tensors (dtype "
                        f"{averaged_param_list[0].dtype}) with a Tensor num_averaged: integer "
                        "division with addcdiv is not supported, as in PyTorch. Use "
                        "AveragedModel's default averaging (avg_fn=None, multi_avg_fn=None) or "
                        "use_buffers=False to average models with integer buffers such as "
                        "BatchNorm's num_batches_tracked")
                for p_avg, p_model in zip(averaged_param_list, current_param_list,
                                          strict=True):
                    p_avg.copy_(p_avg + (p_model - p_avg) * (1.0 / (num_averaged + 1)))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The exponential moving average of one parameter, for ``AveragedModel(avg_fn=...)``:
    returns ``decay * ema + (1 - decay) * current``.

    Raises:
        ValueError: if ``decay`` is outside [0, 1].
    """
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The running average of one parameter, for ``AveragedModel(avg_fn=...)``: returns
    ``averaged + (current - averaged) / (num_averaged + 1)``."""

    def swa_update(averaged_param: Tensor, current_param: Tensor,
                   num_averaged: Tensor | int) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    r"""A running average of a model's parameters (SWA, EMA), as
    ``torch.optim.swa_utils.AveragedModel``.

    Args:
        model: the model to average; a deep copy of it is kept as ``self.module``.
        device: move the copy to this device (None: keep the model's).
        avg_fn: ``avg_fn(averaged, current, num_averaged) -> Tensor``, applied to each
            parameter (e.g. :func:`get_ema_avg_fn`). Default: the equal-weight running
            average.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, num_averaged)``, updating the
            lists in place (e.g. :func:`get_ema_multi_avg_fn`). At most one of ``avg_fn`` and
            ``multi_avg_fn`` may be given.
        use_buffers: average the buffers too (BatchNorm's running statistics); otherwise they
            are copied from the model at each update. Default: False.

    ``n_averaged`` (an int64 buffer) counts the updates; the first update copies the model.

    Examples:
        >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
        >>> ema.update_parameters(model)   # after each optimizer step
    """

    n_averaged: Tensor

    def __init__(self, model: Module, device=None,
                 avg_fn: Callable[[Tensor, Tensor, Tensor | int], Tensor] | None = None,
                 multi_avg_fn: Callable[[PARAM_LIST, PARAM_LIST, Tensor | int], None]
                 | None = None,
                 use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        n = _tensor(0, dtype=np.int64)
        self.register_buffer("n_averaged", n.to(device) if device is not None else n)
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        """The averaged model applied to the inputs."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters (and buffers with ``use_buffers``) into the
        average."""
        with no_grad():
            self._update(model)

    def _update(self, model: Module) -> None:
        if self.use_buffers:
            self_param = itertools.chain(self.module.parameters(), self.module.buffers())
            model_param = itertools.chain(model.parameters(), model.buffers())
        else:
            self_param = self.parameters()
            model_param = model.parameters()
        averaged: list[Tensor] = []
        current: list[Tensor] = []
        first = int(self.n_averaged.item()) == 0
        for p_averaged, p_model in zip(self_param, model_param):
            p_model_ = p_model.detach().to(p_averaged.device)
            averaged.append(p_averaged.detach())
            current.append(p_model_)
            if first:
                p_averaged.detach().copy_(p_model_)
        if not first:
            if self.multi_avg_fn is not None or self.avg_fn is None:
                groups: dict = {}
                for a, c in zip(averaged, current):
                    key = (str(a.device), np.dtype(a._data.dtype))
                    groups.setdefault(key, ([], []))
                    groups[key][0].append(a)
                    groups[key][1].append(c)
                for a_list, c_list in groups.values():
                    n_averaged = self.n_averaged.to(a_list[0].device)
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(a_list, c_list, n_averaged)
                    else:   # PyTorch's path on the CPU: the per-tensor running average
                        avg_fn = get_swa_avg_fn()
                        for a, c in zip(a_list, c_list):
                            a.copy_(avg_fn(a, c, n_averaged))
            else:
                for a, c in zip(averaged, current):
                    n_averaged = self.n_averaged.to(a.device)
                    a.copy_(self.avg_fn(a, c, n_averaged))
        if not self.use_buffers:
            mine, theirs = list(self.module.buffers()), list(model.buffers())
            if len(mine) != len(theirs):
                raise ValueError(
                    f"AveragedModel.update_parameters: the averaged model has {len(mine)} "
                    f"buffers but the model passed has {len(theirs)}; pass the model that "
                    f"was averaged")
            for b_swa, b_model in zip(mine, theirs):
                b_swa.detach().copy_(b_model.detach().to(b_swa.device))
        self.n_averaged.add_(1)


def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute the BatchNorm running statistics of ``model`` with one pass over ``loader``.

    Each BatchNorm layer's statistics are reset and then accumulated as a cumulative average
    (``momentum=None``) over the batches, in training mode; the momenta and the model's mode
    are restored afterwards. Nothing happens if the model has no BatchNorm layer.

    Args:
        loader: yields batches: a Tensor, or a list/tuple whose first item is the input.
        model: the model (e.g. an :class:`AveragedModel`).
        device: move each input to this device first (None: leave it).
    """
    with no_grad():
        momenta = {}
        for module in model.modules():
            if isinstance(module, _BatchNorm):
                module.reset_running_stats()
                momenta[module] = module.momentum
        if not momenta:
            return
        was_training = model.training
        model.train()
        for module in momenta:
            module.momentum = None
        for input in loader:
            if isinstance(input, (list, tuple)):
                input = input[0]
            if device is not None:
                input = input.to(device)
            model(input)
        for bn_module, momentum in momenta.items():
            bn_module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    r"""Anneals each group's learning rate to a fixed SWA value, as
    ``torch.optim.swa_utils.SWALR``.

    Over ``anneal_epochs`` steps the rate moves from its value to ``swa_lr`` along a cosine
    (``"cos"``) or a straight line (``"linear"``), then stays at ``swa_lr``. Chainable: it
    starts from the group's current ``lr``.

    Args:
        optimizer: the optimizer.
        swa_lr: the target learning rate, one for all groups or a list with one per group.
        anneal_epochs: steps of the annealing (an int >= 0). Default: 10.
        anneal_strategy: ``"cos"`` or ``"linear"``. Default: ``"cos"``.
        last_epoch: the index of the last step. Default: -1.

    Raises:
        ValueError: for an unknown ``anneal_strategy``, a negative or non-int
            ``anneal_epochs``, or a ``swa_lr`` list whose length is not the number of groups.
    """

    def __init__(self, optimizer: Optimizer, swa_lr: float, anneal_epochs: int = 10,
                 anneal_strategy: Literal["cos", "linear"] = "cos",
                 last_epoch: int = -1) -> None:
        swa_lrs = _per_group(
            "swa_lr", optimizer, swa_lr,
            "{name} must have the same length as optimizer.param_groups. {name} has {got} "
            "values, param_groups has {n}.")
        for value, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list:
        """The learning rates of the current step (from each group's current ``lr``)."""
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(_value(g["lr"]), g["swa_lr"], prev_alpha)
                    for g in groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = (self._cosine_anneal if anneal_strategy == "cos"
                            else self._linear_anneal)

    def state_dict(self) -> dict[str, Any]:
        """Everything in the scheduler except the optimizer and the annealing function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)


def _value(lr):
    return float(lr._data) if isinstance(lr, Tensor) else lr

"""The base class ``LRScheduler`` and the helpers the schedulers share."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from ..._warnings import warn
from ..optimizer import Optimizer

__all__ = ["LRScheduler"]

# PyTorch's warnings, word for word (programs filter them by their text)
EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if "
    "epoch is different from None, the closed form is used instead of the new chainable form, "
    "where available. Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose.")
_STEP_ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and "
    "later, you should call them in the opposite order: `optimizer.step()` before "
    "`lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value "
    "of the learning rate schedule. See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate")


def _set_lr(group: dict, value: Any) -> None:
    if isinstance(group["lr"], Tensor):
        group["lr"].fill_(float(value))
    else:
        group["lr"] = value


def _copy(value: Any) -> Any:
    """A Tensor is cloned (as PyTorch does), so that no list aliases a group's value."""
    return value.clone() if isinstance(value, Tensor) else value


def _lrs(optimizer, key: str = "lr") -> list:
    return [_copy(g[key]) for g in optimizer.param_groups]


def _per_group(name: str, optimizer, value,
               message: str = "expected {n} values for {name}, got {got}") -> list:
    """``value`` for each parameter group: one per group (a list or tuple) or one for all."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(message.format(n=n, name=name, got=len(value)))
        return [_copy(v) for v in value]
    return [_copy(value) for _ in range(n)]


class LRScheduler:
    """Base class of the learning-rate schedulers.

    Args:
        optimizer: the optimizer whose ``group["lr"]`` values the scheduler sets.
        last_epoch: the index of the last step, to resume a schedule (-1 starts fresh; other
            values need ``"initial_lr"`` in each group, as written by a previous scheduler).

    Attributes:
        base_lrs: the initial learning rate of each group.
        last_epoch: the number of ``step()`` calls since the start (0 after construction).
    """

    _is_initial = False

    def __init_subclass__(cls, **kwargs):
        """gradkit's own schedulers' ``get_lr`` warns, as PyTorch's, when called outside
        ``step()`` (where it is not the last learning rate); a user's subclass is left as
        written."""
        super().__init_subclass__(**kwargs)
        fn = cls.__dict__.get("get_lr")
        if fn is not None and cls.__module__.startswith(__name__.rpartition(".")[0]) \
                and cls.__dict__.get("_get_lr_warns", True):
            def get_lr(self):
                if not getattr(self, "_get_lr_called_within_step", False):
                    warn("To get the last learning rate computed by the scheduler, please use "
                         "`get_last_lr()`.")
                return fn(self)

            get_lr.__doc__, get_lr.__qualname__ = fn.__doc__, fn.__qualname__
            cls.get_lr = get_lr

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        # the optimizer's step count when the first scheduler on it was made: a first
        # scheduler step with no optimizer step since then warns (PyTorch's check)
        optimizer.__dict__.setdefault("_lr_sched_base_steps", getattr(optimizer, "_step_count", 0))
        if last_epoch == -1:
            for group in optimizer.param_groups:
                lr = group["lr"]
                group.setdefault("initial_lr", lr.clone() if isinstance(lr, Tensor) else lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        f"a scheduler with last_epoch={last_epoch} >= 0; load the optimizer's "
                        f"state dict first, or pass last_epoch=-1 for a fresh run")
        self.base_lrs = _lrs(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:
        """The learning rates of the current step (PyTorch's chainable form)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        """PyTorch's default object repr, naming the public module of gradkit's schedulers
        (``<torch.optim.lr_scheduler.StepLR object at 0x...>`` under ``gradkit run``)."""
        cls = type(self)
        if not cls.__module__.startswith(__name__.rpartition(".")[0]):
            return object.__repr__(self)
        from ..._dtype import _NAMESPACE

        return f"<{_NAMESPACE[0]}.optim.lr_scheduler.{cls.__qualname__} object at {id(self):#x}>"

    def get_last_lr(self) -> list:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return self._last_lr

    def step(self, epoch: int | None = None, *, metrics: Any = None) -> None:
        """Advance the schedule by one step and write the new ``group["lr"]`` values.

        Args:
            epoch: deprecated in PyTorch: jump to this step (uses the closed form).
            metrics: ignored (accepted so that every scheduler has the same ``step``).
        """
        if self._step_count == 1 and not self._is_initial:
            self._check_step_order()
        self._step_count += 1
        if epoch is not None:
            warn(EPOCH_DEPRECATION_WARNING)
        self._update_lr(epoch)

    def _check_step_order(self) -> None:
        """PyTorch's warning when the first ``step()`` comes before any ``optimizer.step()``."""
        opt = self.optimizer
        if getattr(opt, "_step_count", 1) <= opt.__dict__.get("_lr_sched_base_steps", 0):
            warn(_STEP_ORDER_WARNING)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True  # PyTorch's flag (it is in its state_dict)
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        self._write_lrs(values)

    def _write_lrs(self, values) -> None:
        """Set each group's ``"lr"`` to ``values`` and remember them as the last lrs."""
        for group, lr in zip(self.optimizer.param_groups, values):
            _set_lr(group, lr)
        self._last_lr = _lrs(self.optimizer)

    def state_dict(self) -> dict[str, Any]:
        """Everything in the scheduler except the optimizer (and unpicklable functions)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`."""
        self.__dict__.update(state_dict)


class _LRScheduler(LRScheduler):
    """PyTorch's old name of :class:`LRScheduler` (a subclass there too), which custom
    schedulers written before PyTorch 2.0 still derive from."""

"""Schedulers made of other schedulers: ``SequentialLR`` (one after another) and
``ChainedScheduler`` (all at each step)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from ..optimizer import Optimizer
from ._base import LRScheduler, _lrs, _set_lr
from ._plateau import ReduceLROnPlateau

__all__ = ["ChainedScheduler", "SequentialLR"]


def _undo_step(sched) -> None:
    if hasattr(sched, "_schedulers"):
        for s in sched._schedulers:
            _undo_step(s)
    elif hasattr(sched, "last_epoch"):
        sched.last_epoch -= 1


def _check_members(owner: str, optimizer, schedulers) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{owner} expects at least one scheduler, but got no scheduler.")
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if s.optimizer is not optimizer:
            raise ValueError(
                f"{owner} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(s).__name__} at index {i} has {s.optimizer}, which is "
                f"different from {type(optimizer).__name__}.")


def _step_member(sched, metrics) -> None:
    if isinstance(sched, ReduceLROnPlateau):
        sched.step(metrics)
    else:
        sched.step(metrics=metrics)


class SequentialLR(LRScheduler):
    """Run schedulers one after another, switching at the ``milestones``.

    Args:
        optimizer: the optimizer (all schedulers must belong to it).
        schedulers: the schedulers, in order.
        milestones: the steps at which the next scheduler takes over
            (``len(schedulers) - 1`` of them).
        last_epoch: see :class:`LRScheduler`.

    Unlike PyTorch, a :class:`ReduceLROnPlateau` may be one of the schedulers (typically after
    a warm-up): ``step(metrics=...)`` forwards the metric to it. When a plateau scheduler takes
    over, it starts from the base learning rate with a fresh best/patience count.
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[Any],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        _check_members(type(self).__name__, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than "
                f"the number of milestone points, but got number of schedulers {len(schedulers)} "
                f"and the number of milestones to be equal to {len(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            _set_lr(group, group["initial_lr"])
        _undo_step(self)
        idx = bisect_right(self._milestones, 0)
        first = self._schedulers[idx]
        if isinstance(first, ReduceLROnPlateau):
            first.last_epoch += 1
            first._last_lr = _lrs(optimizer)
        else:
            first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self, epoch: int | None = None, *, metrics: Any = None) -> None:
        """Advance the active scheduler (forwarding ``metrics`` to a plateau scheduler)."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        sched = self._schedulers[idx]
        switching = idx > 0 and self._milestones[idx - 1] == self.last_epoch
        if isinstance(sched, ReduceLROnPlateau):
            if switching:       # like the other schedulers' step 0: back to the base lr
                for group in self.optimizer.param_groups:
                    _set_lr(group, group["initial_lr"])
                sched._reset()
            sched.step(metrics)
        elif switching:
            sched._update_lr(0)
        else:
            sched.step(metrics=metrics)
        self._last_lr = sched.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """The state, including each member scheduler's ``state_dict``."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state and each member scheduler's state."""
        state = dict(state_dict)
        members = state.pop("_schedulers")
        self.__dict__.update(state)
        for s, st in zip(self._schedulers, members):
            s.load_state_dict(st)


class ChainedScheduler(LRScheduler):
    """Step several schedulers together (their multiplicative updates compose).

    Args:
        schedulers: the schedulers (all on the same optimizer).
        optimizer: the optimizer (default: the first scheduler's).

    Unlike PyTorch, a :class:`ReduceLROnPlateau` may be in the chain: ``step(metrics=...)``
    forwards the metric to it.
    """

    def __init__(self, schedulers: Sequence[Any], optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError(
                f"{type(self).__name__} expects at least one scheduler to be chained, but got "
                "no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_members(type(self).__name__, optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = _lrs(optimizer)

    def step(self, epoch: int | None = None, *, metrics: Any = None) -> None:
        """Step every scheduler of the chain (forwarding ``metrics``)."""
        for s in self._schedulers:
            _step_member(s, metrics)
        self._last_lr = _lrs(self.optimizer)

    state_dict = SequentialLR.state_dict
    load_state_dict = SequentialLR.load_state_dict

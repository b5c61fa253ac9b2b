"""``torch.distributed.algorithms.join``: the context manager for ranks with uneven inputs.

:class:`Join` lets ranks that ran out of data keep answering the collectives of ranks that have
not. In a world of one process every rank joins at once, so the context only runs each
joinable's post-hook (``is_last_joiner=True``) on a clean exit. With more processes gradkit has
no shadow collectives for joined ranks: entering an enabled context raises
``NotImplementedError``; give every rank the same number of batches instead (a
``DistributedSampler`` with ``drop_last=True``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from .. import process_group as _pg

__all__ = ["Join", "JoinHook", "Joinable"]


class JoinHook:
    """What a joinable does for ranks still training (``main_hook``) and once all have joined
    (``post_hook``)."""

    def main_hook(self) -> None:
        """Shadow one iteration's collectives for the ranks still training."""

    def post_hook(self, is_last_joiner: bool) -> None:
        """Run once every rank has joined; ``is_last_joiner`` tells the rank that joined last."""


class Joinable(ABC):
    """A class whose instances can take part in a :class:`Join` context."""

    @abstractmethod
    def __init__(self) -> None:
        super().__init__()

    @property
    @abstractmethod
    def join_device(self):
        """The device the join collectives run on."""

    @property
    @abstractmethod
    def join_process_group(self):
        """The process group the join collectives run in."""

    @abstractmethod
    def join_hook(self, **kwargs) -> JoinHook:
        """The :class:`JoinHook` for this joinable (``kwargs``: those given to :class:`Join`)."""


class Join:
    """Context manager for training with uneven inputs across ranks (see the module docstring)."""

    def __init__(
        self, joinables, enable: bool = True, throw_on_early_termination: bool = False, **kwargs
    ) -> None:
        joinables = list(joinables)
        if not joinables:
            raise ValueError("The join context manager requires at least one joinable")
        for joinable in joinables:
            if not isinstance(joinable, Joinable):
                raise TypeError(f"Join: expected Joinable instances, got {type(joinable).__name__}")
        self._joinables = joinables
        self._hooks = [joinable.join_hook(**kwargs) for joinable in joinables]
        self._enable = bool(enable)
        self._throw_on_early_termination = bool(throw_on_early_termination)

    def __enter__(self):
        if self._enable and _pg.is_initialized() and _pg.get_world_size() > 1:
            raise NotImplementedError(
                "Join: gradkit does not shadow collectives for ranks that ran out of inputs; give "
                "every rank the same number of batches (DistributedSampler with drop_last=True) "
                "or pass enable=False"
            )
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        if self._enable and exc_type is None:
            for hook in self._hooks:
                hook.post_hook(True)

    @staticmethod
    def notify_join_context(joinable) -> None:
        """Tell the context a joinable is about to run its collectives: nothing to do in gradkit."""
        return None

"""``ReduceLROnPlateau``: lower the learning rate when a metric stops improving."""

from __future__ import annotations

import math
from typing import Any

from ..._warnings import warn
from ..optimizer import Optimizer
from ._base import EPOCH_DEPRECATION_WARNING, LRScheduler, _lrs, _per_group, _set_lr

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    """Reduce the learning rate when a metric has stopped improving.

    Args:
        optimizer: the optimizer.
        mode: ``"min"`` (lower metric is better) or ``"max"``. Default: "min".
        factor: multiply the learning rate by this on a plateau (< 1). Default: 0.1.
        patience: number of steps without improvement tolerated before reducing. Default: 10.
        threshold: minimal change that counts as an improvement. Default: 1e-4.
        threshold_mode: ``"rel"`` (relative to the best) or ``"abs"``. Default: "rel".
        cooldown: steps to wait after a reduction before counting again. Default: 0.
        min_lr: lower bound (one value or one per group). Default: 0.
        eps: reductions smaller than this are skipped. Default: 1e-8.

    ``step(metrics)`` takes the metric (positionally or as ``metrics=``), as PyTorch. It can sit
    inside :class:`SequentialLR` and :class:`ChainedScheduler` (after a warm-up, say).

    Examples:
        >>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=3)
        >>> for epoch in range(epochs):
        ...     sched.step(validate(model))
    """

    _get_lr_warns = False  # (PyTorch's plateau get_lr does not warn outside step())

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list = 0, eps: float = 1e-8) -> None:
        if factor >= 1.0:
            raise ValueError(f"Factor should be < 1.0, got factor={factor}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.factor = factor
        self.optimizer = optimizer
        min_lrs = _per_group("min_lr", optimizer, min_lr, "expected {n} min_lrs, got {got}")
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.min_lrs = min_lrs
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown! Use 'min' or 'max'.")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown! Use 'rel' or 'abs'.")
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        # (assigned in PyTorch's order: the state_dict lists the attributes in it)
        self.last_epoch = 0
        self._last_lr = _lrs(optimizer)
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: Any = None, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record the metric and reduce the learning rate after ``patience`` bad steps.

        Args:
            metrics: the monitored value (a number or 1-element tensor).
            epoch: deprecated; the step index.

        Raises:
            TypeError: if no metric is given.
        """
        if metrics is None:
            raise TypeError(
                "ReduceLROnPlateau.step() needs the monitored metric, e.g. "
                "scheduler.step(val_loss) or scheduler.step(metrics=val_loss)")
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warn(EPOCH_DEPRECATION_WARNING)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr(epoch)  # (PyTorch's signature: libraries replace this method)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _lrs(self.optimizer)

    def _reduce_lr(self, epoch=None) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    "The number of param groups in the optimizer "
                    f"({len(groups)}) differs from when ReduceLROnPlateau was initialized "
                    f"({len(self.min_lrs)}), usually due to a new param group being added to the "
                    "optimizer. Please modify the `min_lrs` field to match the length of the "
                    "optimizer param groups.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for i, group in enumerate(groups):
            old = float(group["lr"])
            new = max(old * self.factor, self.min_lrs[i])
            if old - new > self.eps:
                _set_lr(group, new)

    @property
    def in_cooldown(self) -> bool:
        """True while the scheduler waits after a reduction."""
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        """PyTorch's name for :meth:`is_better`, which ``step`` calls (so overriding either
        changes the decision)."""
        return self.is_better(a, best)

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` under the mode and threshold."""
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def get_lr(self) -> list:
        return _lrs(self.optimizer)

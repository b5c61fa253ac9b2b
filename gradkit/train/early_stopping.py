"""Early stopping: stop training when a monitored metric stops improving."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .._tensor import Tensor, wrap

__all__ = ["EarlyStopping"]


def _copy_state(state: dict) -> dict:
    out = {}
    for k, v in state.items():
        if isinstance(v, Tensor):
            out[k] = wrap(v._data.copy())
        elif isinstance(v, np.ndarray):
            out[k] = v.copy()
        else:
            out[k] = v
    return out


class EarlyStopping:
    """Tell a training loop to stop once a metric has not improved for ``patience`` steps.

    Works with any loop: call ``step(metric)`` after each evaluation and stop when it returns
    True. With ``restore_best_weights``, it keeps a copy of the module's ``state_dict`` taken at
    the best metric and loads it back into the module when it says stop (or on ``restore()``).

    Args:
        patience: number of evaluations without improvement before stopping. Default: 10.
        min_delta: smallest change that counts as an improvement. Default: 0.
        mode: ``"min"`` (lower is better, e.g. a loss) or ``"max"`` (e.g. accuracy).
        restore_best_weights: keep and restore the best weights of ``module``. Default: False.
        module: the module whose weights are saved (needed for ``restore_best_weights``; may
            also be given to ``step``).

    Attributes:
        best: the best metric so far. best_step: the step (1-based) it was reached at.
        num_bad_steps: evaluations since the last improvement. should_stop: the last verdict.

    A NaN metric counts as no improvement.

    Examples:
        >>> stopper = EarlyStopping(patience=5, restore_best_weights=True, module=model)
        >>> for epoch in range(100):
        ...     train_one_epoch(model)
        ...     if stopper.step(evaluate(model)):
        ...         break                     # model now holds the best weights
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0, mode: str = "min",
                 restore_best_weights: bool = False, module: Any = None) -> None:
        if (not isinstance(patience, numbers.Integral) or isinstance(patience, bool)
                or patience < 0):
            raise ValueError(f"EarlyStopping: patience must be an integer >= 0, got {patience!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if not min_delta >= 0:   # also NaN, which no metric would ever improve on
            raise ValueError(
                f"EarlyStopping: min_delta must be >= 0 (the direction comes from mode), "
                f"got {min_delta}")
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best_weights = restore_best_weights
        self.module = module
        self.best = math.inf if mode == "min" else -math.inf
        self.best_step = 0
        self.steps = 0
        self.num_bad_steps = 0
        self.should_stop = False
        self.best_weights: dict | None = None

    def is_better(self, metric: float) -> bool:
        """Whether ``metric`` improves on the best by more than ``min_delta``."""
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta

    def step(self, metric: Any, module: Any = None) -> bool:
        """Record one evaluation.

        Args:
            metric: the monitored value (a number or a 1-element tensor).
            module: the module to snapshot/restore (default: the one given to the constructor).

        Returns:
            True when training should stop.

        Raises:
            ValueError: if ``restore_best_weights`` is set and no module is known.
        """
        module = module if module is not None else self.module
        if self.restore_best_weights and module is None:
            raise ValueError(
                "EarlyStopping(restore_best_weights=True) needs the module: pass "
                "EarlyStopping(..., module=model) or step(metric, module=model)")
        value = float(metric)
        self.steps += 1
        if not math.isnan(value) and self.is_better(value):
            self.best = value
            self.best_step = self.steps
            self.num_bad_steps = 0
            if self.restore_best_weights:
                self.best_weights = _copy_state(module.state_dict())
        else:
            self.num_bad_steps += 1
        self.should_stop = self.num_bad_steps >= self.patience and self.steps > 0 \
            and self.num_bad_steps > 0
        if self.should_stop and self.restore_best_weights:
            self.restore(module)
        return self.should_stop

    def restore(self, module: Any = None) -> None:
        """Load the best weights saved so far into ``module`` (no-op if none were saved)."""
        module = module if module is not None else self.module
        if self.best_weights is not None and module is not None:
            module.load_state_dict(_copy_state(self.best_weights))

    def state_dict(self) -> dict[str, Any]:
        """The counters, the best metric and (if kept) the best weights."""
        return {"patience": self.patience, "min_delta": self.min_delta, "mode": self.mode,
                "restore_best_weights": self.restore_best_weights, "best": self.best,
                "best_step": self.best_step, "steps": self.steps,
                "num_bad_steps": self.num_bad_steps, "should_stop": self.should_stop,
                "best_weights": self.best_weights}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict`."""
        for k, v in state_dict.items():
            setattr(self, k, _copy_state(v) if k == "best_weights" and v is not None else v)

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"mode={self.mode!r}, best={self.best}, num_bad_steps={self.num_bad_steps})")

"""Callbacks: small objects the fit loop calls at fixed points.

Hooks, in the order the loop calls them::

    on_fit_start(trainer)
      on_epoch_start(trainer, epoch)                  # epoch counts from 1
        on_batch_start(trainer, batch_idx)
        on_batch_end(trainer, batch_idx, logs)        # logs: loss, batch_size, lr
      on_epoch_end(trainer, epoch, logs)              # logs: the epoch's history row
    on_fit_end(trainer)

Every hook is optional. A callback may set ``trainer.stop_training = True`` to end the fit after
the current epoch. Callbacks with state that must survive a resume implement ``state_dict`` and
``load_state_dict`` (JSON-serialisable values only).

Under data-parallel training (several MPI ranks), a callback whose class sets
``rank_zero_only = True`` runs on rank 0 only: the progress display, ``HistoryWriter``,
``ModelCheckpoint`` and ``PlotHistory`` do, so one run prints once and writes one set of files.
Other callbacks run on every rank (they see the same epoch logs everywhere).

Examples:
    >>> class PrintLR(Callback):
    ...     def on_epoch_end(self, trainer, epoch, logs):
    ...         print(epoch, logs["lr"])
    >>> Trainer(model, opt, loss_fn, callbacks=[PrintLR()]).fit(loader, epochs=3)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

# the hook interface (``Callback``, ``CallbackList``) is defined next to the loop that calls it;
# it is re-exported here, where users look for it
from .trainer import Callback, CallbackList

__all__ = [
    "Callback",
    "CallbackList",
    "HistoryWriter",
    "LambdaCallback",
    "ModelCheckpoint",
    "PlotHistory",
]


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda t, e, logs: ...)``.

    Each function takes the same arguments as the hook it replaces.
    """

    def __init__(self, **hooks: Callable):
        names = {"on_fit_start", "on_epoch_start", "on_batch_start", "on_batch_end",
                 "on_epoch_end", "on_fit_end"}
        for name, fn in hooks.items():
            if name not in names:
                raise TypeError(f"LambdaCallback: unknown hook {name!r}; expected one of "
                                f"{sorted(names)}")
            setattr(self, name, fn)


class HistoryWriter(Callback):
    """Write the trainer's history after every epoch to CSV and/or JSON lines.

    Args:
        csv_path: where to write CSV (``None`` for none).
        jsonl_path: where to write JSON lines (``None`` for none).
    """

    rank_zero_only = True

    def __init__(self, csv_path: str | os.PathLike | None = None,
                 jsonl_path: str | os.PathLike | None = None):
        if csv_path is None and jsonl_path is None:
            raise ValueError("HistoryWriter: give csv_path, jsonl_path or both")
        self.csv_path = csv_path
        self.jsonl_path = jsonl_path

    def on_epoch_end(self, trainer, epoch, logs):
        if self.csv_path is not None:
            trainer.history.to_csv(self.csv_path)
        if self.jsonl_path is not None:
            trainer.history.to_jsonl(self.jsonl_path)


class ModelCheckpoint(Callback):
    """Save a full training checkpoint (see :meth:`Trainer.save_checkpoint`) every few epochs.

    The file is replaced atomically: a crash while saving leaves the previous checkpoint intact.

    Args:
        path: the checkpoint file.
        every: save every ``every`` epochs (and always after the last epoch).
        best_path: optional second file, written when ``monitor`` improves.
        monitor: the history key that defines "best" (default ``"val_loss"``).
        mode: ``"min"`` or ``"max"``.
    """

    rank_zero_only = True

    def __init__(self, path: str | os.PathLike, *, every: int = 1,
                 best_path: str | os.PathLike | None = None, monitor: str = "val_loss",
                 mode: str = "min"):
        if int(every) < 1:
            raise ValueError(f"ModelCheckpoint: every must be >= 1, got {every}")
        if mode not in ("min", "max"):
            raise ValueError(f"ModelCheckpoint: mode must be 'min' or 'max', got {mode!r}")
        self.path = Path(path)
        self.every = int(every)
        self.best_path = None if best_path is None else Path(best_path)
        self.monitor = monitor
        self.mode = mode
        self.best: float | None = None

    def on_epoch_end(self, trainer, epoch, logs):
        value = logs.get(self.monitor)
        if self.best_path is not None and isinstance(value, (int, float)):
            better = (self.best is None or (value < self.best if self.mode == "min"
                                            else value > self.best))
            if better:
                self.best = float(value)
                trainer.save_checkpoint(self.best_path)
        if epoch % self.every == 0 or epoch >= trainer.target_epochs or trainer.stop_training:
            trainer.save_checkpoint(self.path)

    def state_dict(self) -> dict:
        return {"best": self.best}

    def load_state_dict(self, state: dict) -> None:
        self.best = state.get("best")


class PlotHistory(Callback):
    """Plot loss, accuracy and learning rate per epoch to a PNG at the end of the fit.

    Needs matplotlib (``pip install gradkit[train]``); without it, prints a one-line note.

    Args:
        path: the PNG file.
        every_epoch: also redraw after each epoch (handy to watch a long run).
    """

    rank_zero_only = True

    def __init__(self, path: str | os.PathLike, *, every_epoch: bool = False):
        self.path = Path(path)
        self.every_epoch = every_epoch
        self.written: Path | None = None

    def _draw(self, trainer):
        from .plots import plot_history

        try:
            self.written = plot_history(trainer.history, self.path)
        except ImportError as exc:
            print(f"gradkit: note: no plot written ({exc})")

    def on_epoch_end(self, trainer, epoch, logs):
        if self.every_epoch:
            self._draw(trainer)

    def on_fit_end(self, trainer):
        if len(trainer.history):
            self._draw(trainer)

"""A small fit loop: train and validation epochs, metrics, schedulers, clipping, accumulation,
early stopping, callbacks and resumable checkpoints.

The loop is deliberately plain; reading :meth:`Trainer._train_epoch` shows everything it does, and
a user can replace it with their own ``for`` loop over the same gradkit objects at any time.

Data-parallel training: launch the same script with ``mpiexec -n R`` and call
``gradkit.distributed.init_process_group("mpi")`` before building the Trainer. The Trainer then
wraps the model in ``DistributedDataParallel``, shards the training ``DataLoader`` with a
``DistributedSampler`` (per-rank batch = the loader's batch size / R, so the global batch and the
number of steps per epoch stay what they are on one process), averages the epoch metrics over all
ranks (sums and counts), evaluates a shard of the validation data on every rank and combines the
sums, and runs the callbacks that print or write files (progress, history, checkpoints, plots) on
rank 0 only. Checkpoints hold the unwrapped model's state, so they load on any number of ranks.

Examples:
    >>> model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    >>> opt = gradkit.optim.Adam(model.parameters(), lr=1e-3)
    >>> trainer = Trainer(model, opt, nn.CrossEntropyLoss())
    >>> history = trainer.fit(train_loader, val_loader, epochs=10)
    >>> trainer.evaluate(test_loader)
    {'loss': 0.09, 'accuracy': 0.97}
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import gradkit

from .checkpoint import load_checkpoint, save_checkpoint
from .history import History

__all__ = ["Callback", "CallbackList", "Trainer"]

_STEP_SCHEDULERS = ("OneCycleLR", "CyclicLR")


def _as_numpy(x) -> np.ndarray:
    if isinstance(x, gradkit.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def _count_correct(output, target) -> tuple[int, int]:
    """(number correct, number counted) for class scores ``output`` and integer ``target``.

    The class dimension is 1 (PyTorch's convention, ``(N, C, ...)``), except for batch-first
    sequence outputs ``(N, T, C)`` with targets ``(N, T)``, where it is the last one.
    """
    out, tgt = _as_numpy(output), _as_numpy(target)
    if not np.issubdtype(tgt.dtype, np.integer):
        return 0, 0
    if out.ndim == tgt.ndim + 1:
        class_dim = -1 if (out.ndim == 3 and out.shape[:2] == tgt.shape) else 1
        pred = out.argmax(axis=class_dim)
    elif out.ndim == tgt.ndim and out.ndim >= 1 and out.shape[-1] == 1:
        pred = (out > 0).astype(tgt.dtype)  # one logit per sample: binary classification
    else:
        return 0, 0
    return int((pred == tgt).sum()), int(tgt.size)


def _batch_size(x) -> int:
    if isinstance(x, (list, tuple)):
        return _batch_size(x[0])
    if isinstance(x, dict):
        return _batch_size(next(iter(x.values())))
    shape = getattr(x, "shape", None)
    return int(shape[0]) if shape else 1


def _to_device(x, device):
    if device is None:
        return x
    if isinstance(x, gradkit.Tensor):
        return x.to(device)
    if isinstance(x, (list, tuple)):
        return type(x)(_to_device(v, device) for v in x)
    if isinstance(x, dict):
        return {k: _to_device(v, device) for k, v in x.items()}
    return x


def _waited() -> float:
    """Seconds this rank has waited for collectives (0 without gradkit.distributed's group)."""
    from gradkit.distributed._straggler import wait_seconds

    return wait_seconds()


def _world():
    """(rank, world size) of gradkit.distributed's default group; (0, 1) when not initialised."""
    from gradkit import distributed as dist

    if not dist.is_initialized():
        return 0, 1
    return dist.get_rank(), dist.get_world_size()


def _metric_style(scheduler) -> str:
    """How ``scheduler.step`` takes a metric: ``"keyword"`` (``step(metrics=...)``, every gradkit
    scheduler), ``"positional"`` (a first parameter named metrics, like PyTorch's
    ReduceLROnPlateau) or ``"none"``."""
    try:
        params = inspect.signature(scheduler.step).parameters
    except (TypeError, ValueError):
        return "none"
    names = list(params)
    if names and names[0] in ("metrics", "metric", "value"):
        return "positional"
    if "metrics" in params and params["metrics"].kind in (
            inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
        return "keyword"
    return "none"


class Callback:
    """Base class: override the hooks you need; all default to doing nothing.

    Attributes:
        rank_zero_only: set to ``True`` on callbacks that print or write files, so that under
            data-parallel training only rank 0 runs them.
    """

    rank_zero_only = False

    def on_fit_start(self, trainer: Trainer) -> None:
        pass

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        pass

    def on_batch_start(self, trainer: Trainer, batch_idx: int) -> None:
        pass

    def on_batch_end(self, trainer: Trainer, batch_idx: int, logs: dict) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None:
        pass

    def on_fit_end(self, trainer: Trainer) -> None:
        pass


class CallbackList(Callback):
    """Calls each hook on every callback, in order."""

    def __init__(self, callbacks: Iterable[Callback] = ()):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be gradkit.train.Callback instances, got "
                                f"{type(cb).__name__}")

    @staticmethod
    def _runs_here(cb, trainer) -> bool:
        return not cb.rank_zero_only or getattr(trainer, "rank", 0) == 0

    def on_fit_start(self, trainer):
        for cb in self.callbacks:
            if self._runs_here(cb, trainer):
                cb.on_fit_start(trainer)

    def on_epoch_start(self, trainer, epoch):
        for cb in self.callbacks:
            if self._runs_here(cb, trainer):
                cb.on_epoch_start(trainer, epoch)

    def on_batch_start(self, trainer, batch_idx):
        for cb in self.callbacks:
            if self._runs_here(cb, trainer):
                cb.on_batch_start(trainer, batch_idx)

    def on_batch_end(self, trainer, batch_idx, logs):
        for cb in self.callbacks:
            if self._runs_here(cb, trainer):
                cb.on_batch_end(trainer, batch_idx, logs)

    def on_epoch_end(self, trainer, epoch, logs):
        for cb in self.callbacks:
            if self._runs_here(cb, trainer):
                cb.on_epoch_end(trainer, epoch, logs)

    def on_fit_end(self, trainer):
        for cb in self.callbacks:
            if self._runs_here(cb, trainer):
                cb.on_fit_end(trainer)


def _restore_rng(generator, state) -> None:
    """Restore a generator's state from a checkpoint. A checkpoint written before gradkit's
    generator became PyTorch's mt19937 holds a NumPy PCG64 state (a dict), which the new stream
    cannot continue: the generator is then seeded from that state (the same seed on every
    resume) with a warning; training resumes, but its later dropout masks and shuffles differ
    from those of the interrupted run."""
    if isinstance(state, dict):
        inner = state.get("state")
        word = inner.get("state", 0) if isinstance(inner, dict) else 0
        seed = (int(word) ^ int(state.get("seed", 0) or 0)) % 2 ** 63
        warnings.warn(
            "this checkpoint's random state is gradkit's former NumPy PCG64 stream, which "
            "gradkit's generator (now PyTorch's mt19937) cannot continue; the generator is "
            f"seeded from it instead (seed {seed}), so the resumed run draws other dropout masks "
            "and shuffles than the interrupted one would have", RuntimeWarning, stacklevel=3)
        generator.manual_seed(seed)
        return
    generator.set_state(state)


class Trainer:
    """Fit a model with an optimizer and a loss, one epoch at a time.

    Args:
        model: a ``gradkit.nn.Module``.
        optimizer: a ``gradkit.optim.Optimizer`` over the model's parameters.
        loss_fn: ``loss_fn(output, target) -> scalar Tensor`` (e.g. ``nn.CrossEntropyLoss()``).
        scheduler: an LR scheduler. By default it steps once per epoch, after validation
            (per batch for ``OneCycleLR``/``CyclicLR``), and is given ``monitor``'s value as
            ``step(metrics=value)`` (gradkit's schedulers all accept it; ReduceLROnPlateau, alone
            or after a warm-up in ``SequentialLR``, uses it).
        scheduler_interval: ``"epoch"`` or ``"step"`` (per optimizer step); ``None`` picks.
        monitor: the history key schedulers and early stopping watch. Default ``"val_loss"``
            when fitting with validation data, else ``"loss"``.
        metrics: what to report per epoch: ``"loss"``, ``"accuracy"`` (integer targets only),
            ``"perplexity"`` (``exp`` of the mean loss), or ``(name, fn)`` pairs where
            ``fn(output, target)`` returns the batch mean of a number.
        grad_clip: clip the global gradient norm to this value before each step
            (``nn.utils.clip_grad_norm_``); ``None`` for no clipping.
        accumulate_steps: add up gradients over this many batches per optimizer step. The loss
            is divided by the group's size, so the step matches one on the combined batch.
        early_stopping: a ``gradkit.train.EarlyStopping`` fed the monitored value (and the
            model) each epoch; when it says stop, the fit ends, and with
            ``restore_best_weights=True`` the model holds the best epoch's weights.
        callbacks: :class:`~gradkit.train.Callback` objects (progress, checkpoints, plots, ...).
        progress: ``"auto"``, ``"bar"``, ``"epoch"`` or ``"off"``; adds a
            :class:`~gradkit.train.ProgressBar` unless one is among ``callbacks``.
        device: move the model and each batch there (``None`` leaves them where they are).
        terminate_on_nan: raise ``FloatingPointError`` as soon as a training loss is NaN or
            infinite (instead of training on garbage); the last checkpoint stays intact.
        distributed: data-parallel training over ``gradkit.distributed`` (MPI). ``None`` (the
            default) turns it on when the process group is initialised with more than one
            rank; ``True`` also initialises the group (``init_process_group("mpi")``) if needed;
            ``False`` never shards or synchronises anything. An already wrapped
            ``DistributedDataParallel`` model is accepted as well. Under more than one rank the
            training loader must be a ``DataLoader`` whose batch size is divisible by the number
            of ranks (it is re-sharded with ``DistributedSampler``, ``batch_size / world`` per
            rank), or one that already uses a ``DistributedSampler`` (used as it is); every rank
            must call ``fit``/``evaluate`` together.

    Attributes:
        model: the unwrapped module (what checkpoints hold).
        ddp_model: the ``DistributedDataParallel`` wrapper training runs through, or ``None``.
        rank, world_size: this process's rank and the number of ranks (0 and 1 on one process).
        epoch: epochs completed (restored by :meth:`load_checkpoint`).
        global_step: optimizer steps taken.
        history: a :class:`~gradkit.train.History`, one row per epoch.
        stop_training: set it to ``True`` (from a callback) to stop after the current epoch.
    """

    def __init__(self, model, optimizer, loss_fn: Callable, *, scheduler=None,
                 scheduler_interval: str | None = None, monitor: str | None = None,
                 metrics: Sequence[Any] = ("loss", "accuracy"), grad_clip: float | None = None,
                 accumulate_steps: int = 1, early_stopping=None,
                 callbacks: Iterable[Callback] = (), progress: str = "auto", device=None,
                 terminate_on_nan: bool = True, distributed: bool | None = None):
        if not callable(loss_fn):
            raise TypeError(f"Trainer: loss_fn must be callable, got {type(loss_fn).__name__}")
        if grad_clip is not None and not (float(grad_clip) > 0):
            raise ValueError(f"Trainer: grad_clip must be a positive number or None, "
                             f"got {grad_clip!r}")
        if int(accumulate_steps) != accumulate_steps or accumulate_steps < 1:
            raise ValueError(f"Trainer: accumulate_steps must be an integer >= 1, "
                             f"got {accumulate_steps!r}")
        if scheduler_interval not in (None, "epoch", "step"):
            raise ValueError(f"Trainer: scheduler_interval must be 'epoch', 'step' or None, "
                             f"got {scheduler_interval!r}")
        if distributed not in (None, True, False):
            raise ValueError(f"Trainer: distributed must be None, True or False, "
                             f"got {distributed!r}")
        self.model = model
        self.ddp_model = None
        self.rank, self.world_size = 0, 1
        self._setup_distributed(distributed)
        self._eval_shards: dict = {}
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.scheduler = scheduler
        if scheduler_interval is None:
            scheduler_interval = ("step" if type(scheduler).__name__ in _STEP_SCHEDULERS
                                  else "epoch")
        self.scheduler_interval = scheduler_interval
        self.monitor = monitor
        self.metrics = self._parse_metrics(metrics)
        self.grad_clip = None if grad_clip is None else float(grad_clip)
        self.accumulate_steps = int(accumulate_steps)
        self.early_stopping = early_stopping
        self.device = device
        self.terminate_on_nan = bool(terminate_on_nan)
        callbacks = list(callbacks)
        from .progress import ProgressBar

        if progress != "off" and not any(isinstance(c, ProgressBar) for c in callbacks):
            callbacks.insert(0, ProgressBar(progress))
        self.callbacks = CallbackList(callbacks)

        self.epoch = 0
        self.global_step = 0
        self.history = History()
        self.stop_training = False
        self.target_epochs = 0
        self.batches_per_epoch: int | None = None
        self.train_loader = None
        if device is not None:
            self.model.to(device)

    def _setup_distributed(self, distributed) -> None:
        from gradkit import distributed as dist
        from gradkit.nn.parallel import DistributedDataParallel

        if isinstance(self.model, DistributedDataParallel):
            if distributed is False:
                raise ValueError("Trainer: distributed=False but the model is wrapped in "
                                 "DistributedDataParallel; pass the plain module instead")
            self.ddp_model, self.model = self.model, self.model.module
        elif distributed is False:
            return
        else:
            if distributed and not dist.is_initialized():
                dist.init_process_group("mpi")
            if _world()[1] > 1:
                self.ddp_model = DistributedDataParallel(self.model)
        self.rank, self.world_size = _world()

    @property
    def is_main_process(self) -> bool:
        """True on rank 0 (and on a single process): the rank that prints and writes files."""
        return self.rank == 0

    # -- configuration helpers --------------------------------------------------------------
    @staticmethod
    def _parse_metrics(metrics) -> list[tuple[str, Callable | None]]:
        if isinstance(metrics, str):
            metrics = (metrics,)
        parsed: list[tuple[str, Callable | None]] = []
        for m in metrics:
            if isinstance(m, str):
                if m not in ("loss", "accuracy", "perplexity"):
                    raise ValueError(f"Trainer: unknown metric {m!r}; use 'loss', 'accuracy', "
                                     f"'perplexity' or a (name, fn) pair")
                parsed.append((m, None))
            elif isinstance(m, tuple) and len(m) == 2 and callable(m[1]):
                parsed.append((str(m[0]), m[1]))
            else:
                raise TypeError(f"Trainer: a metric is a name or a (name, fn) pair, got {m!r}")
        return parsed

    @property
    def lr(self) -> float:
        """The first parameter group's current learning rate."""
        return float(self.optimizer.param_groups[0]["lr"])

    def _monitor_key(self, row: dict) -> str:
        if self.monitor is not None:
            return self.monitor
        return "val_loss" if "val_loss" in row else "loss"

    # -- the loop ---------------------------------------------------------------------------
    def fit(self, train_loader, val_loader=None, epochs: int = 1) -> History:
        """Train until ``epochs`` epochs are complete in total.

        ``epochs`` counts from the start of training, not from this call: a trainer restored
        from a checkpoint after 3 epochs and given ``epochs=5`` trains 2 more.

        Args:
            train_loader: an iterable of ``(inputs, targets)`` batches (a ``DataLoader``).
            val_loader: optional batches to evaluate after every epoch (``val_*`` columns).
            epochs: the total number of epochs to reach.

        Returns:
            The :class:`~gradkit.train.History`.
        """
        if int(epochs) != epochs or epochs < 0:
            raise ValueError(f"Trainer.fit: epochs must be a non-negative integer, got {epochs!r}")
        self.target_epochs = int(epochs)
        self.train_loader = train_loader
        self.stop_training = False
        loader = self._shard_train(train_loader) if self.world_size > 1 else train_loader
        self.callbacks.on_fit_start(self)
        try:
            while self.epoch < self.target_epochs and not self.stop_training:
                self._run_epoch(loader, val_loader)
        finally:
            self._restore_best_if_stopped()
            self.callbacks.on_fit_end(self)
        return self.history

    def _shard_train(self, loader):
        """The training loader for this rank: ``loader``'s dataset through a DistributedSampler,
        ``batch_size / world_size`` samples per rank and batch."""
        from gradkit.utils.data import (
            DataLoader,
            IterableDataset,
            RandomSampler,
            SequentialSampler,
        )
        from gradkit.utils.data.distributed import DistributedSampler

        world = self.world_size
        if isinstance(loader, DataLoader) and isinstance(loader.sampler, DistributedSampler):
            return loader  # sharded by the caller
        if (not isinstance(loader, DataLoader) or isinstance(loader.dataset, IterableDataset)
                or loader.batch_size is None
                or not isinstance(loader.sampler, (RandomSampler, SequentialSampler))):
            raise TypeError(
                f"Trainer: distributed training over {world} ranks shards the training data, "
                f"which needs a DataLoader over a map-style dataset with batch_size and "
                f"shuffle (got {type(loader).__name__}); or build the loader yourself with "
                f"sampler=DistributedSampler(dataset) and pass that")
        if loader.batch_size % world:
            raise ValueError(
                f"Trainer: the batch size {loader.batch_size} is split over {world} ranks and "
                f"must be divisible by {world}; use a batch size of "
                f"{-(-loader.batch_size // world) * world}")
        shuffle = isinstance(loader.sampler, RandomSampler)
        seed = loader.generator.initial_seed() if loader.generator is not None else 0
        sampler = DistributedSampler(loader.dataset, num_replicas=world, rank=self.rank,
                                     shuffle=shuffle, seed=seed)
        extra = {}
        if loader.num_workers:
            extra = {"num_workers": loader.num_workers, "prefetch_factor": loader.prefetch_factor,
                     "persistent_workers": loader.persistent_workers,
                     "worker_init_fn": loader.worker_init_fn,
                     "multiprocessing_context": loader.multiprocessing_context}
        return DataLoader(loader.dataset, batch_size=loader.batch_size // world, sampler=sampler,
                          drop_last=loader.drop_last, collate_fn=loader.collate_fn, **extra)

    def _shard_eval(self, loader):
        """(loader, sharded): every ``world_size``-th sample of ``loader`` from this rank on (no
        padding, so no sample counts twice), or ``loader`` itself when it cannot be split."""
        from gradkit.utils.data import DataLoader, IterableDataset, Subset

        key = id(loader)
        if key in self._eval_shards and self._eval_shards[key][0] is loader:
            return self._eval_shards[key][1:]
        if (isinstance(loader, DataLoader) and not isinstance(loader.dataset, IterableDataset)
                and loader.batch_size is not None):
            indices = list(range(self.rank, len(loader.dataset), self.world_size))
            shard = DataLoader(Subset(loader.dataset, indices), batch_size=loader.batch_size,
                               collate_fn=loader.collate_fn)
            result = (shard, True)
        else:
            result = (loader, False)
        self._eval_shards[key] = (loader, *result)
        return result

    def _sync_buffers(self) -> None:
        """Give every rank rank 0's buffers (BatchNorm statistics drift apart during an epoch)."""
        from gradkit import distributed as dist

        for b in self.model.buffers():
            if b._data.size and b._data.flags.c_contiguous:
                dist.broadcast(b, src=0)

    def _any_rank(self, flag: bool) -> bool:
        from gradkit import distributed as dist

        t = gradkit.tensor([1.0 if flag else 0.0], dtype=gradkit.float64)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def _run_epoch(self, train_loader, val_loader) -> dict:
        epoch = self.epoch + 1
        sampler = getattr(train_loader, "sampler", None)
        if self.world_size > 1 and hasattr(sampler, "set_epoch"):
            sampler.set_epoch(self.epoch)  # a new shuffle per epoch, the same on every rank
        try:
            self.batches_per_epoch = len(train_loader)
        except TypeError:
            self.batches_per_epoch = None
        self.callbacks.on_epoch_start(self, epoch)
        lr = self.lr
        t0 = time.perf_counter()
        waited = _waited() if self.world_size > 1 else 0.0
        row: dict = {"epoch": epoch}
        row.update(self._train_epoch(train_loader))
        seconds = time.perf_counter() - t0
        if self.world_size > 1:
            self._report_slow_rank(seconds, _waited() - waited)
        if val_loader is not None:
            row.update({f"val_{k}": v for k, v in self.evaluate(val_loader).items()})
        row["lr"] = lr
        row["time"] = seconds
        row["samples_per_s"] = self._samples_seen / max(seconds, 1e-9)  # over all ranks
        key = self._monitor_key(row)
        monitored = row.get(key)
        if self.scheduler is not None and self.scheduler_interval == "epoch":
            self._scheduler_step(monitored, key)
        if self.early_stopping is not None:
            self._early_stopping_step(monitored, key)
        self.epoch = epoch
        self.history.append(row)
        self.callbacks.on_epoch_end(self, epoch, row)
        if self.world_size > 1:  # a callback on one rank may stop: all ranks stop together
            self.stop_training = self._any_rank(self.stop_training)
        return row

    def _report_slow_rank(self, seconds: float, waited: float) -> None:
        """Data-parallel: when waiting for the other ranks took over a third of a rank's
        epoch, rank 0 prints which rank is slow (or that communication is)."""
        from gradkit.distributed._straggler import slow_rank_note

        note = slow_rank_note(seconds, waited, f"epoch {self.epoch + 1}'s training")
        if note is not None and self.rank == 0:
            print(f"note: {note}", file=sys.stderr, flush=True)

    def _train_epoch(self, loader) -> dict:
        """One pass over ``loader`` with optimizer steps; returns the epoch's mean metrics."""
        self.model.train()
        model = self.ddp_model if self.ddp_model is not None else self.model
        try:
            n_batches: int | None = len(loader)
        except TypeError:
            n_batches = None
        k = self.accumulate_steps
        totals = _Totals(self.metrics)
        self._samples_seen = 0
        pending = False
        self.optimizer.zero_grad()
        i = -1
        for i, batch in enumerate(loader):
            self.callbacks.on_batch_start(self, i)
            inputs, targets = self._split(batch)
            group_start = (i // k) * k
            group_size = k if n_batches is None else min(k, n_batches - group_start)
            last_of_group = (i + 1 - group_start) == group_size
            # inside an accumulation group, gradients add up locally; the group's last backward
            # averages them over the ranks
            no_sync = (self.ddp_model.no_sync() if self.ddp_model is not None
                       and not last_of_group else contextlib.nullcontext())
            with no_sync:
                output = model(inputs)
                loss = self.loss_fn(output, targets)
                loss_value = float(loss.item())
                if self.terminate_on_nan and not math.isfinite(loss_value):
                    rank = f" on rank {self.rank}" if self.world_size > 1 else ""
                    raise FloatingPointError(
                        f"the training loss is {loss_value} at epoch {self.epoch + 1}, batch "
                        f"{i}{rank}; lower the learning rate or clip gradients (grad_clip)")
                (loss / group_size if group_size > 1 else loss).backward()
            pending = True
            logs: dict = {"lr": self.lr}
            if last_of_group:
                logs.update(self._optimizer_step())
                pending = False
            n = _batch_size(inputs)
            self._samples_seen += n
            totals.add(loss_value, output, targets, n)
            logs.update(loss=loss_value, batch_size=n)
            self.callbacks.on_batch_end(self, i, logs)
        if i < 0:
            raise ValueError("Trainer.fit: the training loader gave no batches")
        if pending:  # a loader without len() ended inside an accumulation group
            self._optimizer_step()
        if self.world_size > 1:
            self._samples_seen = totals.reduce_over_ranks(self._samples_seen)
            self._sync_buffers()
        return totals.result()

    def _optimizer_step(self) -> dict:
        logs = {}
        if self.grad_clip is not None:
            from gradkit.nn.utils import clip_grad_norm_

            params = [p for g in self.optimizer.param_groups for p in g["params"]]
            logs["grad_norm"] = float(clip_grad_norm_(params, self.grad_clip))
        self.optimizer.step()
        self.optimizer.zero_grad()
        self.global_step += 1
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()
        return logs

    def _scheduler_step(self, monitored, key: str) -> None:
        style = _metric_style(self.scheduler)
        if style == "positional":
            if monitored is None:
                raise ValueError(f"Trainer: the scheduler {type(self.scheduler).__name__} "
                                 f"watches {key!r}, which is not in the epoch's logs")
            self.scheduler.step(monitored)
        elif style == "keyword" and monitored is not None:
            self.scheduler.step(metrics=monitored)
        else:
            self.scheduler.step()

    def _early_stopping_step(self, monitored, key: str) -> None:
        if monitored is None:
            raise ValueError(f"Trainer: early stopping watches {key!r}, which is not in the "
                             f"epoch's logs")
        stopper = self.early_stopping
        params = inspect.signature(stopper.step).parameters
        if "module" in params:  # gradkit.train.EarlyStopping snapshots the best weights
            stop = stopper.step(monitored, module=self.model)
        else:
            stop = stopper.step(monitored)
        if stop:
            self.stop_training = True

    def _restore_best_if_stopped(self) -> None:
        """Put the best weights back when early stopping ended the fit (and keeps them)."""
        stopper = self.early_stopping
        if stopper is None or not getattr(stopper, "should_stop", False):
            return
        if getattr(stopper, "restore_best_weights", False) and hasattr(stopper, "restore"):
            stopper.restore(self.model)

    def _split(self, batch):
        if isinstance(batch, (list, tuple)):
            if len(batch) == 2:
                return _to_device(batch[0], self.device), _to_device(batch[1], self.device)
            if len(batch) == 1:
                return _to_device(batch[0], self.device), None
        length = len(batch) if hasattr(batch, "__len__") else "?"
        raise TypeError(f"Trainer: each batch must be (inputs, targets), got "
                        f"{type(batch).__name__} of length {length}; subclass Trainer and "
                        f"override _split for other layouts")

    # -- evaluation -------------------------------------------------------------------------
    def evaluate(self, loader) -> dict:
        """Mean loss and metrics over ``loader`` in eval mode without gradients.

        Under more than one rank (call it on every rank), each rank evaluates every
        ``world_size``-th sample of a ``DataLoader`` and the sums are combined, so every rank
        gets the numbers one process would; other iterables are evaluated whole on every rank
        and rank 0's numbers are used.

        Returns:
            e.g. ``{"loss": 0.08, "accuracy": 0.98}``.
        """
        sharded = False
        if self.world_size > 1:
            loader, sharded = self._shard_eval(loader)
        was_training = self.model.training
        self.model.eval()
        totals = _Totals(self.metrics)
        try:
            with gradkit.no_grad():
                for batch in loader:
                    inputs, targets = self._split(batch)
                    output = self.model(inputs)
                    loss = self.loss_fn(output, targets) if targets is not None else None
                    totals.add(None if loss is None else float(loss.item()), output, targets,
                               _batch_size(inputs))
        finally:
            self.model.train(was_training)
        if sharded:
            totals.reduce_over_ranks()
        elif self.world_size > 1:  # every rank saw everything: use rank 0's numbers, bit for bit
            from gradkit import distributed as dist

            box = [totals.result()]
            dist.broadcast_object_list(box, src=0)
            return box[0]
        return totals.result()

    def predict(self, data, batch_size: int = 256):
        """The model's outputs for a Tensor of inputs or a loader of batches, concatenated.

        Args:
            data: a ``Tensor`` (split into ``batch_size`` rows at a time) or an iterable of
                batches (``(inputs, targets)`` or ``(inputs,)`` or bare inputs).
            batch_size: rows per forward pass when ``data`` is a Tensor.
        """
        was_training = self.model.training
        self.model.eval()
        outputs = []
        try:
            with gradkit.no_grad():
                if isinstance(data, gradkit.Tensor):
                    for start in range(0, data.shape[0], batch_size):
                        outputs.append(self.model(_to_device(data[start:start + batch_size],
                                                             self.device)))
                else:
                    for batch in data:
                        inputs = batch[0] if isinstance(batch, (list, tuple)) else batch
                        outputs.append(self.model(_to_device(inputs, self.device)))
        finally:
            self.model.train(was_training)
        if not outputs:
            raise ValueError("Trainer.predict: no inputs given")
        return gradkit.cat(outputs, 0)

    # -- checkpoints ------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything needed to continue training exactly where it stopped.

        Model, optimizer, scheduler, early stopping and callback states, epoch and step
        counters, history, and the random states: gradkit's default generator and the train
        loader's own generator (when it has one).
        """
        loader_gen = getattr(self.train_loader, "generator", None)
        cb_states = {str(i): cb.state_dict() for i, cb in enumerate(self.callbacks.callbacks)
                     if hasattr(cb, "state_dict")}
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "early_stopping": (self.early_stopping.state_dict()
                               if hasattr(self.early_stopping, "state_dict") else None),
            "callbacks": cb_states,
            "epoch": self.epoch,
            "global_step": self.global_step,
            "history": self.history.state_dict(),
            "rng": {"gradkit": gradkit.get_rng_state(),
                    "loader": None if loader_gen is None else loader_gen.get_state()},
        }

    def load_state_dict(self, state: dict, train_loader=None) -> None:
        """Restore what :meth:`state_dict` gave (the loader's generator if ``train_loader``)."""
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            if self.scheduler is not None and state.get("scheduler") is not None:
                self.scheduler.load_state_dict(state["scheduler"])
            if self.early_stopping is not None and state.get("early_stopping") is not None:
                self.early_stopping.load_state_dict(state["early_stopping"])
            for i, cb in enumerate(self.callbacks.callbacks):
                cb_state = (state.get("callbacks") or {}).get(str(i))
                if cb_state is not None and hasattr(cb, "load_state_dict"):
                    cb.load_state_dict(cb_state)
            self.epoch = int(state["epoch"])
            self.global_step = int(state["global_step"])
            self.history.load_state_dict(state.get("history") or [])
            rng = state.get("rng") or {}
        except KeyError as exc:
            raise ValueError(f"Trainer.load_state_dict: the checkpoint lacks {exc}; was it "
                             f"written by Trainer.save_checkpoint?") from None
        if rng.get("gradkit") is not None:
            _restore_rng(gradkit.random.default_generator, rng["gradkit"])
        loader = train_loader if train_loader is not None else self.train_loader
        loader_gen = getattr(loader, "generator", None)
        if loader_gen is not None and rng.get("loader") is not None:
            _restore_rng(loader_gen, rng["loader"])
        if train_loader is not None:
            self.train_loader = train_loader

    def save_checkpoint(self, path: str | os.PathLike, **extra) -> Path:
        """Write :meth:`state_dict` (plus JSON-serialisable ``extra``) to ``path`` atomically."""
        state = self.state_dict()
        if extra:
            state["extra"] = extra
        return save_checkpoint(state, path)

    def load_checkpoint(self, path: str | os.PathLike, train_loader=None) -> dict:
        """Restore a checkpoint written by :meth:`save_checkpoint`; returns the raw state.

        Pass the ``train_loader`` you will fit on so its shuffling continues where it was.
        """
        state = load_checkpoint(path)
        self.load_state_dict(state, train_loader=train_loader)
        return state


class _Totals:
    """Running sums of loss and metrics over an epoch, weighted by batch size."""

    def __init__(self, metrics):
        self.metrics = metrics
        self.loss_sum = 0.0
        self.loss_n = 0
        self.correct = 0
        self.counted = 0
        self.custom: dict[str, float] = {}
        self.custom_n = 0

    def reduce_over_ranks(self, samples: int = 0) -> int:
        """Replace the sums and counts by their totals over all ranks (returns the total of
        ``samples``). All-gathered and added in rank order in float64, so every rank gets the
        same bits and stays in lockstep (schedulers, early stopping)."""
        from gradkit import distributed as dist

        names = [name for name, fn in self.metrics if fn is not None]
        mine = [self.loss_sum, self.loss_n, self.correct, self.counted, self.custom_n, samples]
        mine += [self.custom.get(name, 0.0) for name in names]
        world = dist.get_world_size()
        local = gradkit.tensor(np.asarray(mine, dtype=np.float64))
        gathered = [gradkit.zeros(len(mine), dtype=gradkit.float64) for _ in range(world)]
        dist.all_gather(gathered, local)
        total = np.zeros(len(mine), dtype=np.float64)
        for t in gathered:
            total += t.numpy()
        self.loss_sum = float(total[0])
        self.loss_n, self.correct, self.counted, self.custom_n = (int(v) for v in total[1:5])
        self.custom = {name: float(v) for name, v in zip(names, total[6:])}
        return int(total[5])

    def add(self, loss_value, output, target, n):
        names = [name for name, _ in self.metrics]
        if loss_value is not None:
            self.loss_sum += loss_value * n
            self.loss_n += n
        if target is None:
            return
        if "accuracy" in names:
            c, m = _count_correct(output, target)
            self.correct += c
            self.counted += m
        for name, fn in self.metrics:
            if fn is not None:
                value = fn(output, target)
                value = float(value.item() if hasattr(value, "item") else value)
                self.custom[name] = self.custom.get(name, 0.0) + value * n
        self.custom_n += n

    def result(self) -> dict:
        out: dict = {}
        mean_loss = self.loss_sum / self.loss_n if self.loss_n else None
        for name, fn in self.metrics:
            if name == "loss" and mean_loss is not None:
                out["loss"] = mean_loss
            elif name == "accuracy" and self.counted:
                out["accuracy"] = self.correct / self.counted
            elif name == "perplexity" and mean_loss is not None:
                out["perplexity"] = math.exp(min(mean_loss, 700.0))
            elif fn is not None and self.custom_n:
                out[name] = self.custom[name] / self.custom_n
        if "loss" not in out and mean_loss is not None:
            out["loss"] = mean_loss  # the loss is always reported: schedulers watch it
        return out

"""The LR range test: raise the learning rate exponentially over a few hundred steps, record the
smoothed loss, and suggest the rate where the loss falls fastest.

The model, the optimizer and the random state are put back afterwards, so the test can run right
before a real fit without changing it.

Examples:
    >>> result = lr_find(model, optimizer, nn.CrossEntropyLoss(), train_loader)
    >>> result.suggestion
    0.0031
    >>> result.plot("runs/lr_find.png")
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import gradkit

__all__ = ["LRFindResult", "lr_find", "suggest_lr"]


@dataclass
class LRFindResult:
    """What :func:`lr_find` measured.

    Attributes:
        lrs: the learning rate of each step.
        losses: the smoothed (bias-corrected exponential moving average) loss of each step.
        raw_losses: the batch losses.
        suggestion: the LR at the steepest descent of the smoothed loss (``None`` if too few
            points).
        diverged: whether the sweep stopped early because the loss blew up.
    """

    lrs: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    raw_losses: list = field(default_factory=list)
    suggestion: float | None = None
    diverged: bool = False

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Write ``lr,loss,smoothed_loss`` per step to a CSV file."""
        path = Path(path)
        lines = ["lr,loss,smoothed_loss"] + [f"{lr:.6g},{raw:.6g},{sm:.6g}" for lr, raw, sm in
                                             zip(self.lrs, self.raw_losses, self.losses)]
        path.write_text("\n".join(lines) + "\n")
        return path

    def plot(self, path: str | os.PathLike) -> Path:
        """Plot smoothed loss against LR (log scale) to a PNG; needs matplotlib."""
        from .plots import plot_lr_find

        return plot_lr_find(self.lrs, self.losses, path, suggestion=self.suggestion)


def suggest_lr(lrs, losses, *, skip_start: int = 5, skip_end: int = 3) -> float | None:
    """The LR where the smoothed loss decreases fastest per decade of LR.

    Only the points before the loss minimum are considered (after it the loss is diverging), and
    the first ``skip_start`` and last ``skip_end`` steps are dropped as noisy.
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    losses = np.asarray(losses, dtype=np.float64)
    ok = np.isfinite(losses)
    lrs, losses = lrs[ok], losses[ok]
    if len(losses) < skip_start + skip_end + 3:
        skip_start = skip_end = 0
    if len(losses) < 3:
        return None
    end = min(int(np.argmin(losses)) + 1, len(losses) - skip_end)
    lo = min(skip_start, max(end - 3, 0))
    seg_lr, seg_loss = lrs[lo:end], losses[lo:end]
    if len(seg_loss) < 3:
        seg_lr, seg_loss = lrs, losses
    slope = np.gradient(seg_loss, np.log10(seg_lr))
    if len(slope) > 3:  # central differences only: the ends use one-sided ones
        return float(seg_lr[1 + int(np.argmin(slope[1:-1]))])
    return float(seg_lr[int(np.argmin(slope))])


def _clone_tree(obj):
    """A deep copy of a state dict: tensors cloned, containers rebuilt, scalars kept."""
    if isinstance(obj, gradkit.Tensor):
        return obj.detach().clone()
    if isinstance(obj, dict):
        return {k: _clone_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clone_tree(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_clone_tree(v) for v in obj)
    if isinstance(obj, np.ndarray):
        return obj.copy()
    return obj


def _split(batch):
    if isinstance(batch, (list, tuple)) and len(batch) == 2:
        return batch[0], batch[1]
    raise TypeError("lr_find: each batch must be (inputs, targets)")


def lr_find(model, optimizer, loss_fn: Callable, train_loader, *, start_lr: float = 1e-7,
            end_lr: float = 10.0, num_iter: int = 100, smooth: float = 0.05,
            diverge_threshold: float = 4.0, grad_clip: float | None = None,
            plot_path: str | os.PathLike | None = None,
            progress: Callable[[int, int, float, float], None] | None = None) -> LRFindResult:
    """Run an LR range test and restore the model and optimizer afterwards.

    Each step sets every parameter group's LR to ``start_lr * (end_lr/start_lr) ** (i/(n-1))``,
    trains on one batch (cycling through ``train_loader``), and records the loss and its
    exponential moving average. The sweep stops early when the smoothed loss exceeds
    ``diverge_threshold`` times its best value.

    Args:
        model: the model (its weights are restored at the end).
        optimizer: its optimizer (state and learning rates are restored at the end).
        loss_fn: ``loss_fn(output, target)``.
        train_loader: batches of ``(inputs, targets)``.
        start_lr: the first learning rate.
        end_lr: the last learning rate.
        num_iter: the number of steps.
        smooth: the moving average's weight on a new loss (0 < smooth <= 1).
        diverge_threshold: stop when the smoothed loss passes this multiple of the best one.
        grad_clip: optional gradient-norm clipping, as in training.
        plot_path: if given, write the loss-vs-LR plot there (needs matplotlib).
        progress: called as ``progress(step, num_iter, lr, smoothed_loss)`` after each step
            (``step`` counts from 1), e.g. to print how far the sweep is.

    Returns:
        An :class:`LRFindResult` with the curve and ``suggestion``.
    """
    if not (0 < start_lr < end_lr):
        raise ValueError(f"lr_find: need 0 < start_lr < end_lr, got start_lr={start_lr}, "
                         f"end_lr={end_lr}")
    if int(num_iter) < 2:
        raise ValueError(f"lr_find: num_iter must be at least 2, got {num_iter}")
    if not (0 < smooth <= 1):
        raise ValueError(f"lr_find: smooth must be in (0, 1], got {smooth}")
    model_state = _clone_tree(model.state_dict())
    optim_state = _clone_tree(optimizer.state_dict())
    rng_state = gradkit.get_rng_state()
    loader_gen = getattr(train_loader, "generator", None)
    loader_state = None if loader_gen is None else loader_gen.get_state()
    was_training = model.training

    result = LRFindResult()
    ratio = end_lr / start_lr
    avg, best = 0.0, math.inf
    model.train()
    try:
        batches = iter(train_loader)
        for i in range(int(num_iter)):
            lr = start_lr * ratio ** (i / (num_iter - 1))
            for group in optimizer.param_groups:
                group["lr"] = lr
            try:
                batch = next(batches)
            except StopIteration:
                batches = iter(train_loader)
                batch = next(batches)
            inputs, targets = _split(batch)
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            if grad_clip is not None:
                from gradkit.nn.utils import clip_grad_norm_

                clip_grad_norm_([p for g in optimizer.param_groups for p in g["params"]],
                                grad_clip)
            optimizer.step()
            value = float(loss.item())
            avg = (1 - smooth) * avg + smooth * value
            smoothed = avg / (1 - (1 - smooth) ** (i + 1))
            result.lrs.append(lr)
            result.raw_losses.append(value)
            result.losses.append(smoothed)
            if progress is not None:
                progress(i + 1, int(num_iter), lr, smoothed)
            if not math.isfinite(smoothed) or smoothed > diverge_threshold * best:
                result.diverged = True
                break
            best = min(best, smoothed)
    finally:
        model.load_state_dict(model_state)
        optimizer.load_state_dict(optim_state)
        optimizer.zero_grad()
        gradkit.set_rng_state(rng_state)
        if loader_gen is not None:
            loader_gen.set_state(loader_state)
        model.train(was_training)
    result.suggestion = suggest_lr(result.lrs, result.losses)
    if plot_path is not None:
        result.plot(plot_path)
    return result

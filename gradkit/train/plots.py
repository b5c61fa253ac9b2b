"""PNG plots of a training history and of an LR range test (matplotlib, Agg backend, optional)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["plot_history", "plot_lr_find"]


def _pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed), or a clear ImportError."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("plots need matplotlib: pip install matplotlib "
                          "(or pip install gradkit[train])") from exc
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _series(rows: Sequence[dict], key: str):
    xs, ys = [], []
    for row in rows:
        v = row.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            xs.append(row.get("epoch", len(xs) + 1))
            ys.append(v)
    return xs, ys


def plot_history(history: Iterable[dict], path: str | os.PathLike, *,
                 title: str | None = None) -> Path:
    """Plot loss, accuracy (or perplexity) and learning rate per epoch into one PNG.

    Args:
        history: a :class:`~gradkit.train.History` or a list of per-epoch dicts.
        path: the PNG file to write.
        title: an optional figure title.

    Returns:
        The path written.
    """
    plt = _pyplot()
    rows = list(history)
    keys = set().union(*(r.keys() for r in rows)) if rows else set()
    panels = [("loss", ["loss", "val_loss"], False)]
    if "accuracy" in keys or "val_accuracy" in keys:
        panels.append(("accuracy", ["accuracy", "val_accuracy"], False))
    elif "perplexity" in keys or "val_perplexity" in keys:
        panels.append(("perplexity", ["perplexity", "val_perplexity"], True))
    if "lr" in keys:
        panels.append(("learning rate", ["lr"], True))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4))
    axes = [axes] if len(panels) == 1 else list(axes)
    for ax, (name, series, logy) in zip(axes, panels):
        for key in series:
            xs, ys = _series(rows, key)
            if xs:
                ax.plot(xs, ys, marker="o", markersize=3,
                        label="validation" if key.startswith("val_") else "train")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        if logy:
            ax.set_yscale("log")
        if len(series) > 1:
            ax.legend()
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_lr_find(lrs: Sequence[float], losses: Sequence[float], path: str | os.PathLike, *,
                 suggestion: float | None = None) -> Path:
    """Plot smoothed loss against learning rate (log scale), marking the suggested LR."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.plot(list(lrs), list(losses))
    if suggestion is not None:
        ax.axvline(suggestion, color="tab:red", linestyle="--",
                   label=f"suggested lr {suggestion:.2e}")
        ax.legend()
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("smoothed loss")
    ax.set_title("LR range test")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path

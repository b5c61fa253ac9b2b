"""Training checkpoints: one file written with ``gradkit.save`` (safetensors + JSON, no pickle).

A checkpoint is a nested dict of state dicts, counters, history and random states (see
:meth:`gradkit.train.Trainer.state_dict`). It is first written to a temporary file next to the
target and then moved over it with ``os.replace``, so an interrupted save (crash, kill, full disk)
leaves the previous checkpoint intact and readable.
"""

from __future__ import annotations

import os
from pathlib import Path

import gradkit

__all__ = ["CheckpointError", "load_checkpoint", "save_checkpoint"]


class CheckpointError(ValueError):
    """A checkpoint file is missing, truncated, corrupted or not a training checkpoint."""


def save_checkpoint(state: dict, path: str | os.PathLike) -> Path:
    """Write ``state`` to ``path`` atomically (temporary file, then ``os.replace``).

    Args:
        state: tensors, nested dicts/lists of them, and JSON-serialisable values.
        path: the checkpoint file; its folder is created when missing.

    Returns:
        ``path`` as a ``Path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        gradkit.save(state, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: the file cannot be read as a training checkpoint (the message names
            the file and what was wrong).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = gradkit.load(path)
    except FileNotFoundError:
        raise
    except Exception as exc:  # corrupted bytes surface as many types; report them as one
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise CheckpointError(f"cannot read checkpoint {path}: {detail}") from exc
    if not isinstance(state, dict) or "model" not in state or "epoch" not in state:
        raise CheckpointError(f"{path} is not a gradkit training checkpoint (no model/epoch "
                              f"entries)")
    return state

"""Embedding lookup and one-hot encoding."""

from __future__ import annotations

import numpy as np

from ...autograd import grad_mode
from ...ops import nn_misc as M
from ..._tensor import Tensor, apply1, wrap

__all__ = ["embedding", "one_hot"]


def _index_of(input, name: str) -> np.ndarray:
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: expected an integer (Long or Int) index tensor, got dtype {idx.dtype}"
        )
    return idx


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input``.

    Args:
        input: integer indices of any shape.
        weight: ``(num_embeddings, embedding_dim)``.
        padding_idx: this row receives no gradient.
        max_norm: rows looked up are renormalised in place to at most this norm.
        norm_type: the p of the norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by its count in the batch.
        sparse: accepted; gradients are always dense in gradkit.

    Returns:
        ``(*input.shape, embedding_dim)``.
    """
    idx = _index_of(input, "embedding")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(
            f"embedding: index {bad} is out of range for an Embedding with num_embeddings={n} "
            f"(valid indices are 0..{n - 1})"
        )
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    return apply1(M.EMBEDDING, weight, (idx, padding_idx, bool(scale_grad_by_freq),
                                          tuple(weight.shape)))


def _renorm_rows(weight, idx, max_norm, norm_type):
    rows = np.unique(idx.reshape(-1))
    with grad_mode.no_grad():
        w = weight._data
        sel = w[rows]
        if norm_type == float("inf"):
            norms = np.abs(sel).max(axis=1)
        else:
            norms = (np.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        big = norms > max_norm
        if big.any():
            scale = max_norm / (norms[big] + 1e-7)
            w[rows[big]] = sel[big] * scale[:, None].astype(w.dtype)
            weight._vc[0] += 1


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape ``(*tensor.shape, num_classes)`` with a 1 at each index.

    Args:
        tensor: non-negative integer class indices.
        num_classes: the number of classes; ``-1`` infers ``max + 1``.
    """
    idx = _index_of(tensor, "one_hot")
    if idx.size and idx.min() < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
        if not idx.size:
            raise RuntimeError(
                "one_hot: Can not infer total number of classes from empty tensor."
            )
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError(
            f"one_hot: Class values must be smaller than num_classes ({num_classes}), got "
            f"{int(idx.max())}"
        )
    from ..._backend import namespace_of

    classes = namespace_of(idx).arange(num_classes)  # on the device of the indices
    return wrap((idx[..., None] == classes).astype(np.int64))

"""``Embedding``: a lookup table of learnable vectors."""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...autograd import grad_mode
from .. import functional as F  # F.* at call time, as PyTorch's
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Embedding"]


def _padding_index(padding_idx, num_embeddings: int, who: str):
    """``padding_idx`` checked against ``num_embeddings`` and made non-negative (or None)."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{who}: padding_idx must be within num_embeddings (in "
                         f"[{-num_embeddings}, {num_embeddings - 1}]), got {padding_idx}")
    return padding_idx + num_embeddings if padding_idx < 0 else padding_idx


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, indexed by integers.

    Args:
        num_embeddings: the table size.
        embedding_dim: each vector's size.
        padding_idx: this row is initialised to zero and receives no gradient.
        max_norm: rows looked up are renormalised (in place) to at most this norm.
        norm_type: the p of the norm for ``max_norm``. Default: 2.
        scale_grad_by_freq: divide gradients by the index frequency in the batch.
        sparse: the weight's gradient is a sparse COO tensor (as PyTorch's).
        _weight: an initial weight (``(num_embeddings, embedding_dim)``).
        _freeze: make the weight not require grad.

    Shape:
        - Input: ``(*)`` integer indices; Output: ``(*, embedding_dim)``.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, initialised from N(0, 1).

    Examples:
        >>> emb = gradkit.nn.Embedding(10, 3, padding_idx=0)
        >>> emb(gradkit.tensor([[1, 2], [0, 9]])).shape
        gradkit.Size([2, 2, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        from .linear import _check_size, _empty

        self.num_embeddings = _check_size(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = _check_size(embedding_dim, "embedding_dim", "Embedding")
        self.padding_idx = _padding_index(padding_idx, num_embeddings, "Embedding")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(_empty(num_embeddings, embedding_dim, dtype=dtype,
                                           device=device), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight must have shape ({num_embeddings}, {embedding_dim}), "
                    f"got {tuple(_weight.shape)}"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with grad_mode.no_grad():
                self.weight._data[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        idx = input._data if isinstance(input, Tensor) else None
        # (the range check is the module's friendlier message; a dtype other than int32/int64
        # is refused first, by the functional, as PyTorch)
        # (a weight of no rows is the functional's RuntimeError, as PyTorch's index_select)
        if idx is not None and idx.dtype in (np.int32, np.int64) and idx.size \
                and self.weight.shape[0] and not input.is_meta \
                and (idx.max() >= self.num_embeddings or idx.min() < 0):
            bad = int(idx.max()) if idx.max() >= self.num_embeddings else int(idx.min())
            raise IndexError(
                f"Embedding(num_embeddings={self.num_embeddings}, embedding_dim="
                f"{self.embedding_dim}) got index {bad}; valid indices are 0.."
                f"{self.num_embeddings - 1}"
            )
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        if self.sparse:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (2-D); frozen unless ``freeze=False``.

        The padding row keeps its given values (it is not zeroed), as in PyTorch.
        """
        if embeddings.ndim != 2:
            raise ValueError(
                f"Embedding.from_pretrained: embeddings must be 2-D (num_embeddings, "
                f"embedding_dim), got shape {tuple(embeddings.shape)}"
            )
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings,
                   _freeze=freeze)

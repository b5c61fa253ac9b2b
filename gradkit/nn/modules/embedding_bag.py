"""``EmbeddingBag``: sums, means or maxima of bags of embeddings."""

from __future__ import annotations

from ..._tensor import Tensor
from ...autograd import grad_mode
from .. import functional as F  # F.* at call time, as PyTorch's
from .. import init
from ..parameter import Parameter
from .module import Module
from .sparse import _padding_index

__all__ = ["EmbeddingBag"]


class EmbeddingBag(Module):
    """A table of embeddings whose lookups are reduced per bag (see
    :func:`gradkit.nn.functional.embedding_bag`) without materialising the bags.

    Args:
        num_embeddings: the table size.
        embedding_dim: each vector's size.
        max_norm: rows looked up are renormalised (in place) to at most this norm.
        norm_type: the p of the norm for ``max_norm``. Default: 2.
        scale_grad_by_freq: divide gradients by the index frequency in the batch.
        mode: ``'sum'``, ``'mean'`` (default) or ``'max'``.
        sparse: the weight's gradient is a sparse COO tensor (as PyTorch's).
        _weight: an initial weight.
        include_last_offset: ``offsets`` ends with the input's length.
        padding_idx: this row is initialised to zero and left out of every bag.

    Shape:
        - input: :math:`(B, L)`, or :math:`(M)` with offsets :math:`(B)` (:math:`(B + 1)` with
          ``include_last_offset``); per_sample_weights: the input's shape
        - output: :math:`(B, \\text{embedding\\_dim})`

    Examples:
        >>> bag = gradkit.nn.EmbeddingBag(10, 3, mode="sum")
        >>> bag(gradkit.tensor([1, 2, 4, 5, 4, 3]), gradkit.tensor([0, 4])).shape
        gradkit.Size([2, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device=None, dtype=None) -> None:
        super().__init__()
        from .linear import _check_size, _empty

        self.num_embeddings = _check_size(num_embeddings, "num_embeddings", "EmbeddingBag")
        self.embedding_dim = _check_size(embedding_dim, "embedding_dim", "EmbeddingBag")
        # (a mode other than sum/mean/max is refused by forward, as PyTorch's module)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = _padding_index(padding_idx, num_embeddings, "EmbeddingBag")
        if _weight is None:
            self.weight = Parameter(_empty(num_embeddings, embedding_dim, dtype=dtype,
                                           device=device))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"EmbeddingBag: _weight must have shape ({num_embeddings}, "
                                 f"{embedding_dim}), got {tuple(_weight.shape)}")
            self.weight = Parameter(_weight)

    def reset_parameters(self) -> None:
        """N(0, 1) rows; the ``padding_idx`` row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with grad_mode.no_grad():
                self.weight._data[self.padding_idx] = 0

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An ``EmbeddingBag`` whose weight is ``embeddings`` (frozen unless ``freeze=False``)."""
        if embeddings.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-D, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  embeddings, include_last_offset, padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

"""A composed result laid out as PyTorch's kernel allocates it: ``empty(..., memory_format=
fmt)`` gives every dim the format's stride, size-1 ones too (``(3, 1, 3, 3)`` for a ``(2, 3,
1, 1)`` channels-last tensor), where ``contiguous(memory_format=fmt)`` keeps a tensor whose
only misplaced dims have size 1 as it is."""

from __future__ import annotations

import numpy as np

from ... import _memory_format as MF
from ..._tensor import apply1
from ...autograd.graph import present

__all__ = ["in_kernel_layout", "mean_as_pooled"]


def in_kernel_layout(y, fmt):
    """``y`` itself where its strides are ``fmt``'s exactly, else a copy that has them."""
    from ...ops.memory import CLONE_AS  # (the op layer, read when first needed)

    data = y._data
    if type(data) is not np.ndarray or fmt is MF.preserve_format:
        return y.contiguous(memory_format=fmt)
    if MF.is_in(data, fmt) and MF.torch_strides(data) == MF.exact_strides(data.shape, fmt):
        return y
    return apply1(CLONE_AS, y, (fmt,))


def mean_as_pooled(y, x, k):
    """``y``, the mean of ``x`` over its last ``k`` dims (an adaptive average pool to one
    element per plane), laid out as PyTorch's: a channels-last input's result is restrided in
    place to the format's strides (``(C, 1, C, C)``), its node ``AsStridedBackward1``."""
    fmt = MF.suggest(x._data) if x.ndim == k + 2 and type(x._data) is np.ndarray else \
        MF.contiguous_format
    if fmt is MF.contiguous_format:
        return y
    return present(in_kernel_layout(y, fmt), "AsStridedBackward1", (y,), y)

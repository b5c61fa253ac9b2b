"""The pieces of ``split``/``chunk``/``unbind`` (their public faces are in ``shape.py``): the
checks PyTorch makes, and one recorded node for all the pieces (``apply_split``)."""

from __future__ import annotations

import numpy as np

from .._tensor.record import apply_split
from .._tensor.tensor import Tensor
from ..autograd.graph import FORWARD, present
from ..ops._saved_arguments import remember
from ._args import (
    _int_arg,
    _shape_arg,
    _t,
    _tensor_attr_arg,
    _wrap_dim,
    builtins_any,
    builtins_min,
    builtins_sum,
)

__all__ = ["_chunk", "_pieces", "_split"]


def _pieces(x, d, bounds, name, unbind=False):
    """``x``'s pieces along ``d`` (see ``apply_split``): one node ``name`` for all of them, or,
    where that does not apply (device, complex, sparse or meta data, forward AD, the unsafe_
    variants, whose pieces take in-place writes), one view node per piece shown as ``name``."""
    if type(x._data) is np.ndarray and FORWARD[0] is None and name in _ONE_NODE:
        return apply_split(x, d, bounds, name, unbind)
    lead = (slice(None),) * d
    return tuple(present(x[lead + ((i,) if unbind else (slice(*i),))], name, (x,), x)
                 for i in bounds)


_ONE_NODE = frozenset(("SplitBackward0", "SplitWithSizesBackward0", "UnbindBackward0"))


def _split(tensor, split_size_or_sections, dim, multi=True):
    x = _tensor_attr_arg(tensor, "split", "tensor")
    if isinstance(split_size_or_sections, Tensor) and split_size_or_sections.numel() == 1:
        # PyTorch's split takes int() of a one-element tensor (a float one truncated)
        split_size_or_sections = int(split_size_or_sections.item())
    if isinstance(split_size_or_sections, (bool, np.bool_)):
        raise TypeError("split(): argument 'split_size' must be int or list of ints, not bool")
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor (got a 0-d one); "
                           "unsqueeze() it first")
    if isinstance(split_size_or_sections, int) and split_size_or_sections < 0:
        # (refused before the dim is looked at, as PyTorch)
        raise RuntimeError(f"split expects split_size be non-negative, but got "
                           f"split_size={split_size_or_sections}")
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size == 0 and n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n} (dim {d})")
        bounds = [(i, builtins_min(i + size, n)) for i in range(0, n, size or 1)] or [(0, 0)]
        name = "SplitBackward0" if multi else "UnsafeSplitBackward0"
    else:
        if not isinstance(split_size_or_sections, (list, tuple)):
            raise TypeError(f"split(): split_size_or_sections must be an int or a list of ints, "
                            f"not {type(split_size_or_sections).__name__}")
        sizes = list(_shape_arg((split_size_or_sections,), "split_with_sizes"))
        if builtins_any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if builtins_sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                f"at dimension {d}), but got split_sizes={sizes}"
            )
        bounds, start = [], 0
        for s in sizes:
            bounds.append((start, start + s))
            start += s
        name = "SplitWithSizesBackward0" if multi else "UnsafeSplitWithSizesBackward0"
    pieces = _pieces(x, d, bounds, name)
    for p in pieces:
        remember(p, x, _saved_dim=dim)
    return pieces


def _chunk(input, chunks, dim, multi=True):
    x = _t(input)
    chunks = _int_arg(chunks, "chunk", "chunks")
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor (got a 0-d one); "
                           "unsqueeze() it first")
    if chunks <= 0:
        raise RuntimeError(f"chunk(): chunks must be positive, got {chunks}")
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if n == 0:  # an empty dim gives ``chunks`` empty pieces, as PyTorch's split_with_sizes
        return _split(x, [0] * chunks, dim, multi)
    return _split(x, -(-n // chunks), dim, multi)

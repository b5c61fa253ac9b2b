"""Indexing: ``x[i]`` and ``x[i] = v``, ``gather``/``scatter``, ``index_select``,
``masked_fill``, ``take_along_dim``, ``nonzero``."""

from __future__ import annotations

import re
import warnings

import numpy as np

from .. import factories
from .._backend import to_host
from .._tensor.record import (
    _check_view_write,
    _ns,
    apply,
    apply1,
    apply2,
    assign,
    check_inference_write,
    rebase_view,
    refresh_views,
    view_chain,
    write_error,
)
from .._tensor.tensor import Tensor, _is_device_array, _make, wrap
from .._warnings import warn
from ..autograd import grad_mode
from ..autograd.graph import FORWARD, output_written, present, rename
from ..device import _to_namespace_of
from ..ops import elementwise as E
from ..ops import shape as S
from ..ops._saved_arguments import remember
from ..sparse._coo import SparseCOO
from ..sparse._ops import index_select as sparse_index_select
from ._args import (
    _check_fill_value,
    _const_like,
    _dim_in,
    _scalar_or_tensor,
    _t,
    _tensor_operands,
    _tensors_only,
    _type_name,
    _wrap_dim,
    _xp,
    builtins_any,
    builtins_max,
    builtins_sum,
)
from ._registry import declare, out_input_dtype, tensor_method
from ._scalar_values import _check_fits, _scalar_value
from ._scatter_values import _place, _src_used, _zeros_of
from .elementwise import where
from .shape import cat

__all__ = ["argwhere", "gather", "index_add", "index_select", "masked_fill", "nonzero",
           "nonzero_static", "scatter", "scatter_add", "scatter_reduce", "take_along_dim"]


def _index_array(index, name, x):
    """``index`` as an integer array on ``x``'s device (a host index list or CPU index tensor
    moves to the device, as index math on Python data is host-side)."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {idx.dtype}")
    if type(idx) is not type(x._data):
        idx = _to_namespace_of(idx, x._data)
    return idx


@declare(out="same")
def gather(input, dim, index):
    """``out[i][j] = input[i][index[i][j]]`` along ``dim`` (differentiable in ``input``)."""
    if index.__class__ is not Tensor:  # (None too: index is no optional argument)
        _tensor_operands("gather", (3, "index", index))
    x = _t(input)
    d = _wrap_dim(dim, x.ndim)
    idx = _index_array(index, "gather", x)
    if idx.ndim != x.ndim:
        raise RuntimeError(
            f"gather(): index tensor must have the same number of dimensions as input tensor "
            f"({idx.ndim} vs {x.ndim})"
        )
    n = x.shape[d]
    if idx.size and (idx.min() < 0 or idx.max() >= n):  # no wrap-around, as PyTorch
        raise RuntimeError(
            f"gather(): index {int(idx.max() if idx.max() >= n else idx.min())} is out of bounds "
            f"for dimension {d} with size {n}"
        )
    xp = np if type(x._data) is np.ndarray else _xp(x)
    full = S.gather_index(xp, idx, d)
    if idx.size and builtins_any(idx.shape[k] > x.shape[k] for k in range(x.ndim) if k != d):
        raise RuntimeError(
            f"gather(): index {tuple(idx.shape)} is larger than input {tuple(x.shape)} outside "
            f"dimension {d}"
        )
    return remember(apply1(S.GATHER, x, (d, idx, full, tuple(x.shape))), _saved_dim=dim,
                    _saved_index=index, _saved_sparse_grad=False)


@declare(inplace=True)
def scatter_add(input, dim, index, src):
    """``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate)."""
    _tensors_only("scatter_add", (3, "index", index), (4, "src", src))
    x, s = _t(input), _t(src, "src")
    _dim_in(dim, x.ndim, "scatter_add")  # the dim is checked first, as in PyTorch
    if s.dtype != x.dtype:
        raise RuntimeError(f"scatter_add(): expected src to have the dtype of input ({x.dtype}), "
                           f"got {s.dtype}; convert it first, e.g. src.to(input.dtype)")
    if s.ndim == 0 and x.ndim > 1:  # (a 0-d src counts as 1-D, as in PyTorch)
        raise RuntimeError(f"scatter_add(): index tensor must have the same number of dimensions "
                           f"as src tensor (src is 0-d, input {tuple(x.shape)})")
    d = _wrap_dim(dim, x.ndim)
    if isinstance(index, Tensor):
        _scatter_index(x, dim, index, s, "scatter_add")
    idx = _index_array(index, "scatter_add", x)
    if idx.ndim == 0:  # (checked above: input is at most 1-D)
        idx = idx.reshape(1)
    if s.ndim == 0 and x.ndim == 1:
        s = s.reshape(1)
    xp = np if type(x._data) is np.ndarray else _xp(x)
    full = S.gather_index(xp, idx, d)
    return apply2(S.SCATTER_ADD, x, s, (d, idx, full, tuple(s.shape)))


_INDEX_SELECT_OUT = out_input_dtype("index_select(): self and result must have the same "
                                    "scalar type, got {input} and {out}")


def _index_select_out_before(out, args):
    """PyTorch checks index_select's dim before the dtype of out."""
    x = args.get("input")
    if isinstance(x, Tensor):
        _dim_in(args.get("dim"), x.ndim, "index_select")
    _INDEX_SELECT_OUT(out, args)


@declare(out=("same", _index_select_out_before))
def index_select(input, dim, index):
    if index.__class__ is not Tensor:
        _tensors_only("index_select", (3, "index", index))
        _tensor_operands("index_select", (3, "index", index))
    x = _t(input)
    d = _dim_in(dim, x.ndim, "index_select")
    if index.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"index_select(): Expected dtype int32 or int64 for index, got "
                           f"{index.dtype}; convert it with .long()")
    if x.ndim == 0 and index.numel() != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{index.numel()} value(s)")
    idx = _index_array(index, "index_select", x)
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    n = x.shape[d] if x.ndim else 1
    if idx.size and x.numel() == 0:  # PyTorch's errors for an empty input
        if n == 0:
            raise RuntimeError(f"index_select(): self indexing axis dim should be positive: "
                               f"cannot select in dimension {d} of size 0 of input "
                               f"{tuple(x.shape)}")
        if idx.min() < 0 or idx.max() >= n:
            bad = int(idx.max() if idx.max() >= n else idx.min())
            raise RuntimeError(f"index_select(): INDICES element is out of DATA bounds, "
                               f"id={bad} axis_dim={n}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):  # no wrap-around, as PyTorch
        raise IndexError(
            f"index_select(): index {int(idx.max() if idx.max() >= n else idx.min())} is out of "
            f"range for dimension {d} with size {n}"
        )
    if type(x._data) is SparseCOO:
        return sparse_index_select(x, d, idx)
    if x.ndim == 0:  # the one element of a 0-d input (index 0), 0-d as PyTorch's
        return rename(x.reshape(1)[(idx.reshape(-1),)].reshape(()), "IndexSelectBackward0", x)
    out = rename(x[(slice(None),) * d + (idx.reshape(-1),)].contiguous(),  # PyTorch's layout
                 "IndexSelectBackward0", x)
    return remember(out, x, _saved_dim=dim, _saved_index=index,
                    _saved_self_sym_sizes=tuple(x.shape))


@declare(inplace=True)
def masked_fill(input, mask, value):
    x = _t(input)
    m = _t(mask, "mask")
    if m.dtype.kind != "b":
        raise RuntimeError(
            f"masked_fill only supports boolean masks, but got mask with dtype {m.dtype}"
        )
    try:  # the result has the broadcast shape of input and mask, as PyTorch's
        shape = np.broadcast_shapes(tuple(x.shape), tuple(m.shape))
    except ValueError:
        raise RuntimeError(
            f"masked_fill: the mask of shape {tuple(m.shape)} does not broadcast with the "
            f"input's shape {tuple(x.shape)}"
        ) from None
    src = x
    if shape != tuple(x.shape):
        x = x.expand(shape)
    v = value
    _check_fill_value(v, x._data.dtype, "masked_fill")
    if isinstance(v, Tensor):
        if v.ndim != 0:
            raise RuntimeError(
                f"masked_fill only supports a 0-dimensional value tensor, but got tensor with "
                f"{v.ndim} dimension(s)"
            )
        v = v.to(x.device, x.dtype)  # a 0-d CPU value follows x's device, as in PyTorch
    elif isinstance(v, float) and x.dtype.kind != "f":
        v = int(v) if float(v).is_integer() else v
    out = apply(E.WHERE, (v, x), (np.broadcast_to(m._data, x.shape) if m.shape != x.shape
                                  else m._data,))
    # (PyTorch's masked_fill fills a row-major clone, whatever the input's layout)
    out = (out.to(x.dtype) if out.dtype != x.dtype else out).contiguous()
    if isinstance(v, Tensor):
        return present(out, "MaskedFillBackward1", (src, v), src)
    return present(out, "MaskedFillBackward0", (src,), src)


@declare(out="same", differentiable=False)
def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or (``as_tuple``) one
    1-D tensor per dimension. Not differentiable."""
    x = _t(input)
    a = x._data
    if as_tuple:
        return tuple(wrap(i.astype(np.int64)) for i in (a.reshape(1) if a.ndim == 0
                                                        else a).nonzero())
    if a.ndim == 0:
        return wrap(_const_like(x, np.zeros((1 if to_host(a) else 0, 0), dtype=np.int64)))
    return wrap(_xp(x).stack(a.nonzero(), axis=1).astype(np.int64))


@declare(differentiable=False)
def argwhere(input):
    """``nonzero(input)``: an ``(n, ndim)`` int64 tensor of the non-zero positions."""
    return nonzero(input)


def _scatter_index(x, dim, index, src, fn):
    """Validate a scatter's index (as PyTorch does) and return (dim, index array, flat target
    positions in index order)."""
    if not isinstance(index, Tensor):  # (PyTorch's parser refuses it before the dim)
        raise TypeError(f"{fn}(): index must be a Tensor of int64, got {type(index).__name__}")
    d = _dim_in(dim, x.ndim, fn)
    if index.dtype.kind not in "iu":  # int32 too, as PyTorch (and gather, scatter_add) take
        raise RuntimeError(f"{fn}(): expected an integer (int64) index, got dtype {index.dtype}; "
                        f"convert it with .long()")
    idx = to_host(index._data)
    if idx.size == 0:
        return d, idx, np.zeros(0, dtype=np.int64)
    xnd = builtins_max(x.ndim, 1)
    # a 0-d tensor counts as 1-D here, as in PyTorch (zeros(10).scatter_(0, tensor(y), value=1)
    # in its transforms tutorial)
    if builtins_max(idx.ndim, 1) != xnd:
        raise RuntimeError(f"{fn}(): index must have as many dimensions as input ({x.ndim}), got "
                         f"index shape {tuple(idx.shape)}")
    xshape = tuple(x.shape) if x.ndim else (1,)
    idx = idx.reshape(-1) if idx.ndim == 0 or x.ndim == 0 else idx
    for k in range(xnd):
        if k != d and idx.shape[k] > xshape[k]:
            raise RuntimeError(f"{fn}(): index shape {tuple(idx.shape)} is larger than input shape "
                             f"{tuple(x.shape)} in dimension {k}")
        if src is not None and src.ndim and src.ndim != idx.ndim:
            raise RuntimeError(f"{fn}(): index tensor must have the same number of dimensions "
                               f"as src tensor (index {tuple(idx.shape)}, src "
                               f"{tuple(src.shape)})")
        if src is not None and idx.shape[k] > (src.shape[k] if src.ndim else 1):
            raise RuntimeError(f"{fn}(): index shape {tuple(idx.shape)} is larger than src shape "
                             f"{tuple(src.shape)} in dimension {k}")
    n = xshape[d]
    lo, hi = int(idx.min()), int(idx.max())
    if lo < 0 or hi >= n:
        raise RuntimeError(f"{fn}(): index {lo if lo < 0 else hi} is out of bounds for dimension "
                         f"{d} with size {n}")
    full = S.gather_index(np, idx, d)
    return d, idx, np.ravel_multi_index(full, xshape).reshape(-1)


# scatter's reduce left out (plain writes), told apart from a None passed, which PyTorch refuses
_NO_REDUCE = type("_NoReduce", (), {"__slots__": (), "__repr__": lambda self: "no reduction"})()


@declare(inplace=True)
def scatter(input, dim, index, src=None, *, value=None, reduce=_NO_REDUCE):
    """``input`` with ``src`` (a tensor, or the number ``value``) written at ``index`` along
    ``dim``: ``out[i][index[i][j]] = src[i][j]`` for ``dim=1``.

    Where ``index`` repeats a position PyTorch leaves unspecified which write wins; gradkit
    keeps the last one (in ``index``'s row-major order) and only that element of ``src`` gets a
    gradient (PyTorch gives every duplicate one). ``reduce='add'``/``'multiply'`` are
    ``scatter_reduce`` with ``'sum'``/``'prod'``.
    """
    x = _t(input)
    if src is not None and not isinstance(src, Tensor):
        if value is not None:
            raise TypeError("scatter(): give either src or value, not both")
        src, value = None, src
    if src is None and value is None:
        raise TypeError("scatter(): expected src (a Tensor) or value (a number), got neither")
    if src is None:
        value = _scalar_value(value, "scatter", x)
    if reduce is not _NO_REDUCE:
        if not isinstance(reduce, str):
            raise TypeError(f"scatter(): argument 'reduce' must be str ('add' or 'multiply'), "
                            f"not {type(reduce).__name__}; leave it out to write src")
        modes = {"add": "sum", "multiply": "prod"}
        if reduce not in modes:
            raise RuntimeError(f"scatter(): reduce must be 'add' or 'multiply', got {reduce!r}")
        if src is None:
            src = _full_like_index(x, index, value)
        return scatter_reduce(x, dim, index, src, modes[reduce])
    if index.__class__ is not Tensor:  # (PyTorch's parser: before the dim)
        _tensor_operands("scatter", (3, "index", index))
    _dim_in(dim, x.ndim, "scatter")  # the dim is checked first, as in PyTorch
    if src is not None and src.dtype != x.dtype:
        raise RuntimeError(f"scatter(): expected src to have the dtype of input ({x.dtype}), got "
                           f"{src.dtype}; convert it first, e.g. src.to(input.dtype)")
    d, idx, targets = _scatter_index(x, dim, index, src, "scatter")
    if targets.size == 0:
        return x.clone()
    # the last write to each position wins
    rev_unique, first_rev = np.unique(targets[::-1], return_index=True)
    last = targets.size - 1 - first_rev
    flat = x.reshape(-1)
    if src is None:
        mask = np.zeros(flat.shape[0], dtype=bool)
        mask[rev_unique] = True
        out = masked_fill(flat, wrap(_const_like(x, mask)), value).reshape(tuple(x.shape))
    else:
        vals = _src_used(src, idx)[_const_like(x, last)]
        out = _place(flat, rev_unique, vals).reshape(tuple(x.shape))
    return remember(out, x, _saved_dim=dim, _saved_index=index)


def _full_like_index(x, index, value):
    return factories.full(tuple(index.shape), value, dtype=x.dtype, device=x.device)


def _scatter_identity(dtype, reduce):
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce != "amax"
    if dtype.kind == "c":
        raise NotImplementedError(f'"{reduce}" not implemented for complex tensors: complex '
                                  f'numbers have no order (PyTorch raises here too)')
    info = np.iinfo(dtype)
    return int(info.min) if reduce == "amax" else int(info.max)


_SCATTER_REDUCES = ("sum", "prod", "mean", "amax", "amin")


@declare(inplace=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` with ``reduce`` in ``'sum'``,
    ``'prod'``, ``'mean'``, ``'amax'``, ``'amin'``; ``include_self=False`` leaves the old values
    of the positions written to out of the reduction.

    Gradients follow PyTorch: ties in amax/amin share the gradient evenly among the tied
    elements of the group (``input``'s element included when ``include_self``). One difference:
    with ``include_self=False`` PyTorch also counts a tied ``input`` element when splitting
    (so the src gradients then sum to less than the output's); gradkit splits among src only.
    Integer ``'mean'`` rounds down, as PyTorch does.
    """
    x = _t(input)
    if reduce not in _SCATTER_REDUCES:
        raise RuntimeError(f"scatter_reduce(): reduce must be one of {_SCATTER_REDUCES}, got "
                           f"{reduce!r}")
    _tensors_only("scatter_reduce", (3, "index", index), (4, "src", src))
    s = _t(src, "src")
    _dim_in(dim, x.ndim, "scatter_reduce")  # the dim is checked first, as in PyTorch
    if s.dtype != x.dtype:
        raise RuntimeError(f"scatter_reduce(): expected src to have the dtype of input "
                           f"({x.dtype}), got {s.dtype}; convert it first, e.g. "
                           f"src.to(input.dtype)")
    d, idx, targets = _scatter_index(x, dim, index, s, "scatter_reduce")
    if x.dtype.kind == "c":
        from .._complex import no_complex_autograd
        no_complex_autograd("scatter_reduce", x, s)
    shape = tuple(x.shape)
    if targets.size == 0:
        return x.clone()
    flat = x.reshape(-1)
    vals = _src_used(s, idx)
    u, inverse, counts = np.unique(targets, return_inverse=True, return_counts=True)
    if reduce in ("sum", "mean"):
        base = flat if include_self else _place(flat, u, _zeros_of(flat, u.size))
        total = scatter_add(base, 0, wrap(_const_like(x, targets)), vals)
        if reduce == "sum":
            return total.reshape(shape)
        n = np.ones(flat.shape[0], dtype=np.int64) if include_self else \
            np.zeros(flat.shape[0], dtype=np.int64)
        n[u] += counts
        n[n == 0] = 1
        cplx = x.dtype.kind == "c"  # (counts in the real dtype of a complex input)
        nt = wrap(_const_like(x, n.astype(x.dtype if x.dtype.kind == "f" else np.finfo(
            x._data.dtype).dtype if cplx else np.int64)))
        if x.dtype.kind == "f" or cplx:
            return (total / nt).reshape(shape)
        return wrap(total._data // nt._data).to(x.dtype).reshape(shape)
    # prod / amax / amin: each written position's group as a row of a padded matrix, reduced
    # by the prod/amax/amin primitives (exact with zeros, PyTorch's tie rule). Groups of about
    # the same size share a matrix (sizes in [2^j, 2^(j+1))), so padding at most doubles the
    # work: one large group among many small ones does not pad them all to its size.
    order = np.argsort(inverse, kind="stable")
    first = np.cumsum(counts) - counts  # each group's start in ``order``
    level = np.log2(counts).astype(np.int64)
    identity = _scatter_identity(x.dtype, reduce)
    placed, reduced = [], []
    for lv in np.unique(level):
        sel = np.flatnonzero(level == lv)
        k = int(counts[sel].max())
        valid = np.arange(k) < counts[sel, None]
        pick = np.zeros((sel.size, k), dtype=np.int64)
        pick[valid] = order[(first[sel, None] + np.arange(k))[valid]]
        groups = where(wrap(_const_like(x, valid)), vals[_const_like(x, pick)], identity)
        if include_self:
            groups = cat([flat[_const_like(x, u[sel])].unsqueeze(1), groups], 1)
        if reduce == "prod":
            red = groups.prod(1)  # (methods: reduction.py is a layer above)
        else:
            red = groups.amax(1) if reduce == "amax" else groups.amin(1)
        placed.append(u[sel])
        reduced.append(red)
    red = reduced[0] if len(reduced) == 1 else cat(reduced, 0)
    return _place(flat, np.concatenate(placed), red.to(x.dtype)).reshape(shape)


@declare(out="same")
def take_along_dim(input, indices, dim=None):
    _tensors_only("take_along_dim", (2, "indices", indices))
    """Pick values along ``dim`` at ``indices`` (``input`` and ``indices`` broadcast in the
    other dimensions); with ``dim=None``, from the flattened input."""
    x = _t(input)
    if not isinstance(indices, Tensor):
        raise TypeError(f"take_along_dim(): indices must be an integer Tensor, got "
                        f"{type(indices).__name__}")
    if dim is None:  # PyTorch's self.view(-1).gather(0, indices.view(-1)): a view, so an
        # input or indices whose strides cannot flatten without a copy is a RuntimeError;
        # gather's rule for the indices' dtype: int32 or int64, unchecked when empty
        flat, idx = x.view(-1), indices.view(-1)
        if idx.numel() == 0:
            return flat[:0]
        if indices._data.dtype not in (np.int32, np.int64):
            raise RuntimeError(f"take_along_dim(): gather(): Expected dtype int32/int64 for "
                               f"index, got {indices.dtype}; convert them with .long()")
        return gather(flat, 0, idx)
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_type_name(indices)}; convert them first, e.g. indices.long()")
    if x.ndim != indices.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of "
                         f"dimensions, got shapes {tuple(x.shape)} and {tuple(indices.shape)}")
    d = _dim_in(dim, x.ndim, "take_along_dim")
    try:
        b = np.broadcast_shapes(tuple(s for k, s in enumerate(x.shape) if k != d),
                                tuple(s for k, s in enumerate(indices.shape) if k != d))
    except ValueError:
        raise RuntimeError(f"take_along_dim(): input {tuple(x.shape)} and indices "
                         f"{tuple(indices.shape)} do not broadcast outside dim {d}") from None
    bx = list(b[:d]) + [x.shape[d]] + list(b[d:])
    bi = list(b[:d]) + [indices.shape[d]] + list(b[d:])
    xi = x.expand(tuple(bx)) if tuple(bx) != tuple(x.shape) else x
    ii = indices.expand(tuple(bi)) if tuple(bi) != tuple(indices.shape) else indices
    return gather(xi, d, wrap(_xp(ii).ascontiguousarray(ii._data)))


@declare(inplace=True)
def index_add(input, dim, index, source, *, alpha=1):
    """Add ``alpha * source`` into ``input`` at ``index`` along ``dim`` (``source`` of
    ``input``'s dtype, as PyTorch requires)."""
    _tensors_only("index_add", (3, "index", index), (4, "source", source))
    x = _t(input)
    _dim_in(dim, x.ndim, "index_add")  # the dim before the dtypes, as PyTorch
    if np.dtype(index.dtype) not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{_type_name(index)}")
    if source.dtype != x.dtype:
        raise RuntimeError(f"index_add_(): self ({_type_name(x)}) and source "
                           f"({_type_name(source)}) must have the same scalar type; convert "
                           f"source first, e.g. source.to(input.dtype)")
    from .scattering import _vector_index  # (scattering builds on this file)

    src = _t(source, "source")
    _vector_index(x, dim, index, "index_add", src, bounds=False)  # (the shapes first)
    if x.ndim > 1 and x.numel() == 0:  # (PyTorch's kernel returns here: no index is read)
        return x.clone()
    # out of bounds: PyTorch's RuntimeError on its index_put path, its IndexError otherwise
    put = x.ndim > 1 and alpha == 1 and index._data.dtype == np.int64
    d, idx = _vector_index(x, dim, index, "index_add", error=RuntimeError if put else IndexError)
    src = src * alpha if alpha != 1 else src
    if x.ndim == 0:  # (a 0-d input takes a 0-d source at its one index, as PyTorch's)
        if src.ndim:
            raise RuntimeError(f"index_add(): source tensor shape must match self tensor shape, "
                               f"excluding the specified dimension. Got self.shape = [] "
                               f"source.shape = {list(src.shape)}")
        return scatter_add(x.reshape(1), 0, wrap(idx.reshape(1).copy()),
                           src.reshape(1)).reshape(())
    full_idx = idx.reshape([-1 if k == d else 1 for k in range(x.ndim)])
    full_idx = np.broadcast_to(full_idx, list(src.shape))
    if src.dtype != x.dtype:
        src = src.to(x.dtype)
    return scatter_add(x, d, wrap(full_idx.copy()), src)


# ------------------------------------------------------------------ x[index], x[index] = value
@tensor_method()
def __setitem__(self, index, value):
    if FORWARD[0] is not None:  # a forward AD level is open: the tangent too (forward_ad)
        return FORWARD[2](__setitem__, self, index, value)
    value = _check_fits(value, self._data.dtype)
    _refuse_byte_mask_fill(index, value)
    try:
        idx = _norm_index(index, self._data.shape)
    except IndexError as e:
        raise _index_error(e, self._data.shape) from None
    value = _scalar_or_tensor(value)
    check_inference_write(self, "__setitem__")
    if index is False:  # PyTorch: x[False] = v writes nothing and checks nothing further
        return
    vt = isinstance(value, Tensor)
    if vt and value.ndim and value.shape[0] == 1:
        # PyTorch drops the value's leading size-1 dims before broadcasting it to the indexed
        # part (a (1, n) value into x[i] of shape (n,), a (1,) value into a 0-d part)
        value = value.reshape(_strip_leading_ones(value.shape))
    if vt and value._data.dtype != self._data.dtype and _index_puts(index, value):
        _check_in_range(self._data, idx)  # a bad index is reported first, as in PyTorch
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{_type_name(self)} for the destination and {_type_name(value)} for the source "
            f"(__setitem__ with an index tensor); convert the value first, e.g. "
            f"value.to(x.dtype)")
    if vt and value._data.dtype.kind == "c" and self._data.dtype.kind != "c":
        value = value.to(self.dtype)  # (PyTorch's copy_: the imaginary part dropped, warned)
    rg = self.requires_grad or (vt and value.requires_grad)
    if rg and grad_mode.STATE[0]:
        if self.grad_fn is None and self.requires_grad:
            _check_in_range(self._data, idx)  # a bad index first, as PyTorch
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation "
                "(__setitem__). Wrap it in `with gradkit.no_grad():` or build a new tensor."
            )
        root, chain = view_chain(self)
        if chain:  # a view: the write reaches the base, whose history is rebased
            _check_view_write(root, chain, "__setitem__")
        if not vt:
            value = wrap(_ns(self._data).asarray(value, dtype=self.dtype))
        elif type(value._data) is not type(self._data):  # e.g. a CPU value into a cuda tensor
            value = value.to(self.device)
        if value.dtype != self.dtype:
            value = value.to(self.dtype)
        old = _make(self._data.copy(), self.requires_grad, self._grad_fn)
        try:
            res = apply2(S.SETITEM, old, value, (idx, not vt))
        except IndexError as e:
            safe = _in_range_if_empty(idx, self._data.shape)
            if safe is None or not _broadcasts(value.shape, self._data.shape, safe):
                raise _index_error(e, self._data.shape) from None
            res = apply2(S.SETITEM, old, value, (safe, not vt))  # writes nothing
        except ValueError:
            raise _setitem_shape_error(self._data, idx, value.shape) from None
        output_written(root if chain else self, "__setitem__")
        assign(self, res._data, "__setitem__")
        if chain:
            rebase_view(self, root, chain, res)
            refresh_views(root)
            return
        self.grad_fn = res._grad_fn
        self.requires_grad = True
        refresh_views(self)
        return
    v = value._data if vt else value
    if not vt and isinstance(v, int) and self._data.dtype.kind in "iu" \
            and -2 ** 63 <= v < 2 ** 63:
        v = np.asarray(v, dtype=np.int64).astype(self._data.dtype)  # wraps, as PyTorch
    if vt and type(v) is not type(self._data):  # copy across devices, as PyTorch does
        v = _to_namespace_of(v, self._data)
    try:
        self._data[idx] = v
    except IndexError as e:  # a value of the wrong shape is reported first, as in PyTorch
        if not _broadcasts(np.shape(v), self._data.shape, idx):
            raise _setitem_shape_error(self._data, idx, np.shape(v)) from None
        if _in_range_if_empty(idx, self._data.shape) is None:  # (empty: nothing to write)
            raise _index_error(e, self._data.shape) from None
    except (ValueError, TypeError):  # (NumPy's TypeError: a mask assignment of a 2-D value)
        err = write_error(self, "__setitem__")   # (a read-only expand()ed tensor)
        if err is not None:
            raise err from None
        raise _setitem_shape_error(self._data, idx, np.shape(v)) from None
    self._vc[0] += 1


def _strip_leading_ones(shape):
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return tuple(shape[k:])


def _index_puts(index, value):
    """Whether ``x[index] = value`` is PyTorch's ``index_put_`` (an index tensor or list, or a
    Python bool), which needs the value's dtype to be x's. A single boolean (or byte) mask of
    one or more dims, beside only ints, slices, None and Ellipsis, with a 0-d value is
    ``masked_fill`` and a plain index a ``copy_``: both cast."""
    if index is True:  # PyTorch: x[True] = v copies into x.unsqueeze(0) (a cast)
        return False
    parts = index if type(index) is tuple else (index,)
    tensors = []
    for p in parts:
        if isinstance(p, Tensor):
            if p.ndim or p.dtype.kind == "b" or p.dtype == np.uint8:  # (a 0-d int: a select)
                tensors.append(p)
        elif isinstance(p, (list, np.ndarray)):
            tensors.append(np.asarray(p) if len(p) else np.zeros(0, dtype=np.int64))
        elif isinstance(p, (bool, np.bool_)):
            tensors.append(np.zeros(1, dtype=np.int64))  # PyTorch: a long index of [0] or []
    if not tensors:
        return False
    mask = tensors[0]
    return not (len(tensors) == 1 and value.ndim == 0 and mask.ndim > 0
                and (mask.dtype.kind == "b" or mask.dtype == np.uint8))


def _refuse_byte_mask_fill(index, value) -> None:
    """``x[uint8_mask] = one_element`` is PyTorch's ``masked_fill_``, which refuses a byte
    mask (other byte-mask writes index as a bool mask, after PyTorch's deprecation warning)."""
    for p in index if type(index) is tuple else (index,):
        if isinstance(p, Tensor) and p._data.dtype == np.uint8:
            break
    else:  # (no byte mask: the common case, kept short)
        return
    one = value.numel() == 1 if isinstance(value, Tensor) else np.ndim(value) == 0
    if one and not _index_puts(index, np.zeros(())):  # (as a one-element value would)
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           "unsigned char (x[mask] = value with a torch.uint8 mask); use a bool "
                           "mask, e.g. mask.bool()")


def _broadcasts(vshape, shape, idx):
    """Whether a value of ``vshape`` broadcasts to the part ``idx`` selects (with every index
    tensor's values taken in range; True where the structure itself is wrong)."""
    parts = idx if type(idx) is tuple else (idx,)
    safe = tuple(np.zeros_like(p) if isinstance(p, np.ndarray) and p.dtype.kind in "iu" else p
                 for p in parts)
    try:
        part = np.broadcast_to(np.empty((), dtype=bool), shape)[safe].shape
        return np.broadcast_shapes(tuple(vshape), part) == part
    except (IndexError, ValueError):
        return True


def _check_in_range(data, idx):
    """The index's structure (too many indices, ints and slices in range): PyTorch checks the
    values of index tensors only after the value's dtype and shape."""
    parts = idx if type(idx) is tuple else (idx,)
    safe = tuple(np.zeros_like(p) if isinstance(p, np.ndarray) and p.dtype.kind in "iu" else p
                 for p in parts)
    try:  # on a zero-stride view: nothing is copied
        np.broadcast_to(np.empty((), dtype=bool), data.shape)[safe]
    except IndexError as e:
        raise _index_error(e, data.shape) from None


def _setitem_shape_error(data, idx, vshape):
    """The value does not broadcast to ``data[idx]``: PyTorch's shape mismatch (it checks the
    shapes before the values of index tensors), or an out-of-range int/slice (IndexError)."""
    try:
        part = data[idx].shape
    except IndexError as e:
        # index tensors are checked after the shapes: the shape with every index in range
        parts = idx if type(idx) is tuple else (idx,)
        safe = tuple(np.zeros_like(p) if isinstance(p, np.ndarray) else p for p in parts)
        try:
            part = data[safe].shape
        except IndexError:
            return _index_error(e, data.shape)
    return RuntimeError(f"__setitem__: shape mismatch: a value of shape {tuple(vshape)} cannot "
                        f"be broadcast to the indexed part of shape {tuple(part)}")

@tensor_method()
def __getitem__(self, index):
    shape = self._data.shape
    try:
        idx = _norm_index(index, shape)
        return apply1(S.GETITEM, self, (idx, shape))
    except IndexError as e:
        safe = _in_range_if_empty(idx, shape) if "idx" in locals() else None
        if safe is None:
            raise _index_error(e, shape) from None
    # PyTorch checks the values of index tensors as its kernel reads them: with no element
    # to read (an empty result) an out-of-range value passes
    return apply1(S.GETITEM, self, (safe, shape))


def _in_range_if_empty(idx, shape):
    """``idx`` with every index array's values put in range (0), where what it selects is then
    empty (PyTorch's kernel reads no index value there, so checks none); else None."""
    parts = idx if type(idx) is tuple else (idx,)
    safe = tuple(np.zeros_like(p) if isinstance(p, np.ndarray) and p.dtype.kind in "iu" else p
                 for p in parts)
    try:
        part = np.broadcast_to(np.empty((), dtype=bool), shape)[safe]
    except IndexError:
        return None
    return safe if part.size == 0 else None


def _index_error(e, shape):
    """NumPy's indexing error in PyTorch's words, with the tensor's shape and what to do."""
    msg = str(e)
    m = re.match(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", msg)
    if m:
        i, d, n = m.groups()
        return IndexError(f"index {i} is out of bounds for dimension {d} with size {n} (indexing "
                          f"a tensor of shape {tuple(shape)}); valid indices are {-int(n)} to "
                          f"{int(n) - 1}")
    if msg.startswith("too many indices"):
        if len(shape) == 0:
            return IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` to get its "
                              "value as a Python number")
        m = re.search(r"but (\d+) were indexed", msg)
        given = f": {m.group(1)} were given" if m else ""
        return IndexError(f"too many indices for tensor of dimension {len(shape)} (shape "
                          f"{tuple(shape)}){given}; index at most {len(shape)} dimensions")
    if msg.startswith("tensors used as indices") or msg.startswith("The shape of the mask"):
        return IndexError(msg)
    return IndexError(f"x[...] on a tensor of shape {tuple(shape)}: {msg}")


def _norm_index(index, shape):
    """Convert Tensors in an index to arrays, and boolean masks to integer arrays."""
    if type(index) is not tuple:
        if type(index) is list and len(index) < 32 and any(
                type(p) is slice or p is None or p is Ellipsis
                or isinstance(p, (Tensor, list, tuple, range, np.ndarray)) for p in index):
            # PyTorch reads a short list holding a slice, None, ..., a tensor or a sequence as
            # a tuple (its treatSequenceAsTuple): x[[0, slice(None)]] is x[0, :], x[[[0, 1],
            # [1, 2]]] is x[[0, 1], [1, 2]]; deprecated there, so it warns as PyTorch does
            warnings.warn(
                "Using a non-tuple sequence for multidimensional indexing is deprecated and will "
                "be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 "
                "this will be interpreted as tensor index, x[torch.tensor(seq)], which will "
                "result either in an error or a different result", UserWarning, stacklevel=3)
            index = tuple(index)
        else:
            index = (index,)
    if builtins_sum(1 for p in index if p is Ellipsis) > 1:
        index = _single_ellipsis(index, len(shape))
    out = []
    has_bool = has_adv = False
    for part in index:
        if isinstance(part, (str, bytes)):  # (PyTorch makes an index tensor of it: TypeError)
            raise TypeError(f"x[...]: invalid data type '{type(part).__name__}' in the index "
                            f"{part!r}; index with ints, slices, None, ..., or integer or bool "
                            f"tensors")
        if isinstance(part, (bool, np.bool_)):
            # PyTorch: a new dim of size 1 indexed by [0] (True) or [] (False), an advanced
            # index as NumPy reads a 0-d bool; placed by _torch_adv_layout
            part = np.asarray(part)
        if isinstance(part, Tensor):
            part = part._data
            if part.dtype == np.uint8:  # a byte tensor is a mask in PyTorch (deprecated there)
                warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                     "torch.bool instead.")
                part = part.astype(bool)
        elif isinstance(part, (list, range, tuple)):
            # a sequence (a range, a tuple inside the index) is an index tensor in PyTorch; an
            # empty one selects nothing (np.asarray([]) would be float64)
            part = np.asarray(part) if len(part) else np.zeros(0, dtype=np.int64)
            if part.dtype.kind in "USO":  # a sequence of strings (or of mixed kinds)
                raise TypeError(f"x[...]: an index sequence must hold ints or bools, got "
                                f"{index!r}; index with ints, slices, None, ..., or integer or "
                                f"bool tensors")
        elif isinstance(part, np.integer):
            part = int(part)
        elif type(part) is slice and part.step is not None and part.step <= 0:
            raise ValueError("step must be greater than zero")
        if isinstance(part, np.ndarray) or _is_device_array(part):
            if part.dtype.kind == "b":
                has_adv = True
                if part.ndim:  # a 0-d mask adds a dim of size 1 or 0, as NumPy does it
                    has_bool = True
            elif part.dtype.kind not in "iu":
                raise IndexError(
                    f"tensors used as indices must be long, int, byte or bool tensors, got "
                    f"{part.dtype}"
                )
            elif part.ndim == 0:
                part = int(part)
            else:
                has_adv = True
        out.append(part)
    if has_bool:
        _check_masks(out, shape)
        expanded = []
        for part in out:
            if ((isinstance(part, np.ndarray) or _is_device_array(part))
                    and part.dtype.kind == "b" and part.ndim):
                expanded.extend(part.nonzero())
            else:
                expanded.append(part)
        out = expanded
    if has_adv:
        _check_no_index_into_empty(out, shape)
        return _torch_adv_layout(out, shape)
    return tuple(out)


def _uses_a_dim(p):
    """Whether an index part (masks expanded) takes a dim: not None, ``...`` or a 0-d bool."""
    return p is not None and p is not Ellipsis and not (
        (isinstance(p, np.ndarray) or _is_device_array(p)) and p.dtype.kind == "b")


def _check_no_index_into_empty(parts, shape):
    """PyTorch's IndexError for a non-empty index tensor on a dim of size 0, even where the
    result is empty (other index values it checks only as it reads them). A 0-d False mask
    is an empty index tensor beside them: the broadcast index is empty, nothing is checked."""
    if builtins_any((isinstance(p, np.ndarray) or _is_device_array(p)) and p.dtype.kind == "b"
                    and not p.ndim and not p for p in parts):
        return
    d = 0
    for i, p in enumerate(parts):
        if p is Ellipsis:
            d = len(shape) - builtins_sum(_uses_a_dim(q) for q in parts[i + 1:])
        elif _uses_a_dim(p):
            if (isinstance(p, np.ndarray) or _is_device_array(p)) and p.size and d < len(shape) \
                    and shape[d] == 0:
                raise IndexError(f"index is out of bounds for dimension with size 0 (dim {d} of "
                                 f"a tensor of shape {tuple(shape)}); an index tensor there "
                                 f"must be empty")
            d += 1


def _single_ellipsis(index, ndim):
    """An index with several Ellipses as PyTorch reads it, with none: each ``...`` skips the
    dims no other part uses (``ndim`` less the specified ones) from where it stands, and those
    after the last other part skip nothing that matters (``x[..., i, ...]`` is ``x[..., i]``)."""
    def specified(p):  # the dims a part uses, as PyTorch counts them
        if p is None or p is Ellipsis or isinstance(p, (bool, np.bool_)):
            return 0
        if isinstance(p, Tensor) and p.dtype.kind == "b" or isinstance(p, Tensor) \
                and p.dtype == np.uint8:
            return p.ndim
        if isinstance(p, (list, np.ndarray)):
            a = np.asarray(p)
            return a.ndim if a.dtype.kind == "b" else 1
        return 1

    skip = builtins_max(ndim - builtins_sum(specified(p) for p in index), 0)
    last = builtins_max((i for i, p in enumerate(index) if p is not Ellipsis), default=-1)
    out = []
    for i, p in enumerate(index):
        if p is not Ellipsis:
            out.append(p)
        elif i < last:
            out.extend([slice(None)] * skip)
    return tuple(out)


def _check_masks(parts, shape):
    """A boolean mask must have the shape of the dims it indexes (NumPy accepts some others)."""
    def consumed(p):  # how many dims of the input an index part uses
        if p is None or p is Ellipsis or p is True or p is False:
            return 0
        if (isinstance(p, np.ndarray) or _is_device_array(p)) and p.dtype.kind == "b":
            return p.ndim  # (a 0-d mask adds a dim, as None does)
        return 1

    d = 0
    for i, p in enumerate(parts):
        if p is Ellipsis:  # the dims it stands for: those the later parts do not use
            d = builtins_max(d, len(shape) - builtins_sum(consumed(q) for q in parts[i + 1:]))
            continue
        n = consumed(p)
        if n and (isinstance(p, np.ndarray) or _is_device_array(p)) and p.dtype.kind == "b":
            if tuple(p.shape) != tuple(shape[d:d + n]):
                raise IndexError(f"The shape of the mask {list(p.shape)} at index {d} does not "
                                 f"match the shape of the indexed tensor {list(shape)}; give a "
                                 f"mask of shape {list(shape[d:d + n])}")
        d += n


def _int_out_of_range(i, d, shape):
    if d >= len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    raise IndexError(f"index {i} is out of bounds for dimension {d} with size {shape[d]} "
                     f"(indexing a tensor of shape {tuple(shape)}); valid indices are "
                     f"{-shape[d]} to {shape[d] - 1}")


def _torch_adv_layout(out, shape):
    """The index as NumPy must see it to place dims as PyTorch does.

    PyTorch applies integers before advanced (tensor) indexing, so ``x[1, :, idx]`` puts the
    slice's dim first; NumPy counts the integer as an advanced index and, the two being
    separated, puts ``idx``'s dims first. Where the two placements differ, return an index of
    broadcast integer arrays (one per indexed dim) whose result has PyTorch's layout.
    """
    kinds = []
    for part in out:
        if part is None:
            kinds.append("n")
        elif part is Ellipsis:
            kinds.append("e")
        elif type(part) is int:
            kinds.append("i")
        elif type(part) is slice:
            kinds.append("s")
        elif part.dtype.kind == "b":  # a 0-d mask: an advanced index that uses no dim
            kinds.append("b")
        else:
            kinds.append("a")
    if kinds.count("e") > 1:
        return tuple(out)
    if "e" in kinds:  # (NumPy splits the advanced block at an Ellipsis even of no dims)
        k = kinds.index("e")
        n_fill = max(len(shape) - sum(1 for c in kinds if c in "isa"), 0)
        out = out[:k] + [slice(None)] * n_fill + out[k + 1:]
        kinds = kinds[:k] + ["s"] * n_fill + kinds[k + 1:]
    if "i" not in kinds:
        return tuple(out)
    adv = [j for j, c in enumerate(kinds) if c in "iab"]
    if adv[-1] - adv[0] + 1 == len(adv):
        return tuple(out)  # NumPy keeps the block in place, as PyTorch does
    torch_kinds = [c for c in kinds if c != "i"]
    arr_pos = [j for j, c in enumerate(torch_kinds) if c in "ab"]
    if not arr_pos or arr_pos[-1] - arr_pos[0] + 1 != len(arr_pos) or arr_pos[0] == 0:
        return tuple(out)  # PyTorch puts the block first too
    arrays = [part for part, c in zip(out, kinds) if c == "a"]
    shapes = [a.shape for a in arrays] + [(int(p),) for p, c in zip(out, kinds) if c == "b"]
    try:
        bshape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError(
            "shape mismatch: indexing tensors could not be broadcast together with shapes "
            + " ".join(str(list(sh)) for sh in shapes)
        ) from None
    xp = _ns(arrays[0]) if arrays else np
    n_before = arr_pos[0]
    nb = len(bshape)
    n_out = len(torch_kinds) - sum(1 for c in torch_kinds if c in "ab") + nb
    res = []
    want_s = []  # the sizes of the dims outside the advanced block
    d = q = 0
    placed = False
    for part, c in zip(out, kinds):
        if c in "ab" and not placed:
            q, placed = q + nb, True
        if c == "i":
            if d >= len(shape) or not -shape[d] <= part < shape[d]:  # (also where [] selects
                _int_out_of_range(part, d, shape)                   # nothing: PyTorch selects)
            res.append(part)
            d += 1
        elif c == "n":
            want_s.append(1)
            q += 1
        elif c == "s":
            if d >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            r = xp.arange(*part.indices(shape[d]))
            want_s.append(r.shape[0])
            res.append(r.reshape((1,) * q + (r.shape[0],) + (1,) * (n_out - q - 1)))
            q += 1
            d += 1
        elif c == "a":
            res.append(part.reshape((1,) * n_before + (1,) * (nb - part.ndim) + part.shape
                                    + (1,) * (n_out - n_before - nb)))
            d += 1
    # the result's shape, where a new dim (None, a bool) or False's empty [] is carried by no
    # array: the first index part carries it
    want = list(want_s)
    want[n_before:n_before] = bshape
    res[0] = xp.broadcast_to(xp.asarray(res[0]), np.broadcast_shapes(np.shape(res[0]),
                                                                     tuple(want)))
    return tuple(res)


@declare(out="same", differentiable=False)
def nonzero_static(input, *, size, fill_value=-1):
    """``nonzero(input)`` with exactly ``size`` rows: the first ``size`` positions, padded with
    rows of ``fill_value`` when there are fewer (a shape known before the data)."""
    _tensors_only("nonzero_static", (1, "input", input))
    for arg, v in (("size", size), ("fill_value", fill_value)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"nonzero_static(): argument '{arg}' must be int, not "
                            f"{type(v).__name__}")
    if size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    nz = nonzero(input)
    n, nd = nz.shape
    if n >= size:
        return nz[:size]
    pad = wrap(_const_like(nz, np.full((size - n, nd), fill_value, dtype=np.int64)))
    return wrap(_xp(nz).concatenate([nz._data, pad._data], axis=0))

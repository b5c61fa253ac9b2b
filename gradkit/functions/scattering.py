"""Writing into positions: ``index_copy``/``index_fill``/``index_reduce``/``index_put``,
``put``/``take``, ``masked_select``/``masked_scatter``, ``select_scatter``/``slice_scatter``/
``diagonal_scatter``, ``fill_diagonal_``. Built on the indexing ops of ``indexing.py`` (gather,
scatter, ``x[i] = v``), so gradients (and second order) come from their rules."""

from __future__ import annotations

import numpy as np

from .._backend import to_host
from .._tensor.tensor import Tensor, wrap
from .._warnings import warn, warn_once
from ..autograd.graph import present, rename
from ..ops import shape as S
from ._args import _const_like, _dim_in, _int_arg, _t, _tensors_only, _type_name
from ._registry import (
    _not_tensor,
    declare,
    flag_error,
    inplace_input,
    number_error,
    tensor_method,
    write_inplace,
)
from ._scatter_values import _place
from .indexing import (
    _index_error,
    _norm_index,
    _refuse_byte_mask_fill,
    masked_fill,
    scatter_reduce,
)
from .shape import flatten, movedim

__all__ = ["diagonal_scatter", "index_copy", "index_fill", "index_put", "index_reduce",
           "masked_scatter", "masked_select", "put", "select_scatter", "slice_scatter", "take"]


def _vector_index(x, dim, index, name, source=None, bounds=True, error=IndexError):
    """``(dim, host int64 index)`` of the ``index_*`` ops: a 0-d or 1-D integer tensor whose
    entries lie in ``[0, size)`` of ``dim`` (``bounds=False``: not checked yet; ``error``: the
    exception type for an entry out of bounds)."""
    d = _dim_in(dim, x.ndim, name)
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): index must be a Tensor of int64, got {type(index).__name__}")
    if index._data.dtype not in (np.int32, np.int64):  # (uint8, int16 refused as PyTorch)
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index, got {index.dtype}; "
                           f"convert it with .long()")
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, got shape "
                         f"{tuple(index.shape)}")
    idx = to_host(index._data).reshape(-1).astype(np.int64)
    if source is not None:
        _check_source(x, d, idx, source, name)
    n = x.shape[d] if x.ndim else 1
    bad = idx[(idx < 0) | (idx >= n)] if bounds else idx[:0]
    if bad.size:
        raise error(f"{name}(): index {int(bad[0])} is out of bounds for dimension {d} with "
                    f"size {n}; pass indices in [0, {n})")
    return d, idx


def _check_source(x, d, idx, src, name):
    """PyTorch's slice-shape check of ``index_add``/``index_copy``/``index_reduce``."""
    xs = tuple(x.shape) if x.ndim else (1,)
    ss = tuple(src.shape) if src.ndim else (1,)
    if len(xs) != len(ss):
        if name in ("index_reduce", "index_add") and src.ndim == 0:
            # (PyTorch reads source.size(dim) of a 0-d source where the counts differ)
            exc = IndexError if d == 0 and idx.size != 1 else RuntimeError
            raise exc(f"{name}(): Dimension specified as {d} but source has no dimensions "
                      f"(indexing dim {d} is out of bounds of the 0-d source)")
        raise RuntimeError(f"{name}(): source and input must have the same number of dimensions, "
                           f"got shapes {tuple(src.shape)} and {tuple(x.shape)}")
    for k, (a, b) in enumerate(zip(xs, ss)):  # the slice shapes first, then the count
        if k != d and a != b:
            raise RuntimeError(f"{name}(): source/destination tensor must have same slice shapes: "
                               f"input {tuple(x.shape)} and source {tuple(src.shape)} differ at "
                               f"dimension {k} ({a} vs {b})")
    if ss[d] != idx.size:
        # (PyTorch's types: index_add/index_reduce read source.size(dim) of a 0-d source)
        exc = IndexError if name == "index_copy" or src.ndim == 0 else RuntimeError
        raise exc(f"{name}(): number of indices ({idx.size}) should be equal to "
                  f"source.size(dim) ({ss[d]}) at dim {d} (source shape {tuple(src.shape)})")


def _full(x, d, idx, src_shape):
    """The vector index broadcast to the source's shape along ``d`` (a scatter's index)."""
    nd = max(x.ndim, 1)
    shape = [-1 if k == d else 1 for k in range(nd)]
    full = np.broadcast_to(idx.reshape(shape), src_shape if src_shape else (idx.size,))
    return wrap(_const_like(x, np.ascontiguousarray(full)))


def _index_copy_out_before(out, args):
    """torch.index_copy(out=) checks out's dtype right after the dim, before the index and
    the source."""
    x = args.get("input")
    if isinstance(x, Tensor) and isinstance(out, Tensor):
        _dim_in(args.get("dim"), x.ndim, "index_copy")
        if out.dtype != x.dtype:
            raise RuntimeError(f"index_copy(): Expected out tensor to have dtype {x.dtype} (the "
                               f"input's), but got {out.dtype} instead; pass an out of that "
                               f"dtype")


@declare(inplace=True, out=("same", _index_copy_out_before))
def index_copy(input, dim, index, source):
    """``input`` with the slices ``source[..., i, ...]`` copied to ``index[i]`` along ``dim``
    (a repeated index keeps the last copy)."""
    _tensors_only("index_copy", (3, "index", index), (4, "source", source))
    x, src = _t(input), _t(source, "source")
    _dim_in(dim, x.ndim, "index_copy")  # PyTorch's order: the dim, the index, then the source
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got "
                         f"{index.ndim})")
    if src.ndim == 0 and index.numel() != 1:  # (before the index's dtype, as PyTorch)
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element "
                         f"(got {index.numel()})")
    if src.ndim and x.ndim and src.ndim != x.ndim:  # (before the dtypes, as PyTorch)
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({src.ndim}), "
                         f"destination dimensionality ({x.ndim}); reshape the source to "
                         f"{x.ndim} dims")
    if index.dtype != np.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got "
                           f"{index.dtype}; convert it with .long()")
    if src.dtype != x.dtype:  # before the shapes, as PyTorch
        raise RuntimeError(f"index_copy(): self and source expected to have the same dtype, got "
                           f"{x.dtype} and {src.dtype}")
    if x.numel() == 0:
        # PyTorch checks no index of an empty input, and cannot write a non-empty source into
        # it (a RuntimeError from its strided view of the source)
        d = _dim_in(dim, x.ndim, "index_copy")
        _check_source(x, d, to_host(index._data).reshape(-1), src, "index_copy")
        if not src.numel():
            return x.clone()
        raise RuntimeError(f"index_copy(): cannot copy the {src.numel()} elements of source "
                           f"{tuple(src.shape)} into the empty input {tuple(x.shape)}")
    d, idx = _vector_index(x, dim, index, "index_copy", src)
    if x.ndim == 0:
        return src.reshape(()).clone() if idx.size else x.clone()
    # the last copy wins; as PyTorch's IndexCopyBackward0, every slice of source (an
    # overwritten one too) gets the gradient at its index, and input none where one was copied
    from .._tensor.record import apply2

    where = (slice(None),) * d + (_const_like(x, idx),)
    out = apply2(S.SETITEM, x, src if src.ndim else src.reshape(1), (where, False))
    return present(out, "IndexCopyBackward0", (x, src), x)


def _index_fill_(self, dim, index, value):
    """``index_fill`` written into ``self``. PyTorch warns (each call) that writing into an
    expanded tensor is deprecated after its checks of the index's dtype and of a tensor value's
    dimensions, before the dim's: gradkit warns there too, then refuses the write into an
    expanded tensor (see write_inplace)."""
    if not isinstance(self, Tensor):
        _not_tensor("index_fill_", self)
    if isinstance(index, Tensor) and index._data.dtype == np.int64 \
            and not (isinstance(value, Tensor) and value.ndim) \
            and self._data.size \
            and any(st == 0 and n > 1 for st, n in zip(self._data.strides, self.shape)):
        warn("Use of index_fill_ on expanded tensors is deprecated. Please clone() the tensor "
             "before performing this operation. This also applies to advanced indexing e.g. "
             "tensor[mask] = scalar")
    out = write_inplace(self, index_fill(inplace_input(self, (index, value)), dim, index, value),
                        "index_fill_")
    return rename(out, "IndexFillBackward1" if isinstance(value, Tensor) else "IndexFillBackward0")


@declare(inplace=_index_fill_)
def index_fill(input, dim, index, value):
    """``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or a
    0-d tensor, differentiable)."""
    _tensors_only("index_fill", (3, "index", index))
    x = _t(input)
    if index.dtype != np.int64:
        raise IndexError(f"index_fill_(): Expected dtype int64 for index, got {index.dtype}; "
                         f"convert it with .long()")
    _dim_in(dim, x.ndim, "index_fill")
    if index.ndim > 1:  # (PyTorch's RuntimeError, after the dim, an empty input's too)
        raise RuntimeError(f"index_fill_(): Index has to be a vector/scalar, got shape "
                           f"{tuple(index.shape)}; flatten it first")
    if x.numel() == 0:  # PyTorch checks no index of an empty input, but fails on its empty dim
        d = _dim_in(dim, x.ndim, "index_fill")
        if x.shape[d] == 0 and index.numel():
            raise RuntimeError(f"index_fill(): cannot fill dimension {d} of size 0 of input "
                               f"{tuple(x.shape)} at index {index.reshape(-1).tolist()}")
        return x.clone()
    d, idx = _vector_index(x, dim, index, "index_fill")
    if isinstance(value, Tensor) and value.ndim:  # (before masked_fill's own check)
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s); pass a number or a 0-d "
                           f"tensor")
    n = x.shape[d] if x.ndim else 1
    mask = np.zeros(n, dtype=bool)
    mask[idx] = True
    if x.ndim:
        mask = mask.reshape([-1 if k == d else 1 for k in range(x.ndim)])
    else:
        mask = mask.reshape(())
    return masked_fill(x, wrap(_const_like(x, mask)), value)


def _index_reduce_out(out, args):
    """``index_reduce(..., out=)``: PyTorch's meta checks (reduce, dim, dtypes, index and
    source shapes), then out's dtype, all before the kernel's check of the index values."""
    _index_reduce_checks(args.get("input"), args.get("dim"), args.get("index"),
                         args.get("source"), args.get("reduce"), bounds=False)
    if isinstance(out, Tensor) and out._data.dtype != args["input"]._data.dtype:
        raise RuntimeError(f"index_reduce(): Expected out tensor to have dtype "
                           f"{args['input'].dtype}, but got {out.dtype} instead; pass an out "
                           f"of the input's dtype")


@declare(inplace=True, out=("same", _index_reduce_out))
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """Reduce the slices of ``source`` into ``input`` at ``index`` along ``dim`` with
    ``reduce`` in ``'prod'``, ``'mean'``, ``'amax'``, ``'amin'``."""
    x, src, d, idx = _index_reduce_checks(input, dim, index, source, reduce)
    if x.ndim == 0:
        x1 = x.reshape(1)
        out = scatter_reduce(x1, 0, _full(x1, 0, idx, (idx.size,)), src.reshape(-1), reduce,
                             include_self=include_self)
        return out.reshape(())
    return scatter_reduce(x, d, _full(x, d, idx, tuple(src.shape)), src, reduce,
                          include_self=include_self)


def _index_reduce_checks(input, dim, index, source, reduce, bounds=True):
    _tensors_only("index_reduce", (3, "index", index), (4, "source", source))
    x, src = _t(input), _t(source, "source")
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): reduce argument must be either prod, mean, amax or "
                           f"amin, got {reduce!r}")
    _dim_in(dim, x.ndim, "index_reduce")  # the dim before the dtypes, as PyTorch
    if x.dtype.kind == "c":  # (PyTorch's CPU kernels have no complex version)
        raise NotImplementedError(f"index_reduce(): not implemented for complex tensors (got "
                                  f"{x.dtype}), as in PyTorch; use scatter_reduce, which is")
    if src.dtype != x.dtype:
        raise RuntimeError(f"index_reduce_(): self ({x.dtype}) and source ({src.dtype}) must "
                           f"have the same scalar type; convert source first")
    d, idx = _vector_index(x, dim, index, "index_reduce", src, bounds=False)
    if bounds:
        # (PyTorch's kernel warns once after its meta checks -- these, and out's dtype --
        # before the index's bounds)
        warn_once("index_reduce beta", "index_reduce() is in beta and the API may change at "
                  "any time.")
        _vector_index(x, dim, index, "index_reduce")
    return x, src, d, idx


def _flat_positions(x, index, name):
    _tensors_only(name, (2, "index", index))
    if index.dtype != np.int64:  # (int32 and uint8 too, as PyTorch)
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{_type_name(index)}; convert it first, e.g. index.long()")
    n = x.numel()
    idx = to_host(index._data).astype(np.int64)
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"{name}(): out of range: tried to access index {int(bad.flat[0])} on a "
                         f"tensor of {n} elements (shape {tuple(x.shape)})")
    return np.where(idx < 0, idx + n, idx)


@declare()
def take(input, index):
    """The elements of the flattened ``input`` at ``index`` (negative counts from the end);
    the result has ``index``'s shape."""
    _tensors_only("take", (1, "input", input))
    x = _t(input)
    pos = _flat_positions(x, index, "take")
    return flatten(x)[_const_like(x, pos)]


@declare(inplace=True)
def put(input, index, source, accumulate=False):
    """``input`` (seen flattened) with ``source``'s elements written at ``index`` (added with
    ``accumulate``); a repeated index without ``accumulate`` keeps the last write."""
    _tensors_only("put", (2, "index", index), (3, "source", source))
    x, src = _t(input), _t(source, "source")
    if src.dtype != x.dtype:  # checked before the shapes, as PyTorch
        raise RuntimeError(f"put(): self and source expected to have the same dtype, got "
                           f"{x.dtype} and {src.dtype}")
    pos = _flat_positions(x, index, "put_").reshape(-1)
    if src.numel() != pos.size:
        raise IndexError(f"put(): Expected source and index to have the same number of "
                         f"elements, but got {src.numel()} and {pos.size}")
    flat, vals = flatten(x), src.reshape(-1)
    if pos.size == 0:
        return x.clone()
    if accumulate:
        from .._tensor.record import apply1

        added = apply1(S.INDEX_ADD, vals, ((flat.shape[0],), (_const_like(x, pos),)))
        return (flat + added).reshape(tuple(x.shape))
    # the last write wins; as PyTorch's PutBackward0, every element of source (an overwritten
    # one too) gets the gradient at its index, and input none where anything was written
    from .._tensor.record import apply2

    put = apply2(S.SETITEM, flat, vals, ((_const_like(x, pos),), False))
    return present(put.reshape(tuple(x.shape)), "PutBackward0", (x, src), x)


@declare(inplace=True)
def index_put(input, indices, values, accumulate=False):
    """``input`` with ``input[indices] = values`` (``+=`` with ``accumulate``, repeated
    positions adding up); ``indices`` is a tuple of index tensors, one per leading dim."""
    x = _t(input)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): indices must be a tuple of Tensors, got "
                        f"{type(indices).__name__}")
    v = _t(values, "values")
    idx = tuple(indices)
    if not accumulate:
        _refuse_byte_mask_fill(idx, v)
    norm = _norm_index(idx, x._data.shape)  # the indices are checked first, as in PyTorch
    try:  # (on a zero-stride view: no copy of the input)
        part = np.broadcast_to(np.empty((), dtype=bool), tuple(x.shape))[norm].shape
    except IndexError as e:
        raise _index_error(e, tuple(x.shape)) from None
    if v.dtype != x.dtype:
        raise RuntimeError(f"index_put(): values and self must have the same dtype, got "
                           f"{v.dtype} and {x.dtype}; convert values first")
    if not accumulate:
        out = x.clone()
        # (uint8 masks as bool: the deprecation was warned once above)
        out[tuple(p.bool() if isinstance(p, Tensor) and p.dtype == np.uint8 else p
                  for p in idx)] = v
        return out
    try:
        vb = v.expand(tuple(part)) if tuple(v.shape) != part else v
    except RuntimeError:
        raise RuntimeError(f"index_put(): shape mismatch: values of shape {tuple(v.shape)} "
                           f"cannot be broadcast to the indexed shape {part}") from None
    from .._tensor.record import apply1

    return x + apply1(S.INDEX_ADD, vb, (tuple(x.shape), norm))


@declare(out="same")
def masked_select(input, mask):
    """The elements of ``input`` where ``mask`` (broadcast with it) is True, as a 1-D tensor."""
    x, m = _t(input), _t(mask, "mask")
    if m.dtype.kind != "b":
        raise RuntimeError(f"masked_select(): expected a bool mask, got dtype {m.dtype}")
    try:
        shape = np.broadcast_shapes(tuple(x.shape), tuple(m.shape))
    except ValueError:
        raise RuntimeError(f"masked_select(): the mask of shape {tuple(m.shape)} does not "
                           f"broadcast with the input's shape {tuple(x.shape)}") from None
    xb = x.expand(tuple(shape)) if tuple(x.shape) != shape else x
    mb = np.broadcast_to(to_host(m._data), shape).reshape(-1)
    return flatten(xb)[_const_like(x, np.flatnonzero(mb))]


@declare(inplace=True)
def masked_scatter(input, mask, source):
    """``input`` with the positions where ``mask`` is True filled, in order, with the leading
    elements of ``source``."""
    x, m, src = _t(input), _t(mask, "mask"), _t(source, "source")
    if m._data.dtype == np.uint8:  # (PyTorch's deprecation warning, then its refusal)
        warn("masked_scatter_ received a mask with dtype torch.uint8, this behavior is now "
             "deprecated,please use a mask with dtype torch.bool instead.")
    if m.dtype.kind != "b":
        raise RuntimeError(f"masked_scatter(): expected a bool mask, got dtype {m.dtype}")
    if src.dtype != x.dtype:
        raise RuntimeError(f"masked_scatter(): expected source and input to have the same "
                           f"dtype, got {src.dtype} and {x.dtype}")
    try:
        shape = np.broadcast_shapes(tuple(x.shape), tuple(m.shape))
    except ValueError:
        raise RuntimeError(f"masked_scatter(): the mask of shape {tuple(m.shape)} does not "
                           f"broadcast with the input's shape {tuple(x.shape)}") from None
    xb = x.expand(tuple(shape)) if tuple(x.shape) != shape else x
    pos = np.flatnonzero(np.broadcast_to(to_host(m._data), shape))
    if pos.size > src.numel():
        raise RuntimeError(f"masked_scatter(): number of elements in source ({src.numel()}) < "
                           f"number of ones in mask ({pos.size})")
    flat = flatten(xb)
    if pos.size == 0:
        return xb.clone()
    return _place(flat, pos, src.reshape(-1)[:pos.size]).reshape(shape)


def _embed(x, index, src, name, part_shape):
    """``x`` with ``x[index] = src`` (out of place, differentiable in both)."""
    s = _t(src, "src")
    if tuple(s.shape) != tuple(part_shape):
        raise RuntimeError(f"{name}(): expected src to have a size equal to the slice of self. "
                           f"src size = {list(s.shape)}, slice size = {list(part_shape)}")
    if s.dtype != x.dtype:
        s = s.to(x.dtype)
    out = x.clone()
    out[index] = s
    return out


@declare()
def select_scatter(input, src, dim, index):
    """``input`` with ``src`` embedded at ``index`` along ``dim`` (``out.select(dim, index)
    == src``)."""
    _tensors_only("select_scatter", (1, "input", input), (2, "src", src))
    x = _t(input)
    if x.ndim == 0:
        raise IndexError("select_scatter(): select() cannot be applied to a 0-dim tensor; "
                         "give an input with at least one dimension")
    d = _dim_in(dim, x.ndim, "select_scatter")
    index = _int_arg(index, "select_scatter", "index", True)
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select_scatter(): index {index} out of range for tensor of size "
                         f"{list(x.shape)} at dimension {d}")
    key = (slice(None),) * d + (index % n,)
    return _embed(x, key, src, "select_scatter", x._data[key].shape)


@declare()
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """``input`` with ``src`` embedded at ``start:end:step`` along ``dim``."""
    _tensors_only("slice_scatter", (2, "src", src))
    # (its argument parser's TypeError for a bool or float bound, before any other check)
    start, end = (None if v is None else _int_arg(v, "slice_scatter", k, True)
                  for k, v in (("start", start), ("end", end)))
    x = _t(input)
    if x.ndim == 0:
        raise IndexError("slice_scatter(): slice() cannot be applied to a 0-dim tensor")
    d = _dim_in(dim, x.ndim, "slice_scatter")
    step = _int_arg(step, "slice_scatter", "step", True)
    if step <= 0:
        raise RuntimeError(f"slice_scatter(): slice step must be positive, got {step}")
    key = (slice(None),) * d + (slice(start, end, step),)
    return _embed(x, key, src, "slice_scatter", x._data[key].shape)


@declare()
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """``input`` with ``src`` embedded as its ``offset`` diagonal over ``dim1``/``dim2``."""
    _tensors_only("diagonal_scatter", (2, "src", src))
    x = _t(input)
    offset = _int_arg(offset, "diagonal_scatter", "offset")
    # PyTorch's order: the dims' range (IndexError), then that they differ
    d1, d2 = _dim_in(dim1, x.ndim, "diagonal_scatter"), _dim_in(dim2, x.ndim, "diagonal_scatter")
    if d1 == d2:
        raise RuntimeError(f"diagonal_scatter(): dim1 and dim2 must be different, both are {d1}")
    if x.ndim < 2:
        raise RuntimeError(f"diagonal_scatter(): expected a tensor with at least 2 dimensions, "
                           f"got shape {tuple(x.shape)}")
    y = movedim(x, (d1, d2), (-2, -1))
    n1, n2 = y.shape[-2], y.shape[-1]
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    rows = _const_like(x, np.arange(length) + max(-offset, 0))
    cols = _const_like(x, np.arange(length) + max(offset, 0))
    key = (Ellipsis, rows, cols)
    out = _embed(y, key, src, "diagonal_scatter", tuple(y.shape[:-2]) + (length,))
    return movedim(out, (-2, -1), (d1, d2)).contiguous()


@tensor_method()
def fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal in place (all dims of equal size beyond 2-D; a tall matrix with
    ``wrap=True`` starts again every ``ncols + 1`` rows, as NumPy's ``fill_diagonal``)."""
    if wrap.__class__ is not bool:
        flag_error("fill_diagonal_", "wrap", wrap)
    if fill_value.__class__ is not float and fill_value.__class__ is not int:
        number_error("fill_diagonal_", "fill_value", fill_value)
    if self.ndim < 2:
        raise RuntimeError(f"fill_diagonal_(): dimensions must larger than 1, got shape "
                           f"{tuple(self.shape)}")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise RuntimeError(f"fill_diagonal_(): all dimensions of input must be of equal length, "
                           f"got shape {tuple(self.shape)}")
    mask = np.zeros(self.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=bool(wrap))
    return self.masked_fill_(_wrap_mask(self, mask), fill_value)


def _wrap_mask(x, mask):
    return wrap(_const_like(x, mask))

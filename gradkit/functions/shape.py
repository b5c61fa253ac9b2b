"""Shapes and views: ``reshape``/``view``, ``permute``/``transpose``, ``squeeze``/``unsqueeze``,
``expand``, joining and splitting (``cat``, ``stack``, ``split``, ``chunk``), ``flip``, ``roll``,
``tril``/``triu``, ``diagonal``, ... Primitives are in ``gradkit/ops/shape.py``."""

from __future__ import annotations

import numpy as np

from .. import _dtype, _options
from .._backend import to_host
from .._complex import HOST_KINDS as _HOST
from .._complex import is_host as _host
from .._memory_format import contiguous_format
from .._options import element_count
from .._tensor.record import apply, apply1
from .._tensor.tensor import Tensor, wrap
from .._warnings import warn_once
from ..autograd import grad_mode
from ..autograd.graph import FORWARD, present, rename
from ..ops import shape as S
from ..ops._saved_arguments import remember
from ._args import (
    _const_like,
    _dim_in,
    _dims_tuple,
    _int_arg,
    _int_list,
    _missing_arg,
    _norm_axis,
    _not_implemented,
    _repeated,
    _shape_arg,
    _spread_dims,
    _t,
    _tensor_operands,
    _tensors_only,
    _unsized_dims,
    _wrap_dim,
    _xp,
    builtins_abs,
    builtins_any,
    builtins_max,
    builtins_min,
)
from ._registry import declare, out_cat, tensor_method
from ._splitting import _chunk, _pieces, _split
from ._triangle import tri_indices
from ._views import infer_shape as _infer_shape
from ._views import view_dtype, view_strides
from .elementwise import where

__all__ = ["broadcast_to", "cat", "chunk", "diag", "diag_embed", "diagflat", "diagonal", "expand",
    "expand_as", "flatten", "flip", "fliplr", "flipud", "meshgrid", "movedim", "narrow",
    "narrow_copy", "permute", "ravel", "repeat", "repeat_interleave", "reshape", "roll", "rot90",
    "select", "split",
    "squeeze", "stack", "t", "tile", "transpose", "tril", "tril_indices", "triu", "triu_indices",
    "unbind", "unflatten", "unfold", "unsqueeze", "vander", "view", "adjoint", "split_with_sizes",
    "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes"]


@declare()
def reshape(input, *args, shape=None):
    if not args and shape is None:  # (a 0-d shape is given as (), as PyTorch's)
        _missing_arg("reshape", "shape", "give the shape, e.g. x.reshape(2, -1) or x.reshape(())")
    x = _t(input)
    shape = _infer_shape(_shape_arg(args if shape is None else (shape,), "reshape"),
                         x._data.size, "reshape")
    return apply1(S.RESHAPE, x, (shape, x._data.shape))


@declare(function=False)
def view(input, *shape, size=None, dtype=None):
    if size is not None or dtype is not None:  # x.view(dtype=torch.int16), x.view(size=(2, 2))
        if shape or (size is not None and dtype is not None):
            raise TypeError(f"view() received an invalid combination of arguments - got "
                            f"{len(shape)} positional and size={size!r}, dtype={dtype!r}; give "
                            f"either a size or a dtype, e.g. x.view(2, -1) or x.view(dtype=...)")
        shape = (dtype,) if dtype is not None else (size,)
    if not shape:
        _missing_arg("view", "size", "give a size or a dtype, e.g. x.view(2, -1) or x.view(())")
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, np.integer)):
        s = shape[0]
        if not (isinstance(s, Tensor) and s._data.size == 1 and s.dtype.kind in "iu"):
            return view_dtype(_t(input), s)
        shape = (int(s.item()),)  # (a one-element integer tensor is a size, as PyTorch's int)
    x = _t(input)
    if x.is_sparse or type(x._data).__name__ == "SparseCompressed":  # (as PyTorch: no view
        raise NotImplementedError(f"view: not supported for sparse tensors (layout "  # of one)
                                  f"{x.layout!r}); convert with .to_dense() first")
    new = _infer_shape(_shape_arg(shape, "view"), x._data.size, "view")
    if view_strides(tuple(x.shape), x.stride(), new) is None:
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (at least one "
            f"dimension spans across two contiguous subspaces). Use .reshape(...) instead. "
            f"(view{tuple(new)} of a tensor of shape {tuple(x.shape)} and strides {x.stride()})")
    return apply1(S.RESHAPE, x, (new, x._data.shape))


@declare()
def permute(input, *args, dims=None):
    if not args and dims is None:
        _missing_arg("permute", "dims", "give the new order, e.g. x.permute(1, 0)")
    x = _t(input)
    dims = _shape_arg(args if dims is None else (dims,), "permute")
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute: number of dims don't match: the tensor has {x.ndim} dimensions but "
            f"{len(dims)} were given ({dims})"
        )
    axes = tuple(_dim_in(d, x.ndim, "permute") for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise RuntimeError(f"permute(): duplicate dims are not allowed: got dims {dims} for a "
                           f"tensor of shape {tuple(x.shape)}; give each dim exactly once")
    inverse = tuple(int(i) for i in np.argsort(axes))
    return apply1(S.PERMUTE, x, (axes, inverse))


def _metadata_inplace(self, res, name):
    """Make ``self`` the view ``res`` of itself (its shape changes, as PyTorch's ``squeeze_``,
    ``t_``, ...): same storage, the graph continues from ``res``'s node."""
    if self.requires_grad and self.grad_fn is None and grad_mode.STATE[0]:
        raise RuntimeError(
            f"{name}(): a leaf Variable that requires grad is being used in an in-place "
            f"operation. Use the out-of-place {name[:-1]}() or wrap it in gradkit.no_grad()")
    self._data = res._data
    if res._grad_fn is not None:
        self.grad_fn = res._grad_fn
    self._vc[0] += 1
    return self


# squeeze's dim left out: every size-1 dimension (told apart from a None passed)
_EVERY = type("_Every", (), {"__slots__": (), "__repr__": lambda self: "every size-1 dim"})()


def _squeeze_(self, *dims, dim=_EVERY):
    return _metadata_inplace(self, squeeze(self, *dims, dim=dim), "squeeze_")


def _unsqueeze_(self, dim):
    return _metadata_inplace(self, unsqueeze(self, dim), "unsqueeze_")


def _transpose_(self, dim0, dim1):
    return _metadata_inplace(self, transpose(self, dim0, dim1), "transpose_")


def _t_(self):
    return _metadata_inplace(self, t(self), "t_")


@declare(aliases=("swapaxes", "swapdims"), inplace=_transpose_)
def transpose(input, dim0, dim1):
    x = _t(input)
    if x.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return reshape(x, tuple(x.shape))
    axes = list(range(x.ndim))
    a, b = _wrap_dim(dim0, x.ndim), _wrap_dim(dim1, x.ndim)
    axes[a], axes[b] = axes[b], axes[a]
    return remember(rename(permute(x, *axes), "TransposeBackward0", x), x, _saved_dim0=dim0,
                    _saved_dim1=dim1)


@declare(inplace=_t_)
def t(input):
    x = _t(input)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    if x.ndim == 2:
        return rename(transpose(x, 0, 1), "TBackward0", x)
    return reshape(x, tuple(x.shape))


@declare()
def flatten(input, start_dim=0, end_dim=-1):
    x = _t(input)
    if x.ndim == 0:  # dims 0 and -1 only, as PyTorch
        _dim_in(start_dim, 0, "flatten")
        _dim_in(end_dim, 0, "flatten")
        return reshape(x, 1)
    s, e = _dim_in(start_dim, x.ndim, "flatten"), _dim_in(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten(): start_dim cannot come after end_dim: got start_dim="
                           f"{start_dim} and end_dim={end_dim} for shape {tuple(x.shape)}; "
                           f"give start_dim <= end_dim")
    shape = x.shape
    n = 1
    for k in shape[s:e + 1]:
        n *= k
    return reshape(x, tuple(shape[:s]) + (n,) + tuple(shape[e + 1:]))


@declare()
def unflatten(input, dim, sizes):
    x = _t(input)
    d = _wrap_dim(dim, x.ndim)  # (a dim out of range first: IndexError, as PyTorch)
    if x.ndim == 0:
        raise RuntimeError("unflatten(): Dimension specified as 0 but tensor has no dimensions "
                           "(a 0-d input); reshape() it instead")
    sizes = _infer_shape(sizes, x.shape[d], "unflatten")
    return reshape(x, tuple(x.shape[:d]) + tuple(sizes) + tuple(x.shape[d + 1:]))


@declare(inplace=_squeeze_)
def squeeze(input, *dims, dim=_EVERY):
    x = _t(input)
    dim = _spread_dims("squeeze", dims, dim, _EVERY)  # x.squeeze(0, 2): the method's form
    if dim is None:  # (PyTorch's parser: dim is an int or ints, never None)
        raise TypeError("squeeze(): argument 'dim' must be int or tuple of ints, not NoneType; "
                        "leave it out to squeeze every size-1 dimension")
    if dim is _EVERY:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        _unsized_dims(dim, "squeeze")
        dims = _norm_axis(dim, x.ndim) or ()
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"squeeze(): dim {_repeated(dims)} appears multiple times in the "
                               f"list of dims {dim}; give each dim once")
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    name = "SqueezeBackward0" if dim is _EVERY else \
        "SqueezeBackward1" if isinstance(dim, int) else "SqueezeBackward2"
    out = rename(reshape(x, shape), name, x)
    return remember(out, x, _saved_dim=dim) if isinstance(dim, int) else out


@declare(inplace=_unsqueeze_)
def unsqueeze(input, dim):
    x = _t(input)
    d = _wrap_dim(dim, x.ndim + 1)
    shape = tuple(x.shape)
    return remember(rename(apply1(S.RESHAPE, x, (shape[:d] + (1,) + shape[d:], shape)),
                           "UnsqueezeBackward0"), _saved_dim=dim)


@declare()
def broadcast_to(input, *args, size=None):  # (the method spreads its ints: x.broadcast_to(2, 3))
    if not args and size is None:
        _missing_arg("broadcast_to", "size", "give the shape, e.g. x.broadcast_to((2, 3))")
    size = size if size is not None else args[0] if len(args) == 1 and isinstance(args[0], (
        tuple, list)) else args
    if isinstance(size, (tuple, list)) and any(isinstance(v, Tensor) for v in size):
        # a one-element tensor among the sizes is a size, as PyTorch's SymInt
        size = [int(v.item()) if isinstance(v, Tensor) and v.numel() == 1
                and v._data.dtype.kind in "iu" else v for v in size]
    return _t(input).expand(tuple(_int_list(size, "broadcast_to", "size")))


@declare(function=False)
def expand(input, *args, size=None):
    if not args and size is None:
        _missing_arg("expand", "size", "give the new sizes, e.g. x.expand(4, -1) or x.expand(())")
    x = _t(input)
    sizes = _shape_arg(args if size is None else (size,), "expand")
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({x.ndim})"
        )
    lead = len(sizes) - x.ndim
    shape = []
    for i, s in enumerate(sizes):
        cur = x.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, new dimension")
            s = cur
        elif s < 0:
            raise RuntimeError(f"expand: the expanded size of the tensor ({s}) isn't allowed in "
                               f"dimension {i} (target sizes {tuple(sizes)}); sizes must be >= 0 "
                               f"or -1 (keep the size)")
        elif cur is not None and cur != s and cur != 1:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({s}) must match the existing size "
                f"({cur}) at non-singleton dimension {i}. Target sizes: {tuple(sizes)}. Tensor "
                f"sizes: {tuple(x.shape)}"
            )
        shape.append(int(s))
    shape = tuple(shape)
    if shape == tuple(x.shape):  # a new view, as in PyTorch (never ``x`` itself)
        return apply1(S.RESHAPE, x, (shape, shape))
    return apply1(S.EXPAND, x, (shape, tuple(x.shape)))


@declare(function=False)
def expand_as(input, other):
    if other.__class__ is not Tensor:
        _tensors_only("expand_as", (2, "other", other))
        _tensor_operands("expand_as", (2, "other", other))
    return expand(input, tuple(other.shape))


@declare(function=False)
def repeat(input, *sizes):
    if not sizes:
        _missing_arg("repeat", "repeats", "give the counts per dimension, e.g. x.repeat(2, 1)")
    x = _t(input)
    reps = _shape_arg(sizes, "repeat")
    if len(reps) < x.ndim:
        raise RuntimeError(
            f"repeat: number of repeat dims ({len(reps)}) can not be smaller than the number of "
            f"dimensions of the tensor ({x.ndim})"
        )
    reps = tuple(int(r) for r in reps)
    padded = (1,) * (len(reps) - x.ndim) + tuple(x.shape)
    # PyTorch checks the result's sizes: a negative count of a dimension of size 0 gives 0
    if builtins_any(n * r < 0 for n, r in zip(padded, reps)):
        raise RuntimeError(f"repeat: Trying to create tensor with negative dimension: repeats "
                           f"{list(reps)} for shape {tuple(x.shape)}; give counts >= 0")
    reps = tuple(r if n else 0 for n, r in zip(padded, reps))
    return apply1(S.REPEAT, x, (reps, tuple(x.shape)))


def _cat_prepare(tensors, dim, name):
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}; pass a list or tuple of tensors")
    tensors = [_t(x, "tensors") for x in tensors]
    if not tensors:  # PyTorch: cat's ValueError, stack's RuntimeError
        raise (ValueError if name == "cat" else RuntimeError)(
            f"{name}(): expected a non-empty list of Tensors")
    dt = tensors[0].dtype
    kind = type(tensors[0]._data)
    for i, x in enumerate(tensors[1:], 1):
        dt = _dtype.promote_types(dt, x.dtype)
        if type(x._data) is not kind and not (_host(x._data) and kind in _HOST):  # complex
            raise RuntimeError(
                f"{name}(): expected all tensors to be on the same device, but tensor 0 is on "
                f"{tensors[0].device} and tensor {i} on {x.device}; move them with .to()"
            )
    return [x.to(dt) if x.dtype != dt else x for x in tensors]


@declare(method=False, out=("cat", out_cat(0)), aliases=("concat", "concatenate"))
def cat(tensors, dim=0):
    """Concatenate along an existing dimension ``dim``."""
    tensors = _cat_prepare(tensors, dim, "cat")
    for i, x in enumerate(tensors):  # PyTorch's first check, before the dim's
        if x.ndim == 0:
            raise RuntimeError(f"cat(): zero-dimensional tensor (at position {i}) cannot be "
                               f"concatenated; unsqueeze it first, e.g. t.reshape(1)")
    tensors = [x for x in tensors if not (x.ndim == 1 and x.shape[0] == 0)] or tensors[:1]
    nd = tensors[0].ndim
    d = _wrap_dim(dim, nd)
    ref = tensors[0].shape
    for i, x in enumerate(tensors):
        if x.ndim != nd or builtins_any(
                a != b for k, (a, b) in enumerate(zip(x.shape, ref)) if k != d):
            raise RuntimeError(
                f"cat(): sizes of tensors must match except in dimension {d}: tensor 0 has shape "
                f"{tuple(ref)} but tensor {i} has shape {tuple(x.shape)}"
            )
    return remember(apply(S.CAT, tensors, (d, tuple(x.shape[d] for x in tensors))), _saved_dim=dim)


@declare(method=False, out=("cat", out_cat(1)))
def stack(tensors, dim=0):
    """Stack along a new dimension ``dim``."""
    tensors = _cat_prepare(tensors, dim, "stack")
    ref = tensors[0].shape
    d = _dim_in(dim, len(ref) + 1, "stack")  # the dim first (against the first tensor's rank)
    for i, x in enumerate(tensors):
        if x.shape != ref:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and "
                f"{list(x.shape)} at entry {i}"
            )
    return remember(apply(S.STACK, tensors, (d,)), _saved_dim=dim)


def _slice_along(x, d, start, stop):
    return x[(slice(None),) * d + (slice(start, stop),)]


@declare(method=False)
def split(tensor, split_size_or_sections, dim=0):
    return _split(tensor, split_size_or_sections, dim)


@declare()
def chunk(input, chunks, dim=0):
    return _chunk(input, chunks, dim)


@declare()
def unbind(input, dim=0):
    x = _t(input)
    if x.ndim == 0:
        raise IndexError("unbind(): Dimension specified as 0 but tensor has no dimensions; a 0-d "
                         "tensor has nothing to unbind")
    d = _wrap_dim(dim, x.ndim)
    pieces = _pieces(x, d, range(x.shape[d]), "UnbindBackward0", True)
    for p in pieces:
        remember(p, x, _saved_dim=dim)
    return pieces


@declare()
def narrow(input, dim, start, length):
    """``length`` elements from ``start`` (< 0: from the end) along ``dim``, as a view."""
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor; reshape it first")
    if isinstance(start, Tensor):  # a 0-d integer tensor start, as PyTorch accepts
        if start.ndim or start.dtype.kind not in "iu":
            raise RuntimeError(f"narrow(): start must be an 0-dim integral Tensor, got a "
                               f"{start.dtype} tensor of shape {tuple(start.shape)}")
        start = start.item()
    start, length = _int_arg(start, "narrow", "start", True), \
        _int_arg(length, "narrow", "length", True)
    if length < 0:  # (before the dim, as PyTorch)
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}")
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if start < -n or start > n:
        raise IndexError(f"narrow(): start ({start}) out of range for dimension {d} of size {n} "
                         f"(expected to be in range of [{-n}, {n}])")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension "
                           f"size ({n}) of dimension {d}")
    return remember(_slice_along(x, d, start, start + length), x, _saved_dim=dim)


@declare(grad_name="NarrowCopyBackward0")
def narrow_copy(input, dim, start, length):
    """``narrow`` as a new tensor (a copy: writes to either do not reach the other); PyTorch's
    own checks first: a dim past the last a RuntimeError, the start before the length."""
    x = _t(input)
    if x.ndim and isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        if dim >= x.ndim:
            raise RuntimeError(f"narrow_copy(): dim {dim} out of range for a tensor of "
                               f"{x.ndim} dimensions; pass a dim below {x.ndim}")
        s = start.item() if isinstance(start, Tensor) else start
        n = x.shape[_wrap_dim(dim, x.ndim)]
        if isinstance(s, (int, np.integer)) and not isinstance(s, bool) and not -n <= s <= n:
            raise IndexError(f"narrow_copy(): start out of range (expected to be in range of "
                             f"[{-n}, {n}], but got {s})")
    return narrow(x, dim, start, length).clone()


@declare()
def flip(input, *args, dims=None):
    """Reverse along ``dims``: ``flip(x, (0, 1))``, ``x.flip(0, 1)``, ``x.flip(dims=[0])``."""
    x = _t(input)
    if dims is None:
        if not args:
            _missing_arg("flip", "dims", "pass the dims to reverse, e.g. flip(x, (0,))")
        dims = _shape_arg(args)
    if isinstance(dims, int):
        dims = (dims,)
    axes = tuple(_dim_in(d, x.ndim, "flip") for d in dims)
    if len(set(axes)) != len(axes):  # (a 0-d tensor's 0 and -1 are one dim, as PyTorch's)
        raise RuntimeError(f"flip(): dim {_repeated(axes)} appears multiple times in the list of "
                           f"dims {tuple(dims)}; give each dim once")
    if x.ndim == 0 or not axes:  # (nothing to reverse: still a copy, as PyTorch's)
        return remember(present(x.clone(), "FlipBackward0", (x,)), _saved_dims=tuple(dims))
    return remember(apply1(S.FLIP, x, (axes,)), _saved_dims=tuple(dims))


@declare()
def fliplr(input):
    """Reverse the columns (dim 1) of a tensor with at least 2 dimensions."""
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError(f"fliplr(): input tensor must have at least 2 dimensions, got shape "
                           f"{tuple(x.shape)}; use flip(x, 0) for a 1-D tensor")
    return flip(x, 1)


@declare()
def flipud(input):
    """Reverse the rows (dim 0) of a tensor with at least 1 dimension."""
    x = _t(input)
    if x.ndim < 1:
        raise RuntimeError("flipud(): input tensor must have at least 1 dimension, got a 0-d "
                           "tensor")
    return flip(x, 0)


@declare(out="same")
def diag(input, diagonal=0):
    x = _t(input)
    if x.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D (shape "
                           f"{tuple(x.shape)}); use diagonal() or diag_embed() for batches")
    xp = _xp(x)
    if x.ndim == 1:
        n = x.shape[0] + builtins_abs(diagonal)
        element_count("diag", (n, n))
        out = wrap(xp.zeros((n, n), dtype=x.dtype))
        rows = np.arange(x.shape[0]) + builtins_max(-diagonal, 0)
        cols = np.arange(x.shape[0]) + builtins_max(diagonal, 0)
        # (the method: indexing.py is the layer above this one)
        return out.reshape(-1).scatter_add(0, wrap(xp.asarray(rows * n + cols)), x).reshape(n, n)
    rows, cols = np.nonzero(np.eye(x.shape[0], x.shape[1], k=diagonal, dtype=bool))
    return x[wrap(xp.asarray(rows)), wrap(xp.asarray(cols))]


def _tri_mask(x, fn, diagonal):
    if x.ndim < 2:
        raise RuntimeError(f"{fn.__name__}: input tensor must have at least 2 dimensions, got "
                           f"shape {tuple(x.shape)}; use diag()/unsqueeze() for a vector")
    diagonal = _int_arg(diagonal, fn.__name__, "diagonal", True)
    mask = fn(np.ones(x.shape[-2:], dtype=bool), diagonal)
    return wrap(mask if type(x._data) is np.ndarray else _xp(x).asarray(mask))


@declare(inplace=True, out="same")
def tril(input, diagonal=0):
    """The lower triangle (``diagonal`` > 0: above the main diagonal too); zeros elsewhere."""
    x = _t(input)
    # a selection, not a multiplication by the mask: an inf outside the triangle gives 0, not
    # nan (the causal-mask idiom triu(full((T, T), -inf), 1))
    return where(_tri_mask(x, np.tril, diagonal), x, False if x.dtype.kind == "b" else 0)


@declare(inplace=True, out="same")
def triu(input, diagonal=0):
    """The upper triangle (``diagonal`` < 0: below the main diagonal too); zeros elsewhere."""
    x = _t(input)
    return where(_tri_mask(x, np.triu, diagonal), x, False if x.dtype.kind == "b" else 0)


@declare()
def roll(input, shifts, dims=None):
    """Shift elements cyclically by ``shifts`` along ``dims`` (the flattened tensor if None)."""
    x = _t(input)
    shifts_t = _dims_tuple(shifts, "roll", "shifts")
    if dims is None or (isinstance(dims, (list, tuple)) and not dims):  # ([]: None, as PyTorch)
        if len(shifts_t) != 1:
            raise RuntimeError(f"roll(): with dims=None, shifts must be a single int, got "
                             f"{shifts!r}")
        return roll(flatten(x), shifts_t, 0).reshape(tuple(x.shape))
    dims_t = _dims_tuple(dims, "roll", "dims")
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(f"roll(): shifts and dims must have the same length, got "
                         f"shifts={shifts!r} and dims={dims!r}")
    out = x
    if x.numel() == 0:  # (PyTorch returns an empty input's copy before looking at the dims)
        return x.clone()
    if x.ndim == 0:  # a 0-d tensor has no dim to roll along (PyTorch's IndexError)
        raise IndexError(f"roll(): Dimension specified as {dims_t[0]} but tensor has no "
                         f"dimensions; give dims=None to roll a 0-d tensor")
    for s, d in zip(shifts_t, dims_t):
        d = _dim_in(d, x.ndim, "roll")
        n = x.shape[d]
        s = s % n if n else 0
        if s:
            out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d)
    return remember(out if out is not x else x.clone(), _saved_dims=dims_t,
                    _saved_shifts=shifts_t)


@declare()
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times (an int, or a tensor with one count per element)
    along ``dim`` (the flattened input if None). ``repeat_interleave(counts)`` repeats the
    indices ``0..len(counts)-1``."""
    if repeats is None:  # repeat_interleave(repeats): the indices, each repeated
        r = _t(input, "repeats")
        if r.ndim > 1 or r.dtype.kind not in "iu":
            raise TypeError(f"repeat_interleave(): repeats must be a 0-d or 1-d integer tensor, "
                            f"got shape {tuple(r.shape)} and dtype {r.dtype}")
        counts = to_host(r._data).reshape(-1)
        if counts.size and counts.min() < 0:
            raise RuntimeError("repeat_interleave(): repeats can not be negative, got "
                             f"{int(counts.min())}")
        if output_size is not None and int(counts.sum()) != output_size:
            raise RuntimeError(f"repeat_interleave(): output_size={output_size} does not match "
                             f"the output's size {int(counts.sum())} (the sum of repeats)")
        return wrap(_const_like(r, np.repeat(np.arange(counts.size, dtype=np.int64), counts)))
    out = _repeat_interleave(_t(input), repeats, dim)
    if output_size is not None and out.shape[dim if dim is not None else 0] != output_size:
        raise RuntimeError(f"repeat_interleave(): output_size={output_size} does not match the "
                         f"output's size {out.shape[dim if dim is not None else 0]}")
    return out


def _repeat_interleave(x, repeats, dim):
    if isinstance(repeats, bool) or not isinstance(repeats, (Tensor, int, np.integer, np.ndarray)):
        raise TypeError(f"repeat_interleave(): argument 'repeats' must be an int or an integer "
                        f"Tensor, not {type(repeats).__name__}")  # (before the dim, as PyTorch)
    if dim is None:
        x = flatten(x)
        d = 0
    else:
        if x.ndim == 0:  # PyTorch's IndexError: a 0-d tensor has no dim to repeat along
            raise IndexError(f"repeat_interleave(): Dimension specified as {dim} but tensor has "
                             f"no dimensions; give dim=None")
        d = _dim_in(dim, x.ndim, "repeat_interleave")
    n = x.shape[d]
    if isinstance(repeats, Tensor) and repeats.dtype.kind not in "iu":
        if repeats.ndim == 1 and repeats.shape[0] not in (1, n):  # the sizes first
            raise RuntimeError(f"repeat_interleave(): repeats must have the same size as input "
                               f"along dim, but got repeats.size(0) = {repeats.shape[0]} and "
                               f"input.size({d}) = {n}")
        _not_implemented("repeat_interleave_cpu", repeats, "repeats must be an integer tensor")
    if isinstance(repeats, Tensor) and repeats.ndim == 0:
        repeats = int(repeats.item())
    if isinstance(repeats, (int, np.integer)) and not isinstance(repeats, bool):
        r = int(repeats)
        if r < 0:
            raise RuntimeError(f"repeat_interleave(): repeats can not be negative, got {r}")
        shape = tuple(x.shape)
        y = unsqueeze(x, d + 1).expand(*shape[:d + 1], r, *shape[d + 1:])
        # always a copy, as PyTorch's clone-then-view (a reshape stays a view of x where r is 1
        # or x has one row: writes into the result reached x)
        return y.clone(memory_format=contiguous_format).view(
            shape[:d] + (n * r,) + shape[d + 1:])
    rt = _t(repeats, "repeats")
    if rt.dtype.kind not in "iu" or rt.ndim != 1:
        raise TypeError(f"repeat_interleave(): repeats must be an int or a 1-d integer tensor, "
                        f"got shape {tuple(rt.shape)} and dtype {rt.dtype}")
    counts = to_host(rt._data)
    if counts.size == 1:
        return _repeat_interleave(x, int(counts[0]), d)
    if counts.size != n:
        raise RuntimeError(f"repeat_interleave(): repeats must have the same size as input along "
                         f"dim {d} ({n}), got {counts.size}")
    if counts.size and counts.min() < 0:
        raise RuntimeError(f"repeat_interleave(): repeats can not be negative, got "
                         f"{int(counts.min())}")
    idx = np.repeat(np.arange(n), counts)
    return x[(slice(None),) * d + (_const_like(x, idx),)]


@declare()
def tile(input, *args, dims=None):
    """The tensor repeated ``dims[i]`` times along each dim (missing leading dims count 1):
    ``tile(x, (2, 1))``, ``x.tile(2, 1)``, ``x.tile(dims=(2,))``."""
    x = _t(input)
    if dims is None:
        if not args:
            _missing_arg("tile", "dims", "pass the repetitions, e.g. tile(x, (2,))")
        dims = args[0] if len(args) == 1 and args[0].__class__ is not int else args
    elif args:
        raise TypeError("tile() got multiple values for argument 'dims'")
    reps = _dims_tuple(dims, "tile", "dims")
    if len(reps) < x.ndim:
        reps = (1,) * (x.ndim - len(reps)) + reps
    if builtins_any(r < 0 for r in reps):
        raise RuntimeError(f"tile(): dims can not be negative, got {reps}; Trying to create "
                           f"tensor with negative dimension")
    _options.element_count("tile", tuple(s * r for s, r in zip(
        (1,) * (len(reps) - x.ndim) + tuple(x.shape), reps)))
    return repeat(x, *reps)


@declare(aliases=("moveaxis",))
def movedim(input, source, destination):
    """Move dimensions ``source`` to positions ``destination``; the others keep their order."""
    x = _t(input)
    if isinstance(source, (tuple, list)) != isinstance(destination, (tuple, list)):
        raise TypeError(f"movedim(): source and destination must both be ints or both be "
                        f"tuples of ints, got {type(source).__name__} and "
                        f"{type(destination).__name__}")
    src = _dims_tuple(source, "movedim", "source", False)
    dst = _dims_tuple(destination, "movedim", "destination", False)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim(): source and destination must have the same number of dims, "
                         f"got {len(src)} ({source!r}) and {len(dst)} ({destination!r})")
    nd = x.ndim
    src = tuple(_dim_in(d, nd, "movedim") for d in src)
    dst = tuple(_dim_in(d, nd, "movedim") for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim(): repeated dim in source {source!r} or destination "
                         f"{destination!r}")
    if nd == 0:
        return x.clone()
    order = [None] * nd
    for s, t_ in zip(src, dst):
        order[t_] = s
    rest = iter(d for d in range(nd) if d not in src)
    order = [o if o is not None else next(rest) for o in order]
    return permute(x, *order)


@declare()
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the 2-D slices over ``dim1``/``dim2`` (above it for ``offset > 0``),
    appended as the last dimension: a view sharing ``input``'s memory, as PyTorch's (a write
    through it lands in ``input``)."""
    x = _t(input)
    if x.ndim < 2:
        # PyTorch wraps both dims first (a 0-d tensor as a 1-d one): IndexError for one out of
        # range, else they are the same dim
        _dim_in(dim1, x.ndim, "diagonal"), _dim_in(dim2, x.ndim, "diagonal")
        raise RuntimeError(f"diagonal(): diagonal dimensions cannot be identical {dim1}, {dim2} "
                           f"(a tensor of shape {tuple(x.shape)} has one dimension to take; "
                           f"diagonal() needs 2)")
    offset = _int_arg(offset, "diagonal", "offset")
    d1, d2 = _dim_in(dim1, x.ndim, "diagonal"), _dim_in(dim2, x.ndim, "diagonal")
    # an offset past either size takes an empty diagonal: clipped to stay in NumPy's C long
    offset = builtins_max(builtins_min(offset, x.shape[d2] + 1), -x.shape[d1] - 1)
    if d1 == d2:
        raise RuntimeError(f"diagonal(): dim1 and dim2 must be different, both are {d1}")
    full = None
    if x.requires_grad or FORWARD[0] is not None or type(x._data) is not np.ndarray:
        full = _diagonal_index(x, offset, d1, d2)
    return apply1(S.DIAGONAL, x, (offset, d1, d2, full, tuple(x.shape)))


def _diagonal_index(x, offset, d1, d2):
    """The advanced index reading ``x.diagonal(offset, d1, d2)``'s elements: the other dims in
    order, then the diagonal as the last dim."""
    n1, n2 = x.shape[d1], x.shape[d2]
    length = builtins_max(0, builtins_min(n1 + builtins_min(offset, 0),
                                          n2 - builtins_max(offset, 0)))
    nd = x.ndim - 1  # the result's dims
    last = [1] * (nd - 1) + [length]
    full, k = [], 0
    for d in range(x.ndim):
        if d == d1:
            full.append(np.arange(length).reshape(last) + builtins_max(-offset, 0))
        elif d == d2:
            full.append(np.arange(length).reshape(last) + builtins_max(offset, 0))
        else:
            shape = [1] * nd
            shape[k] = x.shape[d]
            full.append(np.arange(x.shape[d]).reshape(shape))
            k += 1
    return tuple(_const_like(x, f) for f in full)




@declare(method=False)
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: ``indexing='ij'`` (matrix, the default) or ``'xy'``
    (Cartesian: the first two output dimensions swapped). Left out (or None): 'ij', with
    PyTorch's UserWarning asking for it, once per process as PyTorch gives it."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
        warn_once("meshgrid indexing", "torch.meshgrid: in an upcoming release, it will be "
                  "required to pass the indexing argument.")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid(): indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [_t(v, "tensors") for v in tensors]
    if not ts:
        raise RuntimeError("meshgrid(): expected at least one tensor, got none")
    for i, v in enumerate(ts):  # dtypes first, then shapes (PyTorch's order)
        if v.dtype != ts[0].dtype:
            raise RuntimeError(f"meshgrid(): expected all tensors to have the same dtype, tensor "
                               f"0 is {ts[0].dtype} and tensor {i} is {v.dtype}")
    for i, v in enumerate(ts):
        if v.ndim > 1:
            raise RuntimeError(f"meshgrid(): expected 0-D or 1-D tensors, tensor {i} has shape "
                               f"{tuple(v.shape)}")
    sizes = [v.numel() for v in ts]
    pos = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        pos[0], pos[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for v, p in zip(ts, pos):
        view_shape = [1] * len(ts)
        view_shape[p] = -1
        out.append(v.reshape(tuple(view_shape)).expand(tuple(sizes)))
    return tuple(out)


@declare()
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the
    second."""
    x = _t(input)
    k = _int_arg(k, "rot90", "k")
    if not isinstance(dims, (tuple, list)):  # (an int list: a lone int is refused, as PyTorch)
        raise TypeError(f"rot90(): argument 'dims' must be tuple of ints, not "
                        f"{type(dims).__name__}; pass two dims, e.g. dims=(0, 1)")
    dims = _dims_tuple(dims, "rot90", "dims")
    if len(dims) != 2:
        raise RuntimeError(f"rot90(): dims must have length 2, got {dims}")
    if x.ndim < 2:
        raise RuntimeError(f"rot90(): expected a tensor with at least 2 dimensions, got shape "
                         f"{tuple(x.shape)}")
    d0, d1 = _dim_in(dims[0], x.ndim, "rot90"), _dim_in(dims[1], x.ndim, "rot90")
    if d0 == d1:
        raise RuntimeError(f"rot90(): the two dims must be different, got {dims}")
    k %= 4
    if k == 1:
        return flip(x, d1).transpose(d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return flip(x, d0).transpose(d0, d1)
    return x.clone()


@tensor_method("split")
def _split_method(self, split_size, dim=0):
    """``Tensor.split(split_size, dim=0)`` (the function's first argument is named ``tensor``)."""
    return _split(self, split_size, dim)


def _other_shape(other, name):
    if other.__class__ is not Tensor:
        _tensors_only(name, (1, "other", other))
        _tensor_operands(name, (1, "other", other))
    return tuple(other.shape)


@tensor_method("view_as")
def view_as(self, other):
    """``self.view(other.size())``: a view, refused where ``self``'s strides admit none."""
    return view(self, _other_shape(other, "view_as"))


@tensor_method("reshape_as")
def reshape_as(self, other):
    """``self.reshape(other.size())``: a view where possible, else a copy."""
    return reshape(self, _other_shape(other, "reshape_as"))


# ------------------------------------------------------------------ views and diagonals
@declare()
def ravel(input):
    """The elements as a 1-D tensor (a view when the layout allows)."""
    return reshape(_t(input), -1)


@declare()
def select(input, dim, index):
    """The slice at ``index`` along ``dim`` (that dimension removed): ``x[:, index]`` for
    ``dim=1``."""
    x = _t(input)
    if x.ndim == 0:
        raise IndexError("select(): cannot be applied to a 0-dim tensor; use item() or a "
                         "tensor with at least one dimension")
    d = _dim_in(dim, x.ndim, "select")
    if isinstance(index, Tensor):
        index = index.item()
    index = _int_arg(index, "select", "index", True)
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(x.shape)} at dimension {d}; expected an index in [{-n}, {n - 1}]")
    return remember(x[(slice(None),) * d + (index,)], x, _saved_dim=dim)


@declare(function=False)
def unfold(input, dimension, size, step):
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last
    dimension: a view sharing this tensor's memory (as PyTorch's), shape
    ``(..., (n - size) // step + 1, ..., size)``."""
    x = _t(input)
    size, step = _int_arg(size, "unfold", "size"), _int_arg(step, "unfold", "step")
    if x.ndim == 0:
        _dim_in(dimension, 0, "unfold")
        if size > 1:
            raise RuntimeError(f"unfold(): maximum size for tensor at dimension 0 is 1 but "
                               f"size is {size}")
        return x.reshape(1) if size else x.reshape(1)[:0]  # (size 0: no element, as PyTorch)
    d = _dim_in(dimension, x.ndim, "unfold")
    if size < 0 or size > x.shape[d]:
        raise RuntimeError(f"unfold(): maximum size for tensor at dimension {d} is {x.shape[d]} "
                           f"but size is {size} (shape {tuple(x.shape)})")
    if step <= 0:
        raise RuntimeError(f"unfold(): step is {step} but must be > 0")
    n = (x.shape[d] - size) // step + 1
    nd = x.ndim + 1
    full = []
    for k in range(x.ndim):
        shape = [1] * nd
        if k == d:
            win = np.arange(n).reshape([n if j == d else 1 for j in range(nd)]) * step
            full.append(win + np.arange(size).reshape([1] * (nd - 1) + [size]))
        else:
            shape[k] = x.shape[k]
            full.append(np.arange(x.shape[k]).reshape(shape))
    full = tuple(_const_like(x, f) for f in full)
    return apply1(S.UNFOLD, x, (d, size, step, full, tuple(x.shape)))


@declare()
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals (``offset`` above the main one) over ``dim1``/``dim2`` hold the
    last dimension of ``input``; zeros elsewhere. One more dimension than ``input``."""
    x = _t(input)
    offset = _int_arg(offset, "diag_embed", "offset")
    nd = x.ndim + 1
    d1, d2 = _dim_in(dim1, nd, "diag_embed"), _dim_in(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed(): diagonal dimensions cannot be identical {dim1}, "
                           f"{dim2}")
    if x.ndim == 0:
        x = x.reshape(1)
    m = x.shape[-1]
    n = m + builtins_abs(offset)
    element_count("diag_embed", (*x.shape[:-1], n, n))
    rows = np.arange(m) + builtins_max(-offset, 0)
    cols = np.arange(m) + builtins_max(offset, 0)
    pick = np.zeros((n, n), dtype=np.int64)
    mask = np.zeros((n, n), dtype=bool)
    pick[rows, cols] = np.arange(m)
    mask[rows, cols] = True
    # a selection (no multiplication by a 0/1 mask: an inf on the diagonal leaves 0 around it)
    zero = wrap(_const_like(x, np.zeros((), dtype=x.dtype)))  # (bool stays bool)
    src = x
    if m == 0 and n:  # an offset around nothing: an all-zero (n, n) block, read from a zero
        # column (the empty sum keeps the graph; mask is all False)
        src = x.sum(-1, keepdim=True).to(x.dtype) if x.dtype.kind != "b" else \
            zero.expand(*x.shape[:-1], 1)
    out = where(wrap(_const_like(x, mask)), src[..., _const_like(x, pick)], zero)
    if (d1, d2) != (nd - 2, nd - 1):
        out = movedim(out, (-2, -1), (d1, d2))
    return out.contiguous()  # a new tensor: PyTorch's layout


@declare()
def diagflat(input, offset=0):
    """A 2-D tensor with the flattened ``input`` on its ``offset``-th diagonal."""
    return diag(flatten(_t(input)), _int_arg(offset, "diagflat", "offset"))


@declare(method=False, differentiable=False)
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) indices of the lower triangle of a ``row`` x ``col`` matrix, row by row."""
    return tri_indices(row, col, offset, dtype, device, "tril", "tril_indices", layout)


@declare(method=False, differentiable=False)
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) indices of the upper triangle of a ``row`` x ``col`` matrix, row by row."""
    return tri_indices(row, col, offset, dtype, device, "triu", "triu_indices", layout)


@declare(method=False)
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-D ``x``: columns ``x**(N-1), ..., x, 1`` (reversed with
    ``increasing=True``); integers compute in int64, as PyTorch."""
    v = _t(x, "x")
    if v.ndim != 1:
        raise RuntimeError(f"vander(): x must be a one-dimensional tensor, got shape "
                           f"{tuple(v.shape)}")
    n = v.shape[0] if N is None else _int_arg(N, "vander", "N")
    if n < 0:
        raise RuntimeError(f"vander(): N must be non-negative, got {n}")
    element_count("vander", (v.shape[0], n))
    if v.dtype.kind in "biu":
        v = v.to(_dtype.int64)
    ones = wrap(_const_like(v, np.ones((v.shape[0], 1), dtype=v.dtype)))
    if n <= 1:  # constants, out of the graph, as PyTorch's
        return ones[:, :n]
    try:
        cols = cat([ones, v.unsqueeze(1).expand(v.shape[0], n - 1)], 1).cumprod(1)
    except MemoryError:
        raise RuntimeError(f"vander(): cannot allocate the ({v.shape[0]}, {n}) result: ask for "
                           f"fewer columns N") from None
    return cols if increasing else flip(cols, 1)


# ------------------------------------------------------------------ more splits, adjoint
@declare(grad_name="SplitWithSizesBackward0")
def split_with_sizes(input, split_sizes, dim=0):
    """``split`` into pieces of the given sizes along ``dim`` (they must sum to its length)."""
    return _split(input, _int_list(split_sizes, "split_with_sizes", "split_sizes"), dim)


@declare(grad_name="UnsafeSplitBackward0")
def unsafe_split(input, split_size, dim=0):
    """``split`` with an int ``split_size`` (PyTorch's variant without view tracking; gradkit's
    pieces are views as ``split``'s)."""
    return _split(input, _int_arg(split_size, "unsafe_split", "split_size", True), dim, False)


@declare(grad_name="UnsafeSplitWithSizesBackward0")
def unsafe_split_with_sizes(input, split_sizes, dim=0):
    """``split_with_sizes`` (PyTorch's variant without view tracking)."""
    return _split(input, _int_list(split_sizes, "unsafe_split_with_sizes", "split_sizes"), dim,
                  False)


@declare(grad_name="UnsafeSplitBackward0")
def unsafe_chunk(input, chunks, dim=0):
    """``chunk`` (PyTorch's variant without view tracking)."""
    return _chunk(input, chunks, dim, False)


@declare()
def adjoint(input):
    """The conjugate transpose of the last two dims (the transpose for real tensors)."""
    x = _t(input)
    if x.ndim == 0:  # PyTorch: the tensor itself, deprecated (its TORCH_WARN_ONCE)
        from .._warnings import warn_once

        warn_once("adjoint 0-d", "adjoint() is deprecated on 0-D tensors. Consider using "
                  "x.conj().")
        return x
    if x.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {x.ndim}-D tensor.")
    if x._data.dtype.kind == "c":
        return transpose(x, -2, -1).conj()
    return transpose(x, -2, -1)

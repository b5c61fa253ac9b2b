"""Joining and splitting families: ``atleast_1d/2d/3d``, ``hstack``/``vstack``/``dstack``/
``column_stack``, ``hsplit``/``vsplit``/``dsplit``/``tensor_split``, ``block_diag``,
``cartesian_prod``, ``combinations``, ``broadcast_tensors``. Built on ``cat``/``stack``/
slicing from ``shape.py`` (no primitives of their own)."""

from __future__ import annotations

import itertools

import numpy as np

from .._backend import to_host
from .._tensor.tensor import Tensor
from ._args import _const_like, _dim_in, _int_arg, _result_type_of, _t, builtins_sum
from ._registry import declare
from .shape import cat, meshgrid, stack

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "broadcast_tensors",
           "cartesian_prod", "column_stack", "combinations", "dsplit", "dstack", "hsplit",
           "hstack", "tensor_split", "vsplit", "vstack"]


def _tensors(args, name):
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        return [_t(a, "tensors") for a in args[0]], True
    return [_t(a, "tensors") for a in args], len(args) != 1


def _atleast(args, nd, name):
    ts, many = _tensors(args, name)
    out = []
    for x in ts:
        # PyTorch's steps (their grad_fn names): a 0-d tensor is reshaped, a 1-D or 2-D one
        # unsqueezed; one with enough dimensions is returned itself
        if x.ndim < nd:
            if x.ndim == 0:
                x = x.reshape((1,) * nd)
            elif nd == 3 and x.ndim == 2:
                x = x.unsqueeze(-1)
            elif nd == 3:
                x = x.unsqueeze(0).unsqueeze(-1)
            else:
                x = x.unsqueeze(0)
        out.append(x)
    return tuple(out) if many else out[0]


@declare(method=False)
def atleast_1d(*tensors):
    """Each tensor with at least 1 dimension (0-d ones become shape (1,)); a tuple for several."""
    return _atleast(tensors, 1, "atleast_1d")


@declare(method=False)
def atleast_2d(*tensors):
    """Each tensor with at least 2 dimensions (leading dims of size 1 added)."""
    return _atleast(tensors, 2, "atleast_2d")


@declare(method=False)
def atleast_3d(*tensors):
    """Each tensor with at least 3 dimensions: (n,) becomes (1, n, 1), (m, n) (m, n, 1)."""
    return _atleast(tensors, 3, "atleast_3d")


def _seq(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): expected a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{name}(): expected a non-empty list of tensors")
    return [_t(x, "tensors") for x in tensors]


@declare(method=False, out="cat")
def hstack(tensors):
    """Concatenate column-wise: along dim 0 for 1-D tensors, dim 1 otherwise."""
    ts = _atleast(_seq(tensors, "hstack"), 1, "hstack")
    ts = list(ts) if isinstance(ts, tuple) else [ts]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


@declare(method=False, out="cat", aliases=("row_stack",))
def vstack(tensors):
    """Concatenate row-wise (along dim 0 after ``atleast_2d``)."""
    ts = _atleast([_seq(tensors, "vstack")], 2, "vstack")
    return cat(list(ts), 0)


@declare(method=False, out="cat")
def dstack(tensors):
    """Concatenate depth-wise (along dim 2 after ``atleast_3d``)."""
    ts = _atleast([_seq(tensors, "dstack")], 3, "dstack")
    return cat(list(ts), 2)


@declare(method=False, out="cat")
def column_stack(tensors):
    """Stack as columns: 0-d and 1-D tensors become ``(n, 1)`` columns, then ``hstack``."""
    ts = _seq(tensors, "column_stack")
    ts = [x.reshape(x.numel(), 1) if x.ndim <= 1 else x for x in ts]
    return cat(ts, 1)


def _slice_along(x, d, a, b):
    return x[(slice(None),) * d + (slice(a, b),)]


_GIVEN = object()  # a split argument left out (PyTorch's overloads take one of them)


def _split_argument(name, ios, sections, indices, tensor_ios, tensor_kw=True):
    """The one split argument of ``name``'s overloads (``sections`` an int, ``indices`` a
    sequence of ints, ``tensor_indices_or_sections`` a Tensor; or positionally any of them),
    its kind checked as PyTorch's argument parser does (TypeError)."""
    given = [(k, v) for k, v in (("indices_or_sections", ios), ("sections", sections),
                                 ("indices", indices),
                                 ("tensor_indices_or_sections", tensor_ios)) if v is not _GIVEN]
    kinds = "sections=2, indices=(1, 3)" + (", tensor_indices_or_sections=tensor([1, 3])"
                                             if tensor_kw else "")
    if len(given) != 1:
        got = ", ".join(f"{k}={type(v).__name__}" for k, v in given) or "nothing"
        raise TypeError(f"{name}() received an invalid combination of arguments - got {got}: "
                        f"give the split exactly once, e.g. {kinds}")
    key, value = given[0]
    if key == "sections":
        if value.__class__ is bool or isinstance(value, (list, tuple)) or value is None:
            bad = True
        else:
            try:
                value = _int_arg(value, name, "sections")
                bad = False
            except TypeError:
                bad = True
        if bad:
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"(Tensor, sections={type(value).__name__}): sections must be an "
                            f"int; for split indices pass indices=(1, 3)")
    elif key == "indices" and not isinstance(value, (list, tuple)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"indices={type(value).__name__}): indices must be a tuple of ints; "
                        f"for a number of sections pass sections={value!r}")
    elif key == "indices":
        for i in value:
            if i.__class__ is bool:
                raise TypeError(f"{name}() received an invalid combination of arguments - got "
                                f"(Tensor, indices=list of bool): indices must be ints")
    elif key == "tensor_indices_or_sections" and not isinstance(value, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"tensor_indices_or_sections={type(value).__name__}): it must be a "
                        f"Tensor; pass sections= for an int, indices= for a tuple of ints")
    return value


@declare()
def tensor_split(input, indices_or_sections=_GIVEN, dim=0, *, sections=_GIVEN, indices=_GIVEN,
                 tensor_indices_or_sections=_GIVEN):
    """Split into ``n`` near-equal parts (the first ``size % n`` one longer), or at the given
    indices, along ``dim``: views, as PyTorch. The split comes positionally, or as PyTorch's
    overloads name it: ``sections=`` (an int), ``indices=`` (a sequence of ints) or
    ``tensor_indices_or_sections=`` (an integer tensor: 0-d sections, 1-D indices)."""
    ios = _split_argument("tensor_split", indices_or_sections, sections, indices,
                          tensor_indices_or_sections)
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("tensor_split(): expected at least a 1-dimensional tensor, got a 0-d "
                           "tensor")
    d = _dim_in(dim, x.ndim, "tensor_split")
    n = x.shape[d]
    if isinstance(ios, Tensor):
        if ios.dtype.kind not in "iu":
            raise RuntimeError(f"tensor_split(): expected tensor_indices_or_sections to have "
                               f"dtype of long, but got {ios.dtype}; pass an integer tensor, "
                               f"e.g. indices.long()")
        if ios.ndim > 1:
            raise RuntimeError(f"tensor_split(): expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {ios.ndim} dims (shape {tuple(ios.shape)})")
        ios = int(ios.item()) if ios.ndim == 0 else [int(i) for i in to_host(ios._data)]
    if isinstance(ios, (int, np.integer)) and not isinstance(ios, bool):
        k = int(ios)
        if k <= 0:
            raise RuntimeError(f"tensor_split(): number of sections must be larger than 0, got "
                               f"{k}")
        if k >= 2 ** 60:  # PyTorch's vector of k results cannot be made (one per section)
            raise RuntimeError(f"tensor_split(): cannot create std::vector larger than "
                               f"max_size() ({k} sections); ask for fewer sections")
        size, extra = divmod(n, k)
        bounds, start = [], 0
        for i in range(k):
            stop = start + size + (1 if i < extra else 0)
            bounds.append((start, stop))
            start = stop
    else:
        if not isinstance(ios, (list, tuple)):
            raise TypeError(f"tensor_split(): argument 'indices_or_sections' must be an int, a "
                            f"list of ints or a Tensor, not {type(ios).__name__}")
        idx = [_int_arg(i, "tensor_split", "indices", True) for i in ios]
        edges = [0] + idx + [n]
        bounds = []
        for a, b in zip(edges[:-1], edges[1:]):
            a = min(max(a + n if a < 0 else a, 0), n)
            b = min(max(b + n if b < 0 else b, 0), n)
            bounds.append((a, max(a, b)))
    return tuple(_slice_along(x, d, a, b) for a, b in bounds)


def _directional_split(x, ios, more, sections, indices, name, min_nd):
    x = _t(x)
    if more:  # x.vsplit(1, 2): the method's spread indices, as PyTorch's ``int[] indices``
        if sections is not _GIVEN or indices is not _GIVEN:
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"spread indices and a keyword split: give the indices once, e.g. "
                            f"x.{name}(1, 2) or x.{name}(indices=(1, 2))")
        sections = tuple(_spread_index(i, name, k) for k, i in enumerate((ios,) + more))
    else:
        sections = _split_argument(name, ios, sections, indices, _GIVEN, tensor_kw=False)
    if x.ndim < min_nd:
        raise RuntimeError(f"{name}(): requires a tensor with at least {min_nd} dimension(s), but "
                           f"got a tensor with {x.ndim} dimensions (shape {tuple(x.shape)})")
    d = 0 if name == "hsplit" and x.ndim == 1 else {"vsplit": 0, "hsplit": 1, "dsplit": 2}[name]
    if isinstance(sections, Tensor) and sections.dtype.kind not in "iu":
        raise TypeError(f"{name}(): argument 'sections' must be an int, a list of ints or an "
                        f"integer Tensor, not a {sections.dtype} Tensor")
    if isinstance(sections, (int, np.integer)) and not isinstance(sections, bool):
        if sections <= 0 or x.shape[d] % sections:
            raise RuntimeError(f"{name}(): the size of dimension {d} ({x.shape[d]}) is not "
                               f"divisible by the split size {sections}; give sections that "
                               f"divide it, or a list of indices")
    return tensor_split(x, sections, d)


def _spread_index(value, name, k):
    """One of a method's spread split indices (``x.hsplit(1, 2)``): an int, or an integer
    tensor of one element; PyTorch's TypeError otherwise (a bool, float, list or None)."""
    if value.__class__ is bool or isinstance(value, (list, tuple)) or value is None:
        raise TypeError(f"{name}() received an invalid combination of arguments: index {k} of "
                        f"the spread indices is {type(value).__name__}; give ints, e.g. "
                        f"x.{name}(1, 2), or one tuple of ints")
    return _int_arg(value, name, "indices", True)


# the split comes positionally (an int, a sequence of ints; the method also takes an integer
# tensor and spread ints, ``x.hsplit(1, 2)``) or by PyTorch's overload names, ``sections=`` (an
# int) or ``indices=`` (a sequence of ints)
@declare()
def hsplit(input, indices_or_sections=_GIVEN, *more, sections=_GIVEN, indices=_GIVEN):
    """Split column-wise: along dim 1 (dim 0 for 1-D tensors)."""
    return _directional_split(input, indices_or_sections, more, sections, indices, "hsplit", 1)


@declare()
def vsplit(input, indices_or_sections=_GIVEN, *more, sections=_GIVEN, indices=_GIVEN):
    """Split row-wise, along dim 0 (at least 2-D)."""
    return _directional_split(input, indices_or_sections, more, sections, indices, "vsplit", 2)


@declare()
def dsplit(input, indices_or_sections=_GIVEN, *more, sections=_GIVEN, indices=_GIVEN):
    """Split depth-wise, along dim 2 (at least 3-D)."""
    return _directional_split(input, indices_or_sections, more, sections, indices, "dsplit", 3)


@declare(method=False)
def block_diag(*tensors):
    """A block-diagonal matrix of the tensors (0-d as 1x1, 1-D as one row); dtypes promote."""
    ts = [_t(a, "tensors") for a in tensors]
    for i, x in enumerate(ts):
        if x.ndim > 2:
            raise RuntimeError(f"block_diag(): input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {x.ndim} dimensions (shape {tuple(x.shape)})")
    if not ts:
        from .. import factories

        return factories.zeros(1, 0)
    dt = _result_type_of(ts)  # PyTorch's: 0-d tensors count only when of a higher category
    mats = [x.to(dt).reshape((1,) * (2 - x.ndim) + tuple(x.shape)) for x in ts]
    cols = builtins_sum(m.shape[1] for m in mats)
    rows, start = [], 0
    for m in mats:
        r, c = m.shape
        parts = []
        if start:
            parts.append(m.new_zeros(r, start))
        parts.append(m)
        if cols - start - c:
            parts.append(m.new_zeros(r, cols - start - c))
        rows.append(cat(parts, 1) if len(parts) > 1 else m)
        start += c
    return cat(rows, 0)


@declare(method=False)
def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor: ``(prod(n_i), k)`` (a single
    tensor comes back as it is)."""
    ts = [_t(a, "tensors") for a in tensors]
    for i, x in enumerate(ts):
        if x.ndim != 1:
            raise RuntimeError(f"cartesian_prod(): expect a 1D vector, but got shape "
                               f"{tuple(x.shape)} at position {i}")
    if len(ts) == 1:
        return ts[0]
    for x in ts[1:]:
        if x.dtype != ts[0].dtype:
            raise RuntimeError(f"cartesian_prod(): expects all tensors to have the same dtype, "
                               f"got {ts[0].dtype} and {x.dtype}")
    grids = meshgrid(*ts, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


@declare(method=False, grad_name="StackBackward0")
def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of the elements of a 1-D tensor (as
    ``itertools.combinations``, or ``combinations_with_replacement``): ``(count, r)``."""
    x = _t(input)
    if x.ndim != 1:
        raise RuntimeError(f"combinations(): expect a 1D vector, but got shape {tuple(x.shape)}")
    r = _int_arg(r, "combinations", "r")
    if r < 0:
        raise RuntimeError(f"combinations(): r must be non-negative, got {r}")
    if r == 0:  # PyTorch's empty result outside the graph
        return x.detach()[:0].clone()
    gen = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(gen(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if idx.shape[0] == 0:
        return x[:0].reshape(0, r)
    return x[_const_like(x, idx)]


@declare(method=False)
def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views)."""
    ts = [_t(a, "tensors") for a in tensors]
    try:
        shape = np.broadcast_shapes(*(tuple(x.shape) for x in ts))
    except ValueError:
        raise RuntimeError(f"broadcast_tensors(): shapes "
                           f"{', '.join(str(tuple(x.shape)) for x in ts)} do not broadcast "
                           f"together (each dim must match or be 1)") from None
    return tuple(x.expand(tuple(shape)) for x in ts)

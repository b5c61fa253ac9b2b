"""Sparse COO tensors as Tensors: construction, conversions and the differentiable sparse ops.

Each op is a primitive (``Op``) recorded by ``_tensor.record`` like any other, with arrays and
:class:`SparseCOO` values flowing through forward and backward. A gradient that reaches a sparse
tensor is a SparseCOO on its (coalesced) pattern or a dense array (``mm``/``matmul`` with a
sparse operand give a dense one, as PyTorch's MmBackward); the rules below accept both.
Backward rules work on arrays only: double backward through a sparse op is refused.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype
from .._backend import numpy_ns
from .._tensor.record import apply1, apply2
from .._tensor.tensor import Tensor, _make, wrap
from ..autograd.graph import SAVES_INPUTS, Op
from ._coo import SparseCOO, sparse_coo, strided, unsupported
from ._coo import spmm as _spmm

__all__ = ["addmm", "coalesce", "dense_dim", "indices", "is_coalesced", "is_sparse",
           "layout_of", "log_softmax", "mm", "smm", "hspmm", "nnz", "softmax",
           "sparse_coo_tensor", "sparse_dim", "spmm", "sum", "to_dense", "to_sparse", "values",
           "dsmm"]

_ndarray = np.ndarray
_builtin_sum = sum


def is_sparse(t) -> bool:
    return type(t._data) is SparseCOO


def layout_of(t):
    return sparse_coo if type(t._data) is SparseCOO else strided


def _arrays_only(xp, name):
    if xp is not numpy_ns:
        raise RuntimeError(f"{name}: double backward (create_graph=True) through sparse COO ops "
                           f"is not supported by gradkit; differentiate the dense form instead")


def _gather_grad(g, idx):
    """The gradient ``g`` (dense array or SparseCOO) read at the sparse positions ``idx``."""
    if type(g) is SparseCOO:
        return g.gather(idx)
    return g[tuple(idx)]


# ------------------------------------------------------------------ primitives
def _coo_f(xp, values, idx, shape, coalesced):
    return SparseCOO(idx, values, shape, coalesced)


def _coo_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "sparse_coo_tensor")
    return (_gather_grad(g, aux[0]),)


SPARSE_COO = Op("SparseCooTensorWithDimsAndTensors", _coo_f, _coo_b, saves=0)


def _to_dense_f(xp, s):
    c = s.coalesce()
    return s.to_dense(), (c.indices, c.shape)


def _to_dense_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "to_dense")
    idx, shape = aux
    return (SparseCOO(idx, _gather_grad(g, idx), shape, True),)


TO_DENSE = Op("ToDense", _to_dense_f, _to_dense_b, saves=0, returns_aux=True)


def _dense_to_coo(x, sd):
    """The nonzero entries (slices over the last ``ndim - sd`` dims) of array ``x``."""
    if sd == 0:  # a 0-d tensor: one entry, or none when it is 0
        keep = int(bool(x != 0))
        return SparseCOO(np.zeros((0, keep), np.int64), x.reshape(1)[:keep].copy(), x.shape,
                         True)
    mask = x != 0
    if x.ndim > sd:
        mask = (mask.reshape(x.shape[:sd] + (-1,)).any(axis=-1) if x.size
                else np.zeros(x.shape[:sd], dtype=bool))
    nz = np.nonzero(mask)
    return SparseCOO(np.stack(nz).astype(np.int64), np.ascontiguousarray(x[nz]), x.shape, True)


def _to_sparse_f(xp, x, sd):
    return _dense_to_coo(x, sd)


def _to_sparse_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "to_sparse")
    return (g.to_dense() if type(g) is SparseCOO else g,)


TO_SPARSE = Op("ToSparse", _to_sparse_f, _to_sparse_b, saves=0)


def _coalesce_f(xp, s):
    return s.coalesce()


def _coalesce_b(xp, g, ins, out, aux, needs):
    # the same tensor, stored differently: its gradient as it is (a sparse gradient is the sum
    # of its entries at each position, so handing it per stored duplicate would count it twice)
    _arrays_only(xp, "coalesce")
    return (g,)


COALESCE = Op("Coalesce", _coalesce_f, _coalesce_b, saves=0)


def _values_f(xp, s):
    return s.values, (s.indices, s.shape, s.coalesced)


def _values_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "values")
    idx, shape, coalesced = aux
    return (SparseCOO(idx, g, shape, coalesced),)


VALUES = Op("Values", _values_f, _values_b, saves=0, returns_aux=True)


def _sparse_mm_f(xp, s, d):
    c = s.coalesce()
    return _spmm(c, d), (c,)


def _sparse_mm_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "sparse.mm")
    c = aux[0]
    d = ins[1]
    gs = gd = None
    if needs[0]:
        rows, cols = c.indices
        if type(g) is SparseCOO:
            g = g.to_dense()
        gv = np.einsum("ij,ij->i", g[rows], d[cols]) if c.nnz else np.zeros(0, g.dtype)
        gs = SparseCOO(c.indices, gv.astype(c.dtype, copy=False), c.shape, True)
    if needs[1]:
        gd = _spmm(c.transpose(), g.to_dense() if type(g) is SparseCOO else g)
    return gs, gd


SPARSE_MM = Op("SparseAddmm", _sparse_mm_f, _sparse_mm_b, saves=SAVES_INPUTS, returns_aux=True)


def _sparse_sum_f(xp, s, dims):
    c = s.coalesce()
    sd = c.sparse_dim
    if len(dims) == c.ndim or (len(dims) == sd and not c.dense_dim):
        out = np.asarray(c.values.sum(axis=tuple(range(c.values.ndim))))
    else:
        keep = [k for k in range(sd) if k not in dims]
        if not keep:  # every sparse dim summed: the dense dims remain, dense
            out = c.values.sum(axis=0)
        else:
            shape = tuple(c.shape[k] for k in keep) + c.shape[sd:]
            out = SparseCOO(c.indices[keep], c.values, shape, False).coalesce()
    return out, (c, dims)


def _sparse_sum_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "sparse.sum")
    c, dims = aux
    sd = c.sparse_dim
    vshape = c.values.shape
    if g.ndim == 0:
        gv = np.broadcast_to(np.asarray(g, dtype=c.dtype), vshape).copy()
    else:
        keep = [k for k in range(sd) if k not in dims]
        if not keep:
            gv = np.broadcast_to(g, vshape).copy()
        else:
            gv = _gather_grad(g, c.indices[keep])
    return (SparseCOO(c.indices, gv, c.shape, True),)


SPARSE_SUM = Op("SparseSum", _sparse_sum_f, _sparse_sum_b, saves=0, returns_aux=True)


def _groups(c, dim):
    """For the entries of coalesced ``c``: a permutation sorting them into groups that share
    every sparse index but ``dim``, each entry's group number in that order, and group starts."""
    others = [k for k in range(c.sparse_dim) if k != dim]
    if others:
        key = np.ravel_multi_index(tuple(c.indices[others]),
                                   tuple(c.shape[k] for k in others))
    else:
        key = np.zeros(c.nnz, dtype=np.int64)
    order = np.argsort(key, kind="stable")
    sk = key[order]
    first = np.r_[True, sk[1:] != sk[:-1]] if c.nnz else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    group = np.cumsum(first) - 1
    return order, group, starts


def _softmax_f(xp, s, dim, log):
    c = s.coalesce()
    if c.nnz == 0:
        return SparseCOO(c.indices, c.values.copy(), c.shape, True), (c, None)
    order, group, starts = _groups(c, dim)
    v = c.values[order]
    m = np.maximum.reduceat(v, starts, axis=0)
    e = np.exp(v - m[group])
    z = np.add.reduceat(e, starts, axis=0)
    y = (v - m[group] - np.log(z)[group]) if log else e / z[group]
    out = np.empty_like(y)
    out[order] = y
    return SparseCOO(c.indices, out, c.shape, True), (c, (order, group, starts, out, log))


def _softmax_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "sparse.softmax")
    c, grp = aux
    if grp is None:
        return (SparseCOO(c.indices, c.values.copy(), c.shape, True),)
    order, group, starts, y, log = grp
    gg = _gather_grad(g, c.indices)[order]
    yo = y[order]
    if log:
        gv = gg - np.exp(yo) * np.add.reduceat(gg, starts, axis=0)[group]
    else:
        gv = yo * (gg - np.add.reduceat(gg * yo, starts, axis=0)[group])
    res = np.empty_like(gv)
    res[order] = gv
    return (SparseCOO(c.indices, res, c.shape, True),)


SPARSE_SOFTMAX = Op("SparseSoftmax", _softmax_f, _softmax_b, saves=0, returns_aux=True)


# ------------------------------------------------------------------ construction
def _index_array(indices):
    if isinstance(indices, Tensor):
        if is_sparse(indices):
            raise TypeError("sparse_coo_tensor(): indices must be a dense tensor")
        arr = np.asarray(indices._data)
    else:
        arr = np.asarray(indices)
    if arr.dtype.kind not in "iuf" and arr.size:
        raise TypeError(f"sparse_coo_tensor(): indices must be integers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        if arr.ndim == 1 and arr.size == 0:
            arr = arr.reshape(1, 0)
        else:
            raise RuntimeError(
                f"sparse_coo_tensor(): indices must be a 2-D (sparse_dim, nnz) tensor, got shape "
                f"{tuple(arr.shape)}; e.g. gradkit.tensor([[0, 1], [2, 0]]) for entries (0, 2) "
                f"and (1, 0)"
            )
    return arr.astype(np.int64)


def sparse_coo_tensor(indices=None, values=None, size=None, *, dtype=None, device=None,
                      pin_memory=False, requires_grad=False, check_invariants=None,
                      is_coalesced=None):
    """A sparse COO tensor with entries ``values[k]`` at ``indices[:, k]`` (PyTorch's
    ``torch.sparse_coo_tensor``). ``indices``: ``(sparse_dim, nnz)`` integers; ``values``:
    ``(nnz, *dense_dims)``; ``size``: the full shape (default: the smallest that holds the
    indices, then the values' dense dims). Duplicate indices are kept until :meth:`coalesce`
    sums them. Differentiable in ``values``. The indices are always checked against ``size``
    (PyTorch checks them only with ``check_invariants=True``)."""
    from ..factories import tensor as _tensor  # (factories imports the Tensor machinery)
    from ._compressed_ops import warn_implicit_invariants

    warn_implicit_invariants(check_invariants)
    if device is not None and str(device).split(":")[0] not in ("cpu",):
        raise RuntimeError(f"sparse_coo_tensor(): gradkit keeps sparse tensors on the CPU, got "
                           f"device={device!r}")
    if indices is None and values is None and size is not None:  # sparse_coo_tensor(size=...)
        indices, size = size, None
    if values is None:  # sparse_coo_tensor(size): an empty tensor of that size
        if size is not None or not isinstance(indices, (tuple, list)) or not all(
                isinstance(n, numbers.Integral) for n in indices):
            raise TypeError("sparse_coo_tensor(): expected (indices, values[, size]) or (size)")
        dt = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
        return sparse_coo_tensor(np.zeros((len(indices), 0), np.int64), np.zeros(0, dt),
                                 tuple(indices), requires_grad=requires_grad)
    idx = _index_array(indices)
    if isinstance(values, Tensor):
        if is_sparse(values):
            raise TypeError("sparse_coo_tensor(): values must be a dense tensor")
        vals = values
    else:
        vals = _tensor(values)
    if vals.ndim == 0:
        raise RuntimeError(f"sparse_coo_tensor(): values must have a first dimension of size nnz "
                           f"({idx.shape[1]}), got a 0-d tensor")
    if dtype is not None:
        vals = vals.to(_dtype.to_dtype(dtype))
    sd, nnz = idx.shape
    if vals.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: "
                           f"{nnz}, nnz from values: {vals.shape[0]}")
    dense = tuple(vals.shape[1:])
    if size is None:
        sparse_sizes = tuple(int(m) + 1 for m in idx.max(axis=1)) if nnz else (0,) * sd
        if nnz and idx.min() < 0:
            k = int(np.argmin(idx.min(axis=1)))
            raise RuntimeError(f"found negative index {int(idx[k].min())} for dim {k}")
        shape = sparse_sizes + dense
    else:
        if isinstance(size, numbers.Integral):
            size = (size,)
        shape = tuple(int(s) for s in size)
        if len(shape) != sd + len(dense):
            raise RuntimeError(
                f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = "
                f"{len(shape)}, sparse_dim = {sd}, dense_dim = {len(dense)} (indices "
                f"{tuple(idx.shape)}, values {tuple(vals.shape)})")
        if shape[sd:] != dense:
            raise RuntimeError(f"sparse_coo_tensor(): the dense dims of size {shape[sd:]} must "
                               f"equal values.shape[1:] {dense}")
        if nnz:
            lo, hi = idx.min(axis=1), idx.max(axis=1)
            for k in range(sd):
                if lo[k] < 0:
                    raise RuntimeError(f"found negative index {int(lo[k])} for dim {k}")
                if hi[k] >= shape[k]:
                    raise RuntimeError(f"size is inconsistent with indices: for dim {k}, size is "
                                       f"{shape[k]} but found index {int(hi[k])}")
    coalesced = bool(is_coalesced) if is_coalesced is not None else nnz < 2
    if requires_grad:
        if vals.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        vals = vals.detach()
    if vals.requires_grad:
        return apply1(SPARSE_COO, vals, (idx, shape, coalesced))
    out = _make(SparseCOO(idx, vals._data, shape, coalesced), False, None)
    if requires_grad:
        out.requires_grad = True
    return out


# ------------------------------------------------------------------ conversions and queries
def _need_sparse(t, name):
    if type(t._data) is not SparseCOO:
        compressed = getattr(type(t._data), "_is_sparse_compressed", False)
        got = t._data.name if compressed else "Strided"
        raise RuntimeError(f"{name} expected sparse coordinate tensor layout but got {got} "
                           f"(a {'sparse compressed' if compressed else 'dense'} tensor of shape "
                           f"{tuple(t.shape)}); make one with .to_sparse() or "
                           f"gradkit.sparse_coo_tensor()")
    return t._data


def _compressed_ops():
    from . import _compressed_ops  # (it imports this module)

    return _compressed_ops


def _is_compressed(t) -> bool:
    return getattr(type(t._data), "_is_sparse_compressed", False)


def to_sparse(t, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    if layout is not None and layout is not sparse_coo:
        if layout is strided or not isinstance(layout, type(sparse_coo)):
            raise RuntimeError(f"to_sparse(): expected a sparse layout (gradkit.sparse_coo, "
                               f"sparse_csr, sparse_csc, sparse_bsr or sparse_bsc), got "
                               f"layout={layout!r}")
        if sparse_dim is not None:
            raise RuntimeError("to_sparse(): sparse_dim is for the COO layout; give dense_dim "
                               "for a compressed one")
        return _compressed_ops().to_compressed(t, layout, blocksize, dense_dim, "to_sparse")
    if blocksize is not None:
        raise RuntimeError("to_sparse(): blocksize is for the block layouts (layout="
                           "gradkit.sparse_bsr or sparse_bsc), got it for sparse_coo")
    if sparse_dim is not None and dense_dim is not None:
        raise RuntimeError("to_sparse(): give sparse_dim or dense_dim, not both")
    if _is_compressed(t):
        if sparse_dim is not None and sparse_dim != t.ndim - t._data.dense_dim:
            raise RuntimeError(f"to_sparse: conversion from a {t._data.name} tensor to "
                               f"{sparse_dim} sparse dims is not supported")
        return _compressed_ops().to_coo(t)
    if is_sparse(t):
        if sparse_dim is not None and sparse_dim != t._data.sparse_dim:
            raise RuntimeError(f"to_sparse: conversion from a sparse tensor with "
                               f"{t._data.sparse_dim} sparse dims to {sparse_dim} is not "
                               f"supported")
        return t
    n = t.ndim
    sd = n - (dense_dim or 0) if sparse_dim is None else sparse_dim
    if not isinstance(sd, numbers.Integral) or sd < (1 if n else 0) or sd > n:
        raise RuntimeError(f"to_sparse(): sparse_dim must be in [{1 if n else 0}, {n}] for a "
                           f"{n}-D tensor, got {sd}")
    return apply1(TO_SPARSE, t, (int(sd),))


def to_dense(t, dtype=None, *, masked_grad=None):
    if _is_compressed(t):
        return _compressed_ops().to_dense(t, dtype)
    if type(t._data) is not SparseCOO:
        return t if dtype is None else t.to(dtype=dtype)
    out = apply1(TO_DENSE, t)
    return out if dtype is None else out.to(dtype=dtype)


def coalesce(t):
    s = _need_sparse(t, "coalesce")
    if s.coalesced:
        return t
    return apply1(COALESCE, t)


def is_coalesced(t) -> bool:
    return _need_sparse(t, "is_coalesced").coalesced


def indices(t, _check=True):
    s = _need_sparse(t, "indices")
    if _check and not s.coalesced:
        raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() "
                           "first")
    return wrap(s.indices)


def values(t, _check=True):
    if _is_compressed(t):
        return _compressed_ops().values(t)
    s = _need_sparse(t, "values")
    if _check and not s.coalesced:
        raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() "
                           "first")
    return apply1(VALUES, t)


def values_of(t):
    """The stored values of a sparse COO tensor (also uncoalesced), differentiable (its
    ``_values()`` is outside the graph, as PyTorch's)."""
    return values(t, _check=False)


def nnz(t) -> int:
    if _is_compressed(t):
        return int(t._data.nnz)
    if type(t._data) is not SparseCOO:
        raise NotImplementedError("_nnz: a dense tensor has no nnz (only sparse COO tensors "
                                  "do); count nonzeros with count_nonzero()")
    return int(t._data.nnz)


def sparse_dim(t) -> int:
    return t._data.sparse_dim if type(t._data) is SparseCOO or _is_compressed(t) else 0


def dense_dim(t) -> int:
    return t._data.dense_dim if type(t._data) is SparseCOO or _is_compressed(t) else t.ndim


# ------------------------------------------------------------------ gradkit.sparse
def _dense_operand(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a Tensor, got {type(x).__name__}")
    return x


def mm(mat1, mat2, reduce="sum"):
    """``mat1 @ mat2`` for a sparse COO ``mat1`` ``(n, k)`` (no dense dims) and a dense
    ``mat2`` ``(k, m)``: a dense ``(n, m)``. Gradients: for ``mat2`` dense, for ``mat1`` sparse on
    its coalesced pattern (PyTorch's ``torch.sparse.mm``). ``reduce`` (``"mean"``, ``"amax"``,
    ``"amin"``; a CSR ``mat1`` only, as PyTorch's CPU kernel) combines each row's products
    ``mat1[i, k] * mat2[k, j]`` by that reduction instead of their sum (0 for an empty row)."""
    a = _dense_operand(mat1, "sparse.mm(): mat1")
    b = _dense_operand(mat2, "sparse.mm(): mat2")
    if reduce != "sum":
        return _mm_reduce(a, b, reduce)
    if _is_compressed(a) and type(b._data) is _ndarray:  # (PyTorch's node: a sparse addmm)
        from ..autograd.graph import rename
        from ..functions import mm as _mm

        return rename(_mm(a, b), "SparseAddmmBackward0")
    if not is_sparse(a) or is_sparse(b):
        from ..functions import mm as _mm

        return _mm(a, b)
    s = a._data
    if s.ndim != 2 or s.dense_dim or b.ndim != 2:
        raise RuntimeError(f"sparse.mm(): expected a 2-D sparse mat1 without dense dims and a "
                           f"2-D dense mat2, got shapes {tuple(a.shape)} ({s.dense_dim} dense "
                           f"dims) and {tuple(b.shape)}")
    if s.shape[1] != b.shape[0]:
        raise RuntimeError(f"addmm: Argument #3 (dense): Expected dim 0 size {s.shape[1]}, got "
                           f"{b.shape[0]} (sparse.mm of shapes {s.shape} and {tuple(b.shape)})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"sparse.mm(): expected both operands to have the same dtype, got "
                           f"{a.dtype} and {b.dtype}; convert one with .to()")
    return apply2(SPARSE_MM, a, b)


def _mm_reduce(a, b, reduce):
    """``sparse.mm(a, b, reduce)``: the products of each stored entry of the CSR ``a`` with its
    row of ``b``, reduced per row of ``a`` by ``scatter_reduce`` (differentiable in ``b``)."""
    names = {"max": "amax", "min": "amin"}  # (PyTorch's kernel reads these as amax/amin)
    if reduce not in ("mean", "amax", "amin", "max", "min", "prod"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    if reduce == "prod":
        raise RuntimeError("sparse_mm_reduce: reduce type of prod has not been enabled.")
    from .. import arange, sparse_csr, zeros

    if a.layout is not sparse_csr:
        raise NotImplementedError(
            f"sparse.mm(mat1, mat2, reduce={reduce!r}): PyTorch's reduction kernel "
            f"(aten::_sparse_mm_reduce_impl) takes a sparse CSR mat1 only, got {a.layout}; convert "
            f"it with mat1.to_sparse_csr()")
    if b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise RuntimeError(f"sparse.mm(): expected a dense (k, m) mat2 with k = {a.shape[1]}, got "
                           f"shape {tuple(b.shape)}")
    crow, col, values = a.crow_indices(), a.col_indices(), a.values()
    rows = arange(a.shape[0]).repeat_interleave(crow.diff())
    products = values.unsqueeze(-1) * b[col]
    out = zeros(a.shape[0], b.shape[1], dtype=products.dtype)
    index = rows.unsqueeze(-1).expand_as(products)
    return out.scatter_reduce(0, index, products, names.get(reduce, reduce), include_self=False)


def spmm(input, mat2):
    """``torch.spmm``: ``mm`` of a sparse (or dense) ``input`` and a dense ``mat2``."""
    from ..functions import mm as _mm

    return _mm(input, mat2)


def dsmm(input, mat2):
    """``torch.dsmm``: the dense product of a sparse ``input`` and a dense ``mat2`` (``spmm``'s
    result, under its other name; linear_operator's sparse operators call it)."""
    return spmm(input, mat2)


def _rows_product(name, input, mat2):
    """The rows of ``input @ mat2`` where the sparse 2-D ``input`` has entries (ascending),
    and those rows' indices."""
    from ..functions import index_select, unique
    from ..functions import mm as _mm

    if not is_sparse(input) or input.ndim != 2:
        raise RuntimeError(f"{name}: expected a 2-D sparse COO matrix as the first argument, "
                           f"got a {'sparse' if is_sparse(input) else 'dense'} tensor of shape "
                           f"{tuple(input.shape)}")
    rows = unique(input.coalesce().indices()[0])
    return index_select(_mm(input, mat2), 0, rows), rows


def hspmm(mat1, mat2):
    """``torch.hspmm``: ``mat1 @ mat2`` as a hybrid COO tensor, one dense row of values per row
    of ``mat1`` that has entries."""
    vals, rows = _rows_product("hspmm", mat1, mat2)
    return sparse_coo_tensor(rows.unsqueeze(0), vals, (mat1.shape[0], vals.shape[1]),
                             check_invariants=False)


def smm(input, mat):
    """``torch.smm``: ``input @ mat`` as a sparse COO tensor, every column of each row of the
    sparse ``input`` that has entries."""
    from ..factories import arange

    vals, rows = _rows_product("smm", input, mat)
    n = vals.shape[1]
    idx = arange(rows.shape[0] * n)
    indices = _stack_rows(rows.repeat_interleave(n), idx % n if n else idx)
    return sparse_coo_tensor(indices, vals.reshape(-1), (input.shape[0], n),
                             check_invariants=False)


def _stack_rows(a, b):
    from ..functions import stack

    return stack([a, b])


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """``beta * mat + alpha * sparse.mm(mat1, mat2)`` (PyTorch's ``torch.sparse.addmm``)."""
    prod = mm(mat1, mat2)
    return beta * mat + alpha * prod if (beta != 1 or alpha != 1) else mat + prod


def _dims(dim, n, name):
    if dim is None:
        return tuple(range(n))
    ds = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    out = []
    for d in ds:
        if not isinstance(d, numbers.Integral) or not -n <= d < n:
            raise IndexError(f"{name}: Dimension out of range (expected to be in range of "
                             f"[{-n}, {n - 1}], but got {d})")
        d = int(d) % n
        if d in out:
            raise RuntimeError(f"{name}: dim {d} appears more than once in {dim}")
        out.append(d)
    return tuple(sorted(out))


def sum(input, dim=None, dtype=None):
    """Sum of a sparse COO tensor over ``dim`` (an int or a tuple; default all): a 0-d dense
    tensor over every dim, else a sparse tensor over the remaining sparse dims (PyTorch's
    ``torch.sparse.sum``). The gradient is sparse, on the input's coalesced pattern."""
    x = _dense_operand(input, "sparse.sum(): input")
    if _is_compressed(x):  # (PyTorch's sparse.sum coalesces: COO only)
        _need_sparse(x, "coalesce")
    if not is_sparse(x):
        from ..functions import sum as _sum

        return _sum(x, dtype=dtype) if dim is None else _sum(x, dim, dtype=dtype)
    s = x._data
    dims = _dims(dim, s.ndim, "sparse.sum")
    if len(dims) != s.ndim and any(d >= s.sparse_dim for d in dims):
        raise unsupported("sparse.sum over a dense dim of a hybrid tensor (sum the sparse dims, "
                          "or all)")
    if dtype is not None:
        x = x.to(dtype=dtype)
    return apply1(SPARSE_SUM, x, (dims,))


def _softmax(input, dim, dtype, log):
    name = "sparse.log_softmax" if log else "sparse.softmax"
    x = _dense_operand(input, f"{name}(): input")
    if not is_sparse(x):
        from ..functions import log_softmax as _ls
        from ..functions import softmax as _sm

        return (_ls if log else _sm)(x, dim, dtype=dtype)
    s = x._data
    (d,) = _dims(dim, s.ndim, name)
    if s.dense_dim:
        raise unsupported(f"{name} of a hybrid tensor (dense dims)")
    if dtype is not None:
        x = x.to(dtype=dtype)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{name}(): not implemented for {x.dtype} values; convert "
                                  f"to a floating dtype first (or pass dtype=)")
    return apply1(SPARSE_SOFTMAX, x, (d, log))


def softmax(input, dim, dtype=None):
    """Softmax along ``dim`` over the specified entries only (unspecified ones are -inf, so they
    stay unspecified), as PyTorch's ``torch.sparse.softmax``."""
    return _softmax(input, dim, dtype, False)


def log_softmax(input, dim, dtype=None):
    """Log-softmax along ``dim`` over the specified entries (``torch.sparse.log_softmax``)."""
    return _softmax(input, dim, dtype, True)



# ------------------------------------------------------------------ legacy sparse tensor types
class _SparseTypeMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and is_sparse(obj) and obj.dtype == cls.dtype

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__qualname__}'>"  # torch.X under gradkit run


def _legacy_new(cls, *args, device=None):
    """``torch.sparse.FloatTensor(indices, values[, size])`` or ``FloatTensor(*size)`` (an
    empty sparse tensor of that size), as PyTorch's legacy constructors."""
    if len(args) >= 2 and isinstance(args[0], (Tensor, np.ndarray, list, tuple)) and \
            not isinstance(args[0], numbers.Integral) and not (
                isinstance(args[0], tuple) and all(isinstance(a, numbers.Integral)
                                                   for a in args)):
        if len(args) > 3:
            raise TypeError(f"sparse.{cls.__name__}(indices, values, size): got {len(args)} "
                            f"arguments")
        size = args[2] if len(args) == 3 else None
        # as PyTorch: a values tensor keeps its dtype (FloatTensor(i, double_values) is float64)
        dt = None if isinstance(args[1], Tensor) else cls.dtype
        return sparse_coo_tensor(args[0], args[1], size, dtype=dt, device=device,
                                 check_invariants=False)
    size = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    if not all(isinstance(n, numbers.Integral) for n in size):
        raise TypeError(f"sparse.{cls.__name__}(): expected (indices, values[, size]) or sizes, "
                        f"got {args!r}")
    return sparse_coo_tensor(np.zeros((len(size), 0), np.int64), np.zeros(0, cls.dtype), size,
                             device=device, check_invariants=False)


def _legacy_type(name, dtype):
    return _SparseTypeMeta(name, (), {"dtype": np.dtype(dtype), "is_sparse": True,
                                      "__new__": _legacy_new, "__module__": "gradkit.sparse",
                                      "__doc__": f"PyTorch's legacy ``torch.sparse.{name}``: "
                                                 f"a sparse COO tensor of dtype {dtype}."})


FloatTensor = _legacy_type("FloatTensor", np.float32)
DoubleTensor = _legacy_type("DoubleTensor", np.float64)
HalfTensor = _legacy_type("HalfTensor", np.float16)
LongTensor = _legacy_type("LongTensor", np.int64)
IntTensor = _legacy_type("IntTensor", np.int32)
ShortTensor = _legacy_type("ShortTensor", np.int16)
CharTensor = _legacy_type("CharTensor", np.int8)
ByteTensor = _legacy_type("ByteTensor", np.uint8)


def index_select(x, dim, idx):
    """``index_select`` of a sparse COO tensor along ``dim`` by the integer array ``idx``: a
    sparse COO tensor (coalesced only with under two entries, as PyTorch's) whose entries are,
    for each position ``j`` of ``idx`` in turn, the stored entries at ``idx[j]`` in their stored
    order; differentiable in the values (where PyTorch's backward fails)."""
    from .. import tensor as _tensor

    s = x._data
    idx = np.asarray(idx, dtype=np.int64).reshape(-1)
    shape = list(s.shape)
    shape[dim] = idx.size
    if dim >= s.sparse_dim:  # a dense dim: the values select, the pattern stays
        values = values_of(x).index_select(dim - s.sparse_dim + 1, _tensor(idx))
        return sparse_coo_tensor(s.indices.copy(), values, tuple(shape), check_invariants=False)
    keys = s.indices[dim]
    order = np.argsort(keys, kind="stable")
    lo = np.searchsorted(keys[order], idx, side="left")
    counts = np.searchsorted(keys[order], idx, side="right") - lo
    total = int(counts.sum())
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    entries = order[starts + np.arange(total)]
    indices = s.indices[:, entries].copy()
    indices[dim] = np.repeat(np.arange(idx.size), counts)
    values = values_of(x)[_tensor(entries)]
    return sparse_coo_tensor(indices, values, tuple(shape), check_invariants=False)


def sparse_mask(t, mask):
    """``t.sparse_mask(mask)``: a sparse COO tensor with ``mask``'s indices (duplicates kept, as
    its coalesced flag) and ``t``'s values there; differentiable in ``t``."""
    if not is_sparse(mask) or _is_compressed(mask):
        raise NotImplementedError(
            f"sparse_mask(): the mask must be a sparse COO tensor, got a "
            f"{'dense' if not is_sparse(mask) else 'compressed'} one; pass mask.to_sparse()")
    if tuple(t.shape) != tuple(mask.shape):
        raise RuntimeError(f"sparse_mask(): operands have incompatible sizes; self has size "
                           f"{list(t.shape)} but mask has size {list(mask.shape)}")
    dense = to_dense(t) if is_sparse(t) else t
    idx = indices(mask, _check=False)
    vals = dense[tuple(idx[k] for k in range(idx.shape[0]))]
    return sparse_coo_tensor(idx, vals, tuple(t.shape), is_coalesced=is_coalesced(mask),
                             check_invariants=False)

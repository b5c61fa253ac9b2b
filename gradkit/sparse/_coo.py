"""The array behind a sparse COO tensor, and the layout objects.

A sparse COO Tensor is an ordinary :class:`gradkit.Tensor` whose ``_data`` is a :class:`SparseCOO`
instead of an ndarray: ``indices`` (int64, ``(sparse_dim, nnz)``), ``values`` (``(nnz,
*dense_shape)``), the full ``shape`` and whether the entries are coalesced (sorted, no duplicate).
Dense tensors never look at it, so the dense ops keep their fast paths; a dense op that reaches a
SparseCOO meets it through NumPy's protocols (``__array_ufunc__``, ``__array_function__``) or its
operators, which compute what PyTorch computes on sparse tensors (``s * 2``, ``s + s``,
``dense + s``, ``s @ dense``, ``s.t()``, ``s.to(dtype=dtype)``, ``clone``) and raise PyTorch's error
type with a message for everything else, so no raw NumPy error reaches the user. The same
methods let the autograd engine add and cast sparse gradients.

This module imports NumPy only (``tensor.py`` reads it lazily for repr/numpy/layout).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SparseCOO", "layout", "sparse_bsc", "sparse_bsr", "sparse_coo", "sparse_csc",
           "sparse_csr", "strided", "unsupported"]

_ndarray = np.ndarray


class layout:
    """A tensor's memory layout, as ``torch.layout``: ``gradkit.strided`` (dense),
    ``gradkit.sparse_coo`` or a compressed one (``sparse_csr``, ``sparse_csc``, ``sparse_bsr``,
    ``sparse_bsc``)."""

    __slots__ = ("_name",)
    __module__ = "gradkit"  # prints as gradkit.layout (torch.layout)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        from .._tensor.repr import _NAMESPACE  # "torch" under `gradkit run`

        return f"{_NAMESPACE[0]}.{self._name}"

    def __reduce__(self):
        return self._name


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")


def unsupported(name, exc=NotImplementedError):
    """The error for an op that has no sparse COO form in gradkit."""
    return exc(
        f"{name}: not supported for sparse COO tensors (layout=sparse_coo); gradkit computes it "
        f"only on dense tensors: convert with .to_dense() first (or use gradkit.sparse.mm / "
        f"gradkit.sparse.sum / .coalesce() / .values() where they fit)"
    )


# NumPy names -> PyTorch's, for error messages
_TORCH_NAMES = {"true_divide": "div", "divide": "div", "subtract": "sub", "multiply": "mul",
                "power": "pow", "greater": "gt", "greater_equal": "ge", "less": "lt",
                "less_equal": "le", "equal": "eq", "not_equal": "ne", "negative": "neg",
                "absolute": "abs", "maximum": "maximum", "minimum": "minimum",
                "arcsin": "asin", "arccos": "acos", "arctan": "atan", "matmul": "matmul"}


class _Flags:
    __slots__ = ()
    owndata = True
    c_contiguous = False
    f_contiguous = False
    writeable = True


_FLAGS = _Flags()


class SparseArrayLike:
    """What the sparse layouts' data share as array-likes: ``values`` and ``shape`` give the
    dtype, rank, element count and item size; host memory; never a view."""

    __slots__ = ()
    base = None
    flags = _FLAGS
    device = None  # host memory (device_of reads this)

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return math.prod(self.shape)

    @property
    def itemsize(self):
        return self.values.itemsize

    def __bool__(self):
        if self.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(a sparse tensor of shape {self.shape})")
        return bool(self.to_dense())


class SparseCOO(SparseArrayLike):
    """``indices`` ``(sparse_dim, nnz)`` int64, ``values`` ``(nnz, *dense_shape)``, ``shape``
    and ``coalesced``; the array-like face of a sparse COO tensor (see the module docstring)."""

    __slots__ = ("indices", "values", "shape", "coalesced")
    _is_sparse_coo = True
    sparse_layout = sparse_coo

    def __init__(self, indices, values, shape, coalesced=False):
        self.indices = indices
        self.values = values
        self.shape = tuple(int(s) for s in shape)
        self.coalesced = bool(coalesced)

    # ------------------------------------------------------------- array-like attributes
    @property
    def nnz(self):
        return self.indices.shape[1]

    @property
    def sparse_dim(self):
        return self.indices.shape[0]

    @property
    def dense_dim(self):
        return self.values.ndim - 1

    @property
    def strides(self):
        raise RuntimeError("Sparse tensors do not have strides; convert with .to_dense() first")

    def __getattr__(self, name):
        # only for names the class lacks: private/dunder lookups (hasattr probes) stay
        # AttributeErrors, an array method (sum, reshape, ...) is an unsupported op
        if name.startswith("_"):
            raise AttributeError(name)
        raise unsupported(name)

    def get(self):
        raise RuntimeError(
            "a sparse COO tensor has no dense storage to read (numpy(), tolist(), __array__); "
            "convert with .to_dense() first"
        )

    def __array__(self, dtype=None, copy=None):
        return self.get()

    def __repr__(self):
        return (f"SparseCOO(indices={self.indices!r}, values={self.values!r}, "
                f"shape={self.shape}, coalesced={self.coalesced})")

    def __getitem__(self, index):
        raise unsupported("indexing (x[...])")

    def __setitem__(self, index, value):
        if index is Ellipsis and isinstance(value, SparseCOO):  # copy_ (load_state_dict)
            # as PyTorch's copy_ of sparse tensors: this tensor takes src's entries and size
            self.indices = value.indices.copy()
            self.values = value.values.astype(self.values.dtype)
            self.shape = value.shape
            self.coalesced = value.coalesced
            return
        if index is Ellipsis and isinstance(value, (_ndarray, np.generic)):
            raise RuntimeError("copy_() between dense and sparse Tensors is not implemented: "
                               "copy a sparse tensor into a sparse one (or convert with "
                               ".to_sparse() / .to_dense() first)")
        raise unsupported("index assignment (x[...] = v)")

    def fill(self, value):
        """``zero_()``: no entries left (PyTorch has no other fill for sparse tensors)."""
        if value != 0:
            raise unsupported(f"fill_ with the nonzero value {value!r}")
        self.indices = np.zeros((self.sparse_dim, 0), dtype=np.int64)
        self.values = np.zeros((0,) + self.values.shape[1:], dtype=self.values.dtype)
        self.coalesced = True

    def reshape(self, *shape, **kwargs):
        raise RuntimeError("reshape is not implemented for sparse tensors; convert with "
                           ".to_dense() first")

    # ------------------------------------------------------------- conversions
    def copy(self, order=None):
        return SparseCOO(self.indices.copy(), self.values.copy(), self.shape, self.coalesced)

    def astype(self, dtype, copy=True):
        dtype = np.dtype(dtype)
        if dtype == self.values.dtype and not copy:
            return self
        return SparseCOO(self.indices, self.values.astype(dtype), self.shape, self.coalesced)

    def with_values(self, values):
        return SparseCOO(self.indices, values, self.shape, self.coalesced)

    def to_dense(self):
        if self.sparse_dim == 0:  # the dense part only: the sum of the entries
            return self.values.sum(axis=0).astype(self.values.dtype, copy=False).reshape(
                self.shape)
        out = np.zeros(self.shape, dtype=self.values.dtype)
        if self.nnz:
            if self.coalesced:  # unique positions: a plain assignment
                out[tuple(self.indices)] = self.values
            else:
                np.add.at(out, tuple(self.indices), self.values)
        return out

    def keys(self):
        """Each entry's position among the sparse dims as one int64 (row-major)."""
        sd = self.sparse_dim
        if sd == 0:
            return np.zeros(self.nnz, dtype=np.int64)
        return np.ravel_multi_index(tuple(self.indices), self.shape[:sd]).astype(np.int64,
                                                                                 copy=False)

    def coalesce(self):
        """Entries sorted by position, duplicates summed (zeros kept, as PyTorch)."""
        if self.coalesced:
            return self
        nnz = self.nnz
        if nnz == 0:
            return SparseCOO(self.indices, self.values, self.shape, True)
        keys = self.keys()
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
        vals = self.values[order]
        if starts.size != nnz:
            vals = np.add.reduceat(vals, starts, axis=0).astype(self.values.dtype, copy=False)
        uk = sk[starts]
        sd = self.sparse_dim
        if sd:
            idx = np.stack(np.unravel_index(uk, self.shape[:sd])).astype(np.int64)
        else:
            idx = np.zeros((0, uk.size), dtype=np.int64)
        return SparseCOO(idx, vals, self.shape, True)

    def add_to(self, dst, alpha=1):
        """``dst += alpha * self`` in place (``dst`` a dense array of this shape), rounded as
        PyTorch's CPU ``dense.add_(sparse, alpha=...)``: entry by entry in stored order, each
        ``d + alpha * v`` in float32 rounded once (its kernel's fused multiply-add: computed
        here in float64, where the product is exact)."""
        if self.nnz == 0:
            return dst
        idx, v = self.indices, self.values
        if alpha == 1 or dst.dtype != np.float32 or v.dtype != np.float32:
            v = v * alpha if alpha != 1 else v
            np.add.at(dst, tuple(idx), v.astype(dst.dtype, copy=False))
            return dst
        a = np.float64(np.float32(alpha))
        if self.coalesced:
            rounds = (slice(None),)
        else:  # the k-th entry of each position in round k: positions unique within a round
            keys = self.keys()
            order = np.argsort(keys, kind="stable")
            sk = keys[order]
            first = np.r_[True, sk[1:] != sk[:-1]]
            start = np.maximum.accumulate(np.where(first, np.arange(sk.size), 0))
            rank = np.empty(sk.size, dtype=np.int64)
            rank[order] = np.arange(sk.size) - start
            rounds = [np.flatnonzero(rank == r) for r in range(int(rank.max()) + 1)]
        for sel in rounds:
            pos = tuple(idx[:, sel])
            dst[pos] = (dst[pos].astype(np.float64) + v[sel].astype(np.float64) * a).astype(
                np.float32)
        return dst

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if not axes:
            axes = tuple(range(self.ndim - 1, -1, -1))
        axes = tuple(int(a) % max(self.ndim, 1) for a in axes)
        sd = self.sparse_dim
        if tuple(axes[sd:]) != tuple(range(sd, self.ndim)):
            raise RuntimeError(
                f"transpose/permute of a sparse COO tensor can only reorder its {sd} sparse "
                f"dims among themselves (shape {self.shape}, {self.dense_dim} dense dims), got "
                f"the order {axes}"
            )
        shape = tuple(self.shape[a] for a in axes)
        same = axes[:sd] == tuple(range(sd))
        return SparseCOO(self.indices[list(axes[:sd])], self.values, shape,
                         self.coalesced and same)

    @property
    def T(self):
        return self.transpose()

    def gather(self, indices):
        """The values of this tensor at the sparse positions ``indices`` ``(sparse_dim, k)``:
        ``(k, *dense_shape)``, zero where it has no entry (duplicates summed)."""
        c = self.coalesce()
        k = indices.shape[1]
        out = np.zeros((k,) + c.values.shape[1:], dtype=c.values.dtype)
        if c.nnz == 0 or k == 0:
            return out
        sd = c.sparse_dim
        want = (np.ravel_multi_index(tuple(indices), c.shape[:sd]) if sd
                else np.zeros(k, dtype=np.int64))
        have = c.keys()
        pos = np.searchsorted(have, want)
        pos_c = np.minimum(pos, have.size - 1)
        hit = have[pos_c] == want
        out[hit] = c.values[pos_c[hit]]
        return out

    # ------------------------------------------------------------- arithmetic
    def _check_same_shape(self, other, name):
        if tuple(other.shape) != self.shape:
            raise RuntimeError(
                f"{name}: sparse tensors of shapes {self.shape} and {tuple(other.shape)} cannot "
                f"be combined; the shapes must be equal (sparse COO tensors do not broadcast)"
            )

    def _add_sparse(self, other, sign=1):
        """``self + sign * other`` as PyTorch's CPU ``add(sparse, sparse)``: one merge pass over
        both entry lists in stored order (see ``_merge``), coalesced when both are."""
        self._check_same_shape(other, "add" if sign > 0 else "sub")
        if other.sparse_dim != self.sparse_dim:
            raise RuntimeError(
                f"add: sparse tensors with different numbers of sparse dims ({self.sparse_dim} "
                f"and {other.sparse_dim}) cannot be added"
            )
        ov = other.values if sign > 0 else -other.values
        dt = np.result_type(self.values.dtype, other.values.dtype)
        if self.indices is other.indices:  # one pattern (s + s, s + 2 * s): add the values
            return SparseCOO(self.indices, self.values.astype(dt, copy=False) + ov, self.shape,
                             self.coalesced)
        if other.nnz == 0:
            return SparseCOO(self.indices.copy(), self.values.astype(dt), self.shape,
                             self.coalesced)
        if self.nnz == 0:
            return SparseCOO(other.indices.copy(), ov.astype(dt), self.shape, other.coalesced)
        ti, si = _merge(self.keys(), other.keys())
        vals = np.zeros((ti.size,) + self.values.shape[1:], dtype=dt)
        from_t, from_s = ti >= 0, si >= 0
        vals[from_t] = self.values[ti[from_t]]
        vals[from_s] += ov[si[from_s]].astype(dt, copy=False)
        idx = np.where(from_t, self.indices[:, np.maximum(ti, 0)],
                       other.indices[:, np.maximum(si, 0)])
        return SparseCOO(idx, vals, self.shape, self.coalesced and other.coalesced)

    def __neg__(self):
        return self.with_values(-self.values)

    def __pos__(self):
        return self

    def __add__(self, other):
        if isinstance(other, SparseCOO):
            return self._add_sparse(other)
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")

    def __radd__(self, other):
        if isinstance(other, _ndarray):
            return _dense_plus_sparse(other, self)
        return self.__add__(other)

    def __iadd__(self, other):
        # the engine accumulating into a sparse .grad
        if isinstance(other, SparseCOO):
            r = self._add_sparse(other)
            self.indices, self.values, self.coalesced = r.indices, r.values, r.coalesced
            return self
        raise RuntimeError("add_(sparse, dense) is not supported: a sparse tensor cannot take "
                           "a dense tensor in place; use dense + sparse")

    def __sub__(self, other):
        if isinstance(other, SparseCOO):
            return self._add_sparse(other, -1)
        raise RuntimeError("sub(sparse, dense) is not supported. Use sub(dense, sparse) instead.")

    def __rsub__(self, other):
        if isinstance(other, _ndarray):
            return _dense_plus_sparse(other, -self)
        return self.__sub__(other)

    def __mul__(self, other):
        if isinstance(other, SparseCOO):
            return _mul_sparse(self, other)
        if isinstance(other, _ndarray) and other.ndim:
            return _mul_dense(self, other)
        if isinstance(other, (_ndarray, int, float, bool, complex, np.generic)):
            v = self.values * other
            return SparseCOO(self.indices, v, self.shape, self.coalesced)
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, _ndarray) and other.ndim:
            raise RuntimeError(
                f"div: a sparse tensor can only be divided by a number or a 0-d tensor, got a "
                f"dense tensor of shape {other.shape}"
            )
        if isinstance(other, SparseCOO):
            raise unsupported("div(sparse, sparse)")
        if isinstance(other, (_ndarray, int, float, bool, np.generic)):
            v = self.values / other
            if self.values.dtype.kind == "f":
                v = v.astype(self.values.dtype, copy=False)
            return SparseCOO(self.indices, v, self.shape, self.coalesced)
        return NotImplemented

    def __rtruediv__(self, other):
        raise unsupported("div(dense, sparse)")

    def __pow__(self, other):
        if isinstance(other, (int, float, np.integer, np.floating)) and not \
                isinstance(other, bool) and other > 0:
            c = self.coalesce()
            return c.with_values(c.values ** other)
        raise unsupported(f"pow with exponent {other!r} (a sparse tensor takes a positive "
                          f"number)")

    def __matmul__(self, other):
        return _matmul(self, other)

    def __rmatmul__(self, other):
        return _matmul(other, self)

    # ------------------------------------------------------------- NumPy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = ufunc.__name__
        out = kwargs.pop("out", None)
        if method != "__call__" or kwargs:
            raise unsupported(_TORCH_NAMES.get(name, name))
        if out is not None and name == "add" and len(inputs) == 2 and out[0] is inputs[0] and \
                isinstance(inputs[1], SparseCOO) and isinstance(out[0], _ndarray) and \
                tuple(out[0].shape) == inputs[1].shape:
            # dense += sparse (a dense .grad taking a sparse one, an optimizer's update): the
            # entries added in place, without a dense copy of the sparse tensor
            dst, s = out[0], inputs[1]
            if s.nnz:
                v = s.values.astype(dst.dtype, copy=False)
                if s.coalesced:
                    dst[tuple(s.indices)] += v
                else:
                    np.add.at(dst, tuple(s.indices), v)
            return dst
        if name == "matmul" and len(inputs) == 2:
            r = _matmul(*inputs)
        elif name == "add" and len(inputs) == 2:
            a, b = inputs
            if isinstance(a, SparseCOO) and isinstance(b, SparseCOO):
                r = a._add_sparse(b)
            elif isinstance(b, SparseCOO) and isinstance(a, _ndarray):
                r = _dense_plus_sparse(a, b)
            else:
                raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) "
                                   "instead.")
        elif name == "subtract" and len(inputs) == 2:
            a, b = inputs
            r = a - b if isinstance(a, SparseCOO) else _dense_plus_sparse(a, -b)
        elif name == "multiply" and len(inputs) == 2:
            a, b = inputs
            r = a * b if isinstance(a, SparseCOO) else b * a
        elif name == "negative":
            r = -inputs[0]
        elif name in ("true_divide", "divide") and isinstance(inputs[0], SparseCOO):
            r = inputs[0] / inputs[1]
        else:
            raise unsupported(_TORCH_NAMES.get(name, name))
        if out is not None:
            dst = out[0]
            if not isinstance(dst, _ndarray) or isinstance(r, SparseCOO):
                raise unsupported(f"{_TORCH_NAMES.get(name, name)} with out=")
            dst[...] = r
            return dst
        return r

    def __array_function__(self, func, types, args, kwargs):
        name = func.__name__
        if name == "transpose":
            a = args[0]
            axes = args[1] if len(args) > 1 else kwargs.get("axes")
            return a.transpose(() if axes is None else tuple(axes))
        if name == "swapaxes":
            a, i, j = (list(args) + [kwargs.get("axis1"), kwargs.get("axis2")])[:3]
            axes = list(range(a.ndim))
            i, j = i % a.ndim, j % a.ndim
            axes[i], axes[j] = axes[j], axes[i]
            return a.transpose(tuple(axes))
        if name == "astype":
            return args[0].astype(args[1] if len(args) > 1 else kwargs["dtype"])
        if name == "copy":
            return args[0].copy()
        if name == "shape":
            return args[0].shape
        if name == "ndim":
            return args[0].ndim
        if name == "sum" and len(args) == 1 and kwargs.get("axis") is None and \
                not kwargs.get("keepdims"):
            a = args[0]
            dt = kwargs.get("dtype")
            return np.asarray(a.values.sum(dtype=dt) if a.dense_dim == 0
                              else a.values.sum(axis=0, dtype=dt).sum(dtype=dt))
        raise unsupported(_TORCH_NAMES.get(name, name))


def _merge(tk, sk):
    """The entries of ``t + s`` as PyTorch's CPU sparse add makes them, from the keys (positions)
    of ``t``'s and ``s``'s entries in stored order: one merge pass that takes the smaller head
    key, or both heads into one entry when they are equal (so uncoalesced inputs are merged as
    if sorted). Returns ``(ti, si)``: for each result entry, the entry of ``t`` and of ``s`` it
    sums (-1: none)."""
    n, m = tk.size, sk.size
    if tk[-1] < sk[0] and tk.max() < sk.min():  # every t key below every s key: t then s
        return (np.r_[np.arange(n), np.full(m, -1)].astype(np.int64),
                np.r_[np.full(n, -1), np.arange(m)].astype(np.int64))
    if sk.max() < tk.min():
        return (np.r_[np.full(m, -1), np.arange(n)].astype(np.int64),
                np.r_[np.arange(m), np.full(n, -1)].astype(np.int64))
    a, b = tk.tolist(), sk.tolist()
    ti, si = [], []
    i = j = 0
    while i < n and j < m:
        x, y = a[i], b[j]
        if x < y:
            ti.append(i)
            si.append(-1)
            i += 1
        elif x > y:
            ti.append(-1)
            si.append(j)
            j += 1
        else:
            ti.append(i)
            si.append(j)
            i += 1
            j += 1
    ti.extend(range(i, n))
    si.extend([-1] * (n - i))
    ti.extend([-1] * (m - j))
    si.extend(range(j, m))
    return np.array(ti, dtype=np.int64), np.array(si, dtype=np.int64)


def _dense_plus_sparse(d, s):
    if tuple(d.shape) != s.shape:
        if np.broadcast_shapes(d.shape, s.shape) != tuple(d.shape):
            raise RuntimeError(
                f"add: the dense tensor of shape {tuple(d.shape)} and the sparse tensor of shape "
                f"{s.shape} must have the same shape"
            )
    dt = np.result_type(d.dtype, s.values.dtype)
    out = np.array(np.broadcast_to(d, np.broadcast_shapes(d.shape, s.shape)), dtype=dt)
    if s.nnz:
        if tuple(out.shape) != s.shape:
            out += s.to_dense().astype(dt, copy=False)
        else:
            np.add.at(out, tuple(s.indices), s.values.astype(dt, copy=False))
    return out


def _mul_dense(s, d):
    """``sparse * dense`` (PyTorch: a sparse result on the sparse operand's pattern)."""
    if np.broadcast_shapes(d.shape, s.shape) != s.shape:
        raise RuntimeError(
            f"mul: a sparse tensor of shape {s.shape} times a dense tensor of shape "
            f"{tuple(d.shape)}: the dense one must broadcast to the sparse shape"
        )
    d = np.broadcast_to(d, s.shape)
    picked = d[tuple(s.indices)]  # (nnz, *dense)
    return SparseCOO(s.indices, s.values * picked, s.shape, s.coalesced)


def _mul_sparse(a, b):
    """Elementwise product of two sparse tensors: the entries present in both (their dense
    values multiplied elementwise)."""
    a._check_same_shape(b, "mul")
    if a.dense_dim != b.dense_dim:  # (equal shapes: the same dense dims, products per entry)
        raise RuntimeError(
            f"mul(sparse, sparse): expects sparse inputs with equal dimensionality, number of "
            f"sparse dimensions, and shape of sparse dimensions; got {a.sparse_dim} and "
            f"{b.sparse_dim} sparse dims: convert one with .to_dense().to_sparse(n)")
    ca, cb = a.coalesce(), b.coalesce()
    _, ia, ib = np.intersect1d(ca.keys(), cb.keys(), assume_unique=True, return_indices=True)
    return SparseCOO(ca.indices[:, ia], ca.values[ia] * cb.values[ib], a.shape, True)


def spmm(s, d):
    """``s @ d`` for a 2-D sparse ``s`` (no dense dims) and a 2-D array ``d``: a dense array.
    Products are gathered per entry and summed per row with one sorted ``reduceat``."""
    n = s.shape[0]
    m = d.shape[1]
    dt = np.result_type(s.values.dtype, d.dtype)
    out = np.zeros((n, m), dtype=dt)
    if s.nnz == 0 or m == 0:
        return out
    rows, cols = s.indices
    vals = s.values
    if not s.coalesced:
        order = np.argsort(rows, kind="stable")
        rows, cols, vals = rows[order], cols[order], vals[order]
    prod = d[cols] * vals[:, None]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    out[rows[starts]] = np.add.reduceat(prod, starts, axis=0)
    return out


def _matmul(a, b):
    """``a @ b`` where one side is sparse: sparse @ dense and dense @ sparse give dense
    results (as PyTorch's mm/matmul)."""
    if isinstance(a, SparseCOO) and isinstance(b, SparseCOO):
        raise unsupported("matmul(sparse, sparse)")
    sp, other = (a, b) if isinstance(a, SparseCOO) else (b, a)
    if not isinstance(other, _ndarray):
        raise TypeError(f"matmul: expected a dense tensor beside the sparse one, got "
                        f"{type(other).__name__}")
    if sp.ndim != 2 or sp.dense_dim or other.ndim != 2:
        raise RuntimeError(
            f"matmul: gradkit multiplies a 2-D sparse COO matrix (no dense dims) with a 2-D dense "
            f"matrix; got sparse {sp.shape} ({sp.dense_dim} dense dims) and dense "
            f"{tuple(other.shape)}"
        )
    if sp is a:
        if a.shape[1] != b.shape[0]:
            raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                               f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
        return spmm(a, b)
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                           f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    return spmm(b.transpose(), a.T).T

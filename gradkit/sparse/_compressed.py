"""The array behind a sparse compressed tensor: CSR, CSC, BSR and BSC (PyTorch's layouts).

A compressed tensor of shape ``(*batch, rows, cols, *dense)`` stores, per batch element, its
specified entries (single elements, or ``(br, bc)`` blocks for BSR/BSC) sorted along the
compressed dim (rows for CSR/BSR, columns for CSC/BSC):

- ``compressed`` ``(*batch, n + 1)``: where each row's (column's) entries start; ``n`` counts rows
  (columns), in blocks for the block layouts (``crow_indices`` / ``ccol_indices``);
- ``plain`` ``(*batch, nnz)``: each entry's column (row) (``col_indices`` / ``row_indices``);
- ``values`` ``(*batch, nnz, [br, bc,] *dense)``.

Every batch element holds the same number of entries, as in PyTorch. Like :class:`SparseCOO`
this is a Tensor's ``_data``: the dense ops meet it through its operators and NumPy's protocols,
which compute what PyTorch computes on these layouts (products with dense matrices, the
elementwise ops that keep zeros, ``add``/``mul`` of two compressed tensors, ``sum``, the
transpose of the two sparse dims) and raise PyTorch's error for the rest, naming the layout.
NumPy only: the products are gathers and ``np.add.reduceat`` over the sorted rows.
"""

from __future__ import annotations

import math

import numpy as np

from ._coo import _TORCH_NAMES, SparseArrayLike, sparse_bsc, sparse_bsr, sparse_csc, sparse_csr

__all__ = ["LAYOUT_NAMES", "SparseCompressed", "from_dense", "is_block", "is_row_major",
           "unsupported_layout"]

_ndarray = np.ndarray
_NUMBER = (int, float, bool, np.generic)
CHUNK_BYTES = 1 << 20  # the products summed per piece in a product with a dense matrix
_SCALAR = {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}

# PyTorch's names of the layouts in its messages ("unsupported tensor layout: SparseCsr")
LAYOUT_NAMES = {sparse_csr: "SparseCsr", sparse_csc: "SparseCsc", sparse_bsr: "SparseBsr",
                sparse_bsc: "SparseBsc"}

# unary ufuncs with f(0) == 0: computed on the values, the pattern kept (as PyTorch)
_ZERO_KEEPING = {"negative", "positive", "absolute", "sign", "sqrt", "sin", "tan", "tanh",
                 "sinh", "arcsin", "arctan", "arcsinh", "arctanh", "expm1", "log1p", "floor",
                 "ceil", "trunc", "rint", "conjugate", "deg2rad", "rad2deg",
                 "signbit", "isnan", "isinf", "isposinf", "isneginf"}


def is_row_major(layout) -> bool:
    return layout is sparse_csr or layout is sparse_bsr


def is_block(layout) -> bool:
    return layout is sparse_bsr or layout is sparse_bsc


def unsupported_layout(layout, name=None, exc=RuntimeError):
    """PyTorch's error for an op without a kernel for ``layout``, naming the op and the fix."""
    op = f"{name}: " if name else ""
    return exc(f"unsupported tensor layout: {LAYOUT_NAMES[layout]} ({op}gradkit computes this "
               f"op only on dense tensors: convert with .to_dense() first)")


class SparseCompressed(SparseArrayLike):
    """``layout``, ``compressed``, ``plain``, ``values`` and ``shape`` of a compressed sparse
    tensor (see the module docstring)."""

    __slots__ = ("sparse_layout", "compressed", "plain", "values", "shape")
    _is_sparse_compressed = True

    def __init__(self, layout, compressed, plain, values, shape):
        from .._warnings import warn_once

        # PyTorch's SparseCsrTensorImpl warns once per process, naming the first layout made
        warn_once("sparse compressed beta",
                  f"Sparse {str(layout).rsplit('_', 1)[-1].upper()} tensor support is in beta "
                  f"state. If you miss a functionality in the sparse tensor support, please "
                  f"submit a feature request to https://github.com/pytorch/pytorch/issues.")
        self.sparse_layout = layout
        self.compressed = compressed
        self.plain = plain
        self.values = values
        self.shape = tuple(int(s) for s in shape)

    # ------------------------------------------------------------- array-like attributes
    @property
    def batch_ndim(self):
        return self.compressed.ndim - 1

    @property
    def nnz(self):
        return self.plain.shape[-1]

    @property
    def blocksize(self):
        nb = self.batch_ndim
        return tuple(self.values.shape[nb + 1:nb + 3]) if is_block(self.sparse_layout) else (1, 1)

    @property
    def dense_dim(self):
        return self.ndim - self.batch_ndim - 2

    @property
    def sparse_dim(self):
        return 2

    @property
    def name(self):
        return LAYOUT_NAMES[self.sparse_layout]

    @property
    def strides(self):
        raise RuntimeError(f"Sparse {self.name[6:].upper()} tensors do not have strides; convert "
                           f"with .to_dense() first")

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        raise unsupported_layout(self.sparse_layout, name)

    def get(self):
        raise TypeError(f"can't convert {self.name} layout tensor to numpy. Use "
                        f"Tensor.to_dense() first.")

    def __array__(self, dtype=None, copy=None):
        # an op reading the dense array (no kernel for the layout in gradkit, nor in PyTorch)
        raise NotImplementedError(
            f"this op has no kernel for the sparse {self.name} layout (its values cannot be read "
            f"as a dense array): convert with .to_dense() first")

    def __repr__(self):
        return (f"SparseCompressed({self.sparse_layout!r}, compressed={self.compressed!r}, "
                f"plain={self.plain!r}, values={self.values!r}, shape={self.shape})")

    def __getitem__(self, index):
        raise unsupported_layout(self.sparse_layout, "indexing (x[...])", NotImplementedError)

    def __setitem__(self, index, value):
        if index is Ellipsis and isinstance(value, SparseCompressed) and \
                value.sparse_layout is self.sparse_layout:  # copy_ (load_state_dict)
            self.compressed = value.compressed.copy()
            self.plain = value.plain.copy()
            self.values = value.values.astype(self.values.dtype)
            self.shape = value.shape
            return
        raise unsupported_layout(self.sparse_layout, "index assignment (x[...] = v)",
                                 NotImplementedError)

    def fill(self, value):
        """``fill_``: every specified value set (the pattern kept); ``zero_()``: no entry left,
        as PyTorch."""
        if value != 0:
            self.values = np.full_like(self.values, value)
            return
        self.compressed = np.zeros_like(self.compressed)
        self.plain = self.plain[..., :0].copy()
        nb = self.batch_ndim
        self.values = self.values[(slice(None),) * nb + (slice(0, 0),)].copy()

    def reshape(self, *shape, **kwargs):
        raise unsupported_layout(self.sparse_layout, "reshape/view", NotImplementedError)

    # ------------------------------------------------------------- conversions
    def with_values(self, values):
        return SparseCompressed(self.sparse_layout, self.compressed, self.plain, values,
                                self.shape)

    def copy(self, order=None):
        return SparseCompressed(self.sparse_layout, self.compressed.copy(), self.plain.copy(),
                                self.values.copy(), self.shape)

    def astype(self, dtype, copy=True):
        dtype = np.dtype(dtype)
        if dtype == self.values.dtype and not copy:
            return self
        return self.with_values(self.values.astype(dtype))

    def entries(self):
        """``(batch, brow, bcol, values)`` per entry, the batch dims flattened: the batch
        element, block row and block column of each stored entry (in stored order), and the
        values ``(B * nnz, [br, bc,] *dense)``."""
        nb = self.batch_ndim
        comp = self.compressed.reshape(-1, self.compressed.shape[-1]).astype(np.int64)
        B, nnz = comp.shape[0], self.nnz
        counts = np.diff(comp, axis=1)
        n = counts.shape[1]
        major = np.repeat(np.tile(np.arange(n, dtype=np.int64), B), counts.ravel())
        plain = self.plain.reshape(-1).astype(np.int64)
        batch = np.repeat(np.arange(B, dtype=np.int64), nnz)
        vals = self.values.reshape((B * nnz,) + self.values.shape[nb + 1:])
        if is_row_major(self.sparse_layout):
            return batch, major, plain, vals
        return batch, plain, major, vals

    def to_dense(self):
        nb = self.batch_ndim
        rows, cols = self.shape[nb], self.shape[nb + 1]
        dense = self.shape[nb + 2:]
        B = math.prod(self.shape[:nb])
        batch, brow, bcol, vals = self.entries()
        if is_block(self.sparse_layout):
            br, bc = self.blocksize
            out = np.zeros((B, rows // br, cols // bc, br, bc) + dense, dtype=self.dtype)
            out[batch, brow, bcol] = vals
            out = np.moveaxis(out, 3, 2).reshape((B, rows, cols) + dense)
        else:
            out = np.zeros((B, rows, cols) + dense, dtype=self.dtype)
            out[batch, brow, bcol] = vals
        return out.reshape(self.shape)

    def to_layout(self, layout):
        """This tensor in ``layout`` with the same blocks (CSR <-> CSC, BSR <-> BSC): the
        entries re-sorted along the other dim, the stored values kept (zeros too)."""
        if layout is self.sparse_layout:
            return self
        nb = self.batch_ndim
        batch, brow, bcol, vals = self.entries()
        br, bc = self.blocksize
        nbr, nbc = self.shape[nb] // br, self.shape[nb + 1] // bc
        if is_row_major(layout):
            major, minor, n, m = brow, bcol, nbr, nbc
        else:
            major, minor, n, m = bcol, brow, nbc, nbr
        order = np.argsort((batch * n + major) * m + minor, kind="stable")
        return _assemble(layout, self.shape, nb, batch[order], major[order], minor[order],
                         vals[order], n, self.compressed.dtype)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        nd = self.ndim
        if not axes:
            axes = tuple(range(nd - 1, -1, -1))
        axes = tuple(int(a) % max(nd, 1) for a in axes)
        nb = self.batch_ndim
        swapped = list(range(nd))
        swapped[nb], swapped[nb + 1] = nb + 1, nb
        if axes == tuple(range(nd)):
            return self
        if axes != tuple(swapped):
            raise RuntimeError(
                f"transpose: a sparse compressed tensor ({self.name}, shape {self.shape}) can "
                f"only swap its two sparse dims ({nb} and {nb + 1}), got the order {axes}; "
                f"convert with .to_dense() first")
        layout = {sparse_csr: sparse_csc, sparse_csc: sparse_csr, sparse_bsr: sparse_bsc,
                  sparse_bsc: sparse_bsr}[self.sparse_layout]
        vals = self.values
        if is_block(layout):  # each block transposed too
            vals = np.swapaxes(vals, nb + 1, nb + 2)
        shape = list(self.shape)
        shape[nb], shape[nb + 1] = shape[nb + 1], shape[nb]
        return SparseCompressed(layout, self.compressed, self.plain, vals, shape)

    @property
    def T(self):
        return self.transpose()

    @property
    def mT(self):
        nb = self.batch_ndim
        axes = list(range(self.ndim))
        axes[nb], axes[nb + 1] = nb + 1, nb
        return self.transpose(tuple(axes))

    def gather(self, g):
        """The dense array ``g`` (this tensor's shape) read at the stored entries: values
        shaped as this tensor's."""
        nb = self.batch_ndim
        batch, brow, bcol, _ = self.entries()
        dense = self.shape[nb + 2:]
        rows, cols = self.shape[nb], self.shape[nb + 1]
        g = np.asarray(g).reshape((-1, rows, cols) + dense)
        if is_block(self.sparse_layout):
            br, bc = self.blocksize
            g = np.moveaxis(g.reshape((g.shape[0], rows // br, br, cols // bc, bc) + dense), 2, 3)
        return g[batch, brow, bcol].reshape(self.values.shape)

    def pattern_of(self, g):
        """A gradient ``g`` (dense, or compressed) for this tensor, as values on its pattern."""
        if isinstance(g, SparseCompressed):
            if g.sparse_layout is not self.sparse_layout:
                g = g.to_layout(self.sparse_layout)
            if g.nnz == self.nnz and np.array_equal(g.plain, self.plain) and \
                    np.array_equal(g.compressed, self.compressed):
                return g.values
            g = g.to_dense()
        return self.gather(g)

    # ------------------------------------------------------------- arithmetic
    def _same_pattern(self, other):
        return other.sparse_layout is self.sparse_layout and \
            other.blocksize == self.blocksize and (
                (other.plain is self.plain and other.compressed is self.compressed) or (
                    other.plain.shape == self.plain.shape and
                    np.array_equal(other.plain, self.plain) and
                    np.array_equal(other.compressed, self.compressed)))

    def _combine(self, other, name):
        """``self (op) other`` for two compressed tensors: their union (``add``) or
        intersection (``mul``) of entries, as PyTorch."""
        if other.sparse_layout is not self.sparse_layout and \
                is_block(other.sparse_layout) == is_block(self.sparse_layout) and \
                other.blocksize == self.blocksize and other.shape == self.shape:
            # CSR with CSC (BSR with BSC): the other's entries re-sorted (the gradients of a
            # tensor used on both sides of a product meet so)
            other = other.to_layout(self.sparse_layout)
        if other.sparse_layout is not self.sparse_layout:
            raise RuntimeError(
                f"{name}: expected both sparse tensors to have the same layout, got "
                f"{self.name} and {other.name}; convert one (e.g. .to_sparse_csr())")
        if other.shape != self.shape:
            raise RuntimeError(f"{name}: sparse tensors of shapes {self.shape} and {other.shape} "
                               f"cannot be combined; the shapes must be equal")
        if other.blocksize != self.blocksize:
            raise RuntimeError(f"{name}: the block sizes {self.blocksize} and {other.blocksize} "
                               f"differ")
        dt = np.result_type(self.values.dtype, other.values.dtype)
        if self._same_pattern(other):
            v = (self.values.astype(dt, copy=False) + other.values if name == "add"
                 else self.values.astype(dt, copy=False) * other.values)
            return self.with_values(v.astype(dt, copy=False))
        nb = self.batch_ndim
        br, bc = self.blocksize
        nbr, nbc = self.shape[nb] // br, self.shape[nb + 1] // bc
        row = is_row_major(self.sparse_layout)
        n, m = (nbr, nbc) if row else (nbc, nbr)

        def keyed(t):
            b, r, c, v = t.entries()
            return (b * n + (r if row else c)) * m + (c if row else r), v

        ka, va = keyed(self)
        kb, vb = keyed(other)
        if name == "add":
            keys = np.union1d(ka, kb)
            vals = np.zeros((keys.size,) + va.shape[1:], dtype=dt)
            vals[np.searchsorted(keys, ka)] += va
            vals[np.searchsorted(keys, kb)] += vb
        else:
            keys, ia, ib = np.intersect1d(ka, kb, assume_unique=True, return_indices=True)
            vals = (va[ia].astype(dt, copy=False) * vb[ib]).astype(dt, copy=False)
        batch, rest = np.divmod(keys, n * m)
        major, minor = np.divmod(rest, m)
        B = math.prod(self.shape[:nb])
        if B > 1 and len(set(np.bincount(batch, minlength=B).tolist())) > 1:
            raise RuntimeError(f"{name}: the result of two batched sparse compressed tensors "
                               f"would hold a different number of entries per batch element, "
                               f"which the layout cannot store; convert with .to_dense()")
        return _assemble(self.sparse_layout, self.shape, nb, batch, major, minor, vals, n,
                         self.compressed.dtype)

    def __neg__(self):
        return self.with_values(-self.values)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.with_values(np.abs(self.values))

    def __add__(self, other):
        if isinstance(other, SparseCompressed):
            return self._combine(other, "add")
        if isinstance(other, _ndarray):  # dense + compressed: a dense result
            return np.add(self.to_dense(), other)
        raise unsupported_layout(self.sparse_layout, "add")

    __radd__ = __add__

    def __iadd__(self, other):
        # the engine accumulating into a compressed .grad
        if isinstance(other, SparseCompressed):
            r = self._combine(other, "add")
            self.compressed, self.plain, self.values = r.compressed, r.plain, r.values
            return self
        raise RuntimeError(f"add_: a sparse {self.name} tensor cannot take a dense tensor in "
                           f"place; use dense + sparse")

    def __sub__(self, other):
        raise unsupported_layout(self.sparse_layout, "sub")

    __rsub__ = __sub__

    def __mul__(self, other):
        if isinstance(other, SparseCompressed):
            return self._combine(other, "mul")
        if isinstance(other, _ndarray) and other.ndim:
            if np.broadcast_shapes(other.shape, self.shape) != self.shape:
                raise RuntimeError(f"mul: a sparse tensor of shape {self.shape} times a dense "
                                   f"tensor of shape {tuple(other.shape)}: the dense one must "
                                   f"broadcast to the sparse shape")
            picked = self.gather(np.broadcast_to(other, self.shape))
            return self.with_values(self.values * picked)
        if isinstance(other, _NUMBER) or isinstance(other, _ndarray):
            return self.with_values(self.values * other)
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other):
        raise unsupported_layout(self.sparse_layout, "div")

    __rtruediv__ = __truediv__

    def __pow__(self, other):
        raise unsupported_layout(self.sparse_layout, "pow")

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def sum(self, axis=None, dtype=None, keepdims=False, **kwargs):
        return _sum(self, axis, dtype, keepdims)

    # ------------------------------------------------------------- NumPy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = ufunc.__name__
        out = kwargs.pop("out", None)
        kwargs.pop("casting", None)
        dtype = kwargs.pop("dtype", None)
        if method != "__call__" or kwargs or out is not None:
            raise unsupported_layout(self.sparse_layout, _TORCH_NAMES.get(name, name))
        if len(inputs) == 1 and name in _ZERO_KEEPING:
            v = ufunc(inputs[0].values)
            return self.with_values(v if dtype is None else v.astype(dtype))
        if len(inputs) == 2:
            a, b = inputs
            if name == "matmul":
                return matmul(a, b)
            if name == "add":
                return a + b if isinstance(a, SparseCompressed) else b + a
            if name == "multiply":
                return a * b if isinstance(a, SparseCompressed) else b * a
            scalar = b if isinstance(a, SparseCompressed) else a
            sc = a if scalar is b else b
            if isinstance(scalar, _NUMBER) or (isinstance(scalar, _ndarray) and
                                               scalar.ndim == 0):
                if name in ("maximum", "minimum", "fmax", "fmin") and not np.any(
                        ufunc(np.zeros((), sc.dtype), scalar)):  # relu: max(x, 0)
                    return sc.with_values(ufunc(sc.values, scalar).astype(sc.dtype, copy=False))
        raise unsupported_layout(self.sparse_layout, _TORCH_NAMES.get(name, name))

    def __array_function__(self, func, types, args, kwargs):
        name = func.__name__
        if name == "transpose":
            axes = args[1] if len(args) > 1 else kwargs.get("axes")
            return args[0].transpose(() if axes is None else tuple(axes))
        if name == "swapaxes":
            a, i, j = (list(args) + [kwargs.get("axis1"), kwargs.get("axis2")])[:3]
            axes = list(range(a.ndim))
            i, j = i % a.ndim, j % a.ndim
            axes[i], axes[j] = axes[j], axes[i]
            return a.transpose(tuple(axes))
        if name == "matmul":
            return matmul(*args)
        if name == "copy":
            return args[0].copy()
        if name == "shape":
            return args[0].shape
        if name == "ndim":
            return args[0].ndim
        if name == "sum":
            a = args[0]
            return _sum(a, kwargs.get("axis", args[1] if len(args) > 1 else None),
                        kwargs.get("dtype"), kwargs.get("keepdims", False))
        if name in ("abs", "negative", "absolute"):
            return getattr(np, name)(args[0])
        # (PyTorch has no kernel of these for the compressed layouts: its dispatcher's error)
        raise NotImplementedError(
            f"Could not run 'aten::{_TORCH_NAMES.get(name, name)}' with arguments from the "
            f"'{self.name}CPU' backend: gradkit computes it only on dense tensors; convert with "
            f".to_dense() first")


def _assemble(layout, shape, nb, batch, major, minor, vals, n, index_dtype):
    """A compressed tensor from entries sorted by (batch, major, minor): ``vals`` ``(B * nnz,
    ...)``, ``n`` the count of the compressed dim (in blocks)."""
    B = math.prod(shape[:nb])
    nnz = batch.size // B if B else 0
    counts = np.bincount(batch * n + major, minlength=B * n).reshape(B, n)
    comp = np.zeros((B, n + 1), dtype=index_dtype)
    np.cumsum(counts, axis=1, out=comp[:, 1:])
    batch_shape = tuple(shape[:nb])
    return SparseCompressed(
        layout, comp.reshape(batch_shape + (n + 1,)),
        minor.astype(index_dtype).reshape(batch_shape + (nnz,)),
        np.ascontiguousarray(vals).reshape(batch_shape + (nnz,) + vals.shape[1:]), shape)


def from_dense(x, layout, blocksize=None, dense_dim=0, index_dtype=np.int64, name="to_sparse"):
    """The nonzero entries (blocks) of the dense array ``x`` in ``layout``; the batch dims are
    those before the two sparse dims and ``dense_dim`` trailing dense dims."""
    nb = x.ndim - 2 - dense_dim
    if nb < 0 or dense_dim < 0:
        raise RuntimeError(f"{name}: a {LAYOUT_NAMES[layout]} tensor needs at least 2 sparse dims "
                           f"beside {dense_dim} dense dims, got a {x.ndim}-D tensor of shape "
                           f"{tuple(x.shape)}")
    shape = tuple(x.shape)
    rows, cols = shape[nb], shape[nb + 1]
    dense = shape[nb + 2:]
    B = math.prod(shape[:nb])
    xr = x.reshape((B, rows, cols) + dense)
    if is_block(layout):
        br, bc = blocksize
        if rows % br or cols % bc:
            raise RuntimeError(f"{name}: tensor sparse size ({rows},{cols}) must be divisible by "
                               f"given blocksize ({br},{bc})")
        xr = np.moveaxis(xr.reshape((B, rows // br, br, cols // bc, bc) + dense), 2, 3)
    mask = xr != 0
    if mask.ndim > 3:
        mask = mask.reshape(mask.shape[:3] + (-1,)).any(axis=-1) if mask.size else \
            np.zeros(mask.shape[:3], dtype=bool)
    row = is_row_major(layout)
    if not row:
        mask = mask.transpose(0, 2, 1)
    per_batch = mask.reshape(B, -1).sum(axis=1)
    if B > 1 and np.any(per_batch != per_batch[0]):
        raise RuntimeError("Expect the same number of specified elements per batch.")
    batch, major, minor = np.nonzero(mask)
    vals = xr[batch, major, minor] if row else xr[batch, minor, major]
    return _assemble(layout, shape, nb, batch, major, minor, vals, mask.shape[1],
                     np.dtype(index_dtype))


def _sum(a, axis, dtype, keepdims):
    """``sum`` of a compressed tensor: over every dim a 0-d dense array; over one sparse dim of
    a 2-D CSR tensor with ``keepdim=True`` a CSR tensor (as PyTorch)."""
    if axis is None:
        v = a.values
        return np.asarray(v.sum(dtype=dtype) if dtype is not None else v.sum()).astype(
            dtype or v.dtype, copy=False)
    if a.sparse_layout is not sparse_csr:
        raise RuntimeError(f"Currently the only compressed sparse format supported for "
                           f"sum.dim_IntList is CSR, but got layout {a.name}")
    if not keepdims:
        raise RuntimeError(f"reduction operations on {a.name[6:].upper()} tensors with "
                           f"keepdim=False is unsupported")
    axes = (axis,) if not isinstance(axis, tuple) else axis
    if a.sparse_layout is not sparse_csr or a.ndim != 2 or len(axes) != 1:
        raise unsupported_layout(a.sparse_layout, "sum over a dim")
    d = a.to_dense().sum(axis=axes, keepdims=True, dtype=dtype)
    return from_dense(d, sparse_csr, index_dtype=a.compressed.dtype)


def _mm2(s, d):
    """``s @ d`` for one 2-D compressed matrix ``s`` (no batch, no dense dims) and a 2-D
    array ``d``: the products of each entry summed per row with one sorted ``reduceat``."""
    rows = s.shape[0]
    m = d.shape[1]
    dt = np.result_type(s.dtype, d.dtype)
    out = np.zeros((rows, m), dtype=dt)
    if s.nnz == 0 or m == 0 or d.shape[0] == 0:
        return out
    if not is_row_major(s.sparse_layout):
        s = s.to_layout(sparse_bsr if is_block(s.sparse_layout) else sparse_csr)
    _, brow, bcol, vals = s.entries()
    starts = s.compressed[:-1].astype(np.int64)
    present = np.flatnonzero(np.diff(s.compressed))
    starts = starts[present]
    if is_block(s.sparse_layout):
        br, bc = s.blocksize
        blocks = d.reshape(d.shape[0] // bc, bc, m)[bcol]  # (nnz, bc, m)
        prod = np.matmul(vals, blocks)  # (nnz, br, m)
        out.reshape(rows // br, br, m)[present] = np.add.reduceat(prod, starts, axis=0)
        return out
    comp = s.compressed.astype(np.int64)
    nnz = bcol.size
    # rows in chunks of about 1 MiB of products: the gathered rows, their scaling and the
    # per-row sums stay in cache (a (20000, 20000) matrix with 200k entries times (20000, 64):
    # 0.6 s in one piece, 0.1 s in chunks)
    step = max(16, CHUNK_BYTES // max(1, m * out.itemsize))
    if nnz <= step:
        prod = d[bcol] * vals[:, None]
        out[present] = np.add.reduceat(prod, starts, axis=0)
        return out
    edges = np.unique(np.r_[np.searchsorted(comp, np.arange(0, nnz, step), side="right") - 1,
                            rows])
    for r0, r1 in zip(edges[:-1].tolist(), edges[1:].tolist()):
        e0, e1 = comp[r0], comp[r1]
        if e1 == e0:
            continue
        local = comp[r0:r1 + 1] - e0
        nonempty = np.flatnonzero(np.diff(local))
        prod = d[bcol[e0:e1]]
        prod *= vals[e0:e1, None]
        out[r0 + nonempty] = np.add.reduceat(prod, local[:-1][nonempty], axis=0)
    return out


def matmul(a, b):
    """``a @ b`` where one side is compressed and the other dense: a dense result (as
    PyTorch's mm/matmul/mv); batched CSR times a batch of matrices, one product per element."""
    if isinstance(a, SparseCompressed) and isinstance(b, SparseCompressed):
        return _sparse_sparse(a, b)
    if not isinstance(a, SparseCompressed):  # dense @ sparse = (sparse^T @ dense^T)^T
        if b.batch_ndim or a.ndim != 2:
            raise RuntimeError(f"matmul: a dense {a.ndim}-D tensor times a sparse "
                               f"{b.name} tensor of shape {b.shape} is supported for a 2-D "
                               f"dense matrix and a 2-D sparse one only")
        return matmul(b.transpose(), np.asarray(a).T).T
    if not isinstance(b, _ndarray):
        raise TypeError(f"matmul: expected a dense tensor beside the sparse one, got "
                        f"{type(b).__name__}")
    if a.dense_dim:
        raise unsupported_layout(a.sparse_layout, "matmul with dense dims", NotImplementedError)
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR.get(a.dtype.name, a.dtype.name)} but "
                           f"found {_SCALAR.get(b.dtype.name, b.dtype.name)} (matmul of a sparse "
                           f"{a.name} and a dense tensor: convert one with .to())")
    nb = a.batch_ndim
    vec = b.ndim == 1
    if vec:
        b = b[:, None]
    if a.shape[nb + 1] != b.shape[-2]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[nb]}x"
                           f"{a.shape[nb + 1]} and {b.shape[-2]}x{b.shape[-1]})")
    if nb == 0:
        if b.ndim != 2:
            raise RuntimeError(f"matmul: a 2-D sparse {a.name} matrix times a dense tensor of "
                               f"shape {tuple(b.shape)}: gradkit takes a matrix or a vector")
        out = _mm2(a, b)
        return out[:, 0] if vec else out
    batch = a.shape[:nb]
    B = math.prod(batch)
    bb = np.broadcast_to(b, batch + b.shape[-2:]).reshape((B,) + b.shape[-2:])
    comp = a.compressed.reshape(B, -1)
    plain = a.plain.reshape(B, -1)
    vals = a.values.reshape((B,) + a.values.shape[nb:])
    rows_shape = a.shape[nb:nb + 2]
    outs = [_mm2(SparseCompressed(a.sparse_layout, comp[i], plain[i], vals[i], rows_shape),
                 bb[i]) for i in range(B)]
    out = np.stack(outs) if outs else np.zeros((0, a.shape[nb], b.shape[-1]), dtype=a.dtype)
    out = out.reshape(batch + out.shape[1:])
    return out[..., 0] if vec else out


def _sparse_sparse(a, b):
    """``a @ b`` of two 2-D CSR/CSC matrices: a sparse result in ``a``'s layout holding every
    position some pair of entries reaches (as PyTorch, zeros by cancellation kept). Computed
    on the dense forms: meant for the moderate sizes a NumPy program handles."""
    if a.batch_ndim or b.batch_ndim or a.dense_dim or b.dense_dim or \
            is_block(a.sparse_layout) or is_block(b.sparse_layout) or a.ndim != 2 or b.ndim != 2:
        raise unsupported_layout(a.sparse_layout, f"matmul of {a.name} {a.shape} and {b.name} "
                                 f"{b.shape} (gradkit multiplies 2-D CSR/CSC matrices)",
                                 NotImplementedError)
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                           f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR.get(a.dtype.name, a.dtype.name)} but "
                           f"found {_SCALAR.get(b.dtype.name, b.dtype.name)}")
    reach = np.matmul(a.with_values(np.ones(a.nnz, np.int64)).to_dense(),
                      b.with_values(np.ones(b.nnz, np.int64)).to_dense()) > 0
    prod = np.matmul(a.to_dense(), b.to_dense())
    row = is_row_major(a.sparse_layout)
    mask = reach if row else reach.T
    major, minor = np.nonzero(mask)
    vals = prod[major, minor] if row else prod[minor, major]
    return _assemble(a.sparse_layout, prod.shape, 0, np.zeros(major.size, np.int64), major,
                     minor, vals, mask.shape[0], a.compressed.dtype)

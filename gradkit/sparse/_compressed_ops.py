"""Sparse compressed tensors (CSR, CSC, BSR, BSC) as Tensors: construction with PyTorch's
invariant checks, conversions to and from dense and COO tensors, the index accessors.

Each conversion is a primitive (``Op``) with a backward rule on arrays: a gradient reaching a
compressed tensor is a :class:`SparseCompressed` or a dense array (a product with a dense matrix
gives a dense one, as PyTorch's MmBackward); the rules read either on the tensor's own pattern.
Double backward through these ops is refused, as for the COO ops.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype
from .._backend import numpy_ns
from .._tensor import record as _record
from .._tensor.record import apply1
from .._tensor.tensor import Tensor, _make, wrap
from ..autograd.graph import SAVES_OUTPUT, Op
from ._compressed import (
    LAYOUT_NAMES,
    SparseCompressed,
    from_dense,
    is_block,
    is_row_major,
    unsupported_layout,
)
from ._coo import SparseCOO, layout, sparse_bsc, sparse_bsr, sparse_coo, sparse_csc, sparse_csr
from ._ops import _arrays_only

__all__ = ["CheckInvariants", "check_sparse_tensor_invariants", "col_indices", "crow_indices",
           "ccol_indices", "row_indices", "sparse_bsc_tensor", "sparse_bsr_tensor",
           "sparse_compressed_tensor", "sparse_csc_tensor", "sparse_csr_tensor",
           "to_compressed", "is_compressed"]

_COMPRESSED = (sparse_csr, sparse_csc, sparse_bsr, sparse_bsc)


def is_compressed(t) -> bool:
    return type(t._data) is SparseCompressed


def layout_name(t) -> str:
    """PyTorch's name of ``t``'s layout in its messages (Strided, Sparse, SparseCsr, ...)."""
    d = t._data
    if type(d) is SparseCompressed:
        return d.name
    return "Sparse" if type(d) is SparseCOO else "Strided"


# ------------------------------------------------------------------ primitives
def _from_values_f(xp, values, lay, comp, plain, shape):
    out = SparseCompressed(lay, comp, plain, values, shape)
    return out, (out,)


def _from_values_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "sparse_compressed_tensor")
    return (aux[0].pattern_of(g),)


FROM_VALUES = Op("SparseCompressedTensor", _from_values_f, _from_values_b, saves=0,
                 returns_aux=True)


def _to_dense_f(xp, s):
    return s.to_dense(), (s,)


def _to_dense_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "to_dense")
    s = aux[0]
    return (s.with_values(s.pattern_of(g)),)


TO_DENSE = Op("ToDense", _to_dense_f, _to_dense_b, saves=0, returns_aux=True)


def _dense_grad(g):
    return g.to_dense() if type(g) in (SparseCompressed, SparseCOO) else g


def _to_compressed_f(xp, x, lay, blocksize, dense_dim, index_dtype, name):
    if type(x) is SparseCompressed:
        if is_block(lay) == is_block(x.sparse_layout) and \
                (not is_block(lay) or tuple(blocksize) == x.blocksize):
            return x.to_layout(lay), (x,)
        x_dense = x.to_dense()  # another block size: through the dense form (zeros dropped)
        return from_dense(x_dense, lay, blocksize, x.dense_dim, x.compressed.dtype, name), (x,)
    if type(x) is SparseCOO:
        c = x.coalesce()
        return from_dense(x.to_dense(), lay, blocksize, dense_dim, index_dtype, name), (c,)
    return from_dense(x, lay, blocksize, dense_dim, index_dtype, name), (None,)


def _to_compressed_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "to_sparse")
    src = aux[0]
    if src is None:  # from a dense tensor: the gradient's dense form
        return (_dense_grad(g),)
    if type(src) is SparseCOO:  # from a COO tensor: on its (coalesced) pattern
        g = _dense_grad(g)
        return (SparseCOO(src.indices, g[tuple(src.indices)], src.shape, True),)
    if type(g) is SparseCompressed and g.blocksize == src.blocksize and \
            is_block(g.sparse_layout) == is_block(src.sparse_layout):
        return (src.with_values(src.pattern_of(g.to_layout(src.sparse_layout))),)
    return (src.with_values(src.gather(_dense_grad(g))),)


def _conversion(name):
    return Op(name, _to_compressed_f, _to_compressed_b, saves=0, returns_aux=True)


TO_CSR, TO_CSC = _conversion("ToSparseCsr"), _conversion("ToSparseCsc")
TO_BSR, TO_BSC = _conversion("ToSparseBsr"), _conversion("ToSparseBsc")
_TO = {sparse_csr: TO_CSR, sparse_csc: TO_CSC, sparse_bsr: TO_BSR, sparse_bsc: TO_BSC}


def _to_coo_f(xp, s):
    """Every stored element (each element of a stored block, row by row) as a COO entry, in
    stored order; the batch dims become sparse dims too. As PyTorch's ``to_sparse()``, only a
    CSR source gives a tensor marked coalesced."""
    nb = s.batch_ndim
    batch, brow, bcol, vals = s.entries()
    br, bc = s.blocksize
    dense = s.shape[nb + 2:]
    if is_block(s.sparse_layout):
        ii, jj = np.meshgrid(np.arange(br), np.arange(bc), indexing="ij")
        rows = (brow[:, None] * br + ii.ravel()).ravel()
        cols = (bcol[:, None] * bc + jj.ravel()).ravel()
        batch = np.repeat(batch, br * bc)
        vals = vals.reshape((-1,) + dense)
    else:
        rows, cols = brow, bcol
    bidx = np.stack(np.unravel_index(batch, s.shape[:nb])) if nb else np.zeros((0, batch.size),
                                                                                np.int64)
    idx = np.concatenate([bidx, rows[None], cols[None]]).astype(np.int64)
    coo = SparseCOO(idx, np.ascontiguousarray(vals), s.shape, s.sparse_layout is sparse_csr)
    return coo, (s,)


def _to_coo_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "to_sparse")
    s = aux[0]
    return (s.with_values(s.gather(_dense_grad(g))),)


TO_COO = Op("ToSparse", _to_coo_f, _to_coo_b, saves=0, returns_aux=True)


def _values_f(xp, s):
    return s.values, (s,)


def _values_b(xp, g, ins, out, aux, needs):
    _arrays_only(xp, "values")
    return (aux[0].with_values(g),)


VALUES = Op("Values", _values_f, _values_b, saves=0, returns_aux=True)


# ------------------------------------------------------------------ elementwise ops on values
_ELEMENTWISE = ("gradkit.ops.elementwise", "gradkit.ops.activation")
_ON_VALUES = {}
# the one-input ops PyTorch computes on these layouts (its SparseCsr kernels), by Op name
_KERNELS = {"Neg", "Abs", "Relu", "Sin", "Sinh", "Tanh", "Sqrt", "Asin", "Asinh", "Atan",
            "Atanh", "Expm1", "Log1p", "Erf", "ToCopy", "Mul", "ZeroGrad"}


def _first_compressed(*xs):
    for x in xs:
        if type(x) is SparseCompressed:
            return x
    return None


def on_values(op):
    """The Op running the one-input elementwise ``op`` on a compressed tensor's values, the
    pattern kept (PyTorch's kernels for these layouts, ops with ``f(0) == 0``: neg, abs, relu,
    sin, sqrt, tanh, ..., a cast, a product with a number); any other elementwise op raises
    PyTorch's "unsupported tensor layout". Its backward runs ``op``'s own rule on the values.
    Any other op is returned as it is."""
    w = _ON_VALUES.get(op)
    if w is not None:
        return w
    # (the module of the op's own forward: bfloat16 support may have wrapped it)
    if getattr(getattr(op.forward, "__wrapped__", op.forward), "__module__", "") \
            not in _ELEMENTWISE:
        return op

    def forward(xp, s, *params):
        zero = op.forward(numpy_ns, np.zeros(1, s.dtype), *params)
        if op.returns_aux:
            zero = zero[0]
        if op.name not in _KERNELS or not isinstance(zero, np.ndarray) or \
                zero.shape != (1,) or zero[0] != 0:
            raise unsupported_layout(s.sparse_layout, op.name.lower())
        r = op.forward(xp, s.values, *params)
        if op.returns_aux:
            return s.with_values(r[0]), r[1]
        return s.with_values(r)

    def backward(xp, g, ins, out, aux, needs):
        _arrays_only(xp, op.name.lower())
        ins = ins or (None,)
        pattern = _first_compressed(out, ins[0], g)
        if pattern is None:
            return op.backward(xp, g, ins, out, aux, needs)
        gv = pattern.pattern_of(g)
        iv = tuple(x.values if type(x) is SparseCompressed else x for x in ins)
        ov = out.values if type(out) is SparseCompressed else out
        (r,) = op.backward(xp, gv, iv, ov, aux, needs)
        return (pattern.with_values(r),)

    w = Op(op.name, forward, backward, saves=op.saves | SAVES_OUTPUT,
           returns_aux=op.returns_aux)
    w.default_cls, w.node_cls, w.aux_namer = op.default_cls, op.node_cls, op.aux_namer
    _ON_VALUES[op] = w
    return w


_record.COMPRESSED_OP[0] = on_values


# ------------------------------------------------------------------ invariants
class CheckInvariants:
    """``torch.sparse.check_sparse_tensor_invariants``: a context manager (and decorator)
    turning the invariant checks of the sparse constructors on (``enable()``/``disable()``/
    ``is_enabled()`` globally). gradkit always checks the structure of a compressed tensor (a
    malformed one cannot be computed with); the flag adds PyTorch's dtype check of the two
    index tensors, which are otherwise both made int64 when they differ."""

    _enabled = [False]
    _explicit = [False]  # set by enable()/disable()/the context manager: no implicit warning

    def __init__(self, enable=True):
        self.state = bool(enable)
        self.saved = None

    @staticmethod
    def is_enabled() -> bool:
        return CheckInvariants._enabled[0]

    @staticmethod
    def enable() -> None:
        CheckInvariants._enabled[0] = True
        CheckInvariants._explicit[0] = True

    @staticmethod
    def disable() -> None:
        CheckInvariants._enabled[0] = False
        CheckInvariants._explicit[0] = True

    def __enter__(self):
        self.saved = CheckInvariants._enabled[0]
        CheckInvariants._enabled[0] = self.state
        CheckInvariants._explicit[0] = True
        return self

    def __exit__(self, *exc):
        CheckInvariants._enabled[0] = self.saved
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def run(*args, **kwargs):
            with CheckInvariants(self.state):
                return fn(*args, **kwargs)

        return run


check_sparse_tensor_invariants = CheckInvariants


def warn_implicit_invariants(check_invariants) -> None:
    """PyTorch 2.13's once-per-process warning when a sparse constructor is called without
    ``check_invariants`` before the program chose a setting."""
    from .._warnings import warn_once

    if check_invariants is None and not CheckInvariants._explicit[0]:
        warn_once("sparse implicit invariants",
                  "Sparse invariant checks are implicitly disabled. Memory errors (e.g. "
                  "SEGFAULT) will occur when operating on a sparse tensor which violates the "
                  "invariants, but checks incur performance overhead. To silence this warning, "
                  "explicitly opt in or out. See "
                  "`torch.sparse.check_sparse_tensor_invariants.__doc__` for guidance. ")




def _names(lay):
    if is_row_major(lay):
        return "crow_indices", "col_indices", "nrows", "ncols", "rows"
    return "ccol_indices", "row_indices", "ncols", "nrows", "columns"


def _index(x, what):
    arr = np.asarray(x._data) if isinstance(x, Tensor) else np.asarray(x)
    if isinstance(x, Tensor) and type(x._data) is not np.ndarray:
        raise TypeError(f"{what} must be a dense (strided) tensor, got layout "
                        f"{layout_name(x)}")
    if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
        return arr, False
    return arr, True


def _check(lay, comp, plain, vals, shape, nb, block, check):
    """PyTorch's ``_validate_sparse_compressed_tensor_args``: the same checks, in its order,
    with its messages."""
    cname, pname, nmajor, nminor, what = _names(lay)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"sparse_compressed_tensor(): the size {tuple(shape)} has a negative "
                           f"dimension")
    bdim = 2 if block else 0
    dense_dim = vals.ndim - nb - 1 - bdim
    if len(shape) != nb + 2 + dense_dim:
        raise RuntimeError(f"tensor dimensionality must be sum of batch, base, and dense "
                           f"dimensionalities (={nb} + 2 + {dense_dim}) but got {len(shape)}")
    if comp.shape[:-1] != plain.shape[:-1] or tuple(vals.shape[:nb]) != comp.shape[:-1] or \
            tuple(shape[:nb]) != comp.shape[:-1]:
        raise RuntimeError(f"all batch dimensions of {cname} (={list(comp.shape[:-1])}), "
                           f"{pname} (={list(plain.shape[:-1])}), and values "
                           f"(={list(vals.shape[:nb])}) must be equal to tensor batch "
                           f"dimensions (={list(shape[:nb])})")
    rows, cols = shape[nb], shape[nb + 1]
    br, bc = vals.shape[nb + 1:nb + 3] if block else (1, 1)
    for i, (size, b) in enumerate(((rows, br), (cols, bc)) if block else ()):
        if b < 1 or size % b:
            raise RuntimeError(f"tensor shape[{nb + i}] (={size}) must be divisible with "
                               f"blocksize[{i}] (={b}) as defined by values shape")
    if block:
        what = "row blocks" if is_row_major(lay) else "column blocks"
    n_major, n_minor = (rows // br, cols // bc) if is_row_major(lay) else (cols // bc,
                                                                          rows // br)
    if comp.shape[-1] != n_major + 1:
        raise RuntimeError(f"{cname}.shape[-1] must be equal to the number of {what} + 1 "
                           f"(={n_major + 1}), but got {comp.shape[-1]}")
    nnz = vals.shape[nb]
    if plain.shape[-1] != nnz:
        raise RuntimeError(f"{pname}.shape[-1] must be equal to nnz (={nnz}) as defined by "
                           f"values.shape[{nb}], but got {plain.shape[-1]}")
    dense = tuple(vals.shape[nb + 1 + (2 if block else 0):])
    if tuple(shape[nb + 2:]) != dense:
        raise RuntimeError(f"the dense dims of size {tuple(shape[nb + 2:])} must equal those of "
                           f"values {dense} (values.shape {tuple(vals.shape)})")
    c2 = comp.reshape(-1, comp.shape[-1])
    if c2.size and np.any(c2[:, 0] != 0):
        raise RuntimeError(f"`{cname}[..., 0] == 0` is not satisfied.")
    if c2.size and np.any(c2[:, -1] != nnz):
        raise RuntimeError(f"`{cname}[..., -1] == nnz` is not satisfied.")
    steps = np.diff(c2, axis=1)
    if steps.size and (steps.min() < 0 or steps.max() > n_minor):
        raise RuntimeError(f"`0 <= {cname}[..., 1:] - {cname}[..., :-1] <= {nminor}` is not "
                           f"satisfied.")
    if plain.size and (plain.min() < 0 or plain.max() >= n_minor):
        raise RuntimeError(f"`0 <= {pname} < {nminor}` is not satisfied.")
    if nnz > 1:
        p2 = plain.reshape(-1, nnz)
        up = p2[:, 1:] > p2[:, :-1]  # within a row strictly increasing, except at row starts
        starts = np.zeros((p2.shape[0], nnz), dtype=bool)
        for b in range(p2.shape[0]):
            starts[b, c2[b, 1:-1][c2[b, 1:-1] < nnz]] = True
        if not np.all(up | starts[:, 1:]):
            raise RuntimeError(
                f"`{pname}[..., {cname}[..., i - 1]:{cname}[..., i]] for all i = 1, ..., "
                f"{nmajor} are sorted and distinct along the last dimension values` is not "
                f"satisfied.")


def sparse_compressed_tensor(compressed_indices, plain_indices, values, size=None, *,
                             dtype=None, layout=None, device=None, pin_memory=False,
                             requires_grad=False, check_invariants=None):
    """A sparse compressed tensor (PyTorch's ``torch.sparse_compressed_tensor``).

    Args:
        compressed_indices: ``(*batch, n + 1)`` int32/int64: where the entries of each row
            (CSR/BSR; column for CSC/BSC; in blocks for BSR/BSC) start.
        plain_indices: ``(*batch, nnz)``, the same dtype: each entry's column (row).
        values: ``(*batch, nnz, [br, bc,] *dense)``; differentiable.
        size: the full shape; default: the smallest that holds the indices.
        dtype: the values' dtype (default: theirs).
        layout: ``gradkit.sparse_csr``, ``sparse_csc``, ``sparse_bsr`` or ``sparse_bsc``.
        device: ``"cpu"`` only.
        requires_grad: make the result a leaf that requires grad.
        check_invariants: also require the two index dtypes to agree (the structure is always
            checked, with PyTorch's messages; PyTorch checks it only when asked).

    Returns:
        A Tensor whose ``layout`` is ``layout``.

    Example:
        >>> a = gradkit.sparse_csr_tensor(gradkit.tensor([0, 1, 3]), gradkit.tensor([1, 0, 2]),
        ...                               gradkit.tensor([1.0, 2.0, 3.0]), (2, 3))
        >>> (a @ gradkit.ones(3, 1)).flatten().tolist()
        [1.0, 5.0]
    """
    from ..factories import tensor as _tensor

    if layout not in _COMPRESSED:
        raise RuntimeError(f"sparse_compressed_tensor expected sparse compressed tensor layout "
                           f"but got {_layout_word(layout)}")
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(f"sparse_compressed_tensor(): gradkit keeps sparse tensors on the "
                           f"CPU, got device={device!r}")
    cname, pname = _names(layout)[:2]
    comp, comp_int = _index(compressed_indices, cname)
    plain, plain_int = _index(plain_indices, pname)
    warn_implicit_invariants(check_invariants)
    if check_invariants is None:
        check_invariants = CheckInvariants.is_enabled()
    if comp.dtype != plain.dtype and (check_invariants or not (comp_int and plain_int)):
        t = {"int64": "Long", "int32": "Int", "float32": "Float", "float64": "Double"}
        raise RuntimeError(f"{cname} and {pname} must have the same dtype, bot got "
                           f"{t.get(comp.dtype.name, comp.dtype.name)} and "
                           f"{t.get(plain.dtype.name, plain.dtype.name)}, respectively")
    if not comp_int or not plain_int:
        bad = comp if not comp_int else plain
        raise RuntimeError(f"{cname if not comp_int else pname} must be an int32 or int64 type, "
                           f"but got: {bad.dtype}")
    # int32 or int64 each (PyTorch keeps two different ones when unchecked); others as int64
    comp, plain = (a.astype(a.dtype if a.dtype in (np.int32, np.int64) else np.int64)
                   for a in (comp, plain))
    if comp.ndim < 1:
        raise RuntimeError(f"{cname} must have dim >= 1 but got {cname}.dim() = 0")
    if comp.ndim != plain.ndim:
        raise RuntimeError(f"{cname} and {pname} dimensionalities must be equal but got "
                           f"{comp.ndim} and {plain.ndim}, respectively")
    vals = values if isinstance(values, Tensor) else _tensor(values)
    if type(vals._data) is not np.ndarray:
        raise TypeError(f"sparse_compressed_tensor(): values must be a dense tensor, got layout "
                        f"{layout_name(vals)}")
    if dtype is not None:
        vals = vals.to(_dtype.to_dtype(dtype))
    nb = comp.ndim - 1
    block = is_block(layout)
    need = nb + 1 + (2 if block else 0)
    if vals.ndim < need:
        raise RuntimeError(f"values must have dimensionality > sum of batch and block "
                           f"dimensionalities (={nb} + {need - nb - 1}) but got {vals.ndim}")
    if size is None:
        br, bc = tuple(vals.shape[nb + 1:nb + 3]) if block else (1, 1)
        n_major = comp.shape[-1] - 1
        n_minor = int(plain.max()) + 1 if plain.size else 0
        rows, cols = (n_major, n_minor) if is_row_major(layout) else (n_minor, n_major)
        size = comp.shape[:-1] + (rows * br, cols * bc) + \
            tuple(vals.shape[nb + 1 + (2 if block else 0):])
    shape = (size,) if isinstance(size, numbers.Integral) else tuple(int(s) for s in size)
    _check(layout, comp, plain, vals._data, shape, nb, block, check_invariants)
    if requires_grad:
        if vals.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        vals = vals.detach()
    if vals.requires_grad:
        return apply1(FROM_VALUES, vals, (layout, comp, plain, shape))
    out = _make(SparseCompressed(layout, comp, plain, vals._data, shape), False, None)
    if requires_grad:
        out.requires_grad = True
    return out


def _layout_word(lay):
    if lay is None:
        return "none"
    if isinstance(lay, layout):
        return {sparse_coo: "Sparse"}.get(lay, "Strided")
    return repr(lay)


def _maker(lay, cname, pname):
    def make(compressed_indices=None, plain_indices=None, values=None, size=None, *,
             dtype=None, device=None, pin_memory=False, requires_grad=False,
             check_invariants=None, **names):
        ci = names.pop(cname, compressed_indices)
        pi = names.pop(pname, plain_indices)
        if names:
            raise TypeError(f"sparse_{lay!r}_tensor() got an unexpected keyword argument "
                            f"'{next(iter(names))}'")
        return sparse_compressed_tensor(ci, pi, values, size, dtype=dtype, layout=lay,
                                        device=device, requires_grad=requires_grad,
                                        check_invariants=check_invariants)

    kind = {sparse_csr: "csr", sparse_csc: "csc", sparse_bsr: "bsr", sparse_bsc: "bsc"}[lay]
    make.__name__ = make.__qualname__ = f"sparse_{kind}_tensor"
    make.__doc__ = (f"A sparse {kind.upper()} tensor from ``{cname}``, ``{pname}`` and "
                    f"``values`` (PyTorch's ``torch.sparse_{kind}_tensor``); see "
                    f":func:`sparse_compressed_tensor`.")
    return make


sparse_csr_tensor = _maker(sparse_csr, "crow_indices", "col_indices")
sparse_csc_tensor = _maker(sparse_csc, "ccol_indices", "row_indices")
sparse_bsr_tensor = _maker(sparse_bsr, "crow_indices", "col_indices")
sparse_bsc_tensor = _maker(sparse_bsc, "ccol_indices", "row_indices")


# ------------------------------------------------------------------ conversions and accessors
def to_compressed(t, lay, blocksize=None, dense_dim=None, name=None):
    """``t`` (dense, COO or compressed) in the compressed layout ``lay``; differentiable."""
    kind = LAYOUT_NAMES[lay][6:].lower()
    name = name or f"to_sparse_{kind}"
    d = t._data
    if is_block(lay):
        if blocksize is None:
            src = "Strided" if type(d) is np.ndarray else layout_name(t)
            if type(d) is SparseCompressed and is_block(d.sparse_layout):
                blocksize = d.blocksize
            else:
                raise RuntimeError(f"{'dense_to_sparse' if src == 'Strided' else 'to_sparse'}: "
                                   f"conversion from {src} to {LAYOUT_NAMES[lay]} without "
                                   f"blocksize argument given is not supported")
        if isinstance(blocksize, numbers.Integral) or len(tuple(blocksize)) != 2:
            raise RuntimeError(f"{name}: blocksize needs to be a tuple of size 2, but got "
                               f"{blocksize!r}")
        blocksize = tuple(int(b) for b in blocksize)
        if min(blocksize) < 1:
            raise RuntimeError(f"{name}: blocksize must be positive, got {blocksize}")
    elif blocksize is not None:
        raise RuntimeError(f"{name}: blocksize is for the block layouts (BSR/BSC), got "
                           f"blocksize={blocksize!r} for {LAYOUT_NAMES[lay]}")
    if type(d) is SparseCompressed:
        if dense_dim is not None and dense_dim != d.dense_dim:
            raise RuntimeError(f"{name}: conversion to another dense_dim ({dense_dim}) from a "
                               f"{d.name} tensor with {d.dense_dim} dense dims is not supported")
        if d.sparse_layout is lay and (not is_block(lay) or blocksize == d.blocksize):
            return t
        if d.batch_ndim and is_block(lay) != is_block(d.sparse_layout):
            raise RuntimeError(f"{name}: conversion of a batched {d.name} tensor to "
                               f"{LAYOUT_NAMES[lay]} is not supported; convert per batch")
        return apply1(_TO[lay], t, (lay, blocksize, 0, None, name))
    if type(d) is SparseCOO:
        if d.ndim - d.dense_dim < 2:
            raise RuntimeError(f"{name}: expected a sparse COO tensor of at least 2 sparse dims, "
                               f"got shape {d.shape} with {d.dense_dim} dense dims")
        # (a hybrid COO tensor's dense dims stay dense dims, as in PyTorch's conversion)
        return apply1(_TO[lay], t, (lay, blocksize, d.dense_dim, np.int64, name))
    if type(d) is not np.ndarray:
        raise RuntimeError(f"{name}: gradkit makes sparse tensors from CPU tensors only, got a "
                           f"tensor on {t.device}")
    dd = 0 if dense_dim is None else int(dense_dim)
    if t.ndim - dd < 2:
        raise RuntimeError(f"{name}: expected a tensor of at least {2 + dd} dims (2 sparse dims"
                           f" + {dd} dense dims), got shape {tuple(t.shape)}")
    if name.startswith("to_sparse_"):  # (PyTorch's name for the dense source's kernel)
        name = "dense_" + name
    return apply1(_TO[lay], t, (lay, blocksize, dd, np.int64, name))


def to_coo(t):
    """A compressed tensor as a coalesced sparse COO tensor (PyTorch's ``to_sparse()``)."""
    return apply1(TO_COO, t)


def to_dense(t, dtype=None):
    if dtype is not None:
        raise RuntimeError("dtype argument is not supported by sparse_csr_to_dense (convert "
                           "afterwards: x.to_dense().to(dtype))")
    return apply1(TO_DENSE, t)


def values(t):
    return apply1(VALUES, t)


def _accessor(t, name, row):
    d = t._data
    if type(d) is not SparseCompressed or is_row_major(d.sparse_layout) != row:
        want = "row" if row else "column"
        raise RuntimeError(f"{name} expected sparse {want} compressed tensor layout but got "
                           f"{layout_name(t)}")
    return d


def crow_indices(t):
    return wrap(_accessor(t, "crow_indices", True).compressed)


def col_indices(t):
    return wrap(_accessor(t, "col_indices", True).plain)


def ccol_indices(t):
    return wrap(_accessor(t, "ccol_indices", False).compressed)


def row_indices(t):
    return wrap(_accessor(t, "row_indices", False).plain)

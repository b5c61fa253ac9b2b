"""Products: ``matmul``, ``mm``, ``bmm``, ``mv``, ``dot``/``vdot``/``inner``, ``outer``, the fused
``addmm``/``addmv``/``addr``/``addbmm``/``baddbmm``, ``chain_matmul``, ``einsum``, ``tensordot``,
``kron``, ``cdist``, ``dist``. Primitives are in ``gradkit/ops/linalg.py``."""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._int_range import float_param
from .._linalg.deprecated import deprecated
from .._stride_order import insertion_order
from .._tensor import torch_function as _tf
from .._tensor.record import apply, apply2
from .._tensor.tensor import Tensor, as_tensor_arg
from ..amp._state import CPU as _AUTOCAST
from ..amp._state import lower as _ac_lower
from ..amp._state import run_fp32 as _ac_run_fp32
from ..amp._state import run_unlisted as _ac_run_unlisted
from ..autograd.graph import Shown, edge_of, present, rename
from ..ops import linalg as L
from ..ops.linear import SCALED_PRODUCT as _SCALED_PRODUCT
from ._args import (
    _deferring,
    _dim_in,
    _dims_tuple,
    _t,
    _tensor_attr_arg,
    builtins_max,
    builtins_min,
)
from ._registry import declare, out_rule_of_call, tensor_method, write_inplace
from ._views import view_strides
from .elementwise import abs, sqrt, where
from .reduction import amax, norm, sum
from .shape import broadcast_to, permute

__all__ = ["addbmm", "addmm", "addmv", "addr", "baddbmm", "bmm", "cdist", "chain_matmul", "dist",
    "dot", "einsum", "inner", "kron", "matmul", "mm", "mv", "outer", "tensordot", "vdot"]


@declare(out="same")
def matmul(input, other):
    """Matrix product with PyTorch's rules for 1-D operands and broadcast batch dimensions."""
    a, b = _t(input), _t(other, "other")
    if _AUTOCAST[0]:  # autocast("cpu") region: bfloat16 inputs, float32 accumulation
        a, b = _ac_lower(a, b)
    bmm_path = False
    if a.dtype != b.dtype or a.dtype.kind == "b":
        bmm_path = _bmm_path(a, b)
        empty = _empty_product(a, b, bmm_path)
        if empty is not None:
            return empty
        # PyTorch's bmm checks the shapes, then Bool, then the dtypes; its mm/mv/dot compare the
        # dtypes first
        if a.dtype != b.dtype and not (bmm_path and a.dtype.kind == "b"):
            _same_dtype("matmul", ("input", a), ("other", b))  # (products do not promote)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need to be at least 1D, but they are {a.ndim}D and {b.ndim}D "
            f"(shapes {tuple(a.shape)} and {tuple(b.shape)}); use * for scalar products"
        )
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if ka != kb:
        raise RuntimeError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied: the "
            f"last dimension of the first ({ka}) must equal the "
            f"{'second-to-last' if b.ndim >= 2 else 'only'} dimension of the second ({kb})"
        )
    if a.ndim > 2 or b.ndim > 2:
        for x, y in zip(reversed(a.shape[:-2]), reversed(b.shape[:-2])):
            if x != y and x != 1 and y != 1:
                raise RuntimeError(
                    f"matmul: batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                    f"broadcast together ({x} against {y})"
                )
    if a.dtype.kind == "b":  # PyTorch has no Bool kernel for products
        raise _no_bool_kernel("matmul", _bool_kernel(a.ndim, b.ndim, bmm_path))
    if a.ndim == 1 and b.ndim == 1:  # int32 stays int32, as PyTorch's dot
        return present(sum(a * b, dtype=a.dtype), "DotBackward0", (a, b))
    if a.ndim == 1:
        out = apply2(L.MATMUL, a.unsqueeze(0), b).squeeze(-2)
        if b.ndim < 3 or out.grad_fn is None:  # PyTorch squeezes its mm in place (squeeze_)
            return rename(out, "SqueezeBackward4", a) if b.ndim == 2 else out
        if b.requires_grad and not a.requires_grad:  # unfolded: the bmm's view is on top
            inner = out.grad_fn.next_functions[0][0]
            return present(out, "UnsafeViewBackward0", (inner.next_functions[0][0],))
        # PyTorch folds b's batch (unless only b needs a gradient): _unsafe_view of
        # b.mT reshaped (a clone) .mv(a); shown as such
        eb = edge_of(b)
        if eb is not None:
            eb = Shown("UnsafeViewBackward0", (Shown("CloneBackward0", (
                Shown("TransposeBackward0", (eb,)),)),))
        return present(out, "UnsafeViewBackward0", (Shown("MvBackward0", (eb, edge_of(a))),))
    if b.ndim == 1:
        out = apply2(L.MATMUL, a, b.unsqueeze(-1)).squeeze(-1)
        return present(out, "MvBackward0", (a, b)) if a.ndim == 2 else out
    return apply2(L.MATMUL, a, b)


def _bmm_path(a, b):
    """Whether PyTorch's matmul of these operands runs one bmm of both expanded to a common
    batch rather than a single mm/mv: its ``should_fold`` folds a batched operand of 3+ dims
    against a matrix or a vector into one mm/mv when the other operand requires a gradient, or
    (unless the smaller operand is a matrix) when the batched one is empty or its batch
    dimensions are laid out contiguously (so that it views as a matrix without a copy; a batched
    ``other`` is read transposed). Two batched operands always take bmm."""
    if a.ndim < 1 or b.ndim < 1 or a.ndim < 3 and b.ndim < 3:
        return False
    if a.ndim >= b.ndim:
        big, small = a, b
        shape, strides = tuple(a.shape), a.stride()
    else:
        big, small = b, a
        shape, strides = tuple(b.shape), b.stride()
        shape = shape[:-2] + (shape[-1], shape[-2])
        strides = strides[:-2] + (strides[-1], strides[-2])
    if small.ndim > 2:
        return True
    if small.requires_grad:
        return False
    if a.ndim == 2:
        return True
    if big.numel() == 0:
        return False
    return any(strides[i] != strides[i + 1] * shape[i + 1] for i in range(len(shape) - 2))


def _empty_product(a, b, bmm=True):
    """PyTorch's mm, mv and bmm return an empty result, or zeros for an empty contraction,
    before their kernels refuse Bool (dot does not); bmm (``bmm``: matmul takes that path, see
    ``_bmm_path``) also before it compares the dtypes, the result then in ``other``'s dtype.
    That result, or None where the kernel runs (shapes that do not fit are left to the callers'
    errors)."""
    if a.ndim < 1 or b.ndim < 1 or a.ndim == 1 and b.ndim == 1:
        return None
    if a.dtype != b.dtype and not bmm:
        return None
    k = a.shape[-1]
    if k != (b.shape[-2] if b.ndim >= 2 else b.shape[0]):
        return None
    try:
        batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    except ValueError:
        return None
    shape = tuple(batch) + ((a.shape[-2],) if a.ndim >= 2 else ()) + \
        ((b.shape[-1],) if b.ndim >= 2 else ())
    if math.prod(shape) and k:
        return None
    return b.new_zeros(shape)


def _no_bool_kernel(name, kernel):
    return NotImplementedError(f'{name}(): "{kernel}" not implemented for \'Bool\' (PyTorch '
                               f"multiplies numbers, not bools: convert with .int() or .float())")


def _bool_kernel(nda, ndb, bmm=False):
    """The CPU kernel PyTorch's matmul reaches for operands of these dimensions (``bmm``: see
    ``_bmm_path``)."""
    if nda == 1 and ndb == 1:
        return "dot"
    if bmm:
        return "bmm"
    # an operand folded into one matrix: mm, or mv against a vector
    return "addmv_impl_cpu" if ndb == 1 or nda == 1 and ndb >= 3 else "addmm_impl_cpu_"


@declare(out="same")
def mm(input, mat2):
    a, b = _t(input), _t(mat2, "mat2")
    if _AUTOCAST[0]:
        a, b = _ac_lower(a, b)
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(
            f"mm: expected 2-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mm: mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    return matmul(a, b)


@declare(out="same")
def bmm(input, mat2):
    a, b = _t(input), _t(mat2, "mat2")
    if _AUTOCAST[0]:
        a, b = _ac_lower(a, b)
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(
            f"bmm: expected 3-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"bmm: batch sizes differ: {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.shape[2] != b.shape[1]:
        raise RuntimeError(f"bmm: expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]; "
                           f"shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied")
    if a.dtype != b.dtype or a.dtype.kind == "b":
        empty = _empty_product(a, b)
        if empty is not None:
            return empty
    if a.dtype.kind == "b":  # PyTorch's bmm kernel refuses Bool before comparing dtypes
        raise _no_bool_kernel("bmm", "bmm")
    return present(matmul(a, b), "BmmBackward0", (a, b))


@declare(out=True, aliases=("ger",))
def outer(input, vec2):
    a, b = _t(input), _t(vec2, "vec2")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(
            f"outer: expected 1-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return a.reshape(-1, 1) * b  # as PyTorch's: MulBackward0 over ViewBackward0


@declare(out="same")
def dot(input, other):
    a, b = _t(input), _t(other, "other")
    if a.ndim != 1 or b.ndim != 1 or a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"dot: expected two 1-D tensors of the same size, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    _same_dtype("dot", ("input", a), ("other", b))
    if a.dtype.kind == "b":
        raise _no_bool_kernel("dot", "dot")
    return present(sum(a * b, dtype=a.dtype), "DotBackward0", (a, b))


def _sublist_equation(args):
    """PyTorch's sublist form ``(op, sublist, op, sublist, ..., [out])`` as (equation, ops):
    subscripts 0-25 are a-z, 26-51 A-Z, ``...`` (Ellipsis) an ellipsis."""
    def letters(sub):
        out = ""
        for i in sub:
            if i is Ellipsis:
                out += "..."
            elif not isinstance(i, int) or not 0 <= i < 52:
                raise ValueError("einsum(): subscript in subscript list is not within the valid "
                                 f"range [0, 52), got {i!r}")
            else:
                out += chr(ord("a") + i) if i < 26 else chr(ord("A") + i - 26)
        return out

    ops, subs = args[0::2], args[1::2]
    n = len(subs)
    equation = ",".join(letters(sub) for sub in subs) + (
        "->" + letters(ops[n]) if len(ops) > n else "")
    return equation, tuple(ops[:n])


@declare(method=False)
def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)`` or in sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``; differentiable in each operand."""
    if not operands:  # (PyTorch's Python check, before the equation's type)
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if not isinstance(equation, str):
        if not isinstance(equation, Tensor):  # (a Tensor: the sublist form)
            raise TypeError(f"einsum(): argument 'equation' (position 1) must be str, not "
                            f"{type(equation).__name__}")
        equation, operands = _sublist_equation((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
        if not operands:  # (an empty list of operands: the same check, as PyTorch's)
            raise ValueError("einsum(): must specify the equation string and at least one "
                             "operand, or at least one operand and its subscripts list")
    ops_ = [_t(o, "operand") for o in operands]
    subs, rhs = L.parse_einsum(equation, [o.shape for o in ops_])
    sizes = {}
    for s, o in zip(subs, ops_):
        for c, n in zip(s, o.shape):
            if sizes.setdefault(c, n) != n:
                raise RuntimeError(
                    f"einsum(): subscript {c!r} of {equation!r} has sizes {sizes[c]} and {n} "
                    f"(operand shapes {[tuple(o.shape) for o in ops_]}); every use of a "
                    f"subscript must have one size")
    if any(o.dtype.kind in "biu" for o in ops_) and _einsum_own_subscripts(subs, rhs):
        subs, ops_ = _einsum_integral_sums(subs, rhs, ops_)
    contracts = len(ops_) > 1 and _einsum_contracts(subs, rhs)
    mixed = any(o.dtype != ops_[0].dtype for o in ops_[1:])
    if len(ops_) > 2 and (_AUTOCAST[0] or ops_[0].dtype.itemsize == 2 or mixed
                          or contracts and ops_[0].dtype.kind == "b"):
        # where the steps' dtypes or roundings show (autocast, half types, mixed dtypes, the
        # bools a pair's bmm refuses unless one is empty)
        return _einsum_pairwise(subs, rhs, ops_)
    if len(ops_) == 2 and contracts and (mixed or ops_[0].dtype.kind == "b") and \
            _einsum_own_subscripts(subs, rhs):
        # an operand's own subscripts are summed out first (a bool one becomes int64) and
        # its bmm operand may be empty only before that
        return _einsum_pairwise(subs, rhs, ops_)
    empty_pair = contracts and len(ops_) == 2 and _einsum_bmm_empty(subs, rhs, ops_)
    if contracts and not empty_pair and ops_[0].dtype.kind == "b":  # (before the dtypes)
        raise _no_bool_kernel("einsum", "bmm")
    if _AUTOCAST[0] and contracts:
        # PyTorch's einsum contracts pairs with bmm (on the CPU autocast lower-precision
        # list): bfloat16 operands and result; a product with nothing summed stays as given
        ops_ = list(_ac_lower(*ops_))
    if any(o.dtype != ops_[0].dtype for o in ops_[1:]):
        if empty_pair:  # PyTorch's bmm of an empty pair checks no dtype: the second's zeros
            ops_ = [o if o.dtype == ops_[1].dtype else o.to(ops_[1].dtype) for o in ops_]
        elif contracts:  # PyTorch's bmm of the pair does not promote
            raise RuntimeError(f"einsum(): expected operands of one dtype, got "
                               f"{[str(x.dtype) for x in ops_]}; convert them first")
        # nothing summed between operands: PyTorch multiplies them (torch.mul), which
        # promotes (float32 keys times bfloat16 values under autocast give float32)
        dt = ops_[0].dtype
        for o in ops_[1:]:
            dt = _dtype.promote_types(dt, o.dtype)
        ops_ = [o if o.dtype == dt else o.to(dt) for o in ops_]
    return apply(L.EINSUM, ops_, (subs, rhs))


def _einsum_pairwise(subs, rhs, ops):
    """An einsum of three or more operands as PyTorch's (without opt_einsum) computes it: each
    operand's own summed subscripts summed out first, then the operands contracted left to
    right, each pair a product (promoting) or a batched matrix product (autocast's bfloat16
    list) with its result rounded to its dtype."""
    subs = list(subs)
    ops = list(ops)
    for i, s in enumerate(subs):  # subscripts only this operand has, and not in the output
        others = set(rhs).union(*(set(t) for j, t in enumerate(subs) if j != i))
        kept = "".join(c for c in dict.fromkeys(s) if c in others)
        if kept != s:
            ops[i] = einsum(f"{s}->{kept}", ops[i])
            subs[i] = kept
    cur_s, cur = subs[0], ops[0]
    for i in range(1, len(ops)):
        later = set(rhs).union(*(set(t) for t in subs[i + 1:]))
        out_s = "".join(c for c in dict.fromkeys(cur_s + subs[i]) if c in later)
        cur = einsum(f"{cur_s},{subs[i]}->{out_s}", cur, ops[i])
        cur_s = out_s
    return cur if cur_s == rhs else einsum(f"{cur_s}->{rhs}", cur)


def _einsum_own_subscripts(subs, rhs):
    """Whether an operand has a subscript neither another operand nor the output has."""
    return any(c not in rhs and not any(c in t for j, t in enumerate(subs) if j != i)
               for i, s in enumerate(subs) for c in s)


def _einsum_integral_sums(subs, rhs, ops):
    """The subscripts only one bool or integral operand has, summed out of it first as
    PyTorch's einsum does (with sum, which gives int64); its repeated subscripts (a diagonal)
    taken first. ``(subs, ops)`` with those operands replaced."""
    subs, ops = list(subs), list(ops)
    for i, s in enumerate(subs):
        if ops[i].dtype.kind not in "biu":
            continue
        others = set(rhs).union(*(set(t) for j, t in enumerate(subs) if j != i))
        uniq = "".join(dict.fromkeys(s))
        dims = [k for k, c in enumerate(uniq) if c not in others]
        if not dims:
            continue
        x = ops[i] if uniq == s else einsum(f"{s}->{uniq}", ops[i])  # (no sum: a diagonal)
        ops[i] = x.sum(dim=dims)
        subs[i] = "".join(c for c in uniq if c in others)
    return subs, ops


def _einsum_bmm_empty(subs, rhs, ops):
    """Whether the batched matrix product PyTorch's einsum makes of two operands has an empty
    operand: one whose dimensions left after summing out its own subscripts (those neither in
    the other operand nor in the output) hold no element."""
    for i, (s, o) in enumerate(zip(subs, ops)):
        other = set(subs[1 - i]) | set(rhs)
        n = 1
        for c, size in zip(s, o.shape):
            if c in other:
                n *= size
        if n == 0:
            return True
    return False


def _einsum_contracts(subs, rhs):
    """Whether some subscript of ``subs`` is shared by two operands and summed out."""
    seen = {}
    for s in subs:
        for c in set(s):
            seen[c] = seen.get(c, 0) + 1
    return any(n > 1 and c not in rhs for c, n in seen.items())


@declare(method=False, out="same")
def tensordot(a, b, dims=2):
    """Sum products over the last ``dims`` dimensions of ``a`` and the first of ``b``, or over
    the dimension lists ``dims = (dims_a, dims_b)``."""
    x, y = _tensor_attr_arg(a, "tensordot", "a"), _tensor_attr_arg(b, "tensordot", "b")
    if x.dtype != y.dtype:  # PyTorch checks the dtypes first, and does not promote
        raise RuntimeError(f"tensordot(): both inputs should have same dtype, got {x.dtype} and "
                           f"{y.dtype}; convert one first, e.g. b.to(a.dtype)")
    if isinstance(dims, Tensor):  # (one element: a count, as PyTorch's Python code reads it)
        dims = int(dims.item()) if dims.numel() == 1 else dims.tolist()
    if isinstance(dims, int):  # (a bool too; a NumPy integer is PyTorch's RuntimeError below)
        if dims < 0 or dims > builtins_min(x.ndim, y.ndim):
            raise RuntimeError(f"tensordot(): dims must be in [0, "
                               f"{builtins_min(x.ndim, y.ndim)}] for shapes {tuple(x.shape)} and "
                               f"{tuple(y.shape)}, got {dims}")
        da = list(range(x.ndim - dims, x.ndim))
        db = list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        da = list(_dims_tuple(dims[0], "tensordot", "dims"))
        db = list(_dims_tuple(dims[1], "tensordot", "dims"))
        if len(da) != len(db):  # (before the range of each dim, as PyTorch)
            raise RuntimeError(f"tensordot(): both dimension lists should have same length, "
                               f"got {da} and {db}")
        da = [_dim_in(k, x.ndim, "tensordot") for k in da]
        db = [_dim_in(k, y.ndim, "tensordot") for k in db]
    else:
        raise RuntimeError(f"tensordot(): dims must be an int or a pair of dim lists, got "
                           f"{dims!r}")
    for i, j in zip(da, db):
        if x.shape[i] != y.shape[j]:
            raise RuntimeError(f"tensordot(): contracted dimensions need the same size: a "
                               f"{tuple(x.shape)} dim {i} has {x.shape[i]}, b {tuple(y.shape)} "
                               f"dim {j} has {y.shape[j]}")
    if x.dtype.kind == "b":
        raise _no_bool_kernel("tensordot", "addmm_impl_cpu_")
    fa = [k for k in range(x.ndim) if k not in da]
    fb = [k for k in range(y.ndim) if k not in db]
    kk = math.prod(x.shape[i] for i in da)
    # explicit sizes: reshape(-1, kk) is ambiguous when kk is 0 (an empty contraction)
    xa = (permute(x, *(fa + da)) if x.ndim else x).reshape(math.prod(x.shape[k] for k in fa), kk)
    yb = (permute(y, *(db + fb)) if y.ndim else y).reshape(kk, math.prod(y.shape[k] for k in fb))
    out = matmul(xa, yb)
    return out.reshape(tuple(x.shape[k] for k in fa) + tuple(y.shape[k] for k in fb))


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


@declare(method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between each row of ``x1`` ``(*, P, M)`` and each row of ``x2``
    ``(*, R, M)``: ``(*, P, R)``, batch dimensions broadcast. For ``p=2`` with more than 25
    rows on a side (or ``compute_mode='use_mm_for_euclid_dist'``) it uses one matmul, as
    PyTorch. The gradient at a zero distance is 0 (PyTorch's matmul path gives NaN there)."""
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        return _ac_run_fp32(cdist, x1, x2, p, compute_mode)
    a, b = _t(x1, "x1"), _t(x2, "x2")
    if isinstance(p, Tensor):
        p = p.item()
    if not isinstance(p, (int, float, np.integer, np.floating, np.bool_)):
        raise TypeError(f"cdist(): argument 'p' must be float, not {type(p).__name__}")
    p = float(p) if isinstance(p, (bool, np.bool_)) else float_param(p)  # (a bool: 1 or 0)
    # PyTorch's checks, in its order, all RuntimeError
    for label, x in (("x1", a), ("x2", b)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist(): only supports at least 2D tensors, {label} got "
                               f"{x.ndim}D (shape {tuple(x.shape)})")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"cdist(): x1 and x2 must have the same number of columns, got shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}")
    for label, x in (("x1", a), ("x2", b)):
        if x.dtype.kind != "f":
            raise RuntimeError(f"cdist(): only supports floating-point dtypes, {label} got "
                               f"{x.dtype} (convert with .float())")
    if not p >= 0:  # (nan too)
        raise RuntimeError(f"cdist(): only supports non-negative p values, got {p!r}")
    if not isinstance(compute_mode, str) or compute_mode not in _CDIST_MODES:
        raise ValueError(f"cdist(): compute_mode must be one of {_CDIST_MODES}, got "
                         f"{compute_mode!r}")
    try:
        batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"cdist(): the batch dimensions of {tuple(a.shape)} and "
                           f"{tuple(b.shape)} do not broadcast") from None
    if a.dtype in (_dtype.float16, _dtype.bfloat16):  # the kernel dispatches on x1's dtype
        label = "Half" if a.dtype == _dtype.float16 else "BFloat16"
        raise NotImplementedError(f'cdist(): "cdist" not implemented for \'{label}\' (convert '
                                  f"with .float())")
    if a.dtype != b.dtype and not (a.numel() and b.numel()):
        b = b.to(a.dtype)  # (an empty operand: PyTorch's kernel checks no dtype, gives x1's)
    if a.dtype != b.dtype:  # no promotion in PyTorch's kernel
        raise RuntimeError(f"cdist(): expected x1 and x2 of one dtype, got {a.dtype} and "
                           f"{b.dtype}; convert one first, e.g. x2.to(x1.dtype)")
    n1, n2, m = a.shape[-2], b.shape[-2], a.shape[-1]
    if tuple(a.shape[:-2]) != batch:
        a = a.expand(*batch, n1, m)
    if tuple(b.shape[:-2]) != batch:
        b = b.expand(*batch, n2, m)
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == "use_mm_for_euclid_dist_if_necessary" and (n1 > 25 or n2 > 25)))
    if use_mm and m and n1 and n2:
        sq = (a * a).sum(-1, keepdim=True) + (b * b).sum(-1).unsqueeze(-2) \
            - 2 * matmul(a, b.transpose(-1, -2))
        pos = sq > 0
        # sqrt only of positive entries: a zero distance has gradient 0, not 0 * inf
        return where(pos, sqrt(where(pos, sq, 1.0)), 0.0)
    diff_ = a.unsqueeze(-2) - b.unsqueeze(-3)  # (*, P, R, M)
    if p == float("inf"):
        return amax(abs(diff_), -1) if m else sum(diff_, -1)
    if p == 0:  # the count of differing coordinates; connected to the graph (gradient 0)
        return sum(where(diff_ != 0, 1.0, diff_ * 0.0), -1)
    return norm(diff_, p=p, dim=-1)


def _prod(xs):
    return math.prod(xs)


def _contig(shape):
    st, r = [], 1
    for s in reversed(shape):
        st.append(r)
        r *= s
    return st[::-1]


def _kron_view_fails(sa, sta, sb, stb):
    """Whether PyTorch's kron fails on operands of these shapes and (element) strides: it
    multiplies ``a.reshape(ia) * b.reshape(ib)`` (interleaved dims) and views the product as
    the result, which TensorIterator lays out after its inputs' strides; for some layouts (a
    transposed operand) that view does not exist and PyTorch raises. Emulates the reshapes,
    TensorIterator's dimension order and the view's stride computation."""
    n = max(len(sa), len(sb))
    sa = (1,) * (n - len(sa)) + tuple(sa)
    sta = [1] * (n - len(sta)) + list(sta)
    sb = (1,) * (n - len(sb)) + tuple(sb)
    stb = [1] * (n - len(stb)) + list(stb)
    ia, ib = [], []
    for p, q in zip(sa, sb):
        ia += [p, 1]
        ib += [1, q]
    full = [q if p == 1 else p for p, q in zip(ia, ib)]
    if _prod(full) == 0:
        return False
    ops = []
    for shape, st, new in ((sa, sta, ia), (sb, stb, ib)):
        s = view_strides(list(shape), list(st), new)
        if s is None:
            s = _contig(new)
        ops.append([0 if (d == 1 and f != 1) else x for d, f, x in zip(new, full, s)])
    nd = len(full)
    perm = list(range(nd - 1, -1, -1))

    def should_swap(d0, d1):
        for st in ops:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 < s1:
                return -1
            if s0 > s1:
                return 1
            if full[d0] > full[d1]:
                return 1
        return 0
    insertion_order(perm, should_swap)
    out = [0] * nd
    r = 1
    for d in perm:
        out[d] = r
        r *= full[d]
    res = [p * q for p, q in zip(sa, sb)]
    return view_strides(full, out, res) is None


def _elem_strides(t):
    data = t._data
    return [st // data.itemsize for st in data.strides]


_KRON_OUT = [False]  # set by kron's out= face just before it runs kron


def _kron_out_before(out, args):
    """PyTorch's ``kron(..., out=)`` multiplies into views of ``out``: it views no input, so
    it takes every layout (the flag tells kron, which reads and clears it first)."""
    _KRON_OUT[0] = True


@declare(out=("cast", _kron_out_before), grad_name="UnsafeViewBackward0")
def kron(input, other):
    """The Kronecker product: every element of ``input`` times the whole of ``other``.

    Raises RuntimeError where PyTorch's does: for operand layouts (e.g. a transposed matrix)
    whose product it cannot view as the result (not with ``out=``, which PyTorch writes
    through views of ``out``)."""
    into_out, _KRON_OUT[0] = _KRON_OUT[0], False
    a, b = _t(input), _t(other, "other")
    if not into_out and _kron_view_fails(tuple(a.shape), _elem_strides(a), tuple(b.shape),
                                         _elem_strides(b)):
        raise RuntimeError(
            f"kron(): view size is not compatible with input tensor's size and stride (as in "
            f"PyTorch for these layouts: shapes {tuple(a.shape)} and {tuple(b.shape)}, strides "
            f"{_elem_strides(a)} and {_elem_strides(b)}); call .contiguous() on the inputs first")
    n = builtins_max(a.ndim, b.ndim)
    sa = (1,) * (n - a.ndim) + tuple(a.shape)
    sb = (1,) * (n - b.ndim) + tuple(b.shape)
    ia, ib = [], []
    for p_, q_ in zip(sa, sb):
        ia += [p_, 1]
        ib += [1, q_]
    out = a.reshape(tuple(ia)) * b.reshape(tuple(ib))
    return out.reshape(tuple(p_ * q_ for p_, q_ in zip(sa, sb)))


@tensor_method("__matmul__", "matmul")
def _matmul_method(self, other):
    """``t @ other`` and ``t.matmul(other)``: ``matmul``; a tensor-like ``other`` (``t @ linop``)
    is handed to its ``__torch_function__`` as ``Tensor.matmul``, as PyTorch does."""
    try:
        return matmul(self, other)
    except TypeError:
        r = _tf.dispatch_operand("matmul", (self, other))
        if r is _tf.NOT_DISPATCHED:
            raise
        return r


_matmul_method.__name__ = _matmul_method.__qualname__ = "matmul"  # (what handlers see)
# ``t @ x`` gives way to ``x.__rmatmul__`` for an operand it can neither read nor dispatch
tensor_method("__matmul__")(_deferring("__rmatmul__")(_matmul_method))


@tensor_method()
def __rmatmul__(self, other):
    try:
        other = as_tensor_arg(other)
    except TypeError:
        r = _tf.dispatch_operand("__rmatmul__", (self, other))
        if r is _tf.NOT_DISPATCHED:
            raise
        return r
    return matmul(other, self)


# ------------------------------------------------------------------ mv, vdot, inner, dist
def _same_dtype(name, *pairs):
    """PyTorch's products refuse mixed dtypes (no promotion): ``pairs`` of (label, tensor)."""
    dt = pairs[0][1].dtype
    for label, x in pairs[1:]:
        if x.dtype != dt:
            got = ", ".join(f"{lb} {t.dtype}" for lb, t in pairs)
            raise RuntimeError(f"{name}(): expected all tensors to have the same dtype, got {got}; "
                               f"convert one first, e.g. {label}.to({pairs[0][0]}.dtype)")


@declare(out="same")
def mv(input, vec):
    """Matrix-vector product of an ``(n, m)`` matrix and an ``(m,)`` vector."""
    a, v = _t(input), _t(vec, "vec")
    if a.ndim == 0:  # PyTorch reads input.size(0) first
        raise IndexError("mv(): Dimension specified as 0 but input has no dimensions (got a 0-d "
                         "tensor; mv takes an (n, m) matrix and an (m,) vector)")
    if a.ndim != 2 or v.ndim != 1 or a.shape[1] != v.shape[0]:
        raise RuntimeError(f"mv(): expected an (n, m) matrix and an (m,) vector, got shapes "
                           f"{tuple(a.shape)} and {tuple(v.shape)}")
    _same_dtype("mv", ("input", a), ("vec", v))
    if a.dtype.kind == "b":
        raise _no_bool_kernel("mv", "addmv_impl_cpu")
    if _AUTOCAST[0]:  # mv is on neither of PyTorch's CPU autocast lists
        return _ac_run_unlisted(matmul, a, v)
    return matmul(a, v)


@declare(out="same")
def vdot(input, other):
    """The dot product of two 1-D tensors (the first conjugated; gradkit is real-valued)."""
    a, b = _t(input), _t(other, "other")
    if a.ndim != 1 or b.ndim != 1 or a.shape[0] != b.shape[0]:
        raise RuntimeError(f"vdot(): expected two 1-D tensors of the same size, got shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}")
    _same_dtype("vdot", ("input", a), ("other", b))
    if a.dtype.kind == "b":
        raise _no_bool_kernel("vdot", "vdot")
    if a._data.dtype.kind == "c":  # the first operand conjugated
        a = a.conj()
    return sum(a * b, dtype=a.dtype)


def _inner_out_rule(args):
    """A 0-d factor makes inner a product (PyTorch's ``mul``): its out= casts as mul's."""
    zero_d = any(getattr(args.get(k), "ndim", 1) == 0 for k in ("input", "other"))
    return "cast" if zero_d else "same"


def _chain_matmul_out_rule(args):
    """One matrix is copied into out= (PyTorch's ``copy_``: any dtype); a product's out= has
    the result's dtype."""
    ms = args.get("matrices", ())
    if len(ms) == 1 and isinstance(ms[0], (list, tuple)):
        ms = ms[0]
    return "any" if len(ms) == 1 else "same"


@declare(out=out_rule_of_call(_inner_out_rule))
def inner(input, other):
    """Sum of products over the last dimension of both (a number times a tensor for 0-d):
    shape ``input.shape[:-1] + other.shape[:-1]``."""
    a, b = _t(input), _t(other, "other")
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    _same_dtype("inner", ("input", a), ("other", b))
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner(): the last dimensions must match, got shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}")
    if _AUTOCAST[0] and a.ndim == 1 and b.ndim == 1:  # a dot product: on no autocast list
        return _ac_run_unlisted(tensordot, a, b, ([-1], [-1]))
    return tensordot(a, b, ([-1], [-1]))


@declare()
def dist(input, other, p=2):
    """``norm(input - other, p)`` over all elements (the two broadcast), as PyTorch: the
    difference in the promoted dtype, which must be floating (an integer tensor beside a
    floating one is fine)."""
    a, b = _t(input), _t(other, "other")
    diff = a - b
    if diff.dtype.kind != "f":
        raise RuntimeError(f"dist(): input dtype should be either floating point or complex, "
                           f"got {a.dtype} and {b.dtype} (their difference is "
                           f"{diff.dtype}); convert first, e.g. x.float()")
    if isinstance(p, Tensor):
        p = p.item()
    from ..linalg import vector_norm  # (gradkit.linalg imports this module)

    return vector_norm(diff, p)


# ------------------------------------------------------------------ beta * input + alpha * (A @ B)
def _scaled_sum(name, x, prod, beta, alpha, zero_alpha_skips=False):
    """``beta * x + alpha * prod`` as PyTorch: ``x`` broadcast to the product's shape, and
    ignored (no nan from it) when ``beta`` is 0; integer tensors refuse float factors."""
    if prod.dtype.kind != "f" and prod.dtype.kind != "c":
        for label, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, (float, complex)) and not isinstance(v, bool):
                raise RuntimeError(f"{name}(): for integral input tensors, argument {label} "
                                   f"must not be a floating point number, got {v}")
    elif prod.dtype.kind != "c":  # (a complex factor scales complex tensors only)
        for label, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, complex):
                raise RuntimeError(f"{name}(): value cannot be converted to type float without "
                                   f"overflow (got the complex {label}={v!r} for a real "
                                   f"tensor); pass a real {label}, or complex tensors")
    try:
        np.broadcast_shapes(tuple(x.shape), tuple(prod.shape))
        bad = np.broadcast_shapes(tuple(x.shape), tuple(prod.shape)) != tuple(prod.shape)
    except ValueError:
        bad = True
    if bad:
        raise RuntimeError(f"{name}(): input of shape {tuple(x.shape)} does not broadcast to the "
                           f"product's shape {tuple(prod.shape)}")
    if alpha == 0 and zero_alpha_skips:  # PyTorch's addmm/addmv/addbmm kernels skip the
        out = prod.new_zeros(tuple(prod.shape))  # product (no NaN from it); baddbmm, addr not
    else:
        out = prod if alpha == 1 else prod * alpha
    if beta == 0:
        return out
    if beta != 1 and tuple(x.shape) != tuple(prod.shape):
        # PyTorch scales the gradient before summing it back to input's shape (inf beta:
        # infinities of both signs give NaN there)
        x = broadcast_to(x, tuple(prod.shape))
    return out + (x if beta == 1 else x * beta)


def _batch_dims(name, a, b):
    """PyTorch reads batch1.size(1) and batch2.size(2) first: IndexError for fewer dims."""
    for label, x, need in (("batch1", a, 2), ("batch2", b, 3)):
        if x.ndim < need:
            raise IndexError(f"{name}(): Dimension out of range: {label} must be a 3-D tensor "
                             f"(b, n, m), got shape {tuple(x.shape)}")


def _alpha_product(a, b, alpha, kind):
    """``alpha * (a @ b)`` (``kind``: "mm", "mv", or "bmm" summed over the batch) as PyTorch's
    addmm/addmv/addbmm: alpha = 0 skips the product (no NaN from its inf entries), a non-finite
    ``alpha`` goes into the product's terms (their gemm sums ``alpha * a_ik * b_kj``: infinities
    of both signs give NaN), except in addmv, which scales the sum; the gradients are
    PyTorch's (product, then alpha), so 0 * inf gives NaN there."""
    special = isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and (
        alpha == 0 or not math.isfinite(alpha))
    prod = mm(a, b) if kind == "mm" else mv(a, b) if kind == "mv" else sum(bmm(a, b), 0)
    if special and prod.dtype.kind == "f" and a.dtype == b.dtype:  # (checked by the above)
        return apply(_SCALED_PRODUCT, (a, b), (float(alpha), kind)), 1
    return prod, alpha


def _widen_half(*ts):
    """PyTorch's CPU kernels of the fused products (addmm, addmv, baddbmm) take float16 and
    bfloat16 operands to float32, add the scaled input there and round the sum once; rounding
    the product first, then the sum, gives another last bit in about a quarter of the entries.
    Returns the operands in float32 and the dtype to round back to (None: as they are)."""
    d = ts[1].dtype
    if d.kind != "f" or d.itemsize != 2:
        return ts, None
    return tuple(t.float() for t in ts), d


def _check_mats(name, shapes, pairs):
    for label, x, nd in shapes:
        if x.ndim != nd:
            raise RuntimeError(f"{name}(): {label} must be a {nd}-D tensor, got shape "
                               f"{tuple(x.shape)}")
    _same_dtype(name, *pairs)


@declare(inplace=True, out="same")
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to ``(n, p)``."""
    x, a, b = _t(input), _t(mat1, "mat1"), _t(mat2, "mat2")
    if _AUTOCAST[0]:
        x, a, b = _ac_lower(x, a, b)
    _check_mats("addmm", (("mat1", a, 2), ("mat2", b, 2)), (("input", x), ("mat1", a),
                                                            ("mat2", b)))
    (x, a, b), low = _widen_half(x, a, b)
    prod, alpha = _alpha_product(a, b, alpha, "mm")
    out = _scaled_sum("addmm", x, prod, beta, alpha, zero_alpha_skips=True)
    return out if low is None else out.to(low)


def _addmv_(self, mat, vec, *, beta=1, alpha=1):
    res = addmv(self, mat, vec, beta=beta, alpha=alpha)
    a = _t(mat, "mat")
    if tuple(self.shape) != (a.shape[0],):  # the result is never broadcast back into self
        raise RuntimeError(f"addmv_(): Bad in-place call: input tensor size {list(self.shape)} "
                           f"and output tensor size {[a.shape[0]]} should match; the input "
                           f"must have the shape (mat.size(0),)")
    write_inplace(self, res, "addmv_")
    if self._grad_fn is not None:  # PyTorch's node (gradkit's is the sum)
        rename(self, "AddmvBackward0")
    return self


@declare(inplace=_addmv_, out="same")
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)``; ``input`` broadcasts to ``(n,)``."""
    x, a, v = _t(input), _t(mat, "mat"), _t(vec, "vec")
    if x.ndim == 0 and a.ndim == 2 and v.ndim == 1 and a.shape[1] != v.shape[0]:
        # PyTorch reads input.size(0) to report the mismatch
        raise IndexError(f"addmv(): Dimension specified as 0 but input has no dimensions, and "
                         f"mat {tuple(a.shape)} and vec {tuple(v.shape)} do not fit")
    _check_mats("addmv", (("mat", a, 2), ("vec", v, 1)), (("input", x), ("mat", a), ("vec", v)))
    if a.numel() == 0 and beta != 0 and a.shape[1] == v.shape[0] and (
            x.ndim == 0 or x.ndim == 1 and x.shape[0] in (1, a.shape[0])):
        # PyTorch returns beta * input as it is (not broadcast) when mat has no element
        return _scaled_sum("addmv", x, x.new_zeros(tuple(x.shape)), beta, 0)
    (x, a, v), low = _widen_half(x, a, v)
    prod, alpha = _alpha_product(a, v, alpha, "mv")
    out = _scaled_sum("addmv", x, prod, beta, alpha, zero_alpha_skips=True)
    return out if low is None else out.to(low)


@declare(inplace=True, out=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """``beta * input + alpha * outer(vec1, vec2)`` (dtypes promote, as PyTorch's addr)."""
    x, a, b = _t(input), _t(vec1, "vec1"), _t(vec2, "vec2")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"addr(): vec1 and vec2 must be 1-D, got shapes {tuple(a.shape)} and "
                           f"{tuple(b.shape)}")
    rt = _dtype.promote_types(_dtype.promote_types(x.dtype, a.dtype), b.dtype)
    for name, v in (("beta", beta), ("alpha", alpha)):
        if isinstance(v, (bool, np.bool_)) and rt.kind != "b":
            raise RuntimeError(f"addr(): Boolean {name} only supported for Boolean results "
                               f"(the result is {rt}); pass a number, e.g. {name}=1")
        if rt.kind == "b" and isinstance(v, float):
            raise RuntimeError(f"addr(): For integral input tensors, argument {name} must not "
                               f"be a floating point number (got {v}); pass an int or a bool")
    x, a, b = x.to(rt), a.to(rt), b.to(rt)
    if rt.kind == "b":  # PyTorch's logical addr: (beta and input) or (alpha and vec1 vec2^T)
        prod = a.reshape(-1, 1) & b
        prod = prod if alpha else prod & False
        return prod | x if beta else prod | (x & False)
    prod = outer(a, b)
    if (rt.kind == "f" and isinstance(alpha, (int, float)) and not isinstance(alpha, bool)
            and not math.isfinite(alpha)):  # gradients: the product, then alpha, as PyTorch's
        prod, alpha = apply(_SCALED_PRODUCT, (a, b), (float(alpha), "outer")), 1
    return _scaled_sum("addr", x, prod, beta, alpha)


@declare(inplace=True, out="same")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``."""
    x, a, b = _t(input), _t(batch1, "batch1"), _t(batch2, "batch2")
    if _AUTOCAST[0]:
        x, a, b = _ac_lower(x, a, b)
    _batch_dims("addbmm", a, b)
    _check_mats("addbmm", (("batch1", a, 3), ("batch2", b, 3)),
                (("input", x), ("batch1", a), ("batch2", b)))
    prod, alpha = _alpha_product(a, b, alpha, "bmm")
    return _scaled_sum("addbmm", x, prod, beta, alpha, zero_alpha_skips=True)


@declare(inplace=True, out="same")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * (batch1 @ batch2)`` per batch; ``input`` broadcasts."""
    x, a, b = _t(input), _t(batch1, "batch1"), _t(batch2, "batch2")
    if _AUTOCAST[0]:
        x, a, b = _ac_lower(x, a, b)
    _batch_dims("baddbmm", a, b)
    # an empty product: PyTorch's kernel leaves batch2's dtype unchecked and gives the result
    # in it (bmm's own quirk), input cast to it
    quirk = x.dtype == a.dtype != b.dtype and 0 in (*a.shape, b.shape[2])
    _check_mats("baddbmm", (("batch1", a, 3), ("batch2", b, 3)),
                (("input", x), ("batch1", a)) + (() if quirk else (("batch2", b),)))
    if quirk:
        x = x.to(b.dtype)
    (x, a, b), low = _widen_half(x, a, b)
    out = _scaled_sum("baddbmm", x, bmm(a, b), beta, alpha)
    return out if low is None else out.to(low)


@declare(method=False, out=out_rule_of_call(_chain_matmul_out_rule))
def chain_matmul(*matrices):
    """The product of 2-D tensors, left to right (PyTorch deprecates it for
    ``linalg.multi_dot``)."""
    deprecated("chain_matmul")
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        if not matrices[0]:  # (PyTorch takes no list at all: a list where a Tensor goes)
            raise TypeError("chain_matmul(): expected Tensor as element 0 in argument 0, but "
                            "got list; pass the matrices as arguments: chain_matmul(a, b, c)")
        matrices = tuple(matrices[0])
    ms = [_t(m, "matrices") for m in matrices]
    if not ms:
        raise RuntimeError("chain_matmul(): expected one or more tensors, got none")
    for i, m in enumerate(ms):
        if m.ndim != 2:
            raise RuntimeError(f"chain_matmul(): tensor {i} must be 2-D, got shape "
                               f"{tuple(m.shape)}")
    _same_dtype("chain_matmul", *((f"matrices[{i}]", m) for i, m in enumerate(ms)))
    if len(ms) == 1:
        return ms[0].clone()
    for i in range(len(ms) - 1):
        if ms[i].shape[1] != ms[i + 1].shape[0]:
            raise RuntimeError(f"chain_matmul(): tensors {i} and {i + 1} with shapes "
                               f"{list(ms[i].shape)} and {list(ms[i + 1].shape)} cannot be "
                               f"multiplied")
    from ..linalg import _chain  # (PyTorch's chain_matmul is linalg.multi_dot: the cheapest
    # order, which places the NaN of an inf times a zero as PyTorch's does)
    return _chain(ms)

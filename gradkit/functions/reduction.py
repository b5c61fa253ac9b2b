"""Reductions and scans: ``sum``, ``mean``, ``prod``, ``max``/``min``, ``var``/``std``, ``norm``,
``logsumexp``, ``softmax``, the ``nan*`` reductions and the cumulative ops (``cumsum``, ``cummax``,
...). Primitives are in ``gradkit/ops/reduction.py``."""

from __future__ import annotations

import builtins

import numpy as np

from .. import _dtype, return_types
from .._backend import to_host
from .._int_range import check_int_scalar
from .._tensor.record import apply1
from .._tensor.tensor import Tensor, wrap
from .._warnings import warn
from ..amp._state import CPU as _AUTOCAST
from ..amp._state import fp32 as _ac_fp32
from ..autograd.graph import present
from ..ops import elementwise as E
from ..ops import linalg as L
from ..ops import reduction as R
from ..ops._saved_arguments import dims_given as _dims_given
from ..ops._saved_arguments import remember  # (grad_fn._saved_* of view and reduction nodes)
from ._args import (
    _NO_X,
    NO_DIM,
    NO_KEEPDIM,
    _axes,
    _const_like,
    _dim_in,
    _dim_keepdim,
    _float_operand,
    _int_arg,
    _is_half,
    _missing_arg,
    _no_dims,
    _no_identity,
    _norm_p,
    _not_implemented,
    _on_device_of,
    _reduce_args,
    _shape_arg,
    _t,
    _tensor_attr_arg,
    _tensor_operands,
    _type_name,
    _unsized_dims,
    _wrap_dim,
    _x_given,
)
from ._diff_args import _diff_out_before, _diff_parts
from ._registry import (
    declare,
    inplace_input,
    out_bool_or_byte,
    out_floating_before,
    out_floating_nan,
    out_input_dtype,
    out_needs,
    out_not_bool,
    out_tuple,
    tensor_method,
    write_inplace,
)
from ._variance_args import _NO_DIM, _dim_or_unbiased
from .comparison import isfinite, isnan
from .elementwise import abs, maximum, minimum, where
from .indexing import gather
from .shape import cat, diagonal, narrow

builtins_all = builtins.all

__all__ = ["all", "amax", "amin", "aminmax", "any", "argmax", "argmin",
    "count_nonzero", "cummax", "cummin", "cumprod", "cumsum",
    "cumulative_trapezoid", "diff", "log_softmax", "logcumsumexp", "logsumexp", "max", "mean",
    "min", "nanmean", "nansum", "norm", "prod", "renorm", "softmax", "std", "std_mean", "sum",
    "trace", "trapezoid", "trapz", "var", "var_mean", "gradient"]


@declare(out=("any", out_bool_or_byte), differentiable=False)
def all(input, dim=None, keepdim=False):
    x = _t(input)
    axis = () if _no_dims(dim) else _reduce_args(x, dim, "all", True)
    r = np.all(x._data, axis=axis, keepdims=keepdim)
    return wrap(_on_device_of(x, r, x.dtype if x.dtype == np.uint8 else None))  # uint8 stays


@declare(out=("any", out_bool_or_byte), differentiable=False)
def any(input, dim=None, keepdim=False):
    x = _t(input)
    axis = () if _no_dims(dim) else _reduce_args(x, dim, "any", True)
    r = np.any(x._data, axis=axis, keepdims=keepdim)
    return wrap(_on_device_of(x, r, x.dtype if x.dtype == np.uint8 else None))  # uint8 stays


@declare(differentiable=False)
def count_nonzero(input, dim=None):
    x = _t(input)
    _unsized_dims(dim, "count_nonzero")  # (PyTorch's int? or unsized int[] dim)
    axes = _axes(x, dim, "count_nonzero")
    if x.ndim == 0:  # (dim 0 or -1 of a 0-d tensor: the tensor itself)
        axes = None
    return wrap(_on_device_of(x, np.count_nonzero(x._data, axis=axes), np.dtype(np.int64)))


@tensor_method("count_nonzero")
def _count_nonzero_method(self, *dims, dim=None, axis=None):
    """``x.count_nonzero(0, 1)``: the method takes its dims spread too, as PyTorch's (its
    function face takes one int or one sequence)."""
    if dims:
        if dim is not None or axis is not None:
            raise TypeError("count_nonzero() got its dims both as positionals and as 'dim'")
        dim = dims[0] if len(dims) == 1 else dims
    return count_nonzero(self, axis if dim is None else dim)


@declare(out=("dtype", out_needs("dim")))
def sum(input, dim=NO_DIM, keepdim=NO_KEEPDIM, *, dtype=None):
    dim, keepdim = _dim_keepdim("sum", dim, keepdim)
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x.dtype.kind in "biu" and x.dtype != np.int64:
        x = x.to(_dtype.int64)
    return remember(apply1(R.SUM, x, (_reduce_args(x, dim, "sum"), keepdim, x._data.shape)),
                    _saved_dim=_dims_given(dim))


@declare(out=True)
def mean(input, dim=NO_DIM, keepdim=NO_KEEPDIM, *, dtype=None):
    dim, keepdim = _dim_keepdim("mean", dim, keepdim)
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype=dtype)
    if x.dtype.kind != "f" and x._data.dtype.kind != "c":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {x.dtype}. Convert first, e.g. x.float().mean()"
        )
    return remember(apply1(R.MEAN, x, (_reduce_args(x, dim, "mean"), keepdim, x._data.shape)),
                    _saved_dim=_dims_given(dim))


def _int64_accumulator(x):
    """Integer and bool inputs of sum/prod/cumsum accumulate in int64, as in PyTorch (NumPy
    would use uint64 for unsigned inputs)."""
    return x.to(_dtype.int64) if x.dtype.kind in "biu" and x.dtype != np.int64 else x


@declare(out=("dtype", out_needs("dim")))
def prod(input, dim=NO_DIM, keepdim=NO_KEEPDIM, *, dtype=None):
    dim, keepdim = _dim_keepdim("prod", dim, keepdim, none_dim=False)
    x = _t(input)
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast float32 list
        (x,) = _ac_fp32(x)
    x = x.to(dtype=dtype) if dtype is not None else _int64_accumulator(x)
    out = apply1(R.PROD, x, (_reduce_args(x, dim, "prod", True), keepdim, x._data.shape))
    return remember(out, _saved_dim=dim, _saved_keepdim=keepdim) if type(dim) is int else out


def _check_nonempty(x, name, axis, dim_given=False):
    """Refuse to reduce over an empty dimension (there is no identity for max/min): PyTorch's
    RuntimeError over all elements (amax/amin with an empty dim list too), IndexError for a
    ``dim`` of size 0 (max/min/argmax/argmin with a dim)."""
    if x.numel() != 0:
        return
    if axis is None or x.ndim == 0:
        exc = IndexError if name.startswith("arg") else RuntimeError
        raise exc(f"{name}(): Expected reduction dim to be specified for input.numel() == 0: "
                  f"expected a non-empty tensor, got shape {tuple(x.shape)}; specify the "
                  f"reduction dim with the dim argument")
    for d in axis:
        if x.shape[d] == 0:
            exc = IndexError if dim_given else RuntimeError
            raise exc(f"{name}(): Expected reduction dim {d} to have non-zero size: expected a "
                      f"non-empty dim, got shape {tuple(x.shape)}; reduce over a non-empty dim")


def _dim_given(dim):
    """Whether a dim was named (not None or an empty sequence; a NumPy integer is one: ``==``
    against ``()`` would compare it as an array)."""
    return dim is not None and not (isinstance(dim, (tuple, list)) and not dim)


@declare(out=("same", out_input_dtype(
    "Expected the dtype for input and out to match, but got {input} for input's dtype and {out} "
    "for out's dtype")))
def amax(input, dim=(), keepdim=False):
    x = _t(input)
    axis = _reduce_args(x, dim, "amax")
    _check_nonempty(x, "amax", axis, _dim_given(dim))
    return remember(apply1(R.AMAX, x, (axis, keepdim, x._data.shape)),
                    _saved_dim=_dims_given(dim, ()), _saved_keepdim=keepdim)


@declare(out=("same", out_input_dtype(
    "Expected the dtype for input and out to match, but got {input} for input's dtype and {out} "
    "for out's dtype")))
def amin(input, dim=(), keepdim=False):
    x = _t(input)
    axis = _reduce_args(x, dim, "amin")
    _check_nonempty(x, "amin", axis, _dim_given(dim))
    return remember(apply1(R.AMIN, x, (axis, keepdim, x._data.shape)),
                    _saved_dim=_dims_given(dim, ()), _saved_keepdim=keepdim)


def _max_min(input, dim, keepdim, largest):
    if dim is None:  # (PyTorch's forms take no dim, an int dim, or another tensor: not None)
        name = "max" if largest else "min"
        raise TypeError(f"{name}(): argument 'dim' must be int, not NoneType; leave dim out to "
                        f"reduce over every element, e.g. x.{name}()")
    if isinstance(dim, Tensor) and keepdim is not NO_KEEPDIM:  # (the binary form: no keepdim)
        name = "max" if largest else "min"
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not Tensor: "
                        f"{name}(input, other) takes no keepdim; pass an int dim to reduce")
    dim, keepdim = _dim_keepdim("max" if largest else "min", dim, keepdim)
    x = _t(input)
    if dim is None:
        _check_nonempty(x, "max" if largest else "min", None)
        return apply1(R.MAX_ALL if largest else R.MIN_ALL, x, (None, False, x._data.shape))
    if isinstance(dim, Tensor):  # max(input, other)
        return maximum(x, dim) if largest else minimum(x, dim)
    d = _dim_in(dim, x.ndim, "max" if largest else "min")
    _check_nonempty(x, "max" if largest else "min", (d,), True)
    arg = np.argmax if largest else np.argmin
    idx = arg(x._data, axis=d, keepdims=True) if x.ndim else \
        _on_device_of(x, 0, np.dtype(np.int64))
    if x.ndim == 0:
        return (return_types.max if largest else return_types.min)(x.clone(), wrap(idx))
    values = gather(x, d, wrap(idx))
    if not keepdim:
        values = values.squeeze(d)
        idx = idx.squeeze(d)
    values = present(values, "MaxBackward0" if largest else "MinBackward0", (x,), x)
    indices = wrap(idx.astype(np.int64))
    remember(values, x, _saved_dim=dim, _saved_keepdim=keepdim, _saved_indices=indices,
             _saved_self_sym_sizes=tuple(x.shape))
    return (return_types.max if largest else return_types.min)(values, indices)


@declare(out=("cast", out_tuple(2, "dim", largest=True)))
def max(input, dim=NO_DIM, keepdim=NO_KEEPDIM):
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)``;
    ``max(x, other)``: elementwise maximum."""
    return _max_min(input, dim, keepdim, True)


@declare(out=("cast", out_tuple(2, "dim", largest=False)))
def min(input, dim=NO_DIM, keepdim=NO_KEEPDIM):
    return _max_min(input, dim, keepdim, False)


@declare(out="same", differentiable=False)
def argmax(input, dim=None, keepdim=False):
    x = _no_bool(_t(input), "argmax")
    if dim is None:
        _check_nonempty(x, "argmax", None)
        r = wrap(_on_device_of(x, np.argmax(x._data), np.dtype(np.int64)))
        return r.reshape((1,) * x.ndim) if keepdim else r  # (PyTorch keeps every dim)
    d = _dim_in(dim, x.ndim, "argmax")
    _check_nonempty(x, "argmax", (d,), True)
    if x.ndim == 0:
        return wrap(_on_device_of(x, 0, np.dtype(np.int64)))
    return wrap(np.argmax(x._data, axis=d, keepdims=keepdim).astype(np.int64))


@declare(out="same", differentiable=False)
def argmin(input, dim=None, keepdim=False):
    x = _no_bool(_t(input), "argmin")
    if dim is None:
        _check_nonempty(x, "argmin", None)
        r = wrap(_on_device_of(x, np.argmin(x._data), np.dtype(np.int64)))
        return r.reshape((1,) * x.ndim) if keepdim else r  # (PyTorch keeps every dim)
    d = _dim_in(dim, x.ndim, "argmin")
    _check_nonempty(x, "argmin", (d,), True)
    if x.ndim == 0:
        return wrap(_on_device_of(x, 0, np.dtype(np.int64)))
    return wrap(np.argmin(x._data, axis=d, keepdims=keepdim).astype(np.int64))


def _no_bool(x, name):
    if x._data.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input; convert it first, e.g. "
                           f"x.int()")
    return x


def _floating_only(x, name):
    """var/std (and their _mean forms) take floating tensors only, as PyTorch."""
    if x._data.dtype.kind not in "fc" and not x.dtype.is_floating_point:  # (bfloat16 too)
        raise RuntimeError(f"{name} only support floating point and complex dtypes, got "
                           f"{_type_name(x)}; convert first, e.g. x.float()")
    return x


def _correction(unbiased, correction):
    if correction is not None:  # (a NumPy number or 0-d tensor as a Python one: no float64 leak)
        return correction.item() if hasattr(correction, "item") else correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


@declare(out="float_out")
def var(input, dim_or_unbiased=_NO_DIM, /, unbiased=None, keepdim=False, *, dim=_NO_DIM,
        correction=None):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1; ``unbiased=False``: 0).
    The first slot after ``input`` is ``dim``, or by position alone the legacy ``unbiased``."""
    dim, unbiased = _dim_or_unbiased("var", dim_or_unbiased, dim, unbiased, keepdim, correction)
    return _var(input, dim, unbiased, keepdim, correction, "var")


def _var(input, dim, unbiased, keepdim, correction, name, op=R.VAR, grad_name="VarBackward0"):
    x = _floating_only(_t(input), "std and var")
    c = _correction(unbiased, correction)
    axis = _reduce_args(x, dim, "var")
    n = 1
    for i, s in enumerate(x.shape):
        if axis is None or i in axis:
            n *= s
    # (PyTorch's reduction factor is numel / output numel: 0 for an empty input, whichever dims
    # are reduced; std_mean/var_mean name themselves: _DOF_NAME)
    if (n if x._data.size else 0) - c <= 0:
        warn(f"{_DOF_NAME[0] or name}(): degrees of freedom is <= 0. Correction should be "
             f"strictly less than the reduction factor (input numel divided by output numel).")
    out = present(apply1(op, x, (axis, keepdim, x._data.shape, n - c)), grad_name, (x,))
    return remember(out, _saved_correction=c, _saved_dim=_dims_given(dim), _saved_keepdim=keepdim)


@declare(out="float_out")
def std(input, dim_or_unbiased=_NO_DIM, /, unbiased=None, keepdim=False, *, dim=_NO_DIM,
        correction=None):
    """Standard deviation: the square root of :func:`var` (a zero deviation has gradient 0).
    A float32 variance is accumulated in float64 and its root rounded once, as PyTorch's.
    The first slot after ``input`` is ``dim``, or by position alone the legacy ``unbiased``."""
    dim, unbiased = _dim_or_unbiased("std", dim_or_unbiased, dim, unbiased, keepdim, correction)
    x = _t(input)
    if _is_half(x):  # PyTorch's kernel: the variance and its root in float32, rounded once
        out = std(x.to(_dtype.float32), dim, unbiased, keepdim, correction=correction)
        return present(out.to(x.dtype), "StdBackward0", (x,))
    if x.is_complex():  # the root of the (real) variance of the complex values
        v = _var(x, dim, unbiased, keepdim, correction, "std")
        return present(apply1(E.STD_ROOT, v), "StdBackward0", (x,))
    return _var(x, dim, unbiased, keepdim, correction, "std", R.STD, "StdBackward0")


_DOF_NAME = [None]  # the op that asks for a variance, where it is not var/std itself


@declare(method=False)
def var_mean(input, dim_or_unbiased=_NO_DIM, /, unbiased=None, keepdim=False, *, dim=_NO_DIM,
             correction=None):
    dim, unbiased = _dim_or_unbiased("var_mean", dim_or_unbiased, dim, unbiased, keepdim,
                                     correction)
    return _with_mean(var, "var_mean", input, dim, unbiased, keepdim, correction)


@declare(method=False)
def std_mean(input, dim_or_unbiased=_NO_DIM, /, unbiased=None, keepdim=False, *, dim=_NO_DIM,
             correction=None):
    dim, unbiased = _dim_or_unbiased("std_mean", dim_or_unbiased, dim, unbiased, keepdim,
                                     correction)
    return _with_mean(std, "std_mean", input, dim, unbiased, keepdim, correction)


def _with_mean(stat, name, input, dim, unbiased, keepdim, correction):
    """``(stat(input), mean(input))`` for var_mean/std_mean: ``stat``'s degrees-of-freedom
    warning names ``name`` (``_DOF_NAME``)."""
    x = _floating_only(_t(input), name)
    _DOF_NAME[0] = name
    try:
        s = stat(x, dim, unbiased, keepdim, correction=correction)
    finally:
        _DOF_NAME[0] = None
    return s, _welford_mean(x, dim, keepdim, name)


def _welford_mean(x, dim, keepdim, name):
    """The mean of var_mean/std_mean as PyTorch's one-pass (Welford) kernel gives it: an
    infinite element followed by any other in its slice makes the mean NaN (``inf - inf`` in
    the running update), where a plain mean would be infinite."""
    m = mean(x, dim, keepdim)
    a = to_host(x._data)
    if not a.size or not np.isinf(a).any():
        return m
    axis = _reduce_args(x, dim, name)
    axes = tuple(range(a.ndim)) if axis is None else axis
    kept = [i for i in range(a.ndim) if i not in axes]
    flat = np.transpose(a, kept + list(axes)).reshape([a.shape[i] for i in kept] + [-1])
    bad = np.isinf(flat[..., :-1]).any(-1).reshape(tuple(m.shape))
    return where(wrap(_const_like(x, bad)), float("nan"), m) if bad.any() else m


@declare(out="same")
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim`` (all elements by default); ``'fro'`` is the 2-norm. A
    floating (or complex) input only, as PyTorch."""
    x = _tensor_attr_arg(input, "norm")
    check_int_scalar(p, "norm", "p")
    if x._data.dtype.kind not in "fc" and not x.dtype.is_floating_point:  # (bfloat16 too)
        raise RuntimeError(f"norm(): expected a floating point or complex tensor as input, got "
                           f"{_type_name(x)}; convert it first, e.g. x.float()")
    if dtype is not None:  # (checked as linalg.vector_norm's, where PyTorch hands it)
        from .._linalg.checks import _norm_dtype  # (the layer above)

        x = x.to(dtype=_norm_dtype(x, dtype, "linalg.vector_norm"))
    if x.is_complex():  # the norm of the moduli (real), its gradient through abs: PyTorch's
        x = abs(x)
    if isinstance(p, str) and p == "fro" and isinstance(dim, Tensor) and dim.ndim == 0:
        raise TypeError(f"norm(): len() of a 0-d tensor (p='fro' takes dim as an int or ints, "
                        f"as PyTorch); pass dim={int(dim.item())}")
    axis = _reduce_args(x, dim, "norm")
    if p == "fro" or p is None:
        p = 2
    given = p  # (PyTorch's node saves the order as given: 3, not 3.0)
    p = _norm_p(p)
    if isinstance(p, str):  # (PyTorch's norm hands a str order to linalg.matrix_norm)
        if p != "nuc":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported (norm() takes a "
                               f"number, 'fro' or 'nuc')")
        from .. import linalg  # (the layer above)

        dims = tuple(builtins.range(x.ndim)) if dim is None else dim
        return linalg.matrix_norm(x, "nuc", dim=dims, keepdim=keepdim)
    _no_identity(x, float(p), axis, "linalg.vector_norm")  # (an empty dim, p < 0 or inf)
    if p == float("inf"):
        return amax(abs(x), dim=axis if axis is not None else (), keepdim=keepdim)
    if p == -float("inf"):
        return amin(abs(x), dim=axis if axis is not None else (), keepdim=keepdim)
    if p == 0:
        count = sum((x != 0).to(x.dtype), dim=axis, keepdim=keepdim)
        if not x.requires_grad:
            return count
        # differentiable with a zero gradient, as PyTorch's (finite values times 0 add nothing)
        zero = apply1(E.ZERO_GRAD, where(isfinite(x), x, 0.0), ("floor",)) * 0.0
        return count + sum(zero, dim=axis, keepdim=keepdim)
    return remember(apply1(L.VECTOR_NORM, x, (float(p) if p != 2 else 2, axis, keepdim,
                                               x._data.shape)),
                    _saved_dim=_dims_given(dim), _saved_keepdim=keepdim, _saved_ord=given)


@declare(out=("cast", out_floating_before), aliases=("special:logsumexp",))
def logsumexp(input, dim, keepdim=False):
    if dim is None:  # (PyTorch's dim is required here: an int or a tuple of ints)
        raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType; for "
                        "every element pass dim=tuple(range(x.dim()))")
    x = _float_operand(_t(input))
    out = apply1(R.LOGSUMEXP, x, (_reduce_args(x, dim, "logsumexp"), keepdim, x._data.shape))
    return remember(out, _saved_dim=_dims_given(dim), _saved_keepdim=keepdim)


def _bool_scan_(name):
    """``cumsum_``/``cumprod_``: PyTorch has no bool kernel to write into a bool tensor."""
    def inplace(self, dim, *, dtype=None):
        if dtype is not None and _dtype.to_dtype(dtype) != self.dtype:
            raise RuntimeError(f"{name}_(): Bad in-place call: input tensor dtype {self.dtype} "
                               f"and output tensor dtype {_dtype.to_dtype(dtype)} should match; "
                               f"drop dtype= or use {name}(..., dtype=...)")
        if self._data.dtype == np.bool_ and dtype is None:
            _dim_in(dim, self.ndim, name)  # (the dim is checked first, as PyTorch's)
            _not_implemented(f"{name}_out_cpu", self, f"{name}_() of a bool tensor: use "
                             f"{name}() (int64)")
        return write_inplace(self, REDUCTIONS[name](inplace_input(self, ()), dim, dtype=dtype),
                             name + "_")
    return inplace


@declare(inplace=_bool_scan_("cumsum"), out=("dtype", out_not_bool("cumsum")))
def cumsum(input, dim, *, dtype=None):
    x = _t(input)
    x = x.to(dtype=dtype) if dtype is not None else _int64_accumulator(x)
    return remember(_along_dim(R.CUMSUM, x, dim), _saved_dim=dim)


def _along_dim(op, x, dim):
    """``op`` (a primitive with one ``axis`` parameter) along ``dim``; dim 0 of a 0-d tensor is
    the op over its single element."""
    if x.ndim == 0:
        return apply1(op, x.reshape(1), (_wrap_dim(dim, 0),)).reshape(())
    return apply1(op, x, (_wrap_dim(dim, x.ndim),))


def _softmax_input(input, dim, dtype, name):
    """The input of softmax/log_softmax, cast to ``dtype``: PyTorch has no integral or bool
    kernel for it (an empty input is returned as it is, in that dtype)."""
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype=dtype)
    if not x.dtype.is_floating_point and not x.dtype.is_complex:
        d = _dim_in(dim, x.ndim, name)
        if x.numel() == 0:
            return None
        kernel = f"{name}_lastdim_kernel_impl" if d == x.ndim - 1 or x.ndim == 0 else \
            f"{name}_kernel_impl"
        _not_implemented(kernel, x, f"{name}() takes floating tensors: pass dtype=, e.g. "
                         f"dtype=gradkit.float32")
    return x


@declare(aliases=("special:softmax",))
def softmax(input, dim, dtype=None):
    x = _softmax_input(input, dim, dtype, "softmax")
    if x is None:
        return _t(input).to(dtype).clone()
    return remember(_along_dim(R.SOFTMAX, x, dim), _saved_dim=dim)


@declare(aliases=("special:log_softmax",))
def log_softmax(input, dim, dtype=None):
    x = _softmax_input(input, dim, dtype, "log_softmax")
    if x is None:
        return _t(input).to(dtype).clone()
    return remember(_along_dim(R.LOG_SOFTMAX, x, dim), _saved_dim=dim)


@declare()
def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integers sum in int64)."""
    x = _t(input)
    if x.dtype.kind == "b":  # (PyTorch's kernel dispatch, before the shape)
        _not_implemented("trace", x, "convert it first, e.g. x.int()")
    if x.ndim != 2:
        raise RuntimeError(f"trace(): expected a 2-D tensor, got shape {tuple(x.shape)}")
    return sum(diagonal(x))


@declare(inplace=_bool_scan_("cumprod"), out=("dtype", out_not_bool("cumprod")))
def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim`` (integers accumulate in int64); exact gradients with
    zeros in the input."""
    x = _t(input)
    x = x.to(dtype=dtype) if dtype is not None else _int64_accumulator(x)
    if x.ndim == 0:
        out = apply1(R.CUMPROD, x.reshape(1), (_dim_in(dim, 0, "cumprod"),)).reshape(())
    else:
        out = apply1(R.CUMPROD, x, (_dim_in(dim, x.ndim, "cumprod"),))
    return remember(out, _saved_dim=dim)


@declare(out=("cast", _diff_out_before))
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``, after concatenating ``prepend`` and
    ``append`` (tensors) on either side. Booleans give ``!=`` of neighbours, as in PyTorch."""
    x, n, d, parts = _diff_parts(input, n, dim, prepend, append)
    if n == 0:  # (prepend and append unused once checked, as PyTorch)
        return x
    y = cat(parts, d) if len(parts) > 1 else x
    for _ in range(n):
        m = y.shape[d]
        if m == 0:
            break
        hi, lo = narrow(y, d, 1, m - 1), narrow(y, d, 0, m - 1)
        y = (hi != lo) if y.dtype.kind == "b" else hi - lo
    return y if y is not x else x.clone()


@declare(out=("float_out_or_dtype", out_floating_nan))
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum treating NaN as zero."""
    x = _t(input)
    if x.dtype.kind == "f":
        x = where(isnan(x), 0.0, x)
    elif x._data.dtype.kind == "c":
        raise RuntimeError("nansum on CPU does not support complex inputs")
    return sum(x, dim, keepdim, dtype=dtype)


@declare(out=("float_out", out_floating_nan))
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-NaN elements (NaN where all are NaN)."""
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype=dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got "
                           f"{_type_name(x)}; convert first, e.g. x.float()")
    keep = ~isnan(x)
    axis = _reduce_args(x, dim, "nanmean")
    count = np.sum(to_host(keep._data), axis=axis, keepdims=keepdim).astype(x.dtype)
    return sum(where(keep, x, 0.0), dim, keepdim) / wrap(_const_like(x, np.asarray(count)))


def _cum_extreme(input, dim, largest, fn):
    x = _t(input)  # (PyTorch wraps no dim of an empty input: any int is taken, as 0 here)
    d = _dim_in(dim, x.ndim, fn) if x.ndim == 0 or x.numel() else 0 * _int_arg(dim, fn, "dim")
    if x.ndim == 0:
        zero = wrap(_const_like(x, np.asarray(0, dtype=np.int64)))
        return getattr(return_types, fn)(x.clone(), zero)
    a = to_host(x._data)
    acc = np.maximum.accumulate(a, axis=d) if largest else np.minimum.accumulate(a, axis=d)
    shape = [1] * a.ndim
    shape[d] = a.shape[d]
    pos = np.arange(a.shape[d]).reshape(shape)
    # PyTorch's scan moves the index on >= (<= for min) and on NaN: the last element equal to
    # the running extreme, or the last NaN once one is met
    update = a == acc
    if a.dtype.kind == "f":
        update |= np.isnan(a)
    idx = np.maximum.accumulate(np.where(update, pos, 0), axis=d).astype(np.int64, order="C")
    idx = wrap(_const_like(x, idx))  # (row-major: the gather's values follow it, as PyTorch's)
    return getattr(return_types, fn)(gather(x, d, idx), idx)


@declare(out=("same", out_tuple(2)))
def cummax(input, dim):
    """``(values, indices)`` of the running maximum along ``dim``; ties take the latest index
    (as PyTorch) and the gradient goes to it."""
    return _cum_extreme(input, dim, True, "cummax")


@declare(out=("same", out_tuple(2)))
def cummin(input, dim):
    """``(values, indices)`` of the running minimum along ``dim``; ties take the latest index."""
    return _cum_extreme(input, dim, False, "cummin")


@declare(out=("same", out_input_dtype("logcumsumexp(): expected scalar_type {input} but "
                                     "found {out}")))
def logcumsumexp(input, dim):
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably.

    Where every element up to a position is -inf, the gradient of those elements is 0 here
    (PyTorch gives NaN there, from ``exp(-inf - -inf)``).
    """
    x = _t(input)
    _dim_in(dim, x.ndim, "logcumsumexp")  # the dim is checked first, as in PyTorch
    if x.dtype.kind != "f":
        _not_implemented("logcumsumexp_out_cpu", x, "logcumsumexp() takes floating tensors: "
                         "convert first, e.g. x.float()")
    if x.ndim == 0:
        return apply1(R.LOGCUMSUMEXP, x.reshape(1),
                      (_dim_in(dim, 0, "logcumsumexp"),)).reshape(())
    return apply1(R.LOGCUMSUMEXP, x, (_dim_in(dim, x.ndim, "logcumsumexp"),))


# ------------------------------------------------------------------ more reductions
@declare(out=("same", out_tuple(2)))
def aminmax(input, *, dim=None, keepdim=False):
    """``(min, max)`` over all elements or over ``dim`` (the gradients of amin and amax)."""
    x = _t(input)
    if x.numel() == 0 and dim is not None and x.ndim and \
            x.shape[_dim_in(dim, x.ndim, "aminmax")] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {dim} to have non-zero size (shape "
                         f"{tuple(x.shape)}); reduce over a non-empty dim")
    if x.numel() == 0 and (dim is None or x.ndim == 0):
        raise RuntimeError(f"aminmax(): cannot compute aminmax over an empty dimension as the "
                           f"operation has no identity (shape {tuple(x.shape)}); reduce over a "
                           f"non-empty dim")
    if dim is None:
        lo, hi = amin(x), amax(x)
        if keepdim:
            lo, hi = lo.reshape((1,) * x.ndim), hi.reshape((1,) * x.ndim)
        return return_types.aminmax(lo, hi)
    d = _dim_in(dim, x.ndim, "aminmax")
    return return_types.aminmax(amin(x, d, keepdim), amax(x, d, keepdim))


# dx left out (unit spacing), told apart from a None passed, which PyTorch refuses
_NO_DX = type("_NoDx", (), {"__slots__": (), "__repr__": lambda self: "unit spacing"})()


def _dx_given(dx, name):
    """``dx``, or None where it was left out; PyTorch's TypeError for a None passed."""
    if dx is None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got dx=None; "
                        f"dx is the constant spacing, a number: leave it out for a spacing of 1")
    return None if dx is _NO_DX else dx


def _trapz_parts(y, x, dx, dim, name):
    if dx is not None and not isinstance(dx, (int, float, complex, np.number, np.bool_, Tensor)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got dx of type "
                        f"{type(dx).__name__}; dx is the constant spacing, a number, e.g. "
                        f"dx=0.5")
    if isinstance(dx, (bool, np.bool_)):  # (trapz takes it as 1 or 0, as PyTorch's)
        raise RuntimeError(f"{name}(): Currently, we only support dx as a real number (got "
                           f"dx={dx}); pass a float, e.g. dx=1.0")
    if x is not None and not isinstance(x, (Tensor, np.ndarray)):  # (PyTorch: x is a Tensor)
        raise TypeError(f"{name}() received an invalid combination of arguments - got x of type "
                        f"{type(x).__name__}; x is a Tensor of sample points (a constant "
                        f"spacing is dx=, e.g. {name}(y, dx={x!r}))")
    y = _t(y, "y")
    # PyTorch's order: cumulative_trapezoid refuses bool first; trapezoid checks the dim, gives
    # zeros for an empty one (before any check of x), then refuses bool
    if (y._data.dtype.kind == "b" or isinstance(x, Tensor) and x._data.dtype.kind == "b") and (
            name == "cumulative_trapezoid" or y.ndim and y.shape[_dim_in(dim, y.ndim, name)]):
        raise RuntimeError(f"{name}: received a bool input for `{'y' if x is None else 'x` or `y'}"
                           f"`, but bool is not supported; convert it first, e.g. y.float()")
    if y.ndim == 0:
        raise IndexError(f"{name}(): Dimension out of range: y is a 0-d tensor; give a tensor "
                         f"with at least one dimension")
    d = _dim_in(dim, y.ndim, name)
    n = y.shape[d]
    if n == 0 and name == "trapezoid":
        return d, 0, y, y, None
    # in the operands' own dtypes, as PyTorch (a uint8 x's differences wrap around)
    left = narrow(y, d, 0, n - 1) if n else y
    right = narrow(y, d, 1, n - 1) if n else y
    if x is not None:
        xt = _t(x, "x")
        if xt.ndim == 1:
            if xt.shape[0] != n:
                raise RuntimeError(f"{name}(): There must be one `x` value for each sample point; "
                                   f"x has {xt.shape[0]}, y has {n} along dim {d}")
            shape = [1] * y.ndim
            shape[d] = n
            xt = xt.reshape(shape)
            dd = _dim_in(d, y.ndim, name)
        elif xt.ndim == 0:
            raise RuntimeError(f"{name}(): x must have one value per sample point; got a 0-d x "
                               f"for y of shape {tuple(y.shape)}")
        else:
            dd = _dim_in(dim, xt.ndim, name)
        spacing = diff(xt, dim=dd)
    else:
        spacing = 1.0 if dx is None else dx
    return d, n, left, right, spacing


@declare(method=False, grad_name=lambda y, x=None, dx=None, dim=-1: "DivBackward1"
         if hasattr(x, "_data") else "MulBackward1")
def trapezoid(y, x=_NO_X, *, dx=_NO_DX, dim=-1):
    """The trapezoidal rule along ``dim``: sample points ``x`` (a tensor) or constant spacing
    ``dx`` (default 1)."""
    x, dx = _x_given(x, "trapezoid"), _dx_given(dx, "trapezoid")
    if x is not None and dx is not None:
        raise TypeError("trapezoid(): give x or dx, not both")
    if x is not None and x.__class__ is not Tensor:
        _tensor_operands("trapezoid", (2, "x", x))  # (a number is ``dx=``, as PyTorch)
    d, n, left, right, spacing = _trapz_parts(y, x, dx, dim, "trapezoid")
    if n == 0:  # new zeros of y's dtype, out of the graph, as PyTorch's
        return sum(left, d).detach().to(left.dtype)
    if x is None:  # PyTorch's formula for a constant spacing (inf * 0 only where the sum is 0)
        y = _t(y, "y")
        ends = y.select(d, 0) + y.select(d, -1)
        return (sum(y, d) - ends * 0.5) * spacing
    return sum(spacing * (right + left), d) / 2


@declare(method=False, grad_name=lambda y, x=None, dx=None, dim=-1: "DivBackward1"
         if hasattr(x, "_data") else "MulBackward1")
def trapz(y, x=_NO_X, *, dx=_NO_DX, dim=-1):
    """Alias of :func:`trapezoid` (``trapz(y, dx=..., dim=...)`` too; a bool ``dx`` is 1 or 0
    here, as PyTorch's trapz)."""
    x, dx = _x_given(x, "trapz"), _dx_given(dx, "trapz")
    dx = float(dx) if isinstance(dx, (bool, np.bool_)) else dx
    return trapezoid(y, _NO_X if x is None else x, dx=_NO_DX if dx is None else dx, dim=dim)


@declare(method=False)
def cumulative_trapezoid(y, x=_NO_X, *, dx=_NO_DX, dim=-1):
    """The running trapezoidal integral along ``dim`` (one element shorter than ``y``)."""
    x, dx = _x_given(x, "cumulative_trapezoid"), _dx_given(dx, "cumulative_trapezoid")
    if x is not None and dx is not None:
        raise TypeError("cumulative_trapezoid(): give x or dx, not both")
    if x is not None and x.__class__ is not Tensor:
        _tensor_operands("cumulative_trapezoid", (2, "x", x))
    d, n, left, right, spacing = _trapz_parts(y, x, dx, dim, "cumulative_trapezoid")
    if n == 0 and x is None:
        return _float_operand(left)
    if x is None:  # PyTorch's order of operations
        return cumsum(spacing / 2.0 * (right + left), d)
    return cumsum(spacing * (right + left), d) / 2


def _renorm_checks(x, p, maxnorm):
    """renorm's first checks, in PyTorch's order: p, maxnorm, rank (NaN fails the first two)."""
    check_int_scalar(p, "renorm", "p")  # (its argument parser's, before any)
    check_int_scalar(maxnorm, "renorm", "maxnorm")
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not p > 0:
        raise RuntimeError(f"renorm(): non-positive-norm not supported, got p={p!r}")
    if not maxnorm >= 0:
        raise RuntimeError(f"renorm(): expected maxnorm to be >= 0 but got {maxnorm}")
    if x.ndim <= 1:
        raise RuntimeError(f"renorm(): input needs at least 2 dimensions, got shape "
                           f"{tuple(x.shape)}")


def _renorm_out_before(out, args):
    """renorm(out=): PyTorch checks out's dtype after p, maxnorm and the rank, before dim."""
    x = args.get("input")
    if isinstance(x, Tensor) and isinstance(out, Tensor):
        _renorm_checks(x, args.get("p"), args.get("maxnorm"))
        if out._data.dtype != x._data.dtype:
            raise RuntimeError(f"renorm(): expected out tensor to have dtype {x.dtype} (the "
                               f"input's), but got {out.dtype}; pass an out of that dtype")


@declare(inplace=True, out=("same", _renorm_out_before))
def renorm(input, p, dim, maxnorm):
    """Each slice along ``dim`` rescaled so its ``p``-norm is at most ``maxnorm`` (slices
    under it unchanged); the scale counts as a function of the input (PyTorch's gradient)."""
    x = _t(input)
    # PyTorch's order of checks: p, maxnorm, rank, dim, then dtype
    _renorm_checks(x, p, maxnorm)
    d = _dim_in(dim, x.ndim, "renorm")
    if x.dtype.kind != "f":
        raise RuntimeError(f"renorm(): expected a floating point input, got {x.dtype}")
    others = tuple(k for k in range(x.ndim) if k != d)
    # float16/bfloat16: PyTorch's norm and scale factor in float32, the factor rounded to the
    # input's dtype before the product
    xw = x.to(_dtype.float32) if _is_half(x) else x
    over = norm(xw.detach(), p, others, keepdim=True) > maxnorm
    # the differentiable norm of the rescaled slices only: the others (a NaN norm among them)
    # pass their gradient through unchanged, as PyTorch's renorm_backward
    nrm = norm(where(over, xw, 0.0), p, others, keepdim=True)
    scale = where(over, maxnorm / where(over, nrm, 1.0).add(1e-7), 1.0)
    return x * (scale.to(x.dtype) if scale.dtype != x.dtype else scale)


def _sum_to_size(self, *size):
    """Sum this tensor down to ``size`` (which must expand to this tensor's shape)."""
    if not size:
        _missing_arg("sum_to_size", "size", "give the target size, e.g. x.sum_to_size(1, 3)")
    shape = _shape_arg(size, "sum_to_size")
    x = self
    lead = x.ndim - len(shape)
    ok = lead >= 0 and builtins_all(s == t_ or s == 1 for s, t_ in zip(shape, x.shape[lead:]))
    if not ok:
        raise RuntimeError(f"sum_to_size(): size {list(shape)} is not expandable to size "
                           f"{list(x.shape)}")
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and x.shape[lead + i] != 1)
    out = sum(x, axes, keepdim=True) if axes else x
    return out.reshape(shape) if tuple(out.shape) != tuple(shape) else out


tensor_method("sum_to_size")(_sum_to_size)


# ------------------------------------------------------------------ gradient
def _grad_spacing(x, spacing, dims, dim_given, lengths_only=False):
    """``spacing`` as one entry per dim of ``dims``: a number or a 1-D coordinate tensor
    (``lengths_only``: only a list's length checked against the dims)."""
    if isinstance(spacing, (list, tuple)):
        sp = list(spacing)
        if len(sp) != len(dims):
            if dim_given:
                raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a "
                                   f"scalar or it's spacing and dim arguments to have the same "
                                   f"length, but got a spacing argument of length {len(sp)} and "
                                   f"a dim argument of length {len(dims)}.")
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, "
                               f"or a list of length equal to 'self.dim() = {x.ndim}', since "
                               f"dim argument was not given, but got a list of length "
                               f"{len(sp)}")
        if lengths_only:
            return sp
    else:
        if isinstance(spacing, Tensor):
            if spacing.ndim != 0:
                raise TypeError("gradient(): spacing must be a number, a 0-d tensor or a list "
                                "(of numbers or of 1-D coordinate tensors), got a "
                                f"{spacing.ndim}-D tensor; pass [coordinates]")
            spacing = spacing.item()
        sp = [spacing] * len(dims)
    out = []
    for d, h in zip(dims, sp):
        if isinstance(h, Tensor):
            if h.ndim == 0:
                raise RuntimeError("torch.gradient expected each element of spacing to have one "
                                   "dimension, but got an element with 0 dimensions!")
            else:
                if h.ndim == 1 and h.shape[0] == 0 and x.shape[d]:  # (as PyTorch: its
                    # central weights, empty, broadcast against the dim's size - 2 elements
                    # (a size mismatch unless that is 0 or 1), then it selects the first step
                    # (an IndexError))
                    raise (IndexError if x.shape[d] - 2 in (0, 1) else RuntimeError)(
                        f"gradient(): the coordinates of dim {d} are empty (select(): index 0 "
                        f"out of range); give one per element of the dim (size {x.shape[d]})")
                if h.ndim != 1 or h.shape[0] != x.shape[d]:
                    raise RuntimeError(f"torch.gradient expected each tensor to be on the same "
                                       f"device and 1-D with the size of its dim: dim {d} has "
                                       f"size {x.shape[d]}, coordinates of shape "
                                       f"{tuple(h.shape)}")
                out.append(h)
                continue
        if isinstance(h, bool) or not isinstance(h, (int, float, np.number)):
            raise TypeError(f"gradient(): spacing must be a number, a list of numbers or a list "
                            f"of 1-D tensors, got {type(h).__name__}")
        out.append(h)
    return out


def _grad_along(f, d, h, edge_order):
    """The derivative of ``f`` along ``d`` (PyTorch's formulas: central differences inside,
    one-sided differences of order ``edge_order`` at the two ends)."""
    def sl(a, b=None):
        n = f.shape[d]
        a = a + n if a < 0 else a
        b = n if b is None else (b + n if b < 0 else b)
        return narrow(f, d, a, b - a)

    if not isinstance(h, Tensor):
        center = (sl(2) - sl(0, -2)) / h / 2
        if edge_order == 1:
            pre = (sl(1, 2) - sl(0, 1)) / h
            app = (sl(-1) - sl(-2, -1)) / h
        else:
            pre = (sl(0, 1) * -1.5 + sl(1, 2) * 2 - sl(2, 3) * 0.5) / h
            app = (sl(-3, -2) * 0.5 - sl(-2, -1) * 2 + sl(-1) * 1.5) / h
        return cat([pre, center, app], d)
    shape = [1] * f.ndim
    shape[d] = -1
    dx = diff(h)
    dx1, dx2 = dx[:-1], dx[1:]
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * sl(0, -2) + b * sl(1, -1) + c * sl(2)
    if edge_order == 1:
        pre = (sl(1, 2) - sl(0, 1)) / dx[0]
        app = (sl(-1) - sl(-2, -1)) / dx[-1]
    else:
        d0, d1, dm1, dm2 = dx[0], dx[1], dx[-1], dx[-2]
        pre = (sl(0, 1) * (-(2.0 * d0 + d1) / (d0 * (d0 + d1)))
               + sl(1, 2) * ((d0 + d1) / (d0 * d1)) + sl(2, 3) * (-d0 / (d1 * (d0 + d1))))
        app = (sl(-3, -2) * (dm1 / (dm2 * (dm1 + dm2)))
               + sl(-2, -1) * (-(dm1 + dm2) / (dm1 * dm2))
               + sl(-1) * ((2 * dm1 + dm2) / (dm1 * (dm1 + dm2))))
    return cat([pre, center, app], d)


@declare(method=False)
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """The derivative of ``input`` along each of ``dim`` (every dim by default) by finite
    differences: a tuple of tensors of ``input``'s shape. ``spacing``: the step (a number, one
    per dim) or each dim's sample coordinates (1-D tensors); second-order central differences
    inside, one-sided ones of order ``edge_order`` (1 or 2) at the ends."""
    x = _t(input)
    # (PyTorch's order: the argument checks -- spacing's length against the dims, edge_order,
    # the dims, each dim's size -- before any coordinate is read)
    raw = None
    if dim is not None:
        raw = (dim,) if isinstance(dim, (int, np.integer)) else dim
        if not isinstance(raw, (tuple, list)):
            raise TypeError(f"gradient(): argument 'dim' must be an int or a tuple of ints, "
                            f"not {type(dim).__name__}")
    if x.dtype == _dtype.uint8:
        raise RuntimeError("torch.gradient does not support uint8 input.")
    if isinstance(spacing, (list, tuple)):
        _grad_spacing(x, spacing, tuple(builtins.range(x.ndim)) if raw is None else raw,
                      raw is not None, lengths_only=True)
    if isinstance(edge_order, bool) or edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if raw is None:
        dims = tuple(builtins.range(x.ndim))
    else:
        dims = tuple(_dim_in(d, x.ndim, "gradient") for d in raw)
        if len(set(dims)) != len(dims):
            dup = next(d for d in dims if dims.count(d) > 1)
            raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    for d in dims:
        if x.ndim and x.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    hs = _grad_spacing(x, spacing, dims, dim is not None)
    if x.ndim == 0:
        return ()
    if x.dtype == _dtype.bool and (edge_order == 1 or not builtins.all(
            isinstance(h, Tensor) for h in hs)):  # (coordinates' second-order weights
        # multiply the bool values: no bool subtraction, as in PyTorch)
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if x.dtype.kind in "biu" and not builtins.any(isinstance(h, Tensor) for h in hs):
        x = x.to(_dtype.get_default_dtype())
    return tuple(_grad_along(x, d, h, edge_order) for d, h in zip(dims, hs))


REDUCTIONS = {"cumsum": cumsum, "cumprod": cumprod}  # (looked up by _bool_scan_'s faces)

"""Complex tensors: how their data is held, and the guard that refuses what is not supported.

A complex Tensor's data is a ``CArray``: a NumPy array subclass of complex dtype (a view of the
same memory, no copy). Real tensors keep plain ``ndarray`` data, so every per-op fast path that
tests ``type(data) is ndarray`` takes its usual branch for them and costs nothing more; complex
data falls to the branch that was there for device arrays, where the checks below live.

The guard, in three layers (no silent wrong answer on complex input):

1. Op level (``gradkit/_tensor/record.py``, slow branches only): an ``Op`` whose ``complex``
   slot is None refuses complex input or output with a RuntimeError naming it; an op that
   supports complex has ``complex`` set to the Op to run instead (itself, or a variant whose
   backward follows PyTorch's convention: for a real loss L, ``z.grad = dL/dRe z + i dL/dIm z``).
   ``holomorphic(op)`` makes that variant from a rule written for reals ``g * f'(x)`` (linear in
   ``g``, holomorphic in the inputs): ``conj(rule(conj(g)))`` is ``g * conj(f'(z))``; a real
   input gets the real part. Handed Tensors (create_graph, forward-mode AD), the complex rules
   compute with gradkit functions, so complex gradients differentiate again.
2. NumPy level: ``CArray.__array_ufunc__`` runs only the ufuncs whose complex meaning is
   PyTorch's (arithmetic, exp/log/trig, abs, ==/!=, isnan...); an ordering ufunc (``<``,
   ``maximum``, ``clip``, ``floor``) raises NotImplementedError as PyTorch does, any other a
   RuntimeError; ``__array_function__`` refuses the order-based functions (sort, max, argmax,
   median...). This catches faces that compute with NumPy directly, without an Op.
3. NumPy's ComplexWarning (a complex value cast to real, dropping its imaginary part) is an
   error inside gradkit's own modules (a warnings filter on ``module=gradkit``; user code is
   unaffected).

``tests/functions/test_complex_registry.py`` calls every registry op with complex inputs and
checks that it matches torch or raises a clear error.
"""

from __future__ import annotations

import copy as _copy
import sys
import warnings

import numpy as np

__all__ = ["CArray", "HOST_KINDS", "as_carray", "complex_unsupported", "holomorphic",
           "is_complex_data", "is_host", "no_complex_autograd", "plain", "refuse_op", "supports"]

_ndarray = np.ndarray

# ufuncs whose complex result is PyTorch's (or bool/real where PyTorch's is)
_UFUNCS_OK = frozenset(getattr(np, n) for n in (
    "add", "subtract", "multiply", "divide", "true_divide", "negative", "positive",
    "conjugate", "conj", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "square",
    "power", "float_power", "reciprocal", "sin", "cos", "tan", "sinh", "cosh", "tanh",
    "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "absolute", "abs",
    "equal", "not_equal", "isnan", "isinf", "isfinite", "logical_and", "logical_or",
    "logical_not", "logical_xor", "matmul", "exp2", "vecdot") if hasattr(np, n))
# ufuncs PyTorch refuses with NotImplementedError on complex (an order on complex numbers)
_ORDERING = frozenset(getattr(np, n) for n in (
    "greater", "greater_equal", "less", "less_equal", "maximum", "minimum", "fmax", "fmin",
    "clip", "floor", "ceil", "trunc", "rint", "sign", "fmod", "remainder", "floor_divide",
    "arctan2", "heaviside", "copysign", "signbit", "hypot", "logaddexp", "logaddexp2",
    "nextafter", "spacing", "modf", "frexp", "ldexp", "divmod") if hasattr(np, n))
# reductions that are sums of complex values
_REDUCE_OK = frozenset((np.add, np.multiply, np.logical_and, np.logical_or))
# NumPy functions that order values: a complex input is refused (PyTorch refuses them too)
_FUNCS_REFUSED = frozenset(f for f in (
    np.sort, np.argsort, np.partition, np.argpartition, np.amax, np.amin, np.max, np.min,
    np.argmax, np.argmin, np.clip, np.median, np.percentile, np.quantile, np.nanmax,
    np.nanmin, np.nanargmax, np.nanargmin, np.ptp, np.searchsorted, np.lexsort, np.unique,
    np.histogram, np.digitize, np.nanmedian, np.nanpercentile, np.nanquantile, np.round,
    np.around, np.fix, np.sort_complex, getattr(np, "unique_values", None),
    getattr(np, "unique_counts", None), getattr(np, "unique_inverse", None),
    getattr(np, "unique_all", None), np.histogram_bin_edges, np.bincount, np.interp,
    np.gradient, np.nanmean, np.nansum, np.nanprod, np.nanvar, np.nanstd, np.nancumsum,
    np.nancumprod, np.cov, np.corrcoef) if f is not None)


def _caller_op():
    """The gradkit function the user called (the outermost gradkit frame), for messages."""
    f = sys._getframe(1)
    name = None
    while f is not None:
        mod = f.f_globals.get("__name__", "")
        if mod == "gradkit" or mod.startswith("gradkit."):
            if not mod.startswith("gradkit._complex"):
                name = f.f_code.co_name
        elif name is not None:
            break
        f = f.f_back
    if name and name.startswith("_") and not name.startswith("__"):
        name = name.lstrip("_")
    return name


def complex_unsupported(what, exc=NotImplementedError):
    """The error for an op that does not support complex tensors (yet)."""
    return exc(f"{what}: complex tensors are not supported by gradkit for this op yet. Work on "
               f"real tensors: take .real, .imag, .abs() or .angle(), or "
               f"gradkit.view_as_real(z) (a real tensor with a last dim of 2: real and imaginary "
               f"parts), then rebuild with gradkit.complex(re, im) or gradkit.view_as_complex.")


def _ordering_error(what):
    return NotImplementedError(f"{what}: not implemented for complex tensors: complex numbers "
                               f"have no order (PyTorch raises here too); compare .abs(), .real "
                               f"or .angle() instead.")


def _name(face, fallback):
    caller = _caller_op()
    return f"{caller} ({fallback})" if caller and caller != fallback else (caller or fallback)


def plain(a):
    """``a`` as a plain ndarray (a CArray's view; anything else as it is)."""
    return a.view(_ndarray) if type(a) is CArray else a


def _plain_all(x):
    t = type(x)
    if t is CArray:
        return x.view(_ndarray)
    if t is tuple or t is list:
        return t(_plain_all(y) for y in x)
    return x


def _has_complex(x):
    t = type(x)
    if t is CArray:
        return True
    if t is _ndarray:
        return x.dtype.kind == "c"
    if t is tuple or t is list:
        return any(_has_complex(y) for y in x)
    return t is complex or isinstance(x, np.complexfloating)


def as_carray(r):
    """A NumPy result as gradkit holds it: complex arrays (and scalars) as CArray, others as
    they are."""
    t = type(r)
    if t is _ndarray:
        return r.view(CArray) if r.dtype.kind == "c" else r
    if t is CArray:
        return r if r.dtype.kind == "c" else r.view(_ndarray)
    if t is tuple or t is list:
        return t(as_carray(y) for y in r)
    if isinstance(r, np.complexfloating):
        return np.asarray(r).view(CArray)
    return r


class CArray(np.ndarray):
    """The data of a complex Tensor: a NumPy array (complex dtype) that runs only the NumPy
    operations whose complex meaning is PyTorch's (see the module docstring)."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        args = _plain_all(inputs)
        if out is not None:
            kwargs["out"] = _plain_all(out)
        if (ufunc not in _UFUNCS_OK or (method != "__call__" and ufunc not in _REDUCE_OK)) \
                and (_has_complex(inputs) or (out is not None and _has_complex(out))):
            what = _name(None, f"numpy.{ufunc.__name__}")
            if ufunc in _ORDERING or method != "__call__" and ufunc in (np.maximum, np.minimum):
                raise _ordering_error(what)
            raise complex_unsupported(what)
        r = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return as_carray(r)

    def __array_function__(self, func, types, args, kwargs):
        if func in _FUNCS_REFUSED and (_has_complex(args) or _has_complex(kwargs.get("a"))):
            what = _name(None, f"numpy.{func.__name__}")
            if func in (np.sort, np.argsort, np.partition, np.argpartition, np.lexsort,
                        np.searchsorted):
                raise RuntimeError(f"{what}: sort does not support complex dtypes (PyTorch "
                                   f"raises here too); sort .abs() or .real instead.")
            raise _ordering_error(what)
        args = _plain_all(args)
        if kwargs:
            kwargs = {k: _plain_all(v) for k, v in kwargs.items()}
        r = func(*args, **kwargs)
        return as_carray(r)

    def __reduce_ex__(self, protocol):  # pickles as a plain array
        return self.view(_ndarray).__reduce_ex__(protocol)


def is_complex_data(a) -> bool:
    return type(a) is CArray


# --------------------------------------------------------------------------- the Op layer
def supports(op, variant=None):
    """Mark ``op`` as correct for complex inputs as it is (``variant`` None), or give the Op to
    run instead on complex data."""
    op.complex = op if variant is None else variant
    if variant is not None:
        variant.complex = variant
    return op


def _real_part(xp, r, x):
    """The gradient for input ``x``: its real part when ``x`` is real (PyTorch's rule)."""
    if type(x) is CArray:
        return r
    if type(x) is _ndarray or isinstance(x, (int, float, np.floating, np.integer)):
        return np.ascontiguousarray(plain(np.real(r))) if _has_complex(r) else r
    # a Tensor (create_graph)
    if getattr(x, "is_complex", None) is not None and not x.is_complex() and r.is_complex():
        return r.real
    return r


def holomorphic(op):
    """Mark ``op`` as supporting complex: its forward is right on complex data and its rule
    computes ``g * f'(inputs)`` (linear in g, holomorphic in the inputs), so
    ``conj(rule(conj(g)))`` is PyTorch's complex gradient."""
    rule = op.backward
    variant = _copy.copy(op)
    f = op.forward
    if op.returns_aux:  # complex results as CArray, whatever NumPy function made them
        def forward(xp, *args, _f=f):
            out, aux = _f(xp, *args)
            return as_carray(out), aux
    else:
        def forward(xp, *args, _f=f):
            return as_carray(_f(xp, *args))
    variant.forward = forward

    def backward(xp, g, ins, out, aux, needs, _rule=rule):
        gs = _rule(xp, xp.conj(g), ins, out, aux, needs)
        if ins is None:  # a one-input op that keeps the dtype: complex in, complex out
            return tuple(None if r is None else xp.conj(r) for r in gs)
        return tuple(None if r is None else _real_part(xp, xp.conj(r), ins[i])
                     for i, r in enumerate(gs))

    variant.backward = backward
    return supports(op, variant)


def no_complex_autograd(name, *tensors):
    """PyTorch's refusal of an op it computes on complex tensors but does not differentiate
    there (scatter_reduce, nan_to_num): a RuntimeError when grad mode is on and a complex
    input requires grad."""
    from .autograd.grad_mode import is_grad_enabled

    if is_grad_enabled() and any(getattr(t, "requires_grad", False) and type(t._data) is CArray
                                 for t in tensors):
        raise RuntimeError(f"{name} does not support automatic differentiation for outputs with "
                           f"complex dtype. Differentiate it on .real and .imag separately, or "
                           f"compute it under gradkit.no_grad() (as in PyTorch)")


def refuse_op(op):
    raise complex_unsupported(_name(None, op.name) if _caller_op() else op.name)


def _install_filter():
    cw = getattr(getattr(np, "exceptions", np), "ComplexWarning", None)
    if cw is not None:
        warnings.filterwarnings("error", category=cw, module=r"gradkit\b")


_install_filter()


HOST_KINDS = (np.ndarray, CArray)  # the array types of host (CPU) data, real and complex


def is_host(a) -> bool:
    """Whether ``a`` is host data: a plain ndarray or complex host data (not a device array,
    which may also subclass ndarray, as the tests' fake CuPy does)."""
    return type(a) is _ndarray or type(a) is CArray

"""Elementwise primitives: arithmetic, transcendental functions, activations, selection.

Each op is declared once: a forward on arrays and one backward rule (see ``autograd.graph``).
Rules use only operators and ``xp.<numpy name>`` so they also run on Tensors (higher order).
Broadcasting ops set ``broadcasts=True``: the engine sums gradients back to each input's shape.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _activation_float32 as _A32
from .. import _noblas, _wasm_simd
from .._backend import to_host
from .._exact_float32 import sigmoid as _exact_sigmoid
from .._fma import fma
from ..autograd.graph import (
    SAVED_FOR_THE_OTHER,
    SAVES_INPUTS,
    SAVES_OUTPUT,
    SCALAR_KEEPS_NUMBER_ONLY,
    Op,
)
from .special import erf_array

__all__ = [
    "ADD", "SUB", "MUL", "DIV", "NEG", "POW", "EXP", "LOG", "LOG1P", "EXPM1", "SQRT",
    "RSQRT", "STD_ROOT", "SIN", "COS", "TANH", "SIGMOID", "RELU", "ABS", "CLAMP", "MAXIMUM",
    "MINIMUM", "WHERE", "CAST", "LERP", "ADDCMUL", "ADDCDIV", "ZERO_GRAD", "ERF", "SQUARE",
    "RECIPROCAL", "ATAN2", "HYPOT",
    "LOGADDEXP", "FMOD", "REMAINDER", "ASIN", "ACOS", "ATAN", "ASINH", "ACOSH", "ATANH", "SINH",
    "COSH", "EXP2", "FMAX", "FMIN", "COPYSIGN", "DIV_ROUNDED", "FLOOR_DIVIDE", "erf_array",
    "rounded_div", "FREXP_MANTISSA",
]

_BOTH = SAVES_INPUTS | SAVES_OUTPUT
_ndarray = np.ndarray
# ``1`` as a read-only 0-d array per floating dtype: ``one - t`` gives the bits of ``1 - t``, and
# NumPy's call is ~0.5 us cheaper without the Python number (its weak-promotion conversion)
_ONES = {}
for _t in (np.float16, np.float32, np.float64):
    _one = np.ones((), _t)
    _one.flags.writeable = False
    _ONES[np.dtype(_t)] = _one
del _t, _one


def _add_f(xp, a, b):
    return a + b


def _add_b(xp, g, ins, out, aux, needs):
    return g, g


def _sub_f(xp, a, b):
    return a - b


def _sub_b(xp, g, ins, out, aux, needs):
    return g, (-g if needs[1] else None)


def _mul_f(xp, a, b):
    return a * b


def _mul_b(xp, g, ins, out, aux, needs):
    a, b = ins
    return (g * b if needs[0] else None), (g * a if needs[1] else None)


def _div_f(xp, a, b):
    return a / b


def _div_b(xp, g, ins, out, aux, needs):
    a, b = ins
    ga = g / b if needs[0] else None
    gb = -g * ((a / b) / b) if needs[1] else None  # (PyTorch's expression: its rounding)
    return ga, gb


def _neg_f(xp, a):
    return -a


def _neg_b(xp, g, ins, out, aux, needs):
    return (-g,)


def _pow_f(xp, a, b):
    if _int_kind(a) and _int_kind(b):
        return _int_pow(xp, a, b)
    if (b.__class__ is float or b.__class__ is int) and b in _POW_BY_PRODUCTS and \
            getattr(getattr(a, "dtype", None), "kind", "") == "f" and a.dtype.itemsize >= 4:
        return _POW_BY_PRODUCTS[b](xp, a)
    return a ** b


# PyTorch's pow kernel for these number exponents of a float32/float64 tensor computes
# products and square roots, not pow (-0.5 is rsqrt: NaN at -inf, -inf at -0.0, where pow
# gives 0 and inf; 3 and -2 round differently from pow in about a third of the elements)
_POW_BY_PRODUCTS = {
    -0.5: lambda xp, a: 1 / xp.sqrt(a),
    3: lambda xp, a: a * a * a,
    -2: lambda xp, a: 1 / (a * a),
}


def _int_kind(v):
    if isinstance(v, bool):
        return True
    if isinstance(v, int):
        return True
    return getattr(getattr(v, "dtype", None), "kind", "f") in "iub"


def _int_pow(xp, a, b):
    """Integer powers as PyTorch: a negative exponent gives 1 for a base of 1, +-1 for -1 and 0
    otherwise (elementwise); a negative Python int exponent is an error."""
    if isinstance(b, (int, bool)) and not hasattr(b, "dtype"):
        if b < 0:
            raise RuntimeError(
                "pow(): Integers to negative integer powers are not allowed (an integer tensor "
                f"to the power {b}); convert the base first, e.g. x.float() ** {b}")
        return a ** b
    if getattr(b, "dtype", None) is not None and b.dtype.kind == "u" or not (b < 0).any():
        return a ** b
    neg = b < 0
    pos = a ** xp.where(neg, 0, b)
    one = xp.ones_like(pos)
    odd = (b % 2) != 0
    small = xp.where(a == 1, one, xp.where(a == -1, xp.where(odd, -one, one), 0 * one))
    return xp.where(neg, small, pos).astype(pos.dtype, copy=False)


def _pow_b(xp, g, ins, out, aux, needs):
    a, b = ins
    ga = gb = None
    if needs[0]:
        # PyTorch's grad * (b * a.pow(b - 1)), the power by its kernel's special cases
        # (a ** -0.5 is rsqrt: -inf at -0.0, NaN at -inf)
        if isinstance(b, (int, float)):
            ga = g * (b * _pow_f(xp, a, b - 1)) if b != 0 else g * 0
        else:
            # where b == 0 the derivative is 0 even at a == 0 (avoid 0 * inf)
            ga = xp.where(b == 0, 0.0, g * (b * a ** xp.where(b == 0, 1.0, b - 1)))
    if needs[1]:
        if isinstance(a, (int, float)):  # a Python base (2 ** t): its log is a number
            if a == 0:
                gb = xp.where(b >= 0, 0.0, g * (a ** b) * -math.inf)
            else:
                gb = g * (a ** b) * (math.log(a) if a > 0 else math.nan)
        else:
            # PyTorch: 0 where a == 0 and b >= 0, else grad * (a ** b * log(a)) (-inf at a
            # zero base with a negative exponent: inf * log(0))
            zero = (a == 0) & (b >= 0)
            safe = xp.where(zero, 1.0, a)
            gb = xp.where(zero, 0.0, g * ((a ** b) * xp.log(safe)))
    return ga, gb


def _exp_f(xp, a):
    return xp.exp(a)


def _exp_b(xp, g, ins, out, aux, needs):
    return (g * out,)


def _log_f(xp, a):
    return xp.log(a)


def _log_b(xp, g, ins, out, aux, needs):
    return (g / ins[0],)


def _log1p_f(xp, a):
    return xp.log1p(a)


def _log1p_b(xp, g, ins, out, aux, needs):
    return (g / (ins[0] + 1),)


def _expm1_f(xp, a):
    return xp.expm1(a)


def _expm1_b(xp, g, ins, out, aux, needs):
    return (g * (out + 1),)


def _sqrt_f(xp, a):
    return xp.sqrt(a)


def _sqrt_b(xp, g, ins, out, aux, needs):
    return (g / (out * 2),)


def _rsqrt_f(xp, a):
    if a.dtype is _F16:  # in float32, rounded once (as PyTorch's kernel; see _opmath)
        return (1 / xp.sqrt(a.astype(np.float32))).astype(_F16)
    return 1 / xp.sqrt(a)


def _rsqrt_b(xp, g, ins, out, aux, needs):
    return (g * (out * out * out) * -0.5,)


def _sin_f(xp, a):
    return xp.sin(a)


def _sin_b(xp, g, ins, out, aux, needs):
    return (g * xp.cos(ins[0]),)


def _cos_f(xp, a):
    return xp.cos(a)


def _cos_b(xp, g, ins, out, aux, needs):
    return (-(g * xp.sin(ins[0])),)


def _tanh_f(xp, a):
    return xp.tanh(a)


def _tanh_b(xp, g, ins, out, aux, needs):
    d = _A32.tanh_backward(g, out)  # (small float32: PyTorch's g * (1 - out²), the - fused)
    if d is not None:
        return (d,)
    t = out * out
    if type(t) is _ndarray:  # 1 - out², in place on the fresh square
        one = _ONES.get(t.dtype)
        if one is not None:
            np.subtract(one, t, out=t)
            return (g * t,)
    return (g * (1 - t),)


def _sigmoid_f(xp, a):
    # 0.5 * (1 + tanh(a / 2)): no overflow for large |a|, one transcendental call
    if a.dtype is _F16:  # in float32, rounded once (as PyTorch's kernel; see _opmath)
        return _sigmoid_f(xp, a.astype(np.float32)).astype(_F16)
    if type(a) is _ndarray:  # PyTorch's 1 / (1 + exp(-a)), where its last bits are followed
        s = _A32.sigmoid(a)  # (small float32: its vector lanes and scalar tail)
        if s is not None:
            return s
        s = _exact_sigmoid(a)
        if s is not None:
            return s
    t = xp.tanh(a * 0.5)
    t += 1
    t *= 0.5
    return t


def _sigmoid_b(xp, g, ins, out, aux, needs):
    if type(out) is _ndarray:
        one = _ONES.get(out.dtype)
        if one is not None and out.dtype is not _F16:  # PyTorch's (g (1 - out)) out
            t = g * (one - out)
            t *= out
            return (t,)
    return (g * (out * (1 - out)),)


def _relu_by_maximum(xp, a):
    return xp.maximum(a, 0)


_WHERE_MIN = 8192  # elements from which Pyodide's where beats its maximum


def _relu_by_where(xp, a):
    """``_relu_by_maximum``'s values (0 for -0.0, nan kept) through a comparison and a where:
    Pyodide's NumPy runs ``maximum`` on floats about 3x slower than the two (a (32, 16, 8, 8)
    conv output: 167 against 52 us; faster below ~8k elements)."""
    if type(a) is not np.ndarray or a.size < _WHERE_MIN or a.dtype.kind != "f":
        return xp.maximum(a, 0)
    return np.where(a <= 0, np.zeros((), a.dtype), a)


# In Pyodide, ReLU's forward and backward on float32 arrays run as one WebAssembly SIMD pass
# each (gradkit/_wasm_simd.py: a comparison and a bit mask per lane, the same values as the
# where's bit for bit; (64, 64): 13 and 20 us on NumPy there against ~2); None elsewhere.
_SIMD_RELU = _wasm_simd.load_relu() if _noblas.ENABLED else None
_F32 = np.dtype(np.float32)
_contig, _empty, _id = np.ascontiguousarray, np.empty, id


def _relu_by_simd(xp, a):
    if type(a) is not _ndarray or a.dtype is not _F32:
        return _relu_by_where(xp, a)
    a = _contig(a)
    r = _empty(a.shape, _F32)
    _SIMD_RELU[0](_id(a), _id(r), a.size)
    return r


_relu_f = _relu_by_where if _noblas.ENABLED else _relu_by_maximum  # selected once, at import
if _SIMD_RELU is not None:
    _relu_f = _relu_by_simd


def _relu_b(xp, g, ins, out, aux, needs):
    # a mask selects, it does not multiply: an inf or nan gradient where the output is 0 stays
    # out (PyTorch's threshold_backward); a nan input passes its gradient, as in PyTorch. The
    # output is >= 0 or nan, so ``out != 0`` is ``not out <= 0`` in one comparison
    if (_SIMD_RELU is not None and type(g) is _ndarray and type(out) is _ndarray
            and g.dtype is _F32 and out.dtype is _F32 and g.shape == out.shape):
        g = _contig(g)
        out = _contig(out)
        r = _empty(g.shape, _F32)
        _SIMD_RELU[1](_id(out), _id(g), _id(r), g.size)
        return (r,)
    return (xp.keep(out != 0, g),)


def _abs_f(xp, a):
    if a.dtype.kind == "b":  # PyTorch has no abs kernel for bool (abs, abs_, out=, abs(x))
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'; abs of a bool tensor "
                                  "is the tensor itself: drop the call, or convert it with "
                                  ".int() first")
    return xp.abs(a)


def _abs_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    return (g * xp.where(a == a, xp.sign(a), 0.0),)  # PyTorch's sgn: 0 at nan


def _clamp_f(xp, a, lo, hi):
    return xp.clip(a, lo, hi)


def _clamp_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    lo, hi = aux
    if lo is None:
        mask = a <= hi
    elif hi is None:
        mask = a >= lo
    else:
        mask = (a >= lo) & (a <= hi)
    return (xp.keep(mask, g),)  # selects (an inf gradient outside the range stays out)


def _maximum_f(xp, a, b):
    return xp.maximum(a, b)


def _maximum_b(xp, g, ins, out, aux, needs):
    a, b = ins
    # PyTorch's rule: ties split the gradient in half; an operand gets none where it is the
    # smaller one, and both get it where a comparison with nan is false
    shared = xp.where(a == b, g * 0.5, g)
    ga = xp.where(a < b, 0.0, shared) if needs[0] else None
    gb = xp.where(a > b, 0.0, shared) if needs[1] else None
    return ga, gb


def _minimum_f(xp, a, b):
    return xp.minimum(a, b)


def _minimum_b(xp, g, ins, out, aux, needs):
    a, b = ins
    shared = xp.where(a == b, g * 0.5, g)
    ga = xp.where(a > b, 0.0, shared) if needs[0] else None
    gb = xp.where(a < b, 0.0, shared) if needs[1] else None
    return ga, gb


def _where_f(xp, a, b, cond):
    return xp.where(cond, a, b)


def _where_b(xp, g, ins, out, aux, needs):
    (cond,) = aux
    ga = xp.where(cond, g, 0.0) if needs[0] else None
    gb = xp.where(cond, 0.0, g) if needs[1] else None
    return ga, gb


_F16 = np.dtype(np.float16)


def _opmath(*arrays):
    """float16 operands as float32 (PyTorch's kernels compute float16 in float32 and round the
    result once); ``(arrays, dtype to round to or None)``."""
    dt = arrays[0].dtype
    if dt == np.float16:
        return [a.astype(np.float32) if hasattr(a, "astype") else np.float32(a)
                for a in arrays], dt
    return list(arrays), None


def _lerp_f(xp, s, e, w):
    """PyTorch's lerp kernel: ``s + w (e - s)`` for ``|w| < 0.5``, else ``e - (e - s)(1 - w)``
    (exact at ``w = 1``; at ``w = inf`` NaN only where ``e == s``)."""
    (s, e, w), dt = _opmath(s, e, w)
    d = e - s
    if dt is not None:  # float16: PyTorch's float32 fma, exact here through float64
        s64, e64, d64 = s.astype(np.float64), e.astype(np.float64), d.astype(np.float64)
        w1 = np.float32(1) - w
        r = xp.where(xp.abs(w) < 0.5, s64 + np.float64(w) * d64 if np.ndim(w) == 0 else
                     s64 + w.astype(np.float64) * d64, e64 - d64 * np.asarray(w1, np.float64))
        return r.astype(np.float32).astype(dt)
    if type(d) is np.ndarray and d.dtype.itemsize >= 4:  # fused, as PyTorch's vectorised kernel
        w = np.asarray(w, d.dtype)
        return xp.where(xp.abs(w) < 0.5, fma(w, d, s, d.dtype), fma(-d, 1 - w, e, d.dtype))
    r = xp.where(xp.abs(w) < 0.5, s + w * d, e - d * (1 - w))
    return r.astype(dt) if dt is not None else r


def _lerp_b(xp, g, ins, out, aux, needs):
    s, e = ins[0], ins[1]
    w = ins[2] if len(ins) > 2 else aux[0]
    grads = (g * (1 - w) if needs[0] else None, g * w if needs[1] else None)
    return grads + ((g * (e - s) if needs[2] else None,) if len(needs) > 2 else ())


# PyTorch's casts to these 8-bit floats saturate (e4m3fn: inf and out-of-range values to +-448)
# or drop the sign and keep zero at the smallest power of two (e8m0fnu, an exponent only), where
# ml_dtypes' give NaN
_FLOAT8_BEFORE_CAST = {"float8_e4m3fn": lambda xp, a: xp.clip(a, -448.0, 448.0),
                       "float8_e8m0fnu": lambda xp, a: xp.maximum(xp.abs(a), 2.0 ** -127)}


def _cast_f(xp, a, dtype, src):
    before = _FLOAT8_BEFORE_CAST.get(getattr(dtype, "name", None))
    if before is not None and getattr(a.dtype, "kind", "") == "f":
        a = before(xp, a)
    if type(a) is np.ndarray and not a.flags.c_contiguous:  # PyTorch's preserve_format layout
        from .._memory_format import preserved

        out = preserved(a, dtype)
        np.copyto(out, a, casting="unsafe")
        return out
    return a.astype(dtype)


def _cast_b(xp, g, ins, out, aux, needs):
    # aux = (target dtype, source dtype): cast the gradient back to the source
    return (xp.astype(g, aux[1]),)


def _zero_grad_f(xp, a, fn_name):
    out = getattr(xp, fn_name)(a)
    if fn_name == "sign" and a.dtype.kind == "f":
        out = xp.where(a == a, out, 0.0).astype(a.dtype)  # sign(nan) is 0 in PyTorch
    return out


def _zero_grad_b(xp, g, ins, out, aux, needs):
    return (xp.zeros_like(g),)  # zeros, as PyTorch (g * 0 is NaN where g is inf or NaN)


def _std_root_b(xp, g, ins, out, aux, needs):
    # std = sqrt(var): where the deviation is 0 the gradient is 0, not nan (as PyTorch's
    # std_backward masks it)
    return (xp.where(out == 0, 0.0, g / (out * 2)),)


def _square_f(xp, a):
    return a * a


def _square_b(xp, g, ins, out, aux, needs):
    return (g * ins[0] * 2,)


def _reciprocal_f(xp, a):
    return 1 / a


def _reciprocal_b(xp, g, ins, out, aux, needs):
    return (-(g * (out * out)),)  # PyTorch's order: -grad * (result * result)


def _erf_f(xp, a):
    if type(a) is not np.ndarray:  # a device array: the NumPy implementation on the host
        return xp.asarray(erf_array(np, to_host(a)))
    return erf_array(np, a)


def _erf_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    return (g * xp.exp(-(a * a)) * 1.1283791670955126,)


def _atan2_f(xp, a, b):
    return xp.arctan2(a, b)


def _atan2_b(xp, g, ins, out, aux, needs):
    # a primitive: NumPy's arctan2 has no composite in the other primitives (no atan)
    # at the origin (a = b = 0) both gradients are 0, as PyTorch's, not 0 * inf = NaN
    a, b = ins
    d = a * a + b * b
    zero = d == 0
    r = xp.where(zero, 0.0, g / xp.where(zero, 1.0, d))
    return (r * b if needs[0] else None), (-(r * a) if needs[1] else None)


def _hypot_f(xp, a, b):
    return xp.hypot(a, b)


def _hypot_b(xp, g, ins, out, aux, needs):
    # a primitive: sqrt(a*a + b*b) overflows for large a, b where hypot does not
    a, b = ins
    r = g / out
    return (r * a if needs[0] else None), (r * b if needs[1] else None)


def _logaddexp_f(xp, a, b, base2):
    return xp.logaddexp2(a, b) if base2 else xp.logaddexp(a, b)


def _logaddexp_b(xp, g, ins, out, aux, needs):
    # a primitive: log(exp(a) + exp(b)) overflows. d/da = sigmoid(d), d/db = sigmoid(-d) with
    # d = a - b ((a - b) ln 2 in base 2), as PyTorch's 1 / (1 + exp(b - a)): 1 next to a = +inf
    # (where exp(a - out) is NaN); through e = exp(-|d|), which never overflows
    a, b = ins
    d = (a - b) * 0.6931471805599453 if aux[0] else a - b
    e = xp.exp(-xp.abs(d))
    big, small = 1.0 / (1.0 + e), e / (1.0 + e)  # sigmoid(|d|), sigmoid(-|d|)
    pos = d >= 0
    ga = g * xp.where(pos, big, small) if needs[0] else None
    gb = g * xp.where(pos, small, big) if needs[1] else None
    return ga, gb


def _fmod_f(xp, a, b):
    return xp.fmod(a, b)


def _fmod_b(xp, g, ins, out, aux, needs):
    a, b = ins
    return g, (-(g * xp.trunc(a / b)) if needs[1] else None)


def _remainder_f(xp, a, b):
    dt = getattr(a, "dtype", None) if hasattr(a, "dtype") else getattr(b, "dtype", None)
    if dt is None or dt.kind != "f":
        return xp.remainder(a, b)
    # PyTorch's kernel: fmod, moved by b where the signs differ (so -0.0 % 3 is -0.0)
    with np.errstate(all="ignore"):
        m = xp.fmod(a, b)
        return xp.where((m != 0) & ((m < 0) != (xp.asarray(b) < 0)), m + b, m).astype(dt)


def _remainder_b(xp, g, ins, out, aux, needs):
    a, b = ins
    if not needs[1]:
        return g, None
    # PyTorch's div(a, b, rounding_mode="floor") (-2.3 // inf is -1, inf // 2 is NaN) on arrays
    q = rounded_div(xp, a, b, "floor") if type(a) is np.ndarray else xp.floor(a / b)
    return g, -(g * q)


# grad_fn names as PyTorch's: a Python number is wrapped into a tensor for + - * / (an entry
# None in next_functions; ``2 + x`` reads as ``x + 2``); ``2 - x`` is rsub.Scalar, ``2 / x`` is
# reciprocal(x) * 2, and pow's overloads are Tensor_Tensor 1, Tensor_Scalar 0, Scalar 2
ADD = Op("Add", _add_f, _add_b, saves=0, broadcasts=True, scalar_entry=True, passes_first=True)
SUB = Op("Sub", _sub_f, _sub_b, saves=0, broadcasts=True, scalar_entry=True,
         scalar_first=("RsubBackward1", "drop1"), passes_first=True)
MUL = Op("Mul", _mul_f, _mul_b,
         saves=SAVES_INPUTS | SCALAR_KEEPS_NUMBER_ONLY | SAVED_FOR_THE_OTHER, broadcasts=True,
         scalar_entry=True, scales_first=True)
DIV = Op("Div", _div_f, _div_b, saves=SAVES_INPUTS | SCALAR_KEEPS_NUMBER_ONLY, broadcasts=True,
         saved_for=((1,), (0, 1)), scalar_entry=True, scalar_first=("MulBackward0", "reciprocal"))
NEG = Op("Neg", _neg_f, _neg_b, saves=0)

# PyTorch's CPU kernels multiply and divide a float16 tensor by a Python number in float32, the
# number not rounded to half first, and round the result once (NumPy's float16 ufuncs round the
# number first: ``x * 0.3`` would differ in a third of the elements). ``record.apply_scalar``
# takes these two in place of MUL and DIV on that path; same node names and rules otherwise.
def _half_scalar(ufunc, a, b):
    """``ufunc(a, b)`` for a float16 array ``a`` and a Python number ``b``, as PyTorch: in
    float32 (``_opmath``), rounded once; any other operands as NumPy's ufunc takes them."""
    (a, b), dt = _opmath(a, b)
    if dt is None:
        return ufunc(a, b)
    with np.errstate(all="ignore"):  # (an overflow is inf, as PyTorch's)
        return ufunc(a, b).astype(dt)


def _mul_half_f(xp, a, b):
    return _half_scalar(np.multiply, a, b)


def _mul_half_b(xp, g, ins, out, aux, needs):
    return (_half_scalar(np.multiply, g, ins[1]) if type(g) is _ndarray else g * ins[1]), None


def _div_half_f(xp, a, b):
    return _half_scalar(np.true_divide, a, b)


def _div_half_b(xp, g, ins, out, aux, needs):
    return (_half_scalar(np.true_divide, g, ins[1]) if type(g) is _ndarray else g / ins[1]), None


MUL_HALF_SCALAR = Op("Mul", _mul_half_f, _mul_half_b,
                     saves=SAVES_INPUTS | SCALAR_KEEPS_NUMBER_ONLY, broadcasts=True,
                     scalar_entry=True)
DIV_HALF_SCALAR = Op("Div", _div_half_f, _div_half_b,
                     saves=SAVES_INPUTS | SCALAR_KEEPS_NUMBER_ONLY, broadcasts=True,
                     scalar_entry=True, scalar_first=("MulBackward0", "reciprocal"))
HALF_SCALAR = {MUL: MUL_HALF_SCALAR, DIV: DIV_HALF_SCALAR}
POW = Op("Pow", _pow_f, _pow_b, broadcasts=True, grad_name="PowBackward1",
         scalar_first=("PowBackward2", "drop1"), scalar_second=("PowBackward0", "drop2"))
EXP = Op("Exp", _exp_f, _exp_b, saves=SAVES_OUTPUT)
LOG = Op("Log", _log_f, _log_b)
LOG1P = Op("Log1p", _log1p_f, _log1p_b, grad_name="Log1PBackward0")
EXPM1 = Op("Expm1", _expm1_f, _expm1_b, saves=SAVES_OUTPUT)
SQRT = Op("Sqrt", _sqrt_f, _sqrt_b, saves=SAVES_OUTPUT)
STD_ROOT = Op("Std", _sqrt_f, _std_root_b, saves=SAVES_OUTPUT)
RSQRT = Op("Rsqrt", _rsqrt_f, _rsqrt_b, saves=SAVES_OUTPUT)
SIN = Op("Sin", _sin_f, _sin_b)
COS = Op("Cos", _cos_f, _cos_b)
TANH = Op("Tanh", _tanh_f, _tanh_b, saves=SAVES_OUTPUT)
SIGMOID = Op("Sigmoid", _sigmoid_f, _sigmoid_b, saves=SAVES_OUTPUT)
RELU = Op("Relu", _relu_f, _relu_b, saves=SAVES_OUTPUT)
ABS = Op("Abs", _abs_f, _abs_b)
CLAMP = Op("Clamp", _clamp_f, _clamp_b, grad_name="ClampBackward1")  # clamp(Scalar min, max)
MAXIMUM = Op("Maximum", _maximum_f, _maximum_b, broadcasts=True)
MINIMUM = Op("Minimum", _minimum_f, _minimum_b, broadcasts=True)
WHERE = Op("Where", _where_f, _where_b, saves=0, broadcasts=True)
CAST = Op("ToCopy", _cast_f, _cast_b, saves=0)
LERP = Op("Lerp", _lerp_f, _lerp_b, broadcasts=True, saved_for=((2,), (2,), (0, 1, 2)))
ZERO_GRAD = Op("ZeroGrad", _zero_grad_f, _zero_grad_b, saves=0)


def rounded_div(xp, a, b, mode):
    """``a / b`` rounded toward minus infinity (``"floor"``) or zero (``"trunc"``) as PyTorch's
    kernels: integers exactly (the caller checks for zero divisors), floats through ``fmod`` so
    that ``-1.5 // inf`` is -1 and a zero quotient keeps the sign of ``a / b``."""
    if a.dtype.kind in "iu":
        q = xp.floor_divide(a, b)
        if mode == "trunc":
            q = q + ((q * b != a) & ((a < 0) != (b < 0))).astype(q.dtype)
        return q
    with np.errstate(all="ignore"):
        if mode == "trunc":
            return xp.trunc(a / b).astype(a.dtype)
        mod = xp.fmod(a, b)
        div = (a - mod) / b
        div = xp.where((mod != 0) & ((b < 0) != (mod < 0)), div - 1, div)
        fl = xp.floor(div)
        fl = xp.where(div - fl > 0.5, fl + 1, fl)
        q = xp.where(div == 0, xp.copysign(xp.zeros_like(div), a / b), fl)
        return xp.where(b == 0, a / b, q).astype(a.dtype)


def _div_rounded_f(xp, a, b, mode):
    return rounded_div(xp, a, b, mode)


def _div_rounded_b(xp, g, ins, out, aux, needs):
    return g * 0, g * 0  # PyTorch's derivative of a rounded division: zero


def _floor_divide_b(xp, g, ins, out, aux, needs):
    raise RuntimeError("derivative for floor_divide is not implemented (as in PyTorch); use "
                       "div(..., rounding_mode='floor'), whose gradient is zero")


DIV_ROUNDED = Op("Div", _div_rounded_f, _div_rounded_b, saves=0, broadcasts=True)
FLOOR_DIVIDE = Op("FloorDivide", lambda xp, a, b: rounded_div(xp, a, b, "floor"),
                  _floor_divide_b, saves=0, broadcasts=True)
ERF = Op("Erf", _erf_f, _erf_b)
SQUARE = Op("Square", _square_f, _square_b, grad_name="PowBackward0")  # PyTorch: pow(x, 2)
RECIPROCAL = Op("Reciprocal", _reciprocal_f, _reciprocal_b, saves=SAVES_OUTPUT)
ATAN2 = Op("Atan2", _atan2_f, _atan2_b, broadcasts=True)
HYPOT = Op("Hypot", _hypot_f, _hypot_b, saves=_BOTH, broadcasts=True, saved_for=((0,), (1,)))
LOGADDEXP = Op("Logaddexp", _logaddexp_f, _logaddexp_b, broadcasts=True)
# C's fmod (the sign of the dividend) and Python's % (the sign of the divisor); d/db is
# -trunc(a / b), resp. -floor(a / b), as PyTorch's derivatives.yaml
FMOD = Op("Fmod", _fmod_f, _fmod_b, broadcasts=True)
REMAINDER = Op("Remainder", _remainder_f, _remainder_b, broadcasts=True)


# inverse trigonometric and hyperbolic functions: NumPy's ufuncs, PyTorch's derivatives
def _asin_f(xp, a):
    return xp.arcsin(a)


def _asin_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    return (g / xp.sqrt(1 - a * a),)


def _acos_f(xp, a):
    return xp.arccos(a)


def _acos_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    return (-(g / xp.sqrt(1 - a * a)),)


def _atan_f(xp, a):
    return xp.arctan(a)


def _atan_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    return (g / (a * a + 1),)


def _asinh_f(xp, a):
    return xp.arcsinh(a)


def _asinh_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    return (g / xp.sqrt(a * a + 1),)


def _acosh_f(xp, a):
    return xp.arccosh(a)


def _acosh_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    return (g / xp.sqrt(a * a - 1),)


def _atanh_f(xp, a):
    return xp.arctanh(a)


def _atanh_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    return (g / (1 - a * a),)


def _call(xp, op, x):
    """``op`` on ``x`` inside a rule: its forward on arrays, recorded under create_graph."""
    if getattr(xp, "name", "") == "tensor":
        return xp.apply(op, (x,))
    return op.forward(xp, x)


def _sinh_f(xp, a):
    return xp.sinh(a)


def _sinh_b(xp, g, ins, out, aux, needs):
    return (g * _call(xp, COSH, ins[0]),)


def _cosh_f(xp, a):
    return xp.cosh(a)


def _cosh_b(xp, g, ins, out, aux, needs):
    return (g * _call(xp, SINH, ins[0]),)


def _exp2_f(xp, a):
    return xp.exp2(a)


def _exp2_b(xp, g, ins, out, aux, needs):
    return (g * out * 0.6931471805599453,)


def _fmax_f(xp, a, b):
    return xp.fmax(a, b)


def _fmin_f(xp, a, b):
    return xp.fmin(a, b)


def _fmax_b(xp, g, ins, out, aux, needs):
    # PyTorch's rule: all of the gradient to input where input >= other or other is nan (no
    # split at ties, unlike maximum)
    a, b = ins
    first = (a >= b) | xp.isnan(b)
    return (xp.where(first, g, 0.0) if needs[0] else None,
            xp.where(first, 0.0, g) if needs[1] else None)


def _fmin_b(xp, g, ins, out, aux, needs):
    a, b = ins
    first = (a <= b) | xp.isnan(b)
    return (xp.where(first, g, 0.0) if needs[0] else None,
            xp.where(first, 0.0, g) if needs[1] else None)


def _copysign_f(xp, a, b):
    return xp.copysign(a, b)


def _copysign_b(xp, g, ins, out, aux, needs):
    # PyTorch's: d/dinput = out / input (+-1), 0 where input is 0; no gradient for other
    a = ins[0]
    zero = a == 0
    ga = xp.where(zero, 0.0, g * out / xp.where(zero, 1.0, a)) if needs[0] else None
    return ga, (g * 0 if needs[1] else None)


ASIN = Op("Asin", _asin_f, _asin_b)
ACOS = Op("Acos", _acos_f, _acos_b)
ATAN = Op("Atan", _atan_f, _atan_b)
ASINH = Op("Asinh", _asinh_f, _asinh_b)
ACOSH = Op("Acosh", _acosh_f, _acosh_b)
ATANH = Op("Atanh", _atanh_f, _atanh_b)
SINH = Op("Sinh", _sinh_f, _sinh_b)
COSH = Op("Cosh", _cosh_f, _cosh_b)
EXP2 = Op("Exp2", _exp2_f, _exp2_b, saves=SAVES_OUTPUT)
FMAX = Op("Fmax", _fmax_f, _fmax_b, broadcasts=True)
FMIN = Op("Fmin", _fmin_f, _fmin_b, broadcasts=True)
COPYSIGN = Op("Copysign", _copysign_f, _copysign_b, saves=_BOTH, broadcasts=True)
del _BOTH


# frexp's mantissa: x / 2**exponent; its derivative is that scale, 1 where x is 0 or not finite
# (there the exponent is 0), as PyTorch's grad / exponent.exp2()
def _frexp_f(xp, a):
    return np.frexp(a)[0] if type(a) is np.ndarray else xp.asarray(np.frexp(to_host(a))[0])


def _frexp_b(xp, g, ins, out, aux, needs):
    a = ins[0]
    plain = (a == 0) | ~xp.isfinite(a)
    with np.errstate(all="ignore"):
        scale = xp.where(plain, 1.0, out / xp.where(plain, 1.0, a))
    # 2**-exponent: a constant under create_graph (PyTorch's ``grad / exponent.exp2()``)
    return (g * (scale.detach() if hasattr(scale, "detach") else scale),)


FREXP_MANTISSA = Op("Frexp", _frexp_f, _frexp_b, saves=SAVES_INPUTS | SAVES_OUTPUT)


# addcmul/addcdiv of float32/float64 tensors: one node each (PyTorch's AddcmulBackward0 and
# AddcdivBackward0), the arithmetic in the order of PyTorch's kernels and derivative formulas:
# ``fma(value * t1, t2, x)`` and ``x + value * t1 / t2``; aux: (value,)
def _float_dtype(*arrays):
    return next((a.dtype for a in arrays if getattr(a, "dtype", None) is not None), None)


def _addcmul_f(xp, x, t1, t2, value):
    dt = _float_dtype(x, t1, t2)
    if type(x) is np.ndarray and type(t1) is np.ndarray and type(t2) is np.ndarray:
        return fma(t1 * dt.type(value), t2, x, dt)
    return x + t1 * value * t2


def _addcmul_b(xp, g, ins, out, aux, needs):
    x, t1, t2 = ins
    value = aux[0]
    return (g if needs[0] else None, g * (t2 * value) if needs[1] else None,
            g * (t1 * value) if needs[2] else None)


def _addcdiv_f(xp, x, t1, t2, value):
    return x + t1 * value / t2


def _addcdiv_b(xp, g, ins, out, aux, needs):
    x, t1, t2 = ins
    value = aux[0]
    with np.errstate(all="ignore"):
        g1 = g * (value / t2) if needs[1] else None
        g2 = -g * (t1 * value / (t2 * t2)) if needs[2] else None
    return (g if needs[0] else None), g1, g2


ADDCMUL = Op("Addcmul", _addcmul_f, _addcmul_b, broadcasts=True, saved_for=((), (2,), (1,)))
ADDCDIV = Op("Addcdiv", _addcdiv_f, _addcdiv_b, broadcasts=True,
             saved_for=((), (2,), (1, 2)))

"""Activation primitives that need a fused rule: softplus (fused for stability: the composite
``log1p(exp(x))`` overflows), elu/celu (PyTorch's sides at zero and NaN), the exact GELU
(fused for speed) and rrelu's training form (its bfloat16 result rounds ``x * slope`` once
from float32 while its gradient uses the slopes rounded to bfloat16, as PyTorch's kernel).
The rules are written against ``xp``, so higher-order gradients work.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _activation_float32 as _A32
from .._backend import namespace_of, to_host
from ..autograd.graph import SAVES_INPUTS, Op
from .special import erf_array

__all__ = ["CELU", "ELU", "GELU", "GELU_TANH", "HARDSWISH", "HARDTANH", "LOG_SIGMOID", "MISH",
           "RRELU", "SILU", "SOFTPLUS"]


# ------------------------------------------------------------------ softplus
def _softplus_f(xp, x, beta, threshold):
    y = _A32.softplus(x, beta, threshold)  # (small float32: PyTorch's steps and roundings)
    if y is not None:
        return y
    z = x * beta if beta != 1 else x
    sp = xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))
    if beta != 1:
        sp = sp / beta
    return xp.where(z > threshold, x, sp).astype(x.dtype, copy=False)


def _softplus_b(xp, g, ins, out, aux, needs):
    beta, threshold = aux
    x = ins[0]
    d = _A32.softplus_backward(g, x, beta, threshold)
    if d is not None:
        return (d,)
    z = x * beta if beta != 1 else x
    sig = (xp.tanh(z * 0.5) + 1) * 0.5
    return (g * xp.where(z > threshold, 1.0, sig),)


SOFTPLUS = Op("Softplus", _softplus_f, _softplus_b, saves=SAVES_INPUTS)


# ------------------------------------------------------------------ hardtanh / relu6
# clamp's values with PyTorch's hardtanh_backward: the gradient passes where the input is not
# at or beyond a limit, so a NaN input passes it and an input on a limit does not (clamp's own
# backward does the opposite at both)
def _hardtanh_f(xp, x, lo, hi):
    return xp.clip(x, lo, hi)


def _hardtanh_b(xp, g, ins, out, aux, needs):
    lo, hi = aux
    x = ins[0]
    return (xp.keep(((x > lo) & (x < hi)) | (x != x), g),)


HARDTANH = Op("Hardtanh", _hardtanh_f, _hardtanh_b, saves=SAVES_INPUTS,
              grad_name="HardtanhBackward0")


# ------------------------------------------------------------------ elu / celu / selu
# PyTorch's kernel: the identity side for x >= 0 (a zero keeps its sign even where alpha is
# inf or NaN) and for NaN; the exponential side's slope from x <= 0 in the backward.
def _elu_f(xp, x, alpha, scale, input_scale):
    y = _A32.elu(x, alpha, scale, input_scale)  # (small float32: PyTorch's steps and roundings)
    if y is not None:
        return y
    z = xp.minimum(x, 0)  # the exponential side only (no overflow from the other)
    neg = xp.expm1(z * input_scale if input_scale != 1 else z) * (alpha * scale)
    pos = x * scale if scale != 1 else x
    return xp.where(x < 0, neg, pos).astype(x.dtype, copy=False)


def _elu_b(xp, g, ins, out, aux, needs):
    alpha, scale, input_scale = aux
    x = ins[0]
    d = _A32.elu_backward(g, x, alpha, scale, input_scale)
    if d is not None:
        return (d,)
    z = xp.minimum(x, 0)
    z = z * input_scale if input_scale != 1 else z
    return (_body_nans(xp, x, g * xp.where(x <= 0, xp.exp(z) * (alpha * scale * input_scale),
                                            scale)),)


def _body_nans(xp, x, d):
    """``d`` with NaN where PyTorch's vector lanes give NaN for a NaN input (float64; small
    float32 arrays take _activation_float32's lanes)."""
    mask = _A32.vector_body_nans(x)
    return d if mask is None else xp.where(mask, float("nan"), d)


ELU = Op("Elu", _elu_f, _elu_b, saves=SAVES_INPUTS)
CELU = Op("Celu", _elu_f, _elu_b, saves=SAVES_INPUTS)


# ------------------------------------------------------------------ exact GELU: x * Phi(x)
# Fused for speed: the composite x * (erf(x / sqrt 2) + 1) / 2 computes erf in float64 element by
# element (SciPy's erf, or the NumPy series), about 20 ns an element: in a GPT block's MLP that
# was a fifth of the training step. For float32 arrays Phi is instead a rational function of
# float32 NumPy passes: erf(z) = z P(z^2) / Q(z^2) on [-4, 4], +-1 beyond, where float32's erf
# is +-1 too (the coefficients of XLA's and Eigen's float32 erf), within 7 float32 ulps of the
# rounded erf (4.5e-7 absolute), as accurate as PyTorch's own float32 GELU. Other dtypes keep
# the exact erf. Phi = 1/2 + z P'(z^2) / Q(z^2) with P' = P / 2 (exact halvings) takes the + 1
# and the * 1/2 of (1 + erf) / 2 into the coefficients: the same values bit for bit (halving
# is exact, so 1/2 + erf / 2 rounds as (1 + erf) rounded and halved), two passes fewer.
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_ERF_P = (-1.60960333262415e-02, -2.95459980854025e-03, -7.34990630326855e-04,
          -5.69250639462346e-05, -2.10102402082508e-06, 2.77068142495902e-08,
          -2.72614225801306e-10)  # erf's numerator in z^2, constant term first
_ERF_Q = (-1.42647390514189e-02, -7.37332916720468e-03, -1.68282697438203e-03,
          -2.13374055278905e-04, -1.45660718464996e-05)  # its denominator
_PHI_P = tuple(np.float32(c) * np.float32(0.5) for c in _ERF_P)  # P / 2, exactly
_PHI_Q = tuple(np.float32(c) for c in _ERF_Q)
_SQRT_HALF32 = np.float32(_SQRT_HALF)
_FOUR32 = np.float32(4.0)
_HALF32 = np.float32(0.5)
_NEG_HALF32 = np.float32(-0.5)
_INV_SQRT_2PI32 = np.float32(_INV_SQRT_2PI)
# NumPy's clip ufunc without np.clip's Python wrapper (2 us a call: a tenth of a block's pass)
_clip = getattr(getattr(getattr(np, "_core", None), "umath", None), "clip", None) or np.clip


# Large arrays go through these chains in blocks of _BLOCK elements: each pass then reads and
# writes a block that stays in the core's L2 cache instead of a whole array streamed from L3 or
# memory (the exact GELU of a (16, 64, 512) float32 activation on an Intel Xeon, one thread:
# 3.7 -> 1.9 ms forward). Every element goes through the same operations in the same order as in
# one whole-array pass, so the values are bitwise the same.
_BLOCK = 32768


def _phi_block(x, e, c, s, q):
    """Phi of the float32 block x into e; c, s, q: scratch blocks of x's length."""
    p0, p1, p2, p3, p4, p5, p6 = _PHI_P
    q0, q1, q2, q3, q4 = _PHI_Q
    np.multiply(x, _SQRT_HALF32, out=c)
    _clip(c, -_FOUR32, _FOUR32, out=c)
    np.multiply(c, c, out=s)
    np.multiply(s, p6, out=e)  # Horner, P' and Q in s = z^2
    e += p5
    e *= s
    e += p4
    e *= s
    e += p3
    e *= s
    e += p2
    e *= s
    e += p1
    e *= s
    e += p0
    e *= c
    np.multiply(s, q4, out=q)
    q += q3
    q *= s
    q += q2
    q *= s
    q += q1
    q *= s
    q += q0
    e /= q
    e += _HALF32


def _blocked(x, cdf, out=None):
    """Phi of the contiguous float32 array x into cdf (and x * Phi into out), block by block."""
    flat, phi = x.reshape(-1), cdf.reshape(-1)
    dst = None if out is None else out.reshape(-1)
    n = flat.size
    c, s, q = (np.empty(min(n, _BLOCK), np.float32) for _ in range(3))
    with np.errstate(invalid="ignore"):  # -inf * Phi(-inf) = -inf * 0: NaN, as PyTorch's
        for i in range(0, n, _BLOCK):
            j = min(i + _BLOCK, n)
            if j - i < c.size:
                c, s, q = c[:j - i], s[:j - i], q[:j - i]
            xb, e = flat[i:j], phi[i:j]
            _phi_block(xb, e, c, s, q)
            if dst is not None:
                np.multiply(xb, e, out=dst[i:j])


def phi_float32(x):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 of a float32 NumPy array, in float32 passes (a new
    C-contiguous array; see the note above)."""
    cdf = np.empty(np.shape(x), np.float32)
    _blocked(np.ascontiguousarray(x), cdf)
    return cdf


def _gelu_float32(x):
    """(x * Phi(x), Phi(x)) of a contiguous float32 array, block by block."""
    out, cdf = np.empty_like(x), np.empty_like(x)
    _blocked(x, cdf, out)
    return out, cdf


def _gelu_cdf(x):
    """Phi(x) = (erf(x / sqrt 2) + 1) / 2 of an array, in x's dtype."""
    if type(x) is np.ndarray:
        if x.dtype == np.float32:
            return phi_float32(x)
        e = erf_array(np, x * _SQRT_HALF).astype(x.dtype, copy=False)
    else:  # a device array: the exact erf on the host, as the Erf primitive
        e = namespace_of(x).asarray(erf_array(np, to_host(x) * _SQRT_HALF)).astype(x.dtype)
    e += 1
    e *= 0.5
    return e


def _memory_order(x):
    """The permutation of a dense, not row-major array's dims (outermost first) that makes it
    row-major, or None."""
    if x.ndim < 2 or x.size == 0:
        return None
    perm = tuple(sorted(range(x.ndim), key=lambda d: -x.strides[d]))
    return perm if x.transpose(perm).flags.c_contiguous else None


def _gelu_f(xp, x, onednn=True):
    # onednn: small float32 arrays get PyTorch's oneDNN kernel (or its scalar one for one
    # element); False for the float32 copy of a float16/bfloat16 input, whose values gradkit
    # takes from PyTorch's scalar kernel (which keeps gelu(inf) = inf)
    y = _A32.gelu(x) if onednn else None
    if y is None and onednn:
        y = _A32.gelu_scalar(x, erf_array)
    if y is not None:  # (no Phi: the gradient of these follows PyTorch's kernels too)
        return y, None
    if type(x) is np.ndarray and not x.flags.c_contiguous:
        perm = _memory_order(x)
        if perm is not None:  # computed in memory order: the output keeps the input's layout
            inv = tuple(int(i) for i in np.argsort(perm))  # (as PyTorch's elementwise kernels)
            out, cdf = _gelu_f(xp, x.transpose(perm), False)  # (PyTorch: not oneDNN there)
            return out.transpose(inv), cdf.transpose(inv)
    if type(x) is np.ndarray and x.dtype == np.float32 and x.flags.c_contiguous:
        return _gelu_float32(x)
    cdf = _gelu_cdf(x)
    return x * cdf, cdf


def _gelu_slope(xp, x, cdf, g, d):
    """d (holding x * x) becomes g * (Phi(x) + x phi(x)), in place: 6 more passes."""
    d *= -0.5
    xp.exp(d, out=d)
    d *= x
    d *= _INV_SQRT_2PI
    d += cdf
    d *= g


def _gelu_b(xp, g, ins, out, aux, needs):
    x = ins[0]
    if type(x) is np.ndarray and x.dtype == np.float32 and x.size <= _A32.EXACT_MAX:
        d = _A32.gelu_backward(g, x)  # (small float32: PyTorch's oneDNN or scalar kernel)
        if d is None:
            d = _A32.gelu_scalar_backward(g, x, erf_array)
        if d is not None:
            return (d,)
    if aux is None:  # (a small float32 input whose gradient came in another dtype or shape)
        aux = _gelu_cdf(x)
    if getattr(xp, "name", None) == "tensor":  # create_graph: a rule of recorded Tensor ops
        cdf = ((x * _SQRT_HALF).erf() + 1.0) * 0.5
        return (g * (cdf + x * xp.exp(x * x * -0.5) * _INV_SQRT_2PI),)
    if (type(x) is np.ndarray and type(g) is np.ndarray and x.size > _BLOCK
            and g.shape == x.shape and g.dtype == x.dtype == aux.dtype
            and x.flags.c_contiguous and g.flags.c_contiguous and aux.flags.c_contiguous):
        # the constants as float32 scalars for float32 (the same values as Python floats
        # there, without a conversion per call)
        half, k = ((_NEG_HALF32, _INV_SQRT_2PI32) if x.dtype == np.float32
                   else (-0.5, _INV_SQRT_2PI))
        d = np.empty_like(x)
        fx, fg, fc, fd = x.reshape(-1), g.reshape(-1), aux.reshape(-1), d.reshape(-1)
        n = fx.size
        for i in range(0, n, _BLOCK):  # _gelu_slope's passes inline, with float32 constants
            j = min(i + _BLOCK, n)
            xb, db = fx[i:j], fd[i:j]
            np.multiply(xb, xb, out=db)
            db *= half
            np.exp(db, out=db)
            db *= xb
            db *= k
            db += fc[i:j]
            db *= fg[i:j]
        return (d,)
    d = xp.asarray(x * x)  # an array even for 0-d
    _gelu_slope(xp, x, aux, g, d)
    return (d,)


def _drop_cdf(node):
    node.aux = None


GELU = Op("Gelu", _gelu_f, _gelu_b, saves=SAVES_INPUTS, returns_aux=True, release=_drop_cdf)


# ------------------------------------------------------------------ rrelu (training)
def _rrelu_f(xp, x, slope, noise):
    # slope: the drawn slopes in the computing precision (float32 for bfloat16 input)
    if slope.dtype == x.dtype:
        return x * slope
    return (x.astype(slope.dtype) * slope).astype(x.dtype)


def _rrelu_b(xp, g, ins, out, aux, needs):
    return (g * aux[1],)  # the noise tensor PyTorch saves: the slopes in the input's dtype


RRELU = Op("RreluWithNoise", _rrelu_f, _rrelu_b, saves=0)


# ------------------------------------------------------- silu, mish, tanh GELU, log-sigmoid
# One fused node each, as PyTorch's kernels: on small float32 arrays the forward and the gradient
# then follow PyTorch's steps and roundings (gradkit/_activation_float32.py); elsewhere the same
# formulas in NumPy passes, and under create_graph in recorded Tensor ops.
def _logistic(xp, x):
    return (xp.tanh(x * 0.5) + 1) * 0.5  # (no overflow for large |x|)


def _silu_f(xp, x):
    y = _A32.silu(x)
    return y if y is not None else x * _logistic(xp, x)


def _silu_b(xp, g, ins, out, aux, needs):
    x = ins[0]
    d = _A32.silu_backward(g, x)
    if d is not None:
        return (d,)
    s = _logistic(xp, x)
    return (g * s * (1 + x * (1 - s)),)


SILU = Op("Silu", _silu_f, _silu_b, saves=SAVES_INPUTS)


def _softplus1(xp, x):
    """log(1 + exp(x)) without overflow."""
    e = xp.exp(-xp.abs(x))
    return xp.maximum(x, 0) + (e.log1p() if getattr(xp, "name", None) == "tensor"
                               else xp.log1p(e))


def _mish_f(xp, x):
    y = _A32.mish(x)
    if y is not None:
        return y
    with np.errstate(over="ignore"):
        return x * xp.tanh(_softplus1(xp, x))


def _mish_b(xp, g, ins, out, aux, needs):
    x = ins[0]
    d = _A32.mish_backward(g, x)
    if d is not None:
        return (d,)
    with np.errstate(over="ignore"):
        s = _logistic(xp, x)
        ts = xp.tanh(_softplus1(xp, x))
    return (g * (ts + x * s * (1 - ts * ts)),)


MISH = Op("Mish", _mish_f, _mish_b, saves=SAVES_INPUTS)

_GELU_BETA = math.sqrt(2.0 / math.pi)


def _gelu_tanh_f(xp, x):
    y = _A32.gelu_tanh(x)
    if y is not None:
        return y
    return x * (xp.tanh((x + x * x * x * 0.044715) * _GELU_BETA) + 1) * 0.5


def _gelu_tanh_b(xp, g, ins, out, aux, needs):
    x = ins[0]
    d = _A32.gelu_tanh_backward(g, x)
    if d is not None:
        return (d,)
    t = xp.tanh((x + x * x * x * 0.044715) * _GELU_BETA)
    inner_d = (1 + x * x * (3 * 0.044715)) * _GELU_BETA
    return (g * ((1 + t) * 0.5 + x * 0.5 * (1 - t * t) * inner_d),)


GELU_TANH = Op("GeluTanh", _gelu_tanh_f, _gelu_tanh_b, saves=SAVES_INPUTS,
               grad_name="GeluBackward0")


def _log_sigmoid_f(xp, x):
    r = _A32.log_sigmoid(x)  # (with PyTorch's buffer exp(-|x|), which its gradient reads)
    if r is not None:
        return r
    e = xp.exp(-xp.abs(x))
    return xp.minimum(x, 0) - xp.log1p(e), None


def _log_sigmoid_b(xp, g, ins, out, aux, needs):
    x = ins[0]
    if aux is not None:
        d = _A32.log_sigmoid_backward(g, x, aux)
        if d is not None:
            return (d,)
    return (g * _logistic(xp, -x),)  # sigmoid(-x)


LOG_SIGMOID = Op("LogSigmoid", _log_sigmoid_f, _log_sigmoid_b, saves=SAVES_INPUTS,
                 returns_aux=True)


# ------------------------------------------------------------------ hardswish
# PyTorch's x * min(max(x + 3, 0), 6) / 6 and its gradient g (x / 3 + 1/2) on (-3, 3) (0 below, g
# above): one node whose gradient rounds as PyTorch's (the composite's chain rule put 43% of the
# entries a last bit apart). A NaN's gradient is g (the kernel's scalar form; its vector lanes
# give NaN, as do gradkit's on small float32 arrays of 32 or more elements).
def _hardswish_f(xp, x):
    return x * xp.clip(x + 3, 0, 6) / 6


def _hardswish_b(xp, g, ins, out, aux, needs):
    x = ins[0]
    d = _A32.hardswish_backward(g, x)
    if d is not None:
        return (d,)
    mid = (x > -3) & (x < 3)
    xm = xp.where(mid, x, 0)  # (an inf or NaN outside puts no NaN into the middle formula)
    return (_body_nans(xp, x, xp.where(x <= -3, g * 0, xp.where(mid, g * (xm / 3 + 0.5), g))),)


HARDSWISH = Op("Hardswish", _hardswish_f, _hardswish_b, saves=SAVES_INPUTS)

"""float32 activations of small arrays, and their gradients, as PyTorch's CPU kernels compute them.

PyTorch evaluates SiLU, ELU/SELU/CELU, softplus, log-sigmoid, the tanh GELU, Mish, hardswish
and sigmoid with one fused kernel each (``aten/src/ATen/native/cpu/Activation.cpp``), in
float32, in an order of its own: ``x / (1 + exp(-x))`` for SiLU rather than ``x *
sigmoid(x)``, ``expm1(x) * alpha`` for ELU, and their gradients as single formulas whose
product-then-sum steps the compiler fuses into one rounding (a fused multiply-add). gradkit's
own formulas gave a last bit apart from PyTorch's in 5-50% of the entries (SiLU's forward 24%,
its gradient 47%; the tanh GELU's gradient 71%). On small float32 arrays (at most
``EXACT_MAX`` elements: the tensors of examples and tests, whose values get printed) the
functions here follow PyTorch's kernels step by step.

PyTorch's loop runs over an array two SIMD vectors at a time (32 float32 lanes with AVX-512, 16
with AVX2): those lanes call SLEEF's vector ``expf`` (:func:`gradkit._exact_float32.kernel_exp`
emulates it), and the last ``n % 32`` elements (all of an array shorter than that) go through
the kernel's scalar form, which calls the C library's ``expf`` (correctly rounded but for rare
inputs: here computed in float64 and rounded once). ``log1p``, ``expm1`` and ``tanh`` are
computed in float64 and rounded once in both parts: SLEEF's are within a last bit of that in
about 1% of entries, glibc's scalar float ``log1pf``, ``expm1f`` and ``tanhf`` (which depend on
the C library's version) in about 5-8%.

The exact GELU of a contiguous float32 tensor is oneDNN's (PyTorch hands it over): a table of
polynomials for erf forward, Abramowitz and Stegun's erf and oneDNN's exp backward, followed
here step by step (49% and 71% of the entries apart before).

Each function returns None for another array (another dtype, a larger one, a device array):
the caller's NumPy formula then computes it at NumPy's speed.
"""

from __future__ import annotations

import os
import platform

import numpy as np

from ._exact_float32 import EXACT_MAX, _sleef_exp, fma32

__all__ = ["elu", "elu_backward", "gelu", "gelu_backward", "gelu_scalar", "gelu_scalar_backward",
           "gelu_tanh", "gelu_tanh_backward",
           "hardswish_backward", "log_sigmoid", "log_sigmoid_backward", "mish", "mish_backward",
           "vector_body_nans",
           "sigmoid", "silu", "silu_backward", "softplus", "softplus_backward", "tanh_backward"]

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_ndarray = np.ndarray
_ONE = np.float32(1)
_ZERO = np.float32(0)
_HALF = np.float32(0.5)
_MINUS_ONE = np.float32(-1)
# 1 as a 0-d float64 array: NumPy takes a 0-d array operand in a cheaper path than a Python or
# NumPy scalar (which it converts on every call): ``one - d`` on 16 elements, 5.5k -> 4.0k
# instructions (callgrind), the same result
_ONE64_0D = np.array(1.0)
_WIDTH = []  # (PyTorch's elements per vectorized step on this machine, read once)


def _vector_width():
    """Elements PyTorch's vectorized loop takes per step: two vectors of float32 (32 with
    AVX-512, 16 with AVX2, 8 with NEON); 0 where its kernels run scalar code throughout
    (``ATEN_CPU_CAPABILITY=default``)."""
    if _WIDTH:
        return _WIDTH[0]
    cap = os.environ.get("ATEN_CPU_CAPABILITY", "").lower()
    width = 8 if platform.machine().lower() in ("aarch64", "arm64") else 16  # (NEON: 4 lanes)
    if cap == "default":
        width = 0
    elif cap != "avx2" and width == 16:
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("flags"):
                        flags = set(line.split(":", 1)[1].split())
                        if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
                            width = 32
                        break
        except OSError:
            pass
    _WIDTH.append(width)
    return width


def vector_body_nans(x):
    """Where a float64 gradient of ``x`` is NaN in PyTorch's kernel and its scalar formula is
    not: ``x`` NaN inside the vectorized steps (two vectors of float64: 8 elements with AVX2),
    whose blends give NaN there, where the scalar tail picks a finite branch (hardswish,
    ELU/SELU/CELU). A boolean array of ``x``'s shape, or None (no such element; ``x`` not a
    small float64 array, or a Tensor holding one under ``create_graph``)."""
    a = getattr(x, "_data", x)
    if type(a) is not _ndarray or a.dtype is not _F64 or a.size > EXACT_MAX:
        return None
    width = _vector_width() // 2
    flat = a.reshape(-1)
    cut = flat.size - flat.size % width if width else 0
    if not cut or not np.isnan(flat[:cut]).any():
        return None
    mask = np.zeros(flat.size, bool)
    mask[:cut] = np.isnan(flat[:cut])
    return mask.reshape(a.shape)


def _small(a):
    return type(a) is _ndarray and a.dtype is _F32 and a.size <= EXACT_MAX


def _libm_exp(a):
    """The C library's ``expf`` (PyTorch's scalar code): the float64 value rounded once."""
    return np.exp(a, dtype=_F64).astype(_F32)


def _rounded(ufunc, a):
    return ufunc(a, dtype=_F64).astype(_F32)


def _lanes(body, *arrays):
    """``body(exp, *parts)`` over PyTorch's vector lanes (SLEEF's exp) and its scalar tail
    (the C library's exp), joined into an array of the first array's shape."""
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    n = flat[0].size
    width = _vector_width()
    cut = n - n % width if width else 0
    with np.errstate(all="ignore"):  # (overflowing exps and NaN inputs: as PyTorch's)
        if cut == 0:
            return body(_libm_exp, *flat).reshape(shape)
        if cut == n:
            return body(_sleef_exp, *flat).reshape(shape)
        out = np.empty(n, _F32)
        out[:cut] = body(_sleef_exp, *(a[:cut] for a in flat))
        out[cut:] = body(_libm_exp, *(a[cut:] for a in flat))
    return out.reshape(shape)


# ------------------------------------------------------------------ SiLU
def _silu(exp, x):
    return x / (_ONE + exp(-x))


def _silu_backward(exp, g, x):
    s = _ONE / (_ONE + exp(-x))
    return g * s * fma32(x, _ONE - s, _ONE)  # dy * s * (1 + x * (1 - s)), the last fused


def silu(x):
    """PyTorch's ``x / (1 + exp(-x))`` of a small float32 array, else None."""
    return _lanes(_silu, x) if _small(x) else None


def silu_backward(g, x):
    """PyTorch's SiLU gradient ``g * s * (1 + x (1 - s))``, else None."""
    if _small(x) and _small(g) and g.shape == x.shape:
        return _lanes(_silu_backward, g, x)
    return None


# ------------------------------------------------------------------ ELU / SELU / CELU
def elu(x, alpha, scale, input_scale):
    """PyTorch's ``expm1(x * input_scale) * (alpha * scale)`` for ``x <= 0`` (the product of
    the coefficients rounded to float32 first), ``x * scale`` elsewhere; else None."""
    if not _small(x):
        return None
    neg = np.float32(alpha) * np.float32(scale)
    with np.errstate(all="ignore"):
        e = _rounded(np.expm1, np.minimum(x, _ZERO) * np.float32(input_scale))
        e *= neg
        return np.where(x <= 0, e, x * np.float32(scale))


def elu_backward(g, x, alpha, scale, input_scale):
    """PyTorch's ELU gradient ``g * input_scale * (alpha * scale) * exp(x * input_scale)`` for
    ``x <= 0`` (a NaN takes that side in the vector lanes, the other in the scalar tail),
    ``g * scale`` elsewhere; else None."""
    if not (_small(x) and _small(g) and g.shape == x.shape):
        return None
    neg = np.float32(alpha) * np.float32(scale)
    pos, ni = np.float32(scale), np.float32(input_scale)

    def body(exp, g, x):
        side = (x <= 0) if exp is _libm_exp else ~(x > 0)
        r = g * ni
        r *= neg
        r *= exp(np.minimum(x, _ZERO) * ni)
        return np.where(side, r, g * pos)

    return _lanes(body, g, x)


# ------------------------------------------------------------------ softplus
def softplus(x, beta, threshold):
    """PyTorch's ``log1p(exp(x * beta)) / beta``, ``x`` where ``x * beta > threshold``; else
    None. Where that exp overflows (a threshold above 88) the value is ``x``, not PyTorch's
    inf: gradkit's softplus does not overflow."""
    if not _small(x):
        return None
    b, t = np.float32(beta), np.float32(threshold)

    def body(exp, x):
        z = x * b
        return np.where(z > t, x, _rounded(np.log1p, exp(z)) / b)

    y = _lanes(body, x)
    over = np.isinf(y)
    if over.any():  # exp(x * beta) overflowed below a large threshold: PyTorch's inf, kept
        y[over] = x[over]  # finite here (softplus(x) = x to float32's precision there)
    return y


def softplus_backward(g, x, beta, threshold):
    """PyTorch's softplus gradient ``g * z / (z + 1)`` with ``z = exp(x * beta)``; ``g`` where
    ``x * beta > threshold`` or where the exp overflows (PyTorch's NaN); else None."""
    if not (_small(x) and _small(g) and g.shape == x.shape):
        return None
    b, t = np.float32(beta), np.float32(threshold)

    def body(exp, g, x):
        z = x * b
        e = exp(z)
        return np.where((z > t) | (e == np.inf), g, g * e / (e + _ONE))  # (no inf / inf)

    return _lanes(body, g, x)


# ------------------------------------------------------------------ log-sigmoid
def log_sigmoid(x):
    """PyTorch's ``(min(x, 0) - log1p(e), e)`` with ``e = exp(-|x|)`` (its buffer, which the
    gradient reads), all in vector lanes (its loop loads a short tail as a partial vector);
    else None."""
    if not _small(x):
        return None
    with np.errstate(all="ignore"):
        e = _sleef_exp(-np.abs(x).reshape(-1)).reshape(x.shape)
        return np.minimum(x, _ZERO) - _rounded(np.log1p, e), e


def log_sigmoid_backward(g, x, buffer):
    """PyTorch's ``(max_deriv - sign * (e / (1 + e))) * g`` (the product and difference fused),
    ``max_deriv, sign = 1, 1`` for ``x < 0`` and ``0, -1`` elsewhere; else None."""
    if not (_small(x) and _small(g) and g.shape == x.shape and type(buffer) is _ndarray
            and buffer.shape == x.shape and buffer.dtype is _F32):
        return None
    neg = x < 0
    with np.errstate(all="ignore"):
        r = fma32(np.where(neg, _MINUS_ONE, _ONE), buffer / (_ONE + buffer),
                  neg.astype(_F32))
        return r * g


# ------------------------------------------------------------------ GELU, tanh form
_BETA = np.float32(np.sqrt(2.0) * (2.0 / np.sqrt(np.pi)) * 0.5)
_KAPPA = np.float32(0.044715)
_KAPPA3 = np.float32(3) * _KAPPA


def _gelu_inner(x):
    """``beta * (x + kappa x^3)``, the sum fused with kappa's product."""
    return _BETA * fma32(_KAPPA, x * x * x, x)


def gelu_tanh(x):
    """PyTorch's ``0.5 x (1 + tanh(beta (x + kappa x^3)))`` of a small float32 array, else
    None (no exponential: the same steps in its vector lanes and scalar tail)."""
    if not _small(x):
        return None
    with np.errstate(all="ignore"):
        t = _rounded(np.tanh, _gelu_inner(x))
        t += _ONE
        return _HALF * x * t


def gelu_tanh_backward(g, x):
    """PyTorch's tanh-GELU gradient ``g (0.5 (1 + t) + 0.5 x (1 - t^2) beta (1 + 3 kappa
    x^2))``, ``1 - t^2`` and ``1 + 3 kappa x^2`` fused (the compiler's choice, measured); else
    None."""
    if not (_small(x) and _small(g) and g.shape == x.shape):
        return None
    with np.errstate(all="ignore"):
        t = _rounded(np.tanh, _gelu_inner(x))
        left_d = _HALF * (_ONE + t)
        tanh_d = fma32(-t, t, _ONE)
        inner_d = _BETA * fma32(_KAPPA3, x * x, _ONE)
        return g * (left_d + _HALF * x * tanh_d * inner_d)


# ------------------------------------------------------------------ Mish
def _mish(exp, x):
    return x * _rounded(np.tanh, _rounded(np.log1p, exp(x)))


def _mish_backward(exp, g, x):
    s = _ONE / (_ONE + exp(-x))
    ts = _rounded(np.tanh, _rounded(np.log1p, exp(x)))
    return g * fma32(x * s, fma32(-ts, ts, _ONE), ts)  # dy (ts + x s (1 - ts^2)), fused


def mish(x):
    """PyTorch's ``x * tanh(log1p(exp(x)))`` of a small float32 array, else None."""
    return _lanes(_mish, x) if _small(x) else None


def mish_backward(g, x):
    """PyTorch's Mish gradient ``g (ts + x s (1 - ts^2))``, else None."""
    if _small(x) and _small(g) and g.shape == x.shape:
        return _lanes(_mish_backward, g, x)
    return None


# ------------------------------------------------------------------ tanh's gradient
def tanh_backward(g, y):
    """PyTorch's ``g * (1 - y * y)`` from tanh's output ``y``, ``1 - y * y`` fused (one
    rounding: the unfused difference is a last bit apart in two thirds of the entries); else
    None."""
    if (type(y) is _ndarray and y.dtype is _F32 and y.size <= EXACT_MAX
            and type(g) is _ndarray and g.dtype is _F32 and g.shape == y.shape):
        d = y.astype(_F64)  # y² exact in float64, 1 - y² rounded once: fma32(-y, y, 1) in
        # fewer NumPy calls (a 16-element gradient: 2.5 -> 2.1 us, the unfused form 1.2)
        return g * (_ONE64_0D - d * d).astype(_F32)
    return None


# ------------------------------------------------------------------ hardswish's gradient
_THREE = np.float32(3)


def _hardswish_backward(exp, g, x):
    r = g * (x / _THREE + _HALF)
    if exp is _libm_exp:  # the scalar form: 0 to -3, the formula below 3, g beyond (NaN)
        return np.where(x <= -3, _ZERO, np.where(x < 3, r, g))
    return np.where(x <= -3, _ZERO, np.where(x >= 3, g, r))  # the vector lanes' blends


def hardswish_backward(g, x):
    """PyTorch's hardswish gradient ``g * (x / 3 + 0.5)`` on (-3, 3), 0 below, g above (a NaN:
    g in the scalar tail, NaN in the vector lanes); else None."""
    if _small(x) and _small(g) and g.shape == x.shape:
        return _lanes(_hardswish_backward, g, x)
    return None


# ------------------------------------------------------------------ sigmoid
def _sigmoid(exp, x):
    return _ONE / (_ONE + exp(-x))


def sigmoid(x):
    """PyTorch's ``1 / (1 + exp(-x))`` of a small float32 array with its scalar tail's exp
    (the C library's; SLEEF's in the vector lanes), else None."""
    return _lanes(_sigmoid, x) if _small(x) else None


# ------------------------------------------------------------------ GELU, erf form
# PyTorch hands a contiguous float32 tensor of two or more elements to oneDNN's GELU, whose
# AVX-512 kernel evaluates erf(x / sqrt 2) as a degree-5 polynomial in |x| picked from a table of
# 25 by the bits of |x| (its exponent and the two leading mantissa bits), Horner steps fused,
# then (x (1 + erf)) / 2: 49% of the entries a last bit from gradkit's rational erf. The
# coefficients (float32 bit patterns, constant term first) are oneDNN's.
def _bits(*words):
    return np.array(words, np.uint32).view(np.float32)


_GELU_POLY = tuple(_bits(*row) for row in (
    (0xa6f2cb94, 0x32827792, 0x3381cc0c, 0x34523d4a, 0x351ac44d, 0x35f36d88, 0x36ee8229,
     0x37b8a3bb, 0x3867a213, 0x3940033b, 0x3a2a5a1d, 0x3ae35863, 0x3b7828f2, 0x3c08b14b,
     0x3c515ed3, 0xbb503236, 0xbd8d8e5e, 0xbe8abcd9, 0xbf0c19a2, 0xbeccb328, 0x3e176ced,
     0x3f470d99, 0x3f7abb28, 0x3f800000, 0),
    (0x3f4c422a, 0x3f4c421f, 0x3f4c4207, 0x3f4c41cb, 0x3f4c413b, 0x3f4c3fad, 0x3f4c3a2f,
     0x3f4c2d40, 0x3f4c146a, 0x3f4bc341, 0x3f4ad08c, 0x3f48f8cf, 0x3f45fac7, 0x3f404e07,
     0x3f3b980f, 0x3f48dff3, 0x3f78b21b, 0x3fbb0704, 0x40019c32, 0x3fe536d6, 0x3f81331e,
     0x3e6c8684, 0x3c98f936, 0, 0x3f800000),
    (0xb62173f4, 0x3735e4cf, 0x37f2ff89, 0x388c23be, 0x3917535c, 0x39ab2ab0, 0x3a60fadb,
     0x3af9b960, 0x3b6e5491, 0x3c0a4ec5, 0x3ca5aa8c, 0x3d2138d9, 0x3d8737d4, 0x3ddfb660,
     0x3e0f27ab, 0x3d94004b, 0xbe0efdeb, 0xbf1d96c3, 0xbf89db58, 0xbf6d9897, 0xbef69fb8,
     0xbdc4f8a8, 0xbbde6422, 0, 0),
    (0xbe081a19, 0xbe084570, 0xbe08639b, 0xbe089837, 0xbe08f409, 0xbe09ab95, 0xbe0b66d0,
     0xbe0e400a, 0xbe124df8, 0xbe1bde02, 0xbe2f19c9, 0xbe4931bf, 0xbe685fbc, 0xbe89c95f,
     0xbe96cbca, 0xbe8044aa, 0xbe0550f2, 0x3dcfd6a1, 0x3e94c826, 0x3e79345f, 0x3decec91,
     0x3ca46568, 0x3aa1e00a, 0, 0),
    (0xba3d61db, 0x39f097a3, 0x3a5845dc, 0x3ab1fa35, 0x3b0cefb8, 0x3b653ab6, 0x3bcae527,
     0x3c221712, 0x3c6c5840, 0x3cc0a703, 0x3d1dcc19, 0x3d63656d, 0x3d955907, 0x3dbf9910,
     0x3dd53f69, 0x3db7dcef, 0x3d639ebe, 0xba6ede48, 0xbd22be69, 0xbd041cf1, 0xbc64f5ab,
     0xbb097a32, 0xb8ebf380, 0, 0),
    (0x3cb7d80c, 0x3c9b6050, 0x3c978d11, 0x3c92e850, 0x3c8d058b, 0x3c848454, 0x3c6cd623,
     0x3c4c824b, 0x3c2a7935, 0x3be0b390, 0x3b0651ac, 0xbb232f53, 0xbbd42fa0, 0xbc2c5366,
     0xbc492c9e, 0xbc2a7aa6, 0xbbd55d04, 0xba823a76, 0x3b102aa8, 0x3ae25a7e, 0x3a31f792,
     0x38b84375, 0x3689bb5a, 0, 0)))
_GELU_TABLE = np.ascontiguousarray(np.stack(_GELU_POLY, axis=1))  # (entry, degree)
_GELU_INDEX_BIAS = np.array([0xc21fffff], np.uint32).view(np.int32)[0]
_GELU_RBOUND = _bits(0x40b15cee)[0]  # beyond it erf is +-1 (the table's entry 23)
_SQRT_HALF = np.float32(np.sqrt(0.5))
_HUGE = np.float32(1e38)


_AVX512 = []  # (whether oneDNN runs its AVX-512 kernels here, read once)


def _onednn_avx512():
    """Whether this x86 processor has AVX-512 (F, BW, VL, DQ), where oneDNN's GELU takes its
    erf table; without it (AVX2) its kernel computes Abramowitz and Stegun's erf."""
    if not _AVX512:
        flags = set()
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("flags"):
                        flags = set(line.split(":", 1)[1].split())
                        break
        except OSError:
            pass
        _AVX512.append({"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags)
    return _AVX512[0]


def gelu(x):
    """PyTorch's exact GELU (oneDNN's) of a small C-contiguous float32 array of two or more
    elements (PyTorch's own kernel takes one element: see ``gelu_scalar``); else None."""
    if not (_small(x) and x.flags.c_contiguous and x.size > 1):
        return None
    if not _onednn_avx512():
        return _gelu_avx2(x)
    with np.errstate(all="ignore"):
        a = np.abs(x)
        index = (a.view(np.int32) + _GELU_INDEX_BIAS) >> 21
        np.clip(index, 1, 24, out=index)
        index[a > _GELU_RBOUND] = 23
        c = _GELU_TABLE[index]  # (one gather: the six coefficients of each entry's polynomial)
        p = c[..., 5]
        for k in (4, 3, 2, 1, 0):
            p = fma32(p, a, c[..., k])
        np.negative(p, out=p, where=np.signbit(x))
        p += _ONE
        p *= x
        p *= _HALF
        huge = a > _HUGE
        if huge.any():  # x (1 + erf) overflows there (and 0 * inf makes inf a NaN): gradkit
            h = x[huge]  # keeps PyTorch's scalar kernel's x * 0.5 * (1 +- 1), whatever the
            p[huge] = h * _HALF * (_ONE + np.sign(h))  # layout (tests/nn/test_activation.py)
        return p


def gelu_scalar(x, erf_array):
    """PyTorch's scalar GELU ``x * 0.5 * (1 + erf(x / sqrt 2))`` of a one-element float32
    array (the C library's erf: ``erf_array``'s float64 value rounded once); else None."""
    if not (type(x) is _ndarray and x.dtype is _F32 and x.size == 1):
        return None
    e = erf_array(np, (x * _SQRT_HALF).astype(_F64)).astype(_F32)
    return x * _HALF * (_ONE + e)


# oneDNN's GELU gradient: Phi(x) + x phi(x) with erf by Abramowitz and Stegun's 7.1.26 (a
# degree-5 polynomial in 1 / (1 + p |x| / sqrt 2) times exp(-x^2 / 2)) and oneDNN's own exp
# (Cody-Waite reduction by ln 2, a degree-5 polynomial, the power of two set in two steps)
_DNN_LOG2E, _DNN_LN_MAX, _DNN_LN_MIN, _DNN_LN2 = _bits(0x3fb8aa3b, 0x42b17218, 0xc2aeac50,
                                                       0x3f317218)
_DNN_EXP = _bits(0x3f7ffffb, 0x3efffee3, 0x3e2aad40, 0x3d2b9d0d, 0x3c07cfce)  # x^1 .. x^5
_AS_SQRT_HALF, _AS_SQRT_PI_INV, _AS_P = _bits(0x3f3504f3, 0x3f106eba, 0x3ea7ba05)
_AS_POLY = _bits(0x3e827906, 0xbe91a98e, 0x3fb5f0e3, 0xbfba00e3, 0x3f87dc22)  # t^1 .. t^5
_TWO = np.float32(2)


def _dnn_exp(x):
    under = x < _DNN_LN_MIN
    x = np.maximum(np.minimum(x, _DNN_LN_MAX), _DNN_LN_MIN)
    n = np.floor(x * _DNN_LOG2E + _HALF)
    r = fma32(-n, _DNN_LN2, x)
    k = (n - _ONE).astype(np.int32)
    k += 127
    k[under] = 0
    p = _DNN_EXP[4]
    for c in (_DNN_EXP[3], _DNN_EXP[2], _DNN_EXP[1], _DNN_EXP[0], _ONE):
        p = fma32(p, r, c)
    p *= (k << 23).view(np.float32)  # 2^(n - 1), then 2
    p *= _TWO
    return p


def _as_erf(r):
    """oneDNN's ``erf(r)`` (Abramowitz and Stegun's 7.1.26 with its exp, Horner steps fused)
    and the ``exp(-r^2)`` it used; inside ``np.errstate(all="ignore")``."""
    q = _dnn_exp(-(r * r))
    w = _ONE / fma32(_AS_P, np.abs(r), _ONE)
    p = _AS_POLY[4]
    for c in (_AS_POLY[3], _AS_POLY[2], _AS_POLY[1], _AS_POLY[0]):
        p = fma32(p, w, c)
    erf = fma32(-q * w, p, _ONE)
    np.negative(erf, out=erf, where=np.signbit(r))
    return erf, q


def _gelu_avx2(x):
    """oneDNN's AVX2 GELU: ``s/2 (1 + erf(s / sqrt 2))`` with the backward's erf, the last step
    fused (measured on an AMD EPYC with AVX2: every entry PyTorch's, against 35% with the
    AVX-512 table)."""
    with np.errstate(all="ignore"):
        erf, _ = _as_erf(x * _AS_SQRT_HALF)
        half = x * _HALF
        return fma32(erf, half, half)


def gelu_backward(g, x):
    """PyTorch's exact-GELU gradient (oneDNN's) for a small C-contiguous float32 array of two
    or more elements; else None."""
    if not (_small(x) and x.flags.c_contiguous and x.size > 1 and _small(g)
            and g.shape == x.shape):
        return None
    with np.errstate(all="ignore"):
        r = x * _AS_SQRT_HALF
        erf, q = _as_erf(r)
        t = r * _AS_SQRT_PI_INV * q
        t += _HALF
        return fma32(erf, _HALF, t) * g


_GELU_K_BETA = np.float32(2.0 / np.sqrt(np.pi) * np.sqrt(0.5) * 0.5)


def gelu_scalar_backward(g, x, erf_array):
    """PyTorch's scalar exact-GELU gradient ``g (cdf + x pdf)`` (the sum fused) of a
    one-element float32 array; else None."""
    if not (type(x) is _ndarray and x.dtype is _F32 and x.size == 1 and _small(g)
            and g.shape == x.shape):
        return None
    e = erf_array(np, (x * _SQRT_HALF).astype(_F64)).astype(_F32)
    cdf = _HALF * (_ONE + e)
    pdf = _GELU_K_BETA * _libm_exp(x * x * np.float32(-0.5))
    return g * fma32(x, pdf, cdf)

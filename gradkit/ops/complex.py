"""Complex primitives (real/imag, conj, view_as_real/complex, complex(), polar, angle, sgn, abs)
and which existing primitives run on complex data (see ``gradkit/_complex.py``).

Gradients follow PyTorch's convention: for a real loss L and complex z, the gradient is
``dL/dRe z + i dL/dIm z``; a real input of a complex op gets the real part.
"""

from __future__ import annotations

import copy as _copy

import numpy as np

from .._complex import (
    CArray,
    _caller_op,
    _real_part,
    as_carray,
    complex_unsupported,
    holomorphic,
    plain,
    supports,
)
from ..autograd.graph import SAVES_INPUTS, SAVES_OUTPUT, Op
from . import conv as CV
from . import elementwise as E
from . import linalg as L
from . import linalg_eig as LE
from . import linear as LN
from . import memory as M
from . import reduction as R
from . import resample as RS
from . import shape as S

__all__ = ["ANGLE", "COMPLEX", "CONJ", "IMAG", "POLAR", "REAL", "SGN", "VIEW_AS_COMPLEX",
           "VIEW_AS_REAL", "as_written", "complex_of", "real_of"]

_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64),
               np.dtype(np.float64): np.dtype(np.complex128),
               np.dtype(np.float16): np.dtype(np.complex64)}


def complex_of(dtype):
    return _COMPLEX_OF.get(np.dtype(dtype), np.dtype(np.complex128))


def real_of(a):
    """The real part of array ``a`` as a plain array (a view where ``a`` is complex)."""
    return plain(a).real if type(a) is CArray else a


def _cplx(re, im=None):
    """A complex array from real parts (and imaginary parts)."""
    re = plain(re)
    dt = complex_of(re.dtype)
    out = np.empty(np.broadcast_shapes(re.shape, () if im is None else plain(im).shape), dt)
    out.real = re
    out.imag = 0 if im is None else plain(im)
    return out.view(CArray)


def _is_c(a):
    return type(a) is CArray


# ---------------------------------------------------------------- rules on Tensors
# Under create_graph (and forward-mode AD, which differentiates a rule once more) a rule is
# handed Tensors: each rule below then computes its gradient with gradkit functions, so that
# the gradient is recorded and differentiates again (the array branch stays the fast path).
_FN = []


def _F():
    """The ``gradkit`` package (imported on first use: the ops layer sits below it)."""
    if not _FN:
        import gradkit
        _FN.append(gradkit)
    return _FN[0]


def _on_tensors(g):
    return not isinstance(g, (np.ndarray, np.generic))


def _tcplx(re, im=None):
    """A complex Tensor from real Tensors (``im`` None: zeros)."""
    F = _F()
    if im is None:
        im = F.zeros_like(re)
    elif re is None:
        re = F.zeros_like(im)
    return F.complex(re, im)


# ---------------------------------------------------------------- real, imag, conj
def _real_f(xp, a):
    return plain(a).real


def _real_b(xp, g, ins, out, aux, needs):
    if _on_tensors(g):
        return (_tcplx(g),)
    return (_cplx(g),)


def _imag_f(xp, a):
    return plain(a).imag


def _imag_b(xp, g, ins, out, aux, needs):
    if _on_tensors(g):
        return (_tcplx(None, g),)
    return (_cplx(np.zeros_like(plain(g)), g),)


def _conj_f(xp, a):
    return as_carray(np.conjugate(plain(a)))


def _conj_b(xp, g, ins, out, aux, needs):
    if _on_tensors(g):
        return (_F().conj(g),)
    return (as_carray(np.conjugate(plain(g))),)


# (PyTorch's real/imag are selects of view_as_real: their nodes are SelectBackward0)
REAL = Op("Real", _real_f, _real_b, saves=0, grad_name="SelectBackward0")
IMAG = Op("Imag", _imag_f, _imag_b, saves=0, grad_name="SelectBackward0")
CONJ = Op("Conj", _conj_f, _conj_b, saves=0)


# ---------------------------------------------------------------- view_as_real / complex
def _var_f(xp, a):
    p = plain(a)
    return p[..., None].view(p.real.dtype)


def _var_b(xp, g, ins, out, aux, needs):
    if _on_tensors(g):
        return (_F().view_as_complex(g.contiguous()),)
    g = np.ascontiguousarray(plain(g))
    return (g.view(complex_of(g.dtype))[..., 0].view(CArray),)


def _vac_f(xp, a):
    p = plain(a)
    return p.view(complex_of(p.dtype))[..., 0].view(CArray)


def _vac_b(xp, g, ins, out, aux, needs):
    if _on_tensors(g):
        return (_F().view_as_real(g),)
    p = np.ascontiguousarray(plain(g))
    return (p[..., None].view(p.real.dtype),)


VIEW_AS_REAL = Op("ViewAsReal", _var_f, _var_b, saves=0)
VIEW_AS_COMPLEX = Op("ViewAsComplex", _vac_f, _vac_b, saves=0)


# ---------------------------------------------------------------- complex(), polar()
def _complex_f(xp, re, im):
    return _cplx(re, im)


def _complex_b(xp, g, ins, out, aux, needs):
    if _on_tensors(g):
        return (g.real if needs[0] else None, g.imag if needs[1] else None)
    p = plain(g)
    return (np.ascontiguousarray(p.real) if needs[0] else None,
            np.ascontiguousarray(p.imag) if needs[1] else None)


def _polar_f(xp, r, theta):
    r, theta = plain(r), plain(theta)
    return _cplx(r * np.cos(theta), r * np.sin(theta))


def _polar_b(xp, g, ins, out, aux, needs):
    if _on_tensors(g):  # Re(conj(g) sgn(out)), Re(conj(g) i out)
        gc = _F().conj(g)
        return ((gc * _F().sgn(out)).real if needs[0] else None,
                (gc * out * 1j).real if needs[1] else None)
    p = plain(g)
    o = plain(out)
    gr = gt = None
    if needs[0]:  # Re(conj(g) sgn(out)): PyTorch's polar_backward (e^{i theta} where abs > 0)
        s = _sgn_array(o)
        gr = p.real * s.real + p.imag * s.imag
    if needs[1]:  # Re(conj(g) i out), i out as PyTorch's complex product (0 * inf is NaN)
        with np.errstate(invalid="ignore"):
            i_re, i_im = o.real * 0.0 - o.imag, o.real + o.imag * 0.0
        gt = p.real * i_re + p.imag * i_im
    return gr, gt


COMPLEX = Op("Complex", _complex_f, _complex_b, saves=0, broadcasts=True)
POLAR = Op("Polar", _polar_f, _polar_b, saves=SAVES_INPUTS | SAVES_OUTPUT, broadcasts=True)


# ---------------------------------------------------------------- angle, sgn, abs
def _angle_f(xp, a):
    p = plain(a)
    if p.dtype.kind == "c":
        return np.angle(p).astype(p.real.dtype, copy=False)
    # a real tensor: pi where negative, 0 elsewhere, nan kept (PyTorch's)
    return np.where(p < 0, np.pi, np.where(np.isnan(p), p, 0)).astype(p.dtype, copy=False)


def _angle_b(xp, g, ins, out, aux, needs):
    if _on_tensors(g):  # PyTorch's angle_backward
        F, z = _F(), ins[0]
        if not z.is_complex():
            return (F.zeros_like(z),)
        return (F.where(z == 0, 0.0, g * z / z.abs() ** 2 * 1j),)
    z = plain(ins[0])
    if z.dtype.kind != "c":
        return (np.zeros_like(z),)
    a2 = z.real * z.real + z.imag * z.imag
    with np.errstate(all="ignore"):
        r = plain(g) * (1j * z) / a2
    return (as_carray(np.where(z == 0, 0, r).astype(z.dtype, copy=False)),)


ANGLE = Op("Angle", _angle_f, _angle_b)


def _sgn_array(z):
    a = np.abs(z)
    with np.errstate(all="ignore"):
        s = z / a
    return np.where(a == 0, 0, s).astype(z.dtype, copy=False)


def _sgn_f(xp, a):
    return as_carray(_sgn_array(plain(a)))


def _sgn_b(xp, g, ins, out, aux, needs):
    if _on_tensors(g):
        F, z = _F(), ins[0]
        a = z.abs()
        return (F.where(a == 0, 0.0, (F.conj(g) * out * 1j).real * out * 1j / a),)
    # s = z/|z| depends on the angle only: dL/dtheta = Re(conj(g) i s), and the angle's
    # gradient is i z / |z|^2 (see _angle_b)
    z = plain(ins[0])
    s = plain(out)
    gp = plain(g)
    a = np.abs(z)
    dtheta = (np.conjugate(gp) * 1j * s).real
    with np.errstate(all="ignore"):
        r = dtheta * 1j * s / a
    return (as_carray(np.where(a == 0, 0, r).astype(z.dtype, copy=False)),)


SGN = Op("Sgn", _sgn_f, _sgn_b, saves=SAVES_INPUTS | SAVES_OUTPUT)


def _abs_c_b(xp, g, ins, out, aux, needs):
    if _on_tensors(g):
        return (g * _F().sgn(ins[0]),)
    z = plain(ins[0])
    return (as_carray(plain(g) * _sgn_array(z)),)


_ABS_C = Op("Abs", E.ABS.forward, _abs_c_b)
supports(E.ABS, _ABS_C)


# ---------------------------------------------------------------- casts
def _cast_c_f(xp, a, dtype, src):
    p = plain(a)
    if p.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        # a cast the user asked for warns as PyTorch; one inside another op would drop the
        # imaginary part silently, so that op refuses complex input
        face = _caller_op()
        if face not in _USER_CASTS:
            raise complex_unsupported(face or "cast")
        import warnings
        warnings.warn("Casting complex values to real discards the imaginary part",
                      UserWarning, stacklevel=5)
        p = p.real
    return as_carray(p.astype(dtype))


# the faces whose cast of complex to real is the user's own request (PyTorch warns there)
_USER_CASTS = frozenset(("to", "float", "double", "half", "bfloat16", "type", "type_as", "long",
                         "int", "short", "char", "byte", "bool", "copy_", "tensor", "as_tensor",
                         "new_tensor", "asarray", "_to", "to_dtype", "cast", "convert",
                         "__setitem__"))  # (x[i] = z: PyTorch's copy_, which warns too)


def _cast_c_b(xp, g, ins, out, aux, needs):
    src = np.dtype(aux[1])
    if _on_tensors(g):
        if src.kind != "c" and g.is_complex():
            g = g.real
        return (g.to(src),)
    p = plain(g)
    if src.kind != "c" and p.dtype.kind == "c":
        p = p.real
    return (as_carray(p.astype(src)),)


_CAST_C = Op("ToCopy", _cast_c_f, _cast_c_b, saves=0)
supports(E.CAST, _CAST_C)


# ---------------------------------------------------------------- pow
def _pow_c_b(xp, g, ins, out, aux, needs):
    """PyTorch's pow_backward_self/exponent for complex: conj of the holomorphic derivative,
    0 where the exponent is 0 (self) or where the base is 0 and the exponent real and >= 0."""
    a, b = ins
    if _on_tensors(g):
        return _pow_c_tb(g, a, b, needs)
    gp = plain(g)
    pa = plain(a) if isinstance(a, np.ndarray) else a
    pb = plain(b) if isinstance(b, np.ndarray) else b
    ga = gb = None
    with np.errstate(all="ignore"):
        if needs[0]:
            d = np.where(np.asarray(pb) == 0, 0, pb * np.power(pa, np.asarray(pb) - 1))
            ga = _real_like(gp * np.conjugate(d), a)
        if needs[1]:
            bb = np.asarray(pb)
            zero = (np.asarray(pa) == 0) & (bb.imag == 0) & (bb.real >= 0)
            safe = np.where(np.asarray(pa) == 0, 1, pa)
            d = np.where(zero, 0, np.power(pa, pb) * np.log(safe.astype(complex_of(
                np.asarray(safe).real.dtype) if np.asarray(safe).dtype.kind != "c"
                else np.asarray(safe).dtype)))
            gb = _real_like(gp * np.conjugate(d), b)
    return ga, gb


def _pow_c_tb(g, a, b, needs):
    """``_pow_c_b`` on Tensors (``a`` or ``b`` may be a Python number)."""
    F = _F()
    ta, tb = isinstance(a, (int, float, _complex_t)), isinstance(b, (int, float, _complex_t))
    ga = gb = None
    if needs[0]:
        if tb:
            d = b * a ** (b - 1) if b != 0 else a * 0
        else:
            d = F.where(b == 0, 0.0, b * a ** F.where(b == 0, 1.0, b - 1))
        ga = g * F.conj(d)
        if not ta and not a.is_complex():
            ga = ga.real
    if needs[1]:
        if ta:
            d = 0.0 * b if a == 0 else a ** b * complex(np.log(complex(a)))
        else:
            ac = a if a.is_complex() else _tcplx(a)
            bb = b if not tb and b.is_complex() else None
            breal = b.real if bb is not None else b
            zero = (a == 0) & (breal >= 0)
            if bb is not None:
                zero = zero & (b.imag == 0)
            safe = F.where(a == 0, 1.0, ac)
            d = F.where(zero, 0.0, a ** b * F.log(safe))
        gb = g * F.conj(d)
        if not tb and not b.is_complex():
            gb = gb.real
    return ga, gb


_complex_t = complex


def _real_like(r, x):
    r = np.asarray(r)
    if isinstance(x, np.ndarray) and type(x) is not CArray:
        return np.ascontiguousarray(r.real).astype(x.dtype, copy=False)
    return as_carray(r)


def _pow_c_f(xp, a, b):
    return as_carray(E.POW.forward(xp, a, b))


_POW_C = _copy.copy(E.POW)  # its names and flags, complex rules
_POW_C.forward, _POW_C.backward = _pow_c_f, _pow_c_b
supports(E.POW, _POW_C)


# ---------------------------------------------------------------- decompositions
def as_written(op):
    """Mark ``op`` as correct for complex data as its rule is written (PyTorch's rules with
    ``^H``: ``gradkit/ops/linalg.py``), its complex results held as CArray."""
    variant = _copy.copy(op)

    def forward(xp, *args, _f=op.forward):
        return as_carray(_f(xp, *args))

    def backward(xp, g, ins, out, aux, needs, _rule=op.backward):
        gs = _rule(xp, g, ins, out, aux, needs)
        if ins is not None:  # a real input (eig of a real matrix): the real part
            gs = tuple(None if r is None else _real_part(xp, r, ins[i])
                       for i, r in enumerate(gs))
        if _on_tensors(g):
            return gs
        return tuple(None if r is None else as_carray(r) for r in gs)

    variant.forward, variant.backward = forward, backward
    return supports(op, variant)


for _op in (L.SLOGDET, L.EIGH, L.EIGVALSH, L.SVD, L.SVDVALS, L.QR, L.PINV, L.CHOLESKY,
            L.CHOLESKY_SOLVE, L.CHOLESKY_INVERSE, LE.EIG):
    as_written(_op)


# ---------------------------------------------------------------- logsumexp
def _logsumexp_c_f(xp, a, axis, keepdims, shape):
    # shifted by the largest real part (complex numbers have no order), as PyTorch's; the rule
    # g * exp(a - out) is holomorphic
    p = plain(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        if p.size == 0:
            s = np.log(np.sum(np.exp(p), axis=axis, keepdims=True))
        else:
            m = np.amax(p.real, axis=axis, keepdims=True)
            m = np.where(np.isfinite(m), m, 0.0)
            s = np.log(np.sum(np.exp(p - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        s = np.reshape(s, tuple(n for i, n in enumerate(s.shape)
                                if not (axis is None or i in axis)))
    return as_carray(s.astype(p.dtype, copy=False))


# ---------------------------------------------------------------- var (a real result)
def _var_c_f(xp, a, axis, keepdims, shape, denom):
    # mean |z - mean z|^2: the variances of the real and imaginary parts added, as PyTorch's.
    # The real rule, 2 / (N - correction) * g * (z - mean), is PyTorch's complex gradient as it
    # is (g is real)
    p = plain(a)
    return (R.VAR.forward(xp, np.ascontiguousarray(p.real), axis, keepdims, shape, denom)
            + R.VAR.forward(xp, np.ascontiguousarray(p.imag), axis, keepdims, shape, denom))


_VAR_C = _copy.copy(R.VAR)
_VAR_C.forward = _var_c_f
supports(R.VAR, _VAR_C)


# ---------------------------------------------------------------- existing primitives
# Rules of the form g * f'(inputs): PyTorch's complex gradient is conj(rule(conj(g))).
for _op in (E.ADD, E.SUB, E.MUL, E.DIV, E.NEG, E.EXP, E.LOG, E.LOG1P, E.EXPM1, E.SQRT,
            E.RSQRT, E.SIN, E.COS, E.TANH, E.SIGMOID, E.SQUARE, E.RECIPROCAL, E.SINH, E.COSH,
            E.ASIN, E.ACOS, E.ATAN, E.ASINH, E.ACOSH, E.ATANH, E.WHERE,
            E.MUL_HALF_SCALAR, E.DIV_HALF_SCALAR,
            R.SUM, R.MEAN, R.CUMSUM, R.PROD, R.CUMPROD,
            S.RESHAPE, S.PERMUTE, S.EXPAND, S.CAT, S.STACK, S.FLIP, S.REPEAT, S.GETITEM,
            S.GATHER, S.UNFOLD, S.DIAGONAL, S.INDEX_ADD, S.SCATTER_ADD,
            M.CLONE, M.CLONE_KEEP, M.CLONE_AS, M.FILL, M.FILL_T, M.COPY, M.COPY_FROM, S.SETITEM,
            L.MATMUL, L.EINSUM, LN.LINEAR, L.INV, L.DET, L.SOLVE, L.TRI_SOLVE, L.LU_FACTOR,
            L.TORCH_LAYOUT,
            CV.CONV, CV.CONV_T, CV.CONV_W, CV.CONV3, CV.CONV3_T, CV.CONV3_W, RS.UNFOLD, RS.FOLD):
    holomorphic(_op)
holomorphic(R.LOGSUMEXP)
R.LOGSUMEXP.complex.forward = _logsumexp_c_f
# a real and a complex operand: the rule needs the inputs to give the real one a real gradient
for _op in (E.ADD, E.SUB, E.WHERE, S.CAT, S.STACK):
    _op.complex.saves |= SAVES_INPUTS
# new primitives: their rules are written for complex data (on arrays, and with gradkit
# functions when handed Tensors: create_graph and forward-mode AD)
for _op in (REAL, IMAG, CONJ, VIEW_AS_REAL, VIEW_AS_COMPLEX, COMPLEX, POLAR, ANGLE, SGN):
    supports(_op)

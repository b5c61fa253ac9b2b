"""FFT primitives (``gradkit.fft``): complex-to-complex over any dims, real-to-complex and
complex-to-real along one dim. The faces (``gradkit/fft/``) build the other transforms of
these (rfftn = c2c of an r2c, irfftn = c2r of a c2c, hfft = irfft of the conjugate, ...).

Each op first resizes its input along the transformed dims to the signal sizes (zero-padding or
truncating, as PyTorch's ``n``/``s``); the backward is the adjoint: the transform with the dual
normalization ("backward" <-> "forward", "ortho" stays), then the inverse resize. The c2r
gradient is PyTorch's ``fft_c2r_backward`` (an r2c of the gradient, the bins that stand for two
conjugate bins doubled).
"""

from __future__ import annotations

import functools

import numpy as np

from .._complex import as_carray, plain, supports
from ..autograd.graph import Op

__all__ = ["FFTN", "IRFFT", "RFFT", "dual_norm", "resize"]

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}
_REAL_OF = {np.dtype(np.complex64): np.dtype(np.float32),
            np.dtype(np.complex128): np.dtype(np.float64)}
_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64),
               np.dtype(np.float64): np.dtype(np.complex128)}


def _quiet(fn):
    """``fn`` without NumPy's floating-point warnings: the FFT's ufuncs raise them from
    ``numpy.fft``'s module ("invalid value encountered in irfft" for a NaN), where gradkit's
    import-time filter, which matches gradkit's modules only, does not reach; PyTorch's FFT
    gives inf/NaN silently."""
    @functools.wraps(fn)
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return quiet


def dual_norm(norm):
    return _DUAL[norm]


def resize(a, axes, sizes):
    """``a`` zero-padded or truncated to ``sizes`` along ``axes`` (a copy only where needed)."""
    a = plain(a)
    index = [slice(None)] * a.ndim
    pads = [(0, 0)] * a.ndim
    cut = pad = False
    for ax, n in zip(axes, sizes):
        have = a.shape[ax]
        if n < have:
            index[ax] = slice(0, n)
            cut = True
        elif n > have:
            pads[ax] = (0, n - have)
            pad = True
    if cut:
        a = a[tuple(index)]
    if pad:
        a = np.pad(a, pads)
    return a


def _on_tensors(g):
    return not isinstance(g, (np.ndarray, np.generic))


def _tresize(t, axes, sizes):
    """``resize`` of a Tensor, recorded (create_graph and forward-mode AD: the rules below hand
    the transforms Tensors when they are, so that their gradients differentiate again)."""
    import gradkit as gk

    for ax, n in zip(axes, sizes):
        have = t.shape[ax]
        if n < have:
            t = gk.narrow(t, ax, 0, n)
        elif n > have:
            shape = list(t.shape)
            shape[ax] = n - have
            t = gk.cat([t, gk.zeros(shape, dtype=t.dtype)], ax)
    return t


# ---------------------------------------------------------------- complex to complex
def _fftn_f(xp, a, axes, sizes, norm, inverse):
    p = plain(a)
    x = resize(p, axes, sizes)
    f = np.fft.ifftn if inverse else np.fft.fftn
    out = f(x, axes=axes, norm=norm) if axes else x.copy()
    return as_carray(np.asarray(out).astype(p.dtype, copy=False))


def _fftn_b(xp, g, ins, out, aux, needs):
    axes, sizes, norm, inverse, in_sizes = aux
    if _on_tensors(g):
        r = xp.apply(FFTN, (g,), (axes, tuple(g.shape[ax] for ax in axes), _DUAL[norm],
                                  not inverse)) if axes else g
        return (_tresize(r, axes, in_sizes),)
    gp = plain(g)
    f = np.fft.fftn if inverse else np.fft.ifftn
    r = f(gp, axes=axes, norm=_DUAL[norm]) if axes else gp
    r = resize(r, axes, in_sizes)
    return (as_carray(np.ascontiguousarray(r).astype(gp.dtype, copy=False)),)


def _fftn_forward(xp, a, axes, sizes, norm, inverse):
    in_sizes = tuple(plain(a).shape[ax] for ax in axes)
    return _fftn_f(xp, a, axes, sizes, norm, inverse), (axes, sizes, norm, inverse, in_sizes)


FFTN = Op("FftC2C", _quiet(_fftn_forward), _quiet(_fftn_b), saves=0, returns_aux=True)


# ---------------------------------------------------------------- real to complex
def _rfft_f(xp, a, axis, n, norm):
    p = plain(a)
    out = np.fft.rfft(resize(p, (axis,), (n,)), n=n, axis=axis, norm=norm)
    return as_carray(out.astype(_COMPLEX_OF[p.dtype], copy=False)), (axis, n, norm, p.shape[axis],
                                                                     p.dtype)


def _rfft_b(xp, g, ins, out, aux, needs):
    axis, n, norm, n_in, dtype = aux
    if _on_tensors(g):
        full = _tresize(g, (axis,), (n,))
        r = xp.apply(FFTN, (full,), ((axis,), (n,), _DUAL[norm], True)).real
        return (_tresize(r, (axis,), (n_in,)).to(dtype=dtype),)
    gp = plain(g)
    shape = list(gp.shape)
    shape[axis] = n
    full = np.zeros(shape, gp.dtype)
    index = [slice(None)] * gp.ndim
    index[axis] = slice(0, gp.shape[axis])
    full[tuple(index)] = gp
    r = np.fft.ifft(full, axis=axis, norm=_DUAL[norm]).real
    return (np.ascontiguousarray(resize(r, (axis,), (n_in,))).astype(dtype, copy=False),)


RFFT = Op("FftR2C", _quiet(_rfft_f), _quiet(_rfft_b), saves=0, returns_aux=True)


# ---------------------------------------------------------------- complex to real
def _irfft_f(xp, a, axis, n, norm):
    p = plain(a)
    m = n // 2 + 1
    out = np.fft.irfft(resize(p, (axis,), (m,)), n=n, axis=axis, norm=norm)
    return out.astype(_REAL_OF[p.dtype], copy=False), (axis, n, norm, p.shape[axis], p.dtype)


def _irfft_b(xp, g, ins, out, aux, needs):
    axis, n, norm, n_in, dtype = aux
    if _on_tensors(g):
        gi = xp.apply(RFFT, (g,), (axis, n, _DUAL[norm]))
        m = gi.shape[axis]
        double = n - m
        if double > 0:  # the bins that stand for two conjugate bins count twice
            w = np.ones(m, dtype=gi.real.dtype)
            w[1:1 + double] = 2
            gi = gi * w.reshape((m,) + (1,) * (gi.ndim - 1 - axis % gi.ndim))
        return (_tresize(gi, (axis,), (n_in,)).to(dtype=dtype),)
    gp = plain(g)
    gi = np.fft.rfft(gp, axis=axis, norm=_DUAL[norm])
    m = gi.shape[axis]
    double = n - m
    if double > 0:
        index = [slice(None)] * gi.ndim
        index[axis] = slice(1, 1 + double)
        gi[tuple(index)] *= 2
    r = resize(gi, (axis,), (n_in,))
    return (as_carray(np.ascontiguousarray(r).astype(dtype, copy=False)),)


IRFFT = Op("FftC2R", _quiet(_irfft_f), _quiet(_irfft_b), saves=0, returns_aux=True)

for _op in (FFTN, RFFT, IRFFT):
    supports(_op)

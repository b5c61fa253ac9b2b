"""Samplers drawn from gradkit's generator (``gradkit.manual_seed`` makes them reproducible):
gamma (Marsaglia-Tsang), Poisson (inversion / Hoermann's PTRS), binomial (inversion /
Hoermann's BTRS), and the implicit reparameterisation gradient of gamma samples.

Gamma samples (hence Gamma, Beta, Dirichlet, Chi2, ...) are PyTorch's: its CPU sampler's draws
and arithmetic on the same generator, bit for bit. The Poisson and binomial samplers here take
their uniforms from ``gradkit.rand`` in float64 and are not PyTorch's streams.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ._special import _gammainc_np, _lgamma_np


def _uniform(n):
    from .. import rand

    return rand(n, dtype=np.float64).numpy() if n else np.zeros(0)


def _normal(n):
    from .. import randn

    return randn(n, dtype=np.float64).numpy() if n else np.zeros(0)


_THIRD32 = float(np.float32(1.0) / np.float32(3.0))  # ``1.0f / 3.0f`` in PyTorch's sampler
_SQUEEZE32 = float(np.float32(0.0331))


def _gamma_one(alpha: float, single: bool, unit, normal) -> float:
    """One Gamma(alpha, 1) sample as PyTorch's ``sample_gamma`` draws it (Marsaglia & Tsang
    2000, alpha < 1 boosted by ``(1 - U) ** (1 / alpha)``), in double arithmetic except where
    its float constants and a float ``alpha`` (``single``) round."""
    f32 = np.float32
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        power = float(f32(1.0) / f32(alpha)) if single else 1.0 / alpha
        scale *= math.pow(1.0 - unit(), power)
        alpha = float(f32(alpha) + f32(1.0)) if single else alpha + 1.0
    d = float(f32(alpha) - f32(_THIRD32)) if single else alpha - _THIRD32
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = normal()
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        u = 1.0 - unit()
        xx = x * x
        if u < 1.0 - _SQUEEZE32 * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def standard_gamma_np(alpha, single=False):
    """Gamma(alpha, 1) samples for an array of concentrations, PyTorch's CPU sampler on the
    default generator (``_standard_gamma``; ``single`` for float32 concentrations, whose
    arithmetic PyTorch does partly in float; the Dirichlet sampler draws in double): one
    element after the other in row-major order, so ``manual_seed`` gives PyTorch's numbers."""
    from ..random import _F53, _M53, _gen, normal_serial

    g = _gen()

    def unit():
        return float(g._u64(1)[0] & _M53) * _F53

    def normal():
        return float(normal_serial(g, 1)[0])

    alpha = np.asarray(alpha, dtype=np.float64)
    out = np.array([_gamma_one(float(a), single, unit, normal) for a in alpha.reshape(-1)],
                   dtype=np.float64)
    if single:
        out = np.maximum(out.astype(np.float32), np.finfo(np.float32).tiny).astype(np.float64)
    out = np.maximum(out, np.finfo(np.float64).tiny)
    return out.reshape(alpha.shape)


def _standard_gamma_grad_np(alpha, x):
    """d x / d alpha for x ~ Gamma(alpha, 1), by implicit differentiation of the CDF:
    -(dP(alpha, x)/d alpha) / p(x; alpha), the derivative in alpha by a central difference."""
    alpha = np.asarray(alpha, np.float64)
    x = np.asarray(x, np.float64)
    h = 1e-5 * np.maximum(alpha, 1e-2)
    dp = (_gammainc_np(alpha + h, x) - _gammainc_np(alpha - h, x)) / (2 * h)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        logpdf = (alpha - 1) * np.log(x) - x - _lgamma_np(alpha)
        g = -dp / np.exp(logpdf)
    return np.where(np.isfinite(g), g, 0.0)


class _StandardGamma(Function):
    @staticmethod
    def forward(ctx, alpha):
        from .. import tensor

        a = alpha.detach().numpy()
        x = standard_gamma_np(a, single=a.dtype != np.float64).astype(a.dtype)
        x = np.maximum(x, np.finfo(a.dtype).tiny)
        out = tensor(x)
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        from .. import tensor

        alpha, x = ctx.saved_tensors
        g = _standard_gamma_grad_np(alpha.detach().numpy(), x.detach().numpy())
        # d x / d alpha enters as a constant: no second derivative through the sampler
        return grad * tensor(g.astype(np.dtype(alpha.dtype)))


def standard_gamma(alpha):
    """Differentiable Gamma(alpha, 1) samples (implicit reparameterisation)."""
    return _StandardGamma.apply(alpha)


def poisson_np(rate):
    rate = np.asarray(rate, dtype=np.float64)
    flat = rate.reshape(-1)
    out = np.zeros_like(flat)
    small = np.nonzero((flat < 10.0) & (flat > 0))[0]
    if small.size:  # inversion by sequential search
        lam = flat[small]
        u = _uniform(small.size)
        k = np.zeros_like(lam)
        p = np.exp(-lam)
        s = p.copy()
        active = u > s
        while active.any():
            k = np.where(active, k + 1, k)
            p = np.where(active, p * lam / np.maximum(k, 1), p)
            s = np.where(active, s + p, s)
            active = active & (u > s) & (p > 0)
        out[small] = k
    big = np.nonzero(flat >= 10.0)[0]
    todo = big
    while todo.size:  # PTRS, Hoermann (1993)
        lam = flat[todo]
        slam = np.sqrt(lam)
        loglam = np.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        uu = _uniform(todo.size) - 0.5
        v = _uniform(todo.size)
        us = 0.5 - np.abs(uu)
        k = np.floor((2 * a / us + b) * uu + lam + 0.43)
        quick = (us >= 0.07) & (v <= vr)
        with np.errstate(divide="ignore", invalid="ignore"):
            slow = (k >= 0) & ~((us < 0.013) & (v > us)) & (
                np.log(v) + np.log(invalpha) - np.log(a / (us * us) + b)
                <= -lam + k * loglam - _lgamma_np(k + 1))
        ok = quick | slow
        out[todo[ok]] = k[ok]
        todo = todo[~ok]
    out[np.isnan(flat)] = np.nan
    return out.reshape(rate.shape)


def binomial_np(count, prob):
    count, prob = np.broadcast_arrays(np.asarray(count, np.float64), np.asarray(prob, np.float64))
    n = count.reshape(-1).copy()
    p0 = prob.reshape(-1).copy()
    flip = p0 > 0.5
    p = np.where(flip, 1.0 - p0, p0)
    out = np.zeros_like(n)
    small = np.nonzero((n * p < 10.0) & (p > 0) & (n > 0))[0]
    if small.size:  # inversion
        nn, pp = n[small], p[small]
        q = 1.0 - pp
        s = pp / q
        a = (nn + 1) * s
        r = q ** nn
        u = _uniform(small.size)
        x = np.zeros_like(nn)
        active = u > r
        while active.any():
            u = np.where(active, u - r, u)
            x = np.where(active, x + 1, x)
            r = np.where(active, r * (a / np.maximum(x, 1) - s), r)
            active = active & (u > r) & (x < nn)
        out[small] = x
    todo = np.nonzero(n * p >= 10.0)[0]
    if todo.size:  # BTRS, Hoermann (1993)
        nn_all, pp_all = n, p
        while todo.size:
            nn, pp = nn_all[todo], pp_all[todo]
            q = 1.0 - pp
            spq = np.sqrt(nn * pp * q)
            b = 1.15 + 2.53 * spq
            a = -0.0873 + 0.0248 * b + 0.01 * pp
            c = nn * pp + 0.5
            vr = 0.92 - 4.2 / b
            alpha = (2.83 + 5.1 / b) * spq
            lpq = np.log(pp / q)
            m = np.floor((nn + 1) * pp)
            h = _lgamma_np(m + 1) + _lgamma_np(nn - m + 1)
            uu = _uniform(todo.size) - 0.5
            v = _uniform(todo.size)
            us = 0.5 - np.abs(uu)
            k = np.floor((2 * a / us + b) * uu + c)
            inside = (k >= 0) & (k <= nn)
            quick = inside & (us >= 0.07) & (v <= vr)
            with np.errstate(divide="ignore", invalid="ignore"):
                lv = np.log(v * alpha / (a / (us * us) + b))
                kk = np.clip(k, 0, nn)
                slow = inside & (lv <= h - _lgamma_np(kk + 1) - _lgamma_np(nn - kk + 1)
                                 + (kk - m) * lpq)
            ok = quick | slow
            out[todo[ok]] = k[ok]
            todo = todo[~ok]
    out = np.where(flip, n - out, out)
    out = np.where(np.isnan(p0) | np.isnan(n), np.nan, out)
    return out.reshape(count.shape)

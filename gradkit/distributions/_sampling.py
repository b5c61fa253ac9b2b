"""Samplers drawn from gradkit's generator (``gradkit.manual_seed`` makes them reproducible):
gamma (Marsaglia-Tsang), Poisson (inversion / Hoermann's PTRS), binomial (inversion /
Hoermann's BTRS), and the implicit reparameterisation gradient of gamma samples.

Gamma draws PyTorch's stream: its CPU kernel's element-by-element Marsaglia-Tsang loop, reading
the generator's scalar ``uniform_real_distribution<double>`` and ``normal_distribution<double>``
(Box-Muller with the cached second value) in the same order and with the same float constants,
so a seeded program samples PyTorch's values. The Poisson and binomial uniforms and normals come
from ``gradkit.rand``/``gradkit.randn`` in float64; those streams are not PyTorch's.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ._special import _gammainc_np, _lgamma_np


def _uniform(n):
    from .. import rand

    return rand(n, dtype=np.float64).numpy() if n else np.zeros(0)


def _normal(n):
    from .. import randn

    return randn(n, dtype=np.float64).numpy() if n else np.zeros(0)


_THIRD_F = float(np.float32(1.0) / np.float32(3.0))  # PyTorch's ``1.0f / 3.0f``
_C0331_F = float(np.float32(0.0331))                  # and ``0.0331f``, used in double


class _ScalarStream:
    """PyTorch's scalar draws from generator ``g``, read ahead in blocks and handed back at the
    end: ``uniform()`` is ``uniform_real_distribution<double>`` (53 bits of one 64-bit draw),
    ``normal()`` is ``normal_distribution<double>`` (Box-Muller from two uniforms, the sine
    half cached). ``close()`` leaves ``g`` exactly as far on as the draws used."""

    def __init__(self, g, ahead):
        self.g = g
        self.start = g._bg.state
        self.words = []
        self.pos = 0
        self.ahead = max(int(ahead), 16)
        self.cached = g._normal_double

    def _word(self):
        if self.pos == len(self.words):
            self.words.extend(self.g._u64(self.ahead).tolist())
            self.ahead *= 2
        w = self.words[self.pos]
        self.pos += 1
        return w

    def uniform(self):
        return (self._word() & 0x1FFFFFFFFFFFFF) * 2.0 ** -53

    def normal(self):
        import math

        if self.cached is not None:
            x, self.cached = self.cached, None
            return x
        u1 = self.uniform()
        u2 = self.uniform()
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        self.cached = r * math.sin(theta)
        return r * math.cos(theta)

    def close(self):
        self.g._bg.state = self.start
        if self.pos:
            self.g._u64(self.pos)
        self.g._normal_double = self.cached


_THIRD_F = float(np.float32(1.0) / np.float32(3.0))  # PyTorch's ``1.0f / 3.0f``
_C0331_F = float(np.float32(0.0331))                  # and ``0.0331f``, used in double


def standard_gamma_np(alpha, single=False):
    """Gamma(alpha, 1) samples for an array of concentrations, PyTorch's ``sample_gamma``
    (Marsaglia & Tsang 2000; alpha < 1 boosted by ``U ** (1 / alpha)`` drawn first) element by
    element in C order from the default generator. ``single``: the concentrations are float32
    (PyTorch's ``scalar_t = float``: the boost and ``alpha - 1/3`` rounded to float32, the sample
    cast to float32); otherwise float64 throughout. Returns float64 values."""
    import math

    from ..random import _gen

    flat = np.asarray(alpha, dtype=np.float32 if single else np.float64).reshape(-1)
    out = np.empty(flat.size, dtype=np.float64)
    tiny = float(np.finfo(np.float32 if single else np.float64).tiny)
    log, sqrt, f32 = math.log, math.sqrt, np.float32
    stream = _ScalarStream(_gen(None), 3 * flat.size + 16)
    uniform, normal = stream.uniform, stream.normal
    try:
        for i, a in enumerate(flat.tolist()):
            scale = 1.0
            if a < 1.0:
                if a == 0.0:
                    out[i] = tiny  # PyTorch returns 0, then clamps to the smallest normal
                    continue
                inv = float(f32(1.0) / f32(a)) if single else 1.0 / a
                scale *= math.pow(1.0 - uniform(), inv)
                a = float(f32(a) + f32(1.0)) if single else a + 1.0
            d = float(f32(a) - f32(_THIRD_F)) if single else a - _THIRD_F
            c = 1.0 / sqrt(9.0 * d)
            while True:
                while True:
                    x = normal()
                    y = 1.0 + c * x
                    if y > 0:
                        break
                v = y * y * y
                u = 1.0 - uniform()
                xx = x * x
                if u < 1.0 - _C0331_F * xx * xx or log(u) < 0.5 * xx + d * (1.0 - v + log(v)):
                    break
            value = scale * d * v
            out[i] = max(tiny, float(f32(value)) if single else value)
    finally:
        stream.close()
    return out.reshape(np.shape(alpha))


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

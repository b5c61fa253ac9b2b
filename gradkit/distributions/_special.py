"""Special functions the distributions need, with gradients: lgamma, digamma, polygamma(1),
erfinv and the regularised lower incomplete gamma function.

Each is a NumPy kernel in float64 wrapped in a small ``autograd.Function`` whose backward is
written with the others, so second derivatives work. They stand in for the public
``gradkit.lgamma``/``digamma``/``polygamma``/``erfinv``/``special.gammainc`` until those exist.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..ops.elementwise import erf_array

# Lanczos approximation, g = 7, n = 9 (Numerical Recipes / Godfrey's coefficients): relative
# error below 2e-15 over the right half plane.
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _lgamma_np(x):
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    refl = x < 0.5
    z = np.where(refl, 1.0 - x, x) - 1.0
    a = np.full_like(z, _LANCZOS[0])
    for i in range(1, 9):
        a = a + _LANCZOS[i] / (z + i)
    t = z + _LANCZOS_G + 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        right = _HALF_LOG_2PI + (z + 0.5) * np.log(t) - t + np.log(a)
        s = np.abs(np.sin(math.pi * np.where(refl, x, 0.5)))
        left = math.log(math.pi) - np.log(s) - right
    out = np.where(refl, left, right)
    # exact zeros at 1 and 2, poles at the non-positive integers (as PyTorch: +inf)
    out = np.where((x == 1.0) | (x == 2.0), 0.0, out)
    out = np.where((x <= 0) & (x == np.floor(x)), np.inf, out)
    out = np.where(np.isposinf(x), np.inf, out)
    return out


def _digamma_np(x):
    x = np.asarray(x, dtype=np.float64)
    refl = x < 0.5
    y = np.where(refl, 1.0 - x, x)
    acc = np.zeros_like(y)
    while True:
        small = y < 8.0
        if not small.any():
            break
        acc = acc - np.where(small, 1.0 / np.where(small, y, 1.0), 0.0)
        y = np.where(small, y + 1.0, y)
    inv = 1.0 / y
    inv2 = inv * inv
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (
        1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760 - inv2 / 12))))))
    res = np.log(y) - 0.5 * inv - series + acc
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.where(refl, res - math.pi / np.tan(math.pi * x), res)
    # PyTorch: digamma(0) = -inf, digamma at negative integers = nan
    res = np.where(x == 0, -np.inf, res)
    res = np.where((x < 0) & (x == np.floor(x)), np.nan, res)
    return res


def _trigamma_np(x):
    x = np.asarray(x, dtype=np.float64)
    refl = x < 0.5
    y = np.where(refl, 1.0 - x, x)
    acc = np.zeros_like(y)
    while True:
        small = y < 8.0
        if not small.any():
            break
        ys = np.where(small, y, 1.0)
        acc = acc + np.where(small, 1.0 / (ys * ys), 0.0)
        y = np.where(small, y + 1.0, y)
    inv = 1.0 / y
    inv2 = inv * inv
    series = inv + 0.5 * inv2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (
        1 / 42 - inv2 * (1 / 30 - inv2 * (5 / 66 - inv2 * (691 / 2730 - inv2 * 7 / 6))))))
    res = series + acc
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sin(math.pi * x)
        res = np.where(refl, (math.pi * math.pi) / (s * s) - res, res)
    res = np.where((x <= 0) & (x == np.floor(x)), np.inf, res)
    return res


def _erfinv_np(y):
    y = np.asarray(y, dtype=np.float64)
    # Giles' single-precision approximation, then two Newton steps on erf (Cody, float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        wc = w - 2.5
        p1 = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p1 = c + p1 * wc
        wt = np.sqrt(np.where(w >= 5.0, w, 5.0)) - 3.0
        p2 = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            p2 = c + p2 * wt
        x = np.where(w < 5.0, p1, p2) * y
        for _ in range(2):
            fin = np.isfinite(x)
            xf = np.where(fin, x, 0.0)
            err = erf_array(np, xf) - y
            x = np.where(fin, xf - err / (2.0 / math.sqrt(math.pi) * np.exp(-xf * xf)), x)
    x = np.where(y == 1.0, np.inf, np.where(y == -1.0, -np.inf, x))
    return np.where(np.abs(y) > 1.0, np.nan, x)


def _gammainc_np(a, x):
    """Regularised lower incomplete gamma P(a, x): series for x < a + 1, else Lentz's continued
    fraction for Q (Numerical Recipes 6.2); each on its own elements."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    shape = a.shape
    a, x = a.reshape(-1), x.reshape(-1)
    out = np.zeros(a.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ser = x < a + 1.0
        i = np.nonzero(ser & (x > 0))[0]
        if i.size:
            aa, xx = a[i], x[i]
            ap = aa.copy()
            term = 1.0 / aa
            total = term.copy()
            done = np.empty_like(total)
            act = np.arange(aa.size)
            for _ in range(2000):  # converged elements leave the working set
                ap = ap + 1.0
                term = term * xx[act] / ap
                total = total + term
                fin = np.abs(term) <= np.abs(total) * 1e-17
                done[act[fin]] = total[fin]
                keep = ~fin
                act, ap, term, total = act[keep], ap[keep], term[keep], total[keep]
                if not act.size:
                    break
            done[act] = total
            total = done
            out[i] = total * np.exp(aa * np.log(xx) - xx - _lgamma_np(aa))
        j = np.nonzero(~ser & np.isfinite(x))[0]
        if j.size:
            aa, xx = a[j], x[j]
            tiny = 1e-300
            b = xx + 1.0 - aa
            c = np.full(aa.shape, 1.0 / tiny)
            d = 1.0 / np.where(b == 0, tiny, b)
            h = d.copy()
            res = np.empty_like(h)
            act = np.arange(aa.size)
            am = aa.copy()
            for n in range(1, 2000):
                an = -n * (n - am)
                b = b + 2.0
                d = an * d + b
                d = np.where(np.abs(d) < tiny, tiny, d)
                c = b + an / c
                c = np.where(np.abs(c) < tiny, tiny, c)
                d = 1.0 / d
                delta = d * c
                h = h * delta
                fin = np.abs(delta - 1.0) <= 2.3e-16
                res[act[fin]] = h[fin]
                keep = ~fin
                act, am, b, c, d, h = act[keep], am[keep], b[keep], c[keep], d[keep], h[keep]
                if not act.size:
                    break
            res[act] = h
            h = res
            out[j] = 1.0 - np.exp(aa * np.log(xx) - xx - _lgamma_np(aa)) * h
    out = np.where(x <= 0, 0.0, out)
    out = np.where(np.isposinf(x), 1.0, out)
    out = np.where(np.isnan(a) | np.isnan(x), np.nan, out)
    return np.clip(out, 0.0, 1.0).reshape(shape)


def _arr(t):
    return t.detach().numpy()


def _like(t, arr):
    from .. import tensor

    return tensor(np.asarray(arr).astype(t.dtype, copy=False))


class _Lgamma(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _like(x, _lgamma_np(_arr(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * digamma(x)


class _Digamma(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _like(x, _digamma_np(_arr(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * trigamma(x)


class _Trigamma(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _like(x, _trigamma_np(_arr(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # psi''(x) by a central difference of trigamma (rarely needed: third derivatives)
        xa = _arr(x).astype(np.float64)
        h = 1e-4 * np.maximum(1.0, np.abs(xa))
        d = (_trigamma_np(xa + h) - _trigamma_np(xa - h)) / (2 * h)
        return grad * _like(x, d)


class _Erfinv(Function):
    @staticmethod
    def forward(ctx, y):
        out = _like(y, _erfinv_np(_arr(y)))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (math.sqrt(math.pi) / 2) * (x * x).exp()


class _Gammainc(Function):
    """P(a, x); the derivative in ``a`` is not implemented (as PyTorch's gammainc)."""

    @staticmethod
    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        return _like(x, _gammainc_np(_arr(a), _arr(x)))

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(
                "the derivative of the regularised incomplete gamma function with respect to its "
                "first argument (the concentration) is not implemented (as in PyTorch)"
            )
        dx = ((a - 1) * x.log() - x - lgamma(a)).exp()
        return None, grad * dx


def lgamma(x):
    return _Lgamma.apply(x)


def digamma(x):
    return _Digamma.apply(x)


def trigamma(x):
    return _Trigamma.apply(x)


def erfinv(x):
    return _Erfinv.apply(x)


def gammainc(a, x):
    return _Gammainc.apply(a, x)


def mvlgamma(x, p):
    """log of the multivariate gamma function (torch.mvlgamma)."""
    out = x.new_tensor(p * (p - 1) / 4 * math.log(math.pi))
    for i in range(p):
        out = out + lgamma(x - i / 2)
    return out

"""Special functions the distributions need: the public ``gradkit.lgamma``/``digamma``/
``polygamma``/``erfinv``/``mvlgamma`` (``gradkit/functions/special.py``), and the regularised
lower incomplete gamma function, which gradkit has not declared publicly yet: a NumPy kernel in
float64 wrapped in a small ``autograd.Function`` (its derivative in ``x``; none in ``a``, as
PyTorch's ``gammainc``).
"""

from __future__ import annotations

import numpy as np

from .. import functions as F
from ..autograd.function import Function
from ..ops.special import lgamma_array as _lgamma_np

lgamma = F.lgamma
digamma = F.digamma
erfinv = F.erfinv


def trigamma(x):
    return F.polygamma(1, x)


def mvlgamma(x, p):
    """log of the multivariate gamma function (torch.mvlgamma)."""
    return F.mvlgamma(x, p)


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


def gammainc(a, x):
    return _Gammainc.apply(a, x)

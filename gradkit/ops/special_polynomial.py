"""The orthogonal polynomials of ``torch.special``: Chebyshev T, U, V, W and their shifted
forms, Hermite H (physicists') and He (probabilists'), Laguerre L and Legendre P, evaluated as
PyTorch's ``aten/src/ATen/native/Math.h`` does.

``n`` arrives in the dtype of ``x`` (both are promoted together) and is truncated to an integer
as C++'s ``static_cast<int64_t>`` does on x86 (NaN, infinities and out-of-range values become
the smallest int64, so the value is 0 as for every negative ``n``). The special cases come first
(``n < 0``, ``|x| == 1`` or the shifted ``x`` in {0, 1}, the closed forms ``cos(n acos x)`` ...
inside (-1, 1) for larger ``n``, Hermite's NaN beyond ``n = 128`` (float32) or 512 (float64)),
then the three-term recurrence, run in ``x``'s dtype while ``n`` is not reached and the last
value is not NaN, each element stopping at its own step.

Where PyTorch's recurrence starts on a NaN ``x`` it returns an uninitialised value (0, or any
number, depending on the compiler); here that value is NaN.
"""

from __future__ import annotations

import numpy as np

__all__ = ["POLYNOMIALS", "polynomial_array"]

_I64_MIN = np.iinfo(np.int64).min


def _libm(fn):
    """``fn`` of a float32 array computed in float64 and rounded once (nearer C's ``cosf``,
    ``expf``, ... that PyTorch calls than NumPy's own float32 approximations)."""
    def f(y):
        return fn(y.astype(np.float64)).astype(y.dtype) if y.dtype == np.float32 else fn(y)
    return f


_acos, _cos, _sin = _libm(np.arccos), _libm(np.cos), _libm(np.sin)


def _to_int64(n):
    """``static_cast<int64_t>(n)`` of a float array as x86 computes it."""
    ok = np.isfinite(n) & (np.abs(n) < 9.2233720368547758e18)
    return np.where(ok, np.trunc(np.where(ok, n, 0)), 0).astype(np.int64) + np.where(
        ok, 0, _I64_MIN).astype(np.int64)


def _recur(res, todo, p, q, n, kstart, step, nan_stop=True, end=None):
    """Run ``r = step(k, p, q, idx)`` for ``k = kstart, kstart + 1, ...`` while ``k <= end``
    (``end`` defaults to ``n``) and ``q`` is not NaN; ``res[idx]`` gets each ``r``.

    ``todo`` selects the elements that run it; where the loop never runs ``res`` gets NaN."""
    idx = np.nonzero(todo)[0]
    end = n if end is None else end
    e = end[idx]
    p = p[idx]
    q = q[idx]
    res[idx] = np.nan
    k = kstart
    while idx.size:
        live = k <= e
        if nan_stop:
            live &= ~np.isnan(q)
        if not live.all():
            idx, e, p, q = idx[live], e[live], p[live], q[live]
            if not idx.size:
                break
        r = step(k, p, q, idx)
        res[idx] = r
        p, q = q, r
        k += 1


def _fms(a, b, c):
    """``a * b - c`` rounded once, as the fused multiply-add PyTorch's compiled recurrences use
    (which also keeps ``a * b`` from overflowing on its own): the product is exact in float64
    for float32, and nearly so in the extended ``longdouble`` for float64."""
    dt = a.dtype
    w = np.float64 if dt == np.float32 else np.longdouble
    return (a.astype(w) * b.astype(w) - c.astype(w)).astype(dt)


def _chebyshev_recur(res, todo, x2, q1, n):
    """``r = x2 q - p`` from ``p = 1, q = q1`` up to degree ``n``."""
    one = np.ones_like(x2)
    _recur(res, todo, one, q1, n, 2, lambda k, p, q, i: _fms(x2[i], q, p))


def _n1(n, dt):
    """``n + 1`` in int64, then in ``dt`` (as C++ converts it)."""
    return (n + 1).astype(dt)


def _n21(n, dt):
    return (n + n + 1).astype(dt)


def _parity(n, even, odd):
    return np.where(n % 2 == 0, even, odd)


def chebyshev_polynomial_t(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    ax = np.abs(x)
    fn = n.astype(dt)
    _chebyshev_recur(res, n >= 2, x + x, x, n)
    res = np.where(n == 1, x, res)
    res = np.where(n == 0, 1.0, res)
    res = np.where((n > 6) & (ax < 1.0), _cos(fn * _acos(x)), res)
    res = np.where(ax == 1.0, np.where((x > 0) | (n % 2 == 0), 1.0, -1.0), res)
    return np.where(n < 0, 0.0, res).astype(dt)


def _u_closed(y, n, fn):
    """``U_n(y)`` inside (-1, 1): ``sin((n+1) t) / sin t`` with ``t = acos y``."""
    dt = y.dtype
    t = _acos(y)
    st = _sin(t)
    n1 = _n1(n, dt)
    return np.where(st != 0, _sin(n1 * t) / st, n1 * _cos(n1 * t) / y)


def chebyshev_polynomial_u(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    ax = np.abs(x)
    fn = n.astype(dt)
    x2 = x + x
    _chebyshev_recur(res, n >= 2, x2, x2, n)
    res = np.where(n == 1, x2, res)
    res = np.where(n == 0, 1.0, res)
    res = np.where((n > 8) & (ax < 1.0), _u_closed(x, n, fn), res)
    n1 = _n1(n, dt)
    res = np.where(ax == 1.0, np.where((x > 0) | (n % 2 == 0), n1, -n1), res)
    return np.where(n < 0, 0.0, res).astype(dt)


def _v_closed(y, n, fn):
    dt = y.dtype
    t = _acos(y)
    return np.where(_sin(t / 2.0) != 1.0, _cos((fn + 0.5) * t) / _cos(t / 2.0),
                    _parity(n, _n21(n, dt), -_n21(n, dt)))


def _w_closed(y, n, fn):
    dt = y.dtype
    t = _acos(y)
    return np.where(_cos(t / 2.0) != 1.0, _sin((fn + 0.5) * t) / _sin(t / 2.0),
                    np.where(y > 0, _n21(n, dt), _parity(n, 1.0, -1.0)))


def chebyshev_polynomial_v(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    ax = np.abs(x)
    fn = n.astype(dt)
    q1 = x + x - 1.0
    _chebyshev_recur(res, n >= 2, x + x, q1, n)
    res = np.where(n == 1, q1, res)
    res = np.where(n == 0, 1.0, res)
    res = np.where((n > 8) & (ax < 1.0), _v_closed(x, n, fn), res)
    n21 = _n21(n, dt)
    res = np.where(ax == 1.0, np.where(x > 0, 1.0, _parity(n, n21, -n21)), res)
    return np.where(n < 0, 0.0, res).astype(dt)


def chebyshev_polynomial_w(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    ax = np.abs(x)
    fn = n.astype(dt)
    q1 = x + x + 1.0
    _chebyshev_recur(res, n >= 2, x + x, q1, n)
    res = np.where(n == 1, q1, res)
    res = np.where(n == 0, 1.0, res)
    res = np.where((n > 8) & (ax < 1.0), _w_closed(x, n, fn), res)
    res = np.where(ax == 1.0, np.where(x > 0, _n21(n, dt), _parity(n, 1.0, -1.0)), res)
    return np.where(n < 0, 0.0, res).astype(dt)


def shifted_chebyshev_polynomial_t(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    fn = n.astype(dt)
    y = x + x - 1.0
    _chebyshev_recur(res, n >= 2, y + y, y, n)
    res = np.where(n == 1, y, res)
    res = np.where(n == 0, 1.0, res)
    res = np.where((n > 6) & (np.abs(y) < 1.0), _cos(fn * _acos(y)), res)
    res = np.where(x == 0, _parity(n, 1.0, -1.0), res)
    res = np.where(x == 1, 1.0, res)
    return np.where(n < 0, 0.0, res).astype(dt)


def shifted_chebyshev_polynomial_u(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    fn = n.astype(dt)
    y = x + x - 1.0
    _chebyshev_recur(res, n >= 2, y + y, y + y, n)
    res = np.where(n == 1, y + y, res)
    res = np.where(n == 0, 1.0, res)
    res = np.where((n > 6) & (np.abs(y) < 1.0), _u_closed(y, n, fn), res)
    res = np.where(x == 0, _parity(n, _n1(n, dt), -_n1(n, dt)), res)
    res = np.where(x == 1, _n1(n, dt), res)
    return np.where(n < 0, 0.0, res).astype(dt)


def shifted_chebyshev_polynomial_v(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    fn = n.astype(dt)
    y = x + x - 1.0
    q1 = y + y - 1.0
    _chebyshev_recur(res, n >= 2, y + y, q1, n)
    res = np.where(n == 1, q1, res)
    res = np.where(n == 0, 1.0, res)
    res = np.where((n > 6) & (np.abs(y) < 1.0), _v_closed(y, n, fn), res)
    res = np.where(x == 0, _parity(n, _n21(n, dt), -_n21(n, dt)), res)
    res = np.where(x == 1, 1.0, res)
    return np.where(n < 0, 0.0, res).astype(dt)


def shifted_chebyshev_polynomial_w(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    fn = n.astype(dt)
    y = x + x - 1.0
    q1 = y + y + 1.0
    _chebyshev_recur(res, n >= 2, y + y, q1, n)
    res = np.where(n == 1, q1, res)
    res = np.where(n == 0, 1.0, res)
    # PyTorch's shifted W takes the closed form from n > 4 (the others from n > 6)
    wc = np.where(_cos(_acos(y) / 2.0) != 1.0,
                  _sin((fn + 0.5) * _acos(y)) / _sin(_acos(y) / 2.0),
                  _parity(n, 1.0, -1.0))
    res = np.where((n > 4) & (np.abs(y) < 1.0), wc, res)
    res = np.where(x == 0, _parity(n, 1.0, -1.0), res)
    res = np.where(x == 1, _n21(n, dt), res)
    return np.where(n < 0, 0.0, res).astype(dt)


def _hermite_limit(dt):
    return 128 if dt == np.float32 else 512


def hermite_polynomial_h(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    x2 = x + x
    one = np.ones_like(x)
    # r = 2x q - k p for k = 2, 4, ..., 2n - 2 (k here counts the steps: 2k)
    todo = (n >= 2) & (n <= _hermite_limit(dt))
    _recur(res, todo, one, x2, n, 1,
           lambda k, p, q, i: _fms(x2[i], q, dt.type(2 * k) * p), nan_stop=False, end=n - 1)
    res = np.where(n > _hermite_limit(dt), np.nan, res)
    res = np.where(n == 1, x2, res)
    res = np.where(n == 0, 1.0, res)
    return np.where(n < 0, 0.0, res).astype(dt)


def hermite_polynomial_he(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    one = np.ones_like(x)
    todo = (n >= 2) & (n <= _hermite_limit(dt))
    _recur(res, todo, one, x, n, 1, lambda k, p, q, i: _fms(x[i], q, dt.type(k) * p),
           nan_stop=False, end=n - 1)
    res = np.where(n > _hermite_limit(dt), np.nan, res)
    res = np.where(n == 1, x, res)
    res = np.where(n == 0, 1.0, res)
    return np.where(n < 0, 0.0, res).astype(dt)


def laguerre_polynomial_l(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    one = np.ones_like(x)
    q1 = 1.0 - x
    _recur(res, n >= 2, one, q1, n, 1,
           lambda k, p, q, i: _fms(dt.type(k + k) + q1[i], q, dt.type(k) * p) / dt.type(k + 1),
           end=n - 1)
    res = np.where(n == 1, q1, res)
    res = np.where(n == 0, 1.0, res)
    res = np.where(x == 0, 1.0, res)
    return np.where(n < 0, 0.0, res).astype(dt)


def legendre_polynomial_p(x, n):
    dt = x.dtype
    res = np.empty_like(x)
    one = np.ones_like(x)
    _recur(res, n >= 2, one, x, n, 1,
           lambda k, p, q, i: _fms(dt.type(k + k + 1) * x[i], q, dt.type(k) * p) / dt.type(k + 1),
           end=n - 1)
    res = np.where(n == 1, x, res)
    res = np.where(n == 0, 1.0, res)
    res = np.where(np.abs(x) == 1.0, np.where((x > 0) | (n % 2 == 0), 1.0, -1.0), res)
    return np.where(n < 0, 0.0, res).astype(dt)


POLYNOMIALS = {f.__name__: f for f in (
    chebyshev_polynomial_t, chebyshev_polynomial_u, chebyshev_polynomial_v,
    chebyshev_polynomial_w, shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w, hermite_polynomial_h,
    hermite_polynomial_he, laguerre_polynomial_l, legendre_polynomial_p)}


def polynomial_array(name, x, n):
    """``torch.special.<name>(x, n)`` of two arrays of one float dtype (broadcast)."""
    x, n = np.broadcast_arrays(np.asarray(x), np.asarray(n))
    shape = x.shape
    with np.errstate(all="ignore"):
        r = POLYNOMIALS[name](x.reshape(-1).copy(), _to_int64(n.reshape(-1)))
    return np.asarray(r, dtype=x.dtype).reshape(shape)

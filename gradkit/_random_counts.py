"""PyTorch's CPU samplers of counts, ``poisson`` and ``binomial``, element by element on
gradkit's generator (the stream of ``torch.manual_seed``): each reads 53-bit uniforms
(``uniform_real_distribution<double>``, one 64-bit draw each) as ATen's
``sample_poisson`` (Hoermann's transformed rejection from rate 10, multiplication of uniforms
below) and ``sample_binomial`` (BTRS from ``n * min(p, 1 - p) >= 10``, geometric inversion
below) do, with their arithmetic in the tensor's precision where ATen's is (float32 for float
tensors), so the same seed gives PyTorch's numbers.

Rejection loops draw a variable number of uniforms: ``_Uniforms`` draws them in blocks, and
on ``close`` rewinds the generator and consumes exactly the words used.
"""

from __future__ import annotations

import math

import numpy as np

_M53 = np.uint64((1 << 53) - 1)
_F53 = 1.0 / (1 << 53)


class _Uniforms:
    """Uniforms on [0, 1) from generator ``g``, one 64-bit draw each, without over-drawing."""

    def __init__(self, g):
        self.g = g
        self.start = g._bg.state
        self.buf: list = []
        self.i = 0
        self.used = 0
        self.block = 64

    def __call__(self) -> float:
        if self.i == len(self.buf):
            self.buf = ((self.g._u64(self.block) & _M53).astype(np.float64) * _F53).tolist()
            self.i = 0
            self.block = min(self.block * 2, 1 << 16)
        u = self.buf[self.i]
        self.i += 1
        self.used += 1
        return u

    def close(self):
        self.g._bg.state = self.start
        if self.used:
            self.g._bg.random_raw(2 * self.used)


def _to_int64(k: float) -> int:
    """``int64_t(k)`` on x86-64: a value beyond int64 (an infinite or huge rate) or NaN
    converts to the integer indefinite -2**63."""
    if k != k or not -9.223372036854775808e18 <= k < 9.223372036854775808e18:
        return -(1 << 63)
    return int(k)


def _floor(v: float) -> float:
    return math.floor(v) if math.isfinite(v) else v


def _poisson_one(lam: float, u) -> float:
    # ATen's compiled sampler tests and returns its floor as a double (a huge rate's floor
    # is positive there, and only its returned count overflows), so the tests here read the
    # double and the count is converted as x86-64 does
    if lam >= 10:  # transformed rejection (Hoermann, 1993)
        slam, loglam = math.sqrt(lam), math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            U = u() - 0.5
            V = u()
            us = 0.5 - abs(U)
            k = _floor((2 * a / us + b) * U + lam + 0.43)
            if us >= 0.07 and V <= vr:
                return _to_int64(k)
            if k < 0 or (us < 0.013 and V > us):
                continue
            if (math.log(V) + math.log(invalpha) - math.log(a / (us * us) + b)
                    <= -lam + k * loglam - math.lgamma(k + 1.0)):
                return _to_int64(k)
    if lam == 0:
        return 0
    enlam = math.exp(-lam)
    x, prod = 0, 1.0
    while True:
        prod *= u()
        if prod > enlam:
            x += 1
        else:
            return x


def poisson(g, lam: np.ndarray) -> np.ndarray:
    """One Poisson sample per rate (C order), as ``torch.poisson``."""
    flat = np.asarray(lam, dtype=np.float64).reshape(-1)
    if flat.size and not (flat >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    u = _Uniforms(g)
    try:
        out = [_poisson_one(v, u) for v in flat.tolist()]
    finally:
        u.close()
    return np.asarray(out, dtype=np.float64).reshape(np.shape(lam))


_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
         0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
         0.00925546218271273, 0.00833056343336287)


def _stirling_tail(k: float) -> float:
    if k < len(_TAIL):
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _inversion(count, prob, u, f):
    logprob = float(np.log1p(f(-prob)))  # in the tensor's precision, as ATen's log1p(scalar_t)
    geom_sum, num = 0.0, 0
    while True:
        geom_sum += math.ceil(math.log(u()) / logprob)
        if geom_sum > count:
            return num
        num += 1


def _btrs(count, prob, u, f):
    one = f(1)
    stddev = float(np.sqrt(f(f(count) * f(prob)) * f(one - f(prob))))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(prob)
    c = float(f(count) * f(prob)) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(f(prob) / f(one - f(prob)))
    alpha = (2.83 + 5.1 / b) * stddev
    m = math.floor(float(f(f(count) + one) * f(prob)))
    count = float(count)
    while True:
        U = u() - 0.5
        V = u()
        us = 0.5 - abs(U)
        k = float(f(math.floor((2 * a / us + b) * U + c)))
        if k < 0 or k > count:
            continue
        if us >= 0.07 and V <= v_r:
            return k
        V = math.log(V * alpha / (a / (us * us) + b))
        upper = ((m + 0.5) * math.log((m + 1) / (r * (count - m + 1)))
                 + (count + 1) * math.log((count - m + 1) / (count - k + 1))
                 + (k + 0.5) * math.log(r * (count - k + 1) / (k + 1))
                 + _stirling_tail(m) + _stirling_tail(count - m)
                 - _stirling_tail(k) - _stirling_tail(count - k))
        if V <= upper:
            return k


def _binomial_one(count, prob, u, f):
    if count <= 0.0 or prob <= 0.0:
        return 0.0
    if prob >= 1.0:
        return float(count)
    if prob <= 0.5:
        if float(f(count) * f(prob)) >= 10.0:
            return _btrs(count, prob, u, f)
        return float(_inversion(count, prob, u, f))
    if prob > 0.5:
        q = f(f(1) - f(prob))
        if float(f(count) * q) >= 10.0:
            return float(count) - _btrs(count, q, u, f)
        return float(count) - _inversion(count, q, u, f)
    return math.nan


def binomial(g, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """One binomial sample per element of ``count`` (``prob`` broadcast to it), as
    ``torch.binomial``; arithmetic in float32 for float32 tensors. A NaN count gives NaN (PyTorch
    loops for ever there)."""
    f = np.float32 if count.dtype == np.float32 else np.float64
    c = count.reshape(-1)
    p = np.broadcast_to(prob, count.shape).reshape(-1)
    u = _Uniforms(g)
    try:
        out = [math.nan if math.isnan(float(ci)) else _binomial_one(f(ci), f(pi), u, f)
               for ci, pi in zip(c, p)]
    finally:
        u.close()
    return np.asarray(out, dtype=np.float64).reshape(count.shape)

"""The gamma sampler drawn from gradkit's generator (``gradkit.manual_seed`` makes it
reproducible), and the implicit reparameterisation gradient of gamma samples.

Gamma samples (hence Gamma, Beta, Dirichlet, Chi2, ...) are PyTorch's: its CPU sampler's draws
and arithmetic on the same generator, bit for bit. (Poisson and binomial samples come from
``gradkit.poisson``/``gradkit.binomial``, PyTorch's samplers too.)
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ._special import _gammainc_np, _lgamma_np


def _uniform(n):
    from .. import rand

    return rand(n, dtype=np.float64).numpy() if n else np.zeros(0)


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

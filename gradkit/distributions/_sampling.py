"""Differentiable gamma samples (Gamma, Dirichlet, Beta, Chi2, StudentT, FisherSnedecor):
PyTorch's CPU sampler on its stream (``gradkit._random_gamma``), so a seeded program samples
PyTorch's values, with the implicit reparameterisation gradient d x / d alpha."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ._special import _gammainc_np, _lgamma_np


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
    def forward(ctx, alpha, generator=None):
        from .. import tensor
        from .._random_gamma import standard_gamma as _exact
        from ..random import _gen

        # PyTorch's own sampler on its stream: the same samples as torch after the same seed
        out = tensor(_exact(_gen(generator), alpha.detach().numpy()))
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        from .. import tensor

        alpha, x = ctx.saved_tensors
        g = _standard_gamma_grad_np(alpha.detach().numpy(), x.detach().numpy())
        # d x / d alpha enters as a constant: no second derivative through the sampler
        return grad * tensor(g.astype(np.dtype(alpha.dtype))), None


def standard_gamma(alpha, generator=None):
    """Differentiable Gamma(alpha, 1) samples (implicit reparameterisation)."""
    return _StandardGamma.apply(alpha, generator)

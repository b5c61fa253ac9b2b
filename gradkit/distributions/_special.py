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
from ..ops.special import igamma_array
from ..ops.special import lgamma_array as _lgamma_np  # noqa: F401 (used by _sampling)

lgamma = F.lgamma
digamma = F.digamma
erfinv = F.erfinv


def trigamma(x):
    return F.polygamma(1, x)


def mvlgamma(x, p):
    """log of the multivariate gamma function (torch.mvlgamma)."""
    return F.mvlgamma(x, p)


def _gammainc_np(a, x):
    """Regularised lower incomplete gamma P(a, x) in float64 (``igamma``'s kernel), 0 for
    x <= 0 (the CDFs' value below the support)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    with np.errstate(invalid="ignore"):
        return np.where((x <= 0) & ~np.isnan(a), 0.0, igamma_array(a, x))


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

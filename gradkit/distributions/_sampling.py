"""Differentiable gamma and Dirichlet samples (Gamma, Dirichlet, Beta, Chi2, StudentT,
FisherSnedecor): PyTorch's CPU sampler on its stream (``gradkit._random_gamma``), so a seeded
program samples PyTorch's values, with PyTorch's reparameterisation gradients
(``_reparam_grads``: ``_standard_gamma_grad`` and ``_dirichlet_grad``)."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ._reparam_grads import dirichlet_grad, standard_gamma_grad


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
        g = standard_gamma_grad(alpha.detach().numpy(), x.detach().numpy())
        # d x / d alpha enters as a constant: no second derivative through the sampler
        return grad * tensor(g.astype(np.dtype(alpha.dtype))), None


def standard_gamma(alpha, generator=None):
    """Differentiable Gamma(alpha, 1) samples (implicit reparameterisation)."""
    return _StandardGamma.apply(alpha, generator)


class _Dirichlet(Function):
    """PyTorch's ``torch.distributions.dirichlet._Dirichlet``: ``_sample_dirichlet`` forward,
    ``_dirichlet_grad`` backward (its node prints as ``_DirichletBackward``)."""

    @staticmethod
    def forward(ctx, concentration, generator=None):
        from .. import tensor
        from .._random_gamma import sample_dirichlet
        from ..random import _gen

        x = tensor(sample_dirichlet(_gen(generator), concentration.detach().numpy()))
        ctx.save_for_backward(x, concentration)
        return x

    @staticmethod
    def backward(ctx, grad):
        from .. import tensor

        x, concentration = ctx.saved_tensors
        total = concentration.sum(-1, True).expand_as(concentration)
        g = tensor(dirichlet_grad(x.detach().numpy(), concentration.detach().numpy(),
                                  total.detach().numpy()))
        return g * (grad - (x * grad).sum(-1, True)), None


def sample_dirichlet(concentration, generator=None):
    """Differentiable Dirichlet samples with PyTorch's gradient."""
    return _Dirichlet.apply(concentration, generator)

"""Probability distributions and their KL divergences, as ``torch.distributions``.

Parameters are gradkit Tensors and every density, entropy, mean and variance is built from
gradkit's differentiable functions, so gradients flow to the parameters; ``rsample`` is
reparameterised where PyTorch's is (Gamma, Beta, Dirichlet, StudentT, FisherSnedecor by
implicit reparameterisation of gamma samples). Samples are drawn from gradkit's generator, so
``gradkit.manual_seed`` makes them reproducible; they are not PyTorch's streams.
"""

from . import constraints, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .fishersnedecor import FisherSnedecor
from .gamma import Gamma
from .generalized_pareto import GeneralizedPareto
from .geometric import Geometric
from .gumbel import Gumbel
from .half_cauchy import HalfCauchy
from .half_normal import HalfNormal
from .independent import Independent
from .inverse_gamma import InverseGamma
from .kl import kl_divergence, register_kl
from .kumaraswamy import Kumaraswamy
from .laplace import Laplace
from .lkj_cholesky import LKJCholesky
from .log_normal import LogNormal
from .logistic_normal import LogisticNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .pareto import Pareto
from .poisson import Poisson
from .relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from .relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _transforms_all
from . import transforms_matrix as _transforms_matrix
from .transforms_matrix import (
    CatTransform, CorrCholeskyTransform, PositiveDefiniteTransform, StackTransform,
)

# PyTorch's torch.distributions.transforms module holds these too
# (``from torch.distributions.transforms import CatTransform``); they live in
# transforms_matrix.py for its length, so they are installed into that module here.
for _name in _transforms_matrix.__all__:
    setattr(transforms, _name, getattr(_transforms_matrix, _name))
transforms.__all__ = list(transforms.__all__) + [
    n for n in _transforms_matrix.__all__ if n not in transforms.__all__]
del _name
from .uniform import Uniform
from .von_mises import VonMises
from .weibull import Weibull
from .wishart import Wishart

__all__ = [
    "Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "ContinuousBernoulli",
    "Dirichlet", "Distribution", "ExponentialFamily", "Exponential", "ExpRelaxedCategorical",
    "FisherSnedecor", "Gamma", "GeneralizedPareto", "Geometric", "Gumbel", "HalfCauchy",
    "HalfNormal", "Independent",
    "InverseGamma", "LogisticNormal",
    "Kumaraswamy", "LKJCholesky", "Laplace", "LogNormal", "LogitRelaxedBernoulli",
    "LowRankMultivariateNormal",
    "MixtureSameFamily", "Multinomial", "MultivariateNormal", "NegativeBinomial", "Normal",
    "OneHotCategorical", "OneHotCategoricalStraightThrough", "Pareto", "Poisson",
    "RelaxedBernoulli", "RelaxedOneHotCategorical", "StudentT", "TransformedDistribution",
    "Uniform", "VonMises", "Weibull", "Wishart", "biject_to", "constraints", "kl_divergence",
    "register_kl", "transform_to", "transforms",
    "CatTransform", "CorrCholeskyTransform", "PositiveDefiniteTransform", "StackTransform",
] + list(_transforms_all)

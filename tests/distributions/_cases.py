"""The table of distributions checked against torch.distributions: a name, the constructor's
arguments (NumPy float64 arrays, numbers, or ("int", n) for non-differentiable integers) and
the properties PyTorch implements for it. Several parameter sets per family, with batch shapes
and broadcasting between parameters."""

from __future__ import annotations

import numpy as np

R = np.random.default_rng(1234)


def pos(*shape, low=0.5, high=3.0):
    return R.uniform(low, high, size=shape)


def real(*shape):
    return R.standard_normal(shape)


def prob(*shape, low=0.1, high=0.9):
    return R.uniform(low, high, size=shape)


def simplex(*shape):
    x = R.uniform(0.1, 1.0, size=shape)
    return x / x.sum(-1, keepdims=True)


def spd(*shape):
    n = shape[-1]
    a = R.standard_normal(shape[:-1] + (n,))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def tril(*shape):
    n = shape[-1]
    a = np.tril(R.standard_normal(shape)) * 0.5
    idx = np.arange(n)
    a[..., idx, idx] = R.uniform(0.5, 2.0, size=shape[:-1])
    return a


# (id, family, kwargs)
CASES = [
    ("normal-broadcast", "Normal", dict(loc=real(3), scale=pos(2, 1))),
    ("normal-scalar-numbers", "Normal", dict(loc=0.5, scale=2.0)),
    ("normal-0d", "Normal", dict(loc=real(), scale=pos())),
    ("lognormal", "LogNormal", dict(loc=real(2, 3), scale=pos(3))),
    ("uniform", "Uniform", dict(low=real(4), high=real(4) + 5.0)),
    ("uniform-broadcast", "Uniform", dict(low=0.0, high=pos(2, 3))),
    ("bernoulli-probs", "Bernoulli", dict(probs=prob(5))),
    ("bernoulli-logits", "Bernoulli", dict(logits=real(2, 3))),
    ("categorical-probs", "Categorical", dict(probs=simplex(3, 4))),
    ("categorical-logits", "Categorical", dict(logits=real(2, 3, 5))),
    ("onehot-probs", "OneHotCategorical", dict(probs=simplex(2, 4))),
    ("onehot-logits", "OneHotCategorical", dict(logits=real(3))),
    ("binomial-probs", "Binomial", dict(total_count=("float", 10.0), probs=prob(2, 3))),
    ("binomial-logits", "Binomial", dict(total_count=("arr", np.array([3.0, 7.0, 12.0])),
                                         logits=real(2, 3))),
    ("poisson", "Poisson", dict(rate=pos(2, 3, high=8.0))),
    ("beta", "Beta", dict(concentration1=pos(3), concentration0=pos(2, 1))),
    ("beta-small", "Beta", dict(concentration1=pos(4, low=0.2, high=0.9),
                                concentration0=pos(4, low=0.2, high=0.9))),
    ("gamma", "Gamma", dict(concentration=pos(2, 3), rate=pos(3))),
    ("gamma-small", "Gamma", dict(concentration=pos(4, low=0.2, high=0.9), rate=pos(4))),
    ("exponential", "Exponential", dict(rate=pos(2, 3))),
    ("dirichlet", "Dirichlet", dict(concentration=pos(2, 4))),
    ("dirichlet-1d", "Dirichlet", dict(concentration=pos(3, low=0.3))),
    ("laplace", "Laplace", dict(loc=real(2, 3), scale=pos(3))),
    ("cauchy", "Cauchy", dict(loc=real(3), scale=pos(2, 3))),
    ("studentt", "StudentT", dict(df=pos(4, low=0.5, high=6.0), loc=real(4), scale=pos(4))),
    ("studentt-default", "StudentT", dict(df=pos(2, 3, low=2.5, high=6.0))),
    ("mvn-cov", "MultivariateNormal", dict(loc=real(2, 3), covariance_matrix=spd(3, 3))),
    ("mvn-prec", "MultivariateNormal", dict(loc=real(3), precision_matrix=spd(2, 3, 3))),
    ("mvn-tril", "MultivariateNormal", dict(loc=real(4), scale_tril=tril(2, 4, 4))),
    ("geometric-probs", "Geometric", dict(probs=prob(2, 3))),
    ("geometric-logits", "Geometric", dict(logits=real(4))),
    ("gumbel", "Gumbel", dict(loc=real(2, 3), scale=pos(3))),
    ("halfnormal", "HalfNormal", dict(scale=pos(2, 3))),
    ("halfcauchy", "HalfCauchy", dict(scale=pos(4))),
    ("chi2", "Chi2", dict(df=pos(2, 3, high=6.0))),
    ("fishersnedecor", "FisherSnedecor", dict(df1=pos(4, low=3.0, high=9.0),
                                              df2=pos(4, low=5.0, high=12.0))),
    ("weibull", "Weibull", dict(scale=pos(3), concentration=pos(2, 3, low=1.2))),
    ("pareto", "Pareto", dict(scale=pos(3), alpha=pos(3, low=2.5, high=5.0))),
    ("relaxedbernoulli", "RelaxedBernoulli",
     dict(temperature=("tensor", np.array(0.7)), probs=prob(2, 3))),
    ("relaxedonehot", "RelaxedOneHotCategorical",
     dict(temperature=("tensor", np.array(1.3)), logits=real(2, 4))),
    ("contbern-probs", "ContinuousBernoulli", dict(probs=np.array([0.1, 0.3, 0.4995, 0.7, 0.9]))),
    ("contbern-logits", "ContinuousBernoulli", dict(logits=real(2, 3))),
    ("multinomial", "Multinomial", dict(total_count=("int", 6), probs=simplex(2, 3))),
    ("negbinomial-probs", "NegativeBinomial", dict(total_count=pos(3, high=6.0),
                                                  probs=prob(2, 3))),
    ("negbinomial-logits", "NegativeBinomial", dict(total_count=pos(4), logits=real(4))),
    ("lowrank-mvn", "LowRankMultivariateNormal",
     dict(loc=real(2, 3), cov_factor=real(3, 2), cov_diag=pos(2, 3))),
    ("kumaraswamy", "Kumaraswamy", dict(concentration1=pos(3, low=1.2),
                                        concentration0=pos(2, 3, low=1.2))),
    ("inversegamma", "InverseGamma", dict(concentration=pos(2, 3, low=0.5, high=4.0),
                                          rate=pos(3))),
    ("logisticnormal", "LogisticNormal", dict(loc=real(2, 3), scale=pos(3))),
    ("logisticnormal-0d", "LogisticNormal", dict(loc=real(), scale=pos())),
    ("genpareto", "GeneralizedPareto", dict(loc=real(3), scale=pos(3),
                                            concentration=np.array([-0.3, 0.0, 0.2]))),
    ("genpareto-heavy", "GeneralizedPareto", dict(loc=real(2, 1), scale=pos(2),
                                                  concentration=np.array([0.6, 1.2]))),
    ("vonmises", "VonMises", dict(loc=real(2, 3), concentration=np.array([0.3, 2.0, 6.0]))),
    ("lkj", "LKJCholesky", dict(dim=("int", 3), concentration=pos(2, low=0.5, high=3.0))),
    ("wishart-cov", "Wishart", dict(df=("float", 4.5), covariance_matrix=spd(3, 3))),
    ("wishart-cov-batch", "Wishart", dict(df=pos(2, low=3.5, high=7.0),
                                          covariance_matrix=spd(3, 3))),
    ("wishart-prec", "Wishart", dict(df=pos(2, 1, low=2.5, high=5.0),
                                     precision_matrix=spd(2, 3, 3))),
]

# (id, family of p, kwargs p, family of q, kwargs q) for kl_divergence: built in test_kl.py

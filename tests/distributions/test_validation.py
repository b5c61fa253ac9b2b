"""Argument validation as PyTorch's: the exception type and the message's parts (parameter,
shape, constraint; value, support), validate_args=False and set_default_validate_args."""

from __future__ import annotations

import re

import numpy as np
import pytest

import gradkit as gk
import gradkit.distributions as gd

torch = pytest.importorskip("torch")
td = torch.distributions

BAD_PARAMS = [
    ("Normal", dict(loc=[0.0, 1.0], scale=[1.0, -1.0])),
    ("Normal", dict(loc=[float("nan")], scale=[1.0])),
    ("Exponential", dict(rate=[0.0, 1.0])),
    ("Gamma", dict(concentration=[1.0], rate=[-2.0])),
    ("Beta", dict(concentration1=[1.0, -1.0], concentration0=[1.0, 1.0])),
    ("Bernoulli", dict(probs=[1.5])),
    ("Categorical", dict(probs=[[-0.1, 1.1]])),
    ("Poisson", dict(rate=[-1.0])),
    ("Dirichlet", dict(concentration=[[1.0, 0.0]])),
    ("Laplace", dict(loc=[0.0], scale=[0.0])),
    ("StudentT", dict(df=[-1.0])),
    ("Binomial", dict(total_count=[2.5], probs=[0.5])),
    ("MultivariateNormal", dict(loc=[0.0, 0.0], covariance_matrix=[[1.0, 2.0], [2.0, 1.0]])),
    ("MultivariateNormal", dict(loc=[0.0, 0.0], scale_tril=[[1.0, 0.0], [1.0, -1.0]])),
    ("Chi2", dict(df=[0.0])),
    ("Pareto", dict(scale=[1.0], alpha=[-1.0])),
]


def _both(family, kwargs):
    g = {k: gk.tensor(v, dtype=gk.float64) for k, v in kwargs.items()}
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in kwargs.items()}
    return (lambda: getattr(gd, family)(**g)), (lambda: getattr(td, family)(**t))


def _parts(msg):
    """The message with the library's name taken out (torch.Size / gradkit.Size, dtypes)."""
    return re.sub(r"\b(torch|gradkit)\.", "", msg)


@pytest.mark.parametrize("family,kwargs", BAD_PARAMS,
                         ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_PARAMS)])
def test_invalid_parameters_raise_as_torch(family, kwargs):
    make_g, make_t = _both(family, kwargs)
    with pytest.raises(ValueError) as ref:
        make_t()
    with pytest.raises(ValueError) as got:
        make_g()
    assert _parts(str(got.value)) == _parts(str(ref.value))


OUT_OF_SUPPORT = [
    ("Exponential", dict(rate=[1.0, 2.0]), [-1.0, 1.0]),
    ("Poisson", dict(rate=[1.0]), [1.5]),
    ("Bernoulli", dict(probs=[0.3]), [2.0]),
    ("Beta", dict(concentration1=[1.0], concentration0=[2.0]), [1.5]),
    ("Categorical", dict(probs=[0.5, 0.5]), [3]),
    ("Dirichlet", dict(concentration=[1.0, 2.0]), [0.7, 0.7]),
    ("Uniform", dict(low=[0.0], high=[1.0]), [2.0]),
    ("Binomial", dict(total_count=[3.0], probs=[0.5]), [4.0]),
    ("Gamma", dict(concentration=[2.0], rate=[1.0]), [-0.5]),
]


@pytest.mark.parametrize("family,kwargs,value", OUT_OF_SUPPORT,
                         ids=[f[0] for f in OUT_OF_SUPPORT])
def test_out_of_support_values(family, kwargs, value):
    make_g, make_t = _both(family, kwargs)
    dg, dt = make_g(), make_t()
    vt = torch.tensor(value, dtype=torch.float64 if isinstance(value[0], float) else None)
    vg = gk.tensor(np.array(value, dtype=np.float64 if isinstance(value[0], float) else np.int64))
    with pytest.raises(ValueError) as ref:
        dt.log_prob(vt)
    with pytest.raises(ValueError) as got:
        dg.log_prob(vg)
    assert _parts(str(got.value)) == _parts(str(ref.value))
    # validate_args=False: no check; the same outcome as PyTorch's (a value, or the same error)
    g_off = getattr(gd, family)(**{k: gk.tensor(v, dtype=gk.float64) for k, v in kwargs.items()},
                                validate_args=False)
    t_off = getattr(td, family)(**{k: torch.tensor(v, dtype=torch.float64)
                                   for k, v in kwargs.items()}, validate_args=False)
    try:
        ref = t_off.log_prob(vt)
    except Exception as e:  # noqa: BLE001 (PyTorch's own error type is the reference)
        with pytest.raises(type(e)):
            g_off.log_prob(vg)
    else:
        got = g_off.log_prob(vg)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-6)


def test_shape_and_type_errors():
    d = gd.Dirichlet(gk.ones(2, 3))
    t = td.Dirichlet(torch.ones(2, 3))
    for bad in (gk.ones(2, 4) / 4, gk.ones(5, 3) / 3):
        tb = torch.tensor(bad.numpy())
        with pytest.raises(ValueError) as ref:
            t.log_prob(tb)
        with pytest.raises(ValueError) as got:
            d.log_prob(bad)
        assert str(got.value).split(":")[0] == str(ref.value).split(":")[0]
    with pytest.raises(ValueError, match="The value argument to log_prob must be a Tensor"):
        gd.Normal(0.0, 1.0).log_prob(0.5)
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
        gd.Bernoulli(probs=gk.tensor([0.5]), logits=gk.tensor([0.0]))
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
        gd.Categorical()
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix"):
        gd.MultivariateNormal(gk.zeros(2))
    with pytest.raises(ValueError, match=r"constraint LessThan\(upper_bound=tensor\(\[0\.\]\)\)"):
        gd.Uniform(gk.tensor([1.0]), gk.tensor([0.0]))
    with pytest.raises(ValueError):
        gd.Distribution.set_default_validate_args("yes")


def test_set_default_validate_args():
    old = gd.Distribution._validate_args
    assert old is True  # PyTorch's default outside python -O
    try:
        gd.Distribution.set_default_validate_args(False)
        d = gd.Normal(gk.tensor([0.0]), gk.tensor([-1.0]))  # accepted without checks
        assert not d._validate_args
        d.log_prob(gk.tensor([0.0]))
    finally:
        gd.Distribution.set_default_validate_args(old)
    with pytest.raises(ValueError):
        gd.Normal(gk.tensor([0.0]), gk.tensor([-1.0]))
    gd.Normal(gk.tensor([0.0]), gk.tensor([-1.0]), validate_args=False)


def test_repr_and_support_reprs_match_torch():
    pairs = [
        (gd.Normal(gk.zeros(2), gk.ones(2)), td.Normal(torch.zeros(2), torch.ones(2))),
        (gd.Gamma(gk.ones(3), gk.ones(3)), td.Gamma(torch.ones(3), torch.ones(3))),
        (gd.Categorical(gk.ones(2, 4)), td.Categorical(torch.ones(2, 4))),
    ]
    for g, t in pairs:
        assert repr(g).replace("gradkit.Size", "torch.Size") == repr(t)
        assert repr(g.support) == repr(t.support)
    for name in ("real", "positive", "unit_interval", "simplex", "lower_cholesky",
                 "nonnegative_integer", "real_vector", "boolean", "one_hot"):
        assert repr(getattr(gd.constraints, name)) == repr(getattr(td.constraints, name))


def _message(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 (the type is compared by the caller)
        return type(e), str(e)
    return None, None


@pytest.mark.parametrize("low,high", [(1.0, 0.0), ([0.0, 2.0], [1.0, 1.0])])
def test_uniform_low_above_high_names_its_constraint_as_pytorch(low, high):
    # PyTorch 2.13: low must satisfy LessThan(upper_bound=high)
    def make(lib, lo, hi):
        t = (lambda v: lib.tensor(v)) if isinstance(lo, list) else (lambda v: v)
        return lib.distributions.Uniform(t(lo), t(hi))

    got = _message(lambda: make(gk, low, high))
    want = _message(lambda: make(torch, low, high))
    assert got[0] is ValueError and want[0] is ValueError
    assert got[1].replace("gradkit", "torch") == want[1]
    assert gd.Uniform(0.0, 1.0).arg_constraints["low"].upper_bound == 1.0


def test_sample_shape_must_be_a_sequence_as_pytorch():
    # torch.Size(3) is a TypeError; PyTorch's sample(3) raises it
    for d in (gd.Normal(0.0, 1.0), gd.Categorical(gk.tensor([0.5, 0.5]))):
        with pytest.raises(TypeError, match="not iterable"):
            d.sample(3)
        assert tuple(d.sample([2]).shape) == (2,)
    assert tuple(gd.Normal(0.0, 1.0).rsample(gk.Size([2, 1])).shape) == (2, 1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multinomial_entropy_is_pytorchs_to_the_bit(dtype):
    # lgamma(n + 1) of an integer tensor runs in the default dtype, as PyTorch's
    p = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], dtype)
    got = gd.Multinomial(7, gk.tensor(p)).entropy().numpy()
    want = td.Multinomial(7, torch.tensor(p)).entropy().numpy()
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)

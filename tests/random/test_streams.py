"""Every random stream of gradkit against PyTorch's after the same seed: bit for bit."""

import numpy as np
import pytest

import gradkit as gk

SIZES = [0, 1, 15, 16, 17, 1000, 100_000]
SEEDS = [0, 7, 2 ** 40 + 3]
DTYPES = ["float32", "float64"]

STREAMS = {
    "rand": lambda m, n, dt: m.rand(n, dtype=dt),
    "rand_2d": lambda m, n, dt: m.rand(2, n, dtype=dt),
    "randn": lambda m, n, dt: m.randn(n, dtype=dt),
    "rand_like": lambda m, n, dt: m.rand_like(m.zeros(n, dtype=dt)),
    "randn_like": lambda m, n, dt: m.randn_like(m.zeros(n, dtype=dt)),
    "uniform_": lambda m, n, dt: m.empty(n, dtype=dt).uniform_(-2.0, 5.0),
    "uniform_narrow": lambda m, n, dt: m.empty(n, dtype=dt).uniform_(0.1, 0.2),
    "normal_": lambda m, n, dt: m.empty(n, dtype=dt).normal_(2.0, 3.0),
    "normal_sizes": lambda m, n, dt: m.normal(-1.0, 0.5, (n,), dtype=dt),
    "normal_tensor_mean": lambda m, n, dt: m.normal(m.arange(n, dtype=dt), 2.0),
    "normal_tensor_std": lambda m, n, dt: m.normal(1.5, m.ones(n, dtype=dt) * 0.25),
    "normal_tensors": lambda m, n, dt: m.normal(m.ones(n, dtype=dt), m.ones(n, dtype=dt) * 3),
    "bernoulli_scalar": lambda m, n, dt: m.empty(n, dtype=dt).bernoulli_(0.3),
    "bernoulli_p": lambda m, n, dt: m.empty(n, dtype=dt).bernoulli_(0.7),
    "bernoulli_tensor": lambda m, n, dt: m.bernoulli(m.linspace(0, 1, n, dtype=dt)),
    "bernoulli_tensor_": lambda m, n, dt: m.zeros(n, dtype=dt).bernoulli_(
        m.linspace(0, 1, n, dtype=dt)),
    "exponential_": lambda m, n, dt: m.empty(n, dtype=dt).exponential_(2.5),
    "geometric_": lambda m, n, dt: m.empty(n, dtype=dt).geometric_(0.2),
    "cauchy_": lambda m, n, dt: m.empty(n, dtype=dt).cauchy_(1.0, 2.0),
    "log_normal_": lambda m, n, dt: m.empty(n, dtype=dt).log_normal_(0.5, 0.25),
    "random_": lambda m, n, dt: m.empty(n, dtype=dt).random_(),
    "random_to": lambda m, n, dt: m.empty(n, dtype=dt).random_(100),
    "random_from_to": lambda m, n, dt: m.empty(n, dtype=dt).random_(-5, 2 ** 20),
}

INT_STREAMS = {
    "randint": lambda m, n: m.randint(3, 1000, (n,)),
    "randint_high": lambda m, n: m.randint(10, (n,)),
    "randint_64bit_range": lambda m, n: m.randint(-2 ** 40, 2 ** 40, (n,)),
    "randint_2_28": lambda m, n: m.randint(0, 2 ** 28, (n,)),
    "randint_int32": lambda m, n: m.randint(0, 50, (n,), dtype=m.int32),
    "randint_like": lambda m, n: m.randint_like(m.zeros(n, dtype=m.int64), 5, 9),
    "randperm": lambda m, n: m.randperm(n),
    "random_int64": lambda m, n: m.empty(n, dtype=m.int64).random_(),
    "random_int32": lambda m, n: m.empty(n, dtype=m.int32).random_(),
    "random_uint8": lambda m, n: m.empty(n, dtype=m.uint8).random_(),
    "random_bool": lambda m, n: m.empty(n, dtype=m.bool).random_(),
}


def _check(torch, t_fn, g_fn, seed):
    torch.manual_seed(seed)
    gk.manual_seed(seed)
    t = t_fn(torch).numpy()
    g = g_fn(gk).numpy()
    assert g.dtype == t.dtype and g.shape == t.shape
    np.testing.assert_array_equal(g, t)
    # the same number of draws consumed: the generators stay in step
    np.testing.assert_array_equal(gk.get_rng_state().numpy(), torch.get_rng_state().numpy())


SCALAR_P = {"bernoulli_scalar", "bernoulli_p"}  # MKL's stream on Intel CPUs (see conftest)


@pytest.mark.parametrize("name", sorted(STREAMS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_float_streams(request, torch, name, dtype):
    if name in SCALAR_P:
        request.getfixturevalue("torch_default_bernoulli")
    fn = STREAMS[name]
    for seed in SEEDS:
        for n in SIZES:
            _check(torch, lambda m, n=n: fn(m, n, getattr(m, dtype)),
                   lambda m, n=n: fn(m, n, getattr(m, dtype)), seed)


@pytest.mark.parametrize("name", sorted(INT_STREAMS))
def test_integer_streams(torch, name):
    fn = INT_STREAMS[name]
    for seed in SEEDS:
        for n in SIZES:
            _check(torch, lambda m, n=n: fn(m, n), lambda m, n=n: fn(m, n), seed)


@pytest.mark.parametrize("name", ["rand", "randn", "normal_", "uniform_", "bernoulli_scalar"])
def test_many_seeds_small_sizes(request, torch, name):
    if name in SCALAR_P:
        request.getfixturevalue("torch_default_bernoulli")
    fn = STREAMS[name]
    for seed in range(60):
        for n in (3, 16, 40):
            _check(torch, lambda m, n=n: fn(m, n, m.float32),
                   lambda m, n=n: fn(m, n, m.float32), seed)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("rows,cats,samples", [(1, 5, 1), (1, 10, 4), (3, 1000, 20),
                                              (4, 7, 7), (2, 50, 1)])
def test_multinomial(torch, dtype, replacement, rows, cats, samples):
    base = np.random.default_rng(rows * cats).random((rows, cats)) ** 3
    base[:, 1] = 0  # a category never drawn
    for seed in SEEDS:
        for shape in ((cats,), (rows, cats)) if rows == 1 else ((rows, cats),):
            w = base[: 1 if len(shape) == 1 else rows].reshape(shape)
            _check(torch,
                   lambda m, w=w: m.multinomial(m.tensor(w, dtype=getattr(m, dtype)), samples,
                                           replacement),
                   lambda m, w=w: m.multinomial(m.tensor(w, dtype=getattr(m, dtype)), samples,
                                           replacement), seed)


def test_streams_interleave_as_in_torch(torch):
    def script(m):
        out = [m.rand(5), m.randn(3), m.randint(0, 7, (9,)), m.randn(20), m.randperm(12),
               m.empty(4).bernoulli_(0.5), m.randn(1, dtype=m.float64), m.rand(17)]
        return m.cat([o.to(m.float64) for o in out])

    _check(torch, script, script, 11)

"""``random_``/``randint`` bounds and the in-place fillers' argument checks, as PyTorch: the
same numbers and the same generator position after ``random_(from, None)``, float and half
dtypes (whose bounds PyTorch moves inwards where they round past themselves), bounds beyond the
dtype refused, an expanded (self-overlapping) target refused before anything is drawn."""

import numpy as np
import pytest

import gradkit as gk

pytestmark = pytest.mark.filterwarnings("ignore")


def _same_stream(torch, fn):
    """``fn(lib)`` after the same seed in both libraries: results and states equal."""
    torch.manual_seed(11)
    gk.manual_seed(11)
    t = fn(torch)
    g = fn(gk)
    assert g.dtype.name == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(g.float().numpy(), t.float().numpy())
    np.testing.assert_array_equal(gk.get_rng_state().numpy(), torch.get_rng_state().numpy())


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "bool",
                                   "float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("low", [0, 3, -2])
def test_random_from_to_none_runs_to_the_dtype_max(torch, dtype, low):
    if dtype in ("uint8", "bool") and low < 0 or dtype == "bool" and low > 1:
        pytest.skip("below the dtype's range")
    _same_stream(torch, lambda lib: lib.zeros(40, dtype=getattr(lib, dtype)).random_(low, None))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("bounds", [(0, 2 ** 28), (0, 2 ** 28 + 1), (5, 2 ** 31), (0, 1000),
                                    (-2 ** 24 - 1, 2 ** 24 + 3), (0, 2 ** 40)])
def test_randint_into_floats_uses_pytorch_bounds(torch, dtype, bounds):
    lo, hi = bounds
    if dtype == "float16" and hi > 65504:
        with pytest.raises(RuntimeError):
            torch.randint(lo, hi, (3,), dtype=getattr(torch, dtype))
        with pytest.raises(RuntimeError, match="out of bounds for"):
            gk.randint(lo, hi, (3,), dtype=getattr(gk, dtype))
        return
    _same_stream(torch, lambda lib: lib.randint(lo, hi, (33,), dtype=getattr(lib, dtype)))


def test_random_full_range_of_bfloat16(torch):
    _same_stream(torch, lambda lib: lib.zeros(20, dtype=lib.bfloat16).random_())


def test_random_full_64_bit_range(torch):
    _same_stream(torch, lambda lib: lib.zeros(9, dtype=lib.int64).random_(-2 ** 63, None))


@pytest.mark.parametrize("call", [
    lambda lib: lib.zeros(3, dtype=lib.int8).random_(0, 200),
    lambda lib: lib.zeros(3, dtype=lib.uint8).random_(-1, 5),
    lambda lib: lib.zeros(3, dtype=lib.bool).random_(0, 3),
    lambda lib: lib.zeros(3, dtype=lib.float16).random_(0, 70000),
    lambda lib: lib.randint(0, 300, (3,), dtype=lib.uint8),
    lambda lib: lib.randint(-2 ** 40, 0, (3,), dtype=lib.int32),
    lambda lib: lib.zeros(3, dtype=lib.bfloat16).random_(257, None),
    lambda lib: lib.zeros(3, dtype=lib.int32).random_(-2 ** 63, None),
    lambda lib: lib.zeros(2, 1).expand(2, 3).uniform_(),
    lambda lib: lib.zeros(2, 1).expand(2, 3).normal_(),
    lambda lib: lib.zeros(2, 1).expand(2, 3).random_(),
    lambda lib: lib.zeros(2, 1).expand(2, 3).exponential_(),
    lambda lib: lib.zeros(2, 1).expand(2, 3).bernoulli_(0.5),
    lambda lib: lib.zeros(3).cauchy_(0.0, 0.0),
    lambda lib: lib.zeros(3).cauchy_(0.0, -1.0),
], ids=lambda f: "")
def test_refused_as_pytorch_without_drawing(torch, call):
    torch.manual_seed(3)
    gk.manual_seed(3)
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError):
        call(gk)
    np.testing.assert_array_equal(gk.get_rng_state().numpy(), torch.get_rng_state().numpy())


@pytest.mark.parametrize("name, args", [("log_normal_", ()), ("geometric_", (0.5,))])
def test_complex_targets_have_no_kernel(torch, name, args):
    for lib in (torch, gk):
        with pytest.raises(NotImplementedError, match="ComplexFloat"):
            getattr(lib.zeros(3, dtype=lib.complex64), name)(*args)


def test_empty_expanded_target_is_filled_without_error(torch):
    for lib in (torch, gk):
        x = lib.zeros(0, 1).expand(0, 4)
        assert x.normal_() is x


@pytest.mark.parametrize("call, exc", [
    (lambda lib: lib.zeros(3, dtype=lib.complex64).random_(), NotImplementedError),
    (lambda lib: lib.zeros(3, dtype=lib.complex64).bernoulli_(0.5), NotImplementedError),
    (lambda lib: lib.zeros(3, dtype=lib.float16).uniform_(-1e30, 1.0), RuntimeError),
    (lambda lib: lib.zeros(3, dtype=lib.float16).uniform_(-60000.0, 60000.0), RuntimeError),
    (lambda lib: lib.zeros(0, dtype=lib.int32).uniform_(), NotImplementedError),
    (lambda lib: lib.zeros(0, 2, dtype=lib.complex64).cauchy_(), RuntimeError),
    (lambda lib: lib.rand(), TypeError),
    (lambda lib: lib.randn(dtype=lib.float64), TypeError),
])
def test_fill_errors_as_pytorch(torch, call, exc):
    for lib in (torch, gk):
        with pytest.raises(exc):
            call(lib)


@pytest.mark.parametrize("call", [
    lambda lib: lib.zeros(0, 3, dtype=lib.int64).normal_(),
    lambda lib: lib.zeros(0, dtype=lib.uint8).exponential_(),
    lambda lib: lib.zeros(2, 0, dtype=lib.complex64).random_(),
    lambda lib: lib.randn(0, 2, dtype=lib.int64),
    lambda lib: lib.bernoulli(lib.zeros(0, dtype=lib.int64)),
])
def test_empty_tensors_skip_the_dtype_dispatch(torch, call):
    for lib in (torch, gk):
        assert call(lib).numel() == 0


@pytest.mark.parametrize("replacement, exc", [(False, ZeroDivisionError),
                                                (True, RuntimeError)])
def test_random_sampler_of_an_empty_dataset(torch, replacement, exc):
    """Refused as PyTorch, after PyTorch draws the sampler's seed from the default
    generator (the next draws equal PyTorch's)."""
    after = []
    for lib in (torch, gk):
        lib.manual_seed(5)
        s = lib.utils.data.RandomSampler(lib.utils.data.TensorDataset(lib.arange(0)),
                                         replacement=replacement, num_samples=3)
        with pytest.raises(exc):
            list(s)
        after.append(lib.rand(3).tolist())
    assert after[0] == after[1]


@pytest.mark.parametrize("call, exc", [
    (lambda lib: lib.zeros(3, dtype=lib.float16).random_(-2 ** 63, None), NotImplementedError),
    (lambda lib: lib.zeros(3, dtype=lib.int32).random_(-2 ** 63, None), RuntimeError),
    (lambda lib: lib.distributions.Categorical(lib.ones(3, 4)).sample((0,)), RuntimeError),
])
def test_more_refusals_as_pytorch(torch, call, exc):
    for lib in (torch, gk):
        with pytest.raises(exc):
            call(lib)


@pytest.mark.parametrize("call", [lambda x: x.random_(None), lambda x: x.random_(None, None),
                                  lambda x: x.random_(to=None)])
def test_random_refuses_a_none_from_or_a_lone_none_to(call):
    # no form of PyTorch's random_ takes these (gradkit filled as random_())
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        call(torch.ones(3))
    with pytest.raises(TypeError, match="random_"):
        call(gk.ones(3))
    assert gk.ones(3).random_(0, None).shape == (3,)


@pytest.mark.parametrize("mean", [4611686018427387904, 709.5, 710.0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_normal_past_the_float_range_is_inf_as_pytorch(torch, mean, dtype):
    # exp of a normal draw past float64's range is inf, as C's exp (Python's math.exp raised
    # OverflowError; arg fuzzer seed 32), finite draws below it unchanged
    got = []
    for L in (torch, gk):
        L.manual_seed(0)
        got.append(L.empty(6, dtype=getattr(L, dtype)).log_normal_(mean=mean, std=0.5).numpy())
    np.testing.assert_array_equal(got[1], got[0])

"""``randperm`` refuses an ``n`` its dtype cannot count to, ``multinomial`` refuses integer
weights and draws the exponentials of a transposed weight matrix in its memory order (its
result row-major), as PyTorch; bounds beyond 64 bits raise PyTorch's ValueError."""

import numpy as np
import pytest

import gradkit as gk

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.mark.parametrize("dtype, n", [("uint8", 257), ("int8", 129), ("int16", 32769),
                                      ("float16", 2050)])
def test_randperm_beyond_the_dtype_raises(torch, dtype, n):
    for lib in (torch, gk):
        with pytest.raises(RuntimeError):
            lib.randperm(n, dtype=getattr(lib, dtype))
        lib.randperm(n - 1, dtype=getattr(lib, dtype))  # the largest that fits


def test_multinomial_of_integer_weights_raises(torch):
    for lib in (torch, gk):
        with pytest.raises(RuntimeError, match="floating-point"):
            lib.multinomial(lib.ones(3, dtype=lib.int64), 2)


def test_multinomial_of_transposed_weights(torch):
    w = np.random.default_rng(3).random((5, 3))

    def draw(lib):
        lib.manual_seed(9)
        return lib.multinomial(lib.tensor(w).t(), 3)
    t, g = draw(torch), draw(gk)
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    assert g.stride() == t.stride()


@pytest.mark.parametrize("make", [lambda t: t.expand(3, -1),
                                  lambda t: t[None].expand(2, -1)[:, ::2],
                                  lambda t: t.reshape(2, 4)[:, None].expand(2, 3, 4)[1]])
def test_multinomial_of_expanded_weights_draws_row_major(torch, make):
    # an expanded dim (stride 0) leaves empty_like's layout row-major in PyTorch (the
    # transformer_decoder_lm corpus program samples from probs.expand(2, -1))
    w = np.random.default_rng(4).random(8)

    def draw(lib):
        lib.manual_seed(5)
        return lib.multinomial(make(lib.tensor(w)), 2)
    np.testing.assert_array_equal(draw(gk).numpy(), draw(torch).numpy())


@pytest.mark.parametrize("call", [lambda lib: lib.randint(0, 2 ** 64, (3,)),
                                  lambda lib: lib.zeros(3).random_(2 ** 63, 2 ** 64)])
def test_bounds_beyond_64_bits_raise_value_error(torch, call):
    for lib in (torch, gk):
        with pytest.raises(ValueError):
            call(lib)


@pytest.mark.parametrize("replacement, n", [(True, 4), (False, 2), (True, 1)])
def test_multinomial_zero_row_raises_after_pytorchs_draws(torch, replacement, n):
    w = [[0.7, 0.3], [0.4, 0.9], [0.0, 0.0], [0.6, 0.0]]
    torch.manual_seed(2)
    gk.manual_seed(2)
    for lib in (torch, gk):
        with pytest.raises(RuntimeError, match="sum of probabilities"):
            lib.multinomial(lib.tensor(w, dtype=lib.float64), n, replacement)
    np.testing.assert_array_equal(gk.get_rng_state().numpy(), torch.get_rng_state().numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("n,k", [(40, 31), (33, 2), (100, 50), (17, 17), (1000, 10)])
def test_multinomial_without_replacement_ties_in_topks_order(torch, dtype, n, k):
    """Zero weights (and half-precision ratios rounded equal) tie: PyTorch's topk leaves them
    in the order of its partial sort / nth_element, not the stable order."""
    rng = np.random.default_rng(n * k)
    w = rng.random((3, n))
    w[:, rng.random(n) < 0.5] = 0
    w[:, 0] = 0.5

    def draw(lib, seed):
        lib.manual_seed(seed)
        return lib.multinomial(lib.tensor(w).to(getattr(lib, dtype)), k), lib.rand(2)

    for seed in (0, 1):
        (want, want_after), (got, got_after) = draw(torch, seed), draw(gk, seed)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        np.testing.assert_array_equal(got_after.numpy(), want_after.numpy())


def test_multinomial_out_receives_the_draws(torch):
    w = np.random.default_rng(0).random((3, 5)).astype(np.float32)
    for repl in (False, True):
        torch.manual_seed(4)
        gk.manual_seed(4)
        ref = torch.multinomial(torch.from_numpy(w), 2, repl, out=torch.empty(0, dtype=torch.long))
        out = gk.empty(0, dtype=gk.int64)
        got = gk.multinomial(gk.tensor(w), 2, repl, out=out)
        assert got is out and tuple(out.shape) == (3, 2)
        np.testing.assert_array_equal(out.numpy(), ref.numpy())
    for lib in (torch, gk):
        with pytest.raises(RuntimeError, match="multinomial expects Long tensor out, got: Float"):
            lib.multinomial(lib.ones(2, 3), 1, out=lib.empty(2, 1))

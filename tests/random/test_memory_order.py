"""PyTorch's CPU random kernels fill a tensor in the order of its strides: a transposed or
permuted tensor gets its draws column by column, and ``normal_`` of a non-contiguous tensor draws
one value at a time instead of its vectorised blocks of 16. ``rand_like``/``randn_like`` keep a
dense input's layout (``preserve_format``), and dropout's noise is ``empty_like(input)``."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F

VIEWS = {
    "transposed": lambda lib: lib.zeros(5, 4).t(),
    "permuted": lambda lib: lib.zeros(2, 3, 4).permute(2, 0, 1),
    "sliced": lambda lib: lib.zeros(4, 6)[:, ::2],
    "sliced-transposed": lambda lib: lib.zeros(6, 7)[::2].t(),
}


def _same(a, b):
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("fill", ["uniform_", "normal_", "exponential_", "cauchy_",
                                  "log_normal_", "geometric_", "random_"])
def test_inplace_fill_follows_strides(torch, view, fill):
    args = (0.3,) if fill == "geometric_" else ()
    torch.manual_seed(0)
    want = getattr(VIEWS[view](torch), fill)(*args)
    after_torch = torch.rand(3)
    gk.manual_seed(0)
    got = getattr(VIEWS[view](gk), fill)(*args)
    _same(got, want)
    _same(gk.rand(3), after_torch)


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_bernoulli_fill_follows_strides(torch_default_bernoulli, view):
    torch = torch_default_bernoulli
    torch.manual_seed(0)
    want = VIEWS[view](torch).bernoulli_(0.4)
    gk.manual_seed(0)
    _same(VIEWS[view](gk).bernoulli_(0.4), want)


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("fn", ["rand_like", "randn_like"])
def test_random_like_keeps_layout_and_order(torch, view, fn):
    torch.manual_seed(1)
    want = getattr(torch, fn)(VIEWS[view](torch) + 1)  # + 1: a fresh (contiguous) tensor
    want_strided = getattr(torch, fn)(VIEWS[view](torch))
    gk.manual_seed(1)
    _same(getattr(gk, fn)(VIEWS[view](gk) + 1), want)
    got = getattr(gk, fn)(VIEWS[view](gk))
    _same(got, want_strided)
    assert got.stride() == want_strided.stride()



@pytest.mark.parametrize("src,dtype", [("complex64", "float32"), ("complex128", "complex64"),
                                       ("int16", "complex64"), ("float32", "complex128"),
                                       ("complex64", None), ("int32", "float64")])
@pytest.mark.parametrize("fn", ["rand_like", "randn_like", "randint_like", "empty_like",
                                "zeros_like"])
def test_like_keeps_a_permuted_layout_across_complex_dtypes(torch, src, dtype, fn):
    """preserve_format keeps the input's order of strides whether the input or the result is
    complex (a complex side gave a row-major result), and the draws fill it in memory order."""
    if fn == "randint_like" and "complex" in (dtype or src):
        dtype = "int64"
    args = (7,) if fn == "randint_like" else ()

    def run(lib):
        lib.manual_seed(4)
        x = lib.zeros(3, 2, 4, dtype=getattr(lib, src)).permute(2, 0, 1)
        kw = {} if dtype is None else {"dtype": getattr(lib, dtype)}
        return getattr(lib, fn)(x, *args, **kw), lib.rand(2)

    want, want_after = run(torch)
    got, got_after = run(gk)
    assert got.stride() == want.stride()
    assert got.dtype == getattr(gk, str(want.dtype).split(".")[1])
    if fn != "empty_like":
        _same(got, want)
    _same(got_after, want_after)
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_dropout_noise_takes_the_input_layout(torch_default_bernoulli, view):
    torch = torch_default_bernoulli
    torch.manual_seed(2)
    want = torch.nn.functional.dropout(VIEWS[view](torch).add_(1), 0.5)
    gk.manual_seed(2)
    _same(F.dropout(VIEWS[view](gk).add_(1), 0.5), want)


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("inplace", [False, True])
def test_alpha_dropout_noise_takes_the_input_layout(torch_default_bernoulli, view, dtype,
                                                    inplace):
    torch = torch_default_bernoulli

    def run(lib):
        lib.manual_seed(5)
        x = VIEWS[view](lib).add_(1).to(getattr(lib, dtype))
        return lib.nn.functional.alpha_dropout(x, 0.5, True, inplace)

    _same(run(gk).float(), run(torch).float())


@pytest.mark.parametrize("fn", ["dropout2d", "feature_alpha_dropout", "dropout1d"])
def test_feature_noise_is_row_major_whatever_the_input_layout(torch_default_bernoulli, fn):
    """A feature dropout's noise is a new (N, C, 1, ...) tensor: drawn in index order even when
    it has the input's shape (size-1 trailing dims, a 2-D input) and the input is permuted."""
    torch = torch_default_bernoulli

    def run(lib):
        lib.manual_seed(6)
        x = lib.arange(1.0, 41.0).reshape(4, 10, 1)
        x = x.permute(1, 0, 2) if fn == "dropout1d" else x.reshape(4, 10, 1, 1).permute(
            1, 0, 2, 3)
        return getattr(lib.nn.functional, fn)(x, 0.5, True)

    _same(run(gk), run(torch))
def test_transformer_layer_dropout_after_batch_first_attention(torch_default_bernoulli):
    """MultiheadAttention's batch_first output is a transposed view; the dropout after it draws
    in that layout."""
    torch = torch_default_bernoulli
    torch.manual_seed(0)
    layer_t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.3, batch_first=True,
                                               norm_first=True)
    x = np.random.RandomState(0).randn(2, 3, 8).astype(np.float32)
    torch.manual_seed(5)
    want = layer_t(torch.tensor(x))
    gk.manual_seed(0)
    layer_g = gk.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.3, batch_first=True,
                                            norm_first=True)
    layer_g.load_state_dict({k: gk.tensor(v.numpy()) for k, v in layer_t.state_dict().items()})
    gk.manual_seed(5)
    got = layer_g(gk.tensor(x))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-6)


TRUNC_WINDOWS = [{}, {"a": -0.5, "b": 0.5}, {"mean": 0.3, "std": 0.7, "a": 1.5, "b": 3.0}]


@pytest.mark.parametrize("view", sorted(VIEWS) + ["sliced-rows"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "float16"])
@pytest.mark.parametrize("window", range(len(TRUNC_WINDOWS)), ids=["wide", "narrow", "tail"])
def test_trunc_normal_of_a_strided_weight_draws_in_memory_order(torch, view, dtype, window):
    """trunc_normal_ fills the weight, then redraws into buffers made by empty_like/where: all
    in the weight's memory order (normal_ one value at a time where the buffer is not
    row-major); float16/bfloat16 windows' log-densities round at each in-place step."""
    def make(lib):
        dt = getattr(lib, dtype)
        if view == "sliced-rows":
            return lib.zeros(40, 6, dtype=dt)[::2]
        return VIEWS[view](lib).to(dt)

    kw = TRUNC_WINDOWS[window]
    for seed in (0, 1):
        torch.manual_seed(seed)
        want = torch.nn.init.trunc_normal_(make(torch), **kw)
        want_after = torch.rand(3)
        gk.manual_seed(seed)
        got = gk.nn.init.trunc_normal_(make(gk), **kw)
        _same(got.float(), want.float())
        _same(gk.rand(3), want_after)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_trunc_normal_half_tail_window_over_many_draws(torch, dtype):
    torch.manual_seed(3)
    want = torch.nn.init.trunc_normal_(torch.empty(3000, dtype=getattr(torch, dtype)),
                                       mean=0.3, std=0.7, a=1.5, b=3.0)
    gk.manual_seed(3)
    got = gk.nn.init.trunc_normal_(gk.empty(3000, dtype=getattr(gk, dtype)),
                                   mean=0.3, std=0.7, a=1.5, b=3.0)
    _same(got.float(), want.float())

"""Streams PyTorch draws differently from the float32 row-major case: ``normal_``/``randn`` of
float16 and bfloat16 tensors whose size is not a multiple of 16 (PyTorch draws the whole blocks'
uniforms, then the last block's 16), and ``nn.init`` fills of transposed or sliced weights
(drawn in memory order, one value at a time for normal fills)."""

import numpy as np
import pytest

import gradkit as gk


def _same(torch, fn, seed=7):
    torch.manual_seed(seed)
    gk.manual_seed(seed)
    t, g = fn(torch), fn(gk)
    np.testing.assert_array_equal(g.float().numpy(), t.float().numpy())
    np.testing.assert_array_equal(gk.get_rng_state().numpy(), torch.get_rng_state().numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("n", [16, 17, 20, 31, 47, 100])
def test_half_normal_streams(torch, dtype, n):
    _same(torch, lambda lib: lib.randn(n, dtype=getattr(lib, dtype)))
    _same(torch, lambda lib: lib.empty(n, dtype=getattr(lib, dtype)).normal_(2.0, 0.5))


def _weight(lib, layout, dtype):
    if layout == "transposed":
        return lib.zeros(8, 16, dtype=getattr(lib, dtype)).t()
    return lib.zeros(32, 8, dtype=getattr(lib, dtype))[::2]


@pytest.mark.parametrize("layout", ["transposed", "sliced"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("init", ["uniform_", "normal_", "xavier_uniform_", "xavier_normal_",
                                  "kaiming_uniform_", "kaiming_normal_"])
def test_init_of_strided_weights(torch, layout, dtype, init):
    _same(torch, lambda lib: getattr(lib.nn.init, init)(_weight(lib, layout, dtype)))


@pytest.mark.parametrize("layout", ["transposed", "sliced"])
def test_sparse_init_of_strided_weights(torch, layout):
    _same(torch, lambda lib: lib.nn.init.sparse_(_weight(lib, layout, "float32"), 0.3))


@pytest.mark.parametrize("dtype", ["bfloat16", "float32", "float64"])
@pytest.mark.parametrize("bounds", [(1 / 8, 1 / 3), (0.1, 0.5), (0.3, 0.3)])
@pytest.mark.parametrize("inplace", [False, True])
def test_rrelu_training_values_and_gradient(torch, dtype, bounds, inplace):
    """A bfloat16 result is ``x * slope`` rounded once from float32 (the slope drawn in float32,
    not first rounded to bfloat16); the gradient multiplies by the slopes in bfloat16 (the
    noise PyTorch saves)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 30)).astype(np.float32)
    grad_out = rng.standard_normal((40, 30)).astype(np.float32)

    def run(lib):
        leaf = lib.tensor(x).to(getattr(lib, dtype)).requires_grad_()
        lib.manual_seed(3)
        f = lib.nn.functional
        out = f.rrelu_(leaf * 1, *bounds, training=True) if inplace else \
            f.rrelu(leaf, *bounds, training=True)
        out.backward(lib.tensor(grad_out).to(getattr(lib, dtype)))
        return out.detach().float().numpy(), leaf.grad.float().numpy(), lib.rand(2).numpy()

    for want, got in zip(run(torch), run(gk)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("make", [lambda lib: lib.empty(5, 2, 3, 3).transpose(2, 3),
                                  lambda lib: lib.empty(5, 2, 3, 3)[:, :, :, :2],
                                  lambda lib: lib.empty(3, 4, 5).permute(0, 2, 1)],
                         ids=["transposed", "sliced", "permuted"])
def test_orthogonal_of_a_weight_with_no_flat_view_raises_after_the_draws(torch, make):
    """PyTorch writes the QR factor through ``tensor.view_as(q)``: a weight of more than two
    dims whose strides allow no (rows, cols) view is refused (RuntimeError) once the Gaussian
    matrix is drawn."""
    for lib in (torch, gk):
        lib.manual_seed(0)
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            lib.nn.init.orthogonal_(make(lib))
    np.testing.assert_array_equal(gk.rand(3).numpy(), torch.rand(3).numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("fill,args", [("cauchy_", (1.0, 2.0)), ("exponential_", (0.7,)),
                                       ("log_normal_", (0.5, 1.5)), ("normal_", (1.0, 3.0))])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_half_fills_round_the_double_sample_through_float(torch, dtype, fill, args, layout):
    """PyTorch's double samplers return float for a float16/bfloat16 tensor, then round: a
    value within half an ulp of a float16 tie rounds as PyTorch's (it was rounded once)."""
    def fill_in(lib):
        x = lib.empty(300, 70, dtype=getattr(lib, dtype))
        return getattr(x.t() if layout == "transposed" else x, fill)(*args)

    _same(torch, fill_in, seed=1)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
@pytest.mark.parametrize("training", [False, True])
def test_rrelu_of_a_transposed_input_is_row_major(torch, dtype, training):
    """PyTorch's rrelu writes a new row-major tensor (in eval too, where it is leaky_relu's
    arithmetic: the result kept the input's transposed layout)."""
    if training and dtype == "float16":
        pytest.skip("no float16 training kernel (NotImplementedError in both)")

    def run(lib):
        lib.manual_seed(2)
        x = lib.arange(-6.0, 6.0).reshape(2, 6).to(getattr(lib, dtype)).t()
        return lib.nn.functional.rrelu(x, 0.1, 0.5, training=training)

    want, got = run(torch), run(gk)
    assert got.stride() == want.stride()
    np.testing.assert_array_equal(got.float().numpy(), want.float().numpy())

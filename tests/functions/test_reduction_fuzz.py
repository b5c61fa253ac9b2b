"""Reductions: the fuzzer's findings (tests/fuzz), each checked against PyTorch."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

X = np.random.default_rng(3).standard_normal((2, 3, 4))


def same_error(fn, *arrays):
    """``fn(lib, *tensors)`` raises in PyTorch and gradkit the same exception type."""
    with pytest.raises(Exception) as te:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(te.value)):
        fn(gk, *[gk.tensor(a) for a in arrays])


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min", "median", "nanmedian"])
@pytest.mark.parametrize("keepdim", [True, False])
@pytest.mark.parametrize("face", ["function", "method"])
def test_keepdim_without_dim_is_a_type_error(name, keepdim, face):
    if face == "function":
        same_error(lambda m, x: getattr(m, name)(x, keepdim=keepdim), X)
    else:
        same_error(lambda m, x: getattr(x, name)(keepdim=keepdim), X)


@pytest.mark.parametrize("name", ["sum", "mean"])
def test_keepdim_with_dim_none_reduces_everything(name):
    g = getattr(gk, name)(gk.tensor(X), None, True)
    t = getattr(torch, name)(torch.tensor(X), None, True)
    assert tuple(g.shape) == tuple(t.shape) == (1, 1, 1)
    np.testing.assert_allclose(g.numpy(), t.numpy())


def test_mean_of_int_with_keepdim_only_raises_type_error_first():
    same_error(lambda m, x: m.mean(x, keepdim=True), X.astype(np.int32))


@pytest.mark.parametrize("fn", ["trapezoid", "trapz", "cumulative_trapezoid"])
@pytest.mark.parametrize("ydt", ["float64", "float16", "int32", "uint8"])
@pytest.mark.parametrize("spacing", [None, "uint8", "int32", "float64", "float16", 1.0,
                                     float("inf"), 0.5])
@pytest.mark.parametrize("shape", [(3, 5), (5,), (3, 0)])
def test_trapezoid_as_torch(fn, ydt, spacing, shape):
    # an x of uint8 has differences that wrap around (in x's dtype, as PyTorch); a constant
    # dx multiplies PyTorch's sum - (first + last) / 2 (inf * 0 only where that is 0)
    rng = np.random.default_rng(0)
    y = rng.standard_normal(shape) * 3
    if y.size:
        y.reshape(-1)[0] = 0
    y = y.astype(ydt) if ydt.startswith("float") else np.abs(y).astype(ydt)
    args, kw = [], {}
    if isinstance(spacing, float):
        kw["dx"] = spacing
    elif spacing is not None:
        args = [(np.abs(rng.standard_normal(shape[-1])) * 5).astype(spacing)]
    t = getattr(torch, fn)(torch.tensor(y), *[torch.tensor(a) for a in args], **kw)
    g = getattr(gk, fn)(gk.tensor(y), *[gk.tensor(a) for a in args], **kw)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(g.shape) == tuple(t.shape)
    rtol = 1e-3 if "16" in ydt + str(spacing) else 1e-6
    np.testing.assert_allclose(g.numpy().astype(float), t.numpy().astype(float), rtol=rtol)


@pytest.mark.parametrize("fn", [lambda m, x: m.var(x), lambda m, x: m.var(x, 1),
                                lambda m, x: m.var_mean(x, 1)[0], lambda m, x: m.std(x, 0)])
def test_var_gradient_with_an_infinite_element_as_torch(fn):
    # PyTorch's rule 2 / (N - c) * grad * (x - mean): NaN only at the infinite element, not
    # spread over the slice through the mean
    a = np.random.default_rng(1).standard_normal((3, 4))
    a[2, 2] = -np.inf
    u = np.random.default_rng(2).standard_normal(tuple(fn(torch, torch.tensor(a)).shape))
    res = []
    for m in (torch, gk):
        x = m.tensor(a, requires_grad=True)
        (g,) = m.autograd.grad(fn(m, x), x, m.tensor(u))
        res.append(g.numpy())
    np.testing.assert_array_equal(np.isnan(res[1]), np.isnan(res[0]))
    np.testing.assert_allclose(res[1], res[0], rtol=1e-12)


def test_count_nonzero_of_a_0d_tensor_takes_dim_0_and_minus_1_as_torch():
    for dim in (None, 0, -1):
        assert gk.tensor(True).count_nonzero(dim).item() == torch.tensor(True).count_nonzero(
            dim).item() == 1
    with pytest.raises(IndexError, match=r"range of \[-1, 0\], but got 1"):
        gk.tensor(2.0).count_nonzero(1)


def test_copysign_takes_a_number_only_as_other():
    with pytest.raises(TypeError):
        torch.copysign(-0.7, torch.ones(2))
    with pytest.raises(TypeError, match="argument 'input' .* must be Tensor, not float"):
        gk.copysign(-0.7, gk.ones(2))
    assert gk.copysign(gk.ones(2), -0.5).tolist() == [-1.0, -1.0]


def test_std_of_float32_past_its_variance_range_is_finite_as_torch():
    """torch takes the root of a float64 variance: std of [1e30, ...] is 5e29 where the float32
    variance overflows to inf."""
    x = np.array([[0.48, 0.85, 1e30, -1.8], [-0.4, 0.18, -1.77, -0.95]], dtype=np.float32)
    res = []
    for L in (gk, torch):
        t = L.tensor(x, requires_grad=True)
        s = L.std(t, 1)
        s.sum().backward()
        res.append((s.detach().numpy(), t.grad.numpy(), L.std_mean(L.tensor(x), 1)[0].numpy(),
                    type(s.grad_fn).__name__))
    (sg, gg, mg, ng), (st, gt, mt, nt) = res
    assert ng == nt == "StdBackward0" and sg.dtype == st.dtype == np.float32
    np.testing.assert_allclose(sg, st, rtol=1e-6)
    np.testing.assert_allclose(mg, mt, rtol=1e-6)
    np.testing.assert_allclose(gg, gt, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("correction", [1, 2, 3])
def test_var_without_degrees_of_freedom_as_torch(correction):
    """Divided by max(0, N - correction): inf (nan where the squares sum to 0), a gradient with
    N - correction itself, and PyTorch's warning; empty reductions nan without NumPy's."""
    import warnings

    x = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 4.0]])
    res = []
    for L in (gk, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            t = L.tensor(x, requires_grad=True)
            v = t.var(0, correction=correction)
            v.sum().backward()
            empty = L.zeros(2, 0).var(1).tolist()
        res.append((v.detach().numpy(), t.grad.numpy(), empty,
                    sorted({str(w.message).split(".")[0] for w in caught
                            if w.category is UserWarning})))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])
    assert np.isnan(res[0][2]).all() and np.isnan(res[1][2]).all()
    assert res[0][3] == res[1][3]

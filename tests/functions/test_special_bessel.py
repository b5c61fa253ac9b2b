"""The Bessel and Airy functions, the orthogonal polynomials and zeta of ``gradkit.special``
against ``torch.special`` on dense grids (float32 and float64, 0, negative, large, inf, NaN),
with their dtype promotion, broadcasting, errors and (absence of) gradients."""

import numpy as np
import pytest
import torch

import gradkit as gk
from gradkit.ops.special_bessel import UNARY
from gradkit.ops.special_polynomial import POLYNOMIALS

_rng = np.random.default_rng(1234)
_GRID = np.concatenate([
    np.linspace(-40.0, 40.0, 8001), _rng.standard_normal(2000) * 100,
    10.0 ** np.linspace(-12, 4, 801), -(10.0 ** np.linspace(-12, 4, 801)),
    [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 2.0, 5.0, 8.0, 2.09, -2.09, 8.3203353, 103.892,
     103.9, 1e-5, 1e6, 1e10, 1e30, -1e30, 0.5, -0.5]])
_MODIFIED = {"modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
             "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1"}
_DTYPES = [np.float32, np.float64]


def _same_nonfinite(g, t):
    """NaN where torch has NaN, the same infinity where torch has one."""
    np.testing.assert_array_equal(np.isnan(g), np.isnan(t))
    inf = np.isinf(t) | np.isinf(g)
    np.testing.assert_array_equal(g[inf], t[inf])


@pytest.mark.parametrize("dtype", _DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_torch_on_a_dense_grid(name, dtype):
    x = _GRID.astype(dtype)
    g = getattr(gk.special, name)(gk.tensor(x))
    t = getattr(torch.special, name)(torch.from_numpy(x))
    assert g.dtype == gk.float32 if dtype == np.float32 else g.dtype == gk.float64
    g, t = g.numpy().astype(np.float64), t.numpy().astype(np.float64)
    _same_nonfinite(g, t)
    fin = np.isfinite(t)
    # within 4 units in the last place: of the value for the modified functions (no zeros), of
    # max(|value|, 1) for the oscillating ones (whose zeros no float algorithm pins relatively)
    scale = np.abs(t[fin]) if name in _MODIFIED else np.maximum(np.abs(t[fin]), 1.0)
    err = np.abs(g[fin] - t[fin]) / np.maximum(scale, np.finfo(np.float64).tiny)
    assert err.max() <= 4 * np.finfo(dtype).eps, (name, x[fin][np.argmax(err)])


_PX = np.concatenate([np.linspace(-1.5, 1.5, 301), np.linspace(-0.01, 0.01, 21),
                      [0.0, 1.0, -1.0, 0.5, 2.0, -2.0, 10.0, -10.0, 1e3, np.inf, -np.inf,
                       np.nan, 1e20, 1 + 1e-7, 1 - 1e-7]])
_PN = np.concatenate([np.arange(-2, 30), [40, 100, 127, 128, 129, 200, 511, 512, 513, 1000,
                                          5000, 1e19, np.inf, -np.inf, np.nan, 2.5, 6.9]])


@pytest.mark.parametrize("dtype", _DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(POLYNOMIALS))
def test_polynomial_matches_torch_on_a_dense_grid(name, dtype):
    xg, ng = np.meshgrid(_PX, _PN)
    x, n = xg.astype(dtype).ravel(), ng.astype(dtype).ravel()
    g = getattr(gk.special, name)(gk.tensor(x), gk.tensor(n)).numpy().astype(np.float64)
    t = getattr(torch.special, name)(torch.from_numpy(x), torch.from_numpy(n))
    t = t.numpy().astype(np.float64)
    # PyTorch returns an uninitialised value where its recurrence starts on a NaN x (NaN here)
    ub = np.isnan(x) & (n >= 2) & (n < 2.0 ** 63)
    assert np.isnan(g[ub]).all()
    g, t, n = g[~ub], t[~ub], n[~ub]
    _same_nonfinite(g, t)
    fin = np.isfinite(t)
    # the recurrences run as PyTorch's (fused multiply-adds) and agree to the bit in float32;
    # the closed forms cos(n acos x) ... scale an error of acos by n
    deg = np.where(np.isfinite(n), np.clip(np.abs(n), 1, 1e4), 1)[fin]
    err = np.abs(g[fin] - t[fin]) / np.maximum(np.abs(t[fin]), 1.0) / deg
    assert err.max() <= 32 * np.finfo(dtype).eps


@pytest.mark.parametrize("name", ["hermite_polynomial_h", "hermite_polynomial_he",
                                  "laguerre_polynomial_l", "legendre_polynomial_p"])
def test_polynomial_recurrences_are_bitwise_torchs_in_float32(name):
    xg, ng = np.meshgrid(np.linspace(-3, 3, 601), np.arange(0, 60))
    x, n = xg.astype(np.float32).ravel(), ng.astype(np.float32).ravel()
    g = getattr(gk.special, name)(gk.tensor(x), gk.tensor(n)).numpy()
    t = getattr(torch.special, name)(torch.from_numpy(x), torch.from_numpy(n)).numpy()
    np.testing.assert_array_equal(g, t)


def _torch_or_error(fn):
    try:
        return fn(), None
    except Exception as e:  # noqa: BLE001 - the type is compared
        return None, type(e)


_ARGS = [
    ("x_f32", "n_int"), ("x_int", "n_int"), ("x_int", "n_tint"), ("x_f32", "n_tf64"),
    ("x_f64", "n_tint"), ("num", "n_tint"), ("num", "n_tf32"), ("x_bool", "n_int"),
    ("x_f32", "n_float"), ("x_tint32", "n_tint"),
]


def _make(lib, kind):
    return {
        "x_f32": lambda: lib.tensor([0.3, -0.7, 1.5], dtype=lib.float32),
        "x_f64": lambda: lib.tensor([0.3, -0.7, 1.5], dtype=lib.float64),
        "x_int": lambda: lib.tensor([0, 1, 2]),
        "x_tint32": lambda: lib.tensor([0, 1, 2], dtype=lib.int32),
        "x_bool": lambda: lib.tensor([True, False, True]),
        "num": lambda: 0.25,
        "n_int": lambda: 3,
        "n_float": lambda: 3.7,
        "n_tint": lambda: lib.tensor([1, 2, 3]),
        "n_tf32": lambda: lib.tensor([1.0, 2.0, 3.0], dtype=lib.float32),
        "n_tf64": lambda: lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64),
    }[kind]()


@pytest.mark.parametrize("xk,nk", _ARGS)
@pytest.mark.parametrize("name", ["chebyshev_polynomial_t", "hermite_polynomial_h",
                                  "laguerre_polynomial_l", "shifted_chebyshev_polynomial_w"])
def test_polynomial_dtype_promotion_as_torch(name, xk, nk):
    t = getattr(torch.special, name)(_make(torch, xk), _make(torch, nk))
    g = getattr(gk.special, name)(_make(gk, xk), _make(gk, nk))
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(g.numpy(), t.numpy())


@pytest.mark.parametrize("kind", ["x_int", "x_bool", "x_tint32", "x_f64"])
@pytest.mark.parametrize("name", ["bessel_j0", "modified_bessel_k1", "airy_ai"])
def test_unary_dtype_promotion_as_torch(name, kind):
    t = getattr(torch.special, name)(_make(torch, kind))
    g = getattr(gk.special, name)(_make(gk, kind))
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_polynomial_broadcasts_and_rejects_mismatched_shapes():
    x = np.linspace(-1, 1, 3).reshape(3, 1)
    n = np.arange(4)
    g = gk.special.legendre_polynomial_p(gk.tensor(x), gk.tensor(n))
    t = torch.special.legendre_polynomial_p(torch.tensor(x), torch.tensor(n))
    assert tuple(g.shape) == tuple(t.shape) == (3, 4)
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    with pytest.raises(RuntimeError):
        torch.special.legendre_polynomial_p(torch.ones(2, 3), torch.ones(4))
    with pytest.raises(RuntimeError, match="size"):
        gk.special.legendre_polynomial_p(gk.ones(2, 3), gk.ones(4))


def test_zero_d_empty_and_non_contiguous_inputs():
    for shape in [(), (0,), (2, 0)]:
        x = np.full(shape, 0.7)
        g = gk.special.bessel_j1(gk.tensor(x))
        t = torch.special.bessel_j1(torch.tensor(x))
        assert tuple(g.shape) == tuple(t.shape)
        np.testing.assert_array_equal(g.numpy(), t.numpy())
        g = gk.special.chebyshev_polynomial_u(gk.tensor(x), 4)
        t = torch.special.chebyshev_polynomial_u(torch.tensor(x), 4)
        assert tuple(g.shape) == tuple(t.shape)
        np.testing.assert_array_equal(g.numpy(), t.numpy())
    a = np.arange(12.0).reshape(3, 4) / 7
    g = gk.special.modified_bessel_i0(gk.tensor(a).t())
    t = torch.special.modified_bessel_i0(torch.tensor(a).t())
    np.testing.assert_array_equal(g.numpy(), t.numpy())


@pytest.mark.parametrize("call", [
    lambda m, x: m.special.bessel_j0(x.half()),
    lambda m, x: m.special.modified_bessel_i1(x.to(m.complex64)),
    lambda m, x: m.special.chebyshev_polynomial_t(x.half(), 2),
    lambda m, x: m.special.zeta(x.half(), x.half()),
], ids=["half", "complex", "poly-half", "zeta-half"])
def test_unsupported_dtypes_raise_not_implemented_as_torch(call):
    with pytest.raises(NotImplementedError):
        call(torch, torch.tensor([0.5, 1.5]))
    with pytest.raises(NotImplementedError, match="not implemented for"):
        call(gk, gk.tensor([0.5, 1.5]))


def test_two_numbers_raise_type_error_as_torch():
    for fn in ("chebyshev_polynomial_t", "zeta"):
        with pytest.raises(TypeError):
            getattr(torch.special, fn)(0.5, 2)
        with pytest.raises(TypeError):
            getattr(gk.special, fn)(0.5, 2)
    with pytest.raises(TypeError):
        torch.special.bessel_j0(0.5)
    with pytest.raises(TypeError):
        gk.special.bessel_j0(0.5)


@pytest.mark.parametrize("name", sorted(UNARY) + sorted(POLYNOMIALS))
def test_not_differentiable_as_torch(name):
    args = (3,) if name in POLYNOMIALS else ()
    t = getattr(torch.special, name)(torch.tensor([0.3, 0.6], requires_grad=True), *args)
    g = getattr(gk.special, name)(gk.tensor([0.3, 0.6], requires_grad=True), *args)
    assert not t.requires_grad and not g.requires_grad
    with pytest.raises(RuntimeError):
        t.sum().backward()
    with pytest.raises(RuntimeError):
        g.sum().backward()


# ------------------------------------------------------------------ zeta
_ZX = np.array([-2.0, 0.5, 1.0, 1.0 + 1e-9, 1.5, 2.0, 3.0, 4.5, 10.0, 30.0, 100.0, np.inf, np.nan])
_ZQ = np.array([-3.0, -2.5, -1.0, -0.5, 0.0, 1e-3, 0.5, 1.0, 2.0, 7.5, 30.0, 1e4, np.inf, np.nan])


@pytest.mark.parametrize("dtype", _DTYPES, ids=["float32", "float64"])
def test_zeta_matches_torch_on_a_grid(dtype):
    xg, qg = np.meshgrid(_ZX, _ZQ)
    x, q = xg.astype(dtype).ravel(), qg.astype(dtype).ravel()
    g = gk.special.zeta(gk.tensor(x), gk.tensor(q)).numpy().astype(np.float64)
    t = torch.special.zeta(torch.from_numpy(x), torch.from_numpy(q)).numpy().astype(np.float64)
    _same_nonfinite(g, t)
    fin = np.isfinite(t)
    # (results below the normal range keep fewer bits: one subnormal step apart at most)
    np.testing.assert_allclose(g[fin], t[fin], rtol=4 * np.finfo(dtype).eps,
                               atol=np.finfo(dtype).smallest_subnormal)


def test_zeta_number_faces_and_dtypes_as_torch():
    x32 = [1.5, 2.5, 4.0]
    for args in [(x32, 2.0), (2.0, x32), ([1, 2, 3], 2), (2, [1, 2, 3])]:
        ta = [torch.tensor(a) if isinstance(a, list) else a for a in args]
        ga = [gk.tensor(a) if isinstance(a, list) else a for a in args]
        t, g = torch.special.zeta(*ta), gk.special.zeta(*ga)
        assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6)


def test_zeta_gradient_in_q_as_torch_and_none_in_x():
    x = np.array([1.5, 2.5, 4.0])
    q = np.array([0.5, 2.0, 3.5])
    tq = torch.tensor(q, requires_grad=True)
    gq = gk.tensor(q, requires_grad=True)
    torch.special.zeta(torch.tensor(x), tq).sum().backward()
    gk.special.zeta(gk.tensor(x), gq).sum().backward()
    np.testing.assert_allclose(gq.grad.numpy(), tq.grad.numpy(), rtol=1e-13)
    # the number face zeta(2.0, q)
    tq.grad = None
    gq.grad = None
    torch.special.zeta(2.0, tq).sum().backward()
    gk.special.zeta(2.0, gq).sum().backward()
    np.testing.assert_allclose(gq.grad.numpy(), tq.grad.numpy(), rtol=1e-13)
    with pytest.raises(NotImplementedError, match="derivative for 'zeta'"):
        torch.special.zeta(torch.tensor(x, requires_grad=True), 2.0).sum().backward()
    with pytest.raises(NotImplementedError, match="derivative for 'zeta'"):
        gk.special.zeta(gk.tensor(x, requires_grad=True), 2.0).sum().backward()


def test_every_added_function_is_in_torch_special_only():
    for name in sorted(UNARY) + sorted(POLYNOMIALS) + ["zeta"]:
        assert hasattr(gk.special, name) and hasattr(torch.special, name)
        assert hasattr(gk, name) == hasattr(torch, name)
        assert hasattr(gk.Tensor, name) == hasattr(torch.Tensor, name)


@pytest.mark.parametrize("dtype", ["float16", "float32", "int64"])
def test_zeta_gradient_rounds_input_plus_one_in_inputs_dtype_as_torch(dtype):
    # torch's zeta backward: -input * zeta(input + 1., q), the sum in input's own dtype
    x = np.array([0.1, 1.7, 2.3, 3.9]) if dtype != "int64" else np.array([1, 2, 3, 4])
    q = np.array([0.5, 1.3, 2.2, 5.1])
    tq = torch.tensor(q, requires_grad=True)
    gq = gk.tensor(q, requires_grad=True)
    torch.special.zeta(torch.tensor(x).to(getattr(torch, dtype)), tq).sum().backward()
    gk.special.zeta(gk.tensor(x).to(getattr(gk, dtype)), gq).sum().backward()
    np.testing.assert_allclose(gq.grad.numpy(), tq.grad.numpy(), rtol=1e-13)


def test_polynomials_give_nan_where_torchs_recurrence_is_uninitialised():
    # PyTorch's result there is whatever its register held (0, or any number); NaN here
    for name in sorted(POLYNOMIALS):
        r = getattr(gk.special, name)(gk.tensor([np.nan, np.nan]), gk.tensor([1, 5]))
        assert np.isnan(r.numpy()).all(), name


def test_zeta_gradient_at_infinite_and_nan_input_as_torch():
    x = np.array([np.inf, np.inf, np.nan, 3.0])
    q = np.array([0.6, 2.0, 1.5, 2.5])
    tq = torch.tensor(q, requires_grad=True)
    gq = gk.tensor(q, requires_grad=True)
    torch.special.zeta(torch.tensor(x), tq).sum().backward()
    gk.special.zeta(gk.tensor(x), gq).sum().backward()
    np.testing.assert_allclose(gq.grad.numpy(), tq.grad.numpy(), rtol=1e-13)

"""gradkit.fft against torch.fft: values, dtypes, gradients (torch and finite differences),
argument errors."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

NORMS = (None, "ortho", "forward")
# (name, input shape, complex input, kwargs)
CASES = [
    ("fft", (5,), True, {}), ("fft", (3, 6), False, {"n": 8}),
    ("ifft", (3, 6), True, {"n": 4, "dim": 0}),
    ("rfft", (7,), False, {}), ("rfft", (3, 8), False, {"n": 5}),
    ("rfft", (3, 8), False, {"n": 12, "dim": 0}),
    ("irfft", (3, 5), True, {}), ("irfft", (3, 5), True, {"n": 7}),
    ("irfft", (6, 4), True, {"n": 4, "dim": 0}),
    ("fft2", (3, 4, 5), True, {}), ("ifft2", (3, 4, 5), True, {"s": (6, 3)}),
    ("fftn", (3, 4, 5), False, {}), ("ifftn", (3, 4, 5), True, {"dim": (0, 2)}),
    ("rfft2", (3, 4, 6), False, {}), ("irfft2", (3, 4, 4), True, {}),
    ("irfft2", (3, 4, 4), True, {"s": (5, 7)}),
    ("rfftn", (3, 4, 6), False, {}), ("irfftn", (3, 4, 4), True, {}),
    ("hfft", (5,), True, {}), ("hfft", (2, 5), True, {"n": 9}), ("ihfft", (2, 7), False, {}),
    ("hfft2", (3, 4, 4), True, {}), ("ihfft2", (3, 4, 6), False, {}),
    ("hfftn", (3, 4, 4), True, {}), ("ihfftn", (3, 4, 6), False, {}),
]


def _arr(rng, shape, cplx):
    a = rng.standard_normal(shape)
    return a + 1j * rng.standard_normal(shape) if cplx else a


def _np(t):
    return t.detach().resolve_conj().resolve_neg().numpy()


def _loss(lib, out, w):
    y = out * lib.tensor(w)
    return y.real.sum() if out.is_complex() else y.sum()


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name,shape,cplx,kw", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_transform_and_gradient_match_torch(name, shape, cplx, kw, norm):
    rng = np.random.default_rng(len(shape) * 7 + len(kw))
    a = _arr(rng, shape, cplx)
    g = gk.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    go = getattr(gk.fft, name)(g, norm=norm, **kw)
    to = getattr(torch.fft, name)(t, norm=norm, **kw)
    assert str(go.dtype).split(".")[-1] == str(to.dtype).split(".")[-1]
    assert tuple(go.shape) == tuple(to.shape)
    np.testing.assert_allclose(_np(go), _np(to), rtol=1e-10, atol=1e-10)
    w = _arr(rng, tuple(to.shape), to.is_complex())
    _loss(gk, go, w).backward()
    _loss(torch, to, w).backward()
    np.testing.assert_allclose(_np(g.grad), _np(t.grad), rtol=1e-10, atol=1e-10)
    # finite differences, the real and imaginary parts as separate real inputs
    fn = getattr(gk.fft, name)
    eps = 1e-6
    d = _arr(rng, shape, cplx)
    plus = _loss(gk, fn(gk.tensor(a + eps * d), norm=norm, **kw), w).item()
    minus = _loss(gk, fn(gk.tensor(a - eps * d), norm=norm, **kw), w).item()
    fd = (plus - minus) / (2 * eps)
    an = float(np.sum(np.real(np.conj(g.grad.numpy()) * d)))
    assert abs(fd - an) < 1e-5 * max(1.0, abs(fd))


@pytest.mark.parametrize("dtype,expected", [("float32", "complex64"), ("float64", "complex128"),
                                            ("int64", "complex64"), ("bool", "complex64")])
def test_real_inputs_promote_as_torch(dtype, expected):
    x = gk.ones(4, dtype=getattr(gk, dtype))
    assert gk.fft.fft(x).dtype == getattr(gk, expected)
    assert str(torch.fft.fft(torch.ones(4, dtype=getattr(torch, dtype))).dtype) == \
        f"torch.{expected}"
    assert gk.fft.rfft(x).dtype == getattr(gk, expected)
    assert gk.fft.irfft(gk.fft.rfft(x)).dtype == getattr(gk, expected).to_real()


@pytest.mark.parametrize("call", [
    lambda m, x: m.fft.fft(x, norm="bad"), lambda m, x: m.fft.fft(x, n=0),
    lambda m, x: m.fft.fft(x, dim=1), lambda m, x: m.fft.rfft(x.to(m.cfloat)),
    lambda m, x: m.fft.fftn(x, s=(2, 3)), lambda m, x: m.fft.fft2(x),
    lambda m, x: m.fft.fftn(x.reshape(2, 2), dim=(0, 0)),
    lambda m, x: m.fft.irfft(x.to(m.cfloat), n=-1), lambda m, x: m.fft.fft(x.half()),
])
def test_errors_as_torch(call):
    with pytest.raises(Exception) as t_err:
        call(torch, torch.randn(4))
    with pytest.raises(Exception) as g_err:
        call(gk, gk.randn(4))
    assert type(g_err.value) is type(t_err.value), (g_err.value, t_err.value)


def test_out_argument():
    x = gk.randn(6)
    out = gk.empty(0, dtype=gk.cfloat)
    r = gk.fft.fft(x, out=out)
    assert r is out and tuple(out.shape) == (6,)
    np.testing.assert_allclose(out.numpy(), np.fft.fft(x.numpy()), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n,d", [(1, 1.0), (5, 1.0), (8, 0.1), (7, 2.5)])
def test_fftfreq_and_shifts(n, d):
    for name in ("fftfreq", "rfftfreq"):
        g = getattr(gk.fft, name)(n, d)
        t = getattr(torch.fft, name)(n, d)
        assert g.dtype == gk.float32 and tuple(g.shape) == tuple(t.shape)
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6)
    a = np.arange(n * 3).reshape(3, n)
    for name in ("fftshift", "ifftshift"):
        for dim in (None, 1, (0, 1)):
            g = getattr(gk.fft, name)(gk.tensor(a), dim=dim)
            t = getattr(torch.fft, name)(torch.tensor(a), dim=dim)
            np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_float32_values_close_to_torch():
    x = np.random.default_rng(3).standard_normal((4, 16)).astype(np.float32)
    g = gk.fft.rfft2(gk.tensor(x))
    t = torch.fft.rfft2(torch.tensor(x))
    assert g.dtype == gk.complex64
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-5, atol=1e-5)


def test_double_backward_against_torch():
    """The FFT rules are differentiable again (create_graph): a gradient penalty of a spectrum
    (more cases in tests/functions/test_complex_higher_order.py)."""
    x0 = np.random.default_rng(4).standard_normal(8)
    res = []
    for m in (gk, torch):
        x = m.tensor(x0, requires_grad=True)
        y = m.fft.rfft(x).real.pow(2).sum() + m.fft.irfft(m.fft.fft(x * x)[:5]).pow(3).sum()
        g, = m.autograd.grad(y, [x], create_graph=True)
        h, = m.autograd.grad((g * g).sum(), [x])
        res.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-10)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2",
                                  "rfftn", "fftn", "irfftn", "hfftn", "ihfft2", "fftshift",
                                  "ifftshift"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": ()}, {"dim": -1}, {"dim": (0,)}])
@pytest.mark.parametrize("shape", [(), (4,), (3, 4)])
def test_fft_dims_of_0d_and_no_dims_as_torch(name, kwargs, shape):
    # a 0-d input raised a raw IndexError (tuple index out of range) or was transformed;
    # fftshift over no dims returned a copy where PyTorch's roll needs shifts
    def outcome(m):
        try:
            return tuple(getattr(m.fft, name)(m.ones(shape, dtype=m.float64), **kwargs).shape)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            return type(e).__name__

    assert outcome(gk) == outcome(torch)


@pytest.mark.parametrize("name", ["fft", "rfft", "fft2", "ifft2", "rfft2", "irfft2", "hfft2",
                                  "ihfft2", "fftn", "rfftn"])
@pytest.mark.parametrize("shape", [(), (4,), (3, 4)])
@pytest.mark.parametrize("dtype", ["float16", "int64"])
def test_fft_dims_or_dtype_first_as_torch(name, shape, dtype):
    # the 2-D transforms check their dims before the dtype in PyTorch (float16 of a 0-d or
    # 1-D input: IndexError, was the dtype's RuntimeError)
    def outcome(m):
        try:
            return tuple(getattr(m.fft, name)(m.ones(shape, dtype=getattr(m, dtype))).shape)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            return type(e).__name__

    assert outcome(gk) == outcome(torch)


@pytest.mark.parametrize("name", ["fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn",
                                  "fft2", "irfft2"])
@pytest.mark.parametrize("kwargs", [{"dim": (0, 3)}, {"dim": 5}, {"dim": (0, 0)},
                                    {"s": (1, 2, 3, 4)}, {"s": (2, 2), "dim": (0, -4)}])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_fft_n_d_dims_before_dtype_as_torch(name, kwargs, dtype):
    # the n-D transforms canonicalize dim and s before they read the dtype: a float16 input
    # with a dim out of range is an IndexError (was the dtype's RuntimeError)
    def outcome(m):
        try:
            x = m.ones((2, 3, 4), dtype=getattr(m, dtype))
            return tuple(getattr(m.fft, name)(x, **kwargs).shape)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            return type(e).__name__

    assert outcome(gk) == outcome(torch)


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
@pytest.mark.parametrize("n", [-5, -3, -1, 0, 1, 8, 9])
@pytest.mark.parametrize("d", [1.0, 0.0, -2.0])
def test_fftfreq_degenerate_n_and_d_as_torch(name, n, d):
    # d=0 raised ZeroDivisionError/ValueError, a negative n was accepted (fftfreq) or read as
    # Python's floor division (rfftfreq); PyTorch gives inf/NaN from C's 1 / (n * d)
    def outcome(m):
        try:
            return getattr(m.fft, name)(n, d).numpy()
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            return type(e).__name__

    got, want = outcome(gk), outcome(torch)
    if isinstance(want, str):
        assert got == want
    else:
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("call", [
    lambda m: m.fft.rfft(m.tensor(0.879), n=0, norm="forward"),
    lambda m: m.fft.fft(m.tensor(0.5), n=-1),
    lambda m: m.fft.fft(m.ones(3), n=0, dim=5),
    lambda m: m.fft.rfft(m.ones(3, dtype=m.complex64), n=0),
    lambda m: m.fft.fft(m.ones(3), n=0, norm="bad"),
    lambda m: m.fft.ihfft(m.ones(3), n=-1),
    lambda m: m.fft.fft(m.ones(3), n=2.0),
    lambda m: m.fft.fft(m.ones(3), n=True),
    lambda m: m.fft.fft(m.ones(3), n=m.tensor(2)),
])
def test_fft_n_checked_after_the_dim_and_dtype_as_torch(call):
    # a 1-D transform's n is PyTorch's int (a float or bool: TypeError), checked after the dim
    # (a 0-d input: IndexError) and the dtype (it was checked first, a RuntimeError)
    try:
        want = call(torch)
    except Exception as e:  # noqa: BLE001 - compared by type
        with pytest.raises(type(e)):
            call(gk)
        return
    np.testing.assert_allclose(call(gk).numpy(), want.numpy(), rtol=1e-6)

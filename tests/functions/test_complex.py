"""Complex tensors against torch: creation, views, printing, random streams, save/load,
gradients (torch and finite differences, real and imaginary parts as separate real inputs),
optimizers, and the guard's refusals."""

import io
import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(5)


def _c(*shape):
    return _rng.standard_normal(shape) + 1j * _rng.standard_normal(shape)


def _np(t):
    return t.detach().resolve_conj().resolve_neg().numpy() if isinstance(t, torch.Tensor) \
        else t.detach().numpy()


# ------------------------------------------------------------------ creation and basics
def test_creation_dtypes_as_torch():
    for data in ([1 + 2j, 3], [[1j], [2.0]], 0.5j, np.array([1j], np.complex64),
                 np.array([1j])):
        g, t = gk.tensor(data), torch.tensor(data)
        assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(g.numpy(), t.numpy())
    for name in ("zeros", "ones", "empty"):
        for dt in ("cfloat", "cdouble"):
            g = getattr(gk, name)(2, 3, dtype=getattr(gk, dt))
            assert g.dtype == getattr(gk, dt) and g.is_complex()
    assert gk.full((2,), 1 + 1j).dtype == gk.complex64
    assert gk.eye(2, dtype=gk.cdouble).dtype == gk.complex128
    z = gk.tensor([1 + 2j])
    assert gk.zeros_like(z).dtype == gk.complex64 and gk.ones_like(z).is_complex()
    assert gk.ones(2).cfloat().dtype == gk.complex64 and gk.ones(2).cdouble().dtype == \
        gk.complex128
    assert gk.ones(2).to(gk.cfloat).dtype == gk.complex64


def test_random_streams_match_torch():
    for dt in ("cfloat", "cdouble"):
        for fn in ("randn", "rand"):
            gk.manual_seed(3)
            torch.manual_seed(3)
            g = getattr(gk, fn)(5, 7, dtype=getattr(gk, dt))
            t = getattr(torch, fn)(5, 7, dtype=getattr(torch, dt))
            np.testing.assert_array_equal(g.numpy(), t.numpy())
            g2 = gk.randn_like(g)
            t2 = torch.randn_like(t)
            np.testing.assert_array_equal(g2.numpy(), t2.numpy())


def test_printing_as_torch():
    for data in ([1 + 2j, 3 - 1j], [[1e-5 + 3j, 100 - 2j], [0.5j, -1]], [0j], 2.5 - 1j,
                 [[1.5 + 0.25j] * 3] * 2):
        for dt in (torch.complex64, torch.complex128):
            t = torch.tensor(data, dtype=dt)
            g = gk.tensor(data, dtype=getattr(gk, str(dt).split(".")[-1]))
            assert repr(g).replace("gradkit", "torch") == repr(t)


def test_views_share_memory_as_torch():
    z = gk.tensor([1 + 2j, 3 - 1j])
    gk.view_as_real(z)[0, 1] = 7
    assert z.tolist() == [1 + 7j, 3 - 1j]
    z.real[1] = 5
    z.imag.mul_(2)
    assert z.tolist() == [1 + 14j, 5 - 2j]
    x = gk.tensor([[1.0, 2.0], [3.0, 4.0]])
    gk.view_as_complex(x)[0] = 9j
    assert x.tolist() == [[0.0, 9.0], [3.0, 4.0]]
    r = gk.tensor([1.0, 2.0])
    assert r.real is r
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        r.imag
    with pytest.raises(RuntimeError):
        gk.view_as_real(r)
    with pytest.raises(RuntimeError):
        gk.view_as_complex(gk.zeros(3, 3))


def test_conversions_item_tolist_numpy():
    z = gk.tensor([1 + 2j, 3 - 1j])
    assert z[0].item() == 1 + 2j and z.tolist() == [1 + 2j, 3 - 1j]
    a = z.numpy()
    assert type(a) is np.ndarray and a.dtype == np.complex64
    a[0] = 0
    assert z[0].item() == 0
    assert not z.is_conj() and z.resolve_conj() is z and z.resolve_neg() is z
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        f = z.float()
    assert f.dtype == gk.float32 and f.tolist() == [0.0, 3.0]
    assert any("discards the imaginary part" in str(x.message) for x in w)


def test_save_load_round_trip():
    z = gk.tensor([1 + 2j, 3 - 1j])
    b = io.BytesIO()
    gk.save({"z": z}, b)
    b.seek(0)
    assert gk.load(b)["z"].tolist() == z.tolist()
    b = io.BytesIO()
    gk.save(z.cdouble(), b, format="torch")
    b.seek(0)
    t = torch.load(b)
    assert t.dtype == torch.complex128 and t.tolist() == z.tolist()
    b = io.BytesIO()
    torch.save(torch.tensor([1 + 2j]), b)
    b.seek(0)
    g = gk.load(b)
    assert g.dtype == gk.complex64 and g.tolist() == [1 + 2j]


def test_python_complex_numbers_promote_as_torch():
    cases = [lambda m, z: z / (1 + 2j), lambda m, z: (1 + 2j) / z, lambda m, z: z * 2j,
             lambda m, z: m.tensor([1, 2]) * 1j, lambda m, z: m.tensor([1.0, 2.0]) / 2j,
             lambda m, z: 1j - m.tensor([1.0, 2.0]), lambda m, z: m.tensor([1.0, 2.0]) ** 1j,
             lambda m, z: z ** 2, lambda m, z: z + m.tensor([1.0, 2.0])]
    a = np.array([1 + 0.5j, -2 + 3j], np.complex64)
    for f in cases:
        g, t = f(gk, gk.tensor(a)), f(torch, torch.tensor(a))
        assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(g.numpy(), _np(t), rtol=1e-6)


# ------------------------------------------------------------------ gradients
UNARY = ["neg", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "abs", "angle", "sgn",
         "reciprocal", "square", "conj", "real", "imag", "sum", "mean", "cumsum", "sinh", "cosh",
         "rsqrt", "log1p", "expm1", "asin", "atan", "asinh", "flip", "view_as_real", "t",
         "log10", "log2"]


def _loss(lib, out, w):
    y = out * lib.tensor(w)
    return y.real.sum() if out.is_complex() else y.sum()


def _both(fn, arrays, check_fd=True):
    grads = []
    outs = []
    for lib in (gk, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        w = np.random.default_rng(1).standard_normal(tuple(out.shape))
        if out.is_complex():
            w = w + 1j * np.random.default_rng(2).standard_normal(tuple(out.shape))
        outs.append(out)
        if lib is torch:
            assert str(outs[0].dtype).split(".")[-1] == str(out.dtype).split(".")[-1]
            np.testing.assert_allclose(_np(outs[0]), _np(out), rtol=1e-10, atol=1e-12)
        grads.append([_np(g) for g in lib.autograd.grad(_loss(lib, out, w), xs)])
        if lib is gk and check_fd:
            eps = 1e-6
            for i, a in enumerate(arrays):
                d = np.random.default_rng(3).standard_normal(a.shape)
                if a.dtype.kind == "c":
                    d = d + 1j * np.random.default_rng(4).standard_normal(a.shape)
                args_p = [gk.tensor(b + eps * d if j == i else b) for j, b in enumerate(arrays)]
                args_m = [gk.tensor(b - eps * d if j == i else b) for j, b in enumerate(arrays)]
                fd = (_loss(gk, fn(gk, *args_p), w).item()
                      - _loss(gk, fn(gk, *args_m), w).item()) / (2 * eps)
                an = float(np.sum(np.real(np.conj(grads[0][i]) * d)))
                assert abs(fd - an) < 1e-5 * max(1.0, abs(fd)), (i, fd, an)
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", UNARY)
def test_unary_gradients_match_torch_and_finite_differences(name):
    a = _c(3, 4) + (0.5 if name in ("log", "sqrt", "rsqrt", "log10", "log2") else 0)
    args = {"cumsum": (1,), "flip": ((0, 1),)}.get(name, ())
    _both(lambda m, x: getattr(m, name)(x, *args) if name != "t" else x.t(), [a])


BINARY = {
    "add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b, "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b, "pow": lambda m, a, b: a ** b,
    "matmul": lambda m, a, b: a @ b.transpose(0, 1),
    "einsum": lambda m, a, b: m.einsum("ij,kj->ik", a, b),
    "cat": lambda m, a, b: m.cat([a, b], 1), "stack": lambda m, a, b: m.stack([a, b]),
    "where": lambda m, a, b: m.where(a.real > 0, a, b),
    "index": lambda m, a, b: a[:, 1:3] * b[0, :2],
    "reshape": lambda m, a, b: (a.reshape(4, 3) * 2).reshape(-1)[::2] + b.sum(),
}


# a real and a complex operand: the ops torch promotes (matmul/einsum refuse mixed dtypes in
# both; torch's where backward fails there)
MIXED = ("add", "sub", "mul", "div", "pow", "cat", "stack", "index", "reshape")


@pytest.mark.parametrize("name,kinds", [(n, "cc") for n in sorted(BINARY)]
                         + [(n, k) for n in MIXED for k in ("rc", "cr")])
def test_binary_gradients_match_torch_and_finite_differences(name, kinds):
    arrays = [_c(3, 4) if k == "c" else _rng.standard_normal((3, 4)) for k in kinds]
    if name == "pow":
        arrays[0] = arrays[0] + 2.0
    _both(BINARY[name], arrays)


def test_complex_and_polar_gradients():
    _both(lambda m, a, b: m.complex(a, b), [_rng.standard_normal(4), _rng.standard_normal(4)])
    _both(lambda m, a, b: m.polar(a, b), [_rng.uniform(0.5, 2, 4), _rng.standard_normal(4)])
    _both(lambda m, a: m.view_as_complex(a), [_rng.standard_normal((3, 2))])
    _both(lambda m, a: (a.abs() ** 2).sum() + a.angle().sum(), [_c(5)])


def test_polar_gradients_at_infinite_and_nan_values_as_torch():
    # PyTorch's angle gradient multiplies by i as a complex product: 0 * inf is NaN there
    inf, nan = float("inf"), float("nan")
    r = np.array([inf, 1.5, inf, nan, 0.0, 2.0])
    t = np.array([0.3, inf, -1.2, 0.5, 0.7, nan])
    g = np.array([1 - 2j, 0.5 + 1j, -1 + 0.25j, 2 + 1j, 1 + 1j, -1 - 1j])
    grads = []
    for lib in (gk, torch):
        a, b = lib.tensor(r, requires_grad=True), lib.tensor(t, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.polar(a, b).backward(lib.tensor(g))
        grads.append((a.grad.numpy(), b.grad.numpy()))
    for x, y in zip(*grads):
        np.testing.assert_allclose(x, y, rtol=1e-12, equal_nan=True)


def test_backward_of_a_complex_scalar_refuses_as_torch():
    z = gk.tensor([1 + 1j], requires_grad=True)
    with pytest.raises(RuntimeError):
        (z * 2).sum().backward()
    with pytest.raises(RuntimeError):
        torch.tensor([1 + 1j], requires_grad=True).mul(2).sum().backward()


# ------------------------------------------------------------------ optimizers
@pytest.mark.parametrize("name,kw", [
    ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True,
                                   "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01}), ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01}), ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"lr": 0.1}),
])
def test_optimizers_update_complex_parameters_as_torch(name, kw):
    w0, b0, x0 = _c(3, 4), _rng.standard_normal(4), _rng.standard_normal((5, 3))
    res = []
    for lib in (gk, torch):
        w = lib.tensor(w0.copy(), requires_grad=True)
        b = lib.tensor(b0.copy(), requires_grad=True)
        opt = getattr(lib.optim, name)([w, b], **kw)
        for _ in range(3):
            opt.zero_grad()
            y = lib.tensor(x0).to(lib.complex128) @ w + b
            loss = (y.abs() ** 2).mean() + y.angle().sum() * 0.1
            loss.backward()
            opt.step()
        res.append((_np(w).copy(), _np(b).copy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ the guard
@pytest.mark.parametrize("call,exc", [
    (lambda m, z: z < z, NotImplementedError), (lambda m, z: z.max(), RuntimeError),
    (lambda m, z: z.sort(), RuntimeError), (lambda m, z: m.relu(z), RuntimeError),
    (lambda m, z: z.clamp(0, 1), RuntimeError), (lambda m, z: z.floor(), NotImplementedError),
    (lambda m, z: z.sign(), NotImplementedError), (lambda m, z: z.argmax(), RuntimeError),
    (lambda m, z: m.maximum(z, z), RuntimeError), (lambda m, z: z.topk(1), RuntimeError),
    (lambda m, z: m.atan2(z, z), NotImplementedError),
    (lambda m, z: z % 2, NotImplementedError), (lambda m, z: z.softmax(0), RuntimeError),
])
def test_refusals_of_ops_torch_refuses(call, exc):
    with pytest.raises(exc):
        call(torch, torch.tensor([1 + 2j, 3 - 1j]))
    with pytest.raises(exc):
        call(gk, gk.tensor([1 + 2j, 3 - 1j]))


def test_unsupported_ops_refuse_with_a_clear_error():
    z = gk.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    m = z.reshape(1, 2).expand(2, 2)
    for call in (lambda: gk.erf(z), lambda: gk.lgamma(m)):
        with pytest.raises(NotImplementedError, match="complex tensors are not supported"):
            call()


def test_numpy_complex_warning_is_an_error_only_inside_gradkit():
    import gradkit._complex as gc
    from gradkit.ops import elementwise as E

    a = np.array([1 + 1j])
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("default")
        gc._install_filter()  # (what importing gradkit did; pytest resets the filters per test)
        a.astype(np.float64)  # user code: NumPy's warning, no error
        with pytest.raises(np.exceptions.ComplexWarning):
            E._cast_f(np, a, np.float64, a.dtype)  # inside gradkit: an error


def test_inplace_write_through_a_part_view_under_autograd_refuses():
    """PyTorch rebases the complex tensor's history (CopySlices); gradkit refuses rather than
    give a gradient that misses the write."""
    z = gk.tensor([1 + 2j, 3j], requires_grad=True)
    y = z * 1
    for write in (lambda: y.real.mul_(2), lambda: y.imag.__setitem__(0, 5.0),
                  lambda: gk.view_as_real(y)[0].zero_()):
        with pytest.raises(RuntimeError, match="in-place write"):
            write()
    with gk.no_grad():
        y.real.mul_(2)
    assert y.tolist() == [2 + 2j, 3j]


def test_mH_and_H_conjugate_as_torch():
    """``.mH``/``.H`` of a complex tensor is the conjugate transpose (it was the transpose)."""
    z = np.array([[[1 + 2j, 3j], [2 - 1j, 4.0]]])
    np.testing.assert_array_equal(gk.tensor(z).mH.numpy(),
                                  torch.tensor(z).mH.resolve_conj().numpy())
    np.testing.assert_array_equal(gk.tensor(z[0]).H.numpy(),
                                  torch.tensor(z[0]).H.resolve_conj().numpy())
    x = gk.tensor(z, requires_grad=True)
    t = torch.tensor(z, requires_grad=True)
    w = np.arange(4).reshape(1, 2, 2) * (1 - 1j)
    (x.mH * gk.tensor(w)).sum().real.backward()
    (t.mH * torch.tensor(w)).sum().real.backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_view_as_complex_of_float16_names_complex32():
    # PyTorch views a float16 pair as complex32, which gradkit (NumPy) does not have: the error
    # says so and how to go on, as complex() of float16 parts does
    with pytest.raises(RuntimeError, match=r"view_as_complex\(\).*complex32.*\.float\(\)"):
        gk.view_as_complex(gk.zeros(3, 2, dtype=gk.float16))


_COMPLEX_SCALAR_CASES = [
    # a real tensor and a Python complex number: a complex tensor (its data held as complex)
    ("float32 * 1j", lambda L: L.ones(2) * 1j),
    ("1j * float64", lambda L: 1j * L.ones(2, dtype=L.float64)),
    ("int64 + 1j", lambda L: L.ones(2, dtype=L.int64) + 1j),
    ("bool + 1j", lambda L: L.ones(2, dtype=L.bool) + 1j),
    ("bfloat16 * 2j", lambda L: L.ones(2, dtype=L.bfloat16) * 2j),
    ("float32 / (1+1j)", lambda L: L.ones(2) / (1 + 1j)),
    ("float32 ** 1j", lambda L: L.ones(2) ** 1j),
    ("add(float32, 1j)", lambda L: L.add(L.ones(2), 1j)),
    ("(float32 * 1j).imag", lambda L: (L.arange(3.0) * 1j).imag),
    ("(float32 * 1j).abs()", lambda L: (L.arange(3.0) * (1 + 2j)).abs()),
]


@pytest.mark.parametrize("name,make", _COMPLEX_SCALAR_CASES,
                         ids=[c[0] for c in _COMPLEX_SCALAR_CASES])
def test_real_tensor_with_complex_number_is_complex_as_torch(name, make):
    ours, theirs = make(gk), make(torch)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert ours.is_complex() == theirs.is_complex()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


_COMPLEX_INTO_REAL = [
    ("masked_fill", lambda L: L.ones(2).masked_fill(L.tensor([True, False]), 1j)),
    ("index_fill", lambda L: L.zeros(2).index_fill(0, L.tensor([0]), 1j)),
    ("fill_", lambda L: L.ones(2).fill_(1j)),
    ("new_full", lambda L: L.ones(2).new_full((2,), 1j)),
    ("full", lambda L: L.full((2,), 1j, dtype=L.float32)),
]


@pytest.mark.parametrize("name,make", _COMPLEX_INTO_REAL, ids=[c[0] for c in _COMPLEX_INTO_REAL])
def test_complex_number_into_real_tensor_raises_as_torch(name, make):
    # (new_full gave a real tensor of zeros, fill_ a raw TypeError, masked_fill NumPy's
    # ComplexWarning as an exception)
    with pytest.raises(RuntimeError):
        make(torch)
    with pytest.raises(RuntimeError, match="cannot be converted"):
        make(gk)

"""Activation layers and functions against PyTorch and finite differences."""

import numpy as np
import pytest
from oracle import check_grad, compare_layer, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn

# (gradkit constructor, torch constructor name, kwargs)
CASES = [
    ("ReLU", {}), ("ReLU6", {}), ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}),
    ("ELU", {}), ("ELU", {"alpha": 0.5}), ("CELU", {"alpha": 2.0}), ("SELU", {}),
    ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("Mish", {}),
    ("Softplus", {}), ("Softplus", {"beta": 2.0, "threshold": 5.0}), ("Sigmoid", {}),
    ("Tanh", {}), ("Hardtanh", {}), ("Hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("Softmax", {"dim": 1}), ("Softmax", {"dim": -1}), ("LogSoftmax", {"dim": 1}),
    ("Softmin", {"dim": 0}), ("Softsign", {}), ("Tanhshrink", {}), ("Hardswish", {}),
    ("Hardsigmoid", {}), ("LogSigmoid", {}), ("GLU", {}), ("Threshold", {"threshold": 0.1,
                                                                          "value": 20.0}),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}{k}" for n, k in CASES])
def test_activation_matches_torch(torch, name, kwargs):
    g = getattr(nn, name)(**kwargs)
    t = getattr(torch.nn, name)(**kwargs)
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((4, 6)) * 3).astype(np.float32)
    x[x == 0] = 0.1
    compare_layer(torch, g, t, [x], atol=2e-5)
    assert repr(g) == repr(t)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}{k}" for n, k in CASES])
def test_activation_float64_grad(name, kwargs):
    m = getattr(nn, name)(**kwargs)
    rng = np.random.default_rng(1)
    x = t64(rng, 3, 4)
    with gk.no_grad():  # keep away from kinks where finite differences are meaningless
        x.data.copy_(x + gk.tensor(np.sign(x.detach().numpy()) * 0.05))
    check_grad(lambda x: m(x) * 1.0, [x])


@pytest.mark.parametrize("num", [1, 3])
def test_prelu_matches_torch(torch, num):
    g = nn.PReLU(num)
    t = torch.nn.PReLU(num)
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    compare_layer(torch, g, t, [x])
    with pytest.raises(RuntimeError, match="channel"):
        nn.PReLU(5)(gk.randn(2, 3))


def test_softplus_no_overflow_and_gelu_extremes():
    x = gk.tensor([-1000.0, -30.0, 0.0, 30.0, 1000.0], requires_grad=True)
    y = F.softplus(x, beta=0.5, threshold=1000.0)
    assert np.isfinite(y.detach().numpy()).all()
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    z = F.gelu(gk.tensor([-50.0, 50.0]))
    np.testing.assert_allclose(z.numpy(), [0.0, 50.0], atol=1e-6)
    e = F.elu(gk.tensor([500.0], requires_grad=True))
    e.backward()
    assert np.isfinite(e.detach().numpy()).all()


def test_second_order_gelu_softplus():
    rng = np.random.default_rng(2)
    x = t64(rng, 5)

    def fn(x):
        with gk.enable_grad():
            (g,) = gk.autograd.grad((F.gelu(x) + F.softplus(x, 2.0)).sum(), [x],
                                    create_graph=True)
        return g * 1.0  # outside enable_grad: no graph during the finite differences

    check_grad(fn, [x])


def test_softmax_implicit_dim_and_functional_names():
    x = gk.randn(2, 3)
    np.testing.assert_allclose(F.softmax(x).sum(1).numpy(), [1, 1], rtol=1e-6)
    for name in ["relu", "leaky_relu", "elu", "gelu", "silu", "mish", "softplus", "hardtanh",
                 "sigmoid", "tanh", "softmax", "log_softmax", "relu6", "hardswish"]:
        assert callable(getattr(F, name))


def test_constructor_validation():
    with pytest.raises(RuntimeError, match="approximate"):  # (the forward's, as PyTorch)
        nn.GELU("fast")(gk.ones(2))
    with pytest.raises(ValueError, match="max_val"):
        nn.Hardtanh(1.0, -1.0)


def test_hardswish_branches_as_torch_at_special_values():
    """PyTorch's branches (x <= -3, x < 3, else): a NaN's gradient is 1, -inf's 0, the edges
    -3 and 3 take the outer branches; first and second order."""
    torch = pytest.importorskip("torch")
    vals = [-1.281, float("nan"), -5.0, 4.0, float("inf"), -float("inf"), 3.0, -3.0, 2.9999,
            -2.9999, 0.0]

    def run(L):
        x = L.tensor(vals, dtype=L.float64, requires_grad=True)
        y = L.nn.functional.hardswish(x)
        g, = L.autograd.grad(y.sum(), x, create_graph=True)
        g2, = L.autograd.grad((g * L.arange(11.0, dtype=L.float64)).sum(), x)
        return [t.detach().numpy() for t in (y, g, g2)]

    for a, b in zip(run(gk), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_gelu_of_inf_and_huge_is_torchs_scalar_kernel(torch, dtype):
    """+inf and 3e38 give PyTorch's scalar-kernel values (inf, 3e38) whatever the layout; its
    vectorized kernel (contiguous inputs) gives NaN and inf there, so the fuzzer allows it."""
    x = np.array([np.inf, 3e38, -3e38, 1.0] * 4, dtype=np.float32)
    g = F.gelu(gk.tensor(x).to(getattr(gk, dtype))).float().numpy()
    strided = torch.tensor(np.repeat(x, 2)).to(getattr(torch, dtype))[::2]  # scalar kernel
    t = torch.nn.functional.gelu(strided).float().numpy()
    np.testing.assert_array_equal(g, t)
    assert np.isposinf(g[0]) and g[3] == t[3]


_IMPLICIT_DIM_CALLS = [
    lambda m, x: m.nn.functional.softmax(x),
    lambda m, x: m.nn.functional.log_softmax(x),
    lambda m, x: m.nn.functional.softmin(x),
    lambda m, x: m.nn.Softmax()(x),
    lambda m, x: m.nn.LogSoftmax()(x),
    lambda m, x: m.nn.Softmin()(x),
]


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("call", range(len(_IMPLICIT_DIM_CALLS)))
def test_softmax_without_dim_warns_and_picks_torchs_dim(torch, call, shape):
    # F.softmax(x) with no dim (old tutorials' attention code): PyTorch's deprecation
    # UserWarning, and its legacy choice of dim
    import warnings

    data = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    got = []
    for m in (torch, gk):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            out = _IMPLICIT_DIM_CALLS[call](m, m.tensor(data))
        got.append((out.numpy(), [(w.category, str(w.message)) for w in seen]))
    np.testing.assert_allclose(got[1][0], got[0][0], rtol=1e-6, atol=1e-7)
    assert got[1][1] == got[0][1] and len(got[0][1]) == 1
    # and the warning names the caller's line, not gradkit's
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _IMPLICIT_DIM_CALLS[call](gk, gk.tensor(data))
    assert seen[0].filename == __file__


def test_softmax_with_dim_does_not_warn():
    import warnings

    x = gk.randn(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gk.nn.functional.softmax(x, dim=1)
        gk.nn.Softmax(dim=-1)(x)
        gk.softmax(x, 0)
        x.softmax(-1)


@pytest.mark.parametrize("name", ["relu6", "hardtanh", "Hardtanh", "ReLU6"])
def test_hardtanh_gradient_at_nan_and_at_the_limits_as_torch(torch, name):
    # PyTorch's hardtanh backward passes the gradient at a NaN input and stops it at an input
    # on a limit (gradkit used clamp's rule: the opposite at both)
    from oracle import same_as_torch

    def run(L):
        x = L.tensor([float("nan"), 1.0, 7.0, -1.0, 0.0, 6.0, 0.5, -2.0], dtype=L.float64,
                     requires_grad=True)
        f = getattr(L.nn, name)() if name[0].isupper() else getattr(L.nn.functional, name)
        y = f(x)
        y.backward(L.arange(8.0, dtype=L.float64))
        return y, x.grad

    same_as_torch(torch, run)


def _I(L, *s):
    return L.ones(*s, dtype=L.int64)


def _B(L, *s):
    return L.ones(*s, dtype=L.bool)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("call", [
    # PyTorch's kernels of these dispatch on floating dtypes only (NotImplementedError); gradkit
    # computed an integer or bool input in float32
    lambda L: L.nn.functional.gelu(_I(L, 3)),
    lambda L: L.nn.functional.gelu(_B(L, 3), approximate="tanh"),
    lambda L: L.nn.functional.gelu(_I(L, 3), approximate="bad"),  # (the string first)
    lambda L: L.nn.functional.softshrink(_I(L, 3), -1.0),  # (the dtype before lambda)
    lambda L: L.nn.functional.softshrink(_B(L, 3), 0.5),
    lambda L: L.nn.functional.glu(_I(L, 4)),
    lambda L: L.nn.functional.glu(_B(L, 3)),  # (the halving check first)
    lambda L: L.nn.functional.silu(_I(L, 3), inplace=True),
    lambda L: L.nn.functional.mish(_I(L, 0)),
    lambda L: L.nn.functional.hardswish(_B(L, 3), inplace=True),
    lambda L: L.nn.functional.hardsigmoid(_I(L, 3), inplace=True),
    lambda L: L.nn.functional.softplus(_I(L, 3), beta=0.5),
    lambda L: L.nn.functional.softsign(_B(L, 3)),
    lambda L: L.nn.functional.softsign(_I(L, 3)),  # (int64 has abs: float32 result)
    lambda L: L.nn.SiLU()(_B(L, 3)),
])
def test_activation_integer_and_bool_inputs_as_torch(torch, call):
    from oracle import same_as_torch

    try:
        call(torch)
    except Exception as te:  # noqa: BLE001 - the type is compared with PyTorch's
        with pytest.raises(type(te)):
            call(gk)
        return
    same_as_torch(torch, call)


@pytest.mark.parametrize("slope", [float("inf"), -float("inf"), float("nan")])
@pytest.mark.parametrize("name", ["leaky_relu", "rrelu"])
def test_leaky_relu_gradient_with_a_non_finite_slope_as_torch(torch, name, slope):
    # the positive side's gradient is 1 whatever the slope; gradkit gave NaN there for an
    # infinite slope (0 * inf through where's unselected branch)
    from oracle import same_as_torch

    def run(L):
        x = L.tensor([2.026, -1.5, 0.5, -0.25], dtype=L.float64, requires_grad=True)
        F_ = L.nn.functional
        y = F_.leaky_relu(x, slope) if name == "leaky_relu" else F_.rrelu(x, slope, slope)
        y.backward(L.tensor([0.125, 1.0, -2.0, 0.5], dtype=L.float64))
        return y, x.grad

    same_as_torch(torch, run)


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
@pytest.mark.parametrize("limits", [(-0.5, float("nan")), (-0.5, float("inf")),
                                    (-float("inf"), 1.0), (0.0, 1e20), (-3.0, 2.0),
                                    (0.0, 1000.0), (0.0, 1e10)])
def test_hardtanh_integer_input_limits_as_torch(torch, dtype, limits):
    # PyTorch converts the limits to int64 first: a NaN, infinite or out-of-range limit is its
    # RuntimeError; gradkit raised Python's ValueError / OverflowError or NumPy's TypeError
    from oracle import same_as_torch

    def run(L):
        x = L.tensor([1, 2, 3, 200], dtype=getattr(L, dtype))
        return L.nn.functional.hardtanh(x, *limits)

    try:
        run(torch)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="hardtanh|clamp"):
            run(gk)
        return
    same_as_torch(torch, run)


@pytest.mark.parametrize("approximate", ["", "bogus", "TANH", "tanh", "none"])
def test_gelu_module_checks_approximate_in_forward(torch, approximate):
    """nn.GELU takes any approximate string at construction and its forward refuses an unknown
    one with gelu's RuntimeError, as PyTorch (the constructor raised ValueError)."""
    def run(lib):
        try:
            m = lib.nn.GELU(approximate=approximate)
        except (ValueError, RuntimeError) as e:
            return "ctor", type(e).__name__
        try:
            return "ok", m(lib.tensor([-1.0, 0.5])).tolist()
        except (ValueError, RuntimeError) as e:
            return "forward", type(e).__name__
    got, want = run(gk), run(torch)
    assert got[0] == want[0]
    if got[0] == "ok":
        np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
    else:
        assert got == want


@pytest.mark.parametrize("name", ["hardswish", "elu", "celu", "selu"])
@pytest.mark.parametrize("n", [3, 11, 20])
def test_float64_nan_gradient_in_vector_body_as_torch(name, n):
    """PyTorch's float64 gradients of these at a NaN input: NaN in its vectorized steps, the
    scalar branch's value in its tail (how many elements each takes follows the processor)."""
    torch = pytest.importorskip("torch")
    vals = [float("nan") if i % 2 else 0.5 * i - 2 for i in range(n)]

    def run(L):
        x = L.tensor(vals, dtype=L.float64, requires_grad=True)
        g, = L.autograd.grad(getattr(L.nn.functional, name)(x).sum(), x)
        return g.numpy()

    np.testing.assert_allclose(run(gk), run(torch), rtol=1e-12, atol=1e-15)

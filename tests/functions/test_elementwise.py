"""gradkit/functions/elementwise.py beyond the registry samples: atan2/arctan2, hypot,
logaddexp, logaddexp2, xlogy, sinc, nan_to_num. Values, dtypes and gradients against PyTorch,
central differences, second order, special values, errors."""

import numpy as np
import pytest
from oracle import both, check_grad, check_second_order, dtype_name, same_as_torch

import gradkit as gk

R = np.random.default_rng(1)
A = R.standard_normal((3, 4))
B = R.standard_normal((3, 4))
POS = R.uniform(0.5, 2.0, (3, 4))
SPECIAL = np.zeros((3, 4))
SPECIAL[0, 1], SPECIAL[1, 2], SPECIAL[2, 0], SPECIAL[2, 3] = np.nan, np.inf, -np.inf, np.nan

# name, fn(lib, x, y), x, y (broadcasting shapes included)
BINARY = [
    ("atan2", lambda m, x, y: m.atan2(x, y), A, B),
    ("atan2_bcast", lambda m, x, y: x.atan2(y), A, B[:1]),
    ("arctan2", lambda m, x, y: m.arctan2(x, y), A[0], B),
    ("hypot", lambda m, x, y: m.hypot(x, y), A, B),
    ("hypot_bcast", lambda m, x, y: x.hypot(y), A[:, :1], B),
    ("logaddexp", lambda m, x, y: m.logaddexp(x, y), A, B),
    ("logaddexp_bcast", lambda m, x, y: x.logaddexp(y), A, B[0]),
    ("logaddexp2", lambda m, x, y: m.logaddexp2(x, y), A, B),
    ("logaddexp2_big", lambda m, x, y: x.logaddexp2(y), A * 800, B * 800),
    ("xlogy", lambda m, x, y: m.xlogy(x, y), A, POS),
    ("xlogy_bcast", lambda m, x, y: x.xlogy(y), A[:1], POS),
]

UNARY = [
    ("sinc", lambda m, x: m.sinc(x), A),
    ("sinc_method", lambda m, x: (x * 3).sinc(), A),
    ("xlogy_scalar_x", lambda m, x: m.xlogy(2.0, x), POS),
    ("xlogy_scalar_y", lambda m, x: m.xlogy(x, 3.0), A),
    ("nan_to_num", lambda m, x: m.nan_to_num(m.where(m.tensor(SPECIAL) != 0,
                                                     m.tensor(SPECIAL), x)), A),
    ("nan_to_num_args", lambda m, x: m.where(m.tensor(SPECIAL) != 0, m.tensor(SPECIAL), x)
     .nan_to_num(1.0, 2.0, -3.0), A),
]


@pytest.mark.parametrize("name,fn,x,y", BINARY, ids=[c[0] for c in BINARY])
def test_binary_against_torch(torch, name, fn, x, y):
    both(torch, fn, x, y)
    check_grad(lambda a, b: fn(gk, a, b), [gk.tensor(x, requires_grad=True),
                                           gk.tensor(y, requires_grad=True)])
    if "big" not in name:
        check_second_order(lambda a, b: fn(gk, a, b), [gk.tensor(x, requires_grad=True),
                                                       gk.tensor(y, requires_grad=True)])


@pytest.mark.parametrize("name,fn,x", UNARY, ids=[c[0] for c in UNARY])
def test_unary_against_torch(torch, name, fn, x):
    with np.errstate(all="ignore"):
        both(torch, fn, x)
        x64 = gk.tensor(x, requires_grad=True)
        check_grad(lambda a: fn(gk, a), [x64])
        if name in ("sinc", "sinc_method", "xlogy_scalar_x"):  # (xlogy(x, c) is linear)
            check_second_order(lambda a: fn(gk, a), [x64])


@pytest.mark.parametrize("fn", [
    lambda m, x, y: m.atan2(x, y), lambda m, x, y: m.hypot(x, y),
    lambda m, x, y: m.logaddexp(x, y), lambda m, x, y: m.logaddexp2(x, y),
    lambda m, x, y: m.xlogy(x, y), lambda m, x, y: m.sinc(x),
    lambda m, x, y: m.nan_to_num(x),
], ids=["atan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "sinc", "nan_to_num"])
@pytest.mark.parametrize("dtypes", [("int64", "int64"), ("int32", "float64"),
                                    ("float32", "float64"), ("bool", "int64")])
def test_dtypes(torch, fn, dtypes):
    x = (np.arange(6).reshape(2, 3) % 3).astype(dtypes[0])
    y = (np.arange(6).reshape(2, 3) % 4 + 1).astype(dtypes[1])
    try:
        t_out = fn(torch, torch.tensor(x), torch.tensor(y))
    except (RuntimeError, NotImplementedError):
        pytest.skip("torch does not support these dtypes here")
    g_out = fn(gk, gk.tensor(x), gk.tensor(y))
    assert dtype_name(g_out.dtype) == dtype_name(t_out.dtype)
    np.testing.assert_allclose(g_out.numpy(), t_out.numpy(), rtol=1e-6, atol=1e-6)


def test_special_values(torch):
    inf, nan = np.inf, np.nan
    x = np.array([0.0, 0.0, 0.0, 1.0, -inf, inf, nan, 2.0, -1.0, 0.0, 0.0])
    y = np.array([0.0, -1.0, nan, 0.0, -inf, inf, 1.0, inf, -inf, inf, -inf])
    with np.errstate(all="ignore"):
        for fn in (lambda m, a, b: m.xlogy(a, b), lambda m, a, b: m.atan2(a, b),
                   lambda m, a, b: m.hypot(a, b), lambda m, a, b: m.logaddexp(a, b),
                   lambda m, a, b: m.logaddexp2(a, b)):
            both(torch, fn, x, y, grad=False)
        both(torch, lambda m, a: m.sinc(a), np.array([0.0, 1.0, -2.5, inf, nan]), grad=False)
        both(torch, lambda m, a: m.nan_to_num(a), x.astype(np.float32), grad=False)
        both(torch, lambda m, a: m.nan_to_num(a, posinf=5.0), x, grad=False)


def test_xlogy_gradient_at_zero_matches_torch(torch):
    x = np.array([0.0, 0.0, 0.0, 1.5])
    y = np.array([2.0, 0.5, -1.0, 3.0])
    both(torch, lambda m, a, b: m.xlogy(a, b), x, y)  # d/dx = log(y), and 0 where y <= 0


def test_sinc_gradient_at_zero(torch):
    both(torch, lambda m, a: m.sinc(a), np.array([0.0, 0.5, -1.0]))


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_sinc_accurate_near_zero(dtype, rtol):
    # sin(px) / px differentiated as a quotient cancels two terms of size 1/px: at x = 1e-20 in
    # float32 that gave a gradient of about -1e13 instead of -3.3e-20
    mpmath = pytest.importorskip("mpmath")
    xs = np.array([1e-20, -1e-8, 1e-4, -1e-3, 0.02, 0.03, -0.15, 0.16, 0.4], dtype=dtype)
    x = gk.tensor(xs, requires_grad=True)
    y = gk.sinc(x)
    y.sum().backward()
    ref_y, ref_g = [], []
    with mpmath.workdps(100):  # the reference cancels as much as the quotient rule does
        for v in xs.astype(np.float64):
            px = mpmath.pi * mpmath.mpf(float(v))
            ref_y.append(float(mpmath.sin(px) / px))
            ref_g.append(float(mpmath.pi * (mpmath.cos(px) - mpmath.sin(px) / px) / px))
    assert y.dtype == x.grad.dtype == x.dtype
    np.testing.assert_allclose(y.detach().numpy(), ref_y, rtol=rtol)
    np.testing.assert_allclose(x.grad.numpy(), ref_g, rtol=10 * rtol, atol=0)


def test_sinc_small_arguments_second_order():
    x = gk.tensor(R.uniform(-0.05, 0.05, (2, 3)), requires_grad=True)
    check_grad(gk.sinc, [x])
    check_second_order(gk.sinc, [x])


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_logaddexp_gradient_at_infinities(torch, name):
    # PyTorch's weights 1 / (1 + exp(b - a)): 1 next to +inf (exp(a - out) gave NaN there),
    # and no overflow warning for far-apart arguments
    inf = np.inf
    x = np.array([inf, 1.0, -inf, -inf, inf, 3.0, -2000.0])
    y = np.array([1.0, inf, 2.0, -inf, inf, 3.0, 2000.0])
    with np.errstate(invalid="ignore"):
        both(torch, lambda m, a, b: getattr(m, name)(a, b), x, y)
    a = gk.tensor([-2000.0, 2000.0], dtype=gk.float64, requires_grad=True)
    with np.errstate(over="raise"):
        getattr(gk, name)(a, a.flip(0)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 2.0])


def test_atan2_gradient_at_origin_is_zero(torch):
    # PyTorch's subgradient at (0, 0); g / (a^2 + b^2) there is inf, and inf * 0 was NaN
    x, y = np.array([0.0, -0.0, 1.0]), np.array([0.0, 0.0, 2.0])
    both(torch, lambda m, a, b: m.atan2(a, b), x, y)
    a, b = gk.tensor(x, requires_grad=True), gk.tensor(y, requires_grad=True)
    ga, gb = gk.autograd.grad(gk.atan2(a, b).sum(), [a, b], create_graph=True)
    assert np.isfinite(ga.detach().numpy()).all() and np.isfinite(gb.detach().numpy()).all()


def test_nan_to_num_gradient_zero_where_replaced():
    x = gk.tensor([np.nan, 1.0, np.inf, -2.0], dtype=gk.float64, requires_grad=True)
    (gk.nan_to_num(x, posinf=1.0) * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 3.0, 0.0, 3.0])


def test_0d_and_empty(torch):
    for fn in (lambda m, a, b: m.atan2(a, b), lambda m, a, b: m.hypot(a, b),
               lambda m, a, b: m.logaddexp(a, b), lambda m, a, b: m.xlogy(a, b)):
        both(torch, fn, np.array(0.5), np.array(2.0))
        both(torch, fn, np.zeros((0, 3)), np.zeros((1, 3)), grad=False)
    both(torch, lambda m, a: m.sinc(a), np.array(0.25))
    both(torch, lambda m, a: m.nan_to_num(a), np.zeros((0,)), grad=False)


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda: gk.atan2(gk.zeros(3), gk.zeros(4)), RuntimeError, r"atan2.*\(3,\).*\(4,\)"),
    (lambda: gk.hypot(gk.zeros(2, 3), gk.zeros(3, 2)), RuntimeError, r"hypot.*\(2, 3\)"),
    (lambda: gk.logaddexp(gk.zeros(3), gk.zeros(2)), RuntimeError, r"logaddexp.*broadcast"),
    (lambda: gk.xlogy(gk.zeros(3), gk.zeros(2)), RuntimeError, r"xlogy.*broadcast"),
    (lambda: gk.xlogy(gk.zeros(3), "a"), TypeError, r"operand must be a Tensor.*str"),
    (lambda: gk.atan2(gk.zeros(3), "a"), TypeError, r"other must be a Tensor.*str"),
])
def test_errors(call, exc, pattern):
    args = (gk.zeros(3, 4),) if call.__code__.co_argcount else ()  # a call of x: a 3x4 tensor
    with pytest.raises(exc, match=pattern):
        call(*args)


def test_nan_to_num_inplace(torch):
    arr = np.array([np.nan, 1.0, np.inf, -2.0, -np.inf], dtype=np.float32)
    x = gk.tensor(arr)
    assert x.nan_to_num_(posinf=9.0) is x
    np.testing.assert_array_equal(x.numpy(), torch.tensor(arr).nan_to_num_(posinf=9.0).numpy())
    w = gk.tensor(arr.astype(np.float64), requires_grad=True)
    y = w * 2.0
    y.nan_to_num_()
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 2.0, 0.0, 2.0, 0.0])


# ------------------------------------------------------------------ found by the fuzzer
def test_integer_tensor_to_negative_integer_tensor_powers_as_torch():
    torch = pytest.importorskip("torch")
    base = [-3, -2, -1, 0, 1, 2, 3]
    for e in ([-1], [-2], [-3, 2, -1, 0, 1, -2, 2]):
        t = torch.tensor(base) ** torch.tensor(e)
        g = gk.tensor(base) ** gk.tensor(e)
        np.testing.assert_array_equal(g.numpy(), t.numpy())
        assert str(g.dtype) == str(t.dtype).replace("torch.", "gradkit.")
    with pytest.raises(RuntimeError):
        torch.tensor(base) ** -1
    with pytest.raises(RuntimeError, match="negative integer powers"):
        gk.tensor(base) ** -1


@pytest.mark.parametrize("call", [
    lambda m: m.exp([1.0, 2.0]),
    lambda m: m.add(m.ones(2), [1.0, 2.0]),
    lambda m: m.ones(2) + [1.0, 2.0],
    lambda m: m.sinc([[0.5]]),
])
def test_a_nested_list_where_a_tensor_goes_is_a_type_error(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError, match="Tensor"):
        call(gk)


def test_add_sub_alpha_keeps_the_promoted_dtype(torch):
    for name in ("add", "sub"):
        g = getattr(gk, name)(gk.ones(3, 4, dtype=gk.float16),
                              gk.tensor([[1], [2], [1]], dtype=gk.uint8), alpha=0.5)
        t = getattr(torch, name)(torch.ones(3, 4, dtype=torch.float16),
                                 torch.tensor([[1], [2], [1]], dtype=torch.uint8), alpha=0.5)
        assert str(g.dtype) == str(t.dtype).replace("torch.", "gradkit.")
        np.testing.assert_array_equal(g.numpy(), t.numpy())
        with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
            getattr(gk, name)(gk.ones(2, dtype=gk.int64), gk.ones(2, dtype=gk.int64), alpha=0.5)


U8 = [3, 4, 250]
INF = float("inf")


@pytest.mark.parametrize("fn", [
    lambda L: L.tensor(U8, dtype=L.uint8) % -2,          # the scalar wraps into uint8
    lambda L: L.tensor(U8, dtype=L.uint8) // -2,
    lambda L: L.tensor(U8, dtype=L.uint8) - 300,
    lambda L: L.tensor([3, -4], dtype=L.int8) * 200,
    lambda L: -0.0 % L.tensor(U8, dtype=L.uint8),         # a float scalar: float result
    lambda L: 2.5 % L.tensor([True, False]),
    lambda L: 3 % L.tensor([1, 0]),                       # integer division by zero
    lambda L: L.tensor([-1.0, 1.0, -0.0, 5.5, -5.5]) % L.tensor([INF, -INF, 2.0, -2.0, 2.0]),
    lambda L: L.remainder(-3.0, L.tensor([2.0, -2.0])),
], ids=["u8-mod-neg", "u8-floordiv-neg", "u8-sub-big", "i8-mul-big", "float-rmod-u8",
        "float-rmod-bool", "int-rmod-zero", "float-mod-signs", "scalar-remainder"])
def test_scalar_operands_as_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("mode", ["floor", "trunc"])
@pytest.mark.parametrize("fn", [
    lambda L, m: L.div(L.tensor([-1.5, 2.0, 0.0, -0.0, 1.0, -1.0], dtype=L.float64),
                       L.tensor([INF, -INF, 3.0, 3.0, 0.0, 0.0], dtype=L.float64),
                       rounding_mode=m),
    lambda L, m: L.div(L.tensor([-3, 4, 7, -8]), L.tensor([2, -3, 7, 3]), rounding_mode=m),
    lambda L, m: L.div(L.tensor([-3.0, 4.0]), L.tensor([2, -3]), rounding_mode=m),
    lambda L, m: L.div(L.tensor([5, 4]), 0, rounding_mode=m),
    lambda L, m: L.div(L.tensor([True]), L.tensor([True]), rounding_mode=m),
    lambda L, m: L.div(L.tensor([1.5], requires_grad=True), 2.0, rounding_mode=m),
    lambda L, m: L.div(L.tensor([1.5]), 2.0, rounding_mode="round"),
], ids=["inf-zero", "ints", "promote", "int-by-zero", "bool", "grad", "bad-mode"])
def test_rounded_division_as_torch(torch, fn, mode):
    same_as_torch(torch, lambda L: fn(L, mode))


def test_rounded_division_gradients_as_torch(torch):
    for lib in (torch, gk):
        x = lib.tensor([-1.5, 2.0], dtype=lib.float64, requires_grad=True)
        lib.div(x, 2, rounding_mode="floor").sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]
        y = x // 2  # requires grad, but has no derivative: backward raises, as PyTorch's
        assert y.requires_grad
        with pytest.raises(RuntimeError, match="derivative for .*floor_divide"):
            y.sum().backward()


def test_rsub_of_shapes_that_do_not_broadcast_raises_runtime_error(torch):
    same_as_torch(torch, lambda L: L.rsub(L.zeros(4, 3).t()[:, :0], L.ones(4), alpha=2))


@pytest.mark.parametrize("fn", [
    lambda L: L.ldexp(L.tensor(-1.9, dtype=L.float64), L.tensor([[1, -2]])),
    lambda L: L.ldexp(L.tensor([1.5], dtype=L.float16), L.tensor(3)),
    lambda L: L.ldexp(L.tensor([3]), L.tensor([-1])),
])
def test_ldexp_dtype_as_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("fn", [
    lambda L: L.addcmul(L.ones(3, 4, dtype=L.float16), L.ones(3, 4, dtype=L.int32),
                        L.ones(4, dtype=L.int32), value=0.5),
    lambda L: L.addcmul(L.tensor(1.5, dtype=L.float64), L.ones(3), L.ones(3), value=2),
    lambda L: L.addcmul(L.ones(3, dtype=L.int64), L.ones(3, dtype=L.int64),
                        L.ones(3, dtype=L.int64), value=2.7),
    lambda L: L.addcdiv(L.ones(3, dtype=L.float16), L.ones(3), L.ones(3, dtype=L.float64) * 2,
                        value=0.5),
    lambda L: L.addcdiv(L.ones(3), L.ones(3, dtype=L.int64), L.ones(3, dtype=L.int64)),
], ids=["f16-int-int", "0d-input", "int-float-value", "addcdiv-f64-divisor", "addcdiv-ints"])
def test_addcmul_addcdiv_promote_as_torch(torch, fn):
    same_as_torch(torch, fn)


def _iop(L, dtype, values, op, scalar):
    x = L.tensor(values, dtype=getattr(L, dtype))
    if op == "-=":
        x -= scalar
    elif op == "+=":
        x += scalar
    else:
        x *= scalar
    return x


@pytest.mark.parametrize("dtype, values, op, scalar", [
    ("uint8", [3, 5], "-=", -2), ("uint8", [5, 4], "+=", -2), ("int8", [5, -3], "*=", 300)])
def test_inplace_integer_scalar_wraps_into_the_dtype_as_torch(torch, dtype, values, op, scalar):
    same_as_torch(torch, lambda L: _iop(L, dtype, values, op, scalar))


# ``x op number`` passes the number to NumPy as a cached 0-d array of x's dtype (a much cheaper
# call than a Python number): the bits must be those of PyTorch's ``x op number`` for every
# number, including the ones that are not cached (zeros of either sign, nan, inf, overflow,
# integers beyond 2**53) and a number met again (a cache hit).
_NUMBERS = [1.0001, 1.0001, -0.0, 0.0, 0, 3, -7, 1e-30, 1e300, float("nan"), float("-inf"),
            2 ** 60 + 1, 1 / 3]


# (float16 is left out: PyTorch computes a half tensor's op with the number in float32, NumPy
# and gradkit with the number rounded to half first, so 0 / 1e-30 is 0 there and nan here; that
# difference predates the cache, which keeps NumPy's bits)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_tensor_op_python_number_bits_and_grad_as_torch(torch, dtype, op):
    vals = np.array([0.0, -0.0, 1.5, -2.25, 3e4, np.inf, np.nan, 1e-3])
    for num in _NUMBERS:
        outs, grads = [], []
        for L in (gk, torch):
            x = L.tensor(vals, dtype=getattr(L, dtype), requires_grad=True)
            with np.errstate(all="ignore"):
                y = {"add": x + num, "sub": x - num, "mul": x * num, "div": x / num}[op]
                y.backward(L.ones_like(y))
            outs.append(np.asarray(y.detach().numpy()))
            grads.append(np.asarray(x.grad.numpy()))
        assert outs[0].dtype == outs[1].dtype, (num, outs[0].dtype, outs[1].dtype)
        # the same bits: signed zeros and nans included
        assert outs[0].tobytes() == outs[1].tobytes() or np.array_equal(
            outs[0], outs[1], equal_nan=True) and np.array_equal(
            np.signbit(outs[0]), np.signbit(outs[1])), (op, num, outs)
        np.testing.assert_array_equal(grads[0], grads[1], err_msg=f"{op} {num}")


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid"])
def test_unary_fast_path_values_and_grad_as_torch(torch, name):
    vals = np.array([0.25, 1.5, -0.75, 3.0, 0.0])
    for dtype in ("float32", "float64"):
        res = []
        for L in (gk, torch):
            x = L.tensor(vals, dtype=getattr(L, dtype), requires_grad=True)
            with np.errstate(all="ignore"):
                y = getattr(x, name)()
                y.backward(L.ones_like(y))
            res.append((y.detach().numpy(), x.grad.numpy()))
        (yg, gg), (yt, gt) = res
        assert yg.dtype == yt.dtype
        np.testing.assert_allclose(yg, yt, rtol=1e-6, atol=0, equal_nan=True)
        np.testing.assert_allclose(gg, gt, rtol=1e-5, atol=1e-7, equal_nan=True)


# frexp: mantissa in [0.5, 1) and an int32 exponent, specials, out=, errors
@pytest.mark.parametrize("fn", [
    lambda L: L.frexp(L.tensor([0.0, -0.0, 1.5, -3.0, float("inf"), float("nan"), 1e-310],
                               dtype=L.float64)),
    lambda L: L.frexp(L.tensor([0.0, 6.5e4, -1e-7]).half()),
    lambda L: L.tensor([[3.0, 0.25]]).t().frexp(),
    lambda L: L.frexp(L.arange(3)),
    lambda L: L.frexp(L.ones(2), out=(L.empty(0), L.empty(0, dtype=L.int32))),
    lambda L: L.frexp(L.ones(2), out=(L.empty(0), L.empty(0, dtype=L.int64))),
    lambda L: L.frexp(L.ones(2), out=(L.empty(0, dtype=L.float64), L.empty(0, dtype=L.int32))),
])
def test_frexp_against_torch(torch, fn):
    same_as_torch(torch, fn)


# float16 tensor times/over a Python number: PyTorch computes in float32 with the number kept
# in float32 and rounds once (NumPy's float16 ufuncs round the number to half first, which
# changed a third of the elements of ``x * 0.3``); ``number / x`` is the reciprocal rounded to
# x's dtype times the number, in every floating dtype (its graph too)
_HALF_OPS = {
    "mul": lambda t, s: t * s, "rmul": lambda t, s: s * t, "div": lambda t, s: t / s,
    "rdiv": lambda t, s: s / t, "mul_fn": lambda t, s: t.mul(s), "div_fn": lambda t, s: t.div(s),
    "mul_": lambda t, s: t.clone().mul_(s), "div_": lambda t, s: t.clone().div_(s),
    "imul": lambda t, s: t.clone().__imul__(s), "idiv": lambda t, s: t.clone().__itruediv__(s),
}


@pytest.mark.parametrize("name", sorted(_HALF_OPS))
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_number_operand_bits_and_grads_as_torch(torch, name, dtype):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(4000) * rng.choice([1e-4, 1.0, 100.0, 1e4], 4000)).astype(dtype)
    f = _HALF_OPS[name]
    for s in (0.3, 1 / 3, 7.1, 1e-3, 3, 2.5e-8, 1e5):
        res = []
        for L in (torch, gk):
            t = L.tensor(x, requires_grad=True)
            y = f(t * 1, s)
            y.backward(L.full_like(y, 0.7))
            res.append((y.detach().numpy(), t.grad.numpy(), type(y.grad_fn).__name__))
        (yt, gt, nt), (yg, gg, ng) = res
        assert yg.dtype == yt.dtype and ng == nt, (s, ng, nt)
        np.testing.assert_array_equal(yg, yt, err_msg=f"{name} {s}")
        np.testing.assert_array_equal(gg, gt, err_msg=f"{name} {s} gradient")


def test_numpy_float_warnings_stay_inside_gradkit():
    """log(0), x / 0, an overflowing cast: inf/nan silently as in PyTorch, even under -W error;
    the user's own NumPy calls still warn."""
    import subprocess
    import sys

    code = ("import gradkit as g, numpy as np\n"
            "x = g.tensor([0., 1.])\n"
            "print((1 / x).tolist(), x.log().tolist(), (x / 0).tolist(),\n"
            "      g.tensor([1e5]).half().tolist())\n"
            "try:\n    np.log(np.zeros(1))\nexcept RuntimeWarning as e:\n    print('numpy:', e)\n")
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "[inf, 1.0] [-inf, 0.0] [nan, inf] [inf]", "numpy: divide by zero encountered in log"]


def test_numpy_float_warnings_stay_inside_gradkit_after_filters_change():
    """A filter added after ``import gradkit`` (``pytest -W error`` and test suites'
    ``filterwarnings = error`` add one at every test; ``simplefilter("always")``) went in front
    of gradkit's and made ``log(0)`` raise NumPy's RuntimeWarning; gradkit's stays in front, the
    user's NumPy calls still follow the user's filters."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = gk.tensor([0.0, 1.0], requires_grad=True)
        y = gk.log(x)
        y.sum().backward()
        assert y.tolist()[0] == float("-inf") and x.grad.tolist()[0] == float("inf")
        assert (x / 0).tolist()[1] == float("inf") and gk.exp(x * 1000).tolist()[1] == float("inf")
        with pytest.raises(RuntimeWarning, match="divide by zero"):
            np.log(np.zeros(1))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        gk.log(gk.zeros(2))
        np.log(np.zeros(1))
    assert [str(w.message) for w in seen] == ["divide by zero encountered in log"]
    with warnings.catch_warnings():
        warnings.resetwarnings()
        warnings.simplefilter("error", RuntimeWarning)
        assert gk.log(gk.zeros(1)).tolist() == [float("-inf")]


@pytest.mark.parametrize("a, b", [(True, False), (True, 1), (True, 0.5), (1, 2), (1.5, 2),
                                  (1j, 0), (True, 1j)])
def test_where_of_two_numbers_takes_their_category(torch, a, b):
    # two bools give a bool tensor (not int64); a float the default float; a complex the
    # default complex
    got = gk.where(gk.tensor([True, False]), a, b)
    want = torch.where(torch.tensor([True, False]), a, b)
    assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pow_half_gradient_uses_rsqrt(torch, dtype):
    """x ** 0.5's gradient is 0.5 * x ** -0.5, which PyTorch computes as rsqrt: -inf at -0.0
    and NaN at -inf (C's pow gives +inf and 0 there)."""
    a = np.array([-np.inf, np.inf, -0.0, 0.0, 1e-8, -1.0, 4.0], dtype=dtype)
    t = torch.tensor(a, requires_grad=True)
    torch.pow(t, 0.5).backward(torch.ones_like(t))
    g = gk.tensor(a, requires_grad=True)
    gk.pow(g, 0.5).backward(gk.ones_like(g))
    np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("dtype, lo, hi", [
    ("float16", 1e10, 0.5), ("float16", 70000.0, None), ("float32", 1e39, None),
    ("int8", 1000, None), ("uint8", -300, None), ("uint8", -1, None), ("uint8", 3, -1),
    ("float16", 65504.0, None), ("float16", float("inf"), None), ("int64", float("inf"), None),
])
def test_clamp_number_bounds_converted_as_torch(torch, dtype, lo, hi):
    """A number bound is converted to the tensor's dtype first: RuntimeError where it
    overflows, a negative int wraps into an unsigned type (-1 is 255 for uint8)."""
    a = np.array([0, 5, 200, 7])
    def call(m):
        return m.clamp(m.tensor(a, dtype=getattr(m, dtype)), min=lo, max=hi)
    try:
        want = call(torch)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="without overflow"):
            call(gk)
        return
    got = call(gk)
    assert dtype_name(got.dtype) == dtype_name(want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
@pytest.mark.parametrize("exponent", [-2, -300, 300, 2 ** 40, 3])
@pytest.mark.parametrize("face", ["operator", "function", "method", "inplace", "augmented"])
def test_integer_pow_checks_the_int_exponent_as_torch(torch, dtype, exponent, face):
    # uint8 ** -2 (and **=, pow_) wrapped the exponent to 254 and returned [1, 0]; uint8 ** 300
    # raised NumPy's OverflowError
    def call(m):
        x = m.tensor([1, 2, 3], dtype=getattr(m, dtype))
        if face == "operator":
            return x ** exponent
        if face == "function":
            return m.pow(x, exponent)
        if face == "method":
            return x.pow(exponent)
        if face == "inplace":
            return x.pow_(exponent)
        x **= exponent
        return x

    same_as_torch(torch, call)


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 2.0])
def test_addc_gradients_of_broadcast_operands_at_a_non_finite_value_as_torch(torch, name, value):
    # a 0-d tensor1 and a row tensor2 beside a (3, 4) input, value=inf: the terms +-inf of
    # each output element summed into tensor2's gradient are NaN in PyTorch; gradkit scaled
    # the finite sum by inf (inf)
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((3, 4)), np.array(0.86), rng.standard_normal(4)]
    v = rng.standard_normal((3, 4))
    grads = []
    for L in (gk, torch):
        ts = [L.tensor(a, requires_grad=True) for a in arrays]
        getattr(L, name)(*ts, value=value).backward(L.tensor(v))
        grads.append([t.grad.numpy() for t in ts])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("face", ["pow_", "ipow", "pow"])
@pytest.mark.parametrize("edtype", ["float32", "float64"])
def test_half_pow_by_a_0d_tensor_of_another_float_dtype_as_torch(torch, face, edtype):
    # float16 ** 0-d float32 1e-8: PyTorch rounds the exponent to half (0), so -2.78 ** it is 1;
    # the in-place faces used the unrounded exponent (NaN)
    def call(m):
        x = m.tensor([-2.783, 0.865, 0.0, 4.0], dtype=m.float16)
        e = m.tensor(1e-8, dtype=getattr(m, edtype))
        if face == "pow_":
            return x.pow_(e)
        if face == "ipow":
            x **= e
            return x
        return m.pow(x, e)

    same_as_torch(torch, call)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("decimals", [-3, -2, -1, 1, 2, 3, 40, -40, 400, 2 ** 62])
def test_round_decimals_as_torch(torch, dtype, decimals):
    # PyTorch divides by 10^-d for a negative d (float32 x * 1e-3 rounded 14001 of 20000
    # halves the other way), computes half in float32, and gives NaN where 10^|d| overflows
    # the dtype (gradkit raised OverflowError past 1e308, or gave 0)
    v = np.concatenate([np.arange(1, 4000) * 0.5, np.arange(1, 2000) * 0.37, [2.5e30, 3e-30]])

    def call(m):
        return m.tensor(v, dtype=getattr(m, dtype)).round(decimals=decimals)

    same_as_torch(torch, call)


def test_round_decimals_beyond_int64_raise_value_error(torch):
    for m in (gk, torch):
        with pytest.raises(ValueError):
            m.ones(3, dtype=m.float64).round_(decimals=2 ** 63)


@pytest.mark.parametrize("call", [
    lambda L, x: L.mul(-1, x), lambda L, x: L.multiply(2.5, x), lambda L, x: L.mul(True, x),
    lambda L, x: L.div(2, x), lambda L, x: L.true_divide(3, x), lambda L, x: L.divide(0.5, x)])
def test_mul_and_div_of_a_number_first_as_torch(call):
    # torch.mul(2, t) and torch.div(2, t): a TypeError ('must be a Tensor or a number, got
    # int') before; values, dtype, gradient and node name as PyTorch's
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "int64"):
        tx = torch.tensor([1, 2, 4], dtype=getattr(torch, dtype))
        gx = gk.tensor([1, 2, 4], dtype=getattr(gk, dtype))
        if dtype == "float32":
            tx.requires_grad_(True)
            gx.requires_grad_(True)
        ty, gy = call(torch, tx), call(gk, gx)
        assert str(gy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
        np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
        if dtype == "float32":
            assert type(gy.grad_fn).__name__ == type(ty.grad_fn).__name__
            ty.sum().backward()
            gy.sum().backward()
            np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("wdtype", ["float64", "float16", "int64", "bool"])
def test_lerp_casts_a_0d_weight_of_another_dtype_as_torch(torch, wdtype):
    # PyTorch skips its weight dtype check for a 0-d weight (gradkit raised RuntimeError);
    # the result keeps the input's dtype, the weight's gradient its own
    w = 1 if wdtype in ("int64", "bool") else 0.375
    res = {}
    for m in (torch, gk):
        a = m.tensor(A[0], dtype=m.float32)
        b = m.tensor(B[0], dtype=m.float32, requires_grad=True)
        wt = m.tensor(w, dtype=getattr(m, wdtype))
        if wdtype in ("float64", "float16"):
            wt.requires_grad_(True)
        r = m.lerp(a, b, wt)
        r.sum().backward()
        res[m] = (r, wt.grad)
    (t, tg), (g, gg) = res[torch], res[gk]
    assert dtype_name(g.dtype) == dtype_name(t.dtype)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-6)
    if tg is not None:
        assert dtype_name(gg.dtype) == dtype_name(tg.dtype)
        np.testing.assert_allclose(gg.numpy(), tg.numpy(), rtol=1e-3)
    with pytest.raises(RuntimeError, match="weight"):  # a 1-element weight is still checked
        gk.lerp(gk.ones(2), gk.ones(2), gk.ones(1, dtype=gk.float64))


# input, end (one dtype), a 0-d weight of another dtype: PyTorch promotes the three with the
# weight as a 0-d operand (the inputs were kept, or refused unless floating)
LERP_0D_WEIGHT = [
    ("bool_0d_float64", "bool", (), "float64"),
    ("bool_1d_float64", "bool", (3,), "float64"),
    ("float32_0d_float64", "float32", (), "float64"),
    ("float32_1d_float64", "float32", (3,), "float64"),
    ("int64_1d_float32", "int64", (3,), "float32"),
    ("int64_0d_float16", "int64", (), "float16"),
    ("float16_1d_float64", "float16", (3,), "float64"),
]


@pytest.mark.parametrize("dt, shape, wdt", [c[1:] for c in LERP_0D_WEIGHT],
                         ids=[c[0] for c in LERP_0D_WEIGHT])
def test_lerp_promotes_a_0d_weight_with_its_inputs_as_torch(torch, dt, shape, wdt):
    vals = {"bool": (np.ones(shape, bool), np.zeros(shape, bool))}.get(
        dt, (np.full(shape, 1.0), np.full(shape, 3.0)))
    res = {}
    for m in (torch, gk):
        a, b = (m.tensor(v, dtype=getattr(m, dt)) for v in vals)
        res[m] = m.lerp(a, b, m.tensor(0.3, dtype=getattr(m, wdt)))
    t, g = res[torch], res[gk]
    assert dtype_name(g.dtype) == dtype_name(t.dtype)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_lerp_of_integers_with_a_0d_integer_weight_is_not_implemented_as_torch(torch):
    for m in (torch, gk):
        with pytest.raises(NotImplementedError, match="lerp_kernel_tensor"):
            m.lerp(m.tensor([1, 2]), m.tensor([3, 4]), m.tensor(1))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "true_divide", "floor_divide",
                                  "multiply", "subtract", "divide"])
@pytest.mark.parametrize("a, b", [(5, 3), (5.0, 2), (5, 2.5), (True, 2), (2j, 3), (7, -2)])
def test_two_numbers_as_torch(name, a, b):
    """``torch.mul(*kernel_size)`` (kornia's tests): two Python numbers give a 0-d tensor."""
    torch = pytest.importorskip("torch")
    try:
        theirs = getattr(torch, name)(a, b)
    except Exception as err:  # noqa: BLE001 (PyTorch's exception is the oracle)
        with pytest.raises(type(err)):
            getattr(gk, name)(a, b)
        return
    ours = getattr(gk, name)(a, b)
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype) and ours.shape == theirs.shape
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("call", [lambda m, x: x.relu_(), lambda m, x: m.relu_(x),
                                  lambda m, x: m.relu(x)])
def test_relu_in_place_refuses_bool_as_torch(call):
    torch = pytest.importorskip("torch")
    # the in-place face wrote through the primitive and returned the bool tensor unchanged
    with pytest.raises(RuntimeError):
        call(torch, torch.tensor([True, False]))
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        call(gk, gk.tensor([True, False]))
    x = gk.tensor([-1.0, 2.0])
    assert x.relu_() is x and x.tolist() == [0.0, 2.0]


def test_nan_to_num_takes_nan_none():
    """PyTorch declares nan as ``float?``: None replaces NaN by 0, in every face."""
    torch = pytest.importorskip("torch")
    a = np.array([np.nan, 1.0, np.inf, -np.inf], dtype=np.float32)
    want = torch.nan_to_num(torch.tensor(a), nan=None).numpy()
    x = gk.tensor(a)
    for got in (gk.nan_to_num(x, nan=None), x.nan_to_num(None), x.clone().nan_to_num_(nan=None),
                gk.nan_to_num(x, nan=None, out=gk.empty(4))):
        np.testing.assert_array_equal(got.numpy(), want)
    with pytest.raises(TypeError, match="nan"):
        gk.nan_to_num(x, nan="a")

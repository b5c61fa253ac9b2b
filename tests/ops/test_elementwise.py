"""Elementwise ops: forward vs NumPy, gradients vs central differences (first and second order),
and values/gradients vs PyTorch."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import broadcastable_shapes
from oracle import assert_close, check_grad, check_second_order, t64, to_torch

import gradkit as gk

# name, gradkit fn, numpy reference, torch fn name, domain (low, high) or None for normal
UNARY = [
    ("neg", lambda x: -x, lambda a: -a, "neg", None),
    ("abs", gk.abs, np.abs, "abs", None),
    ("exp", gk.exp, np.exp, "exp", None),
    ("log", gk.log, np.log, "log", (0.5, 3.0)),
    ("log1p", gk.log1p, np.log1p, "log1p", (-0.5, 3.0)),
    ("expm1", gk.expm1, np.expm1, "expm1", None),
    ("sqrt", gk.sqrt, np.sqrt, "sqrt", (0.5, 3.0)),
    ("rsqrt", gk.rsqrt, lambda a: 1 / np.sqrt(a), "rsqrt", (0.5, 3.0)),
    ("sin", gk.sin, np.sin, "sin", None),
    ("cos", gk.cos, np.cos, "cos", None),
    ("tan", gk.tan, np.tan, "tan", (-1.0, 1.0)),
    ("tanh", gk.tanh, np.tanh, "tanh", None),
    ("sigmoid", gk.sigmoid, lambda a: 1 / (1 + np.exp(-a)), "sigmoid", None),
    ("relu", gk.relu, lambda a: np.maximum(a, 0), "relu", None),
    ("square", gk.square, np.square, "square", None),
    ("reciprocal", gk.reciprocal, lambda a: 1 / a, "reciprocal", (0.5, 3.0)),
    ("erf", gk.erf, None, "erf", None),
    ("log2", gk.log2, np.log2, "log2", (0.5, 3.0)),
    ("log10", gk.log10, np.log10, "log10", (0.5, 3.0)),
    ("pow2", lambda x: x ** 2, lambda a: a ** 2, None, None),
    ("pow3", lambda x: x ** 3, lambda a: a ** 3, None, None),
    ("pow_half", lambda x: x ** 0.5, np.sqrt, None, (0.5, 3.0)),
    ("pow_neg", lambda x: x ** -1.5, lambda a: a ** -1.5, None, (0.5, 3.0)),
    ("rpow", lambda x: 2.0 ** x, lambda a: 2.0 ** a, None, None),
    ("clamp", lambda x: gk.clamp(x, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), None, None),
    ("clamp_min", lambda x: x.clamp(min=0.1), lambda a: np.maximum(a, 0.1), None, None),
    ("clamp_max", lambda x: x.clamp(max=0.1), lambda a: np.minimum(a, 0.1), None, None),
    ("scalar_ops", lambda x: (1 - x) * 3 + 2 / (x * x + 1) - x / 4,
     lambda a: (1 - a) * 3 + 2 / (a * a + 1) - a / 4, None, None),
]
SMOOTH_2ND = {"exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
              "sigmoid", "square", "reciprocal", "erf", "log2", "log10", "pow2", "pow3",
              "pow_half", "pow_neg", "rpow", "scalar_ops"}
SHAPES = [(), (3,), (2, 3), (0, 3)]


def _input(rng, shape, domain, requires_grad=True):
    if domain is None:
        arr = rng.standard_normal(shape)
        # keep away from kinks (abs, relu, clamp) so finite differences are valid
        arr = np.where(np.abs(arr) < 0.05, 0.3, arr)
        arr = np.where(np.abs(np.abs(arr) - 0.5) < 0.05, 0.7, arr)
        arr = np.where(np.abs(arr - 0.1) < 0.05, 0.3, arr)
    else:
        arr = rng.uniform(*domain, size=shape)
    return gk.tensor(arr, dtype=gk.float64, requires_grad=requires_grad)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name,fn,ref,tname,domain", UNARY, ids=[u[0] for u in UNARY])
def test_unary_forward_and_grad(rng, name, fn, ref, tname, domain, shape):
    x = _input(rng, shape, domain)
    out = fn(x)
    assert out.shape == x.shape
    assert out.dtype == gk.float64
    if ref is not None:
        np.testing.assert_allclose(out.detach().numpy(), ref(x.detach().numpy()), rtol=1e-12,
                                   atol=1e-12)
    check_grad(fn, [x])


@pytest.mark.parametrize("name,fn,ref,tname,domain", UNARY, ids=[u[0] for u in UNARY])
def test_unary_noncontiguous(rng, name, fn, ref, tname, domain):
    base = _input(rng, (4, 3), domain, requires_grad=False)
    x = base.t().detach().requires_grad_()  # transposed view as a leaf
    assert not x.is_contiguous()
    check_grad(fn, [x])
    y = base[::2].detach().requires_grad_()
    check_grad(fn, [y])


@pytest.mark.parametrize("name,fn,ref,tname,domain",
                         [u for u in UNARY if u[0] in SMOOTH_2ND],
                         ids=[u[0] for u in UNARY if u[0] in SMOOTH_2ND])
def test_unary_second_order(rng, name, fn, ref, tname, domain):
    check_second_order(fn, [_input(rng, (2, 3), domain)])


@pytest.mark.parametrize("name,fn,ref,tname,domain",
                         [u for u in UNARY if u[3] is not None],
                         ids=[u[0] for u in UNARY if u[3] is not None])
def test_unary_vs_torch(torch, rng, name, fn, ref, tname, domain):
    x = _input(rng, (3, 4), domain).float().detach().requires_grad_()
    tx = to_torch(torch, x)
    out = fn(x)
    tout = getattr(torch, tname)(tx)
    assert out.dtype == gk.float32
    assert_close(out, tout, atol=1e-5, rtol=1e-5)
    g = rng.standard_normal((3, 4)).astype(np.float32)
    out.backward(gk.tensor(g))
    tout.backward(torch.from_numpy(g))
    assert_close(x.grad, tx.grad, atol=1e-5, rtol=1e-4)


KINK = [
    ("abs", gk.abs, "abs"),
    ("relu", gk.relu, "relu"),
    ("clamp", lambda x: gk.clamp(x, 0.0, 1.0), lambda t: t.clamp(0.0, 1.0)),
    ("sqrt0", lambda x: gk.sqrt(x * x), lambda t: (t * t).sqrt()),
    ("pow_zero", lambda x: x ** 0, lambda t: t ** 0),
    ("pow_one_half_at0", lambda x: (x * x) ** 1.0, lambda t: (t * t) ** 1.0),
    ("floor", gk.floor, "floor"),
    ("ceil", gk.ceil, "ceil"),
    ("round", gk.round, "round"),
    ("sign", gk.sign, "sign"),
    ("trunc", gk.trunc, "trunc"),
]


@pytest.mark.parametrize("name,fn,tfn", KINK, ids=[k[0] for k in KINK])
def test_kinks_match_torch(torch, name, fn, tfn):
    data = np.array([-1.5, -0.5, 0.0, 0.5, 1.0, 2.5], dtype=np.float32)
    x = gk.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    out = fn(x)
    tout = getattr(torch, tfn)(tx) if isinstance(tfn, str) else tfn(tx)
    assert_close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    assert_close(x.grad, tx.grad)


BINARY = [
    ("add", lambda a, b: a + b, np.add, None),
    ("sub", lambda a, b: a - b, np.subtract, None),
    ("mul", lambda a, b: a * b, np.multiply, None),
    ("div", lambda a, b: a / b, np.divide, "pos_b"),
    ("pow", lambda a, b: a ** b, np.power, "pos_a"),
    ("maximum", gk.maximum, np.maximum, None),
    ("minimum", gk.minimum, np.minimum, None),
    ("add_alpha", lambda a, b: gk.add(a, b, alpha=2.0), lambda a, b: a + 2 * b, None),
    ("sub_alpha", lambda a, b: gk.sub(a, b, alpha=0.5), lambda a, b: a - 0.5 * b, None),
    ("where", lambda a, b: gk.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b), None),
    ("clamp_t", lambda a, b: gk.clamp(a, min=b), lambda a, b: np.maximum(a, b), None),
    ("clamp_t_max", lambda a, b: gk.clamp(a, max=b), lambda a, b: np.minimum(a, b), None),
]
NONLINEAR = {"mul", "div", "pow"}  # the others have piecewise-constant gradients
BSHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((), (2, 3)),
           ((2, 3), ()), ((), ()), ((4, 1, 3), (2, 1)), ((0, 3), (3,)), ((2, 1, 3), (1, 4, 1))]


def _pair(rng, sa, sb, kind):
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb)
    if kind == "pos_b":
        b = rng.uniform(0.5, 2.0, sb)
    if kind == "pos_a":
        a = rng.uniform(0.5, 2.0, sa)
    return (gk.tensor(a, dtype=gk.float64, requires_grad=True),
            gk.tensor(b, dtype=gk.float64, requires_grad=True))


@pytest.mark.parametrize("sa,sb", BSHAPES, ids=str)
@pytest.mark.parametrize("name,fn,ref,kind", BINARY, ids=[b[0] for b in BINARY])
def test_binary_broadcast_grad(rng, name, fn, ref, kind, sa, sb):
    a, b = _pair(rng, sa, sb, kind)
    out = fn(a, b)
    np.testing.assert_allclose(out.detach().numpy(), ref(a.detach().numpy(), b.detach().numpy()),
                               rtol=1e-12, atol=1e-12)
    assert out.shape == np.broadcast_shapes(sa, sb)
    ga, gb = check_grad(fn, [a, b])
    assert ga is None or ga.shape == a.shape
    assert gb is None or gb.shape == b.shape


@pytest.mark.parametrize("name,fn,ref,kind", [b for b in BINARY if b[0] in NONLINEAR],
                         ids=[b[0] for b in BINARY if b[0] in NONLINEAR])
def test_binary_second_order(rng, name, fn, ref, kind):
    check_second_order(fn, list(_pair(rng, (2, 3), (3,), kind)))


@pytest.mark.parametrize("name,fn,ref,kind", BINARY, ids=[b[0] for b in BINARY])
def test_binary_noncontiguous(rng, name, fn, ref, kind):
    a, b = _pair(rng, (3, 2), (3, 2), kind)
    a = a.detach().t().requires_grad_()
    b = b.detach().t().requires_grad_()
    check_grad(fn, [a, b])


def test_ties_split_like_torch(torch):
    for fname in ("maximum", "minimum"):
        a = gk.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = gk.tensor([1.0, 1.0, 4.0], requires_grad=True)
        ta, tb = to_torch(torch, a), to_torch(torch, b)
        getattr(gk, fname)(a, b).sum().backward()
        getattr(torch, fname)(ta, tb).sum().backward()
        assert_close(a.grad, ta.grad)
        assert_close(b.grad, tb.grad)


def test_clamp_tensor_bounds_vs_torch(torch, rng):
    x = gk.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    lo = gk.tensor(rng.standard_normal((4,)).astype(np.float32) - 1, requires_grad=True)
    hi = gk.tensor(rng.standard_normal((3, 1)).astype(np.float32) + 1, requires_grad=True)
    tx, tlo, thi = to_torch(torch, x), to_torch(torch, lo), to_torch(torch, hi)
    out = gk.clamp(x, lo, hi)
    tout = torch.clamp(tx, tlo, thi)
    assert_close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    for g, tg in ((x, tx), (lo, tlo), (hi, thi)):
        assert_close(g.grad, tg.grad)


def test_pow_tensor_exponent_and_scalar_base_vs_torch(torch, rng):
    a = gk.tensor(rng.uniform(0.5, 2, (2, 3)).astype(np.float32), requires_grad=True)
    e = gk.tensor(rng.standard_normal((3,)).astype(np.float32), requires_grad=True)
    ta, te = to_torch(torch, a), to_torch(torch, e)
    out = a ** e + gk.pow(3.0, e) + gk.pow(a, 2)
    tout = ta ** te + torch.pow(3.0, te) + torch.pow(ta, 2)
    assert_close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    assert_close(a.grad, ta.grad, rtol=1e-4)
    assert_close(e.grad, te.grad, rtol=1e-4)


def test_pow_at_zero_base_vs_torch(torch):
    a = gk.tensor([0.0, 0.0, 1.0, 2.0], requires_grad=True)
    e = gk.tensor([0.0, 2.0, 0.0, 1.0], requires_grad=True)
    ta, te = to_torch(torch, a), to_torch(torch, e)
    (a ** e).sum().backward()
    (ta ** te).sum().backward()
    assert_close(a.grad, ta.grad)
    assert_close(e.grad, te.grad)


def test_where_scalar_branches(torch, rng):
    x = gk.tensor(rng.standard_normal(5).astype(np.float32), requires_grad=True)
    tx = to_torch(torch, x)
    out = gk.where(x > 0, x, 0.0) + gk.where(x < 0, 1.0, x)
    tout = torch.where(tx > 0, tx, 0.0) + torch.where(tx < 0, 1.0, tx)
    assert out.dtype == gk.float32
    assert_close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    assert_close(x.grad, tx.grad)
    assert gk.where(gk.tensor([True, False]), 1, 0).dtype == gk.int64
    (i,) = gk.where(gk.tensor([0, 3, 0, 1]))
    assert i.tolist() == [1, 3]


def test_sigmoid_extreme_values():
    x = gk.tensor([-1000.0, 0.0, 1000.0])
    np.testing.assert_allclose(gk.sigmoid(x).numpy(), [0.0, 0.5, 1.0])


def test_zero_grad_ops_give_zero_gradient(rng):
    x = t64(rng, 4)
    for fn in (gk.floor, gk.ceil, gk.round, gk.sign, gk.trunc):
        (g,) = gk.autograd.grad(fn(x).sum(), [x])
        assert np.all(g.numpy() == 0)
    assert gk.round(gk.tensor([0.5, 1.5, 2.5])).tolist() == [0.0, 2.0, 2.0]


def test_comparisons_and_logic_not_differentiable(rng):
    x = t64(rng, 4)
    for out in (x > 0, x >= 0, x < 0, x <= 0, x == 0, x != 0, gk.eq(x, x), x.gt(0.1)):
        assert out.dtype == gk.bool
        assert not out.requires_grad and out.grad_fn is None
    assert gk.all(gk.tensor([True, True])).item() is True
    assert gk.any(gk.tensor([[False, False], [False, True]]), dim=1).tolist() == [False, True]
    assert gk.all(gk.tensor([[1.0, 0.0]]), dim=0, keepdim=True).shape == (1, 2)


# ------------------------------------------------------------------ hypothesis: broadcasting
@settings(max_examples=40, deadline=None)
@given(data=st.data(), op=st.sampled_from(["add", "sub", "mul", "div", "maximum", "pow"]))
def test_broadcast_property_vs_torch(data, op):
    import importlib.util
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch not installed")
    import torch

    shape_a = data.draw(st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple))
    shape_b = data.draw(broadcastable_shapes(shape_a, min_dims=0, max_dims=3, min_side=1,
                                             max_side=3))
    if data.draw(st.booleans()):
        shape_a, shape_b = shape_b, shape_a
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    a = rng.uniform(0.5, 2.0, shape_a).astype(np.float32)
    b = rng.uniform(0.5, 2.0, shape_b).astype(np.float32)
    ga, gb = gk.tensor(a, requires_grad=True), gk.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    fns = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
           "div": lambda x, y: x / y, "pow": lambda x, y: x ** y}
    if op == "maximum":
        out, tout = gk.maximum(ga, gb), torch.maximum(ta, tb)
    else:
        out, tout = fns[op](ga, gb), fns[op](ta, tb)
    assert tuple(out.shape) == tuple(tout.shape)
    assert_close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    assert ga.grad.shape == ga.shape and gb.grad.shape == gb.shape
    assert_close(ga.grad, ta.grad, rtol=1e-4)
    assert_close(gb.grad, tb.grad, rtol=1e-4)


def test_broadcast_error_names_shapes_and_op():
    a, b = gk.ones(2, 3), gk.ones(4)
    for fn, name in ((lambda: a + b, "add"), (lambda: a * b, "mul"), (lambda: a - b, "sub"),
                     (lambda: a / b, "div")):
        with pytest.raises(RuntimeError, match=rf"{name}.*\(2, 3\).*\(4,\)"):
            fn()
    with pytest.raises(RuntimeError, match=r"maximum.*\(2, 3\).*\(4,\)"):
        gk.maximum(a, b)


@pytest.mark.parametrize("name", ["sign", "round", "floor", "ceil", "trunc"])
def test_piecewise_constant_gradient_is_zero_for_inf_and_nan_grads(torch, name):
    """PyTorch's backward of sign/round/floor/ceil/trunc is zeros, whatever flows in (gradkit's
    g * 0 was NaN for an inf or NaN incoming gradient)."""
    x = np.array([1.5, -2.5, np.inf, np.nan])
    up = np.array([np.inf, np.nan, 1.0, -np.inf])
    for lib in (gk, torch):
        t = lib.tensor(x, requires_grad=True)
        g, = lib.autograd.grad(getattr(lib, name)(t), t, lib.tensor(up))
        np.testing.assert_array_equal(g.numpy(), np.zeros(4))

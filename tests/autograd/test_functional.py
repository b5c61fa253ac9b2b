"""gradkit.autograd.functional and gradkit.func against torch.autograd.functional / analytic."""

import numpy as np
import pytest
from oracle import assert_close

import gradkit as gk
import gradkit.autograd.functional as AF
from gradkit import func as gfunc


def T(arr):
    return gk.tensor(np.asarray(arr, dtype=np.float64), dtype=gk.float64)


def tt(torch, arr):
    return torch.tensor(np.asarray(arr, dtype=np.float64))


def f_single(x):
    return (x ** 2).sin() * x.sum()


def f_multi(x, y):
    return (x * y.sum()).exp(), (x @ x.T).sum() * y


def f_scalar(x, y):
    return (x.exp() * y.sum()).sum() + (x * x).sum() * (y ** 3).sum()


def f_scalar1(x):
    return (x.exp() * x.sin()).sum() + (x ** 4).sum()


def same_structure(a, b, atol=1e-10):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for u, v in zip(a, b):
            same_structure(u, v, atol)
    else:
        assert isinstance(a, gk.Tensor), type(a)
        assert tuple(a.shape) == tuple(b.shape)
        assert_close(a, b, atol=atol)


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    return rng.standard_normal((2, 3)) * 0.5, rng.standard_normal(4) * 0.5


def test_vjp(torch, data):
    x, y = data
    v = np.ones((2, 3))
    same_structure(AF.vjp(f_single, T(x), T(v)),
                   torch.autograd.functional.vjp(f_single, tt(torch, x), tt(torch, v)))
    vs = (np.ones((2, 3)), np.arange(4.0))
    same_structure(
        AF.vjp(f_multi, (T(x), T(y)), tuple(T(a) for a in vs)),
        torch.autograd.functional.vjp(f_multi, (tt(torch, x), tt(torch, y)),
                                      tuple(tt(torch, a) for a in vs)))
    same_structure(AF.vjp(f_scalar, (T(x), T(y))),
                   torch.autograd.functional.vjp(f_scalar, (tt(torch, x), tt(torch, y))))


def test_jvp(torch, data):
    x, y = data
    v = np.arange(6.0).reshape(2, 3)
    same_structure(AF.jvp(f_single, T(x), T(v)),
                   torch.autograd.functional.jvp(f_single, tt(torch, x), tt(torch, v)))
    vs = (v, np.arange(4.0))
    same_structure(
        AF.jvp(f_multi, (T(x), T(y)), tuple(T(a) for a in vs)),
        torch.autograd.functional.jvp(f_multi, (tt(torch, x), tt(torch, y)),
                                      tuple(tt(torch, a) for a in vs)))


def test_jacobian(torch, data):
    x, y = data
    same_structure(AF.jacobian(f_single, T(x)),
                   torch.autograd.functional.jacobian(f_single, tt(torch, x)))
    same_structure(AF.jacobian(f_multi, (T(x), T(y))),
                   torch.autograd.functional.jacobian(f_multi, (tt(torch, x), tt(torch, y))))
    same_structure(AF.jacobian(lambda a: (a.exp(), a.sum()), T(x)),
                   torch.autograd.functional.jacobian(lambda a: (a.exp(), a.sum()), tt(torch, x)))
    same_structure(AF.jacobian(lambda a, b: a * b.sum(), (T(x), T(y))),
                   torch.autograd.functional.jacobian(lambda a, b: a * b.sum(),
                                                      (tt(torch, x), tt(torch, y))))


def test_hessian(torch, data):
    x, y = data
    same_structure(AF.hessian(f_scalar1, T(x)),
                   torch.autograd.functional.hessian(f_scalar1, tt(torch, x)))
    same_structure(AF.hessian(f_scalar, (T(x), T(y))),
                   torch.autograd.functional.hessian(f_scalar, (tt(torch, x), tt(torch, y))))


def test_hvp_vhp(torch, data):
    x, y = data
    v = np.arange(6.0).reshape(2, 3)
    for ours, theirs in ((AF.hvp, torch.autograd.functional.hvp),
                         (AF.vhp, torch.autograd.functional.vhp)):
        same_structure(ours(f_scalar1, T(x), T(v)), theirs(f_scalar1, tt(torch, x), tt(torch, v)))
        vs = (v, np.arange(4.0))
        same_structure(ours(f_scalar, (T(x), T(y)), tuple(T(a) for a in vs)),
                       theirs(f_scalar, (tt(torch, x), tt(torch, y)),
                              tuple(tt(torch, a) for a in vs)))


def test_results_detached_unless_create_graph(data):
    x, _ = data
    xin = T(x).requires_grad_()
    out, g = AF.vjp(f_single, xin, T(np.ones((2, 3))))
    assert not out.requires_grad and not g.requires_grad
    _, g = AF.vjp(f_single, xin, T(np.ones((2, 3))), create_graph=True)
    assert g.requires_grad
    (gg,) = gk.autograd.grad(g.sum(), xin)
    assert tuple(gg.shape) == (2, 3)
    h = AF.hessian(f_scalar1, xin, create_graph=True)
    assert h.requires_grad
    assert not AF.jacobian(f_single, xin).requires_grad


def test_create_graph_hessian_derivative_matches_torch(torch, data):
    x, _ = data
    xin = T(x).requires_grad_()
    (d,) = gk.autograd.grad(AF.hessian(f_scalar1, xin, create_graph=True).sum(), xin)
    xt = tt(torch, x).requires_grad_()
    (dt,) = torch.autograd.grad(
        torch.autograd.functional.hessian(f_scalar1, xt, create_graph=True).sum(), xt)
    assert_close(d, dt, atol=1e-10)


def test_strict(data):
    x, y = data

    def indep(a, b):
        return a * 2

    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.vjp(indep, (T(x), T(y)), T(np.ones((2, 3))), strict=True)
    _, (_ga, gb) = AF.vjp(indep, (T(x), T(y)), T(np.ones((2, 3))))
    assert_close(gb, np.zeros(4))
    with pytest.raises(RuntimeError, match="independent"):
        AF.jacobian(lambda a: T(np.ones(2)), T(x), strict=True)
    assert_close(AF.jacobian(lambda a: T(np.ones(2)), T(x)), np.zeros((2, 2, 3)))


def test_vjp_needs_v_for_nonscalar(data):
    x, _ = data
    with pytest.raises(RuntimeError, match="can only be None"):
        AF.vjp(f_single, T(x))


def test_inputs_not_mutated_and_no_grad_leak(data):
    x, _ = data
    xin = T(x)
    AF.jacobian(f_single, xin)
    AF.hessian(f_scalar1, xin)
    assert not xin.requires_grad and xin.grad is None


# ---------------------------------------------------------------- gradkit.func
def test_func_grad_and_value_and_grad():
    x = T([1.0, 2.0])
    g = gfunc.grad(lambda a: (a ** 3).sum())(x)
    assert_close(g, [3.0, 12.0])
    v, g = gfunc.value_and_grad(lambda a: (a ** 3).sum())(x)
    assert_close(v, 9.0)
    assert_close(g, [3.0, 12.0])
    assert not x.requires_grad


def test_func_argnums():
    x, y = T([1.0, 2.0]), T([3.0, 4.0])

    def f(a, b):
        return (a * a * b).sum()

    assert_close(gfunc.grad(f, argnums=1)(x, y), [1.0, 4.0])
    gx, gy = gfunc.grad(f, argnums=(0, 1))(x, y)
    assert_close(gx, [6.0, 16.0])
    assert_close(gy, [1.0, 4.0])
    with pytest.raises(RuntimeError):  # as torch.func
        gfunc.grad(f, argnums=[0])(x, y)


def test_func_has_aux():
    x = T([1.0, 2.0])

    def f(a):
        return (a ** 2).sum(), {"norm": a.norm()}

    g, aux = gfunc.grad(f, has_aux=True)(x)
    assert_close(g, [2.0, 4.0])
    assert_close(aux["norm"], np.sqrt(5.0))
    (v, _aux2), g2 = gfunc.value_and_grad(f, has_aux=True)(x)
    assert_close(v, 5.0)
    assert_close(g2, [2.0, 4.0])


def test_func_nested_grad_analytic():
    x = T(0.7)

    def f(a):
        return a.sin() * a ** 3

    d1 = gfunc.grad(f)
    d2 = gfunc.grad(d1)
    d3 = gfunc.grad(d2)
    a = 0.7
    assert_close(d1(x), np.cos(a) * a ** 3 + 3 * a ** 2 * np.sin(a), atol=1e-12)
    assert_close(d2(x), -np.sin(a) * a ** 3 + 6 * a ** 2 * np.cos(a) + 6 * a * np.sin(a),
                 atol=1e-12)
    d3_true = (-np.cos(a) * a ** 3 - 3 * a ** 2 * np.sin(a) - 6 * a ** 2 * np.sin(a)
               + 12 * a * np.cos(a) + 6 * np.sin(a) + 6 * a * np.cos(a))
    assert_close(d3(x), d3_true, atol=1e-12)


def test_func_nonscalar_output_raises():
    with pytest.raises(RuntimeError, match="scalar"):
        gfunc.grad(lambda a: a * 2)(T([1.0, 2.0]))


def test_func_jacrev_hessian_vjp(torch, data):
    x, y = data
    same_structure(gfunc.jacrev(f_single)(T(x)), torch.func.jacrev(f_single)(tt(torch, x)))
    same_structure(gfunc.jacrev(lambda a, b: a * b.sum(), argnums=1)(T(x), T(y)),
                   torch.func.jacrev(lambda a, b: a * b.sum(), argnums=1)(tt(torch, x),
                                                                         tt(torch, y)))
    same_structure(gfunc.hessian(f_scalar1)(T(x)), torch.func.hessian(f_scalar1)(tt(torch, x)))
    out, fn = gfunc.vjp(f_multi, T(x), T(y))
    outt, fnt = torch.func.vjp(f_multi, tt(torch, x), tt(torch, y))
    same_structure(out, outt)
    vs = (np.ones((2, 3)), np.arange(4.0))
    same_structure(fn(tuple(T(a) for a in vs)), fnt(tuple(tt(torch, a) for a in vs)))


def test_vhp_hvp_v_none_for_single_element(torch):
    for ours, theirs in ((AF.hvp, torch.autograd.functional.hvp),
                         (AF.vhp, torch.autograd.functional.vhp)):
        same_structure(ours(lambda a: a ** 3, T(2.0)), theirs(lambda a: a ** 3, tt(torch, 2.0)))
    with pytest.raises(RuntimeError, match="can only be None"):
        AF.vhp(f_scalar1, T(np.ones(3)))
    with pytest.raises(RuntimeError, match="single element"):
        AF.hvp(lambda a: a * 2, T(np.ones(3)), T(np.ones(3)))


def test_jacobian_tuple_outputs_and_inputs(torch, data):
    x, y = data
    same_structure(AF.jacobian(lambda a, b: (a * 2, b.exp()), (T(x), T(y))),
                   torch.autograd.functional.jacobian(lambda a, b: (a * 2, b.exp()),
                                                      (tt(torch, x), tt(torch, y))))


def test_func_jacrev_hessian_tuple_argnums(torch, data):
    x, y = data

    def f(a, b):
        return (a.sin() * b.sum()).sum() * (b ** 2).sum()

    same_structure(gfunc.jacrev(f, argnums=(0, 1))(T(x), T(y)),
                   torch.func.jacrev(f, argnums=(0, 1))(tt(torch, x), tt(torch, y)))
    same_structure(gfunc.hessian(f, argnums=(0, 1))(T(x), T(y)),
                   torch.func.hessian(f, argnums=(0, 1))(tt(torch, x), tt(torch, y)))

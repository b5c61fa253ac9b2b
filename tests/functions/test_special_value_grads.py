"""Gradients at special values (zero bases, inf/NaN inputs, empty inputs) against PyTorch."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _grads(fn_gk, fn_t, *arrays):
    xs = [gk.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn_gk(*xs), fn_t(*ts)
    u = np.random.default_rng(0).standard_normal(tuple(tout.shape))
    gs = gk.autograd.grad(out, xs, gk.tensor(u), allow_unused=True)
    tgs = torch.autograd.grad(tout, ts, torch.tensor(u), allow_unused=True)
    return ([np.zeros(a.shape) if g is None else g.numpy() for g, a in zip(gs, arrays)],
            [np.zeros(a.shape) if g is None else g.numpy() for g, a in zip(tgs, arrays)])


@pytest.mark.parametrize("name", ["pow", "float_power"])
def test_pow_exponent_gradient_at_a_zero_base_with_a_negative_exponent(name):
    # torch: grad * (result * log(base)) = grad * (inf * -inf) = -grad * inf, not NaN
    base = np.array([-0.0, 0.0, 0.0, 2.0, -0.0])
    exp = np.array([-0.5, -2.0, 0.5, -1.0, 0.0])
    g, t = _grads(getattr(gk, name), getattr(torch, name), base, exp)
    np.testing.assert_array_equal(g[1], t[1])
    np.testing.assert_array_equal(np.isnan(g[0]), np.isnan(t[0]))


@pytest.mark.parametrize("n", [0, 2, 4])
@pytest.mark.parametrize("r", [0, 1, 3])
@pytest.mark.parametrize("with_replacement", [False, True])
def test_combinations_shape_and_graph_as_torch(n, r, with_replacement):
    # r = 0 is an empty tensor outside the graph; no combination is an empty (0, r) one
    got = []
    for lib in (gk, torch):
        x = lib.ones(n, dtype=lib.float64, requires_grad=True)
        y = lib.combinations(x, r, with_replacement=with_replacement)
        got.append((tuple(y.shape), y.requires_grad))
    assert got[0] == got[1]


def test_renorm_gradient_of_a_slice_left_unchanged_passes_through_as_torch():
    # a NaN slice is not rescaled (NaN > maxnorm is false): its gradient is the incoming one,
    # and no NaN from its norm reaches it
    torch = pytest.importorskip("torch")
    a = np.array([[1.4, 0.7, 1.9, 1.5], [-1.2, 0.3, 1.3, -0.1], [-0.2, -1.4, -1.6, np.nan]])
    x = gk.tensor(a, requires_grad=True)
    gk.renorm(x, 2, 0, 1.0).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    torch.renorm(t, 2, 0, 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_index_reduce_prod_gradient_of_an_untouched_infinite_element_is_the_incoming_one():
    # (PyTorch's formula grad * result / self gives inf / inf = NaN there: see fuzzer.ALLOW)
    x = gk.tensor([[1.5, 2.0], [float("-inf"), 3.0], [0.5, 4.0]], requires_grad=True)
    out = gk.index_reduce(x, 0, gk.tensor([0, 2]), gk.tensor([[2.0, 3.0], [5.0, 7.0]]), "prod")
    out.sum().backward()
    assert x.grad.tolist() == [[2.0, 3.0], [1.0, 1.0], [5.0, 7.0]]


@pytest.mark.parametrize("bad", [float("-inf"), float("nan"), 1e30])
def test_grid_sampler_3d_input_gradient_matches_its_forward_at_a_non_finite_coordinate(bad):
    # (torch's analytic gradient differs from its own forward there: see fuzzer.ALLOW)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 1, 3, 3, 3))
    grid = rng.uniform(-1, 1, size=(1, 2, 2, 2, 3))
    grid[0, 0, 0, 1, 0] = bad
    w = rng.normal(size=(1, 1, 2, 2, 2))

    def f(v):
        return float((gk.grid_sampler_3d(gk.tensor(v), gk.tensor(grid), 0, 2, True).numpy()
                      * w).sum())

    xg = gk.tensor(x, requires_grad=True)
    (gk.grid_sampler_3d(xg, gk.tensor(grid), 0, 2, True) * gk.tensor(w)).sum().backward()
    fd = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = 1e-6
        fd[i] = (f(x + e) - f(x - e)) / 2e-6
    np.testing.assert_allclose(xg.grad.numpy(), fd, atol=1e-8)

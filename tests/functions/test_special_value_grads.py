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

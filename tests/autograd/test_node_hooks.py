"""``grad_fn.register_hook`` / ``grad_fn.register_prehook`` (``torch.autograd.graph.Node``)
against torch: what the hooks receive, replacing gradients, removal, errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

A = np.linspace(-1.0, 1.0, 4)
W = np.linspace(0.5, 2.0, 4)


def _shapes(gs):
    return tuple(None if g is None else tuple(g.shape) for g in gs)


@pytest.mark.parametrize("case", ["mul_const_tensor", "mul_number", "exp", "add_both", "matmul"])
def test_hooks_receive_what_torch_gives(case):
    def run(lib):
        x = lib.tensor(A.copy(), requires_grad=True)
        w = lib.tensor(W.copy(), requires_grad=case == "add_both")
        y = {"mul_const_tensor": lambda: x * w, "mul_number": lambda: x * 2,
             "exp": lambda: x.exp(), "add_both": lambda: x + w,
             "matmul": lambda: x.reshape(2, 2) @ w.reshape(2, 2)}[case]()
        seen = []
        y.grad_fn.register_prehook(lambda go: seen.append(("pre", _shapes(go))))
        y.grad_fn.register_hook(lambda gi, go: seen.append(("post", _shapes(gi), _shapes(go))))
        y.sum().backward()
        return seen

    assert run(gk) == run(torch)


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_returned_tuples_replace_gradients(lib):
    x = lib.tensor(A.copy(), requires_grad=True)
    w = lib.tensor(W.copy())
    y = (x * w).exp()
    y.grad_fn.register_prehook(lambda go: (go[0] * 3,))
    h = (x * w)
    z = h.exp()
    hk = z.grad_fn.register_hook(lambda gi, go: (gi[0] * 0,))
    (y + z).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * W * np.exp(A * W), rtol=1e-6)
    hk.remove()  # removed: the second graph's hook no longer zeroes
    x.grad = None
    z = (x * w).exp()
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), W * np.exp(A * W), rtol=1e-6)


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_a_hook_returning_the_wrong_count_raises(lib):
    x = lib.tensor(A.copy(), requires_grad=True)
    w = lib.tensor(W.copy())
    z = x * w

    def bad(gi, go):
        return (gi[0],)

    z.grad_fn.register_hook(bad)
    with pytest.raises(RuntimeError, match=r"hook 'bad' has returned an incorrect number of "
                                           r"values \(got 1, but expected 2\)"):
        z.sum().backward()


def test_node_hooks_under_create_graph():
    res = []
    for lib in (gk, torch):
        x = lib.tensor(A.copy(), requires_grad=True)
        y = x.sin()
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 2,))
        g, = lib.autograd.grad(y.sum(), x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x)
        res.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12)


def test_node_is_torch_autograd_graph_node():
    x = gk.ones(2, requires_grad=True)
    assert isinstance((x * 2).grad_fn, gk.autograd.graph.Node)

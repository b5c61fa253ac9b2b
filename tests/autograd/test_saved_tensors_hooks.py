"""``autograd.graph.saved_tensors_hooks`` / ``save_on_cpu`` / ``disable_saved_tensors_hooks``
against torch's."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

A = np.linspace(-1.2, 1.3, 6).reshape(2, 3)
B = np.linspace(0.5, 2.0, 6).reshape(3, 2)

# ops whose backward reads the same saved values in gradkit and torch (input or result)
OPS = {
    "sin": lambda x, w: x.sin(),
    "exp": lambda x, w: x.exp(),
    "tanh": lambda x, w: x.tanh(),
    "sigmoid": lambda x, w: x.sigmoid(),
    "mul": lambda x, w: x * x,
    "matmul": lambda x, w: x @ w,
    "log": lambda x, w: (x * x + 1).log(),
}


def _grads(lib, op, hooks):
    x = lib.tensor(A.copy(), requires_grad=True)
    w = lib.tensor(B.copy(), requires_grad=True)
    if hooks is None:
        y = OPS[op](x, w)
    else:
        with lib.autograd.graph.saved_tensors_hooks(*hooks):
            y = OPS[op](x, w)
    y.sum().backward()
    return x.grad.numpy(), None if w.grad is None else w.grad.numpy()


@pytest.mark.parametrize("op", sorted(OPS))
def test_unpacked_values_are_what_backward_reads(op):
    """A pack hook that doubles what it is given: the gradient is computed from the doubled
    saved values, as torch's."""
    for g, t in zip(_grads(gk, op, (lambda t: t * 2, lambda p: p)),
                    _grads(torch, op, (lambda t: t * 2, lambda p: p))):
        if t is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, t, rtol=1e-12)


@pytest.mark.parametrize("op", sorted(OPS))
def test_identity_hooks_and_save_on_cpu_change_nothing(op):
    plain = _grads(gk, op, None)
    for hooks in ((lambda t: t, lambda p: p), (lambda t: ("box", t), lambda p: p[1])):
        for a, b in zip(_grads(gk, op, hooks), plain):
            np.testing.assert_array_equal(a, b)
    x = gk.tensor(A.copy(), requires_grad=True)
    w = gk.tensor(B.copy(), requires_grad=True)
    with gk.autograd.graph.save_on_cpu():
        y = OPS[op](x, w)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), plain[0])


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_pack_runs_in_forward_and_unpack_in_backward(lib):
    log = []

    def pack(t):
        log.append("pack")
        return t

    def unpack(t):
        log.append("unpack")
        return t

    x = lib.tensor(A.copy(), requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = x.sin()
        assert log == ["pack"]
    y.sum().backward()
    assert log == ["pack", "unpack"], lib.__name__


def test_innermost_hooks_win_and_nodes_keep_their_hooks():
    for lib in (gk, torch):
        x = lib.tensor(A.copy(), requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t * 3, lambda p: p):
            with lib.autograd.graph.saved_tensors_hooks(lambda t: t * 2, lambda p: p):
                y = x.sin()
            z = x.sin()
        (y + z).sum().backward()  # the hooks are gone; the nodes keep theirs
        np.testing.assert_allclose(x.grad.numpy(), np.cos(2 * A) + np.cos(3 * A), rtol=1e-12)


def test_second_order_through_hooks():
    res = []
    for lib in (gk, torch):
        x = lib.tensor(A.copy(), requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):
            y = (x.sin() * x).sum()
        g, = lib.autograd.grad(y, x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x)
        res.append(h.detach().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-12)


def test_errors_as_torch():
    for lib in (gk, torch):
        graph = lib.autograd.graph
        x = lib.tensor(A.copy(), requires_grad=True)
        with graph.saved_tensors_hooks(lambda t: 5, lambda p: p):
            y = x.sin()
        with pytest.raises(TypeError, match="Output of saved tensor unpack_hook expected to be "
                                            "a Tensor but got result of type int"):
            y.sum().backward()
        with graph.saved_tensors_hooks(lambda t: t.mul_(2), lambda p: p):
            with pytest.raises(RuntimeError, match="A saved tensor pack hook is modifying its "
                                                   "input in place"):
                x.exp()
        with graph.disable_saved_tensors_hooks("no hooks here"):
            with pytest.raises(RuntimeError, match="no hooks here"):
                with graph.saved_tensors_hooks(lambda t: t, lambda p: p):
                    pass
        with graph.saved_tensors_hooks(lambda t: t, lambda p: p):
            with pytest.raises(RuntimeError, match="not now"):
                with graph.disable_saved_tensors_hooks("not now"):
                    pass
        with graph.saved_tensors_hooks(lambda t: t, lambda p: p):  # usable again after
            x.sin()


def _custom_function_run(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * g * x * x

    log = []
    x = lib.tensor(A.copy(), requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: (log.append("pack"), t * 2)[1],
                                                lambda p: (log.append("unpack"), p)[1]):
        y = Cube.apply(x)
    y.sum().backward()
    return log, x.grad.numpy()


def test_custom_function_saved_tensors_go_through_the_hooks():
    res = [_custom_function_run(gk), _custom_function_run(torch)]
    assert res[0][0] == res[1][0] == ["pack", "unpack"]
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12)


@pytest.mark.parametrize("op", ["sin", "exp", "tanh", "mul", "log"])
def test_grad_fn_saved_attributes_as_torch(op):
    # the saved-tensors tutorial reads grad_fn._saved_self / _saved_result
    def attrs(lib):
        x = lib.tensor(A.copy(), requires_grad=True)
        y = OPS[op](x, None)
        out = {}
        for name in ("_saved_self", "_saved_other", "_saved_result"):
            try:
                v = getattr(y.grad_fn, name)
            except AttributeError:
                out[name] = "missing"
                continue
            out[name] = (v is x, v is y, v.equal(x), v.equal(y),
                         v.grad_fn is y.grad_fn and v.grad_fn is not None)
        y.sum().backward()
        for name in ("_saved_self", "_saved_result"):
            if out[name] != "missing":
                with pytest.raises(RuntimeError, match="second time"):
                    getattr(y.grad_fn, name)
        return out

    assert attrs(gk) == attrs(torch)


def test_grad_fn_saved_attributes_through_hooks_and_after_inplace():
    for lib in (gk, torch):
        store = []
        x = lib.tensor(A.copy(), requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(
                lambda t, store=store: store.append(t) or len(store) - 1,
                lambda i, store=store: store[i] * 0 + 7):
            y = x.pow(2)
        assert y.grad_fn._saved_self.eq(7).all() and len(store) == 1
        z = x.exp()
        z.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.grad_fn.next_functions[0][0]._saved_result
        with pytest.raises(AttributeError):
            x.sin().grad_fn._saved_nothing_like_this

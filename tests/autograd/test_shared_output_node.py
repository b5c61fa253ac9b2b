"""The outputs of one multi-output node share one ``grad_fn`` (``a.grad_fn is b.grad_fn`` for the
pieces of ``chunk``/``unbind`` and the outputs of a custom Function, also through a consumer's
``next_functions``), whose hooks see every output's gradient; a custom Function's node reads as
its ctx (``grad_fn.saved_tensors``, ``needs_input_grad``, what forward set on ``ctx``), as in
PyTorch, where graph walkers such as torchviz draw one node per ``id(grad_fn)``."""

from __future__ import annotations

import pytest

import gradkit

torch = pytest.importorskip("torch")


def _functions(lib):
    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.k = 7
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    class One(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.scale = 2.5
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return Two, One


def _identities(lib):
    x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    Two, One = _functions(lib)
    p, q = Two.apply(x)
    u, v = lib.chunk(x * 1, 2)
    r, s = lib.ones(2, 3, requires_grad=True).unbind(0)
    w = p + q
    return (p.grad_fn is q.grad_fn, w.grad_fn.next_functions[0][0] is p.grad_fn,
            w.grad_fn.next_functions[1][0] is q.grad_fn, u.grad_fn is v.grad_fn,
            r.grad_fn is s.grad_fn, type(p.grad_fn).__name__, type(u.grad_fn).__name__,
            type(r.grad_fn).__name__, p.grad_fn.name())


def test_outputs_share_one_node_as_torch():
    assert _identities(gradkit) == _identities(torch)
    assert _identities(gradkit)[:5] == (True,) * 5


def _ctx_reads(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    Two, One = _functions(lib)
    y = One.apply(x)
    p, _ = Two.apply(x)
    return (y.grad_fn.scale, y.grad_fn.needs_input_grad, y.grad_fn.saved_tensors[0].tolist(),
            p.grad_fn.k, p.grad_fn.needs_input_grad, p.grad_fn.saved_tensors[0].tolist())


def test_function_node_reads_as_its_ctx_as_torch():
    assert _ctx_reads(gradkit) == _ctx_reads(torch)
    x = gradkit.tensor([1.0], requires_grad=True)
    y = _functions(gradkit)[1].apply(x)
    with pytest.raises(AttributeError, match="OneBackward.*no attribute 'missing'"):
        y.grad_fn.missing  # noqa: B018


def _hooks(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    Two, _ = _functions(lib)
    seen = []

    def tolist(gs):
        return [None if g is None else g.tolist() for g in gs]

    p, q = Two.apply(x)
    p.grad_fn.register_prehook(lambda go: seen.append(("pre", tolist(go))))
    q.grad_fn.register_hook(lambda gi, go: seen.append(("post", tolist(gi), tolist(go))))
    (p.sum() + 0 * q.sum()).backward()
    p, q = Two.apply(x)
    p.grad_fn.register_prehook(lambda go: seen.append(("pre1", tolist(go))))
    p.sum().backward()  # q's gradient never flows: None in the hook's tuple
    u, v = lib.chunk(x * 1, 2)
    v.register_hook(lambda g: seen.append(("tensor", g.tolist())))  # a tensor hook stays its own
    u.retain_grad()
    (u * 3 + v * 5).sum().backward()
    return seen, x.grad.tolist(), u.grad.tolist()


def test_shared_node_hooks_see_every_output_as_torch():
    assert _hooks(gradkit) == _hooks(torch)


def test_grad_of_one_output_of_a_shared_node():
    for lib in (gradkit, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        u, v = lib.chunk(x * 1, 2)
        gu, = lib.autograd.grad((u * 3 + v).sum(), [u], retain_graph=True)
        gx, = lib.autograd.grad(v.sum(), [x])
        assert gu.tolist() == [3.0] and gx.tolist() == [0.0, 1.0]

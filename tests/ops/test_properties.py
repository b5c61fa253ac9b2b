"""Property-based tests (hypothesis): reductions over random dims and shape ops on random shapes
agree with PyTorch in values, output shapes and gradient shapes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import assert_close

import gradkit as gk

torch = pytest.importorskip("torch")

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, data=st.data(),
       op=st.sampled_from(["sum", "mean", "amax", "amin", "prod", "logsumexp", "norm", "var"]))
def test_reductions_over_random_dims(shape, data, op):
    nd = len(shape)
    dims = tuple(sorted(data.draw(st.sets(st.integers(0, nd - 1), min_size=1, max_size=nd))))
    keepdim = data.draw(st.booleans())
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    arr = rng.standard_normal(shape).astype(np.float32)
    x = gk.tensor(arr, requires_grad=True)
    tx = torch.tensor(arr, requires_grad=True)
    if op == "prod":
        dims = dims[:1]
        out, tout = x.prod(dims[0], keepdim=keepdim), tx.prod(dims[0], keepdim=keepdim)
    elif op == "norm":
        out = x.norm(dim=dims, keepdim=keepdim)
        tout = torch.linalg.vector_norm(tx, dim=dims, keepdim=keepdim)
    elif op == "var":
        out = x.var(dims, keepdim=keepdim, correction=0)
        tout = tx.var(dims, keepdim=keepdim, correction=0)
    else:
        out = getattr(x, op)(dims, keepdim=keepdim)
        tout = getattr(tx, op)(dims, keepdim=keepdim)
    assert tuple(out.shape) == tuple(tout.shape)
    assert_close(out, tout, rtol=1e-4, atol=1e-5)
    out.sum().backward()
    tout.sum().backward()
    assert x.grad.shape == x.shape
    assert_close(x.grad, tx.grad, rtol=1e-3, atol=1e-4)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, data=st.data())
def test_shape_ops_on_random_shapes(shape, data):
    nd = len(shape)
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    arr = rng.standard_normal(shape).astype(np.float32)
    perm = tuple(data.draw(st.permutations(range(nd))))
    d = data.draw(st.integers(-nd, nd - 1))
    k = data.draw(st.integers(1, 3))
    ops = [
        lambda t: t.permute(*perm).reshape(-1),
        lambda t: t.flip(d).cumsum(d),
        lambda t: t.unsqueeze(0).expand(2, *t.shape) * t.unsqueeze(d % (nd + 1)).sum(),
        lambda t: t.repeat(*([1] * nd)).transpose(0, -1),
        lambda t: list(t.split(k, d))[-1],
        lambda t: list(t.chunk(k, d))[0],
        lambda t: t.softmax(d) * t,
        lambda t: t.flatten(0, d % nd),
        lambda t: t.narrow(d, 0, 1),
    ]
    for op in ops:
        x = gk.tensor(arr, requires_grad=True)
        tx = torch.tensor(arr, requires_grad=True)
        out, tout = op(x), op(tx)
        assert tuple(out.shape) == tuple(tout.shape)
        assert_close(out, tout, rtol=1e-5, atol=1e-6)
        g = rng.standard_normal(tuple(tout.shape)).astype(np.float32)
        out.backward(gk.tensor(g))
        tout.backward(torch.from_numpy(g))
        assert_close(x.grad, tx.grad, rtol=1e-4, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(batch_a=st.lists(st.integers(1, 3), max_size=2).map(tuple),
       batch_b=st.lists(st.integers(1, 3), max_size=2).map(tuple),
       n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3), data=st.data())
def test_matmul_random_batches(batch_a, batch_b, n, k, m, data):
    try:
        np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        with pytest.raises(RuntimeError, match="matmul.*batch"):
            gk.ones(*batch_a, n, k) @ gk.ones(*batch_b, k, m)
        return
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    a = rng.standard_normal(batch_a + (n, k)).astype(np.float32)
    b = rng.standard_normal(batch_b + (k, m)).astype(np.float32)
    ga, gb = gk.tensor(a, requires_grad=True), gk.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = ga @ gb, ta @ tb
    assert tuple(out.shape) == tuple(tout.shape)
    assert_close(out, tout, rtol=1e-4, atol=1e-5)
    out.sum().backward()
    tout.sum().backward()
    assert ga.grad.shape == ga.shape and gb.grad.shape == gb.shape
    assert_close(ga.grad, ta.grad, rtol=1e-4, atol=1e-5)
    assert_close(gb.grad, tb.grad, rtol=1e-4, atol=1e-5)

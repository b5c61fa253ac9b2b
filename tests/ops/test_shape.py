"""Shape and indexing ops: forward vs NumPy, gradients (incl. repeated indices), PyTorch parity,
__setitem__ with and without grad."""

import numpy as np
import pytest
from oracle import assert_close, check_grad, check_second_order, t64, to_torch

import gradkit as gk

IDX_LONG = np.array([2, 0, 2, 1])
MASK = np.array([True, False, True])

# name, input shape, gradkit fn, torch fn (same code where the API is shared)
SHAPE_OPS = [
    ("reshape", (2, 3, 4), lambda t: t.reshape(4, -1)),
    ("reshape_tuple", (2, 3, 4), lambda t: t.reshape((6, 4))),
    ("view", (2, 3, 4), lambda t: t.view(3, 8)),
    ("permute", (2, 3, 4), lambda t: t.permute(2, 0, 1)),
    ("permute_neg", (2, 3, 4), lambda t: t.permute(-1, 1, 0)),
    ("transpose", (2, 3, 4), lambda t: t.transpose(0, 2)),
    ("T", (3, 4), lambda t: t.T),
    ("mT", (2, 3, 4), lambda t: t.mT),
    ("t", (3, 4), lambda t: t.t()),
    ("flatten", (2, 3, 4), lambda t: t.flatten()),
    ("flatten_1", (2, 3, 4), lambda t: t.flatten(1)),
    ("flatten_0_1", (2, 3, 4), lambda t: t.flatten(0, 1)),
    ("unflatten", (2, 12), lambda t: t.unflatten(1, (3, 4))),
    ("unflatten_neg", (2, 12), lambda t: t.unflatten(-1, (-1, 2))),
    ("squeeze", (2, 1, 3, 1), lambda t: t.squeeze()),
    ("squeeze_dim", (2, 1, 3, 1), lambda t: t.squeeze(1)),
    ("squeeze_noop", (2, 1, 3), lambda t: t.squeeze(0)),
    ("unsqueeze", (2, 3), lambda t: t.unsqueeze(1)),
    ("unsqueeze_neg", (2, 3), lambda t: t.unsqueeze(-1)),
    ("expand", (3, 1), lambda t: t.expand(2, 3, 4)),
    ("expand_neg", (3, 1), lambda t: t.expand(-1, 5)),
    ("expand_as", (1, 4), lambda t: t.expand_as(t.new_zeros(3, 4))),
    ("broadcast_to", (3, 1), lambda t: t.broadcast_to((2, 3, 2))),
    ("repeat", (2, 3), lambda t: t.repeat(2, 3)),
    ("repeat_more", (2, 3), lambda t: t.repeat(2, 1, 2)),
    ("flip", (2, 3, 4), lambda t: t.flip((0, 2))),
    ("flip_args", (2, 3, 4), lambda t: t.flip(0, 2)),
    ("flip_neg", (2, 3), lambda t: t.flip([-1])),
    ("narrow", (4, 5), lambda t: t.narrow(1, 1, 3)),
    ("idx_int", (3, 4), lambda t: t[1]),
    ("idx_neg_int", (3, 4), lambda t: t[-1, 2]),
    ("idx_slice", (4, 5), lambda t: t[1:3, ::2]),
    ("idx_neg_slice", (4, 5), lambda t: t[-3:, 1:-1]),
    ("idx_none", (3, 4), lambda t: t[None, :, None, 1]),
    ("idx_ellipsis", (2, 3, 4), lambda t: t[..., 1]),
    ("idx_ellipsis_mid", (2, 3, 4), lambda t: t[0, ..., None]),
    ("idx_long", (3, 4), "long"),
    ("idx_long_2d", (3, 4), "long2d"),
    ("idx_long_pair", (3, 4), "pair"),
    ("idx_bool", (3, 4), "bool"),
    ("idx_bool_full", (3, 2), "boolfull"),
    ("idx_mixed", (3, 4, 2), "mixed"),
    ("idx_list", (4, 3), lambda t: t[[0, 0, 3]]),
]


def _call(fn, t, mod):
    if isinstance(fn, str):
        tensor = mod.tensor
        if fn == "long":
            return t[tensor(IDX_LONG)]
        if fn == "long2d":
            return t[:, tensor(np.array([[0, 3], [3, 3]]))]
        if fn == "pair":
            return t[tensor(np.array([0, 2, 0])), tensor(np.array([1, 3, 1]))]
        if fn == "bool":
            return t[tensor(MASK)]
        if fn == "boolfull":
            return t[tensor(np.array([[True, False], [True, True], [False, True]]))]
        if fn == "mixed":
            return t[1:, tensor(np.array([3, 0, 3])), 0]
    return fn(t)


@pytest.mark.parametrize("name,shape,fn", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_op_grad(rng, name, shape, fn):
    x = t64(rng, *shape)
    check_grad(lambda x: _call(fn, x, gk), [x])


@pytest.mark.parametrize("name,shape,fn", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_op_vs_torch(torch, rng, name, shape, fn):
    x = gk.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    tx = to_torch(torch, x)
    out, tout = _call(fn, x, gk), _call(fn, tx, torch)
    assert tuple(out.shape) == tuple(tout.shape)
    assert_close(out, tout, atol=0, rtol=0)
    g = rng.standard_normal(tuple(tout.shape)).astype(np.float32)
    out.backward(gk.tensor(g))
    tout.backward(torch.from_numpy(g))
    assert_close(x.grad, tx.grad, atol=1e-6)


@pytest.mark.parametrize("name,shape,fn", SHAPE_OPS[::3], ids=[s[0] for s in SHAPE_OPS[::3]])
def test_shape_op_second_order(rng, name, shape, fn):
    # the gradient of (op(x))**3 depends on x through the op's own backward
    check_second_order(lambda x: _call(fn, x, gk) ** 3, [t64(rng, *shape)])


@pytest.mark.parametrize("name,shape,fn", SHAPE_OPS[::2], ids=[s[0] for s in SHAPE_OPS[::2]])
def test_shape_op_noncontiguous(rng, name, shape, fn):
    base = t64(rng, *reversed(shape), requires_grad=False)
    x = base.permute(*range(len(shape) - 1, -1, -1)).detach().requires_grad_()
    if name == "view":  # no view of a permuted tensor exists: PyTorch raises, so does gradkit
        with pytest.raises(RuntimeError, match=r"Use \.reshape"):
            _call(fn, x, gk)
        return
    check_grad(lambda x: _call(fn, x, gk), [x])


def test_repeated_index_accumulates(torch):
    x = gk.tensor([1.0, 2.0, 3.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = [0, 0, 2, 0]
    x[gk.tensor(idx)].sum().backward()
    tx[torch.tensor(idx)].sum().backward()
    assert x.grad.tolist() == tx.grad.tolist() == [3.0, 0.0, 1.0]


# ------------------------------------------------------------------ multi-input ops
def test_cat_stack_grad(rng):
    a, b, c = t64(rng, 2, 3), t64(rng, 1, 3), t64(rng, 4, 3)
    check_grad(lambda a, b, c: gk.cat([a, b, c]), [a, b, c])
    check_grad(lambda a, b, c: gk.cat([a.t(), b.t(), c.t()], dim=1), [a, b, c])
    check_grad(lambda a, b: gk.cat((a, gk.zeros(0, dtype=gk.float64), b)), [a, b])
    x, y = t64(rng, 2, 3), t64(rng, 2, 3)
    for d in (0, 1, 2, -1):
        check_grad(lambda x, y, d=d: gk.stack([x, y], dim=d), [x, y])
    check_second_order(lambda x, y: gk.stack([x * y, y], 1) ** 2, [x, y])


def test_cat_stack_vs_torch(torch, rng):
    a = gk.tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    b = gk.tensor(rng.standard_normal((2, 2)).astype(np.float32), requires_grad=True)
    ta, tb = to_torch(torch, a), to_torch(torch, b)
    out = gk.cat([a, b], dim=-1) * gk.stack([a.sum(1), b.sum(1)], 1).sum(1, keepdim=True)
    tout = torch.cat([ta, tb], dim=-1) * torch.stack([ta.sum(1), tb.sum(1)], 1).sum(1,
                                                                                   keepdim=True)
    assert_close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    assert_close(a.grad, ta.grad)
    assert_close(b.grad, tb.grad)
    # promotion across inputs, like torch
    mixed = gk.cat([gk.ones(2, dtype=gk.int32), gk.ones(1, dtype=gk.float16)])
    assert str(mixed.dtype)[8:] == str(torch.cat([torch.ones(2, dtype=torch.int32),
                                                   torch.ones(1, dtype=torch.float16)]).dtype)[6:]


def test_split_chunk_unbind(torch, rng):
    x = t64(rng, 5, 4)
    tx = to_torch(torch, x)
    for fn in (lambda t: t.split(2), lambda t: t.split([1, 4]), lambda t: t.split(3, dim=1),
               lambda t: t.chunk(2), lambda t: t.chunk(3, 1), lambda t: t.unbind(1),
               lambda t: t.chunk(5, 0)):
        parts, tparts = fn(x), fn(tx)
        assert [tuple(p.shape) for p in parts] == [tuple(p.shape) for p in tparts]
        for p, tp in zip(parts, tparts):
            assert_close(p, tp)
    check_grad(lambda x: gk.cat([p * (i + 1) for i, p in enumerate(x.split([2, 3]))]), [x])
    check_grad(lambda x: gk.stack(x.chunk(2, 1), 0), [x])
    with pytest.raises(RuntimeError, match=r"split_with_sizes.*sum.*5"):
        x.split([2, 2])


def test_gather_scatter_index_select_masked_fill(torch, rng):
    x = t64(rng, 3, 4)
    tx = to_torch(torch, x)
    idx = np.array([[0, 0, 3], [1, 2, 1], [3, 3, 3]])
    out = x.gather(1, gk.tensor(idx))
    tout = tx.gather(1, torch.tensor(idx))
    assert_close(out, tout)
    check_grad(lambda x: x.gather(1, gk.tensor(idx)), [x])
    idx0 = np.array([[2, 0, 1, 1], [0, 0, 0, 2]])
    check_grad(lambda x: gk.gather(x, 0, gk.tensor(idx0)), [x])
    # scatter_add: repeated indices accumulate; gradients for input and src
    src = t64(rng, 2, 4)
    tsrc = to_torch(torch, src)
    sidx = np.array([[0, 1, 2, 0], [0, 1, 0, 0]])
    out = x.scatter_add(0, gk.tensor(sidx), src)
    tout = tx.scatter_add(0, torch.tensor(sidx), tsrc)
    assert_close(out, tout)
    check_grad(lambda x, s: gk.scatter_add(x, 0, gk.tensor(sidx), s), [x, src])
    # index smaller than src
    sidx2 = np.array([[2, 0], [1, 1]])
    check_grad(lambda x, s: x.scatter_add(1, gk.tensor(sidx2), s), [x, src])
    assert_close(x.scatter_add(1, gk.tensor(sidx2), src),
                 tx.scatter_add(1, torch.tensor(sidx2), tsrc))
    # index_select with repeats
    ii = np.array([3, 0, 3])
    assert_close(x.index_select(1, gk.tensor(ii)), tx.index_select(1, torch.tensor(ii)))
    check_grad(lambda x: gk.index_select(x, 1, gk.tensor(ii)), [x])
    check_grad(lambda x: x.index_select(0, gk.tensor([2, 2])), [x])
    # masked_fill with broadcast mask, scalar and 0-d tensor value
    m = np.array([True, False, False, True])
    assert_close(x.masked_fill(gk.tensor(m), -1.0), tx.masked_fill(torch.tensor(m), -1.0))
    check_grad(lambda x: x.masked_fill(gk.tensor(m), 2.0), [x])
    v = t64(rng)
    check_grad(lambda x, v: gk.masked_fill(x, gk.tensor(m), v), [x, v])
    with pytest.raises(RuntimeError, match="boolean"):
        x.masked_fill(gk.tensor([1, 0, 0, 1]), 0.0)


def test_gather_scatter_second_order(rng):
    x = t64(rng, 3, 4)
    src = t64(rng, 2, 4)
    sidx = gk.tensor(np.array([[0, 1, 2, 0], [0, 1, 0, 0]]))
    check_second_order(lambda x, s: gk.scatter_add(x, 0, sidx, s) ** 2, [x, src])
    check_second_order(lambda x: x.gather(0, sidx) ** 3, [x])
    check_second_order(lambda x: x[gk.tensor([0, 0, 2])] ** 3, [x])


# ------------------------------------------------------------------ __setitem__
def test_setitem_without_grad():
    x = gk.zeros(3, 4)
    v0 = x._version
    x[1] = 5.0
    x[:, 0] = gk.tensor([1.0, 2.0, 3.0])
    x[gk.tensor([0, 2]), 3] = -1.0
    x[x > 4] = 7.0
    ref = np.zeros((3, 4), dtype=np.float32)
    ref[1] = 5.0
    ref[:, 0] = [1, 2, 3]
    ref[[0, 2], 3] = -1
    ref[ref > 4] = 7
    np.testing.assert_array_equal(x.numpy(), ref)
    assert x._version == v0 + 4
    y = gk.zeros(2, dtype=gk.int64)
    y[0] = gk.tensor(1.5)  # a plain index copies, casting (PyTorch's copy_)
    assert y.tolist() == [1, 0]
    with pytest.raises(RuntimeError, match="dtypes match"):  # an index tensor: index_put_
        y[gk.tensor([1])] = gk.tensor([1.5])


def test_setitem_with_grad_vs_torch(torch, rng):
    a = rng.standard_normal((3, 4)).astype(np.float32)
    v = rng.standard_normal((4,)).astype(np.float32)
    x = gk.tensor(a, requires_grad=True)
    val = gk.tensor(v, requires_grad=True)
    tx, tval = to_torch(torch, x), to_torch(torch, val)

    def run(mod, x, val):
        y = x * 2
        y[1] = val * 3
        y[0, 1:3] = 0.0
        y[mod.tensor([2, 2]), mod.tensor([0, 0])] = val[0]
        return (y * y).sum()

    out, tout = run(gk, x, val), run(torch, tx, tval)
    assert_close(out, tout, rtol=1e-5)
    out.backward()
    tout.backward()
    assert_close(x.grad, tx.grad)
    assert_close(val.grad, tval.grad)


def test_setitem_grad_check(rng):
    def fn(x, v):
        y = x * 1.0
        y[:, 1] = v
        y[0] = x[0] * v[0]
        return y

    check_grad(fn, [t64(rng, 3, 2), t64(rng, 3)])
    check_second_order(lambda x, v: fn(x, v) ** 2, [t64(rng, 3, 2), t64(rng, 3)])


def test_setitem_leaf_requires_grad_raises():
    x = gk.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 2.0
    with gk.no_grad():
        x[0] = 2.0
    assert x.tolist() == [2.0, 1.0, 1.0]


# ------------------------------------------------------------------ errors
def test_shape_errors():
    x = gk.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"shape \(4, 2\) is invalid for input of size 6"):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(RuntimeError, match="permute.*dims don't match"):
        x.permute(0)
    with pytest.raises(RuntimeError, match=r"expand.*\(3\).*\(2\)|expanded size"):
        gk.ones(2, 1).expand(3, 4)
    with pytest.raises(RuntimeError, match=r"cat\(\).*must match.*\(2, 3\).*\(2, 2\)"):
        gk.cat([x, gk.ones(2, 2)])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but "
                       r"got \[2, 3\] at entry 0 and \[3, 2\] at entry 1$"):  # (PyTorch's lists)
        gk.stack([x, gk.ones(3, 2)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sum(2)
    with pytest.raises(IndexError, match="index 5 is out of bounds|out of bounds"):
        x[gk.tensor([5])]
    with pytest.raises(RuntimeError, match="gather.*out of bounds"):
        x.gather(1, gk.tensor([[3]]))
    with pytest.raises(IndexError, match="tensors used as indices"):
        x[gk.tensor([0.0])]


def test_split_rule_joins_the_pieces_gradients():
    # S.SPLIT's backward: one input-sized array for all pieces, zeros only where a piece got none
    from gradkit._backend import numpy_ns
    from gradkit.ops import shape as S

    a = np.arange(24.0).reshape(4, 6)
    for unbind, idxs in ((False, [(slice(None), slice(0, 2)), (slice(None), slice(2, 6))]),
                         (True, [(slice(None), i, Ellipsis) for i in range(6)])):
        pieces, (aux, _) = S.SPLIT.forward(numpy_ns, a, 1, unbind, idxs)
        assert all(np.shares_memory(p, a) for p in pieces)
        grads = [p * 2 + 1 for p in pieces]
        (full,) = S.SPLIT.backward(numpy_ns, grads, None, None, aux, (True,))
        assert np.array_equal(full, a * 2 + 1)
        grads[0] = None
        (part,) = S.SPLIT.backward(numpy_ns, grads, None, None, aux, (True,))
        expect = a * 2 + 1
        expect[idxs[0]] = 0
        assert np.array_equal(part, expect)


def test_expand_that_repeats_nothing_is_a_writable_view_as_pytorch():
    torch = pytest.importorskip("torch")
    for mod in (gk, torch):
        base = mod.arange(4)
        buf = base.expand((1, -1))  # the position_ids buffer of Hugging Face models
        buf.copy_(mod.arange(4) * 2)
        assert buf.tolist() == [[0, 2, 4, 6]] and base.tolist() == [0, 2, 4, 6]
        with pytest.raises(RuntimeError, match="more than one element"):
            mod.ones(1, 4).expand(3, 4).copy_(mod.zeros(3, 4))

"""gradkit/functions/_splitting.py: split, split_with_sizes, chunk and unbind against PyTorch:
values, gradients (exact), second order, grad_fn names and next_functions, the pieces as views of
their input (storage, ``_base``, version counter, writes both ways), the refused in-place write
on a piece, hooks, retain_graph, pieces left unused, dtypes and empty pieces."""

import numpy as np
import pytest

import gradkit as gk

A46 = np.random.default_rng(3).standard_normal((4, 6))

# name, fn(lib, x) -> scalar loss (x: a (4, 6) float64 leaf)
LOSSES = [
    ("split_all", lambda L, x: sum(((p * (i + 1)) ** 2).sum()
                                   for i, p in enumerate((x * 1).split(2, 1)))),
    ("split_one_used", lambda L, x: ((x * 1).split(2, 1)[1] ** 3).sum()),
    ("split_sizes_empty_piece", lambda L, x: sum(p.exp().sum()
                                                 for p in (x * 1).split([1, 0, 5], 1))),
    ("split_with_sizes_fn", lambda L, x: sum(p.tanh().sum() * k for k, p in
                                             enumerate(L.split_with_sizes(x * 1, [3, 1], 0)))),
    ("chunk_uneven", lambda L, x: sum(p.sin().sum() * k
                                      for k, p in enumerate((x * 1).chunk(4, 1)))),
    ("unbind_dim1", lambda L, x: sum((p ** 2).sum() * k
                                     for k, p in enumerate((x * 1).unbind(1)))),
    ("unbind_to_0d", lambda L, x: sum(p * p * k for k, p in enumerate((x[0] * 1).unbind(0)))),
    ("unbind_one_used", lambda L, x: (x * 1).unbind(0)[2].sum()),
    ("split_of_leaf", lambda L, x: x.split(3, 1)[0].sum() * 2),
    ("view_of_a_piece", lambda L, x: (x * 1).split(3, 1)[1][1:].cos().sum()),
    ("non_contiguous", lambda L, x: sum(p.sum() * 3 for p in (x.t() * 1).split(2, 1)[::2])),
    ("split_negative_dim", lambda L, x: sum((p * p).sum() for p in (x * 1).split(5, -1))),
]


def _run(L, fn, create_graph=False):
    x = L.tensor(A46, requires_grad=True)
    loss = fn(L, x)
    (g,) = L.autograd.grad(loss, x, create_graph=create_graph)
    return x, loss, g


@pytest.mark.parametrize("fn", [f for _, f in LOSSES], ids=[n for n, _ in LOSSES])
def test_values_and_gradients_exactly_as_torch(torch, fn):
    _, tl, tg = _run(torch, fn)
    _, gl, gg = _run(gk, fn)
    np.testing.assert_allclose(gl.detach().numpy(), tl.detach().numpy(), rtol=1e-13, atol=0)
    np.testing.assert_allclose(gg.numpy(), tg.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("fn", [f for _, f in LOSSES], ids=[n for n, _ in LOSSES])
def test_second_order_as_torch(torch, fn):
    res = []
    for L in (torch, gk):
        x, _, g = _run(L, fn, create_graph=True)
        if not g.requires_grad:
            res.append(None)
            continue
        (h,) = L.autograd.grad((g ** 2).sum(), x, allow_unused=True)
        res.append(None if h is None else h.numpy())
    if res[0] is None:
        assert res[1] is None
    else:
        np.testing.assert_allclose(res[1], res[0], rtol=1e-12, atol=1e-12)


PIECES = [
    lambda L, y: y.split(2, 1),
    lambda L, y: y.split([1, 5], 1),
    lambda L, y: L.split(y, [2, 2], 0),
    lambda L, y: y.chunk(3, 1),
    lambda L, y: y.chunk(4, 1),
    lambda L, y: y.unbind(1),
    lambda L, y: L.unbind(y, 0),
    lambda L, y: L.split_with_sizes(y, [3, 3], 1),
    lambda L, y: L.unsafe_split(y, 2, 1),
    lambda L, y: L.unsafe_chunk(y, 2, 0),
    lambda L, y: L.unsafe_split_with_sizes(y, [1, 5], 1),
    lambda L, y: L.zeros(0, 3, requires_grad=True).mul(1).chunk(2),
    lambda L, y: L.zeros(0, 3, requires_grad=True).mul(1).split(0),
]


def _names(L, fn):
    y = L.tensor(A46, requires_grad=True) * 1
    pieces = fn(L, y)
    return [(type(p.grad_fn).__name__, tuple(type(n).__name__ for n, _ in
                                              p.grad_fn.next_functions), tuple(p.shape))
            for p in pieces]


@pytest.mark.parametrize("fn", PIECES)
def test_grad_fn_names_and_next_functions_as_torch(torch, fn):
    assert _names(gk, fn) == _names(torch, fn)


def test_pieces_of_one_call_share_one_node():
    # one node for every piece: a backward makes one input-sized gradient, not one per piece
    y = gk.ones(3, 8, requires_grad=True) * 2
    for pieces in (y.split(2, 1), y.chunk(3, 1), y.unbind(1), y.split([3, 5], 1)):
        nodes = {id(p._grad_fn.next[0]) for p in pieces}
        assert len(nodes) == 1 and pieces[0]._grad_fn.next[0] is not y._grad_fn
        assert pieces[0]._grad_fn.next[0].next[0] is y._grad_fn
        assert pieces[0].grad_fn.next_functions[0][0] is y.grad_fn


MAKERS = [lambda L, x: x.split(2, 1), lambda L, x: x.unbind(1), lambda L, x: x.chunk(2, 0)]


@pytest.mark.parametrize("make", MAKERS)
def test_pieces_are_views_of_their_input_as_torch(torch, make):
    res = []
    for L in (torch, gk):
        x = L.zeros(2, 4)
        pieces = make(L, x)
        x[0, 0] = 5.0              # a write into the input shows in the pieces
        pieces[-1].add_(1)         # and one into a piece in the input
        res.append((pieces[0].flatten()[0].item(), x.sum().item(), pieces[0]._version,
                    x._version, pieces[0]._base is x, pieces[0]._is_view()))
    assert res[0] == res[1]


@pytest.mark.parametrize("make", MAKERS)
def test_pieces_recorded_with_grad_are_views_as_torch(torch, make):
    res = []
    for L in (torch, gk):
        y = L.zeros(2, 4, requires_grad=True) * 1
        pieces = make(L, y)
        res.append(([p._base is y for p in pieces], [p._is_view() for p in pieces],
                    [p._version for p in pieces], [p.requires_grad for p in pieces],
                    [p.is_leaf for p in pieces]))
    assert res[0] == res[1]
    y = gk.zeros(2, 4, requires_grad=True) * 1
    pieces = make(gk, y)
    assert all(np.shares_memory(p._data, y._data) for p in pieces if p.numel())


@pytest.mark.parametrize("make,shown", [
    (lambda y: y.split(2, 1)[0], "SplitBackward0"),
    (lambda y: y.split([1, 5], 1)[1], "SplitWithSizesBackward0"),
    (lambda y: y.chunk(2, 1)[1], "SplitBackward0"),
    (lambda y: y.unbind(0)[0], "UnbindBackward0"),
    (lambda y: y.unbind(0)[0][1:], "UnbindBackward0"),  # a view of a piece
])
@pytest.mark.parametrize("write", [lambda p: p.mul_(2), lambda p: p.__setitem__(0, 1.0)])
def test_inplace_write_to_a_piece_is_refused_as_torch(torch, make, shown, write):
    for L in (torch, gk):
        y = L.ones(4, 6, requires_grad=True) * 1
        p = make(y)
        with pytest.raises(RuntimeError, match="is a view and is being modified inplace"):
            write(p)
        detached = make(y).detach()  # a detached piece takes the write
        write(detached)
        with L.no_grad():  # and so does a piece without grad
            write(make(L.ones(4, 6)))
    with pytest.raises(RuntimeError, match=shown):
        write(make(gk.ones(4, 6, requires_grad=True) * 1))


def test_unsafe_pieces_take_inplace_writes_as_torch(torch):
    res = []
    for L in (torch, gk):
        x = L.ones(2, 4, requires_grad=True)
        a, b = L.unsafe_split(x * 1, 2, 1)
        a.mul_(3)
        (a.sum() + 2 * b.sum()).backward()
        res.append(x.grad.numpy().tolist())
    assert res[0] == res[1]


def test_hooks_retain_grad_and_retain_graph_as_torch(torch):
    res = []
    for L in (torch, gk):
        x = L.tensor(A46, requires_grad=True)
        a, b, c = (x * 2).split(2, 1)
        seen = []
        a.register_hook(lambda g, seen=seen: seen.append(g.sum().item()) or g * 10)
        b.retain_grad()
        loss = (a * b).sum() + c.sum()
        loss.backward(retain_graph=True)
        loss.backward()
        res.append((x.grad.numpy().tolist(), seen, b.grad.numpy().tolist()))
    assert res[0] == res[1]


def test_backward_twice_without_retain_graph_raises():
    x = gk.ones(2, 4, requires_grad=True)
    loss = sum(p.sum() for p in (x * 1).unbind(1))
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


@pytest.mark.parametrize("dtype", ["float32", "float16", "complex64"])
def test_other_dtypes_as_torch(torch, dtype):
    res = []
    for L in (torch, gk):
        x = L.tensor(A46, dtype=getattr(L, dtype), requires_grad=True)
        (x * 1).unbind(1)[1].abs().sum().backward()
        a, _ = (x * 1).split(2, 0)
        (a.abs() * 2).sum().backward()
        res.append((str(x.grad.dtype).split(".")[-1], x.grad.numpy()))
    assert res[0][0] == res[1][0]
    if dtype == "complex64":  # (PyTorch's complex abs gradient x / |x| rounds by its vector
        # width: one entry is an ulp apart on an AVX2 machine, not on an AVX-512 one)
        np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-6, atol=0)
    else:
        assert res[0][1].tolist() == res[1][1].tolist()


def test_integer_pieces_and_no_grad_as_torch(torch):
    res = []
    for L in (torch, gk):
        x = L.arange(12).reshape(3, 4)
        y = L.ones(3, 4, requires_grad=True) * 1
        with L.no_grad():
            ps = y.split(2, 1)
        res.append(([p.tolist() for p in x.unbind(1)], [p.grad_fn is None for p in ps],
                    [p.tolist() for p in ps]))
    assert res[0] == res[1]


def test_a_long_unbind_loop_as_torch(torch):
    # time-series code: one step per piece
    a = np.random.default_rng(1).standard_normal((3, 100, 2))
    res = []
    for L in (torch, gk):
        x = L.tensor(a, requires_grad=True)
        h = L.zeros(3, 2, dtype=L.float64)
        for xt in (x * 1).unbind(1):
            h = L.tanh(h + xt)
        h.sum().backward()
        res.append(x.grad.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-12, atol=1e-14)

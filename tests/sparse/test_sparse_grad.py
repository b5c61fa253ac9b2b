"""Sparse gradients against PyTorch: nn.Embedding / F.embedding / EmbeddingBag with sparse=True
give the weight a sparse COO ``.grad`` with PyTorch's entries (uncoalesced, padding rows left
out), which accumulates over backward calls and mixes with dense gradients as PyTorch's engine
does; zero_grad, printing and gradient clipping as PyTorch's."""

import warnings

import numpy as np
import pytest

import gradkit as gk

IDX = [[1, 2, 4], [4, 3, 1]]


@pytest.fixture
def torch(torch):
    warnings.filterwarnings("ignore", message=".*[Ss]parse.*")
    return torch


def tables(torch, n=6, d=3, dtype=np.float32, seed=0, **kw):
    w = np.random.default_rng(seed).standard_normal((n, d)).astype(dtype)
    g = gk.nn.Embedding(n, d, sparse=True, _weight=gk.tensor(w), **kw)
    t = torch.nn.Embedding(n, d, sparse=True, _weight=torch.tensor(w), **kw)
    return g, t


def same_sparse(g, t, coalesce_first=False):
    """Layout, flags, indices and values (as stored, unless coalesce_first) equal."""
    assert g.is_sparse and t.is_sparse
    if coalesce_first:
        g, t = g.coalesce(), t.coalesce()
    assert g.is_coalesced() == t.is_coalesced()
    assert g.dtype == getattr(gk, str(t.dtype).split(".")[1])
    assert tuple(g.shape) == tuple(t.shape)
    np.testing.assert_array_equal(g._indices().numpy(), t._indices().numpy())
    assert g._indices().dtype == gk.int64
    np.testing.assert_allclose(g._values().numpy(), t._values().detach().numpy(), rtol=1e-6,
                               atol=1e-7)
    np.testing.assert_allclose(g.to_dense().numpy(), t.to_dense().numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 1}, {"padding_idx": -2}, {"max_norm": 1.0},
                                {"max_norm": 0.5, "norm_type": 1.0}])
def test_embedding_grad_is_pytorchs_sparse_grad(torch, kw):
    g, t = tables(torch, **kw)
    up = np.random.default_rng(1).standard_normal((2, 3, 3)).astype(np.float32)
    (g(gk.tensor(IDX)) * gk.tensor(up)).sum().backward()
    (t(torch.tensor(IDX)) * torch.tensor(up)).sum().backward()
    same_sparse(g.weight.grad, t.weight.grad)
    same_sparse(g.weight.grad, t.weight.grad, coalesce_first=True)
    np.testing.assert_allclose(g.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-6)


def test_functional_embedding_float64_int32_indices(torch):
    w = np.random.default_rng(2).standard_normal((5, 2))
    gw, tw = gk.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    gk.nn.functional.embedding(gk.tensor([3, 1, 3], dtype=gk.int32), gw, sparse=True).pow(
        2).sum().backward()
    torch.nn.functional.embedding(torch.tensor([3, 1, 3], dtype=torch.int32), tw,
                                  sparse=True).pow(2).sum().backward()
    same_sparse(gw.grad, tw.grad)
    assert gw.grad.dtype == gk.float64


def test_sparse_grads_accumulate_as_pytorchs_sparse_add(torch):
    """PyTorch's CPU sparse add merges the two entry lists in stored order (equal heads summed
    into one entry), so uncoalesced gradients keep its entries and order."""
    g, t = tables(torch, padding_idx=0)
    for idx in (IDX, [[5, 2, 0]], [[2]], [[3]], [[3, 3]], [[1]], [[0]], [[4, 0, 1, 5, 1]]):
        g(gk.tensor(idx)).pow(2).sum().backward()
        t(torch.tensor(idx)).pow(2).sum().backward()
        same_sparse(g.weight.grad, t.weight.grad)
    same_sparse(g.weight.grad, t.weight.grad, coalesce_first=True)


@pytest.mark.parametrize("seed", range(6))
def test_sparse_plus_sparse_merges_as_pytorch(torch, seed):
    rng = np.random.default_rng(seed)
    ops = []
    for lib in (gk, torch):
        a_i, b_i = rng.integers(0, 5, (2, 7)), rng.integers(0, 5, (2, 4))
        a_v, b_v = rng.standard_normal((7, 2)), rng.standard_normal((4, 2))
        a = lib.sparse_coo_tensor(lib.tensor(a_i), lib.tensor(a_v), (5, 5, 2))
        b = lib.sparse_coo_tensor(lib.tensor(b_i), lib.tensor(b_v), (5, 5, 2))
        ops.append((a + b, a - b, b + a, a.coalesce() + b.coalesce(), a + b.coalesce()))
        rng = np.random.default_rng(seed)
    for x, y in zip(*ops):
        same_sparse(x, y)


def test_one_table_looked_up_twice_in_one_backward(torch):
    g, t = tables(torch)
    (g(gk.tensor(IDX)).sum() + 3 * g(gk.tensor([0, 1])).sum()).backward()
    (t(torch.tensor(IDX)).sum() + 3 * t(torch.tensor([0, 1])).sum()).backward()
    same_sparse(g.weight.grad.coalesce(), t.weight.grad.coalesce())


@pytest.mark.parametrize("order", ["in_one_backward", "dense_first", "sparse_first",
                                   "two_backwards_dense_first", "two_backwards_sparse_first"])
def test_sparse_and_dense_grads_mix_as_pytorch(torch, order):
    """An embedding table also used densely (tied weights): the sum is dense, as PyTorch's."""
    w = np.random.default_rng(3).standard_normal((5, 2)).astype(np.float32)
    grads = []
    for lib in (gk, torch):
        p = lib.nn.Parameter(lib.tensor(w))
        def sp(lib=lib, p=p):
            return lib.nn.functional.embedding(lib.tensor([1, 1, 4]), p, sparse=True).sum()

        def de(lib=lib, p=p):
            return (p * lib.tensor(2.0)).pow(2).sum()

        if order == "in_one_backward":
            (sp() + de()).backward()
        elif order == "dense_first":
            (de() + sp()).backward()
        elif order == "sparse_first":
            (sp() * 1 + de()).backward()
        elif order == "two_backwards_dense_first":
            de().backward()
            sp().backward()
        else:
            sp().backward()
            de().backward()
        assert not p.grad.is_sparse
        grads.append(p.grad.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


def test_non_leaf_weight_gets_the_sparse_grad_through_a_scale(torch):
    w = np.random.default_rng(4).standard_normal((5, 2)).astype(np.float32)
    gw, tw = gk.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    gk.nn.functional.embedding(gk.tensor([1, 3]), gw * 3, sparse=True).sum().backward()
    torch.nn.functional.embedding(torch.tensor([1, 3]), tw * 3, sparse=True).sum().backward()
    same_sparse(gw.grad, tw.grad)


def test_empty_lookup_and_all_padding_give_an_empty_sparse_grad(torch):
    g, t = tables(torch, padding_idx=1)
    for idx in ([], [1, 1]):
        g.weight.grad = None
        t.weight.grad = None
        g(gk.tensor(idx, dtype=gk.int64)).sum().backward()
        t(torch.tensor(idx, dtype=torch.int64)).sum().backward()
        same_sparse(g.weight.grad, t.weight.grad)
        assert g.weight.grad._nnz() == 0


def test_scale_grad_by_freq_with_sparse_raises_as_pytorch(torch):
    g, t = tables(torch, scale_grad_by_freq=True)
    with pytest.raises(RuntimeError) as te:
        t(torch.tensor(IDX)).sum().backward()
    with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported with sparse"):
        g(gk.tensor(IDX)).sum().backward()
    assert "scale_grad_by_freq not supported with sparse" in str(te.value)


@pytest.mark.parametrize("mode, kw", [
    (mode, kw) for mode in ("sum", "mean")
    for kw in ({}, {"padding_idx": 1}, {"two_d": True}, {"include_last_offset": True})
] + [("sum", {"psw": True})])
def test_embedding_bag_sparse_grad(torch, mode, kw):
    w = np.random.default_rng(5).standard_normal((6, 2)).astype(np.float32)
    inp = [1, 2, 4, 4, 3, 1, 0]
    outs = []
    for lib in (gk, torch):
        p = lib.nn.Parameter(lib.tensor(w))
        args = {"mode": mode, "sparse": True}
        if kw.get("two_d"):
            x, off = lib.tensor(inp[:6]).reshape(2, 3), None
        else:
            x = lib.tensor(inp)
            off = lib.tensor([0, 3, 5, 7] if kw.get("include_last_offset") else [0, 3, 5])
            args["include_last_offset"] = bool(kw.get("include_last_offset"))
        if "padding_idx" in kw:
            args["padding_idx"] = kw["padding_idx"]
        if kw.get("psw"):
            args["per_sample_weights"] = lib.arange(1.0, 8.0)
        out = lib.nn.functional.embedding_bag(x, p, off, **args)
        (out * lib.arange(1.0, out.numel() + 1.0).reshape(out.shape)).sum().backward()
        outs.append(p.grad)
    same_sparse(*outs)


def test_embedding_bag_max_mode_refuses_sparse(torch):
    with pytest.raises(ValueError):
        torch.nn.EmbeddingBag(5, 2, mode="max", sparse=True)(torch.tensor([[1, 2]]))
    with pytest.raises(ValueError, match="max mode does not support sparse weights"):
        gk.nn.EmbeddingBag(5, 2, mode="max", sparse=True)(gk.tensor([[1, 2]]))


def test_embedding_bag_module_sparse_grad(torch):
    w = np.random.default_rng(6).standard_normal((6, 2)).astype(np.float32)
    g = gk.nn.EmbeddingBag.from_pretrained(gk.tensor(w), freeze=False, mode="sum", sparse=True)
    t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), freeze=False, mode="sum",
                                              sparse=True)
    g(gk.tensor([[1, 2], [2, 5]])).pow(2).sum().backward()
    t(torch.tensor([[1, 2], [2, 5]])).pow(2).sum().backward()
    same_sparse(g.weight.grad, t.weight.grad)
    assert repr(g) == repr(t)


@pytest.mark.parametrize("how", ["optimizer", "module"])
def test_zero_grad_keeps_an_empty_sparse_grad(torch, how):
    g, t = tables(torch)
    g(gk.tensor(IDX)).sum().backward()
    t(torch.tensor(IDX)).sum().backward()
    if how == "optimizer":
        gk.optim.SGD(g.parameters(), lr=0.1).zero_grad(set_to_none=False)
        torch.optim.SGD(t.parameters(), lr=0.1).zero_grad(set_to_none=False)
    else:
        g.zero_grad(set_to_none=False)
        t.zero_grad(set_to_none=False)
    same_sparse(g.weight.grad, t.weight.grad)
    assert g.weight.grad._nnz() == 0
    g(gk.tensor([[0, 5]])).sum().backward()  # then the entries of the next backward
    # PyTorch 2.13 raises here ("Trying to resize storage that is not resizable": the emptied
    # gradient's values are a view of its backward's buffer); gradkit takes the new entries
    t.weight.grad = None
    t(torch.tensor([[0, 5]])).sum().backward()
    same_sparse(g.weight.grad, t.weight.grad)
    g.zero_grad()
    assert g.weight.grad is None


def test_sparse_grad_prints_as_pytorch(torch):
    g, t = tables(torch, padding_idx=1)
    g(gk.tensor(IDX)).sum().backward()
    t(torch.tensor(IDX)).sum().backward()
    assert repr(g.weight.grad).replace("gradkit.", "torch.") == repr(t.weight.grad)
    assert repr(g.weight.grad.coalesce()).replace("gradkit.", "torch.") == \
        repr(t.weight.grad.coalesce())


def test_clipping_sparse_grads_as_pytorch(torch):
    for fn in ("clip_grad_norm_", "clip_grad_value_"):
        g, t = tables(torch)
        g(gk.tensor(IDX)).sum().backward()
        t(torch.tensor(IDX)).sum().backward()
        with pytest.raises(NotImplementedError):
            getattr(torch.nn.utils, fn)(t.parameters(), 0.5)
        with pytest.raises(NotImplementedError, match="sparse COO gradient"):
            getattr(gk.nn.utils, fn)(g.parameters(), 0.5)
    with pytest.raises(NotImplementedError, match="sparse"):
        gk.nn.utils.get_total_norm([g.weight.grad])
    gk.nn.utils.clip_grads_with_norm_(g.parameters(), 1.0, gk.tensor(5.0))
    torch.nn.utils.clip_grads_with_norm_(t.parameters(), 1.0, torch.tensor(5.0))
    same_sparse(g.weight.grad, t.weight.grad)


def test_dense_plus_sparse_in_place_adds_in_order():
    """``dense += sparse`` (the engine's accumulation) adds every entry, duplicates included."""
    s = gk.sparse_coo_tensor(gk.tensor([[0, 2, 0]]), gk.tensor([[1.0, 2.0], [3.0, 4.0],
                                                                 [5.0, 6.0]]), (3, 2))
    d = gk.ones(3, 2)
    arr = d._data
    arr += s._data
    np.testing.assert_array_equal(d.numpy(), [[7.0, 9.0], [1.0, 1.0], [4.0, 5.0]])

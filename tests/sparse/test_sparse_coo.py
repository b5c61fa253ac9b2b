"""Sparse COO tensors against PyTorch: construction, printing, coalescing, conversions,
arithmetic, the sparse ops and their gradients (dense operand and sparse leaf), and errors."""

import warnings

import numpy as np
import pytest

import gradkit as gk

IDX = [[0, 1, 1, 0, 2], [2, 0, 2, 2, 1]]  # (0, 2) twice: an uncoalesced tensor
VAL = [3.0, 4.0, 5.0, 1.0, -2.0]
SIZE = (3, 4)


@pytest.fixture
def torch(torch):
    warnings.filterwarnings("ignore", message=".*[Ss]parse.*")
    return torch


def pair(torch, idx=IDX, val=VAL, size=SIZE, requires_grad=False, dtype=None, **kw):
    g = gk.sparse_coo_tensor(gk.tensor(idx), gk.tensor(val, dtype=dtype), size,
                             requires_grad=requires_grad, **kw)
    tdt = None if dtype is None else getattr(torch, str(np.dtype(dtype)))
    args = () if size is None else (size,)
    t = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(val, dtype=tdt), *args,
                                requires_grad=requires_grad, **kw)
    return g, t


def dense_of(x):
    x = x.to_dense() if x.is_sparse else x
    return x.detach().numpy()


def same(g, t, atol=1e-6):
    """Same layout, shape, dtype and (densified) values."""
    assert g.is_sparse == t.is_sparse
    assert tuple(g.shape) == tuple(t.shape)
    assert str(g.dtype).replace("gradkit.", "") == str(t.dtype).replace("torch.", "")
    np.testing.assert_allclose(dense_of(g), dense_of(t), atol=atol, rtol=1e-6)


def torch_repr(x):
    return repr(x).replace("gradkit.", "torch.")


# ------------------------------------------------------------------ construction and printing
@pytest.mark.parametrize("case", ["uncoalesced", "float64", "int", "hybrid", "empty", "grad",
                                  "coalesced", "inferred", "one"])
def test_repr_and_attributes_match_torch(torch, case):
    kw = {}
    idx, val, size = IDX, VAL, SIZE
    if case == "float64":
        kw["dtype"] = np.float64
    elif case == "int":
        val = [1, 2, 3, 4, 5]
    elif case == "hybrid":
        val = np.arange(10.0).reshape(5, 2).tolist()
        size = SIZE + (2,)
    elif case == "empty":
        idx, val = np.zeros((2, 0), np.int64).tolist(), []
    elif case == "grad":
        kw["requires_grad"] = True
    elif case == "inferred":
        size = None
    elif case == "one":
        idx, val = [[1], [3]], [7.0]
    if case == "empty":
        g = gk.sparse_coo_tensor(gk.zeros(2, 0, dtype=gk.int64), gk.zeros(0), size)
        t = torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0), size)
    else:
        g, t = pair(torch, idx, val, size, **kw)
    if case == "coalesced":
        g, t = g.coalesce(), t.coalesce()
    assert torch_repr(g) == repr(t)
    assert g.is_sparse and t.is_sparse
    assert repr(g.layout).replace("gradkit", "torch") == repr(t.layout) == "torch.sparse_coo"
    assert g.is_coalesced() == t.is_coalesced()
    assert g._nnz() == t._nnz()
    assert (g.sparse_dim(), g.dense_dim()) == (t.sparse_dim(), t.dense_dim())
    assert tuple(g.shape) == tuple(t.shape) and g.dim() == t.dim() and g.numel() == t.numel()
    assert g.size(-1) == t.size(-1) and len(g) == len(t)
    assert g.requires_grad == t.requires_grad and g.is_leaf == t.is_leaf
    assert str(g.device) == str(t.device) == "cpu"
    same(g, t)


def test_layout_objects_and_dense_tensors(torch):
    x = gk.ones(2, 3)
    assert x.layout is gk.strided and not x.is_sparse
    assert repr(gk.strided) == "gradkit.strided" and repr(gk.sparse_coo) == "gradkit.sparse_coo"
    assert isinstance(gk.strided, gk.layout) and gk.strided is not gk.sparse_coo
    tx = torch.ones(2, 3)
    assert (x.sparse_dim(), x.dense_dim()) == (tx.sparse_dim(), tx.dense_dim())
    assert x.to_dense() is x
    assert not x.is_cuda and not gk.sparse_coo_tensor([[0]], [1.0], (2,)).is_cuda


def test_is_coalesced_flag_and_trivial_cases(torch):
    for idx, val in (([[0]], [1.0]), ([[0, 1]], [1.0, 2.0]), ([[1, 0]], [1.0, 2.0])):
        g, t = pair(torch, idx, val, (2,))
        assert g.is_coalesced() == t.is_coalesced()
    g, t = pair(torch, [[0, 1]], [1.0, 2.0], (2,), is_coalesced=True)
    assert g.is_coalesced() and t.is_coalesced()


def test_coalesced_underscore_sets_the_flag_in_place(torch):
    """``_coalesced_(True)`` (PyTorch Geometric's ``to_edge_index``) marks sorted unique entries
    coalesced without a copy, so ``indices()`` may be read; ``False`` unmarks."""
    g, t = pair(torch, [[0, 1, 1], [1, 0, 2]], [1.0, 2.0, 3.0], (2, 3))
    for x in (g, t):
        assert not x.is_coalesced()
        assert x._coalesced_(True) is x and x.is_coalesced()
    assert g.indices().tolist() == t.indices().tolist()
    assert not g._coalesced_(False).is_coalesced() and not t._coalesced_(False).is_coalesced()


def test_coalesce_sums_duplicates_sorts_and_keeps_zeros(torch):
    idx = [[2, 0, 1, 0, 2, 1], [1, 2, 0, 2, 1, 0]]
    val = [1.0, 3.0, 4.0, 1.0, -1.0, 0.0]
    g, t = pair(torch, idx, val, SIZE)
    gc, tc = g.coalesce(), t.coalesce()
    assert gc.is_coalesced() and not g.is_coalesced()
    np.testing.assert_array_equal(gc.indices().numpy(), tc.indices().numpy())
    np.testing.assert_allclose(gc.values().numpy(), tc.values().numpy())
    assert gc._nnz() == tc._nnz() == 3  # (2, 1) sums to 0 and stays an entry
    assert gc.coalesce() is gc
    assert gc.indices().dtype == gk.int64
    same(g, t)


def test_hybrid_coalesce_and_to_sparse_sparse_dim(torch):
    val = np.arange(10.0).reshape(5, 2)
    g, t = pair(torch, IDX, val.tolist(), SIZE + (2,))
    np.testing.assert_allclose(g.coalesce().values().numpy(), t.coalesce().values().numpy())
    a = np.zeros((3, 4, 2))
    a[0, 1] = [1.0, 0.0]
    a[2, 3] = [0.0, 5.0]
    # sparse_dim by PyTorch's keyword (a constrained-optimization library's tests pass it so)
    for kw in ({}, {"sparse_dim": 1}, {"sparse_dim": 2}, {"dense_dim": 1}):
        gs = gk.tensor(a).to_sparse(**kw)
        ts = torch.tensor(a).to_sparse(**kw)
        assert torch_repr(gs) == repr(ts)
    assert torch_repr(gk.tensor(a).to_sparse(1)) == repr(torch.tensor(a).to_sparse(1))
    assert torch_repr(gk.tensor(a).to_sparse_coo()) == repr(torch.tensor(a).to_sparse_coo())


def test_size_inferred_from_indices_and_values(torch):
    g, t = pair(torch, size=None)
    assert tuple(g.shape) == tuple(t.shape) == (3, 3)
    g = gk.sparse_coo_tensor(gk.tensor(IDX), gk.ones(5, 2))
    t = torch.sparse_coo_tensor(torch.tensor(IDX), torch.ones(5, 2))
    assert tuple(g.shape) == tuple(t.shape) == (3, 3, 2)


def test_values_from_lists_dtype_argument_and_legacy_type(torch):
    g = gk.sparse_coo_tensor(IDX, VAL, SIZE, dtype=gk.float64)
    t = torch.sparse_coo_tensor(IDX, VAL, SIZE, dtype=torch.float64)
    same(g, t)
    g = gk.sparse.FloatTensor(gk.tensor(IDX), gk.tensor(VAL, dtype=gk.float64), gk.Size(SIZE))
    t = torch.sparse.FloatTensor(torch.tensor(IDX), torch.tensor(VAL, dtype=torch.float64),
                                 torch.Size(SIZE))
    same(g, t)
    for name in ("FloatTensor", "DoubleTensor"):
        assert isinstance(g, getattr(gk.sparse, name)) == isinstance(t, getattr(torch.sparse,
                                                                                 name))
    assert isinstance(gk.sparse.FloatTensor(gk.tensor(IDX), VAL), gk.sparse.FloatTensor)
    assert torch_repr(gk.sparse.FloatTensor(2, 3)) == repr(torch.sparse.FloatTensor(2, 3))
    assert torch_repr(gk.sparse_coo_tensor((2, 3), dtype=gk.float64)) == repr(
        torch.sparse_coo_tensor((2, 3), dtype=torch.float64))


# ------------------------------------------------------------------ indices / values access
def test_indices_values_need_coalesced_underscored_do_not(torch):
    g, t = pair(torch)
    for name in ("indices", "values"):
        with pytest.raises(RuntimeError, match="uncoalesced") as ge:
            getattr(g, name)()
        with pytest.raises(RuntimeError) as te:
            getattr(t, name)()
        assert str(ge.value).split(",")[0] == str(te.value).split(",")[0]
    np.testing.assert_array_equal(g._indices().numpy(), t._indices().numpy())
    np.testing.assert_allclose(g._values().numpy(), t._values().numpy())


# ------------------------------------------------------------------ arithmetic and shape
@pytest.mark.parametrize("op", ["mul2", "rmul", "div", "neg", "add_ss", "add_same", "sub_ss",
                                "mul_dense", "dense_add", "dense_sub", "t", "transpose", "T",
                                "to64", "double", "clone", "detach", "mul_ss", "pow",
                                "mul_0d", "sum_all"])
def test_arithmetic_matches_torch(torch, op):
    g, t = pair(torch)
    g2, t2 = pair(torch, [[1, 2, 0], [3, 1, 2]], [1.5, -1.0, 2.0], SIZE)
    dn = np.arange(12.0, dtype=np.float32).reshape(SIZE) - 5
    gd, td = gk.tensor(dn), torch.tensor(dn)
    fns = {
        "mul2": lambda s, s2, d: s * 2, "rmul": lambda s, s2, d: 2.5 * s,
        "div": lambda s, s2, d: s / 4, "neg": lambda s, s2, d: -s,
        "add_ss": lambda s, s2, d: s + s2, "add_same": lambda s, s2, d: s + s,
        "sub_ss": lambda s, s2, d: s - s2, "mul_dense": lambda s, s2, d: s * d,
        "dense_add": lambda s, s2, d: d + s, "dense_sub": lambda s, s2, d: d - s,
        "t": lambda s, s2, d: s.t(), "transpose": lambda s, s2, d: s.transpose(0, 1),
        "T": lambda s, s2, d: s.T, "to64": lambda s, s2, d: s.to(
            gk.float64 if isinstance(s, gk.Tensor) else torch.float64),
        "double": lambda s, s2, d: s.double(), "clone": lambda s, s2, d: s.clone(),
        "detach": lambda s, s2, d: s.detach(), "mul_ss": lambda s, s2, d: s * s2,
        "pow": lambda s, s2, d: s.pow(2), "sum_all": lambda s, s2, d: s.sum(),
        "mul_0d": lambda s, s2, d: s * (gk.tensor(3.0) if isinstance(s, gk.Tensor)
                                         else torch.tensor(3.0)),
    }
    rg, rt = fns[op](g, g2, gd), fns[op](t, t2, td)
    same(rg, rt)
    if rg.is_sparse and op not in ("mul_ss",):
        assert rg.is_coalesced() == rt.is_coalesced()
    gc, tc = g.coalesce(), t.coalesce()
    rg, rt = fns[op](gc, g2.coalesce(), gd), fns[op](tc, t2.coalesce(), td)
    same(rg, rt)
    if rg.is_sparse:
        assert rg.is_coalesced() == rt.is_coalesced()


# ------------------------------------------------------------------ products and gradients
def _mm_faces(gk_or_torch):
    m = gk_or_torch
    return {"sparse.mm": m.sparse.mm, "mm": m.mm, "matmul": m.matmul, "spmm": m.spmm,
            "method": lambda a, b: a.mm(b), "@": lambda a, b: a @ b,
            "addmm": lambda a, b: m.sparse.addmm(m.ones(3, 2, dtype=b.dtype), a, b,
                                                beta=0.5, alpha=2.0),
            "addmm_dense_face": lambda a, b: m.addmm(m.ones(3, 2, dtype=b.dtype), a, b)}


@pytest.mark.parametrize("face", list(_mm_faces(gk)))
@pytest.mark.parametrize("coalesced", [False, True])
def test_sparse_times_dense_values_and_grads(torch, rng, face, coalesced):
    dn = rng.standard_normal((4, 2))
    w = rng.standard_normal((3, 2))
    g, t = pair(torch, requires_grad=True, dtype=np.float64)
    if coalesced:
        g, t = g.detach().coalesce().requires_grad_(), t.detach().coalesce().requires_grad_()
    gd = gk.tensor(dn, requires_grad=True)
    td = torch.tensor(dn, requires_grad=True)
    og, ot = _mm_faces(gk)[face](g, gd), _mm_faces(torch)[face](t, td)
    same(og, ot, atol=1e-12)
    (og * gk.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(gd.grad.numpy(), td.grad.numpy(), atol=1e-12)
    # sparse.mm/addmm give the sparse leaf a sparse gradient on its pattern; mm a dense one
    assert g.grad.is_sparse == t.grad.is_sparse
    same(g.grad, t.grad, atol=1e-12)
    if g.grad.is_sparse:
        np.testing.assert_array_equal(g.grad.coalesce().indices().numpy(),
                                      t.grad.coalesce().indices().numpy())


def test_dense_times_sparse_and_vector(torch, rng):
    g, t = pair(torch, dtype=np.float64)
    a = rng.standard_normal((2, 3))
    ga, ta = gk.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    og, ot = ga @ g, ta @ t
    same(og, ot, atol=1e-12)
    og.sum().backward()
    ot.sum().backward()
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), atol=1e-12)
    v = rng.standard_normal(4)
    same(g @ gk.tensor(v), t @ torch.tensor(v), atol=1e-12)


def test_grads_through_values_of_a_nonleaf_sparse_tensor(torch, rng):
    """Gradient reaches the values tensor through sparse_coo_tensor, per stored entry
    (duplicates each get the gradient of their position)."""
    dn = rng.standard_normal((4, 2))
    w = rng.standard_normal((3, 2))
    wd = rng.standard_normal(SIZE)
    cases = {
        "sparse.mm": (lambda m, s, d: (m.sparse.mm(s, d) * w_(m, w)).sum()),
        "mm": (lambda m, s, d: (m.mm(s, d) * w_(m, w)).sum()),
        "to_dense": (lambda m, s, d: (s.to_dense() * w_(m, wd)).sum()),
        "coalesce_values": (lambda m, s, d: (s.coalesce().values() * w_(m, np.arange(4.0)))
                            .sum()),
        "sum": (lambda m, s, d: m.sparse.sum(s) * 3),
        "sum_dim": (lambda m, s, d: (m.sparse.sum(s, 1).to_dense() * w_(m, np.arange(3.0)))
                    .sum()),
        "t_mm": (lambda m, s, d: (m.sparse.mm(s.t().coalesce().t(), d) * w_(m, w)).sum()),
        "scaled": (lambda m, s, d: ((2 * s - s / 2).to_dense() * w_(m, wd)).sum()),
    }
    for name, fn in cases.items():
        gv = gk.tensor(VAL, dtype=gk.float64, requires_grad=True)
        tv = torch.tensor(VAL, dtype=torch.float64, requires_grad=True)
        gd, td = gk.tensor(dn, requires_grad=True), torch.tensor(dn, requires_grad=True)
        gs = gk.sparse_coo_tensor(gk.tensor(IDX), gv, SIZE)
        ts = torch.sparse_coo_tensor(torch.tensor(IDX), tv, SIZE)
        assert gs.requires_grad and not gs.is_leaf
        lg, lt = fn(gk, gs, gd), fn(torch, ts, td)
        np.testing.assert_allclose(lg.item(), lt.item(), rtol=1e-12, err_msg=name)
        lg.backward()
        lt.backward()
        np.testing.assert_allclose(gv.grad.numpy(), tv.grad.numpy(), atol=1e-12, err_msg=name)
        if td.grad is not None:
            np.testing.assert_allclose(gd.grad.numpy(), td.grad.numpy(), atol=1e-12)


def w_(m, a):
    return m.tensor(a) if m is gk else m.tensor(a)


def test_sparse_leaf_grads_of_the_sparse_ops(torch, rng):
    wd = rng.standard_normal(SIZE)
    cases = {
        "to_dense": lambda m, s: (s.to_dense() * w_(m, wd)).sum(),
        "sum": lambda m, s: m.sparse.sum(s),
        "sum0": lambda m, s: (m.sparse.sum(s, 0).to_dense() * w_(m, np.arange(4.0))).sum(),
        "t": lambda m, s: (s.t().to_dense() * w_(m, wd.T)).sum(),
        "mul": lambda m, s: ((s * 3).to_dense() * w_(m, wd)).sum(),
        "values": lambda m, s: (s.coalesce().values() ** 2).sum(),
    }
    for name, fn in cases.items():
        g, t = pair(torch, requires_grad=True, dtype=np.float64)
        fn(gk, g).backward()
        fn(torch, t).backward()
        assert g.grad.is_sparse == t.grad.is_sparse, name
        same(g.grad, t.grad, atol=1e-12)


def test_sparse_grad_accumulates_over_two_backwards(torch, rng):
    dn = rng.standard_normal((4, 2))
    g, t = pair(torch, requires_grad=True, dtype=np.float64)
    for _ in range(2):
        gk.sparse.mm(g, gk.tensor(dn)).sum().backward()
        torch.sparse.mm(t, torch.tensor(dn)).sum().backward()
    assert g.grad.is_sparse
    same(g.grad, t.grad, atol=1e-12)


def test_to_sparse_gradient_reaches_the_dense_tensor(torch, rng):
    a = rng.standard_normal((3, 4))
    a[a < 0] = 0
    dn = rng.standard_normal((4, 2))
    for use in ("to_dense", "mm", "sparse.mm"):
        ga, ta = gk.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        gs, ts = ga.to_sparse(), ta.to_sparse()
        assert gs.is_coalesced() and ts.is_coalesced()
        if use == "to_dense":
            (gs.to_dense() * gk.tensor(a + 1)).sum().backward()
            (ts.to_dense() * torch.tensor(a + 1)).sum().backward()
        elif use == "mm":
            gk.mm(gs, gk.tensor(dn)).sum().backward()
            torch.mm(ts, torch.tensor(dn)).sum().backward()
        else:
            gk.sparse.mm(gs, gk.tensor(dn)).sum().backward()
            torch.sparse.mm(ts, torch.tensor(dn)).sum().backward()
        np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), atol=1e-12, err_msg=use)


@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1), None])
def test_sparse_sum_matches_torch(torch, dim):
    g, t = pair(torch, dtype=np.float64)
    rg = gk.sparse.sum(g) if dim is None else gk.sparse.sum(g, dim)
    rt = torch.sparse.sum(t) if dim is None else torch.sparse.sum(t, dim)
    same(rg, rt)
    if rg.is_sparse:
        assert rg.is_coalesced() == rt.is_coalesced()
        assert torch_repr(rg) == repr(rt)
    hg = gk.sparse_coo_tensor(gk.tensor(IDX), gk.ones(5, 2), SIZE + (2,))
    ht = torch.sparse_coo_tensor(torch.tensor(IDX), torch.ones(5, 2), SIZE + (2,))
    same(gk.sparse.sum(hg, 0), torch.sparse.sum(ht, 0))
    same(gk.sparse.sum(hg), torch.sparse.sum(ht))


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_sparse_softmax_values_and_grads(torch, rng, log, dim):
    w = rng.standard_normal(5)
    g, t = pair(torch, [[0, 1, 1, 0, 2, 2], [2, 0, 2, 3, 1, 3]],
                [3.0, 4.0, 5.0, 1.0, -2.0, 0.5], SIZE, requires_grad=True, dtype=np.float64)
    fg = gk.sparse.log_softmax if log else gk.sparse.softmax
    ft = torch.sparse.log_softmax if log else torch.sparse.softmax
    og, ot = fg(g, dim), ft(t, dim)
    np.testing.assert_array_equal(og.coalesce().indices().numpy(),
                                  ot.coalesce().indices().numpy())
    np.testing.assert_allclose(og.coalesce().values().detach().numpy(),
                               ot.coalesce().values().detach().numpy(), atol=1e-12)
    wv = np.r_[w, 1.0]
    (og.coalesce().values() * gk.tensor(wv)).sum().backward()
    (ot.coalesce().values() * torch.tensor(wv)).sum().backward()
    same(g.grad, t.grad, atol=1e-12)


def test_empty_nnz_products_and_grads(torch, rng):
    g = gk.sparse_coo_tensor(gk.zeros(2, 0, dtype=gk.int64), gk.zeros(0, dtype=gk.float64),
                             (3, 4), requires_grad=True)
    t = torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.long),
                                torch.zeros(0, dtype=torch.float64), (3, 4), requires_grad=True)
    dn = rng.standard_normal((4, 2))
    gd, td = gk.tensor(dn, requires_grad=True), torch.tensor(dn, requires_grad=True)
    og, ot = gk.sparse.mm(g, gd), torch.sparse.mm(t, td)
    same(og, ot)
    og.sum().backward()
    ot.sum().backward()
    np.testing.assert_allclose(gd.grad.numpy(), td.grad.numpy())
    same(g.grad, t.grad)
    same(g.coalesce(), t.coalesce())
    same(gk.sparse.sum(g), torch.sparse.sum(t))
    same(gk.zeros(3, 4).to_sparse(), torch.zeros(3, 4).to_sparse())


# ------------------------------------------------------------------ errors
def _raises_like(gfn, tfn, match=None):
    with pytest.raises(Exception) as te:
        tfn()
    with pytest.raises(type(te.value), match=match):
        gfn()


def test_construction_errors_match_torch_types(torch):
    ti = torch.tensor(IDX)
    gi = gk.tensor(IDX)
    _raises_like(lambda: gk.sparse_coo_tensor(gi, gk.tensor(VAL[:3]), SIZE),
                 lambda: torch.sparse_coo_tensor(ti, torch.tensor(VAL[:3]), SIZE),
                 "same nnz")
    _raises_like(lambda: gk.sparse_coo_tensor(gi, gk.tensor(VAL), (3,)),
                 lambda: torch.sparse_coo_tensor(ti, torch.tensor(VAL), (3,)), "len\\(size\\)")
    _raises_like(lambda: gk.sparse_coo_tensor(gi, gk.tensor(VAL), (1, 4)),
                 lambda: torch.sparse_coo_tensor(ti, torch.tensor(VAL), (1, 4),
                                                 check_invariants=True), "inconsistent")
    _raises_like(lambda: gk.sparse_coo_tensor(-gi, gk.tensor(VAL), SIZE),
                 lambda: torch.sparse_coo_tensor(-ti, torch.tensor(VAL), SIZE,
                                                 check_invariants=True), "negative")
    _raises_like(lambda: gk.sparse_coo_tensor(gi, gk.tensor([1, 2, 3, 4, 5]), SIZE,
                                              requires_grad=True),
                 lambda: torch.sparse_coo_tensor(ti, torch.tensor([1, 2, 3, 4, 5]), SIZE,
                                                 requires_grad=True), "floating point")
    with pytest.raises(RuntimeError, match="2-D"):
        gk.sparse_coo_tensor(gk.tensor([[[0]]]), gk.tensor([1.0]), (2,))


def test_unsupported_ops_raise_torch_types_with_a_clear_message(torch):
    g, t = pair(torch)
    dense = {"gk": gk.ones(*SIZE), "t": torch.ones(*SIZE)}
    cases = {
        "exp": (lambda: gk.exp(g), lambda: torch.exp(t)),
        "mean": (lambda: g.mean(), lambda: t.mean()),
        "eq": (lambda: g == g, lambda: t == t),
        "view": (lambda: g.view(12), lambda: t.view(12)),
        "reshape": (lambda: g.reshape(12), lambda: t.reshape(12)),
        "add_dense": (lambda: g + dense["gk"], lambda: t + dense["t"]),
        "add_scalar": (lambda: g + 1, lambda: t + 1),
        "numpy": (lambda: g.numpy(), lambda: t.numpy()),
        "tolist": (lambda: g.tolist(), lambda: t.tolist()),
        "bool": (lambda: bool(g), lambda: bool(t)),
        "item": (lambda: g.item(), lambda: t.item()),
        "coalesce_dense": (lambda: dense["gk"].coalesce(), lambda: dense["t"].coalesce()),
        "indices_dense": (lambda: dense["gk"].indices(), lambda: dense["t"].indices()),
        "values_dense": (lambda: dense["gk"].values(), lambda: dense["t"].values()),
        "is_coalesced_dense": (lambda: dense["gk"].is_coalesced(),
                               lambda: dense["t"].is_coalesced()),
        "nnz_dense": (lambda: dense["gk"]._nnz(), lambda: dense["t"]._nnz()),
        "mm_shapes": (lambda: gk.sparse.mm(g, gk.ones(3, 2)),
                      lambda: torch.sparse.mm(t, torch.ones(3, 2))),
        "mm_dtypes": (lambda: gk.sparse.mm(g, gk.ones(4, 2, dtype=gk.float64)),
                      lambda: torch.sparse.mm(t, torch.ones(4, 2, dtype=torch.float64))),
    }
    for name, (gfn, tfn) in cases.items():
        with pytest.raises(Exception) as te:
            tfn()
        with pytest.raises(type(te.value)) as ge:
            gfn()
        msg = str(ge.value)
        # gradkit's own message, which says the tensor is sparse (no raw NumPy error)
        assert "sparse" in msg.lower() or name in ("item", "bool"), (name, msg)
    with pytest.raises(NotImplementedError, match="to_dense"):
        gk.sin(g)


def test_sparse_times_sparse_and_3d_products_say_dense_only():
    s = gk.sparse_coo_tensor(gk.tensor(IDX), gk.tensor(VAL), SIZE)
    with pytest.raises(NotImplementedError, match="to_dense"):
        s @ s.t()
    with pytest.raises(RuntimeError, match="2-D"):
        gk.sparse.mm(s, gk.ones(4))
    h = gk.sparse_coo_tensor(gk.tensor(IDX), gk.ones(5, 2), SIZE + (2,))
    with pytest.raises(RuntimeError, match="dense dims"):
        h @ gk.ones(2, 2)
    with pytest.raises(RuntimeError, match="sparse dims"):
        h.transpose(0, 2)


def test_double_backward_through_a_sparse_op_is_refused():
    s = gk.sparse_coo_tensor(gk.tensor(IDX), gk.tensor(VAL, dtype=gk.float64), SIZE,
                             requires_grad=True)
    d = gk.ones(4, 2, dtype=gk.float64, requires_grad=True)
    out = gk.sparse.mm(s, d).sum()
    with pytest.raises(RuntimeError, match="double backward"):
        gk.autograd.grad(out, d, create_graph=True)


def test_dense_ops_are_untouched_by_the_sparse_hooks():
    x = gk.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (x @ x + x * 2 - 1).sum()
    y.backward()
    assert x.grad.layout is gk.strided
    assert repr(x).startswith("tensor([[1., 2.],")
    assert x.detach().numpy().sum() == 10


# ------------------------------------------------------------------ saving
def test_save_and_load_round_trip(tmp_path):
    s = gk.sparse_coo_tensor(gk.tensor(IDX), gk.tensor(VAL, dtype=gk.float64), SIZE,
                             requires_grad=True)
    h = gk.sparse_coo_tensor(gk.tensor(IDX), gk.arange(10, dtype=gk.int32).reshape(5, 2),
                             SIZE + (2,)).coalesce()
    f = tmp_path / "sparse.gk"
    gk.save({"adj": s, "hybrid": h, "dense": gk.ones(2)}, f)
    back = gk.load(f)
    for name, orig in (("adj", s), ("hybrid", h)):
        got = back[name]
        assert got.is_sparse and got.layout is gk.sparse_coo
        assert repr(got) == repr(orig)
        assert got.is_coalesced() == orig.is_coalesced()
        assert got.requires_grad == orig.requires_grad
        np.testing.assert_array_equal(got._indices().numpy(), orig._indices().numpy())
        np.testing.assert_array_equal(got._values().detach().numpy(),
                                      orig._values().detach().numpy())
    assert not back["dense"].is_sparse


def _mixed(case, s, s2, d, f64):
    fns = {"s*d": lambda: (s * d).to_dense(), "d+s": lambda: d + s, "d-s": lambda: d - s,
           "s.sum": lambda: s.sum(), "to64": lambda: s.to(f64).to_dense(),
           "clone": lambda: s.clone().to_dense(), "neg": lambda: (-s).to_dense(),
           "div": lambda: (s / 2).to_dense(), "sub": lambda: (s - s2).to_dense(),
           "pow": lambda: (s ** 2).to_dense()}
    return fns[case]()


@pytest.mark.parametrize("case", ["s*d", "d+s", "d-s", "s.sum", "to64", "clone", "neg", "div",
                                  "sub", "pow"])
def test_gradient_layouts_of_mixed_sparse_dense_ops_match_torch(torch, case):
    results = []
    for m in (gk, torch):
        s = m.sparse_coo_tensor(m.tensor(IDX), m.tensor(VAL), SIZE, requires_grad=True)
        s2 = m.sparse_coo_tensor(m.tensor([[0, 2, 1], [2, 1, 3]]), m.tensor([2.0, -1.0, 4.0]),
                                 SIZE, requires_grad=True)
        d = (m.arange(12.0).reshape(*SIZE) - 4).requires_grad_()
        f64 = gk.float64 if m is gk else torch.float64
        out = _mixed(case, s, s2, d, f64)
        w = m.arange(out.numel(), dtype=out.dtype).reshape(out.shape) + 1
        (out * w).sum().backward()
        results.append([x.grad for x in (s, s2, d)])
    for gg, tg in zip(*results):
        assert (gg is None) == (tg is None)
        if gg is not None:
            same(gg, tg)


def _dtype_case(m, case):
    i = m.tensor(IDX)
    si = m.sparse_coo_tensor(i, m.tensor([1, 2, 3, 4, 5]), SIZE)
    sf = m.sparse_coo_tensor(i, m.tensor(VAL), SIZE)
    f64 = m.float64
    fns = {"i*2.5": lambda: si * 2.5, "i/2": lambda: si / 2, "i*2": lambda: si * 2,
           "f+d64": lambda: m.ones(*SIZE, dtype=f64) + sf, "i+f": lambda: si + sf,
           "f*d64": lambda: sf * m.ones(*SIZE, dtype=f64),
           "mm_int": lambda: si @ m.ones(4, 2, dtype=m.int64),
           "sum_int": lambda: m.sparse.sum(si), "float": lambda: si.float(),
           "neg_int": lambda: -si, "mm_mixed": lambda: sf @ m.ones(4, 2, dtype=f64),
           "softmax_int": lambda: m.sparse.softmax(si, 1)}
    try:
        return fns[case]()
    except Exception as exc:  # noqa: BLE001 (the error type is compared)
        return type(exc)


@pytest.mark.parametrize("case", ["i*2.5", "i/2", "i*2", "f+d64", "i+f", "f*d64", "mm_int",
                                  "sum_int", "float", "neg_int", "mm_mixed", "softmax_int"])
def test_dtypes_of_sparse_results_match_torch(torch, case):
    g, t = _dtype_case(gk, case), _dtype_case(torch, case)
    if isinstance(t, type):
        assert g is t
    else:
        same(g, t)


def test_to_sparse_edge_shapes_match_torch(torch):
    cases = [(np.array([[0.0, 2.0], [3.0, 0.0]]), (1, 2)), (np.zeros((2, 2)), (1, 2)),
             (np.zeros((0, 3)), (1, 2)), (np.array(3.0), (0,)), (np.array(0.0), (0,))]
    for a, dims in cases:
        for sd in dims:
            g, t = gk.tensor(a).to_sparse(sd), torch.tensor(a).to_sparse(sd)
            assert tuple(g._indices().shape) == tuple(t._indices().shape)
            assert tuple(g._values().shape) == tuple(t._values().shape)
            assert g.is_coalesced() == t.is_coalesced()
            same(g, t)
    _raises_like(lambda: gk.ones(2, 2).to_sparse(0), lambda: torch.ones(2, 2).to_sparse(0))


def test_sparse_buffer_in_a_module_state_dict_copy_zero_and_deepcopy(torch, tmp_path):
    import copy

    def build(m):
        class Net(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("adj", m.sparse_coo_tensor(m.tensor(IDX), m.tensor(VAL),
                                                                SIZE))
                self.lin = m.nn.Linear(2, 2)

            def forward(self, x):
                return m.sparse.mm(self.adj, self.lin(x))

        return Net()

    net, ref = build(gk), build(torch)
    assert net(gk.ones(4, 2)).shape == ref(torch.ones(4, 2)).shape
    assert net.double().adj.dtype == gk.float64 and ref.double().adj.dtype == torch.float64
    other = build(gk)
    other.adj.mul_(1)  # (a no-op here; an in-place op on a sparse buffer keeps it sparse)
    state = build(gk).state_dict()
    state["adj"] = gk.sparse_coo_tensor(gk.tensor([[2], [3]]), gk.tensor([9.0]), SIZE)
    other.load_state_dict(state)
    assert other.adj.is_sparse and other.adj._nnz() == 1
    assert other.adj.to_dense()[2, 3].item() == 9.0
    gk.save(other.state_dict(), tmp_path / "net.gk")
    back = gk.load(tmp_path / "net.gk")
    assert back["adj"].is_sparse and back["adj"].to_dense()[2, 3].item() == 9.0
    with pytest.raises(RuntimeError, match="between dense and sparse"):
        other.adj.copy_(gk.ones(*SIZE))
    # zero_ empties a sparse gradient (optimizer.zero_grad(set_to_none=False))
    s = gk.sparse_coo_tensor(gk.tensor(IDX), gk.tensor(VAL), SIZE, requires_grad=True)
    t = torch.sparse_coo_tensor(torch.tensor(IDX), torch.tensor(VAL), SIZE, requires_grad=True)
    gk.sparse.mm(s, gk.ones(4, 2)).sum().backward()
    torch.sparse.mm(t, torch.ones(4, 2)).sum().backward()
    s.grad.zero_()
    t.grad.zero_()
    assert s.grad._nnz() == t.grad._nnz() == 0 and s.grad.is_sparse
    c = copy.deepcopy(s)
    assert c.is_sparse and c.requires_grad and repr(c) == repr(s)


@pytest.mark.parametrize("libname", ["gradkit", "torch"])
def test_empty_coo_tensor_from_size_keyword(libname):
    """``sparse_coo_tensor(size=(5, 3))``: an empty COO tensor (skorch's tests build the
    expected conversion of an all-zero scipy matrix this way); no arguments at all is refused."""
    lib = gk if libname == "gradkit" else pytest.importorskip("torch")
    e = lib.sparse_coo_tensor(size=(5, 3))
    assert tuple(e.shape) == (5, 3) and tuple(e._indices().shape) == (2, 0)
    assert str(e.dtype).split(".")[-1] == "float32" and e.to_dense().abs().sum().item() == 0
    with pytest.raises(TypeError):
        lib.sparse_coo_tensor()


def test_dsmm_is_the_dense_product_as_torch():
    """``torch.dsmm(sparse, dense)``: a dense result with PyTorch's values and gradients."""
    torch = pytest.importorskip("torch")
    idx, val = [[0, 1, 1], [1, 0, 2]], [1.5, -2.0, 0.5]
    dense = np.arange(9.0, dtype=np.float32).reshape(3, 3)
    outs = []
    for lib in (gk, torch):
        v = lib.tensor(val, requires_grad=True)
        d = lib.tensor(dense, requires_grad=True)
        r = lib.dsmm(lib.sparse_coo_tensor(lib.tensor(idx), v, (2, 3)), d)
        r.sum().backward()
        outs.append((r.detach().numpy(), v.grad.numpy(), d.grad.numpy(), r.layout == lib.strided))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("dim,index", [(0, [3, 1, 1]), (1, [1, 0]), (0, []), (1, [1, 1, 1])])
def test_index_select_of_sparse_coo_as_torch(torch, dim, index):
    """``index_select`` of a sparse COO tensor (PyTorch Geometric's ``narrow`` when it splits a
    batch holding sparse features): entries grouped by selected position in stored order,
    coalesced only with under two entries, as PyTorch's."""
    dense = [[1.0, 0.0], [2.0, 5.0], [0.0, 3.0], [4.0, 0.0]]
    out = []
    for lib in (gk, torch):
        x = lib.tensor(dense).to_sparse_coo().requires_grad_()
        y = x.index_select(dim, lib.tensor(index, dtype=lib.long))
        out.append((y.is_sparse, y.is_coalesced(), y._indices().tolist(),
                    y._values().detach().tolist(), tuple(y.shape)))
    assert out[0] == out[1]
    # PyTorch's backward here fails (index_add_ on a sparse tensor); gradkit's is the dense one's
    x = gk.tensor(dense).to_sparse_coo().requires_grad_()
    xd = gk.tensor(dense, requires_grad=True)
    shape = (4, len(index)) if dim == 1 else (len(index), 2)
    weights = gk.arange(1.0, 1.0 + shape[0] * shape[1]).view(shape)
    for inp, ys in ((x, lambda v: v.to_dense()), (xd, lambda v: v)):
        (ys(inp.index_select(dim, gk.tensor(index, dtype=gk.long))) * weights).sum().backward()
    mask = np.array(dense) != 0
    assert np.array_equal(dense_of(x.grad), np.where(mask, xd.grad.numpy(), 0.0))


def test_index_select_of_hybrid_sparse_coo_as_torch(torch):
    for dim, index in ((0, [2, 0]), (1, [1])):
        got = []
        for lib in (gk, torch):
            h = lib.sparse_coo_tensor(lib.tensor([[0, 2, 1]]), lib.arange(6.0).view(3, 2), (3, 2))
            y = h.index_select(dim, lib.tensor(index))
            got.append((y._indices().tolist(), y._values().tolist(), y.to_dense().tolist()))
        assert got[0] == got[1]

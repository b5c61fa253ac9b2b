"""Sparse compressed tensors (CSR, CSC, BSR, BSC) against PyTorch: conversions from dense and
between layouts, constructors and their invariant checks, printing, products with dense
matrices (and their gradients), elementwise ops, sum, transpose, save/load and the errors of
the ops PyTorch refuses on these layouts."""

import warnings

import numpy as np
import pytest

import gradkit as gk
from gradkit._tensor.repr import set_namespace_name

LAYOUTS = ["sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc"]


@pytest.fixture
def torch(torch):
    warnings.filterwarnings("ignore", message=".*[Ss]parse.*")
    set_namespace_name("torch")  # reprs compared line for line (wrapping depends on the name)
    yield torch
    set_namespace_name("gradkit")


def dense_case(name, dtype=np.float32):
    """Dense inputs: empty rows and columns, no entry at all, a batch, hybrid (dense dims)."""
    rng = np.random.default_rng(len(name))
    if name == "empty_rows":
        a = np.array([[0, 1, 0, 0], [2, 0, 3, 0], [0, 0, 0, 0], [4, 0, 0, 5]])
    elif name == "zero_nnz":
        a = np.zeros((4, 6))
    elif name == "wide":
        a = rng.standard_normal((2, 8)) * (rng.random((2, 8)) < 0.4)
    elif name == "tall":
        a = rng.standard_normal((6, 2)) * (rng.random((6, 2)) < 0.5)
    elif name == "batched":  # the same number of entries in each batch element
        a = np.zeros((3, 4, 6))
        for b in range(3):
            a[b].flat[rng.choice(24, 5, replace=False)] = rng.standard_normal(5) + 3
    elif name == "full":
        a = rng.standard_normal((4, 4)) + 5
    else:
        raise ValueError(name)
    return a.astype(dtype)


CASES = ["empty_rows", "zero_nnz", "wide", "tall", "batched", "full"]
BLOCKS = {"empty_rows": (2, 2), "zero_nnz": (2, 3), "wide": (1, 4), "tall": (3, 1),
          "batched": (2, 3), "full": (4, 2)}


def both(torch, name, layout, dtype=np.float32, requires_grad=False):
    a = dense_case(name, dtype)
    g, t = gk.tensor(a), torch.tensor(a)
    if requires_grad:
        g.requires_grad_(True)
        t.requires_grad_(True)
    kind = layout.split("_")[1]
    args = (BLOCKS[name],) if kind in ("bsr", "bsc") else ()
    return getattr(g, f"to_sparse_{kind}")(*args), getattr(t, f"to_sparse_{kind}")(*args)


def parts(x):
    """The index arrays and values of a compressed tensor (gradkit's or PyTorch's)."""
    row = str(x.layout).split(".")[-1] in ("sparse_csr", "sparse_bsr")
    c, p = (x.crow_indices(), x.col_indices()) if row else (x.ccol_indices(), x.row_indices())
    return [np.asarray(c.numpy()), np.asarray(p.numpy()), x.values().detach().numpy()]


def same(g, t, atol=1e-6):
    assert str(g.layout).split(".")[-1] == str(t.layout).split(".")[-1]
    assert tuple(g.shape) == tuple(t.shape)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    if t.layout in (_tl(t, "sparse_csr"), _tl(t, "sparse_csc"), _tl(t, "sparse_bsr"),
                    _tl(t, "sparse_bsc")):
        assert g._nnz() == t._nnz()
        for x, y in zip(parts(g), parts(t)):
            assert x.dtype == y.dtype
            np.testing.assert_allclose(x, y, atol=atol, rtol=1e-6)
    gd = g.to_dense() if g.layout is not gk.strided else g
    td = t.to_dense() if t.layout is not _tl(t, "strided") else t
    np.testing.assert_allclose(gd.detach().numpy(), td.detach().numpy(), atol=atol, rtol=1e-6)


def oracle(sparse_fn, dense_fn):
    """PyTorch's result of ``sparse_fn()``; where PyTorch's CPU build has no kernel for the
    layout (BSC products, non-square BSR blocks through MKL, a batch beside one matrix) or
    fails inside (an internal assert), the same computation on the dense form."""
    try:
        return sparse_fn()
    except RuntimeError as e:
        if "unsupported tensor layout" in str(e):
            raise
        return dense_fn()


def _tl(t, name):
    import torch

    return getattr(torch, name)


# ------------------------------------------------------------------ conversions and printing
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", CASES)
def test_dense_to_compressed_matches_torch(torch, layout, case):
    if case == "batched" and layout in ("sparse_bsr", "sparse_bsc"):
        pytest.skip("the batch's blocks differ in number per element")
    g, t = both(torch, case, layout)
    same(g, t)
    assert repr(g) == repr(t)
    assert g.layout is getattr(gk, layout)
    assert g.is_sparse is False and g.is_sparse_csr == (layout == "sparse_csr")
    assert g.sparse_dim() == t.sparse_dim() and g.dense_dim() == t.dense_dim()
    np.testing.assert_array_equal(g.to_dense().numpy(), dense_case(case))


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.int32, np.float16])
def test_dtypes_and_repr(torch, dtype):
    g, t = both(torch, "empty_rows", "sparse_csr", dtype)
    same(g, t)
    assert repr(g) == repr(t)


def test_hybrid_dense_dims(torch):
    a = np.zeros((3, 4, 2), np.float32)
    a[0, 1] = [1, 2]
    a[2, 3] = [0, 5]
    g, t = gk.tensor(a).to_sparse_csr(dense_dim=1), torch.tensor(a).to_sparse_csr(dense_dim=1)
    same(g, t)
    assert repr(g) == repr(t)
    g, t = gk.tensor(a).to_sparse(layout=gk.sparse_csc, dense_dim=1), \
        torch.tensor(a).to_sparse(layout=torch.sparse_csc, dense_dim=1)
    same(g, t)


def test_batched_needs_equal_counts(torch):
    a = np.zeros((2, 3, 3), np.float32)
    a[0, 0, 0] = 1
    with pytest.raises(RuntimeError) as te:
        torch.tensor(a).to_sparse_csr()
    with pytest.raises(RuntimeError, match="same number of specified elements per batch") as ge:
        gk.tensor(a).to_sparse_csr()
    assert str(ge.value) == str(te.value)


@pytest.mark.parametrize("src", LAYOUTS)
@pytest.mark.parametrize("dst", LAYOUTS + ["coo"])
def test_conversion_between_layouts(torch, src, dst):
    g, t = both(torch, "empty_rows", src)
    if dst == "coo":
        g2, t2 = g.to_sparse(), t.to_sparse()
        assert repr(g2) == repr(t2)
        return
    kind = dst.split("_")[1]
    args = ((2, 2),) if kind in ("bsr", "bsc") else ()
    if (src in ("sparse_bsr", "sparse_bsc")) != (kind in ("bsr", "bsc")):
        # PyTorch converts between block and plain layouts through... only some pairs
        try:
            t2 = getattr(t, f"to_sparse_{kind}")(*args)
        except RuntimeError:
            pytest.skip("PyTorch does not convert these")
        g2 = getattr(g, f"to_sparse_{kind}")(*args)
        np.testing.assert_array_equal(g2.to_dense().numpy(), t2.to_dense().numpy())
        return
    g2, t2 = getattr(g, f"to_sparse_{kind}")(*args), getattr(t, f"to_sparse_{kind}")(*args)
    same(g2, t2)
    assert repr(g2) == repr(t2)


def test_explicit_zeros_kept_through_csr_csc(torch):
    crow, col, val = [0, 2, 3], [0, 2, 1], [0.0, 2.0, 0.0]  # stored zeros
    g = gk.sparse_csr_tensor(gk.tensor(crow), gk.tensor(col), gk.tensor(val), (2, 3))
    t = torch.sparse_csr_tensor(torch.tensor(crow), torch.tensor(col), torch.tensor(val), (2, 3))
    for f in (lambda x: x.to_sparse_csc(), lambda x: x.to_sparse_csc().to_sparse_csr(),
              lambda x: x.to_sparse(), lambda x: x.t()):
        assert repr(f(g)) == repr(f(t))


def test_coo_to_csr(torch):
    a = dense_case("empty_rows")
    g, t = gk.tensor(a).to_sparse().to_sparse_csr(), torch.tensor(a).to_sparse().to_sparse_csr()
    same(g, t)


def test_bsr_needs_blocksize(torch):
    with pytest.raises(RuntimeError) as te:
        torch.ones(2, 4).to_sparse(layout=torch.sparse_bsr)
    with pytest.raises(RuntimeError) as ge:
        gk.ones(2, 4).to_sparse(layout=gk.sparse_bsr)
    assert str(ge.value) == str(te.value)
    with pytest.raises(RuntimeError) as te:
        torch.ones(4, 4).to_sparse_bsr((3, 3))
    with pytest.raises(RuntimeError) as ge:
        gk.ones(4, 4).to_sparse_bsr((3, 3))
    assert str(ge.value) == str(te.value)
    g, t = gk.ones(2, 4).to_sparse(layout=gk.sparse_bsc, blocksize=(1, 2)), \
        torch.ones(2, 4).to_sparse(layout=torch.sparse_bsc, blocksize=(1, 2))
    same(g, t)


# ------------------------------------------------------------------ constructors
CTORS = [
    ("csr", [0, 1, 3], [1, 0, 2], [1.0, 2.0, 3.0], (2, 3)),
    ("csr", [0, 1, 3], [1, 0, 2], [1.0, 2.0, 3.0], None),
    ("csr", [0, 0, 0], [], [], (2, 3)),
    ("csc", [0, 1, 3], [1, 0, 2], [1.0, 2.0, 3.0], (3, 2)),
    ("bsr", [0, 1, 2], [1, 0], np.arange(8.0).reshape(2, 2, 2).tolist(), (4, 4)),
    ("bsc", [0, 0, 2], [0, 1], np.arange(12.0).reshape(2, 2, 3).tolist(), (4, 6)),
    ("csr", [[0, 1, 2], [0, 2, 2]], [[0, 1], [0, 2]], [[1.0, 2.0], [3.0, 4.0]], (2, 2, 3)),
]


@pytest.mark.parametrize("case", range(len(CTORS)))
@pytest.mark.parametrize("index_dtype", ["int64", "int32"])
def test_constructors_match_torch(torch, case, index_dtype):
    kind, c, p, v, size = CTORS[case]
    args = lambda m: (m.tensor(c, dtype=getattr(m, index_dtype)),  # noqa: E731
                      m.tensor(p, dtype=getattr(m, index_dtype)), m.tensor(v))
    rest = () if size is None else (size,)
    g = getattr(gk, f"sparse_{kind}_tensor")(*args(gk), *rest)
    t = getattr(torch, f"sparse_{kind}_tensor")(*args(torch), *rest)
    same(g, t)
    assert repr(g) == repr(t)
    lay = f"sparse_{kind}"
    g2 = gk.sparse_compressed_tensor(*args(gk), *rest, layout=getattr(gk, lay))
    t2 = torch.sparse_compressed_tensor(*args(torch), *rest, layout=getattr(torch, lay))
    same(g2, t2)


BAD = [  # (crow, col, values, size): each breaks one invariant
    ([0, 1, 3], [1, 0, 2], [1.0, 2, 3], (2, 2)),
    ([1, 1, 3], [1, 0, 2], [1.0, 2, 3], (2, 3)),
    ([0, 2, 1], [1, 0, 2], [1.0, 2, 3], (2, 3)),
    ([0, 1, 2], [1, 0, 2], [1.0, 2, 3], (2, 3)),
    ([0, 2, 3], [1, 0, 2], [1.0, 2, 3], (2, 3)),
    ([0, 1, 3], [1, 0, -1], [1.0, 2, 3], (2, 3)),
    ([0, 1, 3], [1, 2, 0], [1.0, 2, 3], (2, 3)),
    ([0, 1, 3, 3], [1, 0, 2], [1.0, 2, 3], (2, 3)),
    ([0, 1, 3], [1, 0, 2], [1.0, 2], (2, 3)),
    ([0, 1, 3], [1, 2, 2], [1.0, 2, 3], (2, 3)),
]


@pytest.mark.parametrize("case", range(len(BAD)))
def test_invariant_errors_match_torch(torch, case):
    c, p, v, size = BAD[case]
    with pytest.raises(RuntimeError) as te:
        torch.sparse_csr_tensor(torch.tensor(c), torch.tensor(p), torch.tensor(v), size,
                                check_invariants=True)
    with pytest.raises(RuntimeError) as ge:
        gk.sparse_csr_tensor(gk.tensor(c), gk.tensor(p), gk.tensor(v), size,
                             check_invariants=True)
    assert str(ge.value) == str(te.value)
    with pytest.raises(RuntimeError):  # gradkit checks the structure always
        gk.sparse_csr_tensor(gk.tensor(c), gk.tensor(p), gk.tensor(v), size)


SHAPE_BAD = [  # (kind, compressed, plain, values, size): malformed shapes
    ("csr", [0, 1], [0], [1.0], (1, 1, 1)),
    ("csr", [0, 1], [0], 1.0, (1, 1)),
    ("csr", [0, 1], [[0]], [1.0], (1, 1)),
    ("csr", [0, 1], [0], [[1.0, 2.0]], (1, 1)),
    ("bsr", [0, 1], [0], [1.0], (2, 2)),
    ("bsr", [0, 1], [0], [[[1.0, 2.0]]], (2, 3)),
    ("bsr", [0, 1], [0], [[[1.0, 2.0]]], (3, 2)),
    ("bsc", [0, 1], [0], [[[1.0, 2.0]]], (3, 3)),
    ("csr", [[0, 1], [0, 1]], [[0], [0]], [[1.0], [2.0]], (3, 1, 1)),
    ("csr", [], [], [], (2, 2)),
    ("csc", [0, 1, 1], [2], [1.0], (2, 2)),
]


@pytest.mark.parametrize("case", range(len(SHAPE_BAD)))
def test_shape_errors_match_torch(torch, case):
    kind, c, p, v, size = SHAPE_BAD[case]
    with pytest.raises(RuntimeError) as te:
        getattr(torch, f"sparse_{kind}_tensor")(torch.tensor(c, dtype=torch.int64),
                                                 torch.tensor(p, dtype=torch.int64),
                                                 torch.tensor(v), size, check_invariants=True)
    with pytest.raises(RuntimeError) as ge:
        getattr(gk, f"sparse_{kind}_tensor")(gk.tensor(c, dtype=gk.int64),
                                              gk.tensor(p, dtype=gk.int64),
                                              gk.tensor(v), size, check_invariants=True)
    assert str(ge.value) == str(te.value)


def test_index_dtypes_and_invariants_context(torch):
    c32 = [0, 1, 3]

    def make(m, **kw):
        return m.sparse_csr_tensor(m.tensor(c32, dtype=m.int32), m.tensor([1, 0, 2]),
                                   m.tensor([1.0, 2, 3]), (2, 3), **kw)

    same(make(gk), make(torch))  # unchecked: both made int64
    with pytest.raises(RuntimeError) as te:
        make(torch, check_invariants=True)
    with pytest.raises(RuntimeError) as ge:
        make(gk, check_invariants=True)
    assert str(ge.value) == str(te.value)
    assert not gk.sparse.check_sparse_tensor_invariants.is_enabled()
    with gk.sparse.check_sparse_tensor_invariants():
        assert gk.sparse.check_sparse_tensor_invariants.is_enabled()
        with pytest.raises(RuntimeError, match="must have the same dtype"):
            make(gk)
    assert not gk.sparse.check_sparse_tensor_invariants.is_enabled()
    with pytest.raises(RuntimeError) as te:
        torch.sparse_compressed_tensor(torch.tensor([0, 1]), torch.tensor([0]), torch.ones(1))
    with pytest.raises(RuntimeError) as ge:
        gk.sparse_compressed_tensor(gk.tensor([0, 1]), gk.tensor([0]), gk.ones(1))
    assert str(ge.value) == str(te.value)


# ------------------------------------------------------------------ products
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", ["empty_rows", "zero_nnz", "wide", "tall", "full"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_with_dense_matches_torch(torch, layout, case, dtype):
    g, t = both(torch, case, layout, dtype)
    k = g.shape[1]
    x = np.random.default_rng(0).standard_normal((k, 3)).astype(dtype)
    v = x[:, 0].copy()
    gx, tx = gk.tensor(x), torch.tensor(x)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    td = t.to_dense()
    tv = torch.tensor(v)
    same(g @ gx, oracle(lambda: t @ tx, lambda: td @ tx), tol)
    same(gk.mm(g, gx), oracle(lambda: torch.mm(t, tx), lambda: td @ tx), tol)
    same(gk.matmul(g, gx), oracle(lambda: torch.matmul(t, tx), lambda: td @ tx), tol)
    same(gk.mv(g, gk.tensor(v)), oracle(lambda: torch.mv(t, tv), lambda: td @ tv), tol)
    same(g @ gk.tensor(v), oracle(lambda: t @ tv, lambda: td @ tv), tol)
    if layout == "sparse_csr":
        same(gk.sparse.mm(g, gx), torch.sparse.mm(t, tx), tol)
        gr = gk.tensor(x, requires_grad=True)
        tr = torch.tensor(x, requires_grad=True)
        assert type(gk.sparse.mm(g, gr).grad_fn).__name__ == \
            type(torch.sparse.mm(t, tr).grad_fn).__name__
        m = np.ones((g.shape[0], 3), dtype)
        same(gk.addmm(gk.tensor(m), g, gx, beta=0.5, alpha=2.0),
             torch.addmm(torch.tensor(m), t, tx, beta=0.5, alpha=2.0), tol)
        y = np.ones((2, g.shape[0]), dtype)
        same(gk.tensor(y) @ g, torch.tensor(y) @ t, tol)


@pytest.mark.parametrize("layout", ["sparse_csr", "sparse_csc"])
def test_matmul_in_chunks(torch, monkeypatch, layout):
    """Products summed in pieces of a few rows (as for large matrices), rows longer than a
    piece and empty rows included."""
    from gradkit.sparse import _compressed

    monkeypatch.setattr(_compressed, "CHUNK_BYTES", 1)
    rng = np.random.default_rng(7)
    a = rng.standard_normal((30, 40)) * (rng.random((30, 40)) < 0.3)
    a[3] = rng.standard_normal(40)  # 40 entries: longer than a piece (16)
    a[5:9] = 0
    x = rng.standard_normal((40, 3))
    kind = layout.split("_")[1]
    g = getattr(gk.tensor(a), f"to_sparse_{kind}")()
    t = getattr(torch.tensor(a), f"to_sparse_{kind}")()
    gx, tx = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    same(g @ gx, t @ tx, 1e-12)
    (g @ gx).pow(2).sum().backward()
    (t @ tx).pow(2).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-12)


def test_batched_csr_matmul(torch):
    g, t = both(torch, "batched", "sparse_csr")
    x = np.random.default_rng(1).standard_normal((3, 6, 2)).astype(np.float32)
    tx, td = torch.tensor(x), t.to_dense()
    same(g @ gk.tensor(x), oracle(lambda: t @ tx, lambda: td @ tx), 1e-5)
    x0 = torch.tensor(x[0])  # PyTorch cannot expand the matrix to the batch: dense oracle
    same(g @ gk.tensor(x[0]), oracle(lambda: t @ x0, lambda: t.to_dense() @ x0), 1e-5)


def test_sparse_times_sparse(torch):
    a = np.array([[0.0, 1, 0], [2, 0, 3]], np.float32)
    g, t = gk.tensor(a).to_sparse_csr(), torch.tensor(a).to_sparse_csr()
    same(g @ g.t().to_sparse_csr(), t @ t.t().to_sparse_csr())
    same(g @ g.t(), t @ t.t())
    # the values' gradient of a square matrix times itself (CSR and CSC gradients summed)
    gv = gk.tensor([1.0, -2.0, 3.0], dtype=gk.float64, requires_grad=True)
    tv = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    gc = gk.sparse_csr_tensor(gk.tensor([0, 1, 1, 3]), gk.tensor([2, 0, 1]), gv, (3, 3))
    tc = torch.sparse_csr_tensor(torch.tensor([0, 1, 1, 3]), torch.tensor([2, 0, 1]), tv, (3, 3))
    same(gc @ gc, tc @ tc)
    (gc @ gc).to_dense().pow(2).sum().backward()
    (tc @ tc).to_dense().pow(2).sum().backward()
    np.testing.assert_allclose(gv.grad.numpy(), tv.grad.numpy())


def test_values_gradient_of_dense_times_csr(torch):
    x = np.arange(6.0).reshape(2, 3)
    gv = gk.tensor([1.0, -2.0, 3.0], dtype=gk.float64, requires_grad=True)
    tv = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    gc = gk.sparse_csr_tensor(gk.tensor([0, 1, 1, 3]), gk.tensor([2, 0, 1]), gv, (3, 3))
    tc = torch.sparse_csr_tensor(torch.tensor([0, 1, 1, 3]), torch.tensor([2, 0, 1]), tv, (3, 3))
    (gk.tensor(x) @ gc).pow(2).sum().backward()
    (torch.tensor(x) @ tc).pow(2).sum().backward()
    np.testing.assert_allclose(gv.grad.numpy(), tv.grad.numpy())


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("layout", LAYOUTS)
def test_dense_operand_gradient(torch, layout):
    g, t = both(torch, "empty_rows", layout, np.float64)
    x = np.random.default_rng(2).standard_normal((4, 3))
    gx, tx = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    w = np.random.default_rng(3).standard_normal((4, 3))
    ((g @ gx) * gk.tensor(w)).sum().backward()

    def run(a):
        tx.grad = None
        ((a @ tx) * torch.tensor(w)).sum().backward()

    oracle(lambda: run(t), lambda: run(t.to_dense()))  # (no BSC kernel for BSR's backward)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-12)


def test_values_gradient_through_constructor_and_product(torch):
    c, p = [0, 1, 1, 3], [2, 0, 1]
    val = np.array([1.0, -2.0, 3.0])
    x = np.random.default_rng(4).standard_normal((3, 2))
    gv, tv = gk.tensor(val, requires_grad=True), torch.tensor(val, requires_grad=True)
    g = gk.sparse_csr_tensor(gk.tensor(c), gk.tensor(p), gv, (3, 3))
    t = torch.sparse_csr_tensor(torch.tensor(c), torch.tensor(p), tv, (3, 3))
    assert repr(g) == repr(t)  # grad_fn=<SparseCompressedTensorBackward0>
    gx, tx = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (g @ gx).pow(2).sum().backward()
    (t @ tx).pow(2).sum().backward()
    np.testing.assert_allclose(gv.grad.numpy(), tv.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-12)
    gv.grad = None
    tv.grad = None
    g = gk.sparse_csr_tensor(gk.tensor(c), gk.tensor(p), gv, (3, 3))
    t = torch.sparse_csr_tensor(torch.tensor(c), torch.tensor(p), tv, (3, 3))
    (g.values() * 3).sum().backward()
    (t.values() * 3).sum().backward()
    np.testing.assert_allclose(gv.grad.numpy(), tv.grad.numpy())


@pytest.mark.parametrize("op", ["neg", "mul2", "abs", "relu", "to_dense", "csc", "self_add",
                                "mul_dense"])
def test_leaf_gradient_is_compressed(torch, op):
    a = dense_case("empty_rows", np.float64) - 2 * (dense_case("empty_rows", np.float64) > 3)
    g = gk.tensor(a).to_sparse_csr().requires_grad_()
    t = torch.tensor(a).to_sparse_csr().requires_grad_()
    w = np.arange(16.0).reshape(4, 4)

    def run(m, x):
        y = {"neg": lambda: -x, "mul2": lambda: x * 2, "abs": lambda: x.abs(),
             "relu": lambda: m.relu(x), "to_dense": lambda: x,
             "csc": lambda: x.to_sparse_csc(), "self_add": lambda: x + x,
             "mul_dense": lambda: x * m.tensor(w)}[op]()
        (y.to_dense() * m.tensor(w)).sum().backward()
        return y

    same(run(gk, g), run(torch, t))
    assert g.grad.layout is gk.sparse_csr
    same(g.grad, t.grad)


def test_dense_input_gradient_through_conversion(torch):
    a = dense_case("empty_rows", np.float64)
    ga, ta = gk.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    x = np.random.default_rng(5).standard_normal((4, 2))
    for kind in ("csr", "csc"):
        (getattr(ga, f"to_sparse_{kind}")() @ gk.tensor(x)).sum().backward()
        (getattr(ta, f"to_sparse_{kind}")() @ torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), atol=1e-12)


def test_values_gradcheck():
    c, p = gk.tensor([0, 2, 2, 3]), gk.tensor([0, 2, 1])
    x = gk.randn(3, 2, dtype=gk.float64)

    def f(v):
        return (gk.sparse_csr_tensor(c, p, v, (3, 3)) @ x).sin()

    assert gk.autograd.gradcheck(f, (gk.randn(3, dtype=gk.float64, requires_grad=True),))


# ------------------------------------------------------------------ elementwise, sum, transpose
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", ["mul_scalar", "rmul", "neg", "abs", "relu", "sin", "sqrt",
                                "tanh", "add_self", "mul_self", "dense_plus", "plus_dense",
                                "clone", "double", "gt0", "sign", "erf", "floor", "expm1",
                                "asin", "square", "exp2", "clamp", "sigmoid", "int"])
def test_elementwise_matches_torch(torch, layout, op):
    a = dense_case("empty_rows") * np.array([1, -1, 1, -1], np.float32)
    kind = layout.split("_")[1]
    args = ((2, 2),) if kind in ("bsr", "bsc") else ()
    g, t = (getattr(m.tensor(a), f"to_sparse_{kind}")(*args) for m in (gk, torch))
    d = np.arange(16.0, dtype=np.float32).reshape(4, 4)
    fs = {"mul_scalar": lambda m, x: x * 2.5, "rmul": lambda m, x: 3 * x,
          "neg": lambda m, x: -x, "abs": lambda m, x: m.abs(x), "relu": lambda m, x: m.relu(x),
          "sin": lambda m, x: x.sin(), "sqrt": lambda m, x: x.abs().sqrt(),
          "tanh": lambda m, x: m.tanh(x), "add_self": lambda m, x: x + x,
          "mul_self": lambda m, x: x * x, "dense_plus": lambda m, x: m.tensor(d) + x,
          "plus_dense": lambda m, x: x + m.tensor(d), "clone": lambda m, x: x.clone(),
          "double": lambda m, x: x.double(), "gt0": lambda m, x: x > 0,
          "sign": lambda m, x: x.sign(), "erf": lambda m, x: m.erf(x),
          "floor": lambda m, x: (x * 1.5).floor(), "expm1": lambda m, x: x.expm1(),
          "asin": lambda m, x: (x * 0.1).asin(), "square": lambda m, x: x.square(),
          "exp2": lambda m, x: x.exp2(), "clamp": lambda m, x: x.clamp(min=0),
          "sigmoid": lambda m, x: x.sigmoid(), "int": lambda m, x: x.to(m.int64)}
    try:
        want = fs[op](torch, t)
    except (RuntimeError, NotImplementedError) as e:
        if "unsupported tensor layout" in str(e):  # refused by design: refused here too
            with pytest.raises(type(e)):
                fs[op](gk, g)
            return
        # a gap of PyTorch's kernels (mul of two CSC/BSR, dense + BSR): the dense oracle
        got = fs[op](gk, g)
        want = fs[op](torch, t.to_dense())
        assert got.layout is (gk.strided if "dense" in op else g.layout)
        np.testing.assert_allclose(got.to_dense().numpy(), want.to_dense().numpy())
        return
    same(fs[op](gk, g), want)


def test_add_and_mul_of_different_patterns(torch):
    a = dense_case("empty_rows")
    b = np.array([[1.0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 7]], np.float32)
    for m_op in (lambda x, y: x + y, lambda x, y: x * y, lambda x, y: gk.add(x, y, alpha=2)
                 if isinstance(x, gk.Tensor) else x.add(y, alpha=2)):
        g = m_op(gk.tensor(a).to_sparse_csr(), gk.tensor(b).to_sparse_csr())
        t = m_op(torch.tensor(a).to_sparse_csr(), torch.tensor(b).to_sparse_csr())
        same(g, t)


@pytest.mark.parametrize("layout", ["sparse_csr", "sparse_csc"])
def test_sum(torch, layout):
    g, t = both(torch, "empty_rows", layout)
    same(g.sum(), t.sum())
    same(gk.sum(g, dtype=gk.float64), torch.sum(t, dtype=torch.float64))
    if layout == "sparse_csr":
        for d in (0, 1):
            same(g.sum(d, keepdim=True), t.sum(d, keepdim=True))
    with pytest.raises(RuntimeError) as te:
        t.sum(0)
    with pytest.raises(RuntimeError) as ge:
        g.sum(0)
    assert str(ge.value) == str(te.value)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_transpose(torch, layout):
    g, t = both(torch, "empty_rows", layout)
    for f in (lambda x: x.t(), lambda x: x.transpose(0, 1), lambda x: x.transpose(-1, -2)):
        assert repr(f(g)) == repr(f(t))
        same(f(g), f(t))


# ------------------------------------------------------------------ errors and save/load
@pytest.mark.parametrize("op", ["exp", "div", "sub", "pow", "view", "numpy", "indices", "contig",
                                "coalesce", "ccol_indices", "row_indices", "sparse_sum",
                                "mean", "crow_of_dense", "crow_of_coo", "softmax",
                                "to_dense_dtype", "eq", "where"])
def test_unsupported_ops_raise_torch_type(torch, op):
    fs = {"exp": lambda m, x: x.exp(), "div": lambda m, x: x / 2, "sub": lambda m, x: x - x,
          "pow": lambda m, x: x.pow(2), "view": lambda m, x: x.view(16),
          "numpy": lambda m, x: x.numpy(), "indices": lambda m, x: x.indices(),
          "coalesce": lambda m, x: x.coalesce(), "ccol_indices": lambda m, x: x.ccol_indices(),
          "row_indices": lambda m, x: x.row_indices(),
          "sparse_sum": lambda m, x: m.sparse.sum(x), "mean": lambda m, x: x.mean(),
          "crow_of_dense": lambda m, x: x.to_dense().crow_indices(),
          "crow_of_coo": lambda m, x: x.to_sparse().crow_indices(),
          "softmax": lambda m, x: m.softmax(x, 1),
          "to_dense_dtype": lambda m, x: x.to_dense(m.float64), "eq": lambda m, x: x == x,
          "where": lambda m, x: m.where(x > 0, x, 0), "contig": lambda m, x: x.is_contiguous()}
    g, t = both(torch, "empty_rows", "sparse_csr")
    with pytest.raises(Exception) as te:
        fs[op](torch, t)
    with pytest.raises(type(te.value)) as ge:
        fs[op](gk, g)
    core = str(te.value).split("\n")[0]
    if "Could not run" not in core and "is_contiguous" not in core:
        assert core in str(ge.value)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_save_load_round_trip(tmp_path, layout):
    a = dense_case("empty_rows")
    kind = layout.split("_")[1]
    args = ((2, 2),) if kind in ("bsr", "bsc") else ()
    g = getattr(gk.tensor(a), f"to_sparse_{kind}")(*args)
    f = tmp_path / "m.gk"
    gk.save({"adj": g, "leaf": g.detach().requires_grad_()}, f)
    back = gk.load(f)
    assert back["adj"].layout is g.layout and repr(back["adj"]) == repr(g)
    assert back["leaf"].requires_grad


MAKERS = {"coo": lambda m, a: m.tensor(a).to_sparse(),
          "coo_uncoalesced": lambda m, a: m.sparse_coo_tensor(m.tensor([[0, 0], [1, 1]]),
                                                              m.tensor([1.0, 2.0]), (2, 2)),
          "csr": lambda m, a: m.tensor(a).to_sparse_csr(),
          "csr_int32": lambda m, a: m.sparse_csr_tensor(
              m.tensor([0, 1, 1, 2], dtype=m.int32), m.tensor([2, 0], dtype=m.int32),
              m.tensor([1.0, 2.0]), (3, 3)),
          "csc": lambda m, a: m.tensor(a).to_sparse_csc(),
          "bsr": lambda m, a: m.tensor(a).to_sparse_bsr((2, 2)),
          "bsc": lambda m, a: m.tensor(a).to_sparse_bsc((1, 4)),
          "batched": lambda m, a: m.tensor(dense_case("batched")).to_sparse_csr()}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_torch_format_both_ways(torch, tmp_path, kind):
    """A sparse tensor written in PyTorch's format (``_rebuild_sparse_tensor``) loads in
    PyTorch (weights_only) as PyTorch's own, and PyTorch's file loads in gradkit."""
    a = dense_case("empty_rows")
    want = MAKERS[kind](torch, a)
    gk.save({"x": MAKERS[kind](gk, a)}, tmp_path / "g.pt", format="torch")
    got_t = torch.load(tmp_path / "g.pt", weights_only=True)["x"]
    assert repr(got_t) == repr(want)
    torch.save({"x": want}, tmp_path / "t.pt")
    got_g = gk.load(tmp_path / "t.pt")["x"]
    assert repr(got_g) == repr(want)


def test_zero_and_fill(torch):
    g, t = both(torch, "empty_rows", "sparse_csr")
    for f in (lambda x: x.clone().zero_(), lambda x: x.clone().fill_(2.5),
              lambda x: x.clone().mul_(3), lambda x: x.clone().neg_()):
        assert repr(f(g)) == repr(f(t))


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_pickle_and_deepcopy(kind):
    """Sparse tensors pickle (a DataLoader worker's batch, multiprocessing) and deep-copy with
    their index arrays; PyTorch pickles them too."""
    import copy
    import pickle

    x = MAKERS[kind](gk, dense_case("empty_rows"))
    for y in (pickle.loads(pickle.dumps(x)), copy.deepcopy(x)):
        assert y.layout is x.layout and repr(y) == repr(x)
        np.testing.assert_array_equal(y.to_dense().numpy(), x.to_dense().numpy())


@pytest.mark.parametrize("reduce", ["mean", "amax", "amin", "max", "min"])
def test_sparse_mm_reduce_of_csr_and_its_gradient_as_torch(torch, reduce):
    """``torch.sparse.mm(csr, dense, reduce)`` (PyTorch Geometric's spmm for mean/max/min
    aggregation): each row's products reduced, 0 for an empty row, the gradient for the dense
    operand as PyTorch's (ties share it)."""
    a = np.array([[0, 1.5, 0, -2], [0, 0, 0, 0], [3, 0, 1, 0], [0, 0, 2, 0]], np.float32)
    b = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)
    outs = []
    for lib in (gk, torch):
        bb = lib.tensor(b, requires_grad=True)
        out = lib.sparse.mm(lib.tensor(a).to_sparse_csr(), bb, reduce)
        (out * lib.arange(12.0).view(4, 3)).sum().backward()
        outs.append((out.detach().numpy(), bb.grad.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-6)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-6)


def test_sparse_mm_reduce_refusals_as_torch(torch):
    a = [[0, 1.0], [2.0, 0]]
    for lib in (gk, torch):
        csr, b = lib.tensor(a).to_sparse_csr(), lib.ones(2, 2)
        with pytest.raises(RuntimeError, match="reduce type of prod has not been enabled"):
            lib.sparse.mm(csr, b, "prod")
        with pytest.raises(RuntimeError, match="must be either sum, prod, mean, amax or amin"):
            lib.sparse.mm(csr, b, "median")
        with pytest.raises(NotImplementedError, match="_sparse_mm_reduce_impl"):
            lib.sparse.mm(lib.tensor(a).to_sparse(), b, "mean")


@pytest.mark.parametrize("layout", ["sparse_csr", "sparse_csc"])
def test_hybrid_coo_converts_to_compressed_with_its_dense_dims(torch, layout):
    """A COO tensor with a dense dim (PyTorch Geometric's edge features ``(E, F)`` as values)
    converts to CSR/CSC keeping that dim dense, its gradient on the entries as PyTorch's."""
    idx, v = [[0, 1, 1], [1, 0, 2]], np.arange(1.0, 7.0, dtype=np.float32).reshape(3, 2)
    got = []
    for lib in (gk, torch):
        vals = lib.tensor(v, requires_grad=True)
        coo = lib.sparse_coo_tensor(lib.tensor(idx), vals, (2, 3, 2))
        c = getattr(coo, "to_" + layout)()
        (c.to_dense() * lib.arange(12.0).view(2, 3, 2)).sum().backward()
        got.append((c.dense_dim(), c.values().tolist(), c.to_dense().tolist(),
                    vals.grad.tolist()))
    assert got[0] == got[1]

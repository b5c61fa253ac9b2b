"""gradkit/functions/sorting.py: unique, bincount, searchsorted, bucketize, median, kthvalue,
quantile against PyTorch (ties, empty inputs, float32), random order statistics (hypothesis),
errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import both, same_as_torch

import gradkit as gk

R = np.random.default_rng(3)
INTS = np.array([[3, 1, 2], [3, 1, 5], [0, 1, 2], [3, 1, 2]])


@pytest.mark.parametrize("kwargs", [{}, {"return_inverse": True}, {"return_counts": True},
                                    {"return_inverse": True, "return_counts": True},
                                    {"sorted": False, "return_inverse": True}])
@pytest.mark.parametrize("dim", [None, 0, 1, -2])
def test_unique(torch, kwargs, dim):
    both(torch, lambda m, x: m.unique(x, dim=dim, **kwargs), INTS, grad=False)
    both(torch, lambda m, x: x.unique(dim=dim, **kwargs), INTS.astype(np.float32) / 2,
         grad=False)


def test_unique_special(torch):
    both(torch, lambda m, x: m.unique(x), np.array([2.0, np.nan, np.nan, 1.0]), grad=False)
    both(torch, lambda m, x: m.unique(x, return_inverse=True), np.array(3.0), grad=False)
    both(torch, lambda m, x: m.unique(x, return_counts=True), np.zeros(0), grad=False)
    both(torch, lambda m, x: m.unique(x, return_inverse=True), np.array([True, False, True]),
         grad=False)
    out = gk.unique(gk.tensor([1.0, 1.0, 2.0], requires_grad=True))
    assert not out.requires_grad


def test_bincount(torch):
    x = np.array([1, 1, 4, 0, 1])
    both(torch, lambda m, t: m.bincount(t), x, grad=False)
    both(torch, lambda m, t: t.bincount(minlength=8), x, grad=False)
    both(torch, lambda m, t: m.bincount(t), np.zeros(0, dtype=np.int64), grad=False)
    both(torch, lambda m, t: m.bincount(t), x.astype(np.int32), grad=False)
    both(torch, lambda m, t: m.bincount(t), x.astype(np.uint8), grad=False)
    for w in (np.linspace(0, 1, 5), np.linspace(0, 1, 5).astype(np.float32), np.arange(5)):
        both(torch, lambda m, t, ww: m.bincount(t, weights=ww, minlength=2), x, w, grad=False)


SEQ = np.array([1.0, 3.0, 3.0, 5.0, 7.0])
VALS = np.array([[0.0, 3.0, 4.0], [7.0, 8.0, 1.0]])


@pytest.mark.parametrize("kw", [{}, {"right": True}, {"side": "right"}, {"side": "left"},
                                {"out_int32": True}])
def test_searchsorted(torch, kw):
    both(torch, lambda m, s, v: m.searchsorted(s, v, **kw), SEQ, VALS, grad=False)
    both(torch, lambda m, s, v: m.searchsorted(s, v, **kw), SEQ, VALS[0], grad=False)
    both(torch, lambda m, s: m.searchsorted(s, 3.0, **kw), SEQ, grad=False)
    both(torch, lambda m, s: m.searchsorted(s, 3, **kw), SEQ.astype(np.int64), grad=False)
    seq2 = np.sort(R.standard_normal((2, 3, 5)), -1)
    v2 = R.standard_normal((2, 3, 4))
    both(torch, lambda m, s, v: m.searchsorted(s, v, **kw), seq2, v2, grad=False)
    both(torch, lambda m, s, v: m.searchsorted(s, v, **kw), SEQ, np.zeros(0), grad=False)


def test_searchsorted_sorter(torch):
    perm = R.permutation(5)
    seq = SEQ[perm]
    sorter = np.argsort(seq, kind="stable")
    both(torch, lambda m, s, v, o: m.searchsorted(s, v, sorter=o), seq, VALS, sorter, grad=False)


@pytest.mark.parametrize("kw", [{}, {"right": True}, {"out_int32": True}])
def test_bucketize(torch, kw):
    both(torch, lambda m, v, b: m.bucketize(v, b, **kw), VALS, SEQ, grad=False)
    both(torch, lambda m, b: m.bucketize(3.0, b, **kw), SEQ, grad=False)
    both(torch, lambda m, v, b: m.bucketize(v, b, **kw), np.array([[1, 3], [6, 0]]),
         np.array([1, 3, 5]), grad=False)


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda: gk.unique(gk.zeros(2, 3), dim=2), IndexError, r"unique\(\).*range"),
    (lambda: gk.bincount(gk.zeros(3)), NotImplementedError, r"bincount.*Float"),
    (lambda: gk.bincount(gk.zeros(2, 2, dtype=gk.int64)), RuntimeError,
     r"bincount\(\).*1-D.*\(2, 2\)"),
    (lambda: gk.bincount(gk.tensor([1, -2])), RuntimeError, r"bincount\(\).*non-negative.*-2"),
    (lambda: gk.bincount(gk.tensor([1, 2]), minlength=-1), RuntimeError,
     r"bincount\(\).*minlength.*-1"),
    (lambda: gk.bincount(gk.tensor([1, 2]), gk.ones(3)), RuntimeError,
     r"bincount\(\).*weights.*\(2,\).*\(3,\)"),
    (lambda: gk.searchsorted(gk.arange(3), gk.arange(2), side="middle"), RuntimeError,
     r"searchsorted\(\).*side.*'middle'"),
    (lambda: gk.searchsorted(gk.arange(3), gk.arange(2), right=True, side="left"), RuntimeError,
     r"searchsorted\(\).*contradict"),
    (lambda: gk.searchsorted(gk.zeros(2, 3), gk.zeros(3, 1)), RuntimeError,
     r"searchsorted\(\).*leading dimensions \(2,\).*\(3, 1\)"),
    (lambda: gk.searchsorted(gk.tensor(1.0), gk.zeros(3)), RuntimeError,
     r"searchsorted\(\).*at least one dimension"),
    (lambda: gk.searchsorted(gk.zeros(3), "a"), TypeError, r"searchsorted\(\).*str"),
    (lambda: gk.bucketize(gk.zeros(3), gk.zeros(2, 2)), RuntimeError,
     r"bucketize\(\).*1-D.*\(2, 2\)"),
])
def test_errors(call, exc, pattern):
    args = (gk.zeros(3, 4),) if call.__code__.co_argcount else ()  # a call of x: a 3x4 tensor
    with pytest.raises(exc, match=pattern):
        call(*args)


A = R.standard_normal((3, 5))

TIES = np.array([[1.0, 2.0, 2.0, 1.0, 0.5], [3.0, 3.0, 3.0, 3.0, 3.0], [0.0, -1.0, 2.0, -1.0, 2.0]])

def test_median_kthvalue_ties_indices_are_consistent():
    # PyTorch's choice among equal values is implementation-defined: gradkit returns the
    # value's place in a stable sort; the index always points at an element with that value
    x = gk.tensor(TIES)
    for out in (x.median(1), x.kthvalue(2, 1), x.kthvalue(3, 1)):
        np.testing.assert_array_equal(x.gather(1, out.indices.unsqueeze(1)).squeeze(1).numpy(),
                                      out.values.numpy())
    np.testing.assert_array_equal(x.kthvalue(2, 1).indices.numpy(), [0, 1, 3])

def test_float32_quantile(torch):
    x = A.astype(np.float32)
    both(torch, lambda m, t: m.quantile(t, m.tensor([0.3, 0.7]), dim=1), x, atol=1e-6)

def test_median_of_empty_is_nan_on_the_graph(torch):
    # as torch.median: NaN with a grad_fn, so a loss built on it can run backward
    x = gk.zeros(0, requires_grad=True)
    m = gk.median(x)
    assert m.requires_grad and np.isnan(float(m))
    m.backward()
    assert tuple(x.grad.shape) == (0,)
    # an integer dtype keeps it: PyTorch's NaN cast to int64
    assert gk.median(gk.zeros(0, dtype=gk.int64)).item() == \
        torch.median(torch.zeros(0, dtype=torch.int64)).item()

def test_unique_dim_of_0d_names_the_problem():
    with pytest.raises(IndexError, match=r"unique\(\): dim=0 given for a 0-d tensor.*dim=None"):
        gk.unique(gk.tensor(2.0), dim=0)


def _arr(data, shape):
    return np.random.default_rng(data.draw(st.integers(0, 1000))).standard_normal(shape)

@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple), data=st.data())
def test_order_statistics_random(shape, data):
    torch = pytest.importorskip("torch")
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    x = _arr(data, shape)  # continuous values: no ties, so indices are unique
    k = data.draw(st.integers(1, shape[dim]))
    q = data.draw(st.floats(0, 1))
    both(torch, lambda m, t: m.kthvalue(t, k, dim), x)
    both(torch, lambda m, t: m.median(t, dim), x)
    both(torch, lambda m, t: m.quantile(t, q, dim), x)
    both(torch, lambda m, t: m.median(t), x)


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda x: gk.median(x, 2), IndexError, r"median\(\).*range"),
    (lambda x: gk.median(x[:, :0], 1), IndexError, r"median\(\).*non-empty.*\(3, 0\)"),
    (lambda x: gk.kthvalue(x, 0), RuntimeError, r"kthvalue\(\).*\[1, 4\].*got 0"),
    (lambda x: gk.kthvalue(x, 5, 1), RuntimeError, r"kthvalue\(\).*\[1, 4\].*got 5"),
    (lambda x: gk.kthvalue(x, 1.5), TypeError, r"kthvalue\(\).*'k'.*float"),
    (lambda x: gk.quantile(x.long(), 0.5), RuntimeError, r"quantile\(\).*float.*int64"),
    (lambda x: gk.quantile(x, 1.5), RuntimeError, r"quantile\(\).*\[0, 1\].*1.5"),
    (lambda x: gk.quantile(x, gk.tensor([0.5, -0.1])), RuntimeError, r"quantile\(\).*\[0, 1\]"),
    (lambda x: gk.quantile(x, gk.zeros(2, 2)), RuntimeError, r"quantile\(\).*1-D.*\(2, 2\)"),
    (lambda x: gk.quantile(x, "a"), TypeError, r"quantile\(\).*number.*str"),
    (lambda x: gk.quantile(x, 0.5, interpolation="cubic"), RuntimeError,
     r"quantile\(\).*interpolation.*'cubic'"),
    (lambda x: gk.quantile(x[:0], 0.5), RuntimeError, r"quantile\(\).*non-empty"),
])
def test_errors_on_a_matrix(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(gk.zeros(3, 4))


# ------------------------------------------------------------------ NaN-aware order statistics
_NAN_ROWS = np.array([[1.0, np.nan, 3.0, -2.0], [np.nan] * 4, [0.5, 2.5, np.nan, np.nan]])


@pytest.mark.parametrize("fn", [
    lambda m, x: m.nanmedian(x, 1), lambda m, x: x.nanmedian(0, keepdim=True),
    lambda m, x: m.nanquantile(x, 0.25, dim=1), lambda m, x: x[0].nanmedian(),
    lambda m, x: m.nanquantile(x, m.tensor([0.1, 0.9], dtype=m.float64), dim=1),
], ids=["nanmedian_dim", "nanmedian_keepdim", "nanquantile", "nanmedian_all", "nanquantile_q"])
def test_nan_statistics_and_gradients_against_torch(torch, fn):
    from oracle import both

    both(torch, fn, _NAN_ROWS)


def test_mode_picks_smallest_most_frequent_and_last_index(torch):
    a = np.array([[2, 1, 2, 1, 3], [4, 4, 0, 0, 4]])
    g, t = gk.mode(gk.tensor(a)), torch.mode(torch.tensor(a))
    assert g.values.tolist() == t.values.tolist() and g.indices.tolist() == t.indices.tolist()


def test_sorting_errors_as_torch(torch):
    for call, exc in [(lambda m: m.ones(0, 3).mode(0), IndexError),
                      (lambda m: m.histc(m.arange(4), 3), NotImplementedError),
                      (lambda m: m.histc(m.ones(3), 0), RuntimeError)]:
        with pytest.raises(exc):
            call(gk)
        with pytest.raises(exc):
            call(torch)


@pytest.mark.parametrize("fn", [
    lambda L: L.topk(L.tensor(-4.0), 1),
    lambda L: L.topk(L.tensor(-4.0), 0),
    lambda L: L.topk(L.tensor(-4), 2),
    lambda L: L.topk(L.tensor([1.0, 2.0]), 3),
], ids=["0d-k1", "0d-k0", "0d-k2", "k-too-big"])
def test_topk_of_0d_and_bad_k_as_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("seq", [
    [np.inf, -0.7, -0.25, -0.08, 0.64, 0.79],                       # not sorted
    [-1.37, 0.064, 0.099, 3e38, 0.95, 1.94],
    [-1.3, np.nan, 0.2, 0.5, np.nan, 2.0],                          # NaN inside
    [1e-30, -0.61, -0.3, 1e30, 0.52, 1.02],
])
def test_searchsorted_and_bucketize_follow_torch_binary_search(torch, seq, right):
    """On sequences that are not sorted (or hold NaN) the answer is the one of PyTorch's
    binary search (NumPy's search differs there)."""
    vals = [-2.0, -0.5, -0.16, 0.0, 0.3, 0.57, 0.9, 1.36, 2.1, 3.1, np.nan]
    for fn in ("searchsorted", "bucketize"):
        args = ((seq, vals) if fn == "searchsorted" else (vals, seq))
        want = getattr(torch, fn)(*(torch.tensor(a) for a in args), right=right)
        got = getattr(gk, fn)(*(gk.tensor(a) for a in args), right=right)
        assert got.tolist() == want.tolist()
    s2 = np.array([seq, sorted(seq, key=lambda z: (np.isnan(z), z))])
    v2 = np.array([vals, vals[::-1]])
    want = torch.searchsorted(torch.tensor(s2), torch.tensor(v2), right=right)
    assert gk.searchsorted(gk.tensor(s2), gk.tensor(v2), right=right).tolist() == want.tolist()


@pytest.mark.parametrize("fn", [
    lambda L: L.unique_consecutive(L.ones(3, 0, dtype=L.int64), return_counts=True, dim=1),
    lambda L: L.unique_consecutive(L.ones(3, 0, dtype=L.int64), return_counts=True, dim=0),
    lambda L: L.unique_consecutive(L.tensor(1), return_inverse=True, dim=0),
], ids=["empty-selected", "empty-not-selected", "0d-dim"])
def test_unique_consecutive_of_empty_and_0d_as_torch(torch, fn):
    same_as_torch(torch, fn)


# histogramdd: values and edges against torch, errors
def _hdd(L, *args, **kwargs):
    h, edges = L.histogramdd(*args, **kwargs)
    return (h, *edges)


@pytest.mark.parametrize("fn", [
    lambda L: _hdd(L, L.tensor([[0.0, 1], [1, 1], [2, 0], [2, 2]]), bins=[2, 2]),
    lambda L: _hdd(L, L.tensor([[0.0, 1], [1, 1], [2, 0], [2, 2]]), bins=2,
                   range=[0.0, 2, 0, 2], weight=L.tensor([1.0, 2, 4, 8]), density=True),
    lambda L: _hdd(L, L.tensor([[0.0, 1], [1, 1], [2, 0], [2, 2]]),
                   bins=[L.tensor([0.0, 1, 2]), L.tensor([0.0, 2])]),
    lambda L: _hdd(L, L.tensor([[1.0, 1], [1, 1]]), 2),
    lambda L: _hdd(L, L.empty(0, 2), bins=2),
    lambda L: _hdd(L, L.arange(24.0).view(2, 4, 3), bins=[1, 2, 3]),
    lambda L: _hdd(L, L.ones(4, 2), bins=[2]),
    lambda L: _hdd(L, L.ones(4, 2, dtype=L.int64), bins=[2, 2]),
    lambda L: _hdd(L, L.ones(4, 2), bins=[0, 2]),
    lambda L: _hdd(L, L.ones(2), bins=[2]),
    lambda L: _hdd(L, L.tensor(0.0), bins=3),
    lambda L: _hdd(L, L.zeros(20, 0, dtype=L.float64), bins=[3, 4]),
    lambda L: _hdd(L, L.zeros(20, 0, dtype=L.float64), bins=3),
    lambda L: _hdd(L, L.zeros(20, 0, dtype=L.float64), bins=-3, range=[-1.0, 1, 0, 2]),
    lambda L: _hdd(L, L.zeros(0, 2), bins=3),
    lambda L: _hdd(L, L.ones(4, 2), bins=2, range=[0.0, 2]),
    lambda L: _hdd(L, L.ones(4, 2), bins=2, range=[2.0, 0, 0, 2]),
    lambda L: _hdd(L, L.tensor([[1.0, float("inf")]]), bins=2),
    lambda L: _hdd(L, L.ones(4, 2), bins=2, weight=L.ones(4, dtype=L.float64)),
    lambda L: _hdd(L, L.ones(4, 2), bins=[L.tensor([0.0, 1], dtype=L.float64)] * 2),
])
def test_histogramdd_against_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("name", ["sort", "argsort", "msort"])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_of_a_0d_tensor_as_torch(name, descending):
    import torch

    res = []
    for T in (gk, torch):
        x = T.tensor(2.96, dtype=T.float64, requires_grad=True)
        if name == "msort":
            out = T.msort(x)
        else:
            out = getattr(T, name)(x, 0, descending=descending)
        outs = list(out) if isinstance(out, tuple) else [out]
        res.append([(tuple(o.shape), str(o.dtype).split(".")[-1], o.detach().numpy().tolist())
                    for o in outs])
        if outs[0].requires_grad:
            outs[0].backward()
            res[-1].append(x.grad.numpy().tolist())
    assert res[0] == res[1]


_TIE_DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "uint8", "bool"]


@pytest.mark.parametrize("dtype", _TIE_DTYPES)
def test_sort_and_argsort_tie_order_as_torch(torch, dtype):
    """torch.sort/argsort with stable=False (the default) run std::sort on CPU, which leaves
    equal keys out of index order in a slice of more than 16: the same indices here, over random
    tied inputs of many sizes, ranks, dims, both directions, NaNs, int64 beyond 2**53 and
    non-contiguous inputs; stable=True stays stable."""
    rng = np.random.default_rng(_TIE_DTYPES.index(dtype))
    unstable = 0
    for trial in range(60):
        nd = int(rng.integers(1, 4))
        shape = [int(rng.integers(1, 4)) for _ in range(nd)]
        d = int(rng.integers(-nd, nd))
        shape[d] = int(rng.choice([2, 16, 17, 18, 31, 64, 129, 500, 2000]))
        a = rng.integers(0, int(rng.integers(1, 9)), shape)
        if dtype == "int64" and trial % 2:
            a = a + (1 << 60)  # keys a float64 cannot tell apart
        a = a.astype(dtype)
        if dtype.startswith("float") and trial % 3 == 0:
            a.reshape(-1)[rng.integers(0, a.size, 3)] = np.nan
        if nd >= 2 and trial % 4 == 0:
            a = np.swapaxes(a, 0, -1)
        desc = bool(trial % 2)
        t, g = torch.from_numpy(a.copy()), gk.tensor(a)
        want = torch.sort(t, dim=d, descending=desc)
        got = gk.sort(g, dim=d, descending=desc)
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        np.testing.assert_array_equal(gk.argsort(g, d, desc).numpy(),
                                      torch.argsort(t, d, desc).numpy())
        np.testing.assert_array_equal(g.sort(d, desc, stable=True).indices.numpy(),
                                      t.sort(dim=d, descending=desc, stable=True).indices.numpy())
        stable = np.argsort(a, axis=d, kind="stable")
        unstable += not desc and not np.array_equal(want.indices.numpy(), stable)
    assert unstable > 5  # the inputs do reach torch's non-stable orders


def test_unstable_sort_gradient_follows_its_indices(torch):
    rng = np.random.default_rng(5)
    a = rng.integers(0, 3, (3, 40)).astype(np.float64)
    w = rng.normal(size=a.shape)
    grads = []
    for T in (gk, torch):
        x = T.tensor(a, requires_grad=True)
        (x.sort(1, True).values * T.tensor(w)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "uint8"])
def test_topk_indices_as_torch(torch, dtype):
    """ATen's CPU topk runs std::partial_sort (64 * k <= n) or std::nth_element and a sort of
    the first k - 1: the same indices here, ties included, and the same order with
    sorted=False, over random sizes, k, dims, both directions and NaNs."""
    rng = np.random.default_rng(_TIE_DTYPES.index(dtype) + 10)
    differs = 0
    for trial in range(80):
        nd = int(rng.integers(1, 3))
        shape = [int(rng.integers(1, 4)) for _ in range(nd)]
        d = int(rng.integers(-nd, nd))
        n = int(rng.choice([1, 2, 3, 5, 16, 17, 40, 64, 65, 129, 300]))
        shape[d] = n
        a = rng.integers(0, int(rng.integers(1, 9)), shape).astype(dtype)
        if dtype.startswith("float") and trial % 4 == 0:
            a = rng.normal(size=shape).astype(dtype)
            a.reshape(-1)[rng.integers(0, a.size, 2)] = np.nan
        k = int(rng.integers(0, n + 1)) if trial % 3 else min(n, int(rng.integers(0, 4)))
        largest, srt = bool(trial % 2), bool((trial // 2) % 2)
        want = torch.topk(torch.from_numpy(a.copy()), k, d, largest, srt)
        got = gk.topk(gk.tensor(a), k, d, largest, srt)
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        stable = np.argsort(a if not largest else -a.astype(np.float64), axis=d, kind="stable")
        differs += not np.array_equal(want.indices.numpy(), stable.take(np.arange(k), axis=d))
    assert differs > 5  # the inputs do reach orders a stable sort does not give


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_topk_picks_and_orders_equal_values_as_torch(torch, dtype):
    # topk over counts or masked scores: PyTorch's CPU kernel (partial_sort / nth_element + sort)
    # decides which of several equal values come back, and in which order
    rng = np.random.default_rng(11)
    for trial in range(150):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        dim = int(rng.integers(-len(shape), len(shape)))
        n = int(rng.integers(1, 200))
        shape = shape[:dim % len(shape)] + (n,) + shape[dim % len(shape) + 1:]
        a = rng.integers(0, int(rng.integers(1, 6)), size=shape).astype(dtype)
        if dtype != "int64" and trial % 3 == 0:
            a[rng.random(shape) < 0.1] = np.nan
            a[rng.random(shape) < 0.1] = -np.inf
        k = int(rng.integers(0, n + 1)) if trial % 2 else int(rng.integers(0, min(n, 4) + 1))
        largest, srt = bool(trial % 4 != 1), bool(trial % 5 != 2)
        want = torch.from_numpy(a).topk(k, dim, largest=largest, sorted=srt)
        got = gk.tensor(a).topk(k, dim, largest=largest, sorted=srt)
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())


def test_topk_unsorted_distinct_values_in_torch_order(torch):
    a = np.random.default_rng(2).permutation(40).astype(np.float32)
    for k in (1, 5, 20, 40):
        want = torch.from_numpy(a).topk(k, sorted=False).indices
        np.testing.assert_array_equal(gk.tensor(a).topk(k, sorted=False).indices.numpy(), want)


@pytest.mark.parametrize("n", [6, 16, 40, 150])
def test_unique_dim_with_nan_slices_in_torchs_order(torch, n):
    """unique(dim=) of slices holding NaN: PyTorch sorts them with std::sort and a comparison
    under which NaN ties with anything, so the order is that sort's (replayed), and NaN slices
    are never merged."""
    rng = np.random.default_rng(n)
    for d in (0, 1):
        a = rng.integers(-1, 2, (n, 2) if d == 0 else (2, n)).astype(np.float64)
        a[rng.random(a.shape) < 0.15] = np.nan
        want = torch.unique(torch.tensor(a), dim=d, return_inverse=True, return_counts=True)
        got = gk.unique(gk.tensor(a), dim=d, return_inverse=True, return_counts=True)
        for g, t in zip(got, want):
            np.testing.assert_array_equal(g.numpy(), t.numpy())


@pytest.mark.parametrize("kw", [{}, {"range": (2.0, 2.0)}, {"range": (-1.0, 3.0)}])
def test_histogram_of_an_empty_input(torch, kw):
    """An empty input's bins span [0, 1] by default (PyTorch), or the range given."""
    want = torch.histogram(torch.zeros(0, dtype=torch.float64), 5, **kw)
    got = gk.histogram(gk.zeros(0, dtype=gk.float64), 5, **kw)
    for g, t in zip(got, want):  # (the edges' last bit: NumPy's linspace, not ATen's)
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("bins", [3, "edges1", "edges2"])
def test_histogramdd_of_a_0d_input(torch, bins):
    """A 0-d input: IndexError where bins is a count (PyTorch reads the points' size first),
    RuntimeError (at least 2 dimensions) where bins are edges."""
    def call(m):
        b = bins if isinstance(bins, int) else \
            [m.tensor([0.0, 1.0], dtype=m.float64)] * int(bins[-1])
        return m.histogramdd(m.tensor(0.5, dtype=m.float64), b)
    with pytest.raises((IndexError, RuntimeError)) as want:
        call(torch)
    with pytest.raises(type(want.value)):
        call(gk)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_histc_bins_as_torch_in_the_input_dtype(torch, dtype):
    # float16 inputs used to be binned in float64: an element near a bin edge fell in the
    # neighbouring bin of PyTorch's, whose kernel rounds each step to the input's dtype
    rng = np.random.default_rng(5)
    for trial in range(60):
        a = (rng.standard_normal(int(rng.integers(5, 60))) * 3).astype(dtype)
        bins = int(rng.integers(3, 150))
        lo, hi = [(0, 0), (-1.3, 0.7), (0.1, 2.3)][trial % 3]
        want = torch.histc(torch.tensor(a), bins, lo, hi).numpy()
        got = gk.histc(gk.tensor(a), bins, lo, hi).numpy()
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want, err_msg=f"{a!r}, bins={bins}")


def test_histc_float16_overflowing_step_counts_the_exact_bin():
    # (x - min) * bins overflows float16 (PyTorch's kernel then converts inf to an integer)
    a = gk.tensor([-200.0, -100.0, 0.0, 100.0, 200.0], dtype=gk.float16)
    assert gk.histc(a, 199).tolist() == gk.histc(a.float(), 199).tolist()


def test_bucketize_refuses_a_list_input_before_its_boundaries_as_torch(torch):
    # PyTorch's parser refuses a list input (TypeError) before the kernel checks the
    # boundaries; gradkit raised the boundaries' RuntimeError (op fuzzer seed 34)
    for m in (torch, gk):
        b0 = m.tensor(6, dtype=m.uint8)
        with pytest.raises(TypeError):
            m.bucketize([[1.0, 2.0]], b0, out=m.empty(0, dtype=m.int64))
        with pytest.raises(TypeError):
            m.bucketize([1.0, 2.0], m.tensor([1.0, 2.0]))
        with pytest.raises(RuntimeError):
            m.bucketize(1.0, b0)
    assert gk.bucketize(1.5, gk.tensor([1.0, 2.0])).item() == 1


@pytest.mark.parametrize("value", [np.int64(1), np.float32(1.5), np.bool_(True)])
def test_bucketize_and_searchsorted_take_a_numpy_number(value):
    # PyTorch reads a NumPy number as a Scalar input (gradkit raised TypeError)
    torch = pytest.importorskip("torch")
    for call in (lambda m: m.bucketize(value, m.tensor([0.0, 1.0, 2.0])),
                 lambda m: m.searchsorted(m.tensor([0.0, 1.0, 2.0]), value)):
        want, got = call(torch), call(gk)
        assert got.tolist() == want.tolist() and str(got.dtype)[-5:] == str(want.dtype)[-5:]

"""unique, bincount, searchsorted, bucketize, cdist, rot90, kron: values and dtypes against
PyTorch; gradients (cdist, rot90, kron) against PyTorch, central differences and second
order; errors."""

import numpy as np
import pytest
from oracle import both, check_grad, check_second_order

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


# name, fn, inputs
CDIST = [
    ("p2", lambda m, a, b: m.cdist(a, b), (4, 3), (5, 3)),
    ("p2_batch", lambda m, a, b: m.cdist(a, b), (2, 4, 3), (2, 5, 3)),
    ("p2_bcast", lambda m, a, b: m.cdist(a, b), (2, 1, 4, 3), (3, 5, 3)),
    ("p2_mm", lambda m, a, b: m.cdist(a, b), (30, 3), (6, 3)),
    ("p2_mm_forced", lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
     (4, 3), (5, 3)),
    ("p2_no_mm", lambda m, a, b: m.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist"),
     (30, 3), (6, 3)),
    ("p1", lambda m, a, b: m.cdist(a, b, p=1), (4, 3), (5, 3)),
    ("p3", lambda m, a, b: m.cdist(a, b, p=3), (2, 4, 3), (5, 3)),
    ("p0_5", lambda m, a, b: m.cdist(a, b, p=0.5), (4, 3), (5, 3)),
    ("pinf", lambda m, a, b: m.cdist(a, b, p=float("inf")), (4, 3), (5, 3)),
    ("p0", lambda m, a, b: m.cdist(a, b, p=0), (4, 3), (5, 3)),
]


@pytest.mark.parametrize("name,fn,sa,sb", CDIST, ids=[c[0] for c in CDIST])
def test_cdist(torch, name, fn, sa, sb):
    a, b = R.standard_normal(sa), R.standard_normal(sb)
    both(torch, fn, a, b, atol=1e-8)
    ga, gb = gk.tensor(a, requires_grad=True), gk.tensor(b, requires_grad=True)
    check_grad(lambda x, y: fn(gk, x, y), [ga, gb])
    if name in ("p2", "p2_mm", "p3"):
        check_second_order(lambda x, y: fn(gk, x, y), [ga, gb])


def test_cdist_float32_and_empty(torch):
    a = R.standard_normal((3, 4)).astype(np.float32)
    b = R.standard_normal((2, 4)).astype(np.float32)
    both(torch, lambda m, x, y: m.cdist(x, y), a, b, atol=1e-5)
    both(torch, lambda m, x, y: m.cdist(x, y), a[:0], b, grad=False)
    both(torch, lambda m, x, y: m.cdist(x, y, p=1), a[:, :0], b[:, :0], grad=False)


def test_cdist_zero_distance_gradient_is_zero():
    a = gk.tensor(R.standard_normal((30, 3)), requires_grad=True)
    d = gk.cdist(a, a)  # the matmul path: a zero diagonal
    d.sum().backward()
    assert np.isfinite(a.grad.numpy()).all()
    b = gk.tensor(R.standard_normal((3, 3)), requires_grad=True)
    gk.cdist(b, b).sum().backward()  # the direct path
    assert np.isfinite(b.grad.numpy()).all()


ROT = [(k, dims) for k in (1, 2, 3, 4, -1, 6) for dims in ((0, 1), (1, 0), (-1, 0))]


@pytest.mark.parametrize("k,dims", ROT)
def test_rot90(torch, k, dims):
    x = R.standard_normal((2, 3, 4))
    out = both(torch, lambda m, t: m.rot90(t, k, dims), x)
    assert out.requires_grad
    both(torch, lambda m, t: t.rot90(k, list(dims)), np.arange(6).reshape(2, 3), grad=False)


def test_rot90_grad():
    x = gk.tensor(R.standard_normal((3, 4)), requires_grad=True)
    check_grad(lambda t: gk.rot90(t), [x])
    check_second_order(lambda t: gk.rot90(t * t, 3), [x])


@pytest.mark.parametrize("sa,sb", [((2,), (3,)), ((2, 3), (2, 2)), ((2,), (2, 3)),
                                   ((2, 1, 3), (2, 2)), ((), (3,)), ((0, 2), (2, 2))])
def test_kron(torch, sa, sb):
    a, b = R.standard_normal(sa), R.standard_normal(sb)
    both(torch, lambda m, x, y: m.kron(x, y), a, b)
    both(torch, lambda m, x, y: x.kron(y), (a * 3).astype(np.int64), (b * 3).astype(np.int32),
         grad=False)
    if a.size:
        ga, gb = gk.tensor(a, requires_grad=True), gk.tensor(b, requires_grad=True)
        check_grad(lambda x, y: gk.kron(x, y), [ga, gb])
        check_second_order(lambda x, y: gk.kron(x, y), [ga, gb])


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda: gk.unique(gk.zeros(2, 3), dim=2), IndexError, r"unique\(\).*range"),
    (lambda: gk.bincount(gk.zeros(3)), TypeError, r"bincount\(\).*integers.*float32"),
    (lambda: gk.bincount(gk.zeros(2, 2, dtype=gk.int64)), TypeError,
     r"bincount\(\).*1-D.*\(2, 2\)"),
    (lambda: gk.bincount(gk.tensor([1, -2])), ValueError, r"bincount\(\).*non-negative.*-2"),
    (lambda: gk.bincount(gk.tensor([1, 2]), minlength=-1), ValueError,
     r"bincount\(\).*minlength.*-1"),
    (lambda: gk.bincount(gk.tensor([1, 2]), gk.ones(3)), ValueError,
     r"bincount\(\).*weights.*\(2,\).*\(3,\)"),
    (lambda: gk.searchsorted(gk.arange(3), gk.arange(2), side="middle"), ValueError,
     r"searchsorted\(\).*side.*'middle'"),
    (lambda: gk.searchsorted(gk.arange(3), gk.arange(2), right=True, side="left"), ValueError,
     r"searchsorted\(\).*contradict"),
    (lambda: gk.searchsorted(gk.zeros(2, 3), gk.zeros(3, 1)), ValueError,
     r"searchsorted\(\).*leading dimensions \(2,\).*\(3, 1\)"),
    (lambda: gk.searchsorted(gk.tensor(1.0), gk.zeros(3)), ValueError,
     r"searchsorted\(\).*at least one dimension"),
    (lambda: gk.searchsorted(gk.zeros(3), "a"), TypeError, r"searchsorted\(\).*str"),
    (lambda: gk.bucketize(gk.zeros(3), gk.zeros(2, 2)), ValueError,
     r"bucketize\(\).*1-D.*\(2, 2\)"),
    (lambda: gk.cdist(gk.zeros(3, 2), gk.zeros(3, 4)), ValueError,
     r"cdist\(\).*same number of columns.*\(3, 2\).*\(3, 4\)"),
    (lambda: gk.cdist(gk.zeros(3), gk.zeros(3, 3)), ValueError, r"cdist\(\).*2 dimensions"),
    (lambda: gk.cdist(gk.zeros(3, 2), gk.zeros(3, 2), p=-1), ValueError,
     r"cdist\(\).*non-negative.*-1"),
    (lambda: gk.cdist(gk.zeros(3, 2, dtype=gk.int64), gk.zeros(3, 2)), TypeError,
     r"cdist\(\).*floating.*int64"),
    (lambda: gk.cdist(gk.zeros(2, 3, 2), gk.zeros(3, 3, 2)), ValueError,
     r"cdist\(\).*batch.*broadcast"),
    (lambda: gk.cdist(gk.zeros(3, 2), gk.zeros(3, 2), compute_mode="fast"), ValueError,
     r"cdist\(\).*compute_mode.*'fast'"),
    (lambda: gk.rot90(gk.zeros(3), 1), ValueError, r"rot90\(\).*at least 2.*\(3,\)"),
    (lambda: gk.rot90(gk.zeros(3, 3), 1, (0, 0)), ValueError, r"rot90\(\).*different"),
    (lambda: gk.rot90(gk.zeros(3, 3), 1, (0, 1, 2)), ValueError, r"rot90\(\).*length 2"),
    (lambda: gk.rot90(gk.zeros(3, 3), 1.0), TypeError, r"rot90\(\).*'k'.*float"),
])
def test_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()

"""Shape and indexing functions beyond the core set: roll, repeat_interleave, tile, movedim,
diagonal, trace, meshgrid, nonzero/argwhere, scatter/scatter_reduce, take_along_dim, tensordot,
cumprod, diff. Values and gradients against PyTorch, central differences, second order, errors."""

import numpy as np
import pytest
from oracle import assert_close, both, check_grad, check_second_order, dtype_name, t64

import gradkit as gk

R = np.random.default_rng(0)
A34 = R.standard_normal((3, 4))
A234 = R.standard_normal((2, 3, 4))

# name, fn(lib, x), input
CASES = [
    ("roll_dim", lambda m, x: m.roll(x, 1, 0), A34),
    ("roll_dims", lambda m, x: m.roll(x, (1, -2), (0, -1)), A234),
    ("roll_flat", lambda m, x: m.roll(x, 5), A34),
    ("roll_method_big", lambda m, x: x.roll(-7, 1), A34),
    ("roll_0d", lambda m, x: m.roll(x, 1), np.array(2.5)),
    ("roll_empty", lambda m, x: m.roll(x, 1, 0), np.zeros((0, 3))),
    ("ri_int", lambda m, x: m.repeat_interleave(x, 2, 1), A34),
    ("ri_flat", lambda m, x: x.repeat_interleave(3), A34),
    ("ri_tensor", lambda m, x: m.repeat_interleave(x, m.tensor([2, 0, 1, 3]), -1), A34),
    ("ri_0d", lambda m, x: m.repeat_interleave(x, 2), np.array(1.5)),
    ("ri_output_size", lambda m, x: x.repeat_interleave(m.tensor([1, 2, 0]), 0, output_size=3),
     A34),
    ("tile_short", lambda m, x: m.tile(x, (2,)), A34),
    ("tile_long", lambda m, x: x.tile((2, 1, 2)), A34),
    ("movedim", lambda m, x: m.movedim(x, 0, -1), A234),
    ("movedim_tuple", lambda m, x: x.movedim((0, 1), (2, 0)), A234),
    ("moveaxis", lambda m, x: m.moveaxis(x, -1, 0), A234),
    ("diagonal", lambda m, x: m.diagonal(x), A34),
    ("diagonal_pos", lambda m, x: x.diagonal(1), A34),
    ("diagonal_neg", lambda m, x: m.diagonal(x, -1), A34),
    ("diagonal_empty", lambda m, x: m.diagonal(x, 5), A34),
    ("diagonal_dims", lambda m, x: m.diagonal(x, 1, -1, 0), A234),
    ("trace", lambda m, x: m.trace(x), A34),
    ("trace_method", lambda m, x: x.trace(), A34.T),
    ("take_flat", lambda m, x: m.take_along_dim(x, m.tensor([0, 11, 5, 5])), A34),
    ("take_dim", lambda m, x: m.take_along_dim(x, m.tensor([[0, 3], [1, 1], [2, 0]]), 1), A34),
    ("take_bcast", lambda m, x: m.take_along_dim(x, m.tensor([[[2], [0], [1]]]), -1), A234),
    ("take_argsort", lambda m, x: x.take_along_dim(x.argsort(0), 0), A34),
    ("cumprod", lambda m, x: m.cumprod(x, 1), A34),
    ("cumprod_neg", lambda m, x: x.cumprod(-3), A234),
    ("cumprod_0d", lambda m, x: m.cumprod(x, 0), np.array(1.5)),
    ("cumprod_empty", lambda m, x: m.cumprod(x, 0), np.zeros((0, 3))),
    ("diff", lambda m, x: m.diff(x), A34),
    ("diff_n2_dim0", lambda m, x: x.diff(2, 0), A34),
    ("diff_pre_app", lambda m, x: m.diff(x, dim=1, prepend=x[:, :2], append=x[:, :1]), A34),
    ("diff_n_big", lambda m, x: m.diff(x, 5, 0), A34),
]


@pytest.mark.parametrize("name,fn,arr", CASES, ids=[c[0] for c in CASES])
def test_against_torch(torch, name, fn, arr):
    both(torch, fn, arr)


@pytest.mark.parametrize("name,fn,arr", [c for c in CASES if c[2].size],
                         ids=[c[0] for c in CASES if c[2].size])
def test_central_differences(name, fn, arr):
    x = gk.tensor(arr, requires_grad=True)
    check_grad(lambda t: fn(gk, t), [x])


@pytest.mark.parametrize("name", ["roll_dims", "ri_tensor", "diagonal_dims", "take_bcast",
                                  "cumprod", "cumprod_neg", "diff_pre_app"])
def test_second_order(name):
    _, fn, arr = next(c for c in CASES if c[0] == name)
    # a square makes the second derivative non-trivial for the linear ops
    check_second_order(lambda t: fn(gk, t * t), [gk.tensor(arr, requires_grad=True)])


@pytest.mark.parametrize("fn", [
    lambda m, x: m.roll(x, 2, 0),
    lambda m, x: m.repeat_interleave(x, 2, 0),
    lambda m, x: m.tile(x, (2, 2)),
    lambda m, x: m.trace(x),
    lambda m, x: m.diagonal(x, 1),
    lambda m, x: m.cumprod(x, 1),
    lambda m, x: m.diff(x, 1, 0),
    lambda m, x: m.tensordot(x, x, 2),
    lambda m, x: m.nonzero(x),
    lambda m, x: m.argwhere(x),
], ids=["roll", "repeat_interleave", "tile", "trace", "diagonal", "cumprod", "diff",
        "tensordot", "nonzero", "argwhere"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_integer_inputs(torch, fn, dtype):
    arr = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    try:
        t_out = fn(torch, torch.tensor(arr))
    except RuntimeError:
        pytest.skip("torch does not support this dtype here")
    g_out = fn(gk, gk.tensor(arr))
    assert dtype_name(g_out.dtype) == dtype_name(t_out.dtype)
    np.testing.assert_array_equal(g_out.numpy(), t_out.numpy())


def test_diff_bool_and_int_prepend(torch):
    b = np.array([True, False, False, True])
    both(torch, lambda m, x: m.diff(x), b, grad=False)
    i = np.array([[1, 4, 9], [2, 2, 7]])
    both(torch, lambda m, x: m.diff(x, prepend=m.zeros(2, 1, dtype=m.int64)), i, grad=False)


def test_repeat_interleave_counts_only(torch):
    both(torch, lambda m, r: m.repeat_interleave(r), np.array([2, 0, 3]), grad=False)


def test_meshgrid(torch):
    a, b, c = R.standard_normal(2), R.standard_normal(3), R.standard_normal(4)
    for indexing in ("ij", "xy"):
        out = both(torch, lambda m, *t, ix=indexing: m.stack(m.meshgrid(*t, indexing=ix)).sin()
                   .sum(0), a, b, c)
        assert tuple(out.shape) == ((2, 3, 4) if indexing == "ij" else (3, 2, 4))
    both(torch, lambda m, *t: m.meshgrid(list(t), indexing="xy"), a, b, grad=False)
    both(torch, lambda m, t: m.meshgrid(t, indexing="ij"), a, grad=False)


def test_nonzero_and_argwhere(torch):
    arr = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    for fn in (lambda m, x: m.nonzero(x), lambda m, x: x.nonzero(as_tuple=True),
               lambda m, x: m.argwhere(x), lambda m, x: x.argwhere()):
        both(torch, fn, arr, grad=False)
    for arr in (np.array(3.0), np.array(0.0), np.zeros((0, 2)), np.zeros((2, 3))):
        both(torch, lambda m, x: m.nonzero(x), arr, grad=False)
        both(torch, lambda m, x: m.nonzero(x, as_tuple=True), arr, grad=False)
    out = gk.nonzero(gk.tensor(arr, requires_grad=True))
    assert out.dtype == gk.int64 and not out.requires_grad


def test_tensordot(torch):
    a, b = R.standard_normal((2, 3, 4)), R.standard_normal((3, 4, 5))
    both(torch, lambda m, x, y: m.tensordot(x, y), a, b)
    both(torch, lambda m, x, y: m.tensordot(x, y, dims=([1, 2], [0, 1])), a, b)
    both(torch, lambda m, x, y: m.tensordot(x, y, dims=([-2], [0])), a, b)
    both(torch, lambda m, x, y: m.tensordot(x, y, dims=0), a[0, 0], b[0, 0])
    both(torch, lambda m, x, y: m.tensordot(x, y, dims=([0, 1], [1, 0])), a[0], a[0].T)
    x, y = t64(R, 2, 3), t64(R, 3, 2)
    check_grad(lambda p, q: gk.tensordot(p, q, 1), [x, y])
    check_second_order(lambda p, q: gk.tensordot(p, q, ([0, 1], [1, 0])), [x, y])


@pytest.mark.parametrize("sa,sb,dims", [((3, 0), (0, 2), 1), ((0, 3), (3, 0), 1),
                                        ((2, 0), (0,), 1), ((0, 4), (4,), 1),
                                        ((2, 0, 3), (0, 3, 4), 2), ((3,), (0, 2), 0),
                                        ((), (2, 0), 0)])
def test_tensordot_empty(torch, sa, sb, dims):
    # an empty contracted or free dimension: zeros of the right shape (was a reshape error
    # for an empty contraction)
    both(torch, lambda m, x, y: m.tensordot(x, y, dims), R.standard_normal(sa),
         R.standard_normal(sb))


# ------------------------------------------------------------------ scatter family
IDX = np.array([[0, 2, 1, 0], [1, 0, 2, 2]])  # no duplicate position along dim 0 per column


def test_scatter_values_and_grads(torch):
    x = R.standard_normal((3, 4))
    src = R.standard_normal((2, 4))
    both(torch, lambda m, a, s: m.scatter(a, 0, m.tensor(IDX), s), x, src)
    both(torch, lambda m, a, s: a.scatter(-2, m.tensor(IDX), s), x, src)
    # src larger than index: only its leading block is read
    big = R.standard_normal((3, 5))  # (PyTorch has no backward for this case)
    both(torch, lambda m, a, s: m.scatter(a, 0, m.tensor(IDX), s), x, big, grad=False)
    check_grad(lambda s: gk.scatter(gk.tensor(x), 0, gk.tensor(IDX), s),
               [gk.tensor(big, requires_grad=True)])
    both(torch, lambda m, a: m.scatter(a, 1, m.tensor([[3], [0], [1]]), 2.5), x)
    both(torch, lambda m, a: a.scatter(1, m.tensor([[3], [0], [1]]), value=-1.0), x)
    both(torch, lambda m, a: m.scatter(a, 0, m.tensor(IDX[:, :0]), 2.5), x)
    both(torch, lambda m, a: m.scatter(a, 1, m.tensor([[1, 0]] * 3), 7),
         np.arange(12).reshape(3, 4), grad=False)
    xa, sa = gk.tensor(x, requires_grad=True), gk.tensor(src, requires_grad=True)
    check_grad(lambda a, s: gk.scatter(a, 0, gk.tensor(IDX), s), [xa, sa])
    check_second_order(lambda a, s: gk.scatter(a * a, 0, gk.tensor(IDX), s * s), [xa, sa])


def test_scatter_duplicates_last_write_wins():
    x = gk.zeros(4, dtype=gk.float64)
    src = gk.tensor([1.0, 2.0, 3.0], dtype=gk.float64, requires_grad=True)
    out = gk.scatter(x, 0, gk.tensor([1, 1, 3]), src)
    np.testing.assert_array_equal(out.detach().numpy(), [0.0, 2.0, 0.0, 3.0])
    out.sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(), [0.0, 1.0, 1.0])  # documented difference


def test_scatter_inplace(torch):
    one_hot = gk.zeros(3, 4).scatter_(1, gk.tensor([[2], [0], [3]]), 1.0)
    ref = torch.zeros(3, 4).scatter_(1, torch.tensor([[2], [0], [3]]), 1.0)
    assert_close(one_hot, ref)
    w = gk.tensor(R.standard_normal((2, 4)), requires_grad=True)
    base = gk.zeros(3, 4, dtype=gk.float64)
    y = base * 1.0
    assert y.scatter_(0, gk.tensor(IDX), w) is y
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    ty = torch.zeros(3, 4, dtype=torch.float64).scatter_(0, torch.tensor(IDX), tw)
    assert_close(y, ty)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert_close(w.grad, tw.grad)
    z = gk.ones(3, 4)
    z.scatter_reduce_(0, gk.tensor(IDX), gk.full((2, 4), 3.0), "sum")
    assert_close(z, torch.ones(3, 4).scatter_reduce_(0, torch.tensor(IDX),
                                                     torch.full((2, 4), 3.0), "sum"))


DUP = np.array([[0, 2, 1, 0], [0, 2, 1, 2], [0, 0, 1, 2]])  # repeated positions


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_against_torch(torch, reduce, include_self):
    x = R.standard_normal((3, 4))
    src = R.standard_normal((3, 5))
    src[0, 0] = 0.0  # a zero in a prod group
    # src larger than index: PyTorch has no backward for it, so values only
    both(torch, lambda m, a, s: m.scatter_reduce(a, 0, m.tensor(DUP), s, reduce,
                                                 include_self=include_self), x, src, grad=False)
    both(torch, lambda m, a, s: m.scatter_reduce(a, 0, m.tensor(DUP), s, reduce,
                                                 include_self=include_self), x, src[:, :4])
    both(torch, lambda m, a, s: a.scatter_reduce(-1, m.tensor(DUP), s, reduce,
                                                 include_self=include_self), x, src[:, :4])
    xi = (np.arange(12).reshape(3, 4) % 5) + 1
    si = (np.arange(15).reshape(3, 5) % 4) - 1
    both(torch, lambda m, a, s: m.scatter_reduce(a, 0, m.tensor(DUP), s, reduce,
                                                 include_self=include_self), xi, si, grad=False)
    xa = gk.tensor(x, requires_grad=True)
    sa = gk.tensor(src, requires_grad=True)
    check_grad(lambda a, s: gk.scatter_reduce(a, 0, gk.tensor(DUP), s, reduce,
                                              include_self=include_self), [xa, sa])
    if reduce in ("sum", "prod", "mean"):
        check_second_order(lambda a, s: gk.scatter_reduce(a * a, 0, gk.tensor(DUP), s * s,
                                                          reduce, include_self=include_self),
                           [xa, sa])


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_ties_split_like_torch(torch, reduce):
    x = np.array([[1.0, 5.0, 2.0], [3.0, 3.0, 0.0]])
    src = np.array([[3.0, 5.0, 2.0], [3.0, 1.0, 2.0], [1.0, 5.0, 0.0]])
    idx = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    both(torch, lambda m, a, s: m.scatter_reduce(a, 0, m.tensor(idx), s, reduce), x, src)
    # without include_self: ties among src only (see scatter_reduce's docstring)
    both(torch, lambda m, a, s: m.scatter_reduce(a, 0, m.tensor(idx), s, reduce,
                                                 include_self=False), x + 10, src)


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_groups_of_many_sizes(torch, reduce, include_self):
    # groups of 1 to 40 writes (one padded matrix per size class, not one padded to the
    # largest), in a shuffled order, with zeros and ties
    rng = np.random.default_rng(4)
    sizes = [40, 1, 2, 3, 5, 8, 13, 1, 17, 1, 4]
    index = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    src = rng.integers(-3, 4, index.size).astype(np.float64)  # zeros and ties
    x = rng.integers(-3, 4, len(sizes) + 2).astype(np.float64)
    if not include_self:  # no tie with an excluded input element (a documented difference)
        x += 10
    both(torch, lambda m, a, b: m.scatter_reduce(a, 0, m.tensor(index), b, reduce,
                                                 include_self=include_self), x, src)
    xa = gk.tensor(rng.uniform(0.5, 1.5, x.shape), requires_grad=True)
    sa = gk.tensor(rng.uniform(0.5, 1.5, src.shape), requires_grad=True)
    check_grad(lambda a, b: gk.scatter_reduce(a, 0, gk.tensor(index), b, reduce,
                                              include_self=include_self), [xa, sa])


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
def test_scatter_takes_an_int32_index_like_torch(torch):
    # as torch.scatter/scatter_reduce (and gradkit's gather and scatter_add); was a TypeError
    x, src = R.standard_normal((3, 4)), R.standard_normal((3, 4))
    idx = DUP.astype(np.int32)
    both(torch, lambda m, a, b: m.scatter(a, 0, m.tensor(IDX.astype(np.int32)), b[:2]), x, src)
    both(torch, lambda m, a: m.scatter(a, 1, m.tensor(idx), 2.5), x)
    both(torch, lambda m, a, b: m.scatter_reduce(a, 0, m.tensor(idx), b, "amax"), x, src)
    both(torch, lambda m, a, b: a.scatter(0, m.tensor(idx), b, reduce="add"), x, src,
         grad=False)


def test_scatter_reduce_amax_without_self_splits_among_src_only():
    # documented difference: PyTorch would also count the (excluded) tied input element
    x = gk.tensor([5.0, 0.0], dtype=gk.float64)
    src = gk.tensor([5.0, 5.0, 1.0], dtype=gk.float64, requires_grad=True)
    out = gk.scatter_reduce(x, 0, gk.tensor([0, 0, 1]), src, "amax", include_self=False)
    np.testing.assert_array_equal(out.detach().numpy(), [5.0, 1.0])
    out.sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(), [0.5, 0.5, 1.0])


# ------------------------------------------------------------------ cumprod with zeros
@pytest.mark.parametrize("zeros", [[1], [0, 3], [2, 2]], ids=["one", "two", "same"])
def test_cumprod_zeros(torch, zeros):
    arr = R.standard_normal((2, 5))
    arr[0, zeros] = 0.0
    arr[1, zeros[0]] = 0.0
    both(torch, lambda m, x: m.cumprod(x, 1), arr)
    x = gk.tensor(arr, requires_grad=True)
    check_grad(lambda t: gk.cumprod(t, 1), [x])
    check_second_order(lambda t: gk.cumprod(t, 1), [x])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_zeros_per_slice(torch, dim):
    # the O(n) rule: each slice's first zero at its own place (first, last, none, several)
    arr = R.uniform(0.5, 1.5, (5, 6, 4)) * np.sign(R.standard_normal((5, 6, 4)))
    mask = R.random((5, 6, 4)) < 0.2
    mask[0], mask[:, 0], mask[..., -1] = True, False, False
    arr[mask] = 0.0
    both(torch, lambda m, x: m.cumprod(x, dim), arr)
    x = gk.tensor(arr, requires_grad=True)
    check_grad(lambda t: gk.cumprod(t, dim), [x])
    check_second_order(lambda t: gk.cumprod(t, dim), [x])


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("call,exc,pattern", [
    (lambda x: gk.roll(x, (1, 2), 0), ValueError, r"roll\(\).*same length"),
    (lambda x: gk.roll(x, 1, 5), IndexError, r"roll\(\).*range"),
    (lambda x: gk.roll(x, 1.5), TypeError, r"roll\(\).*shifts.*float"),
    (lambda x: gk.repeat_interleave(x, -1), ValueError, r"repeat_interleave\(\).*negative"),
    (lambda x: gk.repeat_interleave(x, gk.tensor([1, 2]), 0), ValueError,
     r"repeat_interleave\(\).*same size.*\(3\), got 2"),
    (lambda x: gk.repeat_interleave(x, gk.tensor([1.0, 2.0, 1.0]), 0), TypeError,
     r"repeat_interleave\(\).*integer"),
    (lambda x: gk.repeat_interleave(x, 2, 0, output_size=5), ValueError,
     r"repeat_interleave\(\).*output_size=5.*size 6"),
    (lambda x: gk.repeat_interleave(gk.tensor([1, 2]), output_size=4), ValueError,
     r"repeat_interleave\(\).*output_size=4.*size 3"),
    (lambda x: gk.tile(x, (2, -1)), ValueError, r"tile\(\).*negative"),
    (lambda x: gk.movedim(x, (0, 1), 0), ValueError, r"movedim\(\).*same number"),
    (lambda x: gk.movedim(x, (0, 0), (1, 0)), ValueError, r"movedim\(\).*repeated"),
    (lambda x: gk.diagonal(x[0]), ValueError, r"diagonal\(\).*at least 2.*\(4,\)"),
    (lambda x: gk.diagonal(x, 0, 1, -1), ValueError, r"diagonal\(\).*different"),
    (lambda x: gk.trace(x.reshape(12)), ValueError, r"trace\(\).*2-D.*\(12,\)"),
    (lambda x: gk.meshgrid(x), ValueError, r"meshgrid\(\).*0-D or 1-D.*\(3, 4\)"),
    (lambda x: gk.meshgrid(x[0], x[0], indexing="yx"), ValueError, r"meshgrid\(\).*'yx'"),
    (lambda x: gk.meshgrid(x[0], gk.arange(3)), TypeError, r"meshgrid\(\).*same dtype"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[3, 0]]), x), IndexError,
     r"scatter\(\).*index 3 is out of bounds.*size 3"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[-1, 0]]), x), IndexError,
     r"scatter\(\).*index -1"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[1.0]]), x), TypeError, r"scatter\(\).*int64.*float"),
    (lambda x: gk.scatter(x, 0, gk.tensor([0, 1]), x), ValueError,
     r"scatter\(\).*as many dimensions"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[0, 1]]), x[:, :1]), ValueError,
     r"scatter\(\).*larger than src"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[0, 1]]), x.double()), TypeError,
     r"scatter\(\).*dtype"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[0, 1]])), TypeError, r"scatter\(\).*neither"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[0]]), x, reduce="max"), ValueError,
     r"scatter\(\).*reduce.*'max'"),
    (lambda x: gk.scatter_reduce(x, 0, gk.tensor([[0]]), x, "max"), ValueError,
     r"scatter_reduce\(\).*reduce.*'max'"),
    (lambda x: gk.take_along_dim(x, gk.tensor([[0.0]]), 0), TypeError,
     r"take_along_dim\(\).*integer"),
    (lambda x: gk.take_along_dim(x, gk.tensor([0]), 0), ValueError,
     r"take_along_dim\(\).*same number of dimensions"),
    (lambda x: gk.take_along_dim(x, gk.zeros(2, 2, dtype=gk.int64), 0), ValueError,
     r"take_along_dim\(\).*broadcast"),
    (lambda x: gk.tensordot(x, x, 3), ValueError, r"tensordot\(\).*dims must be in \[0, 2\]"),
    (lambda x: gk.tensordot(x, x, ([0], [1])), ValueError, r"tensordot\(\).*same size"),
    (lambda x: gk.tensordot(x, x, ([0], [0, 1])), ValueError, r"tensordot\(\).*same length"),
    (lambda x: gk.tensordot(x, x, "ab"), TypeError, r"tensordot\(\).*'ab'"),
    (lambda x: gk.cumprod(x, 2), IndexError, r"cumprod\(\).*range"),
    (lambda x: gk.diff(x, -1), ValueError, r"diff\(\).*non-negative, got -1"),
    (lambda x: gk.diff(x.sum()), ValueError, r"diff\(\).*0-d"),
    (lambda x: gk.diff(x, prepend=x[0]), ValueError, r"diff\(\).*prepend.*\(4,\)"),
], ids=lambda v: getattr(v, "__name__", None) if isinstance(v, type) else None)
def test_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(gk.zeros(3, 4))

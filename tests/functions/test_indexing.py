"""gradkit/functions/indexing.py: x[i] and x[i] = v against PyTorch (dimension placement,
0-d masks, empty lists, slice steps), nonzero/argwhere, scatter/scatter_reduce/take_along_dim
(values, gradients, duplicates, ties), random scatter_reduce properties (hypothesis), errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import assert_close, both, check_grad, check_second_order, same_as_torch

import gradkit as gk

torch = pytest.importorskip("torch")

A = np.random.RandomState(0).randn(3, 4, 5, 2)


def _both(index_fn):
    """Values and gradients of ``x[index]`` in gradkit and in PyTorch (float64)."""
    out = []
    for T in (gk, torch):
        x = T.tensor(A, requires_grad=True)
        y = x[index_fn(T)]
        w = np.random.RandomState(1).randn(*tuple(y.shape))
        (y * T.tensor(w)).sum().backward()
        out.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    return out


PLACEMENT = {
    "int_slice_tensor": lambda T: (1, slice(None), T.tensor([0, 1, 1])),
    "0d_tensor_slice_tensor": lambda T: (T.tensor(1), slice(None), T.tensor([0, 1, 1])),
    "tensor_slice_int": lambda T: (T.tensor([[0, 2], [1, 1]]), slice(1, 3), slice(None), 1),
    "slice_tensor_slice_int": lambda T: (slice(None), T.tensor([0, 3]), slice(None, None, 2), 0),
    "none_int_slice_tensor": lambda T: (None, 2, slice(None), None, T.tensor([4, 0])),
    "ellipsis": lambda T: (0, Ellipsis, T.tensor([1, 0, 1])),
    "int_slice_mask": lambda T: (2, slice(None), T.tensor(A[0, 0] > 0)),
    "two_tensors_int_between": lambda T: (T.tensor([0, 2]), 1, T.tensor([3, 4]), slice(None)),
    "slice_tensor_int_tensor": lambda T: (slice(None), T.tensor([0, 1]), 1, T.tensor([1, 0])),
}


@pytest.mark.parametrize("name", sorted(PLACEMENT))
def test_getitem_integer_and_tensor_index_place_dims_as_torch(name):
    (yg, gg), (yt, gt) = _both(PLACEMENT[name])
    assert yg.shape == yt.shape
    np.testing.assert_allclose(yg, yt)
    np.testing.assert_allclose(gg, gt)


@pytest.mark.parametrize("name", sorted(PLACEMENT))
def test_setitem_integer_and_tensor_index_place_dims_as_torch(name):
    res = []
    for T in (gk, torch):
        x0 = T.tensor(A, requires_grad=True)
        shape = tuple(T.tensor(A)[PLACEMENT[name](T)].shape)
        v = T.tensor(np.random.RandomState(2).randn(*shape), requires_grad=True)
        x = x0 * 1
        x[PLACEMENT[name](T)] = v
        w = np.random.RandomState(1).randn(*A.shape)
        (x * T.tensor(w)).sum().backward()
        res.append((x.detach().numpy().copy(), x0.grad.numpy().copy(), v.grad.numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("flag", [True, False])
def test_getitem_0d_bool_tensor_adds_a_dim(flag):
    (yg, gg), (yt, gt) = _both(lambda T: T.tensor(flag))
    assert yg.shape == yt.shape == ((1,) if flag else (0,)) + A.shape
    np.testing.assert_allclose(gg, gt)


def test_setitem_0d_bool_tensor():
    x = gk.zeros(2, 3)
    x[gk.tensor(True)] = 5.0
    assert (x.numpy() == 5.0).all()
    x[gk.tensor(False)] = 7.0
    assert (x.numpy() == 5.0).all()


def test_empty_list_index_selects_nothing():
    (yg, gg), (yt, gt) = _both(lambda T: [])
    assert yg.shape == yt.shape == (0,) + A.shape[1:]
    np.testing.assert_allclose(gg, gt)
    x = gk.zeros(3)
    x[[]] = 1.0
    assert (x.numpy() == 0).all()


def test_list_with_slice_is_a_tuple_index():
    (yg, gg), (yt, gt) = _both(lambda T: [1, slice(None), 0])
    assert yg.shape == yt.shape
    np.testing.assert_allclose(yg, yt)
    np.testing.assert_allclose(gg, gt)


@pytest.mark.parametrize("index", [lambda T: (range(3), [0, 2, 1]), lambda T: range(1, 3),
                                   lambda T: range(0), lambda T: ((0, 2), slice(None), 1)])
def test_range_and_inner_tuple_are_index_sequences(index):
    # x[range(n), target] as in the nn tutorial's hand-written NLL
    (yg, gg), (yt, gt) = _both(index)
    assert yg.shape == yt.shape
    np.testing.assert_allclose(yg, yt)
    np.testing.assert_allclose(gg, gt)
    x, t = gk.zeros(4), np.zeros(4)
    x[range(1, 3)] = 1.0
    t[1:3] = 1.0
    np.testing.assert_array_equal(x.numpy(), t)


def test_uint8_tensor_index_is_a_mask():
    m = (A[:, 0, 0, 0] > 0).astype(np.uint8)
    (yg, gg), (yt, gt) = _both(lambda T: T.tensor(m))
    assert yg.shape == yt.shape
    np.testing.assert_allclose(yg, yt)
    np.testing.assert_allclose(gg, gt)


@pytest.mark.parametrize("step", [-1, -2, 0])
def test_slice_step_must_be_positive(step):
    x = gk.tensor(A)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::step]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[:, 1:3:step]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::step] = 0.0


def test_setitem_on_an_advanced_index_copy_stays_differentiable(torch):
    x0 = np.arange(12.0).reshape(3, 4)
    gx = gk.tensor(x0, requires_grad=True)
    tx = torch.tensor(x0, requires_grad=True)
    outs = []
    for x in (gx, tx):
        y = x[[0, 2]]             # advanced indexing copies: writing into it leaves x alone
        y[0, 1] = 5.0
        (y * y).sum().backward()
        outs.append(y.detach().numpy())
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(gx.grad.numpy(), tx.grad.numpy())


R = np.random.default_rng(0)

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

@pytest.mark.parametrize("value", [[[1.0, 2.0]], (1.0,), "a", None])
def test_scatter_value_must_be_a_number_as_torch(torch, value):
    # a list where src goes was taken as the fill value and failed inside NumPy (ValueError)
    def call(m):
        x = m.zeros(3, 5, dtype=m.float64)
        return m.scatter(x, 1, m.zeros(3, 2, dtype=m.int64), value)

    same_as_torch(torch, call)


def test_scatter_reduce_amax_without_self_splits_among_src_only():
    # documented difference: PyTorch would also count the (excluded) tied input element
    x = gk.tensor([5.0, 0.0], dtype=gk.float64)
    src = gk.tensor([5.0, 5.0, 1.0], dtype=gk.float64, requires_grad=True)
    out = gk.scatter_reduce(x, 0, gk.tensor([0, 0, 1]), src, "amax", include_self=False)
    np.testing.assert_array_equal(out.detach().numpy(), [5.0, 1.0])
    out.sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(), [0.5, 0.5, 1.0])


def _arr(data, shape):
    return np.random.default_rng(data.draw(st.integers(0, 1000))).standard_normal(shape)

@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), data=st.data(),
       reduce=st.sampled_from(["sum", "prod", "mean", "amax", "amin"]))
def test_scatter_reduce_random(shape, data, reduce):
    torch = pytest.importorskip("torch")
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    x = _arr(data, shape)
    ishape = tuple(data.draw(st.integers(0, s)) for s in shape)
    ishape = ishape[:dim % nd] + (data.draw(st.integers(0, 5)),) + ishape[dim % nd + 1:]
    # A stream of its own (never the one x came from): with include_self=False, a tie between an
    # excluded input element and src splits the amax/amin gradient differently in PyTorch (a
    # documented difference, see scatter_reduce), so values must be distinct.
    rng = np.random.default_rng((data.draw(st.integers(0, 1000)), 7))
    idx = rng.integers(0, shape[dim], ishape)
    src = rng.standard_normal(ishape)
    include_self = data.draw(st.booleans())
    both(torch, lambda m, a, s: m.scatter_reduce(a, dim, m.tensor(idx), s, reduce,
                                                 include_self=include_self), x, src, atol=1e-9)


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda x: gk.scatter(x, 0, gk.tensor([[3, 0]]), x), RuntimeError,
     r"scatter\(\).*index 3 is out of bounds.*size 3"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[-1, 0]]), x), RuntimeError,
     r"scatter\(\).*index -1"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[1.0]]), x), RuntimeError, r"scatter\(\).*int64.*float"),
    (lambda x: gk.scatter(x, 0, gk.tensor([0, 1]), x), RuntimeError,
     r"scatter\(\).*as many dimensions"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[0, 1]]), x[:, :1]), RuntimeError,
     r"scatter\(\).*larger than src"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[0, 1]]), x.double()), RuntimeError,
     r"scatter\(\).*dtype"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[0, 1]])), TypeError, r"scatter\(\).*neither"),
    (lambda x: gk.scatter(x, 0, gk.tensor([[0]]), x, reduce="max"), RuntimeError,
     r"scatter\(\).*reduce.*'max'"),
    (lambda x: gk.scatter_reduce(x, 0, gk.tensor([[0]]), x, "max"), RuntimeError,
     r"scatter_reduce\(\).*reduce.*'max'"),
    (lambda x: gk.take_along_dim(x, gk.tensor([[0.0]]), 0), RuntimeError,
     r"take_along_dim\(\).*should be Long but got Float"),
    (lambda x: gk.take_along_dim(x, gk.tensor([0]), 0), RuntimeError,
     r"take_along_dim\(\).*same number of dimensions"),
    (lambda x: gk.take_along_dim(x, gk.zeros(2, 2, dtype=gk.int64), 0), RuntimeError,
     r"take_along_dim\(\).*broadcast"),
])
def test_errors(call, exc, pattern):
    args = (gk.zeros(3, 4),) if call.__code__.co_argcount else ()  # a call of x: a 3x4 tensor
    with pytest.raises(exc, match=pattern):
        call(*args)


# ------------------------------------------------------------------ errors as PyTorch's
@pytest.mark.parametrize("call,exc,pattern", [
    (lambda m: m.ones(2, 3)[5], IndexError, r"index 5 is out of bounds for dimension 0 with size 2"
     r" \(indexing a tensor of shape \(2, 3\)\)"),
    (lambda m: m.ones(2, 3)[:, 7], IndexError, r"index 7 .* dimension 1 with size 3"),
    (lambda m: m.ones(2, 3)[[0, 5]], IndexError, r"index 5 .* dimension 0"),
    (lambda m: m.ones(2, 3)[m.tensor([7])], IndexError, r"index 7 .* dimension 0"),
    (lambda m: m.ones(2, 3)[0, 0, 0], IndexError, r"too many indices for tensor of dimension 2"),
    (lambda m: m.ones(2, 3)[None][0, 0, 0, 0], IndexError, r"too many indices .* dimension 3"),
    (lambda m: m.ones(2, 3)[0][0][0], IndexError, r"invalid index of a 0-dim tensor"),
    (lambda m: m.ones(2, 3)[m.tensor([True])], IndexError, r"shape of the mask \[1\] at index 0"),
    (lambda m: m.ones(2, 3).__setitem__(5, 1.0), IndexError, r"index 5 .* dimension 0"),
    (lambda m: m.ones(2, 3).__setitem__((0, 0, 0), 1.0), IndexError, r"too many indices"),
    (lambda m: m.ones(2, 3).index_add(0, m.tensor([5]), m.ones(2, 3)), RuntimeError,
     r"index_add\(\): number of indices \(1\) should be equal to source.size\(dim\) \(2\)"),
    (lambda m: m.ones(2, 3).index_add(0, m.tensor([0, 1]), m.ones(2, 4)), RuntimeError,
     r"index_add\(\).*same slice shapes"),
    (lambda m: m.ones(2, 3).index_add(0, m.tensor([0, 1]), m.ones(2, 3, 4)), RuntimeError,
     r"index_add\(\).*number of dimensions"),
    (lambda m: m.ones(2, 3).index_copy(0, m.tensor([0]), m.ones(2, 3)), IndexError,
     r"index_copy\(\).*number of indices"),
    (lambda m: m.ones(2, 3).index_fill(1, m.tensor([3]), 0.0), IndexError,
     r"index_fill\(\): index 3 is out of bounds"),
    (lambda m: m.take(m.ones(2, 2), m.tensor([4])), IndexError, r"take\(\).*index 4 on a tensor "
     r"of 4"),
    (lambda m: m.ones(2, 2).put(m.tensor([0]), m.ones(2)), IndexError, r"put\(\).*same number"),
    (lambda m: m.ones(2, 2).masked_scatter(m.ones(2, 2, dtype=m.bool), m.ones(3)), RuntimeError,
     r"masked_scatter\(\).*number of ones in mask \(4\)"),
    (lambda m: m.select_scatter(m.ones(2, 3), m.ones(2), 0, 0), RuntimeError,
     r"select_scatter\(\).*slice size = \[3\]"),
    (lambda m: m.ones(3).fill_diagonal_(1.0), RuntimeError, r"fill_diagonal_\(\)"),
])
def test_indexing_errors_as_torch(torch, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(gk)
    with pytest.raises(exc):
        call(torch)


@pytest.mark.parametrize("shape,wrap_", [((3, 3), False), ((7, 3), True), ((7, 3), False),
                                         ((3, 5), False), ((2, 2, 2), False)])
def test_fill_diagonal_(torch, shape, wrap_):
    g, t = gk.zeros(shape), torch.zeros(shape)
    assert g.fill_diagonal_(2.5, wrap_) is g
    t.fill_diagonal_(2.5, wrap_)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_inplace_scatter_faces_write_into_self(torch):
    for lib in (gk, torch):
        x = lib.zeros(4, 3)
        x.index_copy_(0, lib.tensor([3, 1]), lib.ones(2, 3))
        x.index_fill_(1, lib.tensor([0]), -1.0)
        x.index_put_((lib.tensor([0, 0]), lib.tensor([2, 2])), lib.tensor([1.0, 2.0]),
                     accumulate=True)
        x.masked_scatter_(x > 0.5, lib.arange(10.0))
        x.put_(lib.tensor([11]), lib.tensor([7.0]))
        if lib is gk:
            got = x.numpy().copy()
        else:
            np.testing.assert_array_equal(got, x.numpy())


# ------------------------------------------------------------------ found by the fuzzer
def test_python_bool_inside_an_index_tuple_is_a_0d_mask():
    for idx in [(False, torch.tensor([1])), (True, 0)]:
        t = torch.arange(4.).reshape(2, 2)[idx]
        gidx = tuple(gk.tensor(i.numpy()) if isinstance(i, torch.Tensor) else i for i in idx)
        g = gk.arange(4.).reshape(2, 2)[gidx]
        assert tuple(g.shape) == tuple(t.shape)
        np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_setitem_of_a_python_number_into_an_integer_tensor():
    x, t = gk.zeros(2, dtype=gk.uint8), torch.zeros(2, dtype=torch.uint8)
    x[0], t[0] = -1, -1  # wraps, as in PyTorch
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    for v in (float("inf"), float("nan"), 1e30):
        with pytest.raises(RuntimeError, match="without overflow"):
            x[0] = v
        with pytest.raises(RuntimeError):
            t[0] = v


@pytest.mark.parametrize("call", [
    lambda m: m.scatter_add(m.zeros(3, 4, dtype=m.float64), 1, m.zeros(3, 5, dtype=m.int64),
                            m.tensor(0.5, dtype=m.float64)),
    lambda m: m.scatter_add(m.zeros(3, 4, dtype=m.float64), 1, m.zeros(3, 4, dtype=m.int64),
                            m.ones(3, 4, dtype=m.float32)),
    lambda m: m.scatter_add(m.zeros(3, 4), 1, m.zeros(3, 4, dtype=m.int64) + 9, m.ones(3, 4)),
    lambda m: m.scatter(m.zeros(3, 4, dtype=m.float64), 1, m.zeros(3, 4, dtype=m.int64),
                        m.ones(3, 4, dtype=m.float32)),
    lambda m: m.scatter_reduce(m.zeros(3, 4), 0, m.zeros(3, 4, dtype=m.int64), m.ones(3, 4),
                               "foo"),
    lambda m: m.take_along_dim(m.zeros(3, 4), m.zeros(3, 4)),
])
def test_scatter_errors_have_torch_types(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError) as e:
        call(gk)
    assert "out of bounds for axis" not in str(e.value)


def _setitem(L, shape, index, vshape):
    x = L.zeros(shape)
    x[index(L)] = L.ones(vshape)
    return x


@pytest.mark.parametrize("fn", [
    lambda L: _setitem(L, (2, 3), lambda L: L.tensor([1, 1, -3]), (4, 3)),
    lambda L: _setitem(L, (4, 0), lambda L: (slice(6, 4), [0]), (2, 2)),
    lambda L: _setitem(L, (2, 3), lambda L: 5, (3,)),
    lambda L: L.ones(3, 3, 1)[2, 1:, 2:, True],
    lambda L: L.ones(3, 3, 1)[True, 1],
    lambda L: L.ones(3, 3, 1)[L.tensor([0, 1]), True],
], ids=["index-tensor-shape-first", "empty-dim-shape-first", "int-out-of-range",
        "true-is-a-new-axis", "true-first", "true-with-index-tensor"])
def test_index_errors_and_shapes_as_torch(torch, fn):
    same_as_torch(torch, fn)


# nonzero_static: truncated or padded to size rows
@pytest.mark.parametrize("fn", [
    lambda L: L.nonzero_static(L.tensor([[0, 1], [2, 0]]), size=3),
    lambda L: L.nonzero_static(L.tensor([[0, 1], [2, 0]]), size=1, fill_value=9),
    lambda L: L.nonzero_static(L.tensor(3.0), size=2),
    lambda L: L.nonzero_static(L.tensor([True, False]), size=2),
    lambda L: L.tensor([[0, 1], [2, 0]]).nonzero_static(size=0),
    lambda L: L.nonzero_static(L.tensor([1, 0, 2]), size=3, out=L.empty(0, dtype=L.int64)),
    lambda L: L.nonzero_static(L.tensor([1, 0, 2]), size=3, out=L.empty(0, dtype=L.int32)),
    lambda L: L.nonzero_static(L.tensor([1, 0]), size=-1),
    lambda L: L.nonzero_static(L.tensor([1, 0]), size=2.5),
    lambda L: L.nonzero_static(L.tensor([1, 0]), size=2, fill_value=True),
])
def test_nonzero_static_against_torch(torch, fn):
    same_as_torch(torch, fn)


def _set_both(shape, dtype, index_fn, value, vdtype=None, requires_grad=False):
    """``x[index] = value`` in gradkit and PyTorch: the results (or both errors' types), and
    with ``requires_grad`` the gradients of x (through a clone) and of the value."""
    out = []
    base = np.arange(1, int(np.prod(shape)) + 1).reshape(shape) * 0.5
    for T in (gk, torch):
        x = T.tensor(base.astype(dtype))
        v = T.tensor(np.asarray(value).astype(vdtype or dtype))
        if requires_grad:
            x.requires_grad_(True)
            v.requires_grad_(True)
        y = x.clone() if requires_grad else x
        try:
            y[index_fn(T)] = v
        except Exception as e:  # noqa: BLE001 (compared across the two libraries)
            out.append(type(e))
            continue
        if requires_grad:
            w = T.tensor(np.random.RandomState(2).randn(*shape))
            (y * w).sum().backward()
            out.append((y.detach().numpy().copy(), x.grad.numpy().copy(),
                        v.grad.numpy().copy()))
        else:
            out.append((y.numpy().copy(),))
    g, t = out
    if isinstance(t, type):
        assert isinstance(g, type) and issubclass(g, t), (g, t)
        return
    assert not isinstance(g, type), f"gradkit raised {g.__name__} where PyTorch did not"
    for a, b in zip(g, t):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape,index_fn,vshape", [
    ((), lambda T: (), (1,)),                      # a (1,) value into a 0-d part
    ((), lambda T: (), (1, 1)),
    ((2,), lambda T: 0, (1,)),
    ((2,), lambda T: (1,), (1, 1)),
    ((3,), lambda T: slice(None), (1, 1, 3)),
    ((3, 2), lambda T: [0, 1], (1, 2, 2)),         # advanced index: index_put_ strips too
    ((3, 2), lambda T: T.tensor([True, False, True]), (1, 2, 2)),
    ((), lambda T: T.tensor(True), (1, 1)),
    ((3,), lambda T: [0, 1], (2, 1)),              # trailing 1s are not dropped: both raise
    ((3,), lambda T: 0, (2,)),
    ((3,), lambda T: slice(None), (2, 3)),
])
def test_setitem_drops_the_values_leading_ones_as_torch(shape, index_fn, vshape):
    _set_both(shape, "float64", index_fn, np.arange(1, int(np.prod(vshape)) + 1).reshape(vshape))
    if shape == () and index_fn(torch) == ():
        return
    _set_both(shape, "float64", index_fn, np.ones(vshape) * 3, requires_grad=True)


@pytest.mark.parametrize("shape,vshape", [((), (2,)), ((2,), (2, 2)), ((3,), (4, 1))])
def test_setitem_with_false_writes_nothing_as_torch(shape, vshape):
    _set_both(shape, "float32", lambda T: False, np.ones(vshape))
    x = gk.ones(2, requires_grad=True)  # not even the leaf check: nothing is written
    x[False] = gk.zeros(3, 4)
    assert x.grad_fn is None and x.tolist() == [1.0, 1.0]
    _set_both((3,), "float32", lambda T: (False,), np.ones(vshape))  # a tuple is indexed


@pytest.mark.parametrize("index_fn", [lambda T: True, lambda T: (True,), lambda T: None])
@pytest.mark.parametrize("shape", [(3,), (3, 0)])
def test_setitem_with_a_bare_true_casts_the_value_as_torch(index_fn, shape):
    # x[True] = v is a copy into x.unsqueeze(0) (casts); x[(True,)] = v an index_put_ (does not)
    _set_both(shape, "int64", index_fn, [2], vdtype="uint8")
    _set_both(shape, "uint8", index_fn, [[0.5]], vdtype="float32")


def test_setitem_a_single_mask_in_a_tuple_with_a_0d_value_casts_as_torch():
    # index_put_ with one bool mask (beside slices) and a one-element value is masked_fill
    _set_both((0, 4, 3), "float32", lambda T: (T.zeros(0, dtype=T.bool),), 6, vdtype="uint8")
    _set_both((2, 4, 3), "float32", lambda T: (slice(None), T.tensor([True, False, True, True])),
              6, vdtype="uint8")
    _set_both((2, 4, 3), "float32",  # with a second index tensor: index_put_, dtypes must match
              lambda T: (slice(None), T.tensor([True, False, True, True]), [0]), 6,
              vdtype="uint8")


@pytest.mark.parametrize("index", [
    (Ellipsis, [-2, -3, 2], Ellipsis), (Ellipsis, None, Ellipsis), (Ellipsis, Ellipsis),
    (0, Ellipsis, Ellipsis), (Ellipsis, 1, Ellipsis, 2), (Ellipsis, 1, Ellipsis, 2, Ellipsis),
    (slice(-4, 5), Ellipsis, Ellipsis), (Ellipsis, Ellipsis, Ellipsis, None),
    (Ellipsis, slice(1, 3), Ellipsis, 0),
])
def test_several_ellipses_as_torch(index):
    # PyTorch lets each '...' skip the dims no other part uses, from where it stands
    results = []
    for T in (gk, torch):
        x = T.tensor(A[:, :, 0, 0] if len(index) < 5 else A[:, :, :, 0])
        try:
            results.append(x[index].numpy())
        except IndexError:
            results.append(IndexError)
    if results[1] is IndexError:
        assert results[0] is IndexError
    else:
        np.testing.assert_array_equal(results[0], results[1])
    _set_both((4, 1, 4), "float64", lambda T: (3, Ellipsis, slice(-3, 2), Ellipsis), -1.75)
    _set_both((3, 4), "float64", lambda T: index, 2.5)


@pytest.mark.parametrize("shape,index_fn", [
    ((0, 3), lambda T: (slice(None), [5])), ((2, 3), lambda T: (slice(0, 0), [5])),
    ((2, 0), lambda T: [7]), ((2, 0), lambda T: ([7], slice(0, 0))),
    ((2, 3), lambda T: ([7], slice(0, 0))),
    ((1, 3, 1), lambda T: (slice(0, -1), T.tensor([False, True, True]), T.tensor([-2, -2]))),
    ((2, 3), lambda T: ([0], [5])), ((0, 3), lambda T: [5]),  # not empty: both raise
])
def test_out_of_range_index_values_with_nothing_selected_as_torch(shape, index_fn):
    # PyTorch's index kernel checks index values as it reads them: none for an empty result
    results = []
    for T in (gk, torch):
        x = T.zeros(shape, dtype=T.float64, requires_grad=True)
        try:
            y = x[index_fn(T)]
        except IndexError:
            results.append(IndexError)
            continue
        y.sum().backward()
        results.append((tuple(y.shape), x.grad.numpy().copy()))
    if results[1] is IndexError:
        assert results[0] is IndexError
    else:
        assert results[0] is not IndexError, "gradkit raised IndexError where torch did not"
        assert results[0][0] == results[1][0]
        np.testing.assert_array_equal(results[0][1], results[1][1])
    _set_both(shape, "float64", index_fn, 2.5)
    _set_both(shape, "float64", index_fn, 2.5, requires_grad=True)


@pytest.mark.parametrize("xshape,mshape", [((), (4,)), ((), (3, 4)), ((4,), (2, 4)),
                                           ((1, 4), (2, 1)), ((2, 4), (3, 4)), ((), (3, 0))])
def test_masked_fill_broadcasts_input_and_mask_as_torch(xshape, mshape):
    rng = np.random.default_rng(5)
    a, m = rng.standard_normal(xshape), rng.random(mshape) < 0.5
    out = []
    for T in (gk, torch):
        x = T.tensor(a, requires_grad=True)
        try:
            y = x.masked_fill(T.tensor(m), 2.5)
        except RuntimeError:
            out.append(RuntimeError)
            continue
        w = np.random.default_rng(6).standard_normal(tuple(y.shape))
        (y * T.tensor(w)).sum().backward()
        out.append((y.detach().numpy(), x.grad.numpy()))
    if out[1] is RuntimeError:
        assert out[0] is RuntimeError
        return
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-15, atol=0)  # (a sum's order)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):  # in place
        if tuple(np.broadcast_shapes(xshape, mshape)) != xshape:
            gk.tensor(a).masked_fill_(gk.tensor(m), 2.5)
        else:
            raise RuntimeError("doesn't match the broadcast shape")


@pytest.mark.parametrize("index", [
    [[0, 1], [1, 2]], [[0]], [[0, 1]], [[2, 0], slice(None)], [range(2), [1, 1]],
    "tensors", "array",
])
def test_a_short_list_holding_sequences_is_a_tuple_index_as_torch(index):
    # PyTorch's treatSequenceAsTuple: x[[[0, 1], [1, 2]]] is x[[0, 1], [1, 2]] (deprecated,
    # with a UserWarning), not one 2-D index
    def make(lib):
        if index == "tensors":
            return [lib.tensor([0, 2]), lib.tensor([1, 3])]
        if index == "array":
            return [np.array([2, 0])]
        return index
    x, tx = gk.arange(12).view(3, 4), torch.arange(12).view(3, 4)
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        got = x[make(gk)]
    with pytest.warns(UserWarning):
        want = tx[make(torch)]
    assert got.tolist() == want.tolist() and tuple(got.shape) == tuple(want.shape)
    y, ty = gk.zeros(3, 4, dtype=gk.int64), torch.zeros(3, 4, dtype=torch.int64)
    with pytest.warns(UserWarning):
        y[make(gk)] = 5
    with pytest.warns(UserWarning):
        ty[make(torch)] = 5
    assert y.tolist() == ty.tolist()


def test_writes_into_an_expanded_tensor_raise_runtime_error(torch):
    # PyTorch refuses these writes into elements sharing one memory location; NumPy's
    # "assignment destination is read-only" ValueError never reaches the user
    for lib in (gk, torch):
        e = lib.tensor([1.0, 2.0]).expand(3, 2)
        for write in (lambda e, lib: e.add_(1), lambda e, lib: e.mul_(lib.ones(3, 2)),
                      lambda e, lib: e.exp_(),
                      lambda e, lib: e.scatter_(0, lib.zeros(1, 2, dtype=lib.int64), 1.0)):
            with pytest.raises(RuntimeError, match="more than one element of the written-to"):
                write(e, lib)
    e = gk.tensor([1.0, 2.0]).expand(3, 2)
    # (PyTorch lets these through, each element written once per alias; gradkit's expand is a
    # read-only broadcast, so they raise too, never NumPy's ValueError)
    for write in (lambda: e.fill_(1.0), lambda: e.copy_(gk.ones(3, 2)), lambda: e.zero_(),
                  lambda: e.__setitem__(0, gk.ones(2)), lambda: e.__setitem__((0, 0), 5.0),
                  lambda: gk.add(e, 1, out=e), lambda: e.index_put_((gk.tensor([0]),),
                                                                   gk.ones(2))):
        with pytest.raises(RuntimeError, match="clone"):
            write()
    assert e.tolist() == [[1.0, 2.0]] * 3


def test_index_copy_scalar_source_checked_before_the_index_dtype(torch):
    """index_copy_ with a 0-d source and a 2-element uint8 index: PyTorch's IndexError (one
    element for a scalar source) comes before the index's dtype."""
    for m in (torch, gk):
        x = m.zeros((2, 4), dtype=m.float64)
        with pytest.raises(IndexError, match="one element"):
            x.index_copy_(1, m.tensor([1, 2], dtype=m.uint8), m.tensor(2.1, dtype=m.float64))
        with pytest.raises(RuntimeError, match="long tensor"):
            x.index_copy_(1, m.tensor([1], dtype=m.uint8), m.tensor(2.1, dtype=m.float64))


@pytest.mark.parametrize("index", [
    lambda L: (0, None, slice(1, 4), L.tensor([0, 0, 0, 0])),
    lambda L: (0, slice(1, 4), L.tensor([0])),
    lambda L: (Ellipsis, L.tensor([0])),
    lambda L: (slice(1, 4), L.tensor([0])),  # a dim of size 1: the result is empty, no check
    lambda L: (L.tensor([5]),),
    lambda L: (Ellipsis, L.tensor([], dtype=L.int64)),
    lambda L: (L.tensor([0]), Ellipsis, None),
])
def test_an_index_tensor_on_a_dim_of_size_0_raises_as_torch(index):
    # x[0, None, 1:4, idx] of a (2, 1, 0) tensor: PyTorch refuses a non-empty index tensor on a
    # dim of size 0 even where the result is empty; gradkit returned a (1, 0, 4) result
    def run(L):
        x = L.zeros(2, 0, 1, dtype=L.int64).permute(0, 2, 1)
        try:
            return tuple(x[index(L)].shape)
        except IndexError as e:
            return e

    ours, theirs = run(gk), run(torch)
    assert type(ours) is type(theirs), f"{ours!r}; torch {theirs!r}"
    if not isinstance(theirs, Exception):
        assert ours == theirs


def _outcome(lib, f):
    try:
        r = f(lib)
    except Exception as e:  # noqa: BLE001 - compared by type
        return type(e), None
    return None, r


@pytest.mark.parametrize("call", [
    lambda m: m.ones(0, 3).index_add(0, m.tensor([1, 3]), m.ones(2, 3)),
    lambda m: m.ones(3, 0).index_add(0, m.tensor([1, 3]), m.ones(2, 0)),
    lambda m: m.ones(0, 3).index_add_(0, m.tensor([1, 3]), m.ones(2, 3), alpha=2),
    lambda m: m.ones(0).index_add(0, m.tensor([1]), m.ones(1)),
    lambda m: m.ones(2, 3).index_add(0, m.tensor([1, 3]), m.ones(2, 3)),
    lambda m: m.ones(2, 3).index_add(1, m.tensor([-1, 1]), m.ones(2, 2)),
    lambda m: m.ones(2, 3).index_add(0, m.tensor([1, 3]), m.ones(2, 3), alpha=2),
    lambda m: m.ones(2, 3).index_add(0, m.tensor([1, 3], dtype=m.int32), m.ones(2, 3)),
    lambda m: m.ones(3).index_add(0, m.tensor([1, 3]), m.ones(2)),
    lambda m: m.ones(0, 3).index_add(0, m.tensor([1, 3]), m.ones(2, 4)),
    lambda m: m.gather(m.ones(3, 4), 0, m.ones(0, 5, dtype=m.long)),
    lambda m: m.gather(m.ones(3, 4), 1, m.ones(5, 0, dtype=m.long)),
    lambda m: m.gather(m.ones(3, 4), 1, m.ones(5, 2, dtype=m.long)),
])
def test_index_add_and_gather_at_empty_and_out_of_bounds_as_torch(call):
    # an empty input of 2+ dims takes any index in index_add (no index is read), an empty
    # index is no size error in gather; out-of-bounds index_add is PyTorch's RuntimeError on
    # its index_put path (2+ dims, alpha 1, int64 index) and its IndexError otherwise
    terr, want = _outcome(torch, call)
    gerr, got = _outcome(gk, call)
    assert gerr is terr, (gerr, terr)
    if terr is None:
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("index", [
    lambda m: (False, m.tensor([0])), lambda m: (m.tensor([0]), False),
    lambda m: (False, m.tensor([0]), slice(6, None, 3)), lambda m: (True, m.tensor([0])),
    lambda m: (m.tensor(False), m.tensor([0])), lambda m: (m.tensor([0]),),
])
def test_index_tensor_into_an_empty_dim_beside_a_false_mask_as_torch(index):
    # a 0-d False mask makes the broadcast index empty: no bound error for the index tensor on
    # the dim of size 0 (gradkit raised PyTorch's IndexError for it regardless)
    terr, want = _outcome(torch, lambda m: m.ones(0, 4, 3)[index(m)])
    gerr, got = _outcome(gk, lambda m: m.ones(0, 4, 3)[index(m)])
    assert gerr is terr
    if terr is None:
        assert tuple(got.shape) == tuple(want.shape)

"""gradkit/functions/shape.py: roll, repeat_interleave, tile, movedim, diagonal, meshgrid,
rot90 against PyTorch (values, gradients), central differences, second order, random shapes
(hypothesis), errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import both, check_grad, check_second_order, dtype_name, same_as_torch

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


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("call,exc,pattern", [
    (lambda x: gk.roll(x, (1, 2), 0), RuntimeError, r"roll\(\).*same length"),
    (lambda x: gk.roll(x, 1, 5), IndexError, r"roll\(\).*range"),
    (lambda x: gk.roll(x, 1.5), TypeError, r"roll\(\).*shifts.*float"),
    (lambda x: gk.repeat_interleave(x, -1), RuntimeError, r"repeat_interleave\(\).*negative"),
    (lambda x: gk.repeat_interleave(x, gk.tensor([1, 2]), 0), RuntimeError,
     r"repeat_interleave\(\).*same size.*\(3\), got 2"),
    (lambda x: gk.repeat_interleave(x, gk.tensor([1.0, 2.0, 1.0]), 0), NotImplementedError,
     r"repeat_interleave_cpu.*not implemented for 'Float'.*integer"),
    (lambda x: gk.repeat_interleave(x, 2, 0, output_size=5), RuntimeError,
     r"repeat_interleave\(\).*output_size=5.*size 6"),
    (lambda x: gk.repeat_interleave(gk.tensor([1, 2]), output_size=4), RuntimeError,
     r"repeat_interleave\(\).*output_size=4.*size 3"),
    (lambda x: gk.tile(x, (2, -1)), RuntimeError, r"tile\(\).*negative"),
    (lambda x: gk.movedim(x, (0, 1), (0,)), RuntimeError, r"movedim\(\).*same number"),
    (lambda x: gk.movedim(x, (0, 1), 0), TypeError, r"movedim\(\).*both be ints"),  # torch's
    (lambda x: gk.movedim(x, (0, 0), (1, 0)), RuntimeError, r"movedim\(\).*repeated"),
    (lambda x: gk.diagonal(x[0]), IndexError, r"diagonal\(\).*out of range.*but got 1"),
    (lambda x: gk.diagonal(x, 0, 1, -1), RuntimeError, r"diagonal\(\).*different"),
    (lambda x: gk.meshgrid(x), RuntimeError, r"meshgrid\(\).*0-D or 1-D.*\(3, 4\)"),
    (lambda x: gk.meshgrid(x[0], x[0], indexing="yx"), RuntimeError, r"meshgrid\(\).*'yx'"),
    (lambda x: gk.meshgrid(x[0], gk.arange(3)), RuntimeError, r"meshgrid\(\).*same dtype"),
    (lambda: gk.rot90(gk.zeros(3), 1), RuntimeError, r"rot90\(\).*at least 2.*\(3,\)"),
    (lambda: gk.rot90(gk.zeros(3, 3), 1, (0, 0)), RuntimeError, r"rot90\(\).*different"),
    (lambda: gk.rot90(gk.zeros(3, 3), 1, (0, 1, 2)), RuntimeError, r"rot90\(\).*length 2"),
    (lambda: gk.rot90(gk.zeros(3, 3), 1.0), TypeError, r"rot90\(\).*'k'.*float"),
], ids=lambda v: getattr(v, "__name__", None) if isinstance(v, type) else None)
def test_errors(call, exc, pattern):
    args = (gk.zeros(3, 4),) if call.__code__.co_argcount else ()  # a call of x: a 3x4 tensor
    with pytest.raises(exc, match=pattern):
        call(*args)


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


shapes = st.lists(st.integers(0, 4), min_size=1, max_size=4).map(tuple)

def _arr(data, shape):
    return np.random.default_rng(data.draw(st.integers(0, 1000))).standard_normal(shape)

@settings(max_examples=40, deadline=None)
@given(shape=shapes, data=st.data())
def test_shape_ops(shape, data):
    torch = pytest.importorskip("torch")
    nd = len(shape)
    x = _arr(data, shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    op = data.draw(st.sampled_from(["roll", "movedim", "tile", "repeat_interleave", "diff",
                                    "cumprod", "logcumsumexp", "cummax", "flip_rot90",
                                    "diagonal"]))
    if op == "roll":
        s = data.draw(st.integers(-6, 6))
        fn = lambda m, t: m.roll(t, s, dim)  # noqa: E731
    elif op == "movedim":
        dst = data.draw(st.integers(-nd, nd - 1))
        fn = lambda m, t: m.movedim(t, dim, dst)  # noqa: E731
    elif op == "tile":
        reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=0, max_size=5)))
        fn = lambda m, t: m.tile(t, reps)  # noqa: E731
    elif op == "repeat_interleave":
        r = data.draw(st.integers(0, 3))
        fn = lambda m, t: m.repeat_interleave(t, r, dim)  # noqa: E731
    elif op == "diff":
        n = data.draw(st.integers(0, 3))
        fn = lambda m, t: m.diff(t, n, dim)  # noqa: E731
    elif op == "cumprod":
        fn = lambda m, t: m.cumprod(t, dim)  # noqa: E731
    elif op == "logcumsumexp":
        fn = lambda m, t: m.logcumsumexp(t, dim)  # noqa: E731
    elif op == "cummax":
        fn = lambda m, t: m.cummax(t, dim)  # noqa: E731
    elif op == "flip_rot90" and nd >= 2:
        k = data.draw(st.integers(-4, 4))
        fn = lambda m, t: m.rot90(t, k, (dim % nd, (dim + 1) % nd))  # noqa: E731
    elif op == "diagonal" and nd >= 2:
        off = data.draw(st.integers(-4, 4))
        fn = lambda m, t: m.diagonal(t, off, dim % nd, (dim + 1) % nd)  # noqa: E731
    else:
        fn = lambda m, t: m.roll(t, 1)  # noqa: E731
    both(torch, fn, x, atol=1e-9)


# ------------------------------------------------------------------ in-place metadata ops
@pytest.mark.parametrize("call", [
    lambda x: x.squeeze_(), lambda x: x.squeeze_(0), lambda x: x.unsqueeze_(-1),
    lambda x: x.t_(), lambda x: x.transpose_(0, 1), lambda x: x.swapaxes_(1, 0),
    lambda x: x.swapdims_(0, -1),
], ids=["squeeze_", "squeeze_dim", "unsqueeze_", "t_", "transpose_", "swapaxes_", "swapdims_"])
def test_inplace_metadata_ops_change_self_as_torch(torch, call):
    arr = np.random.default_rng(1).standard_normal((1, 3))
    gl, tl = gk.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    g, t = gl * 2, tl * 2
    gv, tv = g._version, t._version
    assert call(g) is g and call(t) is t
    assert tuple(g.shape) == tuple(t.shape)
    assert g._version - gv == t._version - tv
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy())
    u = np.random.default_rng(2).standard_normal(tuple(t.shape))
    (ga,) = gk.autograd.grad((g * gk.tensor(u)).sum(), [gl])
    (ta,) = torch.autograd.grad((t * torch.tensor(u)).sum(), [tl])
    np.testing.assert_allclose(ga.numpy(), ta.numpy())


def test_inplace_metadata_op_refuses_a_leaf_that_requires_grad(torch):
    with pytest.raises(RuntimeError, match=r"squeeze_\(\).*leaf Variable"):
        gk.ones(2, 1, requires_grad=True).squeeze_()
    with pytest.raises(RuntimeError):
        torch.ones(2, 1, requires_grad=True).squeeze_()


def test_inplace_metadata_op_keeps_the_storage():
    x = gk.zeros(1, 3)
    y = x[0]
    x.squeeze_(0)
    x[1] = 5.0
    assert y[1].item() == 5.0


# ------------------------------------------------------------------ unfold
def test_unfold_is_a_view_as_torch(torch):
    for lib in (gk, torch):
        x = lib.arange(12.0).reshape(3, 4)
        u = x.unfold(1, 2, 1)
        u[0, 0, 1] = 100.0
        assert x[0, 1].item() == 100.0
        assert x._version == 1


@pytest.mark.parametrize("dim,size,step", [(0, 2, 1), (1, 3, 2), (-1, 1, 5), (1, 0, 1)])
def test_unfold_against_torch(torch, dim, size, step):
    both(torch, lambda m, x: x.unfold(dim, size, step), A34)


def test_unfold_errors(torch):
    for lib in (gk, torch):
        x = lib.ones(3, 4)
        with pytest.raises(RuntimeError, match="size"):
            x.unfold(1, 5, 1)
        with pytest.raises(RuntimeError, match="step"):
            x.unfold(1, 2, 0)
        with pytest.raises(IndexError):
            x.unfold(2, 1, 1)


# ------------------------------------------------------------------ raising as PyTorch
@pytest.mark.parametrize("call,exc,pattern", [
    (lambda m: m.ones(2, 3, 4).flatten(1, 0), RuntimeError, r"flatten\(\).*start_dim.*\(2, 3, 4\)"),
    (lambda m: m.ones(2, 3).flip(0, 0), RuntimeError, r"flip\(\): dim 0 appears multiple"),
    (lambda m: m.ones(2, 3).flip(0, -2), RuntimeError, r"flip\(\): dim 0 appears multiple"),
    (lambda m: m.ones(2, 3, 4).permute(0, 0, 1), RuntimeError, r"permute\(\).*duplicate"),
    (lambda m: m.ones(2, 3).permute(0, 5), IndexError, r"permute\(\).*range"),
    (lambda m: m.ones(2, 3).select(0, 2), IndexError, r"select\(\): index 2 out of range"),
    (lambda m: m.ones(2, 3).select(2, 0), IndexError, r"select\(\).*range"),
    (lambda m: m.ones(5).hsplit(2), RuntimeError, r"hsplit\(\).*divisible"),
    (lambda m: m.ones(4).vsplit(2), RuntimeError, r"vsplit\(\).*at least 2"),
    (lambda m: m.ones(3).fliplr(), RuntimeError, r"fliplr\(\).*at least 2"),
    (lambda m: m.diag_embed(m.ones(3), 0, 0, 0), RuntimeError, r"diag_embed\(\).*identical"),
    (lambda m: m.broadcast_tensors(m.ones(2), m.ones(3)), RuntimeError, r"broadcast"),
    (lambda m: m.tensor_split(m.ones(3), 0), RuntimeError, r"tensor_split\(\).*larger than 0"),
    (lambda m: m.vander(m.ones(2, 2)), RuntimeError, r"vander\(\).*one-dimensional"),
])
def test_errors_as_torch(torch, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(gk)
    with pytest.raises(exc):
        call(torch)


def test_tensor_split_by_tensor_and_dtype_promotion(torch):
    g = gk.tensor_split(gk.arange(7), gk.tensor([2, 5]))
    t = torch.tensor_split(torch.arange(7), torch.tensor([2, 5]))
    assert [x.tolist() for x in g] == [x.tolist() for x in t]
    g = gk.hstack([gk.ones(2, dtype=gk.int64), gk.ones(2, dtype=gk.float32)])
    assert dtype_name(g.dtype) == dtype_name(torch.hstack(
        [torch.ones(2, dtype=torch.int64), torch.ones(2)]).dtype)
    g = gk.block_diag(gk.ones(2, 2, dtype=gk.int64), gk.ones(1, dtype=gk.float64))
    assert dtype_name(g.dtype) == "float64" and tuple(g.shape) == (3, 3)


def test_diag_embed_keeps_inf_off_the_diagonal(torch):
    g = gk.diag_embed(gk.full((3,), float("-inf")))
    t = torch.diag_embed(torch.full((3,), float("-inf")))
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_index_tensors_from_tril_indices(torch):
    for r, c, o in [(0, 3, 0), (3, 0, 0), (4, 4, -5), (4, 4, 5), (3, 5, 2)]:
        assert gk.tril_indices(r, c, o).tolist() == torch.tril_indices(r, c, o).tolist()
        assert gk.triu_indices(r, c, o).tolist() == torch.triu_indices(r, c, o).tolist()


# ------------------------------------------------------------------ found by the fuzzer
@pytest.mark.parametrize("call, exc", [
    (lambda m: m.triu(m.tensor(1.0), 1), RuntimeError),
    (lambda m: m.tril(m.ones(3), 0), RuntimeError),
    (lambda m: m.ones(2, 3).repeat(2, 1, -2), RuntimeError),
    (lambda m: m.select_scatter(m.tensor(1.0), m.ones(2, 3), 0, -2), IndexError),
])
def test_invalid_shapes_raise_as_torch(call, exc):
    torch = pytest.importorskip("torch")
    with pytest.raises(exc):
        call(torch)
    with pytest.raises(exc) as e:
        call(gk)
    assert "missing 1 required positional" not in str(e.value)
    assert "negative dimensions are not allowed" not in str(e.value)


@pytest.mark.parametrize("fn", [
    lambda L: L.diag(L.tensor(1.5)),
    lambda L: L.diag(L.ones(2, 2, 2)),
    lambda L: L.unflatten(L.tensor(1.5), -1, (2, 3)),
    lambda L: L.unflatten(L.tensor(1.5), 0, (1,)),
    lambda L: L.unflatten(L.tensor(1, dtype=L.uint8), 1, (2, 3)),
], ids=["diag-0d", "diag-3d", "unflatten-0d", "unflatten-0d-dim0", "unflatten-0d-dim1"])
def test_rank_errors_as_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("fn", [
    lambda L: L.ones(3, 1).expand(-2, 3, 4),
    lambda L: L.tensor(1.0).expand(2, 3, -3),
    lambda L: L.broadcast_to(L.ones(3, 1), (-4, 3, 4)),
    lambda L: L.split(L.tensor(1.0), 2),
], ids=["expand-negative", "expand-0d-negative", "broadcast_to-negative", "split-0d"])
def test_size_errors_as_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("fn", [
    lambda L: L.chunk(L.tensor(1.0), 3, 0),
    lambda L: L.block_diag(L.ones(2, 3, dtype=L.bool), L.ones(3),
                           L.tensor(1.5, dtype=L.float64), L.ones(2, 2, dtype=L.int64)),
    lambda L: L.block_diag(L.tensor(1.0, dtype=L.float64), L.ones(3, dtype=L.float16)),
    lambda L: L.block_diag(L.tensor(1, dtype=L.int64), L.tensor(2.5)),
], ids=["chunk-0d", "block_diag-0d-f64", "block_diag-f16", "block_diag-0d-only"])
def test_chunk_and_block_diag_as_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("fn", [
    lambda L: L.ones(24).reshape(-1, -2),
    lambda L: L.ones(2, 3, 4).reshape(2, -3),
    lambda L: L.slice_scatter(L.tensor(1.5), L.ones(2, 4), 0, 1, 5, 2),
    lambda L: L.ones(3, 4).resize_as_([[1.0]]),
], ids=["reshape-two-negative", "reshape-negative", "slice_scatter-0d", "resize_as_-list"])
def test_argument_errors_as_torch(torch, fn):
    same_as_torch(torch, fn)


# split_with_sizes, the unsafe splits, adjoint: values and errors against torch
@pytest.mark.parametrize("fn", [
    lambda L: L.split_with_sizes(L.arange(10.0).view(5, 2), [2, 3]),
    lambda L: L.arange(10.0).view(2, 5).split_with_sizes((1, 0, 4), dim=1),
    lambda L: L.unsafe_split(L.arange(10.0).view(5, 2), 2),
    lambda L: L.unsafe_chunk(L.arange(14.0).view(2, 7), 3, 1),
    lambda L: L.unsafe_split_with_sizes(L.arange(10.0).view(2, 5), [3, 2], 1),
    lambda L: L.adjoint(L.arange(24.0).view(2, 3, 4)),
    lambda L: L.split_with_sizes(L.arange(5.0), [2, 2]),
    lambda L: L.split_with_sizes(L.arange(5.0), [-1, 6]),
    lambda L: L.split(L.arange(5.0), [-1, 6]),
    lambda L: L.split_with_sizes(L.arange(5.0), 2),
    lambda L: L.split_with_sizes(L.arange(5.0), [5], dim=1),
    lambda L: L.unsafe_split(L.arange(5.0), [2, 3]),
    lambda L: L.adjoint(L.arange(3.0)),
])
def test_splits_and_adjoint_against_torch(torch, fn):
    same_as_torch(torch, fn)


def test_adjoint_of_a_0d_tensor_is_itself_as_torch():
    import warnings

    import torch

    for T in (gk, torch):
        x = T.tensor(1.7, requires_grad=True)
        with warnings.catch_warnings(record=True) as got:  # (torch warns once a process)
            warnings.simplefilter("always")
            assert T.adjoint(x) is x
            assert x.adjoint() is x
        if T is gk:
            assert any("deprecated on 0-D" in str(w.message) for w in got)
        with pytest.raises(RuntimeError, match="only supported on matrices"):
            T.adjoint(T.tensor([1.7, 2.0]))


@pytest.mark.parametrize("shape,args", [((0,), (-2, 1, 0)), ((2, 0), (1, 0, 1)), ((0,), (0,)),
                                        ((3, 0), (2,)), ((2, 0), (-3,))])
@pytest.mark.parametrize("dtype", ["float64", "bool", "int32"])
def test_diag_embed_of_an_empty_last_dim_with_an_offset_as_torch(shape, args, dtype):
    # an (|offset|, |offset|) block of zeros
    import torch

    res = []
    for T in (gk, torch):
        x = T.zeros(shape, dtype=getattr(T, dtype), requires_grad=dtype == "float64")
        y = T.diag_embed(x, *args)
        res.append((tuple(y.shape), str(y.dtype).split(".")[-1], y.requires_grad,
                    y.detach().numpy().tolist()))
    assert res[0] == res[1]


@pytest.mark.parametrize("fn", [
    lambda L: L.split(L.zeros(2, 3), -1, dim=3),  # the size is refused before the dim
    lambda L: L.split(L.zeros(2, 3), 0, dim=1),
    lambda L: L.split(L.zeros(2, 0), 0, dim=1),
    lambda L: L.split(L.zeros(2, 3), 0, dim=5),
    lambda L: L.unsafe_split(L.zeros(2, 3), -2, dim=-4),
])
def test_split_size_checks_in_torch_order(torch, fn):
    same_as_torch(torch, fn)


def test_cat_of_no_tensors_is_a_value_error_stack_a_runtime_error(torch):
    for lib in (gk, torch):
        for empty in ([], ()):
            with pytest.raises(ValueError, match="non-empty list of Tensors"):
                lib.cat(empty)
            with pytest.raises(ValueError):
                lib.concat(empty)
            with pytest.raises(RuntimeError):
                lib.stack(empty)
            with pytest.raises(RuntimeError):
                lib.hstack(empty)


@pytest.mark.parametrize("shape", [(), (3,)])
@pytest.mark.parametrize("dims", [(0, -1), (0, 1), (1, 0), (0, 0), (-1, -1), (2, 0)])
def test_diagonal_of_fewer_than_2_dims_wraps_the_dims_first(torch, shape, dims):
    """PyTorch wraps both dims (a 0-d tensor as a 1-d one) before anything: IndexError for one
    out of range, else RuntimeError (the same dim twice)."""
    a = np.ones(shape)
    with pytest.raises((IndexError, RuntimeError)) as want:
        torch.diagonal(torch.tensor(a), 0, *dims)
    with pytest.raises(type(want.value)):
        gk.diagonal(gk.tensor(a), 0, *dims)


@pytest.mark.parametrize("src,dst,shape", [
    ("float32", "int32", (2, 3)), ("float32", "int16", (2, 3)), ("float64", "float32", (2, 3)),
    ("float32", "float64", (2, 4)), ("float32", "uint8", (3,)), ("int64", "float64", (2, 2)),
    ("float16", "bfloat16", (3,)), ("bool", "uint8", (3,)), ("float32", "complex64", (2, 4)),
    ("complex64", "float32", (3,))])
def test_view_dtype_reinterprets_the_bits_as_torch(src, dst, shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape) > 0 if src == "bool" else rng.standard_normal(shape)
    if src.startswith("complex"):
        a = a + 1j * rng.standard_normal(shape)
    a = a.astype(src)
    got = gk.from_numpy(a.copy()).view(getattr(gk, dst))
    want = torch.from_numpy(a.copy()).view(getattr(torch, dst))
    assert tuple(got.shape) == tuple(want.shape) and dtype_name(got.dtype) == dtype_name(
        want.dtype)
    cast = (lambda t: t.to(torch.float64)) if not want.is_complex() else (lambda t: t)
    np.testing.assert_array_equal(np.asarray(got.to(gk.float64) if not got.is_complex() else got),
                                  cast(want).numpy())


def test_view_dtype_shares_memory_is_not_differentiable_and_checks_as_torch():
    x = gk.zeros(4)
    x.view(gk.int32)[1] = 1065353216  # the bits of 1.0
    assert x.tolist() == [0.0, 1.0, 0.0, 0.0]
    y = gk.randn(3, requires_grad=True)
    assert not y.view(gk.int32).requires_grad and not y.view(gk.float32).requires_grad
    with pytest.raises(RuntimeError, match="dim\\(\\) cannot be 0"):
        gk.tensor(1.5).view(gk.int16)
    with pytest.raises(RuntimeError, match="stride\\(-1\\) must be 1"):
        gk.randn(4, 4).t().view(gk.float64)
    with pytest.raises(RuntimeError, match="size\\(-1\\) must be divisible by 2"):
        gk.randn(2, 3).view(gk.float64)
    with pytest.raises(RuntimeError, match="storage_offset\\(\\) must be divisible by 2"):
        gk.arange(8.).reshape(2, 4)[:, 1:3].view(gk.float64)
    assert gk.arange(8.).reshape(2, 4)[:, 2:4].view(gk.float64).shape == (2, 1)


@pytest.mark.parametrize("libname", ["gradkit", "torch"])
def test_view_takes_dtype_or_size_as_keywords_as_torch(libname):
    """``t.view(dtype=...)`` (how safetensors' ``safe_open`` reinterprets the file's bytes) and
    ``t.view(size=...)``; both at once, or with a positional size, are refused."""
    lib = gk if libname == "gradkit" else pytest.importorskip("torch")
    t = lib.arange(4, dtype=lib.uint8)
    v = t.view(dtype=lib.int16)
    assert dtype_name(v.dtype) == "int16" and v.tolist() == [256, 770]
    assert tuple(t.view(size=(2, 2)).shape) == (2, 2)
    with pytest.raises(TypeError):
        t.view(2, 2, dtype=lib.int16)


def test_meshgrid_without_indexing_is_ij_and_warns_once_as_torch():
    torch = pytest.importorskip("torch")
    import warnings

    from gradkit import _warnings

    a, b = [0.0, 1.0], [2.0, 3.0, 4.0]
    _warnings._WARNED.discard("meshgrid indexing")
    for kwargs in ({}, {"indexing": None}):
        ours = gk.meshgrid(gk.tensor(a), gk.tensor(b), **kwargs)
        theirs = torch.meshgrid(torch.tensor(a), torch.tensor(b), **kwargs)
        for o, t in zip(ours, theirs):
            np.testing.assert_array_equal(o.numpy(), t.numpy())
    _warnings._WARNED.discard("meshgrid indexing")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        gk.meshgrid(gk.arange(2), gk.arange(3))
        gk.meshgrid(gk.arange(2), gk.arange(3), indexing=None)
        gk.meshgrid(gk.arange(2), gk.arange(3), indexing="xy")
    msgs = [str(w.message) for w in seen if issubclass(w.category, UserWarning)]
    assert len(msgs) == 1 and msgs[0].startswith(
        "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
        "argument")


@pytest.mark.parametrize("start", [[1], [[1]], 1.0, True, [1, 2]], ids=str)
def test_narrow_refuses_a_start_tensor_but_a_0d_integer_one_as_torch(torch, start):
    # PyTorch: RuntimeError "start must be an 0-dim integral Tensor" (gradkit took a
    # one-element tensor and raised TypeError for a float one)
    for m in (torch, gk):
        with pytest.raises(RuntimeError, match="0-dim integral"):
            m.arange(9.0).reshape(3, 3).narrow(0, m.tensor(start), 2)
        with pytest.raises(RuntimeError, match="0-dim integral"):
            m.narrow(m.arange(9.0).reshape(3, 3), 0, m.tensor(start), 2)
    for start in (gk.tensor(1), gk.tensor(1, dtype=gk.uint8)):
        assert gk.arange(9.0).reshape(3, 3).narrow(0, start, 2).shape == (2, 3)


def test_roll_with_empty_dims_rolls_the_flattened_tensor_as_torch(torch):
    for m in (torch, gk):
        x = m.arange(9.0).reshape(3, 3)
        assert x.roll(2, []).tolist() == x.roll(2).tolist() == m.roll(x, (2,), ()).tolist()
        with pytest.raises(RuntimeError):
            x.roll((2, 1), [])
    assert gk.arange(9.0).reshape(3, 3).roll(2, []).tolist() == \
        torch.arange(9.0).reshape(3, 3).roll(2, []).tolist()


def test_adjoint_of_a_0d_tensor_warns_once_as_torch():
    # PyTorch's deprecation warning is TORCH_WARN_ONCE (gradkit warned at every call)
    import warnings

    from gradkit._warnings import _WARNED

    _WARNED.discard("adjoint 0-d")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        x = gk.tensor(2.0)
        assert gk.adjoint(x) is x and x.adjoint() is x
    assert [str(w.message) for w in seen] == [
        "adjoint() is deprecated on 0-D tensors. Consider using x.conj()."]


@pytest.mark.parametrize("shape,reps", [((0, 3), (2, -1, 2)), ((0, 3), (-1, 1)), ((0,), (3, -3)),
                                        ((2, 0), (-1, 2)), ((2, 3), (0, -1)), ((0,), (-2, -3))])
def test_repeat_negative_count_checks_the_result_size(shape, reps):
    """PyTorch refuses a repeat only where a result size is negative: a negative count of a
    dimension of size 0 (or of a leading new dimension) gives size 0 there, elsewhere raises."""
    torch = pytest.importorskip("torch")
    try:
        want = tuple(torch.zeros(shape).repeat(*reps).shape)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="repeat: .*negative dimension"):
            gk.zeros(shape).repeat(*reps)
        return
    assert tuple(gk.zeros(shape).repeat(*reps).shape) == want


@pytest.mark.parametrize("call", [
    lambda L: L.arange(6.0).view(2, 3).t().view_as(L.ones(6)),
    lambda L: L.arange(6.0).view(2, 3)[:, ::2].view_as(L.ones(4)),
    lambda L: L.arange(6.0).view(2, 3).t().reshape_as(L.ones(6)),
    lambda L: L.arange(6.0).view(2, 3).view_as(L.ones(3, 2)),
    lambda L: L.arange(6.0).view(2, 3).reshape_as([1, 2]),
])
def test_view_as_is_a_view_and_reshape_as_a_reshape(call):
    """view_as of a transposed or strided tensor is view's RuntimeError; gradkit reshaped
    (copied) as reshape_as does (the op fuzzer's Tensor method samples)."""
    torch = pytest.importorskip("torch")
    outs = []
    for L in (torch, gk):
        try:
            outs.append(call(L).tolist())
        except (RuntimeError, TypeError) as e:
            outs.append(type(e))
    assert outs[1] == outs[0]

"""gradkit/functions/shape.py: roll, repeat_interleave, tile, movedim, diagonal, meshgrid,
rot90 against PyTorch (values, gradients), central differences, second order, random shapes
(hypothesis), errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import both, check_grad, check_second_order, dtype_name

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
    (lambda x: gk.meshgrid(x), ValueError, r"meshgrid\(\).*0-D or 1-D.*\(3, 4\)"),
    (lambda x: gk.meshgrid(x[0], x[0], indexing="yx"), ValueError, r"meshgrid\(\).*'yx'"),
    (lambda x: gk.meshgrid(x[0], gk.arange(3)), TypeError, r"meshgrid\(\).*same dtype"),
    (lambda: gk.rot90(gk.zeros(3), 1), ValueError, r"rot90\(\).*at least 2.*\(3,\)"),
    (lambda: gk.rot90(gk.zeros(3, 3), 1, (0, 0)), ValueError, r"rot90\(\).*different"),
    (lambda: gk.rot90(gk.zeros(3, 3), 1, (0, 1, 2)), ValueError, r"rot90\(\).*length 2"),
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

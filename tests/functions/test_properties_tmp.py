"""Property-based tests (hypothesis) for the test_more_* functions: random shapes, dims and
arguments agree with PyTorch in values, output shapes and gradients."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import both

torch = pytest.importorskip("torch")

shapes = st.lists(st.integers(0, 4), min_size=1, max_size=4).map(tuple)


def _arr(data, shape):
    return np.random.default_rng(data.draw(st.integers(0, 1000))).standard_normal(shape)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, data=st.data())
def test_shape_ops(shape, data):
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


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), data=st.data(),
       reduce=st.sampled_from(["sum", "prod", "mean", "amax", "amin"]))
def test_scatter_reduce_random(shape, data, reduce):
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


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple), data=st.data())
def test_order_statistics_random(shape, data):
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    x = _arr(data, shape)  # continuous values: no ties, so indices are unique
    k = data.draw(st.integers(1, shape[dim]))
    q = data.draw(st.floats(0, 1))
    both(torch, lambda m, t: m.kthvalue(t, k, dim), x)
    both(torch, lambda m, t: m.median(t, dim), x)
    both(torch, lambda m, t: m.quantile(t, q, dim), x)
    both(torch, lambda m, t: m.median(t), x)

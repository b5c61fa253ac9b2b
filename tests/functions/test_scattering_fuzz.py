"""put, index_fill, take: the fuzzer's findings (tests/fuzz), each checked against PyTorch."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("accumulate", [False, True])
def test_put_repeated_index_gradient_as_torch(accumulate):
    # every element of source gets the gradient at its index, an overwritten one too
    rng = np.random.default_rng(0)
    a, v = rng.standard_normal((3, 4)), rng.standard_normal((2, 2))
    index = np.array([[1, 7], [1, 0]])
    u = rng.standard_normal((3, 4))
    res = []
    for m in (torch, gk):
        x, s = m.tensor(a, requires_grad=True), m.tensor(v, requires_grad=True)
        y = m.put(x, m.tensor(index), s, accumulate)
        res.append([y.detach().numpy()] + [g.numpy() for g in
                                          m.autograd.grad(y, (x, s), m.tensor(u))])
    for t, g in zip(*res):
        np.testing.assert_allclose(g, t, rtol=1e-12)
    assert type(gk.put(gk.zeros(3, requires_grad=True), gk.tensor([1]), gk.ones(1))
                .grad_fn).__name__ == "PutBackward0"


@pytest.mark.parametrize("dim,index", [(1, [3, 3]), (0, [1, 0, 1]), (1, [0, 2])])
def test_index_copy_repeated_index_gradient_as_torch(dim, index):
    # the last copy wins; every slice of source gets the gradient at its index, an
    # overwritten one too (gradkit gave an overwritten slice 0)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 4))
    v = rng.standard_normal((len(index), 4) if dim == 0 else (2, len(index)))
    u = rng.standard_normal((2, 4))
    res = []
    for m in (torch, gk):
        x, s = m.tensor(a, requires_grad=True), m.tensor(v, requires_grad=True)
        y = m.index_copy(x, dim, m.tensor(index), s)
        res.append([y.detach().numpy()] + [g.numpy() for g in
                                          m.autograd.grad(y, (x, s), m.tensor(u))])
    for t, g in zip(*res):
        np.testing.assert_allclose(g, t, rtol=1e-12)
    y = gk.index_copy(gk.zeros(3, requires_grad=True), 0, gk.tensor([1]), gk.ones(1))
    assert type(y.grad_fn).__name__ == "IndexCopyBackward0"


def _same_error(fn):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)):
        fn(gk)


ERRORS = {
    "take_int32_index": lambda m: m.take(m.zeros(3, 4), m.tensor([0, 1], dtype=m.int32)),
    "take_uint8_index": lambda m: m.take(m.zeros(3, 4), m.tensor([0, 33], dtype=m.uint8)),
    "take_list_index": lambda m: m.take(m.zeros(3, 4), [0, 1]),
    "take_list_input": lambda m: m.take([[1.0]], m.tensor([0])),
    "put_uint8_index": lambda m: m.zeros(3, 4).put(m.tensor([3, 21], dtype=m.uint8),
                                                   m.ones(2), True),
    "index_fill_empty_dim": lambda m: m.zeros(0, 3).index_fill(0, m.tensor(3), 1e10),
    "index_select_empty_dim": lambda m: m.zeros(0, 4).index_select(0, m.tensor([0, 2])),
    "index_select_empty_out_of_range": lambda m: m.zeros(0, 3).index_select(1, m.tensor([5])),
    "index_reduce_dim_before_dtype": lambda m: m.zeros(5, 3).index_reduce(
        3, m.tensor([1, 3, 1]), m.zeros(3, 3, dtype=m.uint8), "mean"),
    "index_add_dim_before_dtype": lambda m: m.zeros(4, 3).index_add(
        5, m.tensor([2]), m.zeros(1, 3, dtype=m.int32)),
    "index_add_0d_source_counts": lambda m: m.zeros(4, 3).index_add(
        0, m.tensor([2, 1, 0]), m.tensor(-0.87)),
    "index_add_0d_source_one": lambda m: m.zeros(4, 3).index_add(0, m.tensor([2]),
                                                                 m.tensor(-0.87)),
    # scatter's value= is a Scalar: a 0-d tensor without grad only
    "scatter_value_1d_tensor": lambda m: m.arange(6.0).scatter(0, m.tensor([1, 2]),
                                                               value=m.tensor([1.5])),
    "scatter_value_0d_requiring_grad": lambda m: m.arange(6.0).scatter(
        0, m.tensor([1, 2]), value=m.tensor(1.5, requires_grad=True)),
    "scatter_value_complex_into_real": lambda m: m.arange(6.0).scatter(
        0, m.tensor([1, 2]), value=m.tensor(1.5 + 1j)),
    "index_fill_1d_value_tensor": lambda m: m.arange(6.0).index_fill(0, m.tensor([1]),
                                                                     m.tensor([1.5])),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_torch(name):
    _same_error(ERRORS[name])


@pytest.mark.parametrize("fn", [
    lambda m: m.zeros(0, 3).index_fill(1, m.tensor(3), 1.0),  # no check of an empty input
    lambda m: m.zeros(0, 3).index_fill(0, m.tensor([], dtype=m.int64), 1.0),
    lambda m: m.zeros(0, 3).index_select(1, m.tensor([1])),
])
def test_empty_inputs_as_torch(fn):
    assert tuple(fn(gk).shape) == tuple(fn(torch).shape)


@pytest.mark.parametrize("case", ["scatter_value", "scatter_src0d", "scatter_src1d",
                                  "scatter_add0d", "scatter_add_idx1d_src0d", "scatter_reduce"])
def test_zero_dim_index_counts_as_one_dim_as_pytorch(case):
    # the transforms tutorial's one-hot: torch.zeros(10).scatter_(0, torch.tensor(y), value=1);
    # PyTorch counts a 0-d index (and src) as 1-D; gradkit refused it
    torch = pytest.importorskip("torch")
    calls = {
        "scatter_value": lambda L: L.zeros(10).scatter_(0, L.tensor(3), value=1),
        "scatter_src0d": lambda L: L.zeros(10).scatter(0, L.tensor(3), L.tensor(5.0)),
        "scatter_src1d": lambda L: L.zeros(10).scatter(0, L.tensor(3), L.tensor([5.0, 6.0])),
        "scatter_add0d": lambda L: L.zeros(10).scatter_add(0, L.tensor(3), L.tensor(5.0)),
        "scatter_add_idx1d_src0d": lambda L: L.zeros(4).scatter_add(0, L.tensor([1]),
                                                                    L.tensor(2.0)),
        "scatter_reduce": lambda L: L.ones(10).scatter_reduce(0, L.tensor(3), L.tensor(5.0),
                                                              "prod"),
    }
    g, t = calls[case](gk), calls[case](torch)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


@pytest.mark.parametrize("fn", [
    lambda m: m.arange(6.0).scatter(0, m.tensor([1, 2]), value=m.tensor(1.5)),
    lambda m: m.arange(6.0).scatter_(0, m.tensor([1, 2]), value=m.tensor(1.5)),
    lambda m: m.arange(6).scatter(0, m.tensor([1, 2]), value=m.tensor(1.5)),
    lambda m: m.arange(6.0).scatter(0, m.tensor([1, 2]), value=m.tensor(2)),
    lambda m: m.scatter(m.arange(6.0), 0, m.tensor([1, 2]), value=m.tensor(True)),
    lambda m: m.arange(6.0).scatter(0, m.tensor([1, 2]), value=m.tensor(1.5), reduce="add"),
])
def test_scatter_takes_a_0d_tensor_value_as_torch(fn):
    # x.scatter_(dim, index, value=torch.tensor(1.5)): PyTorch takes a 0-d tensor as the
    # number; gradkit raised TypeError
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g, t = fn(gk), fn(torch)
    assert str(g.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    np.testing.assert_array_equal(g.numpy(), t.numpy())


INDEX_REDUCE_REFUSED = {
    # 4 indices for a source of 3 along dim 1: a meta check, before the kernel's warning
    "count": lambda m: m.index_reduce(m.zeros(5, 3, dtype=m.float64), 1, m.tensor([0, 4, 0, 2]),
                                      m.ones(4, 3, dtype=m.float64), "prod"),
    # out of another dtype: refused before the kernel runs
    "out_dtype": lambda m: m.index_reduce(m.zeros(5, 3, dtype=m.float64), 1,
                                          m.tensor([0, 1, 0, 2]), m.ones(5, 4, dtype=m.float64),
                                          "prod", out=m.zeros(5, 3)),
}


@pytest.mark.parametrize("name", sorted(INDEX_REDUCE_REFUSED))
def test_index_reduce_beta_warning_after_the_shape_checks(name, monkeypatch):
    """PyTorch's kernel warns once that index_reduce is in beta after its meta checks (the
    index count, out's dtype) and before the index's bounds: a call refused by a meta check
    gives no warning."""
    import warnings

    import gradkit._warnings as gw

    monkeypatch.setattr(gw, "_WARNED", set())  # (as a fresh process: nothing warned yet)
    fn = INDEX_REDUCE_REFUSED[name]
    for m in (torch, gk):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError):
                fn(m)
        assert not [x for x in w if "in beta" in str(x.message)], m.__name__
    # an index out of bounds: the warning comes first, then the IndexError
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with pytest.raises(IndexError):
            gk.zeros(5, 3).index_reduce(1, gk.tensor([0, 4, 0, 2]), gk.ones(5, 4), "prod")
    assert [x for x in w if "in beta" in str(x.message)]


INDEX_FILL_EXPANDED = {
    "int32_index": lambda m, x: x.index_fill_(1, m.tensor([0], dtype=m.int32), 1.0),
    "matrix_index": lambda m, x: x.index_fill_(1, m.tensor([[0]]), 1.0),
    "vector_value": lambda m, x: x.index_fill_(1, m.tensor([0]), m.ones(2)),
    "out_of_bounds": lambda m, x: x.index_fill_(1, m.tensor([7]), 1.0),
    "bad_dim": lambda m, x: x.index_fill_(-4, m.tensor([2, 0]), -1.5),
}


@pytest.mark.parametrize("name", sorted(INDEX_FILL_EXPANDED))
def test_index_fill_expanded_warning_and_errors_as_torch(name):
    """PyTorch warns (each call) that index_fill_ on an expanded tensor is deprecated after
    its checks of the index's dtype and a tensor value's dimensions, before the dim, the
    index's dimensions and bounds; a 2-D index is its RuntimeError."""
    import warnings

    fn = INDEX_FILL_EXPANDED[name]
    res = []
    for m in (torch, gk):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with pytest.raises(Exception) as e:
                fn(m, m.zeros(1, 3).expand(4, 3))
        res.append((type(e.value), len([x for x in w if "expanded tensors" in str(x.message)])))
    assert res[1] == res[0]


def test_index_fill_matrix_index_runtime_error_as_torch():
    for m in (torch, gk):
        for x in (m.zeros(4, 3), m.zeros(0, 3)):
            with pytest.raises(RuntimeError, match="Index has to be a vector/scalar"):
                x.index_fill(0, m.tensor([[0]]), 1.0)

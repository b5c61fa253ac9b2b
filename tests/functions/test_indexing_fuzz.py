"""Indexing: the fuzzer's findings (tests/fuzz), each checked against PyTorch."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _conv(lib, index):
    return tuple(lib.tensor(p[1]) if isinstance(p, tuple) and p[0] == "t" else p for p in index)


# Python bools (and 0-d bool tensors) beside ints and index tensors: PyTorch applies the ints
# first (a select), reads a bool as a new dim indexed by [0] or [], then places the advanced
# block as NumPy would without the ints
CASES = [
    ((0, 1, 3), (slice(None, -1, 2), ("t", -1), slice(-5, -1), True)),
    ((3, 4), (-3, slice(-1, None, 2), ("t", False))),
    ((2, 1), (True, True)),
    ((3, 4), (("t", 1), slice(0, 4, 3), True)),
    ((3, 2, 2), (("t", 2), slice(-4, 5), False, Ellipsis)),
    ((4, 4, 1), (-4, slice(6, None), slice(-1, 1, 1), ("t", False))),
    ((3, 4, 0), (slice(0, -1, 3), True, True, slice(6, 2, 1))),
    ((3, 4, 5), (1, slice(None), True, ("t", [0, 1]))),
    ((3, 4, 5), (1, None, False)),
    ((2, 2, 3), (slice(None, None, 2), ("t", [0, 1, 0]), Ellipsis, ("t", [0, 1, 0]))),
    ((3,), (slice(None), ("t", False), Ellipsis, True)),
]


@pytest.mark.parametrize("shape, index", CASES)
def test_getitem_with_bools_as_torch(shape, index):
    a = np.random.default_rng(0).standard_normal(shape)
    t = torch.tensor(a, requires_grad=True)
    g = gk.tensor(a, requires_grad=True)
    tr, gr = t[_conv(torch, index)], g[_conv(gk, index)]
    assert tuple(gr.shape) == tuple(tr.shape)
    np.testing.assert_array_equal(gr.detach().numpy(), tr.detach().numpy())
    u = np.random.default_rng(1).standard_normal(tuple(tr.shape))
    (tg,) = torch.autograd.grad(tr, t, torch.tensor(u), allow_unused=True)
    (gg,) = gk.autograd.grad(gr, g, gk.tensor(u), allow_unused=True)
    np.testing.assert_array_equal(np.zeros(shape) if gg is None else gg.numpy(),
                                  np.zeros(shape) if tg is None else tg.numpy())


@pytest.mark.parametrize("shape, index", CASES)
def test_setitem_with_bools_as_torch(shape, index):
    a = np.random.default_rng(0).standard_normal(shape)
    t, g = torch.tensor(a), gk.tensor(a)
    t[_conv(torch, index)] = 7.0
    g[_conv(gk, index)] = 7.0
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_int_out_of_range_beside_false_raises_as_torch():
    # [] selects nothing, but PyTorch's select of the int comes first
    a = np.zeros((1, 3))
    with pytest.raises(IndexError):
        torch.tensor(a)[1, :, torch.tensor(False)]
    with pytest.raises(IndexError, match="out of bounds for dimension 0 with size 1"):
        gk.tensor(a)[1, :, gk.tensor(False)]


def test_random_indices_with_bools_match_torch():
    rng = np.random.default_rng(0)
    parts = [0, -1, 1, slice(None), slice(0, 2), slice(None, None, 2), None, True, False,
             Ellipsis, ("t", 1), ("t", [0, 1, 0]), ("t", True), ("t", False)]
    for _ in range(1500):
        shape = tuple(int(v) for v in rng.integers(1, 4, rng.integers(0, 4)))
        index = tuple(parts[i] for i in rng.integers(0, len(parts), rng.integers(1, 5)))
        if index.count(Ellipsis) > 1:
            continue
        a = rng.standard_normal(shape)
        try:
            tr = torch.tensor(a)[_conv(torch, index)]
        except IndexError:
            with pytest.raises(IndexError):
                gk.tensor(a)[_conv(gk, index)]
            continue
        gr = gk.tensor(a)[_conv(gk, index)]
        assert tuple(gr.shape) == tuple(tr.shape), (shape, index)
        np.testing.assert_array_equal(gr.numpy(), tr.numpy())


def _set(x, index, value):
    x[index] = value
    return x


# x[index] = value with the index and the value both wrong, or a value to convert: PyTorch
# converts a number value first (its Scalar: int64's range, complex only into complex, an
# integer dtype's range), then checks the index before a leaf's in-place write, and takes a
# complex tensor into a real one dropping the imaginary part (a warning)
SETITEM = {
    "complex_number_before_the_index": lambda m: _set(m.zeros(3, 4), 5, 1 + 2j),
    "complex_number_real": lambda m: _set(m.zeros(3, 4), 0, 1 + 0j),
    "uint8_over_its_range": lambda m: _set(m.zeros(3, dtype=m.uint8), 0, 256),
    "uint8_over_its_range_before_the_index": lambda m: _set(m.zeros(3, dtype=m.uint8), 5, 1000),
    "uint8_negative_wraps": lambda m: _set(m.zeros(3, dtype=m.uint8), 0, -129),
    "uint8_below_minus_max": lambda m: _set(m.zeros(3, dtype=m.uint8), 0, -256),
    "uint8_negative_float": lambda m: _set(m.zeros(3, dtype=m.uint8), 0, -1.5),
    "uint8_float_over": lambda m: _set(m.zeros(3, dtype=m.uint8), 0, 300.7),
    "int8_negative_float": lambda m: _set(m.zeros(3, dtype=m.int8), 0, -1.5),
    "int64_past_int64": lambda m: _set(m.zeros(3, dtype=m.int64), 0, 2 ** 63),
    "float32_past_int64": lambda m: _set(m.zeros(3), 0, 2 ** 64 - 1),
    "bool_past_int64": lambda m: _set(m.zeros(3, dtype=m.bool), 0, 2 ** 63),
    "float32_past_its_range": lambda m: _set(m.zeros(3), 0, 1e300),
    "float16_past_its_range": lambda m: _set(m.zeros(3, dtype=m.float16), 0, 1e300),
    "float32_inf": lambda m: _set(m.zeros(3), 0, float("inf")),
    "complex_tensor_into_real": lambda m: _set(m.zeros(3, 4), 0, m.tensor(1 + 2j)),
    "complex_tensor_into_a_slice": lambda m: _set(m.zeros(3, 4), (1, slice(1, 3)),
                                                  m.tensor([1 + 2j, 3j])),
    "complex_tensor_bad_shape": lambda m: _set(m.zeros(3, 4), slice(0, 2),
                                               m.ones(5, dtype=m.complex64)),
    "complex_tensor_index_out_of_range": lambda m: _set(m.zeros(3, 4), 5, m.tensor(1 + 2j)),
    "leaf_requiring_grad_index_out_of_range": lambda m: _set(
        m.zeros(3, requires_grad=True), 5, 1.0),
    "str_index": lambda m: _set(m.zeros(3, 4), "a", m.ones(5)),
    "str_in_an_index_tuple": lambda m: _set(m.zeros(3, 4), (0, "a"), 1.0),
    "str_in_an_index_list": lambda m: m.zeros(3, 4)[[0, "a"]],
    "bytes_index": lambda m: m.zeros(3, 4)[b"a"],
}


@pytest.mark.parametrize("name", sorted(SETITEM))
def test_setitem_checks_in_torch_order(name):
    import warnings

    from oracle import same_as_torch

    def call(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return SETITEM[name](m)
    same_as_torch(torch, call)


@pytest.mark.parametrize("fn", [
    # without dim, take_along_dim is a gather of the flattened input: indices of int32 or
    # int64, their dtype unchecked when there are none; with dim, int64 only
    lambda m: m.take_along_dim(m.zeros(3, 4, dtype=m.uint8), m.zeros(0, dtype=m.uint8)),
    lambda m: m.take_along_dim(m.zeros(3, 4), m.zeros(0, 0, dtype=m.int32)),
    lambda m: m.take_along_dim(m.arange(12.0).view(3, 4), m.tensor([1, 5], dtype=m.int32)),
    lambda m: m.take_along_dim(m.zeros(3, 4), m.zeros(2, dtype=m.uint8)),
    lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([[1], [2], [0]], dtype=m.int32), 1),
    lambda m: m.take_along_dim(m.zeros(3, 4), m.zeros(3, 0, dtype=m.int32), 1),
])
def test_take_along_dim_index_dtypes_as_torch(fn):
    from oracle import same_as_torch

    same_as_torch(torch, fn)

"""Comparisons, logical and bitwise ops beyond the registry samples: PyTorch's errors (shapes
that do not broadcast, bool subtraction, floats in bitwise ops), operator dtypes, in-place
arithmetic on bool tensors, floor division."""

import numpy as np
import pytest
from oracle import same_as_torch

import gradkit as gk


def _err(torch, fn):
    """Run fn in both libraries: the same exception type, and gradkit's names both shapes."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)) as ge:
        fn(gk)
    return str(ge.value)


@pytest.mark.parametrize("op", ["lt", "eq", "ge", "logical_and", "logical_xor", "bitwise_and",
                                "__lt__", "__eq__", "__ne__"])
def test_non_broadcasting_shapes_name_both(torch, op):
    def fn(m):
        a, b = m.ones((2, 3), dtype=m.int64), m.ones(4, dtype=m.int64)
        return getattr(a, op)(b) if op.startswith("__") else getattr(m, op)(a, b)
    msg = _err(torch, fn)
    assert "(2, 3)" in msg and "(4,)" in msg and "broadcast together" not in msg.split(":")[0]


@pytest.mark.parametrize("expr", [lambda m: -m.tensor([True]), lambda m: m.tensor([True]) -
                                  m.tensor([False]), lambda m: m.tensor([True]) - 1,
                                  lambda m: 1 - m.tensor([True]), lambda m: +m.tensor([True]),
                                  lambda m: m.tensor([True]).__iadd__(1),
                                  lambda m: m.tensor([1, 2]).__iadd__(1.5),
                                  lambda m: m.tensor([1.0]) & m.tensor([1.0]),
                                  lambda m: ~m.tensor([1.0]),
                                  lambda m: m.gcd(m.tensor([1.0]), m.tensor([2.0])),
                                  lambda m: m.tensor([3]) // 0,
                                  lambda m: m.frac(m.tensor([3]))])
def test_errors_as_torch(torch, expr):
    msg = _err(torch, expr)
    assert "numpy" not in msg.lower()


@pytest.mark.parametrize("expr", [
    lambda m: m.tensor([3, -4]) & m.tensor([True, False]), lambda m: m.tensor([True]) & True,
    lambda m: m.tensor([True, False]) & 1, lambda m: m.tensor([6, 5]) | 3,
    lambda m: 3 ^ m.tensor([6, 5]), lambda m: ~m.tensor([6, -5]), lambda m: ~m.tensor([True]),
    lambda m: m.tensor([True, False]) << 1, lambda m: 1 << m.tensor([1, 3]),
    lambda m: m.tensor([-8, 8]) >> m.tensor([1, 70]), lambda m: m.tensor([8]) << 70,
    lambda m: m.tensor([7, -7]) // 2, lambda m: m.tensor([7, -7]) // 2.5,
    lambda m: 7 // m.tensor([2, -3]), lambda m: m.tensor([7.5, -7.5]) // m.tensor([2, -2]),
    lambda m: m.tensor([1.0, -1.0]) // 0.0, lambda m: m.tensor([1, 2], dtype=m.int32) // 2,
    lambda m: m.tensor([True, False]).__iadd__(m.tensor([True, True])),
    lambda m: m.tensor([1, 5]) < 2.5, lambda m: m.tensor([True, False]) == 1,
    lambda m: m.isin(m.tensor([1, 2, 3]), 2), lambda m: m.isin(2, m.tensor([1, 2])),
    lambda m: m.logical_xor(m.tensor([0, 2]), m.tensor([0.0, 0.0])),
    lambda m: m.gcd(m.tensor([12, -18, 0]), m.tensor([8, 12, 0])),
    lambda m: m.lcm(m.tensor([4, -6, 0]), m.tensor([6, 4, 3])),
])
def test_values_and_dtypes(torch, expr):
    t, g = expr(torch), expr(gk)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_floordiv_keeps_the_graph_out_of_float_division():
    x = gk.tensor([7.5, -7.5], requires_grad=True)
    y = x // 2
    assert y.dtype == gk.float32 and y.tolist() == [3.0, -4.0]


def test_inplace_operators(torch):
    for op in ("__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__", "__ifloordiv__"):
        a, b = gk.tensor([6, 5, -3]), torch.tensor([6, 5, -3])
        ra = getattr(a, op)(2)
        getattr(b, op)(2)
        assert ra is a
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_none_comparison():
    assert (gk.ones(2) == None) is False  # noqa: E711
    assert (gk.ones(2) != None) is True  # noqa: E711


# ------------------------------------------------------------------ found by the fuzzer
@pytest.mark.parametrize("fn", ["isclose", "allclose"])
@pytest.mark.parametrize("a, b", [((3, 4), (3, 0)), ((2, 3), (4,))])
def test_close_of_shapes_that_do_not_broadcast(fn, a, b):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        getattr(torch, fn)(torch.ones(a), torch.ones(b))
    with pytest.raises(RuntimeError, match=f"{fn}.*cannot be broadcast"):
        getattr(gk, fn)(gk.ones(a), gk.ones(b))


@pytest.mark.parametrize("fn", ["isclose", "allclose"])
def test_close_of_two_dtypes_is_refused_as_torch(fn):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        getattr(torch, fn)(torch.ones(3, dtype=torch.float64), torch.ones(3, dtype=torch.int32))
    with pytest.raises(RuntimeError, match="did not match"):
        getattr(gk, fn)(gk.ones(3, dtype=gk.float64), gk.ones(3, dtype=gk.int32))


@pytest.mark.parametrize("fn", [
    lambda L: L.tensor([4, 3, 255], dtype=L.uint8) >= -2,   # the scalar wraps into uint8
    lambda L: L.tensor([4, 3, 255], dtype=L.uint8) == -1,
    lambda L: L.tensor([4, -3], dtype=L.int8) < 300,
    lambda L: -2 << L.tensor([2, 1], dtype=L.uint8),
    lambda L: L.tensor([2, 1], dtype=L.uint8) & -3,
], ids=["ge", "eq", "lt-int8", "lshift", "and"])
def test_int_scalars_wrap_into_the_tensor_dtype_as_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("other", [[1, 2], (1, 2), object(), None, "a"])
def test_equality_with_a_non_tensor_falls_back_to_python_as_torch(torch, other):
    got, want = [], []
    for L, out in ((gk, got), (torch, want)):
        x = L.tensor([1, 2])
        out += [x == other, x != other, other == x]
        try:
            x < other  # noqa: B015 - the error type is compared
        except TypeError:
            out.append("TypeError")
    assert got == want == [False, True, False, "TypeError"]


def test_equality_with_numbers_and_arrays_still_compares(torch):
    x = gk.tensor([1, 2])
    assert (x == np.array([1, 3])).tolist() == [True, False]
    assert (x == 1.0).tolist() == [True, False]


@pytest.mark.parametrize("fn", [
    lambda L: L.tensor([1, 0, 255], dtype=L.uint8) >= L.tensor(-1),  # -1 wraps to 255
    lambda L: L.ge(L.tensor(-1), L.tensor([1, 0, 255], dtype=L.uint8)),
    lambda L: L.tensor([1, 56], dtype=L.int8) == L.tensor(-200),  # -200 wraps to 56
    lambda L: L.tensor([0.1, 0.3]) == L.tensor(0.1, dtype=L.float64),  # compared in float32
    lambda L: L.tensor([16777217, 1]) == L.tensor([16777216.0, 1.0]),  # int64 in float32
    lambda L: L.tensor([16777217, 1]) < L.tensor(16777216.0),
    lambda L: L.eq(L.tensor([16777217, 1]), 16777216.0),  # a float number: the default dtype
    lambda L: L.tensor([1.0, 2.0], dtype=L.float16) <= L.tensor(1.0001, dtype=L.float64),
    lambda L: L.tensor([65504.0, 1.0], dtype=L.float16) != L.tensor([1e6, 1.0]),
    lambda L: L.tensor([[1], [2]], dtype=L.uint8).gt_(L.tensor(-1)),
    lambda L: L.tensor([True, False]) > L.tensor(0.5, dtype=L.float64),
    lambda L: L.tensor(L.equal(L.tensor([16777217, 1]), L.tensor([16777216.0, 1.0]))),
    lambda L: L.tensor(L.equal(L.tensor([0.1]), L.tensor([0.1], dtype=L.float64))),
], ids=["uint8-0d", "0d-first", "int8-0d", "float32-0d-float64", "int64-float32",
        "int64-0d-float32", "int64-float-number", "float16-0d-float64", "float16-float32",
        "inplace", "bool-0d-float64", "equal-int64-float32", "equal-float32-float64"])
def test_mixed_dtypes_compare_in_the_promoted_dtype_as_torch(torch, fn):
    # PyTorch casts both operands to the promoted dtype (a 0-d tensor of the same category does
    # not widen it); gradkit compared in NumPy's (uint8 >= a 0-d int64 -1 was True; op fuzzer
    # seed 43)
    same_as_torch(torch, fn)

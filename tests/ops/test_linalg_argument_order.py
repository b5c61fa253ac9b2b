"""PyTorch's argument parser rejects an argument of the wrong kind (a list where a Tensor goes)
before any check of the other arguments' values (dtype, shape): gradkit's linalg functions check
the types first too, so the same TypeError comes whatever else is wrong."""

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


CASES = {
    # B a list beside an LU that is not square / not floating
    "lu_solve_empty_lu": lambda L: L.linalg.lu_solve(L.zeros(0, 3), L.zeros(0, dtype=L.int32),
                                                     [[1.0, 2.0]]),
    "lu_solve_int_lu": lambda L: L.linalg.lu_solve(L.zeros(3, 3, dtype=L.int64),
                                                   L.zeros(3, dtype=L.int32), [[1.0, 2.0]]),
    # pivots a list beside a 1-D integer LU
    "lu_solve_pivots": lambda L: L.linalg.lu_solve(L.zeros(3, dtype=L.int64), [1, 2, 3],
                                                   L.zeros(3, 1)),
    "lstsq_int_a": lambda L: L.linalg.lstsq(L.zeros(3, 3, dtype=L.int64), [[1.0, 2.0]]),
    "lu_unpack_1d": lambda L: L.lu_unpack(L.zeros(3), [1, 2]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_argument_types_are_checked_first(name):
    fn = CASES[name]
    with pytest.raises(TypeError) as t:
        fn(torch)
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        fn(gk)
    assert "must be Tensor, not list" in str(t.value)

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


VECDOT_OUT_FIRST = {
    # out's dtype before the dim and before the broadcast of the shapes
    "dim": lambda L: L.linalg.vecdot(L.ones(3, 4, dtype=L.float64), L.ones(4, dtype=L.float64),
                                     dim=-4, out=L.zeros(3, dtype=L.float16)),
    "shapes": lambda L: L.linalg.vecdot(L.ones(3, 4, dtype=L.float64),
                                        L.ones(2, 4, dtype=L.float64),
                                        out=L.zeros(3, dtype=L.float16)),
}


@pytest.mark.parametrize("name", sorted(VECDOT_OUT_FIRST))
def test_vecdot_out_dtype_checked_before_the_shapes(name):
    fn = VECDOT_OUT_FIRST[name]
    with pytest.raises(RuntimeError, match="Expected out of dtype"):
        fn(torch)
    with pytest.raises(RuntimeError, match="Expected out of dtype"):
        fn(gk)


@pytest.mark.parametrize("dim", [-1, 0, 5, -7])
def test_vecdot_of_two_vectors_reads_no_dim(dim):
    """Two 1-D inputs take PyTorch's vdot: the dim is not read, and lengths that differ are
    refused rather than broadcast."""
    for lib in (torch, gk):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = lib.linalg.vecdot(x, lib.tensor([4.0, 5.0, 6.0], dtype=lib.float64), dim=dim)
        assert float(y) == 32.0 and type(y.grad_fn).__name__ == "VdotBackward0"
        with pytest.raises(RuntimeError, match="inconsistent tensor size"):
            lib.linalg.vecdot(lib.ones(3), lib.ones(1), dim=dim)

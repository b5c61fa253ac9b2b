"""The matrix products used where NumPy has no BLAS (Pyodide): gradkit/_noblas.py.

They run natively here, called directly (and the whole nn/ops suites can run on them with
GRADKIT_NOBLAS_MATMUL=1); inside Pyodide tests/pyodide/suite.py checks that they are the ones in
use. Each form is checked against np.matmul in float64 for every layout the rules pass.
"""

import numpy as np
import pytest

from gradkit import _noblas


def _layout(a, kind):
    if kind == "C":
        return np.ascontiguousarray(a)
    if kind == "F":  # a transposed view, as w.T and g.T in the rules
        return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
    return np.repeat(a, 2, axis=-1)[..., ::2]  # strided, neither C nor F


SHAPES = [  # (M, K, N): the small path, both einsum forms, and their boundaries
    (1, 1, 1), (64, 4, 64), (512, 20, 16), (16, 20, 512), (64, 64, 64), (512, 128, 16),
    (16, 128, 512), (65, 512, 128), (3, 31, 40), (40, 31, 3), (128, 32, 32), (128, 31, 31),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m,k,n", SHAPES)
@pytest.mark.parametrize("la,lb", [("C", "C"), ("F", "F"), ("C", "F"), ("S", "C"), ("F", "S")])
def test_matches_matmul(m, k, n, la, lb, dtype):
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a = _layout(rng.standard_normal((m, k)).astype(dtype), la)
    b = _layout(rng.standard_normal((k, n)).astype(dtype), lb)
    got = _noblas.matmul(a, b)
    want = a.astype(np.float64) @ b.astype(np.float64)
    assert got.dtype == dtype and got.shape == (m, n)
    tol = 1e-4 * np.sqrt(k) if dtype == np.float32 else 1e-12 * np.sqrt(k)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("sa,sb", [((3, 64, 70), (70, 80)), ((2, 1, 40, 50), (3, 50, 20)),
                                   ((5, 64, 8), (5, 8, 64)), ((4, 100), (2, 100, 3))])
def test_batched_and_broadcast(sa, sb):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb)
    np.testing.assert_allclose(_noblas.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)


def test_out_is_written_and_returned():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((64, 128)).astype(np.float32)
    b = rng.standard_normal((128, 80)).astype(np.float32)
    out = np.empty((64, 80), np.float32)
    res = _noblas.matmul(a, b, out=out)
    assert res is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("a,b", [
    (np.arange(12).reshape(3, 4), np.arange(8).reshape(4, 2)),  # integers
    (np.ones((40, 50), np.float32), np.ones((50, 60), np.float64)),  # mixed dtypes
    (np.ones(50), np.ones((50, 60))),  # 1-D
    (np.ones((40, 50), np.complex64), np.ones((50, 60), np.complex64)),
])
def test_other_operands_are_numpys(a, b):
    got = _noblas.matmul(a, b)
    want = np.matmul(a, b)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_mismatched_shapes_raise_numpys_error():
    with pytest.raises(ValueError, match="matmul"):
        _noblas.matmul(np.ones((40, 50)), np.ones((60, 70)))

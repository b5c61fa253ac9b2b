"""``out=`` on PyTorch's legacy top-level linear-algebra functions (``torch.cholesky``, ``qr``,
``lu_solve``, ``triangular_solve``, ``cross``, ...): the values written, the dtypes each takes
for out (its own, or any the result casts to), against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

_A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
_B = np.array([[1.0], [2.0], [0.5]])


def _lu(m):
    return m.linalg.lu_factor(m.tensor(_A))


def _qr(m):
    return m.geqrf(m.tensor(_A))


CALLS = {
    "cholesky": (lambda m, o: m.cholesky(m.tensor(_A), out=o), 1),
    "cholesky_upper": (lambda m, o: m.cholesky(m.tensor(_A), True, out=o), 1),
    "cholesky_inverse": (lambda m, o: m.cholesky_inverse(m.tensor(_A), out=o), 1),
    "cholesky_solve": (lambda m, o: m.cholesky_solve(m.tensor(_B), m.tensor(_A), out=o), 1),
    "qr": (lambda m, o: m.qr(m.tensor(_A), out=o), 2),
    "lu_solve": (lambda m, o: m.lu_solve(m.tensor(_B), *_lu(m), out=o), 1),
    "triangular_solve": (lambda m, o: m.triangular_solve(m.tensor(_B), m.tensor(_A), out=o), 2),
    "cross": (lambda m, o: m.cross(m.tensor(_A), m.tensor(_A[::-1].copy()), dim=1, out=o), 1),
    "inverse": (lambda m, o: m.inverse(m.tensor(_A), out=o), 1),
    "matrix_power": (lambda m, o: m.matrix_power(m.tensor(_A), 2, out=o), 1),
    "matrix_power_4": (lambda m, o: m.matrix_power(m.tensor(_A), 4, out=o), 1),
    "lu_unpack": (lambda m, o: m.lu_unpack(*_lu(m), out=o), 3),
    "geqrf": (lambda m, o: m.geqrf(m.tensor(_A), out=o), 2),
    "orgqr": (lambda m, o: m.orgqr(*_qr(m), out=o), 1),
    "ormqr": (lambda m, o: m.ormqr(*_qr(m), m.tensor(_A), out=o), 1),
}


def _call(m, name, dtype):
    fn, n = CALLS[name]
    outs = tuple(m.empty(0, dtype=getattr(m, dtype)) for _ in range(n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = fn(m, outs if n > 1 else outs[0])
        except Exception as e:  # noqa: BLE001 - compared with PyTorch's
            return None, None, e
    return res, outs, None


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "complex128"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_legacy_linalg_out_as_torch(name, dtype):
    want, touts, terr = _call(torch, name, dtype)
    got, gouts, gerr = _call(gk, name, dtype)
    assert type(gerr) is type(terr), f"gradkit {gerr!r}, torch {terr!r}"
    if terr is not None:
        return
    for g, t in zip(gouts, touts):
        assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6, atol=1e-12)
    first = got[0] if isinstance(got, tuple) else got
    assert first is gouts[0]  # the out tensor itself comes back

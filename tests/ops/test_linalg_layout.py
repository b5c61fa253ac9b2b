"""The memory layout of linalg results, against PyTorch: LAPACK writes each matrix
column-major, and PyTorch hands that layout out (``linalg.solve(A, B).stride()`` is ``(1, 3)``
for a 3x2 result), so a program's ``.view`` of a result fails, or works, as in PyTorch."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

R = np.random.default_rng(3)


def _operands(lib, batch):
    a = R.standard_normal(batch + (3, 3)) + 3 * np.eye(3)
    s = a @ np.swapaxes(a, -1, -2) + 3 * np.eye(3)
    b = R.standard_normal(batch + (3, 2))
    t = R.standard_normal(batch + (4, 3))
    c = R.standard_normal(batch + (4, 2))
    return tuple(lib.tensor(x) for x in (a, s, b, t, c))


CASES = {
    "solve": lambda L, a, s, b, t, c: L.linalg.solve(a, b),
    "solve_square_rhs": lambda L, a, s, b, t, c: L.linalg.solve(a, s),
    "solve_transposed_a": lambda L, a, s, b, t, c: L.linalg.solve(a.mT, b),
    "solve_ex": lambda L, a, s, b, t, c: L.linalg.solve_ex(a, b)[0],
    "solve_triangular": lambda L, a, s, b, t, c: L.linalg.solve_triangular(a.triu(), b,
                                                                           upper=True),
    "lu_solve": lambda L, a, s, b, t, c: L.linalg.lu_solve(*L.linalg.lu_factor(a), b),
    "lu_solve_right": lambda L, a, s, b, t, c: L.linalg.lu_solve(*L.linalg.lu_factor(a),
                                                                  b.mT.contiguous(), left=False),
    "lu_solve_adjoint": lambda L, a, s, b, t, c: L.linalg.lu_solve(*L.linalg.lu_factor(a), b,
                                                                    adjoint=True),
    "solve_right": lambda L, a, s, b, t, c: L.linalg.solve(a, b.mT.contiguous(), left=False),
    "cholesky_solve": lambda L, a, s, b, t, c: L.cholesky_solve(b, L.linalg.cholesky(s)),
    "cholesky": lambda L, a, s, b, t, c: L.linalg.cholesky(s),
    "cholesky_upper": lambda L, a, s, b, t, c: L.linalg.cholesky(s, upper=True),
    "cholesky_inverse": lambda L, a, s, b, t, c: L.cholesky_inverse(L.linalg.cholesky(s)),
    "inv": lambda L, a, s, b, t, c: L.linalg.inv(a),
    "inverse": lambda L, a, s, b, t, c: L.inverse(a),
    "inv_ex": lambda L, a, s, b, t, c: L.linalg.inv_ex(a)[0],
    "ldl_solve": lambda L, a, s, b, t, c: L.linalg.ldl_solve(*L.linalg.ldl_factor(s), b),
    "householder_product": lambda L, a, s, b, t, c: L.linalg.householder_product(
        *L.geqrf(t)),
    "ormqr": lambda L, a, s, b, t, c: L.ormqr(*L.geqrf(t), c),
}


@pytest.mark.parametrize("batch", [(), (2,)], ids=["matrix", "batch"])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_linalg_result_strides_as_torch(case, batch):
    state = R.bit_generator.state
    got = CASES[case](gk, *_operands(gk, batch))
    R.bit_generator.state = state
    want = CASES[case](torch, *_operands(torch, batch))
    assert (got.stride(), got.is_contiguous()) == (want.stride(), want.is_contiguous())
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-8, atol=1e-10)


def test_view_of_a_solution_fails_as_in_torch():
    outcomes = []
    for lib in (gk, torch):
        x = lib.linalg.solve(lib.eye(3, dtype=lib.float64) * 2, lib.ones(3, 2,
                                                                         dtype=lib.float64))
        try:
            x.view(6)
            outcomes.append("viewed")
        except RuntimeError:
            outcomes.append("RuntimeError")
        outcomes.append(x.mT.view(6).tolist())  # the transpose is contiguous
    assert outcomes[:2] == outcomes[2:]


def test_gradients_through_column_major_results():
    a = gk.tensor(R.standard_normal((3, 3)) + 3 * np.eye(3), requires_grad=True)
    b = gk.tensor(R.standard_normal((3, 2)), requires_grad=True)
    ta, tb = (torch.tensor(x.detach().numpy(), requires_grad=True) for x in (a, b))
    for lib, x, y in ((gk, a, b), (torch, ta, tb)):
        out = lib.linalg.solve(lib.linalg.inv(x), y)
        (out.mT.reshape(-1) * lib.arange(6.0, dtype=lib.float64)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-8)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-8)

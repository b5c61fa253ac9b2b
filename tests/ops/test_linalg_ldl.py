"""linalg.ldl_factor, ldl_factor_ex and ldl_solve (``gradkit/_linalg/ldl.py``) against PyTorch:
LAPACK's Bunch-Kaufman pivots exactly, ``LD`` and solutions to rounding, batches, ``info`` of
singular matrices, errors, and the backward PyTorch does not have."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk


def _symmetric(rng, shape, dtype, density=1.0, diag=1.0):
    a = rng.standard_normal(shape) * (rng.random(shape) < density)
    a = a + np.swapaxes(a, -1, -2)
    idx = np.arange(shape[-1])
    a[..., idx, idx] *= diag
    return a.astype(dtype)


# small diagonals and sparse matrices make the 2x2 pivots and the swaps of Bunch-Kaufman
CASES = [(n, dtype, density, diag) for n in (1, 2, 3, 5, 8, 17, 40)
         for dtype in ("float32", "float64") for density, diag in ((1.0, 1.0), (0.4, 0.05),
                                                                 (1.0, 0.0))]


@pytest.mark.parametrize("n,dtype,density,diag", CASES)
def test_ldl_factor_and_solve_as_torch(torch, n, dtype, density, diag):
    rng = np.random.default_rng(n * 7 + int(diag * 100) + int(density * 10))
    for _ in range(3):
        a = _symmetric(rng, (n, n), dtype, density, diag)
        if np.linalg.cond(a.astype(np.float64)) > 1e6:
            continue  # (near-singular: pivots decided by rounding noise)
        tl, tp, ti = torch.linalg.ldl_factor_ex(torch.tensor(a))
        gl, gp, gi = gk.linalg.ldl_factor_ex(gk.tensor(a))
        assert gp.dtype == gk.int32 and gi.dtype == gk.int32 and gl.dtype == gk.tensor(a).dtype
        np.testing.assert_array_equal(gp.numpy(), tp.numpy())
        assert gi.item() == ti.item() == 0
        tol = 1e-4 if dtype == "float32" else 1e-10
        np.testing.assert_allclose(gl.numpy(), tl.numpy(), rtol=tol, atol=tol)
        b = rng.standard_normal((n, 3)).astype(dtype)
        np.testing.assert_allclose(gk.linalg.ldl_solve(gl, gp, gk.tensor(b)).numpy(),
                                   torch.linalg.ldl_solve(tl, tp, torch.tensor(b)).numpy(),
                                   rtol=tol * 100, atol=tol * 100)
        named = gk.linalg.ldl_factor(gk.tensor(a), hermitian=True)
        np.testing.assert_array_equal(named.pivots.numpy(), tp.numpy())
        np.testing.assert_allclose(named.LD.numpy(), gl.numpy())


def test_ldl_batched_as_torch(torch):
    rng = np.random.default_rng(3)
    a = _symmetric(rng, (3, 2, 6, 6), "float64", 0.5, 0.1)
    tl, tp, ti = torch.linalg.ldl_factor_ex(torch.tensor(a))
    gl, gp, gi = gk.linalg.ldl_factor_ex(gk.tensor(a))
    np.testing.assert_array_equal(gp.numpy(), tp.numpy())
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())
    np.testing.assert_allclose(gl.numpy(), tl.numpy(), rtol=1e-10, atol=1e-12)
    b = rng.standard_normal((3, 2, 6, 2))
    np.testing.assert_allclose(gk.linalg.ldl_solve(gl, gp, gk.tensor(b)).numpy(),
                               torch.linalg.ldl_solve(tl, tp, torch.tensor(b)).numpy(),
                               rtol=1e-9, atol=1e-10)
    b = rng.standard_normal((4, 6, 2))  # one factorization, a batch of right-hand sides
    np.testing.assert_allclose(gk.linalg.ldl_solve(gl[0, 0], gp[0, 0], gk.tensor(b)).numpy(),
                               torch.linalg.ldl_solve(tl[0, 0], tp[0, 0],
                                                      torch.tensor(b)).numpy(), rtol=1e-9)
    for shape in ((0, 3, 3), (2, 0, 0)):
        e = gk.linalg.ldl_factor(gk.zeros(shape))
        t = torch.linalg.ldl_factor(torch.zeros(shape))
        assert tuple(e.LD.shape) == tuple(t.LD.shape)
        assert tuple(e.pivots.shape) == tuple(t.pivots.shape)


def test_ldl_singular_info_and_errors_as_torch(torch):
    t = torch.linalg.ldl_factor_ex(torch.zeros(3, 3))
    g = gk.linalg.ldl_factor_ex(gk.zeros(3, 3))
    assert g.info.item() == t.info.item() == 1
    np.testing.assert_array_equal(g.pivots.numpy(), t.pivots.numpy())
    with pytest.raises(RuntimeError, match="exactly zero"):
        gk.linalg.ldl_factor(gk.zeros(3, 3))
    with pytest.raises(RuntimeError, match="exactly zero"):
        gk.linalg.ldl_factor_ex(gk.zeros(3, 3), check_errors=True)
    cases = [
        (lambda m: m.linalg.ldl_factor(m.randn(2, 3)), "must be batches of square matrices"),
        (lambda m: m.linalg.ldl_factor(m.randn(3)), "at least 2 dimensions"),
        (lambda m: m.linalg.ldl_factor(m.ones(3, 3, dtype=m.int64)),
         "Expected a floating point or complex tensor as input. Got Long"),
    ]
    for call, text in cases:
        with pytest.raises(RuntimeError, match=text):
            call(torch)
        with pytest.raises(RuntimeError, match=text):
            call(gk)
    ld, piv = gk.linalg.ldl_factor(gk.eye(4, dtype=gk.float64) * 2)
    tld, tpiv = torch.linalg.ldl_factor(torch.eye(4, dtype=torch.float64) * 2)
    bad = [
        (lambda m, l, p: m.linalg.ldl_solve(l, p, m.randn(3, 2, dtype=m.float64)),
         "Incompatible matrix sizes"),
        (lambda m, l, p: m.linalg.ldl_solve(l, p, m.randn(4, 2)), "same dtype"),
        (lambda m, l, p: m.linalg.ldl_solve(l, p.double(), m.randn(4, 2, dtype=m.float64)),
         "Expected pivots to be integers. Got Double"),
    ]
    for call, text in bad:
        with pytest.raises(RuntimeError, match=text):
            call(torch, tld, tpiv)
        with pytest.raises(RuntimeError, match=text):
            call(gk, ld, piv)
    b = np.ones((4, 1))  # int64 pivots are taken too
    np.testing.assert_allclose(gk.linalg.ldl_solve(ld, piv.long(), gk.tensor(b)).numpy(),
                               torch.linalg.ldl_solve(tld, tpiv.long(), torch.tensor(b)).numpy())


def test_ldl_has_no_derivative_as_torch(torch):
    a = np.array([[2.0, 1.0], [1.0, -3.0]])
    for m in (torch, gk):
        x = m.tensor(a, requires_grad=True)
        ld, piv = m.linalg.ldl_factor(x)
        assert ld.requires_grad and not piv.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_factor_ex is "
                                               "not implemented"):
            ld.sum().backward()
        b = m.ones(2, 1, dtype=m.float64, requires_grad=True)
        sol = m.linalg.ldl_solve(ld.detach(), piv, b)
        with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_solve is not "
                                               "implemented"):
            sol.sum().backward()
        with m.no_grad():
            np.testing.assert_allclose(
                (x @ m.linalg.ldl_solve(ld, piv, b)).detach().numpy(), np.ones((2, 1)))


def test_ldl_out_and_flags_as_torch(torch):
    for m in (torch, gk):
        a = m.eye(3) * 2
        ld, p, i = m.empty(0), m.empty(0, dtype=m.int32), m.empty(0, dtype=m.int32)
        r = m.linalg.ldl_factor(a, out=(ld, p))
        assert type(r).__name__ == "linalg_ldl_factor_out" and r[0] is ld and r[1] is p
        assert tuple(ld.shape) == (3, 3) and p.tolist() == [1, 2, 3]
        r = m.linalg.ldl_factor_ex(a, out=(ld, p, i))
        assert type(r).__name__ == "linalg_ldl_factor_ex_out" and i.item() == 0
        x = m.empty(0)
        assert m.linalg.ldl_solve(ld, p, m.ones(3, 1), out=x) is x
        assert x.flatten().tolist() == [0.5, 0.5, 0.5]
        with pytest.raises(TypeError, match="argument 'hermitian' must be bool, not int"):
            m.linalg.ldl_factor(a, hermitian=1)
        with pytest.raises(TypeError, match="argument 'hermitian' must be bool, not str"):
            m.linalg.ldl_solve(ld, p, m.ones(3, 1), hermitian="a")

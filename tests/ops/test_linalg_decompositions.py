"""gradkit.linalg's LU, eig, Householder, tensor and ``_ex`` functions and the legacy top-level
forms (lu, lu_solve, lu_unpack, triangular_solve, geqrf, orgqr, ormqr, vander) against torch:
values, dtypes, gradients of every float output, and second order by finite differences."""

import numpy as np
import pytest

import gradkit as gk
from tests.oracle import check_grad, check_second_order

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _outs(o):
    return list(o) if isinstance(o, tuple) else [o]


def compare(fn, *arrays, grad=True, post=None, atol=1e-9):
    """``fn(lib, *tensors)`` in gradkit and torch: every output's values and dtype, then the
    gradients of a random projection of the float outputs (``post`` fixes gauges first)."""
    gx = [gk.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    tx = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    go, to = _outs(fn(gk, *gx)), _outs(fn(torch, *tx))
    if post:
        go, to = post(gk, go), post(torch, to)
    assert len(go) == len(to)
    loss = tloss = 0
    for g, t in zip(go, to):
        assert tuple(g.shape) == tuple(t.shape), (g.shape, t.shape)
        assert str(g.dtype) == str(t.dtype).replace("torch.", "gradkit."), (g.dtype, t.dtype)
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), atol=atol,
                                   rtol=1e-7)
        if grad and t.requires_grad:
            assert g.requires_grad
            w = RNG.standard_normal(tuple(t.shape))
            loss = loss + (g * gk.tensor(w)).sum()
            tloss = tloss + (t * torch.tensor(w)).sum()
    if grad and not isinstance(loss, int):
        loss.backward()
        tloss.backward()
        for a, b in zip(gx, tx):
            if b.grad is not None:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol * 10,
                                           rtol=1e-6)


def sq(*shape):
    a = RNG.standard_normal(shape)
    return a + 2 * np.eye(shape[-1]) if shape[-1] == shape[-2] else a


# ----------------------------------------------------------------------------------- LU
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3), (2, 3, 3), (2, 4, 2), (0, 3, 3)])
def test_lu_factor_lu_and_unpack(shape):
    a = RNG.standard_normal(shape)
    compare(lambda lib, x: tuple(lib.linalg.lu_factor(x)), a)
    compare(lambda lib, x: tuple(lib.linalg.lu_factor_ex(x)), a)
    compare(lambda lib, x: tuple(lib.linalg.lu(x)), a)
    compare(lambda lib, x: tuple(lib.lu_unpack(*lib.linalg.lu_factor(x))), a)
    compare(lambda lib, x: tuple(lib.lu(x, get_infos=True)), a)
    compare(lambda lib, x: tuple(x.lu()), a)


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3)])
def test_lu_second_order(shape):
    a = gk.tensor(RNG.standard_normal(shape), requires_grad=True)
    check_grad(lambda x: gk.linalg.lu_factor(x).LU, [a])
    check_second_order(lambda x: gk.linalg.lu(x).U.sum(-1) + gk.linalg.lu(x).L.sum(0)[:1], [a])


def test_lu_singular_factor_and_errors():
    a = np.array([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]])
    compare(lambda lib, x: tuple(lib.linalg.lu_factor_ex(x)), a, grad=False)
    with pytest.raises(gk.linalg.LinAlgError, match=r"Batch element 0.*U\[2,2\] is zero"):
        gk.linalg.lu_factor(gk.tensor(a))
    with pytest.raises(RuntimeError, match="without pivoting"):
        gk.linalg.lu(gk.tensor(a), pivot=False)
    with pytest.raises(NotImplementedError, match="lu_cpu"):  # as torch: straight to the kernel
        gk.linalg.lu_factor(gk.tensor([[1, 2], [3, 4]]))
    with pytest.raises(NotImplementedError, match="lu_cpu"):
        torch.linalg.lu_factor(torch.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        gk.linalg.lu_factor(gk.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="int32"):
        gk.lu_unpack(gk.tensor(a), gk.tensor([[1, 2], [1, 2]]))


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve(left, adjoint):
    a, b = sq(2, 3, 3), RNG.standard_normal((2, 3, 4) if left else (2, 4, 3))

    def f(lib, x, y):
        LU, piv = lib.linalg.lu_factor(x)
        return lib.linalg.lu_solve(LU, piv, y, left=left, adjoint=adjoint)

    compare(f, a, b)
    compare(lambda lib, x, y: lib.lu_solve(y, *lib.linalg.lu_factor(x)), a,
            RNG.standard_normal((2, 3, 2)))
    x = gk.tensor(a, requires_grad=True)
    y = gk.tensor(b, requires_grad=True)
    check_second_order(lambda x, y: f(gk, x, y), [x, y])


def test_lu_solve_broadcasts_batches():
    a, b = sq(3, 3), RNG.standard_normal((2, 3, 2))
    compare(lambda lib, x, y: lib.linalg.lu_solve(*lib.linalg.lu_factor(x), y), a, b)


def test_triangular_solve():
    a = np.triu(sq(2, 3, 3))
    b = RNG.standard_normal((2, 3, 2))
    for kw in ({}, {"transpose": True}, {"unitriangular": True},
               {"upper": False}, {"upper": False, "transpose": True}):
        compare(lambda lib, x, y, kw=kw: tuple(lib.triangular_solve(y, x, **kw)), a, b)
        compare(lambda lib, x, y, kw=kw: tuple(y.triangular_solve(x, **kw)), a, b)


# ----------------------------------------------------------------------------------- eig
def _eig_gauge(lib, outs):
    w, v = outs[0].real, outs[1].real  # (complex in both, as in PyTorch)
    sign = lib.sign(v.sum(-2, keepdim=True))
    return [w, v * sign]


def _real_spectrum(*shape):
    # similar to a diagonal matrix with distinct real eigenvalues
    n = shape[-1]
    S = RNG.standard_normal(shape) + 3 * np.eye(n)
    D = np.arange(1, n + 1) * 1.5 - 2.0
    return S @ (D[:, None] * np.linalg.inv(S))


def test_eig_and_eigvals():
    a = _real_spectrum(2, 4, 4)
    compare(lambda lib, x: tuple(lib.linalg.eig(x)), a, post=_eig_gauge, atol=1e-8)
    compare(lambda lib, x: lib.linalg.eigvals(x).real, a, atol=1e-8)
    x = gk.tensor(a[0], requires_grad=True)
    check_grad(lambda x: gk.linalg.eig(x).eigenvalues.real, [x])
    check_second_order(lambda x: gk.linalg.eigvals(x).real, [x])
    check_second_order(lambda x: (gk.linalg.eig(x).eigenvectors.real ** 2).sum(0), [x])


def test_eig_complex_spectrum_as_torch():
    """A real matrix with complex eigenvalues: complex results, as PyTorch's (it raised)."""
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    batch = np.stack([np.eye(2) * [1.0, 2.0], rot])
    for f in (lambda m, x: m.linalg.eigvals(x), lambda m, x: m.linalg.eig(x).eigenvectors):
        g, t = f(gk, gk.tensor(batch)), f(torch, torch.tensor(batch))
        assert str(g.dtype) == str(t.dtype).replace("torch.", "gradkit.")
        np.testing.assert_allclose(g.numpy(), t.numpy(), atol=1e-12)
    assert gk.linalg.eigvals(gk.tensor(rot, dtype=gk.float32)).dtype == gk.complex64


# ------------------------------------------------------------------- Householder and QR
@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (2, 6, 2)])
def test_geqrf_orgqr_householder(shape):
    a = RNG.standard_normal(shape)
    compare(lambda lib, x: tuple(lib.geqrf(x)), a, grad=False)
    compare(lambda lib, x: tuple(x.geqrf()), a, grad=False)
    h, tau = np.asarray(torch.geqrf(torch.tensor(a))[0]), np.asarray(torch.geqrf(
        torch.tensor(a))[1])
    compare(lambda lib, x, t: lib.linalg.householder_product(x, t), h, tau)
    compare(lambda lib, x, t: lib.orgqr(x, t), h, tau)
    compare(lambda lib, x, t: x.orgqr(t), h, tau)
    x, t = gk.tensor(h, requires_grad=True), gk.tensor(tau, requires_grad=True)
    check_second_order(lambda x, t: gk.linalg.householder_product(x, t), [x, t])


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_ormqr(left, transpose):
    a = RNG.standard_normal((4, 3))
    h, tau = (np.asarray(v) for v in torch.geqrf(torch.tensor(a)))
    c = RNG.standard_normal((4, 2) if left else (2, 4))
    compare(lambda lib, x, t, y: lib.ormqr(x, t, y, left, transpose), h, tau, c)
    compare(lambda lib, x, t, y: x.ormqr(t, y, left=left, transpose=transpose), h, tau, c)


def test_householder_errors():
    with pytest.raises(RuntimeError, match="greater than or equal"):
        gk.linalg.householder_product(gk.randn(2, 3), gk.randn(2))


# ---------------------------------------------------------------- tensorinv, tensorsolve
def test_tensorinv_tensorsolve():
    a = sq(6, 6).reshape(6, 2, 3)
    compare(lambda lib, x: lib.linalg.tensorinv(x, ind=1), a)
    a4 = sq(6, 6).reshape(2, 3, 6)
    compare(lambda lib, x: lib.linalg.tensorinv(x), a4)
    A = sq(6, 6).reshape(2, 3, 6)
    B = RNG.standard_normal((2, 3))
    compare(lambda lib, x, y: lib.linalg.tensorsolve(x, y), A, B)
    A2 = sq(6, 6).reshape(6, 2, 3)
    compare(lambda lib, x, y: lib.linalg.tensorsolve(x, y, dims=(0,)), A2, B)
    with pytest.raises(RuntimeError, match="prod"):
        gk.linalg.tensorinv(gk.randn(2, 3, 4), ind=1)
    with pytest.raises(RuntimeError, match="strictly positive"):
        gk.linalg.tensorinv(gk.randn(2, 2), ind=0)


@pytest.mark.parametrize("shape,ind", [((), 1), ((4, 4), 3), ((1,), 2)])
def test_tensorinv_refuses_ind_beyond_the_dimensions_as_torch(shape, ind):
    # torch raises (an invalid slice of the shape); the empty product read 1 == 1 here before
    with pytest.raises(RuntimeError):
        torch.linalg.tensorinv(torch.ones(shape, dtype=torch.float64), ind=ind)
    with pytest.raises(RuntimeError, match=r"tensorinv: 'ind' \(\d\) must be at most"):
        gk.linalg.tensorinv(gk.ones(shape, dtype=gk.float64), ind=ind)


# ------------------------------------------------------------------------------- vander
def test_vander():
    x = RNG.standard_normal((2, 4))
    compare(lambda lib, x: lib.linalg.vander(x), x)
    compare(lambda lib, x: lib.linalg.vander(x, N=6), x)
    for N in (0, 1):
        with pytest.raises(RuntimeError, match="greater than 1"):
            gk.linalg.vander(gk.tensor(x), N=N)
        compare(lambda lib, x, N=N: lib.vander(x, N=N), x[0].copy(), grad=False)
    compare(lambda lib, x: lib.linalg.vander(x), np.array([1, 2, 3]), grad=False)
    v = x[0]
    # torch.vander's own backward fails (an in-place error in 2.13): values from it, gradients
    # from torch.linalg.vander
    compare(lambda lib, x: lib.vander(x), v, grad=False)
    compare(lambda lib, x: lib.vander(x, N=3, increasing=True), v, grad=False)
    compare(lambda lib, x: lib.vander(x) if lib is gk else lib.linalg.vander(x).flip(-1), v)
    z = gk.tensor([0.0, 1.5], dtype=gk.float64, requires_grad=True)  # finite gradients at 0
    check_second_order(lambda x: gk.linalg.vander(x), [z])


def test_diagonal_matmul_vecdot_norms():
    a = RNG.standard_normal((2, 3, 4))
    compare(lambda lib, x: lib.linalg.diagonal(x), a)
    compare(lambda lib, x: lib.linalg.diagonal(x, offset=1, dim1=0, dim2=2), a)
    compare(lambda lib, x: lib.linalg.matmul(x, x.transpose(-1, -2)), a)
    compare(lambda lib, x: lib.linalg.vecdot(x, x), a)
    compare(lambda lib, x: lib.linalg.vector_norm(x, 3, dim=(0, 2)), a)
    compare(lambda lib, x: lib.linalg.matrix_norm(x, "nuc"), a)
    compare(lambda lib, x: lib.linalg.norm(x, dim=(1, 2)), a)


# ------------------------------------------------------------------------------ _ex forms
def _batch_with_singular():
    s = sq(3, 3)
    good = s @ s.T + np.eye(3)
    good[0, 2] += 0.3  # not symmetric: upper=True reads the upper triangle, as LAPACK
    bad = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    return np.stack([good, bad])


def test_cholesky_ex():
    a = _batch_with_singular()
    compare(lambda lib, x: tuple(lib.linalg.cholesky_ex(x[:1])), a)
    compare(lambda lib, x: tuple(lib.linalg.cholesky_ex(x[:1], upper=True)), a)
    L, info = gk.linalg.cholesky_ex(gk.tensor(a))
    tinfo = torch.linalg.cholesky_ex(torch.tensor(a)).info
    assert info.tolist() == tinfo.tolist() == [0, 2]
    assert info.dtype == gk.int32
    np.testing.assert_allclose(L[0].numpy(), np.linalg.cholesky(a[0]))
    with pytest.raises(gk.linalg.LinAlgError, match="Batch element 1.*order 2"):
        gk.linalg.cholesky_ex(gk.tensor(a), check_errors=True)


def test_inv_ex_solve_ex():
    a = _batch_with_singular()
    b = RNG.standard_normal((2, 3))
    compare(lambda lib, x: tuple(lib.linalg.inv_ex(x[:1])), a)
    compare(lambda lib, x, y: tuple(lib.linalg.solve_ex(x[:1], y[:1])), a, b)
    compare(lambda lib, x, y: tuple(lib.linalg.solve_ex(x[:1], y[:1, None], left=False)), a, b)
    inv, info = gk.linalg.inv_ex(gk.tensor(a))
    assert info.tolist() == torch.linalg.inv_ex(torch.tensor(a)).info.tolist()
    assert info.tolist()[0] == 0 and info.tolist()[1] > 0
    np.testing.assert_allclose(inv[0].numpy(), np.linalg.inv(a[0]), rtol=1e-10)
    x, sinfo = gk.linalg.solve_ex(gk.tensor(a), gk.tensor(b))
    assert sinfo.tolist() == info.tolist()
    np.testing.assert_allclose(x[0].numpy(), np.linalg.solve(a[0], b[0]), rtol=1e-10)
    for fn in (lambda: gk.linalg.inv_ex(gk.tensor(a), check_errors=True),
               lambda: gk.linalg.solve_ex(gk.tensor(a), gk.tensor(b), check_errors=True)):
        with pytest.raises(gk.linalg.LinAlgError, match="Batch element 1"):
            fn()
    xg = gk.tensor(a, requires_grad=True)
    gk.linalg.inv_ex(xg).inverse.sum().backward()
    assert np.isfinite(xg.grad.numpy()).all() and (xg.grad.numpy()[1] == 0).all()

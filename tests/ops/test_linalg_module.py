"""gradkit.linalg against torch.linalg: values (float32 and float64, batched and not), gradients
against central differences and torch, second order, and errors (type and message).

Inputs are well conditioned by construction (A = Q1 diag(s) Q2^T with s in [1, 3]; symmetric
positive definite Q diag(s) Q^T with well-separated s for cholesky/eigh; distinct singular values
for svd), so central differences are accurate. Losses of eigh/svd/qr use only gauge-invariant
quantities (eigen/singular values, squared entries of the vectors), as torch's docs recommend.
Functions that read a symmetric matrix (cholesky, eigh, eigvalsh, pinv(hermitian=True)) are
checked against central differences through ``sym(X) = (X + X^T) / 2``.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import assert_close, check_grad, check_second_order, to_torch

import gradkit as gk
import gradkit.linalg as LA
from gradkit import _warnings

INF = math.inf


# ---------------------------------------------------------------------------- input makers
def _orth(rng, batch, n):
    q, _ = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    return q


def _gen(rng, batch, n=3):
    """A well-conditioned general square matrix (singular values in [1, 3])."""
    s = rng.uniform(1, 3, batch + (n,))
    return _orth(rng, batch, n) @ (s[..., :, None] * np.swapaxes(_orth(rng, batch, n), -1, -2))


def _spd(rng, batch, n=3):
    """Symmetric positive definite with eigenvalues about 1, 2, 3 (well separated)."""
    s = np.arange(1, n + 1) + rng.uniform(-0.2, 0.2, batch + (n,))
    q = _orth(rng, batch, n)
    a = q @ (s[..., :, None] * np.swapaxes(q, -1, -2))
    return (a + np.swapaxes(a, -1, -2)) / 2


def _rect(rng, batch, m, n):
    """An m x n matrix with singular values about 1, 2, ... (distinct, non-zero)."""
    k = min(m, n)
    s = np.arange(1, k + 1) + rng.uniform(-0.2, 0.2, batch + (k,))
    u = _orth(rng, batch, m)[..., :, :k]
    v = _orth(rng, batch, n)[..., :, :k]
    return u @ (s[..., :, None] * np.swapaxes(v, -1, -2))


MAKERS = {
    "gen": _gen,
    "spd": _spd,
    "tall": lambda rng, b: _rect(rng, b, 4, 3),
    "wide": lambda rng, b: _rect(rng, b, 3, 4),
    "sq": lambda rng, b: _rect(rng, b, 3, 3),
    "rhs": lambda rng, b: rng.standard_normal(b + (3, 2)),
    "rhs4": lambda rng, b: rng.standard_normal(b + (4, 2)),
    "rhsT": lambda rng, b: rng.standard_normal(b + (2, 3)),
    "vec": lambda rng, b: rng.standard_normal(b + (3,)),
    "x": lambda rng, b: rng.standard_normal(b + (4, 3)),
    "v3": lambda rng, b: rng.standard_normal(b + (4, 3)),
    # both triangles well conditioned: diagonal in [1.5, 2.5], off-diagonal entries ~0.3
    "tri": lambda rng, b: (0.3 * rng.standard_normal(b + (3, 3))
                           + np.eye(3) * rng.uniform(1.5, 2.5, b + (3, 1))),
    "small": lambda rng, b: 0.5 * rng.standard_normal(b + (3, 3)),
    "big": lambda rng, b: 4.0 * rng.standard_normal(b + (3, 3)),  # exp needs squarings
}


def _sym(A):
    return (A + A.mT) / 2


def _cat(lib, *ts):
    return lib.cat([t.reshape(-1) for t in ts])


def _eigh(lib, la, A):
    w, v = la.eigh(A)
    return _cat(lib, w, v * v)


def _eigh_upper(lib, la, A):
    w, v = la.eigh(A, UPLO="U")
    return _cat(lib, w, v * v)


def _svd(lib, la, A):
    u, s, vh = la.svd(A, full_matrices=False)
    return _cat(lib, s, u * u, vh * vh)


def _svd_full(lib, la, A):
    u, s, vh = la.svd(A)  # full_matrices=True: the extra columns of U carry no gradient
    k = min(A.shape[-2], A.shape[-1])
    return _cat(lib, s, u[..., :, :k] * u[..., :, :k], vh[..., :k, :] * vh[..., :k, :])


def _svd_uv(lib, la, A):
    # U diag(S) Vh products are sign-invariant: the reconstruction and U Vh
    u, s, vh = la.svd(A, full_matrices=False)
    return _cat(lib, (u * s[..., None, :]) @ vh, u @ vh)


def _qr(mode):
    def fn(lib, la, A):
        q, r = la.qr(A, mode=mode)
        return _cat(lib, q, r)
    return fn


def _slogdet(lib, la, A):
    r = la.slogdet(A)
    return r.sign * r.logabsdet


def _lstsq(lib, la, A, B):
    return la.lstsq(A, B).solution


# name -> (fn(lib, la, *inputs), input kinds, symmetric input, batched)
CASES = {
    "inv": (lambda lib, la, A: la.inv(A), ["gen"], False, True),
    "det": (lambda lib, la, A: la.det(A), ["gen"], False, True),
    "slogdet": (_slogdet, ["gen"], False, True),
    "solve": (lambda lib, la, A, B: la.solve(A, B), ["gen", "rhs"], False, True),
    "solve_vec": (lambda lib, la, A, b: la.solve(A, b), ["gen", "vec"], False, True),
    "solve_right": (lambda lib, la, A, B: la.solve(A, B, left=False), ["gen", "rhsT"], False,
                    True),
    "cholesky": (lambda lib, la, A: la.cholesky(A), ["spd"], True, True),
    "cholesky_upper": (lambda lib, la, A: la.cholesky(A, upper=True), ["spd"], True, True),
    "vector_norm_2": (lambda lib, la, x: la.vector_norm(x), ["x"], False, True),
    "vector_norm_1_dim": (lambda lib, la, x: la.vector_norm(x, 1, dim=-1), ["x"], False, True),
    "vector_norm_3.5_keep": (lambda lib, la, x: la.vector_norm(x, 3.5, dim=(0, -1),
                                                                keepdim=True), ["x"], False, True),
    "vector_norm_0.5": (lambda lib, la, x: la.vector_norm(x, 0.5, dim=-2), ["x"], False, True),
    "vector_norm_-1.5": (lambda lib, la, x: la.vector_norm(x, -1.5, dim=-1), ["x"], False, True),
    "vector_norm_inf": (lambda lib, la, x: la.vector_norm(x, INF, dim=-1), ["x"], False, True),
    "vector_norm_-inf": (lambda lib, la, x: la.vector_norm(x, -INF), ["x"], False, True),
    "matrix_norm_fro": (lambda lib, la, A: la.matrix_norm(A), ["tall"], False, True),
    "matrix_norm_nuc": (lambda lib, la, A: la.matrix_norm(A, "nuc"), ["tall"], False, True),
    "matrix_norm_2": (lambda lib, la, A: la.matrix_norm(A, 2), ["wide"], False, True),
    "matrix_norm_-2": (lambda lib, la, A: la.matrix_norm(A, -2), ["tall"], False, True),
    "matrix_norm_1": (lambda lib, la, A: la.matrix_norm(A, 1), ["x"], False, True),
    "matrix_norm_-1": (lambda lib, la, A: la.matrix_norm(A, -1), ["x"], False, True),
    "matrix_norm_inf": (lambda lib, la, A: la.matrix_norm(A, INF), ["x"], False, True),
    "matrix_norm_-inf_dims": (lambda lib, la, A: la.matrix_norm(A, -INF, dim=(-1, 0),
                                                                 keepdim=True), ["x"], False,
                              True),
    "matrix_norm_nuc_dims": (lambda lib, la, A: la.matrix_norm(A, "nuc", dim=(-1, -2)),
                             ["tall"], False, True),
    "norm_default": (lambda lib, la, A: la.norm(A), ["x"], False, True),
    "norm_dim1": (lambda lib, la, A: la.norm(A, 3, dim=-1), ["x"], False, True),
    "norm_ord_2d": (lambda lib, la, A: la.norm(A, "nuc"), ["tall"], False, False),
    "norm_ord_1d": (lambda lib, la, x: la.norm(x, -INF), ["vec"], False, False),
    "solve_triangular_lower": (lambda lib, la, A, B: la.solve_triangular(A, B, upper=False),
                               ["tri", "rhs"], False, True),
    "solve_triangular_upper_right_unit": (
        lambda lib, la, A, B: la.solve_triangular(A, B, upper=True, left=False,
                                                  unitriangular=True), ["tri", "rhsT"], False,
        True),
    "matrix_exp": (lambda lib, la, A: la.matrix_exp(A), ["small"], False, True),
    "matrix_exp_squared": (lambda lib, la, A: la.matrix_exp(A), ["big"], False, True),
    "vecdot": (lambda lib, la, a, b: la.vecdot(a, b), ["v3", "v3"], False, True),
    "vecdot_dim0": (lambda lib, la, a, b: la.vecdot(a, b[0], dim=0), ["v3", "v3"], False, True),
    "cross": (lambda lib, la, a, b: la.cross(a, b), ["v3", "v3"], False, True),
    "cross_dim0": (lambda lib, la, a, b: la.cross(a.mT, b.mT, dim=-2), ["v3", "v3"], False,
                   True),
    "matrix_power_3": (lambda lib, la, A: la.matrix_power(A, 3), ["gen"], False, True),
    "matrix_power_-2": (lambda lib, la, A: la.matrix_power(A, -2), ["gen"], False, True),
    "multi_dot": (lambda lib, la, a, B, C, D, e: la.multi_dot([a, B, C, D, e]),
                  ["vec", "gen", "wide", "x", "vec"], False, False),
    "multi_dot_mats": (lambda lib, la, A, B, C: la.multi_dot([A, B, C]),
                       ["x", "wide", "tall"], False, False),
    "eigh": (_eigh, ["spd"], True, True),
    "eigh_upper": (_eigh_upper, ["spd"], True, True),
    "eigvalsh": (lambda lib, la, A: la.eigvalsh(A), ["spd"], True, True),
    "svd_tall": (_svd, ["tall"], False, True),
    "svd_wide": (_svd, ["wide"], False, True),
    "svd_square": (_svd, ["sq"], False, True),
    "svd_full_tall": (_svd_full, ["tall"], False, True),
    "svd_uv_wide": (_svd_uv, ["wide"], False, True),
    "svdvals_tall": (lambda lib, la, A: la.svdvals(A), ["tall"], False, True),
    "svdvals_wide": (lambda lib, la, A: la.svdvals(A), ["wide"], False, True),
    "qr_tall": (_qr("reduced"), ["tall"], False, True),
    "qr_square": (_qr("reduced"), ["gen"], False, True),
    "qr_wide": (_qr("reduced"), ["wide"], False, True),
    "qr_complete_wide": (_qr("complete"), ["wide"], False, True),
    "pinv_tall": (lambda lib, la, A: la.pinv(A), ["tall"], False, True),
    "pinv_wide": (lambda lib, la, A: la.pinv(A), ["wide"], False, True),
    "pinv_hermitian": (lambda lib, la, A: la.pinv(A, hermitian=True), ["spd"], True, True),
    "lstsq": (_lstsq, ["tall", "rhs4"], False, True),
    "cond": (lambda lib, la, A: la.cond(A), ["gen"], False, True),
    "cond_1": (lambda lib, la, A: la.cond(A, 1), ["gen"], False, True),
    "cond_fro": (lambda lib, la, A: la.cond(A, "fro"), ["gen"], False, True),
}
# torch.linalg.cond(A, p) for p other than None/2/-2 fails in backward (an in-place change of
# inv's output, torch 2.13): its gradients are compared with torch's norm(A) * norm(inv(A))
TORCH_GRAD_FNS = {
    "cond_1": lambda lib, la, A: la.matrix_norm(A, 1) * la.matrix_norm(la.inv(A), 1),
    "cond_fro": lambda lib, la, A: la.matrix_norm(A) * la.matrix_norm(la.inv(A)),
}
# where torch's result is only defined up to signs the values are compared through the same
# gauge-invariant loss; cases without a batched form run unbatched only
BATCHES = [(), (2,)]


def _inputs(kinds, batch, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [MAKERS[k](rng, batch).astype(dtype) for k in kinds]


def _case_params():
    out = []
    for name, (_, _, _, batched) in CASES.items():
        for b in BATCHES if batched else [()]:
            out.append(pytest.param(name, b, id=f"{name}-{'x'.join(map(str, b)) or 'single'}"))
    return out


def _gk_fn(name, use_sym):
    fn, _, sym, _ = CASES[name]
    if sym and use_sym:
        return lambda *xs: fn(gk, LA, _sym(xs[0]), *xs[1:])
    return lambda *xs: fn(gk, LA, *xs)


@pytest.mark.parametrize("name,batch", _case_params())
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_values_vs_torch(torch, name, batch, dtype):
    fn, kinds, _, _ = CASES[name]
    arrays = _inputs(kinds, batch, dtype=dtype)
    out = fn(gk, LA, *[gk.tensor(a) for a in arrays])
    tout = fn(torch, torch.linalg, *[torch.from_numpy(a) for a in arrays])
    assert tuple(out.shape) == tuple(tout.shape)
    assert out.dtype == (gk.float32 if dtype == np.float32 else gk.float64)
    tol = 2e-4 if dtype == np.float32 else 1e-9
    assert_close(out, tout, atol=tol, rtol=tol)


@pytest.mark.parametrize("name,batch", _case_params())
def test_grad_vs_torch_and_central_differences(torch, name, batch):
    fn, kinds, sym, _ = CASES[name]
    xs = [gk.tensor(a, requires_grad=True) for a in _inputs(kinds, batch, seed=1)]
    grads = check_grad(_gk_fn(name, True), xs)
    # torch, with the same cotangent, on the raw (unsymmetrised) inputs
    txs = [to_torch(torch, x) for x in xs]
    tout = TORCH_GRAD_FNS.get(name, fn)(torch, torch.linalg, *txs)
    out = fn(gk, LA, *xs)
    u = np.random.default_rng(2).standard_normal(tuple(tout.shape))
    tgrads = torch.autograd.grad(tout, txs, torch.from_numpy(u))
    grads = gk.autograd.grad(out, xs, gk.tensor(u))
    for g, tg in zip(grads, tgrads):
        assert_close(g, tg, atol=1e-8, rtol=1e-7)


@pytest.mark.parametrize("name", [n for n in CASES if n not in (
    "vector_norm_inf", "vector_norm_-inf", "matrix_norm_1", "matrix_norm_-1", "matrix_norm_inf",
    "matrix_norm_-inf_dims", "norm_ord_1d", "cond_1")])
def test_second_order(name):
    # batched where the function batches; max/min-based norms are piecewise linear (their second
    # derivative is 0 almost everywhere) and are covered by test_second_order_piecewise
    _, kinds, _, batched = CASES[name]
    xs = [gk.tensor(a, requires_grad=True)
          for a in _inputs(kinds, (2,) if batched else (), seed=3)]
    check_second_order(_gk_fn(name, True), xs)


@pytest.mark.parametrize("name", ["vector_norm_inf", "matrix_norm_1", "cond_1"])
def test_second_order_piecewise(name):
    _, kinds, _, _ = CASES[name]
    xs = [gk.tensor(a, requires_grad=True) for a in _inputs(kinds, (), seed=3)]
    check_second_order(_gk_fn(name, True), xs)


# ---------------------------------------------------------------------------- special values
def test_slogdet_namedtuple_and_sign(torch):
    a = _gen(np.random.default_rng(4), (5,))
    a[::2, 0] *= -1  # flip the sign of every other determinant
    r, tr = LA.slogdet(gk.tensor(a)), torch.linalg.slogdet(torch.from_numpy(a))
    assert r._fields == ("sign", "logabsdet")
    assert_close(r.sign, tr.sign, atol=0)
    assert set(r.sign.numpy().tolist()) == {-1.0, 1.0}  # both signs occur in this batch
    s = LA.slogdet(gk.zeros(2, 2))
    assert float(s.sign) == 0.0 and float(s.logabsdet) == -INF


def test_solve_batch_broadcast(torch):
    rng = np.random.default_rng(5)
    for sa, sb in [((2, 3, 3), (3, 2)), ((3, 3), (4, 3, 2)), ((2, 1, 3, 3), (5, 3, 1)),
                   ((2, 3, 3), (2, 3)), ((3, 3, 3), (3, 3))]:
        A = gk.tensor(_gen(rng, sa[:-2]), requires_grad=True)
        B = gk.tensor(rng.standard_normal(sb), requires_grad=True)
        check_grad(LA.solve, [A, B])
        tA, tB = to_torch(torch, A), to_torch(torch, B)
        out, tout = LA.solve(A, B), torch.linalg.solve(tA, tB)
        assert tuple(out.shape) == tuple(tout.shape)
        assert_close(out, tout, atol=1e-10)
        out.sum().backward()
        tout.sum().backward()
        assert_close(A.grad, tA.grad, atol=1e-9)
        assert_close(B.grad, tB.grad, atol=1e-9)
        if len(sa) != len(sb) or sa[:-2] != sb[:-2]:  # broadcast batches: the summed gradients
            check_second_order(LA.solve, [A.detach().requires_grad_(),
                                          B.detach().requires_grad_()])


def test_vector_norm_subgradients(torch):
    # zero entries and the zero vector: torch's subgradients (0), no nan
    for ord in [2, 1, 3, 1.5, 0.5, -1, INF]:
        for vals in ([0.0, 1.0, -2.0], [0.0, 0.0, 0.0], [2.0, -1.0, 2.0]):
            x = gk.tensor(vals, dtype=gk.float64, requires_grad=True)
            tx = to_torch(torch, x)
            LA.vector_norm(x, ord).backward()
            torch.linalg.vector_norm(tx, ord).backward()
            assert_close(x.grad, tx.grad, atol=1e-12)
            assert_close(LA.vector_norm(x, ord), torch.linalg.vector_norm(tx, ord))
    x = gk.tensor([0.0, 3.0, -1.0])
    assert float(LA.vector_norm(x, 0)) == 2.0
    assert LA.vector_norm(gk.tensor(2.5), 3).shape == ()


@pytest.mark.parametrize("ord", [2, 1, 3.5, 0, INF, -INF])
@pytest.mark.parametrize("keepdim", [False, True])
def test_vector_norm_empty_dim_tuple_reduces_all(torch, ord, keepdim):
    # dim=() (or []) means every dimension in torch.linalg.vector_norm; it was read as none
    x = np.random.default_rng(6).standard_normal((2, 3, 4))
    for dim in [(), []]:
        out = LA.vector_norm(gk.tensor(x), ord, dim=dim, keepdim=keepdim)
        tout = torch.linalg.vector_norm(torch.from_numpy(x), ord, dim=dim, keepdim=keepdim)
        assert tuple(out.shape) == tuple(tout.shape)
        assert_close(out, tout, atol=1e-12)


def test_vector_norm_dtype_argument(torch):
    x = np.random.default_rng(6).standard_normal((3, 4)).astype(np.float32)
    out = LA.vector_norm(gk.tensor(x), dtype=gk.float64)
    assert out.dtype == gk.float64
    assert_close(out, torch.linalg.vector_norm(torch.from_numpy(x), dtype=torch.float64),
                 atol=1e-12)


def test_norm_dispatch_shapes(torch):
    x = np.random.default_rng(7).standard_normal((2, 3, 4))
    for kw in [{}, {"keepdim": True}, {"dim": 1}, {"dim": (0, 2)}, {"ord": 1, "dim": (2, 1)},
               {"ord": "fro", "dim": (0, 1), "keepdim": True}, {"ord": 0.5, "dim": (0, 1, 2)}]:
        if "ord" in kw and kw.get("dim") == (0, 1, 2):
            with pytest.raises(RuntimeError, match="length 1 or 2"):
                LA.norm(gk.tensor(x), **kw)
            continue
        out, tout = LA.norm(gk.tensor(x), **kw), torch.linalg.norm(torch.from_numpy(x), **kw)
        assert tuple(out.shape) == tuple(tout.shape), kw
        assert_close(out, tout, atol=1e-12)


def test_matrix_power_zero_and_ints(torch):
    a = np.arange(8).reshape(2, 2, 2)
    out = LA.matrix_power(gk.tensor(a), 0)
    assert_close(out, torch.linalg.matrix_power(torch.from_numpy(a), 0))
    out3 = LA.matrix_power(gk.tensor(a), 3)
    assert out3.dtype == gk.int64
    assert_close(out3, torch.linalg.matrix_power(torch.from_numpy(a), 3))


def test_eigh_reconstructs_and_reads_one_triangle():
    A = _spd(np.random.default_rng(8), (2,))
    noisy = A.copy()
    noisy[..., 0, 2] += 5.0  # upper triangle: ignored with UPLO='L'
    w, v = LA.eigh(gk.tensor(noisy))
    rec = v @ (w[..., :, None] * v.mT)
    assert_close(rec, A, atol=1e-12)
    assert_close(LA.eigvalsh(gk.tensor(noisy)), w, atol=1e-12)
    assert not np.allclose(LA.eigvalsh(gk.tensor(noisy), "U").numpy(), w.numpy())


def test_svd_full_matrices_shapes_and_reconstruction():
    A = _rect(np.random.default_rng(9), (2,), 4, 3)
    u, s, vh = LA.svd(gk.tensor(A))
    assert tuple(u.shape) == (2, 4, 4) and tuple(s.shape) == (2, 3) and tuple(vh.shape) == (2, 3,
                                                                                              3)
    assert_close((u[..., :3] * s[..., None, :]) @ vh, A, atol=1e-12)
    assert_close(u.mT @ u, np.broadcast_to(np.eye(4), (2, 4, 4)), atol=1e-12)


def test_qr_not_differentiable_cases():
    A = gk.tensor(_rect(np.random.default_rng(10), (), 4, 3), requires_grad=True)
    q, r = LA.qr(A, mode="complete")
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        (q.sum() + r.sum()).backward()
    q, r = LA.qr(A, mode="r")
    assert tuple(q.shape) == (0,)
    with pytest.raises(RuntimeError, match="depends on Q, which is not computed when mode='r'"):
        r.sum().backward()


def test_lstsq_fields_and_drivers(torch):
    rng = np.random.default_rng(11)
    A, B = _rect(rng, (2,), 5, 3), rng.standard_normal((2, 5, 2))
    for driver in [None, "gelsy", "gelsd", "gelss", "gels"]:
        r = LA.lstsq(gk.tensor(A), gk.tensor(B), driver=driver)
        tr = torch.linalg.lstsq(torch.from_numpy(A), torch.from_numpy(B), driver=driver)
        assert r._fields == ("solution", "residuals", "rank", "singular_values")
        for f in r._fields:
            assert tuple(getattr(r, f).shape) == tuple(getattr(tr, f).shape), (driver, f)
            assert_close(getattr(r, f), getattr(tr, f), atol=1e-10)
    b = rng.standard_normal(5)
    r = LA.lstsq(gk.tensor(A[0]), gk.tensor(b))
    assert_close(r.solution, torch.linalg.lstsq(torch.from_numpy(A[0]),
                                                torch.from_numpy(b)).solution, atol=1e-10)


def test_matrix_rank(torch):
    rng = np.random.default_rng(12)
    a = rng.standard_normal((3, 5, 2)) @ rng.standard_normal((3, 2, 4))  # rank 2
    for kw in [{}, {"atol": 1e-3}, {"rtol": 0.5}, {"atol": 0.1, "rtol": 1e-9}]:
        out = LA.matrix_rank(gk.tensor(a), **kw)
        tout = torch.linalg.matrix_rank(torch.from_numpy(a), **kw)
        assert out.dtype == gk.int64
        assert out.numpy().tolist() == tout.numpy().tolist()
    assert LA.matrix_rank(gk.tensor(a)).numpy().tolist() == [2, 2, 2]
    s = _spd(rng, ())
    s[2] = s[1]
    s[:, 2] = s[:, 1]
    assert int(LA.matrix_rank(gk.tensor(s), hermitian=True)) == int(
        torch.linalg.matrix_rank(torch.from_numpy(s), hermitian=True))


def test_cond_singular_is_inf(torch):
    out = LA.cond(gk.zeros(2, 2))
    assert_close(out, torch.linalg.cond(torch.zeros(2, 2)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_matrix_exp_non_finite_is_nan_per_matrix(torch, dtype):
    # was OverflowError (ceil(log2(inf))) for a whole batch holding one such matrix
    big = np.finfo(dtype).max * 0.75  # a finite matrix whose 1-norm overflows
    a = np.stack([[[INF, 0.0], [0.0, 1.0]], [[0.5, 1.0], [-1.0, 0.2]],
                  [[np.nan, 0.0], [0.0, 0.0]], [[big, big], [big, 1.0]]]).astype(dtype)
    x = gk.tensor(a, requires_grad=True)
    with np.errstate(all="ignore"):
        out = LA.matrix_exp(x)
        tout = torch.linalg.matrix_exp(torch.from_numpy(a))
    assert out.dtype == x.dtype
    assert_close(out[:3], tout[:3], atol=1e-6, rtol=1e-6)  # (torch's [3] is overflow noise)
    assert np.isnan(out.detach().numpy()[[0, 2, 3]]).all()
    out[1].sum().backward()
    # the finite matrix's gradient is finite; a non-finite matrix's is NaN, as torch's
    tx = torch.from_numpy(a[:3]).requires_grad_()
    torch.linalg.matrix_exp(tx)[1].sum().backward()
    assert np.isfinite(x.grad.numpy()[1]).all()
    assert_close(x.grad[:3], tx.grad, atol=1e-6, rtol=1e-5)
    assert np.isnan(x.grad.numpy()[[0, 2, 3]]).all()


def test_matrix_exp_batch_scales_each_matrix(torch):
    # one matrix of large norm used to set the squarings of the whole batch: the small one lost
    # digits with each needless squaring (error 3e-12 next to a norm of 1e5; skew-symmetric,
    # so that its exponential, a rotation, does not overflow)
    a = np.random.default_rng(13).standard_normal((3, 3))
    batch = np.stack([a * 1e-3, (a - a.T) * 1e5])
    out = LA.matrix_exp(gk.tensor(batch))
    assert_close(out[0], torch.linalg.matrix_exp(torch.from_numpy(batch[0])), atol=2e-15,
                 rtol=1e-14)
    x = gk.tensor(np.stack([a * 0.1, a * 3.0]), requires_grad=True)
    check_grad(LA.matrix_exp, [x])
    check_second_order(LA.matrix_exp, [x])


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (3, 0), (2, 0, 4)])
def test_norms_and_cond_of_empty_matrices_are_zero(torch, shape):
    # max-based matrix norms and cond of an empty matrix: 0 as in PyTorch (they raised)
    x = np.zeros(shape)
    calls = [lambda la, A, o=o: la.matrix_norm(A, o) for o in (1, 2, INF, "nuc", "fro")]
    calls += [lambda la, A: la.matrix_norm(A, 1, keepdim=True), lambda la, A: la.cond(A)]
    if shape[-1] == shape[-2]:
        calls += [lambda la, A, o=o: la.cond(A, o) for o in (1, INF, "fro", "nuc", -2)]
    for fn in calls:
        out, tout = fn(LA, gk.tensor(x)), fn(torch.linalg, torch.from_numpy(x))
        assert tuple(out.shape) == tuple(tout.shape)
        assert_close(out, tout, atol=0)


@pytest.mark.parametrize("shape", [(0, 0), (3, 0), (2, 0, 4)])
@pytest.mark.parametrize("p", [None, -2])
def test_cond_of_an_empty_matrix_is_off_the_graph_as_torch(torch, shape, p):
    # PyTorch returns a fresh zero (no grad_fn): gradkit's was a sum of |A| requiring grad
    x = gk.zeros(shape, dtype=gk.float64, requires_grad=True)
    tx = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    out, tout = LA.cond(x, p), torch.linalg.cond(tx, p)
    assert out.requires_grad is tout.requires_grad is False
    assert str(out.dtype).split(".")[-1] == str(tout.dtype).split(".")[-1]


def test_linalg_error_is_runtime_error():
    assert issubclass(LA.LinAlgError, RuntimeError)


# -------------------------------------------------------------------------------------- errors
SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]])


@pytest.mark.parametrize("fn", [lambda A: LA.inv(A),
                                lambda A: LA.solve(A, gk.ones(3, dtype=gk.float64))],
                         ids=["inv", "solve"])
def test_singular_raises_linalg_error(fn):
    with pytest.raises(LA.LinAlgError, match=r"singular.*pinv.*lstsq.*identity"):
        fn(gk.tensor(SINGULAR))
    batch = np.stack([np.eye(3), np.eye(3), SINGULAR])
    with pytest.raises(LA.LinAlgError, match=r"\(Batch element 2\): the input matrix is singular"):
        fn(gk.tensor(batch))


def test_cholesky_not_positive_definite():
    with pytest.raises(LA.LinAlgError, match=r"not positive-definite \(the leading minor of "
                                             r"order 1 .*small multiple of the identity"):
        LA.cholesky(-gk.eye(3))
    bad = np.diag([1.0, 2.0, -1.0])
    with pytest.raises(LA.LinAlgError, match=r"\(Batch element 1\).*leading minor of order 3"):
        LA.cholesky(gk.tensor(np.stack([np.eye(3), bad])))


INT_FUNCS = {
    "linalg.inv": LA.inv, "linalg.det": LA.det, "linalg.slogdet": LA.slogdet,
    "linalg.cholesky": LA.cholesky, "linalg.vector_norm": LA.vector_norm,
    "linalg.matrix_norm": LA.matrix_norm, "linalg.eigh": LA.eigh, "linalg.eigvalsh": LA.eigvalsh,
    "linalg.svd": LA.svd, "linalg.svdvals": LA.svdvals, "linalg.qr": LA.qr,
    "linalg.pinv": LA.pinv, "linalg.matrix_rank": LA.matrix_rank, "linalg.cond": LA.cond,
    "linalg.solve": lambda A: LA.solve(A, A),
}


@pytest.mark.parametrize("name", list(INT_FUNCS))
def test_integer_input_raises(torch, name):
    # the exception type is torch's: RuntimeError where torch.linalg checks the dtype first,
    # NotImplementedError where it goes straight to its kernel (eigh, eigvalsh)
    tfn = getattr(torch.linalg, name.split(".")[1])
    args = (torch.ones(3, 3, dtype=torch.long),) * (2 if name == "linalg.solve" else 1)
    with pytest.raises(RuntimeError) as want:
        tfn(*args)
    with pytest.raises(RuntimeError, match=rf"{name}: ") as got:
        INT_FUNCS[name](gk.ones(3, 3, dtype=gk.int64))
    assert type(got.value) is type(want.value), (got.value, want.value)
    assert "Long" in str(got.value)


def test_float16_raises():
    with pytest.raises(RuntimeError, match="linalg.inv: Low precision dtypes not supported. "
                                           "Got Half"):
        LA.inv(gk.ones(2, 2, dtype=gk.float16))


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh"])
def test_non_square_raises(name):
    with pytest.raises(RuntimeError, match=rf"linalg.{name}: A must be batches of square "
                                           rf"matrices, but they are 2 by 3 matrices"):
        getattr(LA, name)(gk.ones(2, 3))
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        getattr(LA, name)(gk.ones(3))


def test_shape_and_argument_errors():
    with pytest.raises(RuntimeError, match=r"linalg.solve: Incompatible shapes of A and B for "
                                           r"the equation AX = B \(3x3 and 2x1\)"):
        LA.solve(gk.eye(3), gk.ones(2, 1))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes.*\(3x3 and 2\)"):
        LA.solve(gk.eye(3), gk.ones(2))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        LA.solve(gk.eye(3).expand(2, 3, 3), gk.ones(3, 3, 1))
    with pytest.raises(RuntimeError, match="same dtype.*Float and B of type Double"):
        LA.solve(gk.eye(3), gk.ones(3, dtype=gk.float64))
    with pytest.raises(RuntimeError, match="linalg.cross: inputs dimension -1 must have length "
                                           "3. Got 2 and 2"):
        LA.cross(gk.ones(3, 2), gk.ones(3, 2))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        LA.cross(gk.ones(2, 3), gk.ones(4, 3))
    with pytest.raises(RuntimeError, match="linalg.matrix_power: A must be batches of square"):
        LA.matrix_power(gk.ones(2, 3), 2)
    with pytest.raises(RuntimeError, match="multi_dot\\(\\): expected at least 2 tensors but "
                                           "got 1"):
        LA.multi_dot([gk.ones(3)])
    with pytest.raises(RuntimeError, match=r"tensors 0 and 1 with shapes \[3, 2\] and \[3, 2\] "
                                           r"cannot be multiplied"):
        LA.multi_dot([gk.ones(3, 2), gk.ones(3, 2)])
    with pytest.raises(RuntimeError, match="the first tensor must be 1D or 2D but got 3D"):
        LA.multi_dot([gk.ones(3, 2, 2), gk.ones(2, 2)])
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: Order 3 not supported"):
        LA.matrix_norm(gk.ones(3, 3), ord=3)
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: dim must be a 2-tuple. Got 0"):
        LA.norm(gk.ones(3, 3), ord="fro", dim=0)
    with pytest.raises(TypeError, match="'ord' must be a number, not str"):
        LA.vector_norm(gk.ones(3, 3), ord="fro")
    with pytest.raises(RuntimeError, match="the input must be 1D or 2D. Got 3D"):
        LA.norm(gk.ones(3, 3, 3), ord=2)
    with pytest.raises(RuntimeError, match="UPLO argument to be 'L' or 'U'"):
        LA.eigh(gk.eye(3), UPLO="X")
    with pytest.raises(RuntimeError, match="unrecognized mode 'full'"):
        LA.qr(gk.eye(3), mode="full")
    with pytest.raises(RuntimeError, match=r"input.size\(-2\) should match other.size\(-2\)"):
        LA.lstsq(gk.ones(3, 2), gk.ones(4, 2))
    with pytest.raises(RuntimeError, match=r"linalg.cond\(ord=1\): A must be batches of square"):
        LA.cond(gk.ones(3, 2), 1)


def test_det_gradient_at_singular_matrices():
    # the cofactor matrix adj(A)^T, also where A is singular (torch 2.13 returns zeros there)
    A = gk.tensor(np.stack([SINGULAR, 2 * np.eye(3), [[1.0, 2.0, 0.0], [2.0, 4.0, 0.0],
                                                       [0.0, 0.0, 0.0]]]), requires_grad=True)
    check_grad(LA.det, [A])
    (g,) = gk.autograd.grad(LA.det(A).sum(), A)
    cof = [[[-2.0, -2.0, 2.0], [1.0, 1.0, -1.0], [0.0, 0.0, 0.0]], 4 * np.eye(3), np.zeros((3, 3))]
    assert_close(g, np.array(cof), atol=1e-12)
    (g,) = gk.autograd.grad(LA.det(A[0]), A, create_graph=True)  # the fallback under create_graph
    assert_close(g[0], cof[0], atol=1e-12)
    s = LA.slogdet(A)
    with pytest.raises(LA.LinAlgError, match=r"slogdet: the gradient of logabsdet is infinite"
                                             r".*\(Batch element 0\).*singular"):
        s.logabsdet.sum().backward()


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "solve", "cholesky", "eigh",
                                  "svd_tall", "svdvals_wide", "qr_tall", "pinv_tall",
                                  "matrix_norm_nuc", "lstsq"])
def test_empty_batch(torch, name):
    fn, kinds, _, _ = CASES[name]
    xs = [gk.tensor(a, requires_grad=True) for a in _inputs(kinds, (0,))]
    out = fn(gk, LA, *xs)
    tout = fn(torch, torch.linalg, *[to_torch(torch, x, False) for x in xs])
    assert tuple(out.shape) == tuple(tout.shape)
    grads = gk.autograd.grad(out.sum(), xs)
    assert [tuple(g.shape) for g in grads] == [tuple(x.shape) for x in xs]


@pytest.mark.parametrize("name", ["inv", "det", "solve", "cholesky", "eigh", "svd_tall",
                                  "qr_wide", "pinv_wide"])
def test_non_contiguous_inputs(name):
    fn, kinds, _, _ = CASES[name]
    arrays = _inputs(kinds, (2,), seed=13)
    # the same values through a transposed, strided view
    views = [gk.tensor(np.ascontiguousarray(np.swapaxes(a, 0, -1)))[..., :].transpose(0, -1)
             for a in arrays]
    assert_close(fn(gk, LA, *views), fn(gk, LA, *[gk.tensor(a) for a in arrays]), atol=1e-12)
    xs = [v.detach().requires_grad_() for v in views]
    check_grad(_gk_fn(name, True), xs)


@pytest.mark.parametrize("name", ["inv", "det", "solve", "cholesky", "eigh", "svd_tall",
                                  "qr_tall", "pinv_wide", "vector_norm_3.5_keep", "cross"])
def test_float32_grads_vs_torch(torch, name):
    fn, kinds, _, _ = CASES[name]
    xs = [gk.tensor(a, requires_grad=True) for a in _inputs(kinds, (2,), seed=14,
                                                            dtype=np.float32)]
    txs = [to_torch(torch, x) for x in xs]
    out, tout = fn(gk, LA, *xs), fn(torch, torch.linalg, *txs)
    u = np.random.default_rng(15).standard_normal(tuple(tout.shape)).astype(np.float32)
    grads = gk.autograd.grad(out, xs, gk.tensor(u))
    tgrads = torch.autograd.grad(tout, txs, torch.from_numpy(u))
    for g, tg in zip(grads, tgrads):
        assert g.dtype == gk.float32
        assert_close(g, tg, atol=2e-4, rtol=2e-4)


# ------------------------------------------------------- PyTorch's top-level forms (torch.*)
def _top_svd(f, la, A, **kw):
    u, s, v = f(A, **kw)
    k = min(A.shape[-2], A.shape[-1])
    return _cat(gk if isinstance(A, gk.Tensor) else __import__("torch"), s,
                u[..., :, :k] * u[..., :, :k], v[..., :, :k] * v[..., :, :k])


def _lib(x):
    return gk if isinstance(x, gk.Tensor) else __import__("torch")


# name -> (gradkit.linalg function, torch top-level name, fn(f, la, *inputs), kinds, symmetric)
TOP_CASES = {
    "logdet": ("_top_logdet", "logdet", lambda f, la, A: f(A), ["spd"], False),
    "cholesky_upper": ("_top_cholesky", "cholesky", lambda f, la, A: f(A, True), ["spd"], True),
    "cross": ("_top_cross", "cross", lambda f, la, a, b: f(a, b), ["v3", "v3"], False),
    "cross_first": ("_top_cross", "cross", lambda f, la, a, b: f(a.mT, b.mT), ["v3", "v3"],
                    False),
    "pinverse": ("_top_pinverse", "pinverse", lambda f, la, A: f(A), ["wide"], False),
    "svd": ("_top_svd", "svd", _top_svd, ["tall"], False),
    "svd_full": ("_top_svd", "svd", lambda f, la, A: _top_svd(f, la, A, some=False), ["wide"],
                 False),
    "qr": ("_top_qr", "qr", lambda f, la, A: _cat(_lib(A), *f(A)), ["tall"], False),
    "qr_complete": ("_top_qr", "qr", lambda f, la, A: _cat(_lib(A), *f(A, some=False)),
                    ["wide"], False),
    "cholesky_solve": ("_top_cholesky_solve", "cholesky_solve",
                       lambda f, la, A, B: f(B, la.cholesky(A)), ["spd", "rhs"], True),
    "cholesky_solve_upper": ("_top_cholesky_solve", "cholesky_solve",
                             lambda f, la, A, B: f(B, la.cholesky(A, upper=True), upper=True),
                             ["spd", "rhs"], True),
    "cholesky_inverse": ("_top_cholesky_inverse", "cholesky_inverse",
                         lambda f, la, A: f(la.cholesky(A)), ["spd"], True),
    "cholesky_inverse_upper": ("_top_cholesky_inverse", "cholesky_inverse",
                               lambda f, la, A: f(la.cholesky(A, upper=True), True), ["spd"],
                               True),
}


@pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")
@pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")
@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
@pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")
@pytest.mark.parametrize("batch", BATCHES, ids=["single", "2"])
@pytest.mark.parametrize("name", list(TOP_CASES))
def test_top_level_forms_vs_torch(torch, name, batch):
    gname, tname, fn, kinds, sym = TOP_CASES[name]
    gf, tf = getattr(LA, gname), getattr(torch, tname)
    xs = [gk.tensor(a, requires_grad=True) for a in _inputs(kinds, batch, seed=16)]
    txs = [to_torch(torch, x) for x in xs]
    out, tout = fn(gf, LA, *xs), fn(tf, torch.linalg, *txs)
    assert tuple(out.shape) == tuple(tout.shape)
    assert_close(out, tout, atol=1e-10, rtol=1e-9)
    u = np.random.default_rng(17).standard_normal(tuple(tout.shape))
    grads = gk.autograd.grad(out, xs, gk.tensor(u))
    tgrads = torch.autograd.grad(tout, txs, torch.from_numpy(u))
    for g, tg in zip(grads, tgrads):
        assert_close(g, tg, atol=1e-8, rtol=1e-7)

    def through(*zs):
        return fn(gf, LA, _sym(zs[0]) if sym else zs[0], *zs[1:])

    check_grad(through, xs)
    if batch:
        check_second_order(through, [x.detach().requires_grad_() for x in xs])


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_gradient_is_torchs(torch, upper):
    # PyTorch's rule: the factor's gradient is dense (the factor as given times a symmetric
    # term), also where the unread triangle holds values other than zeros
    rng = np.random.default_rng(19)
    L = np.linalg.cholesky(_spd(rng, ()))
    L = L.T.copy() if upper else L
    L = L + (np.tril(rng.standard_normal((3, 3)), -1).T if upper
             else np.triu(rng.standard_normal((3, 3)), 1))  # garbage in the unread triangle
    b = rng.standard_normal((3, 2))
    x, bx = gk.tensor(L, requires_grad=True), gk.tensor(b, requires_grad=True)
    tx, tb = torch.tensor(L, requires_grad=True), torch.tensor(b, requires_grad=True)
    out = LA._top_cholesky_solve(bx, x, upper)
    tout = torch.cholesky_solve(tb, tx, upper)
    assert_close(out, tout.detach().numpy(), atol=1e-12)
    u = rng.standard_normal((3, 2))
    (out * gk.tensor(u)).sum().backward()
    (tout * torch.from_numpy(u)).sum().backward()
    assert_close(x.grad, tx.grad.numpy(), atol=1e-10)
    assert_close(bx.grad, tb.grad.numpy(), atol=1e-10)
    # the dense part off the triangle is not a derivative of the values (that triangle is not
    # read); through triu/tril the rule is one, to second order
    tri = gk.triu if upper else gk.tril
    check_second_order(lambda f, y: LA._top_cholesky_solve(y, tri(f), upper), [x, bx])


def test_top_level_special_cases(torch):
    A = gk.tensor([[0.0, 1.0], [1.0, 0.0]])  # det -1: nan, as torch.logdet
    assert np.isnan(float(LA._top_logdet(A)))
    assert float(LA._top_logdet(gk.zeros(2, 2))) == -INF
    a = _rect(np.random.default_rng(18), (2,), 4, 3)
    u, s, v = LA._top_svd(gk.tensor(a), compute_uv=False)
    tu, ts, tv = torch.svd(torch.from_numpy(a), compute_uv=False)
    assert tuple(u.shape) == tuple(tu.shape) == (2, 4, 4) and float(u.abs().sum()) == 0
    assert tuple(v.shape) == tuple(tv.shape) == (2, 3, 3)
    assert_close(s, ts, atol=1e-12)
    # (PyTorch warns once per process: the record is cleared before each expected warning)
    _warnings._WARNED.discard("deprecated cross")
    with pytest.raises(RuntimeError, match="no dimension of size 3"), pytest.warns(UserWarning):
        LA._top_cross(gk.ones(2, 4), gk.ones(2, 4))
    _warnings._WARNED.discard("deprecated cross")
    with pytest.warns(UserWarning, match="cross without specifying the dim arg is deprecated"):
        LA._top_cross(gk.ones(3), gk.ones(3))


# ------------------------------------------------------------------------------ properties
_batches = st.lists(st.integers(1, 3), max_size=2).map(tuple)


@settings(max_examples=30, deadline=None)
@given(batch_a=_batches, batch_b=_batches, n=st.integers(1, 4), k=st.integers(1, 3),
       vector=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_solve_broadcasting_property(batch_a, batch_b, n, k, vector, seed):
    # the batch of B broadcast against A's (1s stretch): values and gradient shapes
    batch_b = tuple(1 if i % 2 else d for i, d in enumerate(batch_b))
    try:
        batch = np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        return
    rng = np.random.default_rng(seed)
    A = gk.tensor(_gen(rng, batch_a, n), requires_grad=True)
    if vector:
        batch_b = batch_a  # a batch of vectors must have A's batch shape exactly
    B = gk.tensor(rng.standard_normal(batch_b + ((n,) if vector else (n, k))), requires_grad=True)
    X = LA.solve(A, B)
    # torch's rule: B is a batch of vectors when 1-D or shaped like A without its last dim
    # (which a matrix B of shape (*, n, 1) can also be: (1, 1) against A (1, 1, 1))
    vector = B.ndim == 1 or tuple(B.shape) == tuple(A.shape[:-1])
    want = np.linalg.solve(A.detach().numpy(), B.detach().numpy()[..., None] if vector
                           else B.detach().numpy())
    np.testing.assert_allclose(X.detach().numpy(), want[..., 0] if vector else want, atol=1e-10)
    assert tuple(X.shape) == (batch_a + (n,) if vector else batch + (n, k))
    ga, gb = gk.autograd.grad(X.sum(), [A, B])
    assert tuple(ga.shape) == tuple(A.shape) and tuple(gb.shape) == tuple(B.shape)


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
       ord=st.sampled_from([2, 1, 3, 0.5, -1, INF, -INF, 0]), keepdim=st.booleans(),
       data=st.data())
def test_vector_norm_property(shape, ord, keepdim, data):
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), max_size=len(shape),
                              unique_by=lambda d: d % len(shape)))
    dim = tuple(dims) if dims else None
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    out = LA.vector_norm(gk.tensor(x), ord, dim, keepdim)
    axis = None if dim is None else tuple(d % len(shape) for d in dim)
    if ord == INF:
        want = np.abs(x).max(axis=axis, keepdims=keepdim)
    elif ord == -INF:
        want = np.abs(x).min(axis=axis, keepdims=keepdim)
    elif ord == 0:
        want = (x != 0).sum(axis=axis, keepdims=keepdim).astype(float)
    else:
        want = (np.abs(x) ** ord).sum(axis=axis, keepdims=keepdim) ** (1 / ord)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12)

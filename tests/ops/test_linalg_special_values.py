"""Linear algebra at special values (a -0.0 pivot, inf/NaN entries) and chain products, as
PyTorch's LAPACK conventions give them."""

import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

INF, NAN = float("inf"), float("nan")


def _both(fn, a, **kw):
    return fn(gk, gk.tensor(a), **kw), fn(torch, torch.tensor(a), **kw)


def _eq(g, t):
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-10, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("a", [
    [[-0.0, 1.0], [2.0, 3.0], [1.0, 1.0]],
    [[-0.0, -0.55, 0.46], [1.25, 0.098, 0.63], [-1.11, INF, -0.62], [-0.33, -1.92, -0.05]],
    [[0.0, 1.0], [-0.0, 3.0], [0.0, 1.0]],
])
def test_qr_of_a_negative_zero_pivot_as_torch(a):
    # PyTorch's LAPACK reads a -0.0 pivot as +0.0 (R[0, 0] = -norm)
    (gq, gr), (tq, tr) = _both(lambda L, x: L.linalg.qr(x), np.array(a))
    _eq(gq, tq)
    _eq(gr, tr)


SINGULAR = [
    [[0.67057, -1.9556, 0.76217], [-0.63017, -INF, -0.31576], [-0.69407, 2.80229, 0.31806]],
    [[0.67057, -1.9556, 0.76217], [-0.63017, 0.54949, -0.31576], [-0.69407, 2.80229, INF]],
    [[0.976, -1.163, 1.172], [65504.0, -0.575, 0.00265], [NAN, 0.0179, 0.85]],
]


@pytest.mark.parametrize("a", SINGULAR)
@pytest.mark.parametrize("transposed", [False, True])
def test_slogdet_with_inf_and_nan_entries_as_torch(a, transposed):
    # PyTorch factors A^T for a contiguous A: the sign and NaN come from those pivots
    a = np.array(a)
    g = gk.tensor(a.T.copy()).T if transposed else gk.tensor(a)
    t = torch.tensor(a.T.copy()).T if transposed else torch.tensor(a)
    gs, ts = gk.linalg.slogdet(g), torch.linalg.slogdet(t)
    for x, y in zip(gs, ts):
        _eq(x, y)
        assert np.signbit(x.numpy()) == np.signbit(y.numpy()) or np.isnan(y.numpy())


@pytest.mark.parametrize("a", SINGULAR)
def test_lu_pivots_skip_nan_as_blas_idamax(a):
    a = np.array(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (glu, gp, gi), (tlu, tp, ti) = _both(lambda L, x: L.lu(x, get_infos=True), a)
    _eq(glu, tlu)
    np.testing.assert_array_equal(gp.numpy(), tp.numpy())
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4), (4, 2)], [(2, 2), (2, 2), (2, 2)],
                                    [(4, 2), (2, 3), (3, 5)], [(2, 3), (3, 4), (4, 2), (2, 5)]])
def test_chain_matmul_multiplies_in_torchs_order(shapes):
    # an inf beside zeros: the NaN of inf * 0 depends on the order of the products
    rng = np.random.default_rng(0)
    mats = [rng.standard_normal(s) for s in shapes]
    mats[0][0, 0] = -INF
    mats[1][0, :] = 0.0
    mats[-1][:, -1] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = gk.chain_matmul(*[gk.tensor(m) for m in mats])
        t = torch.chain_matmul(*[torch.tensor(m) for m in mats])
    _eq(g, t)
    _eq(gk.linalg.multi_dot([gk.tensor(m) for m in mats]),
        torch.linalg.multi_dot([torch.tensor(m) for m in mats]))


def test_det_of_non_finite_matrices_is_the_product_of_pytorchs_pivots():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for _ in range(200):
        a = rng.normal(size=(3, 3))
        for _ in range(int(rng.integers(1, 4))):
            a[rng.integers(3), rng.integers(3)] = rng.choice([np.inf, -np.inf, np.nan, 1e30])
        if np.isfinite(a).all():  # (finite ill-conditioned ones round differently in any LU)
            continue
        ours = gk.det(gk.tensor(a)).item()
        theirs = torch.det(torch.from_numpy(a)).item()
        assert (np.isnan(ours) and np.isnan(theirs)) or np.isclose(ours, theirs, rtol=1e-10), a


GRAD_CASES = SINGULAR + [
    [[3.39, -INF, -2.26], [-0.68, 2.27, -1.02], [0.62, -0.51, 2.11]],
    [[3.39, 0.94, -1e30], [-0.68, 2.27, -1.02], [0.62, INF, 2.11]],
]


@pytest.mark.parametrize("a", GRAD_CASES)
@pytest.mark.parametrize("transposed", [False, True])
def test_slogdet_gradient_with_inf_and_nan_entries_as_torch(a, transposed):
    # PyTorch solves with the LU its forward saved (of A^T for a contiguous A): inf/NaN spread
    # through those triangles, not through NumPy's inverse (NaN everywhere, or finite values
    # where torch has NaN)
    a = np.array(a)
    grads = []
    for lib in (gk, torch):
        x = lib.tensor(a.T.copy() if transposed else a, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.linalg.slogdet(x.T if transposed else x)[1].backward(lib.tensor(0.75))
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-300, equal_nan=True)


@pytest.mark.parametrize("ord", [INF, -INF])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_inf_norm_gradient_with_nan_and_ties_as_torch(ord, dim, keepdim):
    # PyTorch shares the gradient between the entries at the norm and the NaN ones, with
    # sign(NaN) = 0: amax's backward gave NaN everywhere
    a = np.array([[1.0, NAN, -3.0, 0.5], [2.0, -2.0, 1.0, -0.5], [0.25, 3.0, -3.0, 1.0]])
    grads = []
    for lib in (gk, torch):
        x = lib.tensor(a, requires_grad=True)
        out = lib.linalg.vector_norm(x, ord, dim=dim, keepdim=keepdim)
        w = np.arange(1.0, 1.0 + out.numel()).reshape(tuple(out.shape))
        (out * lib.tensor(w)).sum().backward()
        grads.append((out.detach().numpy(), x.grad.numpy()))
    for g, t in zip(grads[0], grads[1]):
        np.testing.assert_array_equal(g, t)


@pytest.mark.parametrize("name", ["vector_norm", "dist", "norm"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_one_norm_gradient_at_a_nan_entry_as_torch(name, create_graph):
    # PyTorch's sgn(NaN) = 0: the NaN entry's gradient is 0, the others keep their sign (the
    # vector norm's and dist's gradient was NaN there)
    a = np.array([[1.0, NAN, -3.0], [0.0, -2.0, 1.0]])
    calls = {"vector_norm": lambda m, x: m.linalg.vector_norm(x, 1),
             "dist": lambda m, x: m.dist(x, m.zeros_like(x), 1),
             "norm": lambda m, x: m.norm(x, 1)}
    grads = []
    for lib in (gk, torch):
        x = lib.tensor(a, requires_grad=True)
        g, = lib.autograd.grad(calls[name](lib, x), x, create_graph=create_graph)
        grads.append(g.detach().numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("seed", range(4))
def test_solve_with_inf_and_nan_entries_as_torch(seed):
    # PyTorch solves with getrf/getrs of A (its backward: the same LU, transposed): inf/NaN
    # spread through those triangles, not through NumPy's gesv (values and gradients differed
    # in a third of such matrices)
    rng = np.random.default_rng(seed)
    for _ in range(25):
        n = int(rng.integers(2, 5))
        a = rng.standard_normal((n, n)) + 2 * np.eye(n)
        for _ in range(int(rng.integers(1, 3))):
            a[rng.integers(n), rng.integers(n)] = rng.choice([INF, -INF, NAN])
        b = rng.standard_normal((n,) if rng.random() < 0.3 else (n, 2))
        transposed = rng.random() < 0.5
        res = []
        for lib in (gk, torch):
            x = lib.tensor(a.T.copy() if transposed else a, requires_grad=True)
            y = lib.tensor(b, requires_grad=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    out = lib.linalg.solve(x.T if transposed else x, y)
                except RuntimeError as e:  # an exact zero pivot: singular in both
                    res.append(type(e).__name__)
                    continue
                out.backward(lib.ones_like(out))
            res.append((out.detach().numpy(), x.grad.numpy(), y.grad.numpy()))
        if isinstance(res[1], str):
            assert res[0] == "LinAlgError" and res[1] == "_LinAlgError", res
            continue
        for g, t in zip(*res):
            np.testing.assert_allclose(g, t, rtol=1e-8, atol=1e-12, equal_nan=True)


SVDVALS_BASED = {
    "svdvals": lambda m, x: m.linalg.svdvals(x),
    "cond": lambda m, x: m.linalg.cond(x),
    "matrix_rank": lambda m, x: m.linalg.matrix_rank(x),
    "nuc": lambda m, x: m.linalg.matrix_norm(x, "nuc"),
    "norm_2": lambda m, x: m.linalg.matrix_norm(x, 2),
}


@pytest.mark.parametrize("name", list(SVDVALS_BASED))
@pytest.mark.parametrize("value", [INF, -INF, NAN])
@pytest.mark.parametrize("where", [(0, 0), (1, 2), (3, 1)])
def test_singular_values_of_non_finite_matrices_as_torch(name, value, where):
    # PyTorch's gesdd without vectors gives NaN singular values for an inf (gradkit raised) and
    # fails to converge on a NaN
    a = np.random.default_rng(1).standard_normal((4, 3))
    a[where] = value
    fn = SVDVALS_BASED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = fn(torch, torch.tensor(a))
        except RuntimeError:
            with pytest.raises(RuntimeError, match="failed to converge"):
                fn(gk, gk.tensor(a))
            return
        got = fn(gk, gk.tensor(a))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


CHOLESKY_NON_FINITE = [
    [[11.03, INF, -3.80, -0.79], [INF, 16.76, 0.12, -1.73], [-3.80, 0.12, 8.11, -2.39],
     [-0.79, -1.73, -2.39, 12.26]],
    [[4.73, 1.26, INF, -0.55], [1.26, INF, 0.41, -2.01], [INF, 0.41, 11.40, 2.29],
     [-0.55, -2.01, 2.29, 6.43]],
    [[9e76, -1.9e38, INF], [-1.9e38, 4.89, -INF], [INF, -INF, INF]],
    [[4.0, NAN, 1.0], [NAN, 5.0, 0.5], [1.0, 0.5, 6.0]],
]


@pytest.mark.parametrize("a", CHOLESKY_NON_FINITE)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_of_non_finite_matrices_as_torch(a, upper):
    # potf2 stops at the first pivot that is not positive (NaN included), stores it on the
    # diagonal and leaves the rest of A: gradkit raised where PyTorch returns (L, info)
    a = np.array(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (gl, gi), (tl, ti) = _both(lambda L, x: L.linalg.cholesky_ex(x, upper=upper), a)
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())
    _eq(gl, tl)


@pytest.mark.parametrize("name", list(SVDVALS_BASED))
def test_singular_value_gradients_at_an_inf_are_nan_as_torch(name):
    # gradkit's backward raised 'failed to converge' where PyTorch's gives NaN
    if name == "matrix_rank":
        return  # (an integer result: no gradient)
    a = np.random.default_rng(1).standard_normal((3, 4))
    a[1, 2] = INF
    grads = []
    for lib in (gk, torch):
        x = lib.tensor(a, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            SVDVALS_BASED[name](lib, x).sum().backward()
        grads.append(x.grad.numpy())
    assert np.isnan(grads[1]).all() and np.isnan(grads[0]).all()


def _inf_nan_code(x):
    return np.where(np.isnan(x), 2, np.where(np.isposinf(x), 1, np.where(np.isneginf(x), -1, 0)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matrix_exp_whose_squaring_overflows_has_torchs_nan_and_inf(dtype):
    # the squaring of T18(A / 2^s) overflows: PyTorch's BLAS rounds each product, so one
    # product at +inf and another at -inf make NaN, where OpenBLAS's fused multiply-add kept
    # inf (op fuzzer seed 43: a 1e30 entry gave +-inf where PyTorch gives NaN)
    rng = np.random.default_rng(0)
    mats = [np.array([[-0.567, -0.631, -0.275], [0.721, -0.501, -0.0928], [-0.582, 1e30, -0.164]])]
    for _ in range(40):
        a = rng.standard_normal((3, 3))
        a[rng.integers(3), rng.integers(3)] = rng.choice([1e20, -1e30, 3e38, 1e5])
        mats.append(a)
    a = np.stack(mats).astype(dtype)
    g, t = _both(lambda L, x: L.linalg.matrix_exp(x), a)
    np.testing.assert_array_equal(_inf_nan_code(g.numpy()), _inf_nan_code(t.numpy()))


@pytest.mark.parametrize("dim", [-1, 0, 1, -2])
def test_vecdot_of_0d_tensors_as_torch(dim):
    # a 0-d pair takes dim -1 or 0, as a scalar's dims (op fuzzer seed 42: gradkit refused -1)
    out = []
    for L in (gk, torch):
        a, b = L.tensor(0.46, dtype=L.float64), L.tensor(-0.599, dtype=L.float64)
        try:
            out.append(L.linalg.vecdot(a, b, dim=dim).item())
        except IndexError:
            out.append("IndexError")
    assert out[0] == out[1]

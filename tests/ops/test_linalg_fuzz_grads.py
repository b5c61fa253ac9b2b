"""Fuzzer findings (tests/fuzz, seeds 1-5) in linear algebra, products and norms, each checked
against torch: argument checks, non-finite values and overflow in forwards, and the inf/NaN
patterns of gradients (PyTorch's backward formulas in its order of operations)."""

import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

INF, NAN = np.inf, np.nan


def _values(lib, fn, arrays, grad, seed=0):
    """``fn(lib, *tensors)`` and, with ``grad``, the gradients of a random projection."""
    ts = [lib.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(lib, *ts)
        res = [out.detach().numpy()]
        if grad:
            u = np.random.default_rng(seed).standard_normal(tuple(out.shape))
            leaves = [t for t in ts if t.requires_grad]
            gs = lib.autograd.grad(out, leaves, lib.tensor(u), allow_unused=True)
            res += [np.zeros(tuple(t.shape)) if g is None else g.detach().numpy()
                    for t, g in zip(leaves, gs)]
    return res


def _same(fn, *arrays, grad=True, rtol=1e-7):
    g = _values(gk, fn, arrays, grad)
    t = _values(torch, fn, arrays, grad)
    for a, b in zip(g, t):
        assert a.shape == b.shape
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_array_equal(np.isinf(a) & (a > 0), np.isinf(b) & (b > 0))
        np.testing.assert_array_equal(np.isinf(a) & (a < 0), np.isinf(b) & (b < 0))
        ok = np.isfinite(b)
        np.testing.assert_allclose(a[ok], b[ok], rtol=rtol, atol=1e-10)


def _error(fn):
    with pytest.raises(Exception) as t:
        fn(torch)
    want = next(c for c in type(t.value).__mro__ if c.__module__ == "builtins")
    with pytest.raises(want):  # (torch's _LinAlgError is a RuntimeError, as gradkit's)
        fn(gk)


# ------------------------------------------------------------------------------- checks
@pytest.mark.parametrize("args", [(3, -1, NAN), (NAN, 1, 1.0), (-1.0, 5, 1.0), (3, 3, NAN)])
def test_renorm_refuses_nan_p_and_maxnorm(args):
    x = np.ones((2, 3, 2))
    _error(lambda lib: lib.renorm(lib.tensor(x), *args))
    _error(lambda lib: lib.tensor(x).renorm_(*args))


def test_renorm_checks_dim_before_dtype():
    x = np.ones((2, 3, 2), np.int32)
    _error(lambda lib: lib.tensor(x).renorm(4, 3, 0.5))  # IndexError in both


@pytest.mark.parametrize("shape,mat", [((), (3, 0)), ((1,), (3, 2)), ((), (1, 0))])
def test_addmv_inplace_refuses_another_shape(shape, mat):
    x, m, v = np.ones(shape), np.ones(mat), np.ones(mat[1:])
    _error(lambda lib: lib.tensor(x).addmv_(lib.tensor(m), lib.tensor(v)))


def test_inverse_of_a_matrix_getrf_finds_singular():
    # finite, but its LU meets an exact zero pivot: PyTorch raises
    a = np.array([[3.1281362260917507, -1e+30, -1e+30],
                  [1.9911980613996172, 2.145327342822989, 0.45972568354742316],
                  [-0.058754289317845265, -0.6291846029470578, 4.900914583700194]])
    _error(lambda lib: lib.inverse(lib.tensor(a)))
    _error(lambda lib: lib.linalg.inv(lib.tensor(a)))


# ------------------------------------------------------------------------------ forwards
def test_matrix_power_3_spreads_inf_as_torch():
    a = np.array([[0.6909, 0.2369, -1.3717], [0.3646, 0.3275, -0.2086],
                  [-0.0767, -0.0943, -INF]])
    _same(lambda lib, x: lib.linalg.matrix_power(x, 3), a)


@pytest.mark.parametrize("big", [(2, 0, 3e38), (2, 1, 3e38), (0, 1, -1e30)])
def test_matrix_exp_overflow_as_torch(big):
    a = np.array([[0.23602, -0.09269, -0.72296], [0.33529, -0.9778, 0.38108],
                  [-0.31508, 0.27475, -0.15788]])
    a[big[0], big[1]] = big[2]
    _same(lambda lib, x: lib.linalg.matrix_exp(x), a, grad=False)


@pytest.mark.parametrize("scale", [1e-17, 1e-7, 1e-4, 0.03, 0.2, 0.8, 5.0, 40.0])
def test_matrix_exp_each_degree_as_torch(scale):
    a = np.random.default_rng(1).standard_normal((3, 4, 4)) * scale / 4
    a[1] *= 7.0  # matrices of one batch take different degrees
    _same(lambda lib, x: lib.linalg.matrix_exp(x), a)


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("p", [1e10, 3.0, 7.5, 1.5, 0.5, -2.0])
@pytest.mark.parametrize("scale", [1.0, 1e200])
def test_vector_norm_and_dist_gradients_overflow_as_torch(p, scale):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((3, 4)) * scale, rng.standard_normal((3, 4))
    x[0, 1] = 0.0
    _same(lambda lib, a: lib.linalg.vector_norm(a, p, dim=1), x)
    _same(lambda lib, a, b: lib.dist(a, b, p), x, y)


@pytest.mark.parametrize("name", ["addmm", "addmv", "addbmm"])
@pytest.mark.parametrize("alpha", [0.0, INF, -INF, NAN])
def test_add_products_gradients_for_zero_and_inf_alpha(name, alpha):
    shapes = {"addmm": ((3, 2), (3, 4), (4, 2)), "addmv": ((3,), (3, 4), (4,)),
              "addbmm": ((3, 2), (5, 3, 4), (5, 4, 2))}[name]
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in shapes]
    arrays[0].flat[1] = INF
    arrays[1].flat[2] = INF
    _same(lambda lib, x, a, b: getattr(lib, name)(x, a, b, beta=0.5, alpha=alpha), *arrays)


@pytest.mark.parametrize("shape", [(2, 4, 0), (0, 4, 3), (2, 4, 0, 3)])
def test_group_norm_gradients_of_empty_groups(shape):
    rng = np.random.default_rng(5)
    x, w, b = np.zeros(shape), rng.standard_normal(4), rng.standard_normal(4)
    _same(lambda lib, a, c, d: lib.nn.functional.group_norm(a, 2, c, d), x, w, b)


# --------------------------------------- LU, Householder and fused group_norm backward formulas
_LU = np.array([[4.115657547343442, 0.01787225617148221, 0.8500424795992607],
                [-0.2655862630029558, 4.012188857761339, 1.0577272019973023],
                [0.5820474785264662, 0.4483503106610124, 3.368969208615967]])
_B = np.array([[0.9761342377484923, -1.1629463830327822],
               [1.1723005528721397, -0.045072749754480036],
               [-0.574877488949203, 0.0026549306033453205]])


@pytest.mark.parametrize("where,value,into", [((2, 0), NAN, "LU"), ((1, 2), INF, "LU"),
                                              ((0, 1), INF, "B"), ((2, 1), -INF, "B")])
@pytest.mark.parametrize("left,adjoint", [(True, False), (True, True), (False, False),
                                          (False, True)])
def test_lu_solve_gradients_spread_inf_nan_as_torch(where, value, into, left, adjoint):
    lu, b = _LU.copy(), _B.copy()
    (lu if into == "LU" else b)[where] = value
    b = b if left else b.T.copy()
    piv = np.array([2, 3, 3], np.int32)

    def fn(lib, a, x, p):
        return lib.linalg.lu_solve(a, p, x, left=left, adjoint=adjoint)
    _same(fn, lu, b, piv)
    if left and not adjoint:
        _same(lambda lib, a, x, p: lib.lu_solve(x, a, p), lu, b, piv)


@pytest.mark.parametrize("value", [INF, -INF, NAN])
@pytest.mark.parametrize("shape", [(3, 3), (3, 4), (4, 3)])
def test_lu_factor_gradients_spread_inf_nan_as_torch(value, shape):
    a = np.random.default_rng(6).standard_normal(shape)
    a[0, 0] = value
    a[1, 1] = 65504.0
    _same(lambda lib, x: lib.linalg.lu_factor(x)[0], a)
    _same(lambda lib, x: lib.linalg.lu(x)[1] + lib.linalg.lu(x)[2].sum(), a)


_V = np.array([[1.1003323255463655, 0.29725931565913055, 1.7698856996221035],
               [1.0574529248135207, 1.090186496688814, 0.07771098964255171],
               [1.6306906062180182, -0.06922384108029438, -0.16488503480350955],
               [0.3718158047853097, -1.5175900602234267, 1.5652038616487753]])


@pytest.mark.parametrize("tau", [[0.11456, -INF, -1.5585], [0.11456, INF, -1e30],
                                 [NAN, 0.156, -1.36], [0.11456, -1.542, -1.5585]])
def test_householder_product_gradients_as_torch(tau):
    t = np.array(tau)
    _same(lambda lib, a, b: lib.linalg.householder_product(a, b), _V, t)
    _same(lambda lib, a, b: lib.orgqr(a, b), _V, t)


@pytest.mark.parametrize("tau", [[-INF, 0.156, INF], [NAN, 0.156, -1.36], [0.3, 0.156, -1.36]])
@pytest.mark.parametrize("left,transpose", [(True, False), (True, True), (False, False),
                                            (False, True)])
@pytest.mark.parametrize("cols", [2, 0])
def test_ormqr_gradients_as_torch(tau, left, transpose, cols):
    other = np.random.default_rng(7).standard_normal((4, cols) if left else (cols, 4))
    if cols and not np.isfinite(tau).all():  # (finite: cancellation residues of 3e38 differ)
        other[0, 1] = 3e38
    _same(lambda lib, a, b, c: lib.ormqr(a, b, c, left, transpose), _V, np.array(tau), other)


@pytest.mark.parametrize("value", [INF, -INF, NAN])
def test_group_norm_gradients_with_a_non_finite_weight(value):
    rng = np.random.default_rng(8)
    x, w, b = rng.standard_normal((2, 4, 3)), rng.standard_normal(4), rng.standard_normal(4)
    w[3] = value
    _same(lambda lib, a, c, d: lib.nn.functional.group_norm(a, 2, c, d), x, w, b)


@pytest.mark.parametrize("where,value", [((1, 3), 3e38), ((1, 3), 1e30)])
@pytest.mark.parametrize("transpose", [False, True])
def test_svd_of_a_graded_matrix_keeps_its_small_singular_values(where, value, transpose):
    # one huge entry: torch (MKL's gesdd) returns the small singular values to full relative
    # accuracy; NumPy's gesdd loses them in the rounding of the largest (fuzzer seed 1 case 600)
    a = np.array([[-2.3790063244682966, 0.8528615655949181, 0.17488814601885339,
                   -0.7200044393456103, 1.4574996836956575],
                  [1.4613040386564957, -2.3675583726656035, -0.020858908306009328, 0.0,
                   0.4733698261409904],
                  [-1.783898101563277, -1.5023880120462456, -0.2233044647400587,
                   -0.46575746193783096, -0.5113382222440352]])
    a[where] = value
    a = a.T.copy() if transpose else a
    _same(lambda lib, x: lib.linalg.svdvals(x), a, grad=False)
    g, t = gk.linalg.svd(gk.tensor(a), full_matrices=False), torch.linalg.svd(torch.tensor(a),
                                                                             full_matrices=False)
    sign = np.sign(np.sum(t[0].numpy(), 0)) * np.sign(np.sum(g[0].numpy(), 0))
    np.testing.assert_allclose(g[0].numpy() * sign, t[0].numpy(), atol=1e-9)
    np.testing.assert_allclose(g[1].numpy(), t[1].numpy(), rtol=1e-9)


@pytest.mark.parametrize("name", ["addmm", "addr", "addmv", "addbmm"])
@pytest.mark.parametrize("beta,alpha", [(INF, 2.0), (0.5, INF), (-INF, 1), (2.0, -INF)])
def test_add_products_gradients_for_inf_beta_and_alpha(name, beta, alpha):
    shapes = {"addmm": ((2,), (3, 4), (4, 2)), "addr": ((3, 4), (3,), (4,)),
              "addmv": ((1,), (3, 4), (4,)), "addbmm": ((2,), (5, 3, 4), (5, 4, 2))}[name]
    arrays = [np.random.default_rng(9).standard_normal(s) for s in shapes]
    _same(lambda lib, x, a, b: getattr(lib, name)(x, a, b, beta=beta, alpha=alpha), *arrays)


def test_cross_checks_dim_before_broadcasting():
    a, b = np.zeros((0, 3)), np.ones((4, 3))
    _error(lambda lib: lib.tensor(a).cross(lib.tensor(b), dim=2))  # IndexError in both
    _error(lambda lib: lib.linalg.cross(lib.tensor(a), lib.tensor(b), dim=-3))


@pytest.mark.parametrize("alpha", [INF, -INF])
@pytest.mark.parametrize("layout", ["rows", "columns"])
def test_addmv_infinite_alpha_by_the_matrix_layout_as_torch(alpha, layout):
    # PyTorch's gemv scales the sums of a row-major matrix (+-inf) but the columns of a
    # column-major one (infinities of both signs: NaN); gradkit scaled the sums of both
    rng = np.random.default_rng(6)
    x, a, v = rng.standard_normal(3), rng.standard_normal((3, 4)), rng.standard_normal(4)

    def fn(lib, x, a, v):
        m = a if layout == "rows" else a.t().contiguous().t()
        return lib.addmv(x, m, v, beta=0.0, alpha=alpha)

    _same(fn, x, a, v, grad=False)


@pytest.mark.parametrize("shape, dim", [((0, 4), None), ((0, 4), 0), ((0, 4), 1), ((3, 0), -1)])
def test_vector_norm_of_nothing_with_a_nan_ord_as_torch(shape, dim):
    # PyTorch's norm of no elements is 0 for a NaN ord too (gradkit gave NaN)
    _same(lambda lib, x: lib.linalg.vector_norm(x, NAN, dim), np.zeros(shape))
    _same(lambda lib, x: lib.linalg.vector_norm(x, NAN), np.ones((2, 3)))


@pytest.mark.parametrize("fn", ["svdvals", "pinv", "pinv_complex", "pinverse", "matrix_rank",
                                "cond"])
def test_svd_of_a_batch_with_an_inf_matrix_as_torch(fn):
    # PyTorch's gesdd gives NaN for a matrix holding an inf (no NaN) and the others' values;
    # gradkit's pinv raised LinAlgError and its svdvals made the whole batch NaN (fuzz seeds
    # 32-34: pinverse)
    a = np.random.default_rng(8).standard_normal((3, 3, 4))
    a[0, 0, 1], a[2, 1, 2] = INF, -INF
    call = {"svdvals": lambda lib, x: lib.linalg.svdvals(x),
            "pinv": lambda lib, x: lib.linalg.pinv(x),
            "pinv_complex": lambda lib, x: lib.view_as_real(lib.linalg.pinv(x.to(lib.complex128))),
            "pinverse": lambda lib, x: lib.pinverse(x),
            "matrix_rank": lambda lib, x: lib.linalg.matrix_rank(x).double(),
            "cond": lambda lib, x: lib.linalg.cond(x)}[fn]
    _same(call, a, grad=False)

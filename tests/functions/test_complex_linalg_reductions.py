"""Reductions and linear algebra on complex tensors against torch: values, dtypes (real results
where PyTorch's are real), gradients for a random complex cotangent, and double backward where
the rules are differentiable again."""

import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(11)


def _c(*shape):
    return _rng.standard_normal(shape) + 1j * _rng.standard_normal(shape)


A, B, V, W = _c(3, 3), _c(3, 3), _c(4), _c(4)
A3 = _c(2, 3, 3)
H = A @ A.conj().T + 3 * np.eye(3)


def _np(t):
    return t.detach().resolve_conj().resolve_neg().numpy()


CASES = {
    "prod": (lambda m, a: m.prod(a), [A]),
    "prod_dim": (lambda m, a: a.prod(1, keepdim=True), [A]),
    "prod_with_zero": (lambda m, a: (a * m.tensor([[1, 0, 1.0]] * 3)).prod(1), [A]),
    "cumprod": (lambda m, a: m.cumprod(a, 0), [A]),
    "var": (lambda m, a: m.var(a), [A]),
    "var_dim_correction": (lambda m, a: a.var(1, correction=0), [A]),
    "std_dim": (lambda m, a: a.std(0), [A]),
    "mean_dim": (lambda m, a: a.mean((0, 1)), [A3]),
    "norm": (lambda m, a: a.norm(), [A]),
    "norm_dim_p3": (lambda m, a: a.norm(p=3, dim=1), [A]),
    "norm_inf": (lambda m, a: a.norm(p=float("inf")), [A]),
    "vector_norm": (lambda m, a: m.linalg.vector_norm(a, 3), [A]),
    "vector_norm_dim": (lambda m, a: m.linalg.vector_norm(a, dim=-1, keepdim=True), [A3]),
    "linalg_norm": (lambda m, a: m.linalg.norm(a), [A]),
    "matrix_norm_fro": (lambda m, a: m.linalg.matrix_norm(a), [A3]),
    "matrix_norm_1": (lambda m, a: m.linalg.matrix_norm(a, 1), [A]),
    "matrix_norm_nuc": (lambda m, a: m.linalg.matrix_norm(a, "nuc"), [A]),
    "matrix_norm_2": (lambda m, a: m.linalg.matrix_norm(a, 2), [A3]),
    "svdvals": (lambda m, a: m.linalg.svdvals(a), [A3]),
    "svdvals_wide": (lambda m, a: m.linalg.svdvals(a[:2]), [A]),
    "cond": (lambda m, a: m.linalg.cond(a), [A]),
    "inv": (lambda m, a: m.linalg.inv(a), [A3]),
    "det": (lambda m, a: m.linalg.det(a), [A3]),
    "solve": (lambda m, a, b: m.linalg.solve(a, b), [A, B]),
    "solve_vector_right": (lambda m, a, b: m.linalg.solve(a, b, left=False), [A, B]),
    "matrix_exp": (lambda m, a: m.linalg.matrix_exp(a), [A3]),
    "matrix_exp_large": (lambda m, a: m.linalg.matrix_exp(a * 4), [A]),
    "vecdot": (lambda m, a, b: m.linalg.vecdot(a, b), [A, B]),
    "dot": (lambda m, a, b: m.dot(a, b), [V, W]),
    "vdot": (lambda m, a, b: m.vdot(a, b), [V, W]),
    "inner": (lambda m, a, b: m.inner(a, b), [V, W]),
    "outer": (lambda m, a, b: m.outer(a, b), [V, W]),
    "trace": (lambda m, a: m.trace(a), [A]),
    "diag_of_vector": (lambda m, a: m.diag(a, 1), [V]),
    "diag": (lambda m, a: m.diag(a), [A]),
    "tril_triu": (lambda m, a: m.tril(a) + m.triu(a, 1) * 2, [A]),
    "flip_roll": (lambda m, a: m.roll(m.flip(a, [0]), 1, 1), [A]),
    "masked_fill": (lambda m, a: a.masked_fill(m.tensor(A.real > 0), 1 + 2j), [A]),
    "index_put": (lambda m, a, b: a.index_put((m.tensor([0, 2]),), b[:2]), [A, B]),
    "index_put_acc": (lambda m, a, b: a.index_put((m.tensor([0, 0]),), b[:2], accumulate=True),
                      [A, B]),
    "scatter": (lambda m, a, b: a.scatter(0, m.tensor([[0, 1, 2], [2, 0, 1]]), b[:2]), [A, B]),
    "scatter_add": (lambda m, a, b: a.scatter_add(0, m.tensor([[0, 1, 2], [0, 0, 1]]), b[:2]),
                    [A, B]),
    "where": (lambda m, a, b: m.where(m.tensor(A.real > 0), a, b), [A, B]),
    "sum_dtype": (lambda m, a: m.sum(a, dtype=m.complex64), [A]),
    "reciprocal_rsqrt": (lambda m, a: m.reciprocal(a) + m.rsqrt(a), [A]),
    "sqrt_log": (lambda m, a: m.sqrt(a) * m.log(a), [A]),
    "pow": (lambda m, a, b: m.pow(a, b), [A, B]),
    "logsumexp": (lambda m, a: m.logsumexp(a, 1), [A]),
    "logsumexp_dims_keepdim": (lambda m, a: a.logsumexp((0, 2), keepdim=True), [A3]),
    "logsumexp_large": (lambda m, a: m.logsumexp(a * 400, 0), [A]),  # shifted: no overflow
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_complex_values_and_gradients_as_torch(name):
    f, args = CASES[name]
    res = {}
    for m in (gk, torch):
        xs = [m.tensor(a, requires_grad=True) for a in args]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res[m] = (f(m, *xs), xs)
    (yg, xg), (yt, xt) = res[gk], res[torch]
    assert str(yg.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1]
    assert tuple(yg.shape) == tuple(yt.shape)
    np.testing.assert_allclose(_np(yg), _np(yt), rtol=1e-9, atol=1e-11)
    shape = tuple(yt.shape)
    v = _rng.standard_normal(shape) + (1j * _rng.standard_normal(shape) if yt.is_complex()
                                       else 0)
    gt = torch.autograd.grad(yt, xt, torch.tensor(v))
    gg = gk.autograd.grad(yg, xg, gk.tensor(v))
    for a, b in zip(gg, gt):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-8, atol=1e-10)


# rules written against xp (or as composites): they differentiate again
SECOND = ["prod", "prod_with_zero", "cumprod", "var", "std_dim", "norm", "vector_norm",
          "matrix_norm_fro", "matrix_norm_nuc", "svdvals", "cond", "inv", "det", "solve",
          "matrix_exp", "vecdot", "outer", "pow", "sqrt_log", "logsumexp"]


@pytest.mark.parametrize("name", SECOND)
def test_complex_double_backward_as_torch(name):
    f, args = CASES[name]
    out = f(torch, *[torch.tensor(a) for a in args])
    shape = tuple(out.shape)
    v = _rng.standard_normal(shape) + (1j * _rng.standard_normal(shape) if out.is_complex()
                                       else 0)
    ws = [_c(*a.shape) for a in args]
    res = {}
    for m in (gk, torch):
        xs = [m.tensor(a, requires_grad=True) for a in args]
        gs = m.autograd.grad(f(m, *xs), xs, m.tensor(v), create_graph=True)
        total = sum(((g * m.tensor(w).conj()).real.sum() for g, w in zip(gs, ws)))
        res[m] = m.autograd.grad(total, xs)
    for a, b in zip(res[gk], res[torch]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-8, atol=1e-10)


def test_vecdot_conjugates_its_first_argument():
    """linalg.vecdot(x, y) is sum(conj(x) * y), as PyTorch's (it was sum(x * y))."""
    x, y = gk.tensor([1j, 2.0]), gk.tensor([1j, 1 + 1j])
    assert complex(gk.linalg.vecdot(x, y).item()) == 1 + 2 + 2j
    assert complex(gk.linalg.vecdot(x, y).item()) == \
        complex(torch.linalg.vecdot(torch.tensor([1j, 2.0]), torch.tensor([1j, 1 + 1j])).item())


def test_index_reduce_refuses_complex_as_torch():
    x, s = gk.tensor([1 + 2j, 3j]), gk.tensor([1j, 2.0 + 0j])
    for inc in (True, False):
        with pytest.raises(NotImplementedError, match="complex"):
            x.index_reduce(0, gk.tensor([0, 0]), s, "mean", include_self=inc)
        with pytest.raises(NotImplementedError):
            torch.tensor([1 + 2j, 3j]).index_reduce(0, torch.tensor([0, 0]),
                                                      torch.tensor([1j, 2.0 + 0j]), "mean",
                                                      include_self=inc)


def test_complex64_linalg_keeps_single_precision():
    a = gk.tensor(A.astype(np.complex64))
    assert gk.linalg.inv(a).dtype == gk.complex64
    assert gk.linalg.det(a).dtype == gk.complex64
    assert gk.linalg.vector_norm(a).dtype == gk.float32
    assert gk.linalg.svdvals(a).dtype == gk.float32
    assert a.var().dtype == gk.float32
    np.testing.assert_allclose(gk.linalg.matrix_exp(a).numpy(),
                               torch.linalg.matrix_exp(torch.tensor(A.astype(np.complex64)))
                               .numpy(), rtol=1e-5, atol=1e-5)


SCATTER_REDUCE = {
    "sum": (lambda m, a, b: a.scatter_reduce(
        0, m.tensor([[0, 1, 2], [0, 0, 1]]), b[:2], "sum"), [A, B]),
    "mean": (lambda m, a, b: a.scatter_reduce(
        0, m.tensor([[0, 1, 2], [0, 0, 1]]), b[:2], "mean", include_self=False), [A, B]),
    "prod": (lambda m, a, b: a.scatter_reduce(
        0, m.tensor([[0, 1, 2], [0, 0, 1]]), b[:2], "prod"), [A, B]),
}


@pytest.mark.parametrize("name", sorted(SCATTER_REDUCE))
def test_complex_scatter_reduce_values_as_torch_and_no_autograd(name):
    """PyTorch computes scatter_reduce on complex values but refuses to differentiate it."""
    f, args = SCATTER_REDUCE[name]
    np.testing.assert_allclose(_np(f(gk, *[gk.tensor(a) for a in args])),
                               _np(f(torch, *[torch.tensor(a) for a in args])), rtol=1e-12)
    for m in (gk, torch):
        with pytest.raises(RuntimeError, match="automatic differentiation"):
            f(m, *[m.tensor(a, requires_grad=True) for a in args])


def test_complex_nan_to_num_values_as_torch_and_no_autograd():
    z = np.array([1 + 2j, complex(np.nan, np.inf), complex(-np.inf, np.nan)])
    np.testing.assert_array_equal(gk.nan_to_num(gk.tensor(z), 1.0, 2.0, -3.0).numpy(),
                                  torch.nan_to_num(torch.tensor(z), 1.0, 2.0, -3.0).numpy())
    for m in (gk, torch):
        with pytest.raises(RuntimeError, match="automatic differentiation"):
            m.nan_to_num(m.tensor(z, requires_grad=True))
        with m.no_grad():
            m.nan_to_num(m.tensor(z, requires_grad=True))

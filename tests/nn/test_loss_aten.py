"""The top-level losses (``torch.kl_div``, ``torch.binary_cross_entropy_with_logits``, ...) and
their functional wrappers against PyTorch: dtype promotion, broadcasting, NaN/inf, integer
``reduction`` codes, and the exception type of each invalid input."""

import numpy as np
import pytest
from oracle import _outcome, both

import gradkit as gk

_RNG = np.random.default_rng(0)
X34 = _RNG.standard_normal((3, 4))
P34 = _RNG.uniform(0.1, 0.9, (3, 4))
S5 = np.array([1.0, -1.0, -1.0, 1.0, -1.0])
DTYPES = ["float16", "float32", "float64", "int32", "int64", "uint8", "bool"]


def _cast(a, dt):
    if dt == "bool":
        return a > 0.3
    if dt in ("int32", "int64", "uint8"):
        return np.abs(np.round(a * 3)).astype(dt)
    return a.astype(dt)


def same_as_torch(torch, fn, *dtypes):
    """``fn(torch)`` and ``fn(gradkit)`` agree: the same exception type, or the same dtypes,
    shapes, requires_grad, NaN positions and values (to the precision of the lowest-precision
    dtype in ``dtypes``: half-precision steps round differently by an ulp)."""
    want, got = _outcome(torch, fn), _outcome(gk, fn)
    if want[0] == "raises" or got[0] == "raises":
        assert got == want
        return
    rtol = 2e-3 if "float16" in dtypes else 1e-5 if "float32" in dtypes else 1e-9
    assert len(got) == len(want)
    for (gd, gs, gv, gr), (td, ts, tv, tr) in zip(got, want):
        assert (gd, gs, gr) == (td, ts, tr)
        np.testing.assert_allclose(gv, tv, rtol=rtol, atol=rtol * 0.1, equal_nan=True)


def _T(lib, a, dt=None):
    return lib.tensor(np.ascontiguousarray(a if dt is None else _cast(a, dt)))


# ------------------------------------------------------------------ arguments
_TOPLEVEL = {
    "binary_cross_entropy_with_logits": (X34, P34),
    "kl_div": (X34, P34),
    "margin_ranking_loss": (S5, S5[::-1].copy(), S5),
    "hinge_embedding_loss": (S5, S5),
    "cosine_embedding_loss": (X34.T.copy(), X34.T.copy(), S5[:4].copy()),
    "triplet_margin_loss": (X34, P34, X34[::-1].copy()),
    "poisson_nll_loss": (X34, P34, True, False, 1e-8),
}


@pytest.mark.parametrize("name", sorted(_TOPLEVEL))
@pytest.mark.parametrize("pos", [0, 1])
def test_toplevel_losses_take_tensors_only(torch, name, pos):
    args = _TOPLEVEL[name]

    def call(lib):
        built = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        built[pos] = args[pos].tolist()
        return getattr(lib, name)(*built)

    same_as_torch(torch, call)


@pytest.mark.parametrize("name", sorted(_TOPLEVEL))
@pytest.mark.parametrize("reduction", [0, 1, 2, 3, -1, 7])
def test_toplevel_integer_reduction(torch, name, reduction):
    """1 mean, 2 sum, any other integer none (ATen's ``apply_loss_reduction``)."""
    args = _TOPLEVEL[name]

    def call(lib):
        return getattr(lib, name)(*[lib.tensor(a) if isinstance(a, np.ndarray) else a
                                    for a in args], reduction=reduction)

    same_as_torch(torch, call)


@pytest.mark.parametrize("reduction", [True, 1.0, "avg"])
def test_toplevel_reduction_of_another_type_is_a_type_error(torch, reduction):
    same_as_torch(torch, lambda lib: lib.kl_div(_T(lib, X34), _T(lib, P34), reduction))


# ------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("dx", DTYPES)
@pytest.mark.parametrize("dy", DTYPES)
def test_bce_with_logits_dtypes(torch, dx, dy):
    """The result takes the target's dtype (``(1 - target).mul_(input)``); an integer input
    is NotImplementedError, an integer or bool target RuntimeError."""
    same_as_torch(torch, lambda lib: lib.binary_cross_entropy_with_logits(
        _T(lib, X34, dx), _T(lib, P34, dy), None, None, 1), dx, dy)


@pytest.mark.parametrize("dx", DTYPES)
@pytest.mark.parametrize("dy", DTYPES)
def test_kl_div_dtypes(torch, dx, dy):
    same_as_torch(torch, lambda lib: lib.kl_div(_T(lib, X34, dx), _T(lib, P34, dy), 2), dx, dy)


@pytest.mark.parametrize("dx", DTYPES)
@pytest.mark.parametrize("dy", DTYPES)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, True), (True, True)])
def test_poisson_nll_loss_dtypes(torch, dx, dy, log_input, full):
    same_as_torch(torch, lambda lib: lib.poisson_nll_loss(
        _T(lib, X34 if log_input else P34, dx), _T(lib, P34 * 4, dy), log_input, full, 1e-8,
        0), dx, dy, "float32")


@pytest.mark.parametrize("d1", DTYPES)
@pytest.mark.parametrize("dy", DTYPES)
def test_margin_ranking_loss_dtypes(torch, d1, dy):
    """``-target`` of a uint8 target wraps (253 for 3), as in PyTorch."""
    same_as_torch(torch, lambda lib: lib.margin_ranking_loss(
        _T(lib, S5 * 2, d1), _T(lib, S5[::-1] * 1.5, "float32"), _T(lib, S5 * 3, dy), 0.1, 0),
        d1, dy, "float32")


@pytest.mark.parametrize("dx", DTYPES)
@pytest.mark.parametrize("margin", [1.0, 1.5, -1.5, float("inf"), 1e30])
def test_hinge_embedding_loss_keeps_the_input_dtype(torch, dx, margin):
    """``margin - input`` is ATen's ``Scalar - Tensor``: the input's dtype, ``margin`` converted
    with an overflow check."""
    same_as_torch(torch, lambda lib: lib.hinge_embedding_loss(
        _T(lib, S5 * 2.5, dx), lib.tensor(S5), margin, 0), dx)


@pytest.mark.parametrize("d1", DTYPES)
@pytest.mark.parametrize("d2", ["float16", "float64", "int64"])
@pytest.mark.parametrize("dy", ["float64", "uint8", "bool"])
def test_cosine_embedding_loss_dtypes(torch, d1, d2, dy):
    same_as_torch(torch, lambda lib: lib.cosine_embedding_loss(
        _T(lib, X34.T, d1), _T(lib, P34.T, d2), _T(lib, S5[:4], dy), 0.1, 0), d1, d2, dy, "float32")


@pytest.mark.parametrize("da,dp,dn", [("float16", "float64", "float16"),
                                      ("int32", "int32", "int32"),
                                      ("float32", "float64", "int64")])
def test_triplet_margin_loss_dtypes(torch, da, dp, dn):
    same_as_torch(torch, lambda lib: lib.triplet_margin_loss(
        _T(lib, X34, da), _T(lib, P34, dp), _T(lib, X34[::-1], dn), 1.0, 2, 1e-6, False, 0),
        da, dp, dn, "float32")


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("xs,ys,ws,pws", [
    ((3, 4), (3, 4), (0,), None),      # an empty weight: PyTorch's RuntimeError, not NumPy's
    ((3, 4), (3, 4), None, (0,)),
    ((4,), (3, 4), (4,), (4,)),        # the input broadcasts into the target
    ((3, 4), (4,), None, None),        # not the other way
    ((), (3, 4), None, None),
    ((3, 4), (), None, None),
    ((3, 4), (3, 4), (3, 4, 1), None),
    ((3, 4), (3, 4), None, (3, 1, 1)),
    ((3, 4), (3, 4), (3, 1), (3, 1)),
    ((0, 4), (3, 4), None, None),
])
def test_bce_with_logits_shapes(torch, xs, ys, ws, pws):
    def call(lib):
        rng = np.random.default_rng(1)

        def mk(s):
            return None if s is None else lib.tensor(rng.uniform(0.5, 1.5, s))
        return lib.binary_cross_entropy_with_logits(mk(xs), mk(ys), mk(ws), mk(pws), 0)

    same_as_torch(torch, call)


def test_bce_with_logits_functional_checks_the_shape_first(torch):
    """``F.binary_cross_entropy_with_logits`` requires equal shapes (ValueError) before ATen's
    broadcasting, and its result takes the target's dtype."""
    for xs, ys in [((4,), (3, 4)), ((3, 4), (3, 4))]:
        same_as_torch(torch, lambda lib, xs=xs, ys=ys:
                      lib.nn.functional.binary_cross_entropy_with_logits(
                          lib.tensor(np.ones(xs, dtype=np.float32)),
                          lib.tensor(np.full(ys, 0.3))), "float32")


@pytest.mark.parametrize("x1,x2,t", [
    ((4, 3), (4, 3), ()), ((), (4, 3), (4,)), ((4, 3), (), (4,)), ((0, 3), (), (4,)),
    ((4, 3), (4, 3), (4, 1)), ((4, 3), (1, 3), (4,)), ((4, 3), (4, 2), (4,)),
    ((3,), (3,), ()), ((4, 3), (4, 3), (2,)), ((4, 3), (4, 3), (1,)),
])
def test_cosine_embedding_loss_shapes(torch, x1, x2, t):
    same_as_torch(torch, lambda lib: lib.cosine_embedding_loss(
        lib.tensor(np.ones(x1) * 0.5), lib.tensor(np.arange(np.prod(x2)).reshape(x2) * 0.1),
        lib.tensor(np.ones(t)), 0.1, 0))


@pytest.mark.parametrize("a,p,n", [((4, 3), (), (4, 3)), ((), (4, 3), ()), ((), (), ()),
                                   ((4, 3), (1, 3), (4, 3)), ((4, 3), (4, 0), (4, 3)),
                                   ((4, 3), (4, 3), (3,))])
def test_triplet_margin_loss_shapes(torch, a, p, n):
    same_as_torch(torch, lambda lib: lib.triplet_margin_loss(
        lib.tensor(np.full(a, 0.5)), lib.tensor(np.full(p, -0.25)), lib.tensor(np.full(n, 2.0)),
        1.0, 2, 1e-6, True, 1))


def test_triplet_margin_loss_margin_checked_by_the_functional_only(torch):
    for margin in (-1.0, 0.0):
        same_as_torch(torch, lambda lib, m=margin: lib.triplet_margin_loss(
            _T(lib, X34), _T(lib, P34), _T(lib, X34[::-1]), m))
        same_as_torch(torch, lambda lib, m=margin: lib.nn.functional.triplet_margin_loss(
            _T(lib, X34), _T(lib, P34), _T(lib, X34[::-1]), m))


def test_margin_ranking_loss_broadcasts_at_the_top_level_only(torch):
    same_as_torch(torch, lambda lib: lib.margin_ranking_loss(
        _T(lib, X34), _T(lib, X34[0]), _T(lib, S5[:4]), 0.5))
    same_as_torch(torch, lambda lib: lib.nn.functional.margin_ranking_loss(
        _T(lib, X34), _T(lib, X34[0]), _T(lib, S5[:4]), 0.5))


# ------------------------------------------------------------------ NaN and inf
def test_hinge_embedding_loss_infinite_input_where_unused(torch):
    """An infinite input where the target excludes it gives 0, not ``inf * 0 = NaN``."""
    x = np.array([-0.4, 1e-8, np.inf, 0.9, -np.inf])
    t = np.array([-1.0, -1.0, -1.0, 1e30, 1.0])
    same_as_torch(torch, lambda lib: lib.hinge_embedding_loss(lib.tensor(x), lib.tensor(t),
                                                              1.0, 0))


def test_cosine_embedding_loss_infinite_input_where_unused(torch):
    x = X34.T.copy()
    x[3, 0] = np.inf
    same_as_torch(torch, lambda lib: lib.cosine_embedding_loss(
        lib.tensor(x), lib.tensor(x), lib.tensor(np.array([1.0, -1, 3, 3])), 0.1, 0))


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_zero_and_negative_targets(torch, log_target):
    """``xlogy(t, t)``: 0 for a zero target, NaN for a negative one (PyTorch's), in the value
    and the gradients."""
    t = np.array([[0.0, -0.5, 0.3, np.inf], [1.0, 0.0, np.nan, 2.0]])
    x = np.array([[-1.0, -0.3, -2.0, -0.1], [0.5, -np.inf, -1.0, -3.0]])
    same_as_torch(torch, lambda lib: lib.kl_div(lib.tensor(x), lib.tensor(t), 0,
                                                log_target=log_target))
    both(torch, lambda lib, a, b: lib.kl_div(a, b, 0, log_target=log_target),
         x[:, :3].copy(), np.abs(t[:, :3]) + 0.25)


def test_poisson_nll_loss_full_gradient_of_the_target(torch):
    """The Stirling term is masked after it is computed: a target <= 0 gets PyTorch's NaN
    gradient (``0 * log(t)``), a target in (0, 1] a zero one."""
    t = np.array([[-0.5, 0.0, 0.5, 1.0], [1.5, 2.0, 3.0, 7.5]])
    gx = gk.tensor(X34[:2].copy(), requires_grad=True)
    gt = gk.tensor(t, requires_grad=True)
    tx = torch.tensor(X34[:2].copy(), requires_grad=True)
    tt = torch.tensor(t, requires_grad=True)
    gk.poisson_nll_loss(gx, gt, True, True, 1e-8, 2).backward()
    torch.poisson_nll_loss(tx, tt, True, True, 1e-8, 2).backward()
    np.testing.assert_allclose(gt.grad.numpy(), tt.grad.numpy(), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("pw_dtype,w_dtype", [("float64", "float64"), ("float64", "int64"),
                                              ("float32", "float64"), (None, "bool")])
def test_bce_with_logits_gradients(torch, pw_dtype, w_dtype):
    """Input and target gradients (the weights are not differentiated, as in PyTorch), in the
    fused node (one dtype) and in the composite (mixed dtypes)."""
    pw = None if pw_dtype is None else np.array([0.8, 1.3, 0.6, 1.1]).astype(pw_dtype)
    w = _cast(np.array([3.0, 5, 6, 2]) / 5, w_dtype)

    def fn(lib, x, y):
        return lib.binary_cross_entropy_with_logits(
            x, y, lib.tensor(w), None if pw is None else lib.tensor(pw), 1)

    both(torch, fn, X34, P34)


@pytest.mark.parametrize("pw,w", [
    (np.array([2, 4, 2, 3], dtype=np.int32), np.array([1.0, 1.6, -np.inf, 0.5])),
    (np.array([0.8, 1.3, 0.6, np.inf], dtype=np.float16), np.array([1.0, 1.6, 1.9, 0.5])),
    (np.array([0.8, 1.3, 0.6, np.inf]), None),
    (None, np.array([np.inf, 1.6, 0.0, 0.5])),
])
def test_bce_with_logits_gradients_with_infinite_weights(torch, pw, w):
    """PyTorch's backward formulas term by term: an infinite (pos_)weight gives its inf and
    NaN, not the ones of another arrangement of the same math."""
    x = X34.copy()
    x[0, 0], x[1, 1] = 50.0, -50.0

    def run(lib):
        a = lib.tensor(x, requires_grad=True)
        b = lib.tensor(P34, requires_grad=True)
        loss = lib.binary_cross_entropy_with_logits(
            a, b, None if w is None else lib.tensor(w), None if pw is None else lib.tensor(pw),
            1)
        loss.backward()
        return a.grad.numpy(), b.grad.numpy()

    for g, t in zip(run(gk), run(torch)):
        np.testing.assert_allclose(g, t, rtol=1e-10, equal_nan=True)


def test_kl_div_target_gradient_at_zero_is_nan(torch):
    """PyTorch differentiates ``xlogy(t, t)``: ``log t + t / t``, NaN at a zero target."""
    t = np.array([[0.0, 0.25, -0.0], [0.5, 0.0, 0.125]])

    def run(lib):
        a = lib.tensor(X34[:2, :3].copy(), requires_grad=True)
        b = lib.tensor(t, requires_grad=True)
        lib.kl_div(a, b, 2).backward()
        return a.grad.numpy(), b.grad.numpy()

    for g, want in zip(run(gk), run(torch)):
        np.testing.assert_allclose(g, want, rtol=1e-12, equal_nan=True)

"""The functional losses against PyTorch over dtypes, shapes and target kinds: the promoted
dtype of the pointwise losses, broadcasting and its errors, class-index targets (int64 or
uint8 only), floating scores only, and the exception type of each invalid input."""

import numpy as np
import pytest
from oracle import _outcome

import gradkit as gk

_RNG = np.random.default_rng(0)
X = _RNG.standard_normal((3, 4))
P = _RNG.uniform(0.1, 0.9, (3, 4))


def _T(lib, a, dt=None):
    a = np.ascontiguousarray(a)
    if dt == "bool":
        a = a > 0.3
    elif dt in ("int64", "int32"):
        a = np.round(np.abs(a) * 3).astype(dt)
    elif dt:
        a = a.astype(dt)
    return lib.tensor(a)


def _same(torch, fn, rtol):
    want, got = _outcome(torch, fn), _outcome(gk, fn)
    if want[0] == "raises" or got[0] == "raises":
        assert got == want
        return
    for (gd, gs, gv, _), (td, ts, tv, _) in zip(got, want):
        assert (gd, gs) == (td, ts)
        np.testing.assert_allclose(gv, tv, rtol=rtol, atol=rtol * 0.1, equal_nan=True)


POINTWISE = ["mse_loss", "l1_loss", "smooth_l1_loss", "soft_margin_loss",
             "binary_cross_entropy"]


@pytest.mark.parametrize("name", POINTWISE + ["huber_loss"])
@pytest.mark.parametrize("dx,dy", [("float32", "float64"), ("float64", "float32"),
                                   ("float16", "float32"), ("float64", "int64"),
                                   ("int64", "float64"), ("float64", "bool")])
def test_pointwise_loss_dtypes(torch, name, dx, dy):
    if name == "huber_loss" and dx in ("float16", "int64"):
        pytest.skip("huber_loss computes in the input's dtype from a target cast first")
    _same(torch, lambda lib: getattr(lib.nn.functional, name)(
        _T(lib, P, dx), _T(lib, P[::-1] * 0.9, dy)), 2e-3 if "float16" in (dx, dy) else 1e-5)


@pytest.mark.parametrize("name", POINTWISE + ["huber_loss"])
@pytest.mark.parametrize("xs,ys", [((3, 1), (3, 4)), ((3, 4), (4,)), ((0, 4), (0, 4)),
                                   ((), ()), ((3, 4), (2, 4))])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_pointwise_loss_shapes(torch, name, xs, ys, reduction):
    _same(torch, lambda lib: getattr(lib.nn.functional, name)(
        lib.tensor(np.full(xs, 0.3)), lib.tensor(np.full(ys, 0.6)), reduction=reduction), 1e-9)


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy", "multi_margin_loss"])
@pytest.mark.parametrize("xs,ts,tdt", [
    ((3, 4), (3,), "int64"), ((3, 4), (3,), "int32"), ((3, 4), (3,), "uint8"),
    ((3, 4), (3,), "bool"), ((3, 4), (3,), "float32"), ((4,), (), "int64"),
    ((3, 4), (2,), "int64"), ((3, 4, 2), (3, 2), "int64"), ((3, 4), (3, 1), "int64"),
    ((3, 0), (3,), "int64"),
])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_class_index_losses(torch, name, xs, ts, tdt, reduction):
    _same(torch, lambda lib: getattr(lib.nn.functional, name)(
        lib.tensor(np.arange(np.prod(xs)).reshape(xs) * 0.1 - 0.2),
        lib.tensor((np.arange(np.prod(ts)).reshape(ts) % 3).astype(tdt)),
        reduction=reduction), 1e-9)


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy", "multi_margin_loss"])
@pytest.mark.parametrize("dx", ["float16", "float32", "int64", "bool"])
def test_class_index_losses_take_floating_scores(torch, name, dx):
    _same(torch, lambda lib: getattr(lib.nn.functional, name)(
        _T(lib, X, dx), lib.tensor(np.array([0, 2, 1]))), 2e-3)


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("wdt", ["int64", "float32", "float64"])
def test_class_weight_of_another_dtype(torch, name, wdt):
    _same(torch, lambda lib: getattr(lib.nn.functional, name)(
        _T(lib, X), lib.tensor(np.array([0, 2, 1])),
        weight=lib.tensor(np.array([1, 2, 3, 4]).astype(wdt))), 1e-9)


@pytest.mark.parametrize("case", ["ce_probs_f32_f64", "ce_probs_f64_f32", "mlsm_f32_f64",
                                  "mlm_int32", "gauss_f32_f64", "kl_batchmean_0d"])
def test_more_promotions_and_target_dtypes(torch, case):
    def call(lib):
        F = lib.nn.functional
        if case == "ce_probs_f32_f64":
            return F.cross_entropy(_T(lib, X, "float32"), _T(lib, P, "float64"))
        if case == "ce_probs_f64_f32":
            return F.cross_entropy(_T(lib, X, "float64"), _T(lib, P, "float32"))
        if case == "mlsm_f32_f64":
            return F.multilabel_soft_margin_loss(_T(lib, X, "float32"), _T(lib, P, "float64"))
        if case == "mlm_int32":
            return F.multilabel_margin_loss(
                _T(lib, X), lib.tensor(np.array([[0, 1, -1, 2]] * 3, dtype=np.int32)))
        if case == "gauss_f32_f64":
            return F.gaussian_nll_loss(_T(lib, X, "float32"), _T(lib, P, "float64"),
                                       _T(lib, P, "float64"))
        return F.kl_div(_T(lib, X[0, 0]), _T(lib, P[0, 0]), reduction="batchmean")

    _same(torch, call, 1e-5)


@pytest.mark.parametrize("n", [1, 17, 300])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction,ignore_index", [("mean", -100), ("mean", 1), ("sum", 2)])
def test_nll_loss_float16_sums_in_torch_order(torch, n, weighted, reduction, ignore_index):
    # PyTorch's float16 nll_loss adds its terms in float16, in 8 cascaded partial sums, and
    # its backward divides by that float16 total weight; gradkit's float32 sum rounded once
    # was an ulp or more away
    rng = np.random.default_rng(n)
    x = (rng.standard_normal((n, 4)) * 30).astype(np.float16)
    y = rng.integers(0, 4, n)
    w = rng.uniform(0.1, 3, 4).astype(np.float16) if weighted else None
    out = []
    for lib in (torch, gk):
        xx = lib.tensor(x, requires_grad=True)
        loss = lib.nn.functional.nll_loss(xx, lib.tensor(y), None if w is None else lib.tensor(w),
                                          reduction=reduction, ignore_index=ignore_index)
        loss.backward()
        out.append((loss.detach().numpy(), xx.grad.numpy()))
    np.testing.assert_array_equal(out[1][0], out[0][0])
    np.testing.assert_array_equal(out[1][1], out[0][1])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits_half_rounds_each_step_as_torch(torch, dtype, reduction, pos_weighted):
    # PyTorch computes binary_cross_entropy_with_logits op by op, each result rounded to the
    # half dtype ((1 - y) of a 1e30 target is -1e30 before it meets x); the fused float32
    # formula rounded once was far off there and a few ulps off elsewhere
    rng = np.random.default_rng(3)
    x, y, pw = rng.standard_normal(9) * 3, rng.uniform(0, 1, 9), rng.uniform(0.1, 3, 9)
    y[0] = 1e30 if dtype == "bfloat16" else 3e4
    out = []
    for lib in (torch, gk):
        def t(a, lib=lib):
            return lib.tensor(a, dtype=lib.float32).to(getattr(lib, dtype))

        loss = lib.nn.functional.binary_cross_entropy_with_logits(
            t(x), t(y), pos_weight=t(pw) if pos_weighted else None, reduction=reduction)
        out.append(loss.float().numpy())
    np.testing.assert_array_equal(out[1], out[0])


@pytest.mark.parametrize("target_dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("label_smoothing", [0.5, 0.1])
def test_cross_entropy_smooths_a_narrow_probability_target_in_its_dtype_as_torch(
        torch, target_dtype, label_smoothing):
    # PyTorch mixes the probability target with the uniform distribution in the target's own
    # dtype, then promotes; gradkit promoted first (a float64 loss off by bfloat16's rounding)
    rng = np.random.default_rng(4)
    x, t, w = rng.standard_normal((4, 3)), rng.random((4, 3)), rng.random(3) + 0.3
    out = [L.nn.functional.cross_entropy(
        L.tensor(x), L.tensor(t).to(getattr(L, target_dtype)), weight=L.tensor(w),
        label_smoothing=label_smoothing, reduction="none").numpy() for L in (torch, gk)]
    np.testing.assert_allclose(out[1], out[0], rtol=1e-13, atol=0)


_NOT_DIFFERENTIABLE = {
    "nll_loss weight": lambda L, x, w: L.nn.functional.nll_loss(x, L.tensor([1]), weight=w),
    "cross_entropy weight": lambda L, x, w: L.nn.functional.cross_entropy(
        x, L.tensor([1]), weight=w),
    "cross_entropy weight, probabilities": lambda L, x, w: L.nn.functional.cross_entropy(
        x, L.softmax(w.detach()[None], 1), weight=w),
    "bce weight": lambda L, x, w: L.nn.functional.binary_cross_entropy(
        L.sigmoid(x), L.full_like(x, 0.5), weight=w),
    "bce_with_logits weight": lambda L, x, w: L.nn.functional.binary_cross_entropy_with_logits(
        x, L.full_like(x, 0.5), weight=w),
    "bce_with_logits pos_weight": lambda L, x, w:
        L.nn.functional.binary_cross_entropy_with_logits(x, L.full_like(x, 0.5), pos_weight=w),
    "bce_with_logits target": lambda L, x, w:
        L.nn.functional.binary_cross_entropy_with_logits(x, L.sigmoid(w)[None]),
    "soft_margin target": lambda L, x, w: L.nn.functional.soft_margin_loss(x, w[None]),
    "multi_margin weight": lambda L, x, w: L.nn.functional.multi_margin_loss(
        x, L.tensor([1]), weight=w),
    "nll_loss weight, bad class": lambda L, x, w: L.nn.functional.nll_loss(
        x, L.tensor([7]), weight=w),
}


@pytest.mark.parametrize("grad_mode", [True, False])
@pytest.mark.parametrize("name", sorted(_NOT_DIFFERENTIABLE))
def test_losses_refuse_a_weight_that_requires_grad_as_torch(torch, name, grad_mode):
    # PyTorch's autograd refuses, while grad mode is on, a class weight, pos_weight or
    # soft_margin_loss target that requires a gradient (no derivative for it); gradkit
    # accepted them and differentiated
    call = _NOT_DIFFERENTIABLE[name]

    def run(L):
        x = L.tensor([[0.3, -1.2, 0.5]], dtype=L.float64, requires_grad=True)
        w = L.tensor([0.5, 1.5, 2.0], dtype=L.float64, requires_grad=True)
        with L.set_grad_enabled(grad_mode):
            try:
                call(L, x, w)
            except Exception as e:  # noqa: BLE001 - compared by type and text
                return type(e), "not differentiable" in str(e)
        return None
    assert run(gk) == run(torch)


_L1_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("beta", [None, 0.0])  # smooth_l1_loss with beta=0 is l1_loss
@pytest.mark.parametrize("dx", _L1_DTYPES)
@pytest.mark.parametrize("dy", _L1_DTYPES)
@pytest.mark.parametrize("ys", [(3,), ()])
def test_l1_loss_operand_dtypes(torch, beta, dx, dy, ys):
    """l1_loss subtracts integers in their promoted dtype (broadcast first: a 0-d target
    promotes as a dimensioned one), refuses a bool operand (RuntimeError), and
    smooth_l1_loss(beta=0) is l1_loss (a bool target raised nothing before)."""
    def fn(lib):
        x = lib.tensor([1, 0, 1]).to(getattr(lib, dx))
        t = lib.tensor([0, 1, 1] if ys else 1).to(getattr(lib, dy))
        F = lib.nn.functional
        return F.l1_loss(x, t, reduction="none") if beta is None else F.smooth_l1_loss(
            x, t, reduction="none", beta=beta)
    _same(torch, fn, 1e-3)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("xs,ts", [((4,), (0,)), ((4,), (2,)), ((4,), ()), ((4,), (1,)),
                                   ((3, 4), (3,)), ((3, 4, 2), (3, 2)),
                                   ((3, 4, 2, 2), (3, 2, 2)), ((3, 4, 2, 2, 2), (3, 2, 2, 2))])
@pytest.mark.parametrize("dt", ["int64", "int32", "uint8", "float16", "bool"])
def test_class_index_target_dtype_order(torch, name, xs, ts, dt):
    """The class-index target's dtype is checked before an unbatched input's 1-D target size
    (a float16 target of size 0 was a ValueError, PyTorch's RuntimeError), and an input of
    3 or more dims (PyTorch's nll_loss2d) takes int64 targets only (uint8 was accepted)."""
    def fn(lib):
        x = lib.zeros(xs, dtype=lib.float16)
        return getattr(lib.nn.functional, name)(x, lib.zeros(ts, dtype=getattr(lib, dt)))
    _same(torch, fn, 1e-3)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("xd,wd", [("float32", "float64"), ("float32", "int32"),
                                   ("float64", "float32"), ("float64", "int32"),
                                   ("float32", "bool")])
def test_cross_entropy_probabilities_weight_of_another_dtype(xd, wd, reduction):
    """With class-probability targets PyTorch multiplies by the weight, promoting: a weight of
    any dtype passes (an int32 weight keeps float32, a float64 one makes the loss float64),
    where class-index targets refuse it."""
    torch = pytest.importorskip("torch")
    p = P / P.sum(1, keepdims=True)
    out = []
    for lib in (torch, gk):
        w = lib.tensor([1, 2, 0, 1]).to(getattr(lib, wd))
        y = lib.nn.functional.cross_entropy(lib.tensor(X).to(getattr(lib, xd)),
                                            lib.tensor(p).to(getattr(lib, xd)), weight=w,
                                            reduction=reduction, label_smoothing=0.1)
        out.append(y)
    assert str(out[1].dtype).split(".")[-1] == str(out[0].dtype).split(".")[-1]
    np.testing.assert_allclose(out[1].double().numpy(), out[0].double().numpy(), rtol=1e-5)
    with pytest.raises(RuntimeError):  # class indices: the weight must be the input's dtype
        gk.nn.functional.cross_entropy(gk.tensor(X), gk.tensor([0, 1, 2]),
                                       weight=gk.tensor([1, 2, 0, 1], dtype=gk.int32))

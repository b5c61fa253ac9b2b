"""Forward values and gradients rounded as PyTorch's CPU kernels and derivative formulas round
them, bit for bit in float32 and float64: the order of each formula's operations, a fused
multiply-add where PyTorch's kernel fuses (add/sub with alpha, addcmul, lerp), division where
PyTorch divides (mean's gradient, addcdiv's)."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F

torch = pytest.importorskip("torch")


def _arr(seed, *shape, positive=False, dtype=np.float32):
    a = np.random.default_rng(seed).standard_normal(shape)
    return (np.abs(a) + 0.1 if positive else a).astype(dtype)


CASES = {
    "mse_mean": (lambda L, a, b: L.nn.functional.mse_loss(a, b), 2),
    "mse_sum": (lambda L, a, b: L.nn.functional.mse_loss(a, b, reduction="sum"), 2),
    "mse_none": (lambda L, a, b: L.nn.functional.mse_loss(a, b, reduction="none"), 2),
    "smooth_l1": (lambda L, a, b: L.nn.functional.smooth_l1_loss(a, b, beta=0.7), 2),
    "smooth_l1_sum": (lambda L, a, b: L.nn.functional.smooth_l1_loss(a, b, reduction="sum"), 2),
    "huber": (lambda L, a, b: L.nn.functional.huber_loss(a, b, delta=0.6), 2),
    "huber_none": (lambda L, a, b: L.nn.functional.huber_loss(a, b, reduction="none"), 2),
    "mean_dim": (lambda L, a: a.mean(1), 1),
    "mean_dims": (lambda L, a: a.mean((0, 1), keepdim=True), 1),
    "pow3": (lambda L, a: a ** 3, 1),
    "pow_m1": (lambda L, a: a ** -1, 1),
    "clamp": (lambda L, a: a.clamp(-0.5, 0.8), 1),
    "relu": (lambda L, a: L.relu(a), 1),
    "hardsigmoid": (lambda L, a: L.nn.functional.hardsigmoid(a * 3), 1),
    "pow2": (lambda L, a: a.pow(2), 1),
    "div": (lambda L, a, b: a / b, 2),
    "div_row": (lambda L, a, b: a / b[:1], 2),
    "add_alpha": (lambda L, a, b: L.add(a, b, alpha=0.3), 2),
    "sub_alpha": (lambda L, a, b: L.sub(a, b, alpha=1.7), 2),
    "addcmul": (lambda L, a, b, c: L.addcmul(a, b, c, value=0.3), 3),
    "addcmul_row": (lambda L, a, b, c: L.addcmul(a, b[:1], c, value=-1.3), 3),
    "addcdiv": (lambda L, a, b, c: L.addcdiv(a, b, c, value=0.3), 3),
    "lerp": (lambda L, a, b: L.lerp(a, b, 0.3), 2),
    "lerp_high": (lambda L, a, b: L.lerp(a, b, 0.8), 2),
    "lerp_tensor": (lambda L, a, b, c: L.lerp(a, b, c.clamp(-1, 2)), 3),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_are_torch_bits(name, dtype):
    fn, arity = CASES[name]
    # (divisors positive and away from zero; the third operand of addcdiv is the divisor)
    # (smooth L1 and Huber: whole 16-element blocks, as the last n % 16 gradients come from
    # PyTorch's scalar tail loop, modelled but for an element or two its compiler arranges)
    shape = (6, 32) if name.startswith(("smooth", "huber")) else (6, 37)
    arrays = [_arr(i, *shape, positive=(name.startswith("div") and i == 1) or
                   (name == "addcdiv" and i == 2), dtype=dtype) for i in range(arity)]
    results = []
    for L in (gk, torch):
        xs = [L.tensor(a, requires_grad=True) for a in arrays]
        out = fn(L, *xs)
        w = L.tensor(_arr(9, *tuple(out.shape), dtype=dtype))
        grads = L.autograd.grad((out * w).sum(), xs)
        results.append([out.detach().numpy().tobytes()] + [g.numpy().tobytes() for g in grads])
    assert results[0][0] == results[1][0], "forward"
    for i in range(arity):
        assert results[0][i + 1] == results[1][i + 1], f"gradient of input {i}"


def test_inplace_forms_round_as_torch():
    a, b, c = _arr(1, 50, 37), _arr(2, 50, 37), _arr(3, 50, 37, positive=True)
    outs = []
    for L in (gk, torch):
        x = [L.tensor(a) for _ in range(5)]
        x[0].add_(L.tensor(b), alpha=-0.01)
        x[1].sub_(L.tensor(b), alpha=3.3)
        x[2].addcmul_(L.tensor(b), L.tensor(c), value=0.7)
        x[3].addcdiv_(L.tensor(b), L.tensor(c), value=-0.3)
        x[4].lerp_(L.tensor(b), 0.9)
        outs.append([t.numpy().tobytes() for t in x])
    assert outs[0] == outs[1]


def test_hand_written_sgd_matches_torch_bits():
    # p.add_(p.grad, alpha=-lr): PyTorch's fused kernel; 20 steps of a small regression
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = rng.standard_normal(64).astype(np.float32)
    w0 = rng.standard_normal(5).astype(np.float32)
    finals = []
    for L in (gk, torch):
        w = L.tensor(w0, requires_grad=True)
        for _ in range(20):
            loss = L.nn.functional.mse_loss((L.tensor(x) * w).sum(1), L.tensor(y))
            loss.backward()
            with L.no_grad():
                w.add_(w.grad, alpha=-0.05)
            w.grad = None
        finals.append(w.detach().numpy().tobytes())
    assert finals[0] == finals[1]


def test_addcmul_keeps_its_error_and_node():
    with pytest.raises(RuntimeError, match="must match"):
        gk.addcmul(gk.ones(3, 4), gk.ones(2, 4), gk.ones(4))
    a = gk.ones(2, 3, requires_grad=True)
    assert type(gk.addcmul(a, a, a).grad_fn).__name__ == "AddcmulBackward0"
    assert type(gk.addcdiv(a, a, a).grad_fn).__name__ == "AddcdivBackward0"
    assert type(F.mse_loss(a, a).grad_fn).__name__ == "MseLossBackward0"


@pytest.mark.parametrize("name", ["smooth_l1", "huber"])
def test_loss_gradients_in_the_scalar_tail(name):
    # 222 elements: the last 14 come from PyTorch's scalar loop, whose formula is followed
    # (the vectorised one there differed in 3 of them); an element or two may still differ
    fn, _ = CASES[name]
    arrays = [_arr(i, 6, 37) for i in range(2)]
    grads = []
    for L in (gk, torch):
        xs = [L.tensor(a, requires_grad=True) for a in arrays]
        grads.append(L.autograd.grad(fn(L, *xs) * 1.7, xs)[0].numpy())
    assert (grads[0] != grads[1]).sum() <= 2
    np.testing.assert_array_equal(grads[0].ravel()[:208], grads[1].ravel()[:208])


def test_label_smoothed_cross_entropy_composes_as_torch():
    # (1 - eps) * nll_loss + (-logp.sum(1)).sum() / n * (eps / C), each step rounded as
    # PyTorch's kernels (a batch whose log_softmax values are PyTorch's)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 37)).astype(np.float32)
    t = rng.integers(0, 37, 6)
    for eps in (0.1, 0.2):
        for reduction in ("mean", "sum"):
            values = [L.nn.functional.cross_entropy(
                L.tensor(x), L.tensor(t), label_smoothing=eps, reduction=reduction).item()
                for L in (gk, torch)]
            assert values[0] == values[1], (eps, reduction)

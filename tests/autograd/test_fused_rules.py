"""The fused nodes (one forward and one backward rule where gradkit once recorded a chain: the
pointwise losses, the binary cross entropies with their weight and reduction, batch norm with
running statistics, linear) against torch: values, first and second derivatives."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit

torch = pytest.importorskip("torch")

_R = np.random.default_rng(3)
X = _R.standard_normal((5, 4)).astype(np.float32)
Y = _R.standard_normal((5, 4)).astype(np.float32)
W4 = (_R.random(4) + 0.5).astype(np.float32)
X3 = _R.standard_normal((4, 3, 5)).astype(np.float32)
C3 = _R.standard_normal(3).astype(np.float32)
V3 = (_R.random(3) + 0.5).astype(np.float32)
LW = _R.standard_normal((2, 4)).astype(np.float32)
LB = _R.standard_normal(2).astype(np.float32)
XB = _R.standard_normal((2, 3, 4)).astype(np.float32)
CASES = {
    "mse": lambda F, x, y, c: F.mse_loss(x, y),
    "mse_sum": lambda F, x, y, c: F.mse_loss(x, y, reduction="sum"),
    "mse_none": lambda F, x, y, c: F.mse_loss(x, y, reduction="none"),
    "mse_broadcast": lambda F, x, y, c: F.mse_loss(x, y[:1].detach()),
    "smooth_l1": lambda F, x, y, c: F.smooth_l1_loss(x, y, beta=0.7),
    "smooth_l1_none": lambda F, x, y, c: F.smooth_l1_loss(x, y, reduction="none", beta=2.0),
    "huber": lambda F, x, y, c: F.huber_loss(x, y, delta=0.5),
    "huber_sum": lambda F, x, y, c: F.huber_loss(x, y, reduction="sum", delta=1.5),
    "bce": lambda F, x, y, c: F.binary_cross_entropy(x.sigmoid(), y.sigmoid()),
    "bce_weight_sum": lambda F, x, y, c: F.binary_cross_entropy(
        x.sigmoid(), y.sigmoid(), weight=c(W4), reduction="sum"),
    "bce_logits": lambda F, x, y, c: F.binary_cross_entropy_with_logits(x, y.sigmoid()),
    "bce_logits_weights": lambda F, x, y, c: F.binary_cross_entropy_with_logits(
        x, y.sigmoid(), weight=c(W4), pos_weight=c(W4 * 2)),
    "bce_logits_none": lambda F, x, y, c: F.binary_cross_entropy_with_logits(
        x, y.sigmoid(), reduction="none", pos_weight=c(W4)),
    "linear": lambda F, x, y, c: F.linear(x, y[:2] * 1, c(LB)),
    "linear_nobias": lambda F, x, y, c: F.linear(x, y[:3] * 1),
    "linear_3d": lambda F, x, y, c: F.linear(c(XB) * x[0], y[:2] * 1, c(LB)),
}


def _run(lib, key):
    x = lib.tensor(X.copy(), requires_grad=True)
    y = lib.tensor(Y.copy(), requires_grad=True)
    out = CASES[key](lib.nn.functional, x, y, lib.tensor)
    loss = (out * out).sum() if out.ndim else out
    gx, gy = lib.autograd.grad(loss, (x, y), create_graph=True, allow_unused=True)
    grads = [g for g in (gx, gy) if g is not None]
    # (weighted: gy = -gx for the losses of x - y, and an even sum would cancel to 0)
    second = lib.autograd.grad(sum((g * g * g).sum() * (i + 1) for i, g in enumerate(grads)),
                               (x, y), allow_unused=True)
    vals = [out] + grads + [g for g in second if g is not None]
    return [np.asarray(v.detach().numpy()) for v in vals], type(out.grad_fn).__name__


@pytest.mark.parametrize("key", sorted(CASES))
def test_fused_rule_matches_torch_to_second_order(key):
    ours, our_name = _run(gradkit, key)
    theirs, their_name = _run(torch, key)
    assert our_name == their_name
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_with_running_stats_is_one_node(affine):
    res = []
    for lib in (gradkit, torch):
        x = lib.tensor(X3.copy(), requires_grad=True)
        w = lib.tensor(V3.copy(), requires_grad=True) if affine else None
        b = lib.tensor(C3.copy(), requires_grad=True) if affine else None
        y = lib.nn.functional.batch_norm(x, lib.tensor(C3.copy()), lib.tensor(V3.copy()), w, b,
                                         training=False, eps=1e-3)
        assert type(y.grad_fn).__name__ == "NativeBatchNormBackward0"
        ins = [t for t in (x, w, b) if t is not None]
        grads = lib.autograd.grad((y * y * y).sum(), ins, create_graph=True)
        vals = [y, *grads]
        if affine:  # (PyTorch's double backward needs the weight)
            vals += lib.autograd.grad(sum((g * g).sum() for g in grads), ins)
        res.append([np.asarray(v.detach().numpy()) for v in vals])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)

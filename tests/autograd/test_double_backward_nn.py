"""``create_graph`` gradients of ``nn.functional`` ops are in the graph where PyTorch's are.

PyTorch differentiates most layers with one backward function of the saved values
(``threshold_backward(grad, self)``, ``max_pool2d_with_indices_backward``,
``convolution_backward``): the gradient taken with ``create_graph=True`` requires grad even
where it does not depend on the input (a mask, a bias's sum), and its derivative there is
zero. These cases are not in the op registry's samples (``tests/functions/samples``; see
``test_double_backward_registry.py`` for those).
"""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 3, 6))
X4 = rng.standard_normal((2, 3, 6, 6))
W = rng.standard_normal((4, 3, 3))
B = rng.standard_normal(4)
T = rng.standard_normal((2, 3, 6))
C = np.array([1, 0])
M = rng.standard_normal((2, 3))

# name -> (call(lib, *leaves), arrays of the leaves)
CASES = {
    "relu": (lambda lib, x: lib.nn.functional.relu(x), (X,)),
    "relu_inplace": (lambda lib, x: lib.nn.functional.relu(x * 1, inplace=True), (X,)),
    "relu6": (lambda lib, x: lib.nn.functional.relu6(x), (X,)),
    "leaky_relu": (lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1), (X,)),
    "hardtanh": (lambda lib, x: lib.nn.functional.hardtanh(x, -0.5, 0.5), (X,)),
    "threshold": (lambda lib, x: lib.nn.functional.threshold(x, 0.1, 2.0), (X,)),
    "hardshrink": (lambda lib, x: lib.nn.functional.hardshrink(x, 0.3), (X,)),
    "softshrink": (lambda lib, x: lib.nn.functional.softshrink(x, 0.3), (X,)),
    "elu": (lambda lib, x: lib.nn.functional.elu(x), (X,)),
    "selu": (lambda lib, x: lib.nn.functional.selu(x), (X,)),
    "celu": (lambda lib, x: lib.nn.functional.celu(x), (X,)),
    "gelu": (lambda lib, x: lib.nn.functional.gelu(x), (X,)),
    "silu": (lambda lib, x: lib.nn.functional.silu(x), (X,)),
    "mish": (lambda lib, x: lib.nn.functional.mish(x), (X,)),
    "softplus": (lambda lib, x: lib.nn.functional.softplus(x), (X,)),
    "hardsigmoid": (lambda lib, x: lib.nn.functional.hardsigmoid(x), (X,)),
    "hardswish": (lambda lib, x: lib.nn.functional.hardswish(x), (X,)),
    "logsigmoid": (lambda lib, x: lib.nn.functional.logsigmoid(x), (X,)),
    "tanhshrink": (lambda lib, x: lib.nn.functional.tanhshrink(x), (X,)),
    "glu": (lambda lib, x: lib.nn.functional.glu(x, -1), (X,)),
    "prelu": (lambda lib, x, w: lib.nn.functional.prelu(x, w), (X, np.array([0.2, 0.3, 0.1]))),
    "softmax": (lambda lib, x: lib.nn.functional.softmax(x, -1), (X,)),
    "log_softmax": (lambda lib, x: lib.nn.functional.log_softmax(x, -1), (X,)),
    "max_pool1d": (lambda lib, x: lib.nn.functional.max_pool1d(x, 2), (X,)),
    "max_pool2d": (lambda lib, x: lib.nn.functional.max_pool2d(x, 2), (X4,)),
    "avg_pool2d": (lambda lib, x: lib.nn.functional.avg_pool2d(x, 2), (X4,)),
    "adaptive_max_pool2d": (lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, 3), (X4,)),
    "adaptive_avg_pool2d": (lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 3), (X4,)),
    "lp_pool2d": (lambda lib, x: lib.nn.functional.lp_pool2d(x.abs() + 0.1, 2.0, 2), (X4,)),
    "conv1d": (lambda lib, x, w, b: lib.nn.functional.conv1d(x, w, b), (X, W, B)),
    "linear": (lambda lib, x, w, b: lib.nn.functional.linear(x, w, b),
               (X, rng.standard_normal((4, 6)), B)),
    "layer_norm": (lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (6,), w, b),
                   (X, rng.standard_normal(6), rng.standard_normal(6))),
    "group_norm": (lambda lib, x, w, b: lib.nn.functional.group_norm(x, 3, w, b),
                   (X, rng.standard_normal(3), rng.standard_normal(3))),
    "batch_norm": (lambda lib, x, w, b: lib.nn.functional.batch_norm(
        x, None, None, w, b, training=True), (X, rng.standard_normal(3), rng.standard_normal(3))),
    "interpolate_nearest": (lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=2),
                            (X,)),
    "interpolate_linear": (lambda lib, x: lib.nn.functional.interpolate(
        x, scale_factor=2, mode="linear"), (X,)),
    "pad_reflect": (lambda lib, x: lib.nn.functional.pad(x, (2, 1), mode="reflect"), (X,)),
    "pad_replicate": (lambda lib, x: lib.nn.functional.pad(x, (2, 1), mode="replicate"), (X,)),
    "mse_loss": (lambda lib, x, t: lib.nn.functional.mse_loss(x, t), (X, T)),
    "l1_loss": (lambda lib, x, t: lib.nn.functional.l1_loss(x, t), (X, T)),
    "smooth_l1_loss": (lambda lib, x, t: lib.nn.functional.smooth_l1_loss(x, t), (X, T)),
    "huber_loss": (lambda lib, x, t: lib.nn.functional.huber_loss(x, t), (X, T)),
    "cross_entropy": (lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor(C)), (M,)),
    "nll_loss": (lambda lib, x: lib.nn.functional.nll_loss(x, lib.tensor(C)), (M,)),
    "binary_cross_entropy": (lambda lib, x: lib.nn.functional.binary_cross_entropy(
        lib.sigmoid(x), lib.tensor(np.abs(np.sin(M)))), (M,)),
    "bce_with_logits": (lambda lib, x: lib.nn.functional.binary_cross_entropy_with_logits(
        x, lib.tensor(np.abs(np.sin(M)))), (M,)),
    "soft_margin_loss": (lambda lib, x: lib.nn.functional.soft_margin_loss(
        x, lib.tensor(np.sign(M))), (M,)),
    "multi_margin_loss": (lambda lib, x: lib.nn.functional.multi_margin_loss(
        x, lib.tensor(C)), (M,)),
    "multilabel_margin_loss": (lambda lib, x: lib.nn.functional.multilabel_margin_loss(
        x, lib.tensor(np.array([[1, -1, 0], [2, 0, -1]]))), (M,)),
    "hinge_embedding_loss": (lambda lib, x: lib.nn.functional.hinge_embedding_loss(
        x, lib.tensor(np.sign(M))), (M,)),
    "kl_div": (lambda lib, x, t: lib.nn.functional.kl_div(x, t.softmax(-1)), (M, M[::-1])),
    "embedding": (lambda lib, w: lib.nn.functional.embedding(lib.tensor(C), w), (M,)),
    "dropout_eval": (lambda lib, x: lib.nn.functional.dropout(x, 0.5, training=False), (X,)),
    "clamp": (lambda lib, x: lib.clamp(x, -0.5, 0.5), (X,)),
    "max": (lambda lib, x: x.max(), (X,)),
    "max_dim": (lambda lib, x: x.max(1)[0], (X,)),
    "abs": (lambda lib, x: x.abs(), (X,)),
    "where": (lambda lib, x: lib.where(x > 0, x, x * 2), (X,)),
    "masked_fill": (lambda lib, x: x.masked_fill(x > 0, 1.0), (X,)),
    "sort": (lambda lib, x: x.sort(-1)[0], (X,)),
    "topk": (lambda lib, x: x.topk(2)[0], (X,)),
    "gather": (lambda lib, x: x.gather(-1, lib.tensor(np.zeros((2, 3, 2), dtype=np.int64))),
               (X,)),
}


# torch's hardsigmoid_backward multiplies by 1/6 rounded to float32 even for float64 inputs
RTOL = {"hardsigmoid": 1e-7}


def _grads(lib, name, create_graph):
    call, arrays = CASES[name]
    leaves = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    out = call(lib, *leaves)
    u = np.random.default_rng(1).standard_normal(tuple(out.shape))
    gs = lib.autograd.grad(out, leaves, lib.tensor(u), create_graph=create_graph,
                           allow_unused=True)
    return leaves, gs


@pytest.mark.parametrize("name", sorted(CASES))
def test_create_graph_gradient_is_connected_like_torch(name):
    gl, gg = _grads(gk, name, True)
    tl, tg = _grads(torch, name, True)
    for i, (a, b) in enumerate(zip(gg, tg)):
        assert (a is None) == (b is None), f"gradient {i}"
        if b is None:
            continue
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(),
                                   rtol=RTOL.get(name, 1e-9), atol=1e-12)
        assert a.requires_grad == b.requires_grad, (
            f"gradient {i}: requires_grad {a.requires_grad}, torch {b.requires_grad} "
            f"({type(b.grad_fn).__name__})")
    rng2 = np.random.default_rng(2)
    vs = [None if b is None else rng2.standard_normal(tuple(b.shape)) for b in tg]

    def second(lib, leaves, grads):
        terms = [(g * lib.tensor(v)).sum() for g, v in zip(grads, vs)
                 if g is not None and g.requires_grad]
        if not terms:
            return None
        return lib.autograd.grad(sum(terms[1:], terms[0]), leaves, allow_unused=True)

    try:
        t2 = second(torch, tl, tg)
    except (NotImplementedError, RuntimeError) as e:  # torch has no second derivative here
        assert "not implemented" in str(e)
        return
    g2 = second(gk, gl, gg)
    if t2 is None:
        return
    for i, (a, b) in enumerate(zip(g2, t2)):
        a = np.zeros(gl[i].shape) if a is None else a.numpy()
        b = np.zeros(tuple(tl[i].shape)) if b is None else (b + 0).detach().numpy()
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9,
                                   err_msg=f"second derivative of input {i}")

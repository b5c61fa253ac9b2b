"""``torch.nn.grad``'s convolution gradients (``conv{1,2,3}d_input``/``_weight``) as PyTorch's:
values for strides, padding, dilation, groups and sizes that leave a remainder, second order
through them, and errors for a mismatched ``grad_output``."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

CASES = [
    (1, (2, 4, 11), (6, 2, 3), dict(stride=2, padding=1, groups=2)),
    (2, (2, 3, 9, 8), (4, 3, 3, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    (2, (1, 4, 10, 10), (4, 1, 3, 3), dict(stride=3, groups=4)),  # 10 = 3*3 + 1: a remainder
    (3, (1, 2, 5, 6, 5), (3, 2, 2, 3, 2), dict(padding=1)),
]


@pytest.mark.parametrize("rank,xs,ws,kw", CASES, ids=lambda c: str(c))
def test_conv_input_and_weight_grads_as_pytorch(rank, xs, ws, kw):
    gen = np.random.default_rng(0)
    x, w = gen.standard_normal(xs), gen.standard_normal(ws)
    conv = getattr(torch.nn.functional, f"conv{rank}d")
    go = gen.standard_normal(tuple(conv(torch.tensor(x), torch.tensor(w), **kw).shape))
    res = []
    for lib in (gk, torch):
        gi = getattr(lib.nn.grad, f"conv{rank}d_input")(xs, lib.tensor(w), lib.tensor(go), **kw)
        gw = getattr(lib.nn.grad, f"conv{rank}d_weight")(lib.tensor(x), ws, lib.tensor(go), **kw)
        res.append((gi.numpy(), gw.numpy(), gi.requires_grad))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_differentiable_through_grad_output_and_weight():
    gen = np.random.default_rng(1)
    w0, go0 = gen.standard_normal((4, 3, 3, 3)), gen.standard_normal((2, 4, 5, 5))
    res = []
    for lib in (gk, torch):
        w = lib.tensor(w0, requires_grad=True)
        go = lib.tensor(go0, requires_grad=True)
        gi = lib.nn.grad.conv2d_input((2, 3, 7, 7), w, go)
        (gi ** 2).sum().backward()
        res.append((gi.requires_grad, w.grad.numpy(), go.grad.numpy()))
    assert res[0][0] and res[1][0]
    for a, b in zip(res[0][1:], res[1][1:]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_mismatched_grad_output_raises_runtime_error():
    with pytest.raises(RuntimeError, match="grad_output has shape"):
        gk.nn.grad.conv2d_input((1, 3, 8, 8), gk.ones(4, 3, 3, 3), gk.ones(1, 4, 5, 5))
    with pytest.raises(RuntimeError, match="weight_size"):
        gk.nn.grad.conv2d_weight(gk.ones(1, 3, 8, 8), (4, 3, 3), gk.ones(1, 4, 6, 6))

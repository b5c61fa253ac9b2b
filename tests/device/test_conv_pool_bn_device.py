"""Convolution, pooling and batch norm on the device: the paths the layer parity tests miss
(padding/dilation/ceil mode, returned indices, NaN in max pooling, uneven adaptive windows,
running statistics, and second-order gradients through ``create_graph``)."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F

RTOL, ATOL = 2e-4, 2e-5


def _bn_train(x, w):
    dev = x.device
    rm, rv = gk.zeros(3, device=dev), gk.ones(3, device=dev)
    y = F.batch_norm(x, rm, rv, w[0, :, 0, 0] + 1, w[1, :, 0, 0], training=True)
    return y + (rm.sum() + rv.sum())  # the running statistics take part in the comparison


CASES = {
    "conv2d-pad-dilation": lambda x, w: F.conv2d(x, w, padding=2, dilation=2, stride=(1, 2)),
    "conv2d-same": lambda x, w: F.conv2d(x, w, padding="same"),
    "conv1d-strided": lambda x, w: F.conv1d(x.flatten(2)[:, :, :11], w[:, :, 0], padding=1,
                                            stride=2),
    "conv_transpose2d-groups": lambda x, w: F.conv_transpose2d(
        x[:, :2], w[:2, :1] * 1.0, stride=2, padding=1, output_padding=1, groups=2),
    "max_pool2d-ceil-dilation": lambda x, w: F.max_pool2d(x, 3, stride=2, padding=1, dilation=2,
                                                          ceil_mode=True),
    "max_pool2d-indices": lambda x, w: F.max_pool2d(x, 2, return_indices=True)[0],
    "max_pool1d-overlap": lambda x, w: F.max_pool1d(x.flatten(2), 3, stride=2, padding=1),
    "avg_pool2d-ceil-pad": lambda x, w: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True,
                                                     count_include_pad=False),
    "avg_pool2d-divisor": lambda x, w: F.avg_pool2d(x, 2, divisor_override=3),
    "adaptive_avg-even": lambda x, w: F.adaptive_avg_pool2d(x[:, :, :8, :8], (4, 2)),
    "adaptive_avg-uneven": lambda x, w: F.adaptive_avg_pool2d(x, (4, 5)),
    "adaptive_max": lambda x, w: F.adaptive_max_pool2d(x, (4, 5)),
    "batch_norm-train": _bn_train,
    "batch_norm-eval": lambda x, w: F.batch_norm(
        x, gk.zeros(3, device=x.device) + 0.1, gk.ones(3, device=x.device) * 2,
        w[0, :, 0, 0] + 1, None, training=False),
}


def _run(fn, dev, second_order):
    g = np.random.default_rng(0)
    x = gk.tensor(g.standard_normal((2, 3, 9, 9)).astype(np.float32), device=dev,
                  requires_grad=True)
    w = gk.tensor((g.standard_normal((4, 3, 3, 3)) * 0.2).astype(np.float32), device=dev,
                  requires_grad=True)
    y = fn(x, w)
    wt = gk.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)).astype(np.float32),
                   device=dev)
    loss = (y * wt).sum() + (y * y).sum() * 0.1
    if not second_order:
        loss.backward()
        return [y.detach(), x.grad, w.grad]
    gx, = gk.autograd.grad(loss, [x], create_graph=True)
    (gx * gx).sum().backward()
    return [y.detach(), gx.detach(), x.grad, w.grad]


@pytest.mark.parametrize("second_order", [False, True], ids=["grad", "grad2"])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_cpu(cuda, name, second_order):
    fn = CASES[name]
    for c, d in zip(_run(fn, "cpu", second_order), _run(fn, cuda, second_order)):
        assert (c is None) == (d is None), name
        if c is None:
            continue
        assert d.is_cuda, f"{name}: result left on the CPU"
        np.testing.assert_allclose(d.cpu().numpy(), c.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)


def test_max_pool_indices_and_nan(cuda):
    x0 = np.random.default_rng(1).standard_normal((2, 2, 6, 6)).astype(np.float32)
    x0[0, 0, 1, 1] = np.nan
    res = []
    for dev in ("cpu", cuda):
        x = gk.tensor(x0, device=dev, requires_grad=True)
        y, idx = F.max_pool2d(x, 2, return_indices=True)
        y.sum().backward()
        _, aidx = F.adaptive_max_pool2d(x.detach(), (4, 4), return_indices=True)
        xi = gk.tensor(np.nan_to_num(x0 * 10).astype(np.int32), device=dev)
        yi = F.max_pool2d(xi, 3, stride=2, padding=1)
        assert idx.is_cuda == aidx.is_cuda == yi.is_cuda == (dev != "cpu")
        res.append([t.detach().cpu().numpy() for t in (y, idx, x.grad, aidx, yi)])
    for c, d in zip(*res):
        np.testing.assert_array_equal(d, c)

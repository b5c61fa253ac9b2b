"""The vision layers, padding, instance norm, decoder and the newer losses give the same outputs
and gradients on the device as on the CPU (a real GPU, else the CPU stand-in of conftest.py)."""

import copy

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn as nn
import gradkit.nn.functional as F

RTOL, ATOL = 2e-4, 2e-5

_g = np.random.default_rng(0)
IMG = _g.standard_normal((2, 4, 6, 7)).astype(np.float32)
SEQ = _g.standard_normal((2, 4, 9)).astype(np.float32)
VEC = _g.standard_normal((5, 4)).astype(np.float32)
GRID = _g.uniform(-1.3, 1.3, (2, 3, 5, 2)).astype(np.float32)

LAYERS = [
    ("Upsample-nearest", lambda: nn.Upsample(scale_factor=2), IMG),
    ("Upsample-bilinear", lambda: nn.Upsample(size=(5, 9), mode="bilinear"), IMG),
    ("Upsample-bicubic-ac", lambda: nn.Upsample(scale_factor=1.5, mode="bicubic",
                                                align_corners=True), IMG),
    ("Upsample-linear", lambda: nn.Upsample(scale_factor=0.6, mode="linear"), SEQ),
    ("ReflectionPad2d", lambda: nn.ReflectionPad2d((1, 2, 3, 0)), IMG),
    ("ReplicationPad1d", lambda: nn.ReplicationPad1d(3), SEQ),
    ("CircularPad2d", lambda: nn.CircularPad2d(2), IMG),
    ("ConstantPad2d", lambda: nn.ConstantPad2d(1, 0.5), IMG),
    ("PixelShuffle", lambda: nn.PixelShuffle(2), IMG),
    ("PixelUnshuffle", lambda: nn.PixelUnshuffle(2), IMG[..., :6]),
    ("ChannelShuffle", lambda: nn.ChannelShuffle(2), IMG),
    ("Unfold", lambda: nn.Unfold(3, padding=1, stride=2), IMG),
    ("InstanceNorm2d", lambda: nn.InstanceNorm2d(4, affine=True, track_running_stats=True), IMG),
    ("InstanceNorm1d-eval", lambda: nn.InstanceNorm1d(4, track_running_stats=True).eval(), SEQ),
    ("LocalResponseNorm", lambda: nn.LocalResponseNorm(3), IMG),
    ("LPPool2d", lambda: nn.LPPool2d(2, 2), IMG),
    ("Conv3d", lambda: nn.Conv3d(2, 3, 2, padding=(1, 0, 1), groups=1), IMG.reshape(2, 2, 2, 6, 7)),
    ("ConvTranspose3d", lambda: nn.ConvTranspose3d(2, 2, 2, stride=2, groups=2),
     IMG.reshape(2, 2, 2, 6, 7)),
    ("MaxPool3d", lambda: nn.MaxPool3d(2, stride=1, padding=1), IMG.reshape(2, 2, 2, 6, 7)),
    ("AvgPool3d", lambda: nn.AvgPool3d(2, stride=1, padding=1, count_include_pad=False),
     IMG.reshape(2, 2, 2, 6, 7)),
    ("AdaptiveMaxPool3d", lambda: nn.AdaptiveMaxPool3d((3, 2, 4)), IMG.reshape(2, 2, 2, 6, 7)),
    ("TransformerDecoderLayer",
     lambda: nn.TransformerDecoderLayer(9, 3, dim_feedforward=8, dropout=0.0, batch_first=True),
     SEQ),
]


def _run(model, x, device):
    xt = gk.tensor(x, device=device, requires_grad=True)
    out = model(xt, xt * 0.5) if isinstance(model, nn.TransformerDecoderLayer) else model(xt)
    w = gk.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(np.float32),
                  device=device)
    (out * w).sum().backward()
    return out, xt.grad, {n: p.grad for n, p in model.named_parameters()}


@pytest.mark.parametrize("name,make,x", LAYERS, ids=[c[0] for c in LAYERS])
def test_new_layer_matches_cpu(cuda, name, make, x):
    gk.manual_seed(0)
    cpu_model = make()
    dev_model = copy.deepcopy(cpu_model).to(cuda)
    out_c, gx_c, gp_c = _run(cpu_model, x, "cpu")
    out_d, gx_d, gp_d = _run(dev_model, x, cuda)
    assert out_d.is_cuda and gx_d.is_cuda
    np.testing.assert_allclose(out_d.detach().cpu().numpy(), out_c.detach().numpy(), rtol=RTOL,
                               atol=ATOL)
    np.testing.assert_allclose(gx_d.cpu().numpy(), gx_c.numpy(), rtol=RTOL, atol=ATOL)
    for k in gp_c:
        np.testing.assert_allclose(gp_d[k].cpu().numpy(), gp_c[k].numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"{name}: gradient of {k}")
    for k, b in dev_model.named_buffers():
        assert b.is_cuda, f"{name}: buffer {k} left the device"
        np.testing.assert_allclose(b.cpu().numpy(), dict(cpu_model.named_buffers())[k].numpy(),
                                   rtol=RTOL, atol=ATOL)


def _targets(kind, dev):
    g = np.random.default_rng(1)
    if kind == "index":
        return (gk.tensor(g.integers(0, 4, 5), device=dev),)
    if kind == "labels":
        return (gk.tensor(np.array([[1, 2, -1, 0]] * 5), device=dev),)
    if kind == "var":
        return (gk.tensor(g.standard_normal((5, 4)).astype(np.float32), device=dev),
                gk.tensor(g.uniform(0.5, 2, (5, 1)).astype(np.float32), device=dev))
    if kind == "grid":
        return (gk.tensor(GRID, device=dev),)
    return (gk.tensor(g.uniform(size=(5, 4)).astype(np.float32), device=dev),)


FUNCS = [
    ("triplet_margin_loss", lambda x: F.triplet_margin_loss(x, x * 0.5, x.flip(0), swap=True),
     None),
    ("multilabel_soft_margin_loss", lambda x, t: F.multilabel_soft_margin_loss(x, t), "float"),
    ("multilabel_margin_loss", lambda x, t: F.multilabel_margin_loss(x, t), "labels"),
    ("multi_margin_loss", lambda x, t: F.multi_margin_loss(x, t, p=2), "index"),
    ("poisson_nll_loss", lambda x, t: F.poisson_nll_loss(x, t * 3, full=True), "float"),
    ("gaussian_nll_loss", lambda x, t, v: F.gaussian_nll_loss(x, t, v), "var"),
    ("grid_sample", lambda x, g: F.grid_sample(x.reshape(2, 1, 5, 2), g,
                                               padding_mode="reflection"), "grid"),
    ("max_unpool2d", lambda x: F.max_unpool2d(*F.max_pool2d(x.reshape(1, 1, 5, 4), 2,
                                                             return_indices=True), 2), None),
    ("fold", lambda x: F.fold(x.reshape(1, 4, 5), (2, 6), 2), None),
    ("embedding_bag-max", lambda x: F.embedding_bag(gk.tensor(np.array([1, 2, 4, 0, 3]),
                                                              device=x.device), x,
                                                    gk.tensor(np.array([0, 2, 2]),
                                                              device=x.device), mode="max"),
     None),
    ("embedding_bag-mean", lambda x: F.embedding_bag(gk.tensor(np.array([[1, 2], [4, 4]]),
                                                               device=x.device), x), None),
    ("fractional_max_pool2d", lambda x: F.fractional_max_pool2d(
        x.reshape(1, 1, 5, 4), 2, output_size=(3, 2),
        _random_samples=gk.tensor(np.array([[[0.3, 0.7]]], np.float32), device=x.device)),
     None),
    ("ctc_loss", lambda x, t: F.ctc_loss(x.reshape(5, 1, 4).log_softmax(-1), t[:1, :2],
                                         [5], [2], reduction="none"), "labels"),
    ("ctc_loss-empty-targets", lambda x: F.ctc_loss(x.reshape(5, 1, 4).log_softmax(-1),
                                                    np.zeros((1, 0), np.int64), [5], [0]), None),
    ("pad-reflect-crop", lambda x: F.pad(x.reshape(1, 5, 4), (3, -1, -1, 2), mode="reflect"),
     None),
    ("pad-circular", lambda x: F.pad(x.reshape(1, 5, 4), (2, 1), mode="circular"), None),
    ("pdist", lambda x: F.pdist(x), None),
    ("pdist-p3", lambda x: F.pdist(x, 3), None),
    ("pdist-p0", lambda x: F.pdist(x, 0), None),
]


@pytest.mark.parametrize("name,fn,kind", FUNCS, ids=[f[0] for f in FUNCS])
def test_new_function_matches_cpu(cuda, name, fn, kind):
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    res = []
    for dev in ("cpu", cuda):
        xt = gk.tensor(x, device=dev, requires_grad=True)
        extra = () if kind is None else _targets(kind, dev)
        out = fn(xt, *extra)
        assert out.is_cuda == (dev != "cpu")
        (out * out).sum().backward()
        res.append((out.detach().cpu().numpy(), xt.grad.cpu().numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("make", [
    lambda d: nn.TransformerDecoderLayer(8, 2, 16, device=d),
    lambda d: nn.TransformerEncoderLayer(8, 2, 16, device=d),
    lambda d: nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                             dim_feedforward=16, device=d),
    lambda d: nn.MultiheadAttention(8, 2, device=d),
    lambda d: nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5], device=d),
    lambda d: nn.InstanceNorm2d(3, affine=True, track_running_stats=True, device=d),
    lambda d: nn.BatchNorm3d(3, device=d),
    lambda d: nn.BatchNorm1d(3, device=d),
    lambda d: nn.Conv3d(2, 3, 2, device=d),
    lambda d: nn.ConvTranspose3d(2, 3, 2, device=d),
    lambda d: nn.Conv2d(2, 3, 2, device=d),
], ids=["decoder_layer", "encoder_layer", "transformer", "mha", "adaptive_softmax",
        "instance_norm", "batch_norm3d", "batch_norm1d", "conv3d", "conv_transpose3d", "conv2d"])
def test_device_argument_creates_parameters_and_buffers_there(cuda, make):
    m = make(cuda)
    off = [k for k, v in [*m.named_parameters(), *m.named_buffers()] if not v.is_cuda]
    assert not off, f"left on the host: {off}"

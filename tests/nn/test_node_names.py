"""Functionals that gradkit composes of several ops show PyTorch's ``grad_fn`` name on their
result (``gradkit/nn/functional/_node_names.py``): interpolate by mode and rank (antialias too),
pad by mode, adaptive average pools (a mean for one output element), pixel shuffles, prelu,
shrinks, glu, rrelu, fold/unfold, grid_sample/affine_grid, margin losses, distances; and the
layers built on them."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

_R = np.random.default_rng(0)
A = _R.standard_normal((2, 4, 6, 6)).astype(np.float32)
T = _R.standard_normal((2, 3, 8)).astype(np.float32)
V3 = _R.standard_normal((1, 2, 4, 4, 4)).astype(np.float32)
M = _R.standard_normal((3, 5)).astype(np.float32)

CALLS = {
    **{f"interpolate_{mode}_{k}": (lambda F, a, t, v, m, mode=mode, k=k: F.interpolate(
        (t, a, v)[k], scale_factor=2, mode=mode))
       for mode, ks in (("nearest", (0, 1, 2)), ("nearest-exact", (0, 1, 2)), ("linear", (0,)),
                        ("bilinear", (1,)), ("bicubic", (1,)), ("trilinear", (2,)),
                        ("area", (0, 1, 2)))
       for k in ks},
    "interpolate_size": lambda F, a, t, v, m: F.interpolate(a, size=(3, 4)),
    "interpolate_aa": lambda F, a, t, v, m: F.interpolate(a, scale_factor=0.5, mode="bilinear",
                                                          antialias=True),
    **{f"pad_{mode}_{n}": (lambda F, a, t, v, m, mode=mode, n=n: F.pad(
        (t, a, v)[n - 1], (1, 2) * n, mode=mode))
       for mode in ("constant", "reflect", "replicate") for n in (1, 2, 3)},
    "pad_constant_value": lambda F, a, t, v, m: F.pad(a, (1, 1), value=2.0),
    **{f"adaptive_avg_{size}": (lambda F, a, t, v, m, size=size: F.adaptive_avg_pool2d(a, size))
       for size in (1, (1, 1), 2, 3, (None, 1))},
    "adaptive_avg_3d_1": lambda F, a, t, v, m: F.adaptive_avg_pool3d(v, 1),
    "adaptive_avg_3d_2": lambda F, a, t, v, m: F.adaptive_avg_pool3d(v, 2),
    "adaptive_avg_unbatched": lambda F, a, t, v, m: F.adaptive_avg_pool2d(a[0], 2),
    "adaptive_avg_1d": lambda F, a, t, v, m: F.adaptive_avg_pool1d(t, 2),
    "adaptive_avg_1d_1": lambda F, a, t, v, m: F.adaptive_avg_pool1d(t, 1),
    "max_pool3d": lambda F, a, t, v, m: F.max_pool3d(v, 2),
    "avg_pool3d": lambda F, a, t, v, m: F.avg_pool3d(v, 2),
    "pixel_shuffle": lambda F, a, t, v, m: F.pixel_shuffle(a, 2),
    "pixel_unshuffle": lambda F, a, t, v, m: F.pixel_unshuffle(a, 2),
    "prelu": lambda F, a, t, v, m: F.prelu(a, a.new_tensor([0.2])),
    "hardshrink": lambda F, a, t, v, m: F.hardshrink(m),
    "softshrink": lambda F, a, t, v, m: F.softshrink(m, 0.3),
    "glu": lambda F, a, t, v, m: F.glu(a, 1),
    "rrelu": lambda F, a, t, v, m: F.rrelu(m),
    "unfold": lambda F, a, t, v, m: F.unfold(a, 2),
    "fold": lambda F, a, t, v, m: F.fold(F.unfold(a, 2), (6, 6), 2),
    "grid_sample": lambda F, a, t, v, m: F.grid_sample(a, a.new_zeros(2, 3, 3, 2),
                                                       align_corners=False),
    "affine_grid": lambda F, a, t, v, m: F.affine_grid(m[:2, :3].unsqueeze(0), (1, 1, 3, 3),
                                                       align_corners=False),
    "multi_margin": lambda F, a, t, v, m: F.multi_margin_loss(m, m.new_tensor([0, 1, 2]).long()),
    "soft_margin": lambda F, a, t, v, m: F.soft_margin_loss(m, m.new_ones(3, 5)),
    "multilabel_margin": lambda F, a, t, v, m: F.multilabel_margin_loss(
        m, m.new_zeros(3, 5).long()),
    "pairwise_distance": lambda F, a, t, v, m: F.pairwise_distance(m, m * 2),
    "pdist": lambda F, a, t, v, m: F.pdist(m),
}

LAYERS = {
    "PReLU": lambda nn: (nn.PReLU(), M), "Upsample": lambda nn: (nn.Upsample(scale_factor=2), A),
    "UpsamplingBilinear2d": lambda nn: (nn.UpsamplingBilinear2d(scale_factor=2), A),
    "ReflectionPad2d": lambda nn: (nn.ReflectionPad2d(1), A),
    "ReplicationPad1d": lambda nn: (nn.ReplicationPad1d(2), T),
    "ZeroPad2d": lambda nn: (nn.ZeroPad2d(1), A),
    "AdaptiveAvgPool2d_1": lambda nn: (nn.AdaptiveAvgPool2d((1, 1)), A),
    "AdaptiveAvgPool2d_2": lambda nn: (nn.AdaptiveAvgPool2d(2), A),
    "PixelShuffle": lambda nn: (nn.PixelShuffle(2), A),
    "Hardshrink": lambda nn: (nn.Hardshrink(), M),
    "GLU": lambda nn: (nn.GLU(), A), "Unfold": lambda nn: (nn.Unfold(3), A),
    "AdaptiveAvgPool1d": lambda nn: (nn.AdaptiveAvgPool1d(3), T),
    "AdaptiveAvgPool3d": lambda nn: (nn.AdaptiveAvgPool3d(2), V3),
    "PixelUnshuffle": lambda nn: (nn.PixelUnshuffle(2), A),
}


def _name(t):
    return type(t.grad_fn).__name__


@pytest.mark.parametrize("key", sorted(CALLS))
def test_functional_result_named_as_pytorchs(torch, key):
    names = []
    for lib in (torch, gk):
        args = [lib.tensor(x, requires_grad=True) for x in (A, T, V3, M)]
        names.append(_name(CALLS[key](lib.nn.functional, *args)))
    assert names[1] == names[0]


@pytest.mark.parametrize("key", sorted(LAYERS))
def test_layer_result_named_as_pytorchs(torch, key):
    names = []
    for lib in (torch, gk):
        layer, x = LAYERS[key](lib.nn)
        names.append(_name(layer(lib.tensor(x, requires_grad=True))))
    assert names[1] == names[0]


def test_naming_keeps_the_rules_and_skips_no_grad():
    x = gk.tensor(A, requires_grad=True)
    y = gk.nn.functional.interpolate(x, scale_factor=2)
    assert "grad_fn=<UpsampleNearest2DBackward0>" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(A.shape, 4.0))
    assert gk.nn.functional.pad(gk.tensor(A), (1, 1)).grad_fn is None

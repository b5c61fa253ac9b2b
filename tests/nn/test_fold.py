"""F.unfold/F.fold, nn.Unfold/nn.Fold; F.pixel_shuffle/F.pixel_unshuffle, nn.PixelShuffle/
nn.PixelUnshuffle."""

import numpy as np
import pytest
from oracle import check_grad, compare_layer, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn

_GEOMETRY = [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2),
             dict(kernel_size=3, padding=1, dilation=2), dict(kernel_size=(3, 2), padding=(1, 0),
                                                              stride=(1, 2), dilation=(1, 2))]


@pytest.mark.parametrize("geo", _GEOMETRY, ids=str)
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_matches_torch(torch, geo, batched):
    shape = (2, 3, 7, 8) if batched else (3, 7, 8)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    g, t = nn.Unfold(**geo), torch.nn.Unfold(**geo)
    compare_layer(torch, g, t, [x])
    assert repr(g) == repr(t)
    assert g.state_dict().keys() == t.state_dict().keys()


@pytest.mark.parametrize("geo", _GEOMETRY, ids=str)
@pytest.mark.parametrize("batched", [True, False])
def test_fold_matches_torch(torch, geo, batched):
    size = (7, 8)
    cols = torch.nn.functional.unfold(torch.zeros(1, 3, *size), **geo)
    shape = tuple(cols.shape) if batched else tuple(cols.shape[1:])
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    g, t = nn.Fold(size, **geo), torch.nn.Fold(size, **geo)
    compare_layer(torch, g, t, [x])
    assert repr(g) == repr(t)


def test_fold_unfold_float64_gradients():
    rng = np.random.default_rng(2)
    x = t64(rng, 2, 2, 5, 4)
    geo = dict(kernel_size=(2, 3), padding=1, stride=(2, 1), dilation=(1, 2))
    check_grad(lambda x: F.unfold(x, **geo), [x])
    c = t64(rng, *F.unfold(x, **geo).shape)
    check_grad(lambda c: F.fold(c, (5, 4), **geo), [c])

    def grad_of(x):  # second order
        with gk.enable_grad():
            (g,) = gk.autograd.grad((F.unfold(x, **geo) ** 3).sum(), [x], create_graph=True)
        return g * 1.0

    check_grad(grad_of, [x])


def test_fold_of_unfold_counts_overlaps():
    x = gk.ones(1, 1, 3, 3)
    y = F.fold(F.unfold(x, 2), (3, 3), 2)
    np.testing.assert_array_equal(y.numpy()[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_unfold_fold_errors():
    # the types PyTorch raises (RuntimeError, from im2col/col2im's checks; IndexError for an
    # input of fewer than 3 dimensions, whose size(1)/size(2) im2col reads)
    with pytest.raises(IndexError, match=r"Unfold\(kernel_size=2.*\(N, C, H, W\) or \(C, H, W\)"
                                         r".*shape \(4, 4\)"):
        nn.Unfold(2)(gk.randn(4, 4))
    with pytest.raises(RuntimeError, match=r"unfold\(\).*no block fits"):
        F.unfold(gk.randn(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError, match=r"Fold\(output_size=\(3, 3\).*expected an input of "
                                         r"shape \(N, 4, 2 \* 2 = 4\).*\(1, 4, 5\)"):
        nn.Fold((3, 3), 2)(gk.randn(1, 4, 5))
    with pytest.raises(RuntimeError, match=r"fold\(\).*not divisible by the kernel size product 4"):
        F.fold(gk.randn(1, 3, 4), (3, 3), 2)
    with pytest.raises(RuntimeError, match=r"fold\(\).*\(N, C \* kh \* kw, L\).*shape \(5,\)"):
        F.fold(gk.randn(5), (3, 3), 2)
    with pytest.raises(RuntimeError, match="stride must be positive"):
        F.unfold(gk.randn(1, 1, 4, 4), 2, stride=0)


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((3, 9, 2, 2), 3), ((2, 1, 4, 3, 3), 2)])
def test_pixel_shuffle_matches_torch(torch, shape, r):
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    g, t = nn.PixelShuffle(r), torch.nn.PixelShuffle(r)
    out, _ = compare_layer(torch, g, t, [x])
    assert repr(g) == repr(t)
    g2, t2 = nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r)
    back, _ = compare_layer(torch, g2, t2, [out.detach().numpy()])
    np.testing.assert_array_equal(back.detach().numpy(), x)
    assert repr(g2) == repr(t2)


def test_pixel_shuffle_float64_gradient_and_errors():
    x = t64(np.random.default_rng(4), 2, 8, 2, 3)
    check_grad(lambda x: F.pixel_shuffle(x, 2), [x])
    check_grad(lambda x: F.pixel_unshuffle(x, 2), [t64(np.random.default_rng(5), 1, 2, 4, 6)])
    # PyTorch: RuntimeError for a shape or a non-positive factor, TypeError for a non-int one
    with pytest.raises(RuntimeError, match=r"PixelShuffle\(upscale_factor=2\).*channel size 6 "
                                           r"of input shape \(1, 6, 2, 2\).*divisible by "
                                           r"upscale_factor\^2 = 4"):
        nn.PixelShuffle(2)(gk.randn(1, 6, 2, 2))
    with pytest.raises(RuntimeError, match=r"PixelShuffle\(upscale_factor=2\).*at least 3-D.*"
                                           r"\(4, 4\)"):
        nn.PixelShuffle(2)(gk.randn(4, 4))
    with pytest.raises(RuntimeError, match=r"PixelUnshuffle\(downscale_factor=2\).*input shape "
                                           r"\(1, 1, 3, 4\)"):
        nn.PixelUnshuffle(2)(gk.randn(1, 1, 3, 4))
    with pytest.raises(TypeError, match="'upscale_factor' \\(position 2\\) must be int"):
        F.pixel_shuffle(gk.randn(1, 4, 2, 2), 2.0)
    with pytest.raises(RuntimeError, match="upscale_factor must be positive"):
        F.pixel_shuffle(gk.randn(1, 4, 2, 2), 0)


@pytest.mark.parametrize("shape,groups", [((2, 6, 3, 4), 3), ((2, 4, 5), 2), ((1, 8, 2, 2, 2), 4)])
def test_channel_shuffle_matches_torch(torch, shape, groups):
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    g, t = nn.ChannelShuffle(groups), torch.nn.ChannelShuffle(groups)
    assert repr(g) == repr(t)
    compare_layer(torch, g, t, [x])
    np.testing.assert_array_equal(F.channel_shuffle(gk.tensor(x), groups).numpy(),
                                  torch.nn.functional.channel_shuffle(torch.tensor(x),
                                                                      groups).numpy())
    with pytest.raises(RuntimeError, match=r"ChannelShuffle\(groups=5\) expects the number of "
                                           rf"channels to be divisible by groups \(5\), got "
                                           rf"input of shape \({shape[0]}, {shape[1]}"):
        nn.ChannelShuffle(5)(gk.tensor(x))

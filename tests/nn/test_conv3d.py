"""Conv3d / ConvTranspose3d and F.conv3d / F.conv_transpose3d against PyTorch, central
differences (first and second order) and bad input."""

import numpy as np
import pytest
from helpers import skip_unless_torch_half_conv_is_onednns
from oracle import check_grad, compare_layer, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


@pytest.mark.parametrize("kw,shape", [
    (dict(kernel_size=3), (2, 4, 5, 6, 7)),
    (dict(kernel_size=(2, 3, 1), stride=(2, 1, 2), padding=(1, 0, 1), bias=False), (1, 4, 6, 5, 5)),
    (dict(kernel_size=3, padding="same", dilation=(1, 2, 1), groups=2), (2, 4, 5, 6, 5)),
    (dict(kernel_size=2, padding=1, padding_mode="replicate"), (4, 4, 4, 4)),
])
def test_conv3d_matches_torch(torch, kw, shape):
    gk.manual_seed(0)
    g, t = nn.Conv3d(4, 6, **kw), torch.nn.Conv3d(4, 6, **kw)
    assert repr(g) == repr(t)
    assert list(g.state_dict()) == list(t.state_dict())
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    compare_layer(torch, g, t, [x], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("kw,shape", [
    (dict(kernel_size=3), (2, 4, 3, 4, 2)),
    (dict(kernel_size=(2, 3, 2), stride=(2, 1, 2), padding=(1, 0, 0), output_padding=(1, 0, 1),
          groups=2, dilation=(1, 2, 1)), (1, 4, 3, 3, 4)),
])
def test_conv_transpose3d_matches_torch(torch, kw, shape):
    g, t = nn.ConvTranspose3d(4, 6, **kw), torch.nn.ConvTranspose3d(4, 6, **kw)
    assert repr(g) == repr(t)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    compare_layer(torch, g, t, [x], atol=1e-4, rtol=1e-4)


def test_conv3d_float64_gradients_first_and_second_order():
    rng = np.random.default_rng(2)
    x, w, b = t64(rng, 2, 2, 4, 3, 5), t64(rng, 4, 1, 2, 2, 3), t64(rng, 4)
    geo = dict(stride=(1, 2, 1), padding=(1, 0, 1), groups=2)
    check_grad(lambda x, w, b: F.conv3d(x, w, b, **geo), [x, w, b])
    y = t64(rng, 2, 4, 3, 2, 3)
    wt = t64(rng, 4, 1, 2, 2, 2)
    check_grad(lambda y, w: F.conv_transpose3d(y, w, stride=2, groups=2), [y, wt])

    def grad_of(x, w):
        with gk.enable_grad():
            gx, gw = gk.autograd.grad((F.conv3d(x, w, **geo) ** 2).sum(), [x, w],
                                      create_graph=True)
        return (gx * gx).sum() + (gw * gw).sum()

    check_grad(grad_of, [x, w])


def test_conv3d_errors():
    conv = nn.Conv3d(3, 2, 2)
    with pytest.raises(RuntimeError, match=r"Conv3d\(in_channels=3\): Expected 4D \(unbatched\) "
                                           r"or 5D \(batched\) input, but got input of size: "
                                           r"\[3, 4, 4\]"):
        conv(gk.randn(3, 4, 4))
    with pytest.raises(RuntimeError, match=r"but got 2 channels"):
        conv(gk.randn(1, 2, 4, 4, 4))
    with pytest.raises(RuntimeError, match=r"Kernel size: \(2, 2, 2\).*can't be greater"):
        conv(gk.randn(1, 3, 1, 4, 4))


@pytest.mark.parametrize("affine,track", [(True, True), (False, True), (True, False)])
def test_batch_norm3d_matches_torch(torch, affine, track):
    g = nn.BatchNorm3d(4, affine=affine, track_running_stats=track)
    t = torch.nn.BatchNorm3d(4, affine=affine, track_running_stats=track)
    assert repr(g) == repr(t)
    assert list(g.state_dict()) == list(t.state_dict())
    x = (np.random.default_rng(5).standard_normal((2, 4, 3, 4, 5)) * 2 + 1).astype(np.float32)
    compare_layer(torch, g, t, [x], atol=1e-4)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(g.state_dict()[k].detach().numpy(), v.numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=k)
    compare_layer(torch, g, t, [x], atol=1e-4, train=False)
    with pytest.raises(ValueError, match=r"BatchNorm3d\(num_features=4\) expects input of shape "
                                         r"\(N, 4, D, H, W\), got \(2, 4, 3, 4\)"):
        g(gk.randn(2, 4, 3, 4))


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kw", [{"stride": 2, "groups": 2}, {"stride": 1, "padding": 1}])
def test_conv_transpose_float16_sums_in_float32_as_torch(nd, kw):
    # PyTorch's float16 transposed convolution sums the overlapping taps in float32 and rounds
    # once; gradkit's col2im summed them in float16 (0.0574 where PyTorch gives 0.0526)
    torch = pytest.importorskip("torch")
    skip_unless_torch_half_conv_is_onednns(torch)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4) + (5,) * nd).astype(np.float16)
    w = rng.standard_normal((4, 2) + (3,) * nd).astype(np.float16)
    b = rng.standard_normal(2 * (2 if kw.get("groups") else 1)).astype(np.float16)
    name = f"conv_transpose{nd}d"
    t = getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(w), torch.tensor(b), **kw)
    g = getattr(gk.nn.functional, name)(gk.tensor(x), gk.tensor(w), gk.tensor(b), **kw)
    assert g.dtype == gk.float16
    np.testing.assert_array_equal(g.numpy(), t.numpy())

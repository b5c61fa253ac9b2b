"""F.interpolate agrees with PyTorch's CPU kernels bit for bit (not only to float rounding)
where gradkit follows their arithmetic: bilinear float32 (both of PyTorch's kernels: the
generic one for NCHW outputs with H + W > 128, the channels-last one otherwise and for
channels-last inputs of more than 3 channels, its vector lanes and its scalar tail), linear and
trilinear float32 (innermost axis first, one FMA per pair of taps), and the nearest modes."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _threads():
    # (PyTorch picks its channels-last kernel for 3 channels on one thread only)
    before = torch.get_num_threads()
    torch.set_num_threads(max(2, before))
    yield
    torch.set_num_threads(before)


def _pair(shape, channels_last, dtype=np.float32, seed=0):
    x = np.random.default_rng(seed).random(shape).astype(dtype)
    t, g = torch.from_numpy(x), gk.tensor(x)
    if channels_last:
        t = t.contiguous(memory_format=torch.channels_last)
        g = g.contiguous(memory_format=gk.channels_last)
    return t, g


def _mismatches(shape, channels_last=False, **kw):
    t, g = _pair(shape, channels_last)
    want = torch.nn.functional.interpolate(t, **kw).numpy()
    got = F.interpolate(g, **kw).numpy()
    assert got.shape == want.shape and got.dtype == want.dtype
    return int((got != want).sum())


_RESIZE = [dict(scale_factor=1.5), dict(scale_factor=0.6), dict(scale_factor=2),
           dict(scale_factor=(1.7, 0.45)), dict(size=(7, 9)), dict(size=(3, 40)),
           dict(size=(70, 90)), dict(size=(5, 200))]


@pytest.mark.parametrize("kw", _RESIZE, ids=str)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("shape", [(1, 1, 4, 4), (2, 3, 9, 11), (1, 5, 20, 30), (2, 20, 16, 12)],
                         ids=str)
def test_bilinear_float32_is_bit_exact(shape, align_corners, kw):
    if shape[1] == 3 and sum(shape[2:]) > 20:
        kw = dict(kw, scale_factor=0.6) if "scale_factor" in kw else dict(size=(7, 9))
    assert _mismatches(shape, mode="bilinear", align_corners=align_corners, **kw) == 0


@pytest.mark.parametrize("channels", [1, 4, 5, 8, 16, 20])
@pytest.mark.parametrize("size", [(7, 9), (70, 90)], ids=str)
def test_bilinear_float32_channels_last_is_bit_exact(channels, size):
    assert _mismatches((2, channels, 20, 30), channels_last=True, mode="bilinear",
                       size=size) == 0


@pytest.mark.parametrize("kw", [dict(scale_factor=1.7), dict(scale_factor=0.6), "size"], ids=str)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("shape", [(2, 3, 9), (1, 20, 40), (1, 2, 4, 5, 6), (1, 16, 9, 10, 11)],
                         ids=str)
def test_linear_and_trilinear_float32_are_bit_exact(shape, align_corners, kw):
    if kw == "size":
        kw = dict(size=tuple(2 * n + 3 for n in shape[2:]))
    mode = "linear" if len(shape) == 3 else "trilinear"
    assert _mismatches(shape, mode=mode, align_corners=align_corners, **kw) == 0


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("kw", [dict(scale_factor=1.7), dict(scale_factor=0.6),
                                dict(size=(13, 5))], ids=str)
def test_nearest_modes_are_bit_exact(mode, kw):
    assert _mismatches((2, 3, 9, 11), mode=mode, **kw) == 0


def test_bilinear_gradient_still_matches():
    t, g = _pair((2, 5, 9, 11), False, np.float64)
    t.requires_grad_(True)
    g.requires_grad_(True)
    torch.nn.functional.interpolate(t, scale_factor=1.7, mode="bilinear").pow(2).sum().backward()
    F.interpolate(g, scale_factor=1.7, mode="bilinear").pow(2).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)

"""``interpolate`` of uint8 images in the bilinear and bicubic modes, against PyTorch's uint8
CPU kernel (gradkit raised NotImplementedError): plain bilinear bit for bit; antialiased and
plain bicubic within 1 (rarely 2) in a few pixels (see gradkit/nn/functional/_resample_uint8.py)."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

SIZES = [dict(size=(5, 6)), dict(size=(14, 17)), dict(size=(11, 8)), dict(size=(3, 20)),
         dict(size=(1, 1)), dict(scale_factor=1.7), dict(scale_factor=0.6),
         dict(scale_factor=(2, 0.5)), dict(scale_factor=1.7, recompute_scale_factor=True)]


def _both(x, **kw):
    try:
        want = torch.nn.functional.interpolate(torch.tensor(x), **kw)
    except RuntimeError:  # (PyTorch's uint8 kernel asserts on some 3-channel shapes)
        pytest.skip("PyTorch's uint8 kernel fails here")
    got = gk.nn.functional.interpolate(gk.tensor(x), **kw)
    assert got.dtype == gk.uint8 and tuple(got.shape) == tuple(want.shape)
    return got.numpy().astype(int), want.numpy().astype(int)


@pytest.mark.parametrize("channels", [1, 3, 4, 5])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kw", SIZES)
def test_uint8_bilinear_as_torch_bit_for_bit(kw, align_corners, channels):
    x = np.random.default_rng(channels).integers(0, 256, (2, channels, 11, 8)).astype(np.uint8)
    got, want = _both(x, mode="bilinear", align_corners=align_corners, **kw)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("channels", [1, 4, 5])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode,antialias", [("bilinear", True), ("bicubic", True),
                                            ("bicubic", False)])
@pytest.mark.parametrize("kw", SIZES)
def test_uint8_antialiased_and_bicubic_within_one_of_torch(kw, mode, antialias, align_corners,
                                                           channels):
    x = np.random.default_rng(channels).integers(0, 256, (2, channels, 11, 8)).astype(np.uint8)
    got, want = _both(x, mode=mode, antialias=antialias, align_corners=align_corners, **kw)
    diff = np.abs(got - want)
    assert diff.max() <= 2 and (diff > 0).mean() < 0.03, (diff.max(), (diff > 0).mean())


def test_uint8_linear_and_trilinear_stay_refused_as_torch():
    for mode, shape in (("linear", (1, 2, 5)), ("trilinear", (1, 2, 3, 3, 3))):
        with pytest.raises(NotImplementedError):
            torch.nn.functional.interpolate(torch.zeros(shape, dtype=torch.uint8), size=2,
                                            mode=mode)
        with pytest.raises(NotImplementedError):
            gk.nn.functional.interpolate(gk.zeros(shape, dtype=gk.uint8), size=2, mode=mode)

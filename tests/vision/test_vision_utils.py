"""make_grid and save_image against torchvision's definitions, written out in NumPy."""

import math

import numpy as np
import pytest

import gradkit as gk
from gradkit.vision.utils import make_grid, save_image


def _grid_ref(batch, nrow=8, padding=2, pad_value=0.0):
    b, c, h, w = batch.shape
    xmaps = min(nrow, b)
    ymaps = int(math.ceil(b / xmaps))
    out = np.full((c, (h + padding) * ymaps + padding, (w + padding) * xmaps + padding),
                  pad_value, dtype=batch.dtype)
    for k in range(b):
        y, x = divmod(k, xmaps)
        top, left = y * (h + padding) + padding, x * (w + padding) + padding
        out[:, top:top + h, left:left + w] = batch[k]
    return out


@pytest.mark.parametrize("nrow,padding,pad_value", [(8, 2, 0.0), (2, 1, 0.5), (3, 0, 1.0)])
def test_make_grid_layout(nrow, padding, pad_value):
    x = np.random.default_rng(0).random((5, 3, 4, 6), dtype=np.float32)
    out = make_grid(gk.tensor(x), nrow=nrow, padding=padding, pad_value=pad_value)
    np.testing.assert_array_equal(out.numpy(), _grid_ref(x, nrow, padding, pad_value))
    lst = make_grid([gk.tensor(v) for v in x], nrow=nrow, padding=padding, pad_value=pad_value)
    np.testing.assert_array_equal(lst.numpy(), out.numpy())


def test_make_grid_single_channel_single_image_and_errors():
    x = np.random.default_rng(1).random((3, 1, 4, 4), dtype=np.float32)
    out = make_grid(gk.tensor(x), nrow=3)
    np.testing.assert_array_equal(out.numpy(), _grid_ref(np.repeat(x, 3, axis=1), 3))
    one = make_grid(gk.tensor(x[0]))  # a single (1, H, W) image: 3 channels, no padding
    np.testing.assert_array_equal(one.numpy(), np.repeat(x[0], 3, axis=0))
    with pytest.raises(TypeError, match="tensor or list of tensors"):
        make_grid(x)
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(gk.tensor(x), normalize=True, value_range=[0, 1])


def test_make_grid_normalize():
    x = np.random.default_rng(2).normal(size=(4, 3, 2, 2)).astype(np.float32)
    out = make_grid(gk.tensor(x), normalize=True, padding=0, nrow=4)
    lo, hi = float(x.min()), float(x.max())
    ref = (x - np.float32(lo)) / np.float32(hi - lo)
    np.testing.assert_allclose(out.numpy(), _grid_ref(ref, 4, 0), rtol=1e-6, atol=1e-7)
    out = make_grid(gk.tensor(x), normalize=True, value_range=(-1.0, 1.0), padding=0, nrow=4)
    ref = (np.clip(x, -1, 1) + 1) / 2
    np.testing.assert_allclose(out.numpy(), _grid_ref(ref.astype(np.float32), 4, 0), atol=1e-7)
    out = make_grid(gk.tensor(x), normalize=True, scale_each=True, padding=0, nrow=4)
    each = np.stack([(v - v.min()) / (v.max() - v.min()) for v in x])
    np.testing.assert_allclose(out.numpy(), _grid_ref(each.astype(np.float32), 4, 0), atol=1e-6)
    assert np.array_equal(gk.tensor(x).numpy(), x)  # the input is not modified


def test_save_image_round_trip(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    x = np.random.default_rng(3).random((2, 3, 5, 5), dtype=np.float32)
    path = tmp_path / "grid.png"
    save_image(gk.tensor(x), str(path), nrow=2, padding=1)
    got = np.asarray(Image.open(path))
    ref = np.clip(_grid_ref(x, 2, 1) * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(got, ref)

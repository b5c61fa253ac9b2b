"""gradkit.vision.transforms.v2's AutoAugment family against torchvision 0.28's v2 (the
``oracle`` extra): after the same seed, the same operations, magnitudes and outputs.

torchvision's v2 transforms are pure Python; they are imported with torchvision's package
``__init__`` skipped when its compiled ops do not load.
uint8 outputs must be equal; float32 outputs equal to float rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import torchvision_module

import gradkit as gk
from gradkit.vision.transforms import v2 as G
from gradkit.vision.transforms.v2 import _kernels as K

torch = pytest.importorskip("torch")


tv = torchvision_module


def tv2():
    return tv("torchvision.transforms.v2")


def images(shape=(3, 13, 15), seed=0):
    rng = np.random.default_rng(seed)
    u = rng.integers(0, 256, size=shape, dtype=np.uint8)
    u[..., :3, :4] = 255  # saturated corners make autocontrast/equalize/solarize bite
    u[..., -2:, -3:] = 0
    f = rng.uniform(size=shape).astype(np.float32)
    return u, f


def same(g, t, dtype):
    g, t = g.numpy(), t.numpy()
    assert g.dtype == t.dtype and g.shape == t.shape
    if dtype == np.uint8:
        np.testing.assert_array_equal(g, t)
    else:
        np.testing.assert_allclose(g, t, rtol=0, atol=2e-6)


CASES = [
    ("AutoAugment", {}),
    ("AutoAugment", {"policy": "CIFAR10"}),
    ("AutoAugment", {"policy": "SVHN", "fill": 128}),
    ("AutoAugment", {"interpolation": "bilinear", "fill": [10, 200, 30]}),
    ("RandAugment", {}),
    ("RandAugment", {"num_ops": 4, "magnitude": 20, "interpolation": "bilinear"}),
    ("RandAugment", {"num_ops": 3, "magnitude": 30, "fill": [0, 100, 255]}),
    ("TrivialAugmentWide", {}),
    ("TrivialAugmentWide", {"num_magnitude_bins": 7, "interpolation": "bilinear", "fill": 50}),
    ("AugMix", {}),
    ("AugMix", {"severity": 10, "mixture_width": 2, "chain_depth": 2, "all_ops": False}),
    ("AugMix", {"alpha": 0.5, "interpolation": "nearest", "fill": 7.0}),
]


def build(module, name, kw):
    kw = dict(kw)
    if "policy" in kw:
        kw["policy"] = getattr(module.AutoAugmentPolicy, kw["policy"])
    return getattr(module, name)(**kw)


@pytest.mark.parametrize("name,kw", CASES)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_same_output_after_same_seed(name, kw, dtype):
    v2 = tv2()
    u, f = images()
    img = u if dtype == np.uint8 else f
    t_tr, g_tr = build(v2, name, kw), build(G, name, kw)
    for seed in range(15):
        torch.manual_seed(seed)
        want = t_tr(torch.tensor(img))
        gk.manual_seed(seed)
        got = g_tr(gk.tensor(img))
        same(got, want, dtype)
        # the generators are left in the same state
        assert float(gk.rand(())) == float(torch.rand(()))


@pytest.mark.parametrize("name", ["AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"])
def test_batched_square_and_grayscale_images(name):
    v2 = tv2()
    # a batch of images (leading dims), a square image (rotate's quarter-turn fast path), and a
    # single-channel image
    for shape in ((2, 3, 9, 11), (3, 10, 10), (1, 12, 9)):
        u, f = images(shape, seed=1)
        for img in (u, f):
            for seed in range(12):
                torch.manual_seed(seed)
                want = getattr(v2, name)()(torch.tensor(img))
                gk.manual_seed(seed)
                got = getattr(G, name)()(gk.tensor(img))
                same(got, want, img.dtype)


def test_structures_pass_through():
    v2 = tv2()
    u, _ = images()
    torch.manual_seed(3)
    t_img, t_label = v2.RandAugment()(torch.tensor(u), 7)
    gk.manual_seed(3)
    g_img, g_label = G.RandAugment()(gk.tensor(u), 7)
    same(g_img, t_img, np.uint8)
    assert g_label == t_label == 7
    gk.manual_seed(3)
    out = G.TrivialAugmentWide()({"image": gk.tensor(u), "label": 2})
    assert out["label"] == 2 and tuple(out["image"].shape) == u.shape


def test_pil_images():
    pytest.importorskip("PIL")
    from PIL import Image
    v2 = tv2()
    u, _ = images((13, 15, 3))
    pil = Image.fromarray(u)
    for name in ("AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"):
        for seed in range(6):
            torch.manual_seed(seed)
            want = getattr(v2, name)()(pil)
            gk.manual_seed(seed)
            got = getattr(G, name)()(pil)
            assert isinstance(got, Image.Image)
            np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_errors():
    with pytest.raises(ValueError, match="num_ops should be a non-negative integer"):
        G.RandAugment(num_ops=-1)
    with pytest.raises(ValueError, match="severity must be between"):
        G.AugMix(severity=11)
    with pytest.raises(TypeError, match="Found no image"):
        G.AutoAugment()(3)
    pytest.importorskip("PIL")
    from PIL import Image
    two = {"a": Image.new("RGB", (4, 4)), "b": Image.new("RGB", (4, 4))}
    with pytest.raises(TypeError, match="single image"):
        G.AutoAugment()(two)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_kernels_match_v2_functional(dtype):
    F2 = tv("torchvision.transforms.v2.functional")
    u, f = images()
    img = u if dtype == np.uint8 else f
    g, t = gk.tensor(img), torch.tensor(img)
    for factor in (0.0, 0.3, 1.0, 1.7):
        same(K.adjust_saturation(g, factor), F2.adjust_saturation(t, factor), dtype)
        same(K.adjust_contrast(g, factor), F2.adjust_contrast(t, factor), dtype)
        same(K.adjust_sharpness(g, factor), F2.adjust_sharpness(t, factor), dtype)
    for bits in range(9):
        same(K.posterize(g, bits), F2.posterize(t, bits), dtype)
    same(K.equalize(g), F2.equalize(t), dtype)
    same(K.autocontrast(g), F2.autocontrast(t), dtype)
    bound = 255 if dtype == np.uint8 else 1.0
    for frac in (0.0, 1 / 3, 2 / 3, 0.5, 1.0):
        same(K.solarize(g, bound * frac), F2.solarize(t, bound * frac), dtype)
    for angle in (-27.5, 13.0, 90.0, 180.0, 300.0):
        for mode, m2 in (("nearest", F2.InterpolationMode.NEAREST),
                         ("bilinear", F2.InterpolationMode.BILINEAR)):
            for fill in (None, 3.0, [1.0, 2.0, 250.0]):
                same(K.rotate(g, angle, mode, fill),
                     F2.rotate(t, angle, interpolation=m2, fill=fill), dtype)
                same(K.affine(g, 0.0, [0, 0], 1.0, [11.3, -4.0], mode, fill, center=[0, 0]),
                     F2.affine(t, angle=0.0, translate=[0, 0], scale=1.0, shear=[11.3, -4.0],
                               interpolation=m2, fill=fill, center=[0, 0]), dtype)
    with pytest.raises(TypeError, match="bits must be"):
        K.posterize(g, 9)
    with pytest.raises(TypeError, match="Threshold should be less"):
        K.solarize(g, bound * 1.5)
    with pytest.raises(TypeError, match="1 or 3"):
        K.autocontrast(gk.zeros(2, 4, 4))

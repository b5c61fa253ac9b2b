"""torchvision's augmentations (RandomAffine, GaussianBlur, the random photometric operations,
Five/TenCrop, AutoAugment, RandAugment, TrivialAugmentWide, AugMix) against torchvision itself:
the same seed draws the same parameters, and the outputs are equal (PIL paths pixel-exact,
uint8 tensors exact, float tensors to rounding)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

import numpy as np
import pytest

import gradkit as gk
from gradkit.vision import transforms as GT
from gradkit.vision.transforms import functional as GF

Image = pytest.importorskip("PIL.Image")
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def tv():
    """torchvision.transforms (its package __init__ skipped where its C++ ops do not load)."""
    if importlib.util.find_spec("torchvision") is None:
        pytest.skip("torchvision is not installed")
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "torchvision"}
    try:
        try:
            mod = importlib.import_module("torchvision.transforms")
        except (RuntimeError, OSError, ImportError):
            for k in [k for k in sys.modules if k.split(".")[0] == "torchvision"]:
                del sys.modules[k]
            stub = types.ModuleType("torchvision")
            stub.__path__ = list(importlib.util.find_spec("torchvision")
                                 .submodule_search_locations)
            sys.modules["torchvision"] = stub
            mod = importlib.import_module("torchvision.transforms")
        yield mod
    finally:
        for k in [k for k in sys.modules if k.split(".")[0] == "torchvision"]:
            del sys.modules[k]
        sys.modules.update(saved)


def _images():
    arr = np.random.default_rng(0).integers(0, 256, (24, 20, 3), dtype=np.uint8)
    t = torch.from_numpy(arr).permute(2, 0, 1).contiguous()
    g = gk.tensor(arr).permute(2, 0, 1).contiguous()
    return Image.fromarray(arr), t, g


def _diff(ours, theirs) -> float:
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        return max(_diff(a, b) for a, b in zip(ours, theirs))
    if isinstance(theirs, torch.Tensor):
        a, b = ours.numpy().astype(float), theirs.numpy().astype(float)
    else:
        assert ours.mode == theirs.mode
        a, b = np.asarray(ours).astype(float), np.asarray(theirs).astype(float)
    assert a.shape == b.shape
    return float(np.abs(a - b).max()) if a.size else 0.0


def _mode(mod, mode):
    return getattr(mod.InterpolationMode, mode) if mode else None


CASES = [
    ("RandomAffine", dict(degrees=25, translate=(0.1, 0.2), scale=(0.8, 1.2),
                          shear=(-5, 5, -3, 3))),
    ("RandomAffine", dict(degrees=(-10, 30), interpolation="BILINEAR", fill=7)),
    ("GaussianBlur", dict(kernel_size=5, sigma=(0.1, 2.0))),
    ("RandomInvert", {}), ("RandomPosterize", dict(bits=3)),
    ("RandomSolarize", dict(threshold=100)), ("RandomAdjustSharpness", dict(sharpness_factor=2)),
    ("RandomAutocontrast", {}), ("RandomEqualize", {}),
    ("FiveCrop", dict(size=10)), ("TenCrop", dict(size=(8, 6), vertical_flip=True)),
    ("AutoAugment", {}), ("AutoAugment", dict(policy="CIFAR10")),
    ("AutoAugment", dict(policy="SVHN")), ("RandAugment", {}),
    ("RandAugment", dict(num_ops=3, magnitude=15)), ("TrivialAugmentWide", {}), ("AugMix", {}),
]


def _make(mod, name, kw):
    kw = dict(kw)
    if "interpolation" in kw:
        kw["interpolation"] = _mode(mod, kw["interpolation"])
    if "policy" in kw:
        kw["policy"] = getattr(mod.AutoAugmentPolicy, kw["policy"])
    return getattr(mod, name)(**kw)


@pytest.mark.parametrize("name, kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@pytest.mark.parametrize("kind", ["pil", "uint8"])
def test_transform_matches_torchvision(tv, name, kw, kind):
    pil, t_img, g_img = _images()
    # AugMix mixes in float32 and truncates to uint8: a pixel may land one step apart
    tol = 1.0 if name in ("AugMix", "GaussianBlur") else 0.0
    for seed in range(8):
        torch.manual_seed(seed)
        gk.manual_seed(seed)
        theirs = _make(tv, name, kw)(pil if kind == "pil" else t_img)
        ours = _make(GT, name, kw)(pil if kind == "pil" else g_img)
        assert _diff(ours, theirs) <= tol, (name, kw, seed)
        assert gk.rand(1).item() == torch.rand(1).item()  # the same number of draws
    assert repr(_make(GT, name, kw)) == repr(_make(tv, name, kw))


FUNCTIONAL = [("invert", ()), ("posterize", (3,)), ("solarize", (128,)),
              ("adjust_sharpness", (1.7,)), ("adjust_sharpness", (0.3,)), ("autocontrast", ()),
              ("equalize", ())]


@pytest.mark.parametrize("name, args", FUNCTIONAL)
def test_functional_photometric_matches_torchvision(tv, name, args):
    pil, t_img, g_img = _images()
    tf = importlib.import_module("torchvision.transforms.functional")
    assert _diff(getattr(GF, name)(pil, *args), getattr(tf, name)(pil, *args)) == 0
    assert _diff(getattr(GF, name)(g_img, *args), getattr(tf, name)(t_img, *args)) == 0
    if name not in ("posterize", "equalize"):  # uint8 only
        fargs = [a / 255 if name == "solarize" else a for a in args]
        assert _diff(getattr(GF, name)(g_img.float() / 255, *fargs),
                     getattr(tf, name)(t_img.float() / 255, *fargs)) < 1e-6


@pytest.mark.parametrize("kw", [dict(angle=30, translate=[2, -3], scale=1.2, shear=[10, 5]),
                                dict(angle=-45.5, translate=(0, 0), scale=0.8, shear=7,
                                     fill=[10, 20, 30]),
                                dict(angle=10, translate=[1, 1], scale=1.0, shear=0,
                                     center=[3, 4])])
@pytest.mark.parametrize("mode", ["NEAREST", "BILINEAR"])
def test_functional_affine_matches_torchvision(tv, kw, mode):
    pil, t_img, g_img = _images()
    tf = importlib.import_module("torchvision.transforms.functional")
    ours = GF.affine(pil, interpolation=_mode(GF, mode), **kw)
    assert _diff(ours, tf.affine(pil, interpolation=_mode(tf, mode), **kw)) == 0
    ours = GF.affine(g_img, interpolation=_mode(GF, mode), **kw)
    assert _diff(ours, tf.affine(t_img, interpolation=_mode(tf, mode), **kw)) == 0
    ours = GF.affine(g_img.float(), interpolation=_mode(GF, mode), **kw)
    assert _diff(ours, tf.affine(t_img.float(), interpolation=_mode(tf, mode), **kw)) < 1e-3


def test_functional_argument_errors_as_torchvision(tv):
    pil, _, g_img = _images()
    with pytest.raises(ValueError, match="scale should be positive"):
        GF.affine(pil, 0, [0, 0], 0.0, 0)
    with pytest.raises(ValueError, match="odd and positive"):
        GF.gaussian_blur(g_img, 4)
    with pytest.raises(ValueError, match="sigma should have positive values"):
        GF.gaussian_blur(g_img, 3, -1.0)
    with pytest.raises(TypeError, match="only torch.uint8"):
        GF.posterize(g_img.float(), 3)
    with pytest.raises(ValueError, match="bigger than input size"):
        GF.five_crop(pil, 30)
    with pytest.raises(ValueError, match="severity must be between"):
        GT.AugMix(severity=11)
    with pytest.raises(ValueError, match="Kernel size value should be an odd"):
        GT.GaussianBlur(4)


def test_augmentations_in_a_training_pipeline():
    pil, _, _ = _images()
    pipeline = GT.Compose([GT.RandomAffine(10, translate=(0.1, 0.1)), GT.TrivialAugmentWide(),
                           GT.ToTensor(), GT.Normalize((0.5,) * 3, (0.5,) * 3)])
    gk.manual_seed(0)
    batch = gk.stack([pipeline(pil) for _ in range(4)])
    assert tuple(batch.shape) == (4, 3, 24, 20) and batch.dtype == gk.float32
    crops = GT.Compose([GT.TenCrop(8), GT.Lambda(lambda cs: gk.stack([GT.ToTensor()(c)
                                                                      for c in cs]))])(pil)
    assert tuple(crops.shape) == (10, 3, 8, 8)


@pytest.fixture(scope="module")
def tv2(tv):
    return importlib.import_module("torchvision.transforms.v2")


@pytest.mark.parametrize("name", ["MixUp", "CutMix"])
@pytest.mark.parametrize("labels_2d", [False, True])
def test_v2_mixup_cutmix_match_torchvision(tv2, name, labels_2d):
    from gradkit.vision.transforms import v2 as G2

    rng = np.random.default_rng(0)
    imgs = rng.random((4, 3, 12, 10)).astype(np.float32)
    labels = np.array([0, 2, 1, 2])
    if labels_2d:
        labels = np.eye(3, dtype=np.float32)[labels]
    for seed in range(6):
        torch.manual_seed(seed)
        gk.manual_seed(seed)
        ti, tl = getattr(tv2, name)(num_classes=3, alpha=0.7)(torch.from_numpy(imgs),
                                                              torch.from_numpy(labels))
        gi, gl = getattr(G2, name)(num_classes=3, alpha=0.7)(gk.tensor(imgs), gk.tensor(labels))
        assert np.array_equal(gi.numpy(), ti.numpy()) and np.array_equal(gl.numpy(), tl.numpy())
        assert gk.rand(1).item() == torch.rand(1).item()


def test_v2_mixing_errors():
    from gradkit.vision.transforms import v2 as G2

    imgs, labels = gk.rand(4, 3, 8, 8), gk.tensor([0, 1, 2, 1])
    with pytest.raises(ValueError, match="num_classes must be passed"):
        G2.MixUp()(imgs, labels)
    with pytest.raises(ValueError, match="batch size of the image"):
        G2.CutMix(num_classes=3)(imgs[:3], labels)
    with pytest.raises(ValueError, match="Expected a batched input with 4 dims"):
        G2.MixUp(num_classes=3)(imgs[0], labels)
    pil, _, _ = _images()
    with pytest.raises(ValueError, match="does not support PIL images"):
        G2.MixUp(num_classes=3)(pil, labels)


@pytest.mark.parametrize("name, kw", [("RandomAffine", dict(degrees=20, translate=(0.1, 0.1))),
                                      ("GaussianBlur", dict(kernel_size=3)),
                                      ("RandomInvert", {}), ("RandomPosterize", dict(bits=2)),
                                      ("RandomEqualize", {}), ("FiveCrop", dict(size=8))])
def test_v2_augmentations_on_samples_match_torchvision(tv2, name, kw):
    from gradkit.vision.transforms import v2 as G2

    pil, _, _ = _images()
    for seed in range(6):
        torch.manual_seed(seed)
        gk.manual_seed(seed)
        theirs, ours = getattr(tv2, name)(**kw)((pil, 3)), getattr(G2, name)(**kw)((pil, 3))
        assert theirs[1] == ours[1] == 3
        assert _diff(ours[0], theirs[0]) == 0


def test_affine_and_rotate_on_tensors_exactly_as_torchvision(tv):
    """Random affine/rotate parameters and image sizes: uint8 tensors equal torchvision's and
    float32 ones too (grid_sample's float32 arithmetic is ATen's, FMAs included)."""
    tf = importlib.import_module("torchvision.transforms.functional")
    rng = np.random.default_rng(8)
    for trial in range(16):
        h, w = int(rng.integers(5, 50)), int(rng.integers(5, 50))
        arr = rng.integers(0, 256, (3, h, w), dtype=np.uint8)
        t, g = torch.from_numpy(arr), gk.tensor(arr)
        angle = float(rng.uniform(-180, 180))
        kw = dict(angle=angle, translate=[int(v) for v in rng.integers(-5, 5, 2)],
                  scale=float(rng.uniform(0.5, 2)), shear=[float(v) for v in
                                                          rng.uniform(-20, 20, 2)])
        for mode in ("BILINEAR", "NEAREST"):
            m_t, m_g = _mode(tf, mode), _mode(GF, mode)
            for a, b in ((t, g), (t.float(), g.float())):
                if trial % 2:
                    want = tf.affine(a, interpolation=m_t, **kw)
                    got = GF.affine(b, interpolation=m_g, **kw)
                else:
                    want = tf.rotate(a, angle, interpolation=m_t, expand=bool(trial % 4))
                    got = GF.rotate(b, angle, interpolation=m_g, expand=bool(trial % 4))
                assert got.dtype == gk.tensor(want.numpy()).dtype
                np.testing.assert_array_equal(got.numpy(), want.numpy())

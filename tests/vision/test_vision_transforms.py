"""gradkit.vision.transforms against torchvision's documented definitions.

torchvision cannot be installed here, so each check states the definition it follows: Pillow's
own operations for PIL images, NumPy references for the tensor kernels, PyTorch (the oracle)
for the arithmetic torchvision runs on tensors (interpolate, dtype conversions), and the draw
order torchvision documents in its ``get_params`` methods, replayed with ``torch`` after the same
seed.
"""

import math

import numpy as np
import pytest
import torch

import gradkit as gk
from gradkit.vision import transforms as T
from gradkit.vision.transforms import InterpolationMode, v2
from gradkit.vision.transforms import functional as F

Image = pytest.importorskip("PIL.Image")
ImageEnhance = pytest.importorskip("PIL.ImageEnhance")


def _arr(h=40, w=50, c=3, seed=0):
    shape = (h, w, c) if c else (h, w)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _pil(h=40, w=50, c=3, seed=0):
    return Image.fromarray(_arr(h, w, c, seed))


def _chw(arr):
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


# -- conversions ------------------------------------------------------------------------------

@pytest.mark.parametrize("c", [3, None, 4])
def test_to_tensor_pil_uint8_scaled_and_chw(c):
    a = _arr(c=c)
    out = T.ToTensor()(Image.fromarray(a))
    ref = torch.from_numpy(a if a.ndim == 3 else a[:, :, None]).permute(2, 0, 1).float().div(255)
    assert out.dtype == gk.float32 and tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_to_tensor_ndarray_and_other_modes():
    a = _arr()
    np.testing.assert_array_equal(T.ToTensor()(a).numpy(), _chw(a).astype(np.float32) / 255)
    f = np.random.default_rng(1).random((4, 5, 2))  # non-uint8 ndarray: no scaling, same dtype
    out = T.ToTensor()(f)
    assert out.dtype == gk.float64
    np.testing.assert_array_equal(out.numpy(), _chw(f))
    fi = Image.fromarray(np.arange(20, dtype=np.float32).reshape(4, 5))  # mode F
    np.testing.assert_array_equal(T.ToTensor()(fi).numpy()[0], np.arange(20).reshape(4, 5))
    bi = Image.fromarray(np.eye(4, dtype=bool))  # mode 1 -> 0 or 1.0
    np.testing.assert_array_equal(T.ToTensor()(bi).numpy()[0], np.eye(4, dtype=np.float32))
    with pytest.raises(TypeError, match="PIL Image or ndarray"):
        T.ToTensor()([1, 2])
    with pytest.raises(ValueError, match="2/3 dimensional"):
        T.ToTensor()(np.zeros((1, 2, 3, 4)))


def test_pil_to_tensor_and_back():
    a = _arr()
    t = T.PILToTensor()(Image.fromarray(a))
    assert t.dtype == gk.uint8
    np.testing.assert_array_equal(t.numpy(), _chw(a))
    np.testing.assert_array_equal(np.asarray(T.ToPILImage()(t)), a)
    # float tensors are scaled by 255 and truncated (torchvision: (x * 255).astype(uint8))
    x = gk.tensor(np.random.default_rng(2).random((3, 4, 5), dtype=np.float32))
    img = T.ToPILImage()(x)
    assert img.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(img),
                                  (x.numpy().transpose(1, 2, 0) * 255).astype(np.uint8))
    assert T.ToPILImage()(gk.zeros(1, 4, 5, dtype=gk.uint8)).mode == "L"
    assert T.ToPILImage()(gk.zeros(4, 4, 5, dtype=gk.uint8)).mode == "RGBA"
    with pytest.raises(ValueError, match="> 4 channels"):
        T.ToPILImage()(np.zeros((4, 5, 6), dtype=np.uint8))


def test_convert_image_dtype_matches_definition():
    u = gk.tensor(_chw(_arr(6, 7)))
    f = T.ConvertImageDtype(gk.float32)(u)
    np.testing.assert_array_equal(f.numpy(), (torch.from_numpy(_chw(_arr(6, 7))).float()
                                              / 255).numpy())
    back = T.ConvertImageDtype(gk.uint8)(f)
    np.testing.assert_array_equal(back.numpy(), u.numpy())  # (x * 255.999).to(uint8)
    assert F.convert_image_dtype(gk.tensor([1.0]), gk.uint8).item() == 255
    assert F.convert_image_dtype(gk.tensor([255], dtype=gk.uint8), gk.int32).item() == \
        255 * 2 ** 23  # int -> wider int multiplies by (out_max + 1) // (in_max + 1)
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(gk.tensor([0.5]), gk.int64)


def test_normalize_matches_torch_and_errors():
    x = np.random.default_rng(3).random((3, 5, 6), dtype=np.float32)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    out = T.Normalize(mean, std)(gk.tensor(x))
    ref = (torch.from_numpy(x) - torch.tensor(mean)[:, None, None]) / \
        torch.tensor(std)[:, None, None]
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    xt = gk.tensor(x)
    T.Normalize(mean, std)(xt)
    np.testing.assert_array_equal(xt.numpy(), x)  # out of place by default
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize(mean, std)(gk.zeros(3, 2, 2, dtype=gk.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize([0.0], [0.0])(gk.tensor(x))
    with pytest.raises(ValueError, match="tensor image of size"):
        T.Normalize([0.0], [1.0])(gk.zeros(4, 4))


# -- geometry ---------------------------------------------------------------------------------

def test_resize_int_is_the_shorter_side_pil():
    img = _pil(40, 50)
    out = T.Resize(20)(img)
    assert out.size == (25, 20)  # (w, h): h=20, w=int(20*50/40)
    np.testing.assert_array_equal(np.asarray(out),
                                  np.asarray(img.resize((25, 20), Image.Resampling.BILINEAR)))
    tall = _pil(50, 30)
    assert T.Resize(15)(tall).size == (15, 25)
    assert T.Resize((10, 12))(img).size == (12, 10)
    near = T.Resize(20, interpolation=InterpolationMode.NEAREST)(img)
    np.testing.assert_array_equal(np.asarray(near),
                                  np.asarray(img.resize((25, 20), Image.Resampling.NEAREST)))
    lan = T.Resize(20, interpolation=Image.Resampling.LANCZOS)(img)  # Pillow int constants
    np.testing.assert_array_equal(np.asarray(lan),
                                  np.asarray(img.resize((25, 20), Image.Resampling.LANCZOS)))
    assert T.Resize(40)(img) is img  # already that size: returned unchanged
    assert T.Resize(20, max_size=22)(img).size == (22, 17)  # long side capped: short = 22*20/25


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest", "nearest-exact"])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_tensor_is_interpolate(mode, antialias):
    a = _arr(23, 31)
    xf = _chw(a).astype(np.float32) / 255
    for x, size in ((xf, [11, 14]), (xf, [40, 50]), (_chw(a), [9, 13])):
        out = F.resize(gk.tensor(x), size, InterpolationMode(mode), antialias=antialias)
        aa = antialias and mode in ("bilinear", "bicubic")
        align = False if mode in ("bilinear", "bicubic") else None
        ref = torch.nn.functional.interpolate(torch.from_numpy(x)[None].float(), size=size,
                                              mode=mode, align_corners=align, antialias=aa)[0]
        if x.dtype == np.uint8:  # torchvision: round, clamp (bicubic), cast back
            if mode == "bicubic":
                ref = ref.clamp(0, 255)
            ref = ref.round().to(torch.uint8)
        assert out.dtype == x.dtype
        np.testing.assert_allclose(out.numpy().astype(np.float64), ref.numpy().astype(np.float64),
                                   rtol=1e-5, atol=1e-5 if x.dtype != np.uint8 else 1)
        if x.dtype == np.uint8:
            assert np.mean(out.numpy() != ref.numpy()) < 0.01  # rounding ties only


def test_resize_errors():
    with pytest.raises(ValueError, match="unsupported with Tensor"):
        F.resize(gk.zeros(3, 8, 8), [4, 4], InterpolationMode.LANCZOS)
    with pytest.raises(ValueError, match="max_size"):
        F.resize(gk.zeros(3, 8, 8), [4, 4], max_size=10)
    with pytest.raises(ValueError, match="strictly greater"):
        F.resize(gk.zeros(3, 8, 8), 4, max_size=4)
    with pytest.raises(TypeError, match="InterpolationMode"):
        T.Resize(4, interpolation="bilinear")


@pytest.mark.parametrize("size", [(20, 30), (13, 7), 11, (50, 60), (45, 20)])
def test_center_crop_pil_and_tensor(size):
    a = _arr(40, 50)
    ch, cw = (size, size) if isinstance(size, int) else size
    # reference: zero-pad (left/top get the floor half) then crop at round((H - ch) / 2)
    pt, pl = max(ch - 40, 0) // 2, max(cw - 50, 0) // 2
    pb, pr = (max(ch - 40, 0) + 1) // 2, (max(cw - 50, 0) + 1) // 2
    p = np.pad(a, ((pt, pb), (pl, pr), (0, 0)))
    top, left = int(round((p.shape[0] - ch) / 2.0)), int(round((p.shape[1] - cw) / 2.0))
    ref = p[top:top + ch, left:left + cw]
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(size)(Image.fromarray(a))), ref)
    np.testing.assert_array_equal(T.CenterCrop(size)(gk.tensor(_chw(a))).numpy(), _chw(ref))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("padding", [3, (2, 1), (1, 2, 3, 4)])
def test_pad_matches_numpy(mode, padding):
    a = _arr(6, 7)
    if isinstance(padding, int):
        l_, t_, r_, b_ = (padding,) * 4
    elif len(padding) == 2:
        l_, t_, r_, b_ = padding[0], padding[1], padding[0], padding[1]
    else:
        l_, t_, r_, b_ = padding
    np_mode = mode if mode != "constant" else "constant"
    ref = np.pad(a, ((t_, b_), (l_, r_), (0, 0)), np_mode)
    np.testing.assert_array_equal(np.asarray(T.Pad(padding, padding_mode=mode)(Image.fromarray(a))),
                                  ref)
    out = T.Pad(padding, padding_mode=mode)(gk.tensor(_chw(a)))
    assert out.dtype == gk.uint8
    np.testing.assert_array_equal(out.numpy(), _chw(ref))
    f = _chw(a).astype(np.float32)
    np.testing.assert_array_equal(T.Pad(padding, padding_mode=mode)(gk.tensor(f)).numpy(),
                                  _chw(ref).astype(np.float32))


def test_pad_fill_and_errors():
    a = _arr(4, 5)
    out = np.asarray(T.Pad(1, fill=(10, 20, 30))(Image.fromarray(a)))
    assert out[0, 0].tolist() == [10, 20, 30]
    assert T.Pad(1, fill=7)(gk.tensor(_chw(a))).numpy()[:, 0, 0].tolist() == [7, 7, 7]
    with pytest.raises(ValueError, match="1, 2, or 4 element"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode"):
        T.Pad(1, padding_mode="wrap")


def test_flips_and_crop():
    a = _arr(5, 6)
    np.testing.assert_array_equal(np.asarray(F.hflip(Image.fromarray(a))), a[:, ::-1])
    np.testing.assert_array_equal(np.asarray(F.vflip(Image.fromarray(a))), a[::-1])
    np.testing.assert_array_equal(F.hflip(gk.tensor(_chw(a))).numpy(), _chw(a)[:, :, ::-1])
    np.testing.assert_array_equal(F.vflip(gk.tensor(_chw(a))).numpy(), _chw(a)[:, ::-1])
    np.testing.assert_array_equal(F.crop(gk.tensor(_chw(a)), 1, 2, 3, 2).numpy(),
                                  _chw(a)[:, 1:4, 2:4])
    # outside the image reads as zeros, for PIL and tensors alike
    out = F.crop(gk.tensor(_chw(a)), -1, 4, 3, 4).numpy()
    ref = np.pad(a, ((1, 0), (0, 2), (0, 0)))[0:3, 4:8]
    np.testing.assert_array_equal(out, _chw(ref))
    np.testing.assert_array_equal(np.asarray(F.crop(Image.fromarray(a), -1, 4, 3, 4)), ref)


def _torch_expand_size(angle, w, h):
    rot = math.radians(-angle)
    m = [math.cos(rot), math.sin(rot), 0.0, -math.sin(rot), math.cos(rot), 0.0]
    pts = torch.tensor([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                        [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]])
    new_pts = pts @ torch.tensor(m, dtype=torch.float).view(2, 3).T
    lo = new_pts.min(dim=0).values + torch.tensor((w * 0.5, h * 0.5))
    hi = new_pts.max(dim=0).values + torch.tensor((w * 0.5, h * 0.5))
    size = torch.ceil((hi / 1e-4).trunc_() * 1e-4) - torch.floor((lo / 1e-4).trunc_() * 1e-4)
    return int(size[0]), int(size[1])


def test_rotate():
    a = _arr(9, 9)
    img = Image.fromarray(a)
    np.testing.assert_array_equal(np.asarray(F.rotate(img, 30.0)), np.asarray(img.rotate(30.0)))
    # a square tensor rotated by 90 degrees (counter-clockwise) is rot90, exactly
    out = F.rotate(gk.tensor(_chw(a)), 90.0)
    np.testing.assert_array_equal(out.numpy(), np.rot90(_chw(a), 1, axes=(1, 2)))
    out = F.rotate(gk.tensor(_chw(a).astype(np.float32)), -90.0, InterpolationMode.BILINEAR)
    np.testing.assert_allclose(out.numpy(), np.rot90(_chw(a), -1, axes=(1, 2)), atol=1e-3)
    # expand: torchvision's output size (its _compute_affine_output_size, replayed in torch)
    for angle in (90.0, 30.0, -17.0, 180.0):
        ow, oh = _torch_expand_size(angle, 9, 6)
        assert tuple(F.rotate(gk.zeros(1, 6, 9), angle, expand=True).shape) == (1, oh, ow)
    filled = F.rotate(gk.ones(1, 8, 8), 45.0, fill=[5.0]).numpy()
    assert filled[0, 0, 0] == 5.0 and filled[0, 4, 4] == 1.0


# -- colour -----------------------------------------------------------------------------------

def _blend_ref(img, other, ratio, bound=255):
    """torchvision's tensor ``_blend``: (r * img + (1 - r) * other).clamp(0, bound).to(dtype)."""
    out = (np.float32(ratio) * img.astype(np.float32) +
           np.float32(1.0 - ratio) * np.asarray(other, np.float32))
    return np.clip(out, 0, bound).astype(img.dtype)


def test_color_adjustments_tensor_definition_and_pil():
    a = _arr(12, 13)
    x = _chw(a)
    r, g, b = (x[i].astype(np.float32) for i in range(3))
    gray = (np.float32(0.2989) * r + np.float32(0.587) * g + np.float32(0.114) * b)
    gray_u8 = gray.astype(np.uint8)
    np.testing.assert_array_equal(F.rgb_to_grayscale(gk.tensor(x)).numpy()[0], gray_u8)
    # Pillow's L conversion rounds where the tensor kernel truncates: within one level
    pil_gray = np.asarray(F.rgb_to_grayscale(Image.fromarray(a)))
    assert np.abs(pil_gray.astype(int) - gray_u8).max() <= 1
    for f in (0.0, 0.5, 1.3):
        np.testing.assert_array_equal(F.adjust_brightness(gk.tensor(x), f).numpy(),
                                      _blend_ref(x, 0, f))
        mean = np.float32(gray_u8.astype(np.float32).mean())
        np.testing.assert_array_equal(F.adjust_contrast(gk.tensor(x), f).numpy(),
                                      _blend_ref(x, mean, f))
        np.testing.assert_array_equal(F.adjust_saturation(gk.tensor(x), f).numpy(),
                                      _blend_ref(x, gray_u8[None], f))
        np.testing.assert_array_equal(np.asarray(F.adjust_brightness(Image.fromarray(a), f)),
                                      np.asarray(ImageEnhance.Brightness(Image.fromarray(a))
                                                 .enhance(f)))
        pil = np.asarray(F.adjust_brightness(Image.fromarray(a), f)).astype(int)
        assert np.abs(pil - _chw_inv(_blend_ref(x, 0, f)).astype(int)).max() <= 1


def _chw_inv(x):
    return x.transpose(1, 2, 0)


def test_adjust_hue_tensor_matches_pil_closely():
    a = _arr(10, 11)
    for hue in (-0.4, -0.1, 0.0, 0.25, 0.5):
        t = F.adjust_hue(gk.tensor(_chw(a)), hue).numpy()
        p = np.asarray(F.adjust_hue(Image.fromarray(a), hue))
        # the tensor kernel works in float HSV, Pillow in 8-bit HSV: close, not equal
        assert np.abs(_chw_inv(t).astype(int) - p.astype(int)).mean() < 3
    a_hsv = np.asarray(Image.fromarray(a).convert("HSV")).copy()
    a_hsv[..., 0] += np.uint8(int(0.25 * 255))
    ref = np.asarray(Image.fromarray(a_hsv, "HSV").convert("RGB"))
    np.testing.assert_array_equal(np.asarray(F.adjust_hue(Image.fromarray(a), 0.25)), ref)
    x = gk.tensor(_chw(a).astype(np.float32) / 255)
    np.testing.assert_allclose(F.adjust_hue(x, 0.0).numpy(), x.numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="hue_factor"):
        F.adjust_hue(x, 0.6)


def test_grayscale_transforms():
    a = _arr(6, 7)
    out = T.Grayscale(3)(Image.fromarray(a))
    assert out.mode == "RGB"
    g = np.asarray(Image.fromarray(a).convert("L"))
    np.testing.assert_array_equal(np.asarray(out), np.dstack([g, g, g]))
    t = T.Grayscale(3)(gk.tensor(_chw(a)))
    assert tuple(t.shape) == (3, 6, 7)
    np.testing.assert_array_equal(t.numpy()[0], t.numpy()[2])


# -- random transforms: torchvision's draw order after the same seed ---------------------------

def _torch_rrc_params(height, width, scale, ratio):
    """torchvision's RandomResizedCrop.get_params, with torch's generator."""
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            i = torch.randint(0, height - h + 1, size=(1,)).item()
            j = torch.randint(0, width - w + 1, size=(1,)).item()
            return i, j, h, w
    in_ratio = float(width) / float(height)
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        h, w = height, int(round(height * max(ratio)))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


@pytest.mark.parametrize("scale,ratio", [((0.08, 1.0), (3 / 4, 4 / 3)), ((0.9, 1.0), (3.0, 4.0))])
def test_random_resized_crop_params_follow_torchvision(scale, ratio):
    img = gk.zeros(3, 40, 50)
    for seed in range(30):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        got = [T.RandomResizedCrop.get_params(img, scale, ratio) for _ in range(3)]
        ref = [_torch_rrc_params(40, 50, scale, ratio) for _ in range(3)]
        assert got == ref
    gk.manual_seed(5)
    torch.manual_seed(5)
    a = _arr(40, 50)
    out = T.RandomResizedCrop(16)(Image.fromarray(a))
    i, j, h, w = _torch_rrc_params(40, 50, (0.08, 1.0), (3 / 4, 4 / 3))
    ref = Image.fromarray(a).crop((j, i, j + w, i + h)).resize((16, 16), Image.Resampling.BILINEAR)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(ref))


def test_random_crop_and_flip_streams():
    a = _arr(32, 32)
    x = gk.tensor(_chw(a))
    t = T.Compose([T.RandomCrop(28, padding=4), T.RandomHorizontalFlip()])
    for seed in range(10):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        out = t(x).numpy()
        p = np.pad(_chw(a), ((0, 0), (4, 4), (4, 4)))
        i = torch.randint(0, 40 - 28 + 1, size=(1,)).item()
        j = torch.randint(0, 40 - 28 + 1, size=(1,)).item()
        ref = p[:, i:i + 28, j:j + 28]
        if torch.rand(1) < 0.5:
            ref = ref[:, :, ::-1]
        np.testing.assert_array_equal(out, ref)
    # the whole image: no draws (the next draw is the flip's)
    gk.manual_seed(0)
    assert T.RandomCrop(32).get_params(x, (32, 32)) == (0, 0, 32, 32)
    torch.manual_seed(0)
    assert gk.rand(1).item() == torch.rand(1).item()
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(40)(x)
    assert tuple(T.RandomCrop(40, pad_if_needed=True)(x).shape) == (3, 40, 40)


def test_color_jitter_order_and_factors_follow_torchvision():
    cj = T.ColorJitter(brightness=0.4, contrast=(0.5, 1.5), saturation=0.2, hue=0.1)
    assert cj.brightness == (0.6, 1.4) and cj.hue == (-0.1, 0.1)
    assert T.ColorJitter().brightness is None  # 0 means "off": no draw
    for seed in range(5):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        fn_idx, b, c, s, h = cj.get_params(cj.brightness, cj.contrast, cj.saturation, cj.hue)
        ref_idx = torch.randperm(4).tolist()
        ref = [float(torch.empty(1).uniform_(lo, hi)) for lo, hi in
               ((0.6, 1.4), (0.5, 1.5), (0.8, 1.2), (-0.1, 0.1))]
        assert fn_idx.tolist() == ref_idx and [b, c, s, h] == ref
    # applying it: the same factors in the same order as the functional calls
    a = _arr(8, 9)
    gk.manual_seed(3)
    out = np.asarray(cj(Image.fromarray(a)))
    gk.manual_seed(3)
    fn_idx, *factors = cj.get_params(cj.brightness, cj.contrast, cj.saturation, cj.hue)
    img = Image.fromarray(a)
    fns = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue]
    for k in fn_idx.tolist():
        img = fns[k](img, factors[k])
    np.testing.assert_array_equal(out, np.asarray(img))
    with pytest.raises(ValueError, match="non negative"):
        T.ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match="should be between"):
        T.ColorJitter(hue=0.7)


def test_rotation_erasing_grayscale_apply_streams():
    a = _arr(20, 20)
    gk.manual_seed(1)
    torch.manual_seed(1)
    out = T.RandomRotation(30)(Image.fromarray(a))
    angle = float(torch.empty(1).uniform_(-30.0, 30.0).item())
    np.testing.assert_array_equal(np.asarray(out), np.asarray(Image.fromarray(a).rotate(angle)))
    x = gk.tensor(_chw(a).astype(np.float32) / 255)
    for seed in range(5):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        out = T.RandomErasing(p=0.7, value=0.5)(x).numpy()
        ref = x.numpy().copy()
        if torch.rand(1) < 0.7:
            log_ratio = torch.log(torch.tensor((0.3, 3.3)))
            for _ in range(10):
                erase_area = 400 * torch.empty(1).uniform_(0.02, 0.33).item()
                ar = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
                h = int(round(math.sqrt(erase_area * ar)))
                w = int(round(math.sqrt(erase_area / ar)))
                if not (h < 20 and w < 20):
                    continue
                i = torch.randint(0, 20 - h + 1, size=(1,)).item()
                j = torch.randint(0, 20 - w + 1, size=(1,)).item()
                ref[:, i:i + h, j:j + w] = 0.5
                break
        np.testing.assert_array_equal(out, ref)
    gk.manual_seed(2)
    torch.manual_seed(2)
    out = T.RandomApply([T.Lambda(lambda t: t * 0)], p=0.5)(x)
    applied = not (0.5 < torch.rand(1))
    assert bool((out == 0).all()) == applied


def test_compose_lambda_and_repr():
    t = T.Compose([T.Lambda(lambda v: v + 1), T.Lambda(lambda v: v * 2)])
    assert t(3) == 8
    assert repr(t).startswith("Compose(\n    Lambda()")
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)
    assert "RandomResizedCrop(size=(8, 8)" in repr(T.RandomResizedCrop(8))


def test_pillow_is_not_imported_by_tensor_only_use():
    import subprocess
    import sys
    code = ("import sys, gradkit as gk\nfrom gradkit.vision import transforms as T\n"
            "x = T.Compose([T.RandomCrop(4), T.Normalize([0.5], [0.5])])(gk.rand(1, 6, 6))\n"
            "import gradkit.vision\nprint('PIL' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- v2 ---------------------------------------------------------------------------------------

def test_v2_to_image_to_dtype_and_passthrough():
    a = _arr(7, 8)
    t = v2.Compose([v2.ToImage(), v2.ToDtype(gk.float32, scale=True)])
    img, label = t(Image.fromarray(a), 3)
    assert label == 3 and img.dtype == gk.float32
    ref = torch.from_numpy(_chw(a)).to(torch.float32).mul_(1.0 / 255)
    np.testing.assert_array_equal(img.numpy(), ref.numpy())
    u = v2.ToImage()(a)
    assert u.dtype == gk.uint8
    np.testing.assert_array_equal(u.numpy(), _chw(a))
    assert v2.ToDtype(gk.float32)(u).numpy().max() > 1  # scale=False only casts
    sample = {"image": gk.tensor(_chw(a)), "label": 5}
    out = v2.RandomHorizontalFlip(p=1.0)(sample)
    assert out["label"] == 5
    np.testing.assert_array_equal(out["image"].numpy(), _chw(a)[:, :, ::-1])


def test_v2_random_crop_draws_only_where_needed():
    x = gk.tensor(_chw(_arr(10, 12)))
    for seed in range(5):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        out = v2.RandomCrop((10, 8))(x).numpy()
        left = int(torch.randint(0, 12 - 8 + 1, size=()))  # height already matches: no draw
        np.testing.assert_array_equal(out, _chw(_arr(10, 12))[:, :, left:left + 8])


def test_v2_resized_crop_same_params_as_v1():
    a = _arr(30, 40)
    gk.manual_seed(4)
    one = T.RandomResizedCrop(12)(Image.fromarray(a))
    gk.manual_seed(4)
    two = v2.RandomResizedCrop(12)(Image.fromarray(a))
    np.testing.assert_array_equal(np.asarray(one), np.asarray(two))

"""torchvision v2's tensor kernels where they differ from v1's: posterize and equalize on
float images, solarize's comparison, the colour blends (v2 adds with ``add_(x, alpha=a)``, a
fused multiply-add on CPU), sharpness, autocontrast, and the affine/rotate grid sampling.

Images here are not differentiable inputs, so the kernels compute on NumPy arrays and emulate
float32 rounding step by step (a fused multiply-add is computed in float64 and rounded once),
which makes uint8 results, truncated or rounded after float32 arithmetic, equal to torchvision's.
"""

from __future__ import annotations

import numpy as np

import gradkit as gk

from ...._fma import fma as _fma
from ...._fma import fma32 as _fma32
from ...._tensor import Tensor
from .. import _functional_tensor as F_t
from .. import functional as F


def _max_value(dtype) -> float:
    dtype = np.dtype(dtype)
    return 1.0 if dtype.kind == "f" else float(np.iinfo(dtype).max) if dtype.kind in "iu" \
        else 1.0


def _is_float(image: Tensor) -> bool:
    return image.is_floating_point()


def posterize(image: Tensor, bits: int) -> Tensor:
    if not isinstance(bits, int) or not 0 <= bits <= 8:
        raise TypeError(f"bits must be a positive integer in the range [0, 8], got {bits} "
                        f"instead.")
    if _is_float(image):
        levels = 1 << bits
        return image.mul(levels).floor_().clamp_(0, levels - 1).mul_(1.0 / levels)
    value_bits = 8 if image.dtype == gk.uint8 else np.iinfo(np.dtype(image.dtype)).bits - 1
    if bits >= value_bits:
        return image
    mask = ((1 << bits) - 1) << (value_bits - bits)
    return image & mask


def autocontrast(image: Tensor) -> Tensor:
    c = image.shape[-3]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are 1 or 3, but found {c}")
    if image.numel() == 0:
        return image
    bound = _max_value(image.dtype)
    fp = _is_float(image)
    float_image = image if fp else image.to(gk.float32)
    minimum = float_image.amin(dim=(-2, -1), keepdim=True)
    maximum = float_image.amax(dim=(-2, -1), keepdim=True)
    eq_idxs = maximum == minimum
    inv_scale = (maximum - minimum).mul_(1.0 / bound)
    minimum[eq_idxs] = 0.0
    inv_scale[eq_idxs] = 1.0
    return (float_image - minimum).div_(inv_scale).clamp_(0, bound).to(image.dtype)


def _fma_add(a: np.ndarray, b, alpha: float) -> np.ndarray:
    """``a + alpha * b`` as torch's ``add_(b, alpha=alpha)`` computes it on CPU: a fused
    multiply-add in the tensor's dtype (one rounding) for float32/float64."""
    if a.dtype in (np.float32, np.float64):
        return _fma(b, alpha, a, a.dtype)
    return a + a.dtype.type(alpha) * np.asarray(b, dtype=a.dtype)


def _work_dtype(image: Tensor):
    return np.dtype(image.dtype) if _is_float(image) else np.dtype(np.float32)


def _finish(out: np.ndarray, image: Tensor) -> Tensor:
    out = np.clip(out, 0, _max_value(image.dtype))
    if not _is_float(image):
        out = out.astype(np.dtype(image.dtype))
    return gk.from_numpy(np.ascontiguousarray(out))


def _blend(img1: np.ndarray, img2: np.ndarray, ratio: float, like: Tensor) -> Tensor:
    dt = _work_dtype(like)
    first = img1.astype(dt) * dt.type(ratio)
    return _finish(_fma_add(first, img2, 1.0 - ratio), like)


def _grayscale(x: np.ndarray, dt) -> np.ndarray:
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    gray = _fma_add(_fma_add(r.astype(dt) * dt.type(0.2989), g, 0.587), b, 0.114)
    return gray[..., None, :, :]


def _check_channels(image: Tensor) -> int:
    c = image.shape[-3]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are 1 or 3, but found {c}")
    return c


def adjust_saturation(image: Tensor, factor: float) -> Tensor:
    if factor < 0:
        raise ValueError(f"saturation_factor ({factor}) is not non-negative.")
    if _check_channels(image) == 1:
        return image
    x = image.numpy()
    gray = _grayscale(x, _work_dtype(image))
    if not _is_float(image):
        gray = np.floor(gray)
    return _blend(x, gray, factor, image)


def adjust_contrast(image: Tensor, factor: float) -> Tensor:
    if factor < 0:
        raise ValueError(f"contrast_factor ({factor}) is not non-negative.")
    dt = _work_dtype(image)
    x = image.numpy()
    if _check_channels(image) == 3:
        gray = _grayscale(x, dt)
        if not _is_float(image):
            gray = np.floor(gray)
    else:
        gray = x.astype(dt)
    mean = gray.astype(np.float64).mean(axis=(-3, -2, -1), keepdims=True).astype(dt)
    return _blend(x, mean, factor, image)


def adjust_sharpness(image: Tensor, sharpness_factor: float) -> Tensor:
    num_channels, height, width = image.shape[-3:]
    if num_channels not in (1, 3):
        raise TypeError(f"Input image tensor can have 1 or 3 channels, but found {num_channels}")
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    if image.numel() == 0 or height <= 2 or width <= 2:
        return image
    dt = _work_dtype(image)
    out = image.numpy().astype(dt)
    # the 3x3 kernel [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13 over the interior
    a, b = dt.type(1.0 / 13.0), dt.type(5.0 / 13.0)
    acc = np.zeros(out.shape[:-2] + (height - 2, width - 2), dtype=np.float64)
    for dy in range(3):
        for dx in range(3):
            k = b if (dy, dx) == (1, 1) else a
            acc += np.float64(k) * out[..., dy:dy + height - 2, dx:dx + width - 2]
    blurred = acc.astype(dt)
    if not _is_float(image):
        blurred = np.round(blurred)
    view = out[..., 1:-1, 1:-1]
    out[..., 1:-1, 1:-1] = _fma_add(view, blurred - view, 1.0 - sharpness_factor)
    return _finish(out, image)


def equalize(image: Tensor) -> Tensor:
    if image.numel() == 0:
        return image
    out_dtype = image.dtype
    data = image.numpy()
    if _is_float(image):
        # to uint8 as v2's to_dtype(scale=True): multiply by 256 - 1e-3 and truncate
        data = (data * np.asarray(255.0 + 1.0 - 1e-3, dtype=data.dtype)).astype(np.uint8)
    elif image.dtype != gk.uint8:
        raise TypeError(f"equalize: only uint8 and floating point images are supported by "
                        f"gradkit, got {image.dtype}")
    flat = data.reshape(-1, data.shape[-2] * data.shape[-1]).astype(np.int64)
    out = np.empty_like(flat, dtype=np.uint8)
    n = flat.shape[1]
    for i, row in enumerate(flat):
        hist = np.bincount(row, minlength=256)
        cum = np.cumsum(hist)
        step = (n - hist[int(np.argmax(cum))]) // 255
        if step == 0:
            out[i] = row
            continue
        lut = np.zeros(256, dtype=np.int64)
        lut[1:] = np.clip((cum[:-1] + step // 2) // step, 0, 255)
        out[i] = lut[row]
    out = out.reshape(data.shape)
    if _is_float(image):
        return gk.from_numpy(out).to(out_dtype).mul_(1.0 / 255)
    return gk.from_numpy(out)


def solarize(image: Tensor, threshold: float) -> Tensor:
    if threshold > _max_value(image.dtype):
        raise TypeError(f"Threshold should be less or equal the maximum value of the dtype, but "
                        f"got {threshold}")
    x = image.numpy()
    # torch compares an integer image with a Python float in float32 (the default dtype), and a
    # float image in its own dtype
    t = (x.dtype.type if x.dtype.kind == "f" else np.float32)(threshold)
    inverted = F.invert(image).numpy()
    return gk.from_numpy(np.where(x >= t, inverted, x))


# --------------------------------------------------------------------- geometry

def _grid_sample_bilinear_f32(x: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """``grid_sample(x, grid, "bilinear", "zeros", align_corners=False)`` on float32, rounded
    as ATen's vectorised CPU kernel rounds: the source index is ``fma(g + 1, size / 2, -0.5)``,
    the weights are products of ``1 - frac`` and ``frac``, and the four corners are summed with
    fused multiply-adds."""
    n, c, h, w = x.shape
    f32 = np.float32
    ix = _fma32(grid[..., 0] + f32(1), f32(w / 2), f32(-0.5))
    iy = _fma32(grid[..., 1] + f32(1), f32(h / 2), f32(-0.5))
    x0, y0 = np.floor(ix), np.floor(iy)
    fx, fy = ix - x0, iy - y0
    ex, sy = f32(1) - fx, f32(1) - fy
    weights = (sy * ex, sy * fx, fy * ex, fy * fx)
    xi, yi = x0.astype(np.int64), y0.astype(np.int64)
    out = np.zeros((n, c) + ix.shape[1:], dtype=f32)
    corners = ((yi, xi), (yi, xi + 1), (yi + 1, xi), (yi + 1, xi + 1))
    for b in range(n):
        acc = None
        for (yy, xx), wt in zip(corners, weights):
            inside = (yy[b] >= 0) & (yy[b] < h) & (xx[b] >= 0) & (xx[b] < w)
            v = x[b][:, np.clip(yy[b], 0, h - 1), np.clip(xx[b], 0, w - 1)]
            v = np.where(inside[None], v, f32(0))
            acc = v * wt[b][None] if acc is None else _fma32(v, wt[b][None], acc)
        out[b] = acc
    return out


def _apply_grid_transform(image: Tensor, grid: Tensor, mode: str, fill) -> Tensor:
    """v2's ``_apply_grid_transform``: the fill through an extra all-ones channel, rounded back
    to an integer dtype."""
    shape = tuple(image.shape)
    c, h, w = shape[-3:]
    oh, ow = int(grid.shape[1]), int(grid.shape[2])
    out_shape = shape[:-3] + (c, oh, ow)
    if image.numel() == 0:
        return image.reshape(out_shape)
    fp = _is_float(image)
    x = image.reshape(-1, c, h, w)
    x = x if fp else x.to(grid.dtype)
    batch = x.shape[0]
    if fill is not None:
        x = gk.cat((x, gk.ones((batch, 1, h, w), dtype=x.dtype)), dim=1)
    if mode == "bilinear" and x.dtype == gk.float32:
        out = _grid_sample_bilinear_f32(x.numpy(), np.broadcast_to(grid.numpy(),
                                                                   (batch, oh, ow, 2)))
    else:
        g = grid.expand(batch, oh, ow, 2) if batch > 1 else grid
        out = gk.nn.functional.grid_sample(x, g, mode=mode, padding_mode="zeros",
                                           align_corners=False).numpy()
    if fill is not None:
        out, mask = out[:, :-1], out[:, -1:]
        mask = np.broadcast_to(mask, out.shape)
        fill_list = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = np.asarray(fill_list, dtype=out.dtype).reshape(1, -1, 1, 1)
        if mode == "nearest":
            out = np.where(mask < 0.5, np.broadcast_to(fill_img, out.shape), out)
        else:
            out = (out - fill_img) * mask + fill_img
    if not fp:
        out = np.round(out).astype(np.dtype(image.dtype))
    return gk.from_numpy(np.ascontiguousarray(out.reshape(out_shape)))


def _check_grid_inputs(image: Tensor, mode: str, fill, who: str) -> None:
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"{who}: interpolation mode {mode!r} is unsupported with Tensor input; "
                         f"use 'nearest' or 'bilinear'")
    c = image.shape[-3]
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != c:
        raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the number "
                         f"of channels of the image ({len(fill)} != {c})")


def _grid_transform(image: Tensor, matrix: list, mode: str, fill) -> Tensor:
    height, width = int(image.shape[-2]), int(image.shape[-1])
    dtype = image.dtype if _is_float(image) else gk.float32
    theta = gk.tensor(matrix, dtype=dtype).reshape(1, 2, 3)
    grid = F_t._gen_affine_grid(theta, w=width, h=height, ow=width, oh=height)
    return _apply_grid_transform(image, grid, mode, fill)


def affine(image: Tensor, angle: float, translate, scale: float, shear, mode: str, fill,
           center=None) -> Tensor:
    """v2's ``affine_image`` (``mode`` "nearest" or "bilinear")."""
    _check_grid_inputs(image, mode, fill, "affine")
    height, width = int(image.shape[-2]), int(image.shape[-1])
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [(c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = F_t.inverse_affine_matrix(center_f, angle, [float(t) for t in translate], scale,
                                       shear)
    return _grid_transform(image, matrix, mode, fill)


def rotate(image: Tensor, angle: float, mode: str, fill) -> Tensor:
    """v2's ``rotate_image`` without ``expand`` or ``center``: the angle taken modulo 360, exact
    half and (on square images) quarter turns as transposes."""
    angle = angle % 360
    if angle == 0:
        return image.clone()
    if angle == 180:
        return gk.rot90(image, k=2, dims=(-2, -1))
    if image.shape[-1] == image.shape[-2]:
        if angle == 90:
            return gk.rot90(image, k=1, dims=(-2, -1))
        if angle == 270:
            return gk.rot90(image, k=3, dims=(-2, -1))
    _check_grid_inputs(image, mode, fill, "rotate")
    matrix = F_t.inverse_affine_matrix([0.0, 0.0], -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return _grid_transform(image, matrix, mode, fill)

"""The float32 arithmetic of PyTorch's 2-D CPU grid sampler (GridSamplerKernel.cpp), bit for bit.

ATen samples a 2-D float32 grid with its vectorized kernel, whose multiply-adds the compiler
fuses (FMA, one rounding): the location ``(g + 1) * (size / 2) - 0.5`` (``align_corners=False``;
``(g + 1) * ((size - 1) / 2)`` otherwise), then padding (``border`` clamps with NaN to 0;
``reflection`` folds by ``|c - low| - trunc(|c - low| / 2span) * 2span``), corner weights
``nw = s * e``, ``ne = s * w``, ``sw = n * e``, ``se = n * w``, and the sum
``fma(se_v, se, fma(sw_v, sw, fma(ne_v, ne, nw_v * nw)))``. The plain float32 sum of four
products differs from it by up to ~1e-4 at values ~200 (a few ulp), enough to change a rounded
uint8 pixel in torchvision's affine/rotate. Here each FMA is the float64 product of two float32
(exact) plus the addend, rounded to float32 (through float64: within 1 ulp, almost always
equal). ``grid_sample`` keeps its differentiable graph and takes these values as its output.
"""

from __future__ import annotations

import numpy as np

from ..._backend import to_host
from ..._fma import fma32
from ..._tensor import wrap

__all__ = ["bilinear_exact", "kernel_coords", "nearest_index"]

_F32 = np.float32


def kernel_coords(g, size: int, padding_mode: str, align_corners: bool) -> np.ndarray:
    """The float32 sampling coordinates along an axis of ``size`` that ATen's vectorized 2-D
    kernel computes from grid values ``g`` (``ComputeLocation::apply``)."""
    g = np.asarray(g, _F32)
    one = _F32(1)
    with np.errstate(invalid="ignore", over="ignore"):
        if align_corners:
            c = ((g + one) * (_F32(size - 1) / _F32(2))).astype(_F32)
        else:
            c = fma32(g + one, _F32(size) / _F32(2), _F32(-0.5))
        if padding_mode == "zeros":
            return c
        if padding_mode == "reflection":
            if align_corners:
                low, twice_span = _F32(0), _F32(size - 1) * _F32(2)
            else:
                low, twice_span = _F32(-0.5), _F32(size) * _F32(2)
            if align_corners and size <= 1:
                c = np.zeros_like(c)
            else:
                a = np.abs((c - low).astype(_F32))
                flips = np.trunc((a / twice_span).astype(_F32))
                extra = fma32(-flips, twice_span, a)
                c = (np.minimum(extra, (twice_span - extra).astype(_F32)) + low).astype(_F32)
        # clamp_max(max_val, clamp_min(0, c)): NaN becomes 0
        c = np.where(np.isnan(c), _F32(0), c)
        return np.minimum(np.maximum(c, _F32(0)), _F32(size - 1)).astype(_F32)


def bilinear_exact(out, x, g, padding_mode: str, align_corners: bool):
    """``out`` (the ``(N * H_out * W_out, C)`` Tensor of the bilinear sample of float32 ``x``
    at ``g``) with ATen's exact values where the coordinates and the result are finite; its
    graph (the gradient) is unchanged."""
    data = out._data
    if type(x._data) is not np.ndarray or type(data) is not np.ndarray:
        return out
    n, c, height, width = x.shape
    grid = np.asarray(g._data, _F32)
    xs = kernel_coords(grid[..., 0], width, padding_mode, align_corners)
    ys = kernel_coords(grid[..., 1], height, padding_mode, align_corners)
    finite = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = np.where(finite, xs, _F32(0)), np.where(finite, ys, _F32(0))
    x_w, y_n = np.floor(xs), np.floor(ys)
    w = (xs - x_w).astype(_F32)
    e = (_F32(1) - w).astype(_F32)
    nn = (ys - y_n).astype(_F32)
    s = (_F32(1) - nn).astype(_F32)
    ix, iy = x_w.astype(np.int64), y_n.astype(np.int64)
    rows = np.moveaxis(x._data, 1, -1).reshape(n, height * width, c)
    batch = np.arange(n).reshape((n,) + (1,) * (xs.ndim - 1))

    def corner(yy, xx):
        ok = (yy >= 0) & (yy < height) & (xx >= 0) & (xx < width)
        v = rows[batch, np.clip(yy, 0, height - 1) * width + np.clip(xx, 0, width - 1)]
        return np.where(ok[..., None], v, _F32(0))

    with np.errstate(invalid="ignore", over="ignore"):
        acc = corner(iy, ix) * (s * e)[..., None]
        acc = fma32(corner(iy, ix + 1), (s * w)[..., None], acc)
        acc = fma32(corner(iy + 1, ix), (nn * e)[..., None], acc)
        acc = fma32(corner(iy + 1, ix + 1), (nn * w)[..., None], acc)
    ok = np.isfinite(data)
    keep = finite.reshape(-1, 1) & ok
    exact = np.where(keep, acc.reshape(data.shape), data).astype(data.dtype)
    # out - out is exactly 0 where finite: the sum is ``exact`` and the gradient ``out``'s (an
    # inf or NaN value stays itself: out - 0 + out)
    return (out - wrap(np.where(ok, data, 0).astype(data.dtype))) + wrap(exact)


def nearest_index(coords, g, sizes, padding_mode: str, align_corners: bool) -> list:
    """Per input axis, the integer positions ``mode='nearest'`` reads (round half to even): of
    ATen's float32 coordinates for a 2-D float32 grid, else of ``coords`` (Tensors)."""
    data = g._data
    if len(sizes) == 2 and type(data) is np.ndarray and data.dtype == _F32:
        coords = [kernel_coords(data[..., 1 - a], sizes[a], padding_mode, align_corners)
                  for a in range(2)]
    else:
        coords = [to_host(cd._data) for cd in coords]
    with np.errstate(invalid="ignore"):
        return [np.rint(cd).astype(np.int64) for cd in coords]

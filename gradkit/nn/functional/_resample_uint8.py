"""``interpolate`` of a uint8 image in the bilinear and bicubic modes (4-D input), as PyTorch's
separate uint8 CPU kernel computes it (the Pillow-style resampler): per axis, the width
first, then the height, each output a sum of input pixels times int16 fixed-point weights,
rounded (``+ 2**(precision - 1) >> precision``) and clamped to 0..255 after each pass.

The weights: antialiased (either mode) are PyTorch's ``_compute_indices_min_size_weights_aa``
filter (a triangle, or Keys cubic with ``A = -0.5``, stretched when downsampling; taps past
an edge dropped and the rest renormalised); plain bilinear is the same filter unstretched;
plain bicubic is the classic four taps (``A = -0.75``) with indices clamped to the edge.

Bilinear without antialias matches PyTorch bit for bit (checked: 1 to 5 channels, up- and
downsampling, align_corners). Where a pass downsamples with antialias, and for plain
bicubic, some configurations (about one in four) differ from PyTorch by 1 (rarely 2) in a few
pixels (its rounding of some weights is not reproduced here; tests/nn/test_interpolate_uint8.py
holds the bound)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["interpolate_uint8"]


def _int16_weights(w):
    """The weights as int16 fixed point with the most precision the largest allows (at most
    15 bits), rounded half away from zero; ``(weights, precision)``."""
    top = float(w.max()) if w.size else 0.0
    precision = 0
    while precision < 15 and int(0.5 + top * (1 << (precision + 1))) < (1 << 15):
        precision += 1
    v = w * float(1 << precision)
    return np.where(v < 0, np.trunc(v - 0.5), np.trunc(v + 0.5)).astype(np.int64), precision


def _ratio(n_in, n_out, scale, align_corners):
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else n_in / n_out


def _filter_taps(n_in, n_out, scale, align_corners, cubic, antialias):
    """PyTorch's separable (antialias-style) taps: ``(indices, weights)`` of shape
    ``(n_out, width)``, weights normalised per output."""
    ratio = _ratio(n_in, n_out, scale, align_corners)
    delta = 0.5 if align_corners and not antialias else 0.0
    half = 2.0 if cubic else 1.0
    stretch = antialias and ratio >= 1
    support = half * ratio if stretch else half
    invscale = 1.0 / ratio if stretch else 1.0
    width = int(math.ceil(support)) * 2 + 1
    center = ratio * (np.arange(n_out, dtype=np.float64) + 0.5 - delta)
    xmin = np.maximum((center - support + 0.5 + delta).astype(np.int64), 0)
    xsize = np.minimum((center + support + 0.5 + delta).astype(np.int64), n_in) - xmin
    j = np.arange(width)
    x = np.abs((xmin[:, None] + j - center[:, None] + 0.5 - delta) * invscale)
    if cubic:
        a = -0.5 if antialias else -0.75
        w = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                     np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))
    else:
        w = np.maximum(1 - x, 0.0)
    w = np.where(j < xsize[:, None], w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), w)
    return np.minimum(xmin[:, None] + j, n_in - 1), w


def _cubic_taps(n_in, n_out, scale, align_corners):
    """Plain bicubic: four taps around the source coordinate, indices clamped to the edge."""
    ratio = _ratio(n_in, n_out, scale, align_corners)
    i = np.arange(n_out, dtype=np.float64)
    real = ratio * i if align_corners else ratio * (i + 0.5) - 0.5
    base = np.floor(real)
    t = real - base
    a = -0.75

    def near(s):
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s):
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    w = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], 1)
    return np.clip(base.astype(np.int64)[:, None] + np.arange(-1, 3), 0, n_in - 1), w


def _pass(a, axis, idx, w):
    wi, precision = _int16_weights(w)
    moved = np.moveaxis(a, axis, -1).astype(np.int64)
    acc = np.full(moved.shape[:-1] + (idx.shape[0],), (1 << precision) >> 1, dtype=np.int64)
    for k in range(idx.shape[1]):
        acc += moved[..., idx[:, k]] * wi[:, k]
    return np.moveaxis(np.clip(acc >> precision, 0, 255).astype(np.uint8), -1, axis)


def interpolate_uint8(a, out, scales, mode, align_corners, antialias):
    """``a`` (N, C, H, W) uint8 resized to ``out`` (H, W): the width first, then the height;
    an axis whose size stays is left (PyTorch skips that pass)."""
    cubic = mode == "bicubic"
    y = a
    for axis in (3, 2):
        n_in, n_out = a.shape[axis], out[axis - 2]
        scale = None if scales is None else scales[axis - 2]
        if n_in == n_out and (scale is None or scale == 1) and not align_corners:
            continue
        if cubic and not antialias:
            idx, w = _cubic_taps(n_in, n_out, scale, align_corners)
        else:
            idx, w = _filter_taps(n_in, n_out, scale, align_corners, cubic, antialias)
        y = _pass(y, axis, idx, w)
    return np.ascontiguousarray(y)

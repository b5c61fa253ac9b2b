"""The taps of ``interpolate``: for each output position along one axis, the source indices
and weights PyTorch's CPU kernels use (nearest, linear, cubic and antialiased), apart from
resample.py (which stays under the length limit).

PyTorch computes a linear/cubic source index ``scale * (j + 0.5) - 0.5`` with one fused
multiply-add where its kernels are built with FMA (every x86-64 build since AVX2): float32 taps
here round it once too (``fma32``), so the weights match bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from ..._fma import fma32

__all__ = ["aa_taps", "bilinear_lanes", "cubic_taps", "fma32", "linear_taps", "nearest_taps"]


def _opmath(dtype):
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def nearest_taps(n_in, n_out, scale, exact, dtype):
    """Source index of each output position (PyTorch's ``HelperInterpNearest[Exact]``; like
    it, an axis that keeps its size is still resampled with a given scale factor)."""
    if n_out == n_in and scale is None:
        return np.arange(n_out)
    ft = _opmath(dtype)
    ratio = ft(1.0 / scale) if scale is not None and scale > 0 else ft(n_in) / ft(n_out)
    dst = np.arange(n_out, dtype=ft)
    if exact:
        src = np.maximum(ratio * (dst + ft(0.5)) - ft(0.5), ft(0)) + ft(0.5)
    else:
        src = ratio * dst
    return np.minimum(np.floor(src).astype(np.int64), n_in - 1)


def linear_taps(n_in, n_out, scale, align_corners, dtype):
    """``((i0, i1), (w0, w1))`` per output position (PyTorch's ``compute_source_index_and_lambda``;
    an axis that keeps its size takes each value twice, weighted 1 and 0: an inf becomes NaN)."""
    if n_out == n_in:
        i = np.arange(n_in)
        return (i, i), (np.ones(n_in, dtype=dtype), np.zeros(n_in, dtype=dtype))
    ft = _opmath(dtype)
    src = _source_index(n_in, n_out, scale, align_corners, ft)
    src = np.maximum(src, ft(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    w1 = np.clip(src - i0.astype(ft), 0, 1)
    i1 = i0 + (i0 < n_in - 1)
    w0 = ft(1) - w1
    dt = np.dtype(dtype)
    return (i0, i1), (w0.astype(dt), w1.astype(dt))


def _source_index(n_in, n_out, scale, align_corners, ft):
    """PyTorch's ``area_pixel_compute_source_index`` before its clamp at 0, in ``ft``."""
    dst = np.arange(n_out, dtype=ft)
    if align_corners:
        ratio = ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
        return ratio * dst
    ratio = ft(1.0 / scale) if scale is not None and scale > 0 else ft(n_in) / ft(n_out)
    if ft is np.float32:  # (one rounding, as PyTorch's FMA build)
        return fma32(ratio, dst + ft(0.5), ft(-0.5))
    return ratio * (dst + ft(0.5)) - ft(0.5)


_CUBIC_A = -0.75


def cubic_taps(n_in, n_out, scale, align_corners, dtype):
    """Four taps ``i - 1 .. i + 2`` (clamped to the axis) with the cubic-convolution weights
    of PyTorch's bicubic kernel (``A = -0.75``)."""
    ft = _opmath(dtype)
    src = _source_index(n_in, n_out, scale, align_corners, ft)
    i = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    t = np.clip(src - i.astype(ft), 0, 1)
    a = ft(_CUBIC_A)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    ws = (far(t + 1), near(t), near(1 - t), far(2 - t))
    idxs = tuple(np.clip(i + k - 1, 0, n_in - 1) for k in range(4))
    dt = np.dtype(dtype)
    return idxs, tuple(w.astype(dt) for w in ws)


def aa_taps(n_in, n_out, scale, align_corners, cubic, dtype):
    """Antialiased taps (PyTorch's ``_compute_indices_min_size_weights_aa``): a triangle
    (bilinear) or Keys cubic (``A = -0.5``) filter stretched by the downsampling ratio, its
    weights normalised per output position; unused taps get weight 0."""
    ft = _opmath(dtype)
    if align_corners:
        ratio = ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
    else:
        ratio = ft(1.0 / scale) if scale is not None and scale > 0 else ft(n_in) / ft(n_out)
    interp = 4 if cubic else 2
    support = ft(interp * 0.5) * ratio if ratio >= 1 else ft(interp * 0.5)
    width = int(math.ceil(support)) * 2 + 1
    invscale = ft(1) / ratio if ratio >= 1 else ft(1)
    center = ratio * (np.arange(n_out, dtype=ft) + ft(0.5))
    xmin = np.maximum((center - support + ft(0.5)).astype(np.int64), 0)
    xsize = np.minimum((center + support + ft(0.5)).astype(np.int64), n_in) - xmin
    j = np.arange(width)
    x = np.abs((xmin[:, None] + j - center[:, None] + ft(0.5)) * invscale).astype(ft)
    if cubic:
        a = ft(-0.5)
        w = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                     np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0))
    else:
        w = np.maximum(1 - x, 0)
    w = np.where(j < xsize[:, None], w, 0).astype(ft)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), w)
    idx = np.minimum(xmin[:, None] + j, n_in - 1)
    dt = np.dtype(dtype)
    return (tuple(np.ascontiguousarray(idx[:, k]) for k in range(width)),
            tuple(np.ascontiguousarray(w[:, k]).astype(dt) for k in range(width)))


# PyTorch's vectorised upsampling kernels use 256-bit vectors (8 float32), even on an AVX-512
# machine (measured: 8 and 16 channels take the vector order, 5 the scalar one, 20 both)
_SIMD_BYTES = 32


def bilinear_lanes(x, out):
    """Which of PyTorch's bilinear CPU kernels resizes ``x`` (N, C, H, W) to ``out`` (H, W):
    None for the generic one, else the SIMD width (elements) of the channels-last one, which
    it picks for a channels-last input of more than 3 channels or an output of ``H + W <= 128``
    (its single-thread special case for 3 channels is not followed)."""
    data = x._data
    nhwc = getattr(data, "ndim", 0) == 4 and data.transpose(0, 2, 3, 1).flags.c_contiguous
    if (nhwc and x.shape[1] > 3) or out[0] + out[1] <= 128:
        return _SIMD_BYTES // np.dtype(data.dtype).itemsize
    return None

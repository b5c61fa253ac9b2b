"""torchvision.ops.roi_pool / RoIPool (Fast R-CNN's RoI max pooling).

As torchvision's CPU kernel: box corners are scaled and rounded (half away from zero), the box
is at least 1x1 pixels, bin ``(ph, pw)`` covers rows ``[floor(ph * bin_h), ceil((ph + 1) *
bin_h))`` (likewise columns) offset by the box's corner and clipped to the input; an empty bin
is 0, and the maximum is the first one in row-major order. The position of each maximum is
found without gradient, then the output gathers ``input`` there, so the gradient flows to that
element alone, as in torchvision's backward.
"""

from __future__ import annotations

import numpy as np

import gradkit as gk

from ... import nn
from ..._tensor import Tensor
from ...nn.modules.utils import _pair
from ._utils import check_roi_boxes_shape, convert_boxes_to_roi_format
from .roi_align import _check_roi_inputs

__all__ = ["roi_pool", "RoIPool"]

_FLT_MAX = float(np.finfo(np.float32).max)


def _round_half_away(x):
    x = x.astype(np.float64)
    return np.trunc(x + np.copysign(0.5, x))


def _roi_pool(input, rois, spatial_scale: float, pooled_height: int, pooled_width: int):
    n, channels, height, width = input.shape
    k = rois.shape[0]
    shape = (k, channels, pooled_height, pooled_width)
    if k * channels * pooled_height * pooled_width == 0:
        return gk.zeros(shape, dtype=input.dtype, device=input.device) + \
            input.reshape(-1)[:0].sum()
    dtype = np.float64 if input.dtype == gk.float64 else np.float32
    r = rois.detach().numpy().astype(dtype)
    data = input.detach().numpy().reshape(n, channels, height * width)
    corners = _round_half_away(r[:, 1:] * dtype(spatial_scale)).astype(np.int64)
    start_w, start_h, end_w, end_h = corners.T
    roi_w = np.maximum(end_w - start_w + 1, 1)
    roi_h = np.maximum(end_h - start_h + 1, 1)
    bin_h = roi_h.astype(dtype) / dtype(pooled_height)
    bin_w = roi_w.astype(dtype) / dtype(pooled_width)
    ph = np.arange(pooled_height, dtype=dtype)
    pw = np.arange(pooled_width, dtype=dtype)
    hstart = np.floor(ph[None] * bin_h[:, None]).astype(np.int64) + start_h[:, None]
    hend = np.ceil((ph[None] + 1) * bin_h[:, None]).astype(np.int64) + start_h[:, None]
    wstart = np.floor(pw[None] * bin_w[:, None]).astype(np.int64) + start_w[:, None]
    wend = np.ceil((pw[None] + 1) * bin_w[:, None]).astype(np.int64) + start_w[:, None]
    hstart, hend = np.clip(hstart, 0, height), np.clip(hend, 0, height)
    wstart, wend = np.clip(wstart, 0, width), np.clip(wend, 0, width)
    argmax = np.full(shape, -1, dtype=np.int64)
    fill = np.zeros(shape, dtype=dtype)  # the value where no element is taken
    batch = r[:, 0].astype(np.int64)
    cols = np.arange(width)
    for i in range(k):
        img = data[batch[i]]
        for a in range(pooled_height):
            rows = np.arange(hstart[i, a], hend[i, a])
            for b in range(pooled_width):
                if rows.size == 0 or wend[i, b] <= wstart[i, b]:
                    continue
                idx = (rows[:, None] * width + cols[None, wstart[i, b]:wend[i, b]]).ravel()
                vals = img[:, idx]
                # the kernel takes a value only when it is > -FLT_MAX (NaN never is)
                with np.errstate(invalid="ignore"):
                    cand = np.where(vals > -_FLT_MAX, vals, -np.inf)
                best = cand.argmax(axis=1)
                taken = cand[np.arange(channels), best] > -np.inf
                argmax[i, :, a, b] = np.where(taken, idx[best], -1)
                fill[i, :, a, b] = np.where(taken, 0, -_FLT_MAX)
    flat = input.reshape(n, channels, height * width)
    safe = np.maximum(argmax, 0)
    bi = gk.from_numpy(np.broadcast_to(batch[:, None, None, None], shape).copy())
    ci = gk.from_numpy(np.broadcast_to(np.arange(channels)[None, :, None, None], shape).copy())
    gathered = flat[bi, ci, gk.from_numpy(safe)]
    return gk.where(gk.from_numpy(argmax >= 0), gathered,
                    gk.from_numpy(fill).to(input.dtype))


def roi_pool(input: Tensor, boxes, output_size, spatial_scale: float = 1.0) -> Tensor:
    """RoI max pooling: ``Tensor[K, C, output_size[0], output_size[1]]`` from
    ``input[N, C, H, W]`` and ``boxes`` as ``Tensor[K, 5]`` or a list of ``Tensor[L, 4]``."""
    check_roi_boxes_shape(boxes)
    rois = boxes if isinstance(boxes, Tensor) else convert_boxes_to_roi_format(boxes)
    output_size = _pair(output_size)
    _check_roi_inputs("roi_pool", input, rois, (gk.float32, gk.float64))
    return _roi_pool(input, rois, spatial_scale, int(output_size[0]), int(output_size[1]))


class RoIPool(nn.Module):
    """See :func:`roi_pool`."""

    def __init__(self, output_size, spatial_scale: float) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input: Tensor, rois) -> Tensor:
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(output_size={self.output_size}, "
                f"spatial_scale={self.spatial_scale})")

"""torchvision.ops.roi_align / RoIAlign (Mask R-CNN's RoI Align with average pooling).

The sampling follows torchvision's CPU kernel: each output bin averages a
``grid_h x grid_w`` grid of bilinear samples (``sampling_ratio``, or ``ceil(bin size)`` when it
is ``<= 0``), samples outside ``[-1, H] x [-1, W]`` count as zero, ``aligned`` shifts the box
by half a pixel and otherwise malformed boxes are forced to at least 1x1. Bilinear weights are
separable, so each box becomes two interpolation matrices (rows ``A_y`` and columns ``A_x``,
built from the box coordinates without gradient, as torchvision's op gives none to the boxes)
and the output is ``A_y @ input[b] @ A_x^T``: matrix products, differentiable in ``input``.
"""

from __future__ import annotations

import numpy as np

import gradkit as gk

from ... import nn
from ..._tensor import Tensor
from ...nn.modules.utils import _pair
from ._utils import check_roi_boxes_shape, convert_boxes_to_roi_format

__all__ = ["roi_align", "RoIAlign"]

_DTYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
                "complex128": "ComplexDouble", "bfloat16": "BFloat16", "float16": "Half"}


def _check_roi_inputs(name: str, input, rois, kinds: tuple) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): input must be a Tensor, but got {type(input).__name__}")
    if input.dim() != 4:
        raise RuntimeError(f"{name}(): input must be a 4-D (N, C, H, W) tensor, but got shape "
                           f"{tuple(input.shape)}")
    if input.dtype != rois.dtype:
        raise RuntimeError(f"{name}(): input should have the same type as rois (input is "
                           f"{input.dtype}, rois {rois.dtype}); convert the boxes with "
                           f".to(input.dtype)")
    if input.dtype not in kinds:
        dtype = str(input.dtype).replace("gradkit.", "")
        raise RuntimeError(f'"{name}_forward_kernel" not implemented for '
                           f"'{_DTYPE_NAMES.get(dtype, dtype)}'; {name}() takes floating "
                           f"point input and boxes")
    if rois.shape[0]:
        batch = rois[:, 0].detach().numpy()
        bad = ~((batch >= 0) & (batch < input.shape[0]))
        if bad.any():
            raise IndexError(f"{name}(): the boxes' batch indices (column 0) must lie in "
                             f"[0, {input.shape[0] - 1}] for an input of {input.shape[0]} "
                             f"images, but got {batch[bad][0]}")


def _axis_matrix(start, bin_size, grid, pooled: int, size: int, dtype):
    """Per-box interpolation weights along one axis: ``(K, pooled, size)`` with the samples'
    bilinear weights summed per pixel and divided by ``grid``, plus a ``(K, pooled, G)``
    validity mask is folded in (samples outside ``[-1, size]`` weigh zero)."""
    k = start.shape[0]
    gmax = int(max(grid.max(initial=0), 0))
    out = np.zeros((k, pooled, size), dtype=dtype)
    if gmax == 0 or k == 0:
        return out
    p = np.arange(pooled, dtype=dtype)[None, :, None]
    i = np.arange(gmax)
    g = np.maximum(grid, 1).astype(dtype)[:, None, None]
    coord = (start[:, None, None] + p * bin_size[:, None, None]) + \
        (i.astype(dtype)[None, None, :] + dtype(0.5)) * bin_size[:, None, None] / g
    coord = np.broadcast_to(coord, (k, pooled, gmax))
    used = np.broadcast_to(i[None, None, :] < grid[:, None, None], coord.shape)
    with np.errstate(invalid="ignore"):
        valid = used & (coord >= -1.0) & (coord <= size)
    c = np.where(valid, np.maximum(coord, 0), 0).astype(dtype)
    low = c.astype(np.int64)
    top = low >= size - 1
    low = np.where(top, size - 1, low)
    high = np.where(top, size - 1, low + 1)
    c = np.where(top, low.astype(dtype), c)
    frac = (c - low).astype(dtype)
    w_high = np.where(valid, frac, 0) / g
    w_low = np.where(valid, dtype(1) - frac, 0) / g
    kk = np.broadcast_to(np.arange(k)[:, None, None], coord.shape)
    pp = np.broadcast_to(np.arange(pooled)[None, :, None], coord.shape)
    np.add.at(out, (kk, pp, low), w_low.astype(dtype))
    np.add.at(out, (kk, pp, high), w_high.astype(dtype))
    return out


def _roi_align(input, rois, spatial_scale: float, pooled_height: int, pooled_width: int,
               sampling_ratio: int, aligned: bool):
    n, channels, height, width = input.shape
    k = rois.shape[0]
    if k == 0 or channels == 0 or pooled_height == 0 or pooled_width == 0:
        # an empty result, still connected to ``input`` (an empty sum adds nothing)
        return gk.zeros((k, channels, pooled_height, pooled_width), dtype=input.dtype,
                        device=input.device) + input.reshape(-1)[:0].sum()
    dtype = np.float64 if input.dtype == gk.float64 else np.float32
    r = rois.detach().numpy().astype(dtype)
    scale = dtype(spatial_scale)
    offset = dtype(0.5 if aligned else 0.0)
    start_w, start_h = r[:, 1] * scale - offset, r[:, 2] * scale - offset
    roi_w = r[:, 3] * scale - offset - start_w
    roi_h = r[:, 4] * scale - offset - start_h
    if not aligned:
        roi_w = np.maximum(roi_w, dtype(1))
        roi_h = np.maximum(roi_h, dtype(1))
    bin_h = roi_h / dtype(pooled_height)
    bin_w = roi_w / dtype(pooled_width)
    with np.errstate(invalid="ignore"):
        if sampling_ratio > 0:
            grid_h = np.full(k, sampling_ratio, dtype=np.int64)
            grid_w = grid_h.copy()
        else:
            grid_h = np.nan_to_num(np.ceil(bin_h), nan=0, posinf=0, neginf=0).astype(np.int64)
            grid_w = np.nan_to_num(np.ceil(bin_w), nan=0, posinf=0, neginf=0).astype(np.int64)
    a_y = _axis_matrix(start_h, bin_h, grid_h, pooled_height, height, dtype)
    a_x = _axis_matrix(start_w, bin_w, grid_w, pooled_width, width, dtype)
    batch = r[:, 0].astype(np.int64)
    parts, order = [], []
    for b in np.unique(batch):
        sel = np.nonzero(batch == b)[0]
        ay = gk.from_numpy(np.ascontiguousarray(a_y[sel])).to(input.dtype)[:, None]
        ax = gk.from_numpy(np.ascontiguousarray(a_x[sel].transpose(0, 2, 1))).to(
            input.dtype)[:, None]
        parts.append(gk.matmul(gk.matmul(ay, input[int(b)]), ax))
        order.append(sel)
    out = parts[0] if len(parts) == 1 else gk.cat(parts, 0)
    perm = np.concatenate(order)
    if (perm != np.arange(k)).any():
        out = out.index_select(0, gk.from_numpy(np.argsort(perm)))
    return out


def roi_align(input: Tensor, boxes, output_size, spatial_scale: float = 1.0,
              sampling_ratio: int = -1, aligned: bool = False) -> Tensor:
    """RoI Align: ``Tensor[K, C, output_size[0], output_size[1]]`` from ``input[N, C, H, W]``
    and ``boxes`` as ``Tensor[K, 5]`` (batch index, x1, y1, x2, y2) or a list of per-image
    ``Tensor[L, 4]``; ``spatial_scale`` maps box coordinates to the input's."""
    check_roi_boxes_shape(boxes)
    rois = boxes if isinstance(boxes, Tensor) else convert_boxes_to_roi_format(boxes)
    output_size = _pair(output_size)
    _check_roi_inputs("roi_align", input, rois, (gk.float16, gk.float32, gk.float64))
    return _roi_align(input, rois, spatial_scale, int(output_size[0]), int(output_size[1]),
                      int(sampling_ratio), bool(aligned))


class RoIAlign(nn.Module):
    """See :func:`roi_align`."""

    def __init__(self, output_size, spatial_scale: float, sampling_ratio: int,
                 aligned: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input: Tensor, rois) -> Tensor:
        return roi_align(input, rois, self.output_size, self.spatial_scale,
                         self.sampling_ratio, self.aligned)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(output_size={self.output_size}, "
                f"spatial_scale={self.spatial_scale}, sampling_ratio={self.sampling_ratio}, "
                f"aligned={self.aligned})")

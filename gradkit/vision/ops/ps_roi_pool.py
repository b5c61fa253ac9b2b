"""torchvision.ops.ps_roi_pool / PSRoIPool (position-sensitive RoI average pooling, R-FCN).

As torchvision's CPU kernel (ps_roi_pool_kernel.cpp): box corners are scaled and rounded (half
away from zero), the box is at least 1x1 (``end - start``, no ``+ 1`` unlike ``roi_pool``), bin
``(ph, pw)`` covers rows ``[floor(ph * bin_h), ceil((ph + 1) * bin_h))`` offset by the box's
corner and clipped to ``[0, H - 1]`` (likewise columns; the forward kernel clips to ``H - 1``,
so the last row and column are never pooled), and output channel ``c`` of bin ``(ph, pw)``
averages input channel ``(c * PH + ph) * PW + pw`` there; an empty bin is 0.

The average over a rectangle is separable, so each box becomes two averaging matrices (rows
``A_y``, columns ``A_x``) and the output ``A_y @ input[b, c_in] @ A_x^T``: matrix products,
differentiable in ``input`` (the boxes get no gradient, as in torchvision). The gradient is the
forward's own; torchvision's backward kernel clips its bins to ``H`` instead of ``H - 1``, so
where a bin reaches the last row or column its gradient also spreads there (and over a larger
area) although the forward never read it.
"""

from __future__ import annotations

import numpy as np

import gradkit as gk

from ... import nn
from ..._tensor import Tensor
from ...nn.modules.utils import _pair
from ._utils import check_roi_boxes_shape, convert_boxes_to_roi_format
from .roi_align import _check_roi_inputs
from .roi_pool import _round_half_away

__all__ = ["ps_roi_pool", "PSRoIPool"]


def _bin_matrix(start, roi_size, pooled: int, size: int, dtype) -> np.ndarray:
    """``(K, pooled, size)``: row ``p`` of box ``k`` is ``1 / n`` on the ``n`` pixels its bin
    covers (zero for an empty bin)."""
    bin_size = roi_size.astype(dtype) / dtype(pooled)
    p = np.arange(pooled, dtype=dtype)
    lo = np.floor(p[None] * bin_size[:, None]).astype(np.int64) + start[:, None]
    hi = np.ceil((p[None] + 1) * bin_size[:, None]).astype(np.int64) + start[:, None]
    lo, hi = np.clip(lo, 0, size - 1), np.clip(hi, 0, size - 1)
    pix = np.arange(size)
    inside = (pix[None, None] >= lo[..., None]) & (pix[None, None] < hi[..., None])
    count = np.maximum(hi - lo, 1).astype(dtype)
    return np.where(inside, dtype(1) / count[..., None], dtype(0)).astype(dtype)


def _ps_roi_pool(input, rois, spatial_scale: float, ph: int, pw: int):
    n, channels, height, width = input.shape
    c_out = channels // (ph * pw)
    k = rois.shape[0]
    shape = (k, c_out, ph, pw)
    if k * c_out * ph * pw == 0 or height * width == 0:
        return gk.zeros(shape, dtype=input.dtype, device=input.device) + \
            input.reshape(-1)[:0].sum()
    dtype = np.float64 if input.dtype == gk.float64 else np.float32
    r = rois.detach().numpy().astype(dtype)
    corners = _round_half_away(r[:, 1:] * dtype(spatial_scale)).astype(np.int64)
    start_w, start_h, end_w, end_h = corners.T
    a_y = _bin_matrix(start_h, np.maximum(end_h - start_h, 1), ph, height, dtype)
    a_x = _bin_matrix(start_w, np.maximum(end_w - start_w, 1), pw, width, dtype)
    batch = r[:, 0].astype(np.int64)
    parts, order = [], []
    for b in np.unique(batch):
        sel = np.nonzero(batch == b)[0]
        # (PH, PW, C_out, H, W): input channel (c * PH + p) * PW + q at [p, q, c]
        x = input[int(b)].reshape(c_out, ph, pw, height, width).permute(1, 2, 0, 3, 4)
        ay = gk.from_numpy(np.ascontiguousarray(a_y[sel])).to(input.dtype)
        ax = gk.from_numpy(np.ascontiguousarray(a_x[sel])).to(input.dtype)
        rows = gk.matmul(ay[:, :, None, None, None, :], x[None])  # (k, PH, PW, C, 1, W)
        out = gk.matmul(rows, ax[:, None, :, None, :, None])      # (k, PH, PW, C, 1, 1)
        parts.append(out.reshape(len(sel), ph, pw, c_out).permute(0, 3, 1, 2))
        order.append(sel)
    out = parts[0] if len(parts) == 1 else gk.cat(parts, 0)
    perm = np.concatenate(order)
    if (perm != np.arange(k)).any():
        out = out.index_select(0, gk.from_numpy(np.argsort(perm)))
    return out.contiguous()


def ps_roi_pool(input: Tensor, boxes, output_size, spatial_scale: float = 1.0) -> Tensor:
    """Position-sensitive RoI average pooling (R-FCN): ``Tensor[K, C / (PH * PW), PH, PW]`` from
    ``input[N, C, H, W]`` and ``boxes`` as ``Tensor[K, 5]`` (batch index, x1, y1, x2, y2) or a
    list of per-image ``Tensor[L, 4]``; ``spatial_scale`` maps box coordinates to the input's.

    Example:
        >>> x = gk.randn(1, 8, 6, 6)
        >>> ps_roi_pool(x, gk.tensor([[0.0, 0, 0, 4, 4]]), 2).shape
        gradkit.Size([1, 2, 2, 2])
    """
    check_roi_boxes_shape(boxes)
    rois = boxes if isinstance(boxes, Tensor) else convert_boxes_to_roi_format(boxes)
    ph, pw = (int(s) for s in _pair(output_size))
    _check_roi_inputs("ps_roi_pool", input, rois, (gk.float16, gk.float32, gk.float64))
    channels = input.shape[1]
    if ph * pw == 0 or channels % (ph * pw) != 0:
        raise RuntimeError(f"ps_roi_pool(): input channels must be a multiple of pooling height "
                           f"* pooling width, but got {channels} channels for an output size of "
                           f"({ph}, {pw})")
    return _ps_roi_pool(input, rois, spatial_scale, ph, pw)


class PSRoIPool(nn.Module):
    """See :func:`ps_roi_pool`."""

    def __init__(self, output_size, spatial_scale: float) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input: Tensor, rois) -> Tensor:
        return ps_roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(output_size={self.output_size}, "
                f"spatial_scale={self.spatial_scale})")

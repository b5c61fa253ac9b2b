"""torchvision.ops.ps_roi_align / PSRoIAlign (position-sensitive RoI Align, R-FCN).

Output bin ``(ph, pw)`` of output channel ``c`` samples input channel
``(c * PH + ph) * PW + pw`` the way RoI Align samples (torchvision's CPU kernel: the half-pixel
offset always applied, no 1x1 floor on the box, and a bin whose grid is empty divides zero by a
zero count, giving NaN), so the input needs ``C_out * PH * PW`` channels.
"""

from __future__ import annotations

import numpy as np

import gradkit as gk

from ... import nn
from ..._tensor import Tensor
from ...nn.modules.utils import _pair
from ._utils import check_roi_boxes_shape, convert_boxes_to_roi_format
from .roi_align import _check_roi_inputs, _roi_align

__all__ = ["ps_roi_align", "PSRoIAlign"]


def ps_roi_align(input: Tensor, boxes, output_size, spatial_scale: float = 1.0,
                 sampling_ratio: int = -1) -> Tensor:
    """Position-sensitive RoI Align: ``Tensor[K, C / (PH * PW), PH, PW]``."""
    check_roi_boxes_shape(boxes)
    rois = boxes if isinstance(boxes, Tensor) else convert_boxes_to_roi_format(boxes)
    ph, pw = (int(s) for s in _pair(output_size))
    _check_roi_inputs("ps_roi_align", input, rois, (gk.float16, gk.float32, gk.float64))
    channels = input.shape[1]
    if ph * pw == 0 or channels % (ph * pw) != 0:
        raise RuntimeError(f"ps_roi_align(): input channels must be a multiple of pooling height "
                           f"* pooling width, but got {channels} channels for an output size of "
                           f"({ph}, {pw})")
    c_out = channels // (ph * pw)
    k = rois.shape[0]
    full = _roi_align(input, rois, spatial_scale, ph, pw, int(sampling_ratio), True)
    # keep, for output channel c and bin b = ph_i * PW + pw_i, input channel c * PH * PW + b
    bins = gk.arange(ph * pw)
    out = full.reshape(k, c_out, ph * pw, ph * pw)[:, :, bins, bins].reshape(k, c_out, ph, pw)
    if k and sampling_ratio <= 0:
        dtype = np.float64 if input.dtype == gk.float64 else np.float32
        r = rois.detach().numpy().astype(dtype)
        scale, half = dtype(spatial_scale), dtype(0.5)
        height = (r[:, 4] * scale - half) - (r[:, 2] * scale - half)
        width = (r[:, 3] * scale - half) - (r[:, 1] * scale - half)
        with np.errstate(invalid="ignore"):
            empty = (np.ceil(height / dtype(ph)) == 0) | (np.ceil(width / dtype(pw)) == 0)
        if empty.any():
            nan = gk.from_numpy(empty[:, None, None, None])
            out = gk.where(nan, gk.tensor(float("nan"), dtype=out.dtype), out)
    return out


class PSRoIAlign(nn.Module):
    """See :func:`ps_roi_align`."""

    def __init__(self, output_size, spatial_scale: float, sampling_ratio: int) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio

    def forward(self, input: Tensor, rois) -> Tensor:
        return ps_roi_align(input, rois, self.output_size, self.spatial_scale,
                            self.sampling_ratio)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(output_size={self.output_size}, "
                f"spatial_scale={self.spatial_scale}, sampling_ratio={self.sampling_ratio})")

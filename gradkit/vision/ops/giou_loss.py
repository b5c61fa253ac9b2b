"""torchvision.ops.generalized_box_iou_loss (Rezatofighi et al., 2019)."""

from __future__ import annotations

import gradkit as gk

from ._utils import _loss_inter_union, _reduce, _upcast_non_float

__all__ = ["generalized_box_iou_loss"]


def generalized_box_iou_loss(boxes1, boxes2, reduction: str = "none", eps: float = 1e-7):
    """``1 - GIoU`` of matched ``(x1, y1, x2, y2)`` boxes (``Tensor[N, 4]`` or ``Tensor[4]``)."""
    boxes1 = _upcast_non_float(boxes1)
    boxes2 = _upcast_non_float(boxes2)
    intsctk, unionk = _loss_inter_union(boxes1, boxes2)
    iouk = intsctk / (unionk + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    area_c = (gk.max(x2, x2g) - gk.min(x1, x1g)) * (gk.max(y2, y2g) - gk.min(y1, y1g))
    miouk = iouk - ((area_c - unionk) / (area_c + eps))
    return _reduce(1 - miouk, reduction)

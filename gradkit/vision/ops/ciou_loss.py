"""torchvision.ops.complete_box_iou_loss (Zheng et al., 2019)."""

from __future__ import annotations

import gradkit as gk

from ._utils import _reduce, _upcast_non_float
from .diou_loss import _diou_iou_loss

__all__ = ["complete_box_iou_loss"]


def complete_box_iou_loss(boxes1, boxes2, reduction: str = "none", eps: float = 1e-7):
    """The distance-IoU loss plus an aspect-ratio consistency term ``alpha * v`` (``alpha``
    taken as a constant, as torchvision does)."""
    boxes1 = _upcast_non_float(boxes1)
    boxes2 = _upcast_non_float(boxes2)
    # torchvision computes the distance-IoU part with its default eps, not ``eps``
    diou_loss, iou = _diou_iou_loss(boxes1, boxes2)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    w_pred, h_pred = x2 - x1, y2 - y1
    w_gt, h_gt = x2g - x1g, y2g - y1g
    v = (4 / (gk.pi ** 2)) * gk.pow(gk.atan(w_gt / h_gt) - gk.atan(w_pred / h_pred), 2)
    with gk.no_grad():
        alpha = v / (1 - iou + v + eps)
    return _reduce(diou_loss + alpha * v, reduction)

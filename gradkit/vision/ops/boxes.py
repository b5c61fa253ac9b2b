"""torchvision.ops.boxes: box areas and pairwise IoU variants, format conversion, clipping,
filtering, non-maximum suppression and boxes around masks.

Boxes are ``(x1, y1, x2, y2)`` unless a ``fmt`` says otherwise. The IoU functions are written
with gradkit tensor ops, so they are differentiable; ``nms`` and ``batched_nms`` return indices.
"""

from __future__ import annotations

import numpy as np

import gradkit as gk

from ..._tensor import Tensor
from ._sort import descending_order

__all__ = ["nms", "batched_nms", "remove_small_boxes", "clip_boxes_to_image", "box_convert",
           "box_area", "box_iou", "generalized_box_iou", "complete_box_iou", "distance_box_iou",
           "masks_to_boxes"]

_AXIS_ALIGNED = ("xyxy", "xywh", "cxcywh")


def _upcast(t: Tensor) -> Tensor:
    # multiplications of coordinates in a narrow dtype overflow: widen to float32 / int32
    if t.is_floating_point():
        return t if t.dtype in (gk.float32, gk.float64) else t.float()
    return t if t.dtype in (gk.int32, gk.int64) else t.int()


def _check_tensor(name: str, what: str, t) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}(): {what} must be a Tensor, but got {type(t).__name__}")


def _check_nms_inputs(name: str, boxes, scores) -> None:
    _check_tensor(name, "boxes", boxes)
    _check_tensor(name, "scores", scores)
    if boxes.dim() != 2:
        raise RuntimeError(f"boxes should be a 2d tensor, got {boxes.dim()}D")
    if boxes.shape[1] != 4:
        raise RuntimeError(f"boxes should have 4 elements in dimension 1, got {boxes.shape[1]}")
    if scores.dim() != 1:
        raise RuntimeError(f"scores should be a 1d tensor, got {scores.dim()}D")
    if boxes.shape[0] != scores.shape[0]:
        raise RuntimeError(f"boxes and scores should have same number of elements in dimension "
                           f"0, got {boxes.shape[0]} and {scores.shape[0]}")
    if boxes.dtype != scores.dtype:
        raise RuntimeError(f"{name}(): dets should have the same type as scores (boxes are "
                           f"{boxes.dtype}, scores {scores.dtype}); convert one of them")
    if boxes.dtype not in (gk.float32, gk.float64):
        raise RuntimeError(f'"nms_kernel" not implemented for \'{_dtype_name(boxes.dtype)}\'; '
                           f"{name}() takes float32 or float64 boxes and scores")


def _dtype_name(dtype) -> str:
    names = {gk.float16: "Half", gk.bfloat16: "BFloat16", gk.int64: "Long", gk.int32: "Int",
             gk.int16: "Short", gk.int8: "Char", gk.uint8: "Byte", gk.bool: "Bool"}
    return names.get(dtype, str(dtype))


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Greedy non-maximum suppression: visit the boxes by decreasing score (tied scores in the
    order torchvision's CPU kernel visits them) and drop every later box whose IoU with a kept
    one is above ``iou_threshold``.

    Returns the int64 indices of the kept boxes, by decreasing score.
    """
    _check_nms_inputs("nms", boxes, scores)
    if boxes.numel() == 0:
        return gk.empty((0,), dtype=gk.int64, device=boxes.device)
    dets = boxes.detach().numpy()
    x1, y1, x2, y2 = (np.ascontiguousarray(dets[:, i]) for i in range(4))
    areas = (x2 - x1) * (y2 - y1)
    order = descending_order(scores.detach().numpy())
    n = order.shape[0]
    suppressed = np.zeros(n, dtype=bool)
    keep = []
    thr = float(iou_threshold)
    zero = dets.dtype.type(0)
    for pos in range(n):
        i = order[pos]
        if suppressed[i]:
            continue
        keep.append(i)
        rest = order[pos + 1:]
        rest = rest[~suppressed[rest]]
        if rest.size == 0:
            continue
        w = np.maximum(zero, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        h = np.maximum(zero, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = w * h
        with np.errstate(divide="ignore", invalid="ignore"):
            ovr = inter / (areas[i] + areas[rest] - inter)
        suppressed[rest[ovr > thr]] = True
    return gk.tensor(np.asarray(keep, dtype=np.int64), dtype=gk.int64, device=boxes.device)


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """Non-maximum suppression within each category ``idxs[i]`` (boxes of different categories
    never suppress each other). Returns int64 indices by decreasing score."""
    _check_tensor("batched_nms", "idxs", idxs)
    if boxes.numel() > 4000:
        return _batched_nms_vanilla(boxes, scores, idxs, iou_threshold)
    return _batched_nms_coordinate_trick(boxes, scores, idxs, iou_threshold)


def _batched_nms_coordinate_trick(boxes, scores, idxs, iou_threshold):
    # shift each category's boxes by (category * (max coordinate + 1)) so they cannot overlap
    if boxes.numel() == 0:
        return gk.empty((0,), dtype=gk.int64, device=boxes.device)
    max_coordinate = boxes.max()
    offsets = idxs.to(boxes) * (max_coordinate + gk.tensor(1).to(boxes))
    return nms(boxes + offsets[:, None], scores, iou_threshold)


def _batched_nms_vanilla(boxes, scores, idxs, iou_threshold):
    keep_mask = gk.zeros_like(scores, dtype=gk.bool)
    for class_id in gk.unique(idxs):
        curr = gk.where(idxs == class_id)[0]
        curr_keep = nms(boxes[curr], scores[curr], iou_threshold)
        keep_mask[curr[curr_keep]] = True
    keep = gk.where(keep_mask)[0]
    return keep[gk.from_numpy(descending_order(scores[keep].detach().numpy()))]


def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Indices of the boxes whose width and height are both at least ``min_size``."""
    ws, hs = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    keep = (ws >= min_size) & (hs >= min_size)
    return gk.where(keep)[0]


def clip_boxes_to_image(boxes: Tensor, size) -> Tensor:
    """Clamp the x coordinates to ``[0, width]`` and the y ones to ``[0, height]``, where
    ``size = (height, width)``."""
    dim = boxes.dim()
    boxes_x = boxes[..., 0::2]
    boxes_y = boxes[..., 1::2]
    height, width = size
    boxes_x = boxes_x.clamp(min=0, max=width)
    boxes_y = boxes_y.clamp(min=0, max=height)
    clipped = gk.stack((boxes_x, boxes_y), dim=dim)
    return clipped.reshape(boxes.shape)


def _cxcywh_to_xyxy(boxes):
    cx, cy, w, h = boxes.unbind(-1)
    return gk.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)


def _xyxy_to_cxcywh(boxes):
    x1, y1, x2, y2 = boxes.unbind(-1)
    return gk.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


def _xywh_to_xyxy(boxes):
    x, y, w, h = boxes.unbind(-1)
    return gk.stack([x, y, x + w, y + h], dim=-1)


def _xyxy_to_xywh(boxes):
    x1, y1, x2, y2 = boxes.unbind(-1)
    return gk.stack([x1, y1, x2 - x1, y2 - y1], dim=-1)


_ROTATED = ("xywhr", "cxcywhr", "xyxyxyxy")


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Convert boxes between ``'xyxy'`` (corners), ``'xywh'`` (corner, width, height) and
    ``'cxcywh'`` (centre, width, height); any leading batch dimensions."""
    allowed = _AXIS_ALIGNED + _ROTATED
    if in_fmt not in allowed or out_fmt not in allowed:
        raise ValueError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and "
                         f"out_fmt {out_fmt}")
    if in_fmt == out_fmt:
        return boxes.clone()
    if in_fmt in _ROTATED or out_fmt in _ROTATED:
        raise NotImplementedError(f"box_convert(): rotated formats ({in_fmt} -> {out_fmt}) are "
                                  f"not supported by gradkit; use 'xyxy', 'xywh' or 'cxcywh'")
    if in_fmt == "xywh":
        boxes = _xywh_to_xyxy(boxes)
    elif in_fmt == "cxcywh":
        boxes = _cxcywh_to_xyxy(boxes)
    if out_fmt == "xywh":
        boxes = _xyxy_to_xywh(boxes)
    elif out_fmt == "cxcywh":
        boxes = _xyxy_to_cxcywh(boxes)
    return boxes


def box_area(boxes: Tensor, fmt: str = "xyxy") -> Tensor:
    """The area of each box, ``Tensor[...]`` from ``Tensor[..., 4]``."""
    if fmt not in _AXIS_ALIGNED:
        raise ValueError(f"Unsupported Bounding Box area for given format {fmt}")
    boxes = _upcast(boxes)
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def _box_inter_union(boxes1, boxes2, fmt: str = "xyxy"):
    area1 = box_area(boxes1, fmt=fmt)
    area2 = box_area(boxes2, fmt=fmt)
    if fmt == "xyxy":
        lt = gk.max(boxes1[..., None, :2], boxes2[..., None, :, :2])
        rb = gk.min(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    elif fmt == "xywh":
        lt = gk.max(boxes1[..., None, :2], boxes2[..., None, :, :2])
        rb = gk.min(boxes1[..., None, :2] + boxes1[..., None, 2:],
                    boxes2[..., None, :, :2] + boxes2[..., None, :, 2:])
    else:
        lt = gk.max(boxes1[..., None, :2] - boxes1[..., None, 2:] / 2,
                    boxes2[..., None, :, :2] - boxes2[..., None, :, 2:] / 2)
        rb = gk.min(boxes1[..., None, :2] + boxes1[..., None, 2:] / 2,
                    boxes2[..., None, :, :2] + boxes2[..., None, :, 2:] / 2)
    wh = _upcast(rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area1[..., None] + area2[..., None, :] - inter
    return inter, union


def box_iou(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> Tensor:
    """Pairwise intersection over union, ``Tensor[..., N, M]``."""
    if fmt in _ROTATED:
        raise NotImplementedError(f"box_iou(): rotated boxes (fmt={fmt!r}) are not supported "
                                  f"by gradkit; use 'xyxy', 'xywh' or 'cxcywh'")
    if fmt not in _AXIS_ALIGNED:
        raise ValueError(f"Unsupported format '{fmt}'. Supported axis-aligned formats: "
                         f"{_AXIS_ALIGNED}. Supported rotated formats: {_ROTATED}.")
    inter, union = _box_inter_union(boxes1, boxes2, fmt=fmt)
    return inter / union


def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise generalized IoU: IoU minus the share of the smallest enclosing box that the
    union leaves empty."""
    inter, union = _box_inter_union(boxes1, boxes2)
    iou = inter / union
    lti = gk.min(boxes1[..., None, :2], boxes2[..., None, :, :2])
    rbi = gk.max(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    whi = _upcast(rbi - lti).clamp(min=0)
    areai = whi[..., 0] * whi[..., 1]
    return iou - (areai - union) / areai


def _box_diou_iou(boxes1, boxes2, eps: float = 1e-7):
    iou = box_iou(boxes1, boxes2)
    lti = gk.min(boxes1[..., None, :2], boxes2[..., None, :, :2])
    rbi = gk.max(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    whi = _upcast(rbi - lti).clamp(min=0)
    diagonal_distance_squared = (whi[..., 0] ** 2) + (whi[..., 1] ** 2) + eps
    x_p = (boxes1[..., 0] + boxes1[..., 2]) / 2
    y_p = (boxes1[..., 1] + boxes1[..., 3]) / 2
    x_g = (boxes2[..., 0] + boxes2[..., 2]) / 2
    y_g = (boxes2[..., 1] + boxes2[..., 3]) / 2
    centers_distance_squared = (_upcast(x_p[..., None] - x_g[..., None, :]) ** 2) + (
        _upcast(y_p[..., None] - y_g[..., None, :]) ** 2)
    return iou - (centers_distance_squared / diagonal_distance_squared), iou


def complete_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Pairwise complete IoU: distance IoU minus an aspect-ratio consistency term."""
    boxes1 = _upcast(boxes1)
    boxes2 = _upcast(boxes2)
    diou, iou = _box_diou_iou(boxes1, boxes2, eps)
    w_pred = boxes1[..., None, 2] - boxes1[..., None, 0]
    h_pred = boxes1[..., None, 3] - boxes1[..., None, 1]
    w_gt = boxes2[..., None, :, 2] - boxes2[..., None, :, 0]
    h_gt = boxes2[..., None, :, 3] - boxes2[..., None, :, 1]
    v = (4 / (gk.pi ** 2)) * gk.pow(gk.atan(w_pred / h_pred) - gk.atan(w_gt / h_gt), 2)
    with gk.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def distance_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Pairwise distance IoU: IoU minus the squared centre distance over the squared diagonal
    of the smallest enclosing box."""
    boxes1 = _upcast(boxes1)
    boxes2 = _upcast(boxes2)
    diou, _ = _box_diou_iou(boxes1, boxes2, eps=eps)
    return diou


def masks_to_boxes(masks: Tensor) -> Tensor:
    """The ``(x1, y1, x2, y2)`` float box around the nonzero pixels of each ``(N, H, W)`` mask
    (``[0, 0, 0, 0]`` for an empty mask)."""
    _check_tensor("masks_to_boxes", "masks", masks)
    if masks.numel() == 0:
        return gk.zeros((0, 4), device=masks.device, dtype=gk.float)
    if masks.dim() != 3:
        raise ValueError(f"masks_to_boxes(): masks must be a (N, H, W) tensor, but got shape "
                         f"{tuple(masks.shape)}")
    n, h, w = masks.shape
    masks_bool = masks.bool()
    non_zero_rows = gk.any(masks_bool, dim=2)
    non_zero_cols = gk.any(masks_bool, dim=1)
    empty_masks = ~gk.any(non_zero_rows, dim=1)
    rows_f = non_zero_rows.float()
    cols_f = non_zero_cols.float()
    y1 = rows_f.argmax(dim=1)
    x1 = cols_f.argmax(dim=1)
    y2 = (h - 1) - rows_f.flip(dims=[1]).argmax(dim=1)
    x2 = (w - 1) - cols_f.flip(dims=[1]).argmax(dim=1)
    bounding_boxes = gk.stack([x1, y1, x2, y2], dim=1).float()
    bounding_boxes[empty_masks] = 0
    return bounding_boxes

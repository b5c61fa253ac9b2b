"""Helpers shared by torchvision.ops' RoI operators and box losses."""

from __future__ import annotations

import gradkit as gk

from ..._tensor import Tensor


def _cat(tensors: list, dim: int = 0) -> Tensor:
    return tensors[0] if len(tensors) == 1 else gk.cat(tensors, dim)


def convert_boxes_to_roi_format(boxes: list) -> Tensor:
    """A list of per-image ``Tensor[L, 4]`` as one ``Tensor[K, 5]`` whose first column is the
    image index."""
    concat_boxes = _cat(list(boxes), dim=0)
    ids = _cat([gk.full_like(b[:, :1], i) for i, b in enumerate(boxes)], dim=0)
    return gk.cat([ids, concat_boxes], dim=1)


def check_roi_boxes_shape(boxes) -> None:
    # torchvision checks these with torch._assert, which raises AssertionError
    if isinstance(boxes, (list, tuple)):
        for t in boxes:
            if not isinstance(t, Tensor) or t.dim() != 2 or t.shape[1] != 4:
                shape = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
                raise AssertionError(f"The shape of the tensor in the boxes list is not correct "
                                     f"as List[Tensor[L, 4]] (got {shape})")
    elif isinstance(boxes, Tensor):
        if boxes.dim() != 2 or boxes.shape[1] != 5:
            raise AssertionError(f"The boxes tensor shape is not correct as Tensor[K, 5] (got "
                                 f"{tuple(boxes.shape)})")
    else:
        raise AssertionError(f"boxes is expected to be a Tensor[L, 5] or a List[Tensor[K, 4]] "
                             f"(got {type(boxes).__name__})")


def _upcast_non_float(t: Tensor) -> Tensor:
    return t if t.dtype in (gk.float32, gk.float64) else t.float()


def _loss_inter_union(boxes1: Tensor, boxes2: Tensor):
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xkis1 = gk.max(x1, x1g)
    ykis1 = gk.max(y1, y1g)
    xkis2 = gk.min(x2, x2g)
    ykis2 = gk.min(y2, y2g)
    intsctk = gk.zeros_like(x1)
    mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    return intsctk, unionk


def _reduce(loss: Tensor, reduction: str, empty_mean_zero: bool = True) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "mean":
        if empty_mean_zero and loss.numel() == 0:
            return 0.0 * loss.sum()
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction "
                     f"modes: 'none', 'mean', 'sum'")

"""torchvision.ops.MultiScaleRoIAlign: RoI Align over a feature pyramid, each box pooled from
the level the FPN paper's heuristic assigns it (``k = floor(k0 + log2(sqrt(area) / 224))``)."""

from __future__ import annotations

import math

import numpy as np

import gradkit as gk

from ... import nn
from .boxes import box_area
from .roi_align import roi_align

__all__ = ["MultiScaleRoIAlign", "LevelMapper", "initLevelMapper"]


class LevelMapper:
    """The pyramid level (``0 .. k_max - k_min``) of each box of a list of per-image boxes."""

    def __init__(self, k_min: int, k_max: int, canonical_scale: int = 224,
                 canonical_level: int = 4, eps: float = 1e-6) -> None:
        self.k_min = k_min
        self.k_max = k_max
        self.s0 = canonical_scale
        self.lvl0 = canonical_level
        self.eps = eps

    def __call__(self, boxlists: list):
        s = gk.sqrt(gk.cat([box_area(b) for b in boxlists]))
        target = gk.floor(self.lvl0 + gk.log2(s / self.s0) + gk.tensor(self.eps, dtype=s.dtype))
        target = gk.clamp(target, min=self.k_min, max=self.k_max)
        return (target.to(gk.int64) - self.k_min).to(gk.int64)


def initLevelMapper(k_min: int, k_max: int, canonical_scale: int = 224,
                    canonical_level: int = 4, eps: float = 1e-6) -> LevelMapper:
    return LevelMapper(k_min, k_max, canonical_scale, canonical_level, eps)


def _infer_scale(feature, original_size) -> float:
    size = feature.shape[-2:]
    scales = []
    for s1, s2 in zip(size, original_size):
        approx = np.float32(float(s1) / float(s2))
        scales.append(2 ** float(np.round(np.log2(approx))))
    return scales[0]


def _setup_scales(features: list, image_shapes: list, canonical_scale: int,
                  canonical_level: int):
    if not image_shapes:
        raise ValueError("images list should not be empty")
    max_x = max(shape[0] for shape in image_shapes)
    max_y = max(shape[1] for shape in image_shapes)
    scales = [_infer_scale(f, (max_x, max_y)) for f in features]
    lvl_min = -math.log2(float(np.float32(scales[0])))
    lvl_max = -math.log2(float(np.float32(scales[-1])))
    return scales, initLevelMapper(int(lvl_min), int(lvl_max), canonical_scale=canonical_scale,
                                   canonical_level=canonical_level)


def _convert_to_roi_format(boxes: list):
    concat = gk.cat(list(boxes), dim=0)
    ids = gk.cat([gk.full_like(b[:, :1], i) for i, b in enumerate(boxes)], dim=0)
    return gk.cat([ids, concat], dim=1)


class MultiScaleRoIAlign(nn.Module):
    """RoI Align over the feature maps named ``featmap_names`` (of an ordered dict), each box
    from its level; the levels' scales are inferred from ``image_shapes`` on the first call."""

    def __init__(self, featmap_names: list, output_size, sampling_ratio: int, *,
                 canonical_scale: int = 224, canonical_level: int = 4) -> None:
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.featmap_names = featmap_names
        self.sampling_ratio = sampling_ratio
        self.output_size = tuple(output_size)
        self.scales = None
        self.map_levels = None
        self.canonical_scale = canonical_scale
        self.canonical_level = canonical_level

    def forward(self, x: dict, boxes: list, image_shapes: list):
        x_filtered = [v for k, v in x.items() if k in self.featmap_names]
        if self.scales is None or self.map_levels is None:
            self.scales, self.map_levels = _setup_scales(
                x_filtered, image_shapes, self.canonical_scale, self.canonical_level)
        rois = _convert_to_roi_format(boxes)
        if len(x_filtered) == 1:
            return roi_align(x_filtered[0], rois, output_size=self.output_size,
                             spatial_scale=self.scales[0], sampling_ratio=self.sampling_ratio)
        levels = self.map_levels(boxes).numpy()
        parts, order = [], []
        for level, (feature, scale) in enumerate(zip(x_filtered, self.scales)):
            idx = np.nonzero(levels == level)[0]
            parts.append(roi_align(feature, rois[gk.from_numpy(idx)],
                                   output_size=self.output_size, spatial_scale=scale,
                                   sampling_ratio=self.sampling_ratio).to(x_filtered[0].dtype))
            order.append(idx)
        rest = np.setdiff1d(np.arange(rois.shape[0]), np.concatenate(order))
        if rest.size:
            # boxes mapped to a level with no feature map stay zero, as in torchvision
            parts.append(gk.zeros((rest.size, x_filtered[0].shape[1], *self.output_size),
                                  dtype=x_filtered[0].dtype))
            order.append(rest)
        out = gk.cat(parts, 0)
        return out.index_select(0, gk.from_numpy(np.argsort(np.concatenate(order),
                                                            kind="stable")))

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(featmap_names={self.featmap_names}, "
                f"output_size={self.output_size}, sampling_ratio={self.sampling_ratio})")

"""``make_grid`` and ``save_image`` as torchvision defines them."""

from __future__ import annotations

import math

import numpy as np

import gradkit as gk

from .._tensor import Tensor
from ._pil import pil_image

__all__ = ["make_grid", "save_image"]


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a batch ``(B, C, H, W)`` (or a list of ``(C, H, W)``) into one ``(C, H', W')`` image.

    ``nrow`` images per row, ``padding`` pixels of ``pad_value`` around each; single-channel
    images become three-channel. ``normalize`` maps ``value_range`` (default: the min and max,
    of each image with ``scale_each``) onto [0, 1] after clamping to it.
    """
    if isinstance(tensor, list):
        for t in tensor:
            if not isinstance(t, Tensor):
                raise TypeError(f"make_grid: tensor or list of tensors expected, got a list "
                                f"containing {type(t).__name__}")
        tensor = gk.stack(tensor, dim=0)
    elif not isinstance(tensor, Tensor):
        raise TypeError(f"make_grid: tensor or list of tensors expected, got "
                        f"{type(tensor).__name__}")
    arr = tensor.detach().cpu().numpy()
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        if arr.shape[0] == 1:
            arr = np.concatenate((arr, arr, arr), 0)
        arr = arr[None]
    if arr.ndim != 4:
        raise ValueError(f"make_grid: expected a 2-D, 3-D or 4-D tensor (or a list of 3-D "
                         f"tensors), got shape {tuple(tensor.shape)}")
    if arr.shape[1] == 1:
        arr = np.concatenate((arr, arr, arr), 1)
    if normalize is True:
        arr = arr.copy()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max "
                            "are numbers")

        def norm_ip(img, low, high):
            np.clip(img, low, high, out=img)
            img -= np.asarray(low, dtype=img.dtype)
            img /= np.asarray(max(high - low, 1e-5), dtype=img.dtype)

        def norm_range(t):
            if value_range is not None:
                norm_ip(t, value_range[0], value_range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in arr:
                norm_range(t)
        else:
            norm_range(arr)
    if arr.shape[0] == 1:
        return gk.from_numpy(np.ascontiguousarray(arr[0]))
    nmaps = arr.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(arr.shape[2] + padding), int(arr.shape[3] + padding)
    grid = np.full((arr.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value,
                   dtype=arr.dtype)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            top, left = y * height + padding, x * width + padding
            grid[:, top:top + height - padding, left:left + width - padding] = arr[k]
            k += 1
    return gk.from_numpy(grid)


def save_image(tensor, fp, format: str | None = None, **kwargs) -> None:
    """``make_grid(tensor, **kwargs)`` saved as an 8-bit image file (values in [0, 1])."""
    grid = make_grid(tensor, **kwargs)
    arr = grid.numpy().astype(np.float32, copy=False) if grid.dtype.kind != "f" else grid.numpy()
    # round to the nearest integer: + 0.5 after scaling, as torchvision does
    nd = np.clip(arr * np.asarray(255, arr.dtype) + np.asarray(0.5, arr.dtype), 0, 255)
    nd = nd.transpose(1, 2, 0).astype(np.uint8)
    im = pil_image().fromarray(np.ascontiguousarray(nd))
    im.save(fp, format=format)

"""torchvision.ops.drop_block2d / drop_block3d and DropBlock2d / DropBlock3d (Ghiasi et al.,
2018): zero random ``block_size``-wide blocks of each feature map while training and rescale."""

from __future__ import annotations

import gradkit as gk

from ... import nn
from ...nn import functional as F

__all__ = ["drop_block2d", "DropBlock2d", "drop_block3d", "DropBlock3d"]


def _drop_block(input, p: float, block_size: int, inplace: bool, eps: float, training: bool,
                spatial: int):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}.")
    if input.ndim != spatial + 2:
        raise ValueError(f"input should be {spatial + 2} dimensional. Got {input.ndim} "
                         f"dimensions.")
    if not training or p == 0.0:
        return input
    sizes = list(input.shape[2:])
    block_size = min([block_size, *sizes[::-1]])
    if block_size % 2 == 0:
        raise ValueError(f"block size should be odd. Got {block_size} which is even.")
    valid = 1
    total = 1
    for s in sizes:
        valid *= s - block_size + 1
        total *= s
    gamma = (p * total) / ((block_size ** spatial) * valid)
    noise = gk.empty((*input.shape[:2], *[s - block_size + 1 for s in sizes]),
                     dtype=input.dtype, device=input.device)
    noise.bernoulli_(gamma)
    noise = F.pad(noise, [block_size // 2] * (2 * spatial), value=0)
    pool = F.max_pool2d if spatial == 2 else F.max_pool3d
    noise = pool(noise, stride=(1,) * spatial, kernel_size=(block_size,) * spatial,
                 padding=block_size // 2)
    noise = 1 - noise
    normalize_scale = noise.numel() / (eps + noise.sum())
    if inplace:
        return input.mul_(noise).mul_(normalize_scale)
    return input * noise * normalize_scale


def drop_block2d(input, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06,
                 training: bool = True):
    """DropBlock on ``(N, C, H, W)``: each element starts a dropped ``block_size`` square with
    probability ``gamma`` (chosen so that about ``p`` of the map is dropped)."""
    return _drop_block(input, p, block_size, inplace, eps, training, 2)


def drop_block3d(input, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06,
                 training: bool = True):
    """DropBlock on ``(N, C, D, H, W)`` with cubic blocks."""
    return _drop_block(input, p, block_size, inplace, eps, training, 3)


class DropBlock2d(nn.Module):
    """See :func:`drop_block2d`."""

    def __init__(self, p: float, block_size: int, inplace: bool = False,
                 eps: float = 1e-06) -> None:
        super().__init__()
        self.p = p
        self.block_size = block_size
        self.inplace = inplace
        self.eps = eps

    def forward(self, input):
        return drop_block2d(input, self.p, self.block_size, self.inplace, self.eps,
                            self.training)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(p={self.p}, block_size={self.block_size}, "
                f"inplace={self.inplace})")


class DropBlock3d(DropBlock2d):
    """See :func:`drop_block3d`."""

    def forward(self, input):
        return drop_block3d(input, self.p, self.block_size, self.inplace, self.eps,
                            self.training)

"""torchvision.ops.sigmoid_focal_loss (Lin et al., 2017), RetinaNet's classification loss."""

from __future__ import annotations

import gradkit as gk

from ...nn import functional as F
from ._utils import _reduce

__all__ = ["sigmoid_focal_loss"]


def sigmoid_focal_loss(inputs, targets, alpha: float = 0.25, gamma: float = 2,
                       reduction: str = "none"):
    """Binary cross-entropy on logits ``inputs`` scaled by ``(1 - p_t) ** gamma`` and, unless
    ``alpha == -1``, weighted ``alpha`` / ``1 - alpha`` for positives / negatives."""
    if not (0 <= alpha <= 1) and alpha != -1:
        raise ValueError(f"Invalid alpha value: {alpha}. alpha must be in the range [0,1] or -1 "
                         f"for ignore.")
    p = gk.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return _reduce(loss, reduction, empty_mean_zero=False)

"""``BatchNorm3d``: batch normalisation over volumes (the rest of the family is in
``batchnorm.py``; this one sits apart only because that file has another owner at the moment)."""

from __future__ import annotations

from .batchnorm import _BatchNorm

__all__ = ["BatchNorm3d"]


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over a 5-D input (a batch of volumes), per channel (see
    :class:`BatchNorm2d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)`
        - Output: same as the input

    Example:
        >>> gradkit.nn.BatchNorm3d(4)(gradkit.randn(2, 4, 3, 5, 5)).shape
        gradkit.Size([2, 4, 3, 5, 5])
    """

    _ranks = (5,)
    _expect = "(N, {c}, D, H, W)"

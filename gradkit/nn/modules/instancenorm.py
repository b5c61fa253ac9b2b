"""Instance normalisation: ``InstanceNorm1d``, ``InstanceNorm2d``, ``InstanceNorm3d``."""

from __future__ import annotations

from ..._tensor import Tensor, as_tensor_arg
from ..._warnings import warn
from .. import functional as FN  # F.* at call time, as PyTorch's
from .batchnorm import _BatchNorm

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]

_SPATIAL = {2: "L", 3: "H, W", 4: "D, H, W"}


class _InstanceNorm(_BatchNorm):
    """Parameters and buffers as :class:`BatchNorm2d` (PyTorch's ``_NormBase``), with
    PyTorch's instance-norm defaults ``affine=False``, ``track_running_stats=False``."""

    _no_batch_dim = 3

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def _expected(self, x: Tensor) -> ValueError:
        c, s = self.num_features, _SPATIAL[self._no_batch_dim]
        return ValueError(f"{type(self).__name__}(num_features={c}) expects input of shape "
                          f"(N, {c}, {s}) or ({c}, {s}), got {tuple(x.shape)}")

    def _check_input_dim(self, input: Tensor) -> None:
        """ValueError for an input of the wrong rank (PyTorch's hook, which a subclass may
        override)."""
        if input.ndim not in (self._no_batch_dim, self._no_batch_dim + 1):
            raise self._expected(input)

    def _get_no_batch_dim(self) -> int:
        """The rank of an unbatched input (PyTorch's hook)."""
        return self._no_batch_dim

    def forward(self, input: Tensor) -> Tensor:
        x = input if isinstance(input, Tensor) else as_tensor_arg(input, name="input")
        self._check_input_dim(x)
        nb = self._get_no_batch_dim()
        if self.affine and x.ndim >= nb and x.shape[x.ndim - nb] != self.num_features:
            raise self._expected(x)
        if x.ndim >= nb and x.shape[x.ndim - nb] != self.num_features:  # (affine=False)
            warn(f"input's size at dim={x.ndim - nb} does not match num_features. You can "
                 f"silence this warning by not passing in num_features, which is not used "
                 f"because affine=False")
        unbatched = x.ndim == nb
        if unbatched:
            x = x.unsqueeze(0)
        use_input = self.training or not self.track_running_stats
        y = FN.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                             use_input, self.momentum if self.momentum is not None else 0.0,
                             self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation over a batch of sequences: each channel of each sample is
    normalised over its length (see :func:`gradkit.nn.functional.instance_norm`).

    Args:
        num_features: channels ``C``.
        eps: added to the variance. Default: 1e-5.
        momentum: weight of each new batch in the running statistics. Default: 0.1.
        affine: learn per-channel ``weight`` (init 1) and ``bias`` (init 0). Default: False.
        track_running_stats: keep running statistics (used in eval mode). Default: False.
        bias: with ``affine``, learn ``bias`` too (keyword-only).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`
        - Output: same as the input

    Examples:
        >>> gradkit.nn.InstanceNorm1d(4)(gradkit.randn(2, 4, 10)).shape
        gradkit.Size([2, 4, 10])
    """

    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation over a batch of images (see :class:`InstanceNorm1d`).

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: same as the input
    """

    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation over a batch of volumes (see :class:`InstanceNorm1d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`
        - Output: same as the input
    """

    _no_batch_dim = 4

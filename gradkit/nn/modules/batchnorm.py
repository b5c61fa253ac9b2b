"""Batch normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d``."""

from __future__ import annotations

import numbers

import numpy as np

from ... import _dtype
from ..._tensor import Tensor, wrap
from .. import functional as F  # (F.batch_norm looked up at call time, as PyTorch's)
from ..functional import normalization as FN
from ..parameter import Parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _BatchNorm(Module):
    """Parameters, buffers and the train/eval logic shared by the batch-norm layers."""

    _ranks = (4,)
    _expect = "(N, {c}, H, W)"
    _version = 2  # version 2 added num_batches_tracked (PyTorch 0.4.1)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        # a state_dict from before num_batches_tracked (or a plain dict, with no version)
        # keeps the module's own counter, as PyTorch's BatchNorm does
        version = local_metadata.get("version")
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and \
                key not in state_dict:
            state_dict[key] = self.num_batches_tracked if self.num_batches_tracked is not None \
                else wrap(np.array(0, dtype=np.int64))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        layer = type(self).__name__
        if not isinstance(num_features, numbers.Integral) or isinstance(num_features,
                                                                        (bool, np.bool_)):
            raise TypeError(f"{layer}: num_features must be an int, got {num_features!r}")
        num_features = int(num_features)  # (a NumPy integer too, as PyTorch)
        if num_features < 0 and (affine or track_running_stats):
            # PyTorch: torch.empty's RuntimeError where a tensor of num_features is made (0 is
            # built, and so is any number without weights or running statistics)
            raise RuntimeError(f"{layer}: num_features must be a positive int, got "
                               f"{num_features!r} (Trying to create tensor with negative "
                               f"dimension)")
        # eps and momentum are taken unchecked, as PyTorch (a momentum outside [0, 1]
        # extrapolates the running statistics; a checked constructor would raise where
        # PyTorch's forward raises something else, or nothing)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = np.dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones((num_features,), dtype=dt))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(np.zeros((num_features,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", wrap(np.zeros((num_features,), dtype=dt)))
            self.register_buffer("running_var", wrap(np.ones((num_features,), dtype=dt)))
            self.register_buffer("num_batches_tracked", wrap(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()
        if device is not None:  # built on the host, then moved
            self.to(device)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, ``num_batches_tracked`` 0."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics; weight 1 and bias 0 (PyTorch's default)."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight._data[...] = 1
        if self.bias is not None:
            self.bias._data[...] = 0

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

    def _check_input_dim(self, input: Tensor) -> None:
        """ValueError for an input of the wrong rank. PyTorch's hook, called first by
        ``forward``: a subclass may override it (to accept other ranks, say)."""
        if input.ndim not in self._ranks:
            c = self.num_features
            raise ValueError(f"{type(self).__name__}(num_features={c}) expects input of shape "
                             f"{self._expect.format(c=c)}, got {tuple(input.shape)}")

    def _check_input(self, x: Tensor) -> None:
        c = self.num_features
        self._check_input_dim(x)
        if x.ndim >= 2 and x.shape[1] != c and x.numel() and (self.running_mean is not None
                                                              or self.weight is not None):
            # PyTorch's batch_norm: "running_mean should contain 3 elements not 2" (without
            # running statistics or affine parameters any channel count is normalised; an
            # empty input returns before the check); torch.nn.functional's own checks (one
            # value per channel when training, eps) come first
            training = self.training or self.running_mean is None and self.running_var is None
            if training:
                FN._verify_batch_size(type(self).__name__, tuple(x.shape))
            if training and self.eps <= 0 or self.eps < 0:
                raise ValueError(f"{type(self).__name__}: batch_norm eps must be "
                                 f"{'positive during training' if training else 'non-negative'}"
                                 f", but got {self.eps}")
            raise RuntimeError(f"{type(self).__name__}(num_features={c}) expects input of shape "
                               f"{self._expect.format(c=c)}, got {tuple(x.shape)}: its running "
                               f"statistics and parameters hold {c} channels, not "
                               f"{x.shape[1]}")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            # (a public in-place op, so torch.export records the update)
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over a 4-D input (a batch of images), per channel.

    .. math:: y = \\frac{x - \\mathrm{E}[x]}{\\sqrt{\\mathrm{Var}[x] + \\epsilon}} \\gamma + \\beta

    In training mode the statistics are the batch's (biased variance) and the running estimates
    are updated with ``momentum`` (unbiased variance; ``momentum=None`` keeps a cumulative
    average); in eval mode the running estimates are used.

    Args:
        num_features: channels ``C``.
        eps: added to the variance. Default: 1e-5.
        momentum: weight of each new batch in the running statistics; None for a cumulative
            average. Default: 0.1.
        affine: learn ``weight`` (:math:`\\gamma`, init 1) and ``bias`` (:math:`\\beta`, init 0).
        bias: with ``affine``, whether to learn ``bias`` too (keyword-only, as in PyTorch 2.13).
        track_running_stats: keep ``running_mean``, ``running_var`` and ``num_batches_tracked``
            buffers; without them batch statistics are used in eval mode too.

    Shape:
        - Input: :math:`(N, C, H, W)`
        - Output: :math:`(N, C, H, W)`

    Examples:
        >>> bn = gradkit.nn.BatchNorm2d(16)
        >>> bn(gradkit.randn(8, 16, 5, 5)).shape
        gradkit.Size([8, 16, 5, 5])
    """

    _ranks = (4,)
    _expect = "(N, {c}, H, W)"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over a 2-D or 3-D input, per channel (see :class:`BatchNorm2d`).

    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, L)`
        - Output: same as the input
    """

    _ranks = (2, 3)
    _expect = "(N, {c}) or (N, {c}, L)"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over a 5-D input (a batch of volumes), per channel (see
    :class:`BatchNorm2d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)`
        - Output: same as the input

    Examples:
        >>> gradkit.nn.BatchNorm3d(4)(gradkit.randn(2, 4, 3, 5, 5)).shape
        gradkit.Size([2, 4, 3, 5, 5])
    """

    _ranks = (5,)
    _expect = "(N, {c}, D, H, W)"

"""``SyncBatchNorm``: batch normalisation whose statistics are those of the global batch, over
all ranks of ``gradkit.distributed`` (PyTorch's ``torch.nn.SyncBatchNorm``).

In training with a world of more than one rank, each rank sums its shard per channel, one
all-reduce gives the global mean, a second the global (biased) variance around it (two passes:
no cancellation in E[x^2] - E[x]^2), and the input is normalised with them; the running
statistics are updated with the unbiased variance of the global batch. The all-reduces are
differentiable (their backward is an all-reduce of the gradients), so the gradients are those of
BatchNorm over the global batch. In eval mode, or without a process group of several ranks, it
is plain batch normalisation.
"""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor, wrap
from ...autograd.function import Function
from .batchnorm import _BatchNorm
from .module import Module

__all__ = ["SyncBatchNorm"]


class _AllReduceSum(Function):
    """Sum over the ranks; the gradient of each rank's input is the sum of the gradients."""

    @staticmethod
    def forward(ctx, x):
        from ... import distributed as dist

        y = x.detach().clone().contiguous()
        dist.all_reduce(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        from ... import distributed as dist

        g = grad.detach().clone().contiguous()
        dist.all_reduce(g)
        return g


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over the global batch of all ranks, per channel.

    Args: as :class:`BatchNorm2d`, plus ``process_group`` (None: the world).

    Shape:
        - Input: :math:`(N, C, +)` (any number of trailing dims)
        - Output: same as the input

    Examples:
        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        >>> ddp = nn.parallel.DistributedDataParallel(model)
    """

    _ranks = None

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, process_group=None,
                 device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats,
                         device=device, dtype=dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {input.ndim}D "
                             f"input)")

    def _check_input(self, x: Tensor) -> None:
        self._check_input_dim(x)
        if x.ndim >= 2 and x.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm(num_features={self.num_features}) expects input of "
                             f"shape (N, {self.num_features}, ...), got {tuple(x.shape)}")

    def _world(self) -> int:
        from ... import distributed as dist

        return dist.get_world_size() if dist.is_initialized() else 1

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        if not self.training or self._world() == 1:
            return super().forward(input)
        c = self.num_features
        dims = (0,) + tuple(range(2, input.ndim))
        shape = (1, c) + (1,) * (input.ndim - 2)
        count = float(input.numel() // c)
        local = input.sum(dim=dims)
        ones = wrap(np.full((1,), count, dtype=local._data.dtype))
        from ... import cat

        total = _AllReduceSum.apply(cat([local, ones]))
        n = float(total._data[-1])
        if n <= 1:
            raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel when "
                             f"training over the global batch, got input {tuple(input.shape)}")
        mean = total[:c] / n
        centred = input - mean.reshape(shape)
        var = _AllReduceSum.apply((centred * centred).sum(dim=dims)) / n
        out = centred * (var + self.eps).rsqrt().reshape(shape)
        if self.weight is not None:
            out = out * self.weight.reshape(shape)
        if self.bias is not None:
            out = out + self.bias.reshape(shape)
        if self.track_running_stats and self.running_mean is not None:
            self.num_batches_tracked._data += 1
            self.num_batches_tracked._vc[0] += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
            else:
                factor = self.momentum
            m = mean._data.astype(self.running_mean._data.dtype)
            v = (var._data * (n / (n - 1))).astype(self.running_var._data.dtype)
            self.running_mean._data[...] = (1 - factor) * self.running_mean._data + factor * m
            self.running_var._data[...] = (1 - factor) * self.running_var._data + factor * v
            self.running_mean._vc[0] += 1
            self.running_var._vc[0] += 1
        return out

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """Replace every ``BatchNorm*d`` in ``module`` by a :class:`SyncBatchNorm` that shares
        its parameters and buffers; returns the (new, for a bare batch-norm layer) module."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            for name in ("weight", "bias", "running_mean", "running_var",
                         "num_batches_tracked"):
                if getattr(module, name, None) is not None:
                    setattr(out, name, getattr(module, name))
                elif name in ("weight", "bias"):
                    out.register_parameter(name, None)
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in list(module.named_children()):
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out

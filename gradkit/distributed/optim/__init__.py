"""``gradkit.distributed.optim``: optimizers for data-parallel training
(``ZeroRedundancyOptimizer``: optimizer state sharded over the ranks, ZeRO stage 1)."""

from .zero_redundancy_optimizer import ZeroRedundancyOptimizer

__all__ = ["ZeroRedundancyOptimizer"]

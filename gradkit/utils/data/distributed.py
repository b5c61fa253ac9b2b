"""``DistributedSampler``: each rank iterates over its own shard of the dataset."""

from __future__ import annotations

import math

import numpy as np

from ...random import Generator, randperm
from .dataset import T_co
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[T_co]):
    """Restrict data loading to a subset of the dataset, one shard per rank.

    Every rank draws the same permutation (from ``seed + epoch``), pads it (or drops the tail with
    ``drop_last``) to a multiple of the world size, and takes every ``num_replicas``-th index
    starting at its rank. Call ``set_epoch(epoch)`` before each epoch to reshuffle.

    Args:
        dataset: anything with ``__len__``.
        num_replicas, rank: default to the process group's world size and rank (1 and 0 when
            gradkit.distributed is not initialized).
        shuffle, seed, drop_last: as in PyTorch.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        from ... import distributed as dist

        if num_replicas is None:
            num_replicas = dist.get_world_size() if dist.is_initialized() else 1
        if rank is None:
            rank = dist.get_rank() if dist.is_initialized() else 0
        if num_replicas < 1:
            raise ValueError(f"num_replicas must be at least 1, got {num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = Generator().manual_seed(self.seed + self.epoch)  # PyTorch's order
            indices = randperm(g, n)
        else:
            indices = np.arange(n)
        if not self.drop_last:
            pad = self.total_size - n
            if pad > 0:
                reps = math.ceil(pad / max(n, 1))
                indices = np.concatenate([indices] + [indices] * reps)[: self.total_size]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use a different shuffle for each epoch (same on every rank)."""
        self.epoch = int(epoch)

"""``torch.distributed.fsdp.fully_sharded_data_parallel``: the FSDP wrapper's home in PyTorch."""

from . import FullyShardedDataParallel

__all__ = ["FullyShardedDataParallel"]

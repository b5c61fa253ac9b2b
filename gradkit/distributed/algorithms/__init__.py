"""``gradkit.distributed.algorithms``: training algorithms over the process group
(``ddp_comm_hooks``: gradient compression for DistributedDataParallel)."""

from . import ddp_comm_hooks

__all__ = ["ddp_comm_hooks"]

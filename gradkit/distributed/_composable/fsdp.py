"""``torch.distributed._composable.fsdp``: the same names as ``torch.distributed.fsdp``."""

from ..fsdp import CPUOffloadPolicy, MixedPrecisionPolicy, OffloadPolicy, fully_shard

__all__ = ["CPUOffloadPolicy", "MixedPrecisionPolicy", "OffloadPolicy", "fully_shard"]

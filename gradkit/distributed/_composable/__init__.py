"""``torch.distributed._composable``: where PyTorch first published ``fully_shard``."""

from . import fsdp

__all__ = ["fsdp"]

"""The one error for the sharding parts of ``torch.distributed`` that gradkit names, not runs.

Model libraries import ``DTensor``, ``fully_shard`` and ``FullyShardedDataParallel`` at import time
and call them only when a multi-process sharded run asks for them; gradkit provides the names so
those libraries import, and using one raises ``NotImplementedError`` through :func:`refuse`.
"""

from __future__ import annotations

__all__ = ["refuse"]


def refuse(what: str, kind: str) -> None:
    """Raise ``NotImplementedError`` naming ``what`` was called and the ``kind`` missing."""
    raise NotImplementedError(
        f"{what}: gradkit does not implement {kind}; keep the model unsharded (one process, or "
        f"data-parallel training with DistributedDataParallel), or run this program with PyTorch"
    )

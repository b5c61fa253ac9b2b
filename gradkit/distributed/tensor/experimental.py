"""``torch.distributed.tensor.experimental``: the names libraries import at load time.

No tensor in gradkit is sharded, so :func:`implicit_replication` (which lets plain tensors mix
with sharded ones inside its block) has nothing to change and runs its block as it is. Context
parallelism, ``local_map`` and sharding rules need sharded tensors and raise
``NotImplementedError``.
"""

from __future__ import annotations

from contextlib import contextmanager

from .._unsupported import refuse

__all__ = ["context_parallel", "implicit_replication", "local_map", "register_sharding"]

_KIND = "sharded tensors (torch.distributed.tensor.DTensor)"


@contextmanager
def implicit_replication():
    """Run the block unchanged: with no sharded tensors there is nothing to replicate."""
    yield


def context_parallel(*args, **kwargs):
    """Not implemented in gradkit: raises ``NotImplementedError``."""
    refuse("context_parallel", _KIND)


def local_map(*args, **kwargs):
    """Not implemented in gradkit: raises ``NotImplementedError``."""
    refuse("local_map", _KIND)


def register_sharding(*args, **kwargs):
    """Not implemented in gradkit: raises ``NotImplementedError``."""
    refuse("register_sharding", _KIND)

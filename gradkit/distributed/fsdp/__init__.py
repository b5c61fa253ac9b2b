"""``torch.distributed.fsdp``: the policy records and the names libraries test for.

Fully sharded data parallelism is not implemented in gradkit: :func:`fully_shard` and
constructing :class:`FullyShardedDataParallel` raise ``NotImplementedError``; no module is an
instance of it, so ``isinstance(model, FullyShardedDataParallel)`` checks answer ``False``. The
policies are plain records, as in PyTorch.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._unsupported import refuse

__all__ = [
    "CPUOffloadPolicy",
    "FSDPModule",
    "FullyShardedDataParallel",
    "MixedPrecisionPolicy",
    "OffloadPolicy",
    "fully_shard",
]

_KIND = "fully sharded data parallelism (FSDP)"


@dataclass(frozen=True)
class MixedPrecisionPolicy:
    """Dtypes ``fully_shard`` computes, reduces and returns in (``None``: the parameter's)."""

    param_dtype: object = None
    reduce_dtype: object = None
    output_dtype: object = None
    cast_forward_inputs: bool = True


@dataclass
class OffloadPolicy:
    """No offloading (the base of :class:`CPUOffloadPolicy`)."""


@dataclass
class CPUOffloadPolicy(OffloadPolicy):
    """Keep sharded parameters on the CPU between uses (``pin_memory``: in page-locked memory)."""

    pin_memory: bool = True


class FullyShardedDataParallel:
    """A fully sharded module wrapper: named for ``isinstance`` tests, never created in gradkit."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        refuse("FullyShardedDataParallel()", _KIND)


class FSDPModule:
    """The class ``fully_shard`` mixes into a sharded module: named for ``isinstance`` tests
    (``isinstance(model, FSDPModule)`` answers ``False`` for every gradkit module); never
    created."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        refuse("FSDPModule()", _KIND)


def fully_shard(module, **kwargs):
    """Not implemented in gradkit: raises ``NotImplementedError`` (see the module docstring)."""
    refuse("fully_shard", _KIND)

"""``torch.distributed.fsdp``: the policy and configuration records, the names libraries test for.

Fully sharded data parallelism is not implemented in gradkit: :func:`fully_shard` and
constructing :class:`FullyShardedDataParallel` raise ``NotImplementedError``; no module is an
instance of it, so ``isinstance(model, FullyShardedDataParallel)`` checks answer ``False``. The
policies, the configuration records of the first FSDP API (``CPUOffload``, ``MixedPrecision``,
the state-dict configurations) and its enums are plain records and enums, as in PyTorch, so the
libraries that build them at import time (diffusers' training utilities) import.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .._unsupported import refuse

__all__ = [
    "BackwardPrefetch",
    "CPUOffload",
    "CPUOffloadPolicy",
    "FullOptimStateDictConfig",
    "FullStateDictConfig",


    "FSDPModule",
    "FullyShardedDataParallel",
    "LocalOptimStateDictConfig",
    "LocalStateDictConfig",
    "MixedPrecision",
    "MixedPrecisionPolicy",
    "OffloadPolicy",
    "OptimStateDictConfig",
    "ShardedOptimStateDictConfig",
    "ShardedStateDictConfig",
    "ShardingStrategy",
    "StateDictConfig",
    "StateDictType",
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


class ShardingStrategy(enum.Enum):
    """How the first FSDP API splits parameters, gradients and optimizer state."""

    FULL_SHARD = 1
    SHARD_GRAD_OP = 2
    NO_SHARD = 3
    HYBRID_SHARD = 4
    _HYBRID_SHARD_ZERO2 = 5


class BackwardPrefetch(enum.Enum):
    """When the first FSDP API gathers the next parameters during the backward pass."""

    BACKWARD_PRE = 1
    BACKWARD_POST = 2


class StateDictType(enum.Enum):
    """The state-dict layout a sharded model saves and loads."""

    FULL_STATE_DICT = 1
    LOCAL_STATE_DICT = 2
    SHARDED_STATE_DICT = 3


@dataclass
class CPUOffload:
    """Whether the first FSDP API keeps parameters on the CPU."""

    offload_params: bool = False


def _batch_norm_classes():
    from ...nn.modules.batchnorm import _BatchNorm

    return (_BatchNorm,)


@dataclass
class MixedPrecision:
    """The first FSDP API's dtypes for parameters, gradient reduction and buffers."""

    param_dtype: object = None
    reduce_dtype: object = None
    buffer_dtype: object = None
    keep_low_precision_grads: bool = False
    cast_forward_inputs: bool = False
    cast_root_forward_inputs: bool = True
    _module_classes_to_ignore: tuple = None

    def __post_init__(self):
        if self._module_classes_to_ignore is None:
            self._module_classes_to_ignore = _batch_norm_classes()


@dataclass
class StateDictConfig:
    """How a sharded model's state dict is saved (the base of the three layouts' records)."""

    offload_to_cpu: bool = False


@dataclass
class FullStateDictConfig(StateDictConfig):
    rank0_only: bool = False


@dataclass
class ShardedStateDictConfig(StateDictConfig):
    _use_dtensor: bool = False


@dataclass
class LocalStateDictConfig(StateDictConfig):
    pass


@dataclass
class OptimStateDictConfig:
    """How a sharded model's optimizer state is saved (the base of the layouts' records)."""

    offload_to_cpu: bool = True


@dataclass
class FullOptimStateDictConfig(OptimStateDictConfig):
    rank0_only: bool = False


@dataclass
class ShardedOptimStateDictConfig(OptimStateDictConfig):
    _use_dtensor: bool = False


@dataclass
class LocalOptimStateDictConfig(OptimStateDictConfig):
    offload_to_cpu: bool = False


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

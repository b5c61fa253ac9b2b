"""Communication hooks for ``DistributedDataParallel.register_comm_hook`` (PyTorch's
``torch.distributed.algorithms.ddp_comm_hooks``).

- :mod:`.default_hooks`: ``allreduce_hook`` (what DDP does without a hook),
  ``fp16_compress_hook`` and ``bf16_compress_hook`` (send half the bytes).
- :mod:`.powerSGD_hook`: ``PowerSGDState`` and ``powerSGD_hook`` (low-rank gradient compression
  with error feedback and warm start; Vogels et al., 2019).

Examples:
    >>> from gradkit.distributed.algorithms.ddp_comm_hooks import default_hooks
    >>> ddp_model.register_comm_hook(None, default_hooks.fp16_compress_hook)
"""

from enum import Enum

from . import default_hooks, powerSGD_hook

__all__ = ["DDPCommHookType", "default_hooks", "powerSGD_hook", "register_ddp_comm_hook"]


class DDPCommHookType(Enum):
    ALLREDUCE = "allreduce"
    FP16_COMPRESS = "fp16_compress"
    BF16_COMPRESS = "bf16_compress"
    POWER_SGD = "power_sgd"


def register_ddp_comm_hook(comm_hook_type, model, state=None, matrix_approximation_rank=1):
    """Register one of the hooks above on ``model`` by its :class:`DDPCommHookType`."""
    if comm_hook_type is DDPCommHookType.ALLREDUCE:
        model.register_comm_hook(state, default_hooks.allreduce_hook)
    elif comm_hook_type is DDPCommHookType.FP16_COMPRESS:
        model.register_comm_hook(state, default_hooks.fp16_compress_hook)
    elif comm_hook_type is DDPCommHookType.BF16_COMPRESS:
        model.register_comm_hook(state, default_hooks.bf16_compress_hook)
    elif comm_hook_type is DDPCommHookType.POWER_SGD:
        ps = powerSGD_hook.PowerSGDState(process_group=state,
                                         matrix_approximation_rank=matrix_approximation_rank)
        model.register_comm_hook(ps, powerSGD_hook.powerSGD_hook)
    else:
        raise ValueError(f"register_ddp_comm_hook: unknown hook type {comm_hook_type!r}")

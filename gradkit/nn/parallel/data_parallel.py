"""``DataParallel``: PyTorch's single-process multi-GPU wrapper, as it behaves with no CUDA
device in use -- the wrapped module runs as it is (``model.module``, state-dict keys under
``module.``), so programs that wrap their model unconditionally run unchanged. gradkit spreads
training over processes with ``DistributedDataParallel`` instead."""

from __future__ import annotations

from typing import Generic, TypeVar

from ..modules.module import Module

T = TypeVar("T", bound=Module)

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module, Generic[T]):
    """``DataParallel(module, device_ids=None, output_device=None, dim=0)``: runs ``module``
    on the one device it is on (no replication)."""

    def __init__(self, module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module must be an nn.Module, got "
                            f"{type(module).__name__}")
        self.module = module
        self.device_ids = []
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs=None):
    """The functional form: ``module(*inputs, **module_kwargs)`` on the module's device."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))

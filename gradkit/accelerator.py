"""``gradkit.accelerator`` (PyTorch's ``torch.accelerator``): the truth about the device.

gradkit's one accelerator is a CUDA GPU through CuPy (:mod:`gradkit.cuda`). Without one,
``is_available()`` is False, ``current_accelerator()`` is None, ``device_count()`` is 0, and the
calls that need a device raise ``RuntimeError`` as PyTorch's do.
"""

from __future__ import annotations

import contextlib

from . import cuda as _cuda
from .device import Device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "current_device_idx", "set_device_index", "set_device_idx", "device_index",
           "synchronize", "empty_cache"]

_CURRENT = [0]


def is_available() -> bool:
    """True when a CUDA GPU is usable through CuPy."""
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> Device | None:
    """``device('cuda')`` when there is a GPU, else None."""
    return Device("cuda") if _cuda.is_available() else None


def device_count() -> int:
    return _cuda.device_count()


def _need_device(what: str) -> None:
    if not _cuda.is_available():
        raise RuntimeError(f"accelerator.{what}: Cannot access accelerator device when none is "
                           f"available.")


def current_device_index() -> int:
    _need_device("current_device_index")
    return _CURRENT[0]


current_device_idx = current_device_index


def set_device_index(device) -> None:
    _need_device("set_device_index")
    index = Device(device).index if isinstance(device, (str, Device)) else int(device)
    _CURRENT[0] = index or 0
    _cuda_module().cuda.Device(_CURRENT[0]).use()


set_device_idx = set_device_index


@contextlib.contextmanager
def device_index(device):
    """Within the block, ``device`` is the current accelerator (None: unchanged)."""
    if device is None:
        yield
        return
    before = current_device_index()
    set_device_index(device)
    try:
        yield
    finally:
        set_device_index(before)


def synchronize(device=None) -> None:
    _need_device("synchronize")
    _cuda.synchronize(device)


def empty_cache() -> None:
    _need_device("empty_cache")
    _cuda_module().get_default_memory_pool().free_all_blocks()


def _cuda_module():
    from . import _backend

    return _backend.cupy_ns().module

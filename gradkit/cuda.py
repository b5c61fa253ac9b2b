"""``gradkit.cuda``: whether a CUDA GPU is usable (through CuPy), and synchronisation."""

from __future__ import annotations

from . import _backend

__all__ = ["is_available", "device_count", "synchronize", "manual_seed"]


def is_available() -> bool:
    """True when CuPy is installed and sees a CUDA device."""
    return _backend.has_cupy()


def device_count() -> int:
    if not is_available():
        return 0
    return _backend.cupy_ns().module.cuda.runtime.getDeviceCount()


def synchronize(device=None) -> None:
    """Wait for all kernels on the current GPU to finish (no-op without CUDA)."""
    if is_available():
        _backend.cupy_ns().module.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    if is_available():
        _backend.cupy_ns().module.random.seed(int(seed))


def manual_seed_all(seed: int) -> None:
    manual_seed(seed)


def __getattr__(name):
    # torch.cuda.amp (autocast, GradScaler), loaded on first use
    if name == "amp":
        import importlib

        return importlib.import_module("gradkit.amp.cuda")
    raise AttributeError(f"module 'gradkit.cuda' has no attribute {name!r}")

"""The module API of an accelerator this machine does not have (``torch.mps``, ``torch.xpu``):
gradkit runs on the CPU, and on CUDA GPUs through CuPy; no such device, nothing to synchronise,
free or seed."""

__all__ = ["is_available", "device_count", "synchronize", "empty_cache", "manual_seed",
           "manual_seed_all"]


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def synchronize(device=None) -> None:
    """Nothing runs on such a device."""


def empty_cache() -> None:
    """No device memory is held."""


def manual_seed(seed: int) -> None:
    """No device generator to seed."""


def manual_seed_all(seed: int) -> None:
    """No device generator to seed."""

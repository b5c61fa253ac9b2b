"""``gradkit.mps``: PyTorch's ``torch.mps`` on a machine without such a device (gradkit runs on
the CPU, and on CUDA GPUs through CuPy): no devices, nothing to synchronise or free."""

__all__ = ["is_available", "device_count", "synchronize", "empty_cache", "manual_seed",
           "manual_seed_all"]


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def synchronize(device=None) -> None:
    """Nothing runs on a mps device."""


def empty_cache() -> None:
    """No mps memory is held."""


def manual_seed(seed: int) -> None:
    """No mps generator to seed."""


def manual_seed_all(seed: int) -> None:
    """No mps generator to seed."""

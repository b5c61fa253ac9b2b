"""``torch.cpu``: the CPU device module (``torch.cpu.amp.autocast``, ``is_available``)."""

from __future__ import annotations

from .amp import cpu as amp

__all__ = ["amp", "is_available", "device_count", "current_device", "synchronize"]


def is_available() -> bool:
    """The CPU is always available."""
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def synchronize(device=None) -> None:
    """Nothing to wait for: CPU ops run synchronously."""

"""``gradkit.utils._foreach_utils``: PyTorch's ``torch.utils._foreach_utils``, the helpers that
optimizer libraries import to split parameter lists by device and dtype before calling the
``torch._foreach_*`` functions, and to ask which devices have foreach or fused kernels."""

from __future__ import annotations

from .._tensor.tensor import Tensor

__all__: list[str] = []

_foreach_supported_types = [Tensor]


def _get_foreach_kernels_supported_devices() -> list[str]:
    """The device types with foreach kernels (PyTorch's list; CPU is added by the caller)."""
    return ["cuda", "xpu", "mtia", "privateuseone"]


def _get_fused_kernels_supported_devices() -> list[str]:
    """The device types whose optimizers have ``fused=True`` kernels (PyTorch's list)."""
    return ["mps", "cuda", "xpu", "hpu", "cpu", "mtia", "privateuseone"]


def _group_tensors_by_device_and_dtype(tensorlistlist, with_indices: bool = False):
    """``{(device, dtype): ([list for each input list], indices)}``, as PyTorch's: the groups
    follow the device and dtype of the tensors of the first list; the other lists (which may
    be ``None`` or hold ``None``) are split at the same positions; ``indices`` holds the
    positions of the group's entries in the input when ``with_indices``, else it is empty.
    The grouped lists hold the input tensors themselves, so in-place updates reach them."""
    from .._C import _group_tensors_by_device_and_dtype as group

    return group(tensorlistlist, with_indices)


def _device_has_foreach_support(device) -> bool:
    """Whether ``device`` (a ``torch.device``) has foreach kernels: CPU and the accelerators."""
    return device.type in (_get_foreach_kernels_supported_devices() + ["cpu"])


def _has_foreach_support(tensors, device) -> bool:
    """Whether the foreach path may take ``tensors`` on ``device``: plain tensors (or ``None``),
    no subclasses, on a device with foreach kernels."""
    return _device_has_foreach_support(device) and all(
        t is None or type(t) in _foreach_supported_types for t in tensors)

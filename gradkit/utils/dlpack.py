"""``gradkit.utils.dlpack``: PyTorch's ``torch.utils.dlpack`` (zero-copy exchange of CPU tensors
with NumPy and other libraries)."""

from ..compat.toplevel import from_dlpack, to_dlpack

__all__ = ["from_dlpack", "to_dlpack"]

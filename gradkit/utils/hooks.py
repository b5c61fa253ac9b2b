"""``gradkit.utils.hooks``: PyTorch's ``torch.utils.hooks`` (the handle every ``register_*``
method returns)."""

from ..nn.modules.module import RemovableHandle

__all__ = ["RemovableHandle"]

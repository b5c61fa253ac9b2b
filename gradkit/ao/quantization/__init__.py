"""``torch.ao.quantization`` (also ``torch.quantization``): the base classes only.

gradkit has no quantized tensors, so none of PyTorch's quantization flows (``prepare``,
``convert``, ``quantize_dynamic``, qconfigs, observers that compute scales, FX quantization)
are provided; each of those names raises ``AttributeError`` saying so. The two abstract base
classes are here because libraries test modules against them while saving and loading
checkpoints (fvcore's ``Checkpointer``: ``isinstance(m, (ObserverBase, FakeQuantizeBase))``),
which then works for every model gradkit can hold.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from ...nn.modules.module import Module

__all__ = ["ObserverBase", "FakeQuantizeBase"]


class ObserverBase(ABC, Module):
    """PyTorch's abstract observer: records statistics in ``forward`` and gives scales from
    ``calculate_qparams``. Subclass it to define one; gradkit ships none."""

    def __init__(self, dtype, is_dynamic: bool = False):
        super().__init__()
        self.dtype = dtype
        self.is_dynamic = is_dynamic

    @abstractmethod
    def forward(self, x):
        pass

    @abstractmethod
    def calculate_qparams(self, **kwargs):
        pass


class FakeQuantizeBase(ABC, Module):
    """PyTorch's abstract fake-quantize module, with its ``fake_quant_enabled`` and
    ``observer_enabled`` flag buffers. Subclass it to define one; gradkit ships none."""

    def __init__(self):
        super().__init__()
        from ... import factories
        from ..._dtype import uint8

        self.register_buffer("fake_quant_enabled", factories.tensor([1], dtype=uint8))
        self.register_buffer("observer_enabled", factories.tensor([1], dtype=uint8))

    @abstractmethod
    def forward(self, x):
        pass

    @abstractmethod
    def calculate_qparams(self, **kwargs):
        pass

    def enable_fake_quant(self, enabled: bool = True) -> None:
        self.fake_quant_enabled[0] = 1 if enabled else 0

    def disable_fake_quant(self) -> None:
        self.enable_fake_quant(False)

    def enable_observer(self, enabled: bool = True) -> None:
        self.observer_enabled[0] = 1 if enabled else 0

    def disable_observer(self) -> None:
        self.enable_observer(False)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"module 'torch.ao.quantization' has no attribute {name!r}: gradkit provides only the "
        f"base classes ObserverBase and FakeQuantizeBase (quantized tensors are out of "
        f"gradkit's scope: no qconfigs, observers, prepare/convert or quantized modules); run "
        f"quantization with PyTorch")

"""``torch.quantization``: PyTorch's older name for :mod:`gradkit.ao.quantization`."""

from .ao.quantization import *  # noqa: F401,F403
from .ao.quantization import FakeQuantizeBase, ObserverBase, __getattr__  # noqa: F401

__all__ = ["ObserverBase", "FakeQuantizeBase"]

"""``torch.ao``: only the quantization base classes libraries check against (see
:mod:`gradkit.ao.quantization`); quantized tensors and their flows are out of gradkit's scope."""

from . import quantization

__all__ = ["quantization"]

"""``gradkit._C``: the few names of PyTorch's ``torch._C`` that Python programs use directly
(the ``__torch_function__`` switches)."""

from ._tensor.torch_function import DisableTorchFunction, DisableTorchFunctionSubclass
from ._tensor.torch_function import disabled_torch_function_impl as _disabled_torch_function_impl

__all__ = ["DisableTorchFunction", "DisableTorchFunctionSubclass",
           "_disabled_torch_function_impl"]

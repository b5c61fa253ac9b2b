"""``gradkit.overrides`` (PyTorch's ``torch.overrides``): the helpers of the ``__torch_function__``
protocol, by which Tensor subclasses and tensor-like objects take over gradkit's functions,
methods and operators. The protocol itself is in ``gradkit/_tensor/torch_function.py``."""

from __future__ import annotations

from ._tensor.torch_function import (
    TorchFunctionMode,
    call_handlers,
    get_default_nowrap_functions,
    has_torch_function,
    is_tensor_like,
)

__all__ = ["TorchFunctionMode", "get_default_nowrap_functions", "handle_torch_function",
           "has_torch_function", "has_torch_function_unary", "has_torch_function_variadic",
           "is_tensor_like", "is_tensor_method_or_property"]


def has_torch_function_unary(arg) -> bool:
    """``has_torch_function((arg,))``."""
    return has_torch_function((arg,))


def has_torch_function_variadic(*args) -> bool:
    """``has_torch_function(args)``."""
    return has_torch_function(args)


def handle_torch_function(public_api, relevant_args, *args, **kwargs):
    """Call the ``__torch_function__`` of the mode or of the types in ``relevant_args`` for
    ``public_api(*args, **kwargs)`` (a Python function that supports the protocol calls it
    when ``has_torch_function(relevant_args)``); TypeError where all return NotImplemented."""
    from ._tensor.torch_function import NOT_DISPATCHED, _overloaded

    r = call_handlers(public_api, _overloaded(relevant_args, []), args, kwargs)
    if r is NOT_DISPATCHED:
        return public_api(*args, **kwargs)
    return r


def is_tensor_method_or_property(func) -> bool:
    """Whether ``func`` is a method or property getter of Tensor (their first argument is the
    tensor itself)."""
    from ._tensor.tensor import Tensor

    owner = getattr(func, "__self__", None)
    if isinstance(owner, property):
        return any(v is owner for v in vars(Tensor).values())
    name = getattr(func, "__name__", None)
    return name is not None and getattr(Tensor, name, None) is func

"""``gradkit.overrides`` (PyTorch's ``torch.overrides``): the helpers of the ``__torch_function__``
protocol, by which Tensor subclasses and tensor-like objects take over gradkit's functions,
methods and operators. The protocol itself is in ``gradkit/_tensor/torch_function.py``."""

from __future__ import annotations

from ._tensor.torch_function import (
    BaseTorchFunctionMode,
    TorchFunctionMode,
    call_handlers,
    get_default_nowrap_functions,
    has_torch_function,
    is_tensor_like,
)

__all__ = ["BaseTorchFunctionMode", "TorchFunctionMode", "get_default_nowrap_functions",
           "get_overridable_functions",
           "get_testing_overrides", "handle_torch_function",
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


def _faces_of(module) -> list:
    """The public functions of ``module`` that take part in the protocol (its function faces)."""
    out = []
    for name in sorted(getattr(module, "__all__", None) or dir(module)):
        f = getattr(module, name, None)
        if name.startswith("_") or isinstance(f, type) or not callable(f):
            continue
        if getattr(f, "__torch_function_face__", False) and f not in out:
            out.append(f)
    return out


def get_overridable_functions() -> dict:
    """What a ``__torch_function__`` handler can be called with, as PyTorch's: namespace ->
    list of functions. Keys are the modules ``gradkit``, ``gradkit.nn.functional``,
    ``gradkit.linalg``, ``gradkit.fft`` and ``gradkit.special`` (their function faces), the
    class ``Tensor`` (its methods and operators), and each Tensor property (its getter)."""
    import gradkit
    from gradkit import fft, linalg, special
    from gradkit.nn import functional

    from ._tensor.tensor import Tensor
    from ._tensor.torch_function import _NOT_DISPATCHED

    result: dict = {}
    for module in (gradkit, functional, linalg, fft, special):
        result[module] = _faces_of(module)
    methods = []
    for name, attr in vars(Tensor).items():
        if name in _NOT_DISPATCHED or (name.startswith("_") and not name.endswith("__")):
            continue
        if isinstance(attr, property) or type(attr).__name__ == "member_descriptor":
            if name != "_base" and (not isinstance(attr, property) or attr.fget is not None):
                result[attr] = [attr.__get__]
        elif callable(attr) and not isinstance(attr, (type, staticmethod, classmethod)):
            methods.append(attr)
    result[Tensor] = methods
    return result


def _dummy(func):
    """A function with ``func``'s signature that returns -1 (PyTorch's testing lambdas)."""
    import inspect

    def override(*args, **kwargs):
        return -1

    self_only = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)])
    try:
        sig = self_only if getattr(func, "__name__", "") == "__get__" else \
            inspect.signature(func)  # (a property's getter takes the tensor only)
    except (TypeError, ValueError):
        sig = self_only
    override.__signature__ = sig
    override.__name__ = getattr(func, "__name__", "override")
    return override


def get_testing_overrides() -> dict:
    """``func -> dummy`` for every overridable function (``get_overridable_functions``): a
    function of the same signature returning -1, as PyTorch's lambdas, for writing
    ``__torch_function__`` implementations and their tests."""
    return {f: _dummy(f) for funcs in get_overridable_functions().values() for f in funcs}


def _publish_names() -> None:
    from ._typenames import publish

    publish(globals(), __name__)  # gradkit.overrides.TorchFunctionMode, as PyTorch names it


_publish_names()

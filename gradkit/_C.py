"""``gradkit._C``: the few names of PyTorch's ``torch._C`` that Python programs and libraries use
directly (the ``__torch_function__`` switches, the linear-algebra error class they catch, the
tracing and API-usage hooks that library code calls on every forward)."""

from ._tensor.torch_function import DisableTorchFunction, DisableTorchFunctionSubclass
from ._tensor.torch_function import disabled_torch_function_impl as _disabled_torch_function_impl
from .ops.linalg import LinAlgError as _LinAlgError
from .random import Generator

__all__ = ["DisableTorchFunction", "DisableTorchFunctionSubclass", "Generator",
           "Graph", "Node", "Value", "_LinAlgError", "_disabled_torch_function_impl",
           "_get_tracing_state", "_log_api_usage_once", "_nn"]

_TO_KEYWORDS = ("device", "dtype", "non_blocking", "copy", "memory_format", "tensor")


def _parse_to(*args, **kwargs):
    """``torch._C._nn._parse_to``: the arguments of ``Tensor.to``/``Module.to`` read as
    ``(device, dtype, non_blocking, memory_format)`` (None for what was not given), as
    libraries with their own ``to`` (fastai's DataLoader) parse them."""
    from . import _dtype
    from .device import Device, _parse_device_dtype

    unknown = [k for k in kwargs if k not in _TO_KEYWORDS]
    if unknown or len(args) > 4:
        got = ", ".join([type(a).__name__ for a in args] +
                        [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
        raise TypeError(f"to() received an invalid combination of arguments - got ({got}), but "
                        f"expected (device=None, dtype=None, non_blocking=False, copy=False, *, "
                        f"memory_format=None), (dtype, non_blocking=False, copy=False, *, "
                        f"memory_format=None) or (tensor, non_blocking=False, copy=False, *, "
                        f"memory_format=None)")
    flags = [a for a in args if isinstance(a, bool)]
    rest = [a for a in args if not isinstance(a, bool)]
    if "tensor" in kwargs:
        rest.append(kwargs.pop("tensor"))
    device, dtype = _parse_device_dtype(rest, kwargs)
    device = Device(device) if device is not None else None
    dtype = _dtype.to_dtype(dtype) if dtype is not None else None
    non_blocking = bool(kwargs.get("non_blocking", flags[0] if flags else False))
    return device, dtype, non_blocking, kwargs.get("memory_format")


class _NN:
    """``torch._C._nn``: the one helper of PyTorch's compiled ``nn`` bindings that libraries
    call directly."""

    _parse_to = staticmethod(_parse_to)

    def __getattr__(self, name):
        raise AttributeError(f"module 'torch._C._nn' has no attribute {name!r} in gradkit "
                             f"(its functions are in torch.nn.functional)")


_nn = _NN()


class _TorchScriptIR:
    """A class of PyTorch's TorchScript IR, named so that library code annotated with it
    imports (``-> torch._C.Graph``); gradkit has no TorchScript, so none is ever made."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError(f"torch._C.{type(self).__name__}: gradkit has no TorchScript IR "
                           f"(it runs eagerly); run TorchScript graph analysis with PyTorch")


class Graph(_TorchScriptIR):
    """``torch._C.Graph`` (see :class:`_TorchScriptIR`)."""


class Node(_TorchScriptIR):
    """``torch._C.Node`` (see :class:`_TorchScriptIR`)."""


class Value(_TorchScriptIR):
    """``torch._C.Value`` (see :class:`_TorchScriptIR`)."""


def _get_tracing_state():
    """``torch._C._get_tracing_state()``: ``None``, as in PyTorch outside ``torch.jit.trace``
    (gradkit never traces into TorchScript)."""
    return None


def _log_api_usage_once(event):
    """``torch._C._log_api_usage_once(event)``: PyTorch's telemetry hook; nothing is logged."""
    if not isinstance(event, str):
        raise TypeError(f"_log_api_usage_once(): argument 'event' must be str, not "
                        f"{type(event).__name__}")

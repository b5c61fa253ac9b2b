"""``gradkit._C``: the few names of PyTorch's ``torch._C`` that Python programs and libraries use
directly (the ``__torch_function__`` switches, the linear-algebra error class they catch, the
tracing and API-usage hooks that library code calls on every forward)."""

from ._tensor.torch_function import DisableTorchFunction, DisableTorchFunctionSubclass
from ._tensor.torch_function import disabled_torch_function_impl as _disabled_torch_function_impl
from .ops.linalg import LinAlgError as _LinAlgError
from .random import Generator

__all__ = ["DisableTorchFunction", "DisableTorchFunctionSubclass", "Generator",
           "_LinAlgError", "_disabled_torch_function_impl", "_get_tracing_state",
           "_log_api_usage_once"]


def _get_tracing_state():
    """``torch._C._get_tracing_state()``: ``None``, as in PyTorch outside ``torch.jit.trace``
    (gradkit never traces into TorchScript)."""
    return None


def _log_api_usage_once(event):
    """``torch._C._log_api_usage_once(event)``: PyTorch's telemetry hook; nothing is logged."""
    if not isinstance(event, str):
        raise TypeError(f"_log_api_usage_once(): argument 'event' must be str, not "
                        f"{type(event).__name__}")

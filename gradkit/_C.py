"""``gradkit._C``: the few names of PyTorch's ``torch._C`` that Python programs and libraries use
directly (the ``__torch_function__`` switches, the linear-algebra error class they catch, the
tracing and API-usage hooks that library code calls on every forward)."""

from ._file_reader import PyTorchFileReader
from ._tensor.tensor import Tensor as _Tensor
from ._tensor.torch_function import DisableTorchFunction, DisableTorchFunctionSubclass
from ._tensor.torch_function import disabled_torch_function_impl as _disabled_torch_function_impl
from .ops.linalg import LinAlgError as _LinAlgError
from .random import Generator

__all__ = ["DisableTorchFunction", "DisableTorchFunctionSubclass", "Generator",
           "Graph", "Node", "PyTorchFileReader", "ScriptModule", "ScriptObject", "Value",
           "_LinAlgError", "_TensorMeta",
           "_disabled_torch_function_impl", "_get_privateuse1_backend_name", "_get_tracing_state",
           "_group_tensors_by_device_and_dtype", "_log_api_usage_once", "_nn"]

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


class ScriptObject:
    """``torch._C.ScriptObject``: the class of TorchScript's custom-class instances. gradkit
    compiles no TorchScript, so nothing is one; libraries name it in ``isinstance`` checks
    (PyTorch Geometric's FX transformer: ``isinstance(v, (Tensor, ScriptObject))``)."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("torch._C.ScriptObject: gradkit has no TorchScript custom classes; "
                           "TorchScript objects cannot be created")


class ScriptModule(ScriptObject):
    """``torch._C.ScriptModule`` (also ``torch.ScriptModule``): the compiled half of a scripted
    module. gradkit compiles no TorchScript, so nothing is one; libraries import it at import
    time for ``isinstance`` checks and annotations (pytorch_lightning's LightningModule)."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("torch.ScriptModule: gradkit compiles no TorchScript; scripted modules "
                           "are ordinary modules under gradkit (see torch.jit.script)")


class _NN:
    """``torch._C._nn``: the one helper of PyTorch's compiled ``nn`` bindings that libraries
    call directly."""

    _parse_to = staticmethod(_parse_to)

    def __getattr__(self, name):
        raise AttributeError(f"module 'torch._C._nn' has no attribute {name!r} in gradkit "
                             f"(its functions are in torch.nn.functional)")


_nn = _NN()

# ``torch._C._TensorMeta``: the metaclass of the Tensor class (libraries annotate a tensor
# type with it, lightning_fabric's lazy checkpoint loader); gradkit's Tensor is a plain class
_TensorMeta = type(_Tensor)


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


def _get_privateuse1_backend_name():
    """``torch._C._get_privateuse1_backend_name()``: the name of the out-of-tree device
    backend, PyTorch's default (none is registered in gradkit)."""
    return "privateuseone"


def _group_tensors_by_device_and_dtype(tensorlistlist, with_indices=False):
    """``torch._C._group_tensors_by_device_and_dtype``: the tensors of ``tensorlistlist[0]``
    grouped by ``(device, dtype)``, the other lists (tensors or ``None``; an empty list stays
    empty) split at the same positions (see ``torch.utils._foreach_utils``)."""
    from ._tensor.tensor import Tensor
    from .autograd.grad_mode import no_grad

    def bad(what):
        return TypeError(
            f"_group_tensors_by_device_and_dtype(): incompatible function arguments: expected "
            f"a sequence of sequences of tensors (or None) and a bool, but {what}; pass "
            f"lists of tensors, with None only where a tensor is missing")

    if not isinstance(with_indices, bool):
        raise bad(f"with_indices is {type(with_indices).__name__}")
    if isinstance(tensorlistlist, Tensor) or not isinstance(tensorlistlist, (list, tuple)):
        raise bad(f"got {type(tensorlistlist).__name__}")
    lists = []
    for k, lst in enumerate(tensorlistlist):
        if isinstance(lst, Tensor) or not isinstance(lst, (list, tuple)):
            raise bad(f"list {k} is {type(lst).__name__}")
        for t in lst:
            if t is not None and not isinstance(t, Tensor):
                raise bad(f"list {k} holds a {type(t).__name__}")
        lists.append(list(lst))
    groups: dict = {}
    if not lists:
        return groups
    first = lists[0]
    for k, lst in enumerate(lists):
        if lst and len(lst) != len(first):
            raise RuntimeError(
                f"_group_tensors_by_device_and_dtype(): every list must have the first list's "
                f"{len(first)} entries or none, but list {k} has {len(lst)}; pass lists that "
                f"match entry for entry (or an empty list)")
    with no_grad():
        for i, t in enumerate(first):
            if t is None:
                raise RuntimeError(
                    f"_group_tensors_by_device_and_dtype(): the tensors of the first list give "
                    f"the groups, but its entry {i} is None; put a list without None first")
            key = (t.device, t.dtype)
            if key not in groups:
                groups[key] = ([[] for _ in lists], [])
            out, idx = groups[key]
            for k, lst in enumerate(lists):
                if lst:
                    out[k].append(lst[i])
            if with_indices:
                idx.append(i)
    # PyTorch's dictionary comes from a C++ hash map, which lists a few groups in the reverse of
    # the order they were met (with many groups, its hash order can differ from this)
    return dict(reversed(groups.items()))

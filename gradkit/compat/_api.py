"""Top-level PyTorch names that programs touch, exported as ``gradkit.X`` (``torch.X`` under
``gradkit run``), and Tensor attributes of PyTorch's that gradkit answers trivially.

- constants ``inf``, ``nan``, ``pi``, ``e``, ``newaxis``;
- the legacy tensor types ``FloatTensor``, ``LongTensor``, ... (constructors, ``isinstance``,
  ``x.type(torch.LongTensor)``, ``x.type() == 'torch.FloatTensor'``);
- ``set_printoptions``, ``set_default_device``/``get_default_device``, ``compile`` (returns the
  model unchanged), ``set_float32_matmul_precision``, ``autocast``;
- ``Tensor.is_xpu``/``is_mps``/``is_meta``/... (False), ``Tensor.share_memory_``/``is_shared``,
  ``pin_memory``/``is_pinned``, and PyTorch's deprecated positional-``alpha``/``value``
  overloads (``x.add_(2, y)``, ``x.addcmul_(0.5, a, b)``), which warn as PyTorch does;
- ``is_anomaly_enabled``, ``is_anomaly_check_nan_enabled``, ``set_anomaly_enabled`` (the
  switches behind ``torch.autograd.detect_anomaly``).
"""

from __future__ import annotations

import builtins
import math
import mmap
import os
import sys
import warnings
from numbers import Number

import numpy as np

from .. import _dtype, _options, accelerator, amp, backends, onnx  # noqa: F401 (torch.accelerator, ...)
from .. import factories as _factories
from .._tensor import Size, Tensor
from .._tensor import tensor as _tensor_module
from .._tensor.repr import get_printoptions, set_printoptions
from .._tensor.torch_function import wrap_function as _wrap_function
from ..amp import autocast
from ..autograd.graph import anomaly_state as _anomaly_state
from ..device import Device
from ..functions._registry import REGISTRY, _inplace_of, _numpy_face, tensor_method
from . import jit

__all__ = [
    "inf", "nan", "pi", "e", "newaxis", "set_printoptions", "get_printoptions",
    "set_default_device", "get_default_device", "compile", "set_float32_matmul_precision",
    "get_float32_matmul_precision", "autocast", "jit", "accelerator", "amp", "backends",
    "onnx", "FloatTensor", "DoubleTensor",
    "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor",
    "BoolTensor", "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled",
    "_assert", "_assert_async",
]
# (``Variable`` is PyTorch's ``torch.autograd.Variable``; ``gradkit run`` puts it there)

inf = math.inf
nan = math.nan
pi = math.pi
e = math.e
newaxis = None


@_wrap_function
def _assert(condition, message):
    """``torch._assert``: an assert that ``torch.fx`` tracing records (a plain ``assert`` on a
    traced value cannot be); raises AssertionError with ``message`` where ``condition`` is false."""
    if not condition:
        raise AssertionError(message)


def _assert_async(tensor, assert_msg=None):
    """``torch._assert_async``: RuntimeError where the one-element ``tensor`` is zero (with
    ``assert_msg`` when given); kornia checks its value arguments with it."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"_assert_async(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(tensor).__name__}")
    if assert_msg is not None and not isinstance(assert_msg, str):
        raise TypeError(f"_assert_async(): argument 'assert_msg' (position 2) must be str, not "
                        f"{type(assert_msg).__name__}")
    n = tensor.numel()
    if n != 1:
        raise RuntimeError("Boolean value of Tensor with "
                           f"{'no values' if n == 0 else 'more than one value'} is ambiguous")
    if not tensor._data.reshape(()).item():
        raise RuntimeError(assert_msg if assert_msg is not None else
                           "Expected Tensor with single nonzero value, but got zero")


# ------------------------------------------------------------------ anomaly mode
def is_anomaly_enabled() -> bool:
    """Whether anomaly detection (``autograd.detect_anomaly``/``set_detect_anomaly``) is on."""
    return _anomaly_state[2]


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks backward results for NaN (its ``check_nan``)."""
    return _anomaly_state[1]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """PyTorch's ``torch.set_anomaly_enabled``: turn anomaly detection on or off."""
    from ..autograd.graph import sync_record_flag

    _anomaly_state[2] = builtins.bool(enabled)  # ([2]: detection on; [1]: check_nan)
    _anomaly_state[1] = builtins.bool(check_nan)
    sync_record_flag()  # ([0]: the recording path's flag)


# ------------------------------------------------------------------ default device
_DEFAULT_DEVICE = [Device("cpu")]


def get_default_device() -> Device:
    """The device new tensors are made on: ``device('cpu')``."""
    return _DEFAULT_DEVICE[0]


def set_default_device(device) -> None:
    """PyTorch's ``torch.set_default_device``. ``"cpu"`` (or None) is accepted; gradkit's
    factories do not yet follow a CUDA default, so ``"cuda"`` raises rather than silently
    making CPU tensors (pass ``device=`` to the factories, or ``.to(device)``)."""
    from ..device import _DEFAULT_META

    dev = Device("cpu") if device is None else Device(device)
    if dev.type == "meta":  # the factories make meta tensors (shapes, no data)
        _DEFAULT_DEVICE[0] = dev
        _DEFAULT_META[0] = True
        return
    if dev.type not in ("cpu", "cuda"):
        raise RuntimeError(f"set_default_device({str(device)!r}): gradkit has no {dev.type} "
                           f"device; use 'cpu' (or 'cuda', 'meta')")
    if dev.type != "cpu":
        from .. import cuda

        if not cuda.is_available():
            from .._backend import CudaUnavailableError

            raise CudaUnavailableError(f"set_default_device({str(device)!r}): CUDA is not "
                                       f"available (gradkit needs CuPy and an NVIDIA GPU)")
        raise NotImplementedError(
            f"set_default_device({str(device)!r}): gradkit's factories do not follow a CUDA "
            f"default device yet; pass device= to the factories or move tensors with .to()")
    _DEFAULT_DEVICE[0] = dev
    _DEFAULT_META[0] = False


# ------------------------------------------------------------------ compile / precision
_NOTED: set = set()


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,  # noqa: A001
            options=None, disable=False):
    """PyTorch's ``torch.compile``: gradkit runs eagerly (one note on stderr per process). A
    module comes back wrapped, as PyTorch's, in an ``OptimizedModule`` (``_orig_mod``,
    ``_orig_mod.``-prefixed state_dict keys; see gradkit.compat.dynamo) that runs it eagerly; a
    function comes back unchanged. Usable as ``@compile`` and ``@compile(...)``."""
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    jit.note_once("torch.compile", "a module is wrapped in an OptimizedModule that runs it, a "
                  "function is returned unchanged")
    from ..nn.modules.module import Module

    if isinstance(model, Module) and not disable:  # PyTorch wraps a module; a function stays
        from .dynamo import OptimizedModule

        return OptimizedModule(model)
    return model


_MATMUL_PRECISION = ["highest"]


def set_float32_matmul_precision(precision: str) -> None:
    """Accepted ("highest", "high", "medium"): gradkit's float32 matmuls are always full
    precision (NumPy's BLAS; no TF32 or bfloat16 passes)."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: invalid precision {precision!r}; use "
                           f"'highest', 'high' or 'medium'")
    _MATMUL_PRECISION[0] = precision


def get_float32_matmul_precision() -> str:
    return _MATMUL_PRECISION[0]


# ------------------------------------------------------------------ legacy tensor types
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
               "bfloat16": "BFloat16", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}
_BY_NAME: dict = {}


def type_name(t) -> str:
    """PyTorch's ``x.type()``: ``'torch.FloatTensor'``, ``'torch.cuda.LongTensor'``."""
    kind = _TYPE_NAMES.get(t.dtype.name, t.dtype.name)
    return f"torch.cuda.{kind}Tensor" if t.is_cuda else f"torch.{kind}Tensor"


class _TensorType(type):
    """The metaclass of the legacy types: ``isinstance(x, LongTensor)`` is "a CPU int64 Tensor",
    ``isinstance(x, torch.cuda.LongTensor)`` "a CUDA int64 Tensor"."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.is_cuda == cls.is_cuda

    def __call__(cls, *args, device=None):
        dtype = cls.dtype
        if cls.is_cuda:
            from .. import cuda

            if not cuda.is_available():  # PyTorch's TypeError, at the call (the name is usable)
                raise TypeError(
                    f"type {_legacy_name(cls)} not available: CUDA is not usable here (gradkit "
                    f"needs CuPy and an NVIDIA GPU); use torch.{cls.__name__} or device='cpu'")
            device = "cuda" if device is None else device
        if len(args) == 0:
            return _factories.empty(0, dtype=dtype, device=device)
        if len(args) == 1 and isinstance(args[0], Tensor):
            src = args[0]
            if src.dtype != dtype:
                raise TypeError(f"{cls.__name__}(): expected {_TYPE_NAMES[dtype.name]} "
                                f"(got {_TYPE_NAMES.get(src.dtype.name, src.dtype)})")
            return src.view(src.shape) if device is None else src.to(device)
        if all(isinstance(a, (builtins.int, np.integer)) and not isinstance(a, builtins.bool)
               for a in args):
            return _factories.empty(tuple(builtins.int(a) for a in args), dtype=dtype,
                                   device=device)
        if len(args) == 1 and isinstance(args[0], Size):
            return _factories.empty(tuple(args[0]), dtype=dtype, device=device)
        if len(args) == 1:
            return _factories.tensor(args[0], dtype=dtype, device=device)
        raise TypeError(f"{cls.__name__}(): expected sizes (ints), a sequence of numbers or a "
                        f"tensor; got {tuple(type(a).__name__ for a in args)}")

    def __repr__(cls):
        if cls.is_cuda:
            return f"<class '{_legacy_name(cls)}'>"
        return f"<class '{cls.__module__}.{cls.__qualname__}'>"  # torch.X under gradkit run


def _legacy_name(cls) -> str:
    return f"torch.cuda.{cls.__name__}" if cls.is_cuda else f"torch.{cls.__name__}"


def _legacy(name: str, dtype, cuda: bool = False) -> type:
    where = "torch.cuda" if cuda else "torch"
    cls = _TensorType(name, (), {"dtype": dtype, "is_cuda": cuda, "is_sparse": False,
                                 "__doc__": f"PyTorch's legacy ``{where}.{name}`` ({dtype})."})
    _BY_NAME[f"{where}.{name}"] = cls
    return cls


FloatTensor = _legacy("FloatTensor", _dtype.float32)
DoubleTensor = _legacy("DoubleTensor", _dtype.float64)
HalfTensor = _legacy("HalfTensor", _dtype.float16)
LongTensor = _legacy("LongTensor", _dtype.int64)
IntTensor = _legacy("IntTensor", _dtype.int32)
ShortTensor = _legacy("ShortTensor", _dtype.int16)
CharTensor = _legacy("CharTensor", _dtype.int8)
ByteTensor = _legacy("ByteTensor", _dtype.uint8)
BoolTensor = _legacy("BoolTensor", _dtype.bool)
# torch.cuda.FloatTensor, ...: nameable without a GPU (``T = torch.cuda.FloatTensor``, isinstance
# tests); making one needs CUDA. gradkit.cuda serves them from this table.
CUDA_TENSOR_TYPES = {cls.__name__: _legacy(cls.__name__, cls.dtype, cuda=True)
                     for cls in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor,
                                 ShortTensor, CharTensor, ByteTensor, BoolTensor)}


@tensor_method("type")
def _type(self, dtype=None, non_blocking=False, **kwargs):
    """``x.type()``: PyTorch's type string (``'torch.FloatTensor'``); ``x.type(T)`` converts to
    a dtype, a legacy type (``torch.LongTensor``, ``torch.cuda.FloatTensor``), its name, or
    ``torch.Tensor`` (the default dtype on the CPU), as PyTorch's ``Tensor.type``."""
    if non_blocking.__class__ is not bool:
        _options.flag("type", "non_blocking", non_blocking, optional=False)
    for k in kwargs:  # (PyTorch's deprecated ``async`` and ``memory_format`` only)
        if k not in ("async", "memory_format"):
            raise TypeError(f"type() got an unexpected keyword argument '{k}'")
    if dtype is None:
        return type_name(self)
    if isinstance(dtype, _dtype.dtype):
        return self.to(dtype)
    if isinstance(dtype, str) and dtype in _BY_NAME:
        dtype = _BY_NAME[dtype]
    if isinstance(dtype, _TensorType):
        return self.to("cuda" if dtype.is_cuda else "cpu", dtype.dtype)
    if isinstance(dtype, str):
        cls = _BY_NAME.get(dtype.replace("gradkit.", "torch.", 1))
        if cls is not None:
            return self.to("cuda" if cls.is_cuda else "cpu", cls.dtype)
        if dtype in ("torch.Tensor", "gradkit.Tensor"):
            return self.to("cpu", _dtype.get_default_dtype())
        raise ValueError(f"invalid type: '{dtype}'; {_TYPE_TAKES}")
    if dtype is Tensor:  # the default tensor type: torch.FloatTensor under the default dtype
        return self.to("cpu", _dtype.get_default_dtype())
    if isinstance(dtype, type):  # (float, np.float64, str: no tensor type, as PyTorch)
        module = "" if dtype.__module__ == "builtins" else dtype.__module__ + "."
        raise ValueError(f"invalid type: '{module}{dtype.__qualname__}'; {_TYPE_TAKES}")
    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"type(): dtype must be a type, str, or dtype object, got "
                        f"{type(dtype).__name__}; pass e.g. torch.float64")
    return self.to(dtype)


_TYPE_TAKES = ("Tensor.type takes a dtype (torch.float32), a tensor type (torch.FloatTensor, "
               "torch.cuda.LongTensor) or its name ('torch.FloatTensor')")


class _VariableType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)

    def __call__(cls, data, requires_grad=False, volatile=False):
        """``Variable(t, requires_grad=...)``: a tensor sharing ``t``'s values (a leaf)."""
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        out.requires_grad_(bool(requires_grad))
        return out


class Variable(metaclass=_VariableType):
    """PyTorch's deprecated ``torch.autograd.Variable``: since PyTorch 0.4 a Tensor itself;
    ``Variable(t, requires_grad=True)`` gives a leaf tensor sharing ``t``'s values."""


# ------------------------------------------------------------------ trivial Tensor attributes
class _const_property(property):
    """A read-only Tensor attribute (a ``property`` subclass so the registry can read its
    ``__module__``)."""


def _false(self) -> bool:
    return False


for _name in ("is_xpu", "is_mps", "is_quantized", "is_mkldnn", "is_vulkan",
              "is_ipu", "is_hpu", "is_mtia", "is_maia", "is_nested"):
    tensor_method(_name)(_const_property(_false, doc=f"``{_name}``: always False in gradkit."))


class _SharedMap(mmap.mmap):
    """A shared memory map over a memory file (``os.memfd_create``); its ``fd`` lets a process
    started with ``spawn``/``forkserver`` map the same memory."""

    fd: int | None = None


def _shared_map(nbytes: int) -> mmap.mmap:
    if not hasattr(os, "memfd_create"):  # not Linux (or Pyodide): anonymous, shared on fork
        return mmap.mmap(-1, nbytes)
    fd = os.memfd_create("gradkit-shared")
    os.ftruncate(fd, nbytes)
    buf = _SharedMap(fd, nbytes)
    buf.fd = fd  # kept open: children being spawned receive a duplicate of it
    return buf


def _map_of(arr):
    while isinstance(arr, np.ndarray) and arr.base is not None:
        arr = arr.base
    if isinstance(arr, memoryview):
        arr = arr.obj
    return arr


@tensor_method()
def share_memory_(self):
    """Move this CPU tensor's values into shared memory (a ``MAP_SHARED`` map of a memory file on
    Linux, anonymous elsewhere), so that the processes it is handed to share in-place writes with
    this one: children forked afterwards, and on Linux children started with ``spawn`` or
    ``forkserver`` that receive it as an argument (see :mod:`gradkit.multiprocessing`). A tensor
    already shared, or on the GPU, is left as it is. Returns ``self``."""
    arr = self._data
    if type(arr) is not np.ndarray or is_shared(self):
        return self
    buf = _shared_map(max(arr.nbytes, 1))
    shared = np.frombuffer(buf, dtype=arr.dtype, count=arr.size).reshape(arr.shape)
    shared[...] = arr
    self._data = shared
    return self


@tensor_method()
def is_shared(self) -> bool:
    """True after ``share_memory_()`` (the values live in a shared memory map)."""
    return isinstance(_map_of(self._data), mmap.mmap)


@tensor_method()
def pin_memory(self, device=None):
    """PyTorch pins a CPU tensor's pages for fast copies to an accelerator; NumPy memory needs no
    pinning, so with CUDA available (CuPy) this returns ``self``. Without an accelerator it raises
    PyTorch's RuntimeError, as a CPU-only PyTorch does (``x.pin_memory()`` used to be an
    AttributeError here)."""
    from ..cuda import is_available

    if not is_available():
        raise RuntimeError("pin_memory(): Cannot access accelerator device when none is "
                           "available: pinned memory only helps copies to a GPU; call it only "
                           "when torch.cuda.is_available()")
    return self


@tensor_method()
def is_pinned(self, device=None) -> bool:
    """False: gradkit's CPU tensors live in ordinary (pageable) NumPy memory."""
    return False


def _spawn_reduce(t):
    """How a shared tensor travels to a process being started by ``spawn``/``forkserver``: the
    memory file's descriptor (duplicated into the child) and the view on it, so both processes
    write the same values, as PyTorch's shared tensors do. None otherwise (a copy is pickled)."""
    ctx = sys.modules.get("multiprocessing.context")
    if ctx is None or ctx.get_spawning_popen() is None or type(t._data) is not np.ndarray:
        return None
    buf = _map_of(t._data)
    if not isinstance(buf, _SharedMap):
        return None
    from multiprocessing import reduction

    arr = t._data
    start = np.frombuffer(buf, np.uint8).__array_interface__["data"][0]
    offset = arr.__array_interface__["data"][0] - start
    return (_rebuild_shared, (reduction.DupFd(buf.fd), len(buf), offset, arr.dtype.str,
                              arr.shape, arr.strides, t.requires_grad, type(t)))


def _rebuild_shared(dupfd, nbytes, offset, dtype, shape, strides, requires_grad, cls):
    from .._tensor.tensor import _rebuild

    buf = _SharedMap(dupfd.detach(), nbytes)
    arr = np.ndarray(shape, np.dtype(dtype), buffer=buf, offset=offset, strides=strides)
    return _rebuild(arr, requires_grad, cls)


_tensor_module.SHARED_REDUCE[:] = [_spawn_reduce]


# ------------------------------------------------------------------ deprecated overloads
def _deprecated(name: str, old: str, new: str) -> None:
    warnings.warn(f"This overload of {name} is deprecated:\n\t{name}({old})\nConsider using one "
                  f"of the following signatures instead:\n\t{name}({new})", UserWarning,
                  stacklevel=3)


def _alpha_overload(name: str, face):
    """``x.add_(alpha, other)`` as PyTorch's deprecated overload of ``add_(other, alpha=)``."""

    def method(self, other, *args, **kwargs):
        if args and isinstance(other, Number) and isinstance(args[0], Tensor):
            _deprecated(name, "Number alpha, Tensor other", "Tensor other, *, Number alpha = 1")
            return face(self, args[0], *args[1:], alpha=other, **kwargs)
        return face(self, other, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = face.__doc__
    return method


def _value_overload(name: str, face):
    """``x.addcmul_(value, t1, t2)`` as PyTorch's deprecated overload of ``addcmul_(t1, t2,
    value=)``."""

    def method(self, tensor1, *args, **kwargs):
        if len(args) == 2 and isinstance(tensor1, Number):
            _deprecated(name, "Number value, Tensor tensor1, Tensor tensor2",
                        "Tensor tensor1, Tensor tensor2, *, Number value = 1")
            return face(self, args[0], args[1], value=tensor1, **kwargs)
        return face(self, tensor1, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = face.__doc__
    return method


def _install_overloads() -> None:
    for base, wrap in (("add", _alpha_overload), ("sub", _alpha_overload),
                       ("addcmul", _value_overload), ("addcdiv", _value_overload)):
        decl = REGISTRY.get(base)
        if decl is None:  # pragma: no cover (declared in gradkit.functions.elementwise)
            continue
        if decl.method:  # (the face with the argument checks, not the bare implementation)
            tensor_method(base)(wrap(base, _numpy_face(decl, base)))
        if decl.inplace is not None:
            tensor_method(base + "_")(wrap(base + "_", _inplace_of(decl)))


_install_overloads()

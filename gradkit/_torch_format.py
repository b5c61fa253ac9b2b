"""PyTorch's own checkpoint files (``torch.save``/``torch.load``), read and written without torch.

Two layouts are read:

* the zip format (PyTorch >= 1.6): ``<archive>/data.pkl`` (a pickle whose tensors refer to
  storages by key), ``<archive>/data/<key>`` (each storage's raw bytes), ``byteorder``,
  ``version``;
* the legacy format (``_use_new_zipfile_serialization=False``): a magic-number pickle, the
  protocol version, a system-info dict, the object's pickle, the list of storage keys, then each
  storage as an 8-byte element count followed by its bytes.

With ``weights_only=True`` (the default, as in PyTorch 2.6+) the pickles are interpreted by
:class:`_WeightsUnpickler`, a small stack machine that admits only the globals on PyTorch's
``weights_only`` allow-list (tensor/parameter rebuild functions, storage types, dtypes,
``torch.Size``, ``torch.device``, ``OrderedDict``/``Counter``, ``set``/``bytearray``/``complex``)
and maps each to a gradkit function written here; nothing in the file is imported or called.
Loading with ``weights_only=False`` uses Python's unpickler (code in the file runs: only for
trusted files), still mapping torch's tensor globals to gradkit's.

Tensors come back as gradkit Tensors (Parameters where the file has Parameters) built as
strided views of their storage arrays, so tensors saved as views of one storage share memory
after loading, as in PyTorch.
"""

from __future__ import annotations

import io
import os
import pickle
import pickletools
import struct
import warnings
import zipfile
import zlib
from collections import Counter, OrderedDict
from typing import Any

import numpy as np

from . import _dtype
from ._tensor import Size, Tensor, wrap
from .serialization import CheckpointError

__all__ = ["WeightsOnlyError", "is_torch_file", "load_torch"]

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
_LEGACY_HEAD = b"\x80\x02\x8a\x0a" + MAGIC_NUMBER.to_bytes(10, "little")
_ALIGN = 64

UNSAFE_MESSAGE = (
    "Re-running gradkit.load with weights_only=False will likely succeed, but it can result in "
    "arbitrary code execution. Do it only if you got the file from a trusted source.")


class UnpicklingError(CheckpointError, pickle.UnpicklingError):
    """``gradkit.load(..., weights_only=True)`` met something outside the allow-list. Named as
    the error PyTorch raises then (``_pickle.UnpicklingError``), which it also is, so that code
    printing ``type(e).__name__`` or catching ``pickle.UnpicklingError`` behaves the same."""


WeightsOnlyError = UnpicklingError


def _fail(name, msg):
    return CheckpointError(f"gradkit.load: {name}: {msg}")


# --------------------------------------------------------------------------- dtypes
_STORAGE_DTYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
    "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
    "BoolStorage": "bool", "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128", "UntypedStorage": "uint8",
}
_NP_DTYPES = {
    "float32": np.float32, "float64": np.float64, "float16": np.float16, "int64": np.int64,
    "int32": np.int32, "int16": np.int16, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_,
    "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "complex64": np.complex64, "complex128": np.complex128,
}
# torch dtype names that pickle as ``GLOBAL torch <name>`` (PyTorch's allow-list holds them all)
_TORCH_DTYPE_NAMES = {
    "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8",
    "bool", "complex32", "complex64", "complex128", "uint16", "uint32", "uint64", "uint1",
    "uint2", "uint3", "uint4", "uint5", "uint6", "uint7", "int1", "int2", "int3", "int4",
    "int5", "int6", "int7", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
    "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8", "qint32", "quint4x2", "quint2x4",
    "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
}
_warned_bf16 = [False]


def _bf16_dtype():
    """NumPy's bfloat16 (ml_dtypes', loaded on first need), or None without ml_dtypes."""
    try:
        return _dtype._load_bfloat16().dtype
    except ImportError:
        return None


def _np_dtype(name: str, what: str) -> np.dtype:
    """The NumPy dtype gradkit uses for torch dtype ``name``; bfloat16 loads as float32 without
    ml_dtypes."""
    if name in _NP_DTYPES:
        return np.dtype(_NP_DTYPES[name])
    if name == "bfloat16":
        bf = _bf16_dtype()
        return np.dtype(np.float32) if bf is None else bf
    raise ValueError(f"{what} has dtype torch.{name}, which gradkit does not support "
                     f"(it has float16/32/64, int8/16/32/64, uint8 and bool)")


def _torch_name(dtype) -> str:
    dtype = _dtype.np_dtype(dtype) if isinstance(dtype, _dtype.dtype) else dtype
    if dtype.kind == "V" and dtype == _dtype.bfloat16_np():
        return "bfloat16"
    for name, t in _NP_DTYPES.items():
        if dtype == np.dtype(t):
            return name
    raise TypeError(f"gradkit.save(format='torch'): dtype {dtype} has no PyTorch equivalent")


# --------------------------------------------------------------------------- loading: pieces
class _Global:
    """A name in the allow-list: what ``GLOBAL module name`` in a checkpoint stands for."""

    __slots__ = ("module", "name", "kind", "value")

    def __init__(self, module, name, kind, value=None):
        self.module, self.name, self.kind, self.value = module, name, kind, value

    def __repr__(self):
        return f"{self.module}.{self.name}"


class _Storage:
    """A storage: a 1-D array of its dtype (on its final device) and a shared version counter."""

    __slots__ = ("array", "vc", "key")

    def __init__(self, array, key):
        self.array, self.key, self.vc = array, key, [0]


def _as_strided(base, offset, size, stride):
    flat = base[offset:]
    strides = tuple(int(s) * base.dtype.itemsize for s in stride)
    if isinstance(base, np.ndarray):
        return np.lib.stride_tricks.as_strided(flat, size, strides, subok=True, writeable=True)
    from . import _backend

    return _backend.cupy_ns().module.lib.stride_tricks.as_strided(flat, size, strides)


def _int_tuple(x, what):
    if not isinstance(x, (tuple, list)) or not all(type(v) is int for v in x):
        raise ValueError(f"a tensor's {what} is {x!r}, not a tuple of ints")
    return tuple(x)


def _tensor_from(storage, offset, size, stride, dtype=None):
    if not isinstance(storage, _Storage):
        raise ValueError(f"a tensor's storage is a {type(storage).__name__}, not a storage")
    base = storage.array
    if dtype is not None:  # _rebuild_tensor_v3: an untyped (byte) storage read as ``dtype``
        if base.dtype != dtype:
            if base.nbytes % dtype.itemsize:
                raise ValueError(f"storage {storage.key} holds {base.nbytes} bytes, not a whole "
                                 f"number of {dtype} elements")
            base = base.view(dtype)
    size, stride = _int_tuple(size, "size"), _int_tuple(stride, "stride")
    if type(offset) is not int or offset < 0 or len(size) != len(stride) or any(
            s < 0 for s in size) or any(s < 0 for s in stride):
        raise ValueError(f"invalid tensor geometry: offset {offset!r}, size {size}, "
                         f"stride {stride}")
    n = base.shape[0]
    if all(s > 0 for s in size):
        last = offset + sum((s - 1) * st for s, st in zip(size, stride))
        if last >= n:
            raise ValueError(f"a tensor of size {size}, stride {stride} and offset {offset} "
                             f"reaches element {last} of storage {storage.key}, which holds "
                             f"{n} elements (corrupted file)")
    elif offset > n:
        offset = n
    t = wrap(_as_strided(base, offset, size, stride))
    t._vc = storage.vc
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _tensor_from(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    t = _tensor_from(storage, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    if not isinstance(dtype, (np.dtype, _dtype.dtype)):
        raise ValueError(f"_rebuild_tensor_v3 got dtype {dtype!r}")
    t = _tensor_from(storage, storage_offset, size, stride, dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _parameter(data, requires_grad=True):
    from .nn.parameter import Parameter

    if not isinstance(data, Tensor):
        raise ValueError(f"a Parameter's data is a {type(data).__name__}, not a tensor")
    if requires_grad and data.dtype.kind not in "fc":
        requires_grad = False  # as torch: only floating tensors can require grad
    return Parameter(data, requires_grad=bool(requires_grad))


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return _parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    if state:
        raise ValueError("a Parameter with Python attributes (state) can't be rebuilt by gradkit")
    return _parameter(data, requires_grad)


def _rebuild_from_type_v2(func, new_type, args, state):
    if not callable(func) or func not in _REBUILD_FUNCS:
        raise ValueError(f"_rebuild_from_type_v2 got {func!r}")
    ret = func(*args)
    if isinstance(new_type, _Global) and new_type.kind == "parameter":
        ret = _parameter(ret, ret.requires_grad)
    elif not (isinstance(new_type, _Global) and new_type.kind == "tensor"):
        raise ValueError(f"_rebuild_from_type_v2 to {new_type!r} is not supported")
    if state:
        raise ValueError("a tensor with Python attributes (state) can't be rebuilt by gradkit")
    return ret


def _size(*args):
    if len(args) != 1:
        raise ValueError("torch.Size takes one sequence")
    return Size(_int_tuple(tuple(args[0]), "torch.Size"))


def _device(*args):
    from .device import Device

    if not args or not isinstance(args[0], str) or (len(args) > 1 and args[1] is not None
                                                   and type(args[1]) is not int):
        raise ValueError(f"torch.device{args!r} is malformed")
    return Device(*args[:2])


def _encode(text, encoding="latin1"):
    # protocol 2's form of bytes; only plain text codecs (no compression codecs from a file)
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "ascii"):
        raise ValueError(f"_codecs.encode with {encoding!r} is not allowed")
    return text.encode(encoding)


def _get_layout(name):
    if name != "torch.strided":
        raise ValueError(f"tensors with layout {name} (sparse) are not supported by gradkit")
    return name


def _unsupported(what):
    def f(*args):
        raise ValueError(f"{what} is not supported by gradkit")

    return f


def _get_layout(name):
    """``torch.serialization._get_layout('torch.sparse_csr')``: how a file names a layout."""
    from .sparse import _coo

    lay = getattr(_coo, str(name).rsplit(".", 1)[-1], None)
    if not isinstance(lay, _coo.layout):
        raise ValueError(f"unknown tensor layout {name!r} in the file")
    return lay


def _rebuild_sparse_tensor(layout, data):
    """A sparse tensor as ``torch.save`` writes it: COO ``(indices, values, size[,
    is_coalesced])`` or compressed ``(compressed_indices, plain_indices, values, size)``; its
    invariants are checked (as ``torch.load`` checks them)."""
    from . import sparse

    if layout is sparse.sparse_coo:
        indices, values, size = data[:3]
        coalesced = bool(data[3]) if len(data) > 3 else None
        return sparse.sparse_coo_tensor(indices, values, tuple(size), is_coalesced=coalesced,
                                        check_invariants=False)
    if layout in (sparse.sparse_csr, sparse.sparse_csc, sparse.sparse_bsr, sparse.sparse_bsc):
        ci, pi, values, size = data
        return sparse.sparse_compressed_tensor(
            ci, pi, values, tuple(size), layout=layout,
            check_invariants=sparse.check_sparse_tensor_invariants.is_enabled())
    raise ValueError(f"_rebuild_sparse_tensor: unknown layout {layout!r}")


_REBUILD_FUNCS = {_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3,
                  _rebuild_parameter, _rebuild_parameter_with_state}


def _allowed_globals() -> dict[str, _Global]:
    rc: dict[str, Any] = {
        "collections.OrderedDict": _Global("collections", "OrderedDict", "call", OrderedDict),
        "collections.Counter": _Global("collections", "Counter", "call", Counter),
        "torch.nn.parameter.Parameter": _Global("torch.nn.parameter", "Parameter", "parameter",
                                                _parameter),
        "torch.serialization._get_layout": _Global("torch.serialization", "_get_layout", "call",
                                                   _get_layout),
        "torch.Size": _Global("torch", "Size", "call", _size),
        "torch.Tensor": _Global("torch", "Tensor", "tensor"),
        "torch.device": _Global("torch", "device", "call", _device),
        "_codecs.encode": _Global("_codecs", "encode", "call", _encode),
        "builtins.bytearray": _Global("builtins", "bytearray", "call", bytearray),
        "builtins.set": _Global("builtins", "set", "call", set),
        "builtins.complex": _Global("builtins", "complex", "call", complex),
        "torch._tensor._rebuild_from_type_v2": _Global("torch._tensor", "_rebuild_from_type_v2",
                                                       "call", _rebuild_from_type_v2),
    }
    for f in _REBUILD_FUNCS:
        rc[f"torch._utils.{f.__name__}"] = _Global("torch._utils", f.__name__, "call", f)
    rc["torch._utils._rebuild_sparse_tensor"] = _Global("torch._utils", "_rebuild_sparse_tensor",
                                                        "call", _rebuild_sparse_tensor)
    rc["torch.serialization._get_layout"] = _Global("torch.serialization", "_get_layout", "call",
                                                    _get_layout)
    for name in ("_rebuild_qtensor", "_rebuild_nested_tensor",
                 "_rebuild_meta_tensor_no_storage", "_rebuild_wrapper_subclass",
                 "_rebuild_device_tensor_from_numpy", "_rebuild_device_tensor_from_cpu_tensor"):
        rc[f"torch._utils.{name}"] = _Global("torch._utils", name, "call",
                                             _unsupported(f"torch._utils.{name}"))
    for name in _STORAGE_DTYPES:
        module = "torch.storage" if name == "UntypedStorage" else "torch"
        rc[f"{module}.{name}"] = _Global(module, name, "storage", _STORAGE_DTYPES[name])
    rc["torch.storage.TypedStorage"] = _Global("torch.storage", "TypedStorage", "storage", None)
    for name in _TORCH_DTYPE_NAMES:
        rc[f"torch.{name}"] = _Global("torch", name, "dtype", name)
    for prefix in ("", "cuda."):
        for tt in ("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte",
                   "Bool"):
            rc[f"torch.{prefix}{tt}Tensor"] = _Global("torch", f"{prefix}{tt}Tensor", "call",
                                                      _unsupported(f"torch.{tt}Tensor(...)"))
    for q in ("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
              "per_channel_symmetric", "per_channel_affine_float_qparams"):
        rc[f"torch.{q}"] = _Global("torch", q, "qscheme", q)
    return rc


_ALLOWED: dict[str, _Global] | None = None


def _allowed() -> dict[str, _Global]:
    global _ALLOWED
    if _ALLOWED is None:
        _ALLOWED = _allowed_globals()
    return _ALLOWED


def _dtype_value(g: _Global):
    return _dtype.of(_np_dtype(g.value, f"a torch.{g.value} object"))


def _mapped_name(module: str, name: str) -> tuple[str, str]:
    from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING

    if (module, name) in NAME_MAPPING:
        return NAME_MAPPING[(module, name)]
    return IMPORT_MAPPING.get(module, module), name


# --------------------------------------------------------------------------- restricted unpickler
class _Opaque:
    """What the scan pass (legacy files) pushes for anything it does not evaluate."""

    __slots__ = ()

    def __repr__(self):
        return "<not evaluated>"


_OPAQUE = _Opaque()


class _WeightsUnpickler:
    """Interprets a pickle's opcodes (parsed by :func:`pickletools.genops`, which only reads)
    admitting only the allow-list; every other global, and every call or object build outside
    it, raises :class:`WeightsOnlyError`. Nothing from the file is imported or called."""

    scan = False  # True: evaluate nothing (no calls, no globals), only report storage ids

    def __init__(self, data: bytes, persistent_load, name: str):
        self.data, self.persistent_load, self.name = data, persistent_load, name

    def refuse(self, msg):
        return WeightsOnlyError(
            f"gradkit.load: {self.name}: Weights only load failed. {msg}\n{UNSAFE_MESSAGE}")

    def global_(self, module, name):
        module, name = _mapped_name(module, name)
        full = f"{module}.{name}"
        g = _allowed().get(full)
        if g is not None:
            return g
        if self.scan:
            return _OPAQUE
        from ._safe_globals import lookup

        user = lookup(full)
        if user is not None:  # torch.serialization.add_safe_globals
            return _Global(module, name, "user", user)
        shown = full[len("builtins."):] if full.startswith("builtins.") else full
        hint = trust = ""
        if module.split(".")[0] == "torch":
            hint = (" (a PyTorch class or function: the file may hold a whole model pickled by "
                    "torch.save(model); gradkit can't rebuild PyTorch objects, so save "
                    "model.state_dict() in PyTorch and load that into the gradkit model)")
        else:
            trust = (f" If you trust this file, allow the global with "
                     f"gradkit.serialization.add_safe_globals([{shown}]) or the "
                     f"gradkit.serialization.safe_globals([{shown}]) context manager.")
        if module in ("sys", "os", "posix", "nt"):
            raise self.refuse(f"Trying to load unsupported GLOBAL {full} whose module {module} "
                              f"is blocked.")
        raise self.refuse(f"Unsupported global: GLOBAL {shown} was not an allowed global by "
                          f"default{hint}. gradkit admits only what PyTorch's weights_only "
                          f"allow-list admits: tensors, storages, dtypes, devices, torch.Size, "
                          f"OrderedDict and plain containers.{trust}")

    def value(self, x):
        """A stack entry as data: dtype globals become gradkit dtypes."""
        if isinstance(x, _Global) and not self.scan:
            if x.kind == "dtype":
                return _dtype_value(x)
            if x.kind == "user":  # an allowed function/class held as a value (an attribute)
                return x.value
            if x.kind == "qscheme":
                raise ValueError(f"torch.{x.value} (quantized tensors) is not supported")
        return x

    def load(self):  # noqa: C901 - one branch per opcode, as a pickle machine is
        stack: list = []
        metastack: list = []
        memo: dict = {}

        def pop_mark():
            nonlocal stack
            items = stack
            stack = metastack.pop()
            return items

        for op, arg, _pos in pickletools.genops(self.data):
            n = op.name
            if n in ("PROTO", "FRAME"):
                continue
            if n == "STOP":
                if len(stack) != 1 or metastack:
                    raise ValueError("the pickle's stack is not a single object at STOP")
                return self.value(stack.pop())
            if n in ("GLOBAL", "INST"):
                module, name = arg.split(" ", 1)
                g = self.global_(module, name)
                if n == "INST":
                    args = pop_mark()
                    stack.append(self.call(g, tuple(args)))
                else:
                    stack.append(g)
            elif n == "STACK_GLOBAL":
                name, module = stack.pop(), stack.pop()
                if not isinstance(module, str) or not isinstance(name, str):
                    raise ValueError("STACK_GLOBAL needs two strings")
                stack.append(self.global_(module, name))
            elif n == "MARK":
                metastack.append(stack)
                stack = []
            elif n == "POP":
                stack.pop()
            elif n == "POP_MARK":
                pop_mark()
            elif n == "DUP":
                stack.append(stack[-1])
            elif n in ("NONE", "NEWTRUE", "NEWFALSE", "INT", "BININT", "BININT1", "BININT2",
                       "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT", "STRING", "BINSTRING",
                       "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE",
                       "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8"):
                stack.append(None if n == "NONE" else True if n == "NEWTRUE"
                             else False if n == "NEWFALSE" else arg)
            elif n == "BYTEARRAY8":
                stack.append(bytearray(arg))
            elif n == "EMPTY_TUPLE":
                stack.append(())
            elif n == "EMPTY_LIST":
                stack.append([])
            elif n == "EMPTY_DICT":
                stack.append({})
            elif n == "EMPTY_SET":
                stack.append(set())
            elif n == "TUPLE":
                items = pop_mark()
                stack.append(tuple(self.value(v) for v in items))
            elif n in ("TUPLE1", "TUPLE2", "TUPLE3"):
                k = int(n[-1])
                items = tuple(self.value(v) for v in stack[-k:])
                del stack[-k:]
                stack.append(items)
            elif n == "LIST":
                items = pop_mark()
                stack.append([self.value(v) for v in items])
            elif n == "DICT":
                items = pop_mark()
                stack.append({self.value(items[i]): self.value(items[i + 1])
                              for i in range(0, len(items), 2)})
            elif n == "FROZENSET":
                items = pop_mark()
                stack.append(frozenset(self.value(v) for v in items))
            elif n == "APPEND":
                item = self.value(stack.pop())
                if self.scan and stack[-1] is _OPAQUE:
                    continue
                if type(stack[-1]) is not list:
                    raise self.refuse(f"Can only append to lists, but got {type(stack[-1])}")
                stack[-1].append(item)
            elif n == "APPENDS":
                items = [self.value(v) for v in pop_mark()]
                if self.scan and stack[-1] is _OPAQUE:
                    continue
                if type(stack[-1]) is not list:
                    raise self.refuse(f"Can only extend lists, but got {type(stack[-1])}")
                stack[-1].extend(items)
            elif n in ("SETITEM", "SETITEMS"):
                if n == "SETITEM":
                    v, k = stack.pop(), stack.pop()
                    items = [k, v]
                else:
                    items = pop_mark()
                target = stack[-1]
                if self.scan and (target is _OPAQUE or any(
                        isinstance(k, (_Opaque, list, dict, set)) for k in items[::2])):
                    continue
                if type(target) not in (dict, OrderedDict, Counter):
                    raise self.refuse(f"Can only {n} for dict, collections.OrderedDict, "
                                      f"collections.Counter, but got {type(target)}")
                if len(items) % 2:
                    raise ValueError(f"{n} with an odd number of items")
                for i in range(0, len(items), 2):
                    target[self.value(items[i])] = self.value(items[i + 1])
            elif n == "ADDITEMS":
                items = [self.value(v) for v in pop_mark()]
                if self.scan and stack[-1] is _OPAQUE:
                    continue
                if type(stack[-1]) is not set:
                    raise self.refuse(f"Can only add items to sets, but got {type(stack[-1])}")
                stack[-1].update(items)
            elif n == "REDUCE":
                args = stack.pop()
                stack[-1] = self.call(stack[-1], args)
            elif n == "NEWOBJ":
                args = stack.pop()
                cls = stack.pop()
                stack.append(self.new(cls, args))
            elif n == "OBJ":
                items = pop_mark()
                if not items:
                    raise ValueError("OBJ without a class")
                stack.append(self.new(items[0], tuple(items[1:])))
            elif n == "BUILD":
                state = stack.pop()
                inst = stack[-1]
                if self.scan:
                    continue
                if type(inst) is OrderedDict and isinstance(state, dict) and all(
                        isinstance(k, str) for k in state):
                    inst.__dict__.update(state)  # e.g. a state_dict's ``_metadata``
                elif _user_instance(inst):  # a class the user allowed: its own state protocol
                    _build_user(inst, state)
                else:
                    raise self.refuse(f"Can only build OrderedDict (with a dict of attributes), "
                                      f"but got {type(inst)}")
            elif n in ("PUT", "BINPUT", "LONG_BINPUT"):
                if arg < 0:
                    raise ValueError("negative memo index")
                memo[arg] = stack[-1]
            elif n == "MEMOIZE":
                memo[len(memo)] = stack[-1]
            elif n in ("GET", "BINGET", "LONG_BINGET"):
                if arg not in memo:
                    raise ValueError(f"memo entry {arg} is read before it is written")
                stack.append(memo[arg])
            elif n in ("PERSID", "BINPERSID"):
                pid = arg if n == "PERSID" else stack.pop()
                if self.scan:
                    stack.append(self.persistent_load(pid) if type(pid) is tuple else _OPAQUE)
                    continue
                if type(pid) is not tuple or not pid or _ascii(pid[0]) != "storage":
                    raise self.refuse(f"Only persistent_load of storage is allowed, but got "
                                      f"{pid!r:.80}")
                stack.append(self.persistent_load(pid))
            else:
                raise self.refuse(f"Unsupported operand {n}")
        raise ValueError("the pickle ends without STOP")

    def call(self, func, args):
        if self.scan:
            return _OPAQUE
        if not isinstance(func, _Global) or func.kind not in ("call", "parameter", "user"):
            raise self.refuse(f"Trying to call reduce for unrecognized function {func!r:.80}")
        if not isinstance(args, tuple):
            raise ValueError(f"REDUCE arguments are a {type(args).__name__}, not a tuple")
        return func.value(*[self.value(a) for a in args])

    def new(self, cls, args):
        if self.scan:
            return _OPAQUE
        if not isinstance(args, tuple):
            raise ValueError(f"NEWOBJ arguments are a {type(args).__name__}, not a tuple")
        if isinstance(cls, _Global) and cls.kind == "parameter":
            return _parameter(*args)
        if isinstance(cls, _Global) and cls.value in (OrderedDict, Counter, set, bytearray,
                                                      complex):
            return cls.value.__new__(cls.value, *[self.value(a) for a in args])
        if isinstance(cls, _Global) and cls.kind == "user" and isinstance(cls.value, type):
            return cls.value.__new__(cls.value, *[self.value(a) for a in args])
        raise self.refuse(f"Can only create new object for nn.Parameter or the allow-list's "
                          f"classes but got {cls!r:.80}")


def _user_instance(inst) -> bool:
    from ._safe_globals import get_safe_globals

    cls = type(inst)
    return any(cls is (e[0] if isinstance(e, tuple) else e) for e in get_safe_globals())


def _build_user(inst, state):
    setstate = getattr(type(inst), "__setstate__", None)
    if setstate is not None and setstate is not getattr(object, "__setstate__", None):
        setstate(inst, state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        inst.__dict__.update(state)
    for k, v in (slots or {}).items():
        setattr(inst, k, v)


def _ascii(x):
    return x.decode("ascii") if isinstance(x, bytes) else x


class _FullUnpickler(pickle.Unpickler):
    """``weights_only=False``: Python's unpickler (the file's code runs), with torch's tensor
    globals mapped to gradkit's, PyTorch's classes and functions to gradkit's twins, and the
    PyTorch classes gradkit lacks refused."""

    def __init__(self, file, persistent_load, name):
        super().__init__(file, encoding="utf-8")
        self._pl, self._name = persistent_load, name

    def persistent_load(self, pid):
        if type(pid) is tuple and pid and _ascii(pid[0]) == "storage":
            return self._pl(pid)
        if type(pid) is tuple and len(pid) > 1 and _ascii(pid[0]) == "module":
            return pid[1]  # (the legacy format's module class, with its source beside it)
        raise pickle.UnpicklingError(f"unsupported persistent id {pid!r:.80}")

    def find_class(self, module, name):
        g = _allowed().get(f"{module}.{name}")
        if g is not None:
            if g.kind == "dtype":
                return _dtype_value(g)
            if g.kind in ("call", "parameter"):
                return g.value
            return g
        if module.split(".")[0] == "torch":
            from ._torch_twins import gradkit_twin

            found = gradkit_twin(module, name)
            if found is not None:
                return found
            raise _fail(self._name, f"the file holds a PyTorch object ({module}.{name}), "
                                    f"pickled whole by torch.save; rebuilding it needs that "
                                    f"PyTorch class, which gradkit does not provide. In PyTorch, "
                                    f"save model.state_dict() instead and load it into the "
                                    f"gradkit model with load_state_dict")
        return super().find_class(module, name)


# --------------------------------------------------------------------------- loading: files
def is_torch_file(head: bytes) -> bool:
    return head[:4] == b"PK\x03\x04" or head[:len(_LEGACY_HEAD)] == _LEGACY_HEAD


def _restore(arr: np.ndarray, location: str, map_location):
    """Move a CPU storage array where ``map_location`` (or the saved location) says."""
    from .device import Device, _array_to

    target = location
    if map_location is not None:
        if isinstance(map_location, dict):
            target = map_location.get(location, location)
        elif callable(map_location) and not isinstance(map_location, (str, Device)):
            res = map_location(wrap(arr), location)
            if res is not None:
                out = res._data if isinstance(res, Tensor) else res
                if getattr(out, "ndim", None) != 1:
                    raise ValueError("map_location's function must return the storage (a 1-D "
                                     "tensor) it was given, possibly moved")
                return out
        else:
            target = map_location
    try:
        dev = Device(target)
    except (RuntimeError, ValueError):
        raise RuntimeError(f"can't restore a storage to location {target!r}: gradkit has cpu "
                           f"and cuda; pass map_location='cpu'") from None
    if dev.type == "cpu":
        return arr
    from . import cuda

    if not cuda.is_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                           "gradkit.cuda.is_available() is False. If you are running on a "
                           "CPU-only machine, please use gradkit.load with map_location='cpu' "
                           "to map your storages to the CPU.")
    return _array_to(arr, dev)


def _storage_array(raw, dtype_name: str, numel: int, big_endian: bool, what: str) -> np.ndarray:
    """The storage's elements from its bytes (a writable bytearray, not copied again)."""
    bf = dtype_name == "bfloat16" and _bf16_dtype() is None
    dt = np.dtype(np.uint16) if bf else _np_dtype(dtype_name, what)
    arr = np.frombuffer(raw, dtype=dt.newbyteorder(">" if big_endian else "<"), count=numel)
    if not arr.dtype.isnative:
        arr = arr.astype(dt)
    if bf:
        if not _warned_bf16[0]:
            _warned_bf16[0] = True
            warnings.warn("gradkit.load: bfloat16 tensors are loaded as float32 (exactly; "
                          "gradkit's bfloat16 needs ml_dtypes: pip install 'gradkit[bf16]')",
                          stacklevel=4)
        arr = (arr.astype(np.uint32) << np.uint32(16)).view(np.float32)
    return arr


def _element_size(dtype_name):
    return 2 if dtype_name == "bfloat16" else _np_dtype(dtype_name, "a storage").itemsize


def _storage_loader(read_bytes, map_location, big_endian):
    """persistent_load for both formats: ``read_bytes(key, nbytes)`` gives a storage's bytes."""
    cache: dict = {}

    def load(pid):
        if len(pid) not in (5, 6):
            raise ValueError(f"a storage id has {len(pid)} fields")
        stype, key, location, numel = pid[1], _ascii(pid[2]), _ascii(pid[3]), pid[4]
        if not isinstance(stype, _Global) or stype.kind != "storage" or stype.value is None:
            raise ValueError(f"a storage's type is {stype!r:.60}, not a torch storage type")
        if type(numel) is not int or numel < 0 or not isinstance(key, str) or not isinstance(
                location, str):
            raise ValueError(f"storage id {pid!r:.120} is malformed")
        dtype_name = stype.value
        if key not in cache:
            raw = read_bytes(key, numel * _element_size(dtype_name))
            arr = _storage_array(raw, dtype_name, numel, big_endian, f"storage {key}")
            cache[key] = _Storage(_restore(arr, location, map_location), key)
        st = cache[key]
        view = pid[5] if len(pid) == 6 else None
        if view is not None:  # legacy storage views: (view_key, offset, size)
            vkey, off, vsize = view
            if type(off) is not int or type(vsize) is not int or off < 0 or vsize < 0 or (
                    off + vsize > st.array.shape[0]):
                raise ValueError(f"storage view {view!r} is outside storage {key}")
            if vkey not in cache:
                v = _Storage(st.array[off:off + vsize], vkey)
                v.vc = st.vc
                cache[vkey] = v
            st = cache[vkey]
        return st

    return load


def _unpickle(data, persistent_load, weights_only, name):
    if weights_only:
        return _WeightsUnpickler(data, persistent_load, name).load()
    return _FullUnpickler(io.BytesIO(data), persistent_load, name).load()


def _read_record(fh, zf: zipfile.ZipFile, info: zipfile.ZipInfo, nbytes: int, name: str):
    if info.file_size != nbytes:
        raise _fail(name, f"size mismatch: storage {info.filename} declares {nbytes} bytes but "
                          f"the archive holds {info.file_size}")
    buf = bytearray(nbytes)
    if info.compress_type == zipfile.ZIP_STORED:  # torch writes stored records: read in place
        fh.seek(info.header_offset)
        local = fh.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise _fail(name, f"bad local header for {info.filename} (corrupted zip)")
        n, e = struct.unpack("<HH", local[26:30])
        fh.seek(info.header_offset + 30 + n + e)
        if fh.readinto(buf) != nbytes:
            raise _fail(name, f"file is truncated inside {info.filename}")
        if zlib.crc32(buf) != info.CRC:
            raise _fail(name, f"checksum mismatch in {info.filename}: the data is corrupted")
        return buf
    with zf.open(info) as src:
        got = src.readinto(buf)
    if got != nbytes:
        raise _fail(name, f"file is truncated inside {info.filename}")
    return buf


def _load_zip(fh, name, map_location, weights_only):
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _fail(name, f"not a readable zip archive ({exc}); the file is truncated or "
                          f"corrupted") from None
    with zf:
        infos = {i.filename: i for i in zf.infolist()}
        for i in infos.values():  # deflate expands at most ~1032x: larger claims are lies
            if i.compress_type != zipfile.ZIP_STORED and i.file_size > 1100 * i.compress_size \
                    + 4096:
                raise _fail(name, f"record {i.filename} claims {i.file_size} bytes from "
                                  f"{i.compress_size} compressed (corrupted)")
        pkl = [k for k in infos if k.endswith("data.pkl") and k.count("/") == 1]
        if not pkl:
            raise _fail(name, "the zip archive has no <archive>/data.pkl: not a torch.save file")
        prefix = pkl[0][:-len("data.pkl")]
        try:
            order = zf.read(prefix + "byteorder").decode() if prefix + "byteorder" in infos \
                else "little"
            if order not in ("little", "big"):
                raise _fail(name, f"unknown byteorder record {order!r}")
            data = zf.read(pkl[0])
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            raise _fail(name, f"can't read the archive ({exc}); the file is corrupted") from None

        def read_bytes(key, nbytes):
            info = infos.get(f"{prefix}data/{key}")
            if info is None:
                raise _fail(name, f"the archive has no record data/{key} for a storage")
            try:
                return _read_record(fh, zf, info, nbytes, name)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                raise _fail(name, f"can't read data/{key} ({exc}); the file is corrupted") \
                    from None

        pl = _storage_loader(read_bytes, map_location, order == "big")
        return _unpickle(data, pl, weights_only, name)


def _pickle_end(data: bytes, pos: int) -> int:
    """Where the pickle starting at ``pos`` ends (its opcodes are parsed, not run)."""
    stream = io.BytesIO(data)
    stream.seek(pos)
    for op, _arg, _p in pickletools.genops(stream):
        if op.name == "STOP":
            return stream.tell()
    raise ValueError("a pickle ends without STOP")


def _load_legacy(data: bytes, name, map_location, weights_only):
    pos = 0
    header = []
    for _ in range(3):  # magic number, protocol version, system info: plain data
        end = _pickle_end(data, pos)
        header.append(_WeightsUnpickler(data[pos:end], None, name).load())
        pos = end
    if header[0] != MAGIC_NUMBER:
        raise _fail(name, "invalid magic number; corrupt file?")
    if header[1] != PROTOCOL_VERSION:
        raise _fail(name, f"invalid protocol version: {header[1]}")
    info = header[2] if isinstance(header[2], dict) else {}
    big_endian = not info.get("little_endian", True)
    main_start, main_end = pos, _pickle_end(data, pos)
    keys_end = _pickle_end(data, main_end)
    keys = _WeightsUnpickler(data[main_end:keys_end], None, name).load()
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise _fail(name, "the storage key list is malformed")
    types: dict[str, str] = {}

    def note(pid):  # the scan: each root storage's element type (nothing is called)
        if len(pid) >= 5 and _ascii(pid[0]) == "storage" and isinstance(
                pid[1], _Global) and pid[1].kind == "storage":
            types[_ascii(pid[2])] = pid[1].value
        return _OPAQUE

    scanner = _WeightsUnpickler(data[main_start:main_end], note, name)
    scanner.scan = True
    scanner.load()
    spans = _legacy_spans(data, keys_end, keys, types, big_endian, name)

    def read_bytes(key, nbytes):
        if key not in spans:
            raise _fail(name, f"storage {key} is used but its data is not in the file")
        start, size = spans[key]
        if size != nbytes:
            raise _fail(name, f"storage {key} holds {size} bytes but the pickle declares "
                              f"{nbytes}")
        return bytearray(data[start:start + size])

    pl = _storage_loader(read_bytes, map_location, big_endian)
    return _unpickle(data[main_start:main_end], pl, weights_only, name)


def _legacy_spans(data, pos, keys, types, big_endian, name):
    spans = {}
    for k in keys:
        if pos + 8 > len(data):
            raise _fail(name, f"file is truncated before storage {k}")
        count = int.from_bytes(data[pos:pos + 8], "big" if big_endian else "little",
                               signed=True)
        pos += 8
        dt = types.get(k)
        if dt is None:
            raise _fail(name, f"can't tell the element type of storage {k}")
        nbytes = count * _element_size(dt)
        if count < 0 or pos + nbytes > len(data):
            raise _fail(name, f"storage {k} declares {count} elements ({nbytes} bytes) but only "
                              f"{len(data) - pos} bytes remain (truncated or corrupted)")
        spans[k] = (pos, nbytes)
        pos += nbytes
    return spans


def public_storage(rec: _Storage):
    """A loaded storage as the user sees it, as ``torch.load`` gives it: a TypedStorage over its
    memory (the tensors later built on it share that memory)."""
    from ._storage import TypedStorage, UntypedStorage
    from .device import device_of

    arr = rec.array
    untyped = UntypedStorage._wrap(arr.reshape(-1).view(np.uint8), device_of(arr))
    out = TypedStorage._wrap(untyped, _dtype.of(arr.dtype), arr.dtype)
    out._pickle_record = rec
    return out


def load_torch(f, name: str, map_location=None, weights_only: bool = True) -> Any:
    """Load a ``torch.save`` file (zip or legacy) from a path or a binary file object (a file
    holding a storage alone gives a TypedStorage, as ``torch.load``)."""
    out = _load_torch(f, name, map_location, weights_only)
    return public_storage(out) if isinstance(out, _Storage) else out


def _load_torch(f, name, map_location, weights_only):
    def run(fh):
        head = fh.read(len(_LEGACY_HEAD))
        fh.seek(0)
        try:
            if head[:4] == b"PK\x03\x04":
                return _load_zip(fh, name, map_location, weights_only)
            return _load_legacy(fh.read(), name, map_location, weights_only)
        except (CheckpointError, RuntimeError):
            raise
        except WeightsOnlyError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, EOFError,
                struct.error, pickle.UnpicklingError, RecursionError) as exc:
            if not weights_only and not isinstance(exc, (pickle.UnpicklingError, EOFError)):
                raise
            raise _fail(name, f"the checkpoint is malformed ({exc})") from None

    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return run(fh)
    if not (hasattr(f, "seekable") and f.seekable()):
        return run(io.BytesIO(f.read()))
    start = f.tell()
    if start:
        return run(io.BytesIO(f.read()))
    return run(f)

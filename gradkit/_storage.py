"""Storages: the memory under a tensor and its views, as PyTorch's ``Tensor.untyped_storage()``
(bytes) and ``Tensor.storage()`` (elements of the tensor's dtype).

gradkit tensors wrap NumPy arrays; a tensor's storage is the array that owns the memory, at the
root of its ``base`` chain, read in memory order. A storage object is a window on that memory
(no copy): writes through it land in every tensor sharing it, and two tensors share a storage
when their storages' ``data_ptr()`` are equal, as in PyTorch.

Storages are also made directly, as in PyTorch: ``UntypedStorage(n)`` (bytes),
``TypedStorage(n, dtype=...)``, and the legacy ``FloatStorage([1, 2])``, ``LongStorage(3)``, ...
(which make a TypedStorage of their dtype; ``isinstance(s, FloatStorage)`` tests the dtype);
``gradkit.tensor(s)``/``Tensor(s)`` view a storage's memory as a 1-D tensor.
"""

from __future__ import annotations

import numpy as np

from ._meta import MetaArray

__all__ = ["BFloat16Storage", "BoolStorage", "ByteStorage", "CharStorage", "ComplexDoubleStorage",
           "ComplexFloatStorage", "DoubleStorage", "FloatStorage", "HalfStorage", "IntStorage",
           "LongStorage", "ShortStorage", "TypedStorage", "UntypedStorage", "storage_array",
           "storage_root"]


def storage_root(a):
    """The array that owns ``a``'s memory: up its ``base`` chain, through the holder NumPy's
    ``as_strided`` leaves between a strided view and its input."""
    root = a
    while True:
        b = root.base
        if not isinstance(b, np.ndarray):
            b = getattr(b, "base", None)  # (as_strided's DummyArray keeps the input as .base)
            if not isinstance(b, np.ndarray):
                return root
        root = b


def _flat_bytes(t):
    """``(bytes, device)``: the storage of Tensor ``t`` as a 1-D uint8 array (no copy where
    the memory is addressable), and its device."""
    a = t._data
    if type(a) is MetaArray:
        return None, t.device
    if not isinstance(a, np.ndarray):  # a device array (CuPy): its own memory
        root = a
        while getattr(root, "base", None) is not None:
            root = root.base
        return root, t.device
    root = storage_root(a)
    if root.flags.c_contiguous or root.flags.f_contiguous:
        flat = root.reshape(-1, order="A").view(np.ndarray)
        return flat.view(np.uint8), t.device
    # memory gradkit cannot address in order (a strided owner): the tensor's own elements
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8), t.device


class _Items:
    """What both storages do with their items, read through ``_values()`` (bytes or
    elements): writing, iterating, listing and filling them."""

    def __setitem__(self, i, value):
        self._values()[i] = value

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self):
        return self._values().tolist()

    def fill_(self, value):
        self._values()[...] = value
        return self

    def is_shared(self) -> bool:
        return False

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"


class UntypedStorage(_Items):
    """The bytes under a tensor (``Tensor.untyped_storage()``): ``len``, ``size()`` and
    ``nbytes()`` count bytes; ``data_ptr()`` is the address of the first; items are ints."""

    def __init__(self, *args, device=None):
        """``UntypedStorage()`` (empty), ``UntypedStorage(nbytes)`` (zeros; PyTorch leaves them
        uninitialised) or ``UntypedStorage(sequence of ints)``."""
        device, meta = _device(device)
        data = _contents("UntypedStorage", args, np.uint8, meta)
        self._flat = None if meta else data
        self.device = device
        self._nbytes = int(data.size)

    @classmethod
    def _wrap(cls, flat, device, nbytes=None):
        """The storage over ``flat`` (uint8, 1-D; None on the meta device, ``nbytes`` long)."""
        s = object.__new__(cls)
        s._flat = flat
        s.device = device
        s._nbytes = int(flat.size) if flat is not None else int(nbytes or 0)
        return s

    @classmethod
    def from_file(cls, filename, shared=False, nbytes=0):
        """``nbytes`` bytes of ``filename`` mapped into memory (``UntypedStorage.from_file``,
        what safetensors' ``safe_open(framework="pt")`` reads tensors from). With ``shared``
        writes reach the file (created or extended to ``nbytes`` if needed); without, the
        mapping is copy-on-write and the file must hold ``nbytes`` bytes."""
        import os

        name = os.fspath(filename)
        nbytes = int(nbytes)
        if shared:
            if not os.path.exists(name) or os.path.getsize(name) < nbytes:
                with open(name, "ab") as f:
                    f.truncate(nbytes)
        elif not os.path.exists(name):
            raise RuntimeError(f"UntypedStorage.from_file: unable to open file <{name}> in "
                               f"read-only mode: No such file or directory; check the path")
        elif os.path.getsize(name) < nbytes:
            raise RuntimeError(f"UntypedStorage.from_file: file <{name}> size "
                               f"<{os.path.getsize(name)}> is smaller than the required mapping "
                               f"size <{nbytes}>; pass nbytes no larger than the file")
        if nbytes == 0:
            return cls._wrap(np.zeros(0, np.uint8), _device(None)[0])
        flat = np.memmap(name, dtype=np.uint8, mode="r+" if shared else "c", shape=(nbytes,))
        # a plain ndarray over the mapping (its base keeps the file mapped): gradkit's fast
        # paths test ``type(a) is np.ndarray``
        return cls._wrap(flat.view(np.ndarray), _device(None)[0])

    dtype = property(lambda self: _uint8())

    def nbytes(self) -> int:
        return self._nbytes

    size = nbytes

    def __len__(self):
        return self._nbytes

    def __sizeof__(self):
        # as PyTorch's: its storage object (32 bytes: the Python object header and the handle
        # on its c10 Storage) and the bytes it holds; ``sys.getsizeof`` adds the same GC
        # header to both (torchinfo adds these up as a model's input size)
        return 32 + self._nbytes

    def element_size(self) -> int:
        return 1

    def data_ptr(self) -> int:
        f = self._flat
        if f is None or not self._nbytes:
            return 0
        if isinstance(f, np.ndarray):
            return f.__array_interface__["data"][0]
        return int(f.data.ptr)

    def _host(self):
        f = self._flat
        if f is None:
            raise NotImplementedError("Cannot access data of a storage on the meta device")
        if not isinstance(f, np.ndarray):
            raise RuntimeError("storage: reading elements of a GPU storage is not supported; "
                               "move the tensor to the CPU first (tensor.cpu())")
        return f

    def __getitem__(self, i):
        v = self._host()[i]
        return UntypedStorage._wrap(v, self.device) if isinstance(i, slice) else int(v)

    def untyped(self):
        return self

    _values = _host

    def __repr__(self):
        head = " " + "\n ".join(str(v) for v in self.tolist()) if self._flat is not None and \
            isinstance(self._flat, np.ndarray) else " ..."
        return (f"{head}\n[gradkit.storage.UntypedStorage(device={self.device}) of size "
                f"{self._nbytes}]")


def _uint8():
    from . import _dtype

    return _dtype.to_dtype(np.uint8)


class TypedStorage(_Items):
    """The storage read as elements of a tensor's dtype (``Tensor.storage()``): ``len`` and
    ``size()`` count elements, ``nbytes()`` bytes; items are Python numbers."""

    def __init__(self, *args, dtype=None, device=None, wrap_storage=None):
        """``TypedStorage()``, ``TypedStorage(size)`` (zeros; PyTorch leaves them
        uninitialised), ``TypedStorage(sequence)`` of ``dtype`` (the default dtype if None), or
        ``TypedStorage(wrap_storage=untyped, dtype=...)``: that memory read as ``dtype``."""
        from . import _dtype

        dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
        np_dtype = np.dtype(dt)
        if wrap_storage is not None:
            if args or not isinstance(wrap_storage, UntypedStorage):
                raise TypeError(f"TypedStorage(): wrap_storage must be an UntypedStorage and "
                                f"comes alone, got {type(wrap_storage).__name__} and {len(args)} "
                                f"positional arguments")
            untyped = wrap_storage
        else:
            device, meta = _device(device)
            data = _contents(_legacy_name(dt, "TypedStorage"), args, np_dtype, meta)
            untyped = UntypedStorage._wrap(
                None if meta else data.reshape(-1).view(np.uint8), device, data.nbytes)
        self._untyped_storage = untyped
        self.dtype = dt
        self._np = np_dtype

    @classmethod
    def _wrap(cls, untyped, dtype, np_dtype):
        """The storage ``untyped`` read as ``dtype`` (its NumPy dtype ``np_dtype``)."""
        s = object.__new__(cls)
        s._untyped_storage = untyped
        s.dtype = dtype
        s._np = np.dtype(np_dtype)
        return s

    @property
    def device(self):
        return self._untyped_storage.device

    def _elements(self):
        f = self._untyped_storage._host()
        n = f.size // self._np.itemsize
        return f[:n * self._np.itemsize].view(self._np)

    def size(self) -> int:
        return self._untyped_storage.nbytes() // self._np.itemsize

    __len__ = size

    def __sizeof__(self):
        return object.__sizeof__(self) + self.nbytes()  # the object and its bytes, as PyTorch's

    def nbytes(self) -> int:
        return self._untyped_storage.nbytes()

    def element_size(self) -> int:
        return self._np.itemsize

    def data_ptr(self) -> int:
        return self._untyped_storage.data_ptr()

    def untyped(self):
        return self._untyped_storage

    def __getitem__(self, i):
        v = self._elements()[i]
        if isinstance(i, slice):
            return TypedStorage._wrap(UntypedStorage._wrap(v.view(np.uint8), self.device),
                                      self.dtype, self._np)
        return v.item()

    def type(self, dtype=None):
        """``'torch.FloatStorage'``: the legacy name of this storage's dtype; ``type(T)``
        converts to storage class ``T`` (or its name)."""
        if dtype is None:
            return "torch." + _legacy_name(self.dtype, "TypedStorage")
        name = dtype if isinstance(dtype, str) else getattr(dtype, "__name__", str(dtype))
        cls = _LEGACY.get(name.rsplit(".", 1)[-1])
        if cls is None:
            raise ValueError(f"TypedStorage.type(): unknown storage type {dtype!r}; pass a "
                             f"storage class such as gradkit.FloatStorage")
        return self._to(cls.dtype)

    def _to(self, dtype):
        from . import _dtype

        np_dtype = np.dtype(_dtype.to_dtype(dtype))
        values = self._elements().astype(np_dtype)  # (a copy, as PyTorch's, of any dtype)
        return TypedStorage._wrap(UntypedStorage._wrap(values.view(np.uint8), self.device),
                                  _dtype.to_dtype(dtype), np_dtype)

    def clone(self):
        """A copy in new memory."""
        return TypedStorage._wrap(UntypedStorage._wrap(self._elements().copy().view(np.uint8),
                                                       self.device), self.dtype, self._np)

    def copy_(self, source, non_blocking=None):
        """Copy ``source`` (a storage of as many elements) into this one."""
        values = source._elements() if isinstance(source, TypedStorage) else source._values()
        if values.size != self.size():
            raise RuntimeError(f"copy_(): the source has {values.size} elements, this storage "
                               f"{self.size()}; copy between storages of one size")
        self._elements()[...] = values
        return self

    def cpu(self):
        return self

    def is_pinned(self, device="cuda") -> bool:
        return False

    def float(self):
        return self._to("float32")

    def double(self):
        return self._to("float64")

    def half(self):
        return self._to("float16")

    def long(self):
        return self._to("int64")

    def int(self):
        return self._to("int32")

    def short(self):
        return self._to("int16")

    def char(self):
        return self._to("int8")

    def byte(self):
        return self._to("uint8")

    def bool(self):
        return self._to("bool")

    _values = _elements

    def __repr__(self):
        body = " " + "\n ".join(str(v) for v in self.tolist()) \
            if isinstance(self._untyped_storage._flat, np.ndarray) else " ..."
        return (f"{body}\n[gradkit.storage.TypedStorage(dtype={self.dtype}, device="
                f"{self.device}) of size {self.size()}]")


def untyped_storage_of(t) -> UntypedStorage:
    flat, device = _flat_bytes(t)
    if flat is None:  # meta: a size and no memory
        return UntypedStorage._wrap(None, device, nbytes=t.nbytes)
    return UntypedStorage._wrap(flat, device)


def typed_storage_of(t) -> TypedStorage:
    np_dtype = t._data.dtype
    return TypedStorage._wrap(untyped_storage_of(t), t.dtype, np_dtype)


def _device(device):
    """``(device, on meta)`` for a storage made on ``device`` (the CPU or meta)."""
    from .device import Device

    d = Device("cpu" if device is None else device)
    if d.type not in ("cpu", "meta"):
        raise RuntimeError(f"storages are made on the CPU (or meta) here, got device={d}; make "
                           f"it on the CPU and move the tensor that views it")
    return d, d.type == "meta"


def _contents(name, args, np_dtype, meta):
    """The elements of a new storage from its constructor's arguments: none, a size, or a
    sequence of numbers (PyTorch's TypeError for anything else)."""
    if not args:
        return np.zeros(0, np_dtype)
    if len(args) == 1:
        a = args[0]
        if isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)):
            if a < 0:
                raise RuntimeError(f"{name}(): size must be non-negative, got {a}")
            if meta:  # a size and no memory
                return np.broadcast_to(np.zeros(1, np_dtype), (int(a),))
            return np.zeros(int(a), np_dtype)
        if isinstance(a, (list, tuple)):
            return np.array(a, np_dtype).reshape(-1)
    raise TypeError(f"{name}() received an invalid combination of arguments: got "
                    f"{tuple(type(a).__name__ for a in args)}; expected no arguments, (int "
                    f"size) or (sequence data)")


_LEGACY_NAMES = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
                 "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
                 "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage",
                 "bool": "BoolStorage", "complex64": "ComplexFloatStorage",
                 "complex128": "ComplexDoubleStorage"}


def _legacy_name(dtype, default):
    return _LEGACY_NAMES.get(str(dtype).rsplit(".", 1)[-1], default)


class _LegacyStorageMeta(type):
    """The legacy storage classes (``FloatStorage``, ...): calling one makes a TypedStorage
    of its dtype, as PyTorch's; ``isinstance`` holds for a TypedStorage of that dtype."""

    @property
    def dtype(cls):
        from . import _dtype

        if cls._dtype_name == "bfloat16":  # (ml_dtypes, imported on first use)
            return _dtype._load_bfloat16()
        return _dtype.to_dtype(cls._dtype_name)

    def __instancecheck__(cls, obj):
        return isinstance(obj, TypedStorage) and obj.dtype == cls.dtype

    def __call__(cls, *args, device=None, wrap_storage=None):
        return TypedStorage(*args, dtype=cls.dtype, device=device, wrap_storage=wrap_storage)

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__qualname__}'>"  # torch.X under gradkit run


def _legacy(dtype_name):
    name = _LEGACY_NAMES[dtype_name]
    return _LegacyStorageMeta(name, (TypedStorage,), {
        "_dtype_name": dtype_name, "__module__": "gradkit",
        "__doc__": f"PyTorch's legacy ``torch.{name}``: a TypedStorage of {dtype_name}."})


FloatStorage = _legacy("float32")
DoubleStorage = _legacy("float64")
HalfStorage = _legacy("float16")
BFloat16Storage = _legacy("bfloat16")
LongStorage = _legacy("int64")
IntStorage = _legacy("int32")
ShortStorage = _legacy("int16")
CharStorage = _legacy("int8")
ByteStorage = _legacy("uint8")
BoolStorage = _legacy("bool")
ComplexFloatStorage = _legacy("complex64")
ComplexDoubleStorage = _legacy("complex128")
_LEGACY = {c.__name__: c for c in (
    FloatStorage, DoubleStorage, HalfStorage, BFloat16Storage, LongStorage, IntStorage,
    ShortStorage, CharStorage, ByteStorage, BoolStorage, ComplexFloatStorage,
    ComplexDoubleStorage)}


def storage_array(storage, dtype):
    """The memory of ``storage`` as a 1-D array of ``dtype`` (the default dtype if None), no
    copy: what ``gradkit.tensor(storage)`` and ``Tensor(storage)`` wrap, as PyTorch's do. A
    TypedStorage must be of that dtype (PyTorch's RuntimeError otherwise); an UntypedStorage's
    bytes are read as it (its whole elements)."""
    from . import _dtype

    dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    np_dtype = np.dtype(dt)
    if isinstance(storage, TypedStorage):
        if storage._np != np_dtype:
            want = _legacy_name(dt, str(dt))[:-len("Storage")]
            got = _legacy_name(storage.dtype, str(storage.dtype))[:-len("Storage")]
            raise RuntimeError(f"Expected a Storage of type {want} or an UntypedStorage, but "
                               f"got type {got} for argument 1 'storage'; pass dtype="
                               f"{storage.dtype} or a {want}Storage")
        return storage._elements()
    flat = storage._host()
    return flat[:flat.size - flat.size % np_dtype.itemsize].view(np_dtype)  # (whole elements)


def _load_from_bytes(b):
    """``torch.storage._load_from_bytes``: the storage in a PyTorch pickle (``pickle.dumps`` of a
    tensor or storage writes its storage as a legacy ``torch.save`` of it). Read by gradkit's
    restricted loader (the bytes may name storages only), as a TypedStorage over its memory."""
    import io

    from ._torch_format import load_torch

    if not isinstance(b, (bytes, bytearray)):
        raise TypeError(f"torch.storage._load_from_bytes: expected the storage's bytes, got a "
                        f"{type(b).__name__} (the pickle is malformed)")
    out = load_torch(io.BytesIO(b), "a pickled storage", weights_only=True)
    if not isinstance(out, TypedStorage):
        raise TypeError(f"torch.storage._load_from_bytes: the bytes hold a "
                        f"{type(out).__name__}, not a storage (the pickle is malformed)")
    return out


_load_from_bytes.__module__ = "torch.storage"  # pickled by that name (gradkit run serves it)

"""Storages: the memory under a tensor and its views, as PyTorch's ``Tensor.untyped_storage()``
(bytes) and ``Tensor.storage()`` (elements of the tensor's dtype).

gradkit tensors wrap NumPy arrays; a tensor's storage is the array that owns the memory, at the
root of its ``base`` chain, read in memory order. A storage object is a window on that memory
(no copy): writes through it land in every tensor sharing it, and two tensors share a storage
when their storages' ``data_ptr()`` are equal, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from ._meta import MetaArray

__all__ = ["TypedStorage", "UntypedStorage", "storage_root"]


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

    def __init__(self, flat, device, nbytes=None):
        self._flat = flat  # uint8, 1-D; None on the meta device
        self.device = device
        self._nbytes = int(flat.size) if flat is not None else int(nbytes or 0)

    dtype = property(lambda self: _uint8())

    def nbytes(self) -> int:
        return self._nbytes

    size = nbytes

    def __len__(self):
        return self._nbytes

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
        return UntypedStorage(v, self.device) if isinstance(i, slice) else int(v)

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

    def __init__(self, untyped, dtype, np_dtype):
        self._untyped_storage = untyped
        self.dtype = dtype
        self._np = np.dtype(np_dtype)

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
            return TypedStorage(UntypedStorage(v.view(np.uint8), self.device), self.dtype,
                                self._np)
        return v.item()

    _values = _elements

    def __repr__(self):
        body = " " + "\n ".join(str(v) for v in self.tolist()) \
            if isinstance(self._untyped_storage._flat, np.ndarray) else " ..."
        return (f"{body}\n[gradkit.storage.TypedStorage(dtype={self.dtype}, device="
                f"{self.device}) of size {self.size()}]")


def untyped_storage_of(t) -> UntypedStorage:
    flat, device = _flat_bytes(t)
    if flat is None:  # meta: a size and no memory
        return UntypedStorage(None, device, nbytes=t.nbytes)
    return UntypedStorage(flat, device)


def typed_storage_of(t) -> TypedStorage:
    np_dtype = t._data.dtype
    return TypedStorage(untyped_storage_of(t), t.dtype, np_dtype)

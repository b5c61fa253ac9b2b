"""Writing PyTorch's checkpoint format (what ``torch.save`` writes), without torch.

``save_torch`` pickles the object with protocol 2 as PyTorch does: each gradkit Tensor becomes
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())``
(``_rebuild_parameter`` around it for a Parameter), its storage a persistent id
``('storage', torch.<Type>Storage, key, location, numel)``; tensors that view one NumPy array
share one storage. The zip archive has PyTorch's records (``data.pkl``, ``.format_version``,
``.storage_alignment``, ``byteorder``, ``data/<key>``, ``version``, ``.data/serialization_id``)
with each record's data aligned to 64 bytes. ``legacy=True`` writes the pre-1.6 format.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import zipfile
from collections import OrderedDict

import numpy as np

from . import _dtype
from ._tensor import Size, Tensor, wrap
from ._torch_format import _NP_DTYPES, MAGIC_NUMBER, PROTOCOL_VERSION, _torch_name
from ._typenames import home_module
from .sparse._coo import layout as _layout

__all__ = ["save_torch"]

_ALIGN = 64


# --------------------------------------------------------------------------- saving
class _Name:
    """A global that the writer emits as ``GLOBAL module name`` (no import is needed)."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's reduce protocol wants a callable; never called
        raise TypeError(f"{self.module}.{self.name} is a name for the writer only")


_NAMES: dict[tuple[str, str], _Name] = {}


def _name(module, name) -> _Name:
    key = (module, name)
    if key not in _NAMES:
        _NAMES[key] = _Name(module, name)
    return _NAMES[key]


_STORAGE_OF = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
               "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
               "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage",
               "bool": "BoolStorage"}
# the legacy format (and PyTorch's pickles, which hold it) names complex storages as well
_LEGACY_STORAGE_OF = {**_STORAGE_OF, "complex64": "ComplexFloatStorage",
                      "complex128": "ComplexDoubleStorage"}


class _StorageRef:
    __slots__ = ("key", "array", "location", "dtype_name")

    def __init__(self, key, array, location, dtype_name):
        self.key, self.array, self.location, self.dtype_name = key, array, location, dtype_name


def _ptr(a) -> int:
    if isinstance(a, np.ndarray):
        return a.__array_interface__["data"][0]
    return int(a.data.ptr)


class _Storages:
    """Groups tensors by the memory they view, as PyTorch's storages: tensors that are views of
    one array are written as views of one storage."""

    def __init__(self):
        self.refs: dict[str, _StorageRef] = {}
        self._by_root: dict[tuple[int, str], _StorageRef] = {}
        self._keep: list = []

    def _new(self, array, location, dtype_name, ident=None):
        ref = _StorageRef(str(len(self.refs)), array, location, dtype_name)
        self.refs[ref.key] = ref
        if ident is not None:
            self._by_root[ident] = ref
        return ref

    def geometry(self, arr):
        """(storage, offset, size, stride) in elements for array ``arr``."""
        from .device import device_of

        dtype_name = _torch_name(arr.dtype)
        location = str(device_of(arr))
        item = arr.dtype.itemsize
        root, cur = arr, arr
        while getattr(cur, "base", None) is not None:  # to the array that owns the memory
            cur = cur.base
            if hasattr(cur, "dtype") and hasattr(cur, "strides") and hasattr(cur, "flags"):
                root = cur
        ok = (root.dtype == arr.dtype and root.dtype.isnative
              and (root.flags.c_contiguous or root.flags.f_contiguous)
              and all(s >= 0 and s % item == 0 for s in arr.strides))
        if ok:
            offset, rem = divmod(_ptr(arr) - _ptr(root), item)
            ok = rem == 0 and offset >= 0 and (arr.size == 0 or offset + sum(
                (n - 1) * s // item for n, s in zip(arr.shape, arr.strides)) < root.size)
        if ok:
            ident = (_ptr(root), str(root.dtype), root.size)
            ref = self._by_root.get(ident)
            if ref is None:
                ref = self._new(root, location, dtype_name, ident)
                self._keep.append(root)
            return ref, int(offset), tuple(arr.shape), tuple(s // item for s in arr.strides)
        flat = arr.copy()  # a layout PyTorch can't view (negative strides, a dtype view): copy
        ref = self._new(flat, location, dtype_name)
        strides = tuple(s // item for s in flat.strides)
        return ref, 0, tuple(arr.shape), strides

    def data(self, ref) -> np.ndarray:
        """The storage's elements, host, little-endian, in memory order."""
        from ._backend import to_host

        a = to_host(ref.array)
        a = a.reshape(-1, order="A" if a.flags.f_contiguous and not a.flags.c_contiguous
                      else "C")
        if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and sys.byteorder == "big"):
            a = a.astype(a.dtype.newbyteorder("<"))
        return a


class _TorchPickler(pickle._Pickler):
    """Python's pickler (protocol 2) writing gradkit tensors as PyTorch's records:
    ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)``
    with the storage as a persistent id, Parameters through ``_rebuild_parameter``, dtypes,
    ``Size`` and devices as torch's globals."""

    def __init__(self, file, storages: _Storages, legacy: bool, protocol: int):
        super().__init__(file, protocol=protocol)
        self.storages, self.legacy = storages, legacy

    def persistent_id(self, obj):
        if type(obj) is not _StorageRef:
            return None
        numel = int(obj.array.size)
        names = _LEGACY_STORAGE_OF if self.legacy else _STORAGE_OF
        if obj.dtype_name in names:
            stype = _name("torch", names[obj.dtype_name])
        else:
            stype, numel = _name("torch.storage", "UntypedStorage"), int(obj.array.nbytes)
        if self.legacy and stype.module != "torch":
            raise TypeError(f"gradkit.save(format='torch'): PyTorch's legacy format can't hold "
                            f"{obj.dtype_name} tensors; use the zip format (the default)")
        pid = ("storage", stype, obj.key, obj.location, numel)
        return pid + (None,) if self.legacy else pid

    def save(self, obj, save_persistent_id=True):
        if type(obj) is _Name:
            x = self.memo.get(id(obj))
            if x is not None:
                self.write(self.get(x[0]))
                return
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
            self.memoize(obj)
            return
        if isinstance(obj, type):
            home = home_module(obj)  # gradkit run shows torch's names; the file names gradkit's
            if home is not None:
                return self.save(_name(home, obj.__qualname__), save_persistent_id)
        if isinstance(obj, _dtype.dtype):
            try:
                return self.save(_name("torch", _torch_name(obj)), save_persistent_id)
            except TypeError:
                pass
        super().save(obj, save_persistent_id)

    def reducer_override(self, obj):
        from .device import Device

        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if isinstance(obj, Size):
            return _name("torch", "Size"), (tuple(int(v) for v in obj),)
        if isinstance(obj, _layout):  # PyTorch names a layout through a function
            return _name("torch.serialization", "_get_layout"), (f"torch.{obj._name}",)
        if isinstance(obj, Device):
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return _name("torch", "device"), args
        return NotImplemented

    def _tensor(self, t: Tensor):
        from .nn.parameter import Parameter

        # a non-leaf that requires grad is written as PyTorch writes it: its data and
        # requires_grad (it loads as a leaf); only multiprocessing refuses it
        if t.layout._name != "strided":  # as PyTorch: _rebuild_sparse_tensor(layout, data)
            s = t._data
            if t.is_sparse:
                data = (wrap(s.indices), wrap(s.values), Size(s.shape), bool(s.coalesced))
            else:
                data = (wrap(s.compressed), wrap(s.plain), wrap(s.values), Size(s.shape))
            return _name("torch._utils", "_rebuild_sparse_tensor"), (s.sparse_layout, data)
        if isinstance(t, Parameter):
            return (_name("torch._utils", "_rebuild_parameter"),
                    (wrap(t._data), bool(t.requires_grad), OrderedDict()))
        ref, offset, size, stride = self.storages.geometry(t._data)
        hooks = OrderedDict()
        if ref.dtype_name in (_LEGACY_STORAGE_OF if self.legacy else _STORAGE_OF):
            return (_name("torch._utils", "_rebuild_tensor_v2"),
                    (ref, offset, size, stride, bool(t.requires_grad), hooks))
        return (_name("torch._utils", "_rebuild_tensor_v3"),
                (ref, offset, size, stride, bool(t.requires_grad), hooks,
                 _dtype.of(np.dtype(_NP_DTYPES[ref.dtype_name]))))  # pickled as torch.<dtype>


def _bytes_view(arr):
    """A contiguous array whose buffer NumPy can export (bfloat16 as its uint16 bits)."""
    arr = np.ascontiguousarray(arr)
    return arr.view(np.uint16) if arr.dtype.kind == "V" else arr


def _pickled(obj, storages, legacy, protocol) -> bytes:
    buf = io.BytesIO()
    _TorchPickler(buf, storages, legacy, protocol).dump(obj)
    return buf.getvalue()


def _write_zip(fh, records: list) -> None:
    """A zip archive laid out as PyTorch writes it: stored records, each record's data aligned
    to 64 bytes by padding the local header's extra field (id ``FB``)."""
    try:
        fh.tell()
        sink = fh
    except (AttributeError, OSError):
        sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, payload in records:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.flag_bits |= 0x800
            size = len(payload) if isinstance(payload, (bytes, bytearray)) else payload.nbytes
            zip64 = 20 if size > zipfile.ZIP64_LIMIT else 0
            start = sink.tell()
            used = 30 + len(name.encode("utf-8")) + 4 + zip64
            pad = -(start + used) % _ALIGN
            info.extra = b"FB" + pad.to_bytes(2, "little") + b"Z" * pad
            with zf.open(info, "w", force_zip64=bool(zip64)) as out:
                out.write(payload)
    if sink is not fh:
        fh.write(sink.getvalue())


def legacy_storage_bytes(flat, location: str = "cpu") -> bytes:
    """A 1-D host array as PyTorch pickles a storage: a legacy ``torch.save`` of it alone (the
    bytes ``torch.storage._load_from_bytes`` reads)."""
    storages = _Storages()
    ref = storages._new(flat, location, _torch_name(flat.dtype))
    buf = io.BytesIO()
    save_torch(ref, buf, legacy=True, storages=storages)
    return buf.getvalue()


def save_torch(obj, fh, legacy: bool = False, protocol=None, storages=None, *,
               extra_records=()) -> None:
    """Write ``obj`` to binary file ``fh`` as ``torch.save`` does (``storages``: the storages
    ``obj``'s references already belong to; ``extra_records``: ``(name, bytes)`` pairs added
    to the zip archive under ``archive/``)."""
    protocol = 2 if protocol is None else int(protocol)
    storages = _Storages() if storages is None else storages
    data = _pickled(obj, storages, legacy, protocol)
    if legacy:
        info = {"protocol_version": PROTOCOL_VERSION, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
        for x in (MAGIC_NUMBER, PROTOCOL_VERSION, info):
            fh.write(pickle.dumps(x, protocol=protocol))
        fh.write(data)
        fh.write(pickle.dumps(list(storages.refs), protocol=protocol))
        for ref in storages.refs.values():
            arr = storages.data(ref)
            fh.write(int(arr.size).to_bytes(8, "little", signed=True))
            if arr.size:
                fh.write(memoryview(_bytes_view(arr)).cast("B"))
        return
    records: list = [("archive/data.pkl", data), ("archive/.format_version", b"1"),
                     ("archive/.storage_alignment", str(_ALIGN).encode()),
                     ("archive/byteorder", b"little")]
    for ref in storages.refs.values():
        arr = storages.data(ref)
        records.append((f"archive/data/{ref.key}",
                        memoryview(_bytes_view(arr)).cast("B") if arr.size else b""))
    records += [(f"archive/{name}", payload) for name, payload in extra_records]
    records.append(("archive/version", b"3\n"))
    records.append(("archive/.data/serialization_id",
                    str(int.from_bytes(os.urandom(16), "little")).zfill(40)[:40].encode()))
    _write_zip(fh, records)

"""Checkpoints without pickle: ``save``/``load`` in the safetensors format plus JSON metadata.

A file is a valid `safetensors <https://huggingface.co/docs/safetensors>`_ file:

* 8 bytes: the header length ``N`` (little-endian unsigned 64-bit);
* ``N`` bytes: a JSON object mapping each tensor name to ``{"dtype", "shape", "data_offsets"}``,
  plus ``"__metadata__"`` (a string-to-string map);
* the tensors' bytes, little-endian, C order, back to back.

gradkit reads and writes the format itself (NumPy only; the ``safetensors`` package is not
needed). Everything that is not a tensor (nested dicts, lists, tuples, numbers, strings, bools,
``None``: an optimizer state dict, the epoch, RNG states) goes as JSON into
``__metadata__["gradkit"]``, with each tensor replaced by a reference to its name. Loading parses
JSON and copies bytes; it never runs code from the file.

A flat ``{name: tensor}`` dict (a model's ``state_dict()``) is stored under its own names, so
``safetensors.torch.load_file`` and ``torch``'s ``load_state_dict`` read gradkit checkpoints, and
``gradkit.load`` reads files written by ``safetensors.torch.save_file`` (as a dict of tensors).

Writes to a path are atomic: the bytes go to a temporary file in the same folder, are flushed and
fsync'ed, and then replace the target with ``os.replace``; a crash mid-write leaves the previous
file untouched.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import sys
import time
import zlib
from typing import Any, BinaryIO, Callable, Union

import numpy as np

from . import _dtype
from ._safe_globals import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from ._tensor import Tensor, wrap

__all__ = ["CheckpointError", "load", "load_state_dict", "save", "save_state_dict",
           "add_safe_globals", "safe_globals", "get_safe_globals", "clear_safe_globals"]

FileLike = Union[str, "os.PathLike[str]", BinaryIO]
# the type aliases PyTorch's signatures use (libraries annotate with them)
MAP_LOCATION = Union[Callable, str, dict, None]  # (or a device)
DEFAULT_PROTOCOL = 2

_FORMAT_VERSION = 1
_META_KEY = "gradkit"
_TAG = "__gk__"
_MAX_HEADER = 100 * 1024 * 1024  # the limit the safetensors reference reader enforces

_DTYPE_TO_ST = {
    np.dtype(np.float16): "F16", np.dtype(np.float32): "F32", np.dtype(np.float64): "F64",
    np.dtype(np.int8): "I8", np.dtype(np.int16): "I16", np.dtype(np.int32): "I32",
    np.dtype(np.int64): "I64", np.dtype(np.uint8): "U8", np.dtype(np.uint16): "U16",
    np.dtype(np.uint32): "U32", np.dtype(np.uint64): "U64", np.dtype(np.bool_): "BOOL",
    np.dtype(np.complex64): "C64",  # (safetensors has no complex128: format="torch" stores it)
}
_ST_TO_DTYPE = {v: k for k, v in _DTYPE_TO_ST.items()}


def _st_code(dtype) -> str | None:
    """The safetensors dtype code of an array dtype (``BF16`` for ml_dtypes' bfloat16)."""
    code = _DTYPE_TO_ST.get(dtype)
    if code is None and dtype.kind == "V" and _dtype.bfloat16_np() == dtype:
        return "BF16"
    return code


def _bf16_or_none():
    """NumPy's bfloat16 dtype when ml_dtypes is installed (loading it), else None."""
    try:
        return _dtype._load_bfloat16().dtype
    except ImportError:
        return None


class CheckpointError(ValueError):
    """A checkpoint file is truncated, corrupted, or not what ``gradkit.load`` expects."""


class _EmptyCheckpointError(CheckpointError, EOFError):
    """An empty checkpoint (a save cut off before it wrote anything): also an ``EOFError``, the
    type PyTorch's ``torch.load`` raises there (its unpickler runs out of input), which
    programs catch."""


def _name_of(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    return getattr(f, "name", None) or f"<{type(f).__name__}>"


# --------------------------------------------------------------------------- encoding
class _Encoder:
    """Turns an object tree into JSON-able data plus a ``{name: array}`` table."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self._by_id: dict[int, str] = {}

    def _unique(self, path: str) -> str:
        name = path or "tensor"
        if name not in self.arrays and name != "__metadata__":
            return name
        k = 1
        while f"{name}.{k}" in self.arrays:
            k += 1
        return f"{name}.{k}"

    def _array(self, value, path: str, kind: str) -> dict:
        arr = value._data if isinstance(value, Tensor) else value
        if type(arr) is not np.ndarray:  # a device array (CuPy), or complex data (a view)
            arr = arr.view(np.ndarray) if isinstance(arr, np.ndarray) else arr.get()
        if not arr.dtype.isnative:  # e.g. '>f4' from a big-endian file: stored by value
            arr = arr.astype(arr.dtype.newbyteorder("="))
        if _st_code(arr.dtype) is None:
            raise TypeError(f"gradkit.save: can't store {path or 'the object'}: dtype {arr.dtype} "
                            f"is not supported" + (" by safetensors; save with format='torch'"
                                                   if arr.dtype.kind == "c" else ""))
        key = self._by_id.get(id(value))
        if key is None:
            key = self._unique(path)
            self.arrays[key] = arr
            self._by_id[id(value)] = key
        ref = {_TAG: kind, "key": key}
        if isinstance(value, Tensor) and value.requires_grad:
            ref["requires_grad"] = True
        if _is_parameter(value):  # older readers ignore the flag and load a Tensor
            ref["parameter"] = True
        return ref

    def _sparse(self, t, path: str) -> dict:
        """A sparse COO tensor: its indices and values arrays, size and coalesced flag."""
        s = t._data
        name = path or "sparse"
        ref = {_TAG: "sparse_coo", "indices": self._array(s.indices, name + ".indices", "ndarray"),
               "values": self._array(s.values, name + ".values", "ndarray"),
               "size": list(s.shape), "coalesced": bool(s.coalesced)}
        if t.requires_grad:
            ref["requires_grad"] = True
        return ref

    def _compressed(self, t, path: str) -> dict:
        """A sparse CSR/CSC/BSR/BSC tensor: its layout, index and values arrays and size."""
        s = t._data
        name = path or "sparse"
        ref = {_TAG: "sparse_compressed", "layout": s.sparse_layout._name,
               "compressed": self._array(s.compressed, name + ".compressed", "ndarray"),
               "plain": self._array(s.plain, name + ".plain", "ndarray"),
               "values": self._array(s.values, name + ".values", "ndarray"),
               "size": list(s.shape)}
        if t.requires_grad:
            ref["requires_grad"] = True
        return ref

    def encode(self, obj, path: str = "") -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {_TAG: "float", "value": repr(float(obj))}
        if isinstance(obj, Tensor):
            if obj.is_sparse:
                return self._sparse(obj, path)
            if getattr(type(obj._data), "_is_sparse_compressed", False):
                return self._compressed(obj, path)
            return self._array(obj, path, "tensor")
        if isinstance(obj, np.ndarray):
            return self._array(obj, path, "ndarray")
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return self.encode(float(obj), path)
        if isinstance(obj, (np.dtype, _dtype.dtype)):
            return {_TAG: "dtype", "value": obj.name}
        sub = (lambda k: f"{path}.{k}") if path else str
        if isinstance(obj, dict):
            if all(isinstance(k, str) for k in obj) and _TAG not in obj:
                return {k: self.encode(v, sub(k)) for k, v in obj.items()}
            items = []
            for k, v in obj.items():
                if isinstance(k, (Tensor, np.ndarray)) or not _hashable_key(k):
                    raise TypeError(f"gradkit.save: dict key {k!r} at {path or 'the top'} is not "
                                    f"a str, int, float, bool, None or tuple of those")
                items.append([self.encode(k), self.encode(v, sub(k))])
            return {_TAG: "dict", "items": items}
        if isinstance(obj, list):
            return [self.encode(v, sub(i)) for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {_TAG: "tuple", "items": [self.encode(v, sub(i)) for i, v in enumerate(obj)]}
        raise TypeError(
            f"gradkit.save: can't store {type(obj).__name__} at {path or 'the top level'}; "
            f"checkpoints hold tensors, NumPy arrays, dicts, lists, tuples, numbers, strings, "
            f"bools and None (no pickle). Convert it first, e.g. to a state_dict().")


def _is_parameter(value) -> bool:
    from .nn.parameter import Parameter

    return isinstance(value, Parameter)


def _hashable_key(k) -> bool:
    if k is None or isinstance(k, (bool, int, float, str)):
        return True
    return isinstance(k, tuple) and all(_hashable_key(x) for x in k)


# --------------------------------------------------------------------------- writing
def _tensor_table(arrays: dict[str, np.ndarray]) -> dict[str, dict]:
    """The header's entry of each tensor: dtype, shape, where its bytes are."""
    table = {}
    offset = 0
    for name, arr in arrays.items():
        nbytes = arr.size * arr.dtype.itemsize
        table[name] = {"dtype": _st_code(arr.dtype), "shape": list(arr.shape),
                       "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    return table


def _header_crc(table: dict, tree: Any) -> int:
    """A checksum of what the header says (every tensor's name, dtype, shape and offsets, and the
    tree of everything else), so a bit flip there is caught as one in the data is."""
    canonical = json.dumps({"tensors": table, "tree": tree}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return zlib.crc32(canonical.encode("utf-8"))


def _header_bytes(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> tuple[bytes, list]:
    header: dict[str, Any] = {"__metadata__": metadata}
    header.update(_tensor_table(arrays))
    order = list(arrays.values())
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False,
                     allow_nan=False).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # align the data section to 8 bytes, as safetensors does
    return len(raw).to_bytes(8, "little") + raw, order


def _le_bytes(arr: np.ndarray) -> memoryview:
    """The array's bytes, little-endian, C order, without copying when already so."""
    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and sys.byteorder == "big"):
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    arr = np.ascontiguousarray(arr)
    if arr.dtype.kind == "V":  # bfloat16 (no buffer-protocol code): its bytes as uint16
        arr = arr.view(np.uint16)
    return memoryview(arr.reshape(-1)).cast("B")


def _write_chunks(fh, header: bytes, arrays: list) -> None:
    """Write the header and the tensors' bytes (a separate function so tests can break it)."""
    fh.write(header)
    for arr in arrays:
        if arr.size:
            fh.write(_le_bytes(arr))


def _data_crc(arrays: list) -> int:
    crc = 0
    for arr in arrays:
        if arr.size:
            crc = zlib.crc32(_le_bytes(arr), crc)
    return crc


def _fsync_dir(path: str) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _create_temporary(folder: str, base: str) -> tuple[int, str]:
    """Create the file a save writes before renaming it over ``base``: created as ``open``
    creates a file (mode 0o666 less what the process's umask takes away, applied by the
    operating system), unlike ``tempfile.mkstemp``'s 0o600. The umask is not read: Emscripten
    (Pyodide) reports 0o777 while its file system never applies one. The writer's pid is in the
    name: a later save can tell a temporary file left by a killed writer from one a live process
    is still writing."""
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
             | getattr(os, "O_CLOEXEC", 0))
    for _ in range(100):
        tmp = os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"gradkit.save: could not create a temporary file in {folder!r}")


def save(obj: Any, f: FileLike, pickle_module=None, pickle_protocol=None,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False, *, format: str | None = None) -> None:
    """Save tensors and plain Python data to a checkpoint.

    By default the file is safetensors + JSON (no pickle). ``format="torch"`` writes PyTorch's own
    format instead (what ``torch.save`` writes: a zip archive of a protocol-2 pickle and the
    tensors' storages, or the legacy format with ``_use_new_zipfile_serialization=False``), which
    ``torch.load(f, weights_only=True)`` reads when ``obj`` holds only tensors, containers and
    plain data; any other object (a whole Module) is pickled, as ``torch.save`` does, and can only
    be loaded with ``weights_only=False``.

    Args:
        obj: a tensor, or nested dicts/lists/tuples of tensors, NumPy arrays, ints, floats,
            strings, bools and ``None`` (a ``state_dict()``, an optimizer's state, the epoch...).
            Dict keys may be str, int, float, bool, ``None`` or tuples of those. With
            ``format="torch"``, any picklable object.
        f: a path (written atomically: temporary file, fsync, ``os.replace``; a symlink is
            followed and its target replaced) or a binary file object opened for writing.
        pickle_module: accepted for PyTorch compatibility and ignored, as is
            ``_disable_byteorder_record``. ``pickle_protocol`` is used by ``format="torch"``
            (default 2, as PyTorch).
        format: ``"safetensors"`` or ``"torch"``. The default is ``"safetensors"``, except in a
            program run by ``gradkit run`` (where ``torch.save`` is this function): there it is
            ``"torch"``, so that what the program saves loads in PyTorch as well.

    Raises:
        TypeError: ``obj`` holds something that can't be stored without pickle (default format).

    Note:
        In the default format, tensors that are views of one another are stored as separate
        copies (safetensors has no shared storage); the same Tensor object twice is stored once.
        ``format="torch"`` keeps views of one array as views of one storage.

    Examples:
        >>> gradkit.save({"model": model.state_dict(), "epoch": 3}, "ckpt.safetensors")
        >>> gradkit.save(model.state_dict(), "model.pt", format="torch")  # for torch.load
    """
    if format is None:
        from .compat import hook

        format = "torch" if hook.installed() else "safetensors"  # noqa: A001
    if format == "torch":
        from ._torch_save import save_torch

        def write(fh):
            save_torch(obj, fh, legacy=not _use_new_zipfile_serialization,
                       protocol=pickle_protocol)
    elif format == "safetensors":
        enc = _Encoder()
        tree = enc.encode(obj)
        arrays = list(enc.arrays.values())
        meta = {"format": "pt", _META_KEY: json.dumps(
            {"version": _FORMAT_VERSION, "tree": tree, "crc32": _data_crc(arrays),
             "header_crc32": _header_crc(_tensor_table(enc.arrays), tree)},
            separators=(",", ":"), ensure_ascii=False, allow_nan=False)}
        header, arrays = _header_bytes(enc.arrays, meta)

        def write(fh):
            _write_chunks(fh, header, arrays)
    else:
        raise ValueError(f"gradkit.save: format must be 'safetensors' or 'torch', got {format!r}")

    if not isinstance(f, (str, os.PathLike)):
        if not hasattr(f, "write"):
            raise TypeError(f"gradkit.save: f must be a path or a binary file object, got "
                            f"{type(f).__name__}")
        write(f)
        if hasattr(f, "flush"):
            f.flush()
        return

    path = os.path.realpath(os.fspath(f))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"gradkit.save: the folder {folder!r} does not exist")
    _remove_stale_temporaries(path)
    fd, tmp = _create_temporary(folder, os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:  # an existing checkpoint keeps its permissions
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


_STALE_AFTER = 3600.0  # seconds: a temporary file without a pid is left by a killed writer


def _remove_stale_temporaries(path: str) -> None:
    """Remove the temporary files earlier saves to ``path`` left behind when they were killed
    mid-write (a live writer's file is kept)."""
    folder, base = os.path.split(path)
    prefix = f".{base}."
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for n in names:
        middle = n[len(prefix):-len(".tmp")].split(".")[0]
        full = os.path.join(folder, n)
        try:
            if middle.isdigit():
                if _process_alive(int(middle)):
                    continue
            elif time.time() - os.stat(full).st_mtime < _STALE_AFTER:
                continue
            os.unlink(full)
        except OSError:
            continue


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, AttributeError):
        return True  # (another user's process, or no way to tell: keep the file)
    return True


def save_state_dict(state_dict: dict[str, Tensor], f: FileLike) -> None:
    """Save a flat ``{name: tensor}`` dict; the file is a plain safetensors file.

    Args:
        state_dict: names to tensors (e.g. ``model.state_dict()``).
        f: a path or a binary file object.
    """
    if not isinstance(state_dict, dict) or not all(
            isinstance(k, str) and isinstance(v, Tensor) for k, v in state_dict.items()):
        raise TypeError("save_state_dict expects a flat dict of str names to Tensors")
    save(state_dict, f)


# --------------------------------------------------------------------------- reading
def _read_all(f) -> tuple[bytearray, str]:
    """The whole file as a (writable) bytearray, so loaded tensors can be updated in place."""
    name = _name_of(f)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            _check_size_before_reading(fh, size, name)
            buf = bytearray(size)
            got = fh.readinto(buf)
            return (buf if got == size else buf[:got]), name
    if not hasattr(f, "read"):
        raise TypeError(f"gradkit.load: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")
    data = f.read()
    if isinstance(data, str):
        raise TypeError(f"gradkit.load: {name} is open in text mode; open it with 'rb'")
    return bytearray(data), name


_SLACK_BEFORE_READING = 1 << 20  # bytes beyond what the header describes


def _check_size_before_reading(fh, size: int, name: str) -> None:
    """Compare the file's size with what its header describes before reading it whole: a huge
    (e.g. sparse) file that is not what its header says fails here with a clear error, not with
    a MemoryError. Anything unparsable is left for ``_parse`` to report."""
    if size < 8:
        return
    n = int.from_bytes(fh.read(8), "little")
    if n > _MAX_HEADER or 8 + n > size:
        fh.seek(0)
        return
    try:
        header = json.loads(fh.read(n).decode("utf-8"))
        end = max((info["data_offsets"][1] for k, info in header.items()
                   if k != "__metadata__"), default=0)
    except Exception:  # noqa: BLE001 - _parse reports what is wrong with the header
        fh.seek(0)
        return
    fh.seek(0)
    # only a file much larger than its header says is refused here (reading it whole could
    # exhaust memory); smaller mismatches get _parse's more precise message
    if type(end) is int and size - (8 + n + end) > _SLACK_BEFORE_READING:
        raise CheckpointError(
            f"gradkit.load: {name}: size mismatch: the header describes {end} bytes of tensor "
            f"data but the file holds {size - 8 - n} (the file is truncated, padded or corrupted)")


def _parse(buf: bytearray, name: str) -> tuple[dict[str, np.ndarray], dict[str, str], memoryview,
                                              dict[str, dict]]:
    # only consulted once parsing failed: a valid header length may start with these bytes too
    looks_pickled = bytes(buf[:4]) == b"PK\x03\x04" or (
        len(buf) > 1 and buf[0] == 0x80 and 2 <= buf[1] <= 5)

    def fail(msg):
        if looks_pickled:
            msg = ("this looks like a pickle, but neither a torch.save file (a zip archive "
                   "with data.pkl, or the legacy format's magic number) nor safetensors; "
                   "gradkit loads pickles only in PyTorch's checkpoint formats")
        return CheckpointError(f"gradkit.load: {name}: {msg}")

    if not buf:
        raise _EmptyCheckpointError(f"gradkit.load: {name}: no bytes to read (an empty file, "
                                    f"or a stream at its end): too short to be a checkpoint "
                                    f"(Ran out of input)")
    if len(buf) < 8:
        raise fail(f"file is too short to be a checkpoint ({len(buf)} bytes; a safetensors file "
                   f"starts with an 8-byte header length)")
    n = int.from_bytes(buf[:8], "little")
    if n > _MAX_HEADER:
        raise fail(f"header length {n} is implausible (not a safetensors file, or corrupted)")
    if 8 + n > len(buf):
        raise fail(f"file is truncated: the header says it is {n} bytes but only "
                   f"{len(buf) - 8} bytes follow")
    try:
        header = json.loads(buf[8:8 + n].decode("utf-8"))
    except RecursionError:
        raise fail("header is nested too deeply to be a safetensors header (corrupted)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fail(f"header is not valid JSON ({exc}); the file is corrupted or not a "
                   f"safetensors checkpoint") from None
    if not isinstance(header, dict):
        raise fail("header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise fail("__metadata__ is not a map of strings")
    data = memoryview(buf)[8 + n:]
    spans = []
    arrays: dict[str, np.ndarray] = {}
    table = {}
    for key, info in header.items():
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
            raise fail(f"entry {key!r} lacks dtype/shape/data_offsets")
        is_bf16 = info["dtype"] == "BF16"
        dtype = np.dtype(np.uint16) if is_bf16 else (
            _ST_TO_DTYPE.get(info["dtype"]) if isinstance(info["dtype"], str) else None)
        if dtype is None:
            raise fail(f"tensor {key!r} has dtype {info['dtype']!r}, which gradkit can't load "
                       f"(supported: {', '.join(sorted(_ST_TO_DTYPE))}, and BF16 as float32)")
        shape, offsets = info["shape"], info["data_offsets"]
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
            raise fail(f"tensor {key!r} has an invalid shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2
                and all(type(o) is int for o in offsets) and 0 <= offsets[0] <= offsets[1]):
            raise fail(f"tensor {key!r} has invalid data_offsets {offsets!r}")
        begin, end = offsets
        expected = math.prod(shape) * dtype.itemsize
        if end - begin != expected:
            raise fail(f"size mismatch for tensor {key!r}: shape {shape} of {info['dtype']} needs "
                       f"{expected} bytes but data_offsets span {end - begin}")
        if end > len(data):
            raise fail(f"file is truncated: tensor {key!r} ends at byte {end} of the data "
                       f"section but only {len(data)} bytes are there")
        spans.append((begin, end, key))
        table[key] = {"dtype": info["dtype"], "shape": shape, "data_offsets": offsets}
        arr = np.frombuffer(data[begin:end], dtype=dtype.newbyteorder("<"))
        if sys.byteorder == "big" or not arr.flags.aligned:
            arr = arr.astype(dtype)
        if is_bf16:
            bf = _bf16_or_none()
            if bf is not None:  # ml_dtypes' bfloat16: the same bits
                arr = arr.view(bf)
            else:  # no ml_dtypes: widen exactly to float32 (the top 16 bits)
                arr = (arr.astype(np.uint32) << np.uint32(16)).view(np.float32)
        arrays[key] = arr.reshape(shape)
    spans.sort()
    pos = 0
    for begin, end, key in spans:
        if begin != pos:
            raise fail(f"tensor {key!r} starts at byte {begin}, expected {pos} (overlapping or "
                       f"missing data)")
        pos = end
    if pos != len(data):
        raise fail(f"size mismatch: the header describes {pos} bytes of tensor data but the file "
                   f"holds {len(data)}")
    return arrays, meta, data, table


class _Decoder:
    def __init__(self, arrays, fail):
        self.arrays = arrays
        self.fail = fail
        self.tensors: dict[str, Tensor] = {}

    def decode(self, node):
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            return node
        tag = node.get(_TAG)
        if tag is None:
            return {k: self.decode(v) for k, v in node.items()}
        if tag in ("tensor", "ndarray"):
            key = node.get("key")
            if key not in self.arrays:
                raise self.fail(f"the metadata refers to tensor {key!r}, which the file does "
                                f"not contain")
            if tag == "ndarray":
                return self.arrays[key]
            t = self.tensors.get(key)
            if t is None:
                t = wrap(self.arrays[key])
                if node.get("parameter"):
                    from .nn.parameter import Parameter

                    t = Parameter(t, requires_grad=bool(node.get("requires_grad")))
                elif node.get("requires_grad"):
                    t.requires_grad_(True)
                self.tensors[key] = t
            return t
        if tag == "sparse_coo":
            from .sparse import sparse_coo_tensor

            return sparse_coo_tensor(self.decode(node["indices"]), self.decode(node["values"]),
                                     tuple(node["size"]), is_coalesced=bool(node["coalesced"]),
                                     requires_grad=bool(node.get("requires_grad")))
        if tag == "sparse_compressed":
            from . import sparse as _sparse
            from .sparse import sparse_compressed_tensor

            lay = getattr(_sparse, str(node["layout"]), None)
            if lay not in (_sparse.sparse_csr, _sparse.sparse_csc, _sparse.sparse_bsr,
                           _sparse.sparse_bsc):
                raise RuntimeError(f"load: unknown sparse layout {node['layout']!r} in the file")
            return sparse_compressed_tensor(
                self.decode(node["compressed"]), self.decode(node["plain"]),
                self.decode(node["values"]), tuple(node["size"]), layout=lay,
                requires_grad=bool(node.get("requires_grad")),
                check_invariants=_sparse.check_sparse_tensor_invariants.is_enabled())
        if tag == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if tag == "dict":
            return {_freeze(self.decode(k)): self.decode(v) for k, v in node["items"]}
        if tag == "float":
            return float(node["value"])
        if tag == "dtype":
            return _dtype.to_dtype(node["value"])
        raise self.fail(f"unknown entry type {tag!r} in the metadata (written by a newer "
                        f"gradkit?)")


def _freeze(k):
    return tuple(_freeze(x) for x in k) if isinstance(k, list) else k


def _map(t: Tensor, map_location) -> Tensor:
    if map_location is None:
        return t
    if isinstance(map_location, dict):
        target = map_location.get("cpu", map_location.get("cpu:0"))
        return t if target is None else t.to(target)
    if callable(map_location) and not isinstance(map_location, str):
        out = map_location(t, "cpu")
        return t if out is None else out
    return t.to(map_location)


def _peek(f, n: int) -> tuple[bytes, Any]:
    """The first ``n`` bytes of ``f`` and something to read the whole file from afterwards."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read(n), f
    if not hasattr(f, "read"):
        raise TypeError(f"gradkit.load: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")
    if hasattr(f, "seekable") and f.seekable():
        pos = f.tell()
        head = f.read(n)
        f.seek(pos)
        return head, f
    import io

    data = f.read()
    if isinstance(data, str):
        raise TypeError(f"gradkit.load: {_name_of(f)} is open in text mode; open it with 'rb'")
    buf = io.BytesIO(data)
    buf.name = _name_of(f)
    return data[:n], buf


_TRUE_VALUES = ("1", "y", "yes", "true")


def _forced_weights_only(weights_only, pickle_module):
    """``weights_only`` as PyTorch's ``load`` settles it: unset, True unless a ``pickle_module``
    is given; then ``TORCH_FORCE_WEIGHTS_ONLY_LOAD`` forces True, ``TORCH_FORCE_NO_WEIGHTS_
    ONLY_LOAD`` forces False where the caller left it unset (with PyTorch's warning); both set
    is PyTorch's RuntimeError."""
    unset = weights_only is None
    if unset:
        weights_only = pickle_module is None
    force = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE_VALUES
    force_no = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE_VALUES
    if force and force_no:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or "
                           "`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should be set, but both were set; "
                           "unset one of the two environment variables")
    if force:
        return True
    if force_no and unset:
        import warnings

        from ._dtype import _NAMESPACE

        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since "
                      f"the`weights_only` argument was not explicitly passed to "
                      f"`{_NAMESPACE[0]}.load`, forcing weights_only=False.", UserWarning,
                      stacklevel=4)
        return False
    return weights_only


def load(f: FileLike, map_location=None, pickle_module=None, *, weights_only: bool | None = None,
         mmap=None, **pickle_load_args) -> Any:
    """Load a checkpoint: what ``gradkit.save`` wrote, any safetensors file (as
    ``{name: tensor}``), or PyTorch's own ``.pt``/``.pth`` files (zip or legacy format).

    safetensors files are parsed as JSON and bytes: they can't run code. PyTorch files are
    pickles; with ``weights_only=True`` (the default, as in PyTorch 2.6+) they are read by a
    restricted unpickler that admits only PyTorch's ``weights_only`` allow-list (tensors,
    storages, dtypes, devices, ``torch.Size``, ``OrderedDict``, containers, numbers, strings), so
    nothing in the file runs. ``weights_only=False`` unpickles anything (a whole pickled gradkit
    Module): only for files from a trusted source. A whole PyTorch model pickled by
    ``torch.save(model)`` can't be rebuilt without PyTorch: save its ``state_dict()`` instead.

    Args:
        f: a path or a binary file object opened for reading.
        map_location: where tensors go: ``None`` (where they were saved: ``'cuda'`` needs CUDA),
            ``'cpu'``, ``'cuda'``/``'cuda:N'`` or a ``gradkit.device``, a dict such as
            ``{'cuda:0': 'cpu'}``, or a callable ``fn(storage, location)`` as in PyTorch.
        pickle_module: as in PyTorch, naming one (``pickle``) asks for a full unpickle: with
            ``weights_only`` left unset the file is read as with ``weights_only=False``, and
            with ``weights_only=True`` it is refused (RuntimeError). Its own unpickler is not
            used (gradkit's reads the file).
        weights_only: for PyTorch files: restrict unpickling to the allow-list (default: True,
            or False when ``pickle_module`` is given, as PyTorch's default).
        mmap: accepted for PyTorch compatibility; ignored.

    Returns:
        the saved object. Tensors saved as views of one storage come back as views of one
        array; Parameters as Parameters. bfloat16 tensors come back as bfloat16 when ml_dtypes
        is installed (the ``bf16`` extra), else as float32 (exact; a one-time warning).

    Raises:
        CheckpointError: (a ``ValueError``) the file is truncated, corrupted, or its metadata
            does not match its tensors; the message names the file.
        gradkit._torch_format.WeightsOnlyError: (a ``CheckpointError`` and
            ``pickle.UnpicklingError``) a PyTorch file holds a global outside the allow-list.
    """
    from ._torch_format import is_torch_file, load_torch

    weights_only = _forced_weights_only(weights_only, pickle_module)
    if weights_only and pickle_module is not None:
        raise RuntimeError("gradkit.load: can not safely load weights when an explicit "
                           f"pickle_module ({getattr(pickle_module, '__name__', pickle_module)})"
                           " is specified with weights_only=True; drop pickle_module, or pass "
                           "weights_only=False for a file from a trusted source")
    head, src = _peek(f, 16)
    if is_torch_file(head):
        return load_torch(src, _name_of(f), map_location=map_location,
                          weights_only=weights_only is not False)
    f = src
    buf, name = _read_all(f)
    arrays, meta, data, table = _parse(buf, name)

    def fail(msg):
        return CheckpointError(f"gradkit.load: {name}: {msg}")

    raw = meta.get(_META_KEY)
    if raw is None:  # a plain safetensors file (e.g. from safetensors.torch.save_file)
        return {k: _map(wrap(a), map_location) for k, a in arrays.items()}
    try:
        info = json.loads(raw)
    except RecursionError:
        raise fail("the gradkit metadata is nested too deeply (corrupted)") from None
    except json.JSONDecodeError as exc:
        raise fail(f"the gradkit metadata is not valid JSON ({exc})") from None
    if not isinstance(info, dict) or "tree" not in info:
        raise fail("the gradkit metadata has no 'tree' entry")
    if type(info.get("version", 0)) is not int:
        raise fail(f"the gradkit metadata has an invalid version {info.get('version')!r}")
    if info.get("version", 0) > _FORMAT_VERSION:
        raise fail(f"written by a newer gradkit (format version {info.get('version')}); "
                   f"this one reads up to {_FORMAT_VERSION}")
    crc = info.get("crc32")
    if crc is not None and zlib.crc32(data) != crc:
        raise fail("checksum mismatch: the tensor data is corrupted")
    header_crc = info.get("header_crc32")  # (files from before it have none)
    if header_crc is not None and _header_crc(table, info["tree"]) != header_crc:
        raise fail("checksum mismatch: the header (tensor names, dtypes, shapes or the saved "
                   "structure) is corrupted")
    dec = _Decoder(arrays, fail)
    try:
        tree = dec.decode(info["tree"])
    except CheckpointError:
        raise
    except RecursionError:
        raise fail("the gradkit metadata is nested too deeply (corrupted)") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise fail(f"the gradkit metadata is malformed ({exc!r})") from None
    if map_location is not None:
        moved = {k: _map(t, map_location) for k, t in dec.tensors.items()}
        if any(moved[k] is not t for k, t in dec.tensors.items()):
            tree = _replace(tree, {id(t): moved[k] for k, t in dec.tensors.items()})
    return tree


def _replace(node, table):
    if isinstance(node, Tensor):
        return table.get(id(node), node)
    if isinstance(node, list):
        return [_replace(v, table) for v in node]
    if isinstance(node, tuple):
        return tuple(_replace(v, table) for v in node)
    if isinstance(node, dict):
        return {k: _replace(v, table) for k, v in node.items()}
    return node


def _get_layout(name):
    """``torch.serialization._get_layout``: the layout a PyTorch pickle names as a string."""
    from ._torch_format import _get_layout as get

    return get(name)


def load_state_dict(f: FileLike, map_location=None) -> dict[str, Tensor]:
    """Load a flat ``{name: tensor}`` dict (any safetensors file).

    Raises:
        CheckpointError: the file holds something other than a flat dict of tensors.
    """
    obj = load(f, map_location=map_location)
    if not isinstance(obj, dict) or not all(isinstance(v, Tensor) for v in obj.values()):
        raise CheckpointError(f"gradkit.load_state_dict: {_name_of(f)} does not hold a flat dict "
                              f"of tensors")
    return obj


"""Devices: ``gradkit.device('cpu')`` and ``gradkit.device('cuda:0')`` (CuPy arrays).

A Tensor's device is read off its array's type, so there is nothing to keep in sync. Moving between
devices is a differentiable copy.
"""

from __future__ import annotations

import numpy as np

from . import _backend, _dtype
from ._meta import NO_DATA, MetaArray, meta_array

# kinds of value that are no device (PyTorch's argument parser raises TypeError for them; a
# NumPy integer is an index, as a Python int)
_NOT_DEVICES = (float, bool, list, tuple, dict, set, np.generic, np.ndarray, type, _dtype.dtype)

__all__ = ["device", "Device", "device_of"]

# PyTorch's device types: each names a device (``torch.device("mps")`` in a library's table of
# backends); gradkit keeps tensors on "cpu", "cuda" (CuPy) and "meta" only, and placing one on any
# other raises (``_array_to``)
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")

_ENTERED: list = []  # the default devices that ``with device(...)`` blocks replaced
_DEFAULT_META = [False]  # whether the default device is "meta" (read by the factories)



class Device:
    """A device: ``'cpu'``, ``'cuda'``/``'cuda:N'`` or ``'meta'`` (and PyTorch's other device types
    by name); as PyTorch's, it equals devices only, never a string (compare ``.type``)."""

    __slots__ = ("type", "index")

    def __reduce__(self):  # PyTorch's form, torch.device('cuda', 0), which PyTorch reads too
        return type(self), (self.type,) if self.index is None else (self.type, self.index)

    def __init__(self, type_or_name="cpu", index=None):
        if isinstance(type_or_name, Device):
            self.type, self.index = type_or_name.type, type_or_name.index
            return
        if type_or_name is None or (isinstance(type_or_name, _NOT_DEVICES)
                                    and not isinstance(type_or_name, np.integer)) or (
                not isinstance(type_or_name, (str, int, np.integer))
                and type(type_or_name).__name__ != "device"):  # (a torch.device reads as its str)
            raise TypeError(f"a device must be a gradkit.device, a string ('cpu', 'cuda:0') or "
                            f"an int (a cuda index), not {type(type_or_name).__name__} "
                            f"({type_or_name!r})")
        if isinstance(type_or_name, (int, np.integer)) and not isinstance(type_or_name, bool):
            self.type, self.index = "cuda", _accelerator_index(int(type_or_name))
            return
        name = str(type_or_name)
        if ":" in name:
            name, idx = name.split(":", 1)
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: {type_or_name!r} (the index after "
                                   f"':' must be a non-negative integer, e.g. 'cuda:0')")
            index = int(idx)
        if name not in _DEVICE_TYPES:
            hint = ""
            if name.removeprefix("torch.").removeprefix("gradkit.") in (*_dtype._NAMES, "bfloat16"):
                hint = (f" (a string passed to .to() is a device, as in PyTorch; for the dtype "
                        f"pass gradkit.{name.split('.')[-1]} or dtype={name!r})")
            raise RuntimeError(
                f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device "
                f"string: {type_or_name!r}{hint}"
            )
        self.type = name
        self.index = None if name in ("cpu", "meta") else index

    def __eq__(self, other):
        if isinstance(other, str):
            # as PyTorch's: a device never equals a string, not even its own name
            # (``x.device == "cpu"`` is False; compare ``x.device.type == "cpu"``), and never raises
            return False
        if not isinstance(other, Device):
            return NotImplemented
        # as PyTorch's: the same type and index, so device("cuda") != device("cuda:0")
        # (whether two devices name the same one: ``same_device``)
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self):
        """``with gradkit.device("cpu"):`` makes it the default device inside, as PyTorch's
        ``with torch.device(...)`` (the devices ``set_default_device`` accepts)."""
        from .compat._api import get_default_device, set_default_device

        prev = get_default_device()
        set_default_device(self)  # (raises for a device it refuses: nothing to undo then)
        _ENTERED.append(prev)
        return self

    def __exit__(self, *exc):
        from .compat._api import set_default_device

        set_default_device(_ENTERED.pop())
        return False

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}'" + (
            f", index={self.index})" if self.index is not None else ")")


device = Device


def same_device(a, b) -> bool:
    """Whether devices ``a`` and ``b`` (Devices or what ``Device`` reads) are one device: a
    device type without an index names its device 0 (where gradkit moves it: ``'cuda'`` is
    ``'cuda:0'``), which ``==`` does not count as equal, as PyTorch's."""
    a = a if type(a) is Device else Device(a)
    b = b if type(b) is Device else Device(b)
    return a.type == b.type and (a.index or 0) == (b.index or 0)
_CPU = Device("cpu")
_META = Device("meta")


def device_of(array) -> Device:
    if type(array) is np.ndarray:
        return _CPU
    if type(array) is MetaArray:
        return _META
    dev = getattr(array, "device", None)
    if dev is not None and hasattr(dev, "id"):
        return Device("cuda", dev.id)
    return _CPU


def _accelerator_index(index: int) -> int:
    """A bare device index (``device(0)``, ``x.to(0)``, ``model.to(rank)``) names the
    accelerator's device ``index``, as in PyTorch; gradkit's accelerator is CUDA (CuPy)."""
    if index < 0:
        raise RuntimeError(f"Device index must not be negative (got {index})")
    if not _backend.has_cupy():
        raise RuntimeError(
            f"Cannot access accelerator device when none is available (a bare index such as "
            f"{index} means the accelerator's device {index}, 'cuda:{index}' in gradkit, which "
            f"needs CuPy and an NVIDIA GPU); use 'cpu' on this machine")
    return index


def _parse_device_dtype(args, kwargs):
    device_ = kwargs.get("device")
    dtype = kwargs.get("dtype")
    for a in args:
        if isinstance(a, (Device, str)):  # as PyTorch: a string is a device ("float32" is not)
            device_ = a
        elif isinstance(a, (int, np.integer)) and not isinstance(a, bool):  # to(0): an index
            device_ = a
        elif hasattr(a, "_data") and hasattr(a, "grad_fn"):  # to(other_tensor)
            device_, dtype = a.device, a.dtype
        elif a is not None:
            dtype = a
    return device_, dtype


def _array_to(arr, dev: Device):
    if type(arr) is MetaArray:
        if dev.type == "meta":
            return arr
        raise NotImplementedError(NO_DATA + " (a meta tensor has a shape and no values: make "
                                  "tensors on the target device instead, e.g. "
                                  "Module.to_empty(device='cpu'), then initialize them)")
    if dev.type == "meta":
        return meta_array(arr.shape, arr.dtype)
    if dev.type == "cpu":
        return arr if type(arr) is np.ndarray else arr.get()
    if dev.type != "cuda":
        raise RuntimeError(f"gradkit has no {dev.type} device: it keeps tensors on the CPU, on "
                           f"CUDA GPUs (through CuPy) and on 'meta'; use device='cpu'")
    ns = _backend.cupy_ns()
    cp = ns.module
    with cp.cuda.Device(dev.index or 0):
        return cp.asarray(arr)


def _to_namespace_of(arr, like):
    return _array_to(arr, device_of(like))


def default_float():
    return _dtype.get_default_dtype()

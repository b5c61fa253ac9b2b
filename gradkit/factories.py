"""Tensor factories: ``tensor``, ``from_numpy``, ``zeros``, ``randn``, ... and ``*_like`` forms.

dtype inference follows PyTorch: Python floats give the default dtype (float32), Python ints
int64, bools bool; a NumPy array keeps its dtype.
"""

from __future__ import annotations

import math

import numpy as np

from . import _dtype, _options, _range_values, _storage
from . import _memory_format as _mf
from . import random as _random
from ._backend import to_host
from ._complex import is_host as _is_host
from ._complex import plain as _plain
from ._int_range import check_int_scalar
from ._meta import meta_array
from ._nested_data import (
    _COPY_CONSTRUCT,
    _NOT_WRITABLE,
    _infer_dtype,
    _ragged_error,
    _unwrap_nested,
)
from ._tensor.tensor import Tensor, _int_value, _shape_arg, wrap
from ._warnings import warn, warn_once
from .device import _DEFAULT_META, Device, _array_to
from .functions._registry import int_error
from .random import _gen

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
    "logspace", "eye", "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
    "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
    "randint_like", "scalar_tensor", "asarray", "frombuffer", "range", "empty_strided",
    "empty_permuted", "binomial", "poisson",
]


def _to_array(data, dtype=None, device=None, copy=True):
    if isinstance(data, Tensor):
        arr = data._data
        if dtype is not None and arr.dtype.kind == "c" and not _dtype.to_dtype(dtype).is_complex:
            import warnings
            warnings.warn("Casting complex values to real discards the imaginary part",
                          UserWarning, stacklevel=3)
            arr = arr.view(np.ndarray).real
        arr = arr.astype(_dtype.to_dtype(dtype)) if dtype is not None else \
            (arr.copy() if copy else arr)
    elif hasattr(data, "__cuda_array_interface__"):
        arr = data.astype(_dtype.to_dtype(dtype)) if dtype is not None else \
            (data.copy() if copy else data)
    elif isinstance(data, (_storage.TypedStorage, _storage.UntypedStorage)):
        # its memory, shared, as PyTorch's; an UntypedStorage's bytes read as int64 by default
        untyped = dtype is None and isinstance(data, _storage.UntypedStorage)
        arr = _storage.storage_array(data, _dtype.int64 if untyped else dtype)
    elif isinstance(data, np.ndarray):
        # copy=None: copy only when a conversion needs it (NumPy 2 raises for copy=False)
        arr = np.array(data, dtype=None if dtype is None else _dtype.to_dtype(dtype),
                       copy=True if copy else None)
    else:
        dt = _dtype.to_dtype(dtype) if dtype is not None else _infer_dtype(data)
        nested = _unwrap_nested(data)
        try:
            arr = np.array(nested, dtype=dt)
        except OverflowError:  # an int beyond int64 for an integer dtype: PyTorch's ValueError
            raise ValueError(f"tensor(): Overflow when unpacking an int of the data into "
                             f"{np.dtype(dt)} (its range is [{np.iinfo(dt).min}, "
                             f"{np.iinfo(dt).max}]); pass dtype=gradkit.float64 or "
                             f"floats") from None
        except ValueError:
            if dtype is not None:  # (a str or object among the data: the inference's error)
                _infer_dtype(data)
            raise _ragged_error(nested) from None
        if dtype is not None and (arr.dtype.kind == "b" or arr.dtype.kind in "fc"
                                  and np.isnan(arr).any()) \
                and _holds_none(nested):  # (NumPy reads None as NaN, or False)
            raise TypeError("tensor(): must be real number, not NoneType (the data holds None; "
                            "every element must be a number)")
    if device is not None:
        arr = _array_to(arr, Device(device))
    elif _DEFAULT_META[0]:   # inside `with device("meta"):`
        arr = meta_array(arr.shape, arr.dtype)
    return arr


def _holds_none(x):
    return x is None or isinstance(x, (list, tuple)) and any(_holds_none(y) for y in x)


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor holding a copy of ``data`` (numbers, nested lists, arrays, tensors).

    Examples:
        >>> x = gradkit.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    """
    if requires_grad.__class__ is not bool:  # (None too, as PyTorch's tensor())
        _options.flag("tensor", "requires_grad", requires_grad, optional=False)
    if pin_memory is not False:
        _options.options("tensor", pin_memory=pin_memory)
    if isinstance(data, Tensor):
        warn(_COPY_CONSTRUCT)
    t = wrap(_to_array(data, dtype, device))
    if requires_grad:
        t.requires_grad_(True)
    return t


def scalar_tensor(s, dtype=None, device=None, requires_grad=False) -> Tensor:
    return tensor(s, dtype=dtype or _dtype.get_default_dtype(), device=device,
                  requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array (or Tensor) when no conversion is
    needed."""
    if isinstance(data, Tensor):
        if dtype is None and device is None:
            return data
        return data.to(device=device, dtype=dtype)
    if isinstance(data, np.ndarray) and not data.flags.writeable:
        warn_once("non-writable-ndarray", _NOT_WRITABLE)
    if isinstance(data, np.ndarray) and (dtype is None or _dtype.to_dtype(dtype) == data.dtype):
        return wrap(data) if device is None else wrap(_to_array(data, None, device))
    return wrap(_to_array(data, dtype, device, copy=False))


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """``torch.asarray``: ``obj`` (a tensor, NumPy array, buffer, number or nested sequence) as
    a tensor, sharing memory when no conversion is needed unless ``copy=True``
    (``copy=False`` raises where a copy is needed)."""
    if requires_grad.__class__ is not bool or copy is not None:
        _options.flag("asarray", "requires_grad", requires_grad)
        _options.flag("asarray", "copy", copy)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return frombuffer(obj, dtype=dtype if dtype is not None else _dtype.get_default_dtype())
    shared = as_tensor(obj, dtype=dtype, device=device)
    source = obj._data if isinstance(obj, Tensor) else obj
    is_shared = isinstance(source, np.ndarray) and np.shares_memory(shared._data, source)
    if copy is False and not is_shared and isinstance(source, (np.ndarray,)):
        raise ValueError("asarray(): copy=False but a copy is needed (a dtype or device "
                         "conversion); pass copy=None or copy=True")
    out = shared.clone() if copy and is_shared or copy and isinstance(obj, Tensor) else shared
    if isinstance(obj, Tensor) and out is obj and requires_grad != obj.requires_grad:
        out = obj.detach()
    if requires_grad:
        out.requires_grad_(True)
    return out


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-D tensor over the bytes of ``buffer`` (an object with the buffer protocol), sharing
    its memory, as ``torch.frombuffer``."""
    if dtype is None:
        raise TypeError("frombuffer() missing required keyword argument 'dtype'")
    dt = np.dtype(_dtype.to_dtype(dtype))
    mem = memoryview(buffer).cast("B")
    if offset < 0 or offset > len(mem) or (len(mem) - offset) % dt.itemsize and count < 0:
        raise ValueError(f"frombuffer(): buffer length ({len(mem)} bytes) after offset "
                         f"({offset} bytes) must be a multiple of the element size "
                         f"({dt.itemsize})")
    n = (len(mem) - offset) // dt.itemsize if count < 0 else count
    if n <= 0 or offset + n * dt.itemsize > len(mem):
        raise ValueError(f"frombuffer(): requested {n} elements of {dt.itemsize} bytes from "
                         f"offset {offset} of a {len(mem)}-byte buffer; both must be positive "
                         f"and fit the buffer")
    t = wrap(np.frombuffer(mem, dtype=dt, count=n, offset=offset))
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray) -> Tensor:
    """A tensor that shares memory with ``ndarray`` (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.kind not in "biufc":
        raise TypeError(
            f"can't convert np.ndarray of type {ndarray.dtype}. The only supported types are: "
            f"float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        )
    if any(s < 0 for s in ndarray.strides):
        raise ValueError(
            f"At least one stride in the given numpy array is negative (strides "
            f"{ndarray.strides}), and tensors with negative strides are not currently supported. "
            f"(You can probably work around this by making a copy of your array with "
            f"array.copy().)"
        )
    if not ndarray.flags.writeable:
        warn_once("non-writable-ndarray", _NOT_WRITABLE)
    return wrap(ndarray)


def _on_meta(device) -> bool:
    """Whether a factory's ``device`` (None: the default device) is the meta device."""
    if device is None:
        return _DEFAULT_META[0]
    return (device.type if isinstance(device, Device) else Device(device).type) == "meta"


def _meta_result(shape, dt, requires_grad):
    """A factory's result on the meta device: no values made, no random numbers drawn."""
    t = wrap(meta_array(shape, getattr(dt, "dtype", dt)))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _finish(arr, requires_grad, device):
    if requires_grad.__class__ is not bool and requires_grad is not None:
        raise TypeError(f"argument 'requires_grad' must be bool, not "
                        f"{type(requires_grad).__name__}; pass True or False")
    if device is not None and Device(device).type != "cpu":
        arr = _array_to(arr, Device(device))
    elif device is None and _DEFAULT_META[0]:
        arr = meta_array(arr.shape, arr.dtype)
    t = wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype):
    return _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)


def _sizes(sizes, size, fn=None):
    """The shape from ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))`` (``fn``: the
    factory, whose call without a size is PyTorch's TypeError; ``zeros(())`` is 0-d)."""
    if size is None:
        if not sizes and fn is not None:
            raise TypeError(f'{fn}() missing 1 required positional arguments: "size"; give the '
                            f"shape, e.g. {fn}(2, 3), or {fn}(()) for a 0-d tensor")
        return sizes
    if sizes:
        raise TypeError("give the size either positionally or as size=, not both")
    return (size,)


def _check_scalar(fn, name, value):
    """PyTorch's TypeError for a non-number where a factory takes a number (a Python or NumPy
    number, or a 0-d Tensor)."""
    if isinstance(value, (int, float, complex, np.number, np.bool_)) or (
            isinstance(value, Tensor) and value.ndim == 0):
        return
    raise TypeError(f"{fn}(): argument '{name}' must be Number, not {type(value).__name__}")


class _Step1:
    """arange's ``step`` left out (1): told apart from a step given without a start."""

    __slots__ = ()

    def __repr__(self):
        return "1"


_STEP_1 = _Step1()


def _size(size, fn="tensor"):
    shape = _shape_arg(size)  # (ints: TypeError for another kind, as PyTorch)
    n = 1
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}; sizes are >= 0")
        n *= s
    if n > _options.MAX_ELEMENTS:
        _options.element_count(fn, shape)
    return tuple(int(s) for s in shape)


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    shape = _size(_sizes(sizes, size, "zeros"), "zeros")
    if _on_meta(device):
        return _meta_result(shape, _float_dtype(dtype), requires_grad)
    return _finish(np.zeros(shape, dtype=_float_dtype(dtype)), requires_grad, device)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    shape = _size(_sizes(sizes, size, "ones"), "ones")
    if _on_meta(device):
        return _meta_result(shape, _float_dtype(dtype), requires_grad)
    return _finish(np.ones(shape, dtype=_float_dtype(dtype)), requires_grad, device)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False,
          memory_format=_mf.contiguous_format) -> Tensor:
    shape = _size(_sizes(sizes, size, "empty"), "empty")
    if _on_meta(device):
        return _meta_result(shape, _float_dtype(dtype), requires_grad)
    out = _finish(np.empty(shape, dtype=_float_dtype(dtype)), requires_grad,
                  device)
    if memory_format is not _mf.contiguous_format:
        if memory_format is _mf.preserve_format:
            raise RuntimeError("empty(): preserve memory format is unsupported; give "
                               "contiguous_format, channels_last or channels_last_3d")
        out = _in_format(out, memory_format, None, "empty")
    return out


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if not isinstance(size, (tuple, list)):  # (PyTorch's int list: a lone int is refused)
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}; pass e.g. (3,)")
    if fill_value.__class__ is not float and fill_value.__class__ is not int:
        _check_scalar("full", "fill_value", fill_value)
    if dtype is None:
        dtype = _infer_dtype(_as_python_scalar(fill_value)) \
            if not isinstance(fill_value, Tensor) else fill_value.dtype
    if _on_meta(device):
        return _meta_result(_size((size,), "full"), _dtype.to_dtype(dtype), requires_grad)
    dt = np.dtype(_dtype.to_dtype(dtype))
    if not isinstance(fill_value, Tensor):
        # PyTorch's checked conversion of the value (uint8 300, int32 1e10, an inf integer,
        # float16 70000 raise), and its wrap of an int into an unsigned type (uint8 -1: 255)
        from .functions._args import _check_fill_value, _wrap_int_scalar

        _check_fill_value(fill_value, dt, "full")
        fill_value = _wrap_int_scalar(fill_value, dt)
    return _finish(np.full(_size((size,), "full"), fill_value, dtype=dt), requires_grad, device)


def _as_python_scalar(v):
    """A NumPy scalar as the Python number PyTorch's Scalar arguments read it (their dtype is
    the default one's: np.float64(1.5) is a float, np.int32(3) an int, np.bool_ a float), for
    the inferred dtype of arange and full; anything else as it is."""
    if isinstance(v, np.generic):
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, (np.floating, np.bool_)):
            return float(v)
        if isinstance(v, np.complexfloating):
            return complex(v)
    return v


def arange(start, end=None, step=_STEP_1, *, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a bound is float."""
    for name, v in (("start", start), ("end", end), ("step", step)):
        # (end=None is arange(end) read as arange(start); a None start or step is refused)
        if (v is not None or name != "end") and v is not _STEP_1 and \
                v.__class__ not in (int, float):
            _check_scalar("arange", name if end is not None else "end", v)
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    for name, v in (("start", start), ("end", end), ("step", step)):
        if v is not _STEP_1:  # (PyTorch's Scalar bounds: its OverflowError first)
            check_int_scalar(v, "arange", name if end is not None else "end")
    if end is None:
        if step is not _STEP_1:  # (PyTorch has no arange(end, step=) form)
            raise TypeError(f"arange() received an invalid combination of arguments - got (end, "
                            f"step={step!r}): a step needs a start, e.g. arange(0, end, step)")
        start, end = 0, start
    if step is _STEP_1:
        step = 1
    if step == 0 or step != step:  # (a NaN step too, as PyTorch's)
        raise RuntimeError(f"arange: step must be nonzero (got {step})")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end}; both bounds must be "
                           f"finite")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step}); use a step of the sign "
                           f"of end - start")
    if dtype is None:
        dtype = _infer_dtype([_as_python_scalar(v) for v in (start, end, step)])
    if np.dtype(_dtype.to_dtype(dtype)).kind in "iu" and not all(
            -2 ** 63 <= v < 2 ** 63 for v in (start, end, step) if v.__class__ is int):
        raise RuntimeError(f"arange: value cannot be converted to type int64_t without overflow "
                           f"(start={start}, end={end}, step={step}); an integer range's bounds "
                           f"and step must fit int64")
    n = max(int(math.ceil((end - start) / step)), 0)
    if n > _options.MAX_ELEMENTS:
        _options.element_count("arange", (n,))
    arr = _range_values.arange(start, step, n, _dtype.to_dtype(dtype))
    return _finish(arr, requires_grad, device)


def _space_args(name, start, end, steps):
    for label, v in (("start", start), ("end", end)):
        if not isinstance(v, (Tensor, int, float, complex, np.number)):  # (a list: TypeError)
            raise TypeError(f"{name}(): argument '{label}' must be a number or a 0-d Tensor, "
                            f"not {type(v).__name__}")
    _range_values.check_0d_bounds(name, start, end)
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    check_int_scalar(start, name, "start")  # (PyTorch's Scalar bounds: its OverflowError)
    check_int_scalar(end, name, "end")
    if steps.__class__ is not int:
        if _int_value(steps) is None:
            raise TypeError(f"{name}(): argument 'steps' must be int, not "
                            f"{type(steps).__name__}; pass an int (or a 0-d integer tensor)")
        steps = _int_value(steps)
    if steps < 0:
        raise RuntimeError(f"{name}(): number of steps must be non-negative, got {steps}")
    if steps > _options.MAX_ELEMENTS:
        _options.element_count(name, (steps,))
    return start, end, int(steps)


def _space_dtype(name, dtype, start=0.0, end=0.0):
    if isinstance(start, (complex, np.complexfloating)) or \
            isinstance(end, (complex, np.complexfloating)):
        # complex bounds: the default dtype's complex type, and only a complex dtype allowed
        inferred = np.complex128 if _dtype.get_default_dtype() == _dtype.float64 \
            else np.complex64
        if dtype is None:
            return _dtype.to_dtype(inferred)
        if np.dtype(_dtype.to_dtype(dtype)).kind != "c":
            raise RuntimeError(f"{name}(): inferred dtype {np.dtype(inferred).name} can't be "
                               f"safely cast to the passed dtype {_dtype.to_dtype(dtype)}; pass "
                               f"a complex dtype (e.g. dtype=torch.complex64) or real bounds")
    dt = _float_dtype(dtype)
    if np.dtype(dt).kind == "b":
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'; pass a numeric '
                                  f'dtype')
    return dt


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, with PyTorch's arithmetic (the
    same bits as ``torch.linspace``; see ``gradkit/_range_values.py``)."""
    start, end, steps = _space_args("linspace", start, end, steps)
    dt = _space_dtype("linspace", dtype, start, end)
    return _finish(_range_values.linspace(start, end, steps, dt), requires_grad, device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    """``base ** linspace(start, end, steps)``, with PyTorch's arithmetic."""
    start, end, steps = _space_args("logspace", start, end, steps)
    dt = _space_dtype("logspace", dtype, start, end)
    return _finish(_range_values.logspace(start, end, steps, float(base), dt), requires_grad,
                   device)


class _Square:
    """eye's ``m`` left out (PyTorch's ``eye(n)`` form: an ``m=None`` given is refused)."""

    __slots__ = ()

    def __repr__(self):
        return "n"


_SQUARE = _Square()


def eye(n, m=_SQUARE, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    n, m = (v if v is _SQUARE or v.__class__ is int else _int_value(v, True) or v
            for v in (n, m))  # (an integer tensor of one element: PyTorch's SymInt)
    for name, v in (("n", n), ("m", m)):
        if v is not _SQUARE and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
        if v is not _SQUARE and v < 0:
            raise RuntimeError(f"eye(): {name} must be greater or equal to 0, got {v}")
    _options.element_count("eye", (n, n if m is _SQUARE else m))
    return _finish(np.eye(n, None if m is _SQUARE else m, dtype=_float_dtype(dtype)),
                   requires_grad, device)


def _numel(shape) -> int:
    return int(np.prod(shape, dtype=np.int64)) if shape else 1


def _random_dtype(dt, kernel, name):
    from .functions.random import _no_kernel

    _no_kernel(kernel, dt, name)


def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform samples on [0, 1): PyTorch's stream (24 bits of a 32-bit draw for float32, 53 of
    a 64-bit draw for float64)."""
    if not sizes and size is None:
        raise TypeError("rand() needs its argument 'size': give the shape, e.g. rand(3, 4), "
                        "or rand(()) for a 0-d tensor")
    dt = _float_dtype(dtype)
    _random_dtype(dt, "check_uniform_bounds", "rand")
    shape = _size(_sizes(sizes, size), "rand")
    if _on_meta(device):
        return _meta_result(shape, dt, requires_grad)
    if dt.is_complex:  # as PyTorch: the real and imaginary parts, interleaved
        real = dt.to_real()
        arr = _random.uniform(_gen(generator), 2 * _numel(shape), real)
        return _finish(arr.view(dt.dtype).reshape(shape), requires_grad, device)
    arr = _random.uniform(_gen(generator), _numel(shape), dt).reshape(shape)
    return _finish(arr, requires_grad, device)


def randn(*sizes, size=None, generator=None, dtype=None, device=None,
          requires_grad=False) -> Tensor:
    """Standard normal samples: PyTorch's Box-Muller stream."""
    if not sizes and size is None:
        raise TypeError("randn() needs its argument 'size': give the shape, e.g. randn(3, 4), "
                        "or randn(()) for a 0-d tensor")
    dt = _float_dtype(dtype)
    shape = _size(_sizes(sizes, size), "randn")
    if _numel(shape):  # (PyTorch returns before its kernel's dtype dispatch when empty)
        _random_dtype(dt, "normal_kernel_cpu", "randn")
    if _on_meta(device):
        return _meta_result(shape, dt, requires_grad)
    if dt.is_complex:  # as PyTorch: normal_ of the real view with std 1/sqrt(2)
        real = dt.to_real()
        arr = _random.normal(_gen(generator), 2 * _numel(shape), real, 0.0, 1.0 / math.sqrt(2))
        return _finish(arr.view(dt.dtype).reshape(shape), requires_grad, device)
    arr = _random.normal(_gen(generator), _numel(shape), dt).reshape(shape)
    return _finish(arr, requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers in [low, high); ``randint(high, size)`` and ``randint(low, high, size)``."""
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing required argument 'size'")
    if not isinstance(size, (tuple, list)):  # (a lone int or a tensor, as PyTorch's parser)
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}; e.g. randint(0, 5, (3,))")
    if high is None:
        low, high = 0, low
    if low.__class__ is not int or high.__class__ is not int:
        low, high = _int_bound("randint", "low", low), _int_bound("randint", "high", high)
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    shape = _size((size,), "randint")
    # PyTorch's checks and bounds of random_(low, high) on the result's dtype
    low, high = _random.int_range("randint", dt, low, high)
    if _on_meta(device):
        return _meta_result(shape, dt, requires_grad)
    arr = _random.random_from_to(_gen(generator), _numel(shape), low, high)
    return _finish(arr.reshape(shape).astype(dt, copy=False), requires_grad, device)


def _int_bound(fn, name, value):
    """An int bound: a Python or NumPy integer, or a 0-d integer Tensor (PyTorch's TypeError
    for a float, a type, ...)."""
    if isinstance(value, Tensor) and _int_value(value, True) is not None:
        return _int_value(value, True)  # (one element: PyTorch's SymInt)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fn}(): argument '{name}' must be int, not {type(value).__name__}")
    return int(value)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of ``0..n-1``: PyTorch's shuffle of the same draws."""
    if n.__class__ is not int:
        n = _int_value(n, True) if _int_value(n, True) is not None else n  # (SymInt)
        int_error("randperm", "n", n)
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    if int(n) < 0:
        raise RuntimeError(f"n must be non-negative, got{int(n)}")
    _random.randperm_fits(int(n), dt)
    arr = _random.randperm(_gen(generator), int(n))
    return _finish(arr.astype(dt, copy=False), requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    """Normal samples; ``mean``/``std`` may be tensors (elementwise, broadcast) or numbers
    with ``size``.

    As PyTorch: the result has the dtype of ``mean`` when it is a tensor (else of ``std``);
    standard samples are drawn into it, multiplied by ``std`` and ``mean`` added, each step
    in the promoted dtype and rounded back (``normal_(0, std) + mean`` for a number ``std``).
    """
    if device is None:  # tensor arguments on the device: sample there
        device = next((t.device for t in (mean, std) if isinstance(t, Tensor) and t.is_cuda),
                      None)
    m = to_host(mean._data) if isinstance(mean, Tensor) else mean
    s = to_host(std._data) if isinstance(std, Tensor) else std
    if size is None:
        try:
            shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        except ValueError:
            raise RuntimeError(f"normal: mean of shape {tuple(np.shape(m))} and std of shape "
                               f"{tuple(np.shape(s))} do not broadcast together") from None
    else:
        shape = _size((size,), "normal")
    if isinstance(std, (int, float)) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if isinstance(std, Tensor) and np.size(s) and not bool(np.all(np.asarray(s) >= 0)):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if isinstance(mean, Tensor):  # the result is empty_like(mean) (of std without one)
        dt = mean.dtype
    elif isinstance(std, Tensor):
        dt = std.dtype
    elif dtype is not None:
        dt = _float_dtype(dtype)
    else:
        dt = _dtype.get_default_dtype()
    g, n = _gen(generator), _numel(shape)
    if isinstance(std, Tensor):
        arr = _random.normal(g, n, dt).reshape(shape)
        arr = _in_place(arr, np.asarray(s), np.multiply)
        if isinstance(mean, Tensor):
            arr = _in_place(arr, np.asarray(m), np.add)
        else:
            arr = _in_place(arr, np.asarray(float(m)), np.add)
    elif isinstance(mean, Tensor):
        arr = _random.normal(g, n, dt, 0.0, float(s)).reshape(shape)
        arr = _in_place(arr, np.asarray(m), np.add)
    else:
        arr = _random.normal(g, n, dt, float(m), float(s)).reshape(shape)
    return _finish(arr, requires_grad, device)


_HALF = ("float16", "bfloat16")


def _in_place(a, b, op):
    """``a.op_(b)`` as PyTorch computes it: in the promoted dtype of the two tensors (a number
    ``b``: ``a``'s dtype), rounded back to ``a``'s dtype."""
    ta, tb = a.dtype.name, b.dtype.name
    if b.ndim == 0 and b.dtype == np.float64 and ta != "float64":
        tb = ta  # a Python number does not promote a tensor
    if ta == tb:
        work = a.dtype
    elif ta in _HALF and tb in _HALF:
        work = np.dtype(np.float32)
    elif ta in _HALF or tb in _HALF:
        other = tb if ta in _HALF else ta
        work = np.dtype(other)
    else:
        work = np.promote_types(a.dtype, b.dtype)
    return op(a.astype(work), b.astype(work)).astype(a.dtype)


def _like_device(input):
    return input.device if input.is_cuda or input.is_meta else None


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """1 with probability ``input`` (or the number ``p``), in ``input``'s dtype: PyTorch's
    ``bernoulli_`` of a new row-major tensor (drawn in index order whatever the input's
    layout)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if out is not None:
        if tuple(out.shape) != tuple(input.shape):
            out.resize_(tuple(input.shape))
        target = out
    else:
        target = empty(tuple(input.shape), dtype=input.dtype, device=_like_device(input))
    return target.bernoulli_(input if p is None else p, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Indices drawn from the rows of ``input`` (weights, need not sum to 1), PyTorch's way:
    with replacement by inverting each row's cumulative sum with a 53-bit uniform; without
    replacement (or one sample) as the largest ``input / q`` with ``q ~ Exponential(1)``.
    ``out`` (an int64 tensor) is resized to the result and receives it."""
    if out is not None:
        if not isinstance(out, Tensor) or out.dtype != _dtype.int64:
            got = _dtype_title(out) if isinstance(out, Tensor) else type(out).__name__
            raise RuntimeError(f"multinomial expects Long tensor out, got: {got}")
        res = multinomial(input, num_samples, replacement, generator=generator)
        if tuple(out.shape) != tuple(res.shape):
            out.resize_(tuple(res.shape))
        return out.copy_(res)
    probs = np.asarray(to_host(input._data))
    if input.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dtype_title(input)}")
    if probs.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {probs.ndim}")
    rows = probs.reshape(-1, probs.shape[-1])
    num_samples = int(num_samples)
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > rows.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if (rows < 0).any() or not np.isfinite(rows).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    g = _gen(generator)
    empty_rows = np.flatnonzero(rows.sum(-1) <= 0)
    if empty_rows.size:
        if replacement and num_samples > 1:  # PyTorch samples the rows before it first
            _random.uniform(g, int(empty_rows[0]) * num_samples, np.float64)
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    dt = rows.dtype if rows.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    if not replacement or num_samples == 1:
        # PyTorch's exponential_ of empty_like(input): drawn in the input's memory order
        q = _random.in_memory_order(_random.exponential(g, rows.size), probs)
        q = q.astype(rows.dtype).reshape(rows.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = (rows / q).astype(rows.dtype, copy=False)
        if num_samples == 1:
            res = np.argmax(q, axis=-1)[:, None]
        else:  # topk, with the order its partial sort leaves on ties (zero weights)
            from .functions.sorting import _topk_order

            res = _topk_order(q, 1, num_samples, True, True)
    else:
        res = np.empty((rows.shape[0], num_samples), dtype=np.int64)
        for i, row in enumerate(rows.astype(dt, copy=False)):
            cum = np.cumsum(row, dtype=dt)
            cum = (cum / cum[-1]).astype(dt, copy=False)
            cum[-1] = 1
            u = _random.uniform(g, num_samples, np.float64)
            res[i] = np.searchsorted(cum, u, side="left")
    res = np.ascontiguousarray(res, dtype=np.int64)  # (not a view of the sorted indices)
    return _finish(res.reshape(probs.shape[:-1] + (num_samples,)), False, _like_device(input))


def _like_input(input, fn, layout=None, pin_memory=False):
    if not isinstance(input, Tensor):  # PyTorch's argument parser: a Tensor only
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    _options.options(fn, layout_=layout, pin_memory=pin_memory)


def _like(fn):
    def like(input, *, dtype=None, device=None, requires_grad=False,
             memory_format=_mf.preserve_format, layout=None, pin_memory=False, **kw):
        _like_input(input, fn.__name__ + "_like", layout, pin_memory)
        dt = input.dtype if dtype is None else dtype
        dev = device if device is not None else (input.device if input.is_cuda or input.is_meta
                                                 else None)
        if fn in (rand, randn) and set(kw) <= {"generator"}:
            # a strided result is filled in its memory order (PyTorch's empty_like, then
            # uniform_/normal_ through its strides)
            out = _in_format(empty(tuple(input.shape), dtype=_float_dtype(dt), device=dev),
                             memory_format, input, fn.__name__ + "_like")
            if isinstance(out._data, np.ndarray) and not out._data.flags.c_contiguous:
                (out.uniform_ if fn is rand else out.normal_)(**kw)
                return out.requires_grad_(requires_grad)
        out = fn(tuple(input.shape), dtype=dt, device=dev, requires_grad=requires_grad, **kw)
        return _in_format(out, memory_format, input, fn.__name__ + "_like")

    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"``{fn.__name__}`` with the shape (and by default dtype) of ``input``."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
rand_like = _like(rand)
randn_like = _like(randn)


def _in_format(out: Tensor, fmt, like, op: str) -> Tensor:
    """``out`` (a fresh tensor) laid out in memory format ``fmt``; ``preserve_format`` takes
    the layout of ``like`` when that is dense and not row-major (PyTorch's rule)."""
    if fmt is None:  # (PyTorch's Optional[memory_format]: None is preserve_format)
        fmt = _mf.preserve_format
    _mf.check(fmt, op)
    if fmt is _mf.contiguous_format or not _is_host(out._data):
        return out
    if fmt is _mf.preserve_format:
        src = None if like is None else like._data
        if src is None or not _is_host(src) or src.flags.c_contiguous \
                and not _mf.exact_channels_last(src):
            return out
        # keeps like's order of strides (real or complex, either way round)
        arr = _mf.preserved(_plain(src), out._data.dtype).view(type(out._data))
        arr[...] = out._data
    else:
        arr = _mf.copy_as(np, out._data, fmt, op)
    out._data = arr
    return out


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=_mf.preserve_format, layout=None, pin_memory=False) -> Tensor:
    _like_input(input, "full_like", layout, pin_memory)
    out = full(tuple(input.shape), fill_value, dtype=input.dtype if dtype is None else dtype,
               device=device if device is not None else _like_device(input),
               requires_grad=requires_grad)
    return _in_format(out, memory_format, input, "full_like")


def randint_like(input, low=0, high=None, *, dtype=None, device=None, generator=None,
                 requires_grad=False, memory_format=_mf.preserve_format, layout=None,
                 pin_memory=False) -> Tensor:
    """Integers in ``[low, high)`` with the shape (and by default dtype and layout) of
    ``input``: PyTorch's ``empty_like(input).random_(low, high)``, drawn in the result's
    memory order."""
    _like_input(input, "randint_like", layout, pin_memory)
    if high is None:
        low, high = 0, low
    dt = input.dtype if dtype is None else dtype
    dev = device if device is not None else _like_device(input)
    out = _in_format(empty(tuple(input.shape), dtype=dt, device=dev), memory_format, input,
                     "randint_like")
    if out.is_meta or not isinstance(out._data, np.ndarray):
        drawn = randint(low, high, tuple(input.shape), dtype=dt, generator=generator,
                        device=dev)
        return drawn.requires_grad_(requires_grad) if requires_grad else drawn
    out.random_(low, high, generator=generator)
    return out.requires_grad_(requires_grad) if requires_grad else out


# ------------------------------------------------------------------ range, strided empties
_builtin_range = range


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False) -> Tensor:
    """The deprecated ``torch.range``: ``start, start + step, ...`` up to ``end`` included, in
    the default float dtype unless ``dtype`` is given (warns, as PyTorch: use ``arange``)."""
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    for name, v in (("start", start), ("end", end), ("step", step)):
        if isinstance(v, Tensor) and v.ndim == 0:  # (a number; a 1-element 1-D tensor is not)
            v = v.item()
        if not isinstance(v, (int, float, np.number)):  # (the parser's, before the warning)
            raise TypeError(f"range(): argument '{name}' must be Number, not "
                            f"{type(v).__name__}; pass a number or a 0-d tensor")
    warn("torch.range is deprecated and will be removed in a future release because its "
         "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, which "
         "produces values in [start, end).")
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step != step:  # (a NaN step, before any integer conversion, as PyTorch's)
        raise RuntimeError("step must be nonzero (got nan)")
    dt = _float_dtype(dtype if dtype is not None or out is None else out.dtype)
    if np.dtype(dt).kind in "iub":  # integral: the bounds in int64, as PyTorch's accscalar
        start, end, step = int(start), int(end), int(step)
    start, end, step = float(start), float(end), float(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start:g} -> {end:g}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int(math.trunc((end - start) / step)) + 1
    if n > _options.MAX_ELEMENTS:
        _options.element_count("range", (n,))
    _options.layout("range", layout)
    res = _finish(_range_values.range_values(start, step, n, dt), requires_grad, device)
    if out is not None:
        from .functions._registry import write_out

        return write_out(out, res, "range")
    return res


def _stride_list(v, name, arg, pos):
    if isinstance(v, Tensor) or not isinstance(v, (list, tuple)) or any(
            isinstance(e, bool) or not isinstance(e, (int, np.integer)) for e in v):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be tuple of ints, "
                        f"not {type(v).__name__}")
    return tuple(int(e) for e in v)


def _strided_zeros(size, stride, dt, name):
    """A zero-filled array of shape ``size`` with element strides ``stride`` over a storage
    just large enough (PyTorch's memory is uninitialised; gradkit's is zeros)."""
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(n < 0 for n in size) or any(s < 0 for s in stride):  # (the sizes first)
        raise RuntimeError(f"{name}(): Trying to create tensor with negative dimension "
                           f"{min(size)}: {list(size)}; sizes are >= 0" if min(size) < 0 else
                           f"Storage size calculation overflowed with sizes={list(size)} and "
                           f"strides={list(stride)}")
    n = 0 if any(k == 0 for k in size) else 1 + sum((k - 1) * s for k, s in zip(size, stride))
    buf = np.zeros(n, dtype=dt)
    if n == 0:
        return np.zeros(size, dtype=dt)
    isz = buf.itemsize
    return np.ndarray(size, dt, buffer=buf, strides=tuple(s * isz for s in stride))


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False) -> Tensor:
    """A tensor of shape ``size`` with element strides ``stride`` (its storage just holds it);
    PyTorch leaves the values uninitialised, gradkit fills zeros."""
    _options.options("empty_strided", layout_=layout, pin_memory=pin_memory,
                     requires_grad=requires_grad)
    size = _stride_list(size, "empty_strided", "size", 1)
    stride = _stride_list(stride, "empty_strided", "stride", 2)
    return _finish(_strided_zeros(size, stride, _float_dtype(dtype), "empty_strided"),
                   requires_grad, device)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False) -> Tensor:
    """An uninitialised (here zero) tensor of shape ``size`` laid out in memory in the dim order
    ``physical_layout`` (outermost first): ``empty(size permuted).permute(inverse)``."""
    _options.options("empty_permuted", layout_=layout, pin_memory=pin_memory,
                     requires_grad=requires_grad)
    size = _stride_list(size, "empty_permuted", "size", 1)
    perm = _stride_list(physical_layout, "empty_permuted", "physical_layout", 2)
    if len(size) != len(perm):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the "
                           f"physical_layout; i.e. len(size) = {len(size)} is not equal to "
                           f"len(physical_layout) = {len(perm)}")
    if sorted(p % len(size) if len(size) else p for p in perm) != list(_builtin_range(len(size))):
        raise RuntimeError("Duplicate dim not allowed")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(size)}: {list(size)}")
    stride, step = [0] * len(size), 1
    for p in reversed(perm):
        stride[p] = step
        step *= max(size[p], 1)
    return _finish(_strided_zeros(size, tuple(stride), _float_dtype(dtype), "empty_permuted"),
                   requires_grad, device)


# ------------------------------------------------------------------ counts
def poisson(input, generator=None) -> Tensor:
    """A Poisson sample for each rate in ``input`` (a floating tensor, rates >= 0), in its
    dtype: PyTorch's CPU sampler on gradkit's generator (the same numbers after the same
    seed). Not differentiable."""
    from ._random_counts import poisson as _poisson

    if not isinstance(input, Tensor):
        raise TypeError(f"poisson(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for "
                                  f"'{_dtype_title(input)}'; convert the rates with .float()")
    out = _poisson(_gen(generator), np.asarray(to_host(input._data)))
    return _finish(out.astype(input._data.dtype), False, _like_device(input))


def binomial(count, prob, generator=None) -> Tensor:
    """A binomial sample of ``count`` trials with success probability ``prob`` (broadcast to
    ``count``'s shape; both floating, the same dtype), in ``count``'s dtype: PyTorch's CPU
    sampler on gradkit's generator (the same numbers after the same seed). Not
    differentiable."""
    from ._random_counts import binomial as _binomial

    for pos, name, v in ((1, "count", count), (2, "prob", prob)):
        if not isinstance(v, Tensor):
            raise TypeError(f"binomial(): argument '{name}' (position {pos}) must be Tensor, "
                            f"not {type(v).__name__}")
    for name, v in (("count", count), ("prob", prob)):
        if v._data.dtype.kind != "f":
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: "
                             f"{_dtype_title(v)}")
    if prob._data.dtype != count._data.dtype:
        raise RuntimeError(f"Found dtype {_dtype_title(prob)} but expected "
                           f"{_dtype_title(count)}")
    if count._data.dtype.itemsize < 4:
        raise NotImplementedError(f"\"binomial_cpu\" not implemented for "
                                  f"'{_dtype_title(count)}'")
    c = np.asarray(to_host(count._data))
    p = np.asarray(to_host(prob._data))
    try:
        np.broadcast_to(p, c.shape)
    except ValueError:
        raise RuntimeError(f"binomial(): prob of shape {tuple(p.shape)} does not broadcast to "
                           f"count's shape {tuple(c.shape)}") from None
    out = _binomial(_gen(generator), c, p)
    return _finish(out.astype(c.dtype), False, _like_device(count))


def _dtype_title(t) -> str:
    return {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(np.dtype(t._data.dtype).name, str(t.dtype))

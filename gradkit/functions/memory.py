"""Memory: copies and conversions (``clone``, ``copy_``, ``to``, ``float()``, ...), ``fill_``/
``zero_``, ``detach`` and the ``new_*`` factories of Tensor."""

from __future__ import annotations

import numpy as np

from .. import _dtype, _options, factories
from .. import _memory_format as _mf
from .._tensor.record import (
    apply1,
    check_broadcast,
    check_inference_write,
    inplace,
    write_error,
)
from .._tensor.tensor import Size, Tensor, _shape_arg, as_tensor_arg, wrap
from ..autograd import grad_mode
from ..autograd.graph import FORWARD, rename
from ..device import Device, _parse_device_dtype, _to_namespace_of, same_device
from ..ops import elementwise as E
from ..ops import memory as M
from ._args import (
    NotATensorError,
    _check_fill_value,
    _missing_arg,
    _t,
    _tensor_operands,
    _tensors_only,
)
from ._registry import declare, tensor_method

__all__ = ["clone", "detach", "detach_", "fill", "is_inference", "is_same_size", "is_signed",
           "numel", "zero_", "zeros_like_grad"]


@declare(method=False, differentiable=False)
def numel(input) -> int:
    """The number of elements."""
    return _t(input).numel()


@declare()
def clone(input, *, memory_format=_mf.preserve_format):
    """A copy with its own storage; differentiable. Its layout is ``memory_format``'s; the
    default, PyTorch's preserve_format, keeps a transposed or permuted input's order of strides
    (``x.t().clone()`` is column-major, as in PyTorch); use ``contiguous()`` for a row-major
    copy."""
    if memory_format is _mf.preserve_format or memory_format is None:  # (None: PyTorch's too)
        return apply1(M.CLONE_KEEP, _t(input))
    return apply1(M.CLONE_AS, _t(input), (_mf.check(memory_format, "clone"),))


@declare(method=False, differentiable=False)
def detach(input):
    """The same storage, out of the graph."""
    return _t(input).detach()


@declare(method=False)
def zeros_like_grad(x):
    return wrap(np.zeros_like(x._data))


# ------------------------------------------------------------------ conversions
@tensor_method()
def to(self, *args, **kwargs):
    """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(other)``,
    ``to(device, dtype)``; differentiable."""
    copy = False
    if args and args[0].__class__ in (float, bool, complex):
        # a Python number is to(other) of its 0-d tensor (PyTorch wraps it: float64, bool,
        # complex128); an int is a device index
        args = (_dtype.float64 if args[0].__class__ is float else _dtype.bool
                if args[0].__class__ is bool else _dtype.complex128,) + args[1:]
    elif args and isinstance(args[0], (np.floating, np.complexfloating, np.bool_)):
        # (PyTorch reads a NumPy number but an integer as a Python float: float64)
        args = (_dtype.float64,) + args[1:]
    if kwargs or len(args) > 1:
        args, copy = _to_flags(args, kwargs)
    device, dtype = _parse_device_dtype(args, kwargs)
    t = self
    if device is not None and not same_device(device, self.device):
        t = apply1(M.TO_DEVICE, t, (Device(device), t.device))
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype)
        if dtype.dtype != t._data.dtype:
            if t.requires_grad and dtype.kind not in "fc":
                return wrap(t._data.astype(dtype))
            # (to a complex dtype: the cast that makes complex data, gradkit/_complex.py)
            t = apply1(E.CAST if not dtype.is_complex else E.CAST.complex, t,
                       (dtype, t._data.dtype))
    fmt = kwargs.get("memory_format")
    if fmt is not None and _mf.check(fmt, "to") is not _mf.preserve_format \
            and (not _mf.is_in(t._data, fmt) or fmt is not _mf.contiguous_format
                 and _mf.suggest(t._data) is not fmt):
        # (PyTorch's to() keeps the tensor where its suggested format is the one asked: a
        # one-channel row-major tensor is copied to channels-last strides)
        return apply1(M.CLONE_AS, t, (fmt,))
    if copy and t is self:
        t = clone(t)
    return t


_TO_KEYWORDS = frozenset({"device", "dtype", "non_blocking", "copy", "memory_format"})


def _to_flags(args, kwargs):
    """``to``'s positionals without its flags, and ``copy``: PyTorch's forms are ``to(dtype,
    non_blocking, copy)``, ``to(device, dtype, non_blocking, copy)`` and ``to(other,
    non_blocking, copy)``, each flag a bool (TypeError for ``to(float64, 1)``, ``copy='x'``,
    an unknown keyword)."""
    for k in kwargs:
        if k not in _TO_KEYWORDS:
            raise TypeError(f"to() got an unexpected keyword argument '{k}'")
    flags = {k: kwargs[k] for k in ("non_blocking", "copy") if k in kwargs}
    if len(args) > 1:
        first = args[0]
        device_first = isinstance(first, (Device, str)) or (
            isinstance(first, (int, np.integer)) and not isinstance(first, (bool, np.bool_)))
        n = 2 if device_first and not isinstance(args[1], bool) else 1
        if len(args) - n > 2:
            raise TypeError(f"to() takes at most {n + 2} positional arguments ({len(args)} "
                            f"given)")
        for name, value in zip(("non_blocking", "copy"), args[n:]):
            if name in flags:
                raise TypeError(f"to() got multiple values for argument '{name}'")
            flags[name] = value
        args = args[:n]
    for name, value in flags.items():
        _options.flag("to", name, value, optional=False)
    _options.memory_format("to", kwargs.get("memory_format"))
    return args, flags.get("copy", False)


@tensor_method("type")
def _type(self, dtype=None):
    if dtype is None:
        return str(self.dtype)
    return to(self, dtype)


def _conversion(name, target):
    def convert(self, memory_format=_mf.preserve_format):
        if memory_format is None or memory_format is _mf.preserve_format:
            return to(self, target)
        return to(self, target, memory_format=_options.memory_format(name, memory_format))

    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"``self.to({target!r})``."
    return tensor_method(name)(convert)


for _name, _target in (("float", _dtype.float32), ("double", _dtype.float64),
                       ("half", _dtype.float16), ("long", _dtype.int64), ("int", _dtype.int32),
                       ("bool", _dtype.bool), ("cpu", "cpu")):
    _conversion(_name, _target)


@tensor_method()
def bfloat16(self, memory_format=_mf.preserve_format):
    """``self.to(gradkit.bfloat16)`` (needs ml_dtypes: the ``bf16`` extra)."""
    if memory_format is None or memory_format is _mf.preserve_format:
        return to(self, _dtype._load_bfloat16())
    return to(self, _dtype._load_bfloat16(),
              memory_format=_options.memory_format("bfloat16", memory_format))


@tensor_method()
def cuda(self, device=None):
    return to(self, "cuda" if device is None else f"cuda:{int(device)}")


def _copy_shape_check(self, src):
    """copy_'s shape errors, PyTorch's: sizes that do not broadcast, or a src that broadcasts
    with self to a larger shape than self's."""
    check_broadcast(self, src, "copy_")
    big = np.broadcast_shapes(tuple(self.shape), tuple(src.shape))
    if big != tuple(self.shape):
        raise RuntimeError(f"copy_(): output with shape {list(self.shape)} doesn't match the "
                           f"broadcast shape {list(big)}: src of shape {tuple(src.shape)} must "
                           f"broadcast to self's shape") from None


# ------------------------------------------------------------------ writes
@tensor_method()
def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor
    (``non_blocking``: PyTorch's asynchronous copy between devices; copies here are
    synchronous)."""
    _options.flag("copy_", "non_blocking", non_blocking, optional=False)
    if src.__class__ is not Tensor:
        if isinstance(src, (int, float, complex, np.number, np.bool_)):
            # a Python or NumPy number: PyTorch's copy_ takes it as a 0-d tensor (a fill)
            src = wrap(np.asarray(src))
        _tensor_operands("copy_", (1, "src", src))
        src = as_tensor_arg(src, name="src")
    check_inference_write(self, "copy_")
    if self.requires_grad or src.requires_grad or FORWARD[0] is not None:
        if src.shape != self.shape:
            _copy_shape_check(self, src)
        return inplace(self, M.COPY, src)
    arr = src._data
    if type(arr) is not type(self._data):
        arr = _to_namespace_of(arr, self._data)
    try:
        self._data[...] = arr
    except ValueError:
        err = write_error(self, "copy_")
        if err is not None:
            raise err from None
        _copy_shape_check(self, src)
        raise
    self._vc[0] += 1
    return self


def _fill_value(value, dt):
    """``value`` as PyTorch's checked conversion to ``dt`` writes it: a float must lie in an
    integer dtype's range (and be finite), an int too (unsigned types also take down to
    ``-max``, which wraps); a float16 value within its range; a complex one into a complex
    tensor only."""
    if isinstance(value, (complex, np.complexfloating)):
        _check_fill_value(value, dt, "fill_")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return value
    if dt.kind in "iu" and isinstance(value, (float, np.floating)):
        info = np.iinfo(dt)
        if not (np.isfinite(value) and int(info.min) <= value <= int(info.max)):
            raise RuntimeError(f"fill_(): value cannot be converted to type {dt} without "
                               f"overflow (got {value!r}); pass a value in the tensor's range")
        return int(value)
    _check_fill_value(value, dt, "fill_")
    if dt.kind == "u" and value < 0:
        return int(value) + int(np.iinfo(dt).max) + 1
    return value


def fill_(self, value):
    """Fill with ``value`` (a number or a 0-d Tensor, then differentiable)."""
    out = _fill(self, value)
    if out._grad_fn is not None:  # PyTorch's in-place overloads (Scalar, Tensor)
        rename(out, "FillBackward3" if isinstance(value, Tensor) else "FillBackward2")
    return out


def _fill(self, value):
    self = _t(self)
    check_inference_write(self, "fill_")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        if (value.requires_grad and grad_mode.STATE[0]) or FORWARD[0] is not None:
            return inplace(self, M.FILL_T, value)
        value = value.item()
    value = _fill_value(value, self._data.dtype)
    if (self.requires_grad and grad_mode.STATE[0]) or FORWARD[0] is not None:
        return inplace(self, M.FILL, None, (value,), name="fill_")
    try:
        self._data.fill(value)
    except ValueError:
        err = write_error(self, "fill_")
        if err is None:
            raise
        raise err from None
    self._vc[0] += 1
    return self


@declare(method=False, inplace=fill_)
def fill(input, value):
    """A copy of ``input`` filled with ``value`` (a number or a 0-d Tensor, then
    differentiable); ``fill_`` fills ``input`` itself."""
    x = _t(input)
    if not isinstance(value, (Tensor, bool, int, float, np.number)):
        raise TypeError(f"fill() received an invalid combination of arguments - got "
                        f"(Tensor, {type(value).__name__}); value must be a number or a 0-d "
                        f"Tensor")
    return _fill(clone(x), value)


@declare(differentiable=False)
def zero_(input):
    """Fill ``input`` with zeros, in place (recorded: the gradient through it is zero; the
    registry's checks of gradients cannot run an in-place op on a leaf)."""
    return _fill(input, 0)


# ------------------------------------------------------------------ new_* factories
def _new_factory(name):
    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
            pin_memory=False):
        if not size:
            raise TypeError(f'new_{name}() missing 1 required positional arguments: "size"; '
                            f'pass the shape, e.g. x.new_{name}((2, 3))')
        _options.options("new_" + name, layout_=layout, pin_memory=pin_memory,
                         requires_grad=requires_grad)
        return getattr(factories, name)(*size, dtype=self.dtype if dtype is None else dtype,
                                        device=self.device if device is None else device,
                                        requires_grad=requires_grad)

    new.__name__ = new.__qualname__ = "new_" + name
    new.__doc__ = f"``{name}`` with this tensor's dtype and device unless given."
    return tensor_method("new_" + name)(new)


for _name in ("zeros", "ones", "empty"):
    _new_factory(_name)


@tensor_method()
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    _options.options("new_full", layout_=layout, pin_memory=pin_memory,
                     requires_grad=requires_grad)
    return factories.full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                          device=self.device if device is None else device,
                          requires_grad=requires_grad)


@tensor_method()
def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False,
                      layout=None, pin_memory=False):
    """``empty_strided`` with this tensor's dtype and device unless given."""
    _options.options("new_empty_strided", layout_=layout, pin_memory=pin_memory,
                     requires_grad=requires_grad)
    return factories.empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype,
                                   device=self.device if device is None else device,
                                   requires_grad=requires_grad)


@tensor_method()
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    _options.options("new_tensor", requires_grad=requires_grad)
    return factories.tensor(data, dtype=self.dtype if dtype is None else dtype,
                            device=self.device if device is None else device,
                            requires_grad=requires_grad)


@tensor_method()
def new(self, *args, device=None):
    """The legacy constructor (older model code: ``w.new().resize_(n, 1)``, ``x.new(3, 4)``):
    no argument gives an empty tensor, ints or a ``Size`` an uninitialised one of that shape, a
    list/tuple a tensor of that data, all of this tensor's dtype and device, never requiring
    grad. PyTorch takes no ``dtype`` here (use ``new_empty``/``new_tensor``)."""
    device = device or self.device
    if self.is_sparse:  # a sparse tensor's: a sparse one (``grad.new(indices, values, size)``)
        from ..sparse import _ops as _sparse

        if len(args) in (2, 3) and all(isinstance(a, Tensor) for a in args[:2]):
            return _sparse.sparse_coo_tensor(*args, check_invariants=False)
        size = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (Size, tuple, list)) \
            else (args or (0,))
        return _sparse.sparse_coo_tensor(size=size, dtype=self.dtype, check_invariants=False)
    if not args:
        return factories.empty(0, dtype=self.dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        other = args[0]
        if other.dtype != self.dtype:
            raise TypeError(f"new(): expected a tensor of dtype {self.dtype} (this tensor's), "
                            f"got {other.dtype}; use new_tensor(other) to convert")
        return other.detach()
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args) or \
            (len(args) == 1 and isinstance(args[0], Size)):
        shape = tuple(args[0]) if isinstance(args[0], Size) else args
        if any(int(d) < 0 for d in shape):
            raise RuntimeError(f"new(): Trying to create tensor with negative dimension "
                               f"{min(int(d) for d in shape)}: {[int(d) for d in shape]}")
        return factories.empty(tuple(shape), dtype=self.dtype, device=device)
    if len(args) == 1 and isinstance(args[0], (list, tuple)) or \
            len(args) == 1 and type(args[0]).__module__ == "numpy":
        return factories.tensor(args[0], dtype=self.dtype, device=device)
    got = ", ".join(type(a).__name__ for a in args)
    if len(args) == 1:
        raise TypeError(f"new(): data must be a sequence (got {got})")
    raise TypeError(f"new() received an invalid combination of arguments - got ({got}); "
                    f"expected (), (Tensor other), (int... size) or (sequence data), each with "
                    f"an optional device= keyword")


del _name, _target


for _name, _target in (("short", _dtype.int16), ("char", _dtype.int8), ("byte", _dtype.uint8)):
    _conversion(_name, _target)
del _name, _target
# (no bfloat16(): NumPy has no bfloat16 dtype, so gradkit has none)


@tensor_method()
def type_as(self, other):
    """This tensor converted to ``other``'s dtype."""
    if other.__class__ is not Tensor:
        _tensors_only("type_as", (1, "other", other))
        _tensor_operands("type_as", (1, "other", other))
    return to(self, other.dtype)


@tensor_method()
def resize_(self, *sizes, memory_format=None):
    """Change the shape in place: the first elements are kept (in row-major order); new ones
    are uninitialised (zeros here). Refused for a tensor that requires grad, as PyTorch."""
    if not sizes:
        _missing_arg("resize_", "size", "give the new shape, e.g. x.resize_(2, 3)")
    if memory_format is not None:
        _options.memory_format("resize_", memory_format)
    shape = _shape_arg(sizes, "resize_")
    if any(s < 0 for s in shape):
        raise RuntimeError(f"resize_(): Trying to create tensor with negative dimension: "
                           f"{list(shape)}")
    if self.requires_grad:
        raise RuntimeError("resize_(): cannot resize variables that require grad; detach() "
                           "the tensor or resize a copy")
    n = 1
    for s in shape:  # (Python ints: np.prod would wrap around past 2**63)
        n *= s
    if n * self._data.dtype.itemsize >= 2 ** 63:
        raise RuntimeError(f"resize_(): Storage size calculation overflowed with sizes="
                           f"{list(shape)}; no tensor can hold {n} elements")
    if n > self._data.size:
        _options.element_count("resize_", shape)
    a = self._data
    flat = a.reshape(-1)
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    off = self.storage_offset()
    if n <= flat.size and a.flags.c_contiguous:
        seg = flat[:n]
    elif (type(a) is np.ndarray and root is not a and root.flags.c_contiguous
          and root.dtype == a.dtype and off + n <= root.size):
        # a view that is not contiguous: PyTorch keeps its storage and reads the elements in
        # storage order from the view's offset (not the view's own order)
        seg = root.reshape(-1)[off:off + n]
    else:
        seg = np.zeros(n, dtype=self._data.dtype) if type(self._data) is np.ndarray else \
            self._data.__class__(n, dtype=self._data.dtype)
        k = min(n, flat.size)
        seg[:k] = flat[:k]
    rank = {_mf.channels_last: 4, _mf.channels_last_3d: 5}.get(memory_format)
    if rank is not None and len(shape) == rank:  # the storage in (N, *spatial, C) order
        last = (shape[0],) + tuple(shape[2:]) + (shape[1],)
        self._data = seg.reshape(last).transpose((0, rank - 1) + tuple(range(1, rank - 1)))
    else:
        self._data = seg.reshape(shape)
    self._vc[0] += 1
    return self


@declare(method=False, differentiable=False)
def resize_as_(input, the_template, *, memory_format=None):
    """``input.resize_(the_template.shape)``."""
    if memory_format is not None:
        _options.memory_format("resize_as_", memory_format)
    if not isinstance(the_template, Tensor):
        raise TypeError(f"resize_as_(): argument 'the_template' (position 1) must be Tensor, "
                        f"not {type(the_template).__name__}")
    return resize_(_t(input), tuple(the_template.shape))


tensor_method("resize_as_")(resize_as_)
tensor_method("resize_as_")(resize_as_)


@tensor_method()
def set_(self, source=None, storage_offset=0, size=None, stride=None):
    """Make this tensor the tensor ``source`` (its memory, shape and strides: writes through
    either show in both), or a window ``(storage_offset, size, stride)`` on a storage;
    ``x.set_()`` empties it. As PyTorch, the dtypes must agree, and a leaf that requires grad
    is refused outside ``no_grad`` (geoopt writes projected points with ``p.set_(proj(p))``).
    Differs from PyTorch: a ``source`` that requires grad is refused under grad mode (PyTorch
    records a node whose backward is not implemented)."""
    from .._storage import TypedStorage, UntypedStorage, storage_array

    if self._grad_fn is None and self.requires_grad and grad_mode.STATE[0]:
        raise RuntimeError("set_(): a leaf Variable that requires grad is being used in an "
                           "in-place operation; call it under torch.no_grad() (or on .data)")
    check_inference_write(self, "set_")
    np_dtype = self._data.dtype
    if source is None:
        data = self._data[:0].reshape(0) if self._data.size == 0 else self._data.reshape(-1)[:0]
    elif isinstance(source, Tensor):
        if source._data.dtype != np_dtype:
            raise RuntimeError(f"set_(): Could not set tensor of type {source.dtype} to a tensor "
                               f"of type {self.dtype}; convert the source first with "
                               f".to({self.dtype})")
        if source.requires_grad and grad_mode.STATE[0]:
            raise RuntimeError("set_(): the source requires grad, and set_ is not "
                               "differentiable: pass source.detach() or call it under "
                               "torch.no_grad()")
        if storage_offset != 0 or size is not None or stride is not None:
            raise TypeError("set_(): a Tensor source takes no storage_offset, size or stride; "
                            "use source.as_strided(size, stride, storage_offset)")
        data = source._data
    elif isinstance(source, (TypedStorage, UntypedStorage)):
        flat = storage_array(source, self.dtype)
        if size is None:
            size = (flat.size - storage_offset,)
        size = tuple(int(s) for s in size)
        if stride is None:
            stride, step = [], 1
            for s in reversed(size):
                stride.insert(0, step)
                step *= max(s, 1)
        item = np_dtype.itemsize
        need = storage_offset + sum((n - 1) * st for n, st in zip(size, stride)) + 1
        if any(n == 0 for n in size):
            need = 0
        if storage_offset < 0 or need > flat.size:
            raise RuntimeError(f"set_(): a window of size {list(size)}, stride {list(stride)} "
                               f"and offset {storage_offset} needs {need} elements; the storage "
                               f"holds {flat.size}")
        data = np.lib.stride_tricks.as_strided(
            flat[storage_offset:], shape=size, strides=tuple(st * item for st in stride))
    else:
        raise TypeError(f"set_() received an invalid combination of arguments - got "
                        f"({type(source).__name__}), but expected one of: (), (Tensor source), "
                        f"(Storage source, int storage_offset, tuple of ints size, tuple of ints "
                        f"stride)")
    self._data = data
    self._vc[0] += 1
    return self


# ------------------------------------------------------------------ function faces of methods
@declare(method=False, differentiable=False)
def detach_(input):
    """Detach ``input`` from the graph, in place (it becomes a leaf)."""
    return _t(input).detach_()


@declare(method=False, differentiable=False)
def is_inference(input) -> bool:
    """Whether ``input`` was created under ``inference_mode``."""
    return _t(input).is_inference()


@declare(method=False, differentiable=False)
def is_same_size(input, other) -> bool:
    """Whether ``input`` and ``other`` have the same shape."""
    return _t(input).is_same_size(_t(other, "other"))


@declare(method=False, differentiable=False)
def is_signed(input) -> bool:
    """Whether ``input``'s dtype is signed (floating or signed integer)."""
    return _t(input).is_signed()


# ------------------------------------------------------------------ the deprecated resize/resize_as
def _deprecated_resize(name):
    from .._warnings import warn

    warn(f"non-inplace {name} is deprecated")


def _resize_to(self, sizes, name):
    _deprecated_resize(name)
    n = 1
    for s in sizes:
        n = n * s
    if isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n == self.numel():
        return self.reshape(tuple(int(s) for s in sizes))
    shown = "x".join(str(s) for s in sizes)
    have = "x".join(str(s) for s in self.shape)
    raise RuntimeError(f"requested resize to {shown} ({n} elements in total), but the given "
                       f"tensor has a size of {have} ({self.numel()} elements). autograd's "
                       f"resize can only change the shape of a given tensor, while preserving "
                       f"the number of elements. ")


@tensor_method()
def resize(self, *sizes):
    """The deprecated out-of-place ``resize``: a reshape to ``sizes`` (the same number of
    elements), with PyTorch's warning; ``resize_`` changes the tensor itself."""
    return _resize_to(self, sizes, "resize")


@tensor_method()
def resize_as(self, tensor):
    """The deprecated out-of-place ``resize_as``: ``resize(*tensor.shape)``."""
    if not isinstance(tensor, Tensor):  # (PyTorch's Python-level method: its AttributeError,
        # after its warning)
        _deprecated_resize("resize_as")
        raise NotATensorError(f"resize_as(): argument 'tensor' must be a Tensor, not "
                              f"{type(tensor).__name__} (PyTorch raises AttributeError here)")
    return _resize_to(self, tuple(tensor.shape), "resize_as")


# ------------------------------------------------------------------ Python callables per element
def _python_scalar(value, kind, name):
    """``value`` (what the user's callable returned) as the Python number a tensor of dtype kind
    ``kind`` stores: PyTorch takes anything with ``__float__``/``__complex__`` and refuses the
    rest with a TypeError."""
    if kind == "c":
        if isinstance(value, (str, bytes)) or not hasattr(type(value), "__complex__") and \
                not hasattr(type(value), "__float__"):
            raise TypeError(f"{name}(): the callable must return a number, not "
                            f"{type(value).__name__}")
        return complex(value)
    if isinstance(value, (complex, np.complexfloating)) or isinstance(value, (str, bytes)) or \
            not hasattr(type(value), "__float__"):
        raise TypeError(f"{name}(): the callable must return a real number for a real tensor, "
                        f"not {type(value).__name__}")
    if kind == "b":
        return bool(value)
    if kind in "iu":
        if isinstance(value, (int, np.integer)):
            return int(value)
        return int(float(value))
    return float(value)


def _per_element(name, self, others, fn):
    """Replace each element of ``self`` by ``fn(element, *elements of others)``, in place, the
    elements given as Python numbers (``apply_``, ``map_``, ``map2_``)."""
    if not callable(fn):
        raise TypeError(f"{name}(): 'callable' must be a callable, not {type(fn).__name__}")
    if self.requires_grad or any(o.requires_grad for o in others):
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    kind = np.dtype(self._data.dtype).kind if self.dtype not in (_dtype.bfloat16,) else "f"
    columns = [np.asarray(self.tolist(), dtype=object).reshape(-1)]
    for o in others:
        columns.append(np.asarray(o.expand(self.shape).tolist(), dtype=object).reshape(-1))
    values = [_python_scalar(fn(*args), kind, name) for args in zip(*columns)]
    store = {"c": np.complex128, "b": np.bool_, "f": np.float64}.get(kind, np.int64)
    try:
        result = np.array(values, dtype=store).reshape(tuple(self.shape))
    except OverflowError:
        raise ValueError(f"{name}(): a value returned by the callable does not fit in "
                         f"{self.dtype}") from None
    return self.copy_(wrap(result))


@tensor_method()
def apply_(self, callable):
    """Replace every element ``v`` by ``callable(v)`` (a Python number in, a number out), in
    place; slow by nature, and refused on a tensor that requires grad, as in PyTorch."""
    return _per_element("apply_", self, (), callable)


def _same_type_tensor(self, other, name, position, arg):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not "
                        f"{type(other).__name__}")
    if other.dtype != self.dtype:
        raise TypeError(f"{name}: expected {self.type()} for '{arg}' (got {other.type()}); "
                        f"convert it first, e.g. {arg}.to(self.dtype)")
    return other


@tensor_method()
def map_(self, tensor, callable):
    """``self[i] = callable(self[i], tensor[i])`` for every element, in place (``tensor`` of the
    same dtype, broadcast to this shape)."""
    other = _same_type_tensor(self, tensor, "map_", 1, "other")
    return _per_element("map_", self, (other,), callable)


@tensor_method()
def map2_(self, x, y, callable):
    """``self[i] = callable(self[i], x[i], y[i])`` for every element, in place."""
    others = (_same_type_tensor(self, x, "map2_", 1, "x"), _same_type_tensor(self, y, "map2_", 2,
                                                                            "y"))
    return _per_element("map2_", self, others, callable)


@tensor_method("_typed_storage")
def _typed_storage(self):
    """PyTorch's ``Tensor._typed_storage()``: the memory under this tensor read as its dtype
    (the TypedStorage ``storage()`` gives; lazy checkpoint loaders call it to read a tensor's
    storage), without ``storage()``'s deprecation path."""
    from .._storage import typed_storage_of

    return typed_storage_of(self)

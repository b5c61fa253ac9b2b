"""The meta device: tensors with a shape and a dtype and no data, as PyTorch's ``device="meta"``.

A meta tensor holds a :class:`MetaArray`: a NumPy array subclass that is a zero-stride view of a
single element, so ``empty(10**6, 10**6, device="meta")`` takes one element of memory. Its type is
not ``np.ndarray``, so the CPU fast paths (``type(data) is np.ndarray``) never see it, and its
device is read off its type (``device.device_of``) as a GPU array's is.

Computing with meta arrays gives meta arrays, with the shapes and dtypes NumPy would give:

* ufuncs (elementwise ops, ``matmul``, reductions, ``accumulate``) by their shape rules, without
  touching any data (``__array_ufunc__``);
* NumPy functions that only make views (reshape, transpose, broadcast_to, indexing, ...) run as
  they are on the zero-stride view; functions that would write their result (``copyto``, a ufunc
  with ``out=``, item assignment) write nothing;
* other functions run on zeros of the same shapes when the meta inputs are small (up to
  ``_SMALL`` elements), their results turned back into meta arrays; on larger ones they raise
  ``NotImplementedError`` naming the function.

``meta_ns`` is the array namespace of meta arrays (``_backend.namespace_of``): its creation
functions (``zeros``, ``empty``, ``asarray``, ...) make meta arrays, as the CuPy namespace makes
GPU arrays.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MetaArray", "meta_array", "meta_ns", "is_meta", "geometry", "NO_DATA"]

# meta inputs up to this many elements in all: a function without a shape rule here runs on zeros
_SMALL = 1 << 22
NO_DATA = "Cannot copy out of meta tensor; no data!"


class MetaArray(np.ndarray):
    """A shape and a dtype without data (a zero-stride view of one element); see the module."""

    def __array_finalize__(self, obj):
        pass

    def __setitem__(self, key, value):
        """Writes store nothing (the index is still checked, as NumPy would)."""
        np.ndarray.__getitem__(self, key)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        return _ufunc(ufunc, method, inputs, out, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _function(func, args, kwargs)

    def copy(self, order="C"):
        return meta_array(self.shape, self.dtype)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        return meta_array(self.shape, dtype)

    def fill(self, value):
        pass

    def item(self, *args):
        raise RuntimeError("Tensor.item() cannot be called on meta tensors")

    def tolist(self):
        raise NotImplementedError(NO_DATA)

    def __float__(self):
        raise RuntimeError("Tensor.item() cannot be called on meta tensors")

    __int__ = __bool__ = __index__ = __complex__ = __float__

    def __reduce__(self):
        return meta_array, (self.shape, self.dtype)

    def __repr__(self):
        return f"MetaArray(shape={self.shape}, dtype={self.dtype})"

    __str__ = __repr__


def meta_array(shape, dtype=np.float32) -> MetaArray:
    """A meta array of ``shape`` and ``dtype`` (one element of memory, whatever the shape)."""
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    one = np.zeros((), dtype=np.dtype(dtype))
    return np.lib.stride_tricks.as_strided(one, shape=shape, strides=(0,) * len(shape),
                                           writeable=False).view(MetaArray)


def contiguous_strides(shape):
    """PyTorch's row-major strides for ``shape`` (a size-0 or size-1 dim counts as 1)."""
    st, step = [], 1
    for n in reversed(shape):
        st.append(step)
        step *= max(n, 1)
    return tuple(reversed(st))


def geometry(a):
    """``(strides, storage_offset, is_contiguous)`` a meta tensor reports: PyTorch's contiguous
    strides for a fresh one, the layout its view ops gave a view (``_meta_geom``, set by
    ``gradkit/_meta_views.py``). The array's own strides are all 0: one element stands for all."""
    g = getattr(a, "_meta_geom", None)
    if g is None:
        return contiguous_strides(a.shape), 0, True
    strides, offset = g
    expected, contiguous = 1, True
    if 0 in a.shape:  # no element: contiguous, as PyTorch
        return strides, offset, True
    for n, st in zip(reversed(a.shape), reversed(strides)):
        if n != 1:
            if st != expected:
                contiguous = False
            expected *= n
    return strides, offset, contiguous


def is_meta(a) -> bool:
    return type(a) is MetaArray


def _shape(x):
    return np.shape(x) if isinstance(x, (np.ndarray, np.generic)) else ()


def _sample(x):
    """A 0-d zero of ``x``'s dtype (arrays), or ``x`` itself (Python numbers: weak scalars)."""
    if isinstance(x, np.ndarray):
        return np.zeros((), dtype=x.dtype)
    return x


def _check_devices(inputs, name):
    for x in inputs:
        if type(x) is np.ndarray and x.ndim > 0 and x.size > 1:
            raise RuntimeError(f"Tensor on device cpu is not on the expected device meta! "
                               f"({name} got a cpu operand of shape {tuple(x.shape)} beside a "
                               f"meta tensor; move it with .to('meta'))")


def _outputs(results, out):
    if out is not None:
        return out[0] if len(out) == 1 else out
    return results


def _ufunc(ufunc, method, inputs, out, kwargs):
    name = ufunc.__name__
    if method == "at":   # in place: nothing to write
        return None
    if out is not None and all(type(o) is MetaArray for o in out):
        return _outputs(None, out)   # the result would be written into meta arrays: nothing
    kw = {k: v for k, v in kwargs.items() if k in ("dtype", "casting", "signature")}
    if method == "__call__":
        _check_devices(inputs, name)
        if ufunc.signature is None:
            shape = np.broadcast_shapes(*(_shape(x) for x in inputs))
            with np.errstate(all="ignore"):
                r = ufunc(*(_sample(x) for x in inputs), **kw)
            if ufunc.nout == 1:
                return _outputs(meta_array(shape, np.asarray(r).dtype), out)
            return _outputs(tuple(meta_array(shape, np.asarray(x).dtype) for x in r), out)
        if name in ("matmul", "vecdot", "matvec", "vecmat") and len(inputs) == 2:
            return _outputs(_matmul(ufunc, inputs, kw), out)
    elif method in ("reduce", "accumulate") and len(inputs) == 1:
        return _outputs(_reduce(ufunc, method, inputs[0], kwargs), out)
    return _outputs(_small(ufunc if method == "__call__" else getattr(ufunc, method), inputs,
                           {**kwargs, **({"out": out} if out is not None else {})},
                           f"{name}.{method}"), None)


def _matmul(ufunc, inputs, kw):
    """``matmul``'s shape rule (1-d operands promoted and their dim dropped, batch dims
    broadcast); the dtype from a 1x1 product."""
    a, b = (x if isinstance(x, np.ndarray) else np.asarray(x) for x in inputs)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"{ufunc.__name__}: Input operand does not have enough dimensions")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if ka != kb:
        raise ValueError(f"{ufunc.__name__}: Input operand 1 has a mismatch in its core "
                         f"dimension 0 ({ka} vs {kb}), shapes {a.shape} and {b.shape}")
    with np.errstate(all="ignore"):
        dt = ufunc(np.zeros((1, 1), a.dtype), np.zeros((1, 1), b.dtype), **kw).dtype
    core = (a.shape[-2],) if a.ndim >= 2 else ()
    core += (b.shape[-1],) if b.ndim >= 2 else ()
    return meta_array(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + core, dt)


def _reduce(ufunc, method, x, kwargs):
    axis = kwargs.get("axis", 0)
    keepdims = kwargs.get("keepdims", False)
    dtype = kwargs.get("dtype")
    with np.errstate(all="ignore"):
        r = getattr(ufunc, method)(np.zeros((1,), x.dtype), dtype=dtype)
    if method == "accumulate":
        return meta_array(x.shape, r.dtype)
    nd = x.ndim
    if axis is None:
        axes = set(range(nd))
    else:
        axes = {int(a) % max(nd, 1) for a in (axis if isinstance(axis, tuple) else (axis,))}
    if keepdims:
        shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    else:
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    return meta_array(shape, np.asarray(r).dtype)


def _to_zeros(x):
    if type(x) is MetaArray:
        return np.zeros(x.shape, x.dtype)
    if isinstance(x, (list, tuple)):
        return type(x)(_to_zeros(v) for v in x)
    return x


def _to_meta(r):
    if isinstance(r, np.ndarray) and type(r) is not MetaArray:
        return meta_array(r.shape, r.dtype)
    if isinstance(r, np.generic):
        return meta_array((), r.dtype)
    if isinstance(r, tuple):
        return type(r)(*(_to_meta(v) for v in r)) if hasattr(r, "_fields") else \
            tuple(_to_meta(v) for v in r)
    if isinstance(r, list):
        return [_to_meta(v) for v in r]
    return r


def _meta_size(x):
    if type(x) is MetaArray:
        return x.size
    if isinstance(x, (list, tuple)):
        return sum(_meta_size(v) for v in x)
    return 0


def _small(func, args, kwargs, name):
    """Run ``func`` on zeros in place of small meta inputs; meta results of the same shapes."""
    if _meta_size(args) + _meta_size(tuple(kwargs.values())) > _SMALL:
        raise NotImplementedError(
            f"{name} on meta tensors: gradkit's meta device computes this function's result "
            f"shape only for inputs of up to {_SMALL} elements; materialize the tensors first "
            f"(Module.to_empty(device='cpu'))")
    with np.errstate(all="ignore"):
        r = func(*_to_zeros(args), **{k: _to_zeros(v) for k, v in kwargs.items()})
    return _to_meta(r)


# functions that only look at shapes or make views: they run as they are on the zero-stride view
_AS_IS = {getattr(np, n) for n in (
    "reshape", "transpose", "swapaxes", "moveaxis", "rollaxis", "broadcast_to", "expand_dims",
    "squeeze", "ravel", "shape", "ndim", "size", "atleast_1d", "atleast_2d", "atleast_3d",
    "broadcast_arrays", "may_share_memory", "shares_memory", "result_type", "iscomplexobj",
    "isrealobj", "diagonal", "real", "imag", "flip", "fliplr", "flipud", "permute_dims",
    "matrix_transpose") if hasattr(np, n)}
# NumPy functions written with ufuncs (their reductions and arithmetic take the rules above)
_UFUNC_BASED = {getattr(np, n) for n in (
    "sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "any", "all", "cumsum",
    "cumprod", "clip", "round", "around", "nansum", "square", "average") if hasattr(np, n)}
_ARG = {np.argmax, np.argmin}
_SUBOK = {np.broadcast_to, np.broadcast_arrays}


def _as_views(r):
    """A function's results as meta arrays (a plain view of a meta array's element is one)."""
    if type(r) is np.ndarray:
        return r.view(MetaArray)
    if isinstance(r, (tuple, list)) and any(type(v) is np.ndarray for v in r):
        return type(r)(_as_views(v) for v in r)
    return r
_LIKE = {np.empty_like: None, np.zeros_like: None, np.ones_like: None, np.full_like: None}


def _function(func, args, kwargs):
    if func in _AS_IS or func in _UFUNC_BASED:
        if func in _SUBOK:
            kwargs = {**kwargs, "subok": True}
        return _as_views(func._implementation(*args, **kwargs))
    if func in _ARG:
        a = args[0]
        axis = kwargs.get("axis", args[1] if len(args) > 1 else None)
        keep = kwargs.get("keepdims", False)
        if axis is None:
            return meta_array((1,) * a.ndim if keep else (), np.intp)
        ax = int(axis) % max(a.ndim, 1)
        return meta_array(tuple(1 if i == ax else s for i, s in enumerate(a.shape) if keep or
                                i != ax), np.intp)
    if func is np.copyto:
        return None   # into a meta array: nothing to write (from one: refused below)
    if func in _LIKE:
        a = args[0]
        dtype = kwargs.get("dtype") or (args[2] if func is np.full_like and len(args) > 2 else
                                        args[1] if func is not np.full_like and len(args) > 1
                                        else None)
        shape = kwargs.get("shape")
        return meta_array(a.shape if shape is None else shape, dtype or a.dtype)
    if func is np.where and len(args) == 3:
        shape = np.broadcast_shapes(*(_shape(x) for x in args))
        return meta_array(shape, np.result_type(*(_sample(x) for x in args[1:])))
    if func in (np.concatenate, np.stack) and args and _meta_size(args[0]) > _SMALL:
        return _joined(func, list(args[0]), args, kwargs)
    return _small(func, args, kwargs, getattr(func, "__name__", str(func)))


def _joined(func, arrays, args, kwargs):
    """The shape of a large concatenate/stack of meta arrays, from the shapes."""
    dt = np.result_type(*(a.dtype for a in arrays))
    axis = kwargs.get("axis", args[1] if len(args) > 1 else 0)
    first = arrays[0].shape
    if func is np.stack:
        ax = int(axis) % (len(first) + 1)
        return meta_array(first[:ax] + (len(arrays),) + first[ax:], dt)
    if axis is None:
        return meta_array((sum(a.size for a in arrays),), dt)
    ax = int(axis) % len(first)
    return meta_array(first[:ax] + (sum(a.shape[ax] for a in arrays),) + first[ax + 1:], dt)


def make_namespace(base):
    """``meta_ns``: ``base`` (NumPy's namespace class) with creation functions for meta arrays."""

    def _dt(dtype, default=None):
        if dtype is None:
            from . import _dtype

            return np.dtype(default if default is not None else _dtype.get_default_dtype())
        return np.dtype(getattr(dtype, "dtype", dtype))

    def _shape_of(shape):
        return (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)

    class MetaNamespace(base):
        name = "meta"

        @staticmethod
        def asarray(x, dtype=None, **kwargs):
            if type(x) is MetaArray:
                return x if dtype is None or np.dtype(dtype) == x.dtype else x.astype(dtype)
            a = np.asarray(x, dtype=dtype)
            return meta_array(a.shape, a.dtype)

        array = asarray

        @staticmethod
        def ascontiguousarray(x, dtype=None, **kwargs):
            return MetaNamespace.asarray(x, dtype).copy()

        @staticmethod
        def empty(shape, dtype=None, **kwargs):
            return meta_array(_shape_of(shape), _dt(dtype, np.float64))

        zeros = ones = empty

        @staticmethod
        def full(shape, fill_value, dtype=None, **kwargs):
            dt = dtype if dtype is not None else np.asarray(fill_value).dtype
            return meta_array(_shape_of(shape), _dt(dt))

        @staticmethod
        def eye(n, m=None, k=0, dtype=float, **kwargs):
            return meta_array((n, n if m is None else m), _dt(dtype))

        @staticmethod
        def keep(mask, g):
            return meta_array(np.broadcast_shapes(mask.shape, g.shape), g.dtype)

        @staticmethod
        def index_add(shape, index, g, dtype=None):
            return meta_array(shape, g.dtype if dtype is None else dtype)

        @staticmethod
        def arange(*args, dtype=None, **kwargs):
            a = np.arange(*args, dtype=dtype)
            return meta_array(a.shape, a.dtype)

    for fn in ("empty_like", "zeros_like", "ones_like", "full_like", "copyto", "reshape",
               "transpose", "swapaxes", "broadcast_to", "expand_dims", "squeeze", "moveaxis",
               "concatenate", "stack", "where", "sum", "mean", "einsum", "take_along_axis",
               "put_along_axis", "flip", "cumsum", "clip", "pad", "tensordot", "outer"):
        if hasattr(np, fn):
            setattr(MetaNamespace, fn, staticmethod(getattr(np, fn)))
    return MetaNamespace()


meta_ns = None  # set by _backend (it owns the NumPy namespace class)

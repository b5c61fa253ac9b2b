"""The one door to the array library.

Every op receives the array namespace ``xp`` it computes with: NumPy for CPU arrays, CuPy for GPU
arrays (when installed), or, while a backward pass records a graph (``create_graph=True``),
gradkit's own Tensor namespace. This module is the only place that knows which array types exist.
It is on the hot path, so ``namespace_of`` checks the common case (a NumPy array) first.

Besides the NumPy names the rules use, each namespace offers a few helpers that NumPy lacks:

* ``sum_to(g, shape)``: sum a broadcast gradient back to ``shape``.
* ``index_add(shape, index, g)``: zeros of ``shape`` with ``g`` added at ``index`` (repeated
  indices accumulate): the adjoint of ``x[index]``.
"""

from __future__ import annotations

import os

import numpy as np

from . import _exact_float32, _meta, _noblas
from ._cascade_sum import cascade_sum as _cascade_sum
from ._complex import CArray
from ._meta import MetaArray

__all__ = ["np", "NumpyNamespace", "channel_sums", "column_sums", "numpy_ns", "namespace_of",
           "cupy_ns", "has_cupy", "to_host", "CudaUnavailableError"]


def _sum_to(xp, g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1
    )
    if axes:  # (float32/float64 NumPy arrays added in PyTorch's order, as its sum_to)
        s = _cascade_sum(g, axes, True) if type(g) is _ndarray else None
        g = g.sum(axis=axes, keepdims=True) if s is None else s
    if lead:
        g = g.reshape(shape)
    return g


_ndarray = np.ndarray


def _selects_each_element_once(index) -> bool:
    """Whether ``x[index]`` reads no element twice: ints, slices, None, Ellipsis and boolean
    masks (then ``out[index] = g`` adds ``g`` into zeros exactly)."""
    parts = index if type(index) is tuple else (index,)
    for part in parts:
        t = type(part)
        if t is slice or t is int or part is None or part is Ellipsis:
            continue
        if getattr(part, "dtype", None) is not None and part.dtype.kind == "b":
            continue
        return False
    return True


def _index_add_numpy(shape, index, g, dtype=None):
    out = np.zeros(shape, dtype=g.dtype if dtype is None else dtype)
    if _selects_each_element_once(index):
        # a slice's gradient (x[:, t], q/k/v splits): a plain assignment, ~10-50x faster than
        # np.add.at, which is only needed where an index repeats elements
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _all_finite(g) -> bool:
    """False where ``g`` may hold inf or nan. A large contiguous float32/float64 array is
    checked through its dot product with itself (one BLAS pass that writes nothing: inf or nan
    in, inf or nan out; a ReLU's (64, 64, 32, 32) gradient 1.16 -> 0.4 ms, one thread); a sum
    of squares that overflows reads as non-finite, which only sends the caller down its slower,
    exact path."""
    if g.size >= 4096 and g.dtype in _DOT_DTYPES and g.flags.c_contiguous:
        f = g.reshape(-1)
        return bool(np.isfinite(np.dot(f, f)))
    return bool(np.isfinite(g).all())


_DOT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


_ONES: dict = {}


def column_sums(a):
    """``a.sum(axis=0)`` of a 2-D NumPy array (a bias's gradient: one sum per feature over the
    rows). A float32/float64 C-contiguous one with many rows is summed as one BLAS product with
    a vector of ones: OpenBLAS streams the rows at memory speed where NumPy's axis-0 reduction
    adds them one at a time (a (1024, 512) float32 gradient: 109 -> 35 us from cache, 331 ->
    264 us from memory; an Intel Xeon, one thread), with an error no larger (the same float
    rounding, summed in another order). Without BLAS (Pyodide) NumPy's sum."""
    if (a.ndim == 2 and a.shape[0] >= 64 and a.dtype in _DOT_DTYPES and a.flags.c_contiguous
            and not _noblas.ENABLED):
        return np.matmul(_ones(a.shape[0], a.dtype), a)
    return a.sum(axis=0)


def _ones(n, dtype):
    key = (n, dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 32:
            _ONES.clear()
        ones = _ONES[key] = np.ones(n, dtype)
    return ones


def channel_sums(g):
    """``g.sum(axis=(0, 2, 3, ...))`` of an (N, C, *spatial) NumPy array (a convolution's bias
    gradient: one sum per channel over the batch and the positions). A float32/float64
    C-contiguous one is summed as one BLAS product with a vector of ones over the positions
    (each (sample, channel) row), then the rows' sums per channel: NumPy's reduction over the
    outer and inner axes at once runs at about half that speed (LeNet's (64, 16, 24, 24) output
    gradient: 143 -> 55 us; (64, 64, 32, 32): 1.39 -> 1.01 ms; an Intel Xeon, one thread),
    with an error no larger (the same float rounding, summed in another order). Without BLAS
    (Pyodide), or for another array, NumPy's sum."""
    axes = (0, *range(2, g.ndim))
    if (g.ndim < 3 or g.dtype not in _DOT_DTYPES or not g.flags.c_contiguous or g.size == 0
            or _noblas.ENABLED):
        return g.sum(axis=axes)
    n, c = g.shape[:2]
    rows = np.matmul(g.reshape(n * c, g.size // (n * c)), _ones(g.size // (n * c), g.dtype))
    return np.matmul(_ones(n, g.dtype), rows.reshape(n, c))


def _keep_by_product(mask, g):
    """``g`` where ``mask`` (a bool array), else exactly +0 (also where ``g`` is inf or nan, which
    a product with the mask would turn into nan). A multiply, not ``np.where``: on a conv-sized
    gradient NumPy's where is ~14x slower (it branches per element); the where runs only when
    ``g`` may hold a non-finite value."""
    if g.dtype.kind == "f" and not _all_finite(g):
        return np.where(mask, g, np.zeros((), g.dtype))
    out = g * mask
    if out.dtype.kind == "f":  # (+0, not the -0 of a negative g times False: PyTorch's zero)
        out += 0.0
    return out


def _keep_by_where(mask, g):
    """``_keep_by_product``'s result through ``np.where`` alone: Pyodide's NumPy casts a bool
    array to float one element at a time through a buffer, so ``g * mask`` costs more than the
    where there (a (32, 16, 8, 8) ReLU gradient: 370 us against 81 us; 20 against 11 us at
    (64, 64); Pyodide 0.27.7 under Node), while natively the where is the slow one."""
    return np.where(mask, g, np.zeros((), g.dtype))


# Selected once, where NumPy lacks BLAS (Pyodide; ``GRADKIT_NOBLAS_MATMUL=1`` tries it natively).
_keep = _keep_by_where if _noblas.ENABLED else _keep_by_product


class NumpyNamespace:
    """NumPy's functions under NumPy's names, plus the helpers above.

    A class (not the module itself) so that the helpers sit beside NumPy's names and the GPU
    namespace can mirror it. Attribute lookups are plain class attributes: as cheap as a module.
    """

    name = "numpy"
    module = np
    ndarray = np.ndarray

    def __getattr__(self, item):  # names this class does not list fall through to the module
        return getattr(self.module, item)

    @staticmethod
    def sum_to(g, shape):
        return _sum_to(np, g, shape)

    @staticmethod
    def index_add(shape, index, g):
        return _index_add_numpy(shape, index, g)

    @staticmethod
    def asarray(x, dtype=None):
        return np.asarray(x, dtype=dtype)

    keep = staticmethod(_keep)


# Hot names copied onto the class so the common rules avoid __getattr__.
for _name in (
    "add", "subtract", "multiply", "divide", "negative", "power", "exp", "log", "log1p", "expm1",
    "sqrt", "sin", "cos", "tan", "tanh", "abs", "sign", "where", "maximum", "minimum", "matmul",
    "swapaxes", "transpose", "reshape", "broadcast_to", "expand_dims", "zeros", "ones",
    "zeros_like",
    "ones_like", "full", "empty", "sum", "mean", "concatenate", "stack", "take_along_axis",
    "put_along_axis", "squeeze", "flip", "cumsum", "einsum", "clip", "square", "reciprocal",
    "logical_and", "logical_or", "logical_not", "equal", "greater", "less", "isfinite", "pad",
    "moveaxis", "tensordot", "outer", "arange", "float32", "float64", "float16", "int64",
    "int32", "bool_", "result_type",
):
    if hasattr(np, _name):
        setattr(NumpyNamespace, _name, staticmethod(getattr(np, _name)))

# Small float32 arrays: exponentials, logarithms and trigonometric functions rounded once
# from float64, as PyTorch's near-exact kernels give them (see _exact_float32).
for _name in ("exp", "log", "log1p", "expm1", "tanh", "sin", "cos", "tan", "log2", "log10",
              "exp2", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh",
              "arctanh"):
    setattr(NumpyNamespace, _name, staticmethod(_exact_float32.rounded_once(getattr(np, _name))))

if _noblas.ENABLED:  # NumPy without BLAS (Pyodide): einsum's loops for matrix products
    NumpyNamespace.matmul = staticmethod(_noblas.matmul)

numpy_ns = NumpyNamespace()
meta_ns = _meta.meta_ns = _meta.make_namespace(NumpyNamespace)

_cupy = None
_cupy_ns = None
_cupy_checked = False


def _load_cupy():
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        if os.environ.get("GRADKIT_FAKE_CUDA") == "1":  # CPU stand-in for device tests
            from ._fake_cuda import make_fake_cupy

            _cupy = make_fake_cupy()
            return _cupy
        try:
            import cupy  # noqa: F401

            cupy.cuda.runtime.getDeviceCount()
            _cupy = cupy
        except Exception:  # no CuPy, no driver, or no device: CPU only
            _cupy = None
    return _cupy


def has_cupy() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    return _load_cupy() is not None


class CudaUnavailableError(RuntimeError, AssertionError):
    """A CUDA device asked for where there is none. PyTorch's CPU build raises AssertionError
    ("Torch not compiled with CUDA enabled"), its CUDA build without a GPU RuntimeError; this
    is both, so that a program's ``except`` of either catches it."""


def cupy_ns():
    """The CuPy namespace, built on first use; raises a clear error without CuPy or a GPU."""
    global _cupy_ns
    if _cupy_ns is None:
        cp = _load_cupy()
        if cp is None:
            raise CudaUnavailableError(
                "CUDA is not available: gradkit needs CuPy and an NVIDIA GPU for device='cuda'. "
                "Install the extra with `pip install gradkit[cuda]` (or a cupy-cudaXXx wheel that "
                "matches your driver) on a machine with a GPU, or use device='cpu'."
            )

        class CupyNamespace(NumpyNamespace):
            name = "cupy"
            module = cp
            ndarray = cp.ndarray

            @staticmethod
            def sum_to(g, shape):
                return _sum_to(cp, g, shape)

            @staticmethod
            def index_add(shape, index, g):
                out = cp.zeros(shape, dtype=g.dtype)
                if _selects_each_element_once(index):
                    out[index] = g
                else:
                    cp.add.at(out, index, g)
                return out

            @staticmethod
            def asarray(x, dtype=None):
                return cp.asarray(x, dtype=dtype)

            @staticmethod
            def keep(mask, g):  # (a GPU's where does not branch per element)
                return cp.where(mask, g, cp.zeros((), g.dtype))

        for name in list(vars(NumpyNamespace)):
            fn = getattr(cp, name, None)
            if fn is not None and not name.startswith("_") and name not in (
                "name", "module", "ndarray", "sum_to", "index_add", "asarray", "keep"
            ):
                setattr(CupyNamespace, name, staticmethod(fn) if callable(fn) else fn)
        _cupy_ns = CupyNamespace()
    return _cupy_ns


def namespace_of(array):
    """The namespace that computes with ``array`` (NumPy unless it is a CuPy array or a meta
    array, see ``_meta``)."""
    if type(array) is np.ndarray:
        return numpy_ns
    if type(array) is MetaArray:
        return meta_ns
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy_ns if _cupy_ns is not None else cupy_ns()
    return numpy_ns


def to_host(a):
    """The values of array ``a`` as a NumPy array: a device array is copied to the host; a NumPy
    array passes as it is and a NumPy scalar (some 0-d results hold one) becomes a 0-d array."""
    if type(a) is np.ndarray or isinstance(a, np.generic):
        return np.asarray(a)
    if type(a) is CArray:  # complex data (gradkit/_complex.py) keeps its guard
        return a
    if type(a) is MetaArray:
        raise NotImplementedError(_meta.NO_DATA)
    get = getattr(a, "get", None)
    return get() if get is not None else np.asarray(a)

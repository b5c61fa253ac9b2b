"""The Tensor class: an array, its gradient and the node that produced it.

This file holds the class's state (``__slots__``), its attributes, Python protocols and the
autograd methods (``backward``, ``detach``, hooks). Every op method and operator (``x.sum``,
``x + y``, ``x.add_``, ``x[i]``, ``x.to``) is declared once in ``gradkit/functions/``, in the file
of its kind (elementwise, comparison, reduction, products, shape, indexing, sorting, memory,
random, ...), and attached to this class by ``gradkit.functions.install``; ``Tensor.X.__module__``
names that file. Recording a graph node when an op runs is ``_tensor/record.py``.
"""

from __future__ import annotations

import copy
import numbers
import operator
import warnings
import weakref

import numpy as np

from .. import _dtype
from .._complex import CArray as _CArray
from .._int_range import INT64_END, INT_END, INT_START, check_int64, check_number_operand
from .._memory_format import torch_strides as _torch_strides
from .._meta import MetaArray as _MetaArray
from .._meta import geometry as _meta_geometry
from .._storage import storage_root as _storage_root
from .._warnings import warn_once
from ..autograd.backward import backward as _autograd_backward
from ..autograd.grad_mode import STATE as _GRAD_MODE
from ..autograd.graph import PostAccumulateHook
from ..autograd.graph import _NodeHookHandle as _HookHandle
from ..autograd.graph import observe as _observe
from ..device import device_of
from .repr import format_tensor

_SCALAR_OF_GRAD_WARNED = False


def _warn_scalar_of_grad() -> None:
    """``float(t)``/``complex(t)`` (``'%f' % t``, ``math.sqrt(t)``) of a tensor that requires
    grad: PyTorch's UserWarning, once per process and with grad mode on (``float(loss)`` in
    LBFGS's no_grad ``step`` does not warn), as PyTorch; ``t.item()`` and f-strings never do."""
    global _SCALAR_OF_GRAD_WARNED
    _SCALAR_OF_GRAD_WARNED = True
    warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                  "unexpected behavior.\nConsider using tensor.detach() first.", UserWarning,
                  stacklevel=3)

__all__ = ["Size", "Tensor", "as_tensor_arg", "wrap"]

_ndarray = np.ndarray
_new = object.__new__
_BY_NP = _dtype._BY_NP  # np.dtype -> gradkit dtype
builtins_max = max


def _make(data, requires_grad, grad_fn):
    t = _new(Tensor)
    t._data = data
    t.requires_grad = requires_grad
    t._grad_fn = grad_fn
    t._grad = None
    t._vcl = None
    t._hooks = None
    if _GRAD_MODE[1]:  # made under inference_mode: an inference tensor
        _mark_inference(t)
    return t


# the tensors made under inference_mode (``is_inference``): id -> weak reference
_INFERENCE: dict = {}


def _mark_inference(t):
    k = id(t)
    _INFERENCE[k] = weakref.ref(t, lambda _r, k=k: _INFERENCE.pop(k, None))


def wrap(data):
    """A leaf Tensor around an array (no copy); a NumPy scalar (what NumPy returns for a 0-d
    result) becomes a 0-d array."""
    if type(data) is not _ndarray:
        if isinstance(data, np.generic):
            data = np.asarray(data)
    if data.dtype.kind == "c" and type(data) is _ndarray:  # complex data is a CArray
        data = data.view(_CArray)
    return _make(data, False, None)


def _wrap_node(data, node):
    return _make(data, True, node)


def _edge(t):
    return t._grad_fn if t._grad_fn is not None else t



def as_tensor_arg(x, like=None, name="argument"):
    """Turn an operand into a Tensor (arrays, lists, NumPy scalars), keeping Tensors as they are."""
    if isinstance(x, Tensor):
        return x
    tx = type(x)
    # a device array (CuPy) before the ndarray check, where np.asarray would copy it to the host
    if tx is not _ndarray and tx is not list and tx is not tuple and _is_device_array(x):
        return wrap(x)
    if isinstance(x, np.ndarray) or isinstance(x, (list, tuple)):
        arr = np.asarray(x)
        if arr.dtype == np.float64 and not isinstance(x, np.ndarray):
            arr = arr.astype(_dtype.get_default_dtype())
        return wrap(arr)
    if isinstance(x, np.generic):
        return wrap(np.asarray(x))
    raise TypeError(f"{name} must be a Tensor or a number, got {type(x).__name__}")


def _is_device_array(x):
    return hasattr(x, "__cuda_array_interface__")


def _scalar_or_tensor(x):
    """Python numbers pass through (weak scalars, as in PyTorch); anything else becomes a Tensor."""
    t = type(x)
    if t is float or t is bool or (t is int and INT_START <= x < INT_END):
        return x
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, numbers.Number):  # (an int out of PyTorch's range: its OverflowError)
        return check_number_operand(x)  # (a Fraction, a Decimal: its TypeError)
    if isinstance(x, (list, tuple)):
        # as PyTorch: `x + [1, 2]` and `torch.add(x, [1, 2])` raise TypeError
        raise TypeError(f"the operand must be a Tensor or a number, not {t.__name__}; make a "
                        f"Tensor first, e.g. gradkit.tensor(...)")
    return as_tensor_arg(x, name="operand")


def _int_value(x, one_element=False):
    """``x`` as a Python int where PyTorch's argument parser reads an int from it, else None:
    a Python or NumPy integer (not a bool), a 0-d integer tensor; with ``one_element`` (PyTorch's
    ``SymInt`` arguments, and the elements of its int lists, which read ``__index__``) an integer
    tensor of any shape holding one element."""
    if x.__class__ is int:
        return x
    if isinstance(x, (int, np.integer)):
        return None if isinstance(x, (bool, np.bool_)) else int(x)
    if isinstance(x, Tensor):
        d = x._data
        if d.dtype.kind in "iu" and (d.ndim == 0 or (one_element and d.size == 1)):
            return int(d.reshape(-1)[0])
    return None


def _wrap_dim(d, ndim):
    if not isinstance(d, (int, np.integer)) or d.__class__ is bool:
        v = _int_value(d) if isinstance(d, Tensor) else None
        if v is None:
            raise TypeError(f"dim must be an int, got {type(d).__name__}")
        d = v  # a 0-d integer tensor, as PyTorch's int arguments take it
    n = max(ndim, 1)
    if d < -n or d >= n:
        check_int64(int(d), None, "dim")  # (beyond int64: PyTorch's ValueError, read first)
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
        )
    return int(d) % n if ndim else 0


def _shape_arg(shape, fn=None):
    """A size/shape/dims argument, spread (``x.view(2, 3)``) or one sequence, as a tuple of ints
    as PyTorch's int lists take them (an int, a NumPy integer, a one-element integer tensor)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    elif len(shape) == 1 and isinstance(shape[0], Tensor):
        s = shape[0]
        if s._data.size == 1 and s._data.dtype.kind in "iu":  # one integer: a size, as PyTorch's
            return (int(s._data.reshape(-1)[0]),)
        raise TypeError(f"{fn or 'size'}(): argument must be tuple of ints, not Tensor; pass "
                        f"ints, e.g. tuple(t.tolist())")
    for s in shape:  # (an int beyond int64 too: PyTorch's TypeError, from _int_tuple)
        if s.__class__ is not int or not INT_START <= s < INT64_END:
            return _int_tuple(shape, fn)
    return tuple(shape)


def _int_tuple(values, fn):
    out = []
    for i, s in enumerate(values):
        if s.__class__ is not bool and isinstance(s, (int, np.integer, Tensor)):
            try:
                v = operator.index(s)
            except TypeError:
                v = None
            if v is not None:  # (beyond int64: PyTorch's TypeError for the list)
                out.append(check_int64(v, fn, f"size (element {i})", TypeError))
                continue
        raise TypeError(f"{fn + '(): argument' if fn else 'argument'} must be tuple of ints, "
                        f"but found element of type {type(s).__name__} at pos {i} (got "
                        f"{_short(values)}); pass ints, e.g. (2, 3)")
    return tuple(out)


def _short(values):
    text = repr(tuple(values) if isinstance(values, list) else values)
    return text if len(text) <= 60 else text[:57] + "..."


class _RowMajor:
    """``is_contiguous``'s default format (row-major), told apart from a ``None`` passed, which
    PyTorch refuses (a TypeError: a memory format is no optional argument there)."""

    __slots__ = ()

    def __repr__(self):
        return "contiguous_format"


_ROW_MAJOR = _RowMajor()


class Tensor:
    """A multi-dimensional array that records the ops applied to it for automatic differentiation.

    Create tensors with :func:`gradkit.tensor`, the factories (``zeros``, ``randn``, ...) or
    :func:`gradkit.from_numpy`. Attributes follow PyTorch: ``grad``, ``requires_grad``,
    ``grad_fn``, ``is_leaf``, ``shape``, ``dtype``, ``device``.
    """

    # ``_vcl``: the version counter, a one-element list shared by views of the same storage;
    # None until first needed (version 0), read and shared through the ``_vc`` property
    # ``_grad_fn``: the node that made this tensor, read by the recording and the engine;
    # ``grad_fn`` shows it as PyTorch's class (graph.observe)
    # ``_view_base``: set on views only (read by ``_base``; unset, it costs nothing per op)
    # ``__dict__``: a program's own flags (``param._is_hf_initialized``), made only when set
    __slots__ = ("_data", "requires_grad", "_grad_fn", "_grad", "_vcl", "_hooks", "_view_base",
                 "__weakref__", "__dict__")
    __array_priority__ = 1000  # numpy scalars/arrays on the left defer to Tensor's operators

    def __init__(self, data=None, *sizes, dtype=None, requires_grad=False):
        """PyTorch's legacy constructor: ``Tensor(2, 3)`` and ``Tensor(Size([2, 3]))`` make an
        uninitialised (here zero) tensor of that shape, ``Tensor([1, 2])`` copies the data; both
        in the default dtype unless ``dtype`` is given; ``Tensor(t)`` shares ``t``'s storage."""
        from ..factories import _to_array  # (factories makes Tensors: it imports this module)

        if sizes or isinstance(data, Size) or (isinstance(data, numbers.Integral)
                                               and not isinstance(data, (bool, np.bool_))):
            shape = tuple(data) if isinstance(data, Size) else (data,) + sizes
            if not all(isinstance(n, numbers.Integral) and not isinstance(n, (bool, np.bool_))
                       for n in shape):
                raise TypeError(f"Tensor(): expected sizes (ints) or one sequence of numbers; "
                                f"got {tuple(type(n).__name__ for n in shape)}")
            if any(n < 0 for n in shape):
                raise RuntimeError(f"Tensor(): negative dimension in size {list(shape)}")
            data = np.zeros(tuple(int(n) for n in shape),
                            _dtype.to_dtype(dtype) if dtype is not None
                            else _dtype.get_default_dtype())
        elif dtype is None and data is not None and not isinstance(data, Tensor):
            dtype = _dtype.get_default_dtype()
        arr = data._data if isinstance(data, Tensor) and dtype is None else _to_array(
            [] if data is None else data, dtype)  # (Tensor(t): PyTorch's alias, as ``t.data``)
        self._data = arr
        self.requires_grad = False
        self._grad_fn = None
        self._grad = None
        self._vcl = None
        self._hooks = None
        if _GRAD_MODE[1]:
            _mark_inference(self)
        if requires_grad:
            self.requires_grad_(True)

    # ----------------------------------------------------------------- attributes
    @property
    def data(self) -> "Tensor":
        """The same storage, detached from the graph (like ``Tensor.data`` in PyTorch)."""
        return _make(self._data, False, None)

    @data.setter
    def data(self, value):
        value = as_tensor_arg(value, name="data")
        self._data = value._data

    @property
    def shape(self):
        return _tuple_new(Size, self._data.shape)  # (ints already: no Size.__new__ check)

    @property
    def dtype(self):
        try:
            return _BY_NP[self._data.dtype]
        except KeyError:
            return _dtype.of(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad_fn(self):
        """The node that made this tensor (None for a leaf), an instance of PyTorch's class for
        it (``MulBackward0``)."""
        node = self._grad_fn
        return node if node is None else _observe(node)

    @grad_fn.setter
    def grad_fn(self, node):
        self._grad_fn = node

    @property
    def _version(self) -> int:
        vl = self._vcl
        return 0 if vl is None else vl[0]

    # PyTorch's address of the C++ tensor: one per tensor object (Pyro's pyro.module compares it)
    _cdata = property(id)
    @property
    def _base(self):
        """The tensor this one is a view of (its memory, version counter and, under autograd,
        in-place writes are shared), as PyTorch's: the first non-view tensor of the chain; None
        for a tensor that is no view (a copy made by ``reshape`` of a transposed tensor, an
        advanced index)."""
        return getattr(self, "_view_base", None)

    def _is_view(self) -> bool:
        """Whether this tensor is a view of another (``_base`` is set)."""
        return getattr(self, "_view_base", None) is not None

    @property
    def _vc(self) -> list:
        """The version counter: ``[version]``, shared with views; in-place ops do
        ``t._vc[0] += 1``. Created on first use (most tensors are never modified)."""
        vl = self._vcl
        if vl is None:
            vl = self._vcl = [0]
        return vl

    @_vc.setter
    def _vc(self, value):
        self._vcl = value

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        d = self._data
        return type(d) is not _ndarray and type(d) is not _CArray and \
            type(d) is not _MetaArray and not _is_sparse_data(d) and \
            not _is_compressed_data(d)

    @property
    def is_meta(self) -> bool:
        """Whether this tensor is on the meta device (a shape and a dtype, no values)."""
        return type(self._data) is _MetaArray

    @property
    def is_sparse(self) -> bool:
        """Whether this is a sparse COO tensor (``gradkit.sparse_coo_tensor``, ``to_sparse``)."""
        return type(self._data) is not _ndarray and _is_sparse_data(self._data)

    @property
    def is_sparse_csr(self) -> bool:
        """Whether this is a sparse CSR tensor (``layout == gradkit.sparse_csr``)."""
        d = self._data
        return type(d) is not _ndarray and _is_compressed_data(d) and \
            d.sparse_layout._name == "sparse_csr"

    @property
    def layout(self):
        """``gradkit.strided`` (dense), ``gradkit.sparse_coo`` or a compressed sparse layout
        (``sparse_csr``, ``sparse_csc``, ``sparse_bsr``, ``sparse_bsc``)."""
        from ..sparse import _coo

        d = self._data
        if type(d) is _ndarray:
            return _coo.strided
        return getattr(d, "sparse_layout", None) or _coo.strided

    @property
    def T(self) -> "Tensor":
        if self.ndim != 2 and self.ndim:  # deprecated in PyTorch (it reverses every dim; a
            # 1-D tensor is left as it is), and warns once
            warn_once("Tensor.T", "The use of `x.T` on tensors of dimension other than 2 to "
                      "reverse their shape is deprecated and it will throw an error in a future "
                      "release. Consider `x.mT` to transpose batches of matrices or `x.permute("
                      "*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.")
        elif self.ndim == 0:
            warn_once("Tensor.T 0-d", "Tensor.T is deprecated on 0-D tensors. This function is "
                      "the identity in these cases.")
        return self.permute(tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        return self.transpose(-2, -1)

    @property
    def mH(self) -> "Tensor":
        """The conjugate transpose of the last two dims (``mT`` for real tensors)."""
        t = self.transpose(-2, -1)
        return t.conj() if self.is_complex() else t

    @property
    def H(self) -> "Tensor":
        """The conjugate transpose of a matrix (0-D, 1-D: itself; real tensors: ``T``)."""
        if self.ndim > 2:
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors), got a "
                               f"{self.ndim}-D tensor; use .mH for batches of matrices")
        t = self.permute(*range(self.ndim - 1, -1, -1))
        return t.conj() if self.is_complex() else t

    def size(self, dim=None):
        if dim is None:
            return self.shape
        return self._data.shape[_wrap_dim(dim, self.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of the elements (``numel() * itemsize``)."""
        return int(self._data.size) * self._data.itemsize

    def ndimension(self) -> int:
        return self._data.ndim

    def stride(self, dim=None):
        """Steps in elements between neighbours along each dimension (PyTorch's strides); the
        tuple, or the stride of ``dim``."""
        a = self._data
        if type(a) is _MetaArray:
            st = _meta_geometry(a)[0]
        else:
            st = _torch_strides(a)
        if dim is None:
            return st
        return st[_wrap_dim(dim, self.ndim)] if self.ndim else 1

    def storage_offset(self) -> int:
        """The offset in elements of the first element from the start of its storage."""
        a = self._data
        if type(a) is _MetaArray:
            return _meta_geometry(a)[1]
        if type(a) is not _ndarray and type(a) is not _CArray:
            return 0
        base = _storage_root(a)
        if base is a or not a.size:
            return 0
        lo = base.__array_interface__["data"][0]
        return (a.__array_interface__["data"][0] - lo) // a.itemsize

    def data_ptr(self) -> int:
        """The address of the first element (equal for tensors that share it, as PyTorch's);
        a GPU array's device pointer; 0 on the meta device."""
        a = self._data
        if type(a) is _ndarray or type(a) is _CArray:
            return a.__array_interface__["data"][0] if a.size else 0
        if type(a) is _MetaArray:  # a storage at address 0, as PyTorch's
            return _meta_geometry(a)[1] * a.itemsize
        return int(a.data.ptr) if hasattr(a, "data") and hasattr(a.data, "ptr") else 0

    def untyped_storage(self):
        """The memory under this tensor and its views, as bytes (no copy): ``len()``,
        ``nbytes()``, ``data_ptr()`` (equal for tensors sharing it), items, ``tolist()``."""
        from .._storage import untyped_storage_of

        return untyped_storage_of(self)

    def storage(self):
        """The memory under this tensor and its views read as this tensor's dtype (PyTorch's
        TypedStorage): ``len()``/``size()`` in elements, ``data_ptr()``, items, ``tolist()``."""
        from .._storage import typed_storage_of

        return typed_storage_of(self)

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def is_nonzero(self) -> bool:
        if self._data.size != 1:
            if self._data.size == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(shape {tuple(self.shape)}); use .any() or .all()")
        return bool(self._data.reshape(()))

    def is_same_size(self, other) -> bool:
        if not isinstance(other, Tensor):
            raise TypeError(f"is_same_size(): argument 'other' (position 1) must be Tensor, not "
                            f"{type(other).__name__}")
        return tuple(self._data.shape) == tuple(other.shape)

    def is_inference(self) -> bool:
        """Whether this tensor was made under ``inference_mode``."""
        r = _INFERENCE.get(id(self))
        return r is not None and r() is self

    def get_device(self) -> int:
        """The CUDA device index, -1 for a CPU tensor (as PyTorch)."""
        if type(self._data) is _ndarray:
            return -1
        idx = self.device.index
        return 0 if idx is None else int(idx)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_contiguous(self, memory_format=_ROW_MAJOR) -> bool:
        """Whether the elements lie in ``memory_format``'s order without gaps (row-major by
        default; ``gradkit.channels_last``: NHWC)."""
        if memory_format is _ROW_MAJOR:
            if type(self._data) is _MetaArray:
                return _meta_geometry(self._data)[2]
            if _is_compressed_data(self._data):
                _no_contiguity(self._data)
            return bool(self._data.flags.c_contiguous)
        from .. import _memory_format as mf

        return mf.is_in(self._data, mf.check(memory_format, "is_contiguous"))

    def contiguous(self, memory_format=_ROW_MAJOR) -> "Tensor":
        """This tensor if it is laid out in ``memory_format`` (row-major by default), else a
        copy that is."""
        from ..ops.memory import CLONE, CLONE_AS  # (record imports this module)
        from .record import apply1

        if memory_format is _ROW_MAJOR:
            if _is_compressed_data(self._data):
                _no_contiguity(self._data)
            if self._data.flags.c_contiguous:
                return self
            return apply1(CLONE, self)  # a row-major copy (clone() keeps a transposed order)
        from .. import _memory_format as mf

        if mf.is_in(self._data, mf.check(memory_format, "contiguous")):
            return self
        if memory_format is mf.preserve_format:
            raise RuntimeError("contiguous(): preserve memory format is unsupported by the "
                               "contiguous operator; use clone() to keep the layout")
        return apply1(CLONE_AS, self, (memory_format,))

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar; item() "
                f"needs exactly one element (shape {tuple(self.shape)})"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return _to_host(self._data).tolist()

    def numpy(self, *, force=False) -> np.ndarray:
        """The NumPy array behind this tensor (shared, not copied); as PyTorch, it refuses a
        tensor requiring grad while gradients are recorded (not under no_grad), unless forced."""
        if self.requires_grad and not force and _GRAD_MODE[0]:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        if self._data.dtype.kind == "V" and _dtype.kind(self._data.dtype) == "f":
            # as PyTorch: NumPy has no bfloat16 of its own
            raise TypeError("Got unsupported ScalarType BFloat16: numpy() of a bfloat16 tensor; "
                            "convert first, e.g. x.float().numpy()")
        if type(self._data) is not _ndarray:
            if type(self._data) is _CArray:  # complex: the same memory, as a plain array
                return self._data.view(_ndarray)
            if _is_sparse_data(self._data):
                raise TypeError("can't convert Sparse layout tensor to numpy. Use "
                                "Tensor.to_dense() first.")
            if _is_compressed_data(self._data):
                self._data.get()  # (raises PyTorch's TypeError naming the layout)
            if type(self._data) is _MetaArray:
                raise TypeError("can't convert meta device type tensor to numpy. Use "
                                "Tensor.cpu() to copy the tensor to host memory first.")
            if not force:
                raise TypeError(
                    "can't convert a cuda tensor to numpy. Use Tensor.cpu() to copy the tensor to "
                    "host memory first."
                )
            return _to_host(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = _to_host(self._data)
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr  # np.array(t) copies (copy=True), np.asarray(t) not

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """``np.sqrt(t)``, ``np.add(t, 1)``, ``np.cumsum(t)``: NumPy's result comes back as a
        tensor sharing its memory, as in PyTorch (which returns bool results as uint8)."""
        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        return _make(np.asarray(array), False, None)

    def __dlpack__(self, stream=None, **kwargs):
        """DLPack export of the values (``torch.from_dlpack(t)``, ``np.from_dlpack(t)``)."""
        if self.requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(**({"stream": stream} if stream is not None else {}))

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    # identity hash in C (a Python-level __hash__ costs ~50 ns per dict operation in the engine)
    __hash__ = object.__hash__

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous; use .any() "
                f"or .all()"
            )
        return bool(self._data)

    def _one_number(self):
        # int(t)/float(t)/complex(t) of a tensor without exactly one element: PyTorch's
        # ValueError (item() raises RuntimeError for the same tensor)
        if self._data.size != 1:
            raise ValueError(
                f"only one element tensors can be converted to Python scalars (got a tensor of "
                f"shape {tuple(self._data.shape)} with {self._data.size} elements; index one "
                f"element or reduce it first, e.g. t.sum())"
            )
        return self.item()

    def __float__(self):
        if self.requires_grad and not _SCALAR_OF_GRAD_WARNED and _GRAD_MODE[0]:
            _warn_scalar_of_grad()
        return float(self._one_number())

    def __int__(self):
        return int(self._one_number())

    def __complex__(self):
        if self.requires_grad and not _SCALAR_OF_GRAD_WARNED and _GRAD_MODE[0]:
            _warn_scalar_of_grad()
        return complex(self._one_number())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __contains__(self, element):
        """``3 in t``: whether any element equals ``element`` (a number or a tensor that
        broadcasts against this one), as PyTorch's ``(element == self).any()``."""
        if not isinstance(element, (Tensor, numbers.Number)):
            raise RuntimeError(
                f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                f"{type(element)}."
            )
        return bool((element == self).any().item())

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __repr__(self):
        if type(self._data) is not _ndarray and (_is_sparse_data(self._data) or
                                                 _is_compressed_data(self._data)):
            from ..sparse._repr import format_sparse

            return format_sparse(self)
        return format_tensor(self)

    def __format__(self, format_spec):
        """``f"{loss:.4f}"``: a one-element 0-d tensor formats as its number, as in PyTorch;
        any other tensor takes only the empty spec (its repr)."""
        if self._data.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment. Use detach().clone() first."
            )
        new = retyped(_make(_deepcopy_data(self._data, memo), self.requires_grad, None), type(self))
        if self.grad is not None:
            new.grad = _make(_deepcopy_data(self.grad._data, memo), False, None)
        memo[id(self)] = new
        extra = getattr(self, "__dict__", None)  # a subclass's own attributes
        if extra:
            new.__dict__.update(copy.deepcopy(extra, memo))
        return new

    def __reduce_ex__(self, proto):
        if SHARED_REDUCE:  # a shared tensor pickled for a spawned process: share, don't copy
            shared = SHARED_REDUCE[0](self)
            if shared is not None:
                return shared
        if TORCH_REDUCE:  # under gradkit run: PyTorch's own form, which PyTorch reads too
            torch_form = TORCH_REDUCE[0](self)
            if torch_form is not None:
                return torch_form
        extra = getattr(self, "__dict__", None)  # a subclass's own attributes
        d = self._data
        if type(d) is not _ndarray and (_is_sparse_data(d) or _is_compressed_data(d)):
            arr = d  # a sparse tensor's arrays, pickled with their index arrays
        else:
            arr = _to_host(d)
        return (_rebuild, (arr, self.requires_grad, type(self))) + ((extra,) if extra else ())

    # ----------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves.

        Args:
            gradient: the gradient of some scalar w.r.t. this tensor; needed unless it has one
                element.
            retain_graph: keep the graph for another backward (defaults to ``create_graph``).
            create_graph: record the backward pass, for higher-order derivatives.
            inputs: only these leaves accumulate ``.grad``.
        """
        _autograd_backward([self], None if gradient is None else [gradient], retain_graph,
                           create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        t = _make(self._data, False, None)
        t._vc = self._vc
        return t

    def detach_(self) -> "Tensor":
        if self._base is not None:  # (PyTorch's refusal, whether or not it requires grad)
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn, self.requires_grad = None, False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad.__class__ is not bool:
            raise TypeError(f"requires_grad_(): argument 'requires_grad' must be bool, not "
                            f"{type(requires_grad).__name__}")
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use "
                    "a computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return self
        if requires_grad and self.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype}); "
                f"convert first, e.g. x.float().requires_grad_()"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.is_leaf:
            return
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._hooks and any(getattr(h, "_retain", False) for h in self._hooks):
            return
        ref = weakref.ref(self)

        def retain(g):
            if (t := ref()) is not None:  # (under create_graph: a clone in the graph, as PyTorch's)
                g = g.clone() if g.requires_grad else g.detach()
                t.grad = g if t.grad is None else t.grad + g

        retain._retain = True
        self._grad_fn.add_tensor_hook(retain)
        self._hooks = (self._hooks or []) + [retain]

    @property
    def grad(self):
        """The gradient accumulated by backward (None until then). Read on a non-leaf tensor
        that does not retain its gradient it is always None, and warns as PyTorch does."""
        g = self._grad
        if g is None and self._grad_fn is not None and not self.retains_grad:
            import warnings

            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead. See "
                "github.com/pytorch/pytorch/pull/30531 for more information.", UserWarning,
                stacklevel=2)
        return g

    grad = grad.setter(lambda self, value: setattr(self, "_grad", value)).deleter(
        lambda self: setattr(self, "_grad", None))  # ``del t.grad``: as PyTorch's, grad is None

    @property
    def retains_grad(self) -> bool:
        return bool(self._hooks) and any(getattr(h, "_retain", False) for h in self._hooks)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            self._grad_fn.add_tensor_hook(hook)  # (an output's own node, not its shared one)
            target = self._grad_fn.pre_hooks
        else:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            target = self._hooks
        return _HookHandle(target, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after backward has accumulated into this leaf's ``.grad``."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        wrapped = PostAccumulateHook(hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(wrapped)
        return _HookHandle(self._hooks, wrapped)

    # ----------------------------------------------------------------- pickling helpers
    def __getstate__(self):
        # PyTorch's (object's): the instance dictionary of a subclass's own attributes, or None;
        # tensors pickle through __reduce_ex__
        return getattr(self, "__dict__", None) or None


# set by gradkit.compat._api: (tensor) -> a reduction that shares its memory with a process
# being spawned, or None (see Tensor.share_memory_)
SHARED_REDUCE: list = []
# set by gradkit.compat.hook while installed: (tensor) -> PyTorch's reduction of it (through
# ``torch._utils``, which the hook serves from gradkit), or None where gradkit keeps its own
TORCH_REDUCE: list = []


def _rebuild(arr, requires_grad, cls):
    return retyped(_make(arr, requires_grad, None), cls)


_STATE_SLOTS = tuple(n for n in Tensor.__slots__ if n not in ("__weakref__", "__dict__"))


def retyped(t, cls):
    """``t`` as a ``cls`` object (``cls`` a subclass of Tensor): ``t`` itself where the class
    has no ``__dict__`` (Parameter), else a new object sharing all of ``t``'s state (a user's
    subclass; ``t`` must be held by nothing else)."""
    if type(t) is cls:
        return t
    try:
        t.__class__ = cls
        return t
    except TypeError:  # the layouts differ: a subclass with a __dict__
        pass
    new = object.__new__(cls)
    for name in _STATE_SLOTS:
        slot = Tensor.__dict__[name]
        try:
            slot.__set__(new, slot.__get__(t, Tensor))
        except AttributeError:  # (unset: _view_base on a tensor that is no view)
            pass
    return new


def _deepcopy_data(a, memo):
    """A deep copy of an array that keeps views views: arrays over one NumPy buffer copied in
    the same ``copy.deepcopy`` call (a tensor and its slices, a module's views of a flat
    parameter) share one new buffer, as PyTorch's deepcopy shares the copied storage."""
    if type(a) is not _ndarray:
        return a.copy()
    root = a
    while isinstance(root.base, _ndarray):
        root = root.base
    new_root = memo.get(id(root))
    if new_root is None:
        if not root.flags.c_contiguous or root.dtype != a.dtype and root is not a:
            return a.copy()
        new_root = root.copy()
        memo[id(root)] = new_root
        memo.setdefault(id(memo), []).append(root)  # keep the id valid (copy._keep_alive)
    if root is a:
        return new_root
    offset = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return _ndarray(a.shape, a.dtype, buffer=new_root, offset=offset, strides=a.strides)


def _is_sparse_data(a) -> bool:
    """Whether ``a`` (a non-ndarray ``_data``) is a sparse COO tensor's (gradkit/sparse/)."""
    return getattr(type(a), "_is_sparse_coo", False)


def _is_compressed_data(a) -> bool:
    """Whether ``a`` (a non-ndarray ``_data``) is a sparse CSR/CSC/BSR/BSC tensor's."""
    return getattr(type(a), "_is_sparse_compressed", False)


def _no_contiguity(a):
    raise RuntimeError(f"Sparse {a.name[6:].upper()} tensors do not have is_contiguous (their "
                       f"values are stored by row or column; .to_dense() gives a dense tensor)")


def _to_host(a):
    if type(a) is _ndarray:
        return a
    if type(a) is _CArray:
        return a.view(_ndarray)
    if type(a) is _MetaArray:
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    return a.get()


_tuple_new = tuple.__new__


def _size_item(v, i):
    """One entry of ``Size(...)``: an int, or what converts to one through ``__index__``
    (a NumPy integer, a 0-d integer tensor), as PyTorch's ``torch.Size``."""
    try:
        return v.__index__()
    except (AttributeError, TypeError):
        raise TypeError(f"gradkit.Size() takes an iterable of 'int' (item {i} is "
                        f"'{type(v).__name__}')") from None


class Size(tuple):
    """``tensor.shape``: a tuple that prints like PyTorch's ``torch.Size``."""

    def __new__(cls, sizes=()):
        out = _tuple_new(cls, sizes)
        for s in out:
            if type(s) is not int:   # NumPy integers, 0-d integer tensors: ints; else refused
                return _tuple_new(cls, [_size_item(v, i) for i, v in enumerate(out)])
        return out

    def __repr__(self):
        return f"gradkit.Size({list(self)})"

    # Slicing, concatenating and repeating a Size give a Size, as PyTorch's do (tuple's own
    # methods would return a plain tuple, which prints as one).
    def __getitem__(self, index, _get=tuple.__getitem__):
        out = _get(self, index)   # (an int for an int index: the common case, kept short)
        return out if type(out) is not tuple else _tuple_new(Size, out)

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return _tuple_new(Size, tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return _tuple_new(Size, tuple.__add__(other, self))

    def __mul__(self, times):
        out = tuple.__mul__(self, times)
        return out if out is NotImplemented else _tuple_new(Size, out)

    __rmul__ = __mul__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


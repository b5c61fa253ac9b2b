"""``Parameter`` and ``Buffer``: tensors that a :class:`~gradkit.nn.Module` registers.

A ``Parameter`` is a leaf :class:`~gradkit.Tensor` that requires grad by default and is picked up by
``Module.parameters()`` when assigned as a module attribute. A ``Buffer`` marks a tensor to be
registered as a buffer on assignment (``Module.register_buffer``).
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from .._tensor.repr import format_tensor as _format
from .._tensor.torch_function import disabled_torch_function_impl as _no_torch_function

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter", "is_lazy"]


def _array_of(data):
    if data is None:
        return np.empty((0,), dtype=_dtype.get_default_dtype())
    if isinstance(data, Tensor):
        return data._data
    from .._complex import as_carray
    from ..factories import _to_array

    return as_carray(_to_array(data, None))  # (complex data is held as CArray)


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning it as a module attribute registers it.

    ``Parameter(t)`` shares ``t``'s storage (no copy), like PyTorch.

    Args:
        data: the initial value (a Tensor, array or nested list). Empty when None.
        requires_grad: whether the parameter requires a gradient. Default: True.

    Examples:
        >>> w = gradkit.nn.Parameter(gradkit.randn(3, 4))
        >>> w.requires_grad
        True
    """

    __slots__ = ()
    __torch_function__ = _no_torch_function  # ops on parameters give plain Tensors

    def __init__(self, data=None, requires_grad: bool = True):
        arr = _array_of(data)
        self._data = arr
        self.requires_grad = False
        self.grad_fn = None
        self.grad = None
        self._vc = data._vc if isinstance(data, Tensor) else [0]
        self._hooks = None
        if requires_grad:
            self.requires_grad_(True)

    def __deepcopy__(self, memo):
        # PyTorch's Parameter copies its data and requires_grad only, not attributes set on it
        new = Tensor.__deepcopy__(self, memo)
        new.__dict__.clear()
        return new

    def __repr__(self):
        return "Parameter containing:\n" + _format(self)


# What a placeholder may still be asked (PyTorch's allowed methods of UninitializedTensorMixin,
# plus the attributes the module machinery and serialization read, and the ``is_*``
# predicates); any other public method is refused.
_PLACEHOLDER_OK = frozenset((
    "materialize", "cls_to_become", "shape", "size", "dtype", "device", "requires_grad",
    "requires_grad_", "grad", "grad_fn", "is_leaf", "data", "ndim", "copy_", "to", "cpu",
    "cuda", "half", "float", "double", "bfloat16", "int", "long", "short", "char", "type",
    "is_complex", "is_floating_point", "get_device", "is_meta", "is_cuda", "layout",
    "persistent", "share_memory_", "is_shared"))


def _placeholder_error(kind: str, what: str) -> ValueError:
    return ValueError(f"Attempted to use an uninitialized parameter in {what} ({kind}). This "
                      f"happens when a lazy module (LazyLinear, LazyConv2d, ...) is used before "
                      f"its first forward: call the model once with a dummy batch to "
                      f"initialize the parameters before counting, initialising or computing "
                      f"with them")


def _refuse(name):
    def refused(self, *args, **kwargs):
        raise _placeholder_error(type(self).__name__, name)

    refused.__name__ = name
    return refused


class _Uninitialized:
    """What the two placeholders share: no shape yet, ``materialize(shape)`` gives one (and turns
    the object into ``cls_to_become``, as PyTorch's ``UninitializedTensorMixin``). Any other use
    (``numel()``, arithmetic, ``nn.init``) raises PyTorch's ValueError instead of computing on
    an empty tensor: counting a lazy model's parameters before its first forward gave 0."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def __getattribute__(self, name):
        if name[0] != "_" and name not in _PLACEHOLDER_OK and not name.startswith("is_"):
            raise _placeholder_error(object.__getattribute__(self, "__class__").__name__,
                                     f"Tensor.{name}")
        return object.__getattribute__(self, name)

    for _name in ("__len__", "__iter__", "__getitem__", "__setitem__", "__bool__", "__float__",
                  "__int__", "__index__", "__neg__", "__pos__", "__abs__", "__invert__",
                  "__add__", "__radd__", "__iadd__", "__sub__", "__rsub__", "__isub__",
                  "__mul__", "__rmul__", "__imul__", "__truediv__", "__rtruediv__",
                  "__itruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__",
                  "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__lt__", "__le__",
                  "__gt__", "__ge__", "__and__", "__or__", "__xor__", "__array__"):
        locals()[_name] = _refuse(f"Tensor.{_name}")
    del _name

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Allocate the tensor with ``shape`` (uninitialised values) and become a plain
        ``Parameter`` (or ``Tensor`` for a buffer)."""
        from ..factories import empty

        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        t = empty(tuple(shape), dtype=dtype or self._data.dtype, device=device)
        self._data = t._data
        self._vc[0] += 1
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(f"Can't access the shape of an uninitialized parameter or buffer "
                           f"({type(self).__name__}). Run a forward pass (or load a state "
                           f"dict) to initialize the lazy module first.")

    def __repr__(self):
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter of a lazy module (``LazyLinear``, ...) whose shape is not known yet: it is
    materialised from the first input (or from a loaded state dict)."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        super().__init__(np.empty((0,), dtype=np.dtype(dtype) if dtype is not None
                                  else _dtype.get_default_dtype()), requires_grad)


class Buffer(Tensor):
    """A tensor that is registered as a buffer when assigned as a module attribute.

    Args:
        data: the value (a Tensor, array or nested list).
        persistent: whether the buffer is part of the module's ``state_dict``.
    """

    __slots__ = ("persistent",)
    __torch_function__ = _no_torch_function

    def __init__(self, data=None, *, persistent: bool = True):
        self._data = _array_of(data)
        self.requires_grad = False
        self.grad_fn = None
        self.grad = None
        self._vc = data._vc if isinstance(data, Tensor) else [0]
        self._hooks = None
        self.persistent = bool(persistent)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer of a lazy module whose shape is not known yet (see UninitializedParameter)."""

    __slots__ = ()
    __torch_function__ = _no_torch_function
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None,
                 persistent: bool = True):
        self._data = np.empty((0,), dtype=np.dtype(dtype) if dtype is not None
                              else _dtype.get_default_dtype())
        self.requires_grad = bool(requires_grad)
        self.grad_fn = None
        self.grad = None
        self._vc = [0]
        self._hooks = None


def is_lazy(param) -> bool:
    """Whether ``param`` is a lazy module's placeholder (not materialised yet)."""
    return isinstance(param, _Uninitialized)

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

__all__ = ["Buffer", "Parameter", "UninitializedParameter"]


def _array_of(data):
    if data is None:
        return np.empty((0,), dtype=_dtype.get_default_dtype())
    if isinstance(data, Tensor):
        return data._data
    from ..factories import _to_array

    return _to_array(data, None)


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning it as a module attribute registers it.

    ``Parameter(t)`` shares ``t``'s storage (no copy), like PyTorch.

    Args:
        data: the initial value (a Tensor, array or nested list). Empty when None.
        requires_grad: whether the parameter requires a gradient. Default: True.

    Example:
        >>> w = gradkit.nn.Parameter(gradkit.randn(3, 4))
        >>> w.requires_grad
        True
    """

    __slots__ = ()

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

    def __repr__(self):
        return "Parameter containing:\n" + _format(self)


class UninitializedParameter(Parameter):
    """Placeholder for lazily initialised modules (not used by gradkit's layers)."""

    __slots__ = ()


class Buffer(Tensor):
    """A tensor that is registered as a buffer when assigned as a module attribute.

    Args:
        data: the value (a Tensor, array or nested list).
        persistent: whether the buffer is part of the module's ``state_dict``.
    """

    __slots__ = ("persistent",)

    def __init__(self, data=None, *, persistent: bool = True):
        self._data = _array_of(data)
        self.requires_grad = False
        self.grad_fn = None
        self.grad = None
        self._vc = data._vc if isinstance(data, Tensor) else [0]
        self._hooks = None
        self.persistent = bool(persistent)

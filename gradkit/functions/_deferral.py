"""Operators that give way to the other operand's reflected method (``t * x`` as
``x.__rmul__(t)``) when they cannot read it, as PyTorch's operators do."""

from __future__ import annotations

import numpy as np

from .._tensor.tensor import Tensor


def _defers(other, reflected):
    """Whether an operator should return NotImplemented for ``other``, so that Python calls
    ``other``'s ``reflected`` method (``t * x`` as ``x.__rmul__(t)``), as PyTorch's operators do
    for operands they cannot read: true when ``other`` is not a Tensor or array and a class of
    its own (not a builtin such as tuple) defines ``reflected``."""
    if isinstance(other, (Tensor, np.ndarray, np.generic)):
        return False
    for k in type(other).__mro__:
        if reflected in k.__dict__:
            return k.__module__ != "builtins"
    return False


def _deferring(reflected):
    """An operator ``fn(self, other)`` that gives way to ``other.<reflected>`` when it cannot
    read ``other`` (see ``_defers``); other TypeErrors reach the caller unchanged."""
    def wrap(fn):
        def face(self, other):
            try:
                return fn(self, other)
            except TypeError:
                if _defers(other, reflected):
                    return NotImplemented
                raise

        face.__name__, face.__qualname__, face.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        return face

    return wrap

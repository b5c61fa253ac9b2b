"""Python data as arrays for ``tensor()``/``as_tensor()``: the dtype PyTorch infers from nested
numbers, tensors and NumPy scalars, nested sequences with each one-element tensor as its number,
PyTorch's errors for ragged nesting, and PyTorch's warnings about how a tensor is made."""

from __future__ import annotations

import numpy as np

from . import _dtype
from ._tensor.tensor import Tensor
from ._warnings import warn_once

# PyTorch's warnings, word for word (programs filter them by their text)
_COPY_CONSTRUCT = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).")
_ARRAYS_IN_LIST = (
    "Creating a tensor from a list of numpy.ndarrays is extremely slow. Please consider "
    "converting the list to a single numpy.ndarray with numpy.array() before converting to a "
    "tensor.")
_NOT_WRITABLE = (
    "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. "
    "This means writing to this tensor will result in undefined behavior. You may want to copy "
    "the array to protect its data or make it writable before converting it to a tensor. This "
    "type of warning will be suppressed for the rest of this program.")


def _infer_dtype(data):
    """The PyTorch dtype of nested Python data: Python numbers count as the default float, int64
    or bool; NumPy scalars and Tensors keep their own dtype; the result promotes all of them."""
    found = set()
    default = _dtype.get_default_dtype()

    def walk(x):
        if isinstance(x, np.generic):
            if x.dtype.kind not in "biufc":
                raise TypeError(f"can't convert a NumPy scalar of type {x.dtype} to a tensor")
            found.add(x.dtype)
        elif isinstance(x, bool):
            found.add(_dtype.bool)
        elif isinstance(x, int):
            found.add(_dtype.int64)
        elif isinstance(x, float):
            found.add(default)
        elif isinstance(x, Tensor):
            found.add(x.dtype)
        elif isinstance(x, np.ndarray) and x.dtype.kind in "biufc":  # rows given as arrays
            found.add(x.dtype)
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
        elif isinstance(x, range):  # (a sequence of ints to PyTorch: tensor(range(n)))
            if len(x):
                found.add(_dtype.int64)
        elif isinstance(x, complex):
            found.add(default.to_complex())
        else:  # (PyTorch: TypeError for a str or bytes, RuntimeError for another object)
            raise (TypeError if isinstance(x, (str, bytes)) else RuntimeError)(
                f"Could not infer dtype of {type(x).__name__}; expected numbers, nested "
                f"lists/tuples of numbers, NumPy arrays or Tensors"
            )

    first = data  # (PyTorch infers the shape from the first elements first: a str there is a
    while isinstance(first, (list, tuple)) and first:  # sequence, one dimension too many)
        first = first[0]
        if isinstance(first, str):
            raise ValueError(f"too many dimensions 'str': a tensor holds numbers, not strings "
                             f"(got {first!r}); convert them first, e.g. float(s)")
    walk(data)
    if not found:
        return default
    result = None
    for d in found:
        result = d if result is None else _dtype.promote_types(result, d)
    return result


def _unwrap_nested(data):
    """Nested lists with each Tensor element as the number it holds: a Tensor inside a sequence
    is one scalar, as in PyTorch (``tensor([torch.ones(1), torch.ones(1)])`` has shape (2,),
    not (2, 1)); one of more (or fewer) elements is PyTorch's ValueError."""
    if isinstance(data, Tensor):
        if data.numel() != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars: "
                             f"tensor() got a sequence holding a tensor of shape "
                             f"{tuple(data.shape)}; use torch.stack(...) or torch.cat(...) to "
                             f"join tensors")
        d = data._data
        return (d if isinstance(d, np.ndarray) else d.get()).reshape(())
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(x) for x in data]
    if isinstance(data, np.ndarray):
        warn_once("tensor-from-list-of-ndarrays", _ARRAYS_IN_LIST)
    return data


def _ragged_error(nested):
    """PyTorch's error for nested lists that are not a grid: each depth's length is the first
    row's; a row of another length is a ValueError, a number where a row belongs (or a row
    where a number belongs) a TypeError."""
    def is_seq(x):
        return isinstance(x, (list, tuple)) or isinstance(x, np.ndarray) and x.ndim > 0

    shape, x = [], nested
    while is_seq(x):
        shape.append(len(x))
        if not len(x):
            break
        x = x[0]

    def check(x, depth):
        if depth == len(shape):
            if is_seq(x):
                return TypeError(
                    f"tensor(): a sequence where a number belongs at dim {depth} (the first "
                    f"element at each depth sets the shape {shape}); every row at one depth must "
                    f"have the same length")
            return None
        if not is_seq(x):
            return TypeError(
                f"tensor(): not a sequence: a {type(x).__name__} at dim {depth} where a row of "
                f"length {shape[depth]} belongs (shape {shape} from the first elements)")
        if len(x) != shape[depth]:
            return ValueError(
                f"expected sequence of length {shape[depth]} at dim {depth} (got {len(x)}): "
                f"the nested lists are ragged; every row at one depth must have the same length")
        for y in x:
            err = check(y, depth + 1)
            if err is not None:
                return err
        return None

    return check(nested, 0) or ValueError(
        "tensor(): the nested lists are ragged (rows of different lengths); every row at one "
        "depth must have the same length")

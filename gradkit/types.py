"""``gradkit.types``: the type aliases PyTorch's ``torch.types`` gives annotations."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import IO, Union

from ._dtype import dtype as _dtype
from ._tensor import Size, Tensor
from .device import Device as _device

__all__ = ["Number", "Device", "Storage", "Size", "Tensor", "FileLike"]

_bool = bool
_int = int
_float = float
_complex = complex
_str = str
_bytes = bytes
_size = Union[Size, list, tuple]
_layout = object
_qscheme = object
_dispatchkey = Union[str, object]
Number = Union[int, float, bool]
_Number = (int, float, bool)
Device = Union[_device, str, int, None]
Storage = object
FileLike = Union[str, os.PathLike, IO[bytes]]
_TensorOrTensors = Union[Tensor, Sequence[Tensor]]
_TensorOrOptionalTensors = Union[Tensor, Sequence[Union[Tensor, None]]]
py_sym_types = ()
__all__ += ["_dtype", "_device"]

"""The Tensor class and how ops record graph nodes.

- ``tensor.py``: the class (state, attributes, Python protocols, autograd methods);
- ``record.py``: running an op and recording its node (``apply1``/``apply2``/``apply``,
  ``inplace``) — the per-op hot path;
- ``namespace.py``: the NumPy-like namespace over Tensors that backward rules get under
  ``create_graph=True``;
- ``repr.py``: printing;
- ``torch_function.py``: the ``__torch_function__`` protocol (subclasses, tensor-likes).

Tensor methods are declared in ``gradkit/functions/`` by kind and attached by
``gradkit.functions.install``.
"""

from .record import apply, apply1, apply2, inplace
from .tensor import Size, Tensor, _make, as_tensor_arg, wrap
from . import torch_function as _torch_function

_torch_function.install()  # Tensor.__torch_function__, as_subclass, dispatch for subclasses

__all__ = ["Size", "Tensor", "_make", "apply", "apply1", "apply2", "as_tensor_arg", "inplace",
           "wrap"]

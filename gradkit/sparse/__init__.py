"""Sparse COO tensors (PyTorch's ``torch.sparse``).

A sparse COO tensor is a :class:`gradkit.Tensor` with ``layout == gradkit.sparse_coo``: made by
``gradkit.sparse_coo_tensor(indices, values, size)`` or ``dense.to_sparse()``, read with
``.indices()``/``.values()``/``.to_dense()``, summed with ``.coalesce()``. It multiplies dense
matrices (``gradkit.sparse.mm``, ``gradkit.mm``/``matmul``/``spmm``/``@``), adds to sparse and
dense tensors, scales by numbers and transposes; the dense operand gets a dense gradient, a
sparse leaf a sparse one where PyTorch gives one. Other ops raise PyTorch's error type and say to
use ``.to_dense()``.

- ``_coo.py``: the array behind a sparse tensor (``SparseCOO``) and the layout objects;
- ``_ops.py``: construction, conversions, the differentiable sparse ops and the legacy types
  (``gradkit.sparse.FloatTensor(indices, values, size)``);
- ``_repr.py``: printing as PyTorch does.
"""

from ._coo import layout, sparse_coo, strided
from ._ops import (
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    addmm,
    log_softmax,
    mm,
    softmax,
    sparse_coo_tensor,
    spmm,
    sum,
)

__all__ = ["ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor",
           "LongTensor", "ShortTensor", "addmm", "layout", "log_softmax", "mm", "softmax",
           "sparse_coo", "sparse_coo_tensor", "spmm", "strided", "sum"]

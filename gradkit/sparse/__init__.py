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

The compressed layouts (``gradkit.sparse_csr``, ``sparse_csc``, ``sparse_bsr``, ``sparse_bsc``)
are made by ``gradkit.sparse_csr_tensor(crow_indices, col_indices, values, size)`` (and its
csc/bsr/bsc/compressed siblings) or ``dense.to_sparse_csr()`` (``to_sparse_csc``,
``to_sparse_bsr(blocksize)``, ``to_sparse_bsc(blocksize)``, ``to_sparse(layout=...)``), read with
``crow_indices()``/``col_indices()`` (``ccol_indices()``/``row_indices()``)/``values()``, and
multiply dense matrices and vectors (``@``, ``mm``, ``mv``, ``addmm``, ``gradkit.sparse.mm``)
with gradients for the dense operand and for the values:

- ``_compressed.py``: the array behind them (``SparseCompressed``), its products and
  elementwise ops;
- ``_compressed_ops.py``: construction with PyTorch's invariant checks, conversions, accessors.
"""

from ._compressed_ops import check_sparse_tensor_invariants, sparse_compressed_tensor
from ._coo import layout, sparse_bsc, sparse_bsr, sparse_coo, sparse_csc, sparse_csr, strided
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
           "LongTensor", "ShortTensor", "addmm", "check_sparse_tensor_invariants", "layout",
           "log_softmax", "mm", "softmax", "sparse_bsc", "sparse_bsr", "sparse_compressed_tensor",
           "sparse_coo",
           "sparse_coo_tensor", "sparse_csc", "sparse_csr", "spmm", "strided", "sum"]

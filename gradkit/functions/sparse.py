"""Sparse Tensor methods: ``to_sparse``/``to_sparse_coo``, ``to_dense``, ``coalesce``,
``is_coalesced``, ``indices``/``values`` (and ``_indices``/``_values``), ``_nnz``,
``sparse_dim``/``dense_dim``, ``sparse_mask``; the compressed layouts'
``to_sparse_csr``/``csc``/``bsr``/``bsc`` and
``crow_indices``/``col_indices``/``ccol_indices``/``row_indices``. The sparse tensors and their
ops are in ``gradkit/sparse/``; ``is_sparse``, ``is_sparse_csr`` and ``layout`` are attributes
in ``_tensor/tensor.py``."""
from __future__ import annotations

from ..sparse import _coo
from ..sparse import _ops as S
from ._registry import tensor_method

__all__: list = []


@tensor_method("to_sparse")
def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """A sparse COO copy holding the nonzero entries (with ``sparse_dim`` sparse dims, given by
    position or by PyTorch's keyword, or ``dense_dim`` trailing dense dims); differentiable."""
    return S.to_sparse(self, sparse_dim, layout=layout, blocksize=blocksize, dense_dim=dense_dim)


@tensor_method("to_sparse_coo")
def to_sparse_coo(self):
    return S.to_sparse(self)


@tensor_method("to_dense")
def to_dense(self, dtype=None, *, masked_grad=None):
    """The dense tensor of a sparse one (duplicates summed); a dense tensor itself."""
    return S.to_dense(self, dtype, masked_grad=masked_grad)


@tensor_method("coalesce")
def coalesce(self):
    """Entries sorted, duplicate indices summed into one; differentiable."""
    return S.coalesce(self)


@tensor_method("is_coalesced")
def is_coalesced(self) -> bool:
    return S.is_coalesced(self)


@tensor_method("indices")
def indices(self):
    """The ``(sparse_dim, nnz)`` indices of a coalesced sparse tensor."""
    return S.indices(self)


@tensor_method("values")
def values(self):
    """The ``(nnz, *dense)`` values of a coalesced sparse tensor; differentiable."""
    return S.values(self)


@tensor_method("_indices")
def _indices(self):
    """The indices as stored (also of an uncoalesced tensor)."""
    return S.indices(self, _check=False)


@tensor_method("_values")
def _values(self):
    """The values as stored (also of an uncoalesced tensor), sharing their memory, outside the
    graph as PyTorch's (``values()`` is the differentiable one)."""
    return S.values(self, _check=False).detach()


@tensor_method("_nnz")
def _nnz(self) -> int:
    return S.nnz(self)


@tensor_method("sparse_dim")
def sparse_dim(self) -> int:
    return S.sparse_dim(self)


@tensor_method("dense_dim")
def dense_dim(self) -> int:
    return S.dense_dim(self)


def _compressed():
    from ..sparse import _compressed_ops

    return _compressed_ops


@tensor_method("to_sparse_csr")
def to_sparse_csr(self, dense_dim=None):
    """A sparse CSR copy (rows compressed) of a dense, COO or compressed tensor: the nonzero
    entries of each row; leading dims beyond two (and ``dense_dim`` trailing ones) are batch
    dims. Differentiable."""
    return _compressed().to_compressed(self, _coo.sparse_csr, None, dense_dim)


@tensor_method("to_sparse_csc")
def to_sparse_csc(self, dense_dim=None):
    """A sparse CSC copy (columns compressed); differentiable."""
    return _compressed().to_compressed(self, _coo.sparse_csc, None, dense_dim)


@tensor_method("to_sparse_bsr")
def to_sparse_bsr(self, blocksize, dense_dim=None):
    """A sparse BSR copy: the ``blocksize`` ``(br, bc)`` blocks holding a nonzero, rows of
    blocks compressed; differentiable."""
    return _compressed().to_compressed(self, _coo.sparse_bsr, blocksize, dense_dim)


@tensor_method("to_sparse_bsc")
def to_sparse_bsc(self, blocksize, dense_dim=None):
    """A sparse BSC copy: ``blocksize`` blocks, columns of blocks compressed; differentiable."""
    return _compressed().to_compressed(self, _coo.sparse_bsc, blocksize, dense_dim)


@tensor_method("crow_indices")
def crow_indices(self):
    """The compressed row indices ``(*batch, rows + 1)`` of a CSR/BSR tensor."""
    return _compressed().crow_indices(self)


@tensor_method("col_indices")
def col_indices(self):
    """The column index of each entry ``(*batch, nnz)`` of a CSR/BSR tensor."""
    return _compressed().col_indices(self)


@tensor_method("ccol_indices")
def ccol_indices(self):
    """The compressed column indices ``(*batch, cols + 1)`` of a CSC/BSC tensor."""
    return _compressed().ccol_indices(self)


@tensor_method("row_indices")
def row_indices(self):
    """The row index of each entry ``(*batch, nnz)`` of a CSC/BSC tensor."""
    return _compressed().row_indices(self)


@tensor_method("sparse_mask")
def sparse_mask(self, mask):
    """This tensor's values at the entries of the sparse COO ``mask`` (its values ignored), as a
    sparse COO tensor of ``mask``'s indices; differentiable (optimizers with sparse gradients
    read their dense state there)."""
    return S.sparse_mask(self, mask)


@tensor_method("_coalesced_")
def _coalesced_(self, coalesced):
    """Marks a sparse COO tensor coalesced (or not) without checking its entries, in place
    (PyTorch's ``_coalesced_``, which libraries call on indices they know to be sorted and
    unique); returns it."""
    S._need_sparse(self, "_coalesced_").coalesced = bool(coalesced)
    return self

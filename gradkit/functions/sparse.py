"""Sparse COO Tensor methods: ``to_sparse``/``to_sparse_coo``, ``to_dense``, ``coalesce``,
``is_coalesced``, ``indices``/``values`` (and ``_indices``/``_values``), ``_nnz``,
``sparse_dim``/``dense_dim``. The sparse tensors and their ops are in ``gradkit/sparse/``;
``is_sparse`` and ``layout`` are attributes in ``_tensor/tensor.py``."""

from __future__ import annotations

from ..sparse import _ops as S
from ._registry import tensor_method

__all__: list = []


@tensor_method("to_sparse")
def to_sparse(self, sparseDims=None, *, layout=None, blocksize=None, dense_dim=None):
    """A sparse COO copy holding the nonzero entries (with ``sparseDims`` sparse dims, or
    ``dense_dim`` trailing dense dims); differentiable."""
    return S.to_sparse(self, sparseDims, layout=layout, blocksize=blocksize, dense_dim=dense_dim)


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
    """The values as stored (also of an uncoalesced tensor); differentiable."""
    return S.values(self, _check=False)


@tensor_method("_nnz")
def _nnz(self) -> int:
    return S.nnz(self)


@tensor_method("sparse_dim")
def sparse_dim(self) -> int:
    return S.sparse_dim(self)


@tensor_method("dense_dim")
def dense_dim(self) -> int:
    return S.dense_dim(self)

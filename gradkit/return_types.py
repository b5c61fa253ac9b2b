"""Named result tuples, as PyTorch's ``torch.return_types``.

Each class is a named tuple with PyTorch's name and fields (``torch.max(x, 1)`` returns a
``return_types.max`` of ``(values, indices)``; ``torch.linalg.svd`` a ``linalg_svd`` of
``(U, S, Vh)``) and prints as PyTorch's::

    gradkit.return_types.topk(
    values=tensor([3., 2.]),
    indices=tensor([0, 2]))

(``torch.return_types.topk(`` under ``gradkit run``).
"""

from __future__ import annotations

import collections

from ._dtype import _NAMESPACE

__all__ = []


def _repr(self):
    body = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
    return f"{_NAMESPACE[0]}.return_types.{type(self).__name__}(\n{body})"


def _declare(name: str, fields: str):
    cls = collections.namedtuple(name, fields.split())
    cls.__module__ = __name__
    cls.__repr__ = _repr
    cls.__str__ = _repr
    globals()[name] = cls
    __all__.append(name)
    return cls


for _name, _fields in (
    ("max", "values indices"), ("min", "values indices"), ("sort", "values indices"),
    ("topk", "values indices"), ("kthvalue", "values indices"), ("median", "values indices"),
    ("nanmedian", "values indices"), ("mode", "values indices"), ("cummax", "values indices"),
    ("cummin", "values indices"), ("aminmax", "min max"), ("frexp", "mantissa exponent"),
    ("histogram", "hist bin_edges"), ("slogdet", "sign logabsdet"), ("qr", "Q R"),
    ("histogramdd", "hist bin_edges"),
    ("svd", "U S V"), ("geqrf", "a tau"), ("triangular_solve", "solution cloned_coefficient"),
    ("lu_unpack", "P L U"), ("linalg_slogdet", "sign logabsdet"),
    ("linalg_eigh", "eigenvalues eigenvectors"), ("linalg_eig", "eigenvalues eigenvectors"),
    ("linalg_svd", "U S Vh"), ("linalg_qr", "Q R"), ("linalg_lu", "P L U"),
    ("linalg_lu_factor", "LU pivots"), ("linalg_lu_factor_ex", "LU pivots info"),
    ("linalg_cholesky_ex", "L info"), ("linalg_inv_ex", "inverse info"),
    ("linalg_solve_ex", "result info"), ("linalg_ldl_factor", "LD pivots"),
    ("linalg_ldl_factor_ex", "LD pivots info"),
    ("linalg_lstsq", "solution residuals rank singular_values"),
):
    _declare(_name, _fields)
    _declare(_name + "_out", _fields)  # what the out= form returns (torch.max(x, 1, out=...))
del _name, _fields

"""Linear algebra of empty inputs in the dtypes gradkit's kernels refuse.

PyTorch skips a linalg kernel when its input has no elements, so the dtype check that lives
in the kernel (``"lu_cpu" not implemented for 'Half'``) never runs: ``linalg.det`` of an empty
float16 batch is an empty float16 tensor, ``linalg.lu`` of an empty uint8 matrix three empty
uint8 factors. Here one shared face gives every such function that answer: an empty input
of a dtype the function lets through when empty (``EMPTY_DTYPES``, measured against PyTorch
2.13) is computed as float32 (nothing is computed: only the shapes) and each floating result
is returned in the input's dtype; integer results (pivots, info) keep their int32.
"""

from __future__ import annotations

import functools

from .. import _dtype

__all__ = ["EMPTY_DTYPES", "TOP_EMPTY_DTYPES", "install", "with_empty"]

_LOW = ("float16", "bfloat16")
_ANY = _LOW + ("uint8", "int8", "int16", "int32", "int64", "bool")

# the dtypes each function takes when its input is empty (beyond float32/float64/complex)
EMPTY_DTYPES = {
    **{n: _LOW for n in ("det", "cholesky", "cholesky_ex", "svd", "svdvals", "solve",
                         "solve_ex", "matrix_exp", "ldl_factor", "ldl_factor_ex", "lu_solve")},
    **{n: _ANY for n in ("eigh", "eigvalsh", "lu", "lu_factor", "lu_factor_ex", "cond")},
}
# the same for PyTorch's top-level forms (``torch.det``, ``Tensor.cholesky``, ...)
TOP_EMPTY_DTYPES = {"det": _LOW, "svd": _LOW, "matrix_exp": _LOW, "cholesky": _ANY}


def _as_float(x, dtype):
    from .._tensor import Tensor

    if isinstance(x, Tensor) and x.dtype == dtype:
        return x.float()
    return x


def _back(r, dtype):
    if isinstance(r, tuple):
        return type(r)(*(_back(x, dtype) for x in r))
    return r.to(dtype) if r.dtype == _dtype.float32 else r


def with_empty(fn, dtypes):
    """``fn`` answering an empty input of one of ``dtypes`` with empty results in its dtype."""
    from .._tensor import Tensor

    names = frozenset(dtypes)

    @functools.wraps(fn)
    def face(A, *args, **kwargs):
        if isinstance(A, Tensor) and A.numel() == 0 and str(A.dtype).split(".")[-1] in names:
            dt = A.dtype
            args = [_as_float(a, dt) for a in args]
            kwargs = {k: _as_float(v, dt) for k, v in kwargs.items()}
            return _back(fn(A.float(), *args, **kwargs), dt)
        return fn(A, *args, **kwargs)

    return face


def install(namespace: dict) -> None:
    """Give the functions of ``namespace`` (gradkit.linalg's globals) their empty-input face."""
    for n, dtypes in EMPTY_DTYPES.items():
        namespace[n] = with_empty(namespace[n], dtypes)

"""PyTorch's legacy linear-algebra names: ``frobenius_norm`` and ``nuclear_norm`` (kept by
PyTorch for TorchScript, deprecated in favour of ``linalg.vector_norm``/``matrix_norm``, which
they call), and the Tensor methods ``lstsq``/``solve``/``eig``/``symeig`` that PyTorch removed
in 1.9 and that raise, as PyTorch's, an error naming their ``linalg`` replacement."""

from __future__ import annotations

import numpy as np

from .._tensor.tensor import Tensor
from .._warnings import warn_once
from ..functions._args import _tensor_operands, _wrap_dim
from ..functions._registry import tensor_method

__all__ = ["frobenius_norm", "nuclear_norm"]

_REMOVED = "This function was deprecated since version 1.9 and is now removed. "


def _deprecated(name, instead, out_overload=True):
    """PyTorch's deprecation, once per process per overload (its ``TORCH_WARN_ONCE`` in each
    kernel: the function, its ``out=`` form; ``nuclear_norm``'s ``out=`` with and without
    ``dim`` apart), before the input's values are checked."""
    warn_once(f"at::{name}", f"at::{name} is deprecated and it is just left for JIT "
              f"compatibility. It will be removed in a future PyTorch release. Please use "
              f"`{instead}` instead", per_out=out_overload)


def _dim_list(dim, name):
    if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        return (int(dim),)
    if not isinstance(dim, (list, tuple)):
        raise TypeError(f"{name}(): argument 'dim' must be tuple of ints, not "
                        f"{type(dim).__name__}")
    return tuple(dim)


def frobenius_norm(input, dim, keepdim=False):
    """``linalg.vector_norm(input, 2, dim, keepdim)`` over at most two dims (``dim=[]``: every
    element)."""
    from .. import linalg

    _tensor_operands("frobenius_norm", (1, "input", input))  # (before the warning, as PyTorch)
    dims = _dim_list(dim, "frobenius_norm")
    _deprecated("frobenius_norm", "linalg.vector_norm(A, 2., dim, keepdim)")
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions "
                           f"instead.")
    if isinstance(input, Tensor):  # an integral dtype, then the dims, as PyTorch
        if input._data.dtype.kind in "biu":
            raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                               f"Got {input.dtype} instead; convert it first, e.g. x.float()")
        for d in dims:
            _wrap_dim(d, input.ndim)
    return linalg.vector_norm(input, 2, dims, keepdim)


# keepdim left out, told apart from a False passed (nuclear_norm(x, False, keepdim=False) is
# PyTorch's TypeError: keepdim twice)
_NO_KEEPDIM = type("_NoKeepdim", (), {"__slots__": (), "__repr__": lambda self: "False"})()


def nuclear_norm(input, *args, dim=None, keepdim=_NO_KEEPDIM):
    """``linalg.matrix_norm(input, 'nuc', dim, keepdim)``: the sum of the singular values of the
    matrices over ``dim`` (the last two dims by default). PyTorch's two overloads:
    ``nuclear_norm(input, dim, keepdim=False)`` and ``nuclear_norm(input, keepdim=False)``, so a
    bool given by position is ``keepdim`` (``nuclear_norm(x, True)``) and ``dim=True`` is
    refused."""
    from .. import linalg

    _tensor_operands("nuclear_norm", (1, "input", input))  # (before the warning, as PyTorch)
    if args and isinstance(args[0], bool):  # nuclear_norm(input, keepdim)
        if len(args) > 1 or dim is not None:
            raise TypeError("nuclear_norm() received an invalid combination of arguments: a "
                            "bool by position is keepdim; give dim before it, e.g. "
                            "nuclear_norm(x, (0, 1), True)")
        args = (None, args[0])
    if len(args) > 2:
        raise TypeError(f"nuclear_norm() takes at most 3 positional arguments (input, dim, "
                        f"keepdim) but {len(args) + 1} were given")
    if args:
        if dim is not None or (len(args) > 1 and keepdim is not _NO_KEEPDIM):
            raise TypeError("nuclear_norm() got an argument both by position and by keyword")
        dim = args[0]
        keepdim = args[1] if len(args) > 1 else keepdim
    keepdim = False if keepdim is _NO_KEEPDIM else keepdim
    if isinstance(dim, bool) and not args:
        raise TypeError("nuclear_norm(): argument 'dim' must be a tuple of two ints, not bool "
                        "(for keepdim pass keepdim=True)")
    if isinstance(dim, Tensor) and dim.numel() == 1 and dim._data.dtype.kind in "iu":
        dim = int(dim.item())  # (a one-element integer tensor is an int, as PyTorch's SymInt)
    if dim is not None and (isinstance(dim, bool) or not isinstance(
            dim, (tuple, list, int, np.integer))):  # (PyTorch's int[2] dim: one int is two)
        raise TypeError(f"nuclear_norm(): argument 'dim' must be a tuple of two ints, not "
                        f"{type(dim).__name__}")
    if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        dim = (int(dim), int(dim))  # (PyTorch's int[2]: one int is given for both)
    _deprecated("nuclear_norm", "linalg.matrix_norm(A, 'nuc', dim, keepdim)",
                True if dim is None else " dim")
    return linalg.matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim)


def _removed(name, message):
    def method(self, *args, **kwargs):
        raise RuntimeError(_REMOVED + message)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = "Removed in PyTorch 1.9: raises, naming the ``linalg`` replacement."
    return tensor_method(name)(method)


_removed("lstsq",
         "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has "
         "reversed arguments and does not return the QR decomposition in the returned tuple "
         "(although it returns other information about the problem).\n\nTo get the QR "
         "decomposition consider using `torch.linalg.qr`.\n\nThe returned solution in "
         "`torch.lstsq` stored the residuals of the solution in the last m - n columns of the "
         "returned value whenever m > n. In torch.linalg.lstsq, the residuals are in the field "
         "'residuals' of the returned named tuple.\n\nThe unpacking of the solution, as in\n"
         "X, _ = torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\n"
         "X = torch.linalg.lstsq(A, B).solution")
_removed("solve",
         "`torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` has "
         "its arguments reversed and does not return the LU factorization.\n\nTo get the LU "
         "factorization see `torch.lu`, which can be used with `torch.lu_solve` or "
         "`torch.lu_unpack`.\nX = torch.solve(B, A).solution should be replaced with:\n"
         "X = torch.linalg.solve(A, B)")
_removed("eig",
         "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than "
         "real tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced "
         "with:\nL_complex = torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, "
         "eigenvectors=True) should be replaced with:\nL_complex, V_complex = "
         "torch.linalg.eig(A)")
_removed("symeig",
         "The default behavior has changed from using the upper triangular portion of the "
         "matrix by default to using the lower triangular portion.\n\nL, _ = "
         "torch.symeig(A, upper=upper) should be replaced with:\nL = torch.linalg.eigvalsh(A, "
         "UPLO='U' if upper else 'L')\n\nand\n\nL, V = torch.symeig(A, eigenvectors=True) "
         "should be replaced with:\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')")

"""The BLAS form of the optimizer kernels: level-1 BLAS from the OpenBLAS inside NumPy's wheels.

An optimizer may give a BLAS form of its kernel (Adam, AdamW and SGD do): large float32/float64
parameters are then updated with level-1 BLAS (``scal``, ``axpy``, ``axpby``) from the OpenBLAS
that NumPy's wheels carry, called through ctypes on the optimizer's threads (Adam in cache-sized
chunks, SGD in whole slices; see ``_runner``): one pass where ufuncs take two or three. ``axpy``
rounds once, a fused multiply-add, as PyTorch's CPU kernels compute ``add(..., alpha=...)``:
SGD's update rounds as PyTorch's (except the last n mod 32 elements of a call under OpenBLAS's
Haswell kernels); Adam's moments and update stay within a rounding of PyTorch's. OpenBLAS is
held to one thread meanwhile (a matrix product in another Python thread then runs on one thread
too). Where that library cannot be found the ufunc kernel runs. ``GRADKIT_OPTIM_BLAS=0`` (read at
import) turns this off.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import numpy as np

from ._threads import CountedSetting

__all__ = ["Blas"]

# (Pyodide's NumPy has no BLAS, and ctypes is not worth probing there)
_BLAS_ENABLED = os.environ.get("GRADKIT_OPTIM_BLAS", "1") != "0" and sys.platform not in (
    "emscripten", "wasi")
_BLAS: list = []        # [({dtype: Blas}, get_num_threads, set_num_threads) or None]


class Blas:
    """Level-1 BLAS routines of one dtype on contiguous, writeable arrays (``_numpy_blas``).

    ``scal(a, x)``: ``x *= a``; ``axpy(a, x, y)``: ``y += a * x`` with one fused multiply-add
    per element, rounded once as PyTorch's CPU kernels round ``y.add_(x, alpha=a)`` and
    ``lerp``; ``axpby(a, x, b, y)``: ``y = a * x + b * y`` in one pass. With ``a = 1`` that is
    ``round(x + round(b * y))``, PyTorch's ``y.mul_(b).add_(x)``; otherwise it rounds once or
    twice depending on the kernel OpenBLAS picked for the CPU (within a rounding either way).
    """

    __slots__ = ("axpby", "axpy", "scal")

    def __init__(self, c_scal, c_axpy, c_axpby) -> None:
        import ctypes

        # The address of an array's first element: 0.3 us, against 0.9 us for ``a.ctypes.data``.
        addr, view = ctypes.addressof, ctypes.c_char.from_buffer

        def scal(a, x):
            c_scal(x.size, float(a), addr(view(x)), 1)

        def axpy(a, x, y):
            c_axpy(y.size, float(a), addr(view(x)), 1, addr(view(y)), 1)

        def axpby(a, x, b, y):
            c_axpby(y.size, float(a), addr(view(x)), 1, float(b), addr(view(y)), 1)

        self.scal, self.axpy, self.axpby = scal, axpy, axpby


def _numpy_blas() -> tuple[dict, Callable, Callable] | None:
    """``({dtype: Blas}, get_num_threads, set_num_threads)`` for float32 and float64 from the
    OpenBLAS inside NumPy's wheels, through ctypes, or None where it cannot be found.

    NumPy's wheels link a 64-bit-integer OpenBLAS whose C functions are named
    ``scipy_cblas_<x>64_``; the names are looked up through NumPy's extension module (whose
    library dependencies the dynamic linker searches). Other builds (Accelerate, MKL, a system
    BLAS, Windows) do not export these exact names, and then the ufunc kernels run instead.
    A second BLAS library (SciPy's own OpenBLAS) was tried and made a training step more than
    twice as slow on 2 cores, its threads and NumPy's spinning against each other.
    """
    try:
        import ctypes

        from numpy._core import _multiarray_umath

        lib = ctypes.CDLL(_multiarray_umath.__file__)
        n_t, ptr = ctypes.c_int64, ctypes.c_void_p
        table = {}
        for dtype, x, real in ((np.float32, "s", ctypes.c_float),
                               (np.float64, "d", ctypes.c_double)):
            c_scal = getattr(lib, f"scipy_cblas_{x}scal64_")
            c_scal.argtypes = [n_t, real, ptr, n_t]
            c_axpy = getattr(lib, f"scipy_cblas_{x}axpy64_")
            c_axpy.argtypes = [n_t, real, ptr, n_t, ptr, n_t]
            c_axpby = getattr(lib, f"scipy_cblas_{x}axpby64_")
            c_axpby.argtypes = [n_t, real, ptr, n_t, real, ptr, n_t]
            for f in (c_scal, c_axpy, c_axpby):
                f.restype = None
            table[np.dtype(dtype)] = Blas(c_scal, c_axpy, c_axpby)
        get_threads = lib.scipy_openblas_get_num_threads64_
        get_threads.restype = ctypes.c_int
        get_threads.argtypes = []
        set_threads = lib.scipy_openblas_set_num_threads64_
        set_threads.restype = None
        set_threads.argtypes = [ctypes.c_int]
        return table, get_threads, set_threads
    except (ImportError, OSError, AttributeError):
        return None


def _blas_routines(dtype) -> Blas | None:
    """The ``Blas`` of ``dtype`` from NumPy's BLAS, or None (not found, another dtype, or
    ``GRADKIT_OPTIM_BLAS=0``). Looked up on first use."""
    if not _BLAS:
        _BLAS.append(_numpy_blas() if _BLAS_ENABLED else None)
    found = _BLAS[0]
    return None if found is None else found[0].get(dtype)


def _get_blas_threads() -> int:
    return _BLAS[0][1]()


def _put_blas_threads(n: int) -> None:
    _BLAS[0][2](n)


# OpenBLAS works on the calling thread only while the optimizer's threads call it (otherwise each
# of them would hand its ``axpy`` to OpenBLAS's own workers at once). Setting it costs ~0.2 us.
_one_blas_thread = CountedSetting(_get_blas_threads, _put_blas_threads, lambda current: 1)


def _with_blas(blas_kernel, blas):
    """``blas_kernel`` called like a ufunc kernel (its ``xp`` argument replaced by ``blas``)."""
    def kernel(xp, *args):
        blas_kernel(blas, *args)
    return kernel


def _blas_ready(p, arrays) -> bool:
    """Whether BLAS may work on ``p`` and ``arrays`` (raw pointers): each must be a NumPy array of
    ``p``'s dtype, C-contiguous, aligned and writeable."""
    dt = p.dtype
    for a in (p, *arrays):
        if type(a) is not np.ndarray or a.dtype != dt:
            return False
        f = a.flags
        if not (f.c_contiguous and f.aligned and f.writeable):
            return False
    return True


if hasattr(os, "register_at_fork"):
    # A forked child may have been forked in the middle of a BLAS step (whose setting it would
    # otherwise keep).
    os.register_at_fork(after_in_child=_one_blas_thread.reset_after_fork)

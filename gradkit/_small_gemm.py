"""Row blocks that let OpenBLAS's small-matrix kernels run a repeated matrix product.

OpenBLAS (since 0.3.16) computes a product whose ``M * N * K`` is at most 10**6 with a
small-matrix kernel that reads the operands where they lie, on the AVX-512 cores it has such
kernels for (SkylakeX, Cooperlake, SapphireRapids); a larger product first copies ("packs") both
operands into blocked buffers. When one product's result is narrow (``N`` up to 64 columns: a
recurrent layer's per-step ``(4H, P) @ (P, batch)``) that packing costs as much as a third of
its multiply-adds: the LSTM's ``(512, 128) @ (128, 32)`` took 41 us in one call and 30 us as
three products of 176, 176 and 160 rows, each under the limit (one thread, CPU time, on an
Intel Xeon with NumPy's OpenBLAS 0.3.31; float64 0.70x, ``(128, 512) @ (512, 32)`` 0.88x,
``(1024, 64) @ (64, 32)`` 0.70x). The row blocks are chosen from the shapes alone, so a run
repeats bit for bit; each result row is the same dot products either way, summed by a different
kernel (results equal within float rounding).

Blocks are given only where they pay: NumPy's own OpenBLAS on one of those cores, float32 or
float64, a result at most 64 columns wide, blocks of at least 16 rows, at most 16 of them, and
OpenBLAS running one thread (with more, one product is spread over its threads, and the
small-matrix kernel runs on one). Everywhere else (other CPUs and BLAS libraries, Pyodide,
``GRADKIT_SMALL_GEMM=0``) the caller keeps its one product. The right operand must be
C-contiguous row-wise: OpenBLAS takes a transposed right operand (its column-major "TN" case)
to the small kernel only for tiny results, and two transposed operands not at all. The left
operand may be a transposed view (the LSTM backward's ``W_hh^T``: 34 us in blocks against 38
for a contiguous copy's, and no copy).
"""

from __future__ import annotations

import os
import sys

__all__ = ["row_blocks"]

_MAX_MNK = 1_000_000        # OpenBLAS's limit for its small-matrix kernels
_MAX_N = 64                 # wider results: packing pays for itself (512x128x128: 1.2x slower)
_ALIGN = 16                 # rows per AVX-512 float32 register
_MAX_BLOCKS = 16
_CORES = frozenset({"skylakex", "cooperlake", "sapphirerapids"})
_PROBE: list = []           # [OpenBLAS's get_num_threads, or None]


def _probe():
    """OpenBLAS's ``get_num_threads`` when NumPy's OpenBLAS runs a core with small-matrix
    kernels, else None (looked up once, through ctypes, on first use)."""
    if os.environ.get("GRADKIT_SMALL_GEMM", "1") == "0" or sys.platform in ("emscripten", "wasi"):
        return None
    try:
        import ctypes

        from numpy._core import _multiarray_umath

        lib = ctypes.CDLL(_multiarray_umath.__file__)
        corename = lib.scipy_openblas_get_corename64_
        corename.restype = ctypes.c_char_p
        corename.argtypes = []
        name = (corename() or b"").decode("ascii", "replace").lower()
        if name not in _CORES:
            return None
        threads = lib.scipy_openblas_get_num_threads64_
        threads.restype = ctypes.c_int
        threads.argtypes = []
        return threads
    except (ImportError, OSError, AttributeError):
        return None


def row_blocks(m: int, k: int, n: int, dtype) -> list[tuple[int, int]] | None:
    """``[(start, stop), ...]`` rows of the left operand for an ``(m, k) @ (k, n)`` product of
    ``dtype`` matrices (the right one C-contiguous), each block small enough for OpenBLAS's
    small-matrix kernel; None where one product is as good (see the module docstring)."""
    if m * n * k <= _MAX_MNK or n > _MAX_N or dtype.char not in "fd":
        return None
    if not _PROBE:
        _PROBE.append(_probe())
    threads = _PROBE[0]
    if threads is None:
        return None
    most = _MAX_MNK // (n * k) // _ALIGN * _ALIGN     # the most rows a block may have
    if most < _ALIGN:
        return None
    count = -(-m // most)
    if count > _MAX_BLOCKS or threads() != 1:
        return None
    rows = -(-m // count)
    rows = -(-rows // _ALIGN) * _ALIGN                  # balanced, aligned, still <= most
    return [(start, min(start + rows, m)) for start in range(0, m, rows)]

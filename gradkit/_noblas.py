"""Matrix products for NumPy builds without BLAS (Pyodide / WebAssembly).

Pyodide's NumPy has no BLAS: ``np.matmul`` then runs NumPy's plain triple loop, whose speed
depends badly on the operands' memory layout (a transposed 512x512 operand times 512x128 took
107 ms in Pyodide 0.27.7 against 17 ms below). ``np.einsum``'s sum-of-products loops are the
fastest kernels such a NumPy has (unrolled, contiguous), so a product of two float matrices is
computed with einsum in one of two loop orders, chosen from the shapes alone (deterministic, so
a run repeats bit for bit):

- "dot" form, when the reduction is at least as long as a row of the result (``K >= N``): both
  operands made contiguous along ``K``, each result element one contiguous dot product;
- "axpy" form otherwise: ``b`` contiguous by rows, each row of the result a sum of ``K`` scaled
  rows of ``b`` (the inner loop runs over ``N``).

A stack of matrices times one matrix is one product of all their rows, and one matrix times a
stack one product with the stack's columns side by side, ``(M, K) @ (K, batch * N)`` (einsum
broadcasting the matrix over the stack would run its inner loops over ``K`` alone: the LSTM's
input projection (512, 33) @ (32, 33, 16) took 7.4 ms that way and takes 3.7 ms, best of 80).
Other stacks go to einsum with broadcasting.

Small products (under ~16k multiply-adds, or ``K`` and ``N`` both under 32) keep ``np.matmul``,
whose call costs less. Integer, complex, mixed-dtype and 1-D operands also keep ``np.matmul``.
Results equal ``np.matmul``'s within float rounding (the summation order differs).

Measured in Pyodide 0.27.7 under Node on a 2-core AMD EPYC (``benchmarks/bench_pyodide.py``
runs the whole training steps): e.g. (512,128)@(128,16) 688 -> 404 us, (256,64)@(64,256)
4.8 -> 1.6 ms, (16,2048)@(2048,9) 241 -> 107 us.

In Pyodide, float32 products whose result rows are at least 8 wide run
instead on a WebAssembly SIMD kernel (``gradkit/_wasm_simd.py``), loaded once at import where
the engine runs WebAssembly SIMD: 3.5-5.5x faster than einsum's loops, summed in the same order.

Used where NumPy reports no BLAS (``sys.platform == "emscripten"``), or everywhere with
``GRADKIT_NOBLAS_MATMUL=1`` (to test this path on a native build).
"""

from __future__ import annotations

import os
import sys

import numpy as np

from . import _wasm_simd

__all__ = ["ENABLED", "matmul", "matmul_bias"]

ENABLED = sys.platform == "emscripten" or os.environ.get("GRADKIT_NOBLAS_MATMUL") == "1"

_SMALL = 16384  # multiply-adds under which np.matmul's lower call cost wins
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_np_matmul = np.matmul
try:  # np.einsum without optimize= calls this directly; skipping its wrapper saves a third
    from numpy._core.multiarray import c_einsum as _einsum
except ImportError:  # other NumPy versions
    _einsum = np.einsum
_contig = np.ascontiguousarray
_F32 = np.dtype(np.float32)
# The SIMD kernel (None natively, or where the engine lacks WebAssembly SIMD or
# GRADKIT_WASM_SIMD=0): selected once, at import.
_simd = _wasm_simd.load()
_address = _wasm_simd.address
# The same kernel taking the array objects (``id``: free) instead of their data addresses (an
# ``__array_interface__`` dict each: 3-6 us in Pyodide), reading any strides of the left
# operand, so a transposed one (a weight gradient's ``g.T``) is not copied first; None where
# NumPy's array objects are not laid out as checked (the address calls stay).
_simd_obj = _wasm_simd.load_by_object() if _simd is not None else None
_id = id
_ndarray = np.ndarray
_empty = np.empty


def _simd_fits(dtype, n) -> bool:
    """Whether the SIMD kernel computes products of this dtype with ``n`` result columns."""
    return _simd is not None and dtype is _F32 and n >= 8


def matmul(a, b, out=None):
    """``np.matmul(a, b, out=out)`` with einsum's loops for float matrices (see the module
    docstring); anything else goes to ``np.matmul`` unchanged."""
    if (type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim < 2 or b.ndim < 2
            or a.dtype is not b.dtype or a.dtype not in _FLOATS
            or (out is not None and (type(out) is not np.ndarray or out.dtype is not a.dtype))):
        return _np_matmul(a, b) if out is None else _np_matmul(a, b, out=out)
    k, n = b.shape[-2], b.shape[-1]
    if a.shape[-1] != k:
        return _np_matmul(a, b) if out is None else _np_matmul(a, b, out=out)  # NumPy's error
    macs = a.shape[-2] * k * n
    two_d = a.ndim == 2 and b.ndim == 2
    if not two_d:
        for d in np.broadcast_shapes(a.shape[:-2], b.shape[:-2]):
            macs *= d
    if macs < _SMALL or (k < 32 and n < 32 and not _simd_fits(a.dtype, n)):
        return _np_matmul(a, b) if out is None else _np_matmul(a, b, out=out)
    if two_d:
        return _product(a, b, out)
    if out is not None and out.shape != np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (
            a.shape[-2], n):
        return _np_matmul(a, b, out=out)  # NumPy's error (or its broadcasting into out)
    if b.ndim == 2:  # a stack of matrices times one matrix: one product of all their rows
        r = _product(a.reshape(-1, k), b, None).reshape(a.shape[:-1] + (n,))
    elif a.ndim == 2:  # one matrix times a stack: one product with the stack's columns side by
        # side, (M, K) @ (K, batch * N), 8-10x faster than einsum broadcasting a over the stack
        # (its inner loops would run over K alone); the result is laid out as np.matmul's
        m = a.shape[0]
        lead = b.shape[:-2]
        cols = _contig(b.reshape(-1, k, n).transpose(1, 0, 2)).reshape(k, -1)
        r = _contig(_product(a, cols, None).reshape(m, -1, n).transpose(1, 0, 2))
        r = r.reshape(lead + (m, n))
    else:
        return _einsum_product(a, b, out)
    if out is None:
        return r
    np.copyto(out, r)
    return out


def _product(a, b, out):
    """``a @ b`` for 2-D float matrices of one dtype, large enough for einsum's loops."""
    if _simd_fits(a.dtype, b.shape[1]):
        return _simd_product(a, b, out)
    if b.shape[0] >= b.shape[1]:  # dot form: rows of a against rows of b^T
        args = ("ik,jk->ij", _contig(a), _contig(b.T))
    else:  # axpy form: rows of the result from rows of b
        args = ("ik,kj->ij", _contig(a), _contig(b))
    return _einsum(*args) if out is None else _einsum(*args, out=out)


def _simd_product(a, b, out):
    """``a @ b`` on the WebAssembly SIMD kernel: both operands made row-major, the result
    written in place into ``out`` where it is row-major and apart from the operands."""
    m, k = a.shape
    n = b.shape[1]
    if out is not None and out.shape != (m, n):
        return _np_matmul(a, b, out=out)  # NumPy's error
    if _simd_obj is None:
        a = _contig(a)
    b = _contig(b)
    c = out
    if (c is None or not c.flags.c_contiguous or np.may_share_memory(c, a)
            or np.may_share_memory(c, b)):
        c = np.empty((m, n), _F32)
    if _simd_obj is not None:
        _simd_obj(_id(a), _id(b), _id(c), m, k, n)
    else:
        _simd(_address(a), _address(b), _address(c), m, k, n)
    if out is None or c is out:
        return c
    np.copyto(out, c)
    return out


def _matmul_simd_first(a, b, out=None):
    """``matmul`` where the SIMD kernel is loaded: a fresh product of two float32 matrices (the
    layers' common case) goes straight to the kernel, 2-3 us a call less in Pyodide than
    through the checks above; anything else takes them."""
    if (out is None and type(a) is _ndarray and type(b) is _ndarray and a.dtype is _F32
            and b.dtype is _F32 and a.ndim == 2 and b.ndim == 2):
        m, k = a.shape
        k2, n = b.shape
        if k == k2 and n >= 8 and m * k * n >= _SMALL:
            a = _contig(a)
            b = _contig(b)
            c = _empty((m, n), _F32)
            _simd(_address(a), _address(b), _address(c), m, k, n)
            return c
    return _matmul_loops(a, b, out)


def _matmul_simd_objects(a, b, out=None):
    """``_matmul_simd_first`` with the kernel that takes the array objects: no address look-ups,
    and the left operand read in place whatever its strides."""
    if (out is None and type(a) is _ndarray and type(b) is _ndarray and a.dtype is _F32
            and b.dtype is _F32 and a.ndim == 2 and b.ndim == 2):
        m, k = a.shape
        k2, n = b.shape
        if k == k2 and n >= 8 and m * k * n >= _SMALL:
            b = _contig(b)
            c = _empty((m, n), _F32)
            _simd_obj(_id(a), _id(b), _id(c), m, k, n)
            return c
    return _matmul_loops(a, b, out)


def _einsum_product(a, b, out):
    """Batched ``a @ b`` (both operands stacks), broadcasting their leading dims."""
    if b.shape[-2] >= b.shape[-1]:
        args = ("...ik,...jk->...ij", _contig(a), _contig(b.swapaxes(-1, -2)))
    else:
        args = ("...ik,...kj->...ij", _contig(a), _contig(b))
    return _einsum(*args) if out is None else _einsum(*args, out=out)


_simd_bias = _wasm_simd.load_bias() if _simd_obj is not None else None


def _matmul_bias_simd(a, b, bias):
    """``a @ b + bias`` for 2-D float32 ``a``, ``b`` and a bias of ``b.shape[1]`` (a Linear
    layer's forward) in one pass of the SIMD kernel: each finished sum gets its bias added
    (the values of the product, then ``+= bias``); None where the kernel does not take it."""
    if (type(a) is _ndarray and type(b) is _ndarray and type(bias) is _ndarray
            and a.dtype is _F32 and b.dtype is _F32 and bias.dtype is _F32
            and a.ndim == 2 and b.ndim == 2):
        m, k = a.shape
        k2, n = b.shape
        if k == k2 and n >= 8 and m * k * n >= _SMALL and bias.shape == (n,):
            b = _contig(b)
            bias = _contig(bias)
            c = _empty((m, n), _F32)
            _simd_bias(_id(a), _id(b), _id(c), m, k, n, _id(bias))
            return c
    return None


# ``matmul_bias(a, b, bias)``: the fused product and bias add, or None (then the caller
# multiplies and adds); None itself where the kernel is not loaded
matmul_bias = _matmul_bias_simd if _simd_bias is not None else None
_matmul_loops = matmul
if _simd_obj is not None:  # selected once, at import
    matmul = _matmul_simd_objects
elif _simd is not None:
    matmul = _matmul_simd_first

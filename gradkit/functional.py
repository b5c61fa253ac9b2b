# ruff: noqa: F822 (the names of __all__ that gradkit declares elsewhere come from __getattr__)
"""``gradkit.functional``: PyTorch's ``torch.functional`` -- the torch-level functions written
in Python there (``einsum``, ``split``, ``meshgrid``, ``unravel_index``, ``broadcast_shapes``,
the randomized ``svd_lowrank``/``pca_lowrank``, ...), all also reachable as ``gradkit.X``."""

from __future__ import annotations

import itertools
import operator

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
           "cartesian_prod", "block_diag", "cdist", "chain_matmul", "einsum", "lu", "norm",
           "meshgrid", "pca_lowrank", "split", "svd_lowrank", "tensordot", "unique",
           "unique_consecutive", "unravel_index"]


def __getattr__(name):
    # the functions gradkit declares elsewhere, under torch.functional's names
    if name in __all__:
        import gradkit

        return getattr(gradkit, name)
    raise AttributeError(f"module 'gradkit.functional' has no attribute {name!r}")


def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to (ints count as 1-D shapes)."""
    from ._tensor.tensor import Size

    dims = []
    for shape in shapes:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        for d in shape:
            if not isinstance(d, int) or isinstance(d, bool):
                raise RuntimeError(f"broadcast_shapes(): expected shapes of ints, got {shape}")
            if d < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
        dims.append(shape)
    ndim = max((len(s) for s in dims), default=0)
    out = [1] * ndim
    for k, shape in enumerate(dims):
        for i, d in enumerate(shape, start=ndim - len(shape)):
            if d != 1 and out[i] not in (1, d):
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {d} at {i - ndim}! "
                    f"Mismatching argument at index {k} had {shape}; but expected shape should "
                    f"be broadcastable to {out}")
            if d != 1:
                out[i] = d
    return Size(out)


def unravel_index(indices, shape):
    """The coordinates of flat ``indices`` in a tensor of ``shape``: a tuple of int64 tensors
    (indices wrap around as Python's modulo, as PyTorch's)."""
    import gradkit

    from . import _dtype
    from .functions._args import NotATensorError

    if not isinstance(indices, gradkit.Tensor):  # (PyTorch's Python code reads
        # indices.is_complex() first: its AttributeError; NotATensorError is a TypeError too)
        raise NotATensorError(f"unravel_index(): expected 'indices' to be a Tensor, got "
                              f"{type(indices).__name__}; wrap it with torch.tensor(...)")
    if indices.dtype.is_floating_point or indices.dtype == _dtype.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(shape)
    for d in shape:
        if not isinstance(d, int) or isinstance(d, bool):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got "
                            f"{type(d)}")
    if any(d < 0 for d in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    if 0 in shape:
        raise RuntimeError("ZeroDivisionError")
    strides = list(reversed(list(itertools.accumulate(reversed(shape[1:] + (1,)),
                                                       func=operator.mul))))
    idx = indices.to(_dtype.int64).detach().unsqueeze(-1)
    coords = idx.floor_divide(gradkit.tensor(strides, dtype=_dtype.int64)) % \
        gradkit.tensor(shape, dtype=_dtype.int64)
    return tuple(coords.unbind(-1))


def _approximate_basis(A, q, niter, M=None):
    """An orthonormal basis of about rank ``q`` for the range of ``A - M`` (Halko et al.'s
    randomized range finder with ``niter`` subspace iterations; PyTorch's random stream)."""
    import gradkit

    dtype = A.dtype if A.dtype.is_floating_point or A.is_complex() else gradkit.float32
    R = gradkit.randn(A.shape[-1], q, dtype=dtype)

    def times(X, Y, Z=None):
        P = X.matmul(Y)
        return P if Z is None else P - Z.matmul(Y)

    Q = gradkit.linalg.qr(times(A, R, M)).Q
    for _ in range(niter):
        Q = gradkit.linalg.qr(times(A.mH, Q, None if M is None else M.mH)).Q
        Q = gradkit.linalg.qr(times(A, Q, M)).Q
    return Q


def svd_lowrank(A, q: int | None = 6, niter: int | None = 2, M=None):
    """An approximate truncated SVD ``(U, S, V)`` of rank ``q`` of ``A`` (minus ``M``), as
    ``torch.svd_lowrank`` (randomized; the same numbers as PyTorch after the same seed)."""
    import gradkit

    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    wide = m < n
    if wide:
        A = A.mH
        M = None if M is None else M.mH
    Q = _approximate_basis(A, q, niter, M)
    B = Q.mH.matmul(A)
    if M is not None:
        B = B - Q.mH.matmul(M)
    U, S, Vh = gradkit.linalg.svd(B, full_matrices=False)
    U, V = Q.matmul(U), Vh.mH
    return (V, S, U) if wide else (U, S, V)


def pca_lowrank(A, q: int | None = None, center: bool = True, niter: int = 2):
    """Principal components of the rows of ``A``: ``(U, S, V)`` of the centered matrix, rank
    ``q`` (default ``min(6, m, n)``), as ``torch.pca_lowrank``."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than "
                         f"min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if center:
        A = A - A.mean(dim=(-2,), keepdim=True)
    return svd_lowrank(A, q, niter=niter)

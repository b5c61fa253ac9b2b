"""``torch.svd_lowrank`` and ``torch.pca_lowrank``: the randomized SVD of Halko, Martinsson and
Tropp (2009), Algorithms 4.4 and 5.1, written with gradkit functions as PyTorch's
``torch/_lowrank.py`` is, so that they draw the same random matrix (one ``randn(n, q)``) from the
global generator, give PyTorch's numbers for a seeded program, and are differentiable."""

from __future__ import annotations

__all__ = ["svd_lowrank", "pca_lowrank"]


def _floating(A):
    import gradkit

    return A.dtype if A.is_floating_point() else gradkit.float32


def _approximate_basis(A, q, niter, M):
    import gradkit

    R = gradkit.randn(A.shape[-1], q, dtype=_floating(A))
    X = A.matmul(R)
    if M is not None:
        X = X - M.matmul(R)
    Q = gradkit.linalg.qr(X).Q
    for _ in range(niter):
        X = A.mH.matmul(Q)
        if M is not None:
            X = X - M.mH.matmul(Q)
        Q = gradkit.linalg.qr(X).Q
        X = A.matmul(Q)
        if M is not None:
            X = X - M.matmul(Q)
        Q = gradkit.linalg.qr(X).Q
    return Q


def _check(A, name):
    from .._tensor.tensor import Tensor

    if not isinstance(A, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be Tensor, not {type(A).__name__}")
    if A.dim() < 2:
        raise ValueError(f"{name}(): expected a matrix or a batch of matrices (at least 2 "
                         f"dimensions), but got a tensor of shape {tuple(A.shape)}")


def _svd_lowrank(A, q, niter, M):
    import gradkit

    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.size())
    if m < n:
        A = A.mH
        if M is not None:
            M = M.mH
    Q = _approximate_basis(A, q, niter, M)
    B = Q.mH.matmul(A)
    if M is not None:
        B = B - Q.mH.matmul(M)
    U, S, Vh = gradkit.linalg.svd(B, full_matrices=False)
    V = Vh.mH
    U = Q.matmul(U)
    if m < n:
        U, V = V, U
    return U, S, V


def svd_lowrank(A, q=6, niter=2, M=None):
    """``(U, S, V)`` with ``A - M ≈ U diag(S) V^H`` from ``q`` random directions refined by
    ``niter`` subspace iterations (PyTorch's ``torch.svd_lowrank``)."""
    _check(A, "svd_lowrank")
    return _svd_lowrank(A, q, niter, M)


def pca_lowrank(A, q=None, center=True, niter=2):
    """The principal directions ``V``, singular values ``S`` and scores ``U`` of ``A`` (centred
    over its rows when ``center``), as PyTorch's ``torch.pca_lowrank``."""
    _check(A, "pca_lowrank")
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(
            f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not (niter >= 0):
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter, None)
    return _svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter, None)

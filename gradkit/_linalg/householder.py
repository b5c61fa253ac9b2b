"""The backward of ``householder_product`` (``orgqr``) and ``ormqr`` as PyTorch computes it
(``householder_product_backward`` in torch/csrc/autograd/FunctionsManual.cpp): ``K = Q G^T``
updated reflector by reflector, each inverse reflector written as ``H(sigma_i)``,
``sigma_i = tau_i / (tau_i ||v_i||^2 - 1)``, and the products in its order (in place on the rows
or columns ``i:`` a reflector touches for a first-order gradient, out of place under
``create_graph``, as there), so inf/NaN spread as in PyTorch."""

from __future__ import annotations

import numpy as np

from ..ops.linalg import _const


def _reflect(xp, i, v_full, t, K, left, inplace):
    """``(I - t v v^T) K`` (``K (I - t v v^T)`` when not ``left``)."""
    t = t[..., None]
    if inplace:
        v = v_full[..., i:, :]
        if left:
            u = xp.matmul(xp.swapaxes(v, -1, -2), K[..., i:, :])
            K[..., i:, :] -= (t * v) * u
        else:
            u = xp.matmul(K[..., :, i:], t * v)
            K[..., :, i:] -= u * xp.swapaxes(v, -1, -2)
        return K
    if left:
        return K - (t * v_full) * xp.matmul(xp.swapaxes(v_full, -1, -2), K)
    return K - xp.matmul(K, t * v_full) * xp.swapaxes(v_full, -1, -2)


def householder_backward(xp, grad, result, input_, tau, flip_order=False):
    """``(input gradient, tau gradient)`` of ``result = H_1 ... H_k [I]`` for ``grad``."""
    m, k = input_.shape[-2], tau.shape[-1]
    if int(np.prod(input_.shape)) == 0 or k == 0:  # (PyTorch: no gradient)
        return xp.zeros_like(input_), xp.zeros_like(tau)
    inplace = xp.name != "tensor"  # arrays: a first-order gradient, updated in place
    n = input_.shape[-1]
    low = _const(input_, np.tri(m, n, -1)) != 0
    eye = _const(input_, np.eye(m, n)) != 0
    inp = xp.where(eye, 1.0, xp.where(low, input_, 0.0))
    if inplace:
        inp = inp.astype(input_.dtype)
    cols = inp[..., :, :k]
    sigma = tau / (tau * (cols * cols).sum(-2) - 1.0)
    K = xp.matmul(result, xp.swapaxes(grad, -1, -2))

    def flip(i):
        return i if not flip_order else k - i - 1

    apply_left = not flip_order
    z = flip(0)
    K = _reflect(xp, z, inp[..., :, z:z + 1], sigma[..., z:z + 1], K, apply_left, inplace)
    vgrads, tgrads = [None] * k, [None] * k
    for idx in range(k):
        i = flip(idx)
        v_full = inp[..., :, i:i + 1]
        t = tau[..., i:i + 1]
        v = v_full[..., i:, :]
        vHK = xp.matmul(xp.swapaxes(v, -1, -2), K[..., i:, :])
        Kv = xp.matmul(K[..., :, i:], v)
        tu = t[..., None]
        vgrads[i] = (-tu * vHK)[..., 0, :] - (tu * Kv)[..., :, 0]
        tgrads[i] = -(xp.matmul(vHK[..., :, i:], v))[..., 0, :]
        if i != flip(k - 1):
            j = i + 1 if not flip_order else i - 1
            K = _reflect(xp, j, inp[..., :, j:j + 1], sigma[..., j:j + 1], K, apply_left,
                         inplace)
            K = _reflect(xp, i, v_full, t, K, not apply_left, inplace)
    gin = xp.stack(vgrads, -1)
    if k < n:
        gin = xp.concatenate([gin, xp.zeros_like(input_[..., :, k:])], -1)
    gin = xp.where(low, gin, 0.0)
    return gin, xp.concatenate(tgrads, -1)

"""Ready-made parametrizations (``torch.nn.utils.parametrizations``): ``weight_norm``,
``spectral_norm`` and ``orthogonal``, registered with :mod:`gradkit.nn.utils.parametrize`
under PyTorch's state-dict layout (``parametrizations.weight.original0/1`` for weight norm,
``parametrizations.weight.0._u/_v`` for spectral norm's power-iteration vectors,
``parametrizations.weight.0.base`` for orthogonal)."""

from __future__ import annotations

import numpy as np

from ... import factories as _fac
from ... import functions as _F
from ..._tensor import Tensor, wrap
from ...autograd import grad_mode
from ..functional.normalization import normalize
from ..modules.module import Module
from . import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def _norm_except_dim(v: Tensor, dim) -> Tensor:
    if dim is None or dim == -1:
        return _F.norm(v)
    d = dim % v.ndim
    return _F.norm(v, 2, tuple(i for i in range(v.ndim) if i != d), True)


# ------------------------------------------------------------------ weight norm
class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (norm over every dim but ``dim``;
    ``dim=None``: the whole tensor). ``g`` and ``v`` are ``original0`` and ``original1``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


# ------------------------------------------------------------------ spectral norm
class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"spectral_norm: dim must be in [-{ndim}, {ndim - 1}], got {dim}")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = self._reshape_weight_to_matrix(weight.detach())
            h, w = mat.shape
            u = _fac.empty(h, dtype=mat.dtype).normal_(0, 1)  # PyTorch's draws, u first
            v = _fac.empty(w, dtype=mat.dtype).normal_(0, 1)
            self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            self._power_method(mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, mat: Tensor, n_power_iterations: int) -> None:
        with grad_mode.no_grad():
            m = mat.detach()
            for _ in range(n_power_iterations):
                self._u._data[...] = normalize(_F.matmul(m, self._v), dim=0, eps=self.eps)._data
                self._u._vc[0] += 1
                self._v._data[...] = normalize(_F.matmul(m.t(), self._u), dim=0,
                                               eps=self.eps)._data
                self._v._vc[0] += 1

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = (u * _F.matmul(mat, v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm, estimated by power iteration (one step per
    forward in training mode, as PyTorch; ``u``/``v`` are buffers ``_u``/``_v``).

    Args:
        n_power_iterations: power-iteration steps per training forward.
        eps: for the normalisations.
        dim: the output dimension (default 0; 1 for transposed convolutions).
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# ------------------------------------------------------------------ orthogonal
def _householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first ``k`` columns of ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^T`` with ``v_i`` the
    i-th column of ``A`` below the diagonal and 1 on it (LAPACK's ``orgqr``), differentiable."""
    n, k = A.shape[-2], A.shape[-1]
    eye = wrap(np.eye(n, dtype=A._data.dtype))
    unit = wrap(np.eye(n, k, dtype=A._data.dtype))
    V = A.tril(-1) + unit
    Q = eye
    for i in range(k):
        v = V[..., :, i:i + 1]
        Q = Q - _F.matmul(_F.matmul(Q, v), v.transpose(-2, -1)) * tau[..., i:i + 1].unsqueeze(-1)
    return Q[..., :, :k]


def _make_orthogonal(A: np.ndarray) -> np.ndarray:
    """The Q factor of ``A = QR`` with ``diag(R) >= 0``."""
    q, r = np.linalg.qr(A)
    d = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    d = np.where(d == 0, 1, d)
    return q * d[..., None, :]


def _is_orthogonal(Q: np.ndarray) -> bool:
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10.0 * n * np.finfo(Q.dtype).eps
    return np.allclose(np.swapaxes(Q, -2, -1) @ Q, np.eye(k), atol=eps, rtol=1e-5)


class _Orthogonal(Module):
    def __init__(self, weight: Tensor, orthogonal_map: str, *,
                 use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.transpose(-2, -1)
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:
                zeros = wrap(np.zeros(tuple(X.shape[:-2]) + (n, n - k), dtype=X._data.dtype))
                X = _F.cat([X, zeros], -1)
            A = X - X.transpose(-2, -1)
            if self.orthogonal_map == "matrix_exp":
                Q = _linalg().matrix_exp(A)
            else:
                eye = wrap(np.eye(n, dtype=A._data.dtype))
                Q = _solve(eye - A * 0.5, eye + A * 0.5)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(-2))
            Q = _householder_product(A, tau)
            signs = np.diagonal(X._data, axis1=-2, axis2=-1).astype(np.int64)
            Q = Q * wrap(signs[..., None, :].astype(Q._data.dtype))
        if "base" in self._buffers and self.base is not None:
            Q = _F.matmul(self.base, Q)
        if transposed:
            Q = Q.transpose(-2, -1)
        return Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        if tuple(Q.shape) != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {tuple(Q.shape)}.")
        q_init = Q
        q = np.array(Q.detach()._data)
        n, k = q.shape[-2], q.shape[-1]
        transpose = n < k
        if transpose:
            q = np.swapaxes(q, -2, -1)
            n, k = k, n
        if "base" not in self._buffers:
            raise NotImplementedError(
                "orthogonal: assigning to the weight without use_trivialization is not "
                "supported by gradkit (it needs geqrf); register with use_trivialization=True")
        if n == k:
            if not _is_orthogonal(q):
                q = _make_orthogonal(q)
        else:
            extra = _fac.randn(tuple(q.shape[:-2]) + (n, n - k), dtype=q_init.dtype)
            q = _make_orthogonal(np.concatenate([q, np.asarray(extra._data)], -1))
        self.base = wrap(q.astype(q_init._data.dtype))
        neg_id = np.zeros(tuple(q_init.shape), dtype=q_init._data.dtype)
        idx = np.arange(min(neg_id.shape[-2:]))
        neg_id[..., idx, idx] = -1.0
        return wrap(neg_id)


def _linalg():
    from ... import linalg  # the top-level linear algebra (imported after nn)

    return linalg


def _solve(a: Tensor, b: Tensor) -> Tensor:
    return _linalg().solve(a, b)


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Keep ``module.<name>`` (a matrix or a batch of them) orthogonal: ``matrix_exp`` or
    ``cayley`` of a skew-symmetric matrix, or ``householder`` reflections (the default for
    non-square weights), times the stored ``base`` (the weight's value at registration).

    Args:
        orthogonal_map: ``"matrix_exp"``, ``"cayley"`` or ``"householder"``.
        use_trivialization: keep a ``base`` buffer (PyTorch's default).
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = ("matrix_exp" if weight.shape[-2] == weight.shape[-1]
                          else "householder")
    if orthogonal_map not in ("matrix_exp", "cayley", "householder"):
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module

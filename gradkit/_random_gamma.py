"""PyTorch's CPU gamma and Dirichlet samplers, element by element on gradkit's generator (the
stream of ``torch.manual_seed``), as ATen's ``sample_gamma`` draws them:

- Marsaglia and Tsang's rejection (2000): a normal ``x`` (PyTorch's ``normal_distribution
  <double>``: Box-Muller on two 53-bit uniforms, the second value cached for the next call) until
  ``y = 1 + c x > 0``, then a uniform ``u``; accept on the squeeze ``u < 1 - 0.0331 x^4`` or on
  ``log u < x^2 / 2 + d (1 - v + log v)``; below ``alpha = 1`` a boost ``(1 - U)^(1 / alpha)``
  drawn first;
- the constants are single-precision literals in ATen (``1.0f / 3.0f``, ``0.0331f``), and for
  float32 tensors ``alpha`` itself is float32, so ``alpha + 1`` and ``d`` are float32 values;
- ``_standard_gamma`` returns ``max(tiny, sample)`` in the tensor's dtype; ``_sample_dirichlet``
  samples in double, divides by the row sum, and clamps to ``[tiny, 1 - ulp]`` of the dtype.
"""

from __future__ import annotations

import math

import numpy as np

from ._random_counts import _Uniforms

_THIRD = float(np.float32(1.0) / np.float32(3.0))  # 1.0f / 3.0f
_SQUEEZE = float(np.float32(0.0331))


class _Normals:
    """``normal_distribution<double>`` draws on the shared uniform stream, with the generator's
    Box-Muller cache."""

    def __init__(self, g, u: _Uniforms):
        self.g, self.u = g, u
        self.cached = g._normal_double
        g._normal_double = None

    def __call__(self) -> float:
        if self.cached is not None:
            v, self.cached = self.cached, None
            return v
        u1, u2 = self.u(), self.u()
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        self.cached = r * math.sin(theta)
        return r * math.cos(theta)

    def close(self):
        self.g._normal_double = self.cached


def _gamma_one(alpha: float, single: bool, uniform, normal) -> float:
    """One sample; ``single``: alpha is a float32 value (float32 arithmetic where ATen's is)."""
    if not alpha > 0.0:  # 0 gives 0; NaN or negative never pass ATen's loop (it would spin)
        return 0.0 if alpha == 0.0 else math.nan
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        inv = float(np.float32(1.0) / np.float32(alpha)) if single else 1.0 / alpha
        scale *= (1.0 - uniform()) ** inv
        alpha = float(np.float32(alpha) + np.float32(1.0)) if single else alpha + 1.0
    d = float(np.float32(alpha) - np.float32(_THIRD)) if single else alpha - _THIRD
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = normal()
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        u = 1.0 - uniform()
        xx = x * x
        if u < 1.0 - _SQUEEZE * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def _run(g, alphas, single: bool) -> np.ndarray:
    u = _Uniforms(g)
    n = _Normals(g, u)
    try:
        out = [_gamma_one(a, single, u, n) for a in alphas]
    finally:
        n.close()
        u.close()
    return np.asarray(out, dtype=np.float64)


def standard_gamma(g, alpha: np.ndarray) -> np.ndarray:
    """``torch._standard_gamma``: Gamma(alpha, 1) per element (C order), in alpha's dtype."""
    alpha = np.asarray(alpha)
    dt = alpha.dtype if alpha.dtype.kind == "f" else np.dtype(np.float32)
    flat = alpha.astype(dt).reshape(-1)
    vals = _run(g, [float(a) for a in flat.tolist()], single=dt.itemsize <= 4)
    tiny = np.finfo(dt).tiny
    with np.errstate(over="ignore"):
        out = np.maximum(vals.astype(dt), tiny)
    return out.reshape(alpha.shape)


def sample_dirichlet(g, alpha: np.ndarray) -> np.ndarray:
    """``torch._sample_dirichlet``: Dirichlet rows over the last dimension of ``alpha``."""
    alpha = np.asarray(alpha)
    dt = alpha.dtype if alpha.dtype.kind == "f" else np.dtype(np.float32)
    flat = alpha.astype(np.float64).reshape(-1)
    gam = _run(g, flat.tolist(), single=False).reshape(alpha.shape)
    gam = np.maximum(gam, np.finfo(np.float64).tiny)
    out = (gam / gam.sum(-1, keepdims=True)).astype(dt)
    return np.clip(out, np.finfo(dt).tiny, np.nextafter(dt.type(1.0), dt.type(0.0)))

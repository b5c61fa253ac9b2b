"""Covariance and correlation of variables (``cov``, ``corrcoef``): weighted observations,
PyTorch's degrees-of-freedom rule and warning."""

from __future__ import annotations

from .._backend import to_host
from .._tensor.tensor import Tensor
from .._warnings import warn
from ._args import _float_operand, _int_arg, _t
from ._registry import declare
from .elementwise import where
from .reduction import mean, sum
from .shape import diagonal

__all__ = ["corrcoef", "cov"]


@declare(grad_name="SqueezeBackward0")
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (observations in
    columns), with integer frequency weights ``fweights`` and observation weights
    ``aweights``; a 1-D input is one variable (a 0-d result)."""
    x = _t(input)
    correction = _int_arg(correction, "cov", "correction")
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {x.ndim} dimensions")
    if x.dtype.kind == "b":
        raise RuntimeError("cov(): bool dtype is not supported for input; convert it first, e.g. "
                           "x.float()")
    x = _float_operand(x)
    obs = x.reshape(1, -1) if x.ndim < 2 else x
    n = obs.shape[1]
    w = None
    if fweights is not None:
        f = _t(fweights, "fweights")
        if f.ndim > 1 or f.numel() != n or f.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): fweights must be a 1-D integer tensor of {n} entries, got "
                             f"shape {tuple(f.shape)} and dtype {f.dtype}")
        if f.numel() and to_host(f._data).min() < 0:
            raise RuntimeError("cov(): fweights cannot be negative")
        w = f
    if aweights is not None:
        a = _t(aweights, "aweights")
        if a.ndim > 1 or a.numel() != n or a.dtype.kind != "f":
            raise RuntimeError(f"cov(): aweights must be a 1-D floating tensor of {n} entries, "
                             f"got shape {tuple(a.shape)} and dtype {a.dtype}")
        if a.numel() and not (to_host(a._data) >= 0).all():  # (NaN too)
            raise RuntimeError("cov(): aweights cannot be negative")
        # the weights keep their dtype, as PyTorch's: float16 aweights give a float16 sum
        # and norm factor beside float64 data (the data promote in ``obs * w``)
        w = a if w is None else w * a
    if w is None:
        wsum = float(n)
        avg = mean(obs, 1, keepdim=True) if n else sum(obs, 1, keepdim=True) * float("nan")
        norm_factor = wsum - correction
    else:
        wsum_t = sum(w)
        avg = sum(obs * w, 1, keepdim=True) / wsum_t
        if correction == 0:
            norm_factor = wsum_t
        elif aweights is None:
            norm_factor = wsum_t - correction
        else:
            norm_factor = wsum_t - correction * sum(w * a) / wsum_t
    xm = obs - avg
    xw = xm * w if w is not None else xm
    xt = xm.transpose(0, 1)
    c = xw.matmul(xt.conj() if xt._data.dtype.kind == "c" else xt)
    if (float(norm_factor.detach()) if isinstance(norm_factor, Tensor) else norm_factor) <= 0:
        warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
             "number of observations.")
    if isinstance(norm_factor, float) and norm_factor <= 0:
        norm_factor = 0.0
        out = c / norm_factor if c.numel() else c
    else:
        if isinstance(norm_factor, Tensor):
            norm_factor = where(norm_factor <= 0, 0.0, norm_factor)
        out = c / norm_factor
    return out.squeeze() if x.ndim < 2 or obs.shape[0] == 1 else out


@declare()
def corrcoef(input):
    """Pearson correlation coefficients of the variables in the rows of ``input``, clipped to
    [-1, 1] (as NumPy and PyTorch)."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = diagonal(c)
    stddev = d.sqrt()
    c = c / stddev.unsqueeze(1)
    c = c / stddev.unsqueeze(0)
    return c.clamp(-1, 1)

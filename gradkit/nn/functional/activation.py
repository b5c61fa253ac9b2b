"""Activation functions (``torch.nn.functional``): relu, gelu, softmax, ...

``inplace=True`` is accepted for compatibility; gradkit computes out of place and returns the
result (use the return value, as PyTorch code usually does).
"""

from __future__ import annotations

import math

from ... import functions as _F
from ..._tensor import Tensor, apply1, as_tensor_arg
from ...functions._args import _float_operand
from ...ops import activation as AC
from ...ops import elementwise as E

__all__ = [
    "celu", "elu", "gelu", "glu", "hardsigmoid", "hardswish", "hardtanh", "leaky_relu",
    "log_softmax", "logsigmoid", "mish", "prelu", "relu", "relu6", "selu", "sigmoid", "silu",
    "softmax", "softmin", "softplus", "softsign", "tanh", "tanhshrink", "threshold",
]

_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor_arg(x, name="input")


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)``."""
    return apply1(E.RELU, _t(input))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``."""
    x = _t(input)
    return _F.where(x > 0, x, x * negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    x = _t(input)
    neg = _F.expm1(_F.clamp(x, max=0.0))
    return _F.where(x > 0, x, neg * alpha if alpha != 1 else neg)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    x = _t(input)
    neg = _F.expm1(_F.clamp(x, max=0.0) / alpha) * alpha
    return _F.where(x > 0, x, neg)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return elu(input, 1.6732632423543772848170429916717) * 1.0507009873554804934193349852946


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: ``x * Phi(x)`` (exact, via erf), or the tanh approximation
    with ``approximate='tanh'``."""
    x = _float_operand(_t(input))
    if approximate == "none":
        return x * (apply1(E.ERF, x * _SQRT_HALF) + 1.0) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        return x * (_F.tanh(inner) + 1.0) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    x = _t(input)
    return x * _F.sigmoid(x)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    x = _t(input)
    return x * _F.tanh(softplus(x))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``; computed without
    overflow."""
    return apply1(AC.SOFTPLUS, _float_operand(_t(input)), (beta, threshold))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)``."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return _F.clamp(_t(input), min_val, max_val)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return _F.clamp(_t(input) + 3.0, 0.0, 6.0) * (1.0 / 6.0)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    x = _t(input)
    return x * _F.clamp(x + 3.0, 0.0, 6.0) * (1.0 / 6.0)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``."""
    return _F.sigmoid(_t(input))


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, stable."""
    return -softplus(-_t(input))


def tanh(input: Tensor) -> Tensor:
    return _F.tanh(_t(input))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    x = _t(input)
    return x / (_F.abs(x) + 1.0)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    x = _t(input)
    return x - _F.tanh(x)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    x = _t(input)
    return _F.where(x > threshold, x, value)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where ``x > 0``, else ``weight * x``; ``weight`` has 1 or ``C`` (dim 1) entries."""
    x = _t(input)
    n = weight.numel()
    if n != 1:
        if x.ndim < 2 or x.shape[1] != n:
            raise RuntimeError(
                f"prelu: weight has {n} entries, so the input's channel dimension (dim 1) must "
                f"be {n}; got input of shape {tuple(x.shape)}"
            )
        weight = weight.reshape((n,) + (1,) * (x.ndim - 2))
    elif weight.ndim:
        weight = weight.reshape(())
    return _F.where(x > 0, x, x * weight)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``a * sigmoid(b)`` where ``a, b`` are the halves of ``input`` along ``dim``."""
    x = _t(input)
    if x.shape[dim] % 2:
        raise RuntimeError(
            f"glu: halving dimension must be even, but dimension {dim} is size {x.shape[dim]}"
        )
    a, b = _F.chunk(x, 2, dim)
    return a * _F.sigmoid(b)


def _softmax_dim(ndim: int) -> int:
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (stable)."""
    x = _t(input)
    return _F.softmax(x, _softmax_dim(x.ndim) if dim is None else dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``softmax(-x)``."""
    x = _t(input)
    return _F.softmax(-x, _softmax_dim(x.ndim) if dim is None else dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim`` (stable)."""
    x = _t(input)
    return _F.log_softmax(x, _softmax_dim(x.ndim) if dim is None else dim, dtype)

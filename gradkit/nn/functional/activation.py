"""Activation functions (``torch.nn.functional``): relu, gelu, softmax, ...

``inplace=True`` writes the result into ``input`` and returns it, as PyTorch does (``F.relu_``,
``F.elu_``, ... are the same in-place forms); under autograd the graph records the write, and a
leaf that requires grad is refused as in PyTorch.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import functions as _F
from ..._int_range import check_int_scalar
from ..._tensor import Tensor, apply1
from ..._warnings import warn
from ...amp._state import CPU as _AUTOCAST
from ...amp._state import lower as _ac_lower
from ...autograd import grad_mode as _grad_mode
from ...autograd.graph import present
from ...functions._args import _is_half, _wrap_dim
from ...functions._registry import number_error as _number_error
from ...functions._registry import write_inplace as _write_inplace
from ...ops import activation as AC
from ...ops import elementwise as E
from ...ops._saved_arguments import remember
from . import _node_names as _NN

__all__ = [
    "celu", "celu_", "elu", "elu_", "gelu", "glu", "gumbel_softmax", "hardshrink", "hardsigmoid",
    "hardswish", "hardtanh", "hardtanh_", "leaky_relu", "leaky_relu_", "log_softmax",
    "logsigmoid", "mish", "prelu", "relu", "relu6", "relu_", "rrelu", "rrelu_", "selu", "selu_",
    "sigmoid", "silu", "softmax", "softmin", "softplus", "softshrink", "softsign", "tanh",
    "tanhshrink", "threshold", "threshold_",
]

_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _t(x, name="input", pos=1) -> Tensor:
    """PyTorch's TypeError for a non-Tensor input (a list or a number is not converted)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


def _in_place(x: Tensor, fn, name: str) -> Tensor:
    """Write ``fn(x)`` into ``x`` and return ``x`` (``inplace=True``, ``F.relu_``, ...). Under
    grad mode ``fn`` reads a clone, so what its backward saved is not the overwritten storage."""
    src = x.clone() if x.requires_grad and _grad_mode.STATE[0] else x
    return _write_inplace(x, fn(src), name)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)``."""
    x = _t(input)
    if x._data.dtype.kind == "b":
        raise RuntimeError("relu: Boolean inputs not supported for relu; convert the input, "
                           "e.g. x.float()")
    if inplace:
        return _in_place(x, relu, "relu_")
    return apply1(E.RELU, x)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _floating_kernel(x: Tensor, name: str, kernel: str) -> None:
    """PyTorch's CPU kernels of these activations dispatch on floating dtypes only: another
    input is refused with NotImplementedError (before any in-place cast check)."""
    if not x.is_floating_point():
        raise NotImplementedError(f'{name}: "{kernel}" not implemented for {x.dtype}; convert '
                                  f"the input with .float()")


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``."""
    x = _t(input)
    check_int_scalar(negative_slope, "leaky_relu", "negative_slope")
    _floating_kernel(x, "leaky_relu_" if inplace else "leaky_relu", "leaky_relu_cpu")
    if inplace:
        return _in_place(x, lambda t: leaky_relu(t, negative_slope), "leaky_relu_")
    if x.is_floating_point() and not math.isfinite(negative_slope):
        # a NaN or infinite slope: PyTorch's backward gives the positive side its gradient 1
        # (where(x > 0, x, x * slope) would send 0 * slope, NaN, to both sides)
        factor = _F.where(x > 0, x.new_ones(()), x.new_full((), negative_slope))
        return present(x * factor, "LeakyReluBackward0", (x,), x)
    return remember(present(_F.where(x > 0, x, x * negative_slope), "LeakyReluBackward0", (x,),
                            x), x, _saved_negative_slope=negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    x = _t(input)
    check_int_scalar(alpha, "elu", "alpha")
    if inplace:
        return _in_place(x, lambda t: elu(t, alpha), "elu_")
    return remember(_elu(x, alpha, 1.0, 1.0, AC.ELU), x, _saved_alpha=alpha,
                    _saved_scale=1, _saved_input_scale=1)


def _elu(x, alpha, scale, input_scale, op):
    """PyTorch's elu kernel (one fused rule): ``scale * x`` for ``x >= 0`` and NaN, ``scale *
    alpha * expm1(x * input_scale)`` below 0; floating inputs only."""
    if not x.is_floating_point():
        raise NotImplementedError(f"{op.name.lower()}: not implemented for {x.dtype}; convert "
                                  f"the input with .float()")
    if _is_half(x):  # float16/bfloat16: in float32, rounded once (as PyTorch's kernel)
        return _elu(x.float(), alpha, scale, input_scale, op).to(x.dtype)
    return apply1(op, x, (float(alpha), float(scale), float(input_scale)))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    x = _t(input)
    if alpha.__class__ is not float:
        _number_error("celu_" if inplace else "celu", "alpha", alpha)
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError: alpha cannot be 0 for CELU")
    if inplace:
        return _in_place(x, lambda t: celu(t, alpha), "celu_")
    return _elu(x, alpha, 1.0, 1.0 / alpha, AC.CELU)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    if inplace:
        return _in_place(_t(input), selu, "selu_")
    return _elu(_t(input), 1.6732632423543772848170429916717,
                1.0507009873554804934193349852946, 1.0, AC.ELU)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: ``x * Phi(x)`` (exact, via erf), or the tanh approximation
    with ``approximate='tanh'``."""
    x = _t(input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either 'none' or 'tanh', got "
                           f"{approximate!r}")
    _floating_kernel(x, "gelu", "GeluKernelImpl")
    if _is_half(x):  # float16/bfloat16: in float32, rounded once (as PyTorch's kernel)
        if approximate == "none":
            return apply1(AC.GELU, x.float(), (False,)).to(x.dtype)
        return gelu(x.float(), approximate).to(x.dtype)
    if approximate == "none":  # one fused node (ops/activation.py: why)
        return remember(apply1(AC.GELU, x), _saved_approximate=approximate)
    if approximate == "tanh":  # one fused node, as PyTorch's kernel
        return remember(apply1(AC.GELU_TANH, x), _saved_approximate=approximate)
    raise RuntimeError(f"gelu: approximate argument must be either 'none' or 'tanh', got "
                       f"{approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    x = _t(input)
    _floating_kernel(x, "silu_" if inplace else "silu", "silu_cpu")
    if inplace:
        return _in_place(x, silu, "silu_")
    if _is_half(x):  # float16/bfloat16: in float32, rounded once (as PyTorch's kernel)
        return silu(x.float()).to(x.dtype)
    return apply1(AC.SILU, x)  # one fused node, as PyTorch's kernel


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    x = _t(input)
    _floating_kernel(x, "mish_" if inplace else "mish", "mish_cpu")
    if inplace:
        return _in_place(x, mish, "mish_")
    if _is_half(x):  # float16/bfloat16: in float32, rounded once (as PyTorch's kernel)
        return mish(x.float()).to(x.dtype)
    return apply1(AC.MISH, x)  # one fused node, as PyTorch's kernel


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``; computed without
    overflow."""
    x = _t(input)
    check_int_scalar(beta, "softplus", "beta")
    check_int_scalar(threshold, "softplus", "threshold")
    _floating_kernel(x, "softplus", "softplus_cpu")
    if _is_half(x):  # float16/bfloat16: in float32, rounded once (as PyTorch's kernel)
        return softplus(x.float(), beta, threshold).to(x.dtype)
    return remember(apply1(AC.SOFTPLUS, x, (beta, threshold)), _saved_beta=beta,
                    _saved_threshold=threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)``."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    check_int_scalar(min_val, "hardtanh", "min_val")
    check_int_scalar(max_val, "hardtanh", "max_val")
    x = _t(input)
    if x._data.dtype.kind == "b":
        raise RuntimeError("hardtanh: Bool inputs not supported for hardtanh; convert the "
                           "input, e.g. x.float()")
    if x._data.dtype.kind in "iu":  # PyTorch's limits as int64 first (NaN, inf: overflow)
        from ..._dtype import int64

        min_val = _as_dtype_scalar(min_val, int64, "min_val", "hardtanh")
        max_val = _as_dtype_scalar(max_val, int64, "max_val", "hardtanh")
    # (the limits truncated to integers: -0.5 passes; empty inputs are checked too)
    if x._data.dtype.kind == "u" and (min_val <= -1 or max_val <= -1):
        raise RuntimeError(f"hardtanh: cannot do hardtanh on an unsigned type with negative "
                           f"limits (min_val={min_val}, max_val={max_val}, input {x.dtype}); "
                           f"pass non-negative limits or convert the input")
    if inplace:
        return _in_place(x, lambda t: hardtanh(t, min_val, max_val), "hardtanh_")
    if x._data.dtype.kind != "f":  # (no gradient: clamp's integer path)
        return present(_F.clamp(x, min_val, max_val), "HardtanhBackward0", (x,), x)
    return remember(apply1(AC.HARDTANH, x, (float(min_val), float(max_val))),
                    _saved_min_val=min_val, _saved_max_val=max_val)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    x = _t(input)
    _floating_kernel(x, "hardsigmoid_" if inplace else "hardsigmoid", "hardsigmoid_cpu")
    if inplace:
        return _in_place(x, hardsigmoid, "hardsigmoid_")
    if _is_half(x):  # float16/bfloat16: in float32, rounded once (as PyTorch's kernel)
        return hardsigmoid(x.float()).to(x.dtype)
    clamped = _F.clamp(x + 3.0, 0.0, 6.0)
    # (the gradient is g times the float32 1/6, in float64 too, as PyTorch's backward kernel)
    out = clamped * float(np.float32(1.0 / 6.0))
    if type(out._data) is np.ndarray:  # (its forward divides)
        np.copyto(out._data, clamped._data / out._data.dtype.type(6))
    return present(out, "HardsigmoidBackward0", (x,))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    x = _t(input)
    _floating_kernel(x, "hardswish_" if inplace else "hardswish", "hardswish_cpu")
    if inplace:
        return _in_place(x, hardswish, "hardswish_")
    if _is_half(x):  # float16/bfloat16: in float32, rounded once (as PyTorch's kernel)
        return hardswish(x.float()).to(x.dtype)
    return apply1(AC.HARDSWISH, x)  # one fused node, as PyTorch's kernel


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``."""
    return _F.sigmoid(_t(input))


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, stable."""
    x = _t(input)
    _floating_kernel(x, "logsigmoid", "log_sigmoid_cpu")
    if _is_half(x):  # float16/bfloat16: in float32, rounded once (as PyTorch's kernel)
        return logsigmoid(x.float()).to(x.dtype)
    return apply1(AC.LOG_SIGMOID, x)  # one fused node, as PyTorch's kernel


def tanh(input: Tensor) -> Tensor:
    return _F.tanh(_t(input))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    x = _t(input)
    if x._data.dtype.kind == "b":  # (PyTorch's abs has no bool kernel)
        raise NotImplementedError('softsign: "abs_cpu" not implemented for Bool; convert the '
                                  'input with .float()')
    return x / (_F.abs(x) + 1.0)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    x = _t(input)
    return x - _F.tanh(x)


def _as_dtype_scalar(v, dtype, what, who):
    """``v`` converted to the input's ``dtype`` as PyTorch converts a Scalar (truncation toward
    zero for an integer dtype), with its RuntimeError for a value outside the dtype's range (a
    NaN or inf for an integer dtype, a finite value beyond float16's)."""
    check_int_scalar(v, who, what)
    f = float(v)
    if dtype.is_floating_point:
        if str(dtype).endswith("float16") and math.isfinite(f) and abs(f) > 65504.0:
            raise RuntimeError(f"{who}: {what} {v!r} cannot be converted to type {dtype} "
                               f"without overflow")
        return v
    info = np.iinfo(np.dtype(str(dtype).rsplit(".", 1)[-1]))
    if not math.isfinite(f) or not info.min <= f <= info.max:
        raise RuntimeError(f"{who}: {what} {v!r} cannot be converted to type {dtype} without "
                           f"overflow")
    return int(math.trunc(f))


def _bool_dtype():
    from ..._dtype import bool as b

    return b


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value`` (both converted to the input's dtype)."""
    check_int_scalar(threshold, "threshold", "threshold")
    check_int_scalar(value, "threshold", "value")
    x = _t(input)
    if x.dtype == _bool_dtype():
        raise NotImplementedError("threshold: not implemented for gradkit.bool; convert the "
                                  "input first")
    thr = _as_dtype_scalar(threshold, x.dtype, "threshold", "threshold") \
        if not x.dtype.is_floating_point else threshold
    val = _as_dtype_scalar(value, x.dtype, "value", "threshold")
    if inplace:
        return _in_place(x, lambda t: threshold_fn(t, thr, val), "threshold_")
    return remember(present(threshold_fn(x, thr, val), "ThresholdBackward0", (x,), x), x,
                    _saved_threshold=threshold)


def threshold_fn(x, thr, val):
    fill = x.new_full((), val)
    return _F.where(x <= thr, fill, x)


@_NN.named("HardshrinkBackward0")
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0. As PyTorch's kernels: 0 where ``-lambd <= x <=
    lambd``, the gradient passes where ``x < -lambd or x > lambd`` (so a NaN, in ``x`` or
    ``lambd``, keeps its value with a zero gradient)."""
    x = _t(input)
    check_int_scalar(lambd, "hardshrink", "lambd")
    if not x.is_floating_point():
        raise NotImplementedError(f"hardshrink: not implemented for {x.dtype}; convert the "
                                  f"input with .float()")
    if lambd.__class__ is int:  # (as a float: -lambd of an int up to 2**64 is no Scalar)
        lambd = float(lambd)
    zero = (x >= -lambd) & (x <= lambd)
    keep = (x < -lambd) | (x > lambd)
    return _F.where(zero, x.new_zeros(()), _F.where(keep, x, x.detach()))


@_NN.named("SoftshrinkBackward0")
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    x = _t(input)
    check_int_scalar(lambd, "softshrink", "lambd")
    _floating_kernel(x, "softshrink", "softshrink_check")  # (PyTorch's first check)
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be "
                           f"{lambd}; pass a non-negative lambd")
    if x.is_floating_point():
        from ..._runtime import finfo

        top = float(finfo(x.dtype).max)
        if not 0 <= lambd <= top:  # (NaN and inf too)
            raise RuntimeError(f"softshrink: lambda must be in range [0, {top:g}] for input "
                               f"dtype {x.dtype}, but found {lambd}")
    if _is_half(x):  # float16/bfloat16: in float32, rounded once (as PyTorch's kernel)
        return softshrink(x.float(), lambd).to(x.dtype)
    if lambd.__class__ is int:  # (as a float: -lambd of an int up to 2**64 is no Scalar)
        lambd = float(lambd)
    return _F.where(x > lambd, x - lambd, _F.where(x < -lambd, x + lambd, x * 0.0))


def _rrelu_noise(x: Tensor, lower: float, upper: float, generator) -> np.ndarray:
    """PyTorch's training slopes, in the computing precision (float32 for bfloat16 input): for
    every element ``<= 0`` in order, one 53-bit uniform in ``[lower, upper)`` (bounds rounded
    to that precision first); 1 elsewhere."""
    from ...random import _gen, _unit

    data = np.asarray(x._data)
    wdt = np.float64 if data.dtype == np.float64 else np.float32
    lo, hi = float(wdt(lower)), float(wdt(upper))
    neg = data <= 0
    slope = np.ones(data.shape, dtype=wdt)
    u = _unit(_gen(generator), int(neg.sum()), np.float64)
    slope[neg] = (u * (hi - lo) + lo).astype(wdt)
    return slope


def _rrelu_checks(x, lower, upper, training, inplace):
    """PyTorch's checks of ``rrelu``/``rrelu_``: finite bounds (``rrelu`` only), ``lower <=
    upper`` (RuntimeError), floating input (NotImplementedError; float16 has no training
    kernel), and in training a finite range to draw from where an element is ``<= 0``."""
    name = "rrelu_" if inplace else "rrelu"
    check_int_scalar(lower, name, "lower")
    check_int_scalar(upper, name, "upper")
    if not inplace:
        for what, v in (("lower", lower), ("upper", upper)):
            if not math.isfinite(float(v)):
                raise RuntimeError(f"rrelu: {what} bound must be finite, got {v}")
    if not float(lower) <= float(upper):
        raise RuntimeError(f"{name}: Lower bound should be less than or equal to the upper bound, "
                           f"got lower={lower}, upper={upper}")
    if not x.is_floating_point() or (training and x._data.dtype == np.float16):
        kernel = "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu"
        raise NotImplementedError(f'{name}: "{kernel}" not implemented for {x.dtype}; convert '
                                  f"the input with .float()")
    if training and x.numel():
        big = np.finfo(x._data.dtype if x._data.dtype.kind == "f" else np.float32).max
        span = float(upper) - float(lower)
        if not span <= big and bool((x <= 0).any()):
            raise RuntimeError(f"{name}: Expected to - from <= max of {x.dtype} to be true, but "
                               f"got upper - lower = {span}; use finite bounds")


def _rrelu(x: Tensor, lower, upper, training, generator, inplace=False) -> Tensor:
    _rrelu_checks(x, lower, upper, training, inplace)
    if not training:  # PyTorch's result is a new row-major tensor, whatever x's layout
        out = leaky_relu(x, (lower + upper) / 2)
        return out if inplace else out.contiguous()
    slope = _rrelu_noise(x, lower, upper, generator)
    noise = slope.astype(x._data.dtype, copy=False)  # the saved noise: in the input's dtype
    if type(x._data) is not np.ndarray:
        from ...device import _to_namespace_of

        slope, noise = _to_namespace_of(slope, x._data), _to_namespace_of(noise, x._data)
    return apply1(AC.RRELU, x, (slope, noise))


@_NN.named("RreluWithNoiseBackward0")
def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: in training, each non-positive element is multiplied by a slope
    drawn uniformly from ``[lower, upper)`` (PyTorch's stream after the same seed); in eval the
    slope is ``(lower + upper) / 2``."""
    x = _t(input)
    if inplace:
        _rrelu_checks(x, lower, upper, training, True)
        return _in_place(x, lambda t: _rrelu(t, lower, upper, training, None, True), "rrelu_")
    return _rrelu(x, lower, upper, training, None)


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`."""
    return relu(input, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`."""
    return elu(input, alpha, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`."""
    return celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`."""
    return selu(input, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`."""
    return globals()["threshold"](input, threshold, value, inplace=True)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


@_NN.named("PreluKernelBackward0")
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where ``x > 0``, else ``weight * x``; ``weight`` is a scalar or 1-D with 1 or ``C``
    (dim 1; 1 for a 1-D input) entries, of the input's dtype (PyTorch does not promote)."""
    x = _t(input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): argument 'weight' (position 2) must be Tensor, not "
                        f"{type(weight).__name__}")
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast lower-precision list
        x, weight = _ac_lower(x, weight)
    if x.dtype != weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {x.dtype} (input) and "
                           f"{weight.dtype} (weight); convert the weight to the input's dtype")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim} (shape {tuple(weight.shape)})")
    n = weight.numel()
    if n != 1:
        if x.ndim == 0:
            raise RuntimeError(f"prelu: Not allow zero-dim input tensor with a weight of {n} "
                               f"entries")
        channels = x.shape[1] if x.ndim >= 2 else 1
        if channels != n:
            raise RuntimeError(
                f"prelu: Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {n} and channel size = {channels} (input of shape "
                f"{tuple(x.shape)}); the weight needs 1 or C (dim 1) entries")
        weight = weight.reshape((n,) + (1,) * (x.ndim - 2))
    elif weight.ndim:
        weight = weight.reshape(())
    if not x.is_floating_point():
        raise NotImplementedError(f"prelu: not implemented for {x.dtype}; convert the input "
                                  f"with .float()")
    # the negative side from where(x > 0, 0, x): x * weight would give the weight a NaN
    # gradient (0 * inf) from an inf on the positive side, and clamp would give -0.0 no slope
    neg = _F.where(x > 0, x.new_zeros(()), x)
    return _F.where(x > 0, x, neg * weight)


@_NN.named("GluBackward0")
def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``a * sigmoid(b)`` where ``a, b`` are the halves of ``input`` along ``dim``."""
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("glu(): glu does not support scalars because halving size must be "
                           "even; give the input a dimension to halve")
    dim = _wrap_dim(dim, x.ndim)
    if x.shape[dim] % 2:
        raise RuntimeError(
            f"glu: halving dimension must be even, but dimension {dim} is size {x.shape[dim]}"
        )
    _floating_kernel(x, "glu", "glu_cpu")
    a, b = _F.chunk(x, 2, dim)
    return a * _F.sigmoid(b)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """The dim PyTorch's legacy rule picks when none is given, with its deprecation warning
    pointing at the caller's line (``stacklevel`` counts as PyTorch's does; one more frame for
    the public face that checks the arguments)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", UserWarning, stacklevel=stacklevel + 1)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (stable)."""
    x = _t(input)
    if dim is None:
        dim = _softmax_dim("softmax", x.ndim, _stacklevel)
    return _F.softmax(x, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``softmax(-x)``."""
    x = _t(input)
    if dim is None:
        dim = _softmax_dim("softmin", x.ndim, _stacklevel)
    return _F.softmax(-x, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim`` (stable)."""
    x = _t(input)
    if dim is None:
        dim = _softmax_dim("log_softmax", x.ndim, _stacklevel)
    return _F.log_softmax(x, dim, dtype)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """Samples from the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with
    ``g = -log(Exponential(1))`` drawn from gradkit's generator as PyTorch draws it (the same
    sample after the same seed). With ``hard=True`` the result is one-hot in the forward pass
    and has the soft sample's gradient (straight-through).

    Args:
        logits: unnormalized log-probabilities ``(*, num_features)``.
        tau: non-negative temperature.
        hard: return one-hot samples (straight-through gradient).
        eps: deprecated and unused (another value warns, as in PyTorch).
        dim: the dimension of the categories.
    """
    from ...factories import empty_like, zeros_like

    if eps != 1e-10:
        warn("`eps` parameter is deprecated and has no effect.")
    x = _t(logits)
    noise = empty_like(x, requires_grad=False).exponential_().log()
    y_soft = _F.softmax((x - noise) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.detach().argmax(dim, keepdim=True)
    y_hard = zeros_like(x, requires_grad=False).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft

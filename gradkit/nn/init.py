"""Parameter initialisers (``torch.nn.init``).

Each writes into the tensor in place under ``no_grad`` and returns it. Random ones draw from
gradkit's default generator (seeded by ``gradkit.manual_seed``) or from ``generator=``, with
PyTorch's formulas and streams: after the same seed a layer starts from PyTorch's weights.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from .. import random as _random
from .._tensor import Tensor
from ..autograd import grad_mode
from ..random import _gen
from .parameter import _placeholder_error, _Uninitialized

__all__ = [
    "calculate_gain", "constant_", "dirac_", "eye_", "kaiming_normal_", "kaiming_uniform_",
    "normal_", "ones_", "orthogonal_", "sparse_", "trunc_normal_", "uniform_",
    "xavier_normal_", "xavier_uniform_", "zeros_",
]

_LINEAR_GAIN = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (``'relu'``: sqrt(2), ``'tanh'``: 5/3, ...).

    Args:
        nonlinearity: ``'linear'``, ``'conv*'``, ``'sigmoid'``, ``'tanh'``, ``'relu'``,
            ``'leaky_relu'``, ``'selu'``.
        param: the negative slope for ``'leaky_relu'`` (default 0.01).
    """
    if nonlinearity in _LINEAR_GAIN:
        return 1  # (PyTorch's int: printed as 1)
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity} (calculate_gain knows linear, "
                     f"conv*, sigmoid, tanh, relu, leaky_relu and selu)")


def _write(tensor: Tensor, arr) -> Tensor:
    with grad_mode.no_grad():
        dst = tensor._data
        if type(dst) is not np.ndarray:  # initialise on the host, then copy to the device
            from ..device import _to_namespace_of

            arr = _to_namespace_of(np.asarray(arr, dtype=dst.dtype), dst)
        dst[...] = arr
        tensor._vc[0] += 1
    return tensor


def _fans(tensor: Tensor) -> tuple[int, int]:
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            f"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {list(shape)})"
        )
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


# PyTorch's private helpers, called by custom layers copied from nn.Linear / nn.Conv2d
# (``bound = 1 / math.sqrt(nn.init._calculate_fan_in_and_fan_out(self.weight)[0])``)
_calculate_fan_in_and_fan_out = _fans


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    """``fan_in`` or ``fan_out`` of ``tensor`` (``mode``), as PyTorch's helper."""
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _fans(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _strided(tensor: Tensor) -> bool:
    """A host tensor that is not row-major (a transposed or sliced weight)."""
    data = tensor._data
    return type(data) is np.ndarray and not data.flags.c_contiguous


def _host_dtype(tensor: Tensor):
    return np.dtype(str(tensor._data.dtype))


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with draws from U(a, b)."""
    if tensor.is_meta:  # no values to fill, no numbers drawn (as PyTorch's meta kernels)
        return tensor
    if tensor.is_complex() or _strided(tensor):
        # real and imaginary parts, or a strided tensor in its memory order: Tensor.uniform_
        # (PyTorch's)
        with grad_mode.no_grad():
            return tensor.uniform_(a, b, generator=generator)
    arr = _random.uniform(_gen(generator), tensor.numel(), _host_dtype(tensor), float(a),
                          float(b))
    return _write(tensor, arr.reshape(tensor._data.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    if tensor.is_meta:
        return tensor
    if tensor.is_complex() or _strided(tensor):
        # each part N(mean, std^2 / 2), or a strided tensor in its memory order (one value at
        # a time): Tensor.normal_ (PyTorch's)
        with grad_mode.no_grad():
            return tensor.normal_(mean, std, generator=generator)
    arr = _random.normal(_gen(generator), tensor.numel(), _host_dtype(tensor), float(mean),
                         float(std))
    return _write(tensor, arr.reshape(tensor._data.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Fill with draws from N(mean, std^2) truncated to [a, b], by PyTorch's rejection
    sampling: normal draws redrawn where outside when the window holds more than 30% of the
    mass, else uniform candidates on [a, b] accepted with probability pdf / peak."""
    if a >= b:
        raise ValueError(f"trunc_normal_: a ({a}) must be less than b ({b})")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    if tensor.is_meta:
        return tensor
    g, n, dt = _gen(generator), tensor.numel(), _host_dtype(tensor)
    f = np.float64 if dt == np.float64 else np.float32
    # PyTorch fills the tensor, then buffers made by empty_like and where: all of them draw in
    # the tensor's memory order, so the values are kept flat in that order and placed at the
    # end. normal_ of a non-contiguous tensor draws one value at a time; the buffers are dense
    # in the tensor's order of strides, contiguous where that order is the index order.
    strided = _strided(tensor)
    rowmajor_buffers = not strided or _random._dense_order(
        tensor._data.shape, tensor._data.strides) == list(range(tensor._data.ndim))

    def normal(contiguous):
        if contiguous:
            return _random.normal(g, n, dt, float(mean), float(std))
        return _random.normal_serial(g, n, float(mean), float(std)).astype(dt)

    def place(flat):
        return _write(tensor, _random.in_memory_order(flat, tensor._data) if strided
                      else flat.reshape(tensor._data.shape))

    if _phi((b - mean) / std) - _phi((a - mean) / std) > 0.3:
        lo, hi = dt.type(a), dt.type(b)
        result = normal(not strided)
        while True:
            bad = (result < lo) | (result > hi)
            if not bad.any():
                break
            result = np.where(bad, normal(rowmajor_buffers), result)
        return place(result)
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2

    def log_pdf(c):  # PyTorch's in-place steps, each rounded to the tensor's dtype
        def step(v):
            return v.astype(dt).astype(f)

        if dt == f:
            c = ((c - f(mean)) / f(std)).astype(f)
            return (c * c * f(-0.5) - f(log_peak)).astype(f)
        # float16/bfloat16: sub_'s number rounded to the dtype, div_ by a number a
        # multiplication by its float reciprocal
        c = step(step(c.astype(f) - step(f(mean))) * (f(1) / f(std)))
        return step(step(step(c * c) * f(-0.5)) - step(f(log_peak)))

    def log_u():  # log of U(0, 1), rounded once from float64 (to the tensor's dtype)
        with np.errstate(divide="ignore"):
            return np.log(_random.uniform(g, n, dt).astype(np.float64)).astype(dt).astype(f)

    result = _random.uniform(g, n, dt, float(a), float(b))
    pending = log_u() > log_pdf(result)
    while pending.any():
        cand = _random.uniform(g, n, dt, float(a), float(b))
        result = np.where(pending, cand, result)
        pending = np.where(pending, log_u() > log_pdf(cand), pending)
    return place(result)


def _phi(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    return _write(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    return _write(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    return _write(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got "
                         f"{tensor.ndim}")
    return _write(tensor, np.eye(*tensor._data.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3/4/5-D convolution weight with the Dirac delta (identity convolution)."""
    nd = tensor.ndim
    if nd not in (3, 4, 5):
        raise ValueError("dirac_: only tensors with 3, 4, or 5 dimensions are supported")
    shape = tensor._data.shape
    if shape[0] % groups:
        raise ValueError("dirac_: dim 0 must be divisible by groups")
    out_per = shape[0] // groups
    arr = np.zeros(shape)
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(out_per, shape[1])):
            arr[(g * out_per + d, d) + centre] = 1
    return _write(tensor, arr)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))`` (Glorot)."""
    fan_in, fan_out = _fans(tensor)
    a = math.sqrt(3.0) * (gain * math.sqrt(2.0 / float(fan_in + fan_out)))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))`` (Glorot)."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    if 0 in tensor.shape:  # (PyTorch's first check, with its warning)
        # (at the caller of kaiming_*_, under its placeholder guard: as PyTorch, the user for a
        # direct call, the layer's reset_parameters for a layer)
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=4)
        return None
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """U(-b, b) with ``b = gain * sqrt(3 / fan)`` (He et al.).

    Args:
        tensor: at least 2-D.
        a: negative slope of the following leaky ReLU (``'leaky_relu'`` only).
        mode: ``'fan_in'`` (preserve forward variance) or ``'fan_out'`` (backward).
        nonlinearity: ``'relu'`` or ``'leaky_relu'`` recommended.
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """N(0, std^2) with ``std = gain / sqrt(fan)`` (He et al.)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix (QR of a Gaussian matrix), scaled by ``gain``; tensors with
    more than 2 dimensions are flattened after the first."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0 or tensor.is_meta:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _random.normal(_gen(generator), rows * cols, _host_dtype(tensor)).reshape(rows, cols)
    if tensor.dtype.name in ("float16", "bfloat16"):  # after the draws, as PyTorch's QR
        title = "Half" if tensor.dtype.name == "float16" else "BFloat16"
        raise NotImplementedError(f'"geqrf_cpu" not implemented for \'{title}\': orthogonal_ '
                                  f"needs a QR factorisation, which has no {title} kernel; "
                                  f"initialise a float32 tensor and convert it")
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    d = np.sign(np.diag(r))
    d[d == 0] = 1
    q = q * d
    if rows < cols:
        q = q.T
    if tensor.ndim > 2:  # PyTorch writes through tensor.view_as(q): refused after the draws
        tensor.view(rows, cols)  # where the strides allow no such view (a transposed weight)
    return _write(tensor, (q * gain).reshape(tensor._data.shape))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """A 2-D matrix with a ``sparsity`` fraction of each column zero, the rest N(0, std^2)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    if tensor.is_meta:
        return tensor
    rows, cols = tensor.shape
    if _strided(tensor):  # Tensor.normal_ of a strided tensor: one value at a time, in order
        arr = _random.in_memory_order(
            _random.normal_serial(_gen(generator), rows * cols, 0.0, float(std)),
            tensor._data).astype(_host_dtype(tensor))
    else:
        arr = _random.normal(_gen(generator), rows * cols, _host_dtype(tensor), 0.0,
                             float(std)).reshape(rows, cols)
    nz = math.ceil(sparsity * rows)
    for c in range(cols):  # PyTorch draws these from the default generator
        arr[_random.randperm(_gen(None), rows)[:nz], c] = 0
    return _write(tensor, arr)


def _refusing_placeholders(fill):
    """``fill`` refusing a lazy module's parameter before its first forward with PyTorch's
    ValueError (it held no values yet: the init did nothing, silently)."""

    @functools.wraps(fill)
    def guarded(*args, **kwargs):
        tensor = args[0] if args else kwargs.get("tensor")
        if isinstance(tensor, _Uninitialized):
            raise _placeholder_error(type(tensor).__name__, f"nn.init.{fill.__name__}")
        return fill(*args, **kwargs)

    return guarded


for _name in __all__:
    if _name != "calculate_gain":
        globals()[_name] = _refusing_placeholders(globals()[_name])
del _name


def _deprecated_spelling(new_name: str):
    """PyTorch's old names without the trailing underscore (``nn.init.xavier_uniform``): they
    still work, with PyTorch's FutureWarning."""
    fill = globals()[new_name]
    old_name = new_name[:-1]

    def old_spelling(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of "
                      f"`nn.init.{new_name}`.", FutureWarning, stacklevel=2)
        return fill(*args, **kwargs)

    old_spelling.__name__ = old_spelling.__qualname__ = old_name
    old_spelling.__doc__ = f"Deprecated: use ``{new_name}``."
    return old_spelling


uniform = _deprecated_spelling("uniform_")
normal = _deprecated_spelling("normal_")
constant = _deprecated_spelling("constant_")
eye = _deprecated_spelling("eye_")
dirac = _deprecated_spelling("dirac_")
xavier_uniform = _deprecated_spelling("xavier_uniform_")
xavier_normal = _deprecated_spelling("xavier_normal_")
kaiming_uniform = _deprecated_spelling("kaiming_uniform_")
kaiming_normal = _deprecated_spelling("kaiming_normal_")
orthogonal = _deprecated_spelling("orthogonal_")
sparse = _deprecated_spelling("sparse_")

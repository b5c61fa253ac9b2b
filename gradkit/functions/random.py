"""Random in-place fillers of Tensor: ``uniform_``, ``normal_``, ``bernoulli_``,
``exponential_``, ``random_``, ``geometric_``, ``cauchy_``, ``log_normal_``. Each draws PyTorch's
CPU stream (``gradkit/random.py`` holds the streams and the generators); the random factories
(``rand``, ``randn``, ``randint``, ...) are in ``gradkit/factories.py``."""

from __future__ import annotations

import math

import numpy as np

from .. import random as _random
from .._tensor.tensor import Tensor, wrap
from ..autograd import grad_mode
from ..random import _gen
from ._args import _int_arg
from ._registry import number_error, tensor_method

__all__ = ["bernoulli_", "cauchy_", "exponential_", "geometric_", "log_normal_", "normal_",
           "random_", "uniform_"]


def _fill(self, arr):
    """Write the draws ``arr`` into ``self`` in its memory order, as PyTorch's kernels do."""
    data = self._data
    if isinstance(data, np.ndarray) and data.shape == tuple(self.shape):
        arr = _random.in_memory_order(arr, data)
    arr = np.asarray(arr).reshape(tuple(self.shape)).astype(self._data.dtype, copy=False)
    with grad_mode.no_grad():
        self.copy_(wrap(arr))
    return self


_TITLES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
           "bool": "Bool"}


def _numbers(fn, **named):
    """PyTorch's TypeError for a non-number where a random fill takes a float (``std=[1.0]``,
    ``mean=None``): a Python or NumPy number, or a 0-d Tensor."""
    for name, v in named.items():
        if v.__class__ is not float:
            number_error(fn, name, v)


def _bounds(fn, a, b, bounds):
    """``(from, to)`` given by PyTorch's keyword names (Python keywords, so passed as
    ``**{'from': ...}``); TypeError for any other keyword."""
    for k in bounds:
        if k not in ("from", "to"):
            raise TypeError(f"{fn}() got an unexpected keyword argument '{k}'")
    return bounds.get("from", a), bounds.get("to", b)


def _float_check(self, name, kernel=None):
    """Floating-point targets only; ``kernel``: PyTorch's CPU kernel, whose dispatch raises
    NotImplementedError for other dtypes (RuntimeError otherwise)."""
    if self.dtype.kind != "f":
        _no_kernel(kernel, self.dtype, name)
        raise RuntimeError(f"{name} expects a floating point tensor, got {self.dtype}")


def _no_kernel(kernel, dtype, name):
    """PyTorch's dispatch error for a random kernel given a non-floating gradkit dtype (complex
    dtypes have their own kernels)."""
    if kernel is not None and dtype.kind not in "fc":
        title = _TITLES.get(dtype.name, dtype.name)
        raise NotImplementedError(f'"{kernel}" not implemented for \'{title}\': {name} draws '
                                  f"floating-point values (use a float dtype)")


def _complex_fill(self, fill, a, b, generator):
    """``fill`` applied to the real view of complex ``self`` (a last dim of 2: real and
    imaginary parts, in memory order), which PyTorch's complex random kernels do."""
    from .complex import view_as_real

    with grad_mode.no_grad():
        fill(view_as_real(self), a, b, generator=generator)
    return self


@tensor_method()
def uniform_(self, a=0.0, b=1.0, *, generator=None, **bounds):
    """Fill with samples from the uniform distribution on ``[a, b)`` (PyTorch's keywords
    ``from``/``to`` name them too: ``x.uniform_(**{'from': -1, 'to': 1})``)."""
    if bounds:
        a, b = _bounds("uniform_", a, b, bounds)
    _numbers("uniform_", **{"from": a, "to": b})
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    if self.dtype.kind == "c":  # the real and imaginary parts, as PyTorch's (view_as_real)
        return _complex_fill(self, uniform_, a, b, generator)
    _float_check(self, "uniform_", "check_uniform_bounds")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={a} > to={b}")
    return _fill(self, _random.uniform(_gen(generator), self.numel(), self._data.dtype,
                                       float(a), float(b)))


@tensor_method()
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from the normal distribution ``N(mean, std**2)``."""
    _numbers("normal_", mean=mean, std=std)
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    if self.dtype.kind == "c" and std >= 0:  # each part N(mean, std**2 / 2), as PyTorch's
        return _complex_fill(self, normal_, mean, std / math.sqrt(2.0), generator)
    _float_check(self, "normal_", "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    g, n = _gen(generator), self.numel()
    if isinstance(self._data, np.ndarray) and not self._data.flags.c_contiguous:
        # PyTorch's vectorised Box-Muller runs on contiguous tensors only; others draw one
        # value at a time in memory order
        return _fill(self, _random.normal_serial(g, n, float(mean), float(std)))
    return _fill(self, _random.normal(g, n, self._data.dtype, float(mean), float(std)))


@tensor_method("bernoulli")
def _bernoulli_method(self, p=None, *, generator=None):
    """``gradkit.bernoulli(self)``: 1 with this tensor's probabilities (or ``p``), else 0."""
    from ..factories import bernoulli

    if p is None:
        return bernoulli(self, generator=generator)
    return bernoulli(self, p, generator=generator)


@tensor_method("multinomial")
def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    """``gradkit.multinomial(self, ...)``: indices drawn with this tensor's row weights."""
    from ..factories import multinomial

    return multinomial(self, num_samples, replacement, generator=generator)


@tensor_method()
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 with probability ``p`` (a number or a tensor of probabilities), else 0."""
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    g = _gen(generator)
    if p.__class__ is not float and not isinstance(p, Tensor):
        _numbers("bernoulli_", p=p)
    if isinstance(p, Tensor):
        probs = np.broadcast_to(np.asarray(p.detach().cpu()._data), tuple(self.shape))
        return _fill(self, _random.bernoulli_tensor(g, np.ascontiguousarray(probs)))
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill(self, _random.bernoulli_scalar(g, self.numel(), float(p)))


@tensor_method()
def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples from the exponential distribution of rate ``lambd``."""
    _numbers("exponential_", lambd=lambd)
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    _float_check(self, "exponential_")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, _random.exponential(_gen(generator), self.numel(), float(lambd)))


@tensor_method()
def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(``p``) trials up to the first success."""
    _numbers("geometric_", p=p)
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(self, _random.geometric(_gen(generator), self.numel(), float(p)))


@tensor_method()
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with samples from the Cauchy distribution."""
    _numbers("cauchy_", median=median, sigma=sigma)
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    _float_check(self, "cauchy_")
    return _fill(self, _random.cauchy(_gen(generator), self.numel(), float(median),
                                      float(sigma)))


@tensor_method()
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with ``exp`` of samples from ``N(mean, std**2)``."""
    _numbers("log_normal_", mean=mean, std=std)
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    _float_check(self, "log_normal_", "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(self, _random.log_normal(_gen(generator), self.numel(), float(mean),
                                          float(std)))


@tensor_method()
def random_(self, from_=None, to=None, *, generator=None):
    """``random_()``: integers in ``[0, 2**mantissa]`` (floats) or ``[0, max]`` (integers);
    ``random_(to)``: in ``[0, to)``; ``random_(from, to)``: in ``[from, to)``."""
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    g, n, dt = _gen(generator), self.numel(), self._data.dtype
    if from_ is None and to is None:
        return _fill(self, _random.random_full(g, n, dt))
    if to is None:
        from_, to = 0, from_
    elif from_ is None:  # ``random_(to=n)``: PyTorch's ``random_(to)``
        from_ = 0
    if from_.__class__ is not int or to.__class__ is not int:
        from_, to = _int_arg(from_, "random_", "from"), _int_arg(to, "random_", "to")
    from_, to = int(from_), int(to)
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={from_} >= to={to}")
    return _fill(self, _random.random_from_to(g, n, from_, to))

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
from ..random import _FLOAT_MAX, _gen
from ._args import _int_arg
from ._registry import number_error, tensor_method

__all__ = ["bernoulli_", "cauchy_", "exponential_", "geometric_", "log_normal_", "normal_",
           "random_", "uniform_"]


def _no_overlap(self, name):
    """PyTorch refuses to fill a tensor whose elements share memory (an ``expand``) before it
    draws anything."""
    data = self._data
    if isinstance(data, np.ndarray) and data.size > 1 and any(
            st == 0 and d > 1 for st, d in zip(data.strides, data.shape)):
        raise RuntimeError(f"{name}: unsupported operation: more than one element of the "
                           f"written-to tensor refers to a single memory location (shape "
                           f"{tuple(data.shape)}, an expand). Please clone() the tensor "
                           f"before filling it")


def _target(self, name, generator):
    """The generator a filler draws from, once its target is known to be writable: PyTorch
    refuses (before drawing) a target whose elements share memory."""
    _no_overlap(self, name)
    return _gen(generator)


def _fill(self, arr, ordered=False):
    """Write the draws ``arr`` into ``self`` in its memory order, as PyTorch's kernels do
    (``ordered``: ``arr`` already holds each element's value at its index)."""
    data = self._data
    if self.numel() == 0:  # nothing drawn, nothing written (an empty expand included)
        return self
    if not ordered and isinstance(data, np.ndarray) and data.shape == tuple(self.shape):
        arr = _random.in_memory_order(arr, data)
    arr = np.asarray(arr)
    if arr.dtype == np.float64 and data.dtype.itemsize == 2 and self.dtype.is_floating_point:
        # float16/bfloat16: PyTorch's kernels return the double sample as float, then round
        arr = arr.astype(np.float32)
    arr = arr.reshape(tuple(self.shape)).astype(self._data.dtype, copy=False)
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


def _float_check(self, name, kernel=None, empty_ok=True):
    """Floating-point targets only; ``kernel``: PyTorch's CPU kernel, whose dispatch raises
    NotImplementedError for other dtypes (RuntimeError otherwise). An empty tensor passes
    where PyTorch returns before its kernel's dtype dispatch (``empty_ok``; uniform_ and
    cauchy_ check the dtype first)."""
    if self.dtype.kind != "f" and (self.numel() or not empty_ok):
        _no_kernel(kernel, self.dtype, name)
        if kernel is not None and self.dtype.kind == "c":
            title = {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(
                self.dtype.name, self.dtype.name)
            raise NotImplementedError(f'"{kernel}" not implemented for \'{title}\': {name} '
                                      f"draws real values (fill the real view, "
                                      f"torch.view_as_real)")
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
    _float_check(self, "uniform_", "check_uniform_bounds", empty_ok=False)
    lim = _FLOAT_MAX.get(self.dtype.name)
    for what, v in (("from", a), ("to", b)):
        if lim is not None and not -lim <= v <= lim:
            raise RuntimeError(f"uniform_: {what}={v} is out of bounds for {self.dtype.name} "
                               f"(its finite values are -{lim:g} to {lim:g})")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={a} > to={b}")
    if lim is not None and b - a > lim:
        raise RuntimeError(f"uniform_ expects to - from <= {lim:g} for {self.dtype.name}, but "
                           f"found to={b} and from={a}")
    g = _target(self, "uniform_", generator)
    return _fill(self, _random.uniform(g, self.numel(), self._data.dtype, float(a), float(b)))


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
    g, n = _target(self, "normal_", generator), self.numel()
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
    if p.__class__ is not float and not isinstance(p, Tensor):
        _numbers("bernoulli_", p=p)
    if isinstance(p, Tensor):
        return _bernoulli_tensor_(self, p, generator)
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    if self.dtype.kind == "c" and self.numel():
        raise NotImplementedError(f'"bernoulli_scalar_cpu_" not implemented for '
                                  f"'{_title(self.dtype)}': bernoulli_ fills real tensors")
    g = _target(self, "bernoulli_", generator)
    return _fill(self, _random.bernoulli_scalar(g, self.numel(), float(p)))


def _bernoulli_tensor_(self, p, generator):
    """``bernoulli_(p)`` with a tensor ``p`` (broadcast to ``self``), PyTorch's kernel: one
    uniform per element in ``self``'s memory order, compared with that element's ``p``
    (53-bit uniforms for a float64 ``p``, float32 ones otherwise); a ``p`` outside [0, 1]
    stops it there, after the draws of the elements before."""
    if not self.numel():  # PyTorch returns before its kernel's dtype dispatch
        return self
    if self.dtype.kind == "c":
        raise NotImplementedError(f'"bernoulli_tensor_cpu_self_" not implemented for '
                                  f"'{_title(self.dtype)}': bernoulli_ fills real tensors")
    if p.dtype.kind != "f":
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for '
                                  f"'{_title(p.dtype)}': the probabilities must be a floating "
                                  f"tensor (use p.float())")
    pa = np.asarray(p.detach().cpu()._data)
    try:
        probs = np.broadcast_to(pa, tuple(self.shape))
    except ValueError:
        raise RuntimeError(f"bernoulli_: the probabilities' shape {tuple(pa.shape)} does not "
                           f"broadcast to the tensor's shape {tuple(self.shape)}") from None
    g = _target(self, "bernoulli_", generator)
    n = self.numel()
    data = self._data
    wide = pa.dtype == np.float64
    probs = probs if wide else probs.astype(np.float32)
    with np.errstate(invalid="ignore"):
        bad = ~((probs >= 0) & (probs <= 1))
    if bad.any():
        order = _random.in_memory_order(np.arange(n), data) if isinstance(data, np.ndarray) \
            else np.arange(n).reshape(probs.shape)
        k = int(order[bad].min())
        _random.uniform(g, k, np.float64 if wide else np.float32)
        raise RuntimeError(f"bernoulli_ expects every probability in [0, 1], but got "
                           f"{probs[bad].reshape(-1)[0]!r}")
    u = _random.uniform(g, n, np.float64 if wide else np.float32)
    u = _random.in_memory_order(u, data) if isinstance(data, np.ndarray) \
        else u.reshape(probs.shape)
    return _fill(self, u < probs, ordered=True)


def _title(dt):
    return {"complex64": "ComplexFloat", "complex128": "ComplexDouble", "bool": "Bool",
            **_TITLES}.get(dt.name, dt.name)


@tensor_method()
def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples from the exponential distribution of rate ``lambd``."""
    _numbers("exponential_", lambd=lambd)
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    _float_check(self, "exponential_")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    g = _target(self, "exponential_", generator)
    return _fill(self, _random.exponential(g, self.numel(), float(lambd)))


@tensor_method()
def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(``p``) trials up to the first success."""
    _numbers("geometric_", p=p)
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    if self.dtype.kind == "c":
        _float_check(self, "geometric_", "geometric_cpu")
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    g = _target(self, "geometric_", generator)
    return _fill(self, _random.geometric(g, self.numel(), float(p)))


@tensor_method()
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with samples from the Cauchy distribution."""
    _numbers("cauchy_", median=median, sigma=sigma)
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    _float_check(self, "cauchy_", empty_ok=False)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    g = _target(self, "cauchy_", generator)
    return _fill(self, _random.cauchy(g, self.numel(), float(median), float(sigma)))


@tensor_method()
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with ``exp`` of samples from ``N(mean, std**2)``."""
    _numbers("log_normal_", mean=mean, std=std)
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    _float_check(self, "log_normal_", "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    g = _target(self, "log_normal_", generator)
    return _fill(self, _random.log_normal(g, self.numel(), float(mean), float(std)))


_UNSET = object()


@tensor_method()
def random_(self, from_=_UNSET, to=_UNSET, *, generator=None):
    """``random_()``: integers in ``[0, 2**mantissa]`` (floats) or ``[0, max]`` (integers);
    ``random_(to)``: in ``[0, to)``; ``random_(from, to)``: in ``[from, to)``;
    ``random_(from, None)``: from ``from`` to the dtype's largest value, as PyTorch."""
    if from_ is None or from_ is _UNSET and to is None:  # (no form of PyTorch's takes these)
        what = ("argument 'from' must be int, not NoneType" if from_ is None else
                "to=None needs a 'from' (random_(from, None) draws up to the dtype's largest)")
        raise TypeError(f"random_() received an invalid combination of arguments: {what}; "
                        f"call random_(), random_(to) or random_(from, to)")
    if self.is_meta:  # no values to fill, no numbers drawn (as PyTorch)
        return self
    if to is _UNSET and from_ is _UNSET:
        if not self.numel():  # PyTorch returns before its kernel's dtype dispatch
            return self
        if self.dtype.kind == "c":
            raise NotImplementedError(f'"random_kernel_cpu" not implemented for '
                                      f"'{_title(self.dtype)}': random_ fills real tensors")
        g = _target(self, "random_", generator)
        return _fill(self, _random.random_full(g, self.numel(), self._data.dtype))
    if to is _UNSET:
        from_, to = 0, from_
    elif from_ is _UNSET:  # ``random_(to=n)``: PyTorch's ``random_(to)``
        from_ = 0
    if from_.__class__ is not int or to is not None and to.__class__ is not int:
        from_ = _int_arg(from_, "random_", "from")
        to = to if to is None else _int_arg(to, "random_", "to")
    bounds = _random.int_range("random_", self.dtype, from_, to, open_high=to is not None)
    g, n = _target(self, "random_", generator), self.numel()
    if bounds is None:
        return _fill(self, _random.random_full64(g, n, self.dtype))
    return _fill(self, _random.random_from_to(g, n, *bounds))

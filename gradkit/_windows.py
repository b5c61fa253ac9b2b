"""Window functions, as PyTorch's ``torch.hann_window``, ``hamming_window``,
``blackman_window``, ``bartlett_window`` and ``kaiser_window``.

Hann, Hamming, Blackman and Bartlett follow PyTorch's kernels step by step in ``dtype`` (the
default float dtype unless given): ``arange`` times a scalar, ``cos``, a scalar multiply and add,
each rounded to ``dtype`` (float16/bfloat16 steps computed in float32, as PyTorch's), so that
``blackman_window(4)[0]`` is PyTorch's -2.9802e-08, not the float64 formula's -1.3878e-17. The
cosines are rounded once from float64, where PyTorch's SLEEF ``cos`` differs in about 5% of
float32 entries. Kaiser is computed in float64 from its formula and rounded once.
``periodic=True`` (the default, for spectral analysis) gives the first
``window_length`` values of the symmetric window of ``window_length + 1`` points; a window of
length 1 is ``[1.]`` and of length 0 is empty, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from . import _dtype, _options
from ._tensor.tensor import _int_value
from .factories import _finish

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window"]


def _points(name: str, window_length, periodic, dtype):
    """(n, N - 1, dtype) for a window: n = 0..L-1 over a symmetric window of N points."""
    if window_length.__class__ is not int and _int_value(window_length) is not None:
        window_length = _int_value(window_length)  # (a 0-d integer tensor, as PyTorch)
    if isinstance(window_length, bool) or not isinstance(window_length, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'window_length' must be int, not "
                        f"{type(window_length).__name__}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    if window_length > _options.MAX_ELEMENTS:
        _options.element_count(name, (window_length,))
    if not isinstance(periodic, (bool, np.bool_)):
        raise TypeError(f"{name}(): argument 'periodic' must be bool, not "
                        f"{type(periodic).__name__}")
    dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    if np.dtype(dt).kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    n = np.arange(int(window_length), dtype=np.float64)
    span = int(window_length) if periodic else int(window_length) - 1
    return n, span, np.dtype(dt)


def _numbers(name, **named):
    """PyTorch's TypeError for a non-number where a window takes a float (``beta=('a', 1)``)."""
    for arg, v in named.items():
        if v.__class__ is not float and (isinstance(v, (bool, np.bool_))
                                         or not isinstance(v, (int, float, np.number))):
            raise TypeError(f"{name}(): argument '{arg}' must be float, not {type(v).__name__}")


class _Steps:
    """PyTorch's window arithmetic in ``dt``: ``arange(L)``, and each op rounded to ``dt``."""

    def __init__(self, dt):
        self.dt = dt
        self.work = np.float64 if dt == np.float64 else np.float32  # (its opmath type)

    def rnd(self, a):
        return a.astype(self.dt).astype(self.work)

    def arange(self, n):
        return self.rnd(np.arange(n, dtype=np.float64))

    def mul(self, a, c):
        return self.rnd(a * self.work(c))

    def add(self, a, c):
        return self.rnd(a + self.work(c))

    def cos(self, a):
        return self.rnd(np.cos(a.astype(np.float64)))


def _symmetric(window_length, periodic):
    """The points of the symmetric window PyTorch computes (one more when periodic)."""
    return int(window_length) + 1 if periodic else int(window_length)


def _window(values, window_length, dt, device, requires_grad):
    if window_length == 1:
        values = np.ones(1)
    return _finish(np.asarray(values).astype(dt), requires_grad, device)


_UNSET = object()


def hamming_window(window_length, periodic=_UNSET, alpha=_UNSET, beta=_UNSET, *, dtype=None,
                   layout=None, device=None, pin_memory=False, requires_grad=False):
    """``alpha - beta cos(2 pi n / (N - 1))`` (``periodic=True, alpha=0.54, beta=0.46``).

    As PyTorch's overloads ``(N)``, ``(N, periodic)``, ``(N, periodic, alpha)`` and
    ``(N, periodic, alpha, beta)``: ``alpha`` needs ``periodic``, ``beta`` needs ``alpha``."""
    if periodic is _UNSET and alpha is not _UNSET or alpha is _UNSET and beta is not _UNSET:
        given = ", ".join(k for k, v in (("periodic", periodic), ("alpha", alpha),
                                           ("beta", beta)) if v is not _UNSET)
        raise TypeError(f"hamming_window() received an invalid combination of arguments - got "
                        f"({given}); alpha needs periodic and beta needs alpha, e.g. "
                        f"hamming_window(N, True, 0.54, 0.46)")
    periodic = True if periodic is _UNSET else periodic
    alpha = 0.54 if alpha is _UNSET else alpha
    beta = 0.46 if beta is _UNSET else beta
    _options.options("hamming_window", layout_=layout, pin_memory=pin_memory,
                     requires_grad=requires_grad)
    _numbers("hamming_window", alpha=alpha, beta=beta)
    n, span, dt = _points("hamming_window", window_length, periodic, dtype)
    if span > 0:
        st, pts = _Steps(dt), _symmetric(window_length, periodic)
        w = st.mul(st.arange(pts), np.pi * 2.0 / (pts - 1))
        n = st.add(st.mul(st.cos(w), -beta), alpha)[:int(window_length)]
    return _window(n, window_length, dt, device, requires_grad)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                pin_memory=False, requires_grad=False):
    """``0.5 - 0.5 cos(2 pi n / (N - 1))``."""
    _options.options("hann_window", layout_=layout, pin_memory=pin_memory,
                     requires_grad=requires_grad)
    return hamming_window(window_length, periodic, 0.5, 0.5, dtype=dtype, device=device,
                          requires_grad=requires_grad)


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    """``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``."""
    _options.options("blackman_window", layout_=layout, pin_memory=pin_memory,
                     requires_grad=requires_grad)
    n, span, dt = _points("blackman_window", window_length, periodic, dtype)
    if span > 0:  # PyTorch: w = arange * pi / (L - 1); cos(4 w) 0.08 - cos(2 w) 0.5 + 0.42
        st, pts = _Steps(dt), _symmetric(window_length, periodic)
        w = st.mul(st.arange(pts), np.pi / (pts - 1))
        a = st.mul(st.cos(st.mul(w, 4)), 0.08)
        b = st.mul(st.cos(st.mul(w, 2)), 0.5)
        n = st.add(st.rnd(a - b), 0.42)[:int(window_length)]
    return _window(n, window_length, dt, device, requires_grad)


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    """``1 - |2 n / (N - 1) - 1|`` (triangular)."""
    _options.options("bartlett_window", layout_=layout, pin_memory=pin_memory,
                     requires_grad=requires_grad)
    n, span, dt = _points("bartlett_window", window_length, periodic, dtype)
    if span > 0:  # PyTorch: arange * 2 / (L - 1), its second half times -1 plus 2
        st, pts = _Steps(dt), _symmetric(window_length, periodic)
        w = st.mul(st.arange(pts), 2.0 / (pts - 1))
        half = ((pts - 1) >> 1) + 1
        w[half:] = st.add(st.mul(w[half:], -1), 2)
        n = w[:int(window_length)]
    return _window(n, window_length, dt, device, requires_grad)


def _default(value):
    """A default told apart from the same value passed (its repr is the value's)."""
    return type("_Default", (), {"__slots__": (), "__repr__": lambda self: repr(value)})()


_PERIODIC, _BETA = _default(True), _default(12.0)


def kaiser_window(window_length, periodic=_PERIODIC, beta=_BETA, *, dtype=None, layout=None,
                  device=None, pin_memory=False, requires_grad=False):
    """``I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta)`` with ``a = (N - 1) / 2``. As
    PyTorch's overloads, ``beta`` comes with ``periodic`` only."""
    if periodic is _PERIODIC and beta is not _BETA:
        raise TypeError("kaiser_window() received an invalid combination of arguments: beta is "
                        "given with periodic only, e.g. kaiser_window(n, True, beta)")
    periodic = True if periodic is _PERIODIC else periodic
    beta = 12.0 if beta is _BETA else beta
    _options.options("kaiser_window", layout_=layout, pin_memory=pin_memory,
                     requires_grad=requires_grad)
    _numbers("kaiser_window", beta=beta)
    n, span, dt = _points("kaiser_window", window_length, periodic, dtype)
    if span > 0:
        a = span / 2.0
        with np.errstate(invalid="ignore", over="ignore"):  # an infinite beta: NaN, as PyTorch
            w = np.i0(beta * np.sqrt(np.clip(1 - ((n - a) / a) ** 2, 0, None))) / np.i0(beta)
    else:
        w = n
    return _window(w, window_length, dt, device, requires_grad)

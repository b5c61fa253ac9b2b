"""``gradkit.signal.windows``: PyTorch's ``torch.signal.windows`` -- symmetric (``sym=True``,
the default, as SciPy) or periodic windows of length ``M``, computed in the requested float
dtype by the same formulas as PyTorch (equal to its windows within a few float rounding steps)."""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
           "general_hamming", "hamming", "hann", "kaiser", "nuttall"]


def _start(name, M, dtype, layout, device, requires_grad):
    """The checked dtype, and the empty window for ``M == 0`` (else None)."""
    import gradkit as gk

    dtype = gk.get_default_dtype() if dtype is None else dtype
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and layout is not gk.strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if dtype not in (gk.float32, gk.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    empty = gk.empty((0,), dtype=dtype, device=device, requires_grad=requires_grad) \
        if M == 0 else None
    return dtype, empty


def _positions(first, step, M, dtype, device, requires_grad, last=None):
    """``M`` evenly spaced points from ``first`` with spacing ``step`` (linspace, as PyTorch)."""
    import gradkit as gk

    end = first + (M - 1) * step if last is None else last
    return gk.linspace(first, end, M, dtype=dtype, device=device, requires_grad=requires_grad)


def _ones(M, dtype, device, requires_grad):
    import gradkit as gk

    return gk.ones((M,), dtype=dtype, device=device, requires_grad=requires_grad)


def exponential(M: int, *, center: float | None = None, tau: float = 1.0, sym: bool = True,
                dtype=None, layout=None, device=None, requires_grad: bool = False):
    """``exp(-|n - center| / tau)``; ``center`` defaults to the middle (periodic windows may
    move it; symmetric ones may not)."""
    import gradkit as gk

    dtype, empty = _start("exponential", M, dtype, layout, device, requires_grad)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if empty is not None:
        return empty
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    k = _positions(-center / tau, 1 / tau, M, dtype, device, requires_grad)
    return gk.exp(-gk.abs(k))


def cosine(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
           requires_grad: bool = False):
    """``sin(pi (n + 0.5) / M)`` (the sine window)."""
    import gradkit as gk

    dtype, empty = _start("cosine", M, dtype, layout, device, requires_grad)
    if empty is not None:
        return empty
    step = math.pi / (M + 1 if not sym and M > 1 else M)
    return gk.sin(_positions(0.5 * step, step, M, dtype, device, requires_grad))


def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype=None, layout=None,
             device=None, requires_grad: bool = False):
    """``exp(-(n / (2 std))^2)`` around the middle of the window."""
    import gradkit as gk

    dtype, empty = _start("gaussian", M, dtype, layout, device, requires_grad)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if empty is not None:
        return empty
    step = 1 / (std * math.sqrt(2))
    first = -(M if not sym and M > 1 else M - 1) / 2.0 * step
    return gk.exp(-(_positions(first, step, M, dtype, device, requires_grad) ** 2))


def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype=None, layout=None,
           device=None, requires_grad: bool = False):
    """``I0(beta sqrt(1 - (2n/N - 1)^2)) / I0(beta)`` with ``N = M - 1`` (symmetric) or ``M``."""
    import gradkit as gk

    dtype, empty = _start("kaiser", M, dtype, layout, device, requires_grad)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    if empty is not None:
        return empty
    if M == 1:
        return _ones(1, dtype, device, requires_grad)
    b = gk.tensor(beta, dtype=dtype, device=device)
    step = 2.0 * b / (M if not sym else M - 1)
    last = gk.minimum(-b + (M - 1) * step, b)  # never past beta, where the root would be NaN
    k = _positions(-b, None, M, dtype, device, requires_grad, last=last)
    return gk.i0(gk.sqrt(b * b - gk.pow(k, 2))) / gk.i0(b)


def bartlett(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
             requires_grad: bool = False):
    """The triangular window ``1 - |2n/N - 1|``."""
    import gradkit as gk

    dtype, empty = _start("bartlett", M, dtype, layout, device, requires_grad)
    if empty is not None:
        return empty
    if M == 1:
        return _ones(1, dtype, device, requires_grad)
    k = _positions(-1, 2 / (M if not sym else M - 1), M, dtype, device, requires_grad)
    return 1 - gk.abs(k)


def general_cosine(M, *, a: Iterable, sym: bool = True, dtype=None, layout=None, device=None,
                   requires_grad: bool = False):
    """``sum_i (-1)^i a_i cos(2 pi i n / N)``: the family of Hann, Hamming, Blackman, Nuttall."""
    import gradkit as gk

    dtype, empty = _start("general_cosine", M, dtype, layout, device, requires_grad)
    if empty is not None:
        return empty
    if M == 1:
        return _ones(1, dtype, device, requires_grad)
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    k = _positions(0, 2 * math.pi / (M if not sym else M - 1), M, dtype, device, requires_grad)
    signed = gk.tensor([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype, device=device,
                       requires_grad=requires_grad)
    i = gk.arange(signed.shape[0], dtype=dtype, device=device)
    return (signed.unsqueeze(-1) * gk.cos(i.unsqueeze(-1) * k)).sum(0)


def general_hamming(M, *, alpha: float = 0.54, sym: bool = True, dtype=None, layout=None,
                    device=None, requires_grad: bool = False):
    """``alpha - (1 - alpha) cos(2 pi n / N)``."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def hamming(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
            requires_grad: bool = False):
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def hann(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
         requires_grad: bool = False):
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
             requires_grad: bool = False):
    _start("blackman", M, dtype, layout, device, requires_grad)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def nuttall(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
            requires_grad: bool = False):
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)

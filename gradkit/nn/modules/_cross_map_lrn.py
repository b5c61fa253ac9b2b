"""The autograd function behind the legacy ``nn.CrossMapLRN2d`` (Lua Torch's cross-channel
LRN), as PyTorch's ``torch/nn/modules/_functions.py`` has it."""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function

__all__ = ["CrossMapLRN2d"]


def _scale(sq, size, alpha, k):
    """The normaliser of each channel: ``k + alpha / size * (running window sum of squares)``,
    summed channel by channel as PyTorch's legacy kernel does. Its window for channel ``c`` is
    ``c - pre + 1 .. c + pre - 1`` (``pre = (size - 1) // 2 + 1``), and channel 0 is never
    taken out again once the window has passed it: PyTorch's result, kept as it is."""
    channels = sq.shape[1]
    pre = int((size - 1) / 2 + 1)
    scale = np.empty_like(sq)
    first = np.zeros_like(sq[:, 0])
    for c in range(min(pre, channels)):
        first += sq[:, c]
    scale[:, 0] = first
    for c in range(1, channels):
        cur = scale[:, c - 1].copy()
        if c < channels - pre + 1:
            cur += sq[:, c + pre - 1]
        if c > pre:
            cur -= sq[:, c - pre]
        scale[:, c] = cur
    dt = sq.dtype.type
    return scale * dt(alpha / size) + dt(k)


class CrossMapLRN2d(Function):
    """Forward and backward of ``nn.CrossMapLRN2d`` as PyTorch computes them. PyTorch's
    backward is its own formula (a window one channel off the forward's), not the derivative
    of the forward: gradkit gives PyTorch's numbers, and no second derivative."""

    @staticmethod
    def forward(ctx, input, size, alpha=1e-4, beta=0.75, k=1):
        from ... import tensor

        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D "
                             f"instead; pass a batch of shape (N, C, H, W)")
        if input.shape[1] == 0:  # (PyTorch's kernel selects channel 0 first)
            raise IndexError(f"CrossMapLRN2d: select(): index 0 out of range for an input of no "
                             f"channels, shape {tuple(input.shape)}")
        if size == 0:  # (PyTorch's alpha / size, before the mul_ below)
            raise ZeroDivisionError("CrossMapLRN2d: size 0 divides alpha by zero; the window "
                                    "size must be at least 1")
        if not input.is_floating_point():  # (its in-place mul_ by alpha / size)
            raise RuntimeError(f"CrossMapLRN2d: result type Float can't be cast to the desired "
                               f"output type {input.dtype} (the input); convert it, e.g. "
                               f"x.float()")
        half = str(input.dtype).endswith("bfloat16")  # (NumPy has none: float32, rounded once)
        x = (input.detach().float() if half else input.detach()).numpy()
        scale = _scale(x * x, size, alpha, k)
        out = np.power(scale, scale.dtype.type(-beta)) * x
        ctx.size, ctx.alpha, ctx.beta, ctx.scale = size, alpha, beta, scale
        result = tensor(out).to(input.dtype) if half else tensor(out)
        ctx.save_for_backward(input, result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        from ... import tensor

        input, output = ctx.saved_tensors
        half = str(input.dtype).endswith("bfloat16")
        x, out, g = ((t.detach().float() if half else t.detach()).numpy()
                     for t in (input, output, grad_output))
        size, scale = ctx.size, ctx.scale
        n, channels = x.shape[:2]
        dt = x.dtype.type
        inv = int(size - (size - 1) / 2)
        if inv + channels > channels + size - 1:
            raise RuntimeError(f"start ({inv}) + length ({channels}) exceeds dimension size "
                               f"({channels + size - 1}): CrossMapLRN2d's backward needs "
                               f"size >= 2 (got size={size})")
        grad_input = np.power(scale, dt(-ctx.beta)) * g
        padded = np.zeros((n, channels + size - 1) + x.shape[2:], x.dtype)
        padded[:, inv:inv + channels] = g * out / scale
        accum = np.zeros_like(x[:, 0])
        for c in range(size - 1):
            accum += padded[:, c]
        ratio = dt(-(2 * ctx.alpha * ctx.beta / size))
        for c in range(channels):
            accum += padded[:, c + size - 1]
            grad_input[:, c] += x[:, c] * accum * ratio
            accum -= padded[:, c]
        grad_input = tensor(grad_input)
        return grad_input.to(input.dtype) if half else grad_input, None, None, None, None

"""Activation primitives that need a fused rule: softplus (fused for stability: the composite
``log1p(exp(x))`` overflows). The rule is written against ``xp``, so higher-order gradients work.
"""

from __future__ import annotations

from ..autograd.graph import SAVES_INPUTS, Op

__all__ = ["CELU", "ELU", "SOFTPLUS"]


# ------------------------------------------------------------------ softplus
def _softplus_f(xp, x, beta, threshold):
    z = x * beta if beta != 1 else x
    sp = xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))
    if beta != 1:
        sp = sp / beta
    return xp.where(z > threshold, x, sp).astype(x.dtype, copy=False)


def _softplus_b(xp, g, ins, out, aux, needs):
    beta, threshold = aux
    x = ins[0]
    z = x * beta if beta != 1 else x
    sig = (xp.tanh(z * 0.5) + 1) * 0.5
    return (g * xp.where(z > threshold, 1.0, sig),)


SOFTPLUS = Op("Softplus", _softplus_f, _softplus_b, saves=SAVES_INPUTS)


# ------------------------------------------------------------------ elu / celu / selu
# PyTorch's kernel: the identity side for x >= 0 (a zero keeps its sign even where alpha is
# inf or NaN) and for NaN; the exponential side's slope from x <= 0 in the backward.
def _elu_f(xp, x, alpha, scale, input_scale):
    z = xp.minimum(x, 0)  # the exponential side only (no overflow from the other)
    neg = xp.expm1(z * input_scale if input_scale != 1 else z) * (alpha * scale)
    pos = x * scale if scale != 1 else x
    return xp.where(x < 0, neg, pos).astype(x.dtype, copy=False)


def _elu_b(xp, g, ins, out, aux, needs):
    alpha, scale, input_scale = aux
    x = ins[0]
    z = xp.minimum(x, 0)
    z = z * input_scale if input_scale != 1 else z
    return (g * xp.where(x <= 0, xp.exp(z) * (alpha * scale * input_scale), scale),)


ELU = Op("Elu", _elu_f, _elu_b, saves=SAVES_INPUTS)
CELU = Op("Celu", _elu_f, _elu_b, saves=SAVES_INPUTS)

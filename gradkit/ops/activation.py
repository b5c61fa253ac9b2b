"""Activation primitives that need a fused rule: softplus (fused for stability: the composite
``log1p(exp(x))`` overflows). The rule is written against ``xp``, so higher-order gradients work.
"""

from __future__ import annotations

from ..autograd.graph import SAVES_INPUTS, Op

__all__ = ["SOFTPLUS"]


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

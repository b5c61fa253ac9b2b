"""Linear primitive: ``y = x W^T + b`` as one fused node (one matmul plus the bias; one matmul per
input in backward).

The rule is written against ``xp`` so higher-order gradients work.
"""

from __future__ import annotations

from ..autograd.graph import Op

__all__ = ["LINEAR"]


# ------------------------------------------------------------------ linear: y = x W^T + b
def _linear_f(xp, x, w, b=None):
    if x.ndim <= 2:
        out = xp.matmul(x, w.T)
    else:
        out = xp.matmul(x.reshape(-1, x.shape[-1]), w.T).reshape(x.shape[:-1] + (w.shape[0],))
    if b is not None:
        out += b
    return out


def _linear_b(xp, g, ins, out, aux, needs):
    x, w = ins[0], ins[1]
    n, k = w.shape[0], w.shape[1]
    g2 = g if g.ndim == 2 else xp.reshape(g, (-1, n))
    gx = gw = gb = None
    if needs[0]:
        gx = xp.matmul(g2, w)
        if x.ndim != 2:
            gx = xp.reshape(gx, tuple(x.shape))
    if needs[1]:
        x2 = x if x.ndim == 2 else xp.reshape(x, (-1, k))
        gw = xp.matmul(xp.transpose(g2), x2)
    if len(ins) > 2 and needs[2]:
        gb = xp.sum(g2, axis=0)
    return (gx, gw) if len(ins) == 2 else (gx, gw, gb)


LINEAR = Op("Addmm", _linear_f, _linear_b)

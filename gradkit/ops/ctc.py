"""Connectionist temporal classification: the per-sample negative log-likelihood of a label
sequence under per-frame log-probabilities (``F.ctc_loss``), fused because the forward-backward
recursions over time are one Python loop of vectorised (batch x extended-label) steps.

The extended label sequence ``l'`` interleaves blanks: ``(blank, l_1, blank, l_2, ..., blank)``,
length ``2 S + 1``. ``alpha[t, s]`` (log-space) sums the paths through ``l'_s`` at frame ``t``;
``beta[t, s]`` the paths from ``l'_s`` at frame ``t`` to the end; both include frame ``t``'s
emission. The gradient of ``-log p`` with respect to ``log_probs[t, n, c]`` is
``-sum_{s: l'_s = c} exp(alpha[t, s] + beta[t, s] - log_probs[t, n, c] + nll[n])``, which is
the true derivative (PyTorch returns ``exp(log_probs)`` minus it, the same once it flows
through ``log_softmax``). A sample with no alignment (too few frames) has an infinite loss and
a NaN gradient over its frames, or 0 and 0 with ``zero_infinity``, as in PyTorch. Second
derivatives are not supported (nor in PyTorch).
"""

from __future__ import annotations

import numpy as np

from .._backend import to_host
from ..autograd.graph import Op

__all__ = ["CTC"]

_NEG = -np.inf


def _lse3(a, b, c):
    with np.errstate(invalid="ignore"):
        return np.logaddexp(np.logaddexp(a, b), c)


def _shift(a, k):
    """``a[:, s - k]`` with ``-inf`` where ``s < k``."""
    out = np.full_like(a, _NEG)
    out[:, k:] = a[:, :a.shape[1] - k]
    return out


def _unshift(a, k):
    """``a[:, s + k]`` with ``-inf`` past the end."""
    out = np.full_like(a, _NEG)
    out[:, :a.shape[1] - k] = a[:, k:]
    return out


def _emissions(lp, ext):
    """``lp[t, n, ext[n, s]]`` as ``(T, N, L)``."""
    return lp[:, np.arange(lp.shape[1])[:, None], ext]


def _alpha(em, skip, in_len, lab_len):
    t_max, n, length = em.shape
    alpha = np.full((t_max, n, length), _NEG, dtype=em.dtype)
    alpha[0, :, 0] = em[0, :, 0]
    has = lab_len > 0
    if has.any():  # (with every target empty the extended sequence is one blank long)
        alpha[0, has, 1] = em[0, has, 1]
    for t in range(1, t_max):
        prev = alpha[t - 1]
        two = np.where(skip, _shift(prev, 2), _NEG)
        alpha[t] = _lse3(prev, _shift(prev, 1), two) + em[t]
    return alpha, -_log_likelihood(alpha, in_len, lab_len)


def _log_likelihood(alpha, in_len, lab_len):
    """``log p(target | input)`` per sample: the paths that end on the last label or the final
    blank at the last frame. No frames: 1 for an empty target, else 0 (as PyTorch)."""
    rows = np.arange(alpha.shape[1])
    last = np.maximum(in_len - 1, 0)
    end = 2 * lab_len  # index of the final blank
    a_end = alpha[last, rows, end]
    a_lab = np.where(lab_len > 0, alpha[last, rows, np.maximum(end - 1, 0)], _NEG)
    with np.errstate(invalid="ignore"):
        logp = np.logaddexp(a_end, a_lab)
    return np.where(in_len > 0, logp, np.where(lab_len > 0, _NEG, 0.0)).astype(alpha.dtype)


def _beta(em, skip, in_len, lab_len):
    t_max, n, length = em.shape
    beta = np.full((t_max, n, length), _NEG, dtype=em.dtype)
    rows = np.arange(n)
    end = 2 * lab_len
    skip_next = np.zeros_like(skip)  # may s + 2 -> s
    skip_next[:, :-2] = skip[:, 2:]
    nxt = np.full((n, length), _NEG, dtype=em.dtype)
    for t in range(t_max - 1, -1, -1):
        two = np.where(skip_next, _unshift(nxt, 2), _NEG)
        cur = _lse3(nxt, _unshift(nxt, 1), two) + em[t]
        start = in_len - 1 == t
        if start.any():
            init = np.full((n, length), _NEG, dtype=em.dtype)
            init[rows, end] = em[t, rows, end]
            lab = lab_len > 0
            init[rows[lab], end[lab] - 1] = em[t, rows[lab], end[lab] - 1]
            cur = np.where(start[:, None], init, cur)
        cur = np.where((t > in_len - 1)[:, None], _NEG, cur)
        beta[t] = cur
        nxt = cur
    return beta


def _ctc_f(xp, lp, ext, skip, in_len, lab_len, blank, zero_infinity):
    # the recursions run on the host (a device input is copied over, its result copied back)
    em = _emissions(to_host(lp), ext)
    alpha, nll = _alpha(em, skip, in_len, lab_len)
    if zero_infinity:
        nll = np.where(np.isinf(nll), 0, nll)
    out = xp.asarray(nll.astype(lp.dtype))
    return out, (ext, skip, in_len, lab_len, blank, zero_infinity, alpha, em)


def _ctc_b(xp, g, ins, out, aux, needs):
    if hasattr(g, "grad_fn"):
        raise RuntimeError("ctc_loss: the gradient of the CTC gradient is not implemented "
                           "(create_graph=True)")
    ext, skip, in_len, lab_len, _blank, zero_infinity, alpha, em = aux
    lp = ins[0]
    t_max, n, c = lp.shape
    beta = _beta(em, skip, in_len, lab_len)
    rows = np.arange(n)
    logp = _log_likelihood(alpha, in_len, lab_len)
    with np.errstate(invalid="ignore"):
        log_gamma = alpha + beta - em - logp[None, :, None]
    gamma = np.exp(log_gamma)
    gamma[~np.isfinite(gamma)] = 0
    bad = ~np.isfinite(logp)
    gamma[:, bad] = 0
    flat = (np.arange(t_max)[:, None, None] * (n * c) + rows[None, :, None] * c
            + ext[None, :, :])
    occ = np.bincount(flat.reshape(-1), weights=gamma.reshape(-1).astype(np.float64),
                      minlength=t_max * n * c).reshape(t_max, n, c)
    grad = -occ.astype(lp.dtype) * to_host(g).reshape(1, n, 1)
    if bad.any() and not zero_infinity:  # inf loss: NaN over the sample's frames (as PyTorch)
        frames = np.arange(t_max)[:, None] < in_len[None, :]
        grad[frames[:, :, None] & bad[None, :, None] & np.ones((1, 1, c), dtype=bool)] = np.nan
    return (xp.asarray(grad),)


CTC = Op("CtcLoss", _ctc_f, _ctc_b, returns_aux=True)

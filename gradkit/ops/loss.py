"""Fused loss primitives: cross entropy (log-softmax + NLL in one node), NLL, binary cross
entropy, binary cross entropy with logits, and CTC.

Cross entropy is fused for speed and stability: forward is one stable log-softmax and a gather;
backward is ``softmax(x) * s - a`` (``softmax(x) - onehot`` without weights or smoothing), never
forming the log-softmax gradient. The binary losses are fused to match PyTorch's clamped,
overflow-free formulas exactly (log clamped at -100; the gradient's denominator at 1e-12).
Rules are written against ``xp``; under ``create_graph`` they recompute softmax from the Tensor
input so second derivatives are exact.

Connectionist temporal classification (``CTC``): the per-sample negative log-likelihood of a
label sequence under per-frame log-probabilities (``F.ctc_loss``), fused because the
forward-backward recursions over time are one Python loop of vectorised (batch x
extended-label) steps.

The extended label sequence ``l'`` interleaves blanks: ``(blank, l_1, blank, l_2, ..., blank)``,
length ``2 S + 1``. ``alpha[t, s]`` (log-space) sums the paths through ``l'_s`` at frame ``t``;
``beta[t, s]`` the paths from ``l'_s`` at frame ``t`` to the end; both include frame ``t``'s
emission. The gradient of ``-log p`` with respect to ``log_probs[t, n, c]`` is
``-sum_{s: l'_s = c} exp(alpha[t, s] + beta[t, s] - log_probs[t, n, c] + nll[n])``; like
PyTorch's kernel, the rule returns ``exp(log_probs[t, n, c])`` plus it: the derivative with
respect to the logits ``z`` of ``log_probs = log_softmax(z)`` (each frame sums to 0), which is
what flows back to ``z`` either way, so a program that reads ``log_probs.grad`` of a leaf (as the
CTCLoss documentation's example does) or feeds unnormalised scores sees PyTorch's numbers.
A sample with no alignment (too few frames) has an infinite loss and a NaN gradient over its
frames, or 0 and 0 with ``zero_infinity``, as in PyTorch. Second derivatives are not
supported (nor in PyTorch).
"""

from __future__ import annotations

import numpy as np

from .._backend import NumpyNamespace as _NS
from .._backend import to_host
from .._cascade_sum import batch_cascade, cascade_sum, row_sums
from .._cascade_sum import lane_bytes as _ORDER_ON
from .._exact_float32 import EXACT_MAX as _EXACT_MAX
from .._exact_float32 import fma32, kernel_exp
from ..autograd.graph import SAVES_INPUTS, Op, Shown

__all__ = ["BCE", "BCE_LOGITS", "BCE_LOGITS_GIVEN", "CROSS_ENTROPY", "CTC", "HUBER", "MSE", "NLL",
           "SMOOTH_L1"]


def _is_array(x) -> bool:
    return not hasattr(x, "grad_fn")


def _reduce(xp, loss, reduction, denom, dtype, ordered=True):
    if reduction == "none":
        return loss
    total = cascade_sum(loss, None, False) if ordered and type(loss) is np.ndarray else None
    if total is None:  # (PyTorch's order where followed: its mean is the sum / the count)
        total = loss.sum()
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: nan, as PyTorch
            total = total / denom
    return xp.asarray(total, dtype=dtype)


def _class_weights(xp, t, ignore_index, weight, dtype):
    """(safe target, valid mask, per-sample weight w[t] zeroed where ignored, mean denominator)."""
    valid = t != ignore_index
    if weight is None and valid.all():  # every target counts (the usual case): no select, no
        # bool-to-float cast (element by element in Pyodide's NumPy), no count
        return t.copy(), valid, xp.ones(t.shape, dtype=dtype), float(t.size)
    tc = xp.where(valid, t, 0)
    if weight is None:
        w_t = valid.astype(dtype)
        denom = float(valid.sum())
    else:
        w_t = weight[tc] * valid
        denom = float(w_t.sum(dtype=np.float64))
    return tc, valid, w_t, denom


def _scale_rows(xp, g, reduction, denom, m, any_valid=True):
    """The upstream gradient per row: shape (m, 1) for 'none', a scalar otherwise.

    A 'mean' over a zero total weight is nan (its gradient too), except when every target is
    ignored: then no row takes part and the gradient is 0, as PyTorch's (a batch of padding
    gives a nan loss but leaves the parameters alone)."""
    if reduction == "none":
        return xp.reshape(g, (m, 1))
    if reduction == "mean":
        if denom:
            return g * (1.0 / denom)
        return g * float("nan") if any_valid else xp.zeros_like(g)  # (0 even for a NaN g)
    return g


def _only_valid(xp, grad, valid):
    """``grad`` with the rows of ignored targets 0, whatever their upstream gradient (PyTorch
    writes the valid rows only: a NaN upstream at an ignored row gives 0, not 0 * NaN)."""
    if valid.all():
        return grad
    mask = valid.reshape(-1, 1)
    return xp.where(mask, grad, 0)


# ------------------------------------------------------------------ cross entropy
def _ce_f(xp, x, t, weight, ignore_index, reduction, smoothing):
    m, c = x.shape
    mx = x.max(axis=1, keepdims=True)
    s = x - mx
    tc, valid, w_t, denom = _class_weights(xp, t, ignore_index, weight, x.dtype)
    rows = xp.arange(m)
    s_t = s[rows, tc]
    # without smoothing s is not read again after its targets: exp in place, no new array
    e = kernel_exp(s)  # (small float32: SLEEF's exp, as PyTorch's log_softmax kernel)
    if e is None:
        e = xp.exp(s, out=s) if not smoothing and type(s) is np.ndarray else xp.exp(s)
    se = row_sums(e)  # PyTorch's log_softmax kernel's order, where followed
    if se is None:
        se = e.sum(axis=1, keepdims=True)
    lse = xp.log(se)
    # e and se are kept for the backward, which forms softmax(x) = e / se itself: the loss
    # needs only lse, so the forward's in-place division was a pass for nothing where no
    # backward runs, and in the backward the division replaces the copy it took
    loss = (lse[:, 0] - s_t) * w_t  # -log_softmax at the targets only
    if smoothing:
        loss *= 1 - smoothing
        logp = s
        logp -= lse
        wl = logp * weight if weight is not None else logp
        loss -= wl.sum(axis=1) * valid * (smoothing / c)
    if not valid.all():  # an ignored row is 0 even where its scores are inf/NaN (not 0 * NaN)
        loss = xp.where(valid, loss, 0)
    out = None
    if not smoothing and reduction != "none" and x.size <= _EXACT_MAX:
        # (PyTorch's order where its log_softmax values are followed too: small batches)
        out = _nll_reduce_in_order(loss, valid, w_t, weight, reduction)
    elif smoothing and weight is None and reduction != "none" and x.size <= _EXACT_MAX:
        out = _smoothed_in_order(lse[:, 0] - s_t, logp, valid, reduction, smoothing)
    if out is None:  # (in PyTorch's order only where its log_softmax values are followed)
        out = _reduce(xp, loss, reduction, denom, x.dtype, x.size <= _EXACT_MAX)
    return out, (tc, valid, w_t, denom, weight, reduction, smoothing, (e, se, mx), xp)


def _smoothed_in_order(nll_rows, logp, valid, reduction, smoothing):
    """Label-smoothed cross entropy ('mean'/'sum', no weight, every row counting) as PyTorch
    composes it, each step rounded as its kernels round: ``(1 - eps) * nll_loss +
    (-logp.sum(1)).sum() [/ n] * (eps / C)``; None where that order is not followed."""
    if not valid.all() or type(logp) is not np.ndarray or logp.dtype.itemsize < 4:
        return None
    nll = _nll_reduce_in_order(nll_rows, valid, nll_rows, None, reduction)
    rows = cascade_sum(logp, (1,), False)
    total = cascade_sum(-rows, None, False) if rows is not None else None
    if nll is None or total is None:
        return None
    dt = logp.dtype.type
    if reduction == "mean":
        total = total / dt(logp.shape[0])
    return np.asarray(dt(1 - smoothing) * nll + total * dt(smoothing / logp.shape[1]))


def _ce_coefs(ns, m, c, tc, valid, w_t, weight, smoothing, dtype):
    """a (the target coefficient matrix) and s = a.sum(1) so that dl/dx = s * softmax - a."""
    a = ns.zeros((m, c), dtype=dtype)
    a[ns.arange(m), tc] = w_t * (1 - smoothing)
    s = w_t * (1 - smoothing)
    if smoothing:
        wv = weight if weight is not None else ns.ones(c, dtype=dtype)
        a += (smoothing / c) * wv[None, :] * valid[:, None]
        s = s + (smoothing / c) * float(wv.sum()) * valid
    return a, s.astype(dtype, copy=False).reshape(m, 1)


def _ce_grad_in_order(x, g, tc, se, mx, reduction):
    """PyTorch's cross-entropy gradient, rounded as its kernels round, for a small float32 or
    float64 batch (at most ``EXACT_MAX`` scores, whose exponentials are then PyTorch's) in
    which every row counts, without weights or smoothing: nll_loss's backward puts ``-c`` at
    each target (``c = g / n`` for 'mean'), and log_softmax's backward gives
    ``exp(log_softmax(x)) * c``, less ``c`` at the target. None for other cases."""
    if type(x) is not np.ndarray or x.dtype.kind != "f" or x.dtype.itemsize not in (4, 8) \
            or not 0 < x.size <= _EXACT_MAX or not _ORDER_ON or type(g) is not np.ndarray:
        return None
    m = x.shape[0]
    dt = x.dtype.type
    if reduction == "none":
        c = g.astype(x.dtype, copy=False).reshape(m, 1)
    else:
        c = g.astype(x.dtype, copy=False) / dt(m) if reduction == "mean" else \
            g.astype(x.dtype, copy=False)
    logp = x - mx
    logp -= _NS.log(se)
    p = kernel_exp(logp)  # (log_softmax's backward kernel: SLEEF's exp)
    if p is None:
        p = _NS.exp(logp, out=logp)
    rows = np.arange(m)
    pt = p[rows, tc]
    ct = c if c.ndim == 0 else c[:, 0]
    p *= c
    # at the targets its kernel's ``-c - exp(logp) * -c`` is one fused multiply-add
    p[rows, tc] = fma32(pt, ct, -ct) if x.dtype == np.float32 else p[rows, tc] - ct
    return p


def _ce_b(xp, g, ins, out, aux, needs):
    tc, valid, w_t, denom, weight, reduction, smoothing, (e, se, mx), ns = aux
    x = ins[0]
    m, c = x.shape[0], x.shape[1]
    if weight is None and not smoothing and _is_array(x) and valid.all():
        grad = _ce_grad_in_order(x, g, tc, se, mx, reduction)
        if grad is not None:
            return (grad,)
    scale = _scale_rows(xp, g, reduction, denom, m, bool(valid.any()))
    if _is_array(x):
        p = e / se  # softmax(x), a new array
        if weight is None and not smoothing:
            grad = p
            grad[ns.arange(m), tc] -= 1
            if not valid.all():
                grad *= valid[:, None]
        else:
            a, s = _ce_coefs(ns, m, c, tc, valid, w_t, weight, smoothing, p.dtype)
            grad = p * s
            grad -= a
        grad *= scale
        return (_only_valid(xp, grad, valid),)
    dtype = e.dtype
    e = xp.exp(x - xp.amax(x, axis=1, keepdims=True))
    sm = e / xp.sum(e, axis=1, keepdims=True)
    a, s = _ce_coefs(ns, m, c, tc, valid, w_t, weight, smoothing, dtype)
    return (_only_valid(xp, (sm * s - a) * scale, valid),)


def _ce_shown(node):
    return (Shown("LogSoftmaxBackward0", node.next),)


# PyTorch records log_softmax then nll_loss; the fused node reads as those two
CROSS_ENTROPY = Op("CrossEntropyLoss", _ce_f, _ce_b, saves=SAVES_INPUTS, returns_aux=True,
                   grad_name="NllLossBackward0", shown=_ce_shown)


# ------------------------------------------------------------------ negative log likelihood
def _seq_segment_sums(vals, seg, nseg):
    """Each segment's left-to-right sum from 0 in ``vals``' dtype, one rounding per addition
    (segments as ids ``seg``, non-decreasing): padded with leading zeros, which add exactly."""
    out = np.zeros(nseg, dtype=vals.dtype)
    if not vals.size:
        return out
    starts = np.searchsorted(seg, np.arange(nseg))
    counts = np.bincount(seg, minlength=nseg)
    k = int(counts.max())
    grid = np.zeros((nseg, k), dtype=vals.dtype)
    grid[seg, np.arange(vals.size) - starts[seg] + (k - counts[seg])] = vals
    for j in range(k):
        out = out + grid[:, j]
    return out


def _cascade_sum(terms, b, batch):
    """PyTorch's CPU nll_loss sum of ``terms`` (at batch rows ``b``, in order) in their own
    dtype: 8 partial sums, each added into the next when the row index's next 4-bit digit
    (more digits past 2^32 rows) rolls over to 0, and the partials summed at the end."""
    levels = 8
    power = max(4, int(np.ceil(np.log2(max(batch, 1)))) // levels)
    mask = (1 << power) - 1
    # how many levels flush after row b: the number of its low 4-bit digits that are 0
    depth = np.zeros(b.shape, dtype=np.int64)
    open_ = np.ones(b.shape, dtype=bool)
    for j in range(levels - 1):
        open_ &= ((b >> (j * power)) & mask) == 0
        depth += open_
    zero = terms.dtype.type(0)
    vals, at, rest = terms, depth, []
    for j in range(levels):
        flush = at >= j + 1 if j < levels - 1 else np.zeros(at.shape, dtype=bool)
        seg = np.cumsum(flush) - flush  # the segment each value closes or joins
        nseg = int(flush.sum())
        sums = _seq_segment_sums(vals, seg, nseg + 1)
        rest.append(sums[nseg])  # the values after the last flush stay at this level
        vals, at = sums[:nseg], at[flush]
    total = zero
    for r in rest:
        total = total + r
    return total


def _nll_reduce_half(x, t, tc, valid, weight, reduction):
    """float16 nll_loss 'mean'/'sum' in PyTorch's arithmetic: each product and partial sum
    rounded to float16 (its kernel computes in the dtype, not in float32). Returns the loss and
    the total weight (float16) its backward divides by."""
    rows = np.flatnonzero(valid)
    data = x[rows, tc[rows]]
    dt = x.dtype.type
    if weight is not None:
        w = weight[tc[rows]]
        terms = -(data * w)
    else:
        terms = -data
    total = _cascade_sum(terms, rows, x.shape[0])
    denom = _cascade_sum(w, rows, x.shape[0]) if weight is not None else dt(rows.size)
    if reduction == "sum":
        return np.asarray(total, dtype=x.dtype), denom
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(total / denom, dtype=x.dtype), denom


def _nll_reduce_in_order(loss, valid, w_t, weight, reduction):
    """nll_loss's 'mean'/'sum' of the per-row ``loss`` (``-w[t] * x[t]``) added as PyTorch's
    CPU kernel adds (``batch_cascade``) and divided by its total weight, where every row
    counts; None otherwise (ignored rows, half precision, large batches: NumPy's sum)."""
    if not valid.all():
        return None
    total = batch_cascade(loss)
    if total is None:
        return None
    if reduction == "sum":
        return np.asarray(total + loss.dtype.type(0), dtype=loss.dtype)
    denom = batch_cascade(w_t) if weight is not None else loss.dtype.type(loss.size)
    if denom is None:
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(total / denom, dtype=loss.dtype)


def _nll_f(xp, x, t, weight, ignore_index, reduction, torch_order=False):
    m = x.shape[0]
    tc, valid, w_t, denom = _class_weights(xp, t, ignore_index, weight, x.dtype)
    loss = -x[xp.arange(m), tc] * w_t
    if not valid.all():  # an ignored target's loss is 0 even at an inf/NaN score
        loss = xp.where(valid, loss, 0)
    half_total = None
    out = None
    if torch_order and reduction != "none" and type(x) is np.ndarray and x.dtype == np.float16:
        out, half_total = _nll_reduce_half(x, t, tc, valid, weight, reduction)
    elif reduction != "none":
        out = _nll_reduce_in_order(loss, valid, w_t, weight, reduction)
    if out is None:
        out = _reduce(xp, loss, reduction, denom, x.dtype)
    return out, (tc, w_t, denom, reduction, xp, valid, half_total)


def _nll_b(xp, g, ins, out, aux, needs):
    tc, w_t, denom, reduction, ns, valid, half_total = aux
    x = ins[0]
    m, c = x.shape[0], x.shape[1]
    a = ns.zeros((m, c), dtype=w_t.dtype)
    if half_total is not None and _is_array(g):
        # PyTorch's float16 kernel: grad = -(g / total_weight), then w[t] * grad, each rounded
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            grad = -(g / half_total) if reduction == "mean" else -g
            rows = ns.arange(m)[valid]
            a[rows, tc[rows]] = w_t[valid] * grad  # (times 1 without a weight: exact)
        return (a,)
    if reduction == "mean" and not denom and valid.any() and _is_array(g):
        # valid targets of total weight 0: -w * g / 0 at each of them (nan, or inf for
        # weights of both signs) and 0 elsewhere, as PyTorch writes only the target entries
        with np.errstate(invalid="ignore", divide="ignore"):
            a[ns.arange(m)[valid], tc[valid]] = -w_t[valid] * g / w_t.dtype.type(0)
        return (a,)
    a[ns.arange(m), tc] = -w_t
    return (_only_valid(xp, _scale_rows(xp, g, reduction, denom, m, bool(valid.any())) * a,
                        valid),)


NLL = Op("NllLoss", _nll_f, _nll_b, saves=SAVES_INPUTS, returns_aux=True)


# ------------------------------------------------------------------ pointwise losses
# One node each, with the per-element weight and the reduction inside (PyTorch's
# MseLossBackward0, ...): the backward is g * (the elementwise derivative), scaled by 1/n for
# 'mean', without the composite's chain of temporaries. ``aux``: (reduction, parameter, weight
# array or None, n); the weight is not differentiated (as in PyTorch).
def _finish(xp, loss, reduction, weight):
    if weight is not None:
        loss = loss * weight
    if reduction == "none":
        return loss
    total = cascade_sum(loss, None, False) if type(loss) is np.ndarray else None
    if total is not None:  # PyTorch's order; its mean is the sum divided by the count
        return np.asarray(total if reduction == "sum" else total / total.dtype.type(loss.size))
    if reduction == "sum":
        total = loss.sum()
    elif loss.size:
        total = loss.mean()
    else:  # the mean of no elements: NaN, quietly as PyTorch (NumPy warns 'Mean of empty slice')
        total = float("nan")
    return xp.asarray(total, dtype=loss.dtype)


def _upstream(g, aux):
    """``g`` with the weight and the mean's 1/n folded in."""
    reduction, _, weight, n = aux
    if reduction == "mean":
        g = g * (1.0 / n) if n else g * float("nan")
    if weight is not None:
        g = g * weight
    return g


def _pointwise(name, loss, deriv, grad=None):
    """A loss of ``d = input - target``: ``loss(xp, d, param)``, ``deriv(xp, d, param)``;
    ``grad(xp, d, g, norm, param, n)``, where given, is the gradient as PyTorch's kernel
    computes it (``norm``: 1/n for 'mean', else 1, in d's dtype), used without a weight."""

    def forward(xp, x, y, reduction, param, weight):
        d = x - y
        out = _finish(xp, loss(xp, d, param), reduction, weight)
        return out, (reduction, param, weight, d.size)

    def backward(xp, g, ins, out, aux, needs):
        x, y = ins
        reduction, param, weight, n = aux
        d = x - y
        if grad is not None and weight is None and type(d) is np.ndarray and \
                (n or reduction != "mean"):  # (NumPy arrays; a recorded backward: composite)
            norm = d.dtype.type(1.0 / n if reduction == "mean" else 1.0)
            with np.errstate(all="ignore"):
                gd = grad(xp, d, g, norm, param, n if reduction == "mean" else 1)
        else:
            gd = _upstream(g, aux) * deriv(xp, d, param)
        return (gd if needs[0] else None), (-gd if needs[1] else None)

    return Op(name, forward, backward, broadcasts=True, returns_aux=True)


def _smooth_l1(xp, d, beta):
    ad = xp.abs(d)
    if not beta:
        return ad
    return xp.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)


def _smooth_l1_d(xp, d, beta):
    if not beta:
        return xp.sign(d)
    return xp.where(xp.abs(d) < beta, d / beta, xp.sign(d))


def _huber(xp, d, delta):
    ad = xp.abs(d)
    return xp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))


def _huber_d(xp, d, delta):
    return xp.where(xp.abs(d) < delta, d, delta * xp.sign(d))


# The gradients in the order of PyTorch's kernels' arithmetic (their rounding): MSE's
# ``(2 norm) * d * g``; smooth L1's and Huber's three branches (``d`` at +-beta/delta on the
# outer ones; a NaN ``d`` takes the inner one). Smooth L1 with beta 0 is PyTorch's L1 loss:
# ``sgn(d) * (g / n)``. PyTorch's vectorised loop runs 2 vectors (of 32 bytes) at a time and
# its scalar form on most of the rest (``_scalar_tail``; an element or two of that tail, which
# its compiler arranges, can still round otherwise).
def _mse_g(xp, d, g, norm, p, n):
    return norm * 2 * d * g


def _scalar_tail(d, g):
    """The flat (C-order) index where PyTorch's kernel switches to its scalar form for the
    gradient of ``d`` (contiguous, one loop below its 32768-element thread grain), or None."""
    if type(d) is not np.ndarray or d.size >= 32768 or not d.flags.c_contiguous or \
            (np.ndim(g) and (g.shape != d.shape or not g.flags.c_contiguous)):
        return None
    return d.size - d.size % (64 // d.itemsize)


def _with_tail(vec, d, g, scalar):
    """``vec`` with its scalar-tail elements replaced by ``scalar(d, g)`` over them."""
    start = _scalar_tail(d, g) if type(vec) is np.ndarray else None
    if start is None or start == d.size:
        return vec
    out = np.ascontiguousarray(vec).reshape(-1)
    gt = g.reshape(-1)[start:] if np.ndim(g) else g
    out[start:] = scalar(d.reshape(-1)[start:], gt)
    return out.reshape(d.shape)


def _smooth_l1_g(xp, d, g, norm, beta, n):
    if not beta:
        return xp.sign(d) * (g / n)
    b = d.dtype.type(beta)
    vec = norm * xp.where(xp.abs(d) >= b, xp.where(d > 0, 1, -1).astype(d.dtype), d / b) * g
    return _with_tail(vec, d, g, lambda dd, gg: xp.where(
        dd <= -b, -norm * gg, xp.where(dd >= b, norm * gg, norm * dd * gg / b)))


def _huber_g(xp, d, g, norm, delta, n):
    dl = d.dtype.type(delta)
    vec = norm * xp.where(d <= -dl, -dl, xp.where(d >= dl, dl, d)) * g
    return _with_tail(vec, d, g, lambda dd, gg: xp.where(
        dd <= -dl, -norm * gg * dl, xp.where(dd >= dl, norm * gg * dl, norm * dd * gg)))


MSE = _pointwise("MseLoss", lambda xp, d, p: d * d, lambda xp, d, p: 2 * d, _mse_g)
SMOOTH_L1 = _pointwise("SmoothL1Loss", _smooth_l1, _smooth_l1_d, _smooth_l1_g)
HUBER = _pointwise("HuberLoss", _huber, _huber_d, _huber_g)


# ------------------------------------------------------------------ binary cross entropy
# aux as the pointwise losses': (reduction, None, weight, n)
def _bce_f(xp, x, y, reduction="none", weight=None):
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped to -100 below
        lx = xp.maximum(xp.log(x), -100.0)
        l1x = xp.maximum(xp.log(1 - x), -100.0)
    return (_finish(xp, -(y * lx + (1 - y) * l1x), reduction, weight),
            (reduction, None, weight, x.size))


def _bce_b(xp, g, ins, out, aux, needs):
    x, y = ins
    g = _upstream(g, aux)
    gx = gy = None
    if needs[0]:
        gx = g * (x - y) / xp.maximum((1 - x) * x, 1e-12)
    if needs[1]:
        with np.errstate(divide="ignore"):
            gy = g * (xp.maximum(xp.log(1 - x), -100.0) - xp.maximum(xp.log(x), -100.0))
    return gx, gy


BCE = Op("BinaryCrossEntropy", _bce_f, _bce_b, broadcasts=True, returns_aux=True)


def _bcel_f(xp, x, y, pos_weight, reduction="none", weight=None):
    sp = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))  # softplus(-x) without overflow
    if pos_weight is None:
        loss = (1 - y) * x + sp
    else:
        loss = (1 - y) * x + (1 + (pos_weight - 1) * y) * sp
    return _finish(xp, loss, reduction, weight), (reduction, pos_weight, weight, x.size, y.size)


def _sigmoid(xp, x):
    with np.errstate(over="ignore"):
        return 1 / (1 + xp.exp(-x))


def _log_sigmoid(xp, z):
    e = xp.exp(-xp.abs(z))
    log1p = getattr(xp, "log1p", None)  # (Tensors, under create_graph: log(1 + e))
    return xp.minimum(z, 0) - (log1p(e) if log1p is not None else xp.log(1 + e))


def _bcel_b(xp, g, ins, out, aux, needs):
    """PyTorch's ``binary_cross_entropy_with_logits_backward`` and ``..._target_backward``,
    term by term (so that infinite weights and logits give its inf and NaN): for the input
    ``((pw y + 1 - y) sigmoid(x) - pw y) g w``, for the target
    ``(log_sigmoid(-x) - log_sigmoid(x) pw) g w`` (``sigmoid(x) - y`` and ``-x`` without
    ``pos_weight``), each divided by its own element count for 'mean'."""
    x, y = ins
    reduction, pw, weight, nx, ny = aux
    gx = gy = None
    with np.errstate(invalid="ignore", over="ignore"):
        if needs[0]:
            if pw is None:
                gx = _sigmoid(xp, x) - y
            else:
                t = pw * y
                gx = (t + 1 - y) * _sigmoid(xp, x) - t
            gx = gx * g
            if weight is not None:
                gx = gx * weight
            if reduction == "mean":
                gx = gx / nx if nx else gx * float("nan")
        if needs[1]:
            if pw is None:
                gy = -x * g
            else:
                gy = (_log_sigmoid(xp, -x) - _log_sigmoid(xp, x) * pw) * g
            if weight is not None:
                gy = gy * weight
            if reduction == "mean":
                gy = gy / ny if ny else gy * float("nan")
    return gx, gy


BCE_LOGITS = Op("BinaryCrossEntropyWithLogits", _bcel_f, _bcel_b, broadcasts=True,
                returns_aux=True)


def _bcel_given_f(xp, x, y, value, pos_weight, reduction, weight):
    return value, (reduction, pos_weight, weight, x.size, y.size)


# the loss of mixed dtypes or shapes, computed step by step as PyTorch does (its dtype and
# rounding), with PyTorch's gradient formulas; the value is already in its dtype (a bfloat16
# input with a float32 target gives float32), so bfloat16 does not wrap its forward
BCE_LOGITS_GIVEN = Op("BinaryCrossEntropyWithLogitsGiven", _bcel_given_f, _bcel_b,
                      broadcasts=True, returns_aux=True,
                      grad_name="BinaryCrossEntropyWithLogitsBackward0")


# ----------------------------------------------------------------------------- CTC
_NEG = -np.inf


def _lse3(a, b, c):
    with np.errstate(invalid="ignore"):
        return _inf_nan(np.logaddexp(np.logaddexp(a, b), c), a, b, c)


def _inf_nan(r, *terms):
    """NaN where a term is +inf, as PyTorch's ``log(sum(exp(x - max))) + max`` (inf - inf)."""
    inf = np.isposinf(terms[0])
    for t in terms[1:]:
        inf |= np.isposinf(t)
    return np.where(inf, np.nan, r) if inf.any() else r


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
        logp = _inf_nan(np.logaddexp(a_end, a_lab), a_end, a_lab)
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
    if hasattr(g, "grad_fn"):  # create_graph: the gradient is a recorded op of g (and lp)
        lp = ins[0]._data
        base = _ctc_grad(np, np.ones(tuple(g.shape), lp.dtype), (lp,), aux)[0]
        return (xp.apply(CTC_GRAD, (ins[0], g), (base,)),)
    return _ctc_grad(xp, g, ins, aux)


def _ctc_grad(xp, g, ins, aux):
    ext, skip, in_len, lab_len, _blank, zero_infinity, alpha, em = aux
    lp = ins[0]
    t_max, n, c = lp.shape
    beta = _beta(em, skip, in_len, lab_len)
    rows = np.arange(n)
    logp = _log_likelihood(alpha, in_len, lab_len)
    with np.errstate(invalid="ignore"):
        log_gamma = alpha + beta - em - logp[None, :, None]
    with np.errstate(over="ignore"):
        gamma = np.exp(log_gamma)  # inf where PyTorch's ``exp`` overflows too
    bad = ~np.isfinite(logp)
    gamma[:, bad] = 0
    frames = (np.arange(t_max)[:, None] < in_len[None, :])[:, :, None]
    gamma[~np.broadcast_to(frames, gamma.shape)] = 0  # unused frames: no gradient
    flat = (np.arange(t_max)[:, None, None] * (n * c) + rows[None, :, None] * c
            + ext[None, :, :])
    occ = np.bincount(flat.reshape(-1), weights=gamma.reshape(-1).astype(np.float64),
                      minlength=t_max * n * c).reshape(t_max, n, c)
    lp_h = to_host(lp)
    # PyTorch's kernel: ``exp(log_probs) - occupancy`` over the used frames (the derivative with
    # respect to the logits of a log_softmax; see the module docstring), 0 past each length
    with np.errstate(over="ignore", invalid="ignore"):
        grad = np.where(frames, np.exp(lp_h), 0).astype(lp.dtype) - occ.astype(lp.dtype)
    if zero_infinity:
        grad[:, np.isinf(logp)] = 0
    grad = grad * to_host(g).reshape(1, n, 1)
    # NaN where PyTorch's kernel gives NaN (``exp(lcab + nll - lp)`` with an infinite or NaN
    # term): over the used frames of a sample of infinite loss (unless ``zero_infinity``) or of
    # NaN loss, and at each -inf or NaN log-probability of a used frame
    nan_rows = np.isnan(logp) | (bad & (not zero_infinity))
    nan_at = frames & (nan_rows[None, :, None] | np.isnan(lp_h) | (lp_h == _NEG))
    if zero_infinity:  # an infinite loss's sample has no gradient at all
        nan_at &= ~(np.isinf(logp)[None, :, None])
    if nan_at.any():
        grad[nan_at] = np.nan
    return (xp.asarray(grad),)


CTC = Op("CtcLoss", _ctc_f, _ctc_b, returns_aux=True)


def _ctc_grad_f(xp, lp, g, base):
    return xp.asarray(base) * g.reshape(1, -1, 1)


def _ctc_grad_b(xp, gg, ins, out, aux, needs):
    # linear in the incoming gradient g: its derivative is exact; the derivative with respect to
    # the log-probabilities is not implemented, as PyTorch's (``ctc_loss_backward``)
    if needs[0]:
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented: "
                           "ctc_loss's gradient can be differentiated with respect to the "
                           "loss's incoming gradient only, not log_probs")
    return (None, xp.sum(gg * aux[0], axis=(0, 2)) if needs[1] else None)


# the CTC gradient as a function of the loss's incoming gradient (what create_graph records)
CTC_GRAD = Op("CtcLossBackward", _ctc_grad_f, _ctc_grad_b, saves=0)

"""``ctc_loss``: the connectionist temporal classification loss (its own module: the other
losses fill ``loss.py``)."""

from __future__ import annotations

import numpy as np

from ..._backend import to_host
from ..._tensor import Tensor, apply, wrap
from ...ops import loss as LO
from .loss import _check_reduction, _on_device_of, _t

__all__ = ["ctc_loss"]


def _lengths(v, name):
    """``input_lengths``/``target_lengths``: a Tensor of an integer dtype or a sequence of
    ints (PyTorch's two signatures), as an int64 array."""
    if isinstance(v, Tensor):
        arr = to_host(v._data)
        if arr.dtype.kind not in "iu":
            raise RuntimeError(f"ctc_loss: {name} must be integral, got a tensor of "
                               f"{v.dtype}; pass int64 lengths")
        return arr.reshape(-1).astype(np.int64)
    seq = list(v) if isinstance(v, (list, tuple, np.ndarray)) else [v]
    if not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in seq):
        raise TypeError(f"ctc_loss(): argument '{name}' must be a tuple of ints or a Tensor, "
                        f"got {v!r}")
    return np.asarray(seq, dtype=np.int64).reshape(-1)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss: ``-log`` of the total probability of every
    alignment of each target sequence to its input frames (blanks between and around labels,
    repeats merged).

    Args:
        log_probs: ``(T, N, C)`` or ``(T, C)`` per-frame log-probabilities (``log_softmax``
            over ``C``).
        targets: ``(N, S)`` padded label rows or the ``sum(target_lengths)`` labels
            concatenated; values in ``[0, C)``, never ``blank``.
        input_lengths: ``(N,)`` frames used per sample (at most ``T``).
        target_lengths: ``(N,)`` labels per sample.
        blank: the blank class. Default: 0.
        reduction: ``'mean'`` (each loss divided by its target length, then the batch mean),
            ``'sum'`` or ``'none'``.
        zero_infinity: impossible alignments (too few frames) give 0 loss and 0 gradient
            instead of an ``inf`` loss and a NaN gradient.

    Returns:
        A scalar, or ``(N,)`` for ``reduction='none'``.

    Note:
        The gradient with respect to ``log_probs`` is the true derivative; PyTorch's differs
        by ``exp(log_probs)``, which cancels once it flows through ``log_softmax`` (so the
        gradients of the logits agree). Second derivatives are not supported (as in PyTorch).
    """

    _check_reduction(reduction, "ctc_loss")
    lp = _t(log_probs, "log_probs")
    in_len = _lengths(input_lengths, "input_lengths")
    lab_len = _lengths(target_lengths, "target_lengths")
    # (PyTorch reads log_probs.size(1) before its kernel's dtype dispatch)
    if lp.ndim == 0:
        raise IndexError("ctc_loss: Dimension out of range (expected to be in range of [-1, 0], "
                         "but got 1): log_probs must be (T, N, C) or (T, C), got a 0-D tensor")
    if lp.dtype.name not in ("float32", "float64"):  # (PyTorch's CPU kernel: these two only)
        raise NotImplementedError(f'"ctc_loss_cpu" not implemented for {lp.dtype}: pass '
                                  f"float32 or float64 log-probabilities")
    if lp.numel() == 0:
        raise RuntimeError(f"ctc_loss: log_probs tensor must not be empty (got shape "
                           f"{tuple(lp.shape)})")
    if lp.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss: Expected 3-dimensional tensor, but got "
                           f"{lp.ndim + (lp.ndim < 3)}-dimensional tensor for argument #1 "
                           f"'log_probs': pass (T, N, C) or (T, C), got {tuple(lp.shape)}")
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp.unsqueeze(1)
    t_max, n, c = lp.shape
    tg = to_host(targets._data) if isinstance(targets, Tensor) else np.asarray(targets)
    if tg.ndim not in (1, 2):
        raise RuntimeError(f"ctc_loss: Expected 1 to 2 dimensions, but got {tg.ndim}-"
                           f"dimensional tensor for argument #2 'targets'")
    if not 0 <= blank < c:
        raise RuntimeError(f"ctc_loss: blank must be in label range [0, {c}) for {c} "
                           f"classes, got {blank}")
    for what, arr in (("input_lengths", in_len), ("target_lengths", lab_len)):
        if arr.shape[0] != n:
            raise RuntimeError(f"ctc_loss: {what} must be of size batch_size ({n}), got "
                               f"{arr.tolist()}")
    if (lab_len < 0).any():
        raise RuntimeError(f"ctc_loss: Expected target_lengths to have value at least 0, but "
                           f"got {lab_len.tolist()}")
    if tg.ndim == 1:
        if tg.shape[0] != lab_len.sum():
            raise RuntimeError(f"ctc_loss: Expected tensor to have size {int(lab_len.sum())} "
                               f"at dimension 0 (sum(target_lengths)), but got size "
                               f"{tg.shape[0]} for argument #2 'targets'")
    elif tg.shape[0] != n or (lab_len > tg.shape[1]).any():
        raise RuntimeError(f"ctc_loss: expected padded targets of shape ({n}, S) with "
                           f"S >= max(target_lengths) = {int(lab_len.max(initial=0))}, got "
                           f"{tuple(tg.shape)} for argument #2 'targets'")
    if (in_len > t_max).any() or (in_len < 0).any():
        raise RuntimeError(f"ctc_loss: Expected input_lengths to have values in [0, {t_max}] "
                           f"for log_probs of shape {tuple(log_probs.shape)}, got "
                           f"{in_len.tolist()}")
    if tg.dtype.kind != "i":  # PyTorch converts the targets to int64
        if tg.dtype.kind not in "bufc":
            raise TypeError(f"ctc_loss: targets must hold class indices, got {tg.dtype}")
        tg = tg.real.astype(np.int64) if tg.dtype.kind == "c" else tg.astype(np.int64)
    if tg.ndim == 1:
        offsets = np.concatenate(([0], np.cumsum(lab_len)[:-1]))
        rows = [tg[o:o + k] for o, k in zip(offsets, lab_len)]
    else:
        rows = [tg[i, :k] for i, k in enumerate(lab_len)]
    s_max = int(lab_len.max(initial=0))
    ext = np.full((n, 2 * s_max + 1), blank, dtype=np.int64)
    for i, r in enumerate(rows):
        if r.size and ((r < 0).any() or (r >= c).any()):  # (PyTorch reads out of bounds)
            raise ValueError(f"ctc_loss: target labels must be in [0, {c}), got {r.tolist()} "
                             f"for batch element {i}")
        ext[i, 1:2 * len(r):2] = r
    # PyTorch's rule for the skip transition s-2 -> s: the two extended labels differ (a label
    # equal to blank is read as one more blank, as its kernels do); within each target only
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    skip &= np.arange(ext.shape[1]) < (2 * lab_len + 1)[:, None]
    nll = apply(LO.CTC, (lp,), (ext, skip, in_len, lab_len, blank, bool(zero_infinity)))
    if reduction == "mean":
        div = _on_device_of(np.maximum(lab_len, 1).astype(lp._data.dtype), lp, "lengths", "")
        return (nll / wrap(div)).mean()
    if reduction == "sum":
        return nll.sum()
    return nll.squeeze(0) if unbatched else nll

"""Recurrent computations: one layer and direction, fused or composed from differentiable ops.

Two implementations of the same math:

- the fused primitives in :mod:`gradkit.ops.recurrent` (array loops, backpropagation through
  time on arrays; the fast path the modules use; under ``create_graph=True`` their rules run
  the same recursion on Tensors, so it is recorded);
- the composite path: cells built from gradkit ops (``matmul``, ``sigmoid``, ``tanh``),
  differentiable to any order. It is the reference the fused path is tested against.

Gate order is PyTorch's: LSTM ``(i, f, g, o)``; GRU ``(r, z, n)`` with ``b_hn`` inside the
``r *`` term.
"""

from __future__ import annotations

from ... import functions as F
from ..._backend import namespace_of
from ..._tensor import _make
from ..._tensor.record import apply_multi
from ...autograd import grad_mode
from ...autograd.graph import rename_multi
from ...ops import recurrent as R
from ...ops import recurrent_cell as RC

__all__ = []

_LAYER_OPS = {"LSTM": R.LSTM_LAYER, "GRU": R.GRU_LAYER, "RNN_TANH": R.RNN_TANH_LAYER,
              "RNN_RELU": R.RNN_RELU_LAYER}
_ONEDNN_DTYPES = frozenset({"float32", "bfloat16", "float16"})


# ------------------------------------------------------------------------------- composite cells
def _chunk(t, n):
    """``n`` equal slices along the last dimension (views)."""
    k = t.shape[-1] // n
    return [t[..., j * k:(j + 1) * k] for j in range(n)]


def _pre_activation(x, h, w_ih, w_hh, b_ih, b_hh, xw):
    """``x W_ih^T + h W_hh^T + b_ih + b_hh``; a given ``xw`` already holds ``x W_ih^T`` and the
    biases (LSTM and RNN cells; the GRU keeps the two halves apart)."""
    pre = (F.matmul(x, w_ih.t()) if xw is None else xw) + F.matmul(h, w_hh.t())
    if xw is None:
        if b_ih is not None:
            pre = pre + b_ih
        if b_hh is not None:
            pre = pre + b_hh
    return pre


def lstm_cell(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None, *, xw=None):
    """One LSTM step from differentiable ops. ``xw`` (optional) is ``x @ w_ih.T + biases``."""
    gates = _pre_activation(x, h, w_ih, w_hh, b_ih, b_hh, xw)
    i, f, g, o = _chunk(gates, 4)
    c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
    h = F.sigmoid(o) * F.tanh(c)
    if w_hr is not None:
        h = F.matmul(h, w_hr.t())
    return h, c


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, *, xw=None):
    """One GRU step from differentiable ops (``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``)."""
    gi = F.matmul(x, w_ih.t()) if xw is None else xw
    if xw is None and b_ih is not None:
        gi = gi + b_ih
    gh = F.matmul(h, w_hh.t())
    if b_hh is not None:
        gh = gh + b_hh
    i_r, i_z, i_n = _chunk(gi, 3)
    h_r, h_z, h_n = _chunk(gh, 3)
    r = F.sigmoid(i_r + h_r)
    z = F.sigmoid(i_z + h_z)
    n = F.tanh(i_n + r * h_n)
    return n + z * (h - n)


def _check_cell(name, x, states, w_ih):
    for t, what in [(x, "input")] + states:
        if t.dtype != w_ih.dtype:
            raise RuntimeError(
                f"{name}: {what} dtype {t.dtype} does not match the weights' dtype {w_ih.dtype}; "
                f"convert one of them (e.g. x.to(w.dtype) or module.double())")


def fused_lstm_cell(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step as one node (:mod:`gradkit.ops.recurrent_cell`); ``x`` (B, I), ``h`` and
    ``c`` (B, H) Tensors. Returns ``(h', c')``."""
    _check_cell("LSTMCell", x, [(h, "h")], w_ih)
    if c.dtype != w_ih.dtype:  # PyTorch's f * c promotes: the gates in the weights' dtype,
        return lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh)  # c' and h' in the wider one
    return apply_multi(RC.LSTM_CELL, (x, h, c, w_ih, w_hh, b_ih, b_hh))


def fused_gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step as one node (:mod:`gradkit.ops.recurrent_cell`); ``x`` (B, I), ``h``
    (B, H) Tensors. Returns ``h'``."""
    _check_cell("GRUCell", x, [(h, "hx")], w_ih)
    return apply_multi(RC.GRU_CELL, (x, h, w_ih, w_hh, b_ih, b_hh))[0]


def rnn_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, *, nonlinearity="tanh", xw=None):
    """One Elman RNN step: ``act(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    pre = _pre_activation(x, h, w_ih, w_hh, b_ih, b_hh, xw)
    return F.tanh(pre) if nonlinearity == "tanh" else F.relu(pre)


def _zeros(B, n, like):
    """Zero initial state on ``like``'s device."""
    return _make(namespace_of(like._data).zeros((B, n), dtype=like.dtype), False, None)


def _project(x, w_ih, b_ih, b_hh):
    xw = F.matmul(x, w_ih.t())
    if b_ih is not None:
        xw = xw + b_ih
    if b_hh is not None:
        xw = xw + b_hh
    return xw


def _composite_layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse):
    """One layer and direction from cells; ``x`` is (T, B, I). Returns (output, h_n[, c_n])."""
    T, B = x.shape[0], x.shape[1]
    H = w_hh.shape[0] // 4
    P = w_hh.shape[1]
    h = h0 if h0 is not None else _zeros(B, P, x)
    outs = [None] * T
    steps = range(T - 1, -1, -1) if reverse else range(T)
    if mode == "LSTM":
        c = c0 if c0 is not None else _zeros(B, H, x)
        xw = _project(x, w_ih, b_ih, b_hh)
        for t in steps:
            h, c = lstm_cell(None, h, c, w_ih, w_hh, w_hr=w_hr, xw=xw[t])
            outs[t] = h
        return F.stack(outs, 0), h, c
    if mode == "GRU":
        xw = _project(x, w_ih, b_ih, None)
        for t in steps:
            h = gru_cell(None, h, w_ih, w_hh, None, b_hh, xw=xw[t])
            outs[t] = h
        return F.stack(outs, 0), h
    xw = _project(x, w_ih, b_ih, b_hh)
    act = "tanh" if mode == "RNN_TANH" else "relu"
    for t in steps:
        h = rnn_cell(None, h, w_ih, w_hh, nonlinearity=act, xw=xw[t])
        outs[t] = h
    return F.stack(outs, 0), h


def rnn_layer(mode, x, h0, c0, weights, *, reverse=False, fused=True):
    """Run one recurrent layer in one direction.

    Args:
        mode: ``"LSTM"``, ``"GRU"``, ``"RNN_TANH"`` or ``"RNN_RELU"``.
        x: time-major input.
        h0, c0: initial states or None (zeros); ``c0`` only for LSTM.
        weights: ``(w_ih, w_hh, b_ih, b_hh, w_hr)``; biases and ``w_hr`` may be None.
        reverse: process the sequence from the last step to the first.
        fused: use the fused primitive (fast); False composes differentiable ops.

    Returns:
        ``(output, h_n)`` or, for LSTM, ``(output, h_n, c_n)``.

    Shape:
        - x: :math:`(T, B, H_{in})`; h0: :math:`(B, H_{out})`; c0: :math:`(B, H_{cell})`
        - output: :math:`(T, B, H_{out})`
    """
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    if not fused:
        return _composite_layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse)
    if x.dtype != w_ih.dtype:  # (PyTorch's RNN modules: a ValueError)
        raise ValueError(
            f"{mode}: input dtype {x.dtype} does not match the weights' dtype {w_ih.dtype}; "
            f"convert one of them (e.g. x.to(w.dtype) or module.double())"
        )
    op = _LAYER_OPS[mode]
    if mode == "LSTM":
        inputs = (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
        # nothing to differentiate: the layer keeps no per-step states for a backward
        keep = grad_mode.STATE[0] and any(t is not None and t.requires_grad for t in inputs)
        outs = apply_multi(op, inputs, (reverse, keep))
    else:
        outs = apply_multi(op, (x, h0, w_ih, w_hh, b_ih, b_hh), (reverse,))
    # the name PyTorch's CPU kernels give the output sequence (printed in its grad_fn): oneDNN's
    # fused layer for an LSTM without projections in float32/bfloat16/float16, else a stack of
    # the steps
    onednn = mode == "LSTM" and w_hr is None and x.dtype.name in _ONEDNN_DTYPES
    rename_multi(outs[0], "MkldnnRnnLayerBackward0" if onednn else "StackBackward0")
    return outs

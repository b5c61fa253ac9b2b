"""Fused recurrent cells: one LSTM or GRU step as one node (``nn.LSTMCell``, ``nn.GRUCell``,
``gradkit.lstm_cell``/``gru_cell``).

A cell composed from gradkit ops records about twenty nodes per step (two products, the bias
adds, four gate slices, sigmoids, tanh, products and sums); a loop over time that calls cells
(time series, reinforcement learning, physics models) spends most of its time recording and
walking them. Here one node holds the step: the forward computes the gates batch-major with two
products and in-place activations, the backward applies the closed-form gate derivatives and
returns the input, state, weight and bias gradients with four products.

Gate order is PyTorch's: LSTM ``(i, f, g, o)``; GRU ``(r, z, n)`` with ``b_hn`` inside the
``r *`` term. Sigmoids are computed as ``(tanh(x / 2) + 1) / 2``, as gradkit's ``sigmoid``.

Under ``create_graph=True`` the rules run on Tensors (``xp`` is the Tensor namespace): they
recompute the gates from the inputs with differentiable ops, so the gradient is itself
differentiable (the saved activations are not used there).
"""

from __future__ import annotations

from ..autograd.graph import Op

__all__ = ["LSTM_CELL", "GRU_CELL"]


def _sigmoid_(xp, a):
    """In place on an array: ``(tanh(a / 2) + 1) / 2``."""
    a *= 0.5
    xp.tanh(a, out=a)
    a += 1
    a *= 0.5


def _sigmoid(xp, a):
    return (xp.tanh(a * 0.5) + 1) * 0.5


def _affine(xp, x, w, b):
    """``x w^T (+ b)`` (a new array or Tensor)."""
    out = xp.matmul(x, xp.transpose(w))
    return out if b is None else out + b


def _weight_grads(xp, d, inp, w, needs_w, needs_inp):
    """``(d w, d^T inp)``: the gradients of ``inp w^T`` for an output gradient ``d``."""
    gi = xp.matmul(d, w) if needs_inp else None
    gw = xp.matmul(xp.transpose(d), inp) if needs_w else None
    return gi, gw


# ------------------------------------------------------------------------------------ LSTM
def _lstm_cell_f(xp, x, h, c, w_ih, w_hh, b_ih, b_hh):
    H = w_hh.shape[1]
    a = xp.matmul(x, w_ih.T)
    a += xp.matmul(h, w_hh.T)
    if b_ih is not None:
        a += b_ih
    if b_hh is not None:
        a += b_hh
    _sigmoid_(xp, a[:, : 2 * H])
    _sigmoid_(xp, a[:, 3 * H:])
    xp.tanh(a[:, 2 * H: 3 * H], out=a[:, 2 * H: 3 * H])
    i, f, g, o = a[:, :H], a[:, H: 2 * H], a[:, 2 * H: 3 * H], a[:, 3 * H:]
    c_new = f * c
    c_new += i * g
    tc = xp.tanh(c_new)
    h_new = o * tc
    return (h_new, c_new), ((), (a, tc))


def _lstm_cell_grads(xp, gh, gc, c, i, f, g, o, tc):
    """Gate pre-activation gradients (B, 4H) and the gradient of the previous cell state,
    from differentiable ops (the create_graph path)."""
    dc = gh * o * (1 - tc * tc) if gh is not None else None
    if gc is not None:
        dc = gc if dc is None else dc + gc
    parts = [dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g)]
    do = gh * tc * o * (1 - o) if gh is not None else xp.zeros_like(o)
    return xp.concatenate(parts + [do], axis=1), dc * f


def _lstm_cell_grads_arrays(xp, gh, gc, c, a, tc):
    """The same on arrays, written into one (B, 4H) buffer with in-place ufuncs (about twenty
    passes over (B, H) and no temporaries but one)."""
    H = tc.shape[1]
    i, f, g, o = a[:, :H], a[:, H: 2 * H], a[:, 2 * H: 3 * H], a[:, 3 * H:]
    d = xp.empty(a.shape, dtype=a.dtype)
    di, df, dg, do = d[:, :H], d[:, H: 2 * H], d[:, 2 * H: 3 * H], d[:, 3 * H:]
    dc = xp.empty(tc.shape, dtype=tc.dtype)
    if gh is not None:
        xp.multiply(tc, tc, out=dc)             # dc = gh o (1 - tanh(c')^2) (+ gc)
        xp.subtract(1, dc, out=dc)
        dc *= o
        dc *= gh
        if gc is not None:
            dc += gc
        xp.subtract(1, o, out=do)               # do = gh tanh(c') o (1 - o)
        do *= o
        do *= tc
        do *= gh
    else:
        dc[...] = gc
        do[...] = 0
    xp.subtract(1, i, out=di)                   # di = dc g i (1 - i)
    di *= i
    di *= g
    di *= dc
    xp.subtract(1, f, out=df)                   # df = dc c f (1 - f)
    df *= f
    df *= c
    df *= dc
    xp.multiply(g, g, out=dg)                   # dg = dc i (1 - g^2)
    xp.subtract(1, dg, out=dg)
    dg *= i
    dg *= dc
    dc *= f                                     # the previous cell state's gradient
    return d, dc


def _lstm_cell_b(xp, grads, ins, out, aux, needs):
    x, h, c, w_ih, w_hh, b_ih, b_hh = ins[:7]
    gh, gc = grads
    H = w_hh.shape[1]
    if gh is None and gc is None:
        return (None,) * 7
    if xp.name == "tensor":  # recompute the gates differentiably (create_graph)
        a = _affine(xp, x, w_ih, b_ih) + _affine(xp, h, w_hh, b_hh)
        i, f = _sigmoid(xp, a[:, :H]), _sigmoid(xp, a[:, H: 2 * H])
        g, o = xp.tanh(a[:, 2 * H: 3 * H]), _sigmoid(xp, a[:, 3 * H:])
        d, dc_prev = _lstm_cell_grads(xp, gh, gc, c, i, f, g, o, xp.tanh(f * c + i * g))
    else:
        a, tc = ins[7]
        d, dc_prev = _lstm_cell_grads_arrays(xp, gh, gc, c, a, tc)
    dx, dw_ih = _weight_grads(xp, d, x, w_ih, needs[3], needs[0])
    dh, dw_hh = _weight_grads(xp, d, h, w_hh, needs[4], needs[1])
    db_ih = db_hh = None
    if needs[5] or needs[6]:
        db = xp.sum(d, axis=0)
        db_ih = db if needs[5] else None
        db_hh = (db * 1 if needs[5] else db) if needs[6] else None  # never one array twice
    return dx, dh, dc_prev if needs[2] else None, dw_ih, dw_hh, db_ih, db_hh


# ------------------------------------------------------------------------------------- GRU
def _gru_cell_f(xp, x, h, w_ih, w_hh, b_ih, b_hh):
    H = w_hh.shape[1]
    gi = xp.matmul(x, w_ih.T)
    if b_ih is not None:
        gi += b_ih
    gh = xp.matmul(h, w_hh.T)
    if b_hh is not None:
        gh += b_hh
    rz = gi[:, : 2 * H]
    rz += gh[:, : 2 * H]
    _sigmoid_(xp, rz)
    r, z = rz[:, :H], rz[:, H:]
    hn = gh[:, 2 * H:]
    n = gi[:, 2 * H:]
    n += r * hn
    xp.tanh(n, out=n)
    h_new = h - n
    h_new *= z
    h_new += n
    return (h_new,), ((), (gi, hn.copy()))


def _gru_cell_b(xp, grads, ins, out, aux, needs):
    x, h, w_ih, w_hh, b_ih, b_hh = ins[:6]
    (dh_new,) = grads
    if dh_new is None:
        return (None,) * 6
    H = w_hh.shape[1]
    if xp.name == "tensor":  # recompute the gates differentiably (create_graph)
        gi, gh = _affine(xp, x, w_ih, b_ih), _affine(xp, h, w_hh, b_hh)
        r = _sigmoid(xp, gi[:, :H] + gh[:, :H])
        z = _sigmoid(xp, gi[:, H: 2 * H] + gh[:, H: 2 * H])
        hn = gh[:, 2 * H:]
        n = xp.tanh(gi[:, 2 * H:] + r * hn)
    else:
        act, hn = ins[6]
        r, z, n = act[:, :H], act[:, H: 2 * H], act[:, 2 * H:]
    dn = dh_new * (1 - z) * (1 - n * n)
    dr = dn * hn * r * (1 - r)
    dz = dh_new * (h - n) * z * (1 - z)
    d_i = xp.concatenate([dr, dz, dn], axis=1)
    d_h = xp.concatenate([dr, dz, dn * r], axis=1)
    dx, dw_ih = _weight_grads(xp, d_i, x, w_ih, needs[2], needs[0])
    dh, dw_hh = _weight_grads(xp, d_h, h, w_hh, needs[3], needs[1])
    if needs[1]:
        dh = dh + dh_new * z
    return (dx, dh, dw_ih, dw_hh, xp.sum(d_i, axis=0) if needs[4] else None,
            xp.sum(d_h, axis=0) if needs[5] else None)


LSTM_CELL = Op("LSTMCell", _lstm_cell_f, _lstm_cell_b, saves=0, returns_aux=True,
               none_grads=True)
GRU_CELL = Op("GRUCell", _gru_cell_f, _gru_cell_b, saves=0, returns_aux=True, none_grads=True)

"""Fused recurrent layers: one primitive per layer and direction (RNN tanh/relu, LSTM, GRU).

Fused for speed (DESIGN: "LSTM gates as one matmul per step"): the forward projects the inputs of
all time steps with one matrix product, then loops over time on arrays with one ``h @ W_hh.T`` per
step and in-place gate math; it keeps the activated gates. The backward is backpropagation through
time on arrays: a loop that computes the gate gradients and one ``dgates @ W_hh`` per step, then
single large matrix products for ``dx``, ``dW_ih`` and ``dW_hh``.

Each op has several outputs (``output``, ``h_n`` and for LSTM ``c_n``); the nn layer records it as
a ``MultiNode``. Inputs, in order::

    LSTM: x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr      (h0, c0, biases, w_hr may be None)
    GRU:  x, h0, w_ih, w_hh, b_ih, b_hh
    RNN:  x, h0, w_ih, w_hh, b_ih, b_hh

``x`` is time-major ``(T, B, input_size)``; the one parameter is ``reverse`` (run from the last
step to the first). Forward returns ``(outputs, (static, saved))``: ``static`` (flags) becomes the
node's ``aux``; ``saved`` (gates and states for backpropagation through time) is stored after the
input arrays in the node's ``saved``, so the engine frees it after backward unless
``retain_graph``; the rule receives it as its last ``ins`` entry.

Under ``create_graph=True`` the rule is handed Tensors; it then defers to the composite
implementation (cells built from differentiable gradkit ops) that ``gradkit.nn`` installs in
``COMPOSITE_BACKWARD``, so higher-order gradients stay exact.

Sigmoids are computed as ``0.5 * tanh(x / 2) + 0.5`` (no overflow warnings for large |x|); the
``1/2`` is folded into a scaled copy of the weights (an exact power-of-two scale), so one ``tanh``
call covers all four LSTM gates.
"""

from __future__ import annotations

from .._backend import namespace_of
from ..autograd.graph import Op

__all__ = ["COMPOSITE_BACKWARD", "GRU_LAYER", "LSTM_LAYER", "RNN_RELU_LAYER", "RNN_TANH_LAYER"]

# name -> fn(op_name, ins, g, needs, aux) returning the input gradients as Tensors; installed by
# gradkit.nn.functional.rnn (ops know no Tensor).
COMPOSITE_BACKWARD = {}


def _seq(x, reverse):
    """The input in processing order as a contiguous (T*B, I) matrix."""
    T, B, n = x.shape
    xs = x[::-1] if reverse else x
    return namespace_of(x).ascontiguousarray(xs).reshape(T * B, n)


def _out_order(a, reverse):
    return namespace_of(a).ascontiguousarray(a[::-1]) if reverse else a.copy()


def _composite(name, g, ins, aux, needs):
    fn = COMPOSITE_BACKWARD.get("rnn")
    if fn is None:
        raise RuntimeError(f"{name}: create_graph=True needs gradkit.nn imported")
    return fn(name, ins, g, needs, aux)


# --------------------------------------------------------------------------------------- LSTM
def _lstm_perm(xp, H):
    # internal gate order (o, i, f, g): the three sigmoid gates are contiguous
    return xp.concatenate([xp.arange(3 * H, 4 * H), xp.arange(0, 3 * H)])


_GPU_KERNELS = {}


def _lstm_gpu_kernels(xp):
    """Fused CuPy kernels for one LSTM time step (forward gate math; backward gate grads), or
    None off the GPU. Each replaces about eight separate elementwise launches per step; on a
    GPU the per-step cost is launch-bound, so this is where the time goes."""
    if xp.name != "cupy" or not hasattr(xp.module, "ElementwiseKernel"):
        return None
    kernels = _GPU_KERNELS.get("lstm")
    if kernels is None:
        ek = xp.module.ElementwiseKernel
        fwd = ek(
            "T c_prev",
            "T ao, T ai, T af, T ag, T c, T tc, T h",
            """
            ao = tanh(ao) * (T)0.5 + (T)0.5;
            ai = tanh(ai) * (T)0.5 + (T)0.5;
            af = tanh(af) * (T)0.5 + (T)0.5;
            ag = tanh(ag);
            c = af * c_prev + ai * ag;
            tc = tanh(c);
            h = ao * tc;
            """,
            "gradkit_lstm_step_fwd",
        )
        bwd = ek(
            "T gout, T k, T q0, T q1, T q2, T q3, T af",
            "T dh, T dc, T dg0, T dg1, T dg2, T dg3",
            """
            T d = dh + gout;
            dh = d;
            T c2 = dc + d * k;
            dg0 = d * q0;
            dg1 = c2 * q1;
            dg2 = c2 * q2;
            dg3 = c2 * q3;
            dc = c2 * af;
            """,
            "gradkit_lstm_step_bwd",
        )
        kernels = _GPU_KERNELS["lstm"] = (fwd, bwd)
    return kernels


def _lstm_f(xp, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse):
    T, B, _ = x.shape
    H = w_hh.shape[0] // 4
    P = w_hh.shape[1]
    dt = x.dtype
    perm = _lstm_perm(xp, H)
    scale = xp.ones((4 * H, 1), dtype=dt)
    scale[: 3 * H] = 0.5
    wih_s = w_ih[perm] * scale
    whh_sT = xp.ascontiguousarray((w_hh[perm] * scale).T)
    A = (_seq(x, reverse) @ wih_s.T).reshape(T, B, 4 * H)
    if b_ih is not None or b_hh is not None:
        b = xp.zeros(4 * H, dtype=dt)
        if b_ih is not None:
            b += b_ih
        if b_hh is not None:
            b += b_hh
        A += b[perm] * scale[:, 0]
    Hb = xp.empty((T + 1, B, P), dtype=dt)
    Hb[0] = 0 if h0 is None else h0
    C = xp.empty((T + 1, B, H), dtype=dt)
    C[0] = 0 if c0 is None else c0
    TC = xp.empty((T, B, H), dtype=dt)
    Hraw = xp.empty((T, B, H), dtype=dt) if w_hr is not None else None
    w_hrT = w_hr.T if w_hr is not None else None
    tmp = xp.empty((B, 4 * H), dtype=dt)
    tmp2 = xp.empty((B, H), dtype=dt)
    mm, tanh, mul, add = xp.matmul, xp.tanh, xp.multiply, xp.add
    h3 = 3 * H
    gpu = _lstm_gpu_kernels(xp) if w_hr is None else None
    for k in range(T):
        a = A[k]
        if k or h0 is not None:
            mm(Hb[k], whh_sT, out=tmp)
            add(a, tmp, out=a)
        if gpu is not None:
            gpu[0](C[k], a[:, :H], a[:, H:2 * H], a[:, 2 * H:h3], a[:, h3:], C[k + 1], TC[k],
                   Hb[k + 1])
            continue
        tanh(a, out=a)
        s = a[:, :h3]
        s *= 0.5
        s += 0.5
        c = C[k + 1]
        mul(a[:, 2 * H:h3], C[k], out=c)
        mul(a[:, H:2 * H], a[:, h3:], out=tmp2)
        c += tmp2
        tc = TC[k]
        tanh(c, out=tc)
        if w_hr is None:
            mul(a[:, :H], tc, out=Hb[k + 1])
        else:
            mul(a[:, :H], tc, out=Hraw[k])
            mm(Hraw[k], w_hrT, out=Hb[k + 1])
    out = _out_order(Hb[1:], reverse)
    return (out, Hb[T].copy(), C[T].copy()), ((reverse,), (A, Hb, C, TC, Hraw, perm))


def _lstm_b(xp, g, ins, out, aux, needs):
    if xp.name == "tensor":
        return _composite("LSTM", g, ins, aux, needs)
    x, _h0, _c0, w_ih, w_hh, _b_ih, _b_hh, w_hr, saved = ins
    A, Hb, C, TC, Hraw, perm = saved
    (reverse,) = aux
    gout, ghn, gcn = g
    T, B, _ = x.shape
    H = w_hh.shape[0] // 4
    P = w_hh.shape[1]
    dt = A.dtype
    if reverse:
        gout = gout[::-1]
    Ao, Ai, Af, Ag = A[..., :H], A[..., H:2 * H], A[..., 2 * H:3 * H], A[..., 3 * H:]
    K = Ao * (1 - TC * TC)  # d c / d h_raw, per step
    Q = xp.empty((T, B, 4, H), dtype=dt)  # gate pre-activation grads per unit dh (o) or dc
    xp.multiply(TC, Ao * (1 - Ao), out=Q[:, :, 0])
    xp.multiply(Ag, Ai * (1 - Ai), out=Q[:, :, 1])
    xp.multiply(C[:-1], Af * (1 - Af), out=Q[:, :, 2])
    xp.multiply(Ai, 1 - Ag * Ag, out=Q[:, :, 3])
    DG = xp.empty((T, B, 4, H), dtype=dt)
    whh_p = w_hh[perm]
    dh = xp.array(ghn, dtype=dt, copy=True)
    dc = xp.array(gcn, dtype=dt, copy=True)
    tmp = xp.empty((B, H), dtype=dt)
    DH = xp.empty((T, B, P), dtype=dt) if w_hr is not None else None
    mul, mm = xp.multiply, xp.matmul
    gpu = _lstm_gpu_kernels(xp) if w_hr is None else None
    for k in range(T - 1, -1, -1):
        if gpu is not None:
            dg = DG[k]
            gpu[1](gout[k], K[k], Q[k, :, 0], Q[k, :, 1], Q[k, :, 2], Q[k, :, 3], Af[k],
                   dh, dc, dg[:, 0], dg[:, 1], dg[:, 2], dg[:, 3])
            mm(dg.reshape(B, 4 * H), whh_p, out=dh)
            continue
        dh += gout[k]
        if w_hr is not None:
            DH[k] = dh
            dhr = dh @ w_hr
        else:
            dhr = dh
        mul(dhr, K[k], out=tmp)
        dc += tmp
        dg = DG[k]
        mul(dhr, Q[k, :, 0], out=dg[:, 0])
        mul(dc[:, None, :], Q[k, :, 1:], out=dg[:, 1:])
        dc *= Af[k]
        mm(dg.reshape(B, 4 * H), whh_p, out=dh)
    DG2 = DG.reshape(T * B, 4 * H)
    inv = xp.argsort(perm)
    dx = dh0 = dc0 = dwih = dwhh = dbih = dbhh = dwhr = None
    if needs[0]:
        dx = (DG2 @ w_ih[perm]).reshape(T, B, -1)
        if reverse:
            dx = xp.ascontiguousarray(dx[::-1])
    if needs[1]:
        dh0 = dh
    if needs[2]:
        dc0 = dc
    if needs[3]:
        dwih = (DG2.T @ _seq(x, reverse))[inv]
    if needs[4]:
        dwhh = (DG2.T @ Hb[:-1].reshape(T * B, P))[inv]
    if needs[5] or needs[6]:
        db = DG2.sum(0)[inv]
        dbih = db if needs[5] else None
        dbhh = db.copy() if needs[6] else None
    if needs[7]:
        dwhr = DH.reshape(T * B, P).T @ Hraw.reshape(T * B, H)
    return dx, dh0, dc0, dwih, dwhh, dbih, dbhh, dwhr


# ---------------------------------------------------------------------------------------- GRU
def _input_weight_grads(xp, x, Hb, dh, w_ih, DGX2, DGH2, reverse, needs):
    """(dx, dh0, dw_ih, dw_hh, db_ih, db_hh) of a GRU or RNN layer from its per-step gate
    gradients ``DGX2`` (input side) and ``DGH2`` (hidden side), each ``(T * B, gates)``; the
    RNN passes one array for both, and its two bias gradients are then one sum, copied."""
    T, B, _ = x.shape
    dx = dh0 = dwih = dwhh = dbih = dbhh = None
    if needs[0]:
        dx = (DGX2 @ w_ih).reshape(T, B, -1)
        if reverse:
            dx = xp.ascontiguousarray(dx[::-1])
    if needs[1]:
        dh0 = dh
    if needs[2]:
        dwih = DGX2.T @ _seq(x, reverse)
    if needs[3]:
        dwhh = DGH2.T @ Hb[:-1].reshape(T * B, Hb.shape[2])
    if needs[4]:
        dbih = DGX2.sum(0)
    if needs[5]:
        dbhh = dbih.copy() if dbih is not None and DGH2 is DGX2 else DGH2.sum(0)
    return dx, dh0, dwih, dwhh, dbih, dbhh


def _gru_f(xp, x, h0, w_ih, w_hh, b_ih, b_hh, reverse):
    T, B, _ = x.shape
    H = w_hh.shape[0] // 3
    dt = x.dtype
    scale = xp.ones((3 * H, 1), dtype=dt)
    scale[: 2 * H] = 0.5
    A = (_seq(x, reverse) @ (w_ih * scale).T).reshape(T, B, 3 * H)
    b = xp.zeros(3 * H, dtype=dt)
    if b_ih is not None:
        b += b_ih
    if b_hh is not None:
        b[: 2 * H] += b_hh[: 2 * H]
        b_hn = b_hh[2 * H:]
    else:
        b_hn = None
    A += b * scale[:, 0]
    whh_sT = xp.ascontiguousarray((w_hh * scale).T)
    Hb = xp.empty((T + 1, B, H), dtype=dt)
    Hb[0] = 0 if h0 is None else h0
    HN = xp.empty((T, B, H), dtype=dt)
    hh = xp.empty((B, 3 * H), dtype=dt)
    tmp = xp.empty((B, H), dtype=dt)
    mm, tanh, mul, add, sub = xp.matmul, xp.tanh, xp.multiply, xp.add, xp.subtract
    h2 = 2 * H
    for k in range(T):
        a = A[k]
        h = Hb[k]
        mm(h, whh_sT, out=hh)
        rz = a[:, :h2]
        rz += hh[:, :h2]
        tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        hn = HN[k]
        if b_hn is not None:
            add(hh[:, h2:], b_hn, out=hn)
        else:
            hn[...] = hh[:, h2:]
        n = a[:, h2:]
        mul(a[:, :H], hn, out=tmp)
        n += tmp
        tanh(n, out=n)
        sub(h, n, out=tmp)
        tmp *= a[:, H:h2]
        add(n, tmp, out=Hb[k + 1])
    out = _out_order(Hb[1:], reverse)
    return (out, Hb[T].copy()), ((reverse,), (A, Hb, HN))


def _gru_b(xp, g, ins, out, aux, needs):
    if xp.name == "tensor":
        return _composite("GRU", g, ins, aux, needs)
    x, _h0, w_ih, w_hh, _b_ih, _b_hh, saved = ins
    A, Hb, HN = saved
    (reverse,) = aux
    gout, ghn = g
    T, B, _ = x.shape
    H = w_hh.shape[0] // 3
    dt = A.dtype
    if reverse:
        gout = gout[::-1]
    R, Z, N = A[..., :H], A[..., H:2 * H], A[..., 2 * H:]
    dn_coef = (1 - Z) * (1 - N * N)
    dz_coef = (Hb[:-1] - N) * Z * (1 - Z)
    dr_coef = HN * R * (1 - R)
    DGX = xp.empty((T, B, 3, H), dtype=dt)
    DGH = xp.empty((T, B, 3, H), dtype=dt)
    dh = xp.array(ghn, dtype=dt, copy=True)
    tmp = xp.empty((B, H), dtype=dt)
    mul, mm = xp.multiply, xp.matmul
    for k in range(T - 1, -1, -1):
        dh += gout[k]
        dx_k = DGX[k]
        dn = dx_k[:, 2]
        mul(dh, dn_coef[k], out=dn)
        mul(dn, dr_coef[k], out=dx_k[:, 0])
        mul(dh, dz_coef[k], out=dx_k[:, 1])
        dh_k = DGH[k]
        dh_k[:, :2] = dx_k[:, :2]
        mul(dn, R[k], out=dh_k[:, 2])
        mm(dh_k.reshape(B, 3 * H), w_hh, out=tmp)
        dh *= Z[k]
        dh += tmp
    return _input_weight_grads(xp, x, Hb, dh, w_ih, DGX.reshape(T * B, 3 * H),
                               DGH.reshape(T * B, 3 * H), reverse, needs)


# ---------------------------------------------------------------------------------------- RNN
def _rnn_f(xp, x, h0, w_ih, w_hh, b_ih, b_hh, reverse, relu):
    T, B, _ = x.shape
    H = w_hh.shape[0]
    dt = x.dtype
    A = (_seq(x, reverse) @ w_ih.T).reshape(T, B, H)
    if b_ih is not None:
        A += b_ih
    if b_hh is not None:
        A += b_hh
    Hb = xp.empty((T + 1, B, H), dtype=dt)
    Hb[0] = 0 if h0 is None else h0
    whhT = xp.ascontiguousarray(w_hh.T)
    tmp = xp.empty((B, H), dtype=dt)
    mm, add = xp.matmul, xp.add
    act = xp.tanh if not relu else None
    for k in range(T):
        mm(Hb[k], whhT, out=tmp)
        h = Hb[k + 1]
        add(A[k], tmp, out=h)
        if relu:
            xp.maximum(h, 0, out=h)
        else:
            act(h, out=h)
    out = _out_order(Hb[1:], reverse)
    return (out, Hb[T].copy()), ((reverse, relu), (Hb,))


def _rnn_b(xp, g, ins, out, aux, needs):
    if xp.name == "tensor":
        return _composite("RNN", g, ins, aux, needs)
    x, _h0, w_ih, w_hh, _b_ih, _b_hh, saved = ins
    (Hb,) = saved
    reverse, relu = aux
    gout, ghn = g
    T, B, _ = x.shape
    H = w_hh.shape[0]
    dt = Hb.dtype
    if reverse:
        gout = gout[::-1]
    Hs = Hb[1:]
    D = (Hs > 0).astype(dt) if relu else 1 - Hs * Hs
    DG = xp.empty((T, B, H), dtype=dt)
    dh = xp.array(ghn, dtype=dt, copy=True)
    for k in range(T - 1, -1, -1):
        dh += gout[k]
        xp.multiply(dh, D[k], out=DG[k])
        xp.matmul(DG[k], w_hh, out=dh)
    DG2 = DG.reshape(T * B, H)
    return _input_weight_grads(xp, x, Hb, dh, w_ih, DG2, DG2, reverse, needs)


def _rnn_tanh_f(xp, x, h0, w_ih, w_hh, b_ih, b_hh, reverse):
    return _rnn_f(xp, x, h0, w_ih, w_hh, b_ih, b_hh, reverse, False)


def _rnn_relu_f(xp, x, h0, w_ih, w_hh, b_ih, b_hh, reverse):
    return _rnn_f(xp, x, h0, w_ih, w_hh, b_ih, b_hh, reverse, True)


LSTM_LAYER = Op("LSTM", _lstm_f, _lstm_b, saves=0, returns_aux=True)
GRU_LAYER = Op("GRU", _gru_f, _gru_b, saves=0, returns_aux=True)
RNN_TANH_LAYER = Op("RNNTanh", _rnn_tanh_f, _rnn_b, saves=0, returns_aux=True)
RNN_RELU_LAYER = Op("RNNReLU", _rnn_relu_f, _rnn_b, saves=0, returns_aux=True)

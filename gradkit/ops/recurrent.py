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

The LSTM runs feature-major inside (each step's gates are a ``(4H, B)`` block, computed as
``W_hh @ h``): OpenBLAS spreads a product with 4H rows over its threads far better than one with
B rows (13-14 vs 18-31 us per step on 2 cores), the gate slices are contiguous row blocks, and
the weight gradients become single products over a ``(4H, T * B)`` gate-gradient buffer.
Where OpenBLAS has small-matrix kernels (AVX-512 cores, one thread; ``gradkit._small_gemm``)
the per-step products, and the input projection's per-step products, run as row blocks of the
weights, which those kernels read in place instead of packing them every step: at H=128, batch
32, one thread, 41 -> 30 us a step forward, 41 -> 36 us backward, and the projection of 32
steps 1.05 -> 0.86 ms. (One product for the projection, ``(4H, I + 1) @ (I + 1, T * B)``, was
slower: each step's slice of it has rows T * B apart.)

Under ``create_graph=True`` the rule is handed Tensors and gradkit's Tensor namespace as ``xp``;
it then recomputes the layer's states and runs backpropagation through time written against
``xp`` (the ``_*_b_recorded`` rules below: the same formulas as the array loops, step by step in
PyTorch's gate order), so the backward is itself recorded and higher-order gradients stay exact.
The array path is untouched by this: it never reaches those rules.

Sigmoids are computed as ``0.5 * tanh(x / 2) + 0.5`` (no overflow warnings for large |x|); the
``1/2`` is folded into a scaled copy of the weights (an exact power-of-two scale), so one ``tanh``
call covers all four LSTM gates.
"""

from __future__ import annotations

from .. import _noblas
from .._backend import namespace_of
from .._small_gemm import row_blocks
from ..autograd.graph import Op

__all__ = ["GRU_LAYER", "LSTM_LAYER", "RNN_RELU_LAYER", "RNN_TANH_LAYER"]


def _seq(x, reverse):
    """The input in processing order as a contiguous (T*B, I) matrix."""
    T, B, n = x.shape
    xs = x[::-1] if reverse else x
    return namespace_of(x).ascontiguousarray(xs).reshape(T * B, n)


def _out_order(a, reverse):
    return namespace_of(a).ascontiguousarray(a[::-1]) if reverse else a.copy()


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


def _gate_rows(xp, w, out, H):
    """``w``'s gate rows (PyTorch's order i, f, g, o) into ``out`` in the internal order (o, i,
    f, g), the sigmoid gates' rows halved (an exact power-of-two scale): three block copies."""
    xp.multiply(w[3 * H:], 0.5, out=out[:H])
    xp.multiply(w[:2 * H], 0.5, out=out[H:3 * H])
    out[3 * H:] = w[2 * H:3 * H]


def _step_product(xp, w, k, n):
    """``mm(h, out)``: ``out = w @ h`` for a step's ``(k, n)`` operand, one product or, where
    OpenBLAS's small-matrix kernel takes row blocks of ``w`` (``gradkit._small_gemm``), one
    product per block."""
    blocks = row_blocks(w.shape[0], k, n, w.dtype) if xp.name == "numpy" else None
    mm = xp.matmul
    if blocks is None:
        return lambda h, out: mm(w, h, out=out)
    parts = [(w[a:b], slice(a, b)) for a, b in blocks]

    def product(h, out):
        for wb, rows in parts:
            mm(wb, h, out=out[rows])

    return product


def _lstm_f(xp, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, keep=True):
    # keep=False (nothing will differentiate it: no_grad, or no input requires grad): the gates
    # and cell states of one step are written over by the next, in cache, and not returned.
    T, B, I = x.shape
    H = w_hh.shape[0] // 4
    P = w_hh.shape[1]
    dt = x.dtype
    perm = _lstm_perm(xp, H)
    whh_s = xp.empty((4 * H, P), dtype=dt)
    _gate_rows(xp, w_hh, whh_s, H)
    # Input projections of all steps, feature-major: AF[k] is step k's (4H, B), one product per
    # step in one matmul call over the stack (in row blocks where OpenBLAS's small-matrix kernel
    # takes them: that also keeps each step's block contiguous for the per-step adds). The
    # biases ride in the same product, as one more input column against a row of ones.
    has_bias = b_ih is not None or b_hh is not None
    K = I + has_bias
    wx = xp.empty((4 * H, K), dtype=dt)
    _gate_rows(xp, w_ih, wx[:, :I], H)
    xt = xp.empty((T, K, B), dtype=dt)
    xt[:, :I] = (x[::-1] if reverse else x).transpose(0, 2, 1)
    if has_bias:
        xt[:, I] = 1
        if b_ih is not None and b_hh is not None:
            b = xp.add(b_ih, b_hh)
        else:
            b = b_ih if b_ih is not None else b_hh
        _gate_rows(xp, b, wx[:, I], H)
    blocks = row_blocks(4 * H, K, B, dt) if xp.name == "numpy" else None
    if blocks is None:
        AF = xp.matmul(wx, xt)
    else:
        AF = xp.empty((T, 4 * H, B), dtype=dt)
        for r0, r1 in blocks:
            xp.matmul(wx[r0:r1], xt, out=AF[:, r0:r1])
    G = xp.empty((T if keep else 1, 4 * H, B), dtype=dt)  # activated gates (o, i, f, g)
    Hf = xp.empty((T + 1, P, B), dtype=dt)      # hidden states
    Hf[0] = 0 if h0 is None else h0.T
    C = xp.empty((T + 1 if keep else 2, H, B), dtype=dt)   # cell states
    C[0] = 0 if c0 is None else c0.T
    TC = xp.empty((T if keep else 1, H, B), dtype=dt)      # tanh of the cell states
    Hraw = xp.empty((H, T, B), dtype=dt) if w_hr is not None else None
    tmp = xp.empty((H, B), dtype=dt)
    mm, tanh, mul, add = xp.matmul, xp.tanh, xp.multiply, xp.add
    step = _step_product(xp, whh_s, P, B)
    h1, h2, h3 = H, 2 * H, 3 * H
    gpu = _lstm_gpu_kernels(xp) if w_hr is None else None
    for k in range(T):
        a, c_prev, c, tc = (G[k], C[k], C[k + 1], TC[k]) if keep else \
            (G[0], C[k % 2], C[(k + 1) % 2], TC[0])
        if k or h0 is not None:
            step(Hf[k], a)
            add(a, AF[k], out=a)
        else:
            a[...] = AF[k]
        if gpu is not None:
            gpu[0](c_prev, a[:h1], a[h1:h2], a[h2:h3], a[h3:], c, tc, Hf[k + 1])
            continue
        tanh(a, out=a)
        s = a[:h3]
        s *= 0.5
        s += 0.5
        mul(a[h2:h3], c_prev, out=c)
        mul(a[h1:h2], a[h3:], out=tmp)
        c += tmp
        tanh(c, out=tc)
        if w_hr is None:
            mul(a[:h1], tc, out=Hf[k + 1])
        else:
            hr = Hraw[:, k]
            mul(a[:h1], tc, out=hr)
            mm(w_hr, hr, out=Hf[k + 1])
    c_n = xp.ascontiguousarray((C[T] if keep else C[T % 2]).T)
    if not keep:
        out = xp.empty((T, B, P), dtype=dt)
        out[...] = (Hf[T:0:-1] if reverse else Hf[1:]).transpose(0, 2, 1)
        return (out, xp.ascontiguousarray(Hf[T].T), c_n), ((reverse,), None)
    # Batch-major hidden states: the output, and the left operand of dW_hh in backward.
    Hb = xp.empty((T + 1, B, P), dtype=dt)
    Hb[...] = Hf.transpose(0, 2, 1)
    out = _out_order(Hb[1:], reverse)
    return (out, Hb[T].copy(), c_n), ((reverse,), (G, Hb, C, TC, Hraw, perm))


# The backward's gate multipliers are computed this many elements of (H, B) planes at a time (8
# steps at H=128, batch 32): the backward 0.95x of computing all steps' at once (20 pairs in turn)
_Q_CHUNK = 32768


def _lstm_b(xp, g, ins, out, aux, needs):
    if xp.name == "tensor":
        return _lstm_b_recorded(xp, g, ins, aux, needs)
    x, _h0, _c0, w_ih, w_hh, _b_ih, _b_hh, w_hr, saved = ins
    G, Hb, C, TC, Hraw, perm = saved
    (reverse,) = aux
    gout, ghn, gcn = g
    T, B, _ = x.shape
    H = w_hh.shape[0] // 4
    P = w_hh.shape[1]
    dt = G.dtype
    h1, h2, h3 = H, 2 * H, 3 * H
    # Per step k, multipliers of the incoming dh (Q[k, :2]) and dc (Q[k, 2:]):
    # Q[:, 0] = d c / d h_raw = o (1 - tanh(c)^2); Q[:, 1:] = gate pre-activation grads per unit
    # dh (o) or dc (i, f, g): tanh(c) o(1-o), g i(1-i), c_prev f(1-f), i (1-g^2).
    # Computed a chunk of steps at a time, just before the loop below reaches them, into one
    # reused buffer: the chunk's passes stay in cache and no (T, 5, H, B) array goes to memory.
    # (all steps at once on a GPU, and without BLAS (Pyodide), where a call costs more)
    chunk = T if xp.name != "numpy" or _noblas.ENABLED \
        else max(1, min(T, _Q_CHUNK // max(1, H * B)))  # (B = 0: an empty batch)
    Qc = xp.empty((chunk, 5, H, B), dtype=dt)

    def multipliers(k0, k1):
        n = k1 - k0
        Q, Gk, TCk = Qc[:n], G[k0:k1], TC[k0:k1]
        S = Gk[:, :h3].reshape(n, 3, H, B)  # the sigmoid gates o, i, f
        Qs = Q[:, 1:4]
        xp.subtract(1, S, out=Qs)
        Qs *= S
        Q[:, 1] *= TCk
        Q[:, 2] *= Gk[:, h3:]
        Q[:, 3] *= C[k0:k1]
        q = Q[:, 0]
        xp.multiply(TCk, TCk, out=q)
        xp.subtract(1, q, out=q)
        q *= Gk[:, :h1]
        q = Q[:, 4]
        xp.multiply(Gk[:, h3:], Gk[:, h3:], out=q)
        xp.subtract(1, q, out=q)
        q *= Gk[:, h1:h2]

    if gout is not None:  # output gradients, processing order, feature-major
        GO = xp.empty((T, P, B), dtype=dt)
        GO[...] = (gout[::-1] if reverse else gout).transpose(0, 2, 1)
    whh_p = xp.empty((4 * H, P), dtype=dt)  # W_hh, rows in the internal gate order
    whh_p[:h1] = w_hh[h3:]
    whh_p[h1:] = w_hh[:h3]
    w_hrT = xp.ascontiguousarray(w_hr.T) if w_hr is not None else None
    dh = xp.zeros((P, B), dtype=dt)
    if ghn is not None:
        dh[...] = ghn.T
    dc = xp.zeros((H, B), dtype=dt)
    if gcn is not None:
        dc[...] = gcn.T
    E = xp.empty((5 * H, B), dtype=dt)  # [dh_raw * Q0 | the gate grads dg (o, i, f, g)]
    tmp, dg = E[:h1], E[h1:]
    E2 = E[:2 * H].reshape(2, H, B)
    dg3 = dg[h1:].reshape(3, H, B)
    # gate grads of all steps, laid out for the dW products; rows padded by 16 elements, so that a
    # step's column block is not 512 rows exactly 4 KiB apart (cache sets) when T * B = 1024
    DG = xp.empty((4 * H, T * B + 16), dtype=dt)[:, :T * B].reshape(4 * H, T, B)
    DH = xp.empty((P, T, B), dtype=dt) if w_hr is not None else None
    mul, mm = xp.multiply, xp.matmul
    # W_hh^T: in row blocks its transposed view (OpenBLAS's small-matrix kernel takes it: 34
    # against 38 us for a contiguous copy's blocks, and no copy); else a contiguous copy (the
    # products without BLAS, Pyodide's, would copy a transposed view every step)
    whh_pT = whh_p.T
    if xp.name != "numpy" or row_blocks(P, 4 * H, B, dt) is None:
        whh_pT = xp.ascontiguousarray(whh_pT)
    step = _step_product(xp, whh_pT, 4 * H, B)
    gpu = _lstm_gpu_kernels(xp) if w_hr is None else None
    zero = xp.zeros((P, B), dtype=dt) if gpu is not None and gout is None else None
    k0 = T
    for k in range(T - 1, -1, -1):
        if k < k0:
            k0 = k - k % chunk
            multipliers(k0, k + 1)
        Qk = Qc[k - k0]
        if gpu is not None:
            gpu[1](GO[k] if zero is None else zero, Qk[0], Qk[1], Qk[2], Qk[3], Qk[4], G[k, h2:h3],
                   dh, dc, dg[:h1], dg[h1:h2], dg[h2:h3], dg[h3:])
        else:
            if gout is not None:
                dh += GO[k]
            if w_hr is not None:
                DH[:, k] = dh
                dhr = mm(w_hrT, dh)
            else:
                dhr = dh
            mul(dhr, Qk[:2], out=E2)
            dc += tmp
            mul(dc, Qk[2:], out=dg3)
            dc *= G[k, h2:h3]
        DG[:, k] = dg  # (written here, not by the ufuncs: its rows lie T * B apart)
        step(dg, dh)
    DG2 = DG.reshape(4 * H, T * B)  # columns in (step, batch) order
    inv = xp.argsort(perm)
    dx = dh0 = dc0 = dwih = dwhh = dbih = dbhh = dwhr = None
    if needs[0]:
        dx = xp.matmul(DG2.T, w_ih[perm]).reshape(T, B, w_ih.shape[1])
        if reverse:
            dx = xp.ascontiguousarray(dx[::-1])
    if needs[1]:
        dh0 = xp.ascontiguousarray(dh.T)
    if needs[2]:
        dc0 = xp.ascontiguousarray(dc.T)
    if needs[3]:
        dwih = xp.matmul(DG2, _seq(x, reverse))[inv]
    if needs[4]:
        dwhh = xp.matmul(DG2, Hb[:-1].reshape(T * B, P))[inv]
    if needs[5] or needs[6]:
        db = (DG2 @ xp.ones(T * B, dtype=dt))[inv]
        dbih = db if needs[5] else None
        dbhh = db.copy() if needs[6] else None
    if needs[7]:
        dwhr = xp.matmul(DH.reshape(P, T * B), Hraw.reshape(H, T * B).T)
    return dx, dh0, dc0, dwih, dwhh, dbih, dbhh, dwhr


# ---------------------------------------------------------------------------------------- GRU
def _input_weight_grads(xp, x, Hb, dh, w_ih, DGX2, DGH2, reverse, needs):
    """(dx, dh0, dw_ih, dw_hh, db_ih, db_hh) of a GRU or RNN layer from its per-step gate
    gradients ``DGX2`` (input side) and ``DGH2`` (hidden side), each ``(T * B, gates)``; the
    RNN passes one array for both, and its two bias gradients are then one sum, copied."""
    T, B, _ = x.shape
    dx = dh0 = dwih = dwhh = dbih = dbhh = None
    if needs[0]:
        dx = xp.matmul(DGX2, w_ih).reshape(T, B, w_ih.shape[1])
        if reverse:
            dx = xp.ascontiguousarray(dx[::-1])
    if needs[1]:
        dh0 = dh
    if needs[2]:
        dwih = xp.matmul(DGX2.T, _seq(x, reverse))
    if needs[3]:
        dwhh = xp.matmul(DGH2.T, Hb[:-1].reshape(T * B, Hb.shape[2]))
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
    A = xp.matmul(_seq(x, reverse), (w_ih * scale).T).reshape(T, B, 3 * H)
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
        return _gru_b_recorded(xp, g, ins, aux, needs)
    x, _h0, w_ih, w_hh, _b_ih, _b_hh, saved = ins
    A, Hb, HN = saved
    (reverse,) = aux
    gout, ghn = g
    T, B, _ = x.shape
    H = w_hh.shape[0] // 3
    dt = A.dtype
    if reverse and gout is not None:
        gout = gout[::-1]
    R, Z, N = A[..., :H], A[..., H:2 * H], A[..., 2 * H:]
    dn_coef = (1 - Z) * (1 - N * N)
    dz_coef = (Hb[:-1] - N) * Z * (1 - Z)
    dr_coef = HN * R * (1 - R)
    DGX = xp.empty((T, B, 3, H), dtype=dt)
    DGH = xp.empty((T, B, 3, H), dtype=dt)
    dh = xp.zeros((B, H), dtype=dt) if ghn is None else xp.array(ghn, dtype=dt, copy=True)
    tmp = xp.empty((B, H), dtype=dt)
    mul, mm = xp.multiply, xp.matmul
    for k in range(T - 1, -1, -1):
        if gout is not None:
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
    A = xp.matmul(_seq(x, reverse), w_ih.T).reshape(T, B, H)
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
        return _rnn_b_recorded(xp, g, ins, aux, needs)
    x, _h0, w_ih, w_hh, _b_ih, _b_hh, saved = ins
    (Hb,) = saved
    reverse, relu = aux
    gout, ghn = g
    T, B, _ = x.shape
    H = w_hh.shape[0]
    dt = Hb.dtype
    if reverse and gout is not None:
        gout = gout[::-1]
    Hs = Hb[1:]
    D = (Hs > 0).astype(dt) if relu else 1 - Hs * Hs
    DG = xp.empty((T, B, H), dtype=dt)
    dh = xp.zeros((B, H), dtype=dt) if ghn is None else xp.array(ghn, dtype=dt, copy=True)
    for k in range(T - 1, -1, -1):
        if gout is not None:
            dh += gout[k]
        xp.multiply(dh, D[k], out=DG[k])
        xp.matmul(DG[k], w_hh, out=dh)
    DG2 = DG.reshape(T * B, H)
    return _input_weight_grads(xp, x, Hb, dh, w_ih, DG2, DG2, reverse, needs)


def _rnn_tanh_f(xp, x, h0, w_ih, w_hh, b_ih, b_hh, reverse):
    return _rnn_f(xp, x, h0, w_ih, w_hh, b_ih, b_hh, reverse, False)


def _rnn_relu_f(xp, x, h0, w_ih, w_hh, b_ih, b_hh, reverse):
    return _rnn_f(xp, x, h0, w_ih, w_hh, b_ih, b_hh, reverse, True)


# ------------------------------------------------- backpropagation through time under create_graph
# ``xp`` is gradkit's Tensor namespace and ``ins`` are Tensors (or None): every line below is a
# recorded op, so the returned gradients are differentiable functions of the inputs and of ``g``.
# Gate order is PyTorch's: LSTM (i, f, g, o), GRU (r, z, n) with ``b_hn`` inside the ``r *`` term.
def _sigmoid(xp, z):
    return (xp.tanh(z * 0.5) + 1) * 0.5


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _projected(xp, x, w_ih, biases):
    """``x W_ih^T`` plus the given biases, (T, B, gates)."""
    xw = xp.matmul(x, xp.transpose(w_ih))
    for b in biases:
        if b is not None:
            xw = xw + b
    return xw


def _state(xp, s, B, n, like):
    return s if s is not None else xp.zeros((B, n), dtype=like.dtype, like=like)


def _rows(xp, a):
    """(T, B, n) -> (T * B, n)."""
    return xp.reshape(a, (-1, a.shape[-1]))


def _weight_grads_recorded(xp, x, H_prev, dh, w_ih, DGX, DGH, needs):
    """(dx, dh0, dw_ih, dw_hh, db_ih, db_hh) from the per-step gate gradients
    ``DGX`` (input side) and ``DGH`` (hidden side), each (T, B, gates) in time order."""
    dx = xp.matmul(DGX, w_ih) if needs[0] else None
    dh0 = dh if needs[1] else None
    dwih = xp.matmul(xp.transpose(_rows(xp, DGX)), _rows(xp, x)) if needs[2] else None
    dwhh = xp.matmul(xp.transpose(_rows(xp, DGH)), _rows(xp, H_prev)) if needs[3] else None
    dbih = xp.sum(_rows(xp, DGX), axis=0) if needs[4] else None
    dbhh = xp.sum(_rows(xp, DGH), axis=0) if needs[5] else None
    return dx, dh0, dwih, dwhh, dbih, dbhh


def _lstm_b_recorded(xp, g, ins, aux, needs):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = ins[:8]
    (reverse,) = aux
    gout, ghn, gcn = g
    T, B = x.shape[0], x.shape[1]
    H = w_hh.shape[0] // 4
    P = w_hh.shape[1]
    xw = _projected(xp, x, w_ih, (b_ih, b_hh))
    w_hhT = xp.transpose(w_hh)
    w_hrT = xp.transpose(w_hr) if w_hr is not None else None
    h = _state(xp, h0, B, P, x)
    c = _state(xp, c0, B, H, x)
    cache = [None] * T
    for t in _steps(T, reverse):
        pre = xw[t] + xp.matmul(h, w_hhT)
        i = _sigmoid(xp, pre[:, :H])
        f = _sigmoid(xp, pre[:, H:2 * H])
        gg = xp.tanh(pre[:, 2 * H:3 * H])
        o = _sigmoid(xp, pre[:, 3 * H:])
        c_new = f * c + i * gg
        tc = xp.tanh(c_new)
        hr = o * tc
        cache[t] = (h, c, i, f, gg, o, tc, hr)
        h = xp.matmul(hr, w_hrT) if w_hr is not None else hr
        c = c_new
    dh = _state(xp, ghn, B, P, x)
    dc = _state(xp, gcn, B, H, x)
    DG = [None] * T
    DH = [None] * T
    for t in reversed(_steps(T, reverse)):
        h_prev, c_prev, i, f, gg, o, tc, hr = cache[t]
        if gout is not None:
            dh = dh + gout[t]
        DH[t] = dh
        dhr = xp.matmul(dh, w_hr) if w_hr is not None else dh
        dc = dc + dhr * o * (1 - tc * tc)
        dpre = xp.concatenate([dc * gg * i * (1 - i), dc * c_prev * f * (1 - f),
                               dc * i * (1 - gg * gg), dhr * tc * o * (1 - o)], axis=1)
        dc = dc * f
        DG[t] = dpre
        dh = xp.matmul(dpre, w_hh)
    DG = xp.stack(DG, 0)
    H_prev = xp.stack([cache[t][0] for t in range(T)], 0)
    dx, dh0, dwih, dwhh, dbih, dbhh = _weight_grads_recorded(
        xp, x, H_prev, dh, w_ih, DG, DG,
        (needs[0], needs[1], needs[3], needs[4], needs[5], needs[6]))
    dc0 = dc if needs[2] else None
    dwhr = None
    if needs[7]:
        HR = xp.stack([cache[t][7] for t in range(T)], 0)
        dwhr = xp.matmul(xp.transpose(_rows(xp, xp.stack(DH, 0))), _rows(xp, HR))
    return dx, dh0, dc0, dwih, dwhh, dbih, dbhh, dwhr


def _gru_b_recorded(xp, g, ins, aux, needs):
    x, h0, w_ih, w_hh, b_ih, b_hh = ins[:6]
    (reverse,) = aux
    gout, ghn = g
    T, B = x.shape[0], x.shape[1]
    H = w_hh.shape[0] // 3
    xw = _projected(xp, x, w_ih, (b_ih,))
    w_hhT = xp.transpose(w_hh)
    h = _state(xp, h0, B, H, x)
    cache = [None] * T
    for t in _steps(T, reverse):
        gi = xw[t]
        gh = xp.matmul(h, w_hhT)
        if b_hh is not None:
            gh = gh + b_hh
        r = _sigmoid(xp, gi[:, :H] + gh[:, :H])
        z = _sigmoid(xp, gi[:, H:2 * H] + gh[:, H:2 * H])
        hn = gh[:, 2 * H:]
        n = xp.tanh(gi[:, 2 * H:] + r * hn)
        cache[t] = (h, r, z, n, hn)
        h = n + z * (h - n)
    dh = _state(xp, ghn, B, H, x)
    DGX = [None] * T
    DGH = [None] * T
    for t in reversed(_steps(T, reverse)):
        h_prev, r, z, n, hn = cache[t]
        if gout is not None:
            dh = dh + gout[t]
        dpn = dh * (1 - z) * (1 - n * n)
        dpr = dpn * hn * r * (1 - r)
        dpz = dh * (h_prev - n) * z * (1 - z)
        DGX[t] = xp.concatenate([dpr, dpz, dpn], axis=1)
        DGH[t] = xp.concatenate([dpr, dpz, dpn * r], axis=1)
        dh = dh * z + xp.matmul(DGH[t], w_hh)
    H_prev = xp.stack([cache[t][0] for t in range(T)], 0)
    return _weight_grads_recorded(xp, x, H_prev, dh, w_ih, xp.stack(DGX, 0), xp.stack(DGH, 0),
                                  needs)


def _rnn_b_recorded(xp, g, ins, aux, needs):
    x, h0, w_ih, w_hh, b_ih, b_hh = ins[:6]
    reverse, relu = aux
    gout, ghn = g
    T, B = x.shape[0], x.shape[1]
    H = w_hh.shape[0]
    xw = _projected(xp, x, w_ih, (b_ih, b_hh))
    w_hhT = xp.transpose(w_hh)
    h = _state(xp, h0, B, H, x)
    H_prev = [None] * T
    slope = [None] * T  # d h_t / d pre-activation
    for t in _steps(T, reverse):
        H_prev[t] = h
        pre = xw[t] + xp.matmul(h, w_hhT)
        if relu:
            h = xp.maximum(pre, 0)
            slope[t] = xp.astype(h > 0, h.dtype)
        else:
            h = xp.tanh(pre)
            slope[t] = 1 - h * h
    dh = _state(xp, ghn, B, H, x)
    DG = [None] * T
    for t in reversed(_steps(T, reverse)):
        if gout is not None:
            dh = dh + gout[t]
        DG[t] = dh * slope[t]
        dh = xp.matmul(DG[t], w_hh)
    DG = xp.stack(DG, 0)
    return _weight_grads_recorded(xp, x, xp.stack(H_prev, 0), dh, w_ih, DG, DG, needs)


LSTM_LAYER = Op("LSTM", _lstm_f, _lstm_b, saves=0, returns_aux=True, none_grads=True)
GRU_LAYER = Op("GRU", _gru_f, _gru_b, saves=0, returns_aux=True, none_grads=True)
RNN_TANH_LAYER = Op("RNNTanh", _rnn_tanh_f, _rnn_b, saves=0, returns_aux=True, none_grads=True)
RNN_RELU_LAYER = Op("RNNReLU", _rnn_relu_f, _rnn_b, saves=0, returns_aux=True, none_grads=True)

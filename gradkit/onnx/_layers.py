"""Translations of whole layers (``Linear``, ``Conv2d``, ``LSTM``, ``MultiheadAttention``, ...),
in eval-mode semantics. Each converter gets the graph, the module, the call's arguments and the
traced result, appends ONNX nodes and binds the result's tensors."""

from __future__ import annotations

import numpy as np

from ._ops import _np_dtype, axis, gelu, ident, linear, operand, reduce, softmax_dim

LAYERS: dict = {}


def _register(*names):
    def deco(fn):
        for n in names:
            LAYERS[n] = fn
        return fn
    return deco


def _arg(args, kwargs, i, name, default=None):
    if len(args) > i:
        return args[i]
    return kwargs.get(name, default)


def _tuple(v, n):
    return tuple(int(x) for x in v) if isinstance(v, (list, tuple)) else (int(v),) * n


# -- dense and activations ------------------------------------------------------------------
@_register("Linear")
def _linear(g, m, args, kwargs, out):
    x = _arg(args, kwargs, 0, "input")
    g.bind(out, linear(g, g.value(x), x.ndim, m.weight, m.bias))


@_register("Identity", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout")
def _identity(g, m, args, kwargs, out):
    ident(g, g.value(_arg(args, kwargs, 0, "input")), out)


_SIMPLE = {"ReLU": "Relu", "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Softsign": "Softsign",
           "Softplus": None, "ReLU6": None}


@_register("ReLU", "Tanh", "Sigmoid", "Softsign")
def _simple(g, m, args, kwargs, out):
    g.bind(out, g.op(_SIMPLE[type(m).__name__], [g.value(_arg(args, kwargs, 0, "input"))]))


@_register("ReLU6", "Hardtanh")
def _clip(g, m, args, kwargs, out):
    x = _arg(args, kwargs, 0, "input")
    lo, hi = (0.0, 6.0) if type(m).__name__ == "ReLU6" else (m.min_val, m.max_val)
    dtype = _np_dtype(out)
    g.bind(out, g.op("Clip", [g.value(x), g.const(np.asarray(lo, dtype), "min"),
                              g.const(np.asarray(hi, dtype), "max")]))


@_register("Hardswish")
def _hardswish(g, m, args, kwargs, out):
    g.bind(out, g.op("HardSwish", [g.value(_arg(args, kwargs, 0, "input"))]))


@_register("Hardsigmoid")
def _hardsigmoid(g, m, args, kwargs, out):
    g.bind(out, g.op("HardSigmoid", [g.value(_arg(args, kwargs, 0, "input"))],
                     alpha=1.0 / 6.0, beta=0.5))


def _softplus(g, x: str, beta: float, threshold: float, dtype) -> str:
    """PyTorch's softplus: log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    c = lambda v: g.const(np.asarray(v, dtype=dtype), "softplus_c")  # noqa: E731
    bx = g.op("Mul", [x, c(beta)]) if beta != 1 else x
    y = g.op("Softplus", [bx])
    if beta != 1:
        y = g.op("Div", [y, c(beta)])
    return g.op("Where", [g.op("Greater", [bx, c(threshold)]), x, y], hint="softplus")


@_register("Softplus")
def _softplus_layer(g, m, args, kwargs, out):
    x = g.value(_arg(args, kwargs, 0, "input"))
    g.bind(out, _softplus(g, x, float(m.beta), float(m.threshold), _np_dtype(out)))


@_register("Mish")
def _mish(g, m, args, kwargs, out):
    x = g.value(_arg(args, kwargs, 0, "input"))
    sp = _softplus(g, x, 1.0, 20.0, _np_dtype(out))
    g.bind(out, g.op("Mul", [x, g.op("Tanh", [sp])], hint="mish"))


@_register("PReLU")
def _prelu(g, m, args, kwargs, out):
    x = _arg(args, kwargs, 0, "input")
    slope = g.value(m.weight)
    if m.weight.numel() > 1 and x.ndim > 2:  # one slope per channel (dim 1): (C, 1, ..., 1)
        slope = g.op("Reshape", [slope, g.ints([-1] + [1] * (x.ndim - 2))])
    g.bind(out, g.op("PRelu", [g.value(x), slope]))


@_register("GELU")
def _gelu(g, m, args, kwargs, out):
    g.bind(out, gelu(g, g.value(_arg(args, kwargs, 0, "input")), m.approximate,
                     _np_dtype(out)))


@_register("SiLU")
def _silu(g, m, args, kwargs, out):
    x = g.value(_arg(args, kwargs, 0, "input"))
    g.bind(out, g.op("Mul", [x, g.op("Sigmoid", [x])], hint="silu"))


@_register("LeakyReLU")
def _leaky(g, m, args, kwargs, out):
    g.bind(out, g.op("LeakyRelu", [g.value(_arg(args, kwargs, 0, "input"))],
                     alpha=float(m.negative_slope)))


@_register("ELU")
def _elu(g, m, args, kwargs, out):
    g.bind(out, g.op("Elu", [g.value(_arg(args, kwargs, 0, "input"))], alpha=float(m.alpha)))


@_register("Softmax", "LogSoftmax")
def _softmax(g, m, args, kwargs, out):
    x = _arg(args, kwargs, 0, "input")
    op_type = "Softmax" if type(m).__name__ == "Softmax" else "LogSoftmax"
    g.bind(out, g.op(op_type, [g.value(x)], axis=softmax_dim(m.dim, x.ndim)))


@_register("Flatten")
def _flatten(g, m, args, kwargs, out):
    from ._ops import _flatten as flat

    flat(g, "flatten", {"input": _arg(args, kwargs, 0, "input"), "start_dim": m.start_dim,
                        "end_dim": m.end_dim}, out)


@_register("Embedding")
def _embedding(g, m, args, kwargs, out):
    if m.max_norm is not None:
        g.unsupported("Embedding with max_norm (it changes the weight)")
    idx = operand(g, _arg(args, kwargs, 0, "input"), np.dtype(np.int64))
    g.bind(out, g.op("Gather", [g.value(m.weight), idx], axis=0, hint="embedding"))


# -- convolution and pooling ----------------------------------------------------------------
@_register("Conv1d", "Conv2d")
def _conv(g, m, args, kwargs, out):
    x = _arg(args, kwargs, 0, "input")
    nd = 1 if type(m).__name__ == "Conv1d" else 2
    if m.padding_mode != "zeros":
        g.unsupported(f"{type(m).__name__}(padding_mode={m.padding_mode!r})")
    k = _tuple(m.kernel_size, nd)
    d = _tuple(m.dilation, nd)
    if m.padding == "valid":
        pads = (0,) * (2 * nd)
    elif m.padding == "same":
        total = [dd * (kk - 1) for dd, kk in zip(d, k)]
        pads = tuple(t // 2 for t in total) + tuple(t - t // 2 for t in total)
    else:
        p = _tuple(m.padding, nd)
        pads = p + p
    inputs = [g.value(x), g.value(m.weight)]
    if m.bias is not None:
        inputs.append(g.value(m.bias))
    g.bind(out, g.op("Conv", inputs, kernel_shape=list(k), strides=list(_tuple(m.stride, nd)),
                     pads=list(pads), dilations=list(d), group=int(m.groups)))


def max_pool(g, x: str, nd, kernel_size, stride, padding, dilation, ceil_mode) -> str:
    k = _tuple(kernel_size, nd)
    s = k if stride is None or stride == [] or stride == () else _tuple(stride, nd)
    p = _tuple(padding, nd)
    return g.op("MaxPool", [x], kernel_shape=list(k), strides=list(s), pads=list(p + p),
                dilations=list(_tuple(dilation, nd)), ceil_mode=int(bool(ceil_mode)))


def avg_pool(g, x: str, nd, kernel_size, stride, padding, ceil_mode, count_include_pad) -> str:
    k = _tuple(kernel_size, nd)
    s = k if stride is None or stride == [] or stride == () else _tuple(stride, nd)
    p = _tuple(padding, nd)
    return g.op("AveragePool", [x], kernel_shape=list(k), strides=list(s), pads=list(p + p),
                ceil_mode=int(bool(ceil_mode)), count_include_pad=int(bool(count_include_pad)))


@_register("MaxPool1d", "MaxPool2d")
def _max_pool(g, m, args, kwargs, out):
    if m.return_indices:
        g.unsupported(f"{type(m).__name__}(return_indices=True)")
    nd = 1 if type(m).__name__.endswith("1d") else 2
    x = _arg(args, kwargs, 0, "input")
    g.bind(out, max_pool(g, g.value(x), nd, m.kernel_size, m.stride, m.padding, m.dilation,
                         m.ceil_mode))


@_register("AvgPool1d", "AvgPool2d")
def _avg_pool(g, m, args, kwargs, out):
    if getattr(m, "divisor_override", None) is not None:
        g.unsupported(f"{type(m).__name__}(divisor_override=...)")
    nd = 1 if type(m).__name__.endswith("1d") else 2
    x = _arg(args, kwargs, 0, "input")
    g.bind(out, avg_pool(g, g.value(x), nd, m.kernel_size, m.stride, m.padding, m.ceil_mode,
                         m.count_include_pad))


def adaptive_avg_pool(g, x, nd, output_size) -> str:
    """Global average pooling for output 1; an even split (kernel = stride = in / out) where
    the output size divides the input's; anything else cannot be exported."""
    size = _tuple(output_size, nd) if output_size is not None else None
    spatial = tuple(x.shape[-nd:])
    size = tuple(spatial[i] if s is None else s for i, s in enumerate(size))
    xv = g.value(x)
    if all(s == 1 for s in size):
        return g.op("GlobalAveragePool", [xv])
    if all(i % o == 0 for i, o in zip(spatial, size)):
        k = [i // o for i, o in zip(spatial, size)]
        return g.op("AveragePool", [xv], kernel_shape=k, strides=k)
    # any other sizes: each spatial axis is a fixed averaging matrix (PyTorch's bins,
    # floor(i * in / out) to ceil((i + 1) * in / out)); the spatial size is then fixed
    dtype = _np_dtype(x)
    y = xv
    for d in range(nd):
        n_in, n_out = spatial[d], size[d]
        mat = np.zeros((n_in, n_out), dtype=dtype)
        for i in range(n_out):
            lo, hi = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
            mat[lo:hi, i] = 1.0 / (hi - lo)
        ax = x.ndim - nd + d
        perm = list(range(x.ndim))
        perm[ax], perm[-1] = perm[-1], perm[ax]
        y = g.op("Transpose", [y], perm=perm)
        y = g.op("MatMul", [y, g.const(mat, "adaptive_pool")])
        y = g.op("Transpose", [y], perm=perm)
    return y


@_register("AdaptiveAvgPool1d", "AdaptiveAvgPool2d")
def _adaptive(g, m, args, kwargs, out):
    nd = 1 if type(m).__name__.endswith("1d") else 2
    g.bind(out, adaptive_avg_pool(g, _arg(args, kwargs, 0, "input"), nd, m.output_size))


# -- normalisation --------------------------------------------------------------------------
@_register("BatchNorm1d", "BatchNorm2d")
def _batch_norm(g, m, args, kwargs, out):
    x = _arg(args, kwargs, 0, "input")
    if m.running_mean is None:
        g.unsupported(f"{type(m).__name__}(track_running_stats=False), which normalises with "
                      f"each batch's own statistics in eval mode too")
    dtype = _np_dtype(out)
    c = m.num_features
    scale = g.value(m.weight) if m.weight is not None else g.const(np.ones(c, dtype), "ones")
    bias = g.value(m.bias) if m.bias is not None else g.const(np.zeros(c, dtype), "zeros")
    g.bind(out, g.op("BatchNormalization",
                     [g.value(x), scale, bias, g.value(m.running_mean), g.value(m.running_var)],
                     epsilon=float(m.eps)))


def layer_norm(g, x, shape, weight, bias, eps) -> str:
    dtype = _np_dtype(x)
    n = len(shape)
    xv = g.value(x)
    if g.opset >= 17:
        scale = g.value(weight) if weight is not None else g.const(np.ones(shape, dtype), "ones")
        inputs = [xv, scale] + ([g.value(bias)] if bias is not None else [])
        return g.op("LayerNormalization", inputs, axis=-n, epsilon=eps)
    axes = list(range(x.ndim - n, x.ndim))
    centred = g.op("Sub", [xv, reduce(g, "ReduceMean", xv, axes, True)])
    var = reduce(g, "ReduceMean", g.op("Mul", [centred, centred]), axes, True)
    y = g.op("Div", [centred, g.op("Sqrt", [g.op("Add", [var, g.const(np.asarray(eps, dtype))])])])
    if weight is not None:
        y = g.op("Mul", [y, g.value(weight)])
    if bias is not None:
        y = g.op("Add", [y, g.value(bias)])
    return y


@_register("LayerNorm")
def _layer_norm(g, m, args, kwargs, out):
    x = _arg(args, kwargs, 0, "input")
    g.bind(out, layer_norm(g, x, tuple(m.normalized_shape), m.weight,
                           getattr(m, "bias", None), float(m.eps)))


# -- recurrent ------------------------------------------------------------------------------
_GATES = {"LSTM": (4, [0, 3, 1, 2]),  # PyTorch i, f, g, o -> ONNX i, o, f, c
          "GRU": (3, [1, 0, 2]),  # PyTorch r, z, n -> ONNX z, r, h
          "RNN": (1, [0])}


def _regate(w: np.ndarray, kind: str) -> np.ndarray:
    n, order = _GATES[kind]
    parts = np.split(w, n, axis=0)
    return np.concatenate([parts[i] for i in order], axis=0)


@_register("LSTM", "GRU", "RNN")
def _rnn(g, m, args, kwargs, out):
    kind = type(m).__name__
    if getattr(m, "proj_size", 0):
        g.unsupported(f"{kind}(proj_size={m.proj_size})")
    x = _arg(args, kwargs, 0, "input")
    hx = _arg(args, kwargs, 1, "hx")
    from gradkit import Tensor

    if not isinstance(x, Tensor):
        g.unsupported(f"{kind} on a {type(x).__name__} (pass a padded tensor)")
    if x.ndim != 3:
        g.unsupported(f"{kind} on an unbatched (2-D) input")
    H, L = m.hidden_size, m.num_layers
    dirs = 2 if m.bidirectional else 1
    dtype = _np_dtype(out[0])
    h0 = c0 = None
    if hx is not None:
        h0, c0 = (hx if kind == "LSTM" else (hx, None))
    seq = g.value(x)
    if m.batch_first:
        seq = g.op("Transpose", [seq], perm=[1, 0, 2])
    hs, cs = [], []
    attrs = {"hidden_size": H, "direction": "bidirectional" if dirs == 2 else "forward"}
    if kind == "GRU":
        attrs["linear_before_reset"] = 1
    if kind == "RNN":
        attrs["activations"] = ["Tanh" if m.nonlinearity == "tanh" else "Relu"] * dirs
    n_gates = _GATES[kind][0]
    for layer in range(L):
        Ws, Rs, Bs = [], [], []
        for d in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w_ih = getattr(m, "weight_ih" + sfx).detach().cpu().numpy()
            w_hh = getattr(m, "weight_hh" + sfx).detach().cpu().numpy()
            Ws.append(_regate(w_ih, kind))
            Rs.append(_regate(w_hh, kind))
            if m.bias:
                b_ih = getattr(m, "bias_ih" + sfx).detach().cpu().numpy()
                b_hh = getattr(m, "bias_hh" + sfx).detach().cpu().numpy()
                Bs.append(np.concatenate([_regate(b_ih, kind), _regate(b_hh, kind)]))
            else:
                Bs.append(np.zeros(2 * n_gates * H, dtype))
        inputs = [seq, g.const(np.stack(Ws), f"W_l{layer}"), g.const(np.stack(Rs), f"R_l{layer}"),
                  g.const(np.stack(Bs), f"B_l{layer}"), ""]
        sl = slice(layer * dirs, (layer + 1) * dirs)
        inputs.append("" if h0 is None else g.op(
            "Slice", [g.value(h0), g.ints([sl.start]), g.ints([sl.stop]), g.ints([0])]))
        if kind == "LSTM":
            inputs.append("" if c0 is None else g.op(
                "Slice", [g.value(c0), g.ints([sl.start]), g.ints([sl.stop]), g.ints([0])]))
        while inputs and inputs[-1] == "":
            inputs.pop()
        n_out = 3 if kind == "LSTM" else 2
        outs = g.op(kind, inputs, n_out=n_out, hint=kind.lower(), **attrs)
        y = outs[0]  # (seq, dirs, batch, H)
        hs.append(outs[1])
        if kind == "LSTM":
            cs.append(outs[2])
        y = g.op("Transpose", [y], perm=[0, 2, 1, 3])
        seq = g.op("Reshape", [y, g.ints([0, 0, dirs * H])])
    if m.batch_first:
        seq = g.op("Transpose", [seq], perm=[1, 0, 2])
    output, state = out
    g.bind(output, seq if seq != g.value(x) else g.op("Identity", [seq]))
    h_n = hs[0] if L == 1 else g.op("Concat", hs, axis=0)
    if kind == "LSTM":
        c_n = cs[0] if L == 1 else g.op("Concat", cs, axis=0)
        g.bind(state[0], h_n)
        g.bind(state[1], c_n)
    else:
        g.bind(state, h_n)


# -- attention ------------------------------------------------------------------------------
def _mask_value(g, mask, dtype):
    """An additive float mask (a bool mask: True -> -inf)."""
    from gradkit import Tensor

    if mask is None:
        return None
    if isinstance(mask, Tensor) and g.name_of(mask) is None and mask.grad_fn is None:
        g.frozen(mask, "attn_mask_src")
        arr = mask.detach().cpu().numpy()
        if arr.dtype == bool:
            arr = np.where(arr, -np.inf, 0.0)
        return g.const(arr.astype(dtype), "attn_mask")
    if mask.is_floating_point():
        return operand(g, mask, dtype)
    return g.op("Where", [operand(g, mask, np.dtype(bool)),
                          g.const(np.asarray(-np.inf, dtype)), g.const(np.asarray(0, dtype))])


def attention(g, m, q, k, v, batch_first, ndim, attn_mask, key_padding_mask, need_weights,
              average, dtype):
    """Multi-head attention in ONNX operations; returns (output, weights or None)."""
    E, nh = m.embed_dim, m.num_heads
    hd = E // nh
    names = []
    for t in (q, k, v):
        name = g.value(t)
        if ndim == 2:
            name = g.op("Unsqueeze", [name, g.ints([0], "axes")])
        elif not batch_first:
            name = g.op("Transpose", [name], perm=[1, 0, 2])  # -> (N, L, E)
        names.append(name)
    if getattr(m, "in_proj_weight", None) is not None:
        w = m.in_proj_weight.detach().cpu().numpy()
        ws = [w[:E], w[E:2 * E], w[2 * E:]]
    else:
        ws = [getattr(m, f"{p}_proj_weight").detach().cpu().numpy() for p in "qkv"]
    bs = [None] * 3
    if getattr(m, "in_proj_bias", None) is not None:
        b = m.in_proj_bias.detach().cpu().numpy()
        bs = [b[:E], b[E:2 * E], b[2 * E:]]
    heads = []
    for i, (name, w, b) in enumerate(zip(names, ws, bs)):
        y = g.op("MatMul", [name, g.const(np.ascontiguousarray(w.T), "qkv"[i] + "_weight")])
        if b is not None:
            y = g.op("Add", [y, g.const(b, "qkv"[i] + "_bias")])
        y = g.op("Reshape", [y, g.ints([0, 0, nh, hd])])
        heads.append(g.op("Transpose", [y], perm=[0, 2, 3, 1] if i == 1 else [0, 2, 1, 3]))
    scores = g.op("Mul", [g.op("MatMul", [heads[0], heads[1]]),
                          g.const(np.asarray(1.0 / np.sqrt(hd), dtype), "scale")])
    mask = _mask_value(g, attn_mask, dtype)
    if mask is not None:
        if attn_mask.ndim == 3:  # (N * heads, L, S)
            mask = g.op("Reshape", [mask, g.ints([-1, nh] + list(attn_mask.shape[1:]))])
        scores = g.op("Add", [scores, mask])
    kpm = _mask_value(g, key_padding_mask, dtype)
    if kpm is not None:  # (N, S) -> (N, 1, 1, S)
        scores = g.op("Add", [scores, g.op("Unsqueeze", [kpm, g.ints([1, 2], "axes")])])
    weights = g.op("Softmax", [scores], axis=-1)
    y = g.op("MatMul", [weights, heads[2]])  # (N, nh, L, hd)
    y = g.op("Reshape", [g.op("Transpose", [y], perm=[0, 2, 1, 3]), g.ints([0, 0, E])])
    y = linear(g, y, 3, m.out_proj.weight, m.out_proj.bias)
    if ndim == 2:
        y = g.op("Squeeze", [y, g.ints([0], "axes")])
    elif not batch_first:
        y = g.op("Transpose", [y], perm=[1, 0, 2])
    if not need_weights:
        return y, None
    if average:
        weights = reduce(g, "ReduceMean", weights, [1], False)
    if ndim == 2:
        weights = g.op("Squeeze", [weights, g.ints([0], "axes")])
    return y, weights


@_register("MultiheadAttention")
def _mha(g, m, args, kwargs, out):
    if m.bias_k is not None or m.add_zero_attn:
        g.unsupported("MultiheadAttention with add_bias_kv or add_zero_attn")
    q = _arg(args, kwargs, 0, "query")
    k = _arg(args, kwargs, 1, "key")
    v = _arg(args, kwargs, 2, "value")
    kpm = _arg(args, kwargs, 3, "key_padding_mask")
    need_weights = _arg(args, kwargs, 4, "need_weights", True)
    attn_mask = _arg(args, kwargs, 5, "attn_mask")
    average = _arg(args, kwargs, 6, "average_attn_weights", True)
    dtype = _np_dtype(out[0])
    y, w = attention(g, m, q, k, v, m.batch_first, q.ndim, attn_mask, kpm, need_weights,
                     average, dtype)
    g.bind(out[0], y)
    if w is not None and out[1] is not None:
        g.bind(out[1], w)


__all__ = ["LAYERS", "adaptive_avg_pool", "attention", "avg_pool", "axis", "layer_norm",
           "max_pool"]

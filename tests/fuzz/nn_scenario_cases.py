"""The nn fuzzer's cases, part four: scenarios, calls that one function or one module call
cannot express. Each is an ``F`` case whose ``fn(lib, F, *args, **kwargs)`` runs the whole
scenario in one library and returns what is compared:

- ``grad2:NAME``: double backward through ``F.NAME`` (its float64 arguments from the first
  series' generator): ``autograd.grad(create_graph=True)`` of a smooth function of the output,
  returned, so that the fuzzer's gradient of the result is the second derivative;
- ``BatchNorm:twice`` / ``InstanceNorm:twice``: a module called twice in training mode and once
  in evaluation mode (running statistics, ``momentum=None``'s cumulative average,
  ``num_batches_tracked``);
- ``rnn:packed``: ``pack_padded_sequence(enforce_sorted=False)`` through an RNN/LSTM/GRU and
  ``pad_packed_sequence`` back, and ``pad_sequence``/``pack_sequence`` round trips;
- ``MultiheadAttention:masks``: float and bool ``key_padding_mask``, ``is_causal`` with its
  mask, ``kdim``/``vdim``, ``add_bias_kv``, ``add_zero_attn``, averaged or per-head weights;
- ``Transformer:masks``: ``nn.Transformer``, ``TransformerEncoder``/``Decoder`` stacks with
  causal and padding masks, in training and evaluation mode;
- ``grad2m:NAME``: double backward through a module (``nn_module_cases.MODULES``' arguments in
  float64) with respect to its inputs and parameters, in training or evaluation mode;
- ``Lazy:modules``: a ``Lazy*`` linear, convolution or norm sized by a first call, its
  parameters then set, called again (its output, parameters and buffers compared);
- ``inplace:modules``: activations and dropouts (evaluation mode) with ``inplace=True`` on a
  non-leaf, once or twice.

Module parameters are set from a fixed generator by name in both libraries. Drawn from case
index ``SCENARIOS_FROM`` on, for a share ``SCENARIOS_SHARE`` of the indices the other series
leave, by a stream of their own (the ``[seed, i, 3]`` generator)."""

from __future__ import annotations

import numpy as np

try:
    from . import nn_module_cases as mc
    from .nn_cases import FUNCTIONAL, Gen, NArr, NNCase
except ImportError:  # run as a script
    import nn_module_cases as mc
    from nn_cases import FUNCTIONAL, Gen, NArr, NNCase

__all__ = ["SCENARIOS", "SCENARIOS_FROM", "SCENARIOS_SHARE", "scenario_case", "scenario_name"]

SCENARIOS_FROM, SCENARIOS_SHARE = 300, 0.08


def _is_tensor(lib, v):
    return isinstance(v, lib.Tensor)


def _fill_params(lib, m, seed):
    """Every parameter of ``m`` from one generator, by sorted name (the same in both
    libraries), scaled like a default initialisation."""
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for _name, p in sorted(m.named_parameters(), key=lambda kv: kv[0]):
            a = rng.standard_normal(tuple(p.shape)) * 0.5
            p.copy_(lib.tensor(a).to(p.dtype))
    return m


# ------------------------------------------------------------------ double backward
GRAD2 = ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "linear", "bilinear",
         "batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
         "scaled_dot_product_attention", "cross_entropy", "nll_loss", "mse_loss",
         "smooth_l1_loss", "huber_loss", "binary_cross_entropy_with_logits", "kl_div",
         "softmax", "log_softmax", "gelu", "silu", "elu", "softplus", "mish", "logsigmoid",
         "avg_pool1d", "avg_pool2d", "max_pool2d", "interpolate", "pad", "embedding",
         "cosine_similarity", "normalize", "pairwise_distance", "pixel_shuffle", "unfold",
         "fold", "local_response_norm", "poisson_nll_loss", "gaussian_nll_loss",
         "triplet_margin_loss", "margin_ranking_loss", "soft_margin_loss", "glu", "hardswish",
         "celu", "selu", "tanhshrink", "softsign", "cosine_embedding_loss",
         # (a second series, appended so the first keeps its draws)
         "conv3d", "conv_transpose3d", "max_pool1d", "max_pool3d", "avg_pool3d",
         "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "lp_pool2d",
         "l1_loss", "binary_cross_entropy", "hinge_embedding_loss", "multi_margin_loss",
         "multilabel_soft_margin_loss", "multilabel_margin_loss", "leaky_relu", "hardtanh",
         "relu6", "hardsigmoid", "softmin", "prelu", "affine_grid", "grid_sample",
         "embedding_bag", "pixel_unshuffle", "threshold", "hardshrink", "softshrink", "relu",
         "sigmoid", "tanh", "upsample", "channel_shuffle")


def _grad2(name):
    def gen(g):
        g.fd = "float64"
        args, kwargs = FUNCTIONAL[name](g)
        kwargs.pop("dtype", None)  # (a float32 softmax would round the float64 derivatives)

        def fn(L, F, *a, **k):
            ins, a2, k2 = [], [], {}
            for j, v in enumerate(a):  # (running statistics are not differentiable)
                stats = name in ("batch_norm", "instance_norm") and j in (1, 2)
                a2.append(v if stats else _leaf(L, v, ins))
            for key, v in k.items():  # (nor are the class weights of these two losses)
                fixed = key in ("running_mean", "running_var") or key == "weight" and name in (
                    "binary_cross_entropy", "multi_margin_loss")
                k2[key] = v if fixed else _leaf(L, v, ins)
            out = getattr(F, name)(*a2, **k2)
            outs = out if isinstance(out, (tuple, list)) else (out,)
            outs = [o for o in outs if _is_tensor(L, o) and o.is_floating_point()]
            if not ins or not outs:
                return tuple(outs)
            s = sum(((o * o).sum() + o.sin().sum()) for o in outs)  # smooth, with curvature
            gs = L.autograd.grad(s, ins, create_graph=True, allow_unused=True)
            return tuple(L.zeros_like(x) if d is None else d for x, d in zip(ins, gs))
        return args, kwargs, fn
    return gen


def _leaf(L, v, ins):
    """A float64 tensor argument as a differentiable input (itself where it already records,
    else a detached copy that does), collected in ``ins``."""
    if _is_tensor(L, v) and v.dtype == L.float64:
        if not v.requires_grad:
            v = v.detach().requires_grad_(True)
        ins.append(v)
    return v


# ------------------------------------------------------------------ modules' double backward
GRAD2_MODULES = ("Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
                 "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "RMSNorm",
                 "GroupNorm", "InstanceNorm1d", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell",
                 "GRUCell", "MultiheadAttention", "TransformerEncoderLayer", "Embedding",
                 "PReLU")


def _outputs(L, out):
    """The floating tensors of a module's (nested) output."""
    if isinstance(out, (tuple, list)):
        return [o for v in out for o in _outputs(L, v)]
    return [out] if _is_tensor(L, out) and out.is_floating_point() else []


def _grad2_module(name):
    def gen(g):
        g.fd = "float64"
        ctor, ckw, args, kwargs = mc.MODULES[name](g)
        if name == "MultiheadAttention":  # (PyTorch's fused path has no double backward)
            kwargs["need_weights"] = True
        train = bool(g.r() < 0.5)

        def fn(L, F, *a, **k):
            m = _fill_params(L, getattr(L.nn, name)(*ctor, **ckw), 13).double().train(train)
            ins = []
            a2 = [_leaf(L, v, ins) for v in a]
            params = [p for _, p in sorted(m.named_parameters(), key=lambda kv: kv[0])]
            outs = _outputs(L, m(*a2, **k))
            if not outs:
                return ()
            s = sum(((o * o).sum() + o.sin().sum()) for o in outs)
            wrt = ins + params
            gs = L.autograd.grad(s, wrt, create_graph=True, allow_unused=True)
            return tuple(L.zeros_like(x) if d is None else d for x, d in zip(wrt, gs))
        return args, kwargs, fn
    return gen


# ------------------------------------------------------------------ lazy modules
LAZY = ("LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
        "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
        "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d")


def _lazy(g):
    kind = g.pick(LAZY)
    nd = int(kind[-2]) if kind[-1] == "d" else 1
    b, c = g.i(1, 3), g.i(1, 3)
    ctor, ckw = [], {}
    if kind == "LazyLinear":
        shape = (b,) + g.spatial(g.i(0, 1), 1, 3) + (c,)
        ctor, ckw = [g.i(1, 3)], {"bias": bool(g.r() < 0.7)}
    elif "Conv" in kind:
        shape = (b, c) + g.spatial(nd, 3, 5)
        ctor = [g.i(1, 3), g.i(1, 3)]
        ckw = {"stride": g.i(1, 2), "padding": g.i(0, 1), "bias": bool(g.r() < 0.7)}
    else:
        shape = (max(b, 2), c) + g.spatial(nd if "Batch" not in kind or nd > 1 else g.i(0, 1),
                                           2, 4)
        ckw = {"affine": bool(g.r() < 0.6), "track_running_stats": bool(g.r() < 0.6),
               "momentum": g.pick((0.1, None))}
    train = bool(g.r() < 0.6)
    xs = [g.x(*shape, dtype="float64") for _ in range(2)]

    def fn(L, F, x1, x2):
        m = getattr(L.nn, kind)(*ctor, dtype=L.float64, **ckw).train(train)
        with L.no_grad():
            m(x1)  # (the first call sizes the parameters)
        _fill_params(L, m, 17)
        y = m(x2)
        named = sorted(list(m.named_parameters()) + list(m.named_buffers()),
                       key=lambda kv: kv[0])
        return (y,) + tuple(t for _, t in named if t is not None and t.is_floating_point())
    return xs, {}, fn


# ------------------------------------------------------------------ in-place modules
INPLACE = {"ReLU": [], "ReLU6": [], "LeakyReLU": [0.2], "ELU": [0.7], "CELU": [1.3],
           "SELU": [], "SiLU": [], "Mish": [], "Hardswish": [], "Hardsigmoid": [],
           "Hardtanh": [-0.5, 0.8], "Threshold": [0.1, -2.0], "RReLU": [],
           "Dropout": [0.5], "AlphaDropout": [0.5], "FeatureAlphaDropout": [0.5],
           "Dropout1d": [0.5], "Dropout2d": [0.5], "Dropout3d": [0.5]}


def _inplace(g):
    kind = g.pick(sorted(INPLACE))
    nd = {"Dropout1d": 3, "Dropout2d": 4, "Dropout3d": 5, "FeatureAlphaDropout": 4}.get(
        kind, g.i(1, 4))
    x = g.x(*g.spatial(nd, 1, 4), dtype="float64", scale=2.0)
    twice = bool(g.r() < 0.3)

    def fn(L, F, x):
        m = getattr(L.nn, kind)(*INPLACE[kind], inplace=True).eval()  # (eval: no randomness)
        y = x * 1.0
        z = m(y)
        if twice:  # (a second in-place pass over the same buffer)
            z = m(z * 2.0)
        return z, y
    return [x], {}, fn


# ------------------------------------------------------------------ stateful modules
def _norm_twice(kind):
    def gen(g):
        nd = g.i(1, 2)
        cls = f"{kind}{nd}d"
        c = g.i(1, 3)
        ckw = {"momentum": g.pick((None, 0.1, 0.5)), "affine": bool(g.r() < 0.5),
               "track_running_stats": bool(g.r() < 0.8 if kind == "BatchNorm" else True)}
        if g.r() < 0.3:
            ckw["eps"] = g.pick((1e-3, 0.5))
        spatial = (g.i(2, 4),) * nd
        if kind == "BatchNorm" and nd == 1 and g.r() < 0.4:
            spatial = ()
        shape = (g.i(2, 3), c) + spatial
        dt = g.pick(("float64", "float64", "float32"))
        xs = [g.x(*shape, dtype=dt, scale=g.pick((1.0, 3.0))) for _ in range(3)]

        def fn(L, F, x1, x2, x3):
            m = _fill_params(L, getattr(L.nn, cls)(c, **ckw), 7).to(getattr(L, dt))
            m.train()
            y1 = m(x1)
            y2 = m(x2)
            m.eval()
            y3 = m(x3)
            bufs = tuple(b for _, b in sorted(m.named_buffers()) if b is not None)
            return (y1, y2, y3) + bufs
        return xs, {}, fn
    return gen


# ------------------------------------------------------------------ packed sequences
def _packed(g):
    kind = g.pick(("RNN", "LSTM", "GRU"))
    b, t, i, h = g.i(1, 4), g.i(1, 4), g.i(1, 3), g.i(1, 3)
    bf = bool(g.r() < 0.5)
    ckw = {"num_layers": g.i(1, 2), "bidirectional": bool(g.r() < 0.5), "batch_first": bf}
    lengths = [g.i(1, t) for _ in range(b)]
    lengths[g.i(0, b - 1)] = t
    x = g.x(*((b, t, i) if bf else (t, b, i)), dtype="float64")
    lens = NArr(np.array(lengths, dtype=np.int64))
    sorted_ = bool(g.r() < 0.2)
    if sorted_:
        lens.a = np.sort(lens.a)[::-1].copy()
    mode = g.pick(("rnn", "rnn", "pad_sequence", "pack_sequence"))

    def fn(L, F, x, lens):
        U = L.nn.utils.rnn
        if mode == "pad_sequence":
            seqs = [x[j, :int(n)] if bf else x[:int(n), j] for j, n in enumerate(lens.tolist())]
            return U.pad_sequence(seqs, batch_first=bf, padding_value=-1.0)
        if mode == "pack_sequence":
            seqs = [x[j, :int(n)] if bf else x[:int(n), j] for j, n in enumerate(lens.tolist())]
            p = U.pack_sequence(seqs, enforce_sorted=sorted_)
            out, n = U.pad_packed_sequence(p, batch_first=bf, total_length=t + 1)
            return out, n, p.data, p.batch_sizes
        m = _fill_params(L, getattr(L.nn, kind)(i, h, **ckw), 3).double()
        p = U.pack_padded_sequence(x, lens, batch_first=bf, enforce_sorted=sorted_)
        out, hn = m(p)
        padded, n = U.pad_packed_sequence(out, batch_first=bf)
        hs = hn if isinstance(hn, tuple) else (hn,)
        return (padded, n, out.data, out.batch_sizes) + hs
    return [x, lens], {}, fn


# ------------------------------------------------------------------ attention
def _mha_masks(g):
    e, heads = g.pick(((4, 2), (4, 1), (6, 3)))
    ckw = {"bias": bool(g.r() < 0.8), "add_bias_kv": bool(g.r() < 0.3),
           "add_zero_attn": bool(g.r() < 0.3), "batch_first": bool(g.r() < 0.5)}
    if g.r() < 0.4:
        ckw["kdim"], ckw["vdim"] = g.pick(((3, 3), (3, 2), (5, 2)))
    lq, lk, b = g.i(1, 3), g.i(1, 3), g.i(1, 2)
    bf = ckw["batch_first"]

    def seq(n, d):
        return g.x(*((b, n, d) if bf else (n, b, d)), dtype="float64")
    q, k, v = seq(lq, e), seq(lk, ckw.get("kdim", e)), seq(lk, ckw.get("vdim", e))
    kw = {"need_weights": bool(g.r() < 0.7)}
    if kw["need_weights"]:
        kw["average_attn_weights"] = bool(g.r() < 0.5)
    pad = g.rng.random((b, lk)) < 0.3
    pad[:, 0] = False  # (a row of only padding is NaN in both)
    r = g.r()
    if r < 0.35:
        kw["key_padding_mask"] = NArr(pad)
    elif r < 0.7:
        kw["key_padding_mask"] = NArr(np.where(pad, -np.inf, 0.0).astype(np.float64))
    r = g.r()
    if r < 0.3 and lq == lk and not (ckw["add_bias_kv"] or ckw["add_zero_attn"]):
        # (is_causal is a hint that attn_mask is causal: the bias_kv / zero_attn columns
        # appended to it make it not, and torch then computes another mask)
        kw["attn_mask"] = NArr(np.triu(np.ones((lq, lk), bool), 1))
        kw["is_causal"] = True
        kw.pop("key_padding_mask", None)  # (is_causal is a hint to the fused path only)
    elif r < 0.6:
        kw["attn_mask"] = NArr(g.rng.standard_normal((lq, lk)))

    def fn(L, F, q, k, v, **kw):
        m = _fill_params(L, L.nn.MultiheadAttention(e, heads, **ckw), 5).double()
        return m(q, k, v, **kw)
    return [q, k, v], kw, fn


def _transformer(g):
    which = g.pick(("Transformer", "TransformerEncoder", "TransformerDecoder"))
    d, heads = g.pick(((4, 2), (4, 1), (6, 3)))
    bf = bool(g.r() < 0.5)
    lkw = {"dim_feedforward": g.i(2, 6), "dropout": 0.0, "batch_first": bf,
           "activation": g.pick(("relu", "gelu")), "norm_first": bool(g.r() < 0.4)}
    s, t, b = g.i(1, 4), g.i(1, 4), g.i(1, 2)
    train = bool(g.r() < 0.5)

    def seq(n):
        return g.x(*((b, n, d) if bf else (n, b, d)), dtype="float64")
    src, tgt = seq(s), seq(t)
    kw = {}
    causal = np.triu(np.full((t, t), -np.inf), 1)
    if g.r() < 0.5:
        kw["tgt_mask" if which != "TransformerEncoder" else "mask"] = NArr(
            causal if which != "TransformerEncoder" else np.triu(np.full((s, s), -np.inf), 1))
    pad = g.rng.random((b, s)) < 0.3
    pad[:, 0] = False
    if g.r() < 0.4:
        key = {"Transformer": "src_key_padding_mask", "TransformerEncoder":
               "src_key_padding_mask", "TransformerDecoder": "memory_key_padding_mask"}[which]
        kw[key] = NArr(pad)
    layers = g.i(1, 2)
    final_norm = bool(g.r() < 0.5)

    def fn(L, F, src, tgt, **kw):
        nn = L.nn
        if which == "Transformer":
            m = nn.Transformer(d, heads, num_encoder_layers=layers, num_decoder_layers=layers,
                               **lkw)
        elif which == "TransformerEncoder":
            m = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, heads, **lkw), layers,
                                      norm=nn.LayerNorm(d) if final_norm else None,
                                      enable_nested_tensor=False)
        else:
            m = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, heads, **lkw), layers,
                                      norm=nn.LayerNorm(d) if final_norm else None)
        m = _fill_params(L, m, 11).double().train(train)
        if which == "Transformer":
            return m(src, tgt, **kw)
        if which == "TransformerEncoder":
            return m(src, **kw)
        return m(tgt, src, **kw)
    return [src, tgt], kw, fn


SCENARIOS = {
    **{f"grad2:{n}": _grad2(n) for n in GRAD2},
    "BatchNorm:twice": _norm_twice("BatchNorm"),
    "InstanceNorm:twice": _norm_twice("InstanceNorm"),
    "rnn:packed": _packed,
    "MultiheadAttention:masks": _mha_masks,
    "Transformer:masks": _transformer,
    **{f"grad2m:{n}": _grad2_module(n) for n in GRAD2_MODULES},
    "Lazy:modules": _lazy,
    "inplace:modules": _inplace,
}
# the scenarios of modules weigh as much as all the double backward ones (of functions and
# of modules) together
_GRAD2 = sorted(n for n in SCENARIOS if n.startswith(("grad2:", "grad2m:")))
_NAMES = sorted(n for n in SCENARIOS if not n.startswith(("grad2:", "grad2m:")))
_NAMES = _NAMES * max(1, len(_GRAD2) // len(_NAMES)) + _GRAD2


def _draw(seed, i):
    if i < SCENARIOS_FROM:
        return None
    rng = np.random.default_rng([seed, i, 3])
    if rng.random() >= SCENARIOS_SHARE:
        return None
    return _NAMES[int(rng.integers(len(_NAMES)))], rng


def scenario_name(seed, i):
    """The scenario drawn at index ``i`` (whether or not another series takes it), or None."""
    drawn = _draw(seed, i)
    return drawn and drawn[0]


def scenario_case(seed, i):
    """The scenario case at index ``i``, or None (see the module docstring)."""
    drawn = _draw(seed, i)
    if drawn is None:
        return None
    name, rng = drawn
    args, kwargs, fn = SCENARIOS[name](Gen(rng))
    return NNCase("F", name, args, kwargs, fn=fn)

"""The nn fuzzer's cases, part two: the generators of each module's constructor and forward
arguments (``MODULES``), the mutations and ``make_case`` (part one: ``nn_cases.py``)."""

from __future__ import annotations

import numpy as np

try:
    from . import fuzzer as fz
except ImportError:  # run as a script
    import fuzzer as fz

import gradkit as gk

try:
    from .nn_cases import (
        FUNCTIONAL,
        FUNCTIONS_FN,
        MUT_DTYPES,
        RANDOM_F,
        Gen,
        NArr,
        NNCase,
        _embedding_bag,
        _scalar,
        functional_names,
    )
except ImportError:  # run as a script
    from nn_cases import (
        FUNCTIONAL,
        FUNCTIONS_FN,
        MUT_DTYPES,
        RANDOM_F,
        Gen,
        NArr,
        NNCase,
        _embedding_bag,
        _scalar,
        functional_names,
    )

torch = fz.torch

# ------------------------------------------------------------------ modules
def _m_conv(nd, transposed):
    def gen(g):
        groups = g.pick((1, 1, 2))
        cin, cout = groups * g.i(1, 2), groups * g.i(1, 2)
        ckw = {"stride": g.tup(nd, 1, 2), "padding": g.tup(nd, 0, 1), "groups": groups,
               "bias": bool(g.r() < 0.7)}
        if g.r() < 0.3:
            ckw["dilation"] = g.tup(nd, 1, 2)
        if transposed and g.r() < 0.3:
            ckw["output_padding"] = 0
        if not transposed and g.r() < 0.3:
            ckw["padding_mode"] = g.pick(("zeros", "reflect", "replicate", "circular"))
        x = g.x(g.i(1, 2), cin, *g.spatial(nd, 3, 5)) if g.r() < 0.85 \
            else g.x(cin, *g.spatial(nd, 3, 5))
        return [cin, cout, g.tup(nd, 1, 3)], ckw, [x], {}
    return gen


def _m_rnn(kind):
    def gen(g):
        i, h = g.i(1, 3), g.i(1, 3)
        ckw = {"num_layers": g.i(1, 2), "bias": bool(g.r() < 0.8),
               "batch_first": bool(g.r() < 0.5), "bidirectional": bool(g.r() < 0.4)}
        if kind == "RNN" and g.r() < 0.4:
            ckw["nonlinearity"] = "relu"
        if kind == "LSTM" and g.r() < 0.2:
            ckw["proj_size"] = g.i(1, h)
        t, b = g.i(1, 3), g.i(1, 2)
        batched = g.r() < 0.85
        shape = ((b, t, i) if ckw["batch_first"] else (t, b, i)) if batched else (t, i)
        args = [g.x(*shape)]
        if g.r() < 0.4:
            d = ckw["num_layers"] * (2 if ckw["bidirectional"] else 1)
            hr = ckw.get("proj_size") or h
            hs = (d, b, hr) if batched else (d, hr)
            h0 = g.x(*hs)
            if kind == "LSTM":
                h0 = (h0, g.x(*((d, b, h) if batched else (d, h))))
            args.append(h0)
        return [i, h], ckw, args, {}
    return gen


def _m_cell(kind):
    def gen(g):
        i, h, b = g.i(1, 3), g.i(1, 3), g.i(1, 3)
        ckw = {"bias": bool(g.r() < 0.8)}
        if kind == "RNNCell" and g.r() < 0.4:
            ckw["nonlinearity"] = "relu"
        batched = g.r() < 0.85
        args = [g.x(b, i) if batched else g.x(i)]
        if g.r() < 0.5:
            hs = (b, h) if batched else (h,)
            args.append((g.x(*hs), g.x(*hs)) if kind == "LSTMCell" else g.x(*hs))
        return [i, h], ckw, args, {}
    return gen


def _m_mha(g):
    e, h = g.pick(((4, 2), (4, 1), (6, 3), (2, 2)))
    ckw = {"bias": bool(g.r() < 0.8), "add_bias_kv": bool(g.r() < 0.2),
           "add_zero_attn": bool(g.r() < 0.2), "batch_first": bool(g.r() < 0.5)}
    kdim = g.pick((None, None, 3))
    if kdim:
        ckw["kdim"], ckw["vdim"] = kdim, g.pick((kdim, 2))
    lq, lk, b = g.i(1, 3), g.i(1, 3), g.i(1, 2)
    bf = ckw["batch_first"]
    batched = g.r() < 0.85

    def seq(ln, d):
        return g.x(*((b, ln, d) if bf else (ln, b, d))) if batched else g.x(ln, d)
    q = seq(lq, e)
    k = seq(lk, ckw.get("kdim", e))
    v = seq(lk, ckw.get("vdim", e))
    kw = {"need_weights": bool(g.r() < 0.6)}
    if kw["need_weights"] and g.r() < 0.4:
        kw["average_attn_weights"] = False
    if g.r() < 0.3:
        kw["key_padding_mask"] = NArr(g.rng.random((b, lk) if batched else (lk,)) < 0.3)
    if g.r() < 0.3:
        kw["attn_mask"] = g.x(lq, lk, grad=False) if g.r() < 0.5 \
            else NArr(g.rng.random((lq, lk)) < 0.3)
    return [e, h], ckw, [q, k, v], kw


def _m_transformer(decoder):
    def gen(g):
        d, h = g.pick(((4, 2), (4, 1), (6, 3)))
        ckw = {"dim_feedforward": g.i(2, 6), "dropout": 0.0,
               "activation": g.pick(("relu", "gelu")), "batch_first": bool(g.r() < 0.5),
               "norm_first": bool(g.r() < 0.4), "bias": bool(g.r() < 0.8)}
        s, b = g.i(1, 3), g.i(1, 2)
        shp = (b, s, d) if ckw["batch_first"] else (s, b, d)
        args = [g.x(*shp)]
        kw = {}
        if decoder:
            t = g.i(1, 3)
            args = [g.x(*((b, t, d) if ckw["batch_first"] else (t, b, d))), args[0]]
            if g.r() < 0.3:
                kw["tgt_is_causal"] = False
                kw["tgt_mask"] = NArr(np.triu(np.full((t, t), -np.inf), 1)
                                      .astype(args[0].a.dtype if not args[0].bf16
                                              else np.float32), bf16=args[0].bf16)
        elif g.r() < 0.3:
            kw["src_mask"] = NArr(np.triu(np.full((s, s), -np.inf), 1)
                                  .astype(args[0].a.dtype if not args[0].bf16 else np.float32),
                                  bf16=args[0].bf16)
        return [d, h], ckw, args, kw
    return gen


def _m_pool(cls, nd):
    def gen(g):
        x = g.x(g.i(1, 2), g.i(1, 2), *g.spatial(nd, 2, 6))
        if cls.startswith("Adaptive"):
            return [g.tup(nd, 1, 3)], {}, [x], {}
        ckw = {"stride": g.tup(nd, 1, 2) if g.r() < 0.6 else None}
        if cls.startswith("LP"):
            return [g.pick((1.0, 2.0)), g.tup(nd, 1, 3)], ckw, [x], {}
        ckw["padding"] = g.tup(nd, 0, 1)
        ckw["ceil_mode"] = bool(g.r() < 0.3)
        if cls.startswith("Max") and g.r() < 0.3:
            ckw["dilation"] = g.tup(nd, 1, 2)
        return [g.tup(nd, 2, 3)], ckw, [x], {}
    return gen


def _m_norm(cls, nd):
    def gen(g):
        c = g.i(1, 4)
        sp = g.spatial(nd, 1, 3) if cls.startswith("Batch") else g.spatial(nd, 2, 3)
        ckw = {"affine": bool(g.r() < 0.7), "track_running_stats": bool(g.r() < 0.7)}
        if cls.startswith("Instance"):
            ckw = {"affine": bool(g.r() < 0.5), "track_running_stats": bool(g.r() < 0.3)}
        if g.r() < 0.3:
            ckw["momentum"] = g.pick((0.5, None))
        batched = g.r() < 0.85
        x = g.x(g.i(2, 3), c, *sp, scale=2.0) if batched else g.x(c, *sp, scale=2.0)
        return [c], ckw, [x], {}
    return gen


def _m_layer_norm(cls):
    def gen(g):
        shape = g.spatial(g.i(2, 3), 1, 4)
        ns = tuple(shape[-g.i(1, 2):])
        ckw = {"elementwise_affine": bool(g.r() < 0.8)}
        if cls == "LayerNorm" and g.r() < 0.3:
            ckw["bias"] = False
        if cls == "RMSNorm" and g.r() < 0.3:
            ckw["eps"] = 1e-3
        return [list(ns)], ckw, [g.x(*shape)], {}
    return gen


def _m_group_norm(g):
    c = g.i(1, 4)
    ng = g.pick([d for d in range(1, c + 1) if c % d == 0])
    return [ng, c], {"affine": bool(g.r() < 0.7)}, [g.x(g.i(1, 2), c, *g.spatial(1, 1, 3))], {}


def _m_embedding(g):
    v, d = g.i(2, 5), g.i(1, 3)
    ckw = {}
    if g.r() < 0.3:
        ckw["padding_idx"] = g.pick((0, -1))
    return [v, d], ckw, [g.ints(g.spatial(g.i(0, 2), 1, 3), 0, v)], {}


def _m_embedding_bag(g):
    v, d = g.i(2, 5), g.i(1, 3)
    args, kw = _embedding_bag(g)
    ckw = {"mode": kw.pop("mode")}
    for k in ("include_last_offset", "padding_idx"):
        if k in kw:
            ckw[k] = kw.pop(k)
    idx = args[0]
    idx.a = np.minimum(idx.a, v - 1)
    if ckw.get("padding_idx") is not None and ckw["padding_idx"] >= v:
        ckw.pop("padding_idx")
    return [v, d], ckw, [idx], kw


def _m_loss(cls):
    fname = {"L1Loss": "l1_loss", "MSELoss": "mse_loss", "SmoothL1Loss": "smooth_l1_loss",
             "HuberLoss": "huber_loss", "BCELoss": "binary_cross_entropy",
             "BCEWithLogitsLoss": "binary_cross_entropy_with_logits", "NLLLoss": "nll_loss",
             "CrossEntropyLoss": "cross_entropy", "KLDivLoss": "kl_div",
             "SoftMarginLoss": "soft_margin_loss", "HingeEmbeddingLoss": "hinge_embedding_loss",
             "MarginRankingLoss": "margin_ranking_loss",
             "CosineEmbeddingLoss": "cosine_embedding_loss",
             "MultiMarginLoss": "multi_margin_loss", "MultiLabelMarginLoss":
                 "multilabel_margin_loss", "TripletMarginLoss": "triplet_margin_loss",
             "PoissonNLLLoss": "poisson_nll_loss", "GaussianNLLLoss": "gaussian_nll_loss",
             "CTCLoss": "ctc_loss", "MultiLabelSoftMarginLoss": "multilabel_soft_margin_loss"}[cls]

    def gen(g):
        args, kw = FUNCTIONAL[fname](g)
        ckw = {k: v for k, v in kw.items() if k not in ("training",)}
        if cls == "CTCLoss" and g.r() < 0.3:
            ckw["blank"] = 0
        if cls == "BCEWithLogitsLoss" and "weight" in ckw and "pos_weight" in ckw:
            ckw.pop("weight")
        return [], ckw, args, {}
    return gen


def _m_act(cls, *ctor):
    def gen(g):
        return [c(g) for c in ctor], {}, [g.x(*g.spatial(g.i(0, 3), 1, 4), scale=2)], {}
    return gen


def _m_pad(cls, nd):
    def gen(g):
        pad = g.tup(2 * nd, 0, 1)
        extra = [g.pick((0.0, 1.5))] if cls.startswith("Constant") else []
        x = g.x(g.i(1, 2), g.i(1, 2), *g.spatial(nd, 2, 4))
        return [pad] + extra, {}, [x], {}
    return gen


def _m_linear(g):
    i, o = g.i(1, 4), g.i(1, 4)
    return [i, o], {"bias": bool(g.r() < 0.7)}, [g.x(*g.spatial(g.i(0, 2), 1, 3), i)], {}


def _m_bilinear(g):
    a, b, o, n = g.i(1, 3), g.i(1, 3), g.i(1, 3), g.i(1, 3)
    return [a, b, o], {"bias": bool(g.r() < 0.7)}, [g.x(n, a), g.x(n, b)], {}


MODULES = {
    "Linear": _m_linear, "Bilinear": _m_bilinear,
    **{f"Conv{n}d": _m_conv(n, False) for n in (1, 2, 3)},
    **{f"ConvTranspose{n}d": _m_conv(n, True) for n in (1, 2, 3)},
    **{f"{p}{n}d": _m_pool(p, n) for p in ("MaxPool", "AvgPool", "AdaptiveAvgPool",
                                           "AdaptiveMaxPool") for n in (1, 2, 3)},
    "LPPool1d": _m_pool("LPPool", 1), "LPPool2d": _m_pool("LPPool", 2),
    **{f"BatchNorm{n}d": _m_norm("BatchNorm", n - 1 if n == 1 else n) for n in (1, 2, 3)},
    **{f"InstanceNorm{n}d": _m_norm("InstanceNorm", n) for n in (1, 2, 3)},
    "LayerNorm": _m_layer_norm("LayerNorm"), "RMSNorm": _m_layer_norm("RMSNorm"),
    "GroupNorm": _m_group_norm,
    "RNN": _m_rnn("RNN"), "LSTM": _m_rnn("LSTM"), "GRU": _m_rnn("GRU"),
    "RNNCell": _m_cell("RNNCell"), "LSTMCell": _m_cell("LSTMCell"), "GRUCell": _m_cell("GRUCell"),
    "MultiheadAttention": _m_mha,
    "TransformerEncoderLayer": _m_transformer(False),
    "TransformerDecoderLayer": _m_transformer(True),
    "Embedding": _m_embedding, "EmbeddingBag": _m_embedding_bag,
    **{c: _m_loss(c) for c in ("L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "BCELoss",
                               "BCEWithLogitsLoss", "NLLLoss", "CrossEntropyLoss", "KLDivLoss",
                               "SoftMarginLoss", "HingeEmbeddingLoss", "MarginRankingLoss",
                               "CosineEmbeddingLoss", "MultiMarginLoss",
                               "MultiLabelMarginLoss", "TripletMarginLoss", "PoissonNLLLoss",
                               "GaussianNLLLoss", "CTCLoss", "MultiLabelSoftMarginLoss")},
    "PReLU": _m_act("PReLU"), "ReLU": _m_act("ReLU"), "GELU": _m_act("GELU"),
    "ELU": _m_act("ELU", _scalar(1.0, 0.5)), "Softplus": _m_act("Softplus", _scalar(1.0, 2.0)),
    "LeakyReLU": _m_act("LeakyReLU", _scalar(0.01, 0.3)), "SiLU": _m_act("SiLU"),
    "Hardtanh": _m_act("Hardtanh", _scalar(-1.0, -2.0), _scalar(1.0, 0.5)),
    "Softmax": _m_act("Softmax", _scalar(-1, 0)), "LogSoftmax": _m_act("LogSoftmax",
                                                                         _scalar(-1, 0)),
    "Threshold": _m_act("Threshold", _scalar(0.1, 0.0), _scalar(20.0, -1.0)),
    "Flatten": _m_act("Flatten", _scalar(1, 0), _scalar(-1, 1)),
    "Dropout": _m_act("Dropout", _scalar(0.0, 0.5)), "Identity": _m_act("Identity"),
    "ZeroPad2d": _m_pad("ZeroPad", 2), "ConstantPad1d": _m_pad("ConstantPad", 1),
    "ReflectionPad1d": _m_pad("ReflectionPad", 1), "ReflectionPad2d": _m_pad("ReflectionPad", 2),
    "ReplicationPad2d": _m_pad("ReplicationPad", 2), "CircularPad1d": _m_pad("CircularPad", 1),
    "PixelShuffle": lambda g: (lambda r: ([r], {}, [g.x(1, r * r * g.i(1, 2), 2, 2)], {}))(
        g.i(1, 2)),
    "Upsample": lambda g: ([], {"scale_factor": g.pick((2.0, 1.5)),
                                "mode": g.pick(("nearest", "bilinear"))},
                           [g.x(1, g.i(1, 2), *g.spatial(2, 1, 3))], {}),
    "Unfold": lambda g: ([g.tup(2, 1, 2)], {"padding": g.i(0, 1)},
                         [g.x(1, g.i(1, 2), *g.spatial(2, 2, 4))], {}),
    "LocalResponseNorm": lambda g: ([g.i(1, 3)], {}, [g.x(1, g.i(1, 4), 3)], {}),
}


# ------------------------------------------------------------------ modules, second series
# Drawn only from case index EXTRA_FROM on, by a stream of their own (``extra_case``), so that
# the cases drawn before they were added (seed 0's CI sample among them) stay the same.
def _m_x(nd_lo=0, nd_hi=3):
    def gen(g):
        return g.x(*g.spatial(g.i(nd_lo, nd_hi), 1, 4), scale=2)
    return gen


def _m_act2(*ctor, nd=(0, 3)):
    def gen(g):
        return [c(g) for c in ctor], {}, [_m_x(*nd)(g)], {}
    return gen


def _m_glu(g):
    shape = list(g.spatial(g.i(1, 3), 1, 3))
    d = g.i(-len(shape), len(shape) - 1)
    shape[d] *= 2
    return [d], {}, [g.x(*shape)], {}


def _m_dropout2(cls, nd=None):
    def gen(g):
        shape = g.spatial(nd + 2 if nd else g.i(1, 3), 1, 3)
        return [g.pick((0.0, 0.5, 1.0))], {}, [g.x(*shape)], {}
    return gen


def _m_frac(nd):
    def gen(g):
        n, c = g.i(1, 2), g.i(1, 2)
        ckw = {"output_size": g.tup(nd, 1, 3)}
        ckw["_random_samples"] = g.x(n, c, nd, lo=0.0, hi=1.0, grad=False)
        return [g.pick((2, 3))], ckw, [g.x(n, c, *g.spatial(nd, 4, 7))], {}
    return gen


def _m_fold(g):
    args, kw = FUNCTIONAL["fold"](g)
    return args[1:], kw, args[:1], {}


def _m_pair(cls):
    def gen(g):
        shape = g.spatial(g.i(1, 3), 1, 4)
        ckw = {}
        if cls == "CosineSimilarity" and g.r() < 0.4:
            ckw["dim"] = g.i(-1, len(shape) - 1)
        if cls == "PairwiseDistance":
            ckw = {"p": g.pick((1.0, 2.0, 3.0)), "keepdim": bool(g.r() < 0.3)}
        return [], ckw, [g.x(*shape), g.x(*shape)], {}
    return gen


def _m_unflatten(g):
    a, b = g.i(1, 3), g.i(1, 3)
    x = g.x(g.i(1, 2), a * b, g.i(1, 2))
    return [1, (a, b) if g.r() < 0.7 else (-1, b)], {}, [x], {}


def _m_upsampling(g):
    ckw = {"scale_factor": g.pick((2, 1.5))} if g.r() < 0.6 else {"size": g.tup(2, 1, 4)}
    return [], ckw, [g.x(1, g.i(1, 2), *g.spatial(2, 1, 3))], {}


def _m_triplet_dist(g):
    args, kw = FUNCTIONAL["triplet_margin_with_distance_loss"](g)
    return [], {k: v for k, v in kw.items() if k != "distance_function"}, args, {}


def _m_adaptive_logsoftmax(g):
    n_classes = g.i(4, 8)
    cut = sorted({g.i(1, n_classes - 2), g.i(2, n_classes - 1)})
    f = g.i(2, 4)
    n = g.i(1, 3)
    ckw = {"div_value": g.pick((4.0, 2.0)), "head_bias": bool(g.r() < 0.4)}
    return [f, n_classes, cut], ckw, [g.x(n, f), g.ints((n,), 0, n_classes)], {}


def _m_pad2(cls, nd):
    def gen(g):
        pad = g.tup(2 * nd, 0, 1)
        extra = [g.pick((0.0, 1.5))] if cls.startswith("Constant") else []
        x = g.x(g.i(1, 2), g.i(1, 2), *g.spatial(nd, 2, 4))
        return [pad] + extra, {}, [x], {}
    return gen


MODULES_EXTRA = {
    "CELU": _m_act2(_scalar(1.0, 0.5, 2.0)), "GLU": _m_glu,
    "Hardshrink": _m_act2(_scalar(0.5, 1.0)), "Hardsigmoid": _m_act2(),
    "Hardswish": _m_act2(), "LogSigmoid": _m_act2(), "Mish": _m_act2(), "ReLU6": _m_act2(),
    "SELU": _m_act2(), "Sigmoid": _m_act2(), "Softmin": _m_act2(_scalar(-1, 0)),
    "Softshrink": _m_act2(_scalar(0.5, 1.0)), "Softsign": _m_act2(), "Tanh": _m_act2(),
    "Tanhshrink": _m_act2(), "RReLU": _m_act2(_scalar(0.125, 0.1), _scalar(1 / 3, 0.3)),
    "Softmax2d": _m_act2(nd=(3, 4)),
    "AlphaDropout": _m_dropout2("AlphaDropout"),
    "FeatureAlphaDropout": _m_dropout2("FeatureAlphaDropout", 2),
    "Dropout1d": _m_dropout2("Dropout1d", 1), "Dropout2d": _m_dropout2("Dropout2d", 2),
    "Dropout3d": _m_dropout2("Dropout3d", 3),
    "CircularPad2d": _m_pad2("CircularPad", 2), "CircularPad3d": _m_pad2("CircularPad", 3),
    "ConstantPad2d": _m_pad2("ConstantPad", 2), "ConstantPad3d": _m_pad2("ConstantPad", 3),
    "ReflectionPad3d": _m_pad2("ReflectionPad", 3),
    "ReplicationPad1d": _m_pad2("ReplicationPad", 1),
    "ReplicationPad3d": _m_pad2("ReplicationPad", 3),
    "ZeroPad1d": _m_pad2("ZeroPad", 1), "ZeroPad3d": _m_pad2("ZeroPad", 3),
    "LPPool3d": _m_pool("LPPool", 3),
    "FractionalMaxPool2d": _m_frac(2), "FractionalMaxPool3d": _m_frac(3),
    "Fold": _m_fold,
    "PixelUnshuffle": lambda g: (lambda r: ([r], {}, [g.x(1, g.i(1, 2), 2 * r, r)], {}))(
        g.i(1, 2)),
    "ChannelShuffle": lambda g: (lambda gr: ([gr], {}, [g.x(1, 2 * gr, 2, 2)], {}))(g.i(1, 2)),
    "CosineSimilarity": _m_pair("CosineSimilarity"),
    "PairwiseDistance": _m_pair("PairwiseDistance"),
    "Unflatten": _m_unflatten,
    "UpsamplingBilinear2d": _m_upsampling, "UpsamplingNearest2d": _m_upsampling,
    "AdaptiveLogSoftmaxWithLoss": _m_adaptive_logsoftmax,
    "TripletMarginWithDistanceLoss": _m_triplet_dist,
}
# modules whose forward draws random numbers in training
RANDOM_MODULES = {"Dropout", "AlphaDropout", "FeatureAlphaDropout", "Dropout1d", "Dropout2d",
                  "Dropout3d", "RReLU"}
# the second series' share of the cases from index EXTRA_FROM on
EXTRA_FROM, EXTRA_SHARE = 300, 0.15


# ------------------------------------------------------------------ mutations
def _mutate_arr(g, a, muts):
    if id(a) in g.frozen:
        return a
    rng = g.rng
    if rng.random() < 0.07:
        dt = MUT_DTYPES[rng.integers(len(MUT_DTYPES))]
        src = a.a.astype(np.float32) if a.bf16 else a.a
        a.bf16 = dt == "bfloat16"
        a.a = fz._cast(rng, src, "float32" if a.bf16 else dt)
        a.grad = a.grad and a.a.dtype == np.float64
        muts.append("dtype")
    if rng.random() < 0.08 and a.a.dtype.kind == "f":
        a.a = fz._inject(rng, a.a)
        muts.append("specials")
    if rng.random() < 0.12 and a.a.ndim >= 1:
        a.layout = "t" if a.a.ndim >= 2 and rng.random() < 0.6 else "s"
        muts.append("layout")
    r = rng.random()
    if r < 0.02 and a.a.size:
        a.a = a.a.reshape(-1)[:1].reshape(())
        muts.append("0-d")
    elif r < 0.05 and a.a.ndim:
        a.a = np.take(a.a, np.arange(0), axis=int(rng.integers(a.a.ndim)))
        muts.append("empty")
    elif r < 0.07 and a.a.ndim:
        a.a = a.a[0]
        muts.append("batchless")
    elif r < 0.08:
        a.a = a.a[None]
        muts.append("extra-dim")
    return a


def _mutate_value(g, v, muts):
    rng = g.rng
    if isinstance(v, NArr):
        return _mutate_arr(g, v, muts)
    if isinstance(v, (list, tuple)) and v and any(isinstance(y, NArr) for y in v):
        return type(v)(_mutate_value(g, y, muts) for y in v)
    if rng.random() >= 0.08:
        return v
    muts.append("arg")
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return int(g.pick((-1, 0, 1, 2, v + 1, 2 * v, -v)))
    if isinstance(v, float):
        return float(g.pick((0.0, -1.0, 0.5, 2.0, np.inf, np.nan, -0.5)))
    if isinstance(v, str):
        return g.pick(("bogus", v.upper(), ""))
    if isinstance(v, (tuple, list)) and v and all(isinstance(y, int) and not isinstance(y, bool)
                                                 for y in v):
        v2 = list(v)
        if rng.random() < 0.3:
            return type(v)(v2[:-1] if len(v2) > 1 else v2 + v2)
        v2[int(rng.integers(len(v2)))] = int(g.pick((-1, 0, 1, 3)))
        return type(v)(v2)
    if v is None:
        muts.pop()
    return v


def _mutate(g, args, kwargs, muts):
    args = [_mutate_value(g, a, muts) for a in args]
    kwargs = {k: _mutate_value(g, v, muts) for k, v in kwargs.items()}
    if g.r() < 0.04:
        pos = [j for j, a in enumerate(args) if isinstance(a, NArr) and not a.bf16
               and id(a) not in g.frozen]
        if pos:
            j = pos[int(g.rng.integers(len(pos)))]
            args[j] = fz.AsList(args[j].a)
            muts.append("list")
    return args, kwargs


_F_NAMES = None


def f_case(rng):
    global _F_NAMES
    if _F_NAMES is None:
        _F_NAMES = functional_names()
    name = _F_NAMES[int(rng.integers(len(_F_NAMES)))]
    fn = None
    if name in FUNCTIONS_FN:
        gen, fn = FUNCTIONS_FN[name]
    else:
        gen = FUNCTIONAL[name]
    return f_case_of(rng, name, gen, fn)


def f_case_of(rng, name, gen, fn=None):
    """The ``nn.functional`` case of ``name`` (a ``:variant`` suffix dropped) from ``gen``,
    mutated by ``rng``."""
    g = Gen(rng)
    name = name.split(":")[0]
    args, kwargs = gen(g)
    muts = []
    args, kwargs = _mutate(g, args, kwargs, muts)
    random = name in RANDOM_F and not (
        kwargs.get("training") is False or kwargs.get("p") == 0.0)
    random = random or name.startswith("rrelu") and kwargs.get("training") is True
    if name.startswith("fractional") and "_random_samples" not in kwargs:
        random = True
    return NNCase("F", name, args, kwargs, fn=fn, random=random, mutations=muts)


_M_NAMES = None
_X_NAMES = None


def module_case(rng, extra=False):
    global _M_NAMES, _X_NAMES
    if _M_NAMES is None:
        _M_NAMES = sorted(n for n in MODULES if hasattr(gk.nn, n))
        _X_NAMES = sorted(n for n in MODULES_EXTRA if hasattr(gk.nn, n))
    names, table = (_X_NAMES, MODULES_EXTRA) if extra else (_M_NAMES, MODULES)
    name = names[int(rng.integers(len(names)))]
    return module_case_of(rng, name, table[name])


def module_case_of(rng, name, gen):
    """The module case of class ``name`` (a ``:variant`` suffix dropped) from ``gen``, mutated
    by ``rng``."""
    g = Gen(rng)
    name = name.split(":")[0]
    ctor, ckw, args, kwargs = gen(g)
    muts = []
    for a in fz._arrays((ctor, ckw)):
        a.grad = False
    ctor = [_mutate_value(g, v, muts) for v in ctor]
    ckw = {k: _mutate_value(g, v, muts) for k, v in ckw.items()}
    args, kwargs = _mutate(g, args, kwargs, muts)
    train = bool(g.r() < 0.5)
    # (a mutated dropout probability of a transformer layer draws random numbers too)
    drop = ckw.get("dropout")
    random = train and (name in RANDOM_MODULES
                        or isinstance(drop, (int, float)) and not isinstance(drop, bool)
                        and drop != 0.0)
    dtype = g.fd
    return NNCase("module", name, args, kwargs, ctor=ctor, ckw=ckw, dtype=dtype, train=train,
                  random=random, mutations=muts)


def extra_case(seed, i):
    """The case of the second series of modules at index ``i``, or None: from ``EXTRA_FROM``
    on, a share ``EXTRA_SHARE`` of the indices, decided by a stream of their own (the
    ``[seed, i, 1]`` generator) so that the other cases keep their draws."""
    if i < EXTRA_FROM:
        return None
    rng = np.random.default_rng([seed, i, 1])
    if rng.random() >= EXTRA_SHARE:
        return None
    return module_case(rng, extra=True)


def make_case(seed, i):
    case = extra_case(seed, i)
    if case is not None:
        return case
    rng = fz.case_rng(seed, i)
    if rng.random() < 0.6:
        return f_case(rng)
    return module_case(rng)

"""The nn fuzzer's cases, part five: constructor options the other series leave out, drawn
as argument variants (``nn_variant_cases.py`` merges ``OPTION_MODULE_VARIANTS`` into its
``MODULE_VARIANTS``): normalization ``eps`` and the keyword-only ``bias``, ``GELU``'s tanh
approximation, ``Softplus``'s threshold, ``Hardtanh``'s deprecated ``min_value``/``max_value``,
``LocalResponseNorm``'s constants, ``output_ratio`` fractional pooling with indices,
``EmbeddingBag``'s ``max_norm``, the losses' deprecated ``size_average``/``reduce``, the
``eps`` of distances and losses, ``Upsample``'s ``recompute_scale_factor``, unpooling with a
stride and padding of its own, ``SyncBatchNorm`` outside a process group, a transposed
convolution's ``padding_mode`` and the transformer layers' ``layer_norm_eps``."""

from __future__ import annotations

import numpy as np

try:
    from . import nn_module_cases as mc
    from .nn_cases import FUNCTIONAL, NArr, _embedding_bag
except ImportError:  # run as a script
    import nn_module_cases as mc
    from nn_cases import FUNCTIONAL, NArr, _embedding_bag

__all__ = ["OPTION_MODULE_VARIANTS"]


def _norm_options(cls):
    def gen(g):
        ctor, ckw, args, kw = mc.MODULES[cls](g)
        ckw = dict(ckw)
        ckw["eps"] = g.pick((1e-3, 0.5, 1e-12, 0.0))
        if g.r() < 0.6:
            ckw["bias"] = False
            ckw["affine"] = True
        return ctor, ckw, args, kw
    return gen


def _group_norm_options(g):
    ctor, ckw, args, kw = mc.MODULES["GroupNorm"](g)
    ckw = dict(ckw, eps=g.pick((1e-3, 0.5, 0.0)))
    if g.r() < 0.6:
        ckw.update(bias=False, affine=True)
    return ctor, ckw, args, kw


def _layer_norm_eps(cls):
    def gen(g):
        ctor, ckw, args, kw = mc.MODULES[cls](g)
        return ctor, dict(ckw, eps=g.pick((1e-3, 0.5, 0.0))), args, kw
    return gen


def _x(g, lo=0, hi=3):
    return g.x(*g.spatial(g.i(lo, hi), 1, 4), scale=3)


def _gelu_tanh(g):
    return [], {"approximate": "tanh"}, [_x(g)], {}


def _softplus_threshold(g):
    return [], {"beta": g.pick((1.0, 2.0, 0.5)), "threshold": g.pick((1.0, 0.5, 5.0))}, \
        [_x(g)], {}


def _hardtanh_legacy(g):
    lo = g.pick((-1.0, -0.5, -2.0))
    ckw = {"min_value": lo, "max_value": g.pick((1.0, 0.5, 2.0))}
    if g.r() < 0.5:  # (the deprecated names override the new ones)
        ckw["min_val"] = lo - 1
    return [], ckw, [_x(g)], {}


def _lrn_options(g):
    ckw = {"alpha": g.pick((1e-4, 0.5, 2.0)), "beta": g.pick((0.75, 0.5, 1.5)),
           "k": g.pick((1.0, 2.0, 0.5))}
    x = g.x(g.i(1, 2), g.i(1, 5), *g.spatial(g.i(0, 2), 1, 3))
    return [g.i(1, 4)], ckw, [x], {}


def _frac_ratio(nd):
    def gen(g):
        n, c = g.i(1, 2), g.i(1, 2)
        ckw = {"output_ratio": g.pick((0.5, 0.7) if nd == 2 else (0.5, 0.6)),
               "return_indices": bool(g.r() < 0.6),
               "_random_samples": g.x(n, c, nd, lo=0.0, hi=1.0, grad=False)}
        return [g.pick((2, 3))], ckw, [g.x(n, c, *g.spatial(nd, 4, 7))], {}
    return gen


def _embedding_bag_max_norm(g):
    v, d = g.i(2, 5), g.i(1, 3)
    args, kw = _embedding_bag(g)
    ckw = {"mode": kw.pop("mode"), "max_norm": g.pick((1.0, 0.5, 2.0)),
           "norm_type": g.pick((2.0, 1.0))}
    if g.r() < 0.3 and ckw["mode"] != "max":
        ckw["scale_grad_by_freq"] = True
    idx = args[0]
    idx.a = np.minimum(idx.a, v - 1)
    for k in ("include_last_offset", "padding_idx"):
        kw.pop(k, None)
    return [v, d], ckw, [idx], kw


def _mlsm_weight(g):
    args, kw = FUNCTIONAL["multilabel_soft_margin_loss"](g)
    c = args[0].a.shape[-1] if args[0].a.ndim else 1
    ckw = {k: v for k, v in kw.items() if k != "weight"}
    ckw["weight"] = g.x(c, grad=False, lo=0.1, hi=2.0)
    return [], ckw, args, {}


_LEGACY = ("L1Loss", "MSELoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss",
           "CrossEntropyLoss", "KLDivLoss", "SoftMarginLoss", "HingeEmbeddingLoss",
           "MarginRankingLoss", "CosineEmbeddingLoss", "MultiMarginLoss",
           "MultiLabelMarginLoss", "TripletMarginLoss", "PoissonNLLLoss",
           "MultiLabelSoftMarginLoss")


def _loss_legacy(cls):
    def gen(g):
        ctor, ckw, args, kw = mc.MODULES[cls](g)
        ckw = {k: v for k, v in ckw.items() if k != "reduction"}
        r = g.r()
        if r < 0.4:
            ckw["size_average"] = bool(g.r() < 0.5)
        elif r < 0.8:
            ckw["reduce"] = bool(g.r() < 0.5)
        else:
            ckw["size_average"], ckw["reduce"] = bool(g.r() < 0.5), bool(g.r() < 0.5)
        if g.r() < 0.2:
            ckw["reduction"] = g.pick(("sum", "none"))  # (the legacy pair wins)
        return ctor, ckw, args, kw
    return gen


def _eps_of(cls, values=(1e-3, 0.5, 0.0, 1e-12)):
    def gen(g):
        ctor, ckw, args, kw = (mc.MODULES.get(cls) or mc.MODULES_EXTRA[cls])(g)
        return ctor, dict(ckw, eps=g.pick(values)), args, kw
    return gen


def _upsample_recompute(g):
    nd = g.i(1, 3)
    mode = g.pick({1: ("nearest", "linear"), 2: ("nearest", "bilinear", "bicubic", "area"),
                   3: ("nearest", "trilinear")}[nd])
    ckw = {"scale_factor": g.pick((1.5, 0.6, 2.5, 1.3)), "mode": mode,
           "recompute_scale_factor": bool(g.r() < 0.7)}
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        ckw["align_corners"] = bool(g.r() < 0.3)
    return [], ckw, [g.x(g.i(1, 2), g.i(1, 2), *g.spatial(nd, 2, 5))], {}


def _unpool_stride(nd):
    """An unpooling with a stride and padding of its own: distinct indices in each plane (a
    repeated one is PyTorch's undefined order of writes), or an empty output plane."""
    def gen(g):
        k, s = g.i(2, 3), g.i(1, 3)
        p = g.i(0, k // 2)
        pooled = g.spatial(nd, 1, 3)
        out = tuple((n - 1) * s - 2 * p + k for n in pooled)
        count, plane = int(np.prod(pooled)), int(np.prod([max(o, 0) for o in out]))
        if 0 < plane < count:  # (no padding: the plane is larger than the pooled one)
            p = 0
            out = tuple((n - 1) * s + k for n in pooled)
            plane = int(np.prod(out))
        lead = (g.i(1, 2), g.i(1, 2))
        planes = [g.rng.permutation(plane)[:count] if plane else np.zeros(count, np.int64)
                  for _ in range(lead[0] * lead[1])]
        idx = NArr(np.array(planes, dtype=np.int64).reshape(lead + pooled))
        g.frozen.add(id(idx))
        return [k], {"stride": s, "padding": p}, [g.x(*(lead + pooled)), idx], {}
    return gen


def _sync_batch_norm(g):
    c = g.i(1, 3)
    ckw = {"affine": bool(g.r() < 0.7), "track_running_stats": bool(g.r() < 0.7),
           "momentum": g.pick((0.1, None, 0.5))}
    if g.r() < 0.3:
        ckw.update(bias=False, affine=True)
    x = g.x(g.i(2, 3), c, *g.spatial(g.i(0, 2), 1, 3), scale=2.0)
    return [c], ckw, [x], {}


def _conv_t_padding_mode(nd):
    def gen(g):
        ctor, ckw, args, kw = mc.MODULES[f"ConvTranspose{nd}d"](g)
        return ctor, dict(ckw, padding_mode=g.pick(("zeros", "reflect", "circular"))), args, kw
    return gen


def _transformer_eps(cls):
    def gen(g):
        ctor, ckw, args, kw = mc.MODULES[cls](g)
        return ctor, dict(ckw, layer_norm_eps=g.pick((1e-3, 0.5, 1e-12))), args, kw
    return gen


OPTION_MODULE_VARIANTS = {
    **{f"BatchNorm{n}d:eps_bias": _norm_options(f"BatchNorm{n}d") for n in (1, 2, 3)},
    **{f"InstanceNorm{n}d:eps_bias": _norm_options(f"InstanceNorm{n}d") for n in (1, 2, 3)},
    "GroupNorm:eps_bias": _group_norm_options,
    "LayerNorm:eps": _layer_norm_eps("LayerNorm"), "RMSNorm:eps": _layer_norm_eps("RMSNorm"),
    "GELU:tanh": _gelu_tanh, "Softplus:threshold": _softplus_threshold,
    "Hardtanh:legacy": _hardtanh_legacy, "LocalResponseNorm:options": _lrn_options,
    **{f"FractionalMaxPool{n}d:ratio": _frac_ratio(n) for n in (2, 3)},
    "LPPool3d:ceil": lambda g: (lambda c: (c[0], dict(c[1], ceil_mode=True), c[2], c[3]))(
        mc.MODULES_EXTRA["LPPool3d"](g)),
    "EmbeddingBag:max_norm": _embedding_bag_max_norm,
    "MultiLabelSoftMarginLoss:weight": _mlsm_weight,
    **{f"{c}:legacy": _loss_legacy(c) for c in _LEGACY},
    "CosineSimilarity:eps": _eps_of("CosineSimilarity"),
    "PairwiseDistance:eps": _eps_of("PairwiseDistance"),
    "GaussianNLLLoss:eps": _eps_of("GaussianNLLLoss"),
    "PoissonNLLLoss:eps": _eps_of("PoissonNLLLoss"),
    "TripletMarginLoss:eps": _eps_of("TripletMarginLoss"),
    "Upsample:recompute": _upsample_recompute,
    **{f"MaxUnpool{n}d:stride": _unpool_stride(n) for n in (1, 2, 3)},
    "SyncBatchNorm": _sync_batch_norm,
    **{f"ConvTranspose{n}d:padding_mode": _conv_t_padding_mode(n) for n in (1, 2, 3)},
    "TransformerEncoderLayer:eps": _transformer_eps("TransformerEncoderLayer"),
    "TransformerDecoderLayer:eps": _transformer_eps("TransformerDecoderLayer"),
}

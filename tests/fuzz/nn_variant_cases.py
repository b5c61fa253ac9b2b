"""The nn fuzzer's cases, part three: argument variants the first two series leave out (a
pool's ``return_indices``, ``padding='same'``, a transposed convolution's ``output_padding``,
``max_norm``, grouped-query attention, ``blank``, the unpooling modules, ...) and
``make_case``, the whole case stream.

A variant is named ``Name:variant`` (the function or module ``Name``). Variants are drawn only
from case index ``VARIANTS_FROM`` on, for a share ``VARIANTS_SHARE`` of the indices the second
series leaves, by a stream of their own (the ``[seed, i, 2]`` generator), so that the cases
drawn before them keep their draws (seed 0's CI sample among them)."""

from __future__ import annotations

import numpy as np

try:
    from . import nn_module_cases as mc
    from . import nn_scenario_cases as sc
    from . import nn_usage_cases as uc
    from .nn_cases import FUNCTIONAL, NArr
    from .nn_option_cases import OPTION_MODULE_VARIANTS
except ImportError:  # run as a script
    import nn_module_cases as mc
    import nn_scenario_cases as sc
    import nn_usage_cases as uc
    from nn_cases import FUNCTIONAL, NArr
    from nn_option_cases import OPTION_MODULE_VARIANTS

__all__ = ["F_VARIANTS", "MODULE_VARIANTS", "VARIANTS_FROM", "VARIANTS_SHARE", "make_case",
           "variant_case", "variant_name"]

VARIANTS_FROM, VARIANTS_SHARE = 300, 0.12


# ------------------------------------------------------------------ modules
def _v_maxpool(nd):
    def gen(g):
        x = g.x(g.i(1, 2), g.i(1, 2), *g.spatial(nd, 3, 7))
        ckw = {"stride": g.tup(nd, 1, 3), "padding": g.tup(nd, 0, 1),
               "return_indices": bool(g.r() < 0.8), "ceil_mode": bool(g.r() < 0.4)}
        if g.r() < 0.4:
            ckw["dilation"] = g.tup(nd, 1, 2)
        return [g.tup(nd, 2, 3)], ckw, [x], {}
    return gen


def _v_avgpool(nd):
    def gen(g):
        x = g.x(g.i(1, 2), g.i(1, 2), *g.spatial(nd, 3, 7))
        ckw = {"stride": g.tup(nd, 1, 3), "padding": g.tup(nd, 0, 1),
               "ceil_mode": bool(g.r() < 0.5), "count_include_pad": bool(g.r() < 0.4)}
        if nd > 1 and g.r() < 0.5:
            ckw["divisor_override"] = g.i(1, 5)
        return [g.tup(nd, 2, 3)], ckw, [x], {}
    return gen


def _v_adaptive_max(nd):
    def gen(g):
        x = g.x(g.i(1, 2), g.i(1, 2), *g.spatial(nd, 2, 6))
        return [g.tup(nd, 1, 4)], {"return_indices": True}, [x], {}
    return gen


def _v_conv_same(nd):
    def gen(g):
        groups = g.pick((1, 1, 2))
        cin, cout = groups * g.i(1, 2), groups * g.i(1, 2)
        ckw = {"padding": g.pick(("same", "valid", "same")), "groups": groups,
               "bias": bool(g.r() < 0.5), "dilation": g.tup(nd, 1, 2),
               "padding_mode": g.pick(("zeros", "reflect", "replicate", "circular"))}
        x = g.x(g.i(1, 2), cin, *g.spatial(nd, 4, 6))
        return [cin, cout, g.tup(nd, 1, 3)], ckw, [x], {}
    return gen


def _v_conv_transpose_out(nd):
    def gen(g):
        groups = g.pick((1, 1, 2))
        cin, cout = groups * g.i(1, 2), groups * g.i(1, 2)
        stride = g.tup(nd, 2, 3)
        ckw = {"stride": stride, "output_padding": 1, "groups": groups,
               "bias": bool(g.r() < 0.5), "padding": g.tup(nd, 0, 1)}
        if g.r() < 0.5:
            ckw["dilation"] = g.tup(nd, 1, 2)
        x = g.x(g.i(1, 2), cin, *g.spatial(nd, 2, 4))
        return [cin, cout, g.tup(nd, 1, 3)], ckw, [x], {}
    return gen


def _unpool_indices(g, shape, k):
    """Valid max-unpooling indices of a pooled ``shape`` (N, C, *spatial) with kernel = stride
    ``k``: each window's own position, into an input of spatial size ``spatial * k``."""
    sp = shape[2:]
    full = tuple(s * k for s in sp)
    grids = np.meshgrid(*[np.arange(s) for s in sp], indexing="ij")
    flat = np.zeros(sp, dtype=np.int64)
    for d, grid in enumerate(grids):
        pos = grid * k + g.rng.integers(0, k, size=sp)
        flat = flat * full[d] + pos
    idx = np.broadcast_to(flat, shape).copy()
    a = NArr(idx.astype(np.int64))
    g.frozen.add(id(a))
    return a


def _v_unpool(nd):
    def gen(g):
        k = g.i(1, 3)
        shape = (g.i(1, 2), g.i(1, 2)) + g.spatial(nd, 1, 3)
        return [k], {}, [g.x(*shape), _unpool_indices(g, shape, k)], {}
    return gen


def _v_embedding_max_norm(g):
    v, d = g.i(2, 5), g.i(1, 4)
    ckw = {"max_norm": g.pick((1.0, 0.5, 2.0)), "norm_type": g.pick((2.0, 1.0, 3.0))}
    if g.r() < 0.3:
        ckw["scale_grad_by_freq"] = True
    if g.r() < 0.3:
        ckw["padding_idx"] = 0
    return [v, d], ckw, [g.ints(g.spatial(g.i(1, 2), 1, 4), 0, v)], {}


def _v_upsample(g):
    nd = g.i(1, 3)
    mode = g.pick({1: ("nearest", "nearest-exact", "linear"),
                   2: ("nearest-exact", "bilinear", "bicubic"),
                   3: ("nearest", "trilinear")}[nd])
    ckw = {"mode": mode}
    if g.r() < 0.5:
        ckw["size"] = g.tup(nd, 1, 6)
    else:
        ckw["scale_factor"] = g.pick((2.0, 0.5, 1.5, 3.0))
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        ckw["align_corners"] = bool(g.r() < 0.5)
    return [], ckw, [g.x(g.i(1, 2), g.i(1, 2), *g.spatial(nd, 1, 4))], {}


def _fold_args(g):
    """Fold/unfold arguments with a stride, padding and dilation: ``(x, output_size, kernel,
    kwargs)`` with the block count of the output size."""
    c = g.i(1, 2)
    k, dil, pad, st = g.tup(2, 1, 3), g.tup(2, 1, 2), g.tup(2, 0, 1), g.tup(2, 1, 2)
    two = [v if isinstance(v, tuple) else (v, v) for v in (k, dil, pad, st)]
    out = tuple(g.i(2, 6) for _ in range(2))
    blocks = 1
    for o, kk, dd, pp, ss in zip(out, *two):
        blocks *= max((o + 2 * pp - dd * (kk - 1) - 1) // ss + 1, 0)
    x = g.x(g.i(1, 2), c * two[0][0] * two[0][1], blocks)
    return x, out, k, {"dilation": dil, "padding": pad, "stride": st}


def _v_fold(g):
    x, out, k, kw = _fold_args(g)
    return [out, k], kw, [x], {}


def _v_unfold(g):
    _x, out, k, kw = _fold_args(g)
    return [k], kw, [g.x(g.i(1, 2), g.i(1, 2), *out)], {}


def _v_cross_map_lrn(g):
    ckw = {"alpha": g.pick((1e-4, 0.5)), "beta": g.pick((0.75, 0.5)), "k": g.pick((1.0, 2.0))}
    return [g.i(1, 4)], ckw, [g.x(g.i(1, 2), g.i(1, 5), *g.spatial(2, 1, 3))], {}


def _v_lp_pool(nd):
    def gen(g):
        x = g.x(g.i(1, 2), g.i(1, 2), *g.spatial(nd, 3, 6), lo=0.1, hi=2.0)
        ckw = {"stride": g.tup(nd, 1, 2), "ceil_mode": True}
        return [g.pick((1.0, 2.0, 3.0)), g.tup(nd, 2, 3)], ckw, [x], {}
    return gen


def _v_prelu(g):
    c = g.i(1, 4)
    ckw = {"num_parameters": c, "init": g.pick((0.25, -0.5, 1.5))}
    return [], ckw, [g.x(g.i(1, 2), c, *g.spatial(g.i(0, 2), 1, 3))], {}


def _ctc_blank(g):
    args, kw = FUNCTIONAL["ctc_loss"](g)
    c = args[0].a.shape[-1]
    blank = c - 1 if c > 2 else 0
    if blank:  # labels 0 .. c - 2 around a blank of c - 1
        args[1].a = args[1].a - 1
    return args, kw, blank


def _v_ctc_module(g):
    args, kw, blank = _ctc_blank(g)
    return [], dict(kw, blank=blank), args, {}


MODULE_VARIANTS = {
    **{f"MaxPool{n}d:indices": _v_maxpool(n) for n in (1, 2, 3)},
    **{f"AvgPool{n}d:options": _v_avgpool(n) for n in (1, 2, 3)},
    **{f"AdaptiveMaxPool{n}d:indices": _v_adaptive_max(n) for n in (1, 2, 3)},
    **{f"Conv{n}d:same": _v_conv_same(n) for n in (1, 2, 3)},
    **{f"ConvTranspose{n}d:output_padding": _v_conv_transpose_out(n) for n in (1, 2, 3)},
    **{f"MaxUnpool{n}d": _v_unpool(n) for n in (1, 2, 3)},
    **{f"LPPool{n}d:ceil": _v_lp_pool(n) for n in (1, 2)},
    "Embedding:max_norm": _v_embedding_max_norm,
    "Upsample:modes": _v_upsample,
    "Fold:options": _v_fold, "Unfold:options": _v_unfold,
    "CrossMapLRN2d": _v_cross_map_lrn,
    "PReLU:channels": _v_prelu,
    "CTCLoss:blank": _v_ctc_module,
    **OPTION_MODULE_VARIANTS,  # (constructor options: nn_option_cases.py)
}


# ------------------------------------------------------------------ functions
def _f_sdpa_gqa(g):
    b, hk, rep = g.i(1, 2), g.i(1, 2), g.i(1, 3)
    lq, lk, e, ev = g.i(1, 4), g.i(1, 4), g.i(1, 4), g.i(1, 4)
    q, k, v = g.x(b, hk * rep, lq, e), g.x(b, hk, lk, e), g.x(b, hk, lk, ev)
    kw = {"enable_gqa": True}
    r = g.r()
    if r < 0.3:
        kw["attn_mask"] = NArr(g.rng.random((lq, lk)) < 0.7)
    elif r < 0.5:
        kw["is_causal"] = True
    return [q, k, v], kw


def _f_fold(g):
    x, out, k, kw = _fold_args(g)
    return [x, out, k], kw


def _f_unfold(g):
    _x, out, k, kw = _fold_args(g)
    return [g.x(g.i(1, 2), g.i(1, 2), *out), k], kw


def _f_embedding_max_norm(g):
    v, d = g.i(2, 5), g.i(1, 4)
    kw = {"max_norm": g.pick((1.0, 0.5)), "norm_type": g.pick((2.0, 1.0))}
    return [g.ints(g.spatial(g.i(1, 2), 1, 4), 0, v), g.x(v, d, grad=False)], kw


def _f_ctc_blank(g):
    args, kw, blank = _ctc_blank(g)
    return args, dict(kw, blank=blank)


def _f_norm_eps(name):
    def gen(g):
        args, kw = FUNCTIONAL[name](g)
        kw["eps"] = g.pick((1e-3, 0.5, 1e-12))
        return args, kw
    return gen


def _f_unpool(nd):
    def gen(g):
        k = g.i(1, 3)
        shape = (g.i(1, 2), g.i(1, 2)) + g.spatial(nd, 1, 3)
        kw = {}
        if g.r() < 0.5:  # the full size, or one more
            kw["output_size"] = tuple(s * k + g.i(0, 1 if k > 1 else 0) for s in shape[2:])
        return [g.x(*shape), _unpool_indices(g, shape, k), k], kw
    return gen


def _f_lrn_beta(g):
    args, kw = FUNCTIONAL["local_response_norm"](g)
    kw["beta"] = g.pick((0.5, 1.0, 2.0))
    return args, kw


F_VARIANTS = {
    "scaled_dot_product_attention:gqa": _f_sdpa_gqa,
    "fold:options": _f_fold, "unfold:options": _f_unfold,
    "embedding:max_norm": _f_embedding_max_norm,
    "ctc_loss:blank": _f_ctc_blank,
    **{f"{n}:eps": _f_norm_eps(n) for n in ("layer_norm", "group_norm", "batch_norm",
                                            "instance_norm", "rms_norm")},
    **{f"max_unpool{n}d:indices": _f_unpool(n) for n in (1, 2, 3)},
    "local_response_norm:beta": _f_lrn_beta,
}
_NAMES = sorted(MODULE_VARIANTS) + sorted(F_VARIANTS)


def _variant_draw(seed, i):
    """``(name, rng)`` of the variant at index ``i``, or None (see the module docstring)."""
    if i < VARIANTS_FROM:
        return None
    rng = np.random.default_rng([seed, i, 2])
    if rng.random() >= VARIANTS_SHARE:
        return None
    return _NAMES[int(rng.integers(len(_NAMES)))], rng


def variant_name(seed, i):
    """The ``Name:variant`` drawn at index ``i`` (whether or not the second series takes
    the index first), or None."""
    drawn = _variant_draw(seed, i)
    return drawn and drawn[0]


def variant_case(seed, i):
    """The variant case at index ``i``, or None (see the module docstring)."""
    drawn = _variant_draw(seed, i)
    if drawn is None:
        return None
    name, rng = drawn
    if name in MODULE_VARIANTS:
        return mc.module_case_of(rng, name, MODULE_VARIANTS[name])
    return mc.f_case_of(rng, name, F_VARIANTS[name])


def make_case(seed, i):
    """Case ``i`` of ``seed``: the second series', else a variant, else a scenario
    (``nn_scenario_cases.py``), else a usage scenario (``nn_usage_cases.py``), else the first
    series'."""
    case = mc.extra_case(seed, i)
    if case is not None:
        return case
    case = variant_case(seed, i)
    if case is not None:
        return case
    case = sc.scenario_case(seed, i)
    if case is not None:
        return case
    case = uc.usage_case(seed, i)
    if case is not None:
        return case
    return mc.make_case(seed, i)

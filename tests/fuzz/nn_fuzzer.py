"""A differential fuzzer of ``nn.functional`` and ``nn`` modules: gradkit against PyTorch.

Its own case stream (``case_rng(seed, i)`` of ``fuzzer.py``, so any case is reproduced alone:
``python tests/fuzz/nn_fuzzer.py --seed S --case I``). A case is

- ``F``: a random call of a public ``torch.nn.functional`` function gradkit has (every name of
  ``dir(torch.nn.functional)`` that ``gradkit.nn.functional`` also has, each with a generator
  of valid arguments in ``FUNCTIONAL``), or
- ``module``: a module built from random constructor arguments (``MODULES``), its parameters and
  buffers copied from PyTorch's (``state_dict``), run forward in train or eval mode,

then mutated: dtypes (bool, uint8, int32, int64, float16, bfloat16, float32, float64), special
values (NaN, +-inf, huge, tiny), layouts (transposed, strided), 0-d, empty and batchless (one dim
fewer) or one dim more, ints (kernel/stride/padding/dilation/groups/sizes, also 0 and negative),
floats, flags and strings (also a bad one), a nested Python list where a tensor goes.

Outcomes are ``fuzzer.classify``'s (values, dtypes and shapes; float64 gradients of a random
projection with respect to the inputs and the module's parameters; exception types; raw
NumPy/Python errors); a failing finding that ``ALLOW`` names counts as ``allowed``. Random
functions (dropout in training, gumbel_softmax, rrelu in training, fractional pooling without
samples) are compared by shape and dtype only.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections import Counter

import numpy as np

try:
    from . import fuzzer as fz
except ImportError:  # run as a script
    import fuzzer as fz

import gradkit as gk

torch = fz.torch

FLOATS = ("float64",) * 5 + ("float32",) * 3 + ("float16", "bfloat16")
MUT_DTYPES = ("bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64")
_DT_CODE = {d: i for i, d in enumerate(MUT_DTYPES + ("complex64", "complex128", "int8",
                                                     "int16"))}


class NArr(fz.Arr):
    """``fuzzer.Arr`` that can also be bfloat16 (NumPy has no such dtype: its values are kept
    as float32 and converted in each library)."""

    __slots__ = ("bf16",)

    def __init__(self, a, layout="c", grad=False, bf16=False):
        super().__init__(a, layout, grad)
        self.bf16 = bf16

    def make(self, lib, grad=False):
        if not self.bf16:
            return super().make(lib, grad)
        a = self.a.astype(np.float32)
        t_ = self.layout == "t" and a.ndim >= 2
        leaf = lib.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2)) if t_ else a)
        leaf = leaf.to(lib.bfloat16)
        if grad and self.grad:
            leaf.requires_grad_(True)
        return leaf, (leaf.transpose(-1, -2) if t_ else leaf)

    def __repr__(self):
        r = super().__repr__()
        return r.replace("<float32", "<bfloat16", 1) if self.bf16 else r


class NNCase:
    """One call: ``kind`` ``F`` (``fn(lib, F, *args, **kwargs)``) or ``module`` (``name`` of the
    class, constructor arguments ``ctor``/``ckw``, forward arguments ``args``/``kwargs``, the
    module's ``dtype`` and ``train`` mode)."""

    face = "function"
    sample = None

    def __init__(self, kind, name, args, kwargs=None, fn=None, ctor=(), ckw=None,
                 dtype="float32", train=False, random=False, mutations=()):
        self.kind = kind
        self.name = name
        self.args = list(args)
        self.kwargs = dict(kwargs or {})
        self.fn = fn
        self.ctor = list(ctor)
        self.ckw = dict(ckw or {})
        self.dtype = dtype
        self.train = train
        self.random = random
        self.mutations = list(mutations)
        self._state = None

    def __repr__(self):
        a = ", ".join([repr(x) for x in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()])
        muts = f" {{{','.join(self.mutations)}}}"
        if self.kind == "F":
            return f"F.{self.name}({a}){muts}"
        c = ", ".join([repr(x) for x in self.ctor] + [f"{k}={v!r}" for k, v in self.ckw.items()])
        mode = "train" if self.train else "eval"
        return f"nn.{self.name}({c}).to({self.dtype}).{mode}()({a}){muts}"

    # ---------------------------------------------------------------- running
    def call(self, lib, grad=False):
        leaves = []
        args = fz._build(lib, self.args, leaves, grad)
        kwargs = fz._build(lib, self.kwargs, leaves, grad)
        if isinstance(kwargs.get("dtype"), str):
            kwargs["dtype"] = getattr(lib, kwargs["dtype"])
        if self.kind == "F":
            fn = self.fn or (lambda L, F, *a, **k: getattr(F, self.name)(*a, **k))
            out = fn(lib, lib.nn.functional, *args, **kwargs)
        else:
            m, names = self._module(lib)
            if grad:
                params = dict(m.named_parameters())
                leaves[:0] = [params[n] for n in names]
            out = m(*args, **kwargs)
            bufs = self._buffer_names()
            if bufs:
                have = dict(m.named_buffers())
                out = (out, tuple(have.get(n, "missing buffer " + n) for n in bufs))
        if self.random:
            out = _shape_only(lib, out)
        return out, leaves

    def _torch_module(self):
        leaves = []
        ctor = fz._build(torch, self.ctor, leaves, False)
        ckw = fz._build(torch, self.ckw, leaves, False)
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(torch.nn, self.name)(*ctor, **ckw)

    def _torch_state(self):
        if self._state is None:
            try:
                m = self._torch_module()
                sd = {k: (v.detach().float() if v.dtype == torch.bfloat16 else v.detach())
                      .numpy().copy() for k, v in m.state_dict().items()}
                self._state = (sd, [n for n, _ in m.named_parameters()],
                               [n for n, b in m.named_buffers() if b is not None])
            except Exception:  # noqa: BLE001 - torch rejects the constructor arguments
                self._state = ({}, [], [])
        return self._state

    def _buffer_names(self):
        return self._torch_state()[2]

    def _module(self, lib):
        if lib is torch:
            m = self._torch_module()
        else:
            leaves = []
            ctor = fz._build(gk, self.ctor, leaves, False)
            ckw = fz._build(gk, self.ckw, leaves, False)
            m = getattr(gk.nn, self.name)(*ctor, **ckw)
            sd = self._torch_state()[0]
            if sd:
                m.load_state_dict({k: gk.tensor(v) for k, v in sd.items()})
        m = m.to(getattr(lib, self.dtype))
        m.train(self.train)
        return m, self._torch_state()[1]


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


def _shape_only(lib, out):
    if isinstance(out, (tuple, list)) and not isinstance(out, getattr(torch, "Size", ())):
        return tuple(_shape_only(lib, o) for o in out)
    if hasattr(out, "dtype") and hasattr(out, "shape"):
        shape = out.shape if lib is torch else tuple(out.shape)
        return (shape, _DT_CODE.get(_dtype_name(out), -1))
    return out


# ------------------------------------------------------------------ argument builders
class Gen:
    """Argument helpers for one case: its RNG and float dtype."""

    def __init__(self, rng):
        self.rng = rng
        self.fd = FLOATS[rng.integers(len(FLOATS))]
        self.frozen = set()   # ids of Arr that mutations leave alone (torch-fragile inputs)

    def r(self):
        return self.rng.random()

    def i(self, lo, hi):
        return int(self.rng.integers(lo, hi + 1))

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def x(self, *shape, grad=True, scale=1.0, lo=None, hi=None, dtype=None):
        """A float tensor of the case's dtype (or ``dtype``)."""
        a = self.rng.standard_normal(shape) * scale
        if lo is not None:
            a = lo + (hi - lo) * self.rng.random(shape)
        dt = dtype or self.fd
        if dt == "bfloat16":
            return NArr(a.astype(np.float32), bf16=True)
        return NArr(a.astype(dt), grad=grad and dt == "float64")

    def ints(self, shape, lo, hi, frozen=False):
        a = NArr(self.rng.integers(lo, hi, size=shape).astype(np.int64))
        if frozen:
            self.frozen.add(id(a))
        return a

    def red(self):
        return self.pick(("mean", "sum", "none"))

    def spatial(self, nd, lo=1, hi=6):
        return tuple(self.i(lo, hi) for _ in range(nd))

    def tup(self, nd, lo, hi):
        v = tuple(self.i(lo, hi) for _ in range(nd))
        return v[0] if self.r() < 0.4 else v


def _pool_gen(nd, kind):
    def gen(g):
        n, c = g.i(1, 3), g.i(1, 3)
        sp = g.spatial(nd, 2, 7)
        x = g.x(n, c, *sp)
        args = [x if g.r() < 0.85 else g.x(c, *sp)]  # batchless
        k = g.tup(nd, 1, 3)
        kw = {}
        if kind == "avg":
            args.append(k)
            if g.r() < 0.5:
                kw["stride"] = g.tup(nd, 1, 3)
            if g.r() < 0.4:
                kw["padding"] = g.tup(nd, 0, 1)
            if g.r() < 0.3:
                kw["ceil_mode"] = True
            if g.r() < 0.3:
                kw["count_include_pad"] = False
            if nd > 1 and g.r() < 0.2:
                kw["divisor_override"] = g.i(1, 4)
        elif kind == "max":
            args.append(k)
            if g.r() < 0.5:
                kw["stride"] = g.tup(nd, 1, 3)
            if g.r() < 0.4:
                kw["padding"] = g.tup(nd, 0, 1)
            if g.r() < 0.3:
                kw["dilation"] = g.tup(nd, 1, 2)
            if g.r() < 0.3:
                kw["ceil_mode"] = True
            if g.r() < 0.3:
                kw["return_indices"] = True
        elif kind == "lp":
            args.insert(1, g.pick((1.0, 2.0, 3.0, 1.5)))
            args.append(k)
            if g.r() < 0.5:
                kw["stride"] = g.tup(nd, 1, 3)
            if g.r() < 0.3:
                kw["ceil_mode"] = True
        else:  # adaptive
            args.append(g.tup(nd, 1, 4))
        return args, kw
    return gen


def _conv_gen(nd, transposed):
    def gen(g):
        n = g.i(1, 2)
        groups = g.pick((1, 1, 1, 2))
        cin, cout = groups * g.i(1, 2), groups * g.i(1, 2)
        k = g.spatial(nd, 1, 3)
        sp = g.spatial(nd, 3, 6)
        x = g.x(n, cin, *sp) if g.r() < 0.85 else g.x(cin, *sp)
        w = g.x(cin, cout // groups, *k) if transposed else g.x(cout, cin // groups, *k)
        args = [x, w]
        kw = {}
        if g.r() < 0.7:
            kw["bias"] = g.x(cout)
        if g.r() < 0.4:
            kw["stride"] = g.tup(nd, 1, 2)
        if g.r() < 0.4:
            kw["padding"] = g.tup(nd, 0, 2) if transposed or g.r() < 0.6 \
                else g.pick(("same", "valid"))
        if g.r() < 0.3:
            kw["dilation"] = g.tup(nd, 1, 2)
        if transposed and g.r() < 0.3:
            kw["output_padding"] = g.tup(nd, 0, 1)
        if groups > 1:
            kw["groups"] = groups
        return args, kw
    return gen


def _unary(*params):
    """An activation ``F.name(x, *params)``: ``params`` are ``(kw, generator)`` pairs."""
    def gen(g):
        shape = g.spatial(g.i(0, 3), 1, 4)
        kw = {k: f(g) for k, f in params if g.r() < 0.6}
        return [g.x(*shape, scale=2.0)], kw
    return gen


def _inplace(name, *params):
    base = _unary(*params)

    def gen(g):
        args, kw = base(g)
        args[0].grad = False
        return args, kw
    return gen, (lambda L, F, x, *a, **k: (getattr(F, name)(x, *a, **k), x))


def _loss_pair(g, **extra):
    shape = g.spatial(g.i(0, 3), 1, 4)
    return [g.x(*shape), g.x(*shape, grad=g.r() < 0.3)], dict(extra, reduction=g.red())


def _class_input(g, c):
    """``(input, class-index target)`` of shapes (N, C), (C,) or (N, C, d)."""
    r = g.r()
    if r < 0.6:
        n = g.i(1, 4)
        return g.x(n, c), g.ints((n,), 0, c)
    if r < 0.8:
        return g.x(c), g.ints((), 0, c)
    n, d = g.i(1, 3), g.i(1, 3)
    return g.x(n, c, d), g.ints((n, d), 0, c)


def _nll(g, ce=False):
    c = g.i(2, 5)
    x, t = _class_input(g, c)
    kw = {"reduction": g.red()}
    if g.r() < 0.3:
        kw["weight"] = g.x(c, lo=0.1, hi=2.0, grad=False)
    if g.r() < 0.3:
        ig = g.pick((-100, 0, 1, -1))
        kw["ignore_index"] = ig
        if ig >= 0 and t.a.size:
            t.a.reshape(-1)[0] = ig
    if ce and g.r() < 0.3:
        kw["label_smoothing"] = g.pick((0.1, 0.5, 1.0))
    if ce and g.r() < 0.2:  # class probabilities
        p = np.abs(g.rng.standard_normal(x.a.shape))
        t = NArr((p / np.maximum(p.sum(axis=1 if x.a.ndim > 1 else 0, keepdims=True), 1e-9))
                 .astype(x.a.dtype if not x.bf16 else np.float32), bf16=x.bf16)
        kw.pop("ignore_index", None)
    return [x, t], kw


def _ctc(g):
    T, n, c = g.i(3, 6), g.i(1, 3), g.i(2, 5)
    s = g.i(1, 3)
    lp = g.rng.standard_normal((T, n, c))
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    x = NArr(lp.astype(g.fd if g.fd != "bfloat16" else "float32"), grad=g.fd == "float64")
    tg = g.ints((n, s), 1, c, frozen=True)
    il = g.ints((n,), max(1, T - 1), T + 1, frozen=True)
    tl = g.ints((n,), 0, s + 1, frozen=True)
    kw = {"reduction": g.red()}
    if g.r() < 0.3:
        kw["zero_infinity"] = True
    return [x, tg, il, tl], kw


def _interp(g):
    nd = g.i(1, 3)
    n, c = g.i(1, 2), g.i(1, 2)
    sp = g.spatial(nd, 1, 5)
    modes = {1: ("nearest", "nearest-exact", "linear", "area"),
             2: ("nearest", "nearest-exact", "bilinear", "bicubic", "area"),
             3: ("nearest", "nearest-exact", "trilinear", "area")}[nd]
    mode = g.pick(modes)
    kw = {"mode": mode}
    if g.r() < 0.5:
        kw["size"] = g.tup(nd, 1, 7)
    else:
        kw["scale_factor"] = g.pick((0.5, 1.5, 2.0, 3.0, 0.7))
        if g.r() < 0.3:
            kw["recompute_scale_factor"] = True
    if mode in ("linear", "bilinear", "bicubic", "trilinear") and g.r() < 0.5:
        kw["align_corners"] = bool(g.r() < 0.5)
    if mode in ("bilinear", "bicubic") and g.r() < 0.2:
        kw["antialias"] = True
    return [g.x(n, c, *sp)], kw


def _grid_sample(g):
    nd = g.pick((2, 2, 3))
    n, c = g.i(1, 2), g.i(1, 2)
    sp = g.spatial(nd, 2, 4)
    osp = g.spatial(nd, 1, 3)
    grid = g.x(n, *osp, nd, scale=0.8)
    kw = {"mode": g.pick(("bilinear", "nearest") + (("bicubic",) if nd == 2 else ())),
          "padding_mode": g.pick(("zeros", "border", "reflection"))}
    if g.r() < 0.7:
        kw["align_corners"] = bool(g.r() < 0.5)
    return [g.x(n, c, *sp), grid], kw


def _pad(g):
    mode = g.pick(("constant", "constant", "reflect", "replicate", "circular"))
    nd = g.i(1, 3) if mode != "constant" else g.i(1, 3)
    n, c = g.i(1, 2), g.i(1, 2)
    sp = g.spatial(nd, 2, 4)
    pads = []
    for _ in range(g.i(1, nd)):
        pads += [g.i(0, 1), g.i(0, 1)]
    if mode == "constant" and g.r() < 0.3:
        pads[0] = -1
    kw = {"mode": mode}
    if mode == "constant" and g.r() < 0.5:
        kw["value"] = g.pick((0.0, 1.5, -2.0))
    x = g.x(n, c, *sp) if g.r() < 0.8 else g.x(c, *sp)
    return [x, tuple(pads)], kw


def _embedding(g):
    v, d = g.i(2, 6), g.i(1, 4)
    idx = g.ints(g.spatial(g.i(0, 2), 1, 4), 0, v)
    kw = {}
    if g.r() < 0.3:
        kw["padding_idx"] = g.pick((0, 1, -1))
    if g.r() < 0.2:
        kw["scale_grad_by_freq"] = True
    return [idx, g.x(v, d)], kw


def _embedding_bag(g):
    v, d = g.i(2, 6), g.i(1, 4)
    mode = g.pick(("sum", "mean", "max"))
    kw = {"mode": mode}
    if g.r() < 0.5:
        b, k = g.i(1, 3), g.i(1, 3)
        idx = g.ints((b, k), 0, v)
        n = b * k
    else:
        n = g.i(1, 6)
        idx = g.ints((n,), 0, v)
        nb = g.i(2, 3)  # torch 2.13 segfaults on include_last_offset with one offset
        offs = np.sort(g.rng.integers(0, n + 1, size=nb))
        offs[0] = 0
        kw["offsets"] = NArr(offs.astype(np.int64))
        g.frozen.add(id(kw["offsets"]))
        if g.r() < 0.3:
            kw["include_last_offset"] = True
    if mode == "sum" and g.r() < 0.4:
        kw["per_sample_weights"] = g.x(*idx.a.shape)
    if g.r() < 0.3:
        kw["padding_idx"] = g.pick((0, 1))
    return [idx, g.x(v, d)], kw


def _norm_gen(kind):
    def gen(g):
        n, c = g.i(1, 3), g.i(1, 4)
        sp = g.spatial(g.i(0 if kind == "batch" else 1, 2), 1, 4)
        x = g.x(n, c, *sp, scale=2.0)
        kw = {}
        if kind == "batch":
            train = g.r() < 0.5
            rm = g.x(c, grad=False) if not train or g.r() < 0.7 else None
            rv = g.x(c, lo=0.5, hi=2.0, grad=False) if rm is not None else None
            args = [x, rm, rv]
            kw["training"] = train
            if g.r() < 0.5:
                kw["weight"], kw["bias"] = g.x(c), g.x(c)
            if g.r() < 0.3:
                kw["momentum"] = g.pick((0.0, 0.5, 1.0))
            return args, kw
        if kind == "instance":
            if g.r() < 0.4:
                kw["weight"], kw["bias"] = g.x(c), g.x(c)
            if g.r() < 0.3:
                kw["running_mean"] = g.x(c, grad=False)
                kw["running_var"] = g.x(c, lo=0.5, hi=2.0, grad=False)
                kw["use_input_stats"] = bool(g.r() < 0.7)
            return [x], kw
        if kind == "group":
            ng = g.pick([d for d in range(1, c + 1) if c % d == 0])
            if g.r() < 0.5:
                kw["weight"], kw["bias"] = g.x(c), g.x(c)
            return [x, ng], kw
        shape = tuple(x.a.shape[-g.i(1, 2):])
        if kind == "layer":
            if g.r() < 0.5:
                kw["weight"] = g.x(*shape)
            if g.r() < 0.5:
                kw["bias"] = g.x(*shape)
            return [x, shape], kw
        if g.r() < 0.5:
            kw["weight"] = g.x(*shape)
        if g.r() < 0.3:
            kw["eps"] = 1e-3
        return [x, shape], kw
    return gen


def _sdpa(g):
    b, h, lq, lk, e, ev = g.i(1, 2), g.i(1, 2), g.i(1, 4), g.i(1, 4), g.i(1, 4), g.i(1, 4)
    q, k, v = g.x(b, h, lq, e), g.x(b, h, lk, e), g.x(b, h, lk, ev)
    kw = {}
    r = g.r()
    if r < 0.25:
        kw["attn_mask"] = NArr(g.rng.random((lq, lk)) < 0.7)
    elif r < 0.45:
        kw["attn_mask"] = g.x(lq, lk, grad=False)
    elif r < 0.6:
        kw["is_causal"] = True
    if g.r() < 0.3:
        kw["scale"] = g.pick((0.5, 1.0, 2.0))
    return [q, k, v], kw


def _mha_forward(g):
    e, h = g.pick(((4, 2), (4, 1), (6, 3), (2, 2))), None
    e, h = e
    lq, lk, b = g.i(1, 4), g.i(1, 4), g.i(1, 2)
    q = g.x(lq, b, e)
    k = g.x(lk, b, e)
    args = [q, k, k if g.r() < 0.5 else g.x(lk, b, e), e, h, g.x(3 * e, e), g.x(3 * e),
            None, None, False, 0.0, g.x(e, e), g.x(e)]
    kw = {"training": False, "need_weights": bool(g.r() < 0.5)}
    if g.r() < 0.3:
        kw["key_padding_mask"] = NArr(g.rng.random((b, lk)) < 0.3)
    if g.r() < 0.3:
        kw["attn_mask"] = g.x(lq, lk, grad=False)
    return args, kw


def _fold(g):
    c, kh, kw_ = g.i(1, 2), g.i(1, 2), g.i(1, 3)
    oh, ow = g.i(kh, 5), g.i(kw_, 5)
    L = (oh - kh + 1) * (ow - kw_ + 1)
    return [g.x(g.i(1, 2), c * kh * kw_, L), (oh, ow), (kh, kw_)], {}


def _unfold(g):
    kw = {}
    if g.r() < 0.4:
        kw["stride"] = g.tup(2, 1, 2)
    if g.r() < 0.4:
        kw["padding"] = g.tup(2, 0, 1)
    if g.r() < 0.3:
        kw["dilation"] = g.tup(2, 1, 2)
    return [g.x(g.i(1, 2), g.i(1, 2), *g.spatial(2, 2, 5)), g.tup(2, 1, 3)], kw


def _frac(nd, with_idx=False):
    def gen(g):
        n, c = g.i(1, 2), g.i(1, 2)
        sp = g.spatial(nd, 4, 7)
        kw = {"output_size": g.tup(nd, 1, 3)}
        kw["_random_samples"] = g.x(n, c, nd, lo=0.0, hi=1.0, grad=False)
        if with_idx:
            kw["return_indices"] = True
        return [g.x(n, c, *sp), g.pick((2, 3))], kw
    return gen


def _unpool(nd):
    def gen(g):
        n, c = g.i(1, 2), g.i(1, 2)
        sp = g.spatial(nd, 2, 5)
        return [g.x(n, c, *sp), g.tup(nd, 1, 2)], {}

    def fn(L, F, x, k, **kw):
        pool = getattr(F, f"max_pool{nd}d")
        y, idx = pool(x, k, return_indices=True)
        return getattr(F, f"max_unpool{nd}d")(y, idx, k, **kw)
    return gen, fn


def _simple(*shapes_fn):
    def gen(g):
        return [f(g) for f in shapes_fn], {}
    return gen


def _sim(g):
    shape = g.spatial(g.i(1, 3), 1, 4)
    kw = {}
    if g.r() < 0.4:
        kw["dim"] = g.i(-1, len(shape) - 1)
    return [g.x(*shape), g.x(*shape)], kw


def _dropout(name, nd=None):
    def gen(g):
        shape = g.spatial(nd + 2 if nd else g.i(0, 3), 1, 3)
        r = g.r()
        kw = {"p": g.pick((0.0, 0.5, 1.0)), "training": bool(r < 0.5)}
        return [g.x(*shape)], kw
    return gen


def _margin_rank(g):
    n = g.i(1, 4)
    t = NArr(np.sign(g.rng.standard_normal(n)).astype(np.float64))
    return [g.x(n), g.x(n), t], {"margin": g.pick((0.0, 0.5)), "reduction": g.red()}


def _cos_emb(g):
    n, d = g.i(1, 3), g.i(1, 4)
    t = NArr(np.sign(g.rng.standard_normal(n)).astype(np.int64))
    return [g.x(n, d), g.x(n, d), t], {"margin": g.pick((0.0, 0.3)), "reduction": g.red()}


def _multi_margin(g):
    c = g.i(2, 4)
    x, t = _class_input(g, c)
    if x.a.ndim == 3:
        x, t = g.x(2, c), g.ints((2,), 0, c)
    kw = {"p": g.pick((1, 2)), "margin": g.pick((1.0, 0.5)), "reduction": g.red()}
    if g.r() < 0.3:
        kw["weight"] = g.x(c, grad=False, lo=0.1, hi=2.0)
    return [x, t], kw


def _multilabel_margin(g):
    n, c = g.i(1, 3), g.i(1, 4)
    t = g.rng.integers(0, c, (n, c))
    for row in t:
        row[g.i(0, c - 1):] = -1 if g.r() < 0.7 else row[0]
    return [g.x(n, c), NArr(t.astype(np.int64))], {"reduction": g.red()}


def _triplet(g, dist=False):
    n, d = g.i(1, 3), g.i(1, 4)
    kw = {"margin": g.pick((1.0, 0.5)), "swap": bool(g.r() < 0.3), "reduction": g.red()}
    if not dist:
        kw["p"] = g.pick((1.0, 2.0))
    return [g.x(n, d), g.x(n, d), g.x(n, d)], kw


def _channel_shuffle(g):
    gr = g.i(1, 3)
    return [g.x(g.i(1, 2), gr * g.i(1, 2), *g.spatial(g.i(1, 2), 1, 3)), gr], {}


def _pixel(shuffle):
    def gen(g):
        r = g.i(1, 3)
        if shuffle:
            return [g.x(g.i(1, 2), r * r * g.i(1, 2), g.i(1, 3), g.i(1, 3)), r], {}
        return [g.x(g.i(1, 2), g.i(1, 2), r * g.i(1, 2), r * g.i(1, 2)), r], {}
    return gen


def _bce(g, logits=False):
    shape = g.spatial(g.i(0, 3), 1, 4)
    if logits:
        kw = {"reduction": g.red()}
        if g.r() < 0.3 and shape:
            kw["pos_weight"] = g.x(shape[-1], lo=0.5, hi=2.0, grad=False)
        if g.r() < 0.3:
            kw["weight"] = g.x(*shape, lo=0.5, hi=2.0, grad=False)
        return [g.x(*shape), g.x(*shape, lo=0.0, hi=1.0, grad=False)], kw
    kw = {"reduction": g.red()}
    if g.r() < 0.3:
        kw["weight"] = g.x(*shape, lo=0.5, hi=2.0, grad=False)
    return [g.x(*shape, lo=0.02, hi=0.98), g.x(*shape, lo=0.0, hi=1.0, grad=False)], kw


def _one_hot(g):
    c = g.i(1, 5)
    kw = {"num_classes": g.pick((-1, c, c + 1))}
    return [g.ints(g.spatial(g.i(0, 2), 1, 4), 0, c)], kw


def _normalize(g):
    shape = g.spatial(g.i(1, 3), 1, 4)
    kw = {"p": g.pick((1.0, 2.0, 3.0)), "dim": g.i(-1, len(shape) - 1)}
    return [g.x(*shape)], kw


def _pdist(g):
    return [g.x(g.i(2, 4), g.i(1, 3))], {"p": g.pick((1.0, 2.0, 0.5))}


def _affine_grid(g):
    n = g.i(1, 2)
    if g.r() < 0.6:
        return [g.x(n, 2, 3), [n, g.i(1, 2), g.i(1, 4), g.i(1, 4)]], \
            {"align_corners": bool(g.r() < 0.5)}
    return [g.x(n, 3, 4), [n, 1, g.i(1, 3), g.i(1, 3), g.i(1, 3)]], \
        {"align_corners": bool(g.r() < 0.5)}


def _gelu(g):
    return [g.x(*g.spatial(g.i(0, 3), 1, 4), scale=3)], {"approximate": g.pick(("none", "tanh"))}


def _softmax(name):
    def gen(g):
        shape = g.spatial(g.i(0, 3), 1, 4)
        kw = {"dim": g.i(-1, max(len(shape) - 1, 0))}
        if g.r() < 0.2:
            kw["dtype"] = g.pick(("float64", "float32"))
        return [g.x(*shape, scale=3)], kw
    return gen


def _bilinear(g):
    n, a, b, o = g.i(1, 3), g.i(1, 3), g.i(1, 3), g.i(1, 3)
    args = [g.x(n, a), g.x(n, b), g.x(o, a, b)]
    if g.r() < 0.5:
        args.append(g.x(o))
    return args, {}


def _linear(g):
    lead = g.spatial(g.i(0, 2), 1, 3)
    i, o = g.i(1, 4), g.i(1, 4)
    args = [g.x(*lead, i), g.x(o, i)]
    if g.r() < 0.6:
        args.append(g.x(o))
    return args, {}


def _prelu(g):
    c = g.i(1, 3)
    return [g.x(g.i(1, 2), c, g.i(1, 3)), g.x(g.pick((1, c)))], {}


def _glu(g):
    shape = list(g.spatial(g.i(1, 3), 1, 3))
    d = g.i(-1, len(shape) - 1)
    shape[d] *= 2
    return [g.x(*shape)], {"dim": d}


def _lrn(g):
    return [g.x(g.i(1, 2), g.i(1, 4), *g.spatial(g.i(1, 2), 1, 3))], \
        {"size": g.i(1, 3), "alpha": g.pick((1e-4, 0.5)), "k": g.pick((1.0, 2.0))}


def _gauss_nll(g):
    n, d = g.i(1, 3), g.i(1, 3)
    var = g.x(n, d, lo=0.1, hi=2.0) if g.r() < 0.7 else g.x(n, 1, lo=0.1, hi=2.0)
    return [g.x(n, d), g.x(n, d, grad=False), var], {"full": bool(g.r() < 0.5),
                                                       "reduction": g.red()}


def _poisson_nll(g):
    shape = g.spatial(g.i(1, 2), 1, 4)
    log_input = g.r() < 0.6
    x = g.x(*shape) if log_input else g.x(*shape, lo=0.1, hi=3.0)
    return [x, g.x(*shape, lo=0.0, hi=3.0, grad=False)], \
        {"log_input": log_input, "full": bool(g.r() < 0.4), "reduction": g.red()}


def _kl(g):
    a, kw = _loss_pair(g)
    kw["log_target"] = bool(g.r() < 0.5)
    if kw["reduction"] == "mean" and g.r() < 0.5:
        kw["reduction"] = "batchmean"
    return a, kw


def _hinge(g):
    shape = g.spatial(g.i(0, 2), 1, 4)
    t = NArr(np.sign(g.rng.standard_normal(shape)).astype(np.float64))
    return [g.x(*shape), t], {"margin": g.pick((1.0, 0.5)), "reduction": g.red()}


def _soft_margin(g):
    shape = g.spatial(g.i(0, 2), 1, 4)
    t = NArr(np.sign(g.rng.standard_normal(shape)).astype(np.float64))
    return [g.x(*shape), t], {"reduction": g.red()}


def _threshold(g):
    return [g.x(*g.spatial(g.i(0, 3), 1, 4)), g.pick((0.0, 0.5, -1.0)), g.pick((0.0, 2.0))], {}


def _scalar(*vals):
    return lambda g: vals[int(g.rng.integers(len(vals)))]


FUNCTIONAL = {
    "adaptive_avg_pool1d": _pool_gen(1, "adaptive"),
    "adaptive_avg_pool2d": _pool_gen(2, "adaptive"),
    "adaptive_avg_pool3d": _pool_gen(3, "adaptive"),
    "adaptive_max_pool1d": _pool_gen(1, "adaptive"),
    "adaptive_max_pool2d": _pool_gen(2, "adaptive"),
    "adaptive_max_pool3d": _pool_gen(3, "adaptive"),
    "adaptive_max_pool1d_with_indices": _pool_gen(1, "adaptive"),
    "adaptive_max_pool2d_with_indices": _pool_gen(2, "adaptive"),
    "adaptive_max_pool3d_with_indices": _pool_gen(3, "adaptive"),
    "affine_grid": _affine_grid,
    "alpha_dropout": _dropout("alpha_dropout"),
    "avg_pool1d": _pool_gen(1, "avg"), "avg_pool2d": _pool_gen(2, "avg"),
    "avg_pool3d": _pool_gen(3, "avg"),
    "batch_norm": _norm_gen("batch"),
    "bilinear": _bilinear,
    "binary_cross_entropy": _bce,
    "binary_cross_entropy_with_logits": lambda g: _bce(g, True),
    "celu": _unary(("alpha", _scalar(1.0, 0.5, 2.0))),
    "channel_shuffle": _channel_shuffle, "native_channel_shuffle": _channel_shuffle,
    "conv1d": _conv_gen(1, False), "conv2d": _conv_gen(2, False), "conv3d": _conv_gen(3, False),
    "conv_transpose1d": _conv_gen(1, True), "conv_transpose2d": _conv_gen(2, True),
    "conv_transpose3d": _conv_gen(3, True),
    "cosine_embedding_loss": _cos_emb,
    "cosine_similarity": _sim,
    "cross_entropy": lambda g: _nll(g, ce=True),
    "ctc_loss": _ctc,
    "dropout": _dropout("dropout"), "dropout1d": _dropout("dropout1d", 1),
    "dropout2d": _dropout("dropout2d", 2), "dropout3d": _dropout("dropout3d", 3),
    "elu": _unary(("alpha", _scalar(1.0, 0.5, 2.0))),
    "embedding": _embedding, "embedding_bag": _embedding_bag,
    "feature_alpha_dropout": _dropout("feature_alpha_dropout", 2),
    "fold": _fold,
    "fractional_max_pool2d": _frac(2), "fractional_max_pool3d": _frac(3),
    "fractional_max_pool2d_with_indices": _frac(2, True),
    "fractional_max_pool3d_with_indices": _frac(3, True),
    "gaussian_nll_loss": _gauss_nll,
    "gelu": _gelu,
    "glu": _glu,
    "grid_sample": _grid_sample,
    "group_norm": _norm_gen("group"),
    "gumbel_softmax": _unary(("tau", _scalar(1.0, 0.5)), ("hard", _scalar(True, False))),
    "hardshrink": _unary(("lambd", _scalar(0.5, 1.0))),
    "hardsigmoid": _unary(), "hardswish": _unary(),
    "hardtanh": _unary(("min_val", _scalar(-1.0, -0.5)), ("max_val", _scalar(1.0, 2.0))),
    "hinge_embedding_loss": _hinge,
    "huber_loss": lambda g: _loss_pair(g, delta=g.pick((1.0, 0.5))),
    "instance_norm": _norm_gen("instance"),
    "interpolate": _interp,
    "upsample": lambda g: (lambda a: (a[0], {k: v for k, v in a[1].items()
                                             if k not in ("recompute_scale_factor",
                                                          "antialias")}))(_interp(g)),
    "kl_div": _kl,
    "l1_loss": _loss_pair,
    "layer_norm": _norm_gen("layer"),
    "leaky_relu": _unary(("negative_slope", _scalar(0.01, 0.2, -0.5))),
    "linear": _linear,
    "local_response_norm": _lrn,
    "log_softmax": _softmax("log_softmax"), "softmax": _softmax("softmax"),
    "softmin": _softmax("softmin"),
    "logsigmoid": _unary(),
    "lp_pool1d": _pool_gen(1, "lp"), "lp_pool2d": _pool_gen(2, "lp"),
    "lp_pool3d": _pool_gen(3, "lp"),
    "margin_ranking_loss": _margin_rank,
    "max_pool1d": _pool_gen(1, "max"), "max_pool2d": _pool_gen(2, "max"),
    "max_pool3d": _pool_gen(3, "max"),
    "max_pool1d_with_indices": _pool_gen(1, "max"),
    "max_pool2d_with_indices": _pool_gen(2, "max"),
    "max_pool3d_with_indices": _pool_gen(3, "max"),
    "mish": _unary(),
    "mse_loss": _loss_pair,
    "multi_head_attention_forward": _mha_forward,
    "multi_margin_loss": _multi_margin,
    "multilabel_margin_loss": _multilabel_margin,
    "multilabel_soft_margin_loss": lambda g: _bce(g, True)[:1] + ({"reduction": g.red()},),
    "nll_loss": _nll,
    "normalize": _normalize,
    "one_hot": _one_hot,
    "pad": _pad,
    "pairwise_distance": lambda g: (lambda a: (a[0], {"p": g.pick((1.0, 2.0)),
                                                      "keepdim": bool(g.r() < 0.3)}))(_sim(g)),
    "pdist": _pdist,
    "pixel_shuffle": _pixel(True), "pixel_unshuffle": _pixel(False),
    "poisson_nll_loss": _poisson_nll,
    "prelu": _prelu,
    "relu": _unary(), "relu6": _unary(),
    "rms_norm": _norm_gen("rms"),
    "rrelu": _unary(("training", _scalar(False)), ("lower", _scalar(0.1, 0.3))),
    "scaled_dot_product_attention": _sdpa,
    "selu": _unary(), "sigmoid": _unary(), "silu": _unary(),
    "smooth_l1_loss": lambda g: _loss_pair(g, beta=g.pick((1.0, 0.5, 0.0))),
    "soft_margin_loss": _soft_margin,
    "softplus": _unary(("beta", _scalar(1.0, 2.0, 0.5)), ("threshold", _scalar(20.0, 1.0))),
    "softshrink": _unary(("lambd", _scalar(0.5, 1.0))),
    "softsign": _unary(), "tanh": _unary(), "tanhshrink": _unary(),
    "threshold": _threshold,
    "triplet_margin_loss": _triplet,
    "triplet_margin_with_distance_loss": lambda g: _triplet(g, dist=True),
    "unfold": _unfold,
    "upsample_bilinear": lambda g: ([g.x(1, g.i(1, 2), *g.spatial(2, 1, 4))],
                                    {"scale_factor": g.pick((2, 1.5))}),
    "upsample_nearest": lambda g: ([g.x(1, g.i(1, 2), *g.spatial(g.i(1, 3), 1, 4))],
                                   {"size": g.i(1, 5)}),
}
FUNCTIONS_FN = {
    "max_unpool1d": _unpool(1), "max_unpool2d": _unpool(2), "max_unpool3d": _unpool(3),
    "celu_": _inplace("celu_"), "elu_": _inplace("elu_"), "relu_": _inplace("relu_"),
    "selu_": _inplace("selu_"), "hardtanh_": _inplace("hardtanh_"),
    "leaky_relu_": _inplace("leaky_relu_", ("negative_slope", _scalar(0.01, 0.2))),
    "rrelu_": _inplace("rrelu_", ("training", _scalar(False))),
    "threshold_": (lambda g: (lambda a: (a[0], a[1]))(_threshold(g)),
                   lambda L, F, x, *a, **k: (F.threshold_(x, *a, **k), x)),
}
# random unless a sample is given / not training
RANDOM_F = {"alpha_dropout", "dropout", "dropout1d", "dropout2d", "dropout3d",
            "feature_alpha_dropout", "gumbel_softmax"}


def functional_names():
    import torch.nn.functional as TF

    return sorted(n for n in dir(TF) if not n.startswith("_") and callable(getattr(TF, n))
                  and hasattr(gk.nn.functional, n) and (n in FUNCTIONAL or n in FUNCTIONS_FN))


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
# modules whose forward draws random numbers in training
RANDOM_MODULES = {"Dropout"}


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
    g = Gen(rng)
    fn = None
    if name in FUNCTIONS_FN:
        gen, fn = FUNCTIONS_FN[name]
    else:
        gen = FUNCTIONAL[name]
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


def module_case(rng):
    global _M_NAMES
    if _M_NAMES is None:
        _M_NAMES = sorted(n for n in MODULES if hasattr(gk.nn, n))
    name = _M_NAMES[int(rng.integers(len(_M_NAMES)))]
    g = Gen(rng)
    ctor, ckw, args, kwargs = MODULES[name](g)
    muts = []
    for a in fz._arrays((ctor, ckw)):
        a.grad = False
    ctor = [_mutate_value(g, v, muts) for v in ctor]
    ckw = {k: _mutate_value(g, v, muts) for k, v in ckw.items()}
    args, kwargs = _mutate(g, args, kwargs, muts)
    train = bool(g.r() < 0.5)
    random = name in RANDOM_MODULES and train
    dtype = g.fd
    return NNCase("module", name, args, kwargs, ctor=ctor, ckw=ckw, dtype=dtype, train=train,
                  random=random, mutations=muts)


def make_case(seed, i):
    rng = fz.case_rng(seed, i)
    if rng.random() < 0.6:
        return f_case(rng)
    return module_case(rng)


# ------------------------------------------------------------------ allow-list and running
def _kw(case, name, pos=None):
    """An argument of a case: its keyword (forward or constructor) or its position."""
    for d in (case.kwargs, case.ckw):
        if name in d:
            return d[name]
    args = case.args if case.kind == "F" else case.ctor
    return args[pos] if pos is not None and pos < len(args) else None


def _ctc_blank_last(case):
    """A CTC case (F.ctc_loss or nn.CTCLoss) where a sample's last target label is the blank."""
    if case.name not in ("ctc_loss", "CTCLoss") or len(case.args) < 4:
        return False
    blank = _kw(case, "blank", 4 if case.kind == "F" else 0)
    blank = 0 if blank is None else blank
    tg, tl = case.args[1], case.args[3]
    if not isinstance(tg, fz.Arr) or not isinstance(tl, fz.Arr) or tg.a.ndim != 2:
        return False
    return any(k > 0 and k <= tg.a.shape[1] and tg.a[i, k - 1] == blank
               for i, k in enumerate(tl.a.reshape(-1).tolist()) if i < tg.a.shape[0])


def _grid_nan_clipped(case):
    """A 2-D grid_sample case with border/reflection padding and a NaN (or, under reflection,
    an infinite) grid coordinate."""
    if case.name != "grid_sample" or len(case.args) < 2:
        return False
    grid, mode = case.args[1], case.kwargs.get("padding_mode")
    if not isinstance(grid, fz.Arr) or grid.a.ndim != 4 or grid.a.dtype.kind != "f":
        return False
    with np.errstate(invalid="ignore"):
        return mode in ("border", "reflection") and bool(
            np.isnan(grid.a).any() or mode == "reflection" and np.isinf(grid.a).any())


# documented PyTorch defects, each checked directly against torch 2.13
def _bag_f64_last_offset(c):
    """An embedding_bag / EmbeddingBag case in float64 with include_last_offset=True."""
    if c.kind == "module":
        return (c.name == "EmbeddingBag" and c.dtype == "float64"
                and bool(c.ckw.get("include_last_offset")))
    if c.name != "embedding_bag" or not _kw(c, "include_last_offset"):
        return False
    w = c.args[1] if len(c.args) > 1 else c.kwargs.get("weight")
    return isinstance(w, fz.Arr) and w.a.dtype == np.float64 and not getattr(w, "bf16", False)


def _huge_input(c, lim=1e15):
    """A case with a finite input entry of magnitude >= ``lim`` beside others."""
    vals = list(c.args) + list(c.kwargs.values())
    return any(isinstance(v, fz.Arr) and v.a.dtype.kind == "f" and v.a.size > 0
               and bool((np.abs(v.a[np.isfinite(v.a)]) >= lim).any()) for v in vals)


ALLOW = [
    (lambda c, k, d: k == "grad-wrong" and c.name in ("LayerNorm", "layer_norm")
     and _huge_input(c),
     "torch 2.13's layer_norm backward computes the input's gradient as rstd g w + b x + c with "
     "b = (sum(g w) mean - sum(g w x)) rstd^3 / d: for an entry >= 1e15 the difference cancels "
     "catastrophically and leaves rounding noise times x (checked: a one-element row [1e30] "
     "gets -4.3e14 where the derivative of a constant output is 0); gradkit's "
     "(g w - mean(g w) - xhat mean(g w xhat)) rstd has no such cancellation"),
    (lambda c, k, d: k in ("wrong", "grad-wrong") and _bag_f64_last_offset(c),
     "torch 2.13's CPU embedding_bag with include_last_offset=True ends the last bag at the "
     "last offset in float32/float16/bfloat16 but, in float64 (its non-fbgemm path), adds the "
     "indices past it to the last bag (checked: offsets [0, 4] of 5 indices sum 4 rows in "
     "float32, 5 in float64); gradkit ends the bag at the last offset in every dtype, as "
     "documented (tests/nn/test_fuzz_error_order.py)"),
    (lambda c, k, d: k == "accepted-invalid" and c.name in ("lp_pool1d", "LPPool1d")
     and "mul(): argument 'other'" in d and "not tuple" in d,
     "torch 2.13's lp_pool1d multiplies by kernel_size, so a 1-tuple kernel (which LPPool1d's "
     "kernel_size: _size_1_t admits and every other 1-D pool takes) fails inside mul() with "
     "a TypeError; gradkit takes it as the int"),
    (lambda c, k, d: k == "grad-wrong" and _ctc_blank_last(c),
     "torch 2.13's CPU ctc_loss backward mishandles a last target label equal to blank (see "
     "fuzzer.py's ctc_loss entry and tests/nn/test_ctc_loss.py: gradkit's gradient is the "
     "finite difference of the loss)"),
    (lambda c, k, d: k == "wrong-error-type" and c.name == "GroupNorm"
     and "ZeroDivisionError" in d,
     "torch 2.13's GroupNorm computes num_channels % num_groups before any check, so "
     "num_groups=0 fails with Python's ZeroDivisionError; gradkit raises ValueError naming "
     "both numbers"),
    (lambda c, k, d: k == "missing" and c.name.startswith("fractional_max_pool")
     and "kernel_size must be positive" in d,
     "torch 2.13's fractional max pooling takes a kernel_size <= 0 unchecked: its windows are "
     "empty, every output is -inf and the indices point past the input (checked: 35 and 41 "
     "in a 30-element plane); gradkit raises RuntimeError"),
    (lambda c, k, d: k == "grad-wrong" and c.name in ("hardtanh", "Hardtanh")
     and any(isinstance(v, float) and v != v
             for v in (_kw(c, "min_val", 1), _kw(c, "max_val", 2),
                       *(c.ctor if c.kind == "module" else ()))),
     "torch 2.13's hardtanh backward at a NaN min_val/max_val zeroes the gradient in its SIMD "
     "body and passes it in its scalar tail (checked: a 19-element float64 input gets 0 at "
     "the first 16 elements, 1 at the last 3); gradkit zeroes it everywhere, as the SIMD body"),
    (lambda c, k, d: k == "wrong" and _grid_nan_clipped(c),
     "torch's vectorized 2-D grid_sampler CPU kernel clips a NaN coordinate (an inf one under "
     "reflection, whose fmod is NaN) to NaN, converts it to int64 and reads the element at "
     "the wrapped-around offset (see fuzzer.py's grid_sampler entry); gradkit follows torch's "
     "scalar kernels"),
]


def allowed(case, cls, detail):
    for pred, reason in ALLOW:
        if pred(case, cls, detail):
            return reason
    return None


def run(seed, n, start=0, grads=True, progress=False):
    counts = Counter()
    findings = []
    for i in range(start, start + n):
        case = make_case(seed, i)
        if os.environ.get("GRADKIT_FUZZ_TRACE"):
            print(i, case, file=sys.stderr, flush=True)
        cls, detail = fz.classify(case, grads)
        if (cls in fz.FAILING or cls == "missing") and allowed(case, cls, detail):
            cls = "allowed"
        counts[cls] += 1
        if cls in fz.FAILING or cls == "missing":
            findings.append((i, cls, case, detail))
        if progress and (i + 1) % 500 == 0:
            print(f"{i + 1} cases: {dict(counts)}", file=sys.stderr, flush=True)
    return counts, findings


def main(argv=None):
    import argparse
    warnings.simplefilter("ignore")

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=int(os.environ.get("GRADKIT_FUZZ_SEED", 0)))
    p.add_argument("--cases", type=int, default=int(os.environ.get("GRADKIT_FUZZ_CASES", 2000)))
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--case", type=int, default=None, help="run one case and show it")
    p.add_argument("--show", default=",".join(fz.FAILING), help="classes whose cases are listed")
    p.add_argument("--no-grad", action="store_true")
    a = p.parse_args(argv)
    if a.case is not None:
        case = make_case(a.seed, a.case)
        print(case)
        cls, detail = fz.classify(case, not a.no_grad)
        why = allowed(case, cls, detail) if cls in fz.FAILING or cls == "missing" else None
        print(cls, detail, f"(allowed: {why})" if why else "")
        return 0
    counts, findings = run(a.seed, a.cases, a.start, not a.no_grad, progress=True)
    return fz.print_report(counts, findings, a.show, "function")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.dirname(here))
    sys.exit(main())

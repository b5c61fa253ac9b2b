"""The nn fuzzer's cases (``nn_fuzzer.py``), part one: the case classes (``NArr``,
``NNCase``), the argument builder ``Gen`` and the generators of valid arguments of every
``nn.functional`` function (``FUNCTIONAL``). Part two, ``nn_module_cases.py``, has the
modules' generators, the mutations and ``make_case``. Moving code between these files keeps
every seed's cases only if the order of the draws stays the same."""

from __future__ import annotations

import warnings

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

    def _torch_module(self, quiet=True):
        """PyTorch's module; ``quiet``: its constructor's warnings ignored (the state's build,
        outside the compared call; the compared call's construction keeps them, as gradkit's
        does, so that a deprecation warning of the constructor is compared too)."""
        leaves = []
        ctor = fz._build(torch, self.ctor, leaves, False)
        ckw = fz._build(torch, self.ckw, leaves, False)
        torch.manual_seed(0)
        if not quiet:
            return getattr(torch.nn, self.name)(*ctor, **ckw)
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
            m = self._torch_module(quiet=False)
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

"""The calls of the random-streams fuzzer (``rng_fuzzer.py``): for each random API, a generator
of its arguments (``draw(rng) -> spec``, a dict of plain values and NumPy arrays) and a runner
(``run(lib, spec, g)``, the same call in ``gradkit`` or ``torch``; ``g`` an explicit
``Generator`` or ``None`` for the default one).

Arguments range over what users pass: every dtype the API takes (float16, bfloat16, float32,
float64, the integer dtypes, bool, complex where accepted) and some it refuses, 0-d and empty
shapes, sizes on both sides of the 16-element threshold of the vectorised kernels, transposed,
strided, permuted and expanded (self-overlapping) targets and inputs, bounds at the dtype's
extremes, and bad values (negative std, p outside [0, 1], low >= high, ...).
"""

from __future__ import annotations

import numpy as np

FLOATS = ("float16", "bfloat16", "float32", "float64")
INTS = ("uint8", "int8", "int16", "int32", "int64")
COMPLEX = ("complex64", "complex128")
ALL = FLOATS + INTS + ("bool",) + COMPLEX
LAYOUTS = ("c", "c", "c", "t", "s", "p", "e")
# element counts around the 16-value threshold of the vectorised normal/uniform kernels
SIZES = (0, 1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 48, 100)


def pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def shape(rng, max_dims=3):
    r = rng.random()
    if r < 0.1:
        return ()
    if r < 0.45:
        return (pick(rng, SIZES),)
    dims = int(rng.integers(2, max_dims + 1)) if max_dims >= 2 else 1
    s = [int(rng.integers(1, 7)) for _ in range(dims)]
    if rng.random() < 0.1:
        s[int(rng.integers(dims))] = 0
    return tuple(s)


def dtype_of(lib, name):
    return getattr(lib, name)


def tensor(lib, a, dtype=None, layout="c"):
    """``a`` (an array) as a tensor of ``dtype`` laid out as ``layout``: ``c`` contiguous, ``t``
    last two dims transposed, ``s`` every other row of a larger tensor, ``p`` dims reversed,
    ``e`` expanded from a last dim of one (several elements share memory)."""
    a = np.asarray(a)
    dt = dtype_of(lib, dtype) if dtype else None

    def mk(x):
        t = lib.tensor(np.ascontiguousarray(x))
        return t.to(dt) if dt is not None else t

    if layout == "t" and a.ndim >= 2:
        return mk(np.swapaxes(a, -1, -2)).transpose(-1, -2)
    if layout == "s" and a.ndim >= 1:
        return mk(np.repeat(a, 2, axis=0))[::2]
    if layout == "p" and a.ndim >= 2:
        return mk(np.transpose(a)).permute(*reversed(range(a.ndim)))
    if layout == "e" and a.ndim >= 1 and a.shape[-1] > 1:
        return mk(a[..., :1]).expand(*a.shape)
    return mk(a)


def _gkw(g):
    return {} if g is None else {"generator": g}


def _size_face(rng, s):
    """How a size is passed: ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``."""
    return pick(rng, ("varargs", "tuple", "list", "size="))


def _sized(fn, s, face, **kw):
    if face == "varargs":
        return fn(*s, **kw)
    if face == "tuple":
        return fn(tuple(s), **kw)
    if face == "list":
        return fn(list(s), **kw)
    return fn(size=tuple(s), **kw)


# ------------------------------------------------------------------ factories
def d_rand(rng):
    dt = pick(rng, FLOATS + FLOATS + COMPLEX + (None, "int64"))
    s = shape(rng)
    return {"shape": s, "dtype": dt, "face": _size_face(rng, s)}


def r_rand(name):
    def run(lib, sp, g):
        kw = _gkw(g)
        if sp["dtype"]:
            kw["dtype"] = dtype_of(lib, sp["dtype"])
        return _sized(getattr(lib, name), sp["shape"], sp["face"], **kw)
    return run


def d_randint(rng):
    r = rng.random()
    if r < 0.35:
        low, high = 0, int(pick(rng, (1, 2, 10, 100, 1000)))
    elif r < 0.5:
        low, high = -int(rng.integers(1, 50)), int(rng.integers(-10, 60))
    elif r < 0.75:  # ranges around the 32-/64-bit draw switch and the int64 extremes
        high = pick(rng, (2 ** 28 - 1, 2 ** 28, 2 ** 28 + 1, 2 ** 31, 2 ** 32, 2 ** 32 + 5,
                          2 ** 62, 2 ** 63 - 1))
        low = pick(rng, (0, 0, -2 ** 31, -2 ** 63, 5))
    else:
        low, high = int(rng.integers(-5, 5)), int(rng.integers(-5, 300))
    dt = pick(rng, (None, None, "int64", "int32", "int16", "int8", "uint8", "bool", "float32",
                    "float64", "float16", "bfloat16"))
    s = shape(rng)
    return {"low": low, "high": high, "shape": s, "dtype": dt,
            "face": pick(rng, ("low,high", "high", "kw"))}


def r_randint(lib, sp, g):
    kw = _gkw(g)
    if sp["dtype"]:
        kw["dtype"] = dtype_of(lib, sp["dtype"])
    if sp["face"] == "high" and sp["low"] == 0:
        return lib.randint(sp["high"], sp["shape"], **kw)
    if sp["face"] == "kw":
        return lib.randint(low=sp["low"], high=sp["high"], size=sp["shape"], **kw)
    return lib.randint(sp["low"], sp["high"], sp["shape"], **kw)


def d_randperm(rng):
    r = rng.random()
    n = pick(rng, SIZES) if r < 0.6 else int(rng.integers(0, 3000)) if r < 0.95 \
        else int(rng.integers(20000, 60000))
    if rng.random() < 0.03:
        n = -1
    dt = pick(rng, (None, None, "int64", "int32", "int16", "uint8", "float32", "float64",
                    "float16", "bfloat16"))
    return {"n": n, "dtype": dt}


def r_randperm(lib, sp, g):
    kw = _gkw(g)
    if sp["dtype"]:
        kw["dtype"] = dtype_of(lib, sp["dtype"])
    return lib.randperm(sp["n"], **kw)


def d_like(rng):
    s = shape(rng)
    return {"shape": s, "src": pick(rng, ALL), "layout": pick(rng, LAYOUTS),
            "dtype": pick(rng, (None, None, None) + FLOATS + ("int64", "complex64")),
            "low": int(rng.integers(-3, 3)), "high": int(pick(rng, (5, 100, 2 ** 40))),
            "bounds": pick(rng, ("high", "low,high"))}


def r_like(name):
    def run(lib, sp, g):
        x = tensor(lib, np.zeros(sp["shape"]), sp["src"], sp["layout"])
        kw = {}
        if sp["dtype"]:
            kw["dtype"] = dtype_of(lib, sp["dtype"])
        if name == "randint_like":
            kw.update(_gkw(g))
            if sp["bounds"] == "high":
                return lib.randint_like(x, sp["high"], **kw)
            return lib.randint_like(x, sp["low"], sp["high"], **kw)
        if g is not None:
            kw.update(_gkw(g))
        return getattr(lib, name)(x, **kw)
    return run


def d_normal(rng):
    form = pick(rng, ("ff", "tf", "ft", "tt", "tt"))
    s = shape(rng)
    s2 = tuple(d if rng.random() < 0.6 else 1 for d in s)[int(rng.integers(0, len(s) + 1)):] \
        if s else ()
    if rng.random() < 0.1 and s:
        s2 = s[:-1] + (s[-1] + 1,)  # does not broadcast
    mean = rng.standard_normal(s) * 3
    std = np.abs(rng.standard_normal(s2)) + 0.1
    if rng.random() < 0.08:
        std = -std
    return {"form": form, "shape": s, "mean": mean, "std": std,
            "mdt": pick(rng, ("float32", "float32", "float64", "float16", "bfloat16")),
            "sdt": pick(rng, ("float32", "float32", "float64", "float16")),
            "m": float(pick(rng, (0.0, 1.5, -2.0))), "s": float(pick(rng, (1.0, 0.5, 3.0, 0.0,
                                                                            -1.0))),
            "dtype": pick(rng, (None, None, "float64", "float16", "bfloat16")),
            "layout": pick(rng, LAYOUTS[:5])}


def r_normal(lib, sp, g):
    kw = _gkw(g)
    f = sp["form"]
    if f == "ff":
        if sp["dtype"]:
            kw["dtype"] = dtype_of(lib, sp["dtype"])
        return lib.normal(sp["m"], sp["s"], size=sp["shape"], **kw)
    m = tensor(lib, sp["mean"], sp["mdt"], sp["layout"])
    s = tensor(lib, sp["std"], sp["sdt"])
    if f == "tf":
        return lib.normal(m, sp["s"], **kw)
    if f == "ft":
        return lib.normal(sp["m"], s, **kw)
    return lib.normal(m, s, **kw)


def d_bernoulli(rng):
    s = shape(rng)
    p = rng.random(s)
    if rng.random() < 0.3 and p.size:
        p.reshape(-1)[: max(1, p.size // 3)] = pick(rng, (0.0, 1.0, 1.5, -0.5, np.nan))
    return {"p": p, "dtype": pick(rng, FLOATS + FLOATS + ("int64", "bool")),
            "layout": pick(rng, LAYOUTS[:5]),
            "face": pick(rng, ("fn", "fn", "method", "p=", "out")),
            "pf": float(pick(rng, (0.5, 0.2, 0.0, 1.0, 1.2)))}


def r_bernoulli(lib, sp, g):
    kw = _gkw(g)
    x = tensor(lib, sp["p"], sp["dtype"], sp["layout"])
    if sp["face"] == "method":
        return x.bernoulli(**kw)
    if sp["face"] == "p=":
        return lib.bernoulli(x, sp["pf"], **kw)
    if sp["face"] == "out":
        out = lib.empty(tuple(x.shape), dtype=x.dtype)
        r = lib.bernoulli(x, out=out, **kw)
        return (r, out)
    return lib.bernoulli(x, **kw)


def d_multinomial(rng):
    k = int(pick(rng, (1, 2, 3, 5, 10, 17, 40)))
    s = (k,) if rng.random() < 0.5 else (int(rng.integers(1, 5)), k)
    w = rng.random(s) * pick(rng, (1.0, 10.0, 1e-3))
    if rng.random() < 0.3:
        w[w < 0.3 * w.max()] = 0.0
    if rng.random() < 0.05:
        w.reshape(-1)[0] = pick(rng, (-1.0, np.nan, np.inf))
    repl = bool(rng.random() < 0.5)
    n = int(rng.integers(1, 2 * k + 2)) if repl or rng.random() < 0.1 else int(rng.integers(1,
                                                                                        k + 1))
    return {"w": w, "dtype": pick(rng, ("float32", "float32", "float64", "float16", "bfloat16",
                                        "int64")),
            "n": n, "replacement": repl, "layout": pick(rng, LAYOUTS[:5]),
            "face": pick(rng, ("fn", "method"))}


def r_multinomial(lib, sp, g):
    x = tensor(lib, sp["w"], sp["dtype"], sp["layout"])
    f = lib.multinomial if sp["face"] == "fn" else type(x).multinomial
    return f(x, sp["n"], sp["replacement"], **_gkw(g))


def d_poisson(rng):
    s = shape(rng)
    rates = rng.random(s) * pick(rng, (1.0, 5.0, 20.0, 200.0))
    if rng.random() < 0.05 and rates.size:
        rates.reshape(-1)[0] = -1.0
    return {"rates": rates, "dtype": pick(rng, FLOATS + ("float32", "float64", "int64")),
            "layout": pick(rng, LAYOUTS[:5])}


def r_poisson(lib, sp, g):
    return lib.poisson(tensor(lib, sp["rates"], sp["dtype"], sp["layout"]), **_gkw(g))


def d_binomial(rng):
    s = shape(rng)
    return {"count": np.floor(rng.random(s) * pick(rng, (5, 30, 300))), "prob": rng.random(s),
            "dtype": pick(rng, ("float32", "float64", "float16")),
            "layout": pick(rng, LAYOUTS[:5])}


def r_binomial(lib, sp, g):
    c = tensor(lib, sp["count"], sp["dtype"], sp["layout"])
    p = tensor(lib, sp["prob"], sp["dtype"])
    return lib.binomial(c, p, **_gkw(g))


# ------------------------------------------------------------------ in-place fillers
def _bound(rng, dt):
    """A ``random_`` bound for ``dt``: small, near the dtype's limits, or beyond them."""
    if dt == "bool":
        lim = (0, 1)
    elif dt in INTS:
        info = np.iinfo(dt)
        lim = (int(info.min), int(info.max))
    else:
        lim = {"float16": (-2 ** 11, 2 ** 11), "bfloat16": (-2 ** 8, 2 ** 8),
               "float32": (-2 ** 24, 2 ** 24), "float64": (-2 ** 53, 2 ** 53)}.get(dt, (0, 9))
    return pick(rng, (0, 1, 2, 5, 10, 100, -3, lim[0], lim[1], lim[1] + 1, lim[0] - 1,
                      2 ** 28, 2 ** 32, 2 ** 63 - 1, -2 ** 63))


FILLERS = ("uniform_", "normal_", "random_", "exponential_", "geometric_", "cauchy_",
           "log_normal_", "bernoulli_")


def d_fill(name):
    def draw(rng):
        s = shape(rng)
        dts = ALL if name in ("random_", "bernoulli_", "uniform_", "normal_") else FLOATS + \
            ("int64", "complex64")
        dt = pick(rng, dts if rng.random() < 0.5 else FLOATS)
        sp = {"name": name, "shape": s, "dtype": dt, "layout": pick(rng, LAYOUTS)}
        args = ()
        if name == "uniform_":
            args = pick(rng, ((), (-2.0, 3.0), (0.5, 0.5), (1.0, -1.0), (-1e30, 1e30),
                              (0, 10)))
        elif name == "normal_":
            args = pick(rng, ((), (2.0, 0.5), (0.0, 0.0), (1.0, -1.0), (-3, 4)))
        elif name == "random_":
            form = pick(rng, ("none", "to", "from,to", "from,to", "from,None"))
            if form == "to":
                args = (_bound(rng, dt),)
            elif form == "from,to":
                args = (_bound(rng, dt), _bound(rng, dt))
            elif form == "from,None":
                # (torch 2.13 loops forever on random_(2**63 - 1, None) of a float tensor:
                # its bound adjustment shifts INT64_MIN right until it is 0)
                f = _bound(rng, dt)
                args = (f if f != 2 ** 63 - 1 or dt not in FLOATS else 0, None)
        elif name == "exponential_":
            args = pick(rng, ((), (0.5,), (3.0,), (0.0,), (-1.0,), (float("inf"),)))
        elif name == "geometric_":
            args = pick(rng, ((0.5,), (0.1,), (0.9,), (0.0,), (1.0,), (1e-6,)))
        elif name == "cauchy_":
            args = pick(rng, ((), (1.0, 2.0), (0.0, 0.0), (0.0, -1.0)))
        elif name == "log_normal_":
            args = pick(rng, ((), (0.0, 0.5), (1.0, 0.0), (-1.0, 1.0)))
        elif name == "bernoulli_":
            if rng.random() < 0.5:
                args = (float(pick(rng, (0.5, 0.2, 0.0, 1.0, 1.5, -0.1))),)
            else:
                ps = s if rng.random() < 0.7 or not s else s[int(rng.integers(len(s))):]
                p = rng.random(ps)
                sp["pdt"] = pick(rng, FLOATS + ("float32", "float64"))
                sp["playout"] = pick(rng, LAYOUTS[:5])
                args = (p,)
        sp["args"] = args
        return sp
    return draw


def scalar_bernoulli(sp):
    """Whether the call draws ``bernoulli_(p)`` with a number ``p`` (MKL's stream on Intel)."""
    return sp.get("name") == "bernoulli_" and sp["args"] and not isinstance(sp["args"][0],
                                                                             np.ndarray)


def r_fill(lib, sp, g):
    x = tensor(lib, np.zeros(sp["shape"]), sp["dtype"], sp["layout"])
    args = list(sp["args"])
    if args and isinstance(args[0], np.ndarray):
        args[0] = tensor(lib, args[0], sp["pdt"], sp["playout"])
    r = getattr(x, sp["name"])(*args, **_gkw(g))
    return (r is x, x)


# ------------------------------------------------------------------ nn
DROPOUTS = ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
            "feature_alpha_dropout", "rrelu", "rrelu_")


def d_dropout(rng):
    name = pick(rng, DROPOUTS)
    nd = {"dropout1d": (2, 3), "dropout2d": (3, 4), "dropout3d": (4, 5)}.get(name)
    if nd is not None:
        s = tuple(int(rng.integers(1, 5)) for _ in range(pick(rng, nd)))
        if rng.random() < 0.1:
            s = s + (2,)
    else:
        s = shape(rng)
    return {"name": name, "x": rng.standard_normal(s),
            "dtype": pick(rng, ("float32", "float32", "float64", "float16", "bfloat16")),
            "layout": pick(rng, LAYOUTS[:5]), "p": float(pick(rng, (0.5, 0.1, 0.9, 0.0, 1.0,
                                                                    1.5))),
            "training": bool(rng.random() < 0.85), "inplace": bool(rng.random() < 0.2),
            "lu": pick(rng, ((1 / 8, 1 / 3), (0.1, 0.5), (0.3, 0.3), (0.5, 0.1)))}


def dropout_bernoulli(sp):
    return sp.get("name") in DROPOUTS[:6] and sp["training"] and 0 < sp["p"] < 1


def r_dropout(lib, sp, g):
    F = lib.nn.functional
    x = tensor(lib, sp["x"], sp["dtype"], sp["layout"])
    name = sp["name"]
    if name.startswith("rrelu"):
        lo, up = sp["lu"]
        if name == "rrelu_":
            return F.rrelu_(x, lo, up, training=sp["training"])
        return F.rrelu(x, lo, up, training=sp["training"], inplace=sp["inplace"])
    return getattr(F, name)(x, sp["p"], sp["training"], sp["inplace"])


INITS = ("uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "xavier_normal_",
         "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_")


def d_init(rng):
    name = pick(rng, INITS)
    s = pick(rng, ((3, 4), (16, 8), (5, 2, 3, 3), (7,), (2, 17), (4, 4, 1)))
    kw = {}
    if name == "trunc_normal_":
        kw = pick(rng, ({}, {"mean": 1.0, "std": 2.0, "a": -1.0, "b": 3.0}))
    elif name.startswith("kaiming"):
        kw = pick(rng, ({}, {"a": 0.1, "mode": "fan_out"}, {"nonlinearity": "leaky_relu"}))
    elif name == "sparse_":
        kw = {"sparsity": float(pick(rng, (0.1, 0.5, 0.9)))}
    elif name in ("xavier_uniform_", "xavier_normal_", "orthogonal_"):
        kw = pick(rng, ({}, {"gain": 2.0}))
    return {"name": name, "shape": s, "kw": kw,
            "dtype": pick(rng, ("float32", "float32", "float64", "float16", "bfloat16")),
            "layout": pick(rng, ("c", "c", "t", "s"))}


def r_init(lib, sp, g):
    x = tensor(lib, np.zeros(sp["shape"]), sp["dtype"], sp["layout"])
    getattr(lib.nn.init, sp["name"])(x, **sp["kw"], **_gkw(g))
    return x


# ------------------------------------------------------------------ distributions
DISTS = {
    "Normal": lambda r, s: (r.standard_normal(s), np.abs(r.standard_normal(s)) + 0.1),
    "Uniform": lambda r, s: (r.random(s) - 1, r.random(s) + 0.1),
    "Bernoulli": lambda r, s: (r.random(s),),
    "Exponential": lambda r, s: (r.random(s) + 0.1,),
    "Laplace": lambda r, s: (r.standard_normal(s), r.random(s) + 0.1),
    "Cauchy": lambda r, s: (r.standard_normal(s), r.random(s) + 0.1),
    "LogNormal": lambda r, s: (r.standard_normal(s), r.random(s) + 0.1),
    "Gumbel": lambda r, s: (r.standard_normal(s), r.random(s) + 0.1),
    "Geometric": lambda r, s: (r.random(s) * 0.9 + 0.05,),
    "Poisson": lambda r, s: (r.random(s) * 10,),
    "Gamma": lambda r, s: (r.random(s) * 3 + 0.1, r.random(s) + 0.5),
    "Beta": lambda r, s: (r.random(s) * 3 + 0.1, r.random(s) * 3 + 0.1),
    "Chi2": lambda r, s: (r.random(s) * 5 + 0.5,),
    "StudentT": lambda r, s: (r.random(s) * 5 + 0.5,),
    "Dirichlet": lambda r, s: (r.random(s + (3,)) * 2 + 0.1,),
    "Categorical": lambda r, s: (r.random(s + (4,)),),
    "OneHotCategorical": lambda r, s: (r.random(s + (4,)),),
    "Binomial": lambda r, s: (np.floor(r.random(s) * 10), r.random(s)),
    "HalfNormal": lambda r, s: (r.random(s) + 0.1,),
    "Weibull": lambda r, s: (r.random(s) + 0.5, r.random(s) + 0.5),
    "VonMises": lambda r, s: (r.standard_normal(s), r.random(s) * 4 + 0.1),
    "MultivariateNormal": lambda r, s: (r.standard_normal(s + (3,)), np.eye(3) * 2.0),
    "RelaxedBernoulli": lambda r, s: (np.array(0.5), r.random(s)),
}


def d_dist(rng):
    name = pick(rng, sorted(DISTS))
    s = pick(rng, ((), (3,), (2, 3), (17,)))
    return {"name": name, "params": DISTS[name](rng, s),
            "dtype": pick(rng, ("float32", "float32", "float64")),
            "sample_shape": pick(rng, ((), (2,), (4, 5), (16,), (0,))),
            "r": bool(rng.random() < 0.3)}


def r_dist(lib, sp, g):
    params = [tensor(lib, p, sp["dtype"]) for p in sp["params"]]
    d = getattr(lib.distributions, sp["name"])(*params)
    if sp["r"] and d.has_rsample:
        return d.rsample(sp["sample_shape"]).detach()
    return d.sample(sp["sample_shape"])


# ------------------------------------------------------------------ data
def d_data(rng):
    n = int(pick(rng, (0, 1, 5, 16, 17, 33, 100)))
    kind = pick(rng, ("loader", "loader", "split", "split", "random_sampler", "weighted",
                      "subset"))
    sp = {"kind": kind, "n": n, "batch": int(pick(rng, (1, 3, 8))),
          "drop_last": bool(rng.random() < 0.3), "replacement": bool(rng.random() < 0.4),
          "num_samples": pick(rng, (None, 7, 40))}
    if kind == "split":
        k = int(rng.integers(1, 4))
        if rng.random() < 0.5:
            fr = rng.random(k) + 0.05
            sp["lengths"] = [round(float(f), 3) for f in fr / fr.sum()]
        else:
            cuts = sorted(rng.integers(0, n + 1, k - 1).tolist()) if n else [0] * (k - 1)
            sp["lengths"] = [b - a for a, b in zip([0] + cuts, cuts + [n])]
    if kind == "weighted":
        sp["weights"] = (rng.random(max(n, 1)) * 3).round(3).tolist()
    return sp


def r_data(lib, sp, g):
    data = lib.utils.data
    n = sp["n"]
    kw = _gkw(g)
    ds = data.TensorDataset(lib.arange(n))
    if sp["kind"] == "loader":
        dl = data.DataLoader(ds, batch_size=sp["batch"], shuffle=True,
                             drop_last=sp["drop_last"], **kw)
        return [b[0].tolist() for b in dl]
    if sp["kind"] == "split":
        return [list(s.indices) for s in data.random_split(ds, sp["lengths"], **kw)]
    if sp["kind"] == "random_sampler":
        return list(data.RandomSampler(ds, replacement=sp["replacement"],
                                       num_samples=sp["num_samples"], **kw))
    if sp["kind"] == "weighted":
        return list(data.WeightedRandomSampler(sp["weights"], sp["num_samples"] or 10,
                                               replacement=sp["replacement"] or
                                               sp["num_samples"] is None, **kw))
    return list(data.SubsetRandomSampler(list(range(0, n, 2)), **kw))


# ------------------------------------------------------------------ state
STATE_OPS = ("get_set_rng_state", "generator_state", "initial_seed", "fork_rng",
             "manual_seed", "transfer", "seed")


def d_state(rng):
    return {"op": pick(rng, STATE_OPS), "n": int(pick(rng, (1, 5, 16, 17, 1000))),
            "seed": int(pick(rng, (0, 1, 7, 2 ** 32 + 3, 2 ** 63, -5)))}


def r_state(lib, sp, g):
    """A state operation and a draw after it; ``transfer`` is handled by the runner."""
    gen = g if g is not None else lib.default_generator
    op, n = sp["op"], sp["n"]
    if op == "get_set_rng_state":
        st = lib.get_rng_state() if g is None else g.get_state()
        a = lib.randn(n, generator=g)
        (lib.set_rng_state if g is None else g.set_state)(st)
        b = lib.randn(n, generator=g)
        return (a, b, st)
    if op == "generator_state":
        other = lib.Generator()
        other.set_state(gen.get_state())
        return (lib.rand(n, generator=other), other.initial_seed(), other.get_state())
    if op == "initial_seed":
        return gen.initial_seed() if g is not None else lib.initial_seed()
    if op == "fork_rng":
        with lib.random.fork_rng():
            a = lib.rand(n)
        return (a, lib.rand(n))
    if op == "manual_seed":
        r = gen.manual_seed(sp["seed"])
        return (r is gen, gen.initial_seed(), lib.rand(n, generator=g))
    if op == "seed":
        s = gen.seed()
        return (type(s).__name__, s == gen.initial_seed())
    return None


CALLS = {
    "rand": (d_rand, r_rand("rand")),
    "randn": (d_rand, r_rand("randn")),
    "randint": (d_randint, r_randint),
    "randperm": (d_randperm, r_randperm),
    "rand_like": (d_like, r_like("rand_like")),
    "randn_like": (d_like, r_like("randn_like")),
    "randint_like": (d_like, r_like("randint_like")),
    "normal": (d_normal, r_normal),
    "bernoulli": (d_bernoulli, r_bernoulli),
    "multinomial": (d_multinomial, r_multinomial),
    "poisson": (d_poisson, r_poisson),
    "binomial": (d_binomial, r_binomial),
    **{name: (d_fill(name), r_fill) for name in FILLERS},
    "dropout": (d_dropout, r_dropout),
    "init": (d_init, r_init),
    "distribution": (d_dist, r_dist),
    "data": (d_data, r_data),
    "state": (d_state, r_state),
}

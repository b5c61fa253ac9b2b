"""The nn fuzzer's cases, part five: how programs use modules beyond one call. Each is an
``F`` case whose ``fn(lib, F, *args, **kwargs)`` runs the whole scenario in one library and
returns what is compared:

- ``usage:state_dict``: a module (``nn_module_cases.MODULES``' arguments, float64) trained one
  step's worth (a forward in training mode), its ``state_dict`` loaded into a fresh module
  (strict, or not with keys left out), then both called in evaluation mode; the keys (in
  order), the missing and unexpected keys and every tensor of the state are compared;
- ``usage:hooks``: forward pre-hooks and forward hooks that replace the input or the output,
  full backward (pre-)hooks that see and replace gradients, a tensor hook, handles removed;
- ``usage:parametrize``: ``register_parametrization`` of a module of the case's own (one that
  makes a square weight symmetric, or scales it), ``weight_norm``, ``orthogonal``, caching,
  ``remove_parametrizations`` (kept parametrized or not), the parametrized ``state_dict``;
- ``usage:channels_last``: image modules (convolutions, norms, pools, upsampling) given
  ``channels_last`` inputs and/or moved to ``channels_last``: values and the output's memory
  format;
- ``usage:containers``: ``Sequential`` (indexing, slicing, ``append``/``insert``/``extend``,
  an ``OrderedDict``), ``ModuleList``, ``ModuleDict``, ``ParameterList``/``ParameterDict``,
  their parameter names and counts, ``NLLLoss2d``;
- ``usage:zero_batch``: a module of ``MODULES`` given a batch of no samples (its first
  dimension 0), in training or evaluation mode;
- ``usage:mixed_dtype``: a module of one float dtype called with an input of another (PyTorch
  raises for most), and modules converted with ``.double()``/``.half()``/``.bfloat16()``.
- ``usage:train_eval``: a norm, linear, convolution or embedding module switched between
  training and evaluation mode (three calls, the evaluation ones with gradients, under
  ``no_grad`` or ``inference_mode``; BatchNorm with ``momentum=None`` too): the outputs, the
  ``training`` flags and the state (running statistics, ``num_batches_tracked``);
- ``usage:conv_tbc``: ``F.conv_tbc`` (time, batch, channel), padded or cropped.

Key lists are compared as tuples of character codes (strings are not compared by
``fuzzer.compare``). Drawn from case index ``USAGE_FROM`` on, for a share ``USAGE_SHARE`` of
the indices the other series leave, by a stream of their own (the ``[seed, i, 4]``
generator), so that the cases the other series draw keep their draws."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

try:
    from . import nn_module_cases as mc
    from .nn_cases import Gen, NNCase
    from .nn_scenario_cases import _fill_params, _outputs
except ImportError:  # run as a script
    import nn_module_cases as mc
    from nn_cases import Gen, NNCase
    from nn_scenario_cases import _fill_params, _outputs

__all__ = ["USAGE", "USAGE_FROM", "USAGE_SHARE", "usage_case", "usage_name"]

USAGE_FROM, USAGE_SHARE = 300, 0.06


def _codes(keys):
    """A list of strings as a tuple of ints (``fuzzer.compare`` compares ints, not strings)."""
    return tuple(ord(c) for c in "|".join(keys))


def _state(m):
    """A module's state: its keys (as codes) and its floating tensors, detached."""
    sd = m.state_dict()
    return (_codes(sd),) + tuple(v.detach() for v in sd.values() if v.is_floating_point())


# ------------------------------------------------------------------ state_dict round trips
STATEFUL = ("Linear", "Bilinear", "Conv1d", "Conv2d", "ConvTranspose2d", "BatchNorm1d",
            "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "LayerNorm",
            "RMSNorm", "GroupNorm", "RNN", "LSTM", "GRU", "LSTMCell", "GRUCell",
            "MultiheadAttention", "TransformerEncoderLayer", "Embedding", "PReLU")


def _state_dict(g):
    name = g.pick(STATEFUL)
    g.fd = "float64"
    ctor, ckw, args, kwargs = mc.MODULES[name](g)
    if name.startswith("InstanceNorm"):
        ckw = dict(ckw, track_running_stats=bool(g.r() < 0.7))
    strict = bool(g.r() < 0.7)
    drop = g.i(0, 2)  # keys left out of the loaded state (strict=False only)
    extra = bool(g.r() < 0.3)  # a key of no parameter (strict=False only)

    def fn(L, F, *a, **k):
        m1 = _fill_params(L, getattr(L.nn, name)(*ctor, **ckw), 19).double().train()
        with L.no_grad():
            m1(*a, **k)  # (running statistics move)
        sd = m1.state_dict()
        m2 = getattr(L.nn, name)(*ctor, **ckw).double()
        _fill_params(L, m2, 23)
        if strict:
            res = m2.load_state_dict(sd)
        else:
            part = OrderedDict(list(sd.items())[drop:])
            if extra:
                part["not_a_key"] = L.zeros(1, dtype=L.float64)
            res = m2.load_state_dict(part, strict=False)
        m1.eval()
        m2.eval()
        with L.no_grad():
            y1 = _outputs(L, m1(*a, **k))
        y2 = _outputs(L, m2(*a, **k))
        return (tuple(y1), tuple(y2), _codes(res.missing_keys), _codes(res.unexpected_keys),
                _state(m2))
    return args, kwargs, fn


# ------------------------------------------------------------------ hooks
def _hooks(g):
    kind = g.pick(("Linear", "Conv1d", "Sequential", "Tanh"))
    b, c = g.i(1, 3), g.i(1, 3)
    x = g.x(*((b, c) if kind in ("Linear", "Sequential") else (b, c, g.i(2, 4))),
            dtype="float64")
    pre = g.pick((None, "scale", "kwargs"))
    post = g.pick((None, "add", "none"))
    bwd = g.pick((None, "see", "replace"))
    bwd_pre = bool(g.r() < 0.3)
    tensor_hook = bool(g.r() < 0.4)
    remove = bool(g.r() < 0.3)

    def fn(L, F, x):
        nn = L.nn
        if kind == "Linear":
            m = nn.Linear(c, 2)
        elif kind == "Conv1d":
            m = nn.Conv1d(c, 2, 2)
        elif kind == "Sequential":
            m = nn.Sequential(nn.Linear(c, 3), nn.ReLU(), nn.Linear(3, 2))
        else:
            m = nn.Tanh()
        m = _fill_params(L, m, 29).double()
        seen = []
        handles = []
        if pre == "scale":
            handles.append(m.register_forward_pre_hook(lambda mod, inp: (inp[0] * 2.0,)))
        elif pre == "kwargs":
            def pre_kw(mod, args, kwargs):
                return (args[0] + 0.5,), kwargs
            handles.append(m.register_forward_pre_hook(pre_kw, with_kwargs=True))
        if post == "add":
            handles.append(m.register_forward_hook(lambda mod, inp, out: out + inp[0].sum()))
        elif post == "none":
            handles.append(m.register_forward_hook(lambda mod, inp, out: seen.append(
                out.detach() * 1.0)))
        if bwd is not None:
            def bhook(mod, gin, gout):
                seen.extend(t.detach() * 1.0 for t in gout if t is not None)
                seen.extend(t.detach() * 1.0 for t in gin if t is not None)
                if bwd == "replace":
                    return tuple(None if t is None else t * 3.0 for t in gin)
                return None
            handles.append(m.register_full_backward_hook(bhook))
        if bwd_pre:
            handles.append(m.register_full_backward_pre_hook(
                lambda mod, gout: tuple(t * -1.0 for t in gout)))
        # (the fuzzer's first call builds x without requires_grad)
        xi = (x if x.requires_grad else x.detach().requires_grad_(True)) * 1.0
        if tensor_hook:
            xi.register_hook(lambda t: seen.append(t.detach() * 1.0))
        y = m(xi)
        s = (y * y).sum() + y.sin().sum()
        params = [p for _, p in m.named_parameters()]
        gs = L.autograd.grad(s, [xi] + params, allow_unused=True)
        if remove:
            for h in handles:
                h.remove()
            y = m(xi)
        return (y,) + tuple(gs) + tuple(seen)
    return [x], {}, fn


# ------------------------------------------------------------------ parametrizations
def _parametrize(g):
    kind = g.pick(("symmetric", "scale", "weight_norm", "orthogonal", "two"))
    n = g.i(2, 4)
    conv = kind in ("scale", "weight_norm") and g.r() < 0.4
    x = g.x(*((g.i(1, 3), n, g.i(3, 5)) if conv else (g.i(1, 3), n)), dtype="float64")
    dim = g.pick((0, 1, None)) if kind == "weight_norm" else None
    omap = g.pick(("matrix_exp", "cayley", "householder")) if kind == "orthogonal" else None
    cached = bool(g.r() < 0.3)
    remove = g.pick((None, True, False))

    def fn(L, F, x):
        nn, P = L.nn, L.nn.utils.parametrize
        m = nn.Conv1d(n, n, 2) if conv else nn.Linear(n, n)
        m = _fill_params(L, m, 31).double()

        class Symmetric(nn.Module):
            def forward(self, w):
                return w.triu() + w.triu(1).transpose(0, 1)

        class Scale(nn.Module):
            def forward(self, w):
                return w * 2.0 + 0.25

            def right_inverse(self, w):
                return (w - 0.25) / 2.0

        if kind == "symmetric":
            P.register_parametrization(m, "weight", Symmetric())
        elif kind == "scale":
            P.register_parametrization(m, "weight", Scale())
        elif kind == "two":
            P.register_parametrization(m, "weight", Scale())
            P.register_parametrization(m, "weight", Symmetric())
        elif kind == "weight_norm":
            nn.utils.parametrizations.weight_norm(m, dim=dim)
        else:
            nn.utils.parametrizations.orthogonal(m, orthogonal_map=omap)
        if cached:
            with P.cached():
                y = m(x) + m(x)
        else:
            y = m(x)
        params = [p for _, p in m.named_parameters()]
        gs = L.autograd.grad((y * y).sum(), params, allow_unused=True)
        out = (y, P.is_parametrized(m), P.is_parametrized(m, "weight"), _state(m)) + tuple(gs)
        if remove is not None:
            P.remove_parametrizations(m, "weight", leave_parametrized=remove)
            out += (m(x), P.is_parametrized(m), _state(m))
        return out
    return [x], {}, fn


# ------------------------------------------------------------------ channels_last
def _channels_last(g):
    kind = g.pick(("Conv2d", "ConvTranspose2d", "BatchNorm2d", "GroupNorm", "MaxPool2d",
                   "AvgPool2d", "AdaptiveAvgPool2d", "Upsample", "Conv3d", "ReLU"))
    nd = 3 if kind == "Conv3d" else 2
    b, c = g.i(1, 3), g.pick((1, 2, 4))
    dt = g.pick(("float64", "float64", "float32"))
    x = g.x(b, c, *g.spatial(nd, 3, 5), dtype=dt)
    to_x = bool(g.r() < 0.8)
    to_m = bool(g.r() < 0.4)
    train = bool(g.r() < 0.5)

    def fn(L, F, x):
        nn = L.nn
        mf = L.channels_last_3d if nd == 3 else L.channels_last
        m = {"Conv2d": lambda: nn.Conv2d(c, 3, 2, padding=1),
             "ConvTranspose2d": lambda: nn.ConvTranspose2d(c, 2, 2, stride=2),
             "BatchNorm2d": lambda: nn.BatchNorm2d(c),
             "GroupNorm": lambda: nn.GroupNorm(1, c),
             "MaxPool2d": lambda: nn.MaxPool2d(2),
             "AvgPool2d": lambda: nn.AvgPool2d(2, stride=1),
             "AdaptiveAvgPool2d": lambda: nn.AdaptiveAvgPool2d(2),
             "Upsample": lambda: nn.Upsample(scale_factor=2, mode="nearest"),
             "Conv3d": lambda: nn.Conv3d(c, 2, 2),
             "ReLU": lambda: nn.ReLU()}[kind]()
        m = _fill_params(L, m, 37).to(getattr(L, dt)).train(train)
        if to_m:
            m = m.to(memory_format=mf)
        xi = x.contiguous(memory_format=mf) if to_x else x
        y = m(xi)
        return (y, xi.is_contiguous(memory_format=mf), y.is_contiguous(),
                y.is_contiguous(memory_format=mf))
    return [x], {}, fn


# ------------------------------------------------------------------ containers
def _containers(g):
    kind = g.pick(("Sequential", "ModuleList", "ModuleDict", "ParameterList",
                   "ParameterDict", "NLLLoss2d"))
    b, c = g.i(1, 3), g.i(1, 3)
    x = g.x(b, c, dtype="float64")
    op = g.i(0, 4)
    if kind == "NLLLoss2d":
        sp = g.spatial(2, 1, 3)
        x = g.x(b, c, *sp, dtype="float64")
        t = g.ints((b,) + sp, 0, c, frozen=True)
        red = g.red()
        return [x, t], {}, lambda L, F, x, t: L.nn.NLLLoss2d(reduction=red)(
            F.log_softmax(x, 1), t)

    def fn(L, F, x):
        nn = L.nn
        layers = [nn.Linear(c, 3), nn.Tanh(), nn.Linear(3, 2), nn.Sigmoid()]
        if kind == "Sequential":
            if op == 0:
                m = nn.Sequential(OrderedDict([("fc", layers[0]), ("act", layers[1]),
                                               ("out", layers[2])]))
            else:
                m = nn.Sequential(*layers[:2])
                if op == 1:
                    m.append(layers[2])
                elif op == 2:
                    m.extend(layers[2:])
                elif op == 3:
                    m.insert(1, nn.Identity())
                    m.append(layers[2])
                else:
                    m = nn.Sequential(*layers)[0:3]
            _fill_params(L, m, 41).double()
            y = m(x)
            sub = m[-1](m[:-1](x))
        elif kind == "ModuleList":
            m = nn.ModuleList(layers[:2])
            if op % 2:
                m.extend(layers[2:])
            else:
                m += nn.ModuleList(layers[2:3])
            if op == 4:
                m.insert(0, nn.Identity())
            _fill_params(L, m, 41).double()
            y = x
            for layer in m:
                y = layer(y)
            sub = m[len(m) - 1](y)
        elif kind == "ModuleDict":
            m = nn.ModuleDict({"b": layers[0], "a": layers[1]})
            if op % 2:
                m.update({"c": layers[2]})
            else:
                m["c"] = layers[2]
            if op == 4:
                del m["a"]
            _fill_params(L, m, 41).double()
            y = x
            for key in m:
                y = m[key](y)
            sub = y * float(len(m))
        else:
            ps = [nn.Parameter(L.ones(c, dtype=L.float64) * (j + 1)) for j in range(3)]
            if kind == "ParameterList":
                m = nn.ParameterList(ps[:2])
                if op % 2:
                    m.append(ps[2])
                else:
                    m.extend(ps[2:])
                y = x
                for p in m:
                    y = y * p + 0.5
            else:
                m = nn.ParameterDict({"w": ps[0], "v": ps[1]})
                m.update({"u": ps[2]})
                if op == 4:
                    m.pop("v")
                y = x
                for key in m:
                    y = y * m[key] - 0.25
            _fill_params(L, m, 41)
            sub = y.sum()
        names = [n for n, _ in m.named_parameters()]
        return (y, sub, len(m), _codes(names), sum(p.numel() for p in m.parameters()))
    return [x], {}, fn


# ------------------------------------------------------------------ zero-size batches
ZERO_BATCH = ("Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
              "ConvTranspose2d", "MaxPool1d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
              "AdaptiveMaxPool1d", "BatchNorm1d", "BatchNorm2d", "InstanceNorm1d",
              "InstanceNorm2d", "LayerNorm", "RMSNorm", "GroupNorm", "Embedding",
              "EmbeddingBag", "RNNCell", "LSTMCell", "GRUCell", "PReLU", "GELU", "Softmax",
              "LogSoftmax", "Flatten", "Upsample", "PixelShuffle", "Unfold",
              "LocalResponseNorm", "L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss",
              "BCEWithLogitsLoss", "KLDivLoss", "HuberLoss", "SmoothL1Loss", "ZeroPad2d",
              "ReflectionPad2d", "ReplicationPad2d", "CircularPad1d")


def _zero_batch(g):
    name = g.pick(ZERO_BATCH)
    g.fd = g.pick(("float64", "float64", "float32"))
    ctor, ckw, args, kwargs = mc.MODULES[name](g)
    args = [mc.NArr(a.a[:0].copy(), grad=a.grad, bf16=a.bf16)
            if isinstance(a, mc.NArr) and a.a.ndim >= 1 else a for a in args]
    train = bool(g.r() < 0.5)
    dt = g.fd

    def fn(L, F, *a, **k):
        m = _fill_params(L, getattr(L.nn, name)(*ctor, **ckw), 43)
        m = m.to(getattr(L, dt)).train(train)
        return m(*a, **k)
    return args, kwargs, fn


# ------------------------------------------------------------------ dtypes of modules
def _mixed_dtype(g):
    name = g.pick(("Linear", "Conv1d", "Conv2d", "BatchNorm1d", "LayerNorm", "GroupNorm",
                   "Embedding", "LSTM", "GRUCell", "PReLU", "Bilinear", "ConvTranspose1d"))
    g.fd = "float64"
    ctor, ckw, args, kwargs = mc.MODULES[name](g)
    conv = g.pick(("double", "float", "half", "bfloat16", "to"))
    x_dt = g.pick(("float64", "float32", "float16", "bfloat16", "same"))
    train = bool(g.r() < 0.5)

    def fn(L, F, *a, **k):
        m = _fill_params(L, getattr(L.nn, name)(*ctor, **ckw), 47)
        m = m.to(L.float64) if conv == "to" else getattr(m, conv)()
        m.train(train)
        pdt = next(m.parameters()).dtype
        want = pdt if x_dt == "same" else getattr(L, x_dt)
        a2 = [v.to(want) if isinstance(v, L.Tensor) and v.is_floating_point() else v
              for v in a]
        dts = tuple(str(p.dtype) == str(pdt) for p in m.parameters())
        return (m(*a2, **k), dts)
    return args, kwargs, fn


# ------------------------------------------------------------------ train / eval switches
TRAIN_EVAL = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
              "LayerNorm", "GroupNorm", "Linear", "Conv2d", "Embedding")


def _train_eval(g):
    name = g.pick(TRAIN_EVAL)
    g.fd = g.pick(("float64", "float64", "float32"))
    ctor, ckw, args, kwargs = mc.MODULES[name](g)
    if name.startswith("InstanceNorm"):
        ckw = dict(ckw, track_running_stats=bool(g.r() < 0.7))
    if name.startswith("BatchNorm") and g.r() < 0.3:
        ckw = dict(ckw, momentum=None)  # (a cumulative moving average)
    dt = g.fd
    order = g.pick(("train-eval-train", "eval-train-eval", "train-train-eval"))
    quiet = g.pick(("grad", "no_grad", "inference_mode"))

    def fn(L, F, *a, **k):
        m = _fill_params(L, getattr(L.nn, name)(*ctor, **ckw), 53).to(getattr(L, dt))
        outs, flags = [], []
        for step in order.split("-"):
            m.train(step == "train")
            flags.append(int(m.training))
            if quiet == "grad" or step == "train":
                outs += _outputs(L, m(*a, **k))
            else:
                with getattr(L, quiet)():
                    outs += _outputs(L, m(*a, **k))
        return tuple(outs), tuple(flags), _state(m)
    return args, kwargs, fn


# ------------------------------------------------------------------ F.conv_tbc
def _conv_tbc(g):
    g.fd = g.pick(("float64", "float64", "float32"))
    t, b, ci, co, k = g.i(1, 6), g.i(1, 3), g.i(1, 3), g.i(1, 3), g.i(1, 3)
    pad = g.i(0, 3) if g.r() < 0.9 else -1
    x, w, bias = g.x(t, b, ci), g.x(k, ci, co), g.x(co)

    def fn(L, F, x, w, bias):
        return F.conv_tbc(x, w, bias, pad)
    return [x, w, bias], {}, fn


USAGE = {
    "usage:state_dict": _state_dict,
    "usage:hooks": _hooks,
    "usage:parametrize": _parametrize,
    "usage:channels_last": _channels_last,
    "usage:containers": _containers,
    "usage:zero_batch": _zero_batch,
    "usage:mixed_dtype": _mixed_dtype,
    "usage:train_eval": _train_eval,
    "usage:conv_tbc": _conv_tbc,
}
_NAMES = list(USAGE)  # (append new scenarios at the end: the draws go by position)


def _draw(seed, i):
    if i < USAGE_FROM:
        return None
    rng = np.random.default_rng([seed, i, 4])
    if rng.random() >= USAGE_SHARE:
        return None
    return _NAMES[int(rng.integers(len(_NAMES)))], rng


def usage_name(seed, i):
    """The usage scenario drawn at index ``i`` (whether or not another series takes it), or
    None."""
    drawn = _draw(seed, i)
    return drawn and drawn[0]


def usage_case(seed, i):
    """The usage scenario case at index ``i``, or None (see the module docstring)."""
    drawn = _draw(seed, i)
    if drawn is None:
        return None
    name, rng = drawn
    args, kwargs, fn = USAGE[name](Gen(rng))
    return NNCase("F", name, args, kwargs, fn=fn)

"""A differential fuzzer: random op calls run in gradkit and in PyTorch, outcomes classified.

Each case is drawn from its own seeded RNG (``case_rng(seed, i)``), so any case is reproduced
alone: ``python tests/fuzz/fuzzer.py --seed S --case I``. A case is one of

- a registry op (every op of ``gradkit.functions.REGISTRY``): one of its samples
  (``tests/functions/samples``) mutated -- dtypes (bool, uint8, int32, int64, float16, float32,
  float64), special values (NaN, +-inf, -0.0, huge, tiny), layouts (transposed, strided), 0-d
  and empty inputs, new broadcast shapes for elementwise kinds, random dims/ints/flags (also out
  of range), a nested Python list where a tensor goes -- called through a random face (function,
  method, in-place method, ``out=``);
- an operator (``+ - * / // % ** @ == < & | ^ ~ <<`` and the augmented ``+= -= *= /= //=``) on
  random shapes, dtypes and Python scalars;
- indexing ``x[...]`` and ``x[...] = v`` with ints (also out of range), slices with steps,
  ``None``, ``...``, bool masks, integer tensors and lists;
- (a tenth of the cases, drawn by a stream of their own so the others keep their draws) a
  public function outside the registry: ``torch.linalg``, ``torch.fft``, the windows and the
  factories, from the samples of ``surface_cases.py``, mutated as a registry op's;
- (with ``--variants``, half the rest, by a third stream; every other case stays the seed's)
  a ``variant_case``: a registry op's case with every tensor argument non-contiguous
  (transposed, strided, or expanded with stride 0), one argument 0-d or empty, ``out=`` one of
  its own inputs or a non-empty out of another shape (or a transposed one), the in-place
  function ``torch.f_(x)``, or the in-place method on a non-contiguous or expanded ``self``.

Outcomes (``classify``): ``match``; ``both-raise`` (same exception type as PyTorch);
``wrong-error-type``; ``missing`` (gradkit raises a clear error where PyTorch works: a missing
feature); ``accepted-invalid`` (gradkit returns where PyTorch raises); ``wrong`` (values beyond
the dtype's tolerance, NaN/inf positions, shape or dtype); ``raw`` (an error from inside NumPy or
Python's internals reached the user); ``crash`` (an interpreter-level failure or a hang);
``grad-wrong`` (float64 gradients of a random projection differ from PyTorch's); ``skip`` (the
case cannot be built in PyTorch either, e.g. a sample's ``pre`` fails). A failing or ``missing``
finding that ``ALLOW`` names (a deliberate, documented difference, e.g. a clear error where
PyTorch returns uninitialised memory) counts as ``allowed``.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import re
import signal
import sys
import traceback
import warnings
from collections import Counter

import numpy as np

import gradkit as gk
from gradkit.functions import REGISTRY
from gradkit.functions._args import NotATensorError

try:
    from .warning_diff import RECORDER, judged
except ImportError:  # run as a script
    from warning_diff import RECORDER, judged


def _reproducible_mkl():
    """Run as a script, the fuzzer sets MKL's reproducible mode as ``tests/conftest.py`` does for
    the test run (before torch loads MKL): on Intel processors MKL otherwise takes kernels whose
    last bits and NaN patterns differ (addmm with an infinite alpha: inf where the test run's
    torch gives NaN), so a script's findings would not be the test's."""
    if "torch" in sys.modules:
        return
    try:
        with open("/proc/cpuinfo") as f:
            intel = "GenuineIntel" in f.read(4096)
    except OSError:
        intel = False
    if intel:
        os.environ.setdefault("MKL_CBWR", "COMPATIBLE")


_reproducible_mkl()
try:
    import torch
except ImportError:  # the test module skips without torch
    torch = None

DTYPES = ("bool", "uint8", "int32", "int64", "float16", "float32", "float64")
SPECIALS = (np.nan, np.inf, -np.inf, -0.0, 1e30, -1e30, 1e-30, 3e38, 65504.0, 1e-8)

# ops whose values are random: only shapes, dtypes and errors are compared
RANDOM_OPS = {n for n in REGISTRY if "dropout" in n or n.startswith("rrelu")}
# ops whose integer outputs pick among ties (torch does not promise which): compared only when
# the input holds no repeated value
TIE_OPS = {"sort", "argsort", "topk", "kthvalue", "median", "nanmedian", "mode", "msort",
           "cummax", "cummin", "max", "min", "unique", "unique_consecutive", "aminmax"}
ELEMENTWISE_KINDS = {"elementwise", "comparison", "bitwise", "special"}
# ops whose PyTorch kernel crashes the interpreter (segmentation fault) on malformed inputs:
# only their float values, dtypes and layouts are mutated, never shapes or integer arguments
TORCH_FRAGILE = {
    "lu_unpack": "torch.lu_unpack(LU (3, 3), pivots of shape (0,)) segfaults in torch 2.13",
    "lu_solve": "reads the pivots without checking them, as lu_unpack",
    "pdist": "torch.pdist of an empty (0, 3) input segfaults in torch 2.13",
    "embedding_bag": "torch.embedding_bag(weight, indices, empty offsets) segfaults in torch "
                     "2.13",
}
# ops not fuzzed, each with its reason
NOT_FUZZED = {
    # added after the CI sample's findings (known_open.py) were recorded: a new op shifts the
    # case stream of every seed (cases pick ops by index); checked against PyTorch by the
    # registry samples and tests/nn/test_functional_arguments.py
    **dict.fromkeys(("lstm", "gru", "rnn_tanh", "rnn_relu"),
                    "whole recurrent layers (nn modules' flat weights); see the comment above"),
    "zeros_like_grad": "gradkit's own helper; PyTorch has no such function",
    "embedding_renorm_": "rewrites its weight in place from random indices; its checks are "
                         "exercised by tests/nn",
}

RAW_MESSAGES = (
    "operands could not be broadcast together with shapes", "is out of bounds for axis",
    "too many indices for array",
    "tuple index out of range", "list index out of range", "zero-size array to reduction",
    "duplicate value in 'axis'", "repeated axis", "cannot convert float infinity to integer",
    "cannot convert float nan to integer", "numpy boolean subtract", "object has no attribute",
    "unsupported operand type", "axis -?\\d+ is out of bounds", "cannot reshape array",
    "only integers, slices", "object is not iterable", "object is not subscriptable",
    "takes \\d+ positional argument", "got an unexpected keyword", "missing \\d+ required",
    "not supported between instances", "ufunc '", "Cannot cast ufunc",
    "arrays used as indices must be", "boolean index did not match",
    "could not be broadcast to indexing result",
    "output array is read-only", "cannot be safely cast", "invalid literal for int",
    "Python int too large", "object of type .* has no len", "negative dimensions are not allowed",
    "maximum supported dimension", "could not broadcast", "setting an array element",
    "Integers to negative integer powers are not allowed.$", "array is too big",
    "Unable to allocate", "input operand has more dimensions", "einstein sum subscripts",
    "NoneType", "not enough values to unpack", "too many values to unpack",
)
_RAW_RE = re.compile("|".join(RAW_MESSAGES))
RAW_TYPES = (AttributeError, KeyError, ZeroDivisionError, OverflowError, AssertionError,
             NameError, UnboundLocalError, np.exceptions.AxisError)
CRASH_TYPES = (RecursionError, MemoryError, SystemError)
_NUMPY_DIR = os.path.dirname(np.__file__)
_GK_DIR = os.path.dirname(gk.__file__)
STD_TYPES = (NotImplementedError, IndexError, TypeError, ValueError, RuntimeError,
             ZeroDivisionError, KeyError, AttributeError, OverflowError)


class Hang(Exception):
    pass


# ------------------------------------------------------------------ values
def case_rng(seed, i):
    return np.random.default_rng([seed, i])


def _cast(rng, a, dtype):
    """``a`` (any array) as ``dtype``, with values that make sense for it."""
    a = np.asarray(a)
    if dtype == "bool":
        return a != 0 if a.dtype.kind != "f" else (np.abs(a) > 0.5)
    if dtype == "uint8":
        return np.clip(np.round(np.nan_to_num(np.abs(a) * 3)), 0, 255).astype(np.uint8)
    if dtype in ("int32", "int64"):
        v = a * 3 if a.dtype.kind == "f" else a
        return np.clip(np.round(np.nan_to_num(v)), -1000, 1000).astype(dtype)
    return a.astype(dtype)


def _inject(rng, a):
    if a.dtype.kind != "f" or a.size == 0:
        return a
    a = a.copy()
    flat = a.reshape(-1)
    for _ in range(rng.integers(1, 3)):
        flat[rng.integers(flat.size)] = SPECIALS[rng.integers(len(SPECIALS))]
    return a


def _rand_shape(rng, ndim=None, allow_empty=True):
    ndim = rng.integers(0, 4) if ndim is None else ndim
    shape = [int(rng.integers(1, 5)) for _ in range(ndim)]
    if allow_empty and ndim and rng.random() < 0.1:
        shape[rng.integers(ndim)] = 0
    return tuple(shape)


def _broadcast_partner(rng, shape):
    """A shape that broadcasts with ``shape`` (mostly) or does not (sometimes)."""
    s = list(shape)
    r = rng.random()
    if r < 0.1 and s:
        s[rng.integers(len(s))] += 1  # mismatched
        return tuple(s)
    if r < 0.3 and s:
        return tuple(s[rng.integers(len(s) + 1):])  # fewer dims
    if r < 0.5:
        return tuple(1 if rng.random() < 0.5 else d for d in s)
    if r < 0.6:
        return (int(rng.integers(1, 3)),) + tuple(s)  # more dims
    return tuple(s)


def _rand_array(rng, shape, dtype):
    a = rng.standard_normal(shape) * (3 if rng.random() < 0.3 else 1)
    return _cast(rng, a, dtype)


class Arr:
    """A tensor argument: its values and layout (``c`` contiguous, ``t`` transposed view,
    ``s`` strided view, ``e`` a row expanded along dim 0 (stride 0; ``variant_case``)), and
    whether it is a leaf of the gradient check."""

    __slots__ = ("a", "layout", "grad")

    def __init__(self, a, layout="c", grad=False):
        self.a = a
        self.layout = layout
        self.grad = grad

    def make(self, lib, grad=False):
        a = self.a
        rg = grad and self.grad
        if self.layout == "t" and a.ndim >= 2:
            t = lib.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2)), requires_grad=rg)
            return t, t.transpose(-1, -2)
        if self.layout == "s" and a.ndim >= 1:
            t = lib.tensor(np.ascontiguousarray(np.repeat(a, 2, axis=0)), requires_grad=rg)
            return t, t[::2]
        if self.layout == "e" and a.ndim >= 1 and a.shape[0]:  # (values: a[0] repeated)
            t = lib.tensor(np.ascontiguousarray(a[:1]), requires_grad=rg)
            return t, t.expand(a.shape)
        t = lib.tensor(a.copy(), requires_grad=rg)
        return t, t

    def __repr__(self):
        lay = {"c": "", "t": ",T", "s": ",strided", "e": ",expanded"}[self.layout]
        vals = ""
        if self.a.size <= 6:
            vals = "=" + np.array2string(self.a.reshape(-1), precision=3, separator=",")
        return f"<{self.a.dtype}{list(self.a.shape)}{lay}{vals}>"


class AsList:
    """A nested Python list given where a tensor goes."""

    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a

    def __repr__(self):
        return f"list({self.a.tolist()!r})"


def _build(lib, x, leaves, grad):
    if isinstance(x, Arr):
        leaf, t = x.make(lib, grad)
        if grad and x.grad:
            leaves.append(leaf)
        return t
    if isinstance(x, AsList):
        return x.a.tolist()
    if isinstance(x, list):
        return [_build(lib, y, leaves, grad) for y in x]
    if isinstance(x, tuple):
        return tuple(_build(lib, y, leaves, grad) for y in x)
    if isinstance(x, dict):
        return {k: _build(lib, v, leaves, grad) for k, v in x.items()}
    if isinstance(x, slice):
        return slice(*(_build(lib, v, leaves, grad) for v in (x.start, x.stop, x.step)))
    return x


def _arrays(x):
    if isinstance(x, Arr):
        yield x
    elif isinstance(x, (list, tuple)):
        for y in x:
            yield from _arrays(y)
    elif isinstance(x, dict):
        for y in x.values():
            yield from _arrays(y)


# ------------------------------------------------------------------ cases
class Case:
    """One call: ``kind`` (op/operator/index), ``name``, ``face``, arguments (``Arr``s and plain
    values), and the sample's ``pre``/``post``/``torch`` hooks for registry ops."""

    def __init__(self, kind, name, face, args, kwargs=None, sample=None, mutations=()):
        self.kind = kind
        self.name = name
        self.face = face
        self.args = list(args)
        self.kwargs = dict(kwargs or {})
        self.sample = sample
        self.mutations = list(mutations)

    def __repr__(self):
        a = ", ".join([repr(x) for x in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()])
        return f"{self.kind}:{self.name}[{self.face}]({a}) {{{','.join(self.mutations)}}}"

    def leaves_ok(self):
        return any(x.grad for x in _arrays((self.args, self.kwargs)))

    def call(self, lib, grad=False):
        """Run in ``lib`` (``gk`` or ``torch``): ``(result, leaves)``."""
        leaves = []
        args = _build(lib, self.args, leaves, grad)
        kwargs = _build(lib, self.kwargs, leaves, grad)
        s = self.sample
        if s is not None and s.pre is not None:
            try:
                args = list(s.pre(lib, *args))
            except Exception as e:  # the hook itself cannot run on these inputs
                raise _PreFailed(e) from e
        out = FACES[self.kind](lib, self, args, kwargs)
        if s is not None and s.post is not None:
            out = s.post(lib, out)
        return out, leaves


class _PreFailed(Exception):
    pass


def _op_face(lib, case, args, kwargs):
    name, face, s = case.name, case.face, case.sample
    d = decl(name)
    if d.kind == "surface":  # a function outside the registry (surface_cases.py)
        if face == "out":  # (a linalg function: one out tensor, or a tuple of them)
            o = _out_tensors(lib, case, d.out_dtypes)
            return _surface().resolve(lib, name)(*args, out=o, **kwargs), o
        if lib is torch and s is not None and s.torch is not None:
            return s.torch(torch)(*args, **kwargs)
        return _surface().resolve(lib, name)(*args, **kwargs)
    if face in _VARIANT_FACES:
        return _VARIANT_FACES[face](lib, case, args, kwargs)
    if lib is gk:
        if face == "method":
            return getattr(args[0], name)(*args[1:], **kwargs)
        if face == "inplace":
            out = getattr(args[0], name + "_")(*args[1:], **kwargs)
            return out, args[0]
        if face == "out":
            o = gk.empty(0, dtype=_out_dtype(gk, case))
            r = getattr(gk, name)(*args, out=o, **kwargs)
            return r, o
        if not d.function and not d.method:
            return getattr(gk.special, name)(*args, **kwargs)
        if not d.function:
            return getattr(gk.Tensor, name)(*args, **kwargs)
        return getattr(gk, name)(*args, **kwargs)
    if face == "method":
        return getattr(args[0], name)(*args[1:], **kwargs)
    if face == "inplace":
        out = getattr(args[0], name + "_")(*args[1:], **kwargs)
        return out, args[0]
    if face == "out":
        o = torch.empty(0, dtype=_out_dtype(torch, case))
        r = getattr(torch, name)(*args, out=o, **kwargs)
        return r, o
    if s is not None and s.torch is not None:
        return s.torch(torch)(*args, **kwargs)
    if not d.function and not d.method:
        return getattr(torch.special, name)(*args, **kwargs)
    if not d.function:
        return getattr(torch.Tensor, name)(*args, **kwargs)
    return getattr(torch, name)(*args, **kwargs)


def _out_alias(lib, case, args, kwargs):
    """``torch.f(x, ..., out=x)``: the result written over an input of its own."""
    return getattr(lib, case.name)(*args, out=args[0], **kwargs), args[0]


def _out_sized(lib, case, args, kwargs):
    """``out=`` a tensor of another (non-empty) shape, resized by the call, or a
    non-contiguous one (a transposed view)."""
    o = lib.zeros(case.out_shape, dtype=_out_dtype(lib, case))
    if case.out_transposed:
        o = o.transpose(0, -1)
    return getattr(lib, case.name)(*args, out=o, **kwargs), o


def _inplace_function(lib, case, args, kwargs):
    """``torch.f_(x, ...)``: the in-place function (``torch.relu_``, ``torch.selu_``)."""
    return getattr(lib, case.name + "_")(*args, **kwargs), args[0]


_VARIANT_FACES = {"out_alias": _out_alias, "out_sized": _out_sized,
                  "inplace_fn": _inplace_function}


def _out_dtype(lib, case):
    return getattr(lib, case.out_dtype)


def _out_tensors(lib, case, dtypes):
    """Empty out tensors of ``dtypes`` (``surface_cases.LINALG_OUT``): one, or a tuple."""
    def one(dt):
        if dt == "x":
            return lib.empty(0, dtype=_out_dtype(lib, case))
        if dt == "complex":
            cx = "complex128" if case.out_dtype in ("float64", "complex128") else "complex64"
            return lib.empty(0, dtype=getattr(lib, cx))
        return lib.empty(0, dtype=getattr(lib, dt))
    outs = tuple(one(dt) for dt in dtypes)
    return outs[0] if len(outs) == 1 else outs


OPERATORS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "//": lambda a, b: a // b, "%": lambda a, b: a % b,
    "**": lambda a, b: a ** b, "@": lambda a, b: a @ b, "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b,
    "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
    "<<": lambda a, b: a << b, ">>": lambda a, b: a >> b,
}
UNARY = {"~": lambda a: ~a, "neg": lambda a: -a, "abs()": lambda a: abs(a), "+x": lambda a: +a}
AUGMENTED = ("+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", "<<=")


def _augment(a, b, op):
    if op == "+=":
        a += b
    elif op == "-=":
        a -= b
    elif op == "*=":
        a *= b
    elif op == "/=":
        a /= b
    elif op == "//=":
        a //= b
    elif op == "%=":
        a %= b
    elif op == "**=":
        a **= b
    elif op == "&=":
        a &= b
    elif op == "|=":
        a |= b
    elif op == "^=":
        a ^= b
    else:
        a <<= b
    return a


def _operator_face(lib, case, args, kwargs):
    op = case.name
    if op in UNARY:
        return UNARY[op](args[0])
    if op in AUGMENTED:
        a = args[0].clone() if case.face == "clone" else args[0]
        return _augment(a, args[1], op)
    return OPERATORS[op](*args)


def _index_face(lib, case, args, kwargs):
    x, idx = args[0], args[1]
    if case.face == "get":
        return x[idx]
    x = x.clone() if lib is gk or not x.requires_grad else x.clone()
    x[idx] = args[2]
    return x


FACES = {"op": _op_face, "operator": _operator_face, "index": _index_face}


# ------------------------------------------------------------------ generators
def _samples_by_op():
    from functions.samples import SAMPLES

    by = {}
    for s in SAMPLES:
        if s.name in REGISTRY and s.name not in NOT_FUZZED:
            by.setdefault(s.name, []).append(s)
    return by


_BY_OP = None


def _wrap_template(x, grad):
    if isinstance(x, np.ndarray):
        return Arr(x, grad=grad and x.dtype.kind == "f")
    if isinstance(x, list) and x and isinstance(x[0], np.ndarray):
        return [_wrap_template(y, grad) for y in x]
    if isinstance(x, tuple) and x and isinstance(x[0], np.ndarray):
        return tuple(_wrap_template(y, grad) for y in x)
    return x


def _mutate_scalar(rng, v, ndim):
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return int(rng.integers(-ndim - 2, ndim + 2)) if rng.random() < 0.7 else v + 1
    if isinstance(v, float):
        return float(rng.choice([0.0, -1.0, 0.5, 2.0, np.inf, np.nan, -3.5, 1e10]))
    if isinstance(v, tuple) and v and all(isinstance(y, int) and not isinstance(y, bool)
                                         for y in v):
        v = list(v)
        j = rng.integers(len(v))
        v[j] = int(rng.integers(-ndim - 2, ndim + 2))
        if rng.random() < 0.2:
            v.append(v[0])  # a repeated dim
        return tuple(v)
    return v


def _params(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def _surface():
    try:
        from . import surface_cases
    except ImportError:  # run as a script
        import surface_cases
    return surface_cases


_SURFACE_BY = None


def decl(name):
    """The registry's declaration of op ``name``, or the stand-in of a surface function."""
    d = REGISTRY.get(name)
    return d if d is not None else _surface().SURFACE[name]


def op_case(rng, surface=False):
    """A registry op's case, or (``surface``) one of a public function outside the registry
    (``surface_cases.py``: torch.linalg, torch.fft, windows, factories)."""
    global _BY_OP, _SURFACE_BY
    if _BY_OP is None:
        _BY_OP = _samples_by_op()
    if surface and _SURFACE_BY is None:
        _SURFACE_BY = {}
        for smp in _surface().SAMPLES:
            _SURFACE_BY.setdefault(smp.name, []).append(smp)
    by = _SURFACE_BY if surface else _BY_OP
    names = sorted(by)
    name = names[rng.integers(len(names))]
    s = by[name][rng.integers(len(by[name]))]
    d = decl(name)
    grad = d.differentiable and s.grad and name not in RANDOM_OPS
    args = [_wrap_template(a, grad and i not in s.nograd) for i, a in enumerate(s.args)]
    kwargs = {k: _wrap_template(v, grad and k not in s.nograd) for k, v in s.kwargs.items()}
    muts = []
    arrs = list(_arrays((args, kwargs)))
    ndim = max([a.a.ndim for a in arrs], default=1)
    # new shapes for same-shape elementwise ops
    if d.kind in ELEMENTWISE_KINDS and arrs and rng.random() < 0.4 and name not in TORCH_FRAGILE \
            and len({a.a.shape for a in arrs}) == 1:
        base = _rand_shape(rng)
        for j, a in enumerate(arrs):
            shp = base if j == 0 else _broadcast_partner(rng, base)
            a.a = _cast(rng, rng.standard_normal(shp) * 2, a.a.dtype.name) \
                if a.a.dtype.kind != "f" else rng.standard_normal(shp) * 2
        muts.append("shapes")
    fragile = name in TORCH_FRAGILE
    for a in arrs:
        if fragile and a.a.dtype.kind != "f":
            continue
        r = rng.random()
        if r < 0.25:
            dt = DTYPES[rng.integers(len(DTYPES))]
            if a.a.dtype.kind == "f" or rng.random() < 0.3:
                a.a = _cast(rng, a.a, dt)
                muts.append("dtype")
        if rng.random() < 0.2:
            a.a = _inject(rng, a.a)
            muts.append("specials")
        if rng.random() < 0.15:
            a.layout = "t" if a.a.ndim >= 2 and rng.random() < 0.6 else "s"
            muts.append("layout")
        if fragile:
            continue
        if rng.random() < 0.05:
            if a.a.ndim and a.a.size:
                a.a = a.a.reshape(-1)[:1].reshape(())
                muts.append("0-d")
        elif rng.random() < 0.05 and a.a.ndim:
            ax = rng.integers(a.a.ndim)
            a.a = np.take(a.a, np.arange(0), axis=ax)
            muts.append("empty")
    # ints, flags, floats
    for j in range(len(args)):
        if not isinstance(args[j], (Arr, list, tuple, AsList)) or isinstance(args[j], tuple) \
                and not any(isinstance(y, Arr) for y in args[j]):
            if rng.random() < 0.25 and not fragile:
                args[j] = _mutate_scalar(rng, args[j], ndim)
                muts.append("arg")
    for k in list(kwargs):
        if not isinstance(kwargs[k], (Arr, list, AsList)) and rng.random() < 0.25 \
                and not fragile:
            kwargs[k] = _mutate_scalar(rng, kwargs[k], ndim)
            muts.append("kwarg")
    if rng.random() < 0.1 and "keepdim" in _params(d.impl) and "keepdim" not in kwargs:
        kwargs["keepdim"] = bool(rng.random() < 0.5)
        muts.append("keepdim")
    if rng.random() < 0.04 and not fragile:
        pos = [j for j, a in enumerate(args) if isinstance(a, Arr)]
        if pos:
            j = pos[rng.integers(len(pos))]
            args[j] = AsList(args[j].a)
            muts.append("list")
    face = "function"
    first = args[0] if args else None
    has_method = d.method and d.function and isinstance(first, Arr) \
        and hasattr(torch.Tensor, name)
    r = rng.random()
    case_out_dtype = None
    if has_method and r < 0.2:
        face = "method"
    elif has_method and d.inplace is not None and r < 0.35 and hasattr(torch.Tensor, name + "_"):
        face = "inplace"
        for a in arrs:
            a.grad = False
    elif d.out and d.function and r < 0.45 and s.torch is None and s.post is None:
        face = "out"
        case_out_dtype = DTYPES[rng.integers(len(DTYPES))] if rng.random() < 0.3 else None
        for a in arrs:
            a.grad = False
    c = Case("op", name, face, args, kwargs, sample=s, mutations=muts)
    if face == "out":
        fl = [a.a.dtype.name for a in arrs]
        c.out_dtype = case_out_dtype or (fl[0] if fl else "float32")
    return c


def _operand(rng, shape, dtype, special):
    a = _rand_array(rng, shape, dtype)
    if special:
        a = _inject(rng, a)
    layout = "c"
    if rng.random() < 0.15 and a.ndim >= 1:
        layout = "t" if a.ndim >= 2 and rng.random() < 0.6 else "s"
    return Arr(a, layout, grad=a.dtype == np.float64)


def _scalar(rng):
    return [0, 1, -2, 3, 2.5, -0.0, True, False, float("inf"), float("nan"), 1e30, 7][
        rng.integers(12)]


def operator_case(rng):
    r = rng.random()
    special = rng.random() < 0.2
    dt = DTYPES[rng.integers(len(DTYPES))]
    shape = _rand_shape(rng)
    a = _operand(rng, shape, dt, special)
    if r < 0.1:
        op = list(UNARY)[rng.integers(len(UNARY))]
        return Case("operator", op, "", [a])
    ops = list(OPERATORS) + list(AUGMENTED)
    op = ops[rng.integers(len(ops))]
    dt2 = dt if rng.random() < 0.5 else DTYPES[rng.integers(len(DTYPES))]
    if op == "@":
        n = int(rng.integers(0, 4))
        shape = _rand_shape(rng, ndim=int(rng.integers(1, 4)))
        a = _operand(rng, shape, dt, special)
        kshape = (shape[-1] if rng.random() < 0.85 else shape[-1] + 1,)
        other = kshape + ((n,) if rng.random() < 0.7 else ())
        b = _operand(rng, other, dt2, special)
    elif rng.random() < 0.25:
        b = _scalar(rng)
    else:
        b = _operand(rng, _broadcast_partner(rng, shape), dt2, special)
    args = [a, b]
    if not isinstance(b, Arr) or rng.random() < 0.1:
        if op in OPERATORS and rng.random() < 0.4:
            args = [b, a]  # reflected: 2 - x
    face = ""
    if op in AUGMENTED:
        face = "clone"
        a.grad = False
        if isinstance(b, Arr):
            b.grad = False
    return Case("operator", op, face, args)


def _index(rng, shape, depth=0):
    items = []
    n = int(rng.integers(0, len(shape) + 2))
    dim = 0
    for _ in range(n):
        size = shape[dim] if dim < len(shape) else 1
        r = rng.random()
        if r < 0.3:
            items.append(int(rng.integers(-size - 1, size + 1)))
            dim += 1
        elif r < 0.55:
            start = [None, 0, 1, -1, -size - 2, size + 2][rng.integers(6)]
            stop = [None, 2, -1, size, size + 3][rng.integers(5)]
            step = [None, None, 1, 2, 3][rng.integers(5)]
            items.append(slice(start, stop, step))
            dim += 1
        elif r < 0.62:
            items.append(None)
        elif r < 0.67:
            items.append(Ellipsis)
        elif r < 0.8:
            ishape = _rand_shape(rng, ndim=int(rng.integers(0, 2)), allow_empty=False)
            lo, hi = -size - (rng.random() < 0.2), size + (rng.random() < 0.2)
            idx = rng.integers(lo, max(hi, lo + 1), size=ishape)
            items.append(Arr(idx.astype(np.int64)) if rng.random() < 0.7 else idx.tolist())
            dim += 1
        elif r < 0.9:
            k = min(len(shape) - dim, int(rng.integers(1, 3))) if dim < len(shape) else 1
            mshape = tuple(shape[dim:dim + k]) if rng.random() < 0.85 else (size + 1,)
            items.append(Arr(rng.random(mshape) < 0.5))
            dim += k
        else:
            items.append(bool(rng.random() < 0.5))
    if len(items) == 1 and rng.random() < 0.5:
        return items[0]
    return tuple(items)


def index_case(rng):
    dt = DTYPES[rng.integers(len(DTYPES))]
    shape = _rand_shape(rng, ndim=int(rng.integers(0, 4)))
    x = _operand(rng, shape, dt, rng.random() < 0.1)
    idx = _index(rng, shape)
    if rng.random() < 0.6:
        return Case("index", "getitem", "get", [x, idx])
    x.grad = False
    r = rng.random()
    if r < 0.4:
        v = _scalar(rng)
    else:
        vshape = _rand_shape(rng, ndim=int(rng.integers(0, 3)), allow_empty=False)
        vdt = dt if rng.random() < 0.7 else DTYPES[rng.integers(len(DTYPES))]
        v = Arr(_rand_array(rng, vshape, vdt))
    return Case("index", "setitem", "set", [x, idx, v])


# the share of cases that call a public function outside the registry; drawn from a stream
# of its own, so that every other case keeps the draws it had before these were added
SURFACE_SHARE = 0.1
# with ``--variants``, the share of the other cases that are ``variant_case``s (a stream of
# their own too, so the rest keep their draws; without it every case is as before)
VARIANT_SHARE = 0.5


def _nonempty_first(a):
    return isinstance(a, Arr) and a.a.ndim >= 1 and a.a.size > 0


def variant_case(rng):
    """A registry op's case (``op_case``) pushed where the other draws rarely go: every tensor
    argument non-contiguous (transposed, strided, or a row expanded with stride 0); one
    argument 0-d or empty; ``out=`` one of its own inputs, or a non-empty out of another shape
    or a transposed one; the in-place function ``torch.f_(x)``; the in-place method on a
    non-contiguous or expanded ``self``."""
    c = op_case(rng)
    d = decl(c.name)
    arrs = list(_arrays((c.args, c.kwargs)))
    first = c.args[0] if c.args else None
    fragile = c.name in TORCH_FRAGILE
    kind = int(rng.integers(5))
    if kind == 0 and arrs:
        for a in arrs:
            lay = [x for x, ok in (("t", a.a.ndim >= 2), ("s", a.a.ndim >= 1),
                                   ("e", a.a.ndim >= 1 and a.a.size > 0 and not fragile)) if ok]
            if lay:
                a.layout = lay[rng.integers(len(lay))]
                if a.layout == "e":
                    a.a = np.ascontiguousarray(np.broadcast_to(a.a[:1], a.a.shape))
        c.mutations.append("layouts")
    elif kind == 1 and arrs and not fragile:
        a = arrs[rng.integers(len(arrs))]
        if a.a.ndim and a.a.size and rng.random() < 0.5:
            a.a = a.a.reshape(-1)[:1].reshape(())
            c.mutations.append("0-d")
        elif a.a.ndim:
            a.a = np.take(a.a, np.arange(0), axis=int(rng.integers(a.a.ndim)))
            c.mutations.append("empty")
    elif kind == 2 and d.out and d.function and isinstance(first, Arr) \
            and c.sample.torch is None and c.sample.post is None:
        if rng.random() < 0.5 and d.kind in ELEMENTWISE_KINDS:
            # (out= an input of the result's shape, as torch.add(x, y, out=x); an input of
            # another shape is resized while it is read: undefined in PyTorch)
            c.face = "out_alias"
        else:
            c.face = "out_sized"
            c.out_dtype = first.a.dtype.name
            c.out_shape = tuple(int(k) for k in rng.integers(1, 4, size=int(rng.integers(1, 3))))
            c.out_transposed = len(c.out_shape) == 2 and rng.random() < 0.5
        for a in arrs:
            a.grad = False
    elif kind == 3 and isinstance(first, Arr) and hasattr(torch, c.name + "_") \
            and hasattr(gk, c.name + "_") and c.sample.torch is None:
        c.face = "inplace_fn"
        for a in arrs:
            a.grad = False
    elif kind == 4 and _nonempty_first(first) and d.inplace is not None \
            and hasattr(torch.Tensor, c.name + "_") and hasattr(gk.Tensor, c.name + "_") \
            and c.sample.torch is None:
        c.face = "inplace"
        first.layout = "e" if rng.random() < 0.3 and not fragile else (
            "t" if first.a.ndim >= 2 else "s")
        if first.layout == "e":
            first.a = np.ascontiguousarray(np.broadcast_to(first.a[:1], first.a.shape))
        for a in arrs:
            a.grad = False
    c.mutations.append(f"variant{kind}")
    return c


def make_case(seed, i, variants=False):
    side = np.random.default_rng([seed, i, 1])
    if side.random() < SURFACE_SHARE:
        return op_case(side, surface=True)
    if variants:
        var = np.random.default_rng([seed, i, 2])
        if var.random() < VARIANT_SHARE:
            return variant_case(var)
    rng = case_rng(seed, i)
    r = rng.random()
    if r < 0.7:
        return op_case(rng)
    if r < 0.87:
        return operator_case(rng)
    return index_case(rng)


# ------------------------------------------------------------------ running and comparing
def _std_type(e):
    for cls in type(e).__mro__:
        if cls in STD_TYPES:
            return cls
    return Exception


def is_raw(e):
    """Whether ``e`` (raised by gradkit) is a NumPy/Python internal error, not gradkit's own."""
    if isinstance(e, NotATensorError):
        # gradkit's own AttributeError, with its message, where PyTorch's Python-level functions
        # (torch.split, torch.norm, torch.tensordot) fail on a list with an AttributeError
        return False
    if isinstance(e, RAW_TYPES):
        return True
    tb = traceback.extract_tb(e.__traceback__)
    if tb:
        origin = tb[-1].filename
        if origin.startswith(_NUMPY_DIR):
            return True
    return bool(_RAW_RE.search(str(e)))


def raised_on_purpose(e):
    """Whether gradkit raised ``e`` with an explicit ``raise`` statement of its own (a message
    of its own naming the op), not as the fallout of an operation (``n // 0``, ``float('inf')``
    to int): only then is an OverflowError/ZeroDivisionError/... PyTorch raises too (PyTorch's
    Python code can fail the same way) the same outcome and not a raw error."""
    tb = traceback.extract_tb(e.__traceback__)
    if not tb or not tb[-1].filename.startswith(_GK_DIR) or _RAW_RE.search(str(e)):
        return False
    return (tb[-1].line or "").lstrip().startswith("raise ")


def _timeout(sec):
    def handler(signum, frame):
        raise Hang(f"no answer in {sec} s")
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, handler)
        signal.alarm(sec)


def _cancel():
    if hasattr(signal, "SIGALRM"):
        signal.alarm(0)


def _run(lib, case, grad=False):
    # (warnings ignored, or recorded in the --warnings mode: warning_diff.py)
    with RECORDER.recording(lib):
        try:
            _timeout(20)
            out, leaves = case.call(lib, grad)
            return out, leaves, None
        except _PreFailed as e:
            return None, None, e
        except Hang as e:
            return None, None, e
        except Exception as e:  # noqa: BLE001 - classified by the caller
            return None, None, e
        finally:
            _cancel()


# ops whose result PyTorch composes from an intermediate computed in the dtype of a float32 or
# float16 input, then promoted (gradkit computes it in the same dtype): that intermediate's last
# bit comes from PyTorch's SLEEF/vectorised kernels (exp, pow, a vectorised sum of squares),
# which round differently from NumPy's in about one element in five (checked: float32
# 2.0 ** e on 10^6 normal e: 20% differ by one unit), so a float64 result is compared within
# the tolerance of that input's dtype
LOW_PRECISION_INTERMEDIATE = {
    "ldexp": "mul(input, pow(2.0, other)): 2 ** other in the dtype of a floating other",
    "kl_div": "exp(target) of a log_target in the target's dtype",
    "triplet_margin_loss": "each pairwise_distance in the dtype its pair promotes to",
    "poisson_nll_loss": "full=True's Stirling term t log t - t + log(2 pi t) / 2 in the "
                        "target's dtype",
}
_PRECISION = {"float16": 0, "bfloat16": 0, "float32": 1, "float64": 2}


def _intermediate_dtype(case, name):
    """The dtype whose tolerance a float result ``name`` of ``case`` is compared within: its
    own, or for ``LOW_PRECISION_INTERMEDIATE`` ops and ``out=`` faces the least precise
    floating input's (float32, the default dtype, for integer inputs): an ``out=`` of more
    precision receives the op's result computed in its own dtype in both libraries (checked:
    digamma of uint8 into a float64 out is PyTorch's float32 digamma, 2 units off gradkit's)."""
    if case.kind != "op" or (case.name not in LOW_PRECISION_INTERMEDIATE
                             and case.face != "out"):
        return name
    floats = [a.a.dtype.name for a in _arrays((case.args, case.kwargs))
              if a.a.dtype.name in _PRECISION]
    if case.name in LOW_PRECISION_INTERMEDIATE and any(
            a.a.dtype.kind in "biu" for a in _arrays((case.args, case.kwargs))):
        # (an integer operand's intermediate is float32 there too: log(target) of an int32
        # target, 2 ** other of an integer other; seed 43 case 5997: torch's float32 log(7) is
        # a unit above the correctly rounded one, so the float64 loss differs by 1e-6)
        floats.append("float32")
    for d in floats or ["float32"]:
        if _PRECISION[d] < _PRECISION.get(name, 2):
            name = d
    return name


def _tol(dtype):
    return {"float16": (2e-2, 1e-3), "bfloat16": (1.6e-2, 1e-2), "float32": (2e-5, 1e-6),
            "float64": (1e-7, 1e-10)}.get(dtype, (0, 0))


def _dname(d):
    return str(d).replace("torch.", "").replace("gradkit.", "")


def _has_ties(case):
    for a in _arrays((case.args, case.kwargs)):
        v = a.a.reshape(-1)
        if v.size != np.unique(v).size or (v.dtype.kind == "f" and np.isnan(v).any()):
            return True
    return False


def compare(g, t, case, where="result"):
    """``None`` when ``g`` (gradkit) matches ``t`` (torch), else the difference."""
    if isinstance(t, (tuple, list)) and not isinstance(t, torch.Size):
        if not isinstance(g, (tuple, list)):
            return f"{where}: {type(g).__name__}, torch a {type(t).__name__}"
        if len(g) != len(t):
            return f"{where}: {len(g)} results, torch {len(t)}"
        for i, (a, b) in enumerate(zip(g, t)):
            m = compare(a, b, case, f"{where}[{i}]")
            if m:
                return m
        return None
    if isinstance(t, torch.Tensor):
        if not isinstance(g, gk.Tensor):
            return f"{where}: {type(g).__name__}, torch a Tensor"
        if tuple(g.shape) != tuple(t.shape):
            return f"{where}: shape {tuple(g.shape)}, torch {tuple(t.shape)}"
        if _dname(g.dtype) != _dname(t.dtype):
            return f"{where}: dtype {_dname(g.dtype)}, torch {_dname(t.dtype)}"
        if case.kind == "op" and case.name in RANDOM_OPS:
            return None
        # (bfloat16, which .numpy() refuses in both libraries, is read as float32)
        g = g.detach()
        g = g.resolve_conj() if hasattr(g, "resolve_conj") else g
        ga = np.asarray((g.float() if _dname(g.dtype) == "bfloat16" else g).numpy())
        # (a lazily conjugated or negated torch result, which .numpy() refuses)
        t = t.detach().resolve_conj().resolve_neg()
        ta = (t.float() if t.dtype == torch.bfloat16 else t).numpy()
        if case.kind == "op" and case.name in TIE_OPS and ta.dtype.kind in "iu" \
                and _has_ties(case):
            return None
        if ta.dtype.kind == "f":
            name = "bfloat16" if t.dtype == torch.bfloat16 else ta.dtype.name
            return _compare_floats(ga, ta, _intermediate_dtype(case, name), where)
        if ta.dtype.kind == "c":  # each part as a float of the component dtype
            part = "float32" if ta.dtype == np.complex64 else "float64"
            ga = ga.astype(ta.dtype)
            return _compare_floats(ga.real, ta.real, part, where + ".real") or \
                _compare_floats(ga.imag, ta.imag, part, where + ".imag")
        if not np.array_equal(ga, ta):
            k = np.argwhere(ga != ta)[:2].tolist() if ga.shape == ta.shape else ""
            return f"{where}: values differ at {k}"
        return None
    if isinstance(t, (bool, int, float)) or t is None:
        if isinstance(t, float) and isinstance(g, float) and math.isnan(t) and math.isnan(g):
            return None
        if type(g) is not type(t) and not (isinstance(t, int) and isinstance(g, int)):
            return f"{where}: {type(g).__name__} {g!r}, torch {type(t).__name__} {t!r}"
        if g != t and not (isinstance(t, float) and math.isclose(g, t, rel_tol=1e-6)):
            return f"{where}: {g!r}, torch {t!r}"
        return None
    if isinstance(t, torch.Size):
        return None if tuple(g) == tuple(t) else f"{where}: {tuple(g)}, torch {tuple(t)}"
    return None


def _compare_floats(ga, ta, dtype_name, where):
    """``None`` or how float arrays ``ga`` (gradkit) and ``ta`` (torch) differ beyond the
    tolerance of ``dtype_name``: NaN and inf positions, then values."""
    rtol, atol = _tol(dtype_name)
    gn, tn = np.isnan(ga), np.isnan(ta)
    if (gn != tn).any():
        return f"{where}: NaN at {np.argwhere(gn != tn)[:3].tolist()}"
    gi, ti = np.isinf(ga), np.isinf(ta)
    if (gi != ti).any() or (ga[ti] != ta[ti]).any():
        return f"{where}: inf differs at {np.argwhere((gi != ti) | (ga != ta) & ti)[:3]}"
    ok = ~(gn | gi)
    a, b = ga[ok].astype(np.float64), ta[ok].astype(np.float64)
    # relative to the scale of the result (sums of large and small values)
    scale = np.max(np.abs(b)) if b.size else 0
    if b.size and not np.allclose(a, b, rtol=rtol, atol=atol + rtol * 1e-3 * scale):
        k = int(np.argmax(np.abs(a - b) - rtol * np.abs(b)))
        return f"{where}: value {a[k]!r}, torch {b[k]!r}"
    return None


def _float_outputs(lib, out):
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    outs = [o for o in outs if isinstance(o, (gk.Tensor, torch.Tensor))]
    return [o for o in outs if _dname(o.dtype) == "float64" and o.requires_grad]


def _gradients(case):
    """``(gradkit's, torch's)`` float64 gradients (arrays) of a random projection, or a string
    (why they differ before any value), or ``None`` (no gradient to compare)."""
    arrs = list(_arrays((case.args, case.kwargs)))
    if not arrs or any(a.a.dtype != np.float64 for a in arrs if a.grad):
        return None
    if case.kind == "op" and (not decl(case.name).differentiable or case.face != "function"
                              or case.name in RANDOM_OPS):
        return None
    g, gl, ge = _run(gk, case, grad=True)
    t, tl, te = _run(torch, case, grad=True)
    if ge is not None or te is not None or not gl:
        return None
    go, to = _float_outputs(gk, g), _float_outputs(torch, t)
    if not to or len(go) != len(to):
        return None if len(go) == len(to) else "gradient: outputs requiring grad differ"
    rng = np.random.default_rng(0)
    us = [rng.standard_normal(tuple(o.shape)) for o in to]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tg = torch.autograd.grad(to, tl, [torch.tensor(u) for u in us], allow_unused=True)
        except Exception:  # noqa: BLE001 - torch cannot differentiate it either
            return None
        try:
            gg = gk.autograd.grad(go, gl, [gk.tensor(u) for u in us], allow_unused=True)
        except Exception as e:  # noqa: BLE001
            return f"gradient raised {type(e).__name__}: {e}"
    return ([np.zeros(tuple(gl[i].shape)) if a is None else a.detach().numpy()
             for i, a in enumerate(gg)],
            [np.zeros(tuple(tl[i].shape)) if b is None else
             # (embedding_bag(sparse=True)'s weight gradient is sparse in torch)
             # (a conjugate's gradient may carry torch's lazy negative bit)
             (b.to_dense() if b.is_sparse else b).detach().resolve_neg().numpy()
             for i, b in enumerate(tg)])


def _grad_check(case):
    """``None`` or the gradient difference of a random projection (float64 cases)."""
    pair = _gradients(case)
    if pair is None or isinstance(pair, str):
        return pair
    for i, (a, b) in enumerate(zip(*pair)):
        if a.shape != b.shape:
            return f"gradient {i}: shape {a.shape}, torch {b.shape}"
        if not np.allclose(a, b, rtol=1e-6, atol=1e-8, equal_nan=True):
            with np.errstate(invalid="ignore"):  # (the first entry that differs: not inf, inf)
                far = np.where((a == b) | np.isnan(a) & np.isnan(b), -1.0,
                               np.nan_to_num(np.abs(a - b), nan=np.inf))
            k = int(np.argmax(far.reshape(-1)))
            return f"gradient {i}: {a.reshape(-1)[k]!r}, torch {b.reshape(-1)[k]!r}"
    return None


def classify(case, grads=True):
    """``(class, detail)`` of one case."""
    t, _, te = _run(torch, case)
    if isinstance(te, _PreFailed):
        return "skip", "the sample's pre-hook fails on these inputs in torch"
    g, _, ge = _run(gk, case)
    if isinstance(ge, Hang):
        return "crash", str(ge)
    if ge is not None and isinstance(ge, CRASH_TYPES):
        return "crash", f"{type(ge).__name__}: {ge}"
    if ge is not None and not isinstance(ge, _PreFailed) and is_raw(ge):
        same = te is not None and isinstance(ge, _std_type(te))
        if not same or _RAW_RE.search(str(ge)) \
                or isinstance(ge, RAW_TYPES) and not raised_on_purpose(ge):
            return "raw", f"{type(ge).__name__}: {ge} (at {_origin(ge)})"
    if te is not None and ge is not None:
        if isinstance(ge, _PreFailed):
            return "both-raise", ""
        want = _std_type(te)
        if isinstance(ge, want):
            return "both-raise", ""
        return "wrong-error-type", (f"{type(ge).__name__}: {ge} -- torch {type(te).__name__}: "
                                    f"{_first_line(te)}")
    if te is not None:
        if _torch_gap(te):
            return "torch-gap", _first_line(te)
        return "accepted-invalid", f"torch {type(te).__name__}: {_first_line(te)}"
    if ge is not None:
        return "missing", f"{type(ge).__name__}: {_first_line(ge)}"
    try:
        diff = compare(g, t, case)
    except Exception as e:  # noqa: BLE001 - the result cannot even be read
        return "raw", f"reading the result raised {type(e).__name__}: {e}"
    if diff:
        return "wrong", diff
    if grads:
        diff = _grad_check(case)
        if diff:
            return "grad-wrong", diff
    return "match", ""


def _first_line(e):
    s = str(e).strip().splitlines()
    return s[0][:300] if s else type(e).__name__


def _origin(e):
    tb = traceback.extract_tb(e.__traceback__)
    if not tb:
        return "?"
    f = tb[-1]
    return f"{os.path.relpath(f.filename, os.path.dirname(_GK_DIR))}:{f.lineno}"


def _torch_gap(te):
    """PyTorch lacks a CPU kernel for this dtype: not an input PyTorch calls invalid."""
    m = str(te)
    return bool(re.search(r"not implemented for '(Half|Bool|Byte|Char|Short|Int|Long|BFloat16)'",
                          m))


# ------------------------------------------------------------------ allow-list
def allowed(case, cls, detail):
    """The reason a finding is a deliberate difference (README "Where gradkit differs"), or
    ``None``. Each entry names the op and the exact behaviour."""
    for pred, reason in ALLOW:
        if pred(case, cls, detail):
            return reason
    return None


# ops whose float64 gradients come from LAPACK/BLAS-style sums of products (triangular solves,
# Householder reflectors, matrix products)
ROUNDING_GRAD_OPS = {"lu", "lu_solve", "cholesky_solve", "cholesky_inverse", "orgqr",
                     "householder_product", "ormqr", "qr", "cholesky",
                     # their torch.linalg twins (surface_cases.py)
                     "linalg.householder_product", "linalg.lu", "linalg.lu_solve",
                     "linalg.qr", "linalg.cholesky", "linalg.det"}


def _rounding_only(case):
    """The gradients differ from PyTorch's only by rounding: inf/NaN at the same places, and
    every other difference either below 1e-10 of the gradient's largest finite magnitude (the
    residue of a cancellation between terms that large) or on inputs beyond float64's
    precision (a matrix of condition >= 1e13 or with an inf entry, or an entry >= 1e20 beside
    ordinary ones), where any two summation orders disagree."""
    pair = _gradients(case)
    if pair is None or isinstance(pair, str):
        return False
    conds = []
    for x in _arrays((case.args, case.kwargs)):
        if x.a.dtype.kind == "f" and x.a.ndim >= 2 and x.a.size and not np.isfinite(x.a).all():
            conds.append(math.inf)  # an infinite entry: an infinite condition number
        elif x.a.dtype.kind == "f" and x.a.ndim >= 2 and x.a.size:
            with np.errstate(all="ignore"):
                try:
                    conds.append(float(np.max(np.linalg.cond(x.a.astype(np.float64)))))
                except np.linalg.LinAlgError:
                    conds.append(math.inf)
    huge = any(x.a.dtype.kind == "f" and x.a.size and np.isfinite(x.a).any()
               and np.max(np.abs(x.a[np.isfinite(x.a)])) >= 1e20
               for x in _arrays((case.args, case.kwargs)))
    ill = huge or bool(conds) and not max(conds) < 1e13
    for a, b in zip(*pair):
        if a.shape != b.shape or (np.isnan(a) != np.isnan(b)).any():
            return False
        inf = np.isinf(b)
        if (np.isinf(a) != inf).any() or (a[inf] != b[inf]).any():
            return False
        fin = np.isfinite(b)
        scale = float(np.max(np.abs(b[fin]))) if fin.any() else 0.0
        bad = fin & ~np.isclose(a, b, rtol=1e-6, atol=1e-8)
        if bad.any() and not ill and (np.abs(a[bad] - b[bad]) > 1e-10 * scale).any():
            return False
    return True


_VALUE_DIFF = re.compile(r"value np\.float64\(([^)]*)\), torch np\.float64\(([^)]*)\)")


def _float32_product_rounding(case, detail):
    """A float64 result of a sample whose ``pre`` builds a matrix as ``a @ a^T + n I`` from a
    float32 ``a`` (the product is float32, the sum float64), differing from torch's by float32
    rounding only (relative 1e-5)."""
    pre = getattr(case.sample, "pre", None)
    if getattr(pre, "__name__", "") != "spd" or not any(
            x.a.dtype == np.float32 for x in _arrays((case.args, case.kwargs))):
        return False
    m = _VALUE_DIFF.search(detail)
    if not m:
        return False
    a, b = float(m.group(1)), float(m.group(2))
    return abs(a - b) <= 1e-5 * max(1.0, abs(b))


_POLYNOMIAL_OPS = {
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
    "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"}


def _huge_cancelled(case, detail):
    """A sum-like reduction of finite entries >= 1e20 of both signs beside ordinary ones whose
    result differs from PyTorch's by less than the rounding unit of those entries (n * eps *
    max|x|): which ordinary values survive the cancellation depends on the summation order
    (PyTorch's vectorised lanes, NumPy's pairwise blocks)."""
    m = _VALUE_DIFF.search(detail)
    arrs = [x.a for x in _arrays((case.args, case.kwargs)) if x.a.dtype.kind == "f"]
    if not m or not arrs:
        return False
    a = arrs[0]
    fin = a[np.isfinite(a)].astype(np.float64)
    if not fin.size or not (fin.max() >= 1e20 and fin.min() <= -1e20):
        return False
    unit = a.size * np.finfo(a.dtype).eps * float(np.max(np.abs(fin)))
    return abs(float(m.group(1)) - float(m.group(2))) <= unit


def _remainder_simd_nan(case, detail):
    """float32/float16 ``a % b`` where ``a / b`` overflows: NaN from PyTorch where gradkit
    gives fmod's value."""
    if case.name not in ("%", "%=", "remainder") or "NaN at" not in detail:
        return False
    arrs = [x.a for x in _arrays((case.args, case.kwargs))]
    if not arrs or arrs[0].dtype not in (np.float32, np.float16):
        return False
    fin = arrs[0][np.isfinite(arrs[0])]
    return bool(fin.size) and float(np.max(np.abs(fin))) >= 1e30


def _nan_x_only(case, detail):
    """The NaN differences of a polynomial are all at a NaN ``x`` (where PyTorch's recurrence
    returns an uninitialised value)."""
    import ast

    try:
        where = ast.literal_eval(detail.split("NaN at ", 1)[1])
        xs = [np.asarray(a.a if isinstance(a, Arr) else a, dtype=np.float64)
              for a in case.args[:2]]
        x = np.broadcast_to(xs[0], np.broadcast_shapes(xs[0].shape, xs[1].shape))
        return bool(where) and all(np.isnan(x[tuple(i)]) for i in where)
    except Exception:  # noqa: BLE001 - not this finding
        return False


def _ctc_labels(case):
    """``(labels per sample, blank, classes)`` of a ctc_loss case (positional arguments
    ``log_probs, targets, input_lengths, target_lengths, blank``), or None."""
    a = case.args
    if len(a) < 5 or not isinstance(a[0], Arr) or not isinstance(a[1], Arr) \
            or not isinstance(a[4], int) or a[0].a.ndim < 2:
        return None
    try:
        lengths = [int(k) for k in np.asarray(getattr(a[3], "a", a[3])).reshape(-1)]
    except (TypeError, ValueError):
        return None
    tg = a[1].a.astype(np.int64)
    if tg.ndim == 1:
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(int)
        rows = [tg[o:o + k] for o, k in zip(offsets, lengths)]
    else:
        rows = [tg[i, :k] for i, k in enumerate(lengths) if i < tg.shape[0]]
    return rows, a[4], a[0].a.shape[-1]


def _ctc_last_label_is_blank(case):
    got = _ctc_labels(case)
    return got is not None and any(r.size and r[-1] == got[1] for r in got[0])


def _ctc_label_out_of_range(case):
    got = _ctc_labels(case)
    return got is not None and any(r.size and ((r < 0) | (r >= got[2])).any() for r in got[0])


ALLOW = [
    (lambda c, k, d: k == "missing" and c.kind == "op" and c.name == "linalg.lstsq"
     and "non-finite" in d and any(x.a.dtype.kind == "f" and not np.isfinite(x.a).all()
                                   for x in _arrays((c.args, c.kwargs))),
     "linalg.lstsq of a matrix with an inf: torch 2.13's MKL gelsy rejects its own scaling "
     "(\"Parameter 4 was incorrect on entry to DLASCL\" on stderr) and returns what its "
     "workspace held: NaN with rank 1 for one such matrix, zeros with rank 0 for another "
     "(checked); NaN input raises there. gradkit raises LinAlgError naming the non-finite input "
     "for both, as torch's svd/pinv/matrix_rank do"),
    (lambda c, k, d: k == "missing" and "complex32" in d,
     "gradkit has no complex32 (NumPy has no complex half): complex() of float16 parts and "
     "view_as_complex of a float16 tensor raise, asking for .float() (README, \"Differences "
     "from PyTorch\")"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op"
     and c.name in ("grid_sampler_3d", "grid_sampler") and len(c.args) > 1
     and isinstance(c.args[1], Arr) and c.args[1].a.ndim == 5
     and not np.isfinite(c.args[1].a).all(),
     "torch's 3-D grid_sampler backward places the weights of an infinite or NaN coordinate "
     "elsewhere than its forward samples it (its analytic input gradient differs from finite "
     "differences of its own forward, checked); gradkit's gradient matches the forward"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "index_reduce"
     and "prod" in c.args[4:5] and any(isinstance(a, Arr) and a.a.dtype.kind == "f"
                                       and not np.isfinite(a.a).all() for a in c.args[:1]),
     "torch's index_reduce('prod') backward computes grad * result / self at every element of "
     "self, NaN (inf / inf) where an element no index touches is infinite; its gradient there "
     "is the incoming one, as gradkit gives"),
    (lambda c, k, d: k == "wrong" and c.kind == "op" and c.name == "mode"
     and any(isinstance(a, Arr) and a.a.dtype.kind == "f" and np.isnan(a.a).any()
             for a in c.args[:1]),
     "torch's CPU mode sorts each row with std::sort and `<`, which leaves a NaN at any place "
     "(undefined order); gradkit's mode ignores NaN's position the same way on every machine"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "block_diag"
     and any(isinstance(a, Arr) and a.a.ndim == 1 and a.a.size == 0 for a in c.args),
     "torch 2.13's block_diag backward skips the row an empty 1-D tensor (a 1x0 block) takes in "
     "the output, so every later block's gradient is read one row up; gradkit's is the finite "
     "difference"),
    (lambda c, k, d: k == "wrong" and c.kind == "op" and c.name in _POLYNOMIAL_OPS
     and d.startswith("result: NaN at") and _nan_x_only(c, d),
     "torch.special's polynomials return an uninitialised value where their recurrence starts "
     "on a NaN x (0 or any number, by compiler; Math.h leaves r unset); gradkit gives NaN"),
    (lambda c, k, d: k == "wrong" and c.name in ("sum", "mean", "nansum", "nanmean")
     and _huge_cancelled(c, d),
     "a sum of entries >= 1e20 of both signs beside ordinary ones: the result is below the "
     "rounding unit of the huge entries, and which ordinary values survive their cancellation "
     "depends on the summation order (checked: +-1e30 at flat positions 0 and 4 of 24 float64 "
     "values: PyTorch's 4-lane vectorised sum cancels them in one lane and keeps the rest, "
     "0.025; NumPy's pairwise blocks of 8 absorb the rest into each, 0.0)"),
    (lambda c, k, d: k == "wrong" and _remainder_simd_nan(c, d),
     "torch 2.13's CPU remainder of float32/float16 computes a - floor(a / b) * b in its "
     "vectorised body, NaN where a / b overflows, and fmod in its scalar tail (checked: 20 "
     "copies of 3e38 % 0.446 give 16 NaN, then 4 times 0.0564); gradkit gives fmod's value "
     "everywhere, as torch's scalar path and float64"),
    (lambda c, k, d: k == "accepted-invalid" and c.kind == "op" and c.name == "ldexp"
     and c.face == "out" and "INTERNAL ASSERT FAILED" in d and "needs_dynamic_casting" in d,
     "torch 2.13's ldexp(float input, integer other, out=<narrower float>) fails an internal "
     "assertion of its CPU loop (!needs_dynamic_casting, 'please report a bug to PyTorch'; "
     "checked: float64 input, int64 other, float32 or float16 out), a PyTorch defect, not a "
     "refusal: its own rule (canCast, which takes the float64 result into a float32 out) and "
     "gradkit's cast the result into out"),
    (lambda c, k, d: k == "wrong-error-type" and c.kind == "op" and c.name in {"norm", "tensordot"}
     and d.startswith("TypeError") and "torch AttributeError: 'list' object has no attribute" in d,
     "torch.norm and torch.tensordot are Python functions (torch/functional.py) that read "
     "input.layout / a.dim() before any check, so a Python list fails there with an internal "
     "AttributeError; gradkit raises TypeError naming the argument and how to make a tensor"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name in ROUNDING_GRAD_OPS
     and _rounding_only(c),
     "the gradient differs only by rounding: inf/NaN placed as PyTorch's (same formulas, same "
     "order of products and triangular solves), finite entries that are cancellation residues "
     "(under 1e-10 of the gradient's scale) or computed from inputs beyond float64's precision "
     "(condition number >= 1e13, an inf entry, or an entry >= 1e20), where MKL's blocking and "
     "FMA order cannot be reproduced bit for bit by NumPy"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op"
     and c.name in {"cov", "corrcoef", "var", "std", "var_mean", "std_mean"}
     and _rounding_only(c),
     "a variance's gradient 2 (x - mean) / N on entries >= 1e20 of both signs beside ordinary "
     "ones: the mean is below the rounding unit of the huge entries, and which ordinary values "
     "survive their cancellation depends on the summation order (checked: cov of [1.264, "
     "1.05, -1e30, 1e30, -1.161]: PyTorch's vectorised mean 0.0, NumPy's -0.2322, the exact "
     "one 0.2306), so the ordinary entries' gradients differ by that mean"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "gradient"
     and _rounding_only(c),
     "gradient's spacing gradient at a coordinate step of 1e-30 (checked: spacing [0, 1e-30, "
     "3]): the terms are ~1e59 (1 / step^2) and cancel, so the residue left is any summation "
     "order's rounding (gradkit 0.80, PyTorch 1.4e14, both under 1e-45 of the terms); inf/NaN "
     "placed as PyTorch's"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name in {"stft", "istft"}
     and _rounding_only(c),
     "the short-time Fourier transforms' gradients differ only by rounding (checked: istft "
     "with window entries +-1e30, a window gradient of scale 2.6e29 whose entries differ by "
     "3.5e13, 1.3e-16 of it: the FFT's and the overlap-add's summation orders)"),
    (lambda c, k, d: k == "accepted-invalid" and c.kind == "op" and c.name == "diff"
     and c.face == "out" and "start out of range" in d,
     "torch 2.13's diff(out=) of a dim of size 0 narrows the input from 1 and raises IndexError "
     "where its plain form returns the empty difference (torch.diff(torch.ones(3, 0)) is a "
     "(3, 0) tensor); gradkit's out= form gives the plain form's result"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op"
     and c.name in {"det", "logdet", "slogdet", "cdist", "logcumsumexp", "median", "kthvalue",
                    "nanmedian", "scatter", "scatter_reduce", "mode"},
     "README: gradients at singular points / ties follow the documented rule"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "ldexp"
     and any(a.a.dtype.kind in "iu" for a in _arrays((c.args[1:], c.kwargs))),
     "torch's ldexp backward computes 2 ** other in the integer dtype of an integer exponent "
     "(0 for a negative one); gradkit gives the derivative 2 ** other"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "zeta"
     and any(a.a.dtype.kind == "u" for a in _arrays((c.args[:1], {}))),
     "torch's zeta backward for q computes -input in the dtype of an unsigned input (uint8 "
     "wraps: -10 becomes 246); gradkit gives the derivative -input * zeta(input + 1, q)"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "hardshrink"
     and (any(isinstance(a, float) and math.isnan(a) for a in c.args[1:])
          or any(np.isnan(a.a).any() for a in _arrays((c.args, c.kwargs))
                 if a.a.dtype.kind == "f")),
     "torch's hardshrink backward at a NaN (input or lambd) passes the gradient in its scalar "
     "tail loop and zeroes it in its SIMD body (which elements depends on the CPU's vector "
     "width); gradkit zeroes it everywhere, as the SIMD body"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "batch_norm"
     and len(c.args) > 5
     and any(isinstance(a, Arr) and a.layout != "c" for a in c.args[1:5]),
     "torch's batch_norm backward (training and eval; checked: a strided weight changes the "
     "input gradient in training too) misreads a non-contiguous weight, running_mean or "
     "running_var (torch.batch_norm's args 1-4: its input gradient changes with the weight's "
     "strides, its weight gradient with the running statistics', its forward does not); "
     "gradkit's gradient is the forward's"),
    (lambda c, k, d: k == "wrong" and c.kind == "op" and c.name == "resize_as_"
     and len(c.args) > 1 and isinstance(c.args[1], Arr)
     and c.args[1].a.size > (c.args[0].a[:1].size if c.args[0].layout == "e"
                             else c.args[0].a.size)
     and d.startswith("result") and "dtype" not in d and "shape" not in d,
     "resize_as_ to more elements than self's storage holds (an expanded self holds one row): "
     "PyTorch leaves the new elements uninitialized (whatever its allocator held); gradkit "
     "fills them with zeros"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "log_ndtr",
     "torch's log_ndtr backward exp(-(log_ndtr(x) + x**2 / 2)) / sqrt(2 pi) cancels "
     "catastrophically below x ~ -1e8 (inf or NaN); gradkit's pdf / cdf through erfcx is exact "
     "there (the same values elsewhere)"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "as_strided_scatter",
     "torch 2.13's as_strided_scatter backward gives input the gradient of the written slice "
     "and zeroes the rest (the complement: torch.autograd.gradcheck fails on it); gradkit's "
     "is the finite difference (tests/functions/test_strided.py)"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "embedding_bag"
     and len(c.args) > 3 and c.args[3] is True,
     "torch 2.13's CPU embedding_bag backward with scale_grad_by_freq divides some rows by "
     "another index's count (see F.embedding_bag's docstring); gradkit divides each row by "
     "its own count"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name in ("igamma", "igammac")
     and isinstance(c.args[0], Arr) and c.args[0].a.dtype in (np.float16, np.float32),
     "torch's igamma/igammac backward evaluates its formula (input - 1, lgamma(input)) in the "
     "low precision of a float16/float32 input; gradkit in the promoted dtype"),
    (lambda c, k, d: k == "wrong" and c.kind == "op" and _float32_product_rounding(c, d),
     "the sample's positive-definite matrix a @ a^T + n I of a float32 a: torch's MKL sgemm adds "
     "the rounded products of a small matrix in order, NumPy's OpenBLAS sgemm fuses them (FMA), "
     "so one float32 product entry in two differs by a unit in the last place, which the float64 "
     "factorization carries (cholesky itself matches on equal inputs; matching MKL's small "
     "kernels would cost gradkit's float32 matmul its BLAS call)"),
    (lambda c, k, d: k == "accepted-invalid" and c.kind == "op" and c.name == "detach_"
     and any(isinstance(a, Arr) and a.layout != "c" for a in c.args),
     "gradkit tensors keep no view/base relation (no _is_view), so detach_ cannot tell a view "
     "and detaches it where PyTorch refuses views"),
    (lambda c, k, d: k == "missing" and c.kind == "op" and c.name in ("as_strided", "as_strided_")
     and "Trying to create tensor with negative dimension" in d,
     "torch 2.13's as_strided computes no storage size for a size holding a 0, so a negative "
     "size beside it (e.g. (0, -1)) makes a tensor of that size, which every later op refuses "
     "(clone, +, .numpy(): 'Trying to create tensor with negative dimension'); gradkit raises "
     "that RuntimeError at as_strided"),
    (lambda c, k, d: k == "missing" and c.kind == "op"
     and c.name in {"grid_sampler", "grid_sampler_2d", "grid_sampler_3d"}
     and d.startswith("ValueError: grid_sampler: interpolation_mode must be 0, 1 or 2"),
     "torch 2.13's grid_sampler kernels take an interpolation_mode/padding_mode code outside "
     "0..2 without a check: the 2-D kernel and the 3-D kernel with such an interpolation code "
     "return the uninitialised output buffer (whatever memory held, different on every call), "
     "the 3-D kernel's if/else chain falls through to zeros padding for such a padding code; "
     "gradkit raises ValueError naming the valid codes (0 bilinear, 1 nearest, 2 bicubic; 0 "
     "zeros, 1 border, 2 reflection)"),
    (lambda c, k, d: k == "missing" and c.kind == "op"
     and c.name in ("matrix_exp", "linalg.matrix_exp")
     and "Low precision dtypes not supported" in d,
     "torch 2.13's CPU matrix_exp in float16/bfloat16 returns nonsense for any matrix larger "
     "than 1x1: exp(eye(2)) has -20896 on its diagonal, randn(3, 3) * 0.3 gives -2.1e4 or NaN "
     "(its float32/float64 results are right), and a 1x1 matrix [[2.5]] gets exp's value but "
     "the gradient -inf; gradkit raises, asking for .float()"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "ctc_loss"
     and _ctc_last_label_is_blank(c),
     "torch 2.13's CPU ctc_loss backward, at a sample's last frame, sets the blank class's "
     "alpha*beta sum to the last label's term instead of adding it to the final blank's (it "
     "assumes the two differ): with a last target label equal to blank its gradient is not the "
     "loss's derivative; gradkit's is (checked by finite differences in "
     "tests/nn/test_ctc_loss.py)"),
    (lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "ctc_loss"
     and _rounding_only(c),
     "ctc_loss on log-probabilities beyond float64's precision (an entry >= 1e20 beside "
     "ordinary ones, so a loss ~1e29): its gradient exp(log_probs) - exp(lcab + nll - "
     "log_probs) is a difference of terms whose exponents are rounded to ~1e13 absolute, so "
     "any two summation orders (PyTorch's logsumexp over the extended labels, gradkit's sum "
     "of the per-label terms) disagree; inf/NaN are placed as PyTorch's"),
    (lambda c, k, d: k == "missing" and c.kind == "op" and c.name == "ctc_loss"
     and d.startswith("ValueError: ctc_loss: target labels must be in") and
     _ctc_label_out_of_range(c),
     "torch 2.13's CPU ctc_loss indexes log_probs[t, n, label] without a bounds check: a "
     "target label outside [0, C) reads another sample's or frame's log-probabilities (or "
     "memory past the tensor); gradkit raises ValueError naming the valid range"),
]

def _untouched_nan_of_index_amax(c):
    """An index_reduce 'amax'/'amin' case whose input holds a NaN at a position along ``dim``
    that no index touches (the output is the input there)."""
    if c.kind != "op" or c.name != "index_reduce" or len(c.args) < 5 \
            or c.args[4] not in ("amax", "amin"):
        return False
    x, dim, index = c.args[0], c.args[1], c.args[2]
    if not (isinstance(x, Arr) and isinstance(index, Arr) and x.a.dtype.kind == "f"
            and x.a.ndim and isinstance(dim, int) and -x.a.ndim <= dim < x.a.ndim):
        return False
    along = np.nonzero(np.isnan(x.a))[dim % x.a.ndim]
    return bool(np.setdiff1d(along, index.a.reshape(-1)).size)


ALLOW.append((
    lambda c, k, d: k == "grad-wrong" and _untouched_nan_of_index_amax(c),
    "torch's index_reduce('amax'/'amin') backward gives self the gradient (self == result) * "
    "grad / N, N counting the elements equal to the result: at a NaN of self no index touches "
    "both are 0 (NaN != NaN), so 0 * inf = NaN, though the output is the input there; "
    "gradkit passes the incoming gradient, as for every other untouched element (at a touched "
    "NaN both give NaN)"))


def _low_precision_exponent(c):
    """``a ** b`` (the operator, pow, pow_) of a float64 base and a float16/bfloat16/float32
    tensor exponent."""
    if not ((c.kind == "operator" and c.name in ("**", "**=")) or
            (c.kind == "op" and c.name in ("pow", "pow_"))) or len(c.args) < 2:
        return False
    a, b = c.args[0], c.args[1]
    return (isinstance(a, Arr) and a.a.dtype == np.float64 and isinstance(b, Arr)
            and b.a.dtype.name in ("float16", "bfloat16", "float32"))


ALLOW.append((
    lambda c, k, d: k == "grad-wrong" and _low_precision_exponent(c),
    "torch's pow backward computes the base's gradient exponent * base ** (exponent - 1) with "
    "exponent - 1 in a float16/float32 exponent's own dtype (rounded: -0.1244 - 1 is -1.124 "
    "in float16, 7e-5 off; checked), then promotes; gradkit computes exponent - 1 in the "
    "promoted float64, the derivative of its forward"))


ALLOW.append((
    lambda c, k, d: k == "wrong-error-type" and c.kind == "operator" and c.name == "@"
    and d.startswith("RuntimeError") and "NotImplementedError" in d
    and any(isinstance(a, Arr) and a.a.dtype == np.bool_ and a.layout != "c" for a in c.args)
    and any(isinstance(a, Arr) and a.a.dtype != np.bool_ for a in c.args),
    "torch's matmul of a bool and a non-bool tensor raises by the bool one's memory layout: a "
    "transposed bool batch goes to bmm, whose kernel dispatch fails first (NotImplementedError "
    "'bmm not implemented for Bool'), the same values contiguous to addmv's dtype check "
    "(RuntimeError; checked); gradkit raises the dtype mismatch's RuntimeError for every "
    "layout"))


def _grid_nan_clipped(c):
    """A 2-D grid_sampler case with a coordinate that border/reflection padding clips while it
    is NaN (a NaN grid entry; an inf one under reflection, whose fmod is NaN)."""
    if c.kind != "op" or c.name not in ("grid_sampler_2d", "grid_sampler") or len(c.args) < 4:
        return False
    inp, grid, pad = c.args[0], c.args[1], c.args[3]
    if not (isinstance(inp, Arr) and isinstance(grid, Arr) and inp.a.ndim == 4
            and grid.a.dtype.kind == "f" and pad in (1, 2)):
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.isnan(grid.a).any() or pad == 2 and np.isinf(grid.a).any())


ALLOW.append((
    lambda c, k, d: k == "wrong-error-type" and c.kind == "op" and c.name in ("stft", "istft")
    and c.args and not isinstance(c.args[0], Arr) and "AttributeError" in str(d),
    "torch.stft/istft are Python functions that read input.dim() before any check, so a "
    "non-Tensor input fails with Python's AttributeError; gradkit raises a TypeError naming "
    "the argument (an AttributeError from gradkit would count as a raw error)"))

ALLOW.append((
    lambda c, k, d: k == "wrong" and _grid_nan_clipped(c),
    "torch's vectorized 2-D grid_sampler CPU kernel clips a NaN coordinate to NaN (its "
    "NaN-propagating minimum/maximum), converts it to int64 (INT64_MIN on x86) and reads the "
    "element at the wrapped-around byte offset (row 0 for a NaN y of the fuzzer's shapes): "
    "integer overflow, not a rule; gradkit follows torch's scalar kernels (3-D, and the "
    "backward), whose clip_coordinates min(size - 1, max(c, 0)) makes a NaN size - 1"))

# functions whose results or gradients rest on singular values (``_spectrum_below_rounding``)
_SVD_BASED = {"svd", "nuclear_norm", "linalg.svd", "linalg.svdvals", "linalg.pinv",
              "linalg.matrix_rank", "pinverse"}


def _spectrum_below_rounding(c):
    """A spectral case (SVD-based, ``linalg.cond`` in the 2-norm, ``linalg.eigh``) whose
    matrix has singular values (eigenvalues) closer together, or a singular value closer to 0,
    than the factorisation's rounding level ``eps * max(m, n) * sigma_max`` (a finite matrix
    with entries near float's limits beside ordinary ones): those values and their vectors are
    rounding residue, different for every LAPACK build (blocking, FMA order). ``cond`` depends
    only on the smallest singular value, so only that one counts there."""
    if c.kind != "op" or not c.args:
        return False
    cond = c.name == "linalg.cond"
    if cond:
        p = c.args[1] if len(c.args) > 1 else c.kwargs.get("p")
        if p not in (None, 2, -2):
            return False
    elif c.name not in _SVD_BASED and c.name != "linalg.eigh":
        return False
    x = c.args[0]
    if not isinstance(x, Arr) or x.a.dtype.kind != "f" or x.a.ndim < 2 or not x.a.size:
        return False
    a = x.a.astype(np.float64)
    if not np.isfinite(a).all():
        return False
    eps = float(np.finfo(x.a.dtype).eps) * max(a.shape[-2:])
    if c.name == "linalg.eigh":
        upper = (c.args[1] if len(c.args) > 1 else c.kwargs.get("UPLO", "L")) == "U"
        tri = np.swapaxes(np.triu(a), -1, -2) if upper else np.tril(a)
        sym = tri + np.swapaxes(np.tril(tri, -1), -1, -2)
        w = np.linalg.eigvalsh(sym)
        scale = np.max(np.abs(w), axis=-1, keepdims=True)
        return bool((np.diff(w, axis=-1) <= eps * scale).any())
    s = np.linalg.svd(a, compute_uv=False)
    small = s[..., -1] <= eps * s[..., 0]
    if cond:
        return bool(small.any())
    close = (-np.diff(s, axis=-1) <= eps * s[..., :1]).any(axis=-1)
    return bool((small | close).any())


ALLOW.append((
    lambda c, k, d: k in ("wrong", "grad-wrong") and _spectrum_below_rounding(c),
    "svd/nuclear_norm/svdvals/pinv/matrix_rank/cond/eigh of a matrix whose singular values "
    "(eigenvalues) lie closer together, or closer to 0, than eps * sigma_max * max(m, n) (e.g. "
    "a 3e38 or 1e30 entry beside ordinary ones): LAPACK determines those values and their "
    "vectors only to within rounding, so torch's LAPACK (MKL) and NumPy's return different but "
    "equally valid ones (and so different condition numbers and gradients); exactly repeated "
    "values are compared through their gauge-invariant eigenspaces (surface_cases.py), but "
    "their vectors' gradient is undefined (torch's backward divides by the zero gap: inf/NaN "
    "or another finite value)"))


def _histc_half_overflow(c):
    """A float16 histc case where (x - min) * bins overflows float16 (beyond 65504)."""
    if c.kind != "op" or c.name != "histc" or not c.args or not isinstance(c.args[0], Arr):
        return False
    a = c.args[0].a
    if a.dtype != np.float16 or not a.size:
        return False
    bins = c.args[1] if len(c.args) > 1 else c.kwargs.get("bins", 100)
    with np.errstate(all="ignore"):
        span = float(np.nanmax(a.astype(np.float64))) - float(np.nanmin(a.astype(np.float64)))
        lo = c.args[2] if len(c.args) > 2 else c.kwargs.get("min", 0)
        hi = c.args[3] if len(c.args) > 3 else c.kwargs.get("max", 0)
        if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo != hi:
            span = float(hi) - float(lo)
        return isinstance(bins, int) and not span * bins < 65504


ALLOW.append((
    lambda c, k, d: k == "wrong" and _histc_half_overflow(c),
    "torch's float16 histc computes (x - min) * bins / (max - min) in float16: where the "
    "product overflows to inf its conversion to a bin index is undefined (x86 gives INT64_MIN, "
    "which wraps to bin 0); gradkit counts such an element in the bin of the exact quotient"))


def _non_finite_input(c):
    return any(a.a.dtype.kind == "f" and not np.isfinite(a.a).all()
               for a in _arrays((c.args, c.kwargs)))


ALLOW.append((
    lambda c, k, d: k == "wrong" and c.kind == "op" and c.name.startswith("fft.")
    and _non_finite_input(c),
    "an FFT of an input holding inf or NaN: which outputs become NaN rather than +-inf depends "
    "on the order of the butterflies (inf - inf), which differs between PyTorch's FFT backend "
    "and NumPy's pocketfft; finite inputs match"))
ALLOW.append((
    lambda c, k, d: k == "grad-wrong" and c.kind == "op" and c.name == "linalg.vander"
    and _non_finite_input(c),
    "torch's linalg.vander backward goes through cumprod's, which divides by x (inf / inf: NaN "
    "at an infinite x); gradkit gives the derivative's value there (k x^(k-1))"))

ALLOW.append((
    lambda c, k, d: k == "accepted-invalid" and c.kind == "op" and c.name.startswith("fft.")
    and "MKL FFT error" in d,
    "torch's MKL FFT backend fails (DFTI 'Inconsistent configuration parameters') on an input "
    "with an empty batch dimension; the transform of no signals is an empty result, as NumPy's "
    "and gradkit's"))

def _cholesky_at_rounding(c):
    """A Cholesky case whose (finite) matrix, after the sample's ``pre`` (``a a^T + n I``), has
    a condition number beyond ``1 / eps``: whether the last pivot ``a_jj - sum l_jk^2`` comes
    out positive is decided by rounding (the summation order of each LAPACK build)."""
    if c.kind != "op" or c.name not in ("cholesky", "linalg.cholesky", "linalg.cholesky_ex") \
            or not c.args or not isinstance(c.args[0], Arr):
        return False
    a = c.args[0].a
    if a.dtype.kind != "f" or a.ndim < 2 or not a.size or a.shape[-1] != a.shape[-2]:
        return False
    with np.errstate(all="ignore"):
        m = a.astype(np.float64)
        if getattr(getattr(c.sample, "pre", None), "__name__", "") == "spd":
            m = m @ np.swapaxes(m, -1, -2) + m.shape[-1] * np.eye(m.shape[-1])
        if not np.isfinite(m).all():
            return False
        w = np.abs(np.linalg.eigvalsh(m))
    eps = float(np.finfo(a.dtype).eps)
    return bool((w.min(axis=-1) <= eps * m.shape[-1] * w.max(axis=-1)).any())


ALLOW.append((
    lambda c, k, d: k in ("accepted-invalid", "missing", "wrong") and _cholesky_at_rounding(c),
    "cholesky of a matrix whose smallest eigenvalue is below eps * n * its largest (a 3e38 "
    "entry squared beside ordinary ones): positive definite or not is decided by the rounding "
    "of the last pivot, which differs between PyTorch's LAPACK (MKL) and gradkit's"))


def _cov_low_precision_weights(c, detail):
    """A ``cov`` case whose ``aweights`` are float32/float16 beside float64 data, with a value
    differing from PyTorch's by the weights' rounding only (their sum and norm factor are
    computed in the weights' dtype, by both)."""
    if c.kind != "op" or c.name != "cov":
        return False
    w = c.kwargs.get("aweights")
    if not isinstance(w, Arr) or w.a.dtype not in (np.float32, np.float16):
        return False
    m = _VALUE_DIFF.search(detail)
    if not m:
        return False
    a, b = float(m.group(1)), float(m.group(2))
    return abs(a - b) <= 8 * w.a.size * float(np.finfo(w.a.dtype).eps) * max(1.0, abs(b))


ALLOW.append((
    lambda c, k, d: k == "wrong" and _cov_low_precision_weights(c, d),
    "cov with float32/float16 aweights: the weights' sum and the norm factor are in their own "
    "dtype (as PyTorch's), and PyTorch's vectorised float32 sum adds in another order than "
    "NumPy's (6.8806925 against 6.880692 for six weights), a difference of the weights' "
    "rounding that the float64 result carries"))


def _fft_rounding(c, detail):
    """An FFT case whose value differs from PyTorch's by less than the rounding unit of its
    largest entry (``n * eps * max|x|``: a 1e30 entry beside ordinary ones leaves only
    rounding residue where the ordinary ones would show)."""
    if c.kind != "op" or not c.name.startswith("fft.") or not c.args \
            or not isinstance(c.args[0], Arr):
        return False
    m = _VALUE_DIFF.search(detail)
    a = c.args[0].a
    if not m or a.dtype.kind not in "fc" or not a.size:
        return False
    fin = np.abs(a[np.isfinite(a)]).astype(np.float64)
    if not fin.size:
        return False
    unit = a.size * float(np.finfo(a.dtype).eps) * float(fin.max())
    return abs(float(m.group(1)) - float(m.group(2))) <= unit


ALLOW.append((
    lambda c, k, d: k == "wrong" and _fft_rounding(c, d),
    "an FFT of an input with entries near float's limits beside ordinary ones (1e30): the "
    "ordinary ones are below the rounding unit of the sums, so their residue depends on the "
    "order of the butterflies (PyTorch's FFT backend, NumPy's pocketfft)"))


ALLOW.append((
    lambda c, k, d: k == "grad-wrong" and c.kind == "op"
    and c.name in _SVD_BASED | {"linalg.cond", "linalg.norm", "linalg.matrix_norm"}
    and _non_finite_input(c),
    "the gradient of a singular-value function at a matrix holding inf: PyTorch's backward "
    "runs MKL's gesdd with vectors on it, which raises, returns NaN, or returns a garbage "
    "signed permutation depending on where the inf sits; gradkit's is NaN everywhere (its "
    "values, the singular values, are NaN as PyTorch's)"))


ALLOW.append((
    lambda c, k, d: k == "wrong" and c.kind == "op" and c.name in ("linalg.pinv", "pinverse")
    and d.startswith("result: NaN at") and _non_finite_input(c),
    "pinv of a matrix holding inf: MKL's gesdd returns NaN singular values with arbitrary "
    "vectors (a signed permutation), and torch 2.13's tolerance test (s > rtol * s_max, false "
    "for NaN) drops every one of them, so it returns zeros, or zeros beside NaN columns, or "
    "raises for the transpose (checked); gradkit's pseudo-inverse is NaN, as its singular "
    "values are in both libraries"))


def _overlapping_view(c):
    """An ``as_strided_scatter`` case whose view (size, stride) reaches some storage element
    twice, with a non-contiguous ``src``."""
    if c.kind != "op" or c.name != "as_strided_scatter" or len(c.args) < 4:
        return False
    src, size, stride = c.args[1], c.args[2], c.args[3]
    if not isinstance(src, Arr) or src.layout == "c" and src.a.ndim >= 1 or \
            not isinstance(size, (tuple, list)) or not isinstance(stride, (tuple, list)):
        return False
    try:
        offs = np.zeros((), dtype=np.int64)
        for n, st in zip(size, stride):
            offs = np.add.outer(offs, np.arange(n) * st)
    except (TypeError, ValueError):
        return False
    return offs.size != np.unique(offs).size


ALLOW.append((
    lambda c, k, d: k == "wrong" and _overlapping_view(c),
    "as_strided_scatter through a view that reaches one storage element more than once (a zero "
    "or overlapping stride): which src element lands there depends on the order of the writes, "
    "which torch takes from src's memory layout (checked: a transposed src writes its last "
    "column's values, the same values contiguous its last row's); torch.as_strided's "
    "documentation calls in-place writes through such a view undefined. gradkit writes in "
    "src's logical order, as torch for a contiguous src"))


ALLOW.append((
    lambda c, k, d: k == "wrong" and c.kind == "op" and c.name in ("median", "nanmedian")
    and any(isinstance(a, Arr) and a.layout == "e" for a in c.args[:1]),
    "torch 2.13's median/nanmedian along a dim of stride 0 (an expanded float64 input) returns "
    "uninitialised values (checked: tensor([[1., 2., 3.]]).double().expand(4, 3).median(0) "
    "gives [1.0, 6.9e-310, 6.9e-310]; float32, kthvalue and mode give [1, 2, 3]); gradkit "
    "gives each column's median"))


ALLOW.append((
    lambda c, k, d: k == "missing" and c.kind == "op" and "refers to a single memory location"
    in d and any(isinstance(a, Arr) and a.layout == "e" for a in _arrays((c.args, c.kwargs))),
    "an in-place write into an expanded (stride-0) tensor (the in-place face's self, or "
    "batch_norm's running statistics): several of its elements share one memory location, so "
    "what it holds after the write depends on the kernel's order; PyTorch's elementwise "
    "kernels refuse it and some others (triu_, index_put_, index_fill_, batch_norm's update) "
    "write in their own order; gradkit refuses it everywhere with PyTorch's message, asking "
    "for clone()"))


ALLOW.append((
    lambda c, k, d: k == "wrong" and c.kind == "op" and c.name == "geqrf"
    and "NaN at" in d and c.args and isinstance(c.args[0], Arr)
    and c.args[0].a.dtype.kind == "f" and np.isnan(c.args[0].a).any(),
    "geqrf of a matrix holding NaN: the Householder norm of its column (LAPACK's dnrm2) is "
    "NaN in gradkit's LAPACK, while torch 2.13's MKL returns a finite R[0, 0] (1.7429 for a "
    "column [NaN, -0.41, -1.16, 1e-30], checked) beside NaN everywhere else; the factors are "
    "meaningless either way"))


ALLOW.append((
    lambda c, k, d: k == "missing" and c.kind == "op" and c.name in _SVD_BASED
    and "non-finite" in d and _non_finite_input(c),
    "an SVD of a matrix holding inf: torch 2.13's MKL gesdd returns NaN factors for some such "
    "matrices and raises LinAlgError ('the input matrix contained non-finite values') for "
    "others (checked: a 3x5 float64 matrix with one inf gives NaN U, S, V; its 5x3 transpose "
    "raises, as any NaN matrix does); gradkit raises LinAlgError naming the non-finite input "
    "for every one, as for lstsq"))


def _geqrf_huge_residue(c):
    """A geqrf case of a float matrix with finite entries >= 1e20 beside ordinary ones whose
    R and reflector entries differ from PyTorch's by less than the rounding unit of the huge
    entries (max(m, n) * eps * max|x|), and whose tau lie in [0, 2] in both."""
    if not c.args or not isinstance(c.args[0], Arr) or c.args[0].a.dtype.kind != "f":
        return False
    a = c.args[0].a
    fin = np.abs(a[np.isfinite(a)]).astype(np.float64)
    if not fin.size or fin.max() < 1e20 or not (fin[fin > 0] < 1e3).any():
        return False
    g, _, ge = _run(gk, c)
    t, _, te = _run(torch, c)
    if ge is not None or te is not None:
        return False
    (ga, gt), (ta, tt) = ([x.detach().numpy().astype(np.float64) for x in r] for r in (g, t))
    unit = max(a.shape[-2:]) * np.finfo(a.dtype).eps * float(fin.max())
    if ga.shape != ta.shape or (np.isfinite(ga) != np.isfinite(ta)).any():
        return False
    ok = np.isfinite(ta)
    return bool((np.abs(ga[ok] - ta[ok]) <= unit).all()
                and all(((x >= 0) & (x <= 2)).all() for x in (gt, tt)))


ALLOW.append((
    lambda c, k, d: k == "wrong" and c.kind == "op" and c.name == "geqrf"
    and _geqrf_huge_residue(c),
    "geqrf of a matrix with entries >= 1e20 beside ordinary ones: once the huge entries are "
    "reflected away, the later columns are their cancellation residue, below the rounding "
    "unit max(m, n) * eps * max|x| and different for every order of the reflector products "
    "(MKL's blocked dlarfb and FMA against NumPy's); the tau read from such a column is any "
    "value in [0, 2] (checked: seed 47 --variants case 5445, two columns of 3e38 in one row: "
    "R[2, 2] 5.3e21 with tau 1.894 in torch, 0.0 with tau 0 here, both below the unit 2.7e23)"))


ALLOW.append((
    lambda c, k, d: k == "warning" and c.kind == "op" and c.name == "ldexp"
    and d.startswith("torch only: UserWarning: An output with one or more elements was resized")
    and any(isinstance(a, Arr) and a.a.dtype.kind in "iub" for a in c.args[1:2]),
    "torch 2.13's ldexp of a floating input and an integer other of a larger shape writes "
    "input * 2 ** other into a temporary of the input's shape (ldexp_out), so it warns that "
    "an output the caller never passed was resized (checked: ldexp(tensor(0.5), "
    "tensor([[1, 2, 3, 0]])) warns; with a float other it does not); gradkit gives no warning "
    "for an out= the caller did not pass"))


ALLOW.append((
    lambda c, k, d: k == "warning" and c.kind == "op" and c.face == "out_sized"
    and d.startswith("torch only: UserWarning: An output with one or more elements was resized")
    and "gradkit only" not in d,
    "a non-empty out= of another shape: PyTorch resizes it before its own dtype checks, so it "
    "warns on a call that then raises (dot of int32 and float64 into an int32 out, checked), "
    "and resizes an internal temporary of the promoted dtype a second time (eq of float16 and "
    "float64 into a float16 out warns twice, checked); gradkit warns once, for the out it "
    "resizes, in PyTorch's words (tests/warning_cases.py)"))


def _lstsq_beyond_gelsy(c):
    """A ``linalg.lstsq`` case whose ``A`` or ``B`` holds inf/NaN, or whose finite ``A`` is
    rank deficient at ``rcond`` (its default ``eps * max(m, n)``)."""
    if c.kind != "op" or c.name != "linalg.lstsq" or len(c.args) < 2:
        return False
    a, b = c.args[0], c.args[1]
    if not all(isinstance(x, Arr) and x.a.dtype.kind == "f" for x in (a, b)):
        return False
    if not (np.isfinite(a.a).all() and np.isfinite(b.a).all()):
        return True
    if a.a.ndim < 2 or not a.a.size:
        return False
    s = np.linalg.svd(a.a.astype(np.float64), compute_uv=False)
    rcond = c.args[2] if len(c.args) > 2 and isinstance(c.args[2], float) else \
        float(np.finfo(a.a.dtype).eps) * max(a.a.shape[-2:])
    return bool((s[..., -1] <= rcond * s[..., 0]).any())


ALLOW.append((
    lambda c, k, d: k == "wrong" and _lstsq_beyond_gelsy(c),
    "linalg.lstsq: gradkit's solution is the truncated-SVD minimum-norm one (LAPACK's gelsd) "
    "for every driver; PyTorch's default gelsy truncates a rank-revealing QR instead, whose "
    "solution differs for a rank-deficient A, and scales all of B by its norm first, so one "
    "inf in B makes NaN of other columns' entries (gelsy itself is not implemented)"))
ALLOW.append((
    lambda c, k, d: k == "accepted-invalid" and c.kind == "op" and c.name == "linalg.lstsq"
    and "INTERNAL ASSERT FAILED" in d,
    "torch 2.13's gelsy path hands MKL a NaN scale for a B holding NaN (MKL: 'Parameter 6 was "
    "incorrect on entry to DGELSY') and fails with an internal assert asking for a bug "
    "report: not a refusal of the input; gradkit returns the NaN solution"))


def _nan_float64_first(c):
    """A case whose first argument is a float64 array holding a NaN."""
    a = c.args[0] if c.args and isinstance(c.args[0], Arr) else None
    return a is not None and a.a.dtype == np.float64 and bool(np.isnan(a.a).any())


ALLOW.append((
    lambda c, k, d: k == "grad-wrong" and c.kind == "op"
    and c.name in ("elu", "celu", "selu") and _nan_float64_first(c),
    "torch 2.13's float64 elu/celu/selu backward at a NaN input gives NaN in its vectorized "
    "body and passes the gradient in its scalar tail (checked: a NaN first of n float64 "
    "elements gets 1 (selu 1.0507) for n = 1 and 4, NaN for n = 8 to 32 on this machine, "
    "an AVX2 one); gradkit passes it everywhere, as the scalar tail (nn_fuzzer.py's elu entry)"))


ALLOW.append((
    lambda c, k, d: k in ("wrong", "missing", "accepted-invalid") and c.kind == "op"
    and c.name.startswith("linalg.ldl_factor") and _non_finite_input(c),
    "linalg.ldl_factor of a matrix holding inf or NaN: which pivots Bunch-Kaufman picks and "
    "where a zero pivot is met follow the NaN comparisons of the LAPACK build (torch's MKL "
    "sytrf against gradkit's own sytrf-order factorization); finite matrices match"))

def _resize_grows(c):
    """A Tensor.resize_/resize_as_ case whose new size holds more elements than the input."""
    if not c.args or not isinstance(c.args[0], Arr):
        return False
    if c.name == "Tensor.resize_as_":
        return len(c.args) > 1 and isinstance(c.args[1], Arr) and \
            c.args[1].a.size > c.args[0].a.size
    size = c.args[1] if len(c.args) == 2 and isinstance(c.args[1], (tuple, list)) else c.args[1:]
    try:
        return int(np.prod([int(v) for v in size])) > c.args[0].a.size
    except (TypeError, ValueError):
        return False


ALLOW.append((
    lambda c, k, d: k == "wrong" and c.name in ("Tensor.resize_", "Tensor.resize_as_")
    and _resize_grows(c),
    "resize_ to more elements than the tensor holds: PyTorch's new elements are uninitialised "
    "memory (gradkit's are zeros); the kept elements are compared where the sizes shrink"))
ALLOW.append((
    lambda c, k, d: k == "raw" and c.kind == "op" and c.name.startswith("Tensor.")
    and c.args and not isinstance(c.args[0], Arr) and "AttributeError" in d,
    "a Tensor method called unbound (Tensor.new_zeros(self, ...)) with a self that is not a "
    "tensor (the fuzzer's nested list): PyTorch's method descriptor refuses it with a "
    "TypeError; gradkit's methods are plain Python functions, and a type check of self in "
    "every method call would cost every call (left open, not yet decided)"))

# (warning: the warnings mode's finding, warning_diff.py)
WARNINGS_HELP = ("compare the warnings each call gives too (category and text; finding "
                 "'warning'; see warning_diff.py)")
FAILING = ("wrong", "raw", "crash", "accepted-invalid", "wrong-error-type", "grad-wrong",
           "warning")


def run(seed, n, start=0, grads=True, progress=False, warn=False, variants=False):
    """Run cases ``start .. start+n`` of ``seed``: ``(Counter of classes, findings)`` where a
    finding is ``(i, class, case, detail)`` of a failing class not in the allow-list
    (``variants``: with the ``variant_case``s, ``--variants``)."""
    make = (lambda s, i: make_case(s, i, True)) if variants else make_case
    return run_cases(make, lambda case: classify(case, grads), allowed, seed, n, start,
                     progress, every=1000, warn=warn)


def run_cases(make, judge, allowed, seed, n, start=0, progress=False, every=500, skip=None,
              warn=False):
    """The loop every fuzzer here runs: cases ``make(seed, i)`` for i in ``[start, start + n)``,
    each judged ``(class, detail)`` by ``judge``; a failing or ``missing`` finding that
    ``allowed`` names counts as ``allowed``; ``skip(case)`` true counts it as ``skip`` unrun.
    ``warn``: the warnings of both libraries are compared too (``warning_diff.py``).
    Returns ``(counts by class, findings)``, a finding ``(i, class, case, detail)``."""
    if warn:
        with warnings_mode():
            return run_cases(make, judged(judge, FAILING), allowed, seed, n, start, progress,
                             every, skip)
    counts = Counter()
    findings = []
    for i in range(start, start + n):
        case = make(seed, i)
        if os.environ.get("GRADKIT_FUZZ_TRACE"):
            print(i, case, file=sys.stderr, flush=True)
        if skip is not None and skip(case):
            counts["skip"] += 1
            continue
        cls, detail = judge(case)
        if (cls in FAILING or cls == "missing") and allowed(case, cls, detail):
            cls = "allowed"
        counts[cls] += 1
        if cls in FAILING or cls == "missing":
            findings.append((i, cls, case, detail))
        if progress and (i + 1) % every == 0:
            print(f"{i + 1} cases: {dict(counts)}", file=sys.stderr, flush=True)
    return counts, findings


@contextlib.contextmanager
def warnings_mode():
    """The warnings of every library call recorded (``warning_diff.RECORDER``), for a run."""
    RECORDER.active = True
    try:
        yield
    finally:
        RECORDER.active = False


def one_case(case, judge, allowed, warn=False):
    """``--case I``: show the case and its class (``warn``: warnings compared too)."""
    print(case)
    if warn:
        with warnings_mode():
            cls, detail = judged(judge, FAILING)(case)
    else:
        cls, detail = judge(case)
    why = allowed(case, cls, detail) if cls in FAILING or cls == "missing" else None
    print(cls, detail, f"(allowed: {why})" if why else "")
    return 0


def main(argv=None):
    import argparse
    warnings.simplefilter("ignore")

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=int(os.environ.get("GRADKIT_FUZZ_SEED", 0)))
    p.add_argument("--cases", type=int, default=int(os.environ.get("GRADKIT_FUZZ_CASES", 2000)))
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--case", type=int, default=None, help="run one case and show it")
    p.add_argument("--show", default="wrong,raw,crash,accepted-invalid,wrong-error-type,"
                   "grad-wrong,warning,missing", help="classes whose cases are listed")
    p.add_argument("--no-grad", action="store_true")
    p.add_argument("--warnings", action="store_true", help=WARNINGS_HELP)
    p.add_argument("--variants", action="store_true", help="half the non-surface cases are "
                   "variant cases (non-contiguous, 0-d/empty, out= aliasing or resized, in-place "
                   "functions; see variant_case); the other cases are the seed's as without it")
    a = p.parse_args(argv)
    if a.case is not None:
        return one_case(make_case(a.seed, a.case, a.variants),
                        lambda c: classify(c, not a.no_grad), allowed, a.warnings)
    counts, findings = run(a.seed, a.cases, a.start, not a.no_grad, progress=True,
                           warn=a.warnings, variants=a.variants)
    return print_report(counts, findings, a.show, "op")


def print_report(counts, findings, show, what, name_of=None):
    """The CLI's report: the findings of the classes in ``show`` (comma-separated), the count
    per class, and the failing and missing cases by class and ``what`` (op or function; the
    name ``name_of(case, detail)`` gives, the case's own by default)."""
    show = set(show.split(","))
    for i, cls, case, detail in findings:
        if cls in show:
            print(f"[{i}] {cls}: {case}\n      {detail}")
    print(dict(sorted(counts.items())))
    name_of = name_of or (lambda c, d: c.name)
    by = Counter((k, name_of(c, d)) for _, k, c, d in findings if k != "missing")
    print(f"failing by class and {what}:", dict(sorted(by.items())))
    miss = Counter(name_of(c, d) for _, k, c, d in findings if k == "missing")
    print(f"missing by {what}:", dict(miss.most_common()))
    return 0


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.dirname(here))
    sys.exit(main())

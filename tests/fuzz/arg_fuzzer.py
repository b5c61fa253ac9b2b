"""A differential fuzzer of bad arguments over the whole public surface: gradkit against PyTorch.

``fuzzer.py`` mutates the registry's samples (values, dtypes, shapes); this one passes the wrong
KIND of argument. Its names are every callable that ``benchmarks/surface.py`` counts: the public
torch functions (factories such as ``zeros``, ``arange``, ``tensor``, ``rand*`` included) and the
public ``Tensor`` methods (``view``, ``reshape``, ``expand``, ``permute``, ``repeat``, ``to``,
``type``, ``new_*``, ... included). A case

1. builds a VALID call of one name: its parameters come from the first line of PyTorch's
   docstring (``gather(input, dim, index, *, sparse_grad=False, out=None)``) or, without one,
   from ``torch.overrides.get_testing_overrides()``; each required parameter gets a value chosen
   by its name (a tensor for ``input``/``other``/..., ``0`` for ``dim``, ``(3, 3)`` for ``size``,
   ...), a few candidate sets are tried in order and the first one PyTorch accepts is the base
   call (cached per name; a name without one is ``no-base`` and not fuzzed);
2. corrupts ONE thing: an argument (required, or an optional keyword of the signature) replaced
   by a value of the wrong kind (a string, ``None``, a float where an int goes, ``(2.5, 3)``, a
   0-d or 1-element tensor, a NumPy scalar or array, a bool, a negative or huge int, a list of
   tensors, a Python generator, a dtype, a device, an empty list, an object), an unknown
   keyword, a missing required argument or too many positionals;
3. runs it in both libraries (function face ``torch.X``/``gradkit.X`` or method face
   ``t.X``) and classifies the outcome with ``fuzzer.classify``: the same exception type as
   PyTorch's, no raw NumPy/Python error, nothing PyTorch rejects accepted, no crash or hang,
   equal results where both return. Random functions are compared by shape and dtype only.

Each case draws from its own RNG (``fuzzer.case_rng(seed, i)``) over PyTorch's (sorted) name
list, so gradkit gaining a name does not shift any case: ``python tests/fuzz/arg_fuzzer.py
--seed S --case I`` reproduces one. Names gradkit lacks are counted as ``absent``.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import warnings

import numpy as np

try:
    from . import fuzzer as fz
except ImportError:  # run as a script
    import fuzzer as fz

import gradkit as gk

torch = fz.torch

# ------------------------------------------------------------------ the surface
# names not fuzzed, each with its reason
NOT_FUZZED = {
    "from_numpy": "takes a NumPy array only; checked by tests/test_factories*",
    "frombuffer": "reads a buffer object's memory; checked by its own tests",
    "backward": "runs the autograd engine on a graph; checked by tests/autograd",
    "register_hook": "hooks; checked by tests/autograd",
    "register_post_accumulate_grad_hook": "hooks; checked by tests/autograd",
    "cuda": "PyTorch CPU has no CUDA device; gradkit's stand-in device differs on purpose",
    "is_nonzero": "value-dependent, covered by fuzzer.py",
    "item": "value-dependent, covered by fuzzer.py",
    "tolist": "value-dependent, covered by fuzzer.py",
    "numpy": "returns NumPy's own arrays",
    "__torch_function__": "protocol hook",
    "storage_offset": "layout internals",
    "untyped_storage": "storage internals",
    "lu_unpack": fz.TORCH_FRAGILE["lu_unpack"],
    "lu_solve": fz.TORCH_FRAGILE["lu_solve"],
    "pdist": fz.TORCH_FRAGILE["pdist"],
    "embedding_bag": fz.TORCH_FRAGILE["embedding_bag"],
}
# random results: compared by shape and dtype only
RANDOM = re.compile(r"^(rand|randn|randint|randperm|rand_like|randn_like|randint_like|"
                    r"normal|bernoulli|multinomial|poisson|"
                    r"empty|new_empty|.*dropout.*|rrelu.*|random_|uniform_|normal_|cauchy_|"
                    r"exponential_|geometric_|log_normal_|bernoulli_|empty_like|"
                    r"empty_strided|empty_permuted|new_empty_strided|binomial|"
                    r"_standard_gamma|native_dropout|seed|initial_seed|manual_seed|"
                    r"multinomial|feature_alpha_dropout.*|"
                    # resize_ past the storage: PyTorch leaves the new elements uninitialised
                    r"resize_)$")


def surface():
    """``[(face, name)]``: ``("fn", n)`` for the torch functions and ``("method", n)`` for the
    Tensor methods that ``benchmarks/surface.py`` counts (callables only), sorted."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(here)), "benchmarks"))
    try:
        from surface import surface as _surface
    finally:
        sys.path.pop(0)
    functions, methods = _surface(torch)
    out = [("fn", n) for n in functions if n not in NOT_FUZZED]
    for n in methods:
        attr = inspect.getattr_static(torch.Tensor, n, None)
        if isinstance(attr, property) or not callable(getattr(torch.Tensor, n, None)) \
                or type(attr).__name__ == "getset_descriptor" or n in NOT_FUZZED:
            continue
        out.append(("method", n))
    return out


_SURFACE = None


def _surface():
    global _SURFACE
    if _SURFACE is None:
        _SURFACE = surface()
    return _SURFACE


# ------------------------------------------------------------------ signatures
_OVERRIDES = None


def _overrides():
    global _OVERRIDES
    if _OVERRIDES is None:
        _OVERRIDES = {}
        for f, lam in torch.overrides.get_testing_overrides().items():
            q = getattr(f, "__qualname__", "") or ""
            n = getattr(f, "__name__", None)
            if not n:
                continue
            face = "method" if q.startswith(("TensorBase.", "Tensor.")) else "fn"
            try:
                _OVERRIDES.setdefault((face, n), inspect.signature(lam))
            except (TypeError, ValueError):
                pass
    return _OVERRIDES


def _split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


# hand-written signatures where PyTorch's docstring has none or a misleading one
SIGNATURES = {
    ("fn", "arange"): ["end"], ("fn", "range"): ["start", "end"],
    ("fn", "randint"): ["low", "high", "size"],
    ("fn", "normal"): ["mean", "std", "size"],
    ("fn", "tensor"): ["data"], ("fn", "as_tensor"): ["data"], ("fn", "asarray"): ["obj"],
    ("method", "to"): ["self", "dtype"], ("method", "type"): ["self", "dtype"],
    ("method", "view"): ["self", "*shape"], ("method", "reshape"): ["self", "*shape"],
    ("method", "expand"): ["self", "*size"], ("method", "permute"): ["self", "*dims"],
    ("method", "repeat"): ["self", "*repeats"], ("method", "new_full"): ["self", "size",
                                                                          "fill_value"],
    ("method", "new_tensor"): ["self", "data"], ("method", "new_zeros"): ["self", "size"],
    ("method", "new_ones"): ["self", "size"], ("method", "new_empty"): ["self", "size"],
    ("method", "new_empty_strided"): ["self", "size", "stride"],
}


def signature(face, name):
    """``(required, optional)`` parameter names (a required ``*size`` keeps its star)."""
    obj = getattr(torch, name, None) if face == "fn" else getattr(torch.Tensor, name, None)
    doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
    req, opt = None, []
    m = re.match(rf"^{re.escape(name)}\((.*)\)", doc[0].strip()) if doc else None
    if m:
        req = []
        for p in _split_top(m.group(1)):
            p = p.replace("\\", "").strip()
            if p in ("*", "") or p.startswith("**"):
                continue
            key = p.split("=")[0].strip().split(":")[0].strip()
            if not re.match(r"^\*?[A-Za-z_]\w*$", key) or key in ("out",):
                continue
            (opt if "=" in p else req).append(key)
        if face == "method" and (not req or req[0] not in ("self", "input")):
            req.insert(0, "self")
    sig = _overrides().get((face, name))
    if req is None and sig is not None:
        req, opt = [], []
        for p in sig.parameters.values():
            star = "*" if p.kind == p.VAR_POSITIONAL else ""
            if p.kind == p.VAR_KEYWORD:
                continue
            (req if p.default is p.empty else opt).append(star + p.name)
    if (face, name) in SIGNATURES:
        req = list(SIGNATURES[face, name])
    if req is None:
        req = ["self"] if face == "method" else ["input"]
    opt = [o for o in opt if o not in req and o != "out"]
    return req, opt


# ------------------------------------------------------------------ argument specs
class Lib:
    """A library attribute, e.g. ``Lib("float32")`` is ``torch.float32`` / ``gradkit.float32``;
    ``call`` gives ``Lib("device", "cpu")`` = ``lib.device("cpu")``."""

    __slots__ = ("attr", "args")

    def __init__(self, attr, *args):
        self.attr = attr
        self.args = args

    def make(self, lib):
        v = getattr(lib, self.attr)
        return v(*self.args) if self.args else v

    def __repr__(self):
        return f"lib.{self.attr}" + (f"{self.args!r}" if self.args else "")


class LibTensor:
    """``lib.tensor(value)`` (a 0-d or small tensor built in each library)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def make(self, lib):
        return lib.tensor(self.value)

    def __repr__(self):
        return f"tensor({self.value!r})"


class Gen:
    """A fresh Python generator of ``values`` per library."""

    __slots__ = ("values",)

    def __init__(self, values):
        self.values = values

    def make(self, lib):
        return (v for v in self.values)

    def __repr__(self):
        return f"gen{self.values!r}"


class Opaque:
    """An object of no known kind."""

    def __repr__(self):
        return "<object>"


def _build(lib, x):
    if isinstance(x, fz.Arr):
        return x.make(lib)[1]
    if isinstance(x, (Lib, LibTensor, Gen)):
        return x.make(lib)
    if isinstance(x, list):
        return [_build(lib, y) for y in x]
    if isinstance(x, tuple):
        return tuple(_build(lib, y) for y in x)
    if isinstance(x, dict):
        return {k: _build(lib, v) for k, v in x.items()}
    return x


def _arr(shape, dtype="float64", low=None, high=None, seed=0):
    rng = np.random.default_rng(seed)
    if low is not None:
        return fz.Arr(rng.integers(low, high, size=shape).astype(dtype))
    if dtype == "bool":
        return fz.Arr(rng.random(shape) < 0.5)
    a = rng.standard_normal(shape)
    if dtype == "float64pd":  # symmetric positive definite (3, 3)
        a = a @ a.T + 3 * np.eye(shape[0])
        dtype = "float64"
    return fz.Arr(a.astype(dtype))


TENSOR_NAMES = {"input", "self", "other", "tensor", "tensor1", "tensor2", "mat", "mat1", "mat2",
                "vec", "vec1", "vec2", "batch1", "batch2", "x", "x1", "x2", "y", "A", "B",
                "weight", "bias", "end", "exponent", "src", "source", "values", "elements",
                "test_elements", "boundaries", "sorted_sequence", "target", "grad", "grad_output",
                "a", "b", "LU", "input2", "input1", "running_mean", "running_var", "self_",
                "mean", "std", "p", "lambd", "value", "other_", "tensors"}


def _candidates(req, face, name):
    """Candidate argument lists (specs) for the required parameters, most likely first."""
    sets = []
    for variant in range(4):
        args = []
        for p in req:
            args.append(_value_for(p.lstrip("*"), variant, face, name))
        sets.append(args)
    return sets


def _value_for(p, v, face, name):
    if p in ("size", "shape", "sizes", "repeats") or p == "dims" and name == "permute":
        return [(3, 3), (3, 3), (9,), (1, 1)][v] if p != "dims" else (1, 0)
    if p in ("dim", "dim0", "axis", "source_dim"):
        return [0, 1, -1, 0][v]
    if p in ("dim1", "destination", "dim2", "destination_dim"):
        return 1
    if p == "dims":
        return [(0,), 1, (0, 1), [[0], [0]]][v]
    if p == "source" and name in ("movedim", "moveaxis"):
        return 0
    if p in ("index", "indices"):
        return [_arr((3, 3), "int64", 0, 3), _arr((2,), "int64", 0, 3),
                (_arr((2,), "int64", 0, 3),), _arr((3,), "int64", 0, 3)][v]
    if p == "mask":
        return _arr((3, 3), "bool")
    if p in ("k", "n", "chunks", "sections", "split_size", "split_size_or_sections", "steps",
             "window_length", "diagonal", "offset", "num_classes", "q", "ord", "N", "row",
             "col", "upper", "shifts", "repeats_n", "indices_or_sections", "step",
             "minlength", "bins", "decimals", "length", "groups"):
        return [2, 1, 3, 2][v]
    if p in ("start", "low", "min"):
        return 0
    if p in ("high", "max", "end") and face == "fn" and name in (
            "arange", "range", "randint", "linspace", "logspace", "clamp", "clip"):
        return 5
    if p in ("fill_value", "scalar", "alpha", "beta", "margin", "threshold", "eps", "base",
             "rcond", "tol", "atol", "rtol", "s", "lambd_", "correction", "unbiased"):
        return [1.5, 2, 0.5, 1][v] if p != "unbiased" else True
    if p in ("dtype", "type", "to_dtype", "from_", "to", "type1", "type2"):
        return Lib(["float32", "float64", "int64", "float32"][v])
    if p == "device":
        return Lib("device", "cpu")
    if p in ("data", "obj"):
        return [[1.0, 2.0, 3.0], [[1, 2], [3, 4]], 1.5, [True]][v]
    if p in ("stride",):
        return (3, 1)
    if p == "physical_layout":
        return (0, 1)
    if p in ("equation",):
        return "ij->ji"
    if p in ("mode", "reduce", "reduction", "rounding_mode", "side", "approximate",
             "interpolation", "UPLO", "driver", "pivot"):
        return None
    if p in ("tensors", "inputs", "arrays", "matrices"):
        return [_arr((3, 3)), _arr((3, 3), seed=1)]
    if p in ("train", "training", "keepdim", "largest", "sorted", "descending", "stable",
             "right", "out_int32", "some", "full_matrices", "compute_uv", "center", "test"):
        return [True, False, True, False][v]
    # a tensor: square float64, then a vector, an int, a positive definite matrix
    return [_arr((3, 3), seed=hash(p) % 7), _arr((3,), seed=2),
            _arr((3, 3), "int64", 0, 3), _arr((3, 3), "float64pd")][v]


def _pos_args(req, vals):
    """Positional arguments: a ``*size`` parameter's tuple is spread only for methods whose
    PyTorch signature takes ``*args``; a tuple is accepted by both in all these cases."""
    return list(vals)


_BASE = {}


def base_call(face, name):
    """``(args, kwargs)`` of a valid call (PyTorch accepts it) or ``None``: cached."""
    key = (face, name)
    if key in _BASE:
        return _BASE[key]
    req, opt = signature(face, name)
    found = None
    for args in _candidates(req, face, name):
        case = ArgCase(face, name, args, {}, "base")
        _, _, te = fz._run(torch, case)
        if te is None:
            found = (args, {})
            break
    _BASE[key] = found
    return found


# ------------------------------------------------------------------ corruptions
BAD = [
    ("str", "abc"), ("none", None), ("float", 1.5), ("float-int", 2.0),
    ("float-size", (2.5, 3)), ("t0-int", LibTensor(1)), ("t1-int", LibTensor([1])),
    ("t0-float", LibTensor(1.5)), ("np-int", np.int64(1)), ("np-float", np.float64(1.5)),
    ("np-array", np.ones(2)), ("bool", True), ("neg", -1), ("neg2", -2), ("zero", 0),
    ("big", 100), ("huge", 2 ** 62), ("-huge", -(2 ** 62)), ("list-t", "LIST_T"),
    ("gen", Gen((2, 3))), ("dtype", Lib("float32")), ("dtype-int", Lib("int64")),
    ("device", Lib("device", "cpu")), ("empty-list", []), ("dict", {}),
    ("object", Opaque()), ("nested", [[1, 2], [3]]), ("tuple-str", ("a", 1)),
    ("py-type", float), ("nan", float("nan")), ("inf", float("inf")),
]
STRUCTURAL = ("unknown-kw", "missing", "extra-positional")


class ArgCase:
    """One call: ``face`` (``fn``/``method``), ``name``, the arguments (specs), and the
    corruption it carries (``what``)."""

    kind = "op"  # fuzzer.compare's random-op rule applies to it
    sample = None

    def __init__(self, face, name, args, kwargs, what):
        self.face = face
        self.name = name
        self.args = list(args)
        self.kwargs = dict(kwargs)
        self.what = what
        self.mutations = [what]

    def __repr__(self):
        a = ", ".join([repr(x) for x in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()])
        owner = "torch" if self.face == "fn" else "Tensor"
        return f"arg:{owner}.{self.name}({a}) {{{self.what}}}"

    def call(self, lib, grad=False):
        args = _build(lib, self.args)
        kwargs = _build(lib, self.kwargs)
        if self.face == "fn":
            return getattr(lib, self.name)(*args, **kwargs), []
        if not args:
            return getattr(lib.Tensor, self.name)(**kwargs), []
        return getattr(args[0], self.name)(*args[1:], **kwargs), []


def _bad_value(rng):
    tag, v = BAD[rng.integers(len(BAD))]
    if isinstance(v, str) and v == "LIST_T":
        v = [_arr((3, 3)), _arr((3, 3), seed=1)]
    return tag, v


def make_case(seed, i):
    """Case ``i`` of ``seed``: ``None`` when the drawn name has no base call or gradkit lacks
    it (classified ``no-base`` / ``absent``)."""
    rng = fz.case_rng(seed, i)
    names = _surface()
    face, name = names[rng.integers(len(names))]
    r = rng.random()
    req, opt = signature(face, name)
    base = base_call(face, name)
    if base is None:
        return ArgCase(face, name, [], {}, "no-base")
    args, kwargs = list(base[0]), dict(base[1])
    first = 1 if face == "method" else 0  # the method's tensor is never replaced
    if r < 0.12:
        what = STRUCTURAL[rng.integers(len(STRUCTURAL))]
        if what == "unknown-kw":
            kwargs["bogus_arg"] = 1
        elif what == "missing" and len(args) > first:
            args = args[:-1]
        else:
            what = "extra-positional"
            args = args + [0] * (len(req) + len(opt) + 2)
        return ArgCase(face, name, args, kwargs, what)
    tag, bad = _bad_value(rng)
    slots = list(range(first, len(args)))
    if opt and (not slots or rng.random() < 0.5):
        key = opt[rng.integers(len(opt))].lstrip("*")
        kwargs[key] = bad
        return ArgCase(face, name, args, kwargs, f"{key}={tag}")
    if not slots:  # nothing to replace: an unknown keyword instead
        kwargs["bogus_arg"] = bad
        return ArgCase(face, name, args, kwargs, "unknown-kw")
    k = slots[rng.integers(len(slots))]
    args[k] = bad
    return ArgCase(face, name, args, kwargs, f"{req[k] if k < len(req) else k}={tag}")


# ------------------------------------------------------------------ classification
def _absent(case):
    if case.face == "fn":
        return not hasattr(gk, case.name)
    return not hasattr(gk.Tensor, case.name)


_SIGNATURE_ERROR = re.compile(r"^[\w.<>]+\(\) (missing \d+ required|takes \d+ positional|takes "
                              r"from \d+ to \d+ positional|got an unexpected keyword|got "
                              r"multiple values|takes no arguments)")


def own_error(e):
    """Whether gradkit's exception ``e`` is its own: a ``raise`` statement of gradkit (a message
    of its own, even one that says ``got NoneType``), or Python's error binding the arguments of
    a public function (``sum() got an unexpected keyword argument 'bogus'``: it names the op and
    the argument, as PyTorch's does)."""
    if isinstance(e, TypeError) and _SIGNATURE_ERROR.match(str(e)):
        return True
    tb = fz.traceback.extract_tb(e.__traceback__)
    return bool(tb) and tb[-1].filename.startswith(fz._GK_DIR) \
        and (tb[-1].line or "").lstrip().startswith("raise ") \
        and not isinstance(e, fz.RAW_TYPES)


def classify(case):
    """``(class, detail)``: ``fuzzer.classify``'s classes, plus ``no-base`` (no valid call to
    corrupt), ``absent`` (gradkit lacks the name) and ``unnamed`` (both raise the same type,
    but gradkit's message does not name the op: reported, not failing)."""
    if case.what == "no-base":
        return case.what, ""
    if _absent(case):
        return "absent", ""
    t, _, te = fz._run(torch, case)
    g, _, ge = fz._run(gk, case)
    if isinstance(ge, fz.Hang):
        return "crash", str(ge)
    if ge is not None and isinstance(ge, fz.CRASH_TYPES):
        return "crash", f"{type(ge).__name__}: {ge}"
    if ge is not None and fz.is_raw(ge) and not own_error(ge):
        return "raw", f"{type(ge).__name__}: {ge} (at {fz._origin(ge)})"
    if te is not None and ge is not None:
        if isinstance(ge, fz._std_type(te)):
            if case.name.strip("_") not in str(ge) and case.name not in str(ge):
                return "unnamed", f"{type(ge).__name__}: {fz._first_line(ge)}"
            return "both-raise", ""
        return "wrong-error-type", (f"{type(ge).__name__}: {ge} -- torch {type(te).__name__}: "
                                    f"{fz._first_line(te)}")
    if te is not None:
        if fz._torch_gap(te):
            return "torch-gap", fz._first_line(te)
        return "accepted-invalid", f"torch {type(te).__name__}: {fz._first_line(te)}"
    if ge is not None:
        return "missing", f"{type(ge).__name__}: {fz._first_line(ge)}"
    added = RANDOM.match(case.name) and case.name not in fz.RANDOM_OPS
    if added:
        fz.RANDOM_OPS.add(case.name)
    try:
        diff = fz.compare(g, t, case)
    except Exception as e:  # noqa: BLE001 - the result cannot even be read
        return "raw", f"reading the result raised {type(e).__name__}: {e}"
    finally:
        if added:
            fz.RANDOM_OPS.discard(case.name)
    return ("wrong", diff) if diff else ("match", "")


def _numpy_as_tensor(case, cls, detail):
    """A NumPy scalar or array where PyTorch takes only a Tensor: its parser says so (``must
    be Tensor, not numpy.ndarray``), finds no overload for it (``eq() received an invalid
    combination of arguments - got (numpy.ndarray)``, where the overloads take a Tensor or a
    Python number), or a Python-level function of its own reads a Tensor attribute of it
    (``torch.split``: ``'numpy.ndarray' object has no attribute 'split'``)."""
    if cls not in ("accepted-invalid", "wrong-error-type") or "=np-" not in case.what \
            or "numpy" not in detail:
        return False
    theirs = detail.split(" -- torch ")[-1]
    return "Tensor" in theirs or ("invalid combination of arguments - got (" in theirs
                                  and "numpy." in theirs) or (
        # a Python-level function of PyTorch's (split, norm) reads a Tensor attribute first
        "AttributeError: 'numpy." in theirs and "' object has no attribute '" in theirs)


def _truth_value_of_an_array(case, cls, detail):
    """An array where a flag of PyTorch's Python-level functions goes (``unique``'s
    ``return_counts``): its code tests the flag with ``if``, so NumPy's ValueError escapes."""
    return (cls == "wrong-error-type" and "=np-array" in case.what
            and "The truth value of an array" in detail.split(" -- torch ")[-1])


def _norm_len_of_a_numpy_int(case, cls, detail):
    """``torch.norm(x, dim=np.int64(1))``: torch/functional.py's norm tests ``isinstance(dim,
    int)`` and otherwise calls ``len(dim)``, so a NumPy integer fails with Python's TypeError
    there."""
    return (cls == "accepted-invalid" and case.name == "norm" and "dim=np-int" in case.what
            and "object of type 'numpy." in detail and "has no len()" in detail)


ALLOW = [
    (_norm_len_of_a_numpy_int,
     "torch.norm is a Python function (torch/functional.py) that calls len(dim) on any dim "
     "that is not a Python int, so a NumPy integer fails there (TypeError: object of type "
     "'numpy.int64' has no len()) though every ATen function reads it as an int; gradkit's "
     "norm reads it as the int it is, as linalg.vector_norm does in both libraries"),
    (_truth_value_of_an_array,
     "PyTorch's Python-level functions (unique) test a flag with ``if`` and so leak NumPy's "
     "ValueError for an array; gradkit's flag check names the argument with PyTorch's "
     "TypeError for a non-bool, as its argument parser does everywhere else"),
    (_numpy_as_tensor,
     "gradkit takes a NumPy array or scalar wherever a Tensor goes (as_tensor_arg: gradkit's "
     "tensors are NumPy arrays; README 'Where gradkit differs from PyTorch'), where PyTorch's "
     "argument parser refuses it with a TypeError: the call then runs (or fails on its "
     "values, e.g. a (2,) array against a (3, 3) tensor, with PyTorch's error for them)"),
]


def allowed(case, cls, detail):
    for pred, reason in ALLOW:
        if pred(case, cls, detail):
            return reason
    return None


def run(seed, n, start=0, progress=False, warn=False):
    return fz.run_cases(make_case, classify, allowed, seed, n, start, progress, warn=warn)


def main(argv=None):
    import argparse
    warnings.simplefilter("ignore")

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=int(os.environ.get("GRADKIT_ARG_FUZZ_SEED", 0)))
    p.add_argument("--cases", type=int,
                   default=int(os.environ.get("GRADKIT_ARG_FUZZ_CASES", 2000)))
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--case", type=int, default=None, help="run one case and show it")
    # (missing too: an argument form PyTorch accepts that gradkit refuses, listed with its case
    # and gradkit's error so that it can be replayed and fixed)
    p.add_argument("--show", default=",".join(fz.FAILING + ("missing",)),
                   help="classes whose cases are listed")
    p.add_argument("--warnings", action="store_true", help=fz.WARNINGS_HELP)
    a = p.parse_args(argv)
    if a.case is not None:
        return fz.one_case(make_case(a.seed, a.case), classify, allowed, a.warnings)
    counts, findings = run(a.seed, a.cases, a.start, progress=True, warn=a.warnings)
    return fz.print_report(counts, findings, a.show, "name")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.dirname(here))
    sys.exit(main())

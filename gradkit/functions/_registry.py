"""The op registry: every public function is declared once, and its faces are generated.

A declaration sits on the function that implements the op (in the file of its kind)::

    @declare(inplace=True, out=True, aliases=("arcsin",))
    def asin(input): ...

and says which faces the op has, as PyTorch's ``native_functions.yaml`` does with
``variants: function, method`` and its ``_out``/in-place overloads:

- ``gradkit.asin``: the function (``function=True``, the default);
- ``Tensor.asin``: the method (``method=True``, the default); the function itself, bound;
- ``Tensor.asin_``: the in-place method (``inplace=``): ``True`` generates it (compute the
  out-of-place result, then write it into ``self``, recording the graph); an ``Op`` writes
  through that primitive directly (no temporary, the measured fast path of ``x.add_(y)``); a
  function is used as it is (ops with extra in-place rules such as ``add_``'s ``alpha``);
- ``gradkit.asin(x, out=y)`` (``out=True``): the function face gains a keyword-only ``out``;
  the result is written into ``out`` as PyTorch does (cast, resize, version bump);
- aliases (``aliases=("arcsin",)``): every face again under another name; a ``"special:"``
  prefix puts the function in ``gradkit.special`` only (``"special:expit"``).

Methods that are not functions (operators such as ``__add__``, conversions such as ``float``)
are declared with ``@tensor_method`` in the file of their kind.

``install(Tensor)`` attaches every method once; ``public_functions()`` gives the function faces
that ``gradkit`` exports, ``special_functions()`` those of ``gradkit.special``. Internal code
calls the implementations (``gradkit.functions.exp``), which never pay for the ``out=`` face.
"""

from __future__ import annotations

import inspect
import types
import warnings

import numpy as np

from .. import return_types
from .._options import allocation_error
from .._tensor import torch_function as _tf
from .._tensor.record import inplace as _record_inplace
from .._tensor.record import write_error
from .._tensor.tensor import Tensor
from ..autograd import grad_mode
from ._args import NO_DIM, NO_KEEPDIM, _dim_in, _dim_keepdim, _t, _type_name
from ._grad_names import GRAD_NAMES
from ._grad_names import face as named_face
from ._inplace import _can_cast, _check_cast, _dtype_name, inplace_input, write_inplace
from ._param_checks import (  # noqa: F401 - the tables' home; imported from here too
    COMPLEX_SCALARS,
    FLAGS,
    FLOAT_NUMBERS,
    FLOAT_OP_NUMBERS,
    INTS,
    NONE_AS_DEFAULT,
    NUMBERS,
    OPTIONAL_FLAGS,
    OPTIONAL_INTS,
    OPTIONAL_NUMBERS,
    STRINGS,
    SYMINTS,
    TRUTH_FLAGS,
    _parser_first,
    flag_error,
    int_error,
    number_error,
    str_error,
)
from ._unbound import UnboundFace

__all__ = ["Declaration", "REGISTRY", "TENSOR_METHODS", "declare", "install", "out_bool_or_byte",
           "out_cat", "out_floating", "out_floating_before", "out_floating_nan", "out_input_dtype",
           "out_needs",
           "out_not_bool",
           "out_tuple", "inplace_input", "public_functions", "special_functions", "tensor_method",
           "write_inplace",
           "write_out"]


class Declaration:
    """One op's faces (see the module docstring)."""

    __slots__ = ("aliases", "differentiable", "function", "impl", "inplace", "kind", "method",
                 "name", "out")

    def __init__(self, name, impl, kind, *, function, method, inplace, out, aliases,
                 differentiable):
        self.name = name
        self.impl = impl
        self.kind = kind
        self.function = function
        self.method = method
        self.inplace = inplace
        self.out = out
        self.aliases = aliases
        self.differentiable = differentiable

    def __repr__(self):
        faces = [f for f, on in (("function", self.function), ("method", self.method),
                                 ("inplace", self.inplace is not None), ("out", self.out)) if on]
        return f"Declaration({self.name!r}, kind={self.kind!r}, faces={faces})"


# name -> (dtype rule, check before the op runs) of an op's out= face (see write_out)
_OUT_RULES: dict = {}
# name -> Declaration, in declaration order (grouped by kind)
REGISTRY: dict[str, Declaration] = {}
# Tensor-only methods and operators: name -> (function, kind)
TENSOR_METHODS: dict[str, tuple] = {}


def _kind_of(fn) -> str:
    return fn.__module__.rsplit(".", 1)[-1]


def declare(fn=None, *, name=None, function=True, method=True, inplace=None, out=False,
            aliases=(), differentiable=True, grad_name=None):
    """Register ``fn`` as a public op with the faces given (see the module docstring).

    Args:
        name: the op's name (defaults to the function's ``__name__``).
        function: a ``gradkit.<name>`` function face.
        method: a ``Tensor.<name>`` method face.
        inplace: ``None`` (no ``Tensor.<name>_``), ``True`` (generated), an ``Op`` (written through
            that primitive) or a function ``(self, *args)`` used as the in-place method.
        out: the function face takes ``out=``: ``True`` (the result casts into ``out`` as
            PyTorch's ``canCast`` allows), or the rule for ``out``'s dtype (``"same"``,
            ``"any"``, ``"cat"``, a function; see ``_check_out_dtype``), or ``(rule, before)``
            with ``before(out, args)`` a check run before the op (``out_tuple``, ``out_needs``).
        aliases: other names for every face; ``"special:name"`` only in ``gradkit.special``.
        differentiable: whether gradients flow through the op (tests check them when True).
        grad_name: PyTorch's ``grad_fn`` name for the result where gradkit composes the op of
            others (``unsafe_split``'s ``UnsafeSplitBackward0``): a string, or a rule called
            with the call's arguments that returns it (or None to keep the node's own); the
            faces rename the result's node (see ``_grad_names.py``, which holds the older
            entries of the same table).

    Returns:
        ``fn`` unchanged (internal callers use it directly).
    """

    def register(f):
        op_name = name or f.__name__
        if op_name in REGISTRY:
            raise ValueError(f"declare: the op {op_name!r} is declared twice "
                             f"({REGISTRY[op_name].kind} and {_kind_of(f)})")
        if out is not True and out is not False:  # a rule for the out= tensor's dtype
            rule, before = out if isinstance(out, tuple) else (out, None)
            _OUT_RULES[op_name] = ("cast" if rule is True else rule, before)
        impl = f
        if grad_name is not None:
            GRAD_NAMES[op_name] = grad_name
        if op_name in GRAD_NAMES:  # faces show PyTorch's grad_fn name (see _grad_names.py)
            impl = named_face(op_name, f, _compile, _signature_source)
        REGISTRY[op_name] = Declaration(
            op_name, impl, _kind_of(f), function=function, method=method, inplace=inplace,
            out=bool(out), aliases=tuple(aliases), differentiable=differentiable)
        return f

    return register if fn is None else register(fn)


def tensor_method(*names):
    """Register the decorated function as the Tensor method(s) ``names`` (default: its name)."""

    def register(f):
        for n in names or (f.__name__,):
            TENSOR_METHODS[n] = (f, _kind_of(f))
        return f

    return register


# ------------------------------------------------------------------ writing results
def _check_out_dtype(rule, res, out, name):
    """The ``out=`` tensor's dtype against the op's rule (``declare(out=...)``): ``"cast"`` the
    result casts into it (PyTorch's ``canCast``), ``"same"`` it is the result's dtype,
    ``"cat"`` as "cast" with torch.cat's TypeError, ``"any"`` every dtype (``"dtype"`` too:
    the op then computes in ``out``'s dtype, its ``dtype=`` argument), or a function
    ``rule(res, out, name)`` that raises."""
    if rule == "cast":
        _check_cast(res, out._data.dtype, name + "()")
    elif rule == "same":
        raise RuntimeError(
            f"{name}(): expected out to have dtype {res.dtype} (the result's), got {out.dtype}; "
            f"pass an out of that dtype or drop out= and convert the result")
    elif rule == "cat":
        if not _can_cast(res._data.dtype, out._data.dtype):
            raise TypeError(f"{name}(): input types can't be cast to the desired output type "
                            f"{_dtype_name(out._data.dtype)} (inputs {res.dtype}, out "
                            f"{out.dtype}); pass an out of a dtype they cast to")
    elif rule not in ("any", "dtype"):
        rule(res, out, name)


class out_rule_of_call:
    """An ``out=`` dtype rule chosen per call, where PyTorch's op hands some inputs to another
    kernel with its own rule (``inner`` of a 0-d tensor is ``mul``: its out casts; a
    ``chain_matmul`` of one matrix is a copy: any out): ``choose(args)`` returns the rule
    (``"same"``, ``"cast"``, ``"any"``) from the call's arguments by name."""

    __slots__ = ("choose",)

    def __init__(self, choose):
        self.choose = choose


def out_bool_or_byte(out, args):
    """A check before any/all run: a bool or uint8 ``out`` (PyTorch's rule for its logical
    reductions, checked before the dims)."""
    if isinstance(out, Tensor) and out._data.dtype not in (np.bool_, np.uint8):
        raise RuntimeError(f"any/all only support a bool tensor for result, got: {out.dtype}; "
                           f"pass a bool out")


def out_floating_before(out, args):
    """A check before logsumexp runs: a floating ``out`` (checked before the dims)."""
    if isinstance(out, Tensor) and out._data.dtype.kind != "f":
        raise RuntimeError(f"logsumexp(): Expected floating point type for result tensor, but "
                           f"got: {out.dtype}")


def out_not_bool(name):
    """A check before cumsum/cumprod run: an ``out`` of any dtype but bool (PyTorch has no bool
    kernel for them)."""
    def before(out, args):
        x, dim = args.get("input"), args.get("dim")
        if isinstance(x, Tensor) and isinstance(dim, int):  # the dim first, as PyTorch
            _dim_in(dim, x.ndim, name)
        if isinstance(out, Tensor) and out._data.dtype == np.bool_ and \
                not (isinstance(x, Tensor) and x.ndim == 0):  # (a 0-d input is copied)
            raise NotImplementedError(f'"{name}_out_cpu" not implemented for \'Bool\'; pass an '
                                      f"out of a numeric dtype")
    return before


def out_input_dtype(message):
    """A check before the op runs: ``out`` of the input's dtype, where PyTorch checks it before
    the dims and sizes (amax, logcumsumexp, quantile, index_select); ``message`` is formatted
    with the ``input`` and ``out`` dtypes."""
    def before(out, args):
        x = args.get("input")
        if isinstance(out, Tensor) and isinstance(x, Tensor) and \
                out._data.dtype != x._data.dtype:
            raise RuntimeError(message.format(input=_type_name(x.dtype),
                                              out=_type_name(out.dtype))
                               + "; pass an out of the input's dtype")
    return before


def out_floating_nan(out, args):
    """A check before nansum/nanmean run: a floating input takes a floating ``out`` only
    (PyTorch's kernel has no integral one; then the op is computed in out's dtype)."""
    x = args.get("input")
    dim = args.get("dim")
    if isinstance(out, Tensor) and isinstance(x, Tensor) and x._data.dtype.kind == "f" \
            and out._data.dtype.kind != "f":
        if dim is not None:  # a bad dim first, as PyTorch's meta check
            for d in dim if isinstance(dim, (tuple, list)) else (dim,):
                if isinstance(d, int) and not isinstance(d, bool):
                    _dim_in(d, x.ndim, "nansum")
        raise NotImplementedError(f'"nansum_cpu" not implemented for \'{_dtype_name(out.dtype)}\''
                                  f"; pass a floating out")


def out_floating(res, out, name):
    """nansum/nanmean of floats: a floating ``out`` (PyTorch's kernel has no integral one)."""
    if res._data.dtype.kind == "f" and out._data.dtype.kind != "f":
        raise NotImplementedError(f'"nansum_cpu" not implemented for \'{_dtype_name(out.dtype)}\''
                                  f"; pass a floating out")


def out_tuple(n, dim=None, largest=None):
    """A check before the op runs: ``out`` must be a tuple of ``n`` Tensors (the values and
    indices of sort, kthvalue, ...) -- where ``dim`` names the argument whose presence makes
    the result a tuple (max, min), only when it is given. ``largest`` (max: True, min: False):
    without ``dim`` an empty input's result is the reduction's identity (-inf or the least
    value for max), as PyTorch's ``max(x, out=)`` gives where ``max(x)`` raises; the out face
    writes a result a check returns instead of running the op."""
    def before(out, args):
        given = args.get(dim) if dim is not None else None
        if dim is not None and (given is None or given is NO_DIM or isinstance(given, Tensor)):
            # (a Tensor there is max/min's ``other``: the elementwise form, one Tensor out)
            if isinstance(out, (tuple, list)):
                raise TypeError(f"argument 'out' must be Tensor without '{dim}', not a "
                                f"{type(out).__name__}")
            x = args.get("input")
            if largest is not None and given is NO_DIM and isinstance(x, Tensor) and \
                    not x.numel() and not x.requires_grad:
                # (the parser's TypeError for a keepdim without dim comes first)
                _dim_keepdim("max" if largest else "min", given, args.get("keepdim", NO_KEEPDIM))
                return _identity(x, largest)
            return
        if not isinstance(out, (tuple, list)):
            raise TypeError(f"argument 'out' must be tuple of Tensors, not "
                            f"{type(out).__name__}" + (f" (with '{dim}' given)" if dim else ""))
    return before


def _identity(x, largest):
    """The identity of max (``largest``) or min over ``x``'s dtype, a 0-d tensor."""
    from .._tensor.tensor import wrap

    d = x._data.dtype
    v = (not largest if d == np.bool_ else np.iinfo(d).min if largest else np.iinfo(d).max) \
        if d.kind in "biu" else (-np.inf if largest else np.inf)
    return wrap(np.asarray(v, dtype=d))


def out_cat(new_dims):
    """The check before cat (``new_dims`` 0) and stack (1) run: their ``dim`` in range of the
    first tensor's dims (plus the new one), then :func:`out_cat_before`."""
    def before(out, args):
        ts, dim = args.get("tensors"), args.get("dim")
        if not new_dims and isinstance(ts, (list, tuple)):  # cat's first check, before dim's
            for i, t in enumerate(ts):
                if isinstance(t, Tensor) and t.ndim == 0:
                    raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                                       f"concatenated; unsqueeze it first, e.g. t.reshape(1)")
        if isinstance(ts, (list, tuple)) and ts and isinstance(ts[0], Tensor) and \
                isinstance(dim, int) and (ts[0].ndim or new_dims):
            n = ts[0].ndim + new_dims
            if not -n <= dim < n:
                raise IndexError(f"Dimension out of range (expected to be in range of "
                                 f"[{-n}, {n - 1}], but got {dim})")
        if isinstance(ts, (list, tuple)) and all(isinstance(t, Tensor) for t in ts):
            # PyTorch's shape check that comes before out's dtype: stack's equal sizes
            for i, t in enumerate(ts):
                if new_dims and tuple(t.shape) != tuple(ts[0].shape):
                    raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                                       f"{list(ts[0].shape)} at entry 0 and {list(t.shape)} at "
                                       f"entry {i}")
        out_cat_before(out, args)
    return before


def out_cat_before(out, args):
    """A check before cat/stack/hstack/... run: the inputs' promoted dtype must cast into
    ``out`` (torch.cat's TypeError comes before its shape checks)."""
    ts = args.get("tensors")
    if not isinstance(out, Tensor) or not isinstance(ts, (list, tuple)) or not ts or \
            not all(isinstance(t, Tensor) for t in ts):
        return
    dt = ts[0]._data.dtype
    for t in ts[1:]:
        dt = np.promote_types(dt, t._data.dtype)
    if not _can_cast(dt, out._data.dtype):
        raise TypeError(f"torch.cat(): input types can't be cast to the desired output type "
                        f"{_dtype_name(out._data.dtype)} (inputs {dt}, out {out.dtype}); pass an "
                        f"out of a dtype they cast to")


def out_needs(arg):
    """A check before the op runs: ``out=`` only with ``arg`` given (PyTorch's sum and prod
    have no ``out=`` form without ``dim``)."""
    def before(out, args):
        if args.get(arg) is None or args.get(arg) is NO_DIM:
            raise TypeError(f"received an invalid combination of arguments: out= needs "
                            f"'{arg}' (there is no form without it); pass {arg}= too")
    return before


def write_out(out, res, name, rule="cast", inputs=None):
    """Write ``res`` into the ``out=`` tensor(s) as PyTorch does and return ``out``.
    ``inputs``: an elementwise op's arguments (its ``locals()``), where ``out`` being one of
    them forbids resizing it, as PyTorch's TensorIterator."""
    if isinstance(res, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(res):
            raise TypeError(
                f"{name}(): argument 'out' must be a tuple of {len(res)} Tensors, got "
                f"{type(out).__name__}"
            )
        written = tuple(write_out(o, r, name, rule) for o, r in zip(out, res))
        if not hasattr(res, "_fields"):
            return written
        return getattr(return_types, type(res).__name__ + "_out", type(res))(*written)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_mode.STATE[0] and (res.requires_grad or out.requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            f"differentiation, but one of the arguments requires grad. Call it under "
            f"gradkit.no_grad(), or drop out= and use the result"
        )
    data = res._data
    if type(data) is not type(out._data) and res.device != out.device:  # (complex: CArray)
        raise RuntimeError(
            f"{name}(): expected out on {res.device} (the inputs' device), got {out.device}")
    if data.dtype != out._data.dtype:
        _check_out_dtype(rule, res, out, name)
        data = data.astype(out._data.dtype)
    if data.shape != out._data.shape:
        if inputs is not None and any(v is out for k, v in inputs.items() if k != "out"):
            raise RuntimeError(f"output with shape {list(out._data.shape)} doesn't match the "
                               f"broadcast shape {list(data.shape)} ({name}(): out= is one of "
                               f"its inputs, which cannot be resized; pass another out)")
        if out._data.size:
            warnings.warn(  # (PyTorch's text, word for word: it names no op)
                f"An output with one or more elements was resized since it had shape "
                f"{list(out._data.shape)}, which does not match the required output shape "
                f"{list(data.shape)}. This behavior is deprecated, and in a future PyTorch "
                f"release outputs will not be resized unless they have zero elements. You can "
                f"explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                f"with t.resize_(0).", UserWarning, stacklevel=3)
        if data is res._data:  # (a copy in the result's layout, as PyTorch restrides out)
            data = data.copy(order="K") if type(data) is np.ndarray else data.copy()
        out._data = data
    else:
        try:
            out._data[...] = data
        except ValueError:
            err = write_error(out, name)
            if err is None:
                raise
            raise err from None
    out._vc[0] += 1
    return out


# ------------------------------------------------------------------ generated faces
def _signature_source(fn):
    """``(parameters, call)`` source texts reproducing ``fn``'s signature, defaults by name."""
    sig = inspect.signature(fn)
    params, call, defaults = [], [], {}
    star = False
    positional_only = False
    for p in sig.parameters.values():
        if positional_only and p.kind is not p.POSITIONAL_ONLY:
            params.append("/")  # (a slot taken by position only: var's legacy ``unbiased``)
        positional_only = p.kind is p.POSITIONAL_ONLY
        text = p.name
        if p.default is not inspect.Parameter.empty:
            key = f"_d{len(defaults)}"
            defaults[key] = p.default
            text += f"={key}"
        if p.kind is p.VAR_POSITIONAL:
            params.append("*" + p.name)
            call.append("*" + p.name)
            star = True
        elif p.kind is p.VAR_KEYWORD:
            params.append("**" + p.name)
            call.append("**" + p.name)
        elif p.kind is p.KEYWORD_ONLY:
            if not star:
                params.append("*")
                star = True
            params.append(text)
            call.append(f"{p.name}={p.name}")
        else:
            params.append(text)
            call.append(p.name)
    if positional_only:
        params.append("/")
    return params, call, defaults, star


def _dispatching(name, params, body, namespace, like):
    """A function face (``gradkit.<name>``) of ``body`` that hands the call to the arguments'
    ``__torch_function__`` (see ``_tensor/torch_function.py``): one flag tested on the way in;
    a tensor-like argument met before the flag is on is dispatched from the error it raises,
    and NumPy's failure to allocate becomes PyTorch's RuntimeError (``allocation_error``) in
    the same ``except``, off the path of ordinary calls."""
    kinds, values, defaults = [], [], {}
    kind = "pos"
    for p in params:
        pname, eq, default = p.partition("=")
        if pname == "/":
            continue
        if pname == "*":
            kind = "kw"
            continue
        if pname.startswith("**"):
            kinds.append((pname[2:], "starstar"))
            values.append(pname[2:])
            continue
        if pname.startswith("*"):
            kinds.append((pname[1:], "star"))
            values.append(pname[1:])
            kind = "kw"
            continue
        kinds.append((pname, kind))
        values.append(pname)
        if eq:
            defaults[pname] = eval(default, dict(namespace))  # noqa: S307 (our own text)
    call = f"_tf_params, ({', '.join(values)}{',' if len(values) == 1 else ''}), _tf_defaults"
    body = body.replace("\n    ", "\n        ")
    text = (f"if _tf_active[0]:\n        _r = _tf_dispatch(_tf_face, {call})\n"
            f"        if _r is not _tf_not: return _r\n    try:\n        {body}\n"
            f"    except Exception as _tf_e:\n        if not _tf_failed(_tf_face, {call}):\n"
            f"            _tf_e = _tf_alloc({name + '()'!r}, _tf_e)\n"
            f"            if _tf_e is None: raise\n            raise _tf_e from None\n"
            f"    return _tf_dispatch(_tf_face, {call})")
    ns = dict(namespace, _tf_active=_tf.ACTIVE, _tf_dispatch=_tf.dispatch_face,
              _tf_failed=_tf.dispatch_failed, _tf_not=_tf.NOT_DISPATCHED,
              _tf_alloc=allocation_error,
              _tf_params=tuple(kinds), _tf_defaults=defaults)
    face = _compile(name, params, text, ns, like)
    face.__torch_function_face__ = True
    face = ns["_tf_face"] = UnboundFace(face)
    return face


def _compile(name, params, body, namespace, like):
    src = f"def {name}({', '.join(params)}):\n    {body}\n"
    exec(compile(src, f"<gradkit face {name}>", "exec"), namespace)  # noqa: S102 (our own text)
    face = namespace[name]
    face.__doc__ = like.__doc__
    face.__module__ = like.__module__
    face.__qualname__ = name
    face.__wrapped__ = like
    return face


# PyTorch's argument parser takes NumPy's names for two parameters of every native function
# (``x.sum(1, keepdims=True)`` in makemore, ``torch.cat(ts, axis=0)``); these torch functions are
# written in Python, so they take only their own names
_NUMPY_NAMES = (("dim", "axis"), ("keepdim", "keepdims"))
_NO_NUMPY_NAMES = frozenset({"norm", "split", "unique", "unique_consecutive", "unflatten"})
_UNSET = object()


def _numpy_names(decl):
    """``((name, numpy_name), ...)`` of ``decl``'s parameters that PyTorch also takes by their
    NumPy name."""
    if decl.name in _NO_NUMPY_NAMES:
        return ()
    ps = inspect.signature(decl.impl).parameters
    if any(p.kind is p.VAR_KEYWORD for p in ps.values()):
        return ()
    return tuple((real, alias) for real, alias in _NUMPY_NAMES
                 if real in ps and alias not in ps
                 and ps[real].kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                       inspect.Parameter.KEYWORD_ONLY))


def _with_numpy_names(name, params, star, names):
    """``params`` plus keyword-only NumPy-named parameters, and the body text that moves a
    given one onto its own name."""
    if not names:
        return params, ""
    params = list(params)
    pre = "".join(f"if {alias} is not _unset: {real} = {alias}\n    " for real, alias in names)
    # a required parameter may come by its NumPy name (``x.cumsum(axis=1)``): it and the
    # positional ones after it get a default here, and a check that they were given
    first = min(i for i, p in enumerate(params) if p.split("=")[0] in dict(names))
    for i in range(first, len(params)):
        if params[i].startswith("*"):
            break
        if "=" not in params[i]:
            pre += (f"if {params[i]} is _unset: raise TypeError(\"{name}() missing 1 required "
                    f"positional argument: '{params[i]}'\")\n    ")
            params[i] += "=_unset"
    params += ([] if star else ["*"]) + [f"{alias}=_unset" for _, alias in names]
    return params, pre


def _positional_twin(fn):
    """``fn`` with its keyword-only parameters made positional (the same code object otherwise,
    its defaults, globals and closure), or None where that is not possible. A face calls the
    implementation through it with positional arguments only: CPython (3.11) runs such a call
    of a plain function inline, where a call with keywords, or of a function with keyword-only
    parameters, takes its generic path (~0.1 us more per op)."""
    code = getattr(fn, "__code__", None)
    if type(fn) is not types.FunctionType or not code.co_kwonlyargcount or \
            code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return None
    n = code.co_argcount
    kwonly = code.co_varnames[n:n + code.co_kwonlyargcount]
    kwdefaults = fn.__kwdefaults__ or {}
    if any(k not in kwdefaults for k in kwonly):  # a required keyword-only parameter
        return None
    twin = types.FunctionType(code.replace(co_argcount=n + len(kwonly), co_kwonlyargcount=0),
                              fn.__globals__, fn.__name__,
                              (fn.__defaults__ or ()) + tuple(kwdefaults[k] for k in kwonly),
                              fn.__closure__)
    twin.__qualname__ = fn.__qualname__
    twin.__module__ = fn.__module__
    return twin


def _impl_call(impl, call):
    """``(function, call text)`` a face uses to call ``impl``: its positional twin (every
    argument by position) where it has one, ``impl`` with ``call`` as it is otherwise."""
    twin = _positional_twin(impl)
    if twin is None:
        return impl, ", ".join(call)
    return twin, ", ".join(c.split("=", 1)[0] for c in call)


def _number_checks(decl, params, defaults):
    """The face's checks of its number (``NUMBERS``), int (``INTS``) and str (``STRINGS``)
    parameters; the expected class passes on one test, off the path of anything else."""
    pre = ""
    for p in params:
        pname, _, default = p.partition("=")
        if pname in STRINGS and default and (defaults.get(default) is None
                                             or isinstance(defaults.get(default), str)):
            pre += (f"if {pname}.__class__ is not str and {pname} is not {default}: "
                    f"_str_error({decl.name!r}, {pname!r}, {pname}, "
                    f"{defaults.get(default) is None})\n    ")
            continue
        if not default or (pname not in NUMBERS and pname not in INTS):
            continue
        value = defaults.get(default)
        if value is None:
            if pname not in OPTIONAL_NUMBERS and pname not in OPTIONAL_INTS:
                continue
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if pname in INTS and (value is None or isinstance(value, int)):
            # (an int beyond int64 too: PyTorch's ValueError)
            pre += (f"if ({pname}.__class__ is not int or not -9223372036854775808 <= {pname} < "
                    f"9223372036854775808) and {pname} is not {default}: "
                    f"_int_error({decl.name!r}, {pname!r}, {pname}, {value is None})\n    ")
        elif pname in NUMBERS:
            none = f" and {pname} is not None" if (decl.name, pname) in NONE_AS_DEFAULT else ""
            pre += (f"if {pname}.__class__ is not float and {pname} is not {default}{none}: "
                    f"_number_error({decl.name!r}, {pname!r}, {pname}, {value is None})\n    ")
    return pre


def _flag_checks(decl, name, params, defaults):
    """The face's checks of its flag parameters (``FLAGS``): a bool, or the default left (a
    parameter of that name whose default is a number is no flag: rrelu's ``upper``); and of
    its number parameters (``NUMBERS``)."""
    pre = _number_checks(decl, params, defaults)
    for p in params:
        pname, _, default = p.partition("=")
        value = defaults.get(default)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            continue
        if pname in FLAGS and (decl.name, pname) not in TRUTH_FLAGS:
            keep = f" and {pname} is not {default}" if default else ""
            if pname in OPTIONAL_FLAGS:
                keep += f" and {pname} is not None"
            pre += (f"if {pname}.__class__ is not bool{keep}: "
                    f"_flag_error({decl.name!r}, {pname!r}, {pname})\n    ")
    return pre


# int lists that PyTorch's function face takes as one sequence only (``torch.flip(x, 0)`` raises
# TypeError) where its method spreads ints (``x.flip(0)``): name -> the list's parameter
SEQUENCE_ONLY = {"flip": "dims", "permute": "dims", "tile": "dims", "reshape": "shape",
                 "broadcast_to": "size"}


# int lists that PyTorch's method spreads (``x.squeeze(0, 2)``, ``x.vsplit(1, 2)``) but its
# function takes as one argument (an int or a sequence): name -> the spread parameter and how
# many values the function face takes in it
SPREAD_METHOD_ONLY = {"squeeze": ("dims", 1), "hsplit": ("more", 0), "vsplit": ("more", 0),
                      "dsplit": ("more", 0)}


# arguments PyTorch's method takes as a 1-D index tensor (``x.hsplit(torch.tensor([1]))``) but
# its function refuses (only an int, or a tuple of ints): name -> the parameter, and the name
# PyTorch's message gives it
TENSOR_METHOD_ONLY = {"hsplit": ("indices_or_sections", "sections"),
                      "vsplit": ("indices_or_sections", "sections"),
                      "dsplit": ("indices_or_sections", "sections")}


def tensor_list_error(op, name, value):
    """PyTorch's TypeError for an index tensor given to a function face that takes ints."""
    if getattr(value, "ndim", 0) >= 1 and type(value).__name__ != "ndarray":
        raise TypeError(f"{op}() received an invalid combination of arguments - got (Tensor, "
                        f"Tensor): '{name}' must be an int or a tuple of ints; pass "
                        f"tuple({name}.tolist()), or call the method, x.{op}({name})")


def spread_error(op, values):
    """PyTorch's TypeError for indices spread in a function face that takes one argument."""
    raise TypeError(f"{op}() received an invalid combination of arguments - got (Tensor, "
                    f"{', '.join(type(v).__name__ for v in values)}): the function takes the "
                    f"indices as one tuple; pass {op}(x, (1, 2)), or call the method, "
                    f"x.{op}(1, 2)")


def sequence_error(op, name, value):
    """PyTorch's TypeError for an int list given as anything but one sequence."""
    raise TypeError(f"{op}(): argument '{name}' (position 2) must be tuple of ints, not "
                    f"{type(value).__name__}; pass one sequence, e.g. {op}(x, (0,))")


def _sequence_check(decl, params):
    """The function face's check of its ``SEQUENCE_ONLY`` list (spread ints, ``*args``, are
    the method's form; a list left out is the op's own missing-argument error)."""
    tensor_arg, shown = TENSOR_METHOD_ONLY.get(decl.name, (None, None))
    spread, most = SPREAD_METHOD_ONLY.get(decl.name, (None, 0))
    if tensor_arg is not None:
        return (f"if {spread}: _spread_error({decl.name!r}, ({tensor_arg},) + {spread})\n    "
                f"if {tensor_arg}.__class__ not in (int, tuple, list): "
                f"_tensor_list_error({decl.name!r}, {shown!r}, {tensor_arg})\n    ")
    if spread is not None:
        return (f"if len({spread}) > {most}: _sequence_error({decl.name!r}, 'dim', {spread})"
                f"\n    ")
    arg = SEQUENCE_ONLY.get(decl.name)
    if arg is None:
        return ""
    star = next((p[1:] for p in params if p.startswith("*") and not p.startswith("**")
                 and len(p) > 1), None)
    if star is None:
        return (f"if not isinstance({arg}, (tuple, list)): "
                f"_sequence_error({decl.name!r}, {arg!r}, {arg})\n    ")
    return (f"if {arg} is None and {star} and (len({star}) != 1 or not isinstance({star}[0], "
            f"(tuple, list))): _sequence_error({decl.name!r}, {arg!r}, "
            f"{star}[0] if len({star}) == 1 else {star})\n    ")


def _numpy_face(decl, name, function=False):
    """The method face of an op with ``dim``/``keepdim`` or flags: the op, also taking
    ``axis``/``keepdims``, its flags checked; ``decl.impl`` itself where there are none.
    ``function``: the function face (``SEQUENCE_ONLY`` lists checked too)."""
    names = _numpy_names(decl)
    params, call, defaults, star = _signature_source(decl.impl)
    flags = _flag_checks(decl, name, params, defaults)
    if function:
        flags = _sequence_check(decl, params) + flags
    if not names and not flags and not function:
        return decl.impl
    params, pre = _with_numpy_names(name, params, star, names)
    impl, args = _impl_call(decl.impl, call)
    ns = dict(defaults, _impl=impl, _unset=_UNSET, _flag_error=flag_error,
              _number_error=number_error, _int_error=int_error,
              _str_error=str_error, _sequence_error=sequence_error,
              _spread_error=spread_error, _tensor_list_error=tensor_list_error)
    return (_dispatching if function else _compile)(
        name, params, f"{pre}{flags}return _impl({args})", ns, decl.impl)


def _out_face(decl, name):
    """``gradkit.<name>(..., out=None)``: the function, plus the ``out=`` keyword."""
    params, call, defaults, star = _signature_source(decl.impl)
    kw = [p for p in params if p.startswith("**")]
    params = [p for p in params if not p.startswith("**")]
    params += ([] if star else ["*"]) + ["out=None"] + kw
    flags = _flag_checks(decl, name, params, defaults)
    params, numpy_pre = _with_numpy_names(name, params, True, _numpy_names(decl))
    numpy_pre += flags
    rule, before = _OUT_RULES.get(decl.name, ("cast", None))
    if rule == "cat" and before is None:
        before = out_cat_before
    # a non-Tensor input is refused before any check of out, as PyTorch's argument parser
    first = params[0].split("=")[0] if params else ""
    check = f"_t({first}); " if first == "input" else ""
    chosen = "_rule.choose(locals())" if isinstance(rule, out_rule_of_call) else "_rule"
    impl, args = _impl_call(decl.impl, call)
    pre = (f"if out is not None:\n        {check}\n        try:\n            "
           f"_r = _before(out, locals())\n        except Exception as _e:\n            "
           f"_parser_first(lambda: _impl({args}), _e)\n        "
           f"if _r is not None: return _write_out(out, _r, {name!r}, {chosen})\n    "
           if before is not None else "")
    if rule == "dtype":  # computed in out's dtype, as PyTorch's sum/prod/cumsum do
        pre += ("if dtype is None and isinstance(out, _Tensor): dtype = out.dtype\n    ")
    elif rule in ("float_out", "float_out_or_dtype"):
        # a floating input computed in a floating out's dtype (var, std); with
        # "float_out_or_dtype" another input is summed in out's dtype (nansum of integers is
        # PyTorch's sum, whose out= is its dtype=)
        pre += ("if isinstance(out, _Tensor) and isinstance(input, _Tensor) and "
                "out.dtype.is_floating_point and input.dtype.is_floating_point and "
                "out.dtype != input.dtype: input = input.to(out.dtype)\n    ")
        if rule == "float_out_or_dtype":
            pre += ("if dtype is None and isinstance(out, _Tensor) and isinstance(input, "
                    "_Tensor) and not input.dtype.is_floating_point and not "
                    "input.dtype.is_complex: dtype = out.dtype\n    ")
        rule = "cast"
    ins = ", locals()" if decl.kind in ("elementwise", "comparison", "bitwise", "special") \
        else ""  # (out= one of an elementwise op's inputs is never resized, as TensorIterator)
    body = (f"{numpy_pre}{pre}r = _impl({args})\n    "
            f"return r if out is None else _write_out(out, r, {name!r}, {chosen}{ins})")
    ns = dict(defaults, _impl=impl, _write_out=write_out, _rule=rule, _before=before,
              _parser_first=_parser_first, _Tensor=Tensor, _t=_t, _unset=_UNSET,
              _flag_error=flag_error, _number_error=number_error, _int_error=int_error,
              _str_error=str_error)
    return _dispatching(name, params, body, ns, decl.impl)


def _inplace_face(decl, name):
    """``Tensor.<name>_``: compute the op, then write the result into ``self``."""
    spec = decl.inplace
    if spec is not True and callable(spec) and not hasattr(spec, "forward"):
        # a hand-written in-place function: its flags and numbers checked as the other faces
        params, call, defaults, _ = _signature_source(spec)
        checks = _flag_checks(decl, name, params, defaults)
        if not checks:
            return spec
        impl, args = _impl_call(spec, call)
        ns = dict(defaults, _impl=impl, _flag_error=flag_error, _number_error=number_error,
                  _int_error=int_error, _str_error=str_error)
        return _compile(name, params, f"{checks}return _impl({args})", ns, spec)
    params, call, defaults, _ = _signature_source(decl.impl)
    params = ["self"] + params[1:]
    call = ["self"] + call[1:]
    # ``gradkit.exp_(3.0)``: the in-place function face of a non-Tensor, refused as PyTorch
    check = (f"if not isinstance(self, _Tensor): _not_tensor({name!r}, self)\n    "
             + _flag_checks(decl, name, params, defaults))
    if spec is True:
        others = [c for c in call[1:] if c.isidentifier()]
        body = (f"{check}_in = _snapshot(self, ({''.join(o + ', ' for o in others)}))\n    "
                f"return _write(self, _impl({', '.join(['_in'] + call[1:])}), {name!r})")
        ns = dict(defaults, _impl=decl.impl, _write=write_inplace, _snapshot=inplace_input)
    else:  # an Op: written through the primitive (no out-of-place temporary)
        body = f"{check}return _inplace(self, _op, None, (), {name!r})"
        if len(params) > 1:
            raise ValueError(f"declare({decl.name}): inplace=Op only for one-input ops")
        ns = dict(defaults, _inplace=_record_inplace, _op=spec)
    ns.update(_Tensor=Tensor, _not_tensor=_not_tensor, _flag_error=flag_error,
              _number_error=number_error, _int_error=int_error,
              _str_error=str_error)
    face = _compile(name, params, body, ns, decl.impl)
    face.__doc__ = f"In-place form of :func:`{decl.name}`: writes the result into ``self``."
    return face


def _names(decl):
    plain = [decl.name] + [a for a in decl.aliases if not a.startswith("special:")]
    special = [a.split(":", 1)[1] for a in decl.aliases if a.startswith("special:")]
    return plain, special


def _not_tensor(name, x):
    raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                    f"{type(x).__name__}; make one first, e.g. gradkit.tensor(...)")


_INPLACE_FACES: dict = {}


def _inplace_of(decl):
    face = _INPLACE_FACES.get(decl.name)
    if face is None:
        face = _INPLACE_FACES[decl.name] = _inplace_face(decl, decl.name + "_")
    return face


def install(tensor_cls=Tensor) -> None:
    """Attach every declared method, in-place method and operator to ``tensor_cls``."""
    for decl in REGISTRY.values():
        plain, _ = _names(decl)
        method = _numpy_face(decl, decl.name) if decl.method else None
        for n in plain:
            if decl.method:
                setattr(tensor_cls, n, method)
            if decl.inplace is not None:
                setattr(tensor_cls, n + "_", _inplace_of(decl))
    for n, (fn, _) in TENSOR_METHODS.items():
        setattr(tensor_cls, n, fn)


_FACES: dict = {}


def public_functions() -> dict:
    """``name -> function face`` for every op with a function face (``gradkit.<name>``, and
    ``gradkit.<name>_`` for an op with an in-place form, as ``torch.exp_(x)``)."""
    if not _FACES:
        for decl in REGISTRY.values():
            if not decl.function:
                continue
            plain, _ = _names(decl)
            face = _out_face(decl, decl.name) if decl.out else _numpy_face(decl, decl.name,
                                                                              function=True)
            for n in plain:
                _FACES[n] = face
                if decl.inplace is not None:
                    _FACES[n + "_"] = _inplace_of(decl)
    return _FACES


_SPECIAL_FACES: dict = {}


def special_functions() -> dict:
    """``name -> function`` for ``gradkit.special`` (PyTorch's ``torch.special``): each its own
    function face, so a ``__torch_function__`` handler receives ``special.expit`` itself (not
    ``sigmoid``), as PyTorch's ``torch.special`` functions are functions of their own."""
    if not _SPECIAL_FACES:
        for decl in REGISTRY.values():
            _, special = _names(decl)
            for n in special:
                face = _out_face(decl, n) if decl.out else _numpy_face(decl, n, function=True)
                face.__module__ = "gradkit.special"
                _SPECIAL_FACES[n] = face
    return dict(_SPECIAL_FACES)

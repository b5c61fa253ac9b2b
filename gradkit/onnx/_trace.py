"""Recording a forward run: known layers as a whole, operations of custom forwards one by one.

While a :class:`Tracer` is active, ``Module.__call__`` and the public faces of the exportable
operations (``Tensor.__add__``, ``Tensor.reshape``, ``gradkit.cat``,
``gradkit.nn.functional.relu``, ...) are wrapped. A call of a layer with a translation in
``_layers.LAYERS`` (Linear, Conv2d, LSTM, ...) runs as usual and is then translated as one unit;
nothing it does inside is recorded. Other modules (Sequential, the Transformer layers, user
modules) are run through, so that their children and their operations are recorded. An operation
is recorded only when one of its tensors comes from the traced inputs or the model's parameters;
operations on constants only (a mask built from ``gradkit.ones``) give constants.

Every wrapper is removed when the tracer exits, also on error.
"""

from __future__ import annotations

import inspect

from .._typenames import gradkit_module
from ..functions._args import _Unset
from . import _layers, _ops

# the gradkit.nn modules that are run through (their children and operations are recorded)
_PASS_THROUGH = {"Sequential", "ModuleList", "ModuleDict", "TransformerEncoderLayer",
                 "TransformerEncoder", "TransformerDecoderLayer", "TransformerDecoder",
                 "Transformer"}

_STATE = {"graph": None, "depth": 0, "paths": {}, "swap": {}}


def _tensors_in(value):
    from gradkit import Tensor

    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _tensors_in(v)


def _is_traced(g, tensor) -> bool:
    return (g.name_of(tensor) is not None or id(tensor) in g.param_names
            or tensor.grad_fn is not None)


def _versions(g, args, kwargs) -> list:
    """(tensor, its value name, version) of the traced tensors an op is called with."""
    found = []
    for t in _tensors_in(tuple(args) + tuple(kwargs.values())):
        name = g.name_of(t)
        if name is not None:
            found.append((t, name, getattr(t, "_version", 0)))
    return found


def _keep_input_names(g, before) -> None:
    """An op that changed an input in place (``x += y``, ``ReLU(inplace=True)``): its
    translation reads the input's value before the change; its output then rebinds the
    tensor."""
    for t, name, version in before:
        if getattr(t, "_version", 0) != version:
            g.bind(t, name)


def _wrap_function(orig, kind: str, reverse: bool = False):
    try:
        sig = inspect.signature(orig)
    except (TypeError, ValueError):  # pragma: no cover (every wrapped face has a signature)
        sig = None

    def traced(*args, **kwargs):
        g = _STATE["graph"]
        if g is None or _STATE["depth"]:
            return orig(*args, **kwargs)
        before = _versions(g, args, kwargs)
        _STATE["depth"] += 1
        try:
            out = orig(*args, **kwargs)
        finally:
            _STATE["depth"] -= 1
        _keep_input_names(g, before)
        if not any(_is_traced(g, t) for t in _tensors_in(args)) and \
                not any(_is_traced(g, t) for t in _tensors_in(tuple(kwargs.values()))):
            return out  # a constant: made into an initializer where a recorded op uses it
        if sig is not None:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            # (a reduction's "not passed" sentinel for dim/keepdim reads as its value)
            a = {k: getattr(v, "value", v) if type(v) is _Unset else v
                 for k, v in bound.arguments.items()}
        else:  # pragma: no cover
            a = {"input": args[0], "args": args[1:], **kwargs}
        for key in ("self", "input"):
            if key in a:
                a["input"] = a.pop(key)
                break
        for key, val in list(a.items()):  # *args / **kwargs parameters
            if sig is not None and key in sig.parameters and \
                    sig.parameters[key].kind is inspect.Parameter.VAR_KEYWORD:
                a.pop(key)
                a.update(val)
        a["_reverse"] = reverse
        _ops.convert(g, kind, a, out)
        return out

    traced.__wrapped__ = orig
    return traced


def _wrap_call(orig_call):
    def call(module, *args, **kwargs):
        g = _STATE["graph"]
        if g is None or _STATE["depth"]:
            return orig_call(module, *args, **kwargs)
        cls = type(module)
        home = gradkit_module(cls)  # gradkit run shows PyTorch's names
        convert = _layers.LAYERS.get(cls.__name__) if home.startswith("gradkit.nn.") else None
        prev = (g.scope, g.scope_type)
        g.scope = _STATE["paths"].get(id(module), g.scope)
        g.scope_type = f"{cls.__module__.split('.modules')[0]}.{cls.__name__}"
        try:
            if convert is not None:
                before = _versions(g, args, kwargs)
                _STATE["depth"] += 1
                try:
                    out = orig_call(module, *args, **kwargs)
                finally:
                    _STATE["depth"] -= 1
                _keep_input_names(g, before)
                convert(g, module, args, kwargs, out)
                return out
            if home.startswith("gradkit.nn.") and cls.__name__ not in _PASS_THROUGH:
                g.unsupported(f"the layer {cls.__name__}")
            swapped = []
            for key, val in list(vars(module).items()):
                patched = _STATE["swap"].get(id(val)) if callable(val) else None
                if patched is not None:
                    swapped.append((key, val))
                    object.__setattr__(module, key, patched)
            try:
                out = orig_call(module, *args, **kwargs)
            finally:
                for key, val in swapped:
                    object.__setattr__(module, key, val)
            for t in _tensors_in(out):  # name the module whose forward did it
                g.check(t)
            return out
        finally:
            g.scope, g.scope_type = prev

    call.__wrapped__ = orig_call
    return call


class Tracer:
    """Records into ``graph`` while active (``with Tracer(graph, model): model(*args)``)."""

    def __init__(self, graph, model):
        self.graph = graph
        self.paths = {id(m): name for name, m in model.named_modules()}
        self._undo: list = []

    def _patch(self, owner, attr, replacement):
        self._undo.append((owner, attr, owner.__dict__[attr] if isinstance(owner, type)
                           else getattr(owner, attr)))
        setattr(owner, attr, replacement)

    def __enter__(self):
        import gradkit
        from gradkit.nn import Module
        from gradkit.nn import functional as F

        if _STATE["graph"] is not None:
            raise RuntimeError("gradkit.onnx.export: an export is already running "
                               "(exports do not nest)")
        owners = {"Tensor": gradkit.Tensor, "gradkit": gradkit, "F": F}
        swap = {}
        try:
            self._patch(Module, "__call__", _wrap_call(Module.__call__))
            for owner_name, attr, kind, reverse in _ops.FACES:
                owner = owners[owner_name]
                orig = owner.__dict__.get(attr) if isinstance(owner, type) else \
                    getattr(owner, attr, None)
                if orig is None:
                    continue
                wrapped = _wrap_function(orig, kind, reverse)
                self._patch(owner, attr, wrapped)
                swap.setdefault(id(orig), wrapped)
        except BaseException:
            self._restore()
            raise
        _STATE.update(graph=self.graph, depth=0, paths=self.paths, swap=swap)
        return self

    def _restore(self):
        while self._undo:
            owner, attr, orig = self._undo.pop()
            setattr(owner, attr, orig)

    def __exit__(self, *exc):
        _STATE.update(graph=None, depth=0, paths={}, swap={})
        self._restore()
        return False


def is_tracing() -> bool:
    return _STATE["graph"] is not None

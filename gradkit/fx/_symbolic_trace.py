"""``torch.fx.symbolic_trace``: run a module's ``forward`` on Proxies and record what it does.

While ``Tracer.trace`` runs, a few things are patched and restored afterwards (nothing of this
costs anything outside a trace):

- ``nn.Module.__call__``: a submodule call becomes one ``call_module`` node when
  ``is_leaf_module`` says so (gradkit's own ``nn`` layers), else its ``forward`` is traced through;
- ``nn.Module.__getattr__``: reading a parameter or buffer gives a ``get_attr`` Proxy;
- Tensor's binary operators: ``tensor + proxy`` records ``operator.add`` instead of failing on
  the Proxy;
- functions registered with ``wrap`` and the ``math`` module's functions: called with a Proxy,
  they become one ``call_function`` node;
- the ``__torch_function__`` switch is turned on, so every gradkit function given a Proxy hands
  the call to ``Proxy.__torch_function__``.
"""

from __future__ import annotations

import builtins
import inspect
import math
import operator
import types

from .._C import ScriptObject  # noqa: F401 (torch.fx._symbolic_trace.ScriptObject)
from .._typenames import is_own
from ._compatibility import compatibility  # noqa: F401 (torch.fx._symbolic_trace.compatibility)
from .graph import Graph
from .node import Node
from .proxy import Proxy, TraceError

__all__ = ["Tracer", "symbolic_trace", "wrap", "PH"]

# (id of a globals dict, name) -> (that dict, name), registered by ``wrap``
_WRAPPED: dict = {}


class _PlaceholderMarker:
    def __repr__(self):
        return "PH"


PH = _PlaceholderMarker()


def wrap(fn_or_name):
    """Record calls of a module-level function as one node instead of tracing through it.

    Call at module scope with the function or its name (``torch.fx.wrap("len")``); usable as a
    decorator.
    """
    if callable(fn_or_name):
        name = getattr(fn_or_name, "__name__", None)
        g = getattr(fn_or_name, "__globals__", None)
        if name is None or g is None:
            raise TypeError(f"wrap(): expected a Python function or a name, got "
                            f"{type(fn_or_name).__name__}")
    elif isinstance(fn_or_name, str):
        name = fn_or_name
        caller = inspect.currentframe().f_back
        if caller.f_code.co_name != "<module>":
            raise NotImplementedError("wrap must be called at the top level of a module")
        g = caller.f_globals
    else:
        raise TypeError(f"wrap(): expected a function or a str, got {type(fn_or_name).__name__}")
    if name.startswith("<"):
        raise NotImplementedError(f"wrap(): cannot wrap a lambda or anonymous function "
                                  f"({name}); define it with def at module scope")
    _WRAPPED[(id(g), name)] = (g, name)
    return fn_or_name


def _assert_is_none(value, msg):
    """Checks a traced ``None`` argument is still None when the GraphModule runs."""
    if value is not None:
        raise AssertionError(msg)


_assert_is_none._is_impure = True


class _Patcher:
    """Sets attributes/dict entries for the length of a trace and puts them back after."""

    _MISSING = object()

    def __init__(self):
        self._undo: list = []

    def set_attr(self, obj, name, value):
        self._undo.append((obj, name, obj.__dict__.get(name, self._MISSING), True))
        setattr(obj, name, value)

    def set_item(self, d: dict, name, value):
        self._undo.append((d, name, d.get(name, self._MISSING), False))
        d[name] = value

    def restore(self):
        while self._undo:
            obj, name, old, is_attr = self._undo.pop()
            if is_attr:
                if old is self._MISSING:
                    delattr(obj, name)
                else:
                    setattr(obj, name, old)
            elif old is self._MISSING:
                obj.pop(name, None)
            else:
                obj[name] = old


def _has_proxy(args, kwargs) -> bool:
    found = []

    def look(a):
        if isinstance(a, Proxy):
            found.append(a)
        elif isinstance(a, slice):
            look((a.start, a.stop, a.step))
        elif isinstance(a, (list, tuple)):
            for v in a:
                look(v)
        elif isinstance(a, dict):
            for v in a.values():
                look(v)

    look(args)
    look(kwargs)
    return bool(found)


# ``tensor <op> proxy``: the Tensor method PyTorch records for each operator
_TENSOR_BINARY = {"__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div",
                  "__floordiv__": "__floordiv__", "__mod__": "remainder", "__pow__": "pow",
                  "__matmul__": "matmul", "__and__": "__and__", "__or__": "__or__",
                  "__xor__": "__xor__", "__lshift__": "__lshift__", "__rshift__": "__rshift__",
                  "__eq__": "eq", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt",
                  "__ge__": "ge"}


class Tracer:
    """Turns a module's (or function's) ``forward`` into a ``Graph``.

    Subclass it to change what is recorded: ``is_leaf_module`` (which submodules stay one
    ``call_module`` node), ``create_arg`` (how constants become arguments), ``call_module``,
    ``create_proxy``.

    Args:
        autowrap_modules: modules whose functions called with a Proxy are recorded as one
            node (default ``(math,)``).
        autowrap_functions: functions recorded the same way.
        param_shapes_constant: accepted for PyTorch compatibility.
    """

    def __init__(self, autowrap_modules=(math,), autowrap_functions=(),
                 param_shapes_constant: bool = False):
        self._autowrap_modules = tuple(autowrap_modules)
        self._autowrap_functions = tuple(autowrap_functions)
        self.param_shapes_constant = param_shapes_constant
        self.graph = None
        self.root = None
        self.tensor_attrs: dict = {}
        self.submodule_paths = None

    # ------------------------------------------------------------------ recording
    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None) -> Node:
        return self.graph.create_node(kind, target, args, kwargs, name, type_expr)

    def proxy(self, node: Node) -> Proxy:
        return Proxy(node, self)

    def create_proxy(self, kind, target, args, kwargs, name=None, type_expr=None,
                     proxy_factory_fn=None) -> Proxy:
        args_ = self.create_arg(args)
        kwargs_ = self.create_arg(kwargs)
        node = self.create_node(kind, target, args_, kwargs_, name, type_expr)
        return self.proxy(node) if proxy_factory_fn is None else proxy_factory_fn(node)

    def create_arg(self, a):
        """A node argument for value ``a``: Proxies become their nodes, parameters, buffers
        and tensor constants become ``get_attr`` nodes, containers are mapped."""
        from .. import Tensor
        from ..nn import Module, Parameter

        if isinstance(a, Proxy):
            return a.node
        if isinstance(a, Node):
            return a
        if isinstance(a, tuple):
            items = [self.create_arg(v) for v in a]
            if hasattr(a, "_fields"):
                return type(a)(*items)
            return tuple(items)
        if isinstance(a, list):
            return [self.create_arg(v) for v in a]
        if isinstance(a, dict):
            out = {}
            for k, v in a.items():
                k = self.create_arg(k)
                if isinstance(k, Node):
                    raise RuntimeError(f"Keys for dictionaries used as an argument cannot "
                                       f"contain a Node. Got key: {k}")
                out[k] = self.create_arg(v)
            return out
        if isinstance(a, slice):
            return slice(self.create_arg(a.start), self.create_arg(a.stop),
                         self.create_arg(a.step))
        if isinstance(a, range):
            return range(self.create_arg(a.start), self.create_arg(a.stop),
                         self.create_arg(a.step))
        if isinstance(a, Parameter):
            for n, p in self.root.named_parameters():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
            raise NameError("parameter is not a member of this module")
        if isinstance(a, Tensor):
            name = self.tensor_attrs.get(id(a))
            if name is None:  # a tensor made in forward: kept on the root as a constant
                i = 0
                while hasattr(self.root, f"_tensor_constant{i}"):
                    i += 1
                name = f"_tensor_constant{i}"
                setattr(self.root, name, a)
                self.tensor_attrs[id(a)] = name
                self._keep.append(a)
            return self.create_node("get_attr", name, (), {})
        if isinstance(a, Module):
            for n, m in self.root.named_modules():
                if a is m:
                    return self.create_node("get_attr", n, (), {})
            raise NameError("module is not installed as a submodule")
        if a is None or a is Ellipsis or isinstance(a, (str, int, float, bool, complex)):
            return a
        if _is_base_type(a):
            return a
        raise NotImplementedError(f"argument of type: {type(a)}")

    # ------------------------------------------------------------------ modules
    def is_leaf_module(self, m, module_qualified_name: str) -> bool:
        """gradkit's own layers (``torch.nn.*``) are leaves, except ``Sequential``."""
        from ..nn import Sequential

        mod = type(m).__module__ or ""
        return (mod.startswith("gradkit.nn") or mod.startswith("torch.nn")) and \
            not isinstance(m, Sequential)

    def path_of_module(self, mod) -> str:
        if self.submodule_paths is None:
            self.submodule_paths = {}
            for name, m in self.root.named_modules():
                self.submodule_paths.setdefault(id(m), name)
        path = self.submodule_paths.get(id(mod))
        if path is None:
            raise NameError("module is not installed as a submodule")
        return path

    def call_module(self, m, forward, args, kwargs):
        """A submodule called during the trace: one node for a leaf, else traced through."""
        path = self.path_of_module(m)
        if not self.is_leaf_module(m, path):
            return forward(*args, **kwargs)
        return self.create_proxy("call_module", path, args, kwargs)

    def getattr(self, attr: str, attr_val, parameter_proxy_cache: dict):
        """What reading ``module.attr`` gives during the trace: parameters and buffers of the
        root as (cached) ``get_attr`` Proxies, anything else as it is."""
        from .. import Tensor

        if not isinstance(attr_val, Tensor):
            return attr_val
        name = self.tensor_attrs.get(id(attr_val))
        if name is None or name.startswith("_tensor_constant"):
            return attr_val
        proxy = parameter_proxy_cache.get(name)
        if proxy is None:
            proxy = self.create_proxy("get_attr", name, (), {})
            parameter_proxy_cache[name] = proxy
        return proxy

    # ------------------------------------------------------------------ the trace
    def iter(self, obj):
        raise TraceError("Proxy object cannot be iterated")

    def keys(self, obj):
        return _keys_proxy(obj)

    def to_bool(self, obj):
        raise TraceError("symbolically traced variables cannot be used as inputs to control "
                         "flow")

    def trace(self, root, concrete_args: dict | None = None) -> Graph:
        """Trace ``root`` (a Module or a function) and return the Graph."""
        from .._tensor import torch_function as tf
        from ..nn import Module

        if isinstance(root, Module):
            self.root = root
            fn = type(root).forward
            bound = [root]
        elif callable(root):
            self.root = Module()
            fn = root
            bound = []
        else:
            from .node import _TypeAssertion

            raise _TypeAssertion(f"symbolic_trace(): expected an nn.Module or a function, "
                                 f"got {type(root).__name__}")
        self.graph = Graph(tracer_cls=type(self))
        self.submodule_paths = None
        self._keep: list = []
        self.tensor_attrs = {}
        for name, p in self.root.named_parameters():
            self.tensor_attrs.setdefault(id(p), name)
        for name, b in self.root.named_buffers():
            self.tensor_attrs.setdefault(id(b), name)
        from .. import Tensor

        for prefix, mod in self.root.named_modules():  # plain tensor attributes, by path
            for k, v in vars(mod).items():
                if isinstance(v, Tensor) and not k.startswith("_tensor_constant"):
                    self.tensor_attrs.setdefault(id(v), f"{prefix}.{k}" if prefix else k)
        fn, kw_names = _star_params_positional(fn)
        args = bound + self._placeholders(fn, len(bound), concrete_args or {})
        kwargs = {k: args.pop() for k in reversed(kw_names)}
        patcher = _Patcher()
        was_active = tf.ACTIVE[0]
        try:
            self._patch(patcher, fn)
            tf.ACTIVE[0] = True
            result = fn(*args, **kwargs)
            self.create_node("output", "output", (self.create_arg(result),), {},
                             type_expr=getattr(fn, "__annotations__", {}).get("return"))
        finally:
            patcher.restore()
            if not was_active:
                tf.ACTIVE[0] = False
        return self.graph

    def _placeholders(self, fn, skip: int, concrete_args: dict) -> list:
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())[skip:]
        unknown = set(concrete_args) - {p.name for p in params}
        if unknown:
            raise TypeError(f"symbolic_trace(): concrete_args names {sorted(unknown)} that "
                            f"{getattr(fn, '__qualname__', fn)} does not take; its arguments "
                            f"are {[p.name for p in params]}")
        args = []
        star = getattr(fn, "_fx_star_params", {})
        for p in params:
            if p.name in star:  # ``*args``/``**kwargs``: one placeholder, a Proxy for all
                args.append(self.proxy(self.graph.placeholder(star[p.name] + p.name)))
                continue
            if p.name in concrete_args:
                value = concrete_args[p.name]
                # PyTorch names the specialized input ``<name>_1`` and checks its value on entry
                self.graph._namespace.create_name(p.name)
                node = self.graph.placeholder(p.name, default_value=p.default)
                node.target = node.name
                if value is None or isinstance(value, (bool, int, float, str)):
                    self._check_specialized(node, value, f"{p.name} has been specialized to "
                                                         f"have value {value} but got another "
                                                         f"value")
                args.append(value)
                continue
            annotation = None if p.annotation is p.empty else p.annotation
            node = self.graph.placeholder(p.name, annotation, default_value=p.default)
            args.append(self.proxy(node))
        return args

    def _check_specialized(self, node, value, msg):
        """Nodes that check, when the GraphModule runs, that a concrete argument still has the
        value it was traced with."""
        if value is None:
            self.create_node("call_function", _assert_is_none, (node, msg), {})
        else:
            eq = self.create_node("call_function", operator.eq, (node, value), {})
            self.create_node("call_function", _gradkit()._assert, (eq, msg), {})

    def _patch(self, patcher: _Patcher, fn):
        from .. import Tensor
        from ..nn import Module

        tracer = self
        orig_call = Module.__call__
        orig_getattr = Module.__getattr__
        cache: dict = {}

        def module_call(mod, *args, **kwargs):
            def forward(*a, **k):
                return orig_call(mod, *a, **k)
            return tracer.call_module(mod, forward, args, kwargs)

        def module_getattr(mod, name):
            return tracer.getattr(name, orig_getattr(mod, name), cache)

        patcher.set_attr(Module, "__call__", module_call)
        patcher.set_attr(Module, "__getattr__", module_getattr)

        def tensor_op(name, method_name):
            orig = Tensor.__dict__[name]

            def method(self, other):
                if isinstance(other, Proxy):
                    return other.tracer.create_proxy("call_method", method_name, (self, other),
                                                     {})
                return orig(self, other)
            method.__name__ = name
            return method

        for name, op in _TENSOR_BINARY.items():
            if name in Tensor.__dict__:
                patcher.set_attr(Tensor, name, tensor_op(name, op))
        orig_getitem = Tensor.__dict__["__getitem__"]

        def getitem(self, key):  # ``const[:, :x.size(1)]``: an index holding a Proxy
            if _has_proxy((key,), {}):
                return tracer.create_proxy("call_function", operator.getitem, (self, key), {})
            return orig_getitem(self, key)

        patcher.set_attr(Tensor, "__getitem__", getitem)

        def tensor_method(name, orig):
            def method(self, *args, **kwargs):
                if _has_proxy(args, kwargs):  # ``const.to(x.device)``, ``t.expand(x.size(0))``
                    return tracer.create_proxy("call_method", name, (self, *args), kwargs)
                return orig(self, *args, **kwargs)
            method.__name__ = name
            return method

        for name, value in list(vars(Tensor).items()):
            if not name.startswith("_") and isinstance(value, types.FunctionType):
                patcher.set_attr(Tensor, name, tensor_method(name, value))

        def wrapped(orig):
            def call(*args, **kwargs):
                if _has_proxy(args, kwargs):
                    proxy = tracer.create_proxy("call_function", orig, args, kwargs)
                    proxy.node.meta["is_wrapped"] = True  # (the code re-registers it)
                    return proxy
                return orig(*args, **kwargs)
            call.__name__ = getattr(orig, "__name__", "wrapped")
            call.__wrapped__ = orig
            return call

        for g, name in list(_WRAPPED.values()):
            orig = g.get(name, getattr(builtins, name, None))
            if orig is not None:
                patcher.set_item(g, name, wrapped(getattr(orig, "__wrapped__", orig)))
        auto = {id(f) for m in self._autowrap_modules for n, f in vars(m).items()
                if not n.startswith("_") and callable(f)}
        auto |= {id(f) for f in self._autowrap_functions}
        fn_globals = getattr(fn, "__globals__", {})
        for d in [fn_globals, *(vars(m) for m in self._autowrap_modules)]:
            for name, value in list(d.items()):
                if not name.startswith("_") and callable(value) and id(value) in auto:
                    patcher.set_item(d, name, wrapped(value))


def _keys_proxy(obj):
    return obj.tracer.create_proxy("call_method", "keys", (obj,), {})


def _is_base_type(a) -> bool:
    """Values a node may hold as they are: dtypes, devices, layouts, memory formats, sizes,
    NumPy scalars."""
    import numpy as np

    from .. import _dtype

    mod = type(a).__module__ or ""
    return isinstance(a, (np.generic, _dtype.dtype)) or is_own(mod) and \
        type(a).__name__ in ("device", "Device", "memory_format", "layout", "dtype")


def _star_params_positional(fn):
    """``fn`` with its ``*args``/``**kwargs`` turned into plain positional parameters (each to
    receive one Proxy), and the names of its keyword-only parameters (passed by keyword)."""

    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return fn, []
    kw_only = [p.name for p in params if p.kind is p.KEYWORD_ONLY]
    star = {p.name: "*" if p.kind is p.VAR_POSITIONAL else "**" for p in params
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    if not star:
        return fn, kw_only
    code = getattr(fn, "__code__", None)
    if code is None or kw_only:
        raise NotImplementedError(
            f"symbolic_trace(): {getattr(fn, '__qualname__', fn)} takes "
            f"{', '.join(k + v for v, k in star.items())} beside keyword-only arguments; "
            f"give its forward plain named arguments to trace it")
    flags = code.co_flags & ~(inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
    flat = types.FunctionType(code.replace(co_flags=flags, co_argcount=code.co_argcount
                                           + len(star)), fn.__globals__, fn.__name__, None,
                              fn.__closure__)
    flat.__qualname__ = fn.__qualname__
    flat.__annotations__ = dict(getattr(fn, "__annotations__", {}))
    flat._fx_star_params = star
    return flat, []


def _gradkit():
    import gradkit

    return gradkit


def symbolic_trace(root, concrete_args: dict | None = None):
    """Trace ``root`` (an nn.Module or a function) into a ``GraphModule``.

    Example::

        gm = torch.fx.symbolic_trace(model)
        print(gm.code)
    """
    from .graph_module import GraphModule

    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    name = type(root).__name__ if tracer.root is root else getattr(root, "__name__", "f")
    return GraphModule(tracer.root, graph, name)

